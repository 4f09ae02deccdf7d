"""Autograd tools through the client, held to PyTorch's behaviour: server-side gradcheck (and its round
trips), the profiler, and grad modes over the wire. Runs against the embedded default and a real server."""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import SYNC_MODE

pytestmark = pytest.mark.timeout(120)


# ----- gradcheck ---------------------------------------------------------------------------------------------

def _smooth(a):
    return (a.sin() * a).sum(dim=0) @ a + a.tanh().mean()


def _round_trips_of_gradcheck(gw, n):
    x = gw.randn(n, n, dtype=gw.float64, requires_grad=True)
    gw.synchronize()
    before = gw.stats()["round_trips"]
    assert gw.autograd.gradcheck(_smooth, x) is True
    return gw.stats()["round_trips"] - before


def test_gradcheck_round_trips_do_not_grow_with_input_size(gw):
    """400 inputs -> 800 perturbed evaluations and 400+ backward rows, all on the server: O(1) round trips."""
    big = _round_trips_of_gradcheck(gw, 20)
    small = _round_trips_of_gradcheck(gw, 2)
    assert big == small
    if not SYNC_MODE:  # (under GRADWIRE_SYNC=1 each recorded op is a round trip too, still not per element)
        assert big <= 2


def test_gradcheck_several_inputs_and_outputs(gw):
    x = gw.randn(3, 4, dtype=gw.float64, requires_grad=True)
    y = gw.randn(4, dtype=gw.float64, requires_grad=True)
    assert gw.autograd.gradcheck(lambda a, b: (a * b, (a @ b).exp()), (x, y))
    # a non-tensor argument in between
    assert gw.autograd.gradcheck(lambda a, k, b: a.pow(k) + b, (x, 3, y))


class _Wrong:
    @staticmethod
    def build(gw):
        class WrongSquare(gw.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * x

            @staticmethod
            def backward(ctx, g):
                return g * 3  # wrong: d(x*x)/dx is 2x

        return WrongSquare


def test_gradcheck_failure_message_and_raise_exception_false(gw):
    x = gw.tensor([0.5, -1.0, 2.0], dtype=gw.float64, requires_grad=True)
    with pytest.raises(gw.autograd.GradcheckError) as info:
        gw.autograd.gradcheck(lambda a: a.detach() * a, x)  # backward misses the detached factor
    text = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert text.startswith("Jacobian mismatch for output 0 with respect to input 0,")
    assert "numerical:" in text and "analytical:" in text
    assert "tensor([[" in text and "dtype=torch.float64" in text
    assert gw.autograd.gradcheck(lambda a: a.detach() * a, x, raise_exception=False) is False

    wrong = _Wrong.build(gw)  # custom Function: the callback path
    with pytest.raises(gw.autograd.GradcheckError, match="Jacobian mismatch"):
        gw.autograd.gradcheck(wrong.apply, x)
    assert gw.autograd.gradcheck(wrong.apply, x, raise_exception=False) is False
    # the session is fine afterwards
    assert (x * 2).sum().item() == 3.0

    torch = pytest.importorskip("torch")
    tx = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    from torch.autograd.gradcheck import GradcheckError as TorchGradcheckError
    with pytest.raises(TorchGradcheckError) as ref:
        torch.autograd.gradcheck(lambda a: a.detach() * a, tx)
    assert str(ref.value).split("\n")[0] == text.split("\n")[0]


def test_gradcheck_function_that_reads_values(gw):
    x = gw.randn(3, 2, dtype=gw.float64, requires_grad=True)

    def reads(a):
        k = (a.detach() > 100).sum().item()  # a value read (piecewise constant): cannot be replayed
        return a * a * (k + 2)

    assert gw.autograd.gradcheck(reads, x)
    assert gw.autograd.gradgradcheck(reads, x)
    assert (x * 1).sum().item() == pytest.approx(x.detach().numpy().sum())


def test_gradcheck_function_that_reads_values_is_called_back(gw):
    x = gw.randn(3, 2, dtype=gw.float64, requires_grad=True)
    calls = []

    def reads_wrong(a):
        calls.append(1)
        s = a.sum().item()  # the analytical gradient misses d(s)/da; finite differences see it
        return a * s

    assert gw.autograd.gradcheck(reads_wrong, x, raise_exception=False) is False
    assert len(calls) > 1  # called back per evaluation
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    assert torch.autograd.gradcheck(reads_wrong, tx, raise_exception=False) is False


def test_gradgradcheck(gw):
    x = gw.randn(4, dtype=gw.float64, requires_grad=True)
    assert gw.autograd.gradgradcheck(lambda a: (a ** 3).sin(), x)
    assert gw.autograd.gradgradcheck(lambda a: (a * a).sum() * a, x)
    y = gw.randn(2, 3, dtype=gw.float64, requires_grad=True)
    assert gw.autograd.gradgradcheck(lambda a: a.tanh() @ a.T, y)


def test_gradcheck_needs_a_tensor(gw):
    with pytest.raises(ValueError, match="gradcheck expects at least one input tensor to require gradient"):
        gw.autograd.gradcheck(lambda a: a, (1.0,))


# ----- profiler --------------------------------------------------------------------------------------------

def _profiled(gw):
    a = gw.randn(8, 4, requires_grad=True)
    b = gw.randn(4, 3)
    with gw.autograd.profiler.profile(record_shapes=True) as prof:
        with gw.autograd.profiler.record_function("my_block"):
            y = (a @ b).sum()
        y.backward()
    return prof


def test_profiler_table_with_input_shapes(gw):
    prof = _profiled(gw)
    table = prof.key_averages(group_by_input_shape=True).table(sort_by="cpu_time_total", row_limit=100)
    header = table.split("\n")[1]
    for column in ("Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls",
                   "Input Shapes"):
        assert column in header
    assert "[[8, 4], [4, 3]]" in table  # the matmul's input shapes
    assert "Self CPU time total:" in table
    names = [e.key for e in prof.key_averages()]
    for name in ("my_block", "aten::mm", "aten::sum", "MmBackward0", "SumBackward0"):
        assert name in names
    # without grouping by shape there is no Input Shapes column
    assert "Input Shapes" not in prof.key_averages().table()


def test_profiler_record_function_sort_and_row_limit(gw):
    prof = _profiled(gw)
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=3)
    lines = table.split("\n")
    rows = [ln for ln in lines[3:] if ln.strip() and not ln.startswith("-") and "time total" not in ln]
    assert len(rows) == 3
    # (my_block encloses the forward, but backward's mm can take longer on a loaded machine: the order is
    # the events' own, whatever it is)
    top3 = sorted(prof.key_averages(), key=lambda e: e.cpu_time_total, reverse=True)[:3]
    for row, event in zip(rows, top3):
        assert row.lstrip().startswith(event.key + "  ")
    calls = {e.key: e.count for e in prof.key_averages()}
    assert calls["my_block"] == 1
    self_table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=1)
    assert len([ln for ln in self_table.split("\n")[3:] if ln.strip() and not ln.startswith("-")
                and "time total" not in ln]) == 1
    assert str(prof) == prof.table()


