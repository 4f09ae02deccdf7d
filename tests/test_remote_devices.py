"""Devices through the client and a server process: gradwire.device, device=, .to/.cuda/.cpu,
Module.to, reprs, torch's mixed-device error, gradwire-server --device, ServerInfo's devices,
gradwire.cuda, save/load.

The servers here run on the SIMULATED CuPy of tests/fakecuda (numpy arrays labelled with a cuda
device, on PYTHONPATH of the server process only): this checks the device plumbing end to end on
a machine without a GPU. It is not a GPU test; tests/gpu/ is.
"""
from __future__ import annotations

import io

import grpc
import numpy as np
import pytest

import gradwire
from gradwire.v1 import gradwire_pb2 as pb
from gradwire.v1 import gradwire_pb2_grpc as pb_grpc

from conftest import SYNC_MODE, ServerProcess, fake_cuda_env, server_command

pytestmark = pytest.mark.timeout(120)

MIXED = r"Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"


@pytest.fixture(scope="module")
def cuda_server():
    """A server whose machine has two (simulated) CUDA devices; sessions default to cpu."""
    proc = ServerProcess(env=fake_cuda_env(2))
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def cuda_default_server():
    """gradwire-server --device cuda:0 (simulated CUDA)."""
    proc = ServerProcess("--device", "cuda:0", env=fake_cuda_env(1))
    yield proc
    proc.stop()


@pytest.fixture
def gw(cuda_server, monkeypatch):
    monkeypatch.delenv("GRADWIRE_ADDRESS", raising=False)
    gradwire.disconnect()
    gradwire.connect(cuda_server.address)
    yield gradwire
    gradwire.disconnect()


@pytest.fixture
def gwd(cuda_default_server, monkeypatch):
    monkeypatch.delenv("GRADWIRE_ADDRESS", raising=False)
    gradwire.disconnect()
    gradwire.connect(cuda_default_server.address)
    yield gradwire
    gradwire.disconnect()


def _info(address):
    with grpc.insecure_channel(address) as ch:
        return pb_grpc.GradwireStub(ch).ServerInfo(pb.ServerInfoRequest(), timeout=10)


def test_server_info_lists_devices_with_memory(cuda_server, server):
    info = _info(cuda_server.address)
    assert list(info.devices) == ["cpu", "cuda:0", "cuda:1"]
    assert [d.name for d in info.device_info] == ["cpu", "cuda:0", "cuda:1"]
    assert all(d.total_memory > 0 and 0 < d.free_memory <= d.total_memory for d in info.device_info[1:])
    assert info.default_device == "cpu"
    plain = _info(server.address)  # the suite's server: no CuPy on its path
    assert list(plain.devices) == ["cpu"] and plain.default_device == "cpu"


def test_gradwire_cuda_answers_for_the_server(gw):
    assert gw.cuda.is_available() is True and gw.cuda.device_count() == 2
    assert gw.cuda.current_device() == 0
    free, total = gw.cuda.mem_get_info(1)
    assert 0 < free <= total == gw.cuda.get_device_properties(1).total_memory
    gw.cuda.synchronize()
    gw.cuda.manual_seed_all(5)
    a = gw.randn(3, device="cuda").tolist()
    gw.cuda.manual_seed(5)
    assert gw.randn(3, device="cuda").tolist() == a


def test_device_metadata_needs_no_round_trip(gw):
    x = gw.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    gw.synchronize()
    before = gw.stats()["round_trips"]
    y = (x * 2).sum()
    w = gw.ones(2, 2, device=gw.device("cuda", 1))
    assert x.device == gw.device("cuda:0") and x.device == "cuda:0" and x.is_cuda
    assert y.device == gw.device(type="cuda", index=0) and w.device == "cuda:1"
    assert repr(x.device) == "device(type='cuda', index=0)"
    assert gw.zeros_like(x).device == "cuda:0" and gw.zeros_like(x, device="cpu").device == "cpu"
    assert (gw.tensor(2.0) * x).device == "cuda:0"  # a 0-d cpu tensor is a scalar to a cuda one
    if not SYNC_MODE:
        assert gw.stats()["round_trips"] == before


def test_cuda_reprs_match_torch(gw):
    x = gw.tensor([1.0, 2.0], device="cuda")
    assert repr(x) == "tensor([1., 2.], device='cuda:0')"
    assert repr(gw.tensor([1.0, 2.0], device="cuda:1", requires_grad=True)) == \
        "tensor([1., 2.], device='cuda:1', requires_grad=True)"
    assert repr(gw.tensor([1, 2], device="cuda", dtype=gw.int32)) == \
        "tensor([1, 2], device='cuda:0', dtype=torch.int32)"
    y = gw.tensor([3.0], device="cuda", requires_grad=True) * 2
    assert repr(y) == "tensor([6.], device='cuda:0', grad_fn=<MulBackward0>)"


