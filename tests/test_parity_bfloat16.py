"""torch.bfloat16: float32 arrays on the server whose values are rounded to bfloat16 wherever an op makes new
ones (common.dtypes.round_to_bfloat16), so results match torch's, which computes bfloat16 ops in float and
rounds. CPU autocast runs in it by default."""
from __future__ import annotations

import math

import numpy as np
import pytest

from gradwire.common import dtypes
from tests.test_parity_api import same_as_torch, same_as_torch_without_errors

pytestmark = pytest.mark.timeout(120)


def test_rounding_to_nearest_even_keeps_nan_and_infinities():
    x = np.array([1.1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, -2.2, 3.3895314e38, 3.4e38, np.inf, -np.inf, np.nan, -0.0,
                  1e-40], dtype=np.float32)
    r = dtypes.round_to_bfloat16(np, x)
    assert r.dtype == np.float32
    assert r[:4].tolist() == [1.1015625, 1.0, 1 + 2 ** -6, -2.203125]   # ties go to the even significand
    assert r[4] == np.float32(3.3895314e38) and math.isinf(r[5]) and r[6] == np.inf and r[7] == -np.inf
    assert math.isnan(r[8]) and np.signbit(r[9]) and r[10] == np.float32(9.1835496e-41)
    assert (r.view(np.uint32)[~np.isnan(r)] & 0xFFFF).max() == 0    # the low half of every float is zero
    assert dtypes.promote_types(dtypes.float16, dtypes.bfloat16) is dtypes.float32
    assert dtypes.promote_types(dtypes.int64, dtypes.bfloat16) is dtypes.bfloat16


def test_values_reprs_and_promotion(gw):
    out = same_as_torch_without_errors(gw, """
        x = torch.tensor([1.1, 2.2, 3.3], dtype=torch.bfloat16)
        print(x, x.dtype, x.element_size(), x.is_floating_point(), x.type(), torch.finfo(torch.bfloat16))
        print(x + 1, x * 1.7, x / 3, x.sum(), x.mean(), x.exp(), x.tolist(), x[1].item())
        print(torch.ones(2, 3).bfloat16() * 0.1, torch.zeros(2, dtype=torch.bfloat16))
        a = torch.tensor([2.203125, 3.0, 5.5, 7.75, 0.3], dtype=torch.bfloat16)
        for s in (1.1, torch.tensor(1.1)):
            print((a + s).tolist(), (a - s).tolist(), (a * s).tolist(), (a / s).tolist(), (s * a).tolist(),
                  (s / a).tolist(), (a ** s).tolist(), torch.fmod(a, s).tolist())
        print(a + torch.tensor([1.1, 2.3, 0.7, 3.9, 1.01], dtype=torch.float16), a + torch.tensor([1, 1000, 1001, 1023, 3]))
        print(torch.tensor([300.1, 1000.3, 1e10, 1e-3], dtype=torch.bfloat16), torch.tensor([1.7, -1.7]).bfloat16().int())
        y = torch.tensor([[1.5, -2.25], [3.0, 1e-3]], dtype=torch.bfloat16)
        print(y.view(torch.int16), torch.tensor([16320, -16368], dtype=torch.int16).view(torch.bfloat16))
    """)
    assert "tensor([1.1016, 2.2031, 3.2969], dtype=torch.bfloat16) torch.bfloat16 2 True torch.BFloat16Tensor" in out
    assert "[1.1015625, 2.203125, 3.296875] 2.203125" in out
    assert "[3.3125, 4.09375, 6.59375, 8.875, 1.40625]" in out          # a + 1.1: 1.1 is rounded first
    assert "[2.421875, 3.296875, 6.0625, 8.5, 0.330078125]" in out      # a * 1.1: it is not (torch's mul)
    assert "tensor([16320, -16368], dtype=torch.int16)" not in out and "tensor([ 1.5000, -2.2500]" in out


