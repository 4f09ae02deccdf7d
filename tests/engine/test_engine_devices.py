"""Devices in the engine: cpu and cuda tensors, .to/.cuda/.cpu with gradients across devices,
torch's mixed-device error, per-device generators.

The cuda tests run on the SIMULATED CuPy of tests/fakecuda (numpy arrays labelled with a cuda
device): they check the device plumbing, not CuPy kernels (tests/gpu/ does that on a GPU).
"""
from __future__ import annotations

import numpy as np
import pytest

import gradwire.engine as E
from gradwire.engine import backend
from gradwire.engine.nn.lstm import lstm

pytestmark = pytest.mark.timeout(60)

MIXED = r"Expected all tensors to be on the same device, but found at least two devices, {} and {}!"


def _mixed(a, b):
    return MIXED.format(a, b).replace("(", r"\(")


# ---- without CuPy (this machine's own state) -----------------------------------------------

def test_cuda_requests_without_cupy_name_the_extra(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "cupy", None)  # import cupy -> ImportError
    for name in [d for d in backend._MODULES if d != "cpu"]:
        monkeypatch.delitem(backend._MODULES, name)
    assert backend.cuda_device_count() == 0 and backend.cuda_available() is False
    with pytest.raises(RuntimeError, match=r"install gradwire\[cuda\] \(CuPy\)"):
        E.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match=r"install gradwire\[cuda\]"):
        E.ones(2).cuda()
    with pytest.raises(RuntimeError, match=r"install gradwire\[cuda\]"):
        E.ones(2).to("cuda:0")


@pytest.mark.parametrize("given, expected", [
    (None, "cpu"), ("cpu", "cpu"), ("cuda", "cuda:0"), ("cuda:1", "cuda:1"), ("cuda:0", "cuda:0"),
])
def test_normalize_device(given, expected):
    assert backend.normalize_device(given) == expected


def test_normalize_device_errors():
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda, ipu, xpu, .* device type at start of device string: gpu"):
        backend.normalize_device("gpu")
    with pytest.raises(RuntimeError, match="CPU device index must be -1 or zero, got 1"):
        backend.normalize_device("cpu:1")


def test_to_on_the_cpu_follows_torch():
    x = E.tensor([1.0, 2.0], requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x and x.to(x) is x and x.to(E.float32) is x
    assert x.to(device="cpu", dtype=E.float32) is x
    y = x.to("cpu", E.float64)
    assert y.dtype is E.float64 and y.grad_fn.name() == "ToCopyBackward0"
    c = x.to("cpu", copy=True)
    assert c is not x and c.tolist() == [1.0, 2.0] and c.grad_fn.name() == "ToCopyBackward0"
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0] and x.grad.dtype is E.float32
    assert x.to(E.zeros(1, dtype=E.float64)).dtype is E.float64
    assert x.to("float64").dtype is E.float64  # a dtype by wire name


# ---- on the simulated CUDA device --------------------------------------------------------------

def test_tensors_on_cuda_print_and_report_their_device(fake_cuda):
    x = E.tensor([1.0, 2.0], device="cuda")
    assert x.device == "cuda:0" and x.is_cuda
    assert repr(x) == "tensor([1., 2.], device='cuda:0')"
    w = E.ones(2, device="cuda:1", requires_grad=True)
    assert repr(w) == "tensor([1., 1.], device='cuda:1', requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 4.], device='cuda:0')"
    for make in (lambda: E.zeros(2, 3, device="cuda"), lambda: E.full((2,), 7.0, device="cuda"),
                 lambda: E.arange(4, device="cuda"), lambda: E.linspace(0, 1, 3, device="cuda"),
                 lambda: E.eye(2, device="cuda"), lambda: E.randn(3, device="cuda"),
                 lambda: E.rand(3, device="cuda"), lambda: E.randint(0, 5, (3,), device="cuda"),
                 lambda: E.zeros_like(x), lambda: E.ones_like(E.ones(2), device="cuda")):
        assert make().device == "cuda:0"
    assert E.zeros_like(x, device="cpu").device == "cpu"
    assert E.Tensor([1.0], device="cuda").device == "cuda:0" and E.Tensor(x).device == "cuda:0"
    with pytest.raises(RuntimeError, match="CUDA error: invalid device ordinal"):
        E.zeros(1, device="cuda:2")  # the fixture simulates two devices


