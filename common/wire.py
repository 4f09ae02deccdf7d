"""Python values <-> gradwire.v1 messages, for the client and the server alike: the
tape that carries a batch's commands and a command's result (Values in gradwire.proto).

Only data crosses the wire: numbers, strings, lists, tuples, None, dtypes,
raw tensor bytes and handle ids. Nothing executable, nothing pickled.
The engine never imports this module (it knows nothing of the protocol).
"""
from __future__ import annotations

import sys
from array import array

import numpy as np

from gradwire.common import dtypes, memory_formats
from gradwire.v1 import gradwire_pb2 as pb

# Tensor bytes on the wire are little-endian; so are the hosts we run on.
assert sys.byteorder == "little", "gradwire's wire format assumes a little-endian host"

CHUNK_BYTES = 2 << 20          # Upload/Download chunk size (DESIGN: 1-4 MiB)
INLINE_MAX_BYTES = 1 << 20     # larger tensors travel on Upload/Download
MAX_MESSAGE_BYTES = 64 << 20   # grpc message limit both sides set


def tensor_data(array: np.ndarray, dtype: dtypes.DType | None = None) -> pb.TensorData:
    dtype = dtype or dtypes.from_numpy(array.dtype)
    array = np.asarray(array, dtype=dtype.numpy, order="C")  # (ascontiguousarray would make 0-d 1-d)
    return pb.TensorData(dtype=dtype.name, shape=array.shape, data=array.tobytes())


def array_from(dtype_name: str, shape, data: bytes) -> np.ndarray:
    """A writable array over received bytes (the protobuf bytes are immutable)."""
    dtype = dtypes.from_name(dtype_name)
    shape = tuple(shape)
    count = 1
    for s in shape:
        count *= s
    if len(data) != count * dtype.numpy.itemsize:  # (bfloat16 travels as its float32 arrays)
        raise ValueError(
            f"tensor payload has {len(data)} bytes, but shape {list(shape)} of {dtype_name} needs "
            f"{count * dtype.numpy.itemsize}"
        )
    return np.frombuffer(bytearray(data), dtype=dtype.numpy).reshape(shape)


# ----- values on the tape (see Values in gradwire.proto) -----------------------------------

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1

K_HANDLE, K_FLOAT, K_INT, K_TRUE, K_FALSE, K_NONE, K_STR, K_DTYPE, K_TUPLE, K_LIST, K_DICT, K_TENSOR, K_COMPLEX = \
    range(13)

# Command flags (Batch in gradwire.proto).
GRAD_ENABLED, WANT_VALUE, VARIADIC_OUTPUTS, INFERENCE_MODE, WANT_META, FORWARD_STACK, WANT_NAMES = 1, 2, 4, 8, 16, 32, 64


class TapeWriter:
    """Values appended to a tape's columns: a batch's commands on the client, a result on the server."""

    __slots__ = ("ints", "floats", "strs", "tensors")

    def __init__(self):
        self.ints: list[int] = []
        self.floats: list[float] = []
        self.strs: list[str] = []
        self.tensors: list[pb.TensorData] = []

    def value(self, obj, handle_of) -> None:
        """Append ``obj``; ``handle_of(obj)`` gives a tensor's handle id, or None for other objects."""
        # The common cases first: this runs for every argument of every op.
        t = type(obj)
        ints = self.ints
        if t is float:
            ints.append(K_FLOAT)
            self.floats.append(obj)
        elif t is int:
            if not _INT64_MIN <= obj <= _INT64_MAX:
                raise OverflowError("int too big to convert")  # torch's text for a scalar operand
            ints.append(K_INT)
            ints.append(obj)
        elif t is bool:
            ints.append(K_TRUE if obj else K_FALSE)
        elif obj is None:
            ints.append(K_NONE)
        else:
            handle = handle_of(obj)
            if handle is not None:
                ints.append(K_HANDLE)
                ints.append(handle)
            elif t is tuple or t is list:
                ints.append(K_TUPLE if t is tuple else K_LIST)
                ints.append(len(obj))
                for x in obj:
                    self.value(x, handle_of)
            elif t is str:
                ints.append(K_STR)
                self.strs.append(obj)
            elif t is dict:
                ints.append(K_DICT)
                ints.append(len(obj))
                for k, v in obj.items():
                    self.value(k, handle_of)
                    self.value(v, handle_of)
            elif isinstance(obj, dtypes.DType):
                ints.append(K_DTYPE)
                self.strs.append(obj.name)
            elif t is slice:  # indexing: ("slice", start, stop, step); the engine's getitem reads it
                self.value(("slice", obj.start, obj.stop, obj.step), handle_of)
            elif obj is Ellipsis:
                self.value("...", handle_of)
            elif isinstance(obj, np.ndarray):
                ints.append(K_TENSOR)
                self.tensors.append(tensor_data(obj))
            elif isinstance(obj, np.bool_):
                self.value(bool(obj), handle_of)
            elif isinstance(obj, np.integer):
                self.value(int(obj), handle_of)
            elif t is complex or isinstance(obj, np.complexfloating):
                ints.append(K_COMPLEX)
                self.floats.append(float(obj.real))
                self.floats.append(float(obj.imag))
            elif isinstance(obj, np.floating):
                self.value(float(obj), handle_of)
            elif isinstance(obj, (tuple, list)):  # torch.Size and other sequences
                self.value(tuple(obj), handle_of)
            elif isinstance(obj, memory_formats.memory_format):  # by its name
                self.value(obj.name, handle_of)
            else:
                raise TypeError(f"gradwire cannot send a value of type {type(obj).__name__} to the server")

    def command(self, flags: int, outputs, args, kwargs, handle_of, stack=()) -> None:
        """Append one command's part of the tape (its op and seq travel beside it, in Batch).
        If a value cannot be sent (TypeError, OverflowError), the tape is left as it was."""
        ints = self.ints
        mark = (len(ints), len(self.floats), len(self.strs), len(self.tensors))
        try:
            ints.append(flags | FORWARD_STACK if stack else flags)
            ints.append(len(outputs))
            ints.extend(outputs)
            ints.append(len(args))
            value = self.value
            for a in args:
                value(a, handle_of)
            if kwargs:
                ints.append(len(kwargs))
                for k, v in kwargs.items():
                    self.strs.append(k)
                    value(v, handle_of)
            else:
                ints.append(0)
            if stack:
                ints.append(len(stack))
                self.strs.extend(stack)
        except BaseException:
            del ints[mark[0]:], self.floats[mark[1]:], self.strs[mark[2]:], self.tensors[mark[3]:]
            raise

    def fill(self, values: pb.Values) -> pb.Values:
        """Copy the columns into a Values message."""
        values.ints = array("q", self.ints).tobytes()
        values.floats = array("d", self.floats).tobytes()
        values.strs.extend(self.strs)
        values.tensors.extend(self.tensors)
        return values