def test_in_place_writes_and_grads_are_rounded(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1.1, 2.2, 3.3], dtype=torch.bfloat16)
        x.add_(0.01); print(x); x.mul_(1.001); print(x)
        x[0] = 3.14159; print(x)
        x.copy_(torch.tensor([0.1, 0.2, 0.3])); x.fill_(0.3); print(x)
        w = torch.tensor([1.1, 2.2, 3.3], dtype=torch.bfloat16, requires_grad=True)
        y = (w * w).sum()
        y.backward()
        print(y, w.grad, w.grad.dtype)
        big = torch.tensor([[1.1] * 1000] * 400, dtype=torch.bfloat16)   # (uploaded on its own RPC)
        print(big[0, :3], big.sum(), big.float().sum())
        x.numpy()
    """)
    assert "tensor([1.1094, 2.2188, 3.3125], dtype=torch.bfloat16)" in out
    assert "tensor([0.3008, 0.3008, 0.3008], dtype=torch.bfloat16)" in out
    assert "tensor(440320., dtype=torch.bfloat16) tensor(440625.)" in out
    assert out.endswith("!! TypeError: Got unsupported ScalarType BFloat16")


def test_cpu_autocast_runs_in_bfloat16(gw):
    out = same_as_torch_without_errors(gw, """
        print(torch.get_autocast_dtype("cpu"))
        m = torch.nn.Linear(2, 3)
        with torch.no_grad():
            m.weight.copy_(torch.tensor([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])); m.bias.fill_(0.05)
        with torch.autocast(device_type="cpu"):
            out = m(torch.tensor([[1.0, 2.0]]))
            loss = torch.nn.functional.mse_loss(out, torch.zeros(1, 3))
            print(out, out.dtype, out.grad_fn, loss.dtype)
        loss.backward()
        print(m.weight.grad, m.weight.grad.dtype)
        m2 = torch.nn.Linear(3, 2).to(torch.bfloat16)
        print(m2.weight.dtype, m2(torch.ones(1, 3, dtype=torch.bfloat16)).dtype)
    """)
    assert out.startswith("torch.bfloat16\n")
    assert "tensor([[0.5508, 1.1484, 1.7500]], dtype=torch.bfloat16,\n       grad_fn=<AddmmBackward0>) torch.bfloat16" in out
    assert "torch.float32\n" in out   # mse_loss runs in float32 under CPU autocast


def test_save_and_load_keep_bfloat16(gw, tmp_path):
    out = same_as_torch_without_errors(gw, f"""
        torch.save({{"t": torch.tensor([1.1, 2.2], dtype=torch.bfloat16)}}, {str(tmp_path / "b.pt")!r})
        t = torch.load({str(tmp_path / "b.pt")!r})["t"]
        print(t, t.dtype)
    """)
    assert out == "tensor([1.1016, 2.2031], dtype=torch.bfloat16) torch.bfloat16\n"


def test_optimizer_steps_round_bfloat16_parameters(gw):
    out = same_as_torch_without_errors(gw, """
        p = torch.nn.Parameter(torch.tensor([1.1, 2.2], dtype=torch.bfloat16))
        opt = torch.optim.SGD([p], lr=0.1)
        (p ** 2).sum().backward(); opt.step(); print(p)
        opt = torch.optim.Adam([p], lr=0.1); (p ** 2).sum().backward(); opt.step(); print(p)
    """)
    assert "tensor([0.8828, 1.7656], dtype=torch.bfloat16, requires_grad=True)" in out
    assert "tensor([0.7812, 1.6641], dtype=torch.bfloat16, requires_grad=True)" in out


def test_module_bfloat16(gw):
    out = same_as_torch_without_errors(gw, """
        m = torch.nn.Linear(2, 2).bfloat16()
        print(m.weight.dtype, m.bias.dtype, m(torch.ones(1, 2, dtype=torch.bfloat16)).dtype)
    """)
    assert out == "torch.bfloat16 torch.bfloat16 torch.bfloat16\n"