def test_to_cuda_cpu_and_gradients_across_devices(gw):
    x = gw.tensor([1.0, -2.0], requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x and x.to(x) is x and x.to(gw.float32) is x
    y = x.cuda()
    assert y.device == "cuda:0" and y.grad_fn.name() == "ToCopyBackward0" and y.cuda() is y and y.to("cuda:0") is y
    z = x.to("cuda:1", gw.float64)
    assert z.device == "cuda:1" and z.dtype is gw.float64
    assert x.to(z).device == "cuda:1" and x.to(z).dtype is gw.float64
    assert x.to(device="cuda", dtype=gw.float64, copy=True).device == "cuda:0"
    ((y * y).sum().cpu() + z.sum().cpu()).backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [3.0, -3.0]
    c = y.to("cuda:0", copy=True)
    assert c is not y and c.device == "cuda:0"
    assert y.cpu().device == "cpu" and y.detach().cpu().numpy().tolist() == [1.0, -2.0]


def test_values_of_cuda_tensors(gw):
    x = gw.tensor([1.5, 2.5], device="cuda")
    assert x.tolist() == [1.5, 2.5] and x[0].item() == 1.5 and float(x.sum()) == 4.0
    with pytest.raises(TypeError, match=r"can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu\(\) to "
                                        r"copy the tensor to host memory first."):
        x.numpy()
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        np.asarray(x)
    big = gw.arange(300_000, dtype=gw.float32, device="cuda")  # downloaded in chunks
    assert big.device == "cuda:0" and big.cpu().numpy()[-1] == 299_999.0


def test_mixing_devices_raises_torchs_error(gw):
    a = gw.ones(2, device="cuda")
    b = gw.ones(2)
    for bad in (lambda: a + b, lambda: a @ b, lambda: gw.cat([a, b])):
        with pytest.raises(RuntimeError, match=MIXED):
            bad().tolist()
    with pytest.raises(RuntimeError, match=r"found at least two devices, cuda:0 and cuda:1!"):
        (a * gw.ones(2, device="cuda:1")).tolist()


def test_module_to_cuda_trains_like_on_cpu(gw):
    def run(device):
        gw.manual_seed(0)
        model = gw.nn.Sequential(gw.nn.Linear(4, 8), gw.nn.ReLU(), gw.nn.Linear(8, 2))
        opt = gw.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)  # built before the move
        model.to(device)
        x = gw.randn(16, 4).to(device)
        target = gw.randint(0, 2, (16,)).to(device)
        for _ in range(3):
            loss = gw.nn.functional.cross_entropy(model(x), target)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return model, loss
    model_c, loss_c = run("cpu")
    model_g, loss_g = run("cuda")
    assert loss_g.device == "cuda:0"
    assert all(p.device == "cuda:0" and p.grad.device == "cuda:0" for p in model_g.parameters())
    np.testing.assert_allclose(loss_g.item(), loss_c.item(), rtol=1e-6)
    for pc, pg in zip(model_c.parameters(), model_g.parameters()):
        np.testing.assert_allclose(pg.detach().cpu().numpy(), pc.detach().numpy(), rtol=1e-6)
    model_g.cpu()
    assert all(p.device == "cpu" and p.grad.device == "cpu" for p in model_g.parameters())
    model_g.cuda(1)
    assert all(p.device == "cuda:1" for p in model_g.parameters())
    lin = gw.nn.Linear(2, 3, device="cuda")
    assert lin.weight.device == "cuda:0" and lin.bias.device == "cuda:0"


def test_save_and_load_keep_the_device(gw):
    x = gw.tensor([1.0, 2.0], device="cuda:1")
    buf = io.BytesIO()
    gw.save({"x": x, "y": gw.ones(1)}, buf)
    buf.seek(0)
    back = gw.load(buf)
    assert back["x"].device == "cuda:1" and back["y"].device == "cpu" and back["x"].tolist() == [1.0, 2.0]
    buf.seek(0)
    assert gw.load(buf, map_location="cpu")["x"].device == "cpu"
    buf.seek(0)
    assert gw.load(buf, map_location={"cuda:1": "cuda:0"})["x"].device == "cuda:0"


def test_session_bytes_per_device(gw):
    before = gw.cuda.memory_allocated(0)
    x = gw.zeros(1000, dtype=gw.float64, device="cuda")
    assert gw.cuda.memory_allocated(0) - before >= 8000 and gw.cuda.memory_allocated(1) == 0
    del x


def test_server_default_device(gwd):
    assert gwd.zeros(2).device == "cuda:0" and gwd.tensor([1.0]).device == "cuda:0"
    assert gwd.randn(2, 2).device == "cuda:0" and gwd.arange(3).device == "cuda:0"
    assert gwd.zeros(2, device="cpu").device == "cpu"
    assert gwd.from_numpy(np.ones(2)).device == "cpu"  # like torch: from_numpy is the host's
    big = gwd.tensor(np.ones(300_000, dtype=np.float32), requires_grad=True)  # uploaded, then moved
    assert big.device == "cuda:0" and big.requires_grad and big.is_leaf
    big.sum().backward()
    assert big.grad.device == "cuda:0" and big.grad[:3].tolist() == [1.0, 1.0, 1.0]
    model = gwd.nn.Linear(3, 2)
    assert model.weight.device == "cuda:0"
    assert repr(gwd.ones(2)) == "tensor([1., 1.], device='cuda:0')"


def test_server_refuses_a_device_it_cannot_serve():
    import subprocess

    done = subprocess.run(server_command("--device", "cuda:0"), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "CUDA is not available on this gradwire server: install gradwire[cuda] (CuPy)" in done.stderr
    done = subprocess.run(server_command("--device", "cuda:1"), capture_output=True, text=True, timeout=60,
                          env={**__import__("os").environ, **fake_cuda_env(1)})
    assert done.returncode == 2 and "CUDA error: invalid device ordinal" in done.stderr


def test_profiler_over_the_wire_shows_cuda_time(gw):
    x = gw.randn(32, 32, device="cuda", requires_grad=True)
    with gw.autograd.profiler.profile() as prof:
        (x @ x).sum().backward()
    table = prof.key_averages().table(sort_by="self_cuda_time_total")
    lines = table.splitlines()
    assert "Self CUDA" in lines[1] and "CUDA total" in lines[1] and lines[-1].startswith("Self CUDA time total: ")
    mm = next(e for e in prof.function_events if e.name == "aten::mm")
    assert mm.device_time_total > 0 and mm.use_device == "cuda"