def encode(obj, handle_of=lambda obj: None) -> pb.Values:
    """One Python value as a Values message (a command's result)."""
    writer = TapeWriter()
    writer.value(obj, handle_of)
    return writer.fill(pb.Values())


class Ref:
    """A tensor handle among decoded arguments; ``resolve`` looks it up when the command runs."""

    __slots__ = ("id",)

    def __init__(self, handle: int):
        self.id = handle

    def __repr__(self):
        return f"Ref({self.id})"


class Literal:
    """An inline tensor literal, turned into an array when resolved: a literal whose bytes do
    not match its shape fails its own command, not the batch that carries it."""

    __slots__ = ("data",)

    def __init__(self, data: pb.TensorData):
        self.data = data

    def array(self) -> np.ndarray:
        d = self.data
        return array_from(d.dtype, d.shape, d.data)


def resolve(value, tensor_of):
    """``value`` with its Refs looked up by ``tensor_of(handle)`` and its Literals made arrays."""
    t = type(value)
    if t is Ref:
        return tensor_of(value.id)
    if t is Literal:
        return value.array()
    if t is tuple:
        return tuple([resolve(v, tensor_of) for v in value])
    if t is list:
        return [resolve(v, tensor_of) for v in value]
    if t is dict:
        return {resolve(k, tensor_of): resolve(v, tensor_of) for k, v in value.items()}
    return value


class MalformedTape(ValueError):
    """The tape does not decode: a protocol violation, not a user's mistake."""


class TapeReader:
    """Reads values off a Values message's columns, in order."""

    __slots__ = ("int", "float", "str", "tensor", "lazy", "_iters")

    def __init__(self, values: pb.Values):
        try:
            ints, floats = array("q", values.ints).tolist(), array("d", values.floats).tolist()
        except ValueError:
            raise MalformedTape("a number column is not a whole number of 8-byte numbers") from None
        self._iters = iters = (iter(ints), iter(floats), iter(values.strs), iter(values.tensors))
        self.int, self.float, self.str, self.tensor = iters[0].__next__, iters[1].__next__, iters[2].__next__, \
            iters[3].__next__
        self.lazy = 0  # Refs and Literals made by value(): what resolve() has to replace

    def value(self, kind: int | None = None):
        """The next value (its kind token already read, when given). Handles come back as Refs
        and tensor literals as Literals (see ``resolve``). StopIteration: the tape ended early."""
        if kind is None:
            kind = self.int()
        if kind == K_HANDLE:
            self.lazy += 1
            return Ref(self.int())
        if kind == K_FLOAT:
            return self.float()
        if kind == K_INT:
            return self.int()
        if kind == K_TRUE:
            return True
        if kind == K_FALSE:
            return False
        if kind == K_NONE:
            return None
        if kind == K_STR:
            return self.str()
        if kind == K_TUPLE:
            return tuple([self.value() for _ in range(self.int())])
        if kind == K_LIST:
            return [self.value() for _ in range(self.int())]
        if kind == K_DTYPE:
            try:
                return dtypes.from_name(self.str())
            except TypeError as exc:
                raise MalformedTape(str(exc)) from None
        if kind == K_COMPLEX:
            return complex(self.float(), self.float())
        if kind == K_DICT:
            items = [self.value() for _ in range(2 * self.int())]
            return dict(zip(items[0::2], items[1::2]))
        if kind == K_TENSOR:
            self.lazy += 1
            return Literal(self.tensor())
        raise MalformedTape(f"unknown value kind {kind}")

    def done(self) -> None:
        """MalformedTape unless every column has been read to its end."""
        end = object()
        if any(next(it, end) is not end for it in self._iters):
            raise MalformedTape("the tape holds more than its commands")