def test_numpy_of_a_cuda_tensor_raises_like_torch(fake_cuda):
    x = E.tensor([1.5], device="cuda")
    with pytest.raises(TypeError, match=r"can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu\(\) "
                                        r"to copy the tensor to host memory first."):
        x.numpy()
    assert x.item() == 1.5 and x.tolist() == [1.5] and x.cpu().numpy().tolist() == [1.5]


def test_moving_is_differentiable_and_gradients_come_back(fake_cuda):
    x = E.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x.cuda()
    assert y.device == "cuda:0" and y.grad_fn.name() == "ToCopyBackward0" and y.cuda() is y
    z = (y * y).sum()
    assert z.device == "cuda:0"
    z.backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [2.0, -4.0, 6.0]
    # and back: a cuda leaf's gradient through .cpu() stays on the GPU
    w = E.tensor([1.0, 2.0], device="cuda:1", requires_grad=True)
    (w.to("cpu", E.float64) * 5).sum().backward()
    assert w.grad.device == "cuda:1" and w.grad.dtype is E.float32 and w.grad.tolist() == [5.0, 5.0]
    # between two GPUs
    v = E.tensor([2.0], device="cuda:0", requires_grad=True)
    (v.to("cuda:1") ** 2).sum().backward()
    assert v.grad.device == "cuda:0" and v.grad.tolist() == [4.0]


@pytest.mark.parametrize("op", [
    lambda a, b: a + b, lambda a, b: a * b, lambda a, b: E.matmul(a, b), lambda a, b: E.cat([a, b]),
    lambda a, b: E.stack([a, b]), lambda a, b: E.where(a > 0, a, b), lambda a, b: E.maximum(a, b),
    lambda a, b: E.nn.functional.mse_loss(a, b), lambda a, b: E.nn.functional.linear(a[None], b[None]),
])
def test_ops_mixing_devices_raise_torchs_error(fake_cuda, op):
    a = E.tensor([1.0, 2.0], device="cuda")
    b = E.tensor([3.0, 4.0])
    with pytest.raises(RuntimeError, match=_mixed("cuda:0", "cpu")):
        op(a, b)


def test_mixing_devices_names_them_in_order(fake_cuda):
    with pytest.raises(RuntimeError, match=_mixed("cpu", "cuda:1")):
        E.ones(2) + E.ones(2, device="cuda:1")


def test_a_zero_dim_cpu_tensor_is_a_scalar_to_a_cuda_tensor(fake_cuda):
    a = E.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    out = a * E.tensor(3.0)
    assert out.device == "cuda:0" and out.tolist() == [3.0, 6.0]
    out.sum().backward()
    assert a.grad.device == "cuda:0" and a.grad.tolist() == [3.0, 3.0]
    assert (E.tensor(1.0) + a).device == "cuda:0"


def test_copy_moves_values_across_devices_and_gradients_back(fake_cuda):
    dst = E.zeros(2, device="cuda")
    src = E.tensor([1.0, 2.0], requires_grad=True)
    dst.copy_(src)
    assert dst.device == "cuda:0" and dst.tolist() == [1.0, 2.0]
    dst.sum().backward()
    assert src.grad.device == "cpu" and src.grad.tolist() == [1.0, 1.0]


