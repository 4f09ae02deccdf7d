"""Remote benchmark: what the wire costs, against references measured in the same run.

    python bench/remote.py [--steps 300] [--chain 1000] [--mib 256]

Prints, as medians over repeats:
  * the tutorial's training step (Linear(10,1), batch 32, MSELoss, SGD, loss.item()
    every step) over a separate gradwire-server process, over the embedded
    default, on gradwire.engine in-process, and in PyTorch when installed;
    blocking round trips per step;
  * amortized microseconds per op of a 1000-op elementwise chain over the
    separate server process;
  * upload and download MB/s of a large tensor beside raw gRPC bytes streamed
    over the same loopback in the same run;
  * the transport's floor under the step: a raw gRPC bidirectional echo to a
    separate process with the step's client and engine time as busy work.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import queue
import re
import signal
import statistics
import subprocess
import sys
import time
from concurrent import futures

import grpc
import numpy as np


def start_server():
    proc = subprocess.Popen([sys.executable, "-m", "gradwire.server.cli", "--port", "0", "--log-level", "WARNING"],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    address = re.search(r"listening on (\S+)", line).group(1)
    return proc, address


def stop_server(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)


def median_us(fn, repeats: int, inner: int) -> float:
    """Median over ``repeats`` of the mean time of ``inner`` calls, in microseconds."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner * 1e6)
    return statistics.median(times)


# ----- the tutorial's training step on each backend --------------------------------------