class Command:
    """One command of a batch, decoded. Its arguments hold handle ids (at the positions in
    ``refs``), Refs and Literals until ``resolved_args``/``resolved_kwargs`` (a recorded
    program resolves them again, against other tensors)."""

    __slots__ = ("seq", "op", "flags", "outputs", "args", "refs", "kwargs", "deep", "forward_stack")

    def __init__(self, seq, op, flags, outputs, args, refs, kwargs, deep, forward_stack):
        self.seq = seq
        self.op = op
        self.flags = flags
        self.outputs = outputs
        self.args = args
        self.refs = refs                # positions in args of top-level handle ids
        self.kwargs = kwargs            # None when there are none
        self.deep = deep                # a Ref inside a list, or a Literal: resolve() walks the rest
        self.forward_stack = forward_stack

    grad_enabled = property(lambda self: bool(self.flags & GRAD_ENABLED))
    want_value = property(lambda self: bool(self.flags & WANT_VALUE))
    variadic_outputs = property(lambda self: bool(self.flags & VARIADIC_OUTPUTS))
    want_meta = property(lambda self: bool(self.flags & WANT_META))

    def resolved_args(self, tensor_of) -> list:
        args = self.args.copy()  # the command keeps its ids: a recorded program resolves them again
        for i in self.refs:
            args[i] = tensor_of(args[i])
        if self.deep:
            return [resolve(a, tensor_of) for a in args]
        return args

    def resolved_kwargs(self, tensor_of) -> dict:
        return {k: resolve(v, tensor_of) for k, v in self.kwargs.items()} if self.kwargs else {}


def read_batch(batch: pb.Batch) -> list[Command]:
    """A batch's commands, decoded; MalformedTape if its tape does not match its ops."""
    reader = TapeReader(batch.tape)
    next_int, next_float, next_str, value = reader.int, reader.float, reader.str, reader.value
    commands = []
    append = commands.append
    seq = batch.first_seq
    try:
        for op in batch.ops:
            flags = next_int()
            n = next_int()
            outputs = [next_int()] if n == 1 else [next_int() for _ in range(n)]
            lazy = reader.lazy
            args = []
            refs = ()
            for i in range(next_int()):  # handles and floats inline: most arguments are one or the other
                kind = next_int()
                if kind == K_HANDLE:
                    refs += (i,)
                    args.append(next_int())
                elif kind == K_FLOAT:
                    args.append(next_float())
                else:
                    args.append(value(kind))
            n = next_int()
            kwargs = {next_str(): value() for _ in range(n)} if n else None
            stack = [next_str() for _ in range(next_int())] if flags & FORWARD_STACK else None
            append(Command(seq, op, flags, outputs, args, refs, kwargs, reader.lazy != lazy, stack))
            seq += 1
    except StopIteration:
        raise MalformedTape(f"the tape ends before command {seq}'s end") from None
    reader.done()
    return commands


def decode(values: pb.Values):
    """The one value a Values message holds (a command's result), tensor literals as arrays."""
    reader = TapeReader(values)
    try:
        value = reader.value()
    except StopIteration:
        raise MalformedTape("the value ends early") from None
    reader.done()
    return resolve(value, None)


_DATA_TAG = b"\x2a"  # UploadChunk.data: field 5, length-delimited


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def serialize_upload_chunk(chunk) -> bytes:
    """An UploadChunk's wire bytes. A bare memoryview stands for a data-only chunk and is
    framed by hand: one copy of the payload instead of the three a message would make."""
    if isinstance(chunk, memoryview):
        return b"".join((_DATA_TAG, _varint(len(chunk)), chunk))
    return chunk.SerializeToString()


def parse_upload_chunk(raw: bytes):
    """The inverse of serialize_upload_chunk: a data-only chunk comes back as a memoryview
    over the received bytes (no copy); anything else is parsed as an UploadChunk."""
    if raw[:1] == _DATA_TAG:
        n, shift, i = 0, 0, 1
        while i < len(raw):
            byte = raw[i]
            n |= (byte & 0x7F) << shift
            i += 1
            if not byte & 0x80:
                break
            shift += 7
        if i + n == len(raw):
            return memoryview(raw)[i:]
    return pb.UploadChunk.FromString(raw)


def chunks(data, size: int = CHUNK_BYTES):
    """Memoryview slices of ``data`` (no copies) of at most ``size`` bytes."""
    view = memoryview(data).cast("B")
    for start in range(0, max(len(view), 1), size):
        yield view[start:start + size]