def test_profiler_export_chrome_trace(gw, tmp_path):
    prof = _profiled(gw)
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    data = json.loads(path.read_text())
    events = data["traceEvents"]
    assert isinstance(events, list) and events
    complete = [e for e in events if e.get("ph") == "X"]
    names = {e["name"] for e in complete}
    assert {"my_block", "aten::mm"} <= names
    for e in complete:
        assert e["dur"] >= 0 and "ts" in e


def test_profiler_not_finished_and_disabled(gw):
    prof = gw.autograd.profiler.profile()
    with pytest.raises(RuntimeError, match="Profiler didn't finish running"):
        prof.key_averages()
    with gw.autograd.profiler.profile(enabled=False) as p:
        (gw.ones(2) * 2).sum()
    assert p is None


# ----- grad modes ------------------------------------------------------------------------------------------

def _decorated(t):
    x = t.ones(3, requires_grad=True)

    @t.no_grad
    def f1(a):
        return a * 2

    @t.no_grad()
    def f2(a):
        return a * 2

    @t.enable_grad
    def g1(a):
        return a * 2

    @t.enable_grad()
    def g2(a):
        return a * 2

    @t.set_grad_enabled(False)
    def h(a):
        return a * 2

    @t.inference_mode
    def k1(a):
        return a * 2

    @t.inference_mode()
    def k2(a):
        return a * 2

    @t.inference_mode(False)
    def k3(a):
        return a * 2

    out = [f1(x).requires_grad, f2(x).requires_grad, h(x).requires_grad, t.is_grad_enabled()]
    with t.no_grad():
        out += [g1(x).requires_grad, g2(x).requires_grad, (x * 2).requires_grad, t.is_grad_enabled()]
    out += [k1(x).is_inference(), k2(x).is_inference(), k3(x).is_inference(), k1(x).requires_grad]
    prev = t.is_grad_enabled()
    t.set_grad_enabled(False)  # as a function call
    out += [t.is_grad_enabled(), (x * 2).requires_grad]
    t.set_grad_enabled(prev)
    out += [t.is_grad_enabled(), (x * 2).requires_grad]
    out += [f1.__name__, k1.__name__]
    return out


def test_grad_mode_decorators(gw):
    got = _decorated(gw)
    assert got == [False, False, False, True,
                   True, True, False, False,
                   True, True, False, False,
                   False, False, True, True, "f1", "k1"]
    torch = pytest.importorskip("torch")
    assert got == _decorated(torch)