def test_training_step_on_cuda_matches_cpu(fake_cuda):
    """Indexing (scatter-add backward), embedding, LSTM, a loss and Adam, all on the cuda device."""
    def run(device):
        E.manual_seed(0)
        emb = E.randn(10, 4).to(device).requires_grad_()
        params = [(E.randn(*s) * 0.3).to(device).requires_grad_() for s in ((12, 4), (12, 3), (12,), (12,))]
        opt = E.optim.Adam([emb, *params], lr=0.1)
        idx = E.tensor([[1, 2, 2], [3, 1, 0]], device=device)
        for _ in range(3):
            x = E.nn.functional.embedding(idx, emb)                   # (2, 3, 4)
            out, _, _ = lstm(x, params, num_layers=1, batch_first=True)
            loss = E.nn.functional.cross_entropy(out[:, -1], E.tensor([0, 2], device=device))
            loss = loss + emb[idx[0]].pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        return loss, emb, params
    loss_c, emb_c, params_c = run("cpu")
    loss_g, emb_g, params_g = run("cuda")
    assert loss_g.device == "cuda:0" and emb_g.device == "cuda:0" and emb_g.grad.device == "cuda:0"
    np.testing.assert_allclose(loss_g.item(), loss_c.item(), rtol=1e-6)
    np.testing.assert_allclose(emb_g.cpu().detach().numpy(), emb_c.detach().numpy(), rtol=1e-6)


def test_cuda_generators_are_seeded_with_the_cpu_one(fake_cuda):
    E.manual_seed(123)
    a = E.randn(4, device="cuda")
    cpu = E.randn(4)
    E.manual_seed(123)
    b = E.randn(4, device="cuda")
    assert a.tolist() == b.tolist()
    assert E.randn(4).tolist() == cpu.tolist()  # the cpu stream is not disturbed by the cuda draws
    gen = E.random.current_generator()
    assert gen.for_device("cuda:0") is gen.for_device("cuda:0") and gen.for_device("cuda:0").device == "cuda:0"
    t = E.zeros(1000, device="cuda").uniform_(2.0, 3.0)
    assert t.device == "cuda:0" and 2.0 <= min(t.tolist()) and max(t.tolist()) < 3.0


def test_backend_transfer_copies(fake_cuda):
    host = np.arange(3.0)
    dev = backend.transfer(host, "cpu", "cuda:0")
    back = backend.transfer(dev, "cuda:0", "cpu")
    back[0] = 42.0
    assert host[0] == 0.0 and dev[0] == 0.0
    assert backend.transfer(host, "cpu", "cpu") is host
    free, total = backend.device_memory("cuda:1")
    assert 0 < free <= total


def test_profiler_adds_torchs_cuda_columns_for_cuda_ops(fake_cuda):
    from gradwire.engine.autograd.profiler import profile

    x = E.randn(64, 64, device="cuda", requires_grad=True)
    with profile() as prof:
        y = (x @ x).relu().sum()
        y.backward()
    events = prof.function_events
    mm = [e for e in events if e.name == "aten::mm"]
    assert mm and all(e.device_time_total > 0 for e in mm)
    node = next(e for e in events if e.name == "MmBackward0")
    assert node.device_time_total == pytest.approx(sum(c.device_time_total for c in node.cpu_children))
    assert node.self_device_time_total == pytest.approx(0.0, abs=1e-6)
    table = prof.key_averages().table(sort_by="cuda_time_total")
    header = table.splitlines()[1]
    for col in ("Self CPU %", "CPU time avg", "Self CUDA", "Self CUDA %", "CUDA total", "CUDA time avg", "# of Calls"):
        assert col in header
    assert header.index("CPU time avg") < header.index("Self CUDA") < header.index("# of Calls")
    assert "Self CUDA time total: " in table.splitlines()[-1]
    # and a CPU-only profile keeps torch's CPU table
    with profile() as cpu_prof:
        (E.ones(3) * 2).sum()
    cpu_table = cpu_prof.key_averages().table()
    assert "CUDA" not in cpu_table and cpu_table.splitlines()[-1].startswith("Self CPU time total: ")
