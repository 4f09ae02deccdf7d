"""The gRPC services: gradwire.v1.Gradwire and the standard grpc.health.v1.Health."""
from __future__ import annotations

import functools
import itertools
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


def _serve_guarded(loop, messages) -> None:
    """Messages through the loop. Any failure but a CallError, or the client going
    away (grpc.RpcError), is logged and ends the stream with INTERNAL, while the
    server goes on serving every other session."""
    try:
        for message in messages:
            loop.serve_message(message)
    except (CallError, grpc.RpcError):
        raise
    except Exception as exc:  # noqa: BLE001 - the stream ends with a status, the server goes on
        log.exception("session %s stream failed", loop.session.id)
        raise CallError(grpc.StatusCode.INTERNAL, f"internal server error: {exc}") from None


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
            max_session_bytes=self.sessions.max_session_bytes,
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
        """Runs the session's command loop and sends what it puts out.

        Batches run on this handler thread, which yields each reply itself: the
        round trip crosses no extra thread. The first message that may talk to
        the client in the middle of a command (a custom Function or hook the
        backward calls back, gradcheck's callbacks and progress) moves the loop
        to a worker thread for the rest of the stream, because such a call is
        made deep in the engine, where nothing can yield to the stream.
        """
        try:
            self._check_open()
            session = self.sessions.get(_metadata(context))
        except CallError as exc:
            context.abort(exc.code, exc.message)
        requests = _checked(request_iterator, self)
        out: list = []
        loop = commands.CommandLoop(session, requests, out.append, can_call_back=False)
        session.active_streams += 1
        try:
            engine.backend.quiet_float_errors()
            for message in requests:
                if loop.talks_to_client(message):
                    yield from self._serve_on_worker(loop, message)
                    return
                _serve_guarded(loop, (message,))
                yield from out
                out.clear()
        except grpc.RpcError:  # the client went away
            return
        except CallError as exc:
            yield from out
            context.abort(exc.code, exc.message)
        finally:
            session.active_streams -= 1
            session.touch()

    @staticmethod
    def _serve_on_worker(loop, first):
        """The rest of the stream, from ``first`` on, served by a thread of its own."""
        outbox: queue.SimpleQueue = queue.SimpleQueue()
        loop.send = outbox.put
        loop.can_call_back = True

        def serve():
            engine.backend.quiet_float_errors()
            try:
                _serve_guarded(loop, itertools.chain((first,), loop.requests))
                outbox.put(None)
            except grpc.RpcError:  # the client went away
                outbox.put(None)
            except CallError as exc:
                outbox.put(exc)

        threading.Thread(target=serve, name=f"gradwire-session-{loop.session.id}", daemon=True).start()
        while True:
            item = outbox.get()
            if item is None:
                return
            if isinstance(item, CallError):
                raise item
            yield item

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