def gradwire_step_fn(gw, issue_us: list | None = None):
    """The step; with ``issue_us``, each step appends how long its ops took to issue (up to ``item()``)."""
    model = gw.nn.Linear(10, 1)
    optimizer = gw.optim.SGD(model.parameters(), lr=0.01)
    criterion = gw.nn.MSELoss()

    def step():
        started = time.perf_counter()
        inputs = gw.randn(32, 10)
        targets = gw.randn(32, 1)
        outputs = model(inputs)
        loss = criterion(outputs, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if issue_us is not None:
            issue_us.append((time.perf_counter() - started) * 1e6)
        return loss.item()
    return step


def engine_step_fn():
    from gradwire import engine
    from gradwire.engine.nn import functional as F
    w = engine.randn(1, 10).mul(0.3).detach().requires_grad_(True)
    b = engine.zeros(1, requires_grad=True)
    opt = engine.optim.SGD([w, b], lr=0.01)

    def step():
        inputs = engine.randn(32, 10)
        targets = engine.randn(32, 1)
        loss = F.mse_loss(F.linear(inputs, w, b), targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()
    return step


def torch_step_fn():
    import torch
    model = torch.nn.Linear(10, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    criterion = torch.nn.MSELoss()

    def step():
        inputs = torch.randn(32, 10)
        targets = torch.randn(32, 1)
        loss = criterion(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()
    return step


def interleaved_steps(fns: dict, reference: str, steps: int, repeats: int = 7) -> dict:
    """Time each step function in turn, repeat after repeat, so that load the
    machine's other jobs add falls on all of them alike. Returns, per name, the
    median us/step and the median over repeats of the ratio to ``reference``
    measured in the same repeat."""
    inner = max(steps // repeats, 1)
    for fn in fns.values():
        for _ in range(20):
            fn()
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(median_us(fn, repeats=1, inner=inner))
    return {name: (statistics.median(ts),
                   statistics.median(t / r for t, r in zip(ts, times[reference])))
            for name, ts in times.items()}


def round_trips_per_step(gw, step, steps: int = 50) -> float:
    before = gw.stats()["round_trips"]
    for _ in range(steps):
        step()
    return (gw.stats()["round_trips"] - before) / steps


def chain_us_per_op(gw, n_ops: int) -> float:
    x = gw.ones(16)

    def chain():
        y = x
        for i in range(n_ops):
            y = y * 1.0001 if i % 2 else y + 0.5
        gw.synchronize()
        return y
    chain()
    return median_us(chain, repeats=5, inner=1) / n_ops


# ----- the transport's floor under the step -------------------------------------------------
# The step's one round trip cannot cost less than Python gRPC's bidirectional stream with the
# same work on each side. This echoes over such a stream to a separate process, with the client
# busy for as long as gradwire's client takes to issue the step, and the server busy for as long
# as the engine takes to run it in-process (less than the server does: no decoding, no replies).

STEP_BATCH_BYTES = 756   # the step's batch on the wire (8 commands and 4 releases)


def _busy(us: float) -> None:
    end = time.perf_counter() + us / 1e6
    while time.perf_counter() < end:
        pass


def echo_server_main(read=None, write=None, ran=None) -> int:
    """``remote.py --echo-server``: echoes each message after busy-waiting the nanoseconds in its first 8 bytes.
    ``read``/``write``: the (de)serializers (identity: no protobuf); ``ran(start, end)`` after each busy wait
    (bench/timeline.py's timestamps)."""
    def echo(requests, context):
        for message in requests:
            start = time.perf_counter()
            _busy(int.from_bytes(message[:8], "little") / 1000)
            if ran is not None:
                ran(start, time.perf_counter())
            yield message
    ident = lambda b: b  # noqa: E731
    server = grpc.server(futures.ThreadPoolExecutor(4))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "bench.Echo", {"Stream": grpc.stream_stream_rpc_method_handler(echo, read or ident, write or ident)}),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    sys.stdin.read()   # until the benchmark closes the pipe
    server.stop(0)
    return 0


@contextlib.contextmanager
def echo_stream(proc):
    """A raw bidirectional stream to the echo server ``proc`` (a Popen that prints its port, then serves
    until its stdin closes): yields (send, replies)."""
    outbox: queue.SimpleQueue = queue.SimpleQueue()
    channel = None
    try:
        port = int(proc.stdout.readline())
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        ident = lambda b: b  # noqa: E731
        yield outbox.put, channel.stream_stream("/bench.Echo/Stream", ident, ident)(iter(outbox.get, None))
    finally:
        outbox.put(None)
        if channel is not None:
            channel.close()
        proc.stdin.close()
        proc.wait(30)


def echo_message(server_us: float) -> bytes:
    """A message of the step's batch size asking the echo server to be busy ``server_us``."""
    return int(server_us * 1000).to_bytes(8, "little") + bytes(STEP_BATCH_BYTES - 8)


def echo_round_trip_us(client_us: float, server_us: float, rounds: int = 350) -> float:
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--echo-server"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    with echo_stream(proc) as (send, replies):
        message = echo_message(server_us)

        def round_trip():
            _busy(client_us)
            send(message)
            next(replies)
        for _ in range(50):
            round_trip()
        return median_us(round_trip, repeats=7, inner=rounds // 7)


# ----- bulk transfer ----------------------------------------------------------------------

RAW_CHUNK = 2 << 20


class _RawServer:
    """Streams raw bytes over gRPC with no protobuf: the transport's ceiling."""

    def __init__(self):
        def download(request, context):
            total = int.from_bytes(request, "little")
            chunk = b"\x00" * RAW_CHUNK
            for start in range(0, total, RAW_CHUNK):
                yield chunk[: min(RAW_CHUNK, total - start)]

        def upload(request_iterator, context):
            n = 0
            for chunk in request_iterator:
                n += len(chunk)
            return n.to_bytes(8, "little")

        ident = lambda b: b  # noqa: E731
        handler = grpc.method_handlers_generic_handler("bench.Raw", {
            "Download": grpc.unary_stream_rpc_method_handler(download, ident, ident),
            "Upload": grpc.stream_unary_rpc_method_handler(upload, ident, ident),
        })
        opts = [("grpc.max_send_message_length", 64 << 20), ("grpc.max_receive_message_length", 64 << 20)]
        self.server = grpc.server(futures.ThreadPoolExecutor(4), options=opts)
        self.server.add_generic_rpc_handlers((handler,))
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}", options=opts)
        ident = lambda b: b  # noqa: E731
        self.download = self.channel.unary_stream("/bench.Raw/Download", ident, ident)
        self.upload = self.channel.stream_unary("/bench.Raw/Upload", ident, ident)

    def close(self):
        self.channel.close()
        self.server.stop(0)


def raw_mb_s(nbytes: int) -> tuple[float, float]:
    raw = _RawServer()
    payload = np.zeros(nbytes, dtype=np.uint8)
    try:
        def up():
            view = memoryview(payload)
            raw.upload(bytes(view[i:i + RAW_CHUNK]) for i in range(0, nbytes, RAW_CHUNK))

        def down():
            buf = bytearray(nbytes)
            offset = 0
            for chunk in raw.download(nbytes.to_bytes(8, "little")):
                buf[offset:offset + len(chunk)] = chunk
                offset += len(chunk)
        up_s = median_us(up, repeats=3, inner=1) / 1e6
        down_s = median_us(down, repeats=3, inner=1) / 1e6
    finally:
        raw.close()
    mib = nbytes / (1 << 20)
    return mib / up_s, mib / down_s


def gradwire_mb_s(gw, nbytes: int) -> tuple[float, float]:
    array = np.random.default_rng(0).standard_normal(nbytes // 4).astype(np.float32)
    holder = {}

    def up():
        holder["t"] = gw.from_numpy(array)

    def down():
        holder["t"].numpy()
    up_s = median_us(up, repeats=3, inner=1) / 1e6
    down_s = median_us(down, repeats=3, inner=1) / 1e6
    mib = nbytes / (1 << 20)
    return mib / up_s, mib / down_s


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--chain", type=int, default=1000)
    p.add_argument("--mib", type=int, default=256)
    p.add_argument("--echo-server", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.echo_server:
        return echo_server_main()
    os.environ.pop("GRADWIRE_ADDRESS", None)
    import gradwire as gw

    try:
        torch_step = torch_step_fn()
        ref_name = "PyTorch"
    except ImportError:
        torch_step = None
        ref_name = "gradwire.engine in-process"
    engine_step = engine_step_fn()
    references = {"gradwire.engine in-process": engine_step}
    if torch_step is not None:
        references["PyTorch"] = torch_step

    rows = []   # (name, us/step, ratio to the reference timed beside it, round trips/step)
    proc, address = start_server()
    try:
        gw.connect(address)
        issue_us: list = []
        step = gradwire_step_fn(gw, issue_us)
        timed = interleaved_steps({"gradwire, server process": step, **references}, ref_name, args.steps)
        issue = statistics.median(issue_us)
        rows.append(("gradwire, server process", *timed["gradwire, server process"], round_trips_per_step(gw, step)))
        chain = chain_us_per_op(gw, args.chain)
        up, down = gradwire_mb_s(gw, args.mib << 20)
        gw.disconnect()
    finally:
        stop_server(proc)
    gw.connect()
    step = gradwire_step_fn(gw)
    embedded = interleaved_steps({"gradwire, embedded": step, ref_name: references[ref_name]}, ref_name, args.steps)
    rows.append(("gradwire, embedded", *embedded["gradwire, embedded"], round_trips_per_step(gw, step)))
    gw.disconnect()
    rows += [(name, *timed[name], 0.0) for name in references]
    raw_up, raw_down = raw_mb_s(args.mib << 20)
    engine_us = timed["gradwire.engine in-process"][0]
    floor = echo_round_trip_us(issue, engine_us)
    # the reference's step, timed again beside the echo (the machine's load moves between sections)
    ref_us = statistics.median(median_us(references[ref_name], repeats=1, inner=50) for _ in range(5))

    print(f"Tutorial training step (Linear(10,1), batch 32, MSE, SGD, item() each step); ratio vs {ref_name}")
    print(f"(timed in turn with {ref_name}; ratio = median over repeats of the ratio within a repeat)")
    print(f"{'backend':<28}{'us/step':>12}{'ratio':>10}{'round trips/step':>20}")
    for name, us, ratio, trips in rows:
        print(f"{name:<28}{us:>12.1f}{ratio:>10.2f}{trips:>20.2f}")
    print()
    print(f"Transport floor of that step: raw gRPC bidi echo to another process, {issue:.0f} us busy on the")
    print(f"client (gradwire's issue of the step) and {engine_us:.0f} us on the server (the engine's in-process")
    print(f"step): {floor:.0f} us per round trip = {floor / ref_us:.2f}x {ref_name}'s step ({ref_us:.0f} us)")
    print()
    print(f"{args.chain}-op elementwise chain over the server process: {chain:.2f} us/op amortized")
    print()
    print(f"Bulk transfer of {args.mib} MiB over loopback (MB/s; ratio vs raw gRPC bytes in the same run)")
    print(f"{'':<12}{'gradwire':>12}{'raw gRPC':>12}{'ratio':>10}")
    print(f"{'upload':<12}{up:>12.0f}{raw_up:>12.0f}{up / raw_up:>10.2f}")
    print(f"{'download':<12}{down:>12.0f}{raw_down:>12.0f}{down / raw_down:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
