"""The one command loop: runs a batch of commands against a session's tensors.

Every command is looked up in the engine's op registry and nothing else.
A command that raises becomes a CommandError tagged with its sequence number;
commands that consume its outputs fail as "caused by" it; the rest of the
batch, and every other session, carry on.
"""
from __future__ import annotations

import itertools
import logging
import warnings

import grpc
import numpy as np

from gradwire import engine
from gradwire.common import dtypes, grad_mode, wire
from gradwire.common.wire import GRAD_ENABLED, INFERENCE_MODE, WANT_META, WANT_NAMES, WANT_VALUE
from gradwire.v1 import gradwire_pb2 as pb

from . import callbacks, session_ops  # noqa: F401 - session_ops registers its ops
from .sessions import CallError, OutOfMemoryError, Session

log = logging.getLogger("gradwire.server")

# A user's mistake keeps PyTorch's exception type; the status code tells a
# gRPC operator what kind of failure it was.
_STATUS_OF_TYPE = {
    "RuntimeError": grpc.StatusCode.INVALID_ARGUMENT,
    "TypeError": grpc.StatusCode.INVALID_ARGUMENT,
    "ValueError": grpc.StatusCode.INVALID_ARGUMENT,
    "IndexError": grpc.StatusCode.INVALID_ARGUMENT,
    "AssertionError": grpc.StatusCode.INVALID_ARGUMENT,  # gradcheck's, as torch's (engine and server use no assert)
    "NotImplementedError": grpc.StatusCode.UNIMPLEMENTED,
    "MemoryError": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "OutOfMemoryError": grpc.StatusCode.RESOURCE_EXHAUSTED,  # a session's quota, or CuPy's
}
_FREED_GRAPH = "backward through the graph a second time"


class _FailedInput(Exception):
    """An argument names the output of a command that failed."""

    def __init__(self, root_seq: int):
        self.root_seq = root_seq


def _error(cmd: wire.Command, exc: BaseException) -> pb.CommandError:
    if isinstance(exc, callbacks.ClientCodeError):
        return pb.CommandError(seq=cmd.seq, op=cmd.op, code=grpc.StatusCode.ABORTED.value[0],
                               python_type=exc.python_type, message=str(exc), callback_id=exc.callback_id)
    if isinstance(exc, _FailedInput):
        return pb.CommandError(seq=cmd.seq, op=cmd.op, code=grpc.StatusCode.FAILED_PRECONDITION.value[0],
                               python_type="RuntimeError", caused_by=exc.root_seq,
                               message=f"an input of {cmd.op} comes from command {exc.root_seq}, which failed")
    if isinstance(exc, CallError):
        return pb.CommandError(seq=cmd.seq, op=cmd.op, code=exc.code.value[0],
                               python_type="RuntimeError", message=exc.message)
    python_type = type(exc).__name__
    if python_type not in _STATUS_OF_TYPE:
        # Subclasses keep their base's meaning (GradcheckError is a RuntimeError ...).
        base = next((b.__name__ for b in type(exc).__mro__ if b.__name__ in _STATUS_OF_TYPE), None)
        if base is None:
            log.exception("internal error in op %s (seq %d)", cmd.op, cmd.seq)
            return pb.CommandError(seq=cmd.seq, op=cmd.op, code=grpc.StatusCode.INTERNAL.value[0],
                                   python_type="RuntimeError",
                                   message=f"internal server error in {cmd.op}: {python_type}: {exc}")
        status = _STATUS_OF_TYPE[base]
    else:
        status = _STATUS_OF_TYPE[python_type]
    message = str(exc) if not isinstance(exc, KeyError) else exc.args[0]
    if _FREED_GRAPH in message:
        status = grpc.StatusCode.FAILED_PRECONDITION
    return pb.CommandError(seq=cmd.seq, op=cmd.op, code=status.value[0], python_type=python_type, message=message)


def tensor_meta(handle: int, t) -> pb.TensorMeta:
    meta = pb.TensorMeta()
    _fill_meta(meta, handle, t)
    return meta


def _fill_meta(meta: pb.TensorMeta, handle: int, t) -> None:
    meta.handle = handle
    if t is None:
        meta.is_none = True
    elif not isinstance(t, engine.Tensor):  # a server-side object, e.g. an optimizer's state
        meta.object_type = type(t).__name__
    else:
        meta.shape.extend(t.shape)
        meta.dtype = t.dtype.name
        meta.device = t.device
        meta.requires_grad = t.requires_grad
        grad_fn = t.grad_fn
        meta.is_leaf = grad_fn is None
        if grad_fn is not None:
            meta.grad_fn = grad_fn.name()


