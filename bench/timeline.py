"""Where the tutorial step's time goes, segment by segment, against a raw gRPC echo.

    python bench/timeline.py [--steps 1000] [--pin]

Runs the tutorial's step (bench/remote.py) against a gradwire-server process that timestamps
what it does, and a raw gRPC bidirectional echo (no gradwire, no protobuf) with the same work on
each side (the client's issue time and the engine's in-process step, busy-waited), timestamped
the same way. time.perf_counter is one clock for the whole machine, so the two processes'
timestamps line up. Prints the median of each segment: issuing the step, the client's send, the
hop to the server, the server's run, the hop back, the client's handling of the reply; and the
server's run again, right after itself (warm), beside the run after waiting for the client.

--pin puts the client on CPU 0 and the server on CPU 1 (Linux), as a server on its own machine.
"""
from __future__ import annotations

import argparse
import atexit
import bisect
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import remote  # noqa: E402 - the step and the echo's busy work are remote.py's

STEP_OPS = 8   # the step's batch: randn, randn, linear, mse_loss, zero_grad, backward, step, item


def _log_to_file_at_exit(log: list) -> None:
    def dump():
        with open(os.environ["TIMELINE_OUT"], "w") as f:
            json.dump(log, f)
    atexit.register(dump)


def traced_server_main(argv) -> int:
    """gradwire-server, timestamping each message's arrival (deserializer), its run, and the reply's send
    (serializer); with TIMELINE_RERUN, each step's batch runs a second time right after (warm)."""
    log: list = []
    _log_to_file_at_exit(log)
    plain_handler = grpc.stream_stream_rpc_method_handler

    def handler(behavior, request_deserializer=None, response_serializer=None):
        def read(b):
            log.append(("arrive", time.perf_counter()))
            return request_deserializer(b)

        def write(m):
            out = response_serializer(m)
            log.append(("reply", time.perf_counter()))
            return out
        return plain_handler(behavior, read, write)
    grpc.stream_stream_rpc_method_handler = handler

    from gradwire.common import wire  # noqa: PLC0415
    from gradwire.server import cli, commands  # noqa: PLC0415
    run_batch = commands.CommandLoop.run_batch
    rerun = bool(os.environ.get("TIMELINE_RERUN"))

    def timed_run_batch(self, batch):
        t0 = time.perf_counter()
        reply = run_batch(self, batch)
        log.append(("run", t0, time.perf_counter()))
        if rerun and len(batch.ops) == STEP_OPS:
            outputs = [h for c in wire.read_batch(batch) for h in c.outputs]
            self.session.release([h for h in outputs if h in self.session.handles])
            t1 = time.perf_counter()
            run_batch(self, batch)
            log.append(("warm", t1, time.perf_counter()))
        return reply
    commands.CommandLoop.run_batch = timed_run_batch
    return cli.main(argv)


def echo_server_main() -> int:
    """remote.py's echo server, timestamping each message's arrival, its busy wait and the reply's send."""
    log: list = []
    _log_to_file_at_exit(log)

    def read(b):
        log.append(("arrive", time.perf_counter()))
        return b

    def write(b):
        log.append(("reply", time.perf_counter()))
        return b
    return remote.echo_server_main(read, write, lambda start, end: log.append(("run", start, end)))


def _spawn(args, pin: bool, out_path: str, **env):
    prefix = ["taskset", "-c", "1"] if pin else []
    return subprocess.Popen(prefix + [sys.executable, os.path.abspath(__file__), *args], stdout=subprocess.PIPE,
                            stdin=subprocess.PIPE, text=True, env={**os.environ, "TIMELINE_OUT": out_path, **env})


def _server_events(path: str, sends: list) -> tuple:
    """For each of the client's sends: the server's arrival of that message, its run (start, end), its reply."""
    arrivals, runs, replies = (_events(path, k, None) for k in ("arrive", "run", "reply"))
    run_starts = [r[0] for r in runs]
    arrive = [_after(arrivals, t) for t in sends]
    run = [runs[bisect.bisect_left(run_starts, a)] for a in arrive]
    return arrive, run, [_after(replies, r[1]) for r in run]


def _events(path: str, kind: str, n: int | None) -> list:
    with open(path) as f:
        events = [e[1:] if len(e) > 2 else e[1] for e in json.load(f) if e[0] == kind]
    return events if n is None else events[-n:]


def _after(times: list, t: float) -> float:
    """The first of ``times`` (sorted) at or after ``t``: the other process's event that follows ours."""
    return times[bisect.bisect_left(times, t)]


def _us(pairs) -> float:
    return statistics.median(b - a for a, b in pairs) * 1e6


