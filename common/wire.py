"""Python values <-> gradwire.v1 messages, for the client and the server alike.

Only data crosses the wire: numbers, strings, lists, tuples, None, dtypes,
raw tensor bytes and handle ids. Nothing executable, nothing pickled.
The engine never imports this module (it knows nothing of the protocol).
"""
from __future__ import annotations

import sys

import numpy as np

from gradwire.common import dtypes
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
    if len(data) != count * dtype.itemsize:
        raise ValueError(
            f"tensor payload has {len(data)} bytes, but shape {list(shape)} of {dtype_name} needs "
            f"{count * dtype.itemsize}"
        )
    return np.frombuffer(bytearray(data), dtype=dtype.numpy).reshape(shape)


def encode(obj, handle_of) -> pb.Value:
    """One Python argument as a Value; ``handle_of(obj)`` gives a tensor's id or None."""
    value = pb.Value()
    encode_into(value, obj, handle_of)
    return value


def encode_into(value: pb.Value, obj, handle_of) -> None:
    """Fill ``value`` (e.g. a fresh ``command.args.add()``, which saves a copy) with ``obj``."""
    # The common cases first: this runs for every argument of every op.
    t = type(obj)
    if t is float:
        value.float = obj
    elif t is int:
        value.int = obj
    elif t is bool:
        value.bool = obj
    elif obj is None:
        value.none = True
    else:
        handle = handle_of(obj)
        if handle is not None:
            value.handle = handle
        elif t is tuple or t is list:
            seq = value.tuple if t is tuple else value.list
            seq.SetInParent()  # an empty list is still a list
            items = seq.items
            for x in obj:
                encode_into(items.add(), x, handle_of)
        elif t is str:
            value.str = obj
        elif t is dict:
            items = value.dict.items
            value.dict.SetInParent()
            for k, v in obj.items():
                encode_into(items.add(), k, handle_of)
                encode_into(items.add(), v, handle_of)
        elif isinstance(obj, dtypes.DType):
            value.dtype = obj.name
        elif t is slice:  # indexing: ("slice", start, stop, step); the engine's getitem reads it
            encode_into(value, ("slice", obj.start, obj.stop, obj.step), handle_of)
        elif obj is Ellipsis:
            value.str = "..."
        elif isinstance(obj, np.ndarray):
            value.tensor.CopyFrom(tensor_data(obj))
        elif isinstance(obj, np.bool_):
            value.bool = bool(obj)
        elif isinstance(obj, np.integer):
            value.int = int(obj)
        elif isinstance(obj, np.floating):
            value.float = float(obj)
        elif isinstance(obj, (tuple, list)):  # torch.Size and other sequences
            value.tuple.SetInParent()
            for x in obj:
                encode_into(value.tuple.items.add(), x, handle_of)
        else:
            raise TypeError(f"gradwire cannot send a value of type {type(obj).__name__} to the server")


def decode(value: pb.Value, tensor_of):
    """A Value as a Python object; ``tensor_of(handle)`` resolves handles."""
    kind = value.WhichOneof("kind")
    if kind == "handle":
        return tensor_of(value.handle)
    if kind in ("float", "int", "bool", "str"):
        return getattr(value, kind)
    if kind == "none" or kind is None:
        return None
    if kind == "tuple":
        return tuple(decode(v, tensor_of) for v in value.tuple.items)
    if kind == "list":
        return [decode(v, tensor_of) for v in value.list.items]
    if kind == "dtype":
        return dtypes.from_name(value.dtype)
    if kind == "dict":
        items = [decode(v, tensor_of) for v in value.dict.items]
        return dict(zip(items[0::2], items[1::2]))
    if kind == "tensor":
        t = value.tensor
        return array_from(t.dtype, t.shape, t.data)
    raise ValueError(f"unknown value kind {kind!r}")


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
