"""`gradwire-server`: serve sessions until SIGTERM or SIGINT."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import warnings


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="gradwire-server", description="PyTorch-style autograd as a gRPC service.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; 0.0.0.0 for all)")
    p.add_argument("--port", type=int, default=50051, help="port to bind (default 50051; 0 picks a free one)")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.add_argument("--api-key", default=os.environ.get("GRADWIRE_API_KEY") or None,
                   help="require this key to create sessions (default: $GRADWIRE_API_KEY)")
    p.add_argument("--session-ttl", type=float, default=3600.0,
                   help="seconds an idle session lives (default 3600)")
    p.add_argument("--max-workers", type=int, default=64, help="concurrent calls, open session streams included")
    p.add_argument("--grace", type=float, default=5.0, help="seconds running calls get at shutdown")
    p.add_argument("--device", default=os.environ.get("GRADWIRE_DEVICE") or "cpu",
                   help="default device of the sessions' creation ops: cpu, cuda, cuda:N (default cpu, or "
                        "$GRADWIRE_DEVICE); cuda needs gradwire[cuda] and an NVIDIA GPU")
    p.add_argument("--max-session-bytes", type=int,
                   default=int(os.environ.get("GRADWIRE_MAX_SESSION_BYTES") or 0),
                   help="tensor bytes one session may hold, all devices together (default 0: no limit, or "
                        "$GRADWIRE_MAX_SESSION_BYTES); past it, commands fail with RESOURCE_EXHAUSTED")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    # Every warning a command raises goes back to its client, whose own filters
    # then decide (once per user line, by default): none is swallowed here.
    warnings.simplefilter("always")
    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from .app import Server  # after logging is set up: importing the engine takes a moment

    try:
        server = Server(args.host, args.port, api_key=args.api_key, session_ttl=args.session_ttl,
                        max_workers=args.max_workers, device=args.device,
                        max_session_bytes=args.max_session_bytes).start()
    except RuntimeError as exc:  # --device the machine cannot serve
        print(f"gradwire-server: {exc}", file=sys.stderr)
        return 2
    # Tests and supervisors read the bound port from this line (--port 0).
    print(f"gradwire-server listening on {server.address}", flush=True)

    stop = threading.Event()

    def on_signal(signum, frame):
        logging.getLogger("gradwire.server").info("received %s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stop.wait(1.0):
        pass
    server.stop(args.grace)
    return 0


if __name__ == "__main__":
    sys.exit(main())