def gradwire_timeline(steps: int, pin: bool, rerun: bool) -> dict:
    """Median us of each segment of the step over a traced server process."""
    import gradwire as gw  # noqa: PLC0415
    from gradwire import _connection  # noqa: PLC0415
    out_path = tempfile.mktemp(suffix=".json")
    proc = _spawn(["--traced-server", "--port", "0", "--log-level", "WARNING"], pin, out_path,
                  **({"TIMELINE_RERUN": "1"} if rerun else {}))
    address = re.search(r"listening on (\S+)", proc.stdout.readline()).group(1)
    log: list = []
    send, receive_one = _connection.Connection._send, _connection.Connection._receive_one

    def timed_send(self, message):
        log.append(("flush", time.perf_counter()))
        send(self, message)

    def timed_receive_one(self):
        receive_one(self)
        log.append(("handled", time.perf_counter()))
    _connection.Connection._send, _connection.Connection._receive_one = timed_send, timed_receive_one
    try:
        gw.connect(address)
        step = remote.gradwire_step_fn(gw, issue_us := [])
        marks = []   # per step: start, end of the issue, item()'s return, the send's and the reply's times
        for _ in range(steps + 300):
            first = len(log)
            t0 = time.perf_counter()
            step()
            t1 = time.perf_counter()
            sent = [t for kind, t in log[first:] if kind == "flush"]
            handled = [t for kind, t in log[first:] if kind == "handled"]
            marks.append((t0, t0 + issue_us[-1] / 1e6, t1, sent[-1], handled[-1]))
        gw.disconnect()
    finally:
        _connection.Connection._send, _connection.Connection._receive_one = send, receive_one
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    marks = marks[-steps:]
    flush = [m[3] for m in marks]
    handled = [m[4] for m in marks]
    arrive, run, reply = _server_events(out_path, flush)
    warm = _events(out_path, "warm", steps)
    os.unlink(out_path)
    return {
        "step": _us((m[0], m[2]) for m in marks),
        "issue": _us((m[0], m[1]) for m in marks),
        "item() up to the send": _us(zip((m[1] for m in marks), flush)),
        "hop to the server": _us(zip(flush, arrive)),
        "arrival to the run": _us(zip(arrive, (r[0] for r in run))),
        "server's run": _us(run),
        "run's end to the reply's send": _us(zip((r[1] for r in run), reply)),
        "hop back, reply handled": _us(zip(reply, handled)) if not rerun else float("nan"),
        "reply handled to item()'s return": _us(zip(handled, (m[2] for m in marks))),
        "server's run again, warm": _us(warm) if warm else float("nan"),
    }


def echo_timeline(client_us: float, server_us: float, rounds: int, pin: bool) -> dict:
    out_path = tempfile.mktemp(suffix=".json")
    log: list = []
    with remote.echo_stream(_spawn(["--echo-server"], pin, out_path)) as (send, replies):
        message = remote.echo_message(server_us)
        for _ in range(rounds + 300):
            t0 = time.perf_counter()
            remote._busy(client_us)
            t1 = time.perf_counter()
            send(message)
            next(replies)
            log.append((t0, t1, time.perf_counter()))
    log = log[-rounds:]
    arrive, run, reply = _server_events(out_path, [m[1] for m in log])
    os.unlink(out_path)
    return {
        "step": _us((m[0], m[2]) for m in log),
        "issue": _us((m[0], m[1]) for m in log),
        "hop to the server": _us(zip((m[1] for m in log), arrive)),
        "arrival to the run": _us(zip(arrive, (r[0] for r in run))),
        "server's run": _us(run),
        "run's end to the reply's send": _us(zip((r[1] for r in run), reply)),
        "hop back, reply handled": _us(zip(reply, (m[2] for m in log))),
    }


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--traced-server"]:
        return traced_server_main(argv[1:])
    if argv[:1] == ["--echo-server"]:
        return echo_server_main()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--pin", action="store_true", help="client on CPU 0, servers on CPU 1")
    args = p.parse_args(argv)
    os.environ.pop("GRADWIRE_ADDRESS", None)
    if args.pin:
        os.sched_setaffinity(0, {0})
    engine_us = statistics.median(remote.median_us(remote.engine_step_fn(), 1, 100) for _ in range(5))
    ours = gradwire_timeline(args.steps, args.pin, rerun=False)
    warm = gradwire_timeline(min(args.steps, 500), args.pin, rerun=True)
    ours["server's run again, warm"] = warm["server's run again, warm"]
    ours["server's run, in the rerun pass"] = warm["server's run"]
    echo = echo_timeline(ours["issue"], engine_us, args.steps, args.pin)
    print(f"Tutorial step over a server process{' (client on CPU 0, server on CPU 1)' if args.pin else ''}: "
          f"medians of {args.steps} steps, us")
    print(f"(the echo: raw gRPC, {ours['issue']:.0f} us busy on the client and {engine_us:.0f} us, the engine's "
          "in-process step, on the server)")
    print(f"{'segment':<36}{'gradwire':>10}{'echo':>10}")
    for name, us in ours.items():
        other = echo.get(name)
        print(f"{name:<36}{us:>10.1f}{'' if other is None else f'{other:>10.1f}'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
