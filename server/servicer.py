"""The gRPC services: gradwire.v1.Gradwire and the standard grpc.health.v1.Health."""
from __future__ import annotations

import functools
import logging
import queue
import threading

import grpc

from gradwire import engine
from gradwire.common import wire
from gradwire.v1 import gradwire_pb2 as pb
from gradwire.v1 import gradwire_pb2_grpc as pb_grpc
from gradwire.v1 import health_pb2, health_pb2_grpc

from . import commands
from .sessions import CallError, SessionTable

log = logging.getLogger("gradwire.server")

PROTOCOL_VERSION = "gradwire.v1"
SERVER_VERSION = "0.1.0"


def _metadata(context) -> dict:
    return {k: v for k, v in context.invocation_metadata()}


def _unary(method):
    """Ends the call with CallError's status instead of a stack trace."""
    @functools.wraps(method)
    def wrapper(self, request, context):
        try:
            return method(self, request, context)
        except CallError as exc:
            context.abort(exc.code, exc.message)
    return wrapper


def _streaming(method):
    @functools.wraps(method)
    def wrapper(self, request, context):
        try:
            yield from method(self, request, context)
        except CallError as exc:
            context.abort(exc.code, exc.message)
    return wrapper


def _checked(requests, servicer):
    """The client's messages, refusing new work once the server is shutting down."""
    for message in requests:
        servicer._check_open()
        yield message


def device_infos() -> list:
    """"cpu" and each CUDA device this server sees, with its memory."""
    infos = [pb.DeviceInfo(name="cpu")]
    for i in range(engine.backend.cuda_device_count()):
        name = f"cuda:{i}"
        free, total = engine.backend.device_memory(name)
        infos.append(pb.DeviceInfo(name=name, total_memory=total, free_memory=free))
    return infos


class GradwireServicer(pb_grpc.GradwireServicer):
    def __init__(self, sessions: SessionTable):
        self.sessions = sessions
        self.shutting_down = threading.Event()

    def _check_open(self) -> None:
        if self.shutting_down.is_set():
            raise CallError(grpc.StatusCode.UNAVAILABLE, "server is shutting down")

    @_unary
    def ServerInfo(self, request, context):
        infos = device_infos()
        return pb.ServerInfoResponse(
            protocol_version=PROTOCOL_VERSION, server_version=SERVER_VERSION, devices=[d.name for d in infos],
            requires_api_key=self.sessions.api_key is not None, max_message_bytes=wire.MAX_MESSAGE_BYTES,
            chunk_bytes=wire.CHUNK_BYTES, session_ttl_seconds=self.sessions.ttl, sessions=len(self.sessions),
            device_info=infos, default_device=self.sessions.default_device,
        )

    @_unary
    def CreateSession(self, request, context):
        self._check_open()
        session = self.sessions.create(_metadata(context))
        return pb.CreateSessionResponse(session_id=session.id, token=session.token, ttl_seconds=self.sessions.ttl,
                                        default_device=session.default_device)

    @_unary
    def CloseSession(self, request, context):
        session = self.sessions.get(_metadata(context))
        return pb.CloseSessionResponse(released_handles=self.sessions.close(session))

    def Session(self, request_iterator, context):
        """Runs the session's command loop on its own thread; this generator sends what it puts out.

        A thread of its own, because a callback to the client is made deep in
        the engine's backward, where nothing can yield to the stream.
        """
        try:
            self._check_open()
            session = self.sessions.get(_metadata(context))
        except CallError as exc:
            context.abort(exc.code, exc.message)
        outbox: queue.SimpleQueue = queue.SimpleQueue()
        loop = commands.CommandLoop(session, _checked(request_iterator, self), outbox.put)
        session.active_streams += 1

        def serve():
            engine.backend.quiet_float_errors()
            try:
                loop.serve()
                outbox.put(None)
            except CallError as exc:
                outbox.put(exc)
            except grpc.RpcError:  # the client went away
                outbox.put(None)
            except Exception as exc:  # noqa: BLE001 - the stream ends with a status, the server goes on
                log.exception("session %s stream failed", session.id)
                outbox.put(CallError(grpc.StatusCode.INTERNAL, f"internal server error: {exc}"))

        worker = threading.Thread(target=serve, name=f"gradwire-session-{session.id}", daemon=True)
        worker.start()
        try:
            while True:
                item = outbox.get()
                if item is None:
                    return
                if isinstance(item, CallError):
                    context.abort(item.code, item.message)
                yield item
        finally:
            session.active_streams -= 1
            session.touch()

    @_unary
    def Upload(self, request_iterator, context):
        self._check_open()
        return commands.upload(self.sessions.get(_metadata(context)), iter(request_iterator))

    @_streaming
    def Download(self, request, context):
        self._check_open()
        yield from commands.download(self.sessions.get(_metadata(context)), request.handle)


_SERVING = health_pb2.HealthCheckResponse.SERVING
_NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
_SERVICE_UNKNOWN = health_pb2.HealthCheckResponse.SERVICE_UNKNOWN


class HealthServicer(health_pb2_grpc.HealthServicer):
    """grpc.health.v1: "" (the whole server) and "gradwire.v1.Gradwire"."""

    SERVICES = ("", "gradwire.v1.Gradwire")

    def __init__(self):
        self._status = _SERVING
        self._changed = threading.Condition()

    def set_serving(self, serving: bool) -> None:
        with self._changed:
            self._status = _SERVING if serving else _NOT_SERVING
            self._changed.notify_all()

    def Check(self, request, context):
        if request.service not in self.SERVICES:
            context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service {request.service!r}")
        return health_pb2.HealthCheckResponse(status=self._status)

    def Watch(self, request, context):
        known = request.service in self.SERVICES
        last = None
        while context.is_active():
            status = self._status if known else _SERVICE_UNKNOWN
            if status != last:
                yield health_pb2.HealthCheckResponse(status=status)
                last = status
            with self._changed:
                self._changed.wait(timeout=1.0)
