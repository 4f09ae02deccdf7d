"""A session on a gradwire server: the batching command queue and bulk transfers.

Every command leaves the client through ``Connection.submit``, so the batching
policy is decided here and only here: commands queue and go out as one batch
when a value is needed (a sync point), when the queue passes a size bound, or
every time in sync mode (``GRADWIRE_SYNC=1``). Errors the server finds are
raised at the next sync point, naming the op and the user line that issued it.
"""
from __future__ import annotations

import itertools
import os
import queue
import sys
import threading
import time
import traceback
import warnings
import weakref

import grpc
import numpy as np

from gradwire.common import wire
from gradwire.common.grad_mode import _state as _grad_state
from gradwire.common.grad_mode import set_grad_enabled
from gradwire.v1 import gradwire_pb2 as pb
from gradwire.v1 import gradwire_pb2_grpc as pb_grpc

from .errors import GradwireError, command_error

MAX_BATCH_COMMANDS = 256        # flush when the queue holds this many commands
MAX_BATCH_BYTES = 4 << 20       # ... or this many bytes of inline payload
# (op, predicted grad_fn name, the server's) for every prediction (OpInfo.node in _meta.py) the
# server's reply contradicted: the server's name wins; the test suite fails on any
MISPREDICTED_NAMES: list = []
MAX_IN_FLIGHT = 8               # batches sent and not yet answered (backpressure)
SEND_WAIT_SECONDS = 0.05        # the longest a send waits for grpc to write it (see Connection._send)
CONNECT_TIMEOUT = float(os.environ.get("GRADWIRE_CONNECT_TIMEOUT", "30"))

_CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", wire.MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", wire.MAX_MESSAGE_BYTES),
    ("grpc.keepalive_time_ms", 60_000),
    ("grpc.keepalive_timeout_ms", 20_000),
]
_END = object()
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _user_site():
    """(filename, lineno, function) of the innermost caller outside gradwire."""
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR):
        f = f.f_back
    if f is None:
        return None
    return (f.f_code.co_filename, f.f_lineno, f.f_code.co_name)


_WARNING_TYPES = {c.__name__: c for c in (UserWarning, DeprecationWarning, FutureWarning, RuntimeWarning,
                                          SyntaxWarning, ResourceWarning)}


def _reissue(warning, pending) -> None:
    """A server-side warning, issued again as if the user's line that sent the command raised it."""
    category = _WARNING_TYPES.get(warning.category, UserWarning)
    if pending is not None and pending.site is not None:
        filename, lineno, _name = pending.site
        warnings.warn_explicit(warning.message, category, filename, lineno)
    else:
        warnings.warn(warning.message, category, stacklevel=2)


PROGRESS_MIN_ELEMENTS = 1000  # smaller server-side checks finish too fast to need a bar


def _show_progress(progress) -> None:
    """A one-line progress bar on stderr, for long server-side tasks, when stderr is a terminal."""
    if progress.total < PROGRESS_MIN_ELEMENTS or not sys.stderr.isatty():
        return
    width = 30
    filled = width * progress.done // max(progress.total, 1)
    end = "\n" if progress.done >= progress.total else ""
    sys.stderr.write(f"\r{progress.task}: [{'#' * filled}{'.' * (width - filled)}] "
                     f"{progress.done}/{progress.total}{end}")
    sys.stderr.flush()


def _user_stack() -> list:
    """The caller's Python stack without gradwire's frames (traceback.format_list lines)."""
    frames = [f for f in traceback.extract_stack()[:-2] if not f.filename.startswith(_PACKAGE_DIR)]
    return traceback.format_list(frames)


def _requests(outbox: queue.SimpleQueue, written: queue.SimpleQueue):
    """The session stream's messages, from ``outbox`` until _END. grpc asks for the next one
    only when it has written the last: that ask is reported on ``written`` (see Connection._send)."""
    message = outbox.get()
    while message is not _END:
        yield message
        written.put(None)
        message = outbox.get()


