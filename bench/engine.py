"""Engine benchmark: gradwire.engine in-process against PyTorch measured in the same run.

    python bench/engine.py [--repeats 7] [--quick]

Prints one row per workload, medians over repeats (gradwire and torch timed
interleaved), with the median per-repeat ratio gradwire / torch (lower is
better; PyTorch columns are blank when it is not importable):

  * a small elementwise op with requires_grad (x * y on 10-element tensors);
  * ``(x * y).sum().backward()`` on 10-element tensors;
  * one training step of the tutorial's loop: Linear(10, 1) weights, F.linear,
    F.mse_loss, SGD(lr=0.01), batch 32, fresh randn inputs every step;
  * one training step of a 2-layer MLP: 1024 -> 1024 (ReLU) -> 10 classes,
    F.cross_entropy, SGD, batch 256, float32, a fixed batch.

Targets: the small-op and backward rows within 4x of PyTorch; the MLP step no
slower than PyTorch.  On machines that set OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE
for old OpenBLAS builds, unset both in the benchmark's command alone
(``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/engine.py``):
they slow a current numpy.  The header prints the BLAS numpy uses.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import gradwire.engine as E  # noqa: E402
from gradwire.engine import optim as eoptim  # noqa: E402
from gradwire.engine.nn import functional as EF  # noqa: E402

try:  # noqa: SIM105 - optional reference
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None


# ---- machine description ------------------------------------------------------------------

def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith(("model name", "cpu model", "hardware")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_description() -> str:
    try:
        from threadpoolctl import threadpool_info  # noqa: PLC0415 - optional, not a dependency
        libs = [f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, {i.get('num_threads')} threads)"
                for i in threadpool_info() if i.get("user_api") == "blas"]
        if libs:
            return "; ".join(libs)
    except ImportError:
        pass
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')} (threadpoolctl not installed: build info)"
    except Exception:  # noqa: BLE001 - best effort
        return "unknown"


def header() -> list:
    try:
        load = ", load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = ""
    lines = [f"machine : {platform.machine()}, {os.cpu_count()} CPUs, {cpu_model()}{load}",
             f"python  : {platform.python_version()}, numpy {np.__version__}, numpy BLAS: {blas_description()}"]
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS",
                                      "OPENBLAS_NUM_THREADS") if k in os.environ}
    lines.append(f"env     : {env if env else 'no BLAS variables set'}")
    if torch is not None:
        lines.append(f"torch   : {torch.__version__}, {torch.get_num_threads()} threads")
    else:
        lines.append("torch   : not importable (gradwire columns only)")
    return lines


# ---- timing ---------------------------------------------------------------------------------

def _once(fn, iters: int) -> float:
    t0 = time.perf_counter()
    for _ in range(iters):
        fn()
    return (time.perf_counter() - t0) / iters * 1e6


def measure(fns, iters: int, repeats: int) -> list:
    """Microseconds per call of each of ``fns``: the median over ``repeats`` of the mean over ``iters`` calls.

    The functions are timed interleaved (a, b, a, b, ...) after a warm-up, so load that drifts during the run
    affects both alike; also returns the median of the per-repeat ratios fns[0] / fns[1].
    """
    for fn in fns:
        for _ in range(max(1, iters // 10)):
            fn()
    samples = [[] for _ in fns]
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            samples[k].append(_once(fn, iters))
    medians = [statistics.median(s) for s in samples]
    ratio = statistics.median(a / b for a, b in zip(samples[0], samples[1])) if len(fns) == 2 else None
    return medians, ratio


# ---- workloads: gradwire ----------------------------------------------------------------------

def g_small_op():
    x = E.randn(10, requires_grad=True)
    y = E.randn(10, requires_grad=True)
    return lambda: x * y


def g_backward():
    x = E.randn(10, requires_grad=True)
    y = E.randn(10, requires_grad=True)

    def run():
        (x * y).sum().backward()
    return run


def g_tutorial():
    E.manual_seed(0)
    w = E.randn(1, 10, requires_grad=True)
    b = E.randn(1, requires_grad=True)
    opt = eoptim.SGD([w, b], lr=0.01)

    def step():
        x = E.randn(32, 10)
        y = E.randn(32, 1)
        loss = EF.mse_loss(EF.linear(x, w, b), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def g_mlp():
    E.manual_seed(0)
    w1 = (E.randn(1024, 1024) * (1 / 32)).detach().requires_grad_()
    b1 = E.zeros(1024, requires_grad=True)
    w2 = (E.randn(10, 1024) * (1 / 32)).detach().requires_grad_()
    b2 = E.zeros(10, requires_grad=True)
    opt = eoptim.SGD([w1, b1, w2, b2], lr=0.01)
    x = E.randn(256, 1024)
    t = E.tensor(np.random.default_rng(0).integers(0, 10, 256))

    def step():
        loss = EF.cross_entropy(EF.linear(EF.relu(EF.linear(x, w1, b1)), w2, b2), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


# ---- workloads: torch -------------------------------------------------------------------------

def t_small_op():
    x = torch.randn(10, requires_grad=True)
    y = torch.randn(10, requires_grad=True)
    return lambda: x * y


def t_backward():
    x = torch.randn(10, requires_grad=True)
    y = torch.randn(10, requires_grad=True)

    def run():
        (x * y).sum().backward()
    return run


def t_tutorial():
    F = torch.nn.functional
    torch.manual_seed(0)
    w = torch.randn(1, 10, requires_grad=True)
    b = torch.randn(1, requires_grad=True)
    opt = torch.optim.SGD([w, b], lr=0.01)

    def step():
        x = torch.randn(32, 10)
        y = torch.randn(32, 1)
        loss = F.mse_loss(F.linear(x, w, b), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def t_mlp():
    F = torch.nn.functional
    torch.manual_seed(0)
    w1 = (torch.randn(1024, 1024) / 32).requires_grad_()
    b1 = torch.zeros(1024, requires_grad=True)
    w2 = (torch.randn(10, 1024) / 32).requires_grad_()
    b2 = torch.zeros(10, requires_grad=True)
    opt = torch.optim.SGD([w1, b1, w2, b2], lr=0.01)
    x = torch.randn(256, 1024)
    t = torch.tensor(np.random.default_rng(0).integers(0, 10, 256))

    def step():
        loss = F.cross_entropy(F.linear(F.relu(F.linear(x, w1, b1)), w2, b2), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


ROWS = [
    # label, gradwire factory, torch factory, iterations per repeat, target ratio
    ("x * y, 10 elements, requires_grad", g_small_op, t_small_op, 5000, 4.0),
    ("(x * y).sum().backward(), 10 elements", g_backward, t_backward, 2000, 4.0),
    ("train step Linear(10,1)+MSE+SGD, batch 32", g_tutorial, t_tutorial, 1000, None),
    ("train step MLP 1024-1024-10 +CE+SGD, batch 256", g_mlp, t_mlp, 20, 1.0),
]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="a tenth of the iterations (smoke run)")
    args = ap.parse_args(argv)
    for line in header():
        print(line)
    print()
    w = 48
    print(f"{'workload':<{w}} {'gradwire us':>12} {'torch us':>10} {'ratio':>7}  target")
    print("-" * (w + 46))
    for label, gf, tf, iters, target in ROWS:
        if args.quick:
            iters = max(2, iters // 10)
        fns = [gf()] + ([tf()] if torch is not None else [])
        medians, ratio = measure(fns, iters, args.repeats)
        gus = medians[0]
        tus = medians[1] if torch is not None else None
        tcol = f"{tus:10.1f}" if tus is not None else f"{'-':>10}"
        rcol = f"{ratio:7.2f}" if ratio is not None else f"{'-':>7}"
        if target is None:
            verdict = ""
        elif ratio is None:
            verdict = f"<= {target:g}x (no reference)"
        else:
            verdict = f"<= {target:g}x " + ("met" if ratio <= target else "MISSED")
        print(f"{label:<{w}} {gus:12.1f} {tcol} {rcol}  {verdict}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
