"""GPU benchmark: a 2-layer 4096-wide MLP training step on cuda through gradwire, beside PyTorch CUDA.

    python bench/gpu.py [--steps 20] [--repeats 7] [--batch 1024] [--width 4096]

The model: Linear(4096, 4096) - ReLU - Linear(4096, 4096), float32, MSE loss against a
fixed random target, SGD(lr=0.01); batch 1024. One step is zero_grad, forward, loss,
backward, step. gradwire runs it over a separate ``gradwire-server --device cuda:0``
process (the model and the data are created on the server's GPU); PyTorch runs the same
step on its CUDA device in the same run when it is installed with CUDA.

Each repeat runs ``--steps`` steps and then waits for the GPU (gradwire.cuda.synchronize /
torch.cuda.synchronize); the figure is the median over repeats of the time per step.
The target (issue #6): gradwire no slower than 1.2x PyTorch.

Needs CuPy (``pip install 'gradwire[cuda]'``) and an NVIDIA GPU; without them it says so and
exits with status 2.
"""
from __future__ import annotations

import argparse
import re
import signal
import statistics
import subprocess
import sys
import time


def gpu_or_exit() -> str:
    try:
        import cupy
    except ImportError:
        print("bench/gpu.py: CuPy is not installed (pip install 'gradwire[cuda]'): nothing to measure",
              file=sys.stderr)
        sys.exit(2)
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # noqa: BLE001 - no driver / no device
        print(f"bench/gpu.py: no NVIDIA GPU visible to CuPy ({exc}): nothing to measure", file=sys.stderr)
        sys.exit(2)
    if n == 0:
        print("bench/gpu.py: no NVIDIA GPU visible to CuPy: nothing to measure", file=sys.stderr)
        sys.exit(2)
    props = cupy.cuda.runtime.getDeviceProperties(0)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    return f"{name}, {props['totalGlobalMem'] / 2**30:.0f} GiB, CuPy {cupy.__version__}"


def start_server(device: str):
    proc = subprocess.Popen([sys.executable, "-m", "gradwire.server.cli", "--port", "0", "--log-level", "WARNING",
                             "--device", device], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    m = re.search(r"listening on (\S+)", line)
    if m is None:
        proc.kill()
        sys.exit(f"bench/gpu.py: gradwire-server --device {device} did not start")
    return proc, m.group(1)


def time_steps(step, sync, steps: int, repeats: int) -> list[float]:
    """Per-step milliseconds of each repeat (``steps`` steps, then a wait for the GPU)."""
    step()
    sync()  # warm-up: kernels compiled, memory pools filled
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        sync()
        out.append((time.perf_counter() - t0) / steps * 1e3)
    return out


def mlp_step(lib, width: int, batch: int, device: str):
    """The step (a closure) of the MLP on ``lib`` (gradwire or torch), its data on ``device``."""
    nn = lib.nn
    lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, width)).to(device)
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    x = lib.randn(batch, width, device=device)
    y = lib.randn(batch, width, device=device)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--batch", type=int, default=1024)
    p.add_argument("--width", type=int, default=4096)
    p.add_argument("--device", default="cuda:0")
    args = p.parse_args()
    gpu = gpu_or_exit()
    print(f"GPU: {gpu}; MLP {args.width}-{args.width}-{args.width} float32, batch {args.batch}, MSE, SGD; "
          f"{args.steps} steps x {args.repeats} repeats")

    import gradwire

    proc, address = start_server(args.device)
    try:
        gradwire.connect(address)
        step = mlp_step(gradwire, args.width, args.batch, args.device)
        before = dict(gradwire.stats())
        gw_ms = time_steps(step, gradwire.cuda.synchronize, args.steps, args.repeats)
        after = gradwire.stats()
        n_steps = args.steps * args.repeats + 1
        round_trips = (after["round_trips"] - before["round_trips"]) / n_steps
        check = step().item()
        gradwire.disconnect()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    rows = [("gradwire (server process, cuda)", statistics.median(gw_ms))]
    print(f"gradwire: blocking round trips per step {round_trips:.2f}; final loss {check:.6f}")

    torch_ms = None
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None and torch.cuda.is_available():
        step = mlp_step(torch, args.width, args.batch, args.device)
        torch_ms = statistics.median(time_steps(step, torch.cuda.synchronize, args.steps, args.repeats))
        rows.append((f"PyTorch {torch.__version__} (in process, cuda)", torch_ms))
    else:
        print("PyTorch with CUDA is not installed here: no reference in this run")

    print(f"{'':40s} {'ms/step':>10s}")
    for name, ms in rows:
        print(f"{name:40s} {ms:10.3f}")
    if torch_ms is not None:
        ratio = rows[0][1] / torch_ms
        verdict = "met" if ratio <= 1.2 else "NOT met"
        print(f"ratio gradwire / PyTorch: {ratio:.3f} (target <= 1.2: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
