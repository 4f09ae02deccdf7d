"""Sessions: who may call, what each one holds, and when it expires."""
from __future__ import annotations

import contextlib
import hmac
import itertools
import logging
import secrets
import threading
import time

import grpc

from gradwire import engine
from gradwire.common import dtypes

log = logging.getLogger("gradwire.server")


class CallError(Exception):
    """Ends an RPC with a gRPC status (not a user error inside a batch)."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Session:
    """One client's tensors, keyed by the handle ids the client chose."""

    def __init__(self, session_id: str, token: str, default_device: str = "cpu", max_bytes: int = 0):
        self.id = session_id
        self.max_bytes = max_bytes             # tensor bytes it may hold, all devices; 0: no limit
        self.default_device = default_device   # creation ops without device= (gradwire-server --device)
        self.token = token
        self.handles: dict[int, object] = {}
        # Handles whose producing command failed: id -> seq of the root failure.
        self.failed: dict[int, int] = {}
        self.generator = engine.Generator()
        self.default_float = engine.float32   # torch.set_default_dtype, per session
        self.lock = threading.RLock()      # the stream and Upload/Download share handles
        self.last_used = time.monotonic()
        self.active_streams = 0
        self.closed = False
        self.recording = None      # a session_ops.Program while a client function is recorded
        self.profile = None        # the engine profile while the client profiles
        self.observer = None       # its observer, installed on the thread that runs each batch
        self.ranges = []           # open record_function ranges
        self._server_handles = itertools.count(-1, -1)

    @contextlib.contextmanager
    def installed(self):
        """This session's per-thread engine state on the calling thread while a batch runs: its
        random generator, its default float dtype and its profile's observer (which a batch may
        start or stop, so it is kept with the session in between)."""
        watch = engine.observe.watch
        default_before = dtypes.swap_thread_default_float(self.default_float)
        watch.observer = self.observer
        try:
            with engine.use_generator(self.generator):
                yield
        finally:
            self.observer, watch.observer = watch.observer, None
            dtypes.swap_thread_default_float(default_before)

    def server_handle(self) -> int:
        """A handle id the server chooses (callback arguments): negative, so never the client's."""
        return next(self._server_handles)

    def touch(self) -> None:
        self.last_used = time.monotonic()

    def tensor(self, handle: int):
        try:
            return self.handles[handle]
        except KeyError:
            raise CallError(grpc.StatusCode.NOT_FOUND, f"unknown tensor handle {handle} in this session") from None

    def bind(self, handle: int, tensor) -> None:
        self.handles[handle] = tensor
        self.failed.pop(handle, None)

    def release(self, handles) -> None:
        drop = self.handles.pop
        for h in handles:
            drop(h, None)
        if self.failed:
            for h in handles:
                self.failed.pop(h, None)

    def memory_by_device(self) -> dict[str, int]:
        """Bytes of tensor memory this session's handles hold, their gradients included, per
        device (each array counted once, views by their base's size)."""
        seen: set[int] = set()
        out: dict[str, int] = {}
        with self.lock:
            for held in list(self.handles.values()):
                if not isinstance(held, engine.Tensor):
                    continue
                for t in (held, held.grad):
                    if t is None:
                        continue
                    base = t.array
                    while getattr(base, "base", None) is not None:
                        base = base.base
                    if id(base) in seen:
                        continue
                    seen.add(id(base))
                    out[t.device] = out.get(t.device, 0) + int(getattr(base, "nbytes", 0))
        return out

    def check_quota(self, fresh=()) -> None:
        """Past its quota, unbind ``fresh`` (what the last command bound) and raise OutOfMemoryError."""
        held = sum(self.memory_by_device().values())
        if held <= self.max_bytes:
            return
        for h in fresh:
            self.handles.pop(h, None)
        raise OutOfMemoryError(
            f"gradwire session out of memory: its tensors would take {_size(held)}, over its quota of "
            f"{_size(self.max_bytes)} (gradwire-server --max-session-bytes). Free tensors (del, or "
            f"let them go out of scope) or ask the server's operator for a larger quota.")

    def close(self) -> int:
        with self.lock:
            self.closed = True
            n = len(self.handles)
            self.handles.clear()
            self.failed.clear()
            return n


class OutOfMemoryError(RuntimeError):
    """A session went past its memory quota (the client raises gradwire.OutOfMemoryError, as
    torch raises torch.OutOfMemoryError when a GPU's memory runs out)."""


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.2f} {unit}"
    return f"{n} bytes"


class SessionTable:
    """All open sessions; checks API keys and tokens, expires idle sessions."""

    def __init__(self, api_key: str | None = None, ttl_seconds: float = 3600.0, default_device: str = "cpu",
                 max_session_bytes: int = 0):
        self.api_key = api_key or None
        self.default_device = default_device
        self.max_session_bytes = max_session_bytes
        self.ttl = float(ttl_seconds)
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._reaper = threading.Thread(target=self._reap_loop, name="gradwire-session-reaper", daemon=True)
        self._reaper.start()

    def __len__(self) -> int:
        return len(self._sessions)

    def create(self, metadata: dict) -> Session:
        if self.api_key is not None:
            given = metadata.get("authorization", "")
            if not given:
                raise CallError(grpc.StatusCode.UNAUTHENTICATED, "this server requires an API key (set GRADWIRE_TOKEN)")
            scheme, _, key = given.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(key.encode(), self.api_key.encode()):
                raise CallError(grpc.StatusCode.UNAUTHENTICATED, "invalid API key")
        session = Session(secrets.token_hex(8), secrets.token_urlsafe(24), self.default_device,
                          self.max_session_bytes)
        with self._lock:
            self._sessions[session.id] = session
        log.info("session %s created (%d open)", session.id, len(self._sessions))
        return session

    def get(self, metadata: dict) -> Session:
        """The session a call names, after checking its token."""
        session_id = metadata.get("x-gradwire-session")
        token = metadata.get("x-gradwire-token", "")
        if not session_id:
            raise CallError(grpc.StatusCode.UNAUTHENTICATED, "missing session id (x-gradwire-session metadata)")
        session = self._sessions.get(session_id)
        if session is None:
            raise CallError(grpc.StatusCode.NOT_FOUND, f"unknown or expired session {session_id}")
        if not hmac.compare_digest(token.encode(), session.token.encode()):
            raise CallError(grpc.StatusCode.UNAUTHENTICATED, "invalid session token")
        session.touch()
        return session

    def close(self, session: Session) -> int:
        with self._lock:
            self._sessions.pop(session.id, None)
        if log.isEnabledFor(logging.INFO):
            held = session.memory_by_device()
            if any(d != "cpu" for d in held):
                log.info("session %s held %s at close", session.id,
                         ", ".join(f"{n} bytes on {d}" for d, n in sorted(held.items())))
        n = session.close()
        log.info("session %s closed, %d handles released", session.id, n)
        return n

    def close_all(self) -> None:
        for session in list(self._sessions.values()):
            self.close(session)

    def expire_idle(self, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        idle = [s for s in list(self._sessions.values())
                if s.active_streams == 0 and now - s.last_used > self.ttl]
        for s in idle:
            log.info("session %s expired after %.0f s idle", s.id, now - s.last_used)
            self.close(s)
        return len(idle)

    def _reap_loop(self) -> None:
        interval = min(max(self.ttl / 4, 0.05), 30.0)
        while not self._stop.wait(interval):
            self.expire_idle()

    def shutdown(self) -> None:
        self._stop.set()
        self.close_all()