class Pending:
    """A submitted command, until its batch's reply arrives."""

    __slots__ = ("seq", "op", "site", "nodes", "named", "value", "metas")

    def __init__(self, seq, op, site, nodes, named):
        self.seq = seq
        self.op = op
        self.site = site
        self.nodes = nodes          # client Nodes (or None) per output, whose names the reply fills in
        self.named = named          # the command asked for its outputs' grad_fn names (WANT_NAMES)
        self.value = None
        self.metas = None


class Connection:
    """One session: channel, stream, command queue, handle ids."""

    def __init__(self, address: str, token: str | None = None, *, embedded_server=None):
        self.address = address
        self._embedded = embedded_server
        self._channel = grpc.insecure_channel(address, options=_CHANNEL_OPTIONS)
        self._stub = pb_grpc.GradwireStub(self._channel)
        self._upload = self._channel.stream_unary(
            "/gradwire.v1.Gradwire/Upload", request_serializer=wire.serialize_upload_chunk,
            response_deserializer=pb.UploadResponse.FromString)
        auth = (("authorization", f"Bearer {token}"),) if token else ()
        try:
            resp = self._stub.CreateSession(pb.CreateSessionRequest(client_version="0.1.0"), metadata=auth,
                                            timeout=CONNECT_TIMEOUT, wait_for_ready=True)
        except grpc.RpcError as err:
            self._channel.close()
            raise GradwireError.from_rpc(err, f"creating a session on {address}") from None
        self.session_id = resp.session_id
        self.default_device = resp.default_device or "cpu"   # gradwire-server --device
        self._server_info = None
        self.metadata = (("x-gradwire-session", resp.session_id), ("x-gradwire-token", resp.token))
        self.sync_mode = os.environ.get("GRADWIRE_SYNC", "") not in ("", "0")
        self.closed = False
        self.grad_epoch = 0      # bumped by every backward: cached .grad handles go stale
        self.anomaly = (False, True)  # the session's (detect_anomaly, check_nan)
        self.wire_trace = None   # while profiling: (start, end) perf_counter pairs of blocking waits
        self._lock = threading.RLock()
        self._handles = itertools.count(1)
        self._inplace_mark = 0   # handle ids: see backward_must_wait
        self._freed_mark = 0
        self._seqs = itertools.count(1)
        self._batch_ids = itertools.count(1)
        self._ops: list[str] = []             # the next batch, built command by command:
        self._tape = wire.TapeWriter()        # its ops, and its tape (arguments, flags, outputs)
        self._queue_pending: list[Pending] = []
        self._releases: list[int] = []          # appended from __del__: list.append is atomic
        self._in_flight: dict[int, list] = {}    # batch id -> its Pending commands, in send order
        # Batches that cannot complete until a client callback returns (their
        # backward is waiting on it): a sync inside the callback skips them.
        self._blocked: set[int] = set()
        self._functions: dict[int, object] = {}   # callback targets by id (custom Functions, hooks)
        # leaves that require grad, by handle: what grad_fn._saved_* and AccumulateGrad.variable give back
        # (torch returns the same Python object)
        self.leaves: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self._function_ids = itertools.count(1)
        self._callback_errors: dict[int, BaseException] = {}
        self._failures: list[tuple[pb.CommandError, Pending]] = []
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()
        self._written: queue.SimpleQueue = queue.SimpleQueue()
        self._replies = self._stub.Session(_requests(self._outbox, self._written), metadata=self.metadata)
        self.stats = {"round_trips": 0, "commands": 0, "batches": 0, "bytes_sent": 0, "bytes_received": 0}
        # Close the session when the process ends, even if the user never does (only this process: a
        # forked child, such as a data loader's worker, holds a copy of the connection, not the session).
        self._finalizer = weakref.finalize(self, Connection._finalize, self._outbox, self._channel,
                                           self._stub, self.metadata, embedded_server, os.getpid())

    # ----- handles ------------------------------------------------------

    def new_handle(self) -> int:
        return next(self._handles)

    # ----- when a backward waits for its reply ------------------------------
    # Most of backward's errors (shapes, requires_grad) are found on the client.
    # Two common ones only the server can find: a graph whose saved tensors an
    # earlier backward freed, and a saved tensor an in-place op modified. Each
    # needs a graph older than that backward or in-place op; a training loop's
    # graphs are younger (built after the last step's backward and optimizer
    # step), so it keeps one round trip per step, while a backward that may fail
    # waits, so that its error is raised at its own line, as in torch.

    def mark_inplace(self) -> None:
        """An in-place op was issued: graphs born before it may fail their backward."""
        self._inplace_mark = next(self._handles)

    def mark_freed(self) -> None:
        """A backward freed its graph's saved tensors: graphs born before it may fail theirs."""
        self._freed_mark = next(self._handles)

    def backward_must_wait(self, roots) -> bool:
        """Whether a backward from ``roots`` (Tensors) should wait for its reply."""
        if self.anomaly[0] or self.has_callbacks:  # NaN checks; client code may raise in it
            return True
        mark = max(self._inplace_mark, self._freed_mark)
        if not mark:
            return False
        for t in roots:
            node = t._grad_fn
            if node is not None and node._since < mark:
                return True
        return False

    def release(self, handle: int) -> None:
        """Called when a client Tensor dies; rides on the next batch."""
        if not self.closed:
            self._releases.append(handle)

    # ----- the dispatch point -------------------------------------------

    def submit(self, op: str, args=(), kwargs=None, outputs=(), *, nodes=(), grad_enabled=True,
               want_value=False, want_meta=False, variadic=False, handle_of=None) -> Pending:
        """Queue one command; in sync mode, or when a value is wanted, wait for its reply.

        ``nodes``: per output id, the client Node of that output (None where it has no grad_fn).
        """
        flags = wire.GRAD_ENABLED if grad_enabled else 0
        if want_value:
            flags |= wire.WANT_VALUE
        if variadic:
            flags |= wire.VARIADIC_OUTPUTS | wire.WANT_META
        elif want_meta:
            flags |= wire.WANT_META
        else:
            for node in nodes:
                if node is not None:  # its grad_fn name comes back in the reply
                    flags |= wire.WANT_NAMES
                    break
        if _grad_state.inference:
            flags |= wire.INFERENCE_MODE
        with self._lock:
            if self.closed:
                raise GradwireError(grpc.StatusCode.FAILED_PRECONDITION, "this gradwire connection is closed")
            self._tape.command(flags, outputs, args, kwargs, handle_of, _user_stack() if self.anomaly[0] else ())
            self._ops.append(op)
            pending = Pending(next(self._seqs), op, _user_site(), nodes, flags & wire.WANT_NAMES)
            self._queue_pending.append(pending)
            if want_value or self.sync_mode:
                self.sync()
            elif len(self._queue_pending) >= MAX_BATCH_COMMANDS:
                self.flush()
            return pending

    def flush(self) -> None:
        """Send the queued commands and releases as one batch, without waiting."""
        with self._lock:
            queued = self._queue_pending
            if not queued and not self._releases:
                return
            releases, self._releases = self._releases, []
            batch = pb.Batch(batch_id=next(self._batch_ids), first_seq=queued[0].seq if queued else 0,
                             ops=self._ops, release=releases)
            self._tape.fill(batch.tape)
            self._ops, self._tape, self._queue_pending = [], wire.TapeWriter(), []
            message = pb.ClientMessage(batch=batch)
            self.stats["commands"] += len(queued)
            self.stats["batches"] += 1
            self.stats["bytes_sent"] += message.ByteSize()
            self._in_flight[batch.batch_id] = queued
            self._send(message)
            while len(self._in_flight) - len(self._blocked) > MAX_IN_FLIGHT:
                self._receive_one()

    def _send(self, message: pb.ClientMessage) -> None:
        """Put ``message`` on the session stream and wait until grpc has written it.

        grpc's Python thread that writes the stream needs the GIL, a few times per
        message; a client busy issuing ops holds it, and hands it over only every
        switch interval (5 ms), so a batch sent mid-loop used to reach the server
        milliseconds late, while the server sat idle. Waiting here (about 0.1 ms)
        hands the GIL over at once. A write held up longer (flow control) is not
        waited for.
        """
        self._outbox.put(message)
        try:
            self._written.get(timeout=SEND_WAIT_SECONDS)
        except queue.Empty:
            pass

    def sync(self) -> None:
        """Send everything queued, wait until the server has run it, raise its first error."""
        with self._lock:
            self.flush()
            if len(self._in_flight) > len(self._blocked):
                self.stats["round_trips"] += 1
                started = time.perf_counter()
                while len(self._in_flight) > len(self._blocked):
                    self._receive_one()
                if self.wire_trace is not None:  # a profile wants the client's waits
                    self.wire_trace.append((started, time.perf_counter()))
            if self._failures:
                failures, self._failures = self._failures, []
                err, pending = next(((e, p) for e, p in failures if not e.caused_by), failures[0])
                original = self._callback_errors.pop(err.callback_id, None) if err.callback_id else None
                if original is not None:
                    raise original
                raise command_error(err.python_type, err.message, err.op, pending.site)

    def _receive_one(self) -> None:
        """Take one message off the stream: a batch's reply, or a callback to run."""
        try:
            message = next(self._replies)
        except grpc.RpcError as err:
            self._broken(err)
        except StopIteration:
            self._broken(None)
        self.stats["bytes_received"] += message.ByteSize()
        kind = message.WhichOneof("kind")
        if kind == "callback":
            self._run_callback(message.callback)
            return
        if kind == "progress":
            _show_progress(message.progress)
            return
        reply = message.reply
        pendings = self._in_flight.pop(reply.batch_id, None)
        if pendings is None:
            raise GradwireError(grpc.StatusCode.INTERNAL, f"reply for unknown batch {reply.batch_id}")
        self._blocked.discard(reply.batch_id)
        if reply.grad_fns:
            names = iter(reply.grad_fns)
            for p in pendings:
                if p.named:
                    for node in p.nodes:
                        name = next(names)
                        if node is not None:
                            guess = node._label
                            if guess is not None and name and guess != name and len(MISPREDICTED_NAMES) < 100:
                                MISPREDICTED_NAMES.append((p.op, guess, name))
                            node._name = name
        by_seq = {p.seq: p for p in pendings}
        for result in reply.results:
            p = by_seq[result.seq]
            p.metas = result.outputs
            for node, meta in zip(p.nodes, result.outputs):
                if node is not None:
                    node._name = meta.grad_fn
            if result.HasField("value"):
                p.value = wire.decode(result.value)
        for err in reply.errors:
            self._failures.append((err, by_seq[err.seq]))
        for w in reply.warnings:
            _reissue(w, by_seq.get(w.seq))
        for function_id in reply.released_functions:
            self._functions.pop(function_id, None)

    # ----- callbacks: client code the server's backward reaches --------------------

    def register_function(self, fn) -> int:
        """Make ``fn(*tensors) -> tensors`` callable by the server; returns its id."""
        function_id = next(self._function_ids)
        self._functions[function_id] = fn
        return function_id

    def unregister_function(self, function_id: int) -> None:
        self._functions.pop(function_id, None)

    @property
    def has_callbacks(self) -> bool:
        return bool(self._functions)

    def _run_callback(self, callback: pb.Callback) -> None:
        from .tensor import Tensor  # noqa: PLC0415 - tensor.py imports this module

        blocked_before = set(self._blocked)
        self._blocked.update(self._in_flight)       # those wait for this callback
        result = pb.CallbackResult(callback_id=callback.callback_id)
        try:
            args = [None if m.is_none else Tensor._from_meta(self, m) for m in callback.args]
            if callback.grad_mode:  # a backward's client code: its grad mode is the backward's create_graph
                with set_grad_enabled(callback.grad_mode == 2):
                    out = self._functions[callback.function_id](*args)
            else:
                out = self._functions[callback.function_id](*args)
            outs = out if isinstance(out, (tuple, list)) else (out,)
            for o in outs:
                if o is not None and not isinstance(o, Tensor):
                    raise TypeError(f"expected a Tensor or None to be returned, but got {type(o).__name__}")
            result.handles.extend([0 if o is None else o._id for o in outs])
            self.flush()  # the ops that computed them go before the result (releases come after)
        except Exception as exc:  # noqa: BLE001 - the server's backward fails with the user's exception
            self._callback_errors[callback.callback_id] = exc
            result.python_type = type(exc).__name__
            result.message = str(exc)
            self.flush()
        finally:
            self._blocked = {b for b in blocked_before if b in self._in_flight}
        self._send(pb.ClientMessage(callback_result=result))

    def _broken(self, err) -> None:
        """The stream ended: nothing queued can run any more."""
        self._in_flight.clear()
        self._blocked.clear()
        self._ops, self._tape, self._queue_pending = [], wire.TapeWriter(), []
        self.closed = True
        if err is None:
            raise GradwireError(grpc.StatusCode.UNAVAILABLE, "the server closed the session stream")
        raise GradwireError.from_rpc(err, f"session {self.session_id} on {self.address}") from None

    def server_info(self, refresh: bool = False) -> pb.ServerInfoResponse:
        """The server's ServerInfo (devices and their memory, limits), asked once per session
        unless ``refresh``."""
        info = self._server_info
        if info is None or refresh:
            try:
                info = self._stub.ServerInfo(pb.ServerInfoRequest(), timeout=CONNECT_TIMEOUT)
            except grpc.RpcError as err:
                raise GradwireError.from_rpc(err, f"asking {self.address} for its devices") from None
            self._server_info = info
        return info

    # ----- bulk transfer --------------------------------------------------

    def upload(self, handle: int, array: np.ndarray, dtype_name: str, requires_grad: bool) -> None:
        """Bind a large array to ``handle`` in chunks (blocking: later commands may name it)."""
        array = np.asarray(array, order="C")

        def chunks():
            # The header, then the bytes: data-only chunks are framed by hand (wire.serialize_upload_chunk).
            yield pb.UploadChunk(handle=handle, dtype=dtype_name, shape=array.shape, requires_grad=requires_grad)
            if array.nbytes:
                yield from wire.chunks(array)

        with self._lock:
            self.flush()
            try:
                self._upload(chunks(), metadata=self.metadata)
            except grpc.RpcError as err:
                raise GradwireError.from_rpc(err, "uploading a tensor") from None
            self.stats["round_trips"] += 1
            self.stats["bytes_sent"] += array.nbytes

    def download(self, handle: int, dtype, shape) -> np.ndarray:
        """A tensor's values, streamed into one preallocated buffer."""
        with self._lock:
            self.sync()
            out = np.empty(shape, dtype=dtype.numpy)
            view = memoryview(out.reshape(-1).view(np.uint8)) if out.size else memoryview(b"")
            offset = 0
            try:
                for chunk in self._stub.Download(pb.DownloadRequest(handle=handle), metadata=self.metadata):
                    n = len(chunk.data)
                    view[offset:offset + n] = chunk.data
                    offset += n
            except grpc.RpcError as err:
                raise GradwireError.from_rpc(err, "downloading a tensor") from None
            if offset != out.nbytes:
                raise GradwireError(grpc.StatusCode.DATA_LOSS, f"download ended after {offset} of {out.nbytes} bytes")
            self.stats["round_trips"] += 1
            self.stats["bytes_received"] += offset
            return out

    # ----- lifecycle --------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if self.closed:
                self._finalizer()
                return
            try:
                self.sync()
            finally:
                self.closed = True
                self._finalizer()

    @staticmethod
    def _finalize(outbox, channel, stub, metadata, embedded_server, pid) -> None:
        if os.getpid() != pid:
            return
        outbox.put(_END)
        try:
            stub.CloseSession(pb.CloseSessionRequest(), metadata=metadata, timeout=5)
        except grpc.RpcError:
            pass  # the server is gone or the session expired: nothing left to free
        channel.close()
        if embedded_server is not None:
            embedded_server.stop(grace=0)
