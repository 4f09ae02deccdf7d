"""A running gradwire server: used by the CLI and by the client's embedded default."""
from __future__ import annotations

import logging
from concurrent import futures

import grpc

from gradwire.common import wire
from gradwire.v1 import gradwire_pb2 as pb
from gradwire.v1 import gradwire_pb2_grpc as pb_grpc
from gradwire.v1 import health_pb2_grpc

from .servicer import GradwireServicer, HealthServicer
from .sessions import SessionTable

log = logging.getLogger("gradwire.server")

GRPC_OPTIONS = [
    ("grpc.max_send_message_length", wire.MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", wire.MAX_MESSAGE_BYTES),
    # Find clients that vanished without closing their stream.
    ("grpc.keepalive_time_ms", 60_000),
    ("grpc.keepalive_timeout_ms", 20_000),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
]


class _HandlerTable:
    """Catches the generated code's handler table instead of a server."""

    def add_generic_rpc_handlers(self, handlers) -> None:
        pass

    def add_registered_method_handlers(self, service: str, handlers: dict) -> None:
        self.service, self.handlers = service, handlers


def _add_servicer(servicer, server) -> None:
    """The generated registration, with Upload's chunks parsed by wire.parse_upload_chunk:
    data-only chunks arrive as views of the received bytes, not as copies in messages."""
    table = _HandlerTable()
    pb_grpc.add_GradwireServicer_to_server(servicer, table)
    handlers = dict(table.handlers)
    handlers["Upload"] = grpc.stream_unary_rpc_method_handler(
        servicer.Upload, request_deserializer=wire.parse_upload_chunk,
        response_serializer=pb.UploadResponse.SerializeToString)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(table.service, handlers),))
    server.add_registered_method_handlers(table.service, handlers)


class Server:
    """gRPC server with the gradwire and health services and a session table."""

    def __init__(self, host: str = "127.0.0.1", port: int = 50051, *, api_key: str | None = None,
                 session_ttl: float = 3600.0, max_workers: int = 64, device: str = "cpu",
                 max_session_bytes: int = 0):
        from gradwire.engine import backend  # noqa: PLC0415

        device = backend.normalize_device(device)
        backend.array_module(device)  # a server asked for a GPU it cannot use fails at start
        self.sessions = SessionTable(api_key=api_key, ttl_seconds=session_ttl, default_device=device,
                                     max_session_bytes=max_session_bytes)
        self.servicer = GradwireServicer(self.sessions)
        self.health = HealthServicer()
        # Each open session stream holds a worker thread for its lifetime.
        self._grpc = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="gradwire"),
                                 options=GRPC_OPTIONS, maximum_concurrent_rpcs=max_workers)
        _add_servicer(self.servicer, self._grpc)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._grpc)
        self.host = host
        self.port = self._grpc.add_insecure_port(f"{host}:{port}")
        if self.port == 0:
            raise RuntimeError(f"could not bind {host}:{port}")

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def start(self) -> "Server":
        self._grpc.start()
        log.info("gradwire server listening on %s", self.address)
        return self

    def stop(self, grace: float | None = 5.0) -> None:
        """Refuse new work, let running calls finish within ``grace`` seconds, free every session."""
        log.info("shutting down (grace %s s)", grace)
        self.health.set_serving(False)
        self.servicer.shutting_down.set()
        self._grpc.stop(grace).wait()
        self.sessions.shutdown()
        log.info("server stopped")

    def wait(self) -> None:
        self._grpc.wait_for_termination()
