"""Health probe: ``python -m gradwire.server.probe [host:port]`` exits 0 when the server is SERVING.

Used by docker-compose's healthcheck; speaks the standard grpc.health.v1 protocol.
"""
from __future__ import annotations

import sys

import grpc

from gradwire.v1 import health_pb2, health_pb2_grpc


def check(address: str, service: str = "", timeout: float = 3.0) -> str:
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        resp = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        return health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    address = argv[0] if argv else "127.0.0.1:50051"
    try:
        status = check(address)
    except grpc.RpcError as err:
        print(f"{address}: {err.code().name}: {err.details()}", file=sys.stderr)
        return 1
    print(f"{address}: {status}")
    return 0 if status == "SERVING" else 1


if __name__ == "__main__":
    sys.exit(main())