def _grad_fn_name(t) -> str:
    grad_fn = getattr(t, "grad_fn", None)  # (t may be None, or a server-side object)
    return grad_fn.name() if grad_fn is not None else ""


def _plain(value):
    """A result with its tensors as arrays, so it travels as data (state dicts, item, tolist)."""
    if isinstance(value, engine.Tensor):
        return value.numpy(force=True)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def _value_of(result) -> pb.Values:
    return wire.encode(_plain(result))


_show_warning = warnings.showwarning


def _route_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings raised while a session's command runs go back to that session's client."""
    loop = getattr(callbacks._current, "loop", None)
    command = getattr(callbacks._current, "command", None)
    if loop is None or command is None:
        return _show_warning(message, category, filename, lineno, file, line)
    loop.warnings.append(pb.CommandWarning(seq=command.seq, category=category.__name__, message=str(message)))


warnings.showwarning = _route_warning


class CommandLoop:
    """Serves one session stream: runs batches, and calls the client back when
    the engine reaches client code (a custom Function's backward, a hook)."""

    def __init__(self, session: Session, requests=None, send=None, *, can_call_back=True):
        self.session = session
        self.requests = requests      # iterator of ClientMessage
        self.send = send              # puts a ServerMessage on the stream
        # False while the loop runs on the stream's handler thread, which can't
        # send in the middle of a command (see servicer.Session).
        self.can_call_back = can_call_back
        self._callback_ids = itertools.count(1)
        self.warnings: list = []      # CommandWarnings of the batch being run
        self.released_functions: list = []  # client functions whose nodes are gone

    def talks_to_client(self, message: pb.ClientMessage) -> bool:
        """Whether a command of ``message`` may call the client back or stream to it."""
        return message.WhichOneof("kind") == "batch" and not TALKS_TO_CLIENT.isdisjoint(message.batch.ops)

    def serve_message(self, message: pb.ClientMessage) -> None:
        """Answer one message of the stream (a batch: its reply goes out through ``send``)."""
        self._dispatch_message(message)

    def _dispatch_message(self, message: pb.ClientMessage) -> pb.CallbackResult | None:
        kind = message.WhichOneof("kind")
        if kind == "batch":
            self.session.touch()
            self.send(pb.ServerMessage(reply=self.run_batch(message.batch)))
            return None
        if kind == "callback_result":
            return message.callback_result
        raise CallError(grpc.StatusCode.INVALID_ARGUMENT, "unknown message on the session stream")

    def function_released(self, function_id: int) -> None:
        """A client function's node is gone: the next reply tells the client to forget it."""
        self.released_functions.append(function_id)

    def callback(self, function_id: int, args, in_backward: bool = False) -> list:
        """Call client code with ``args`` (tensors or None); returns the tensors it returned.
        ``in_backward``: the code runs under the backward's grad mode (its create_graph), as in torch.

        While waiting, the client's batches (the ops its code issues) keep running.
        """
        if not self.can_call_back:  # talks_to_client missed an op: fail the command, don't hang
            raise CallError(grpc.StatusCode.INTERNAL, "a client callback from a loop that cannot make one")
        callback_id = next(self._callback_ids)
        session = self.session
        message = pb.Callback(callback_id=callback_id, function_id=function_id)
        if in_backward:
            message.grad_mode = 2 if grad_mode.is_grad_enabled() else 1
        for t in args:
            handle = session.server_handle()
            if t is not None:
                session.bind(handle, t)
            message.args.append(tensor_meta(handle, t))
        self.send(pb.ServerMessage(callback=message))
        for request in self.requests:
            result = self._dispatch_message(request)
            if result is None:
                continue
            if result.callback_id != callback_id:
                raise CallError(grpc.StatusCode.INVALID_ARGUMENT,
                                f"callback result {result.callback_id} while waiting for {callback_id}")
            if result.python_type:
                raise callbacks.ClientCodeError(callback_id, result.python_type, result.message)
            return [None if h == 0 else self._tensor_of(h) for h in result.handles]
        raise CallError(grpc.StatusCode.CANCELLED, "the session stream ended while the server waited for the client")

    def _tensor_of(self, handle: int):
        t = self.session.handles.get(handle)
        if t is not None:
            return t
        failed = self.session.failed.get(handle)
        if failed is not None:
            raise _FailedInput(failed)
        return self.session.tensor(handle)  # NOT_FOUND

    def run_batch(self, batch: pb.Batch) -> pb.BatchReply:
        session = self.session
        reply = pb.BatchReply(batch_id=batch.batch_id)
        current = callbacks._current
        previous = getattr(current, "loop", None), getattr(current, "command", None), self.warnings
        current.loop = self
        self.warnings = []
        try:
            with session.lock, session.installed():
                self._run_batch(batch, reply)
            reply.warnings.extend(self.warnings)
            if self.released_functions:
                released, self.released_functions = self.released_functions, []
                reply.released_functions.extend(released)
            return reply
        finally:
            current.loop, current.command, self.warnings = previous

    def _run_batch(self, batch: pb.Batch, reply: pb.BatchReply) -> pb.BatchReply:
        session = self.session
        if session.closed:
            raise CallError(grpc.StatusCode.NOT_FOUND, f"session {session.id} is closed")
        try:
            commands = wire.read_batch(batch)
        except wire.MalformedTape as exc:
            raise CallError(grpc.StatusCode.INVALID_ARGUMENT, f"malformed batch {batch.batch_id}: {exc}") from None
        handles = session.handles
        results = reply.results
        names = []  # BatchReply.grad_fns
        grad_state = grad_mode._state
        enabled_before, inference_before = grad_state.enabled, grad_state.inference
        try:
            current = callbacks._current
            anomaly = engine.function.anomaly_state
            run = self._run
            tensor_of = self._tensor_of
            for cmd in commands:
                current.command = cmd  # the command a warning names (_route_warning)
                if anomaly.enabled:
                    anomaly.forward_stack = cmd.forward_stack  # the client's stack
                try:
                    flags = cmd.flags
                    grad_state.enabled = flags & GRAD_ENABLED != 0
                    grad_state.inference = flags & INFERENCE_MODE != 0
                    if session.max_bytes:
                        fresh = [h for h in cmd.outputs if h not in handles]
                        out = run(cmd, tensor_of)
                        session.check_quota(fresh)
                    else:
                        out = run(cmd, tensor_of)
                    if flags & (WANT_META | WANT_VALUE):
                        self._report(cmd, out, results.add(seq=cmd.seq))
                    if session.recording is not None and cmd.op != "program.begin":
                        session.recording.commands.append(cmd)
                    if flags & WANT_NAMES:  # last: nothing after it can fail
                        names.extend([_grad_fn_name(handles.get(h)) for h in cmd.outputs])
                except Exception as exc:  # noqa: BLE001 - every failure becomes a CommandError
                    if cmd.flags & WANT_NAMES:
                        names.extend([""] * len(cmd.outputs))
                    if session.recording is not None and cmd.op != "program.begin":
                        # a replay of the recorded function fails where the client's run did, with its error
                        session.recording.commands.append(cmd)
                    err = _error(cmd, exc)
                    reply.errors.append(err)
                    root = err.caused_by or cmd.seq
                    for h in cmd.outputs:
                        # Poison the outputs this command was to create; an in-place
                        # op's output is its input, which keeps its old value.
                        if h not in handles:
                            session.failed[h] = root
        finally:
            grad_state.enabled, grad_state.inference = enabled_before, inference_before
            engine.function.anomaly_state.forward_stack = None
        reply.grad_fns.extend(names)
        session.release(batch.release)
        return reply

    def _run(self, cmd: wire.Command, tensor_of):
        """Runs one command and binds its outputs; returns what the op returned."""
        fn = _OPS.get(cmd.op)
        if fn is None:
            raise CallError(grpc.StatusCode.UNIMPLEMENTED, f"unknown op {cmd.op!r}")
        args = cmd.resolved_args(tensor_of)
        out = fn(*args, **cmd.resolved_kwargs(tensor_of)) if cmd.kwargs else fn(*args)
        ids = cmd.outputs
        if ids:
            if len(ids) == 1 and type(out) is _Tensor:  # the common case: one tensor, bound to a new id
                handles = self.session.handles
                if ids[0] not in handles:
                    handles[ids[0]] = out
                    return out
            self._bind_outputs(cmd, out)
        return out

    def _bind_outputs(self, cmd: wire.Command, out) -> None:
        """Bind the op's outputs to the client's ids, in order."""
        handles = self.session.handles
        ids = cmd.outputs
        if len(ids) == 1 and not isinstance(out, (tuple, list)):  # the common case
            if isinstance(out, _VALUE_TYPES):
                raise CallError(grpc.StatusCode.INVALID_ARGUMENT, f"{cmd.op} returns a value, not a tensor")
            h = ids[0]
            bound = handles.get(h)
            if bound is not None and bound is not out:  # an in-place op names its input: same tensor
                raise CallError(grpc.StatusCode.INVALID_ARGUMENT, f"handle {h} is already bound")
            handles[h] = out
            return
        outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        if cmd.variadic_outputs:
            if len(outs) > len(ids):
                raise CallError(grpc.StatusCode.INVALID_ARGUMENT,
                                f"{cmd.op} returns {len(outs)} outputs but the command has {len(ids)} ids")
        elif len(outs) != len(ids):
            raise CallError(grpc.StatusCode.INVALID_ARGUMENT,
                            f"{cmd.op} returns {len(outs)} outputs but the command names {len(ids)}")
        for h, t in zip(ids, outs):
            if isinstance(t, _VALUE_TYPES):
                raise CallError(grpc.StatusCode.INVALID_ARGUMENT, f"{cmd.op} returns a value, not a tensor")
            bound = handles.get(h)
            if bound is not None and bound is not t:
                raise CallError(grpc.StatusCode.INVALID_ARGUMENT, f"handle {h} is already bound")
        for h, t in zip(ids, outs):
            handles[h] = t

    def _report(self, cmd: wire.Command, out, result: pb.CommandResult) -> None:
        """What the client asked to hear back: the outputs' metadata, the value."""
        if cmd.want_meta and cmd.outputs:
            outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
            add = result.outputs.add
            for h, t in zip(cmd.outputs, outs):
                _fill_meta(add(), h, t)
        if cmd.want_value:
            result.value.CopyFrom(_value_of(out))


_VALUE_TYPES = (int, float, bool, str, bytes, list, tuple, dict)
_Tensor = engine.Tensor
_OPS = engine.OPS._ops  # the registry's dict, read directly on the hot path
# Ops that may send to the client in the middle of running: callbacks, progress.
TALKS_TO_CLIENT = callbacks.TALKS_TO_CLIENT | session_ops.TALKS_TO_CLIENT


def upload(session: Session, chunks) -> pb.UploadResponse:
    """Assemble an UploadChunk stream into one tensor bound to its handle."""
    first = next(chunks, None)
    if first is None or isinstance(first, memoryview):
        raise CallError(grpc.StatusCode.INVALID_ARGUMENT, "an upload starts with its header chunk")
    try:
        dtype = dtypes.from_name(first.dtype)
    except TypeError as exc:
        raise CallError(grpc.StatusCode.INVALID_ARGUMENT, str(exc)) from None
    shape = tuple(first.shape)
    if any(s < 0 for s in shape):
        raise CallError(grpc.StatusCode.INVALID_ARGUMENT, f"negative dimension in shape {list(shape)}")
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.numpy.itemsize
    buf = np.empty(nbytes, dtype=np.uint8)
    offset = 0
    for chunk in _chain(first, chunks):
        # data-only chunks arrive as memoryviews (wire.parse_upload_chunk), others as messages
        data = chunk if isinstance(chunk, memoryview) else chunk.data
        n = len(data)
        if offset + n > nbytes:
            raise CallError(grpc.StatusCode.INVALID_ARGUMENT,
                            f"upload sends more than the {nbytes} bytes its shape {list(shape)} needs")
        buf[offset:offset + n] = np.frombuffer(data, dtype=np.uint8)
        offset += n
    if offset != nbytes:
        raise CallError(grpc.StatusCode.INVALID_ARGUMENT,
                        f"upload ended after {offset} of the {nbytes} bytes its shape {list(shape)} needs")
    array = buf.view(dtype.numpy).reshape(shape)
    t = engine.from_numpy(array) if not dtype.rounds else _Tensor(array, dtype)  # (bfloat16: rounded)
    if first.requires_grad:
        t.requires_grad_(True)
    with session.lock:
        if first.handle in session.handles:
            raise CallError(grpc.StatusCode.INVALID_ARGUMENT, f"handle {first.handle} is already bound")
        session.bind(first.handle, t)
        if session.max_bytes:
            try:
                session.check_quota((first.handle,))
            except OutOfMemoryError as exc:
                raise CallError(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc)) from None
    return pb.UploadResponse(meta=tensor_meta(first.handle, t))


def _chain(first, rest):
    yield first
    yield from rest


def download(session: Session, handle: int):
    """A tensor's bytes as TensorChunk messages, without copying the array."""
    with session.lock:
        t = session.tensor(handle)
    if not isinstance(t, engine.Tensor):
        raise CallError(grpc.StatusCode.FAILED_PRECONDITION, f"handle {handle} holds no tensor")
    array = np.asarray(t.numpy(force=True), order="C")
    first = True
    for piece in wire.chunks(array):
        if first:
            yield pb.TensorChunk(dtype=t.dtype.name, shape=array.shape, data=bytes(piece))
            first = False
        else:
            yield pb.TensorChunk(data=bytes(piece))