def test_grad_modes_are_thread_local(gw):
    import threading
    seen = []
    with gw.no_grad():
        t = threading.Thread(target=lambda: seen.append((gw.is_grad_enabled(),
                                                         (gw.ones(1, requires_grad=True) * 2).requires_grad)))
        t.start()
        t.join()
    assert seen == [(True, True)]


INFERENCE_SAVE = ("Inference tensors cannot be saved for backward. Please do not use Tensors created in inference "
                  "mode in computation tracked by autograd.")


def test_inference_mode_tensors(gw):
    x = gw.ones(3, requires_grad=True)
    with gw.inference_mode():
        assert gw.is_inference_mode_enabled() and not gw.is_grad_enabled()
        y = x * 2
        z = gw.zeros(2)
    assert not gw.is_inference_mode_enabled() and gw.is_grad_enabled()
    assert y.is_inference() and z.is_inference() and not x.is_inference()
    assert not y.requires_grad and y.grad_fn is None
    assert y.tolist() == [2.0, 2.0, 2.0]
    # used without autograd: fine, and the result is a normal tensor
    w = y + 1
    assert not w.is_inference() and w.tolist() == [3.0, 3.0, 3.0]
    # used where autograd must save it: torch's RuntimeError, at the latest at the next sync point
    with pytest.raises(RuntimeError, match=INFERENCE_SAVE):
        (x * y).sum()
        gw.synchronize()
    with pytest.raises(RuntimeError, match=INFERENCE_SAVE):
        out = (y * x).sum()
        out.backward()
        gw.synchronize()
    # in-place update outside inference mode
    with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside InferenceMode is not allowed"):
        y.add_(1)
        gw.synchronize()
    # the session keeps working; a clone is a normal tensor that autograd can use
    c = y.clone()
    assert not c.is_inference()
    (x * c).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]

    torch = pytest.importorskip("torch")
    tx = torch.ones(3, requires_grad=True)
    with torch.inference_mode():
        ty = tx * 2
    with pytest.raises(RuntimeError, match=INFERENCE_SAVE):
        (tx * ty).sum()


def test_gradcheck_streams_progress_and_draws_no_bar_off_a_terminal(gw, monkeypatch, capsys):
    from gradwire import _connection
    seen = []
    show = _connection._show_progress
    monkeypatch.setattr(_connection, "_show_progress", lambda p: (seen.append((p.task, p.done, p.total)), show(p)))
    x = gw.randn(40, 30, dtype=gw.float64, requires_grad=True)
    assert gw.autograd.gradcheck(lambda a: (a * a).sum(), x)
    assert seen and seen[-1] == ("gradcheck", 1200, 1200)
    assert all(done <= total for _, done, total in seen) and len(seen) <= 60  # throttled, not one per element
    assert "gradcheck: [" not in capsys.readouterr().err  # stderr is no terminal here: no bar


def test_chrome_trace_has_server_and_client_tracks(gw, tmp_path):
    import json
    x = gw.randn(8, 8, requires_grad=True)
    with gw.autograd.profiler.profile() as prof:
        (x @ x).sum().backward()
        x.grad.sum().item()  # a blocking round trip inside the profile
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    events = json.loads(path.read_text())["traceEvents"]
    names = {e["pid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
    assert names == {0: "gradwire-server", 1: "gradwire-client"}
    server = [e for e in events if e["ph"] == "X" and e["pid"] == 0]
    client = [e for e in events if e["ph"] == "X" and e["pid"] == 1]
    assert any(e["name"] == "aten::mm" for e in server) and client
    assert all(e["dur"] >= 0 for e in server + client)


def test_a_profile_records_only_its_own_sessions_ops(server):
    """Two sessions on one server: a profile in one never records the other's ops."""
    import os
    import subprocess
    import sys
    import time

    import gradwire
    busy = ("import gradwire as torch\nx = torch.ones(8)\nprint('running', flush=True)\n"
            "while True:\n    torch.logsumexp(x, 0).item()\n")
    env = {**os.environ, "GRADWIRE_ADDRESS": server.address}
    other = subprocess.Popen([sys.executable, "-c", busy], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "running"
        gradwire.connect(server.address)
        x = gradwire.ones(8)
        with gradwire.autograd.profiler.profile() as prof:
            for _ in range(40):
                (x * 2).sum().item()
                time.sleep(0.005)  # the other session's ops run meanwhile
        assert other.poll() is None, "the other session stopped early"
        keys = {e.key for e in prof.key_averages()}
        assert "aten::mul" in keys and "aten::sum" in keys
        assert not [k for k in keys if "logsumexp" in k], keys
    finally:
        other.kill()
        other.wait()
        gradwire.disconnect()
