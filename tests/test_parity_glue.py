"""torch's glue modules through the client (embedded and remote server), against PyTorch and exact
values: torch.testing, torch.backends, torch.profiler, torch.dtype and the legacy tensor types,
torch.autocast and torch.amp.GradScaler."""
from __future__ import annotations

import warnings

import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(120)

SNIPPETS = [
    'print(type(torch.float32), isinstance(torch.float32, torch.dtype), isinstance(torch.ones(2).dtype, torch.dtype))\nprint(torch.float32.itemsize, torch.int64.is_signed, torch.bool.is_floating_point, torch.float64.to_real())\n',
    'x = torch.ones(2)\nprint(x.type(), torch.ones(2, dtype=torch.int64).type(), isinstance(x, torch.FloatTensor), isinstance(x, torch.LongTensor))\n',
    'x = torch.FloatTensor([1, 2]); print(x, x.dtype)\ny = torch.LongTensor([1, 2]); print(y, y.dtype)\nz = torch.FloatTensor(2, 3); print(z.shape, z.dtype)\nprint(torch.DoubleTensor([1.5]), torch.BoolTensor([True, False]), torch.IntTensor([3]), torch.ByteTensor([1]))\n',
    "x = torch.ones(2)\nprint(x.type(torch.DoubleTensor).dtype, x.type('torch.LongTensor').dtype, x.type(torch.int32).dtype)\n",
    'torch.testing.assert_close(torch.tensor([1., 2.]), torch.tensor([1., 2.]))\nprint("ok")\ntorch.testing.assert_close(torch.tensor([1., 2., 3.]), torch.tensor([1., 2.1, 3.]))\n',
    'torch.testing.assert_close(torch.tensor([1., 2.]), torch.tensor([1., 2.], dtype=torch.float64))\n',
    'torch.testing.assert_close(torch.tensor([1., 2.]), torch.tensor([1., 2., 3.]))\n',
    'torch.testing.assert_close(torch.tensor([1, 2]), torch.tensor([1, 3]))\n',
    'torch.testing.assert_close(torch.tensor([[1., 2.], [3., 4.]]), torch.tensor([[1., 2.], [3., 4.5]]), rtol=0, atol=0.1)\n',
    "torch.testing.assert_close(torch.tensor([1., float('nan')]), torch.tensor([1., float('nan')]))\n",
    'torch.testing.assert_close(torch.tensor([1., float(\'nan\')]), torch.tensor([1., float(\'nan\')]), equal_nan=True); print("ok")\ntorch.testing.assert_close(1.0, 1.0 + 1e-9); print("ok")\ntorch.testing.assert_close([torch.ones(2), 3], [torch.ones(2), 3]); print("ok")\ntorch.testing.assert_close({"a": torch.ones(2)}, {"a": torch.ones(2)}); print("ok")\ntorch.testing.assert_close(torch.tensor([1., 2.]), torch.tensor([1., 2.], dtype=torch.float64), check_dtype=False); print("ok")\n',
    'torch.testing.assert_close(1, 2)\n',
    'torch.testing.assert_close(torch.tensor([1., 2.]), torch.tensor([1., 2.5]), msg="custom")\n',
    'x = torch.tensor([1.0, 2.0], requires_grad=True)\ntorch.testing.assert_close(x * 2, torch.tensor([2., 4.])); print("ok")\n',
    'print(torch.backends.cudnn.enabled, torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic)\ntorch.backends.cudnn.benchmark = True; print(torch.backends.cudnn.benchmark)\ntorch.backends.cudnn.benchmark = False\nprint(torch.backends.mps.is_available(), torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)\ntorch.backends.cuda.matmul.allow_tf32 = True; print(torch.backends.cuda.matmul.allow_tf32, torch.get_float32_matmul_precision())\ntorch.set_float32_matmul_precision(\"highest\"); print(torch.backends.cuda.matmul.allow_tf32)\nprint(torch.backends.mps.is_built(), torch.backends.openmp.is_available())\n',
    'with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:\n    with torch.profiler.record_function("my_block"):\n        y = torch.ones(3).mul(2).sum()\nnames = [e.key for e in prof.key_averages()]\nprint("my_block" in names, "aten::mul" in names, "aten::sum" in names)\n',
    'print(torch.profiler.ProfilerActivity.CPU, list(torch.profiler.ProfilerActivity.__members__)[:2])\n',
    'x = torch.ones(2, 3)\nwith torch.autocast(device_type="cpu", dtype=torch.float16):\n    y = torch.mm(x, torch.ones(3, 2)); z = x + 1\nprint(y.dtype, z.dtype)\n',
    'with torch.autocast("cpu", dtype=torch.float16):\n    x = torch.ones(2, 3, requires_grad=True); w = torch.ones(3, 2, requires_grad=True)\n    y = x @ w; print(y.dtype, y.grad_fn, y.grad_fn.next_functions)\n    z = torch.mm(x, w)\n    print(torch.nn.functional.linear(x, torch.ones(4, 3)).dtype, x.exp().dtype, torch.softmax(x, 1).dtype, torch.nn.functional.mse_loss(x.half(), x.half()).dtype)\n    print(torch.cat([x.half(), x]).dtype, x.double().mm(w.double()).dtype)\n(y.sum() + z.sum()).backward(); print(x.grad, w.grad, x.grad.dtype)\n',
    'torch.manual_seed(0)\nlin = torch.nn.Linear(4, 3)\nwith torch.no_grad():\n    lin.weight.copy_(torch.arange(12.).reshape(3, 4) / 10); lin.bias.fill_(0.5)\nx = torch.arange(8.).reshape(2, 4)\nwith torch.autocast(device_type="cpu", dtype=torch.float16):\n    out = lin(x)\n    loss = torch.nn.functional.mse_loss(out, torch.zeros(2, 3))\nprint(out.dtype, out, loss.dtype, loss)\nloss.backward(); print(lin.weight.grad.dtype, lin.weight.grad)\n',
    'try: torch.autocast("foo")\nexcept Exception as e: print(type(e).__name__)\ntry: torch.autocast(torch.device("cpu"))\nexcept Exception as e: print(type(e).__name__, e)\n@torch.autocast("cpu", dtype=torch.float16)\ndef f(a): return a @ a\nprint(f(torch.ones(2,2)).dtype, torch.is_autocast_enabled("cpu"))\nwith torch.autocast("cpu", dtype=torch.float16):\n    print(torch.is_autocast_enabled(), torch.is_autocast_enabled("cpu"), torch.get_autocast_dtype("cpu"))\n    with torch.autocast("cpu", enabled=False):\n        print(torch.is_autocast_enabled("cpu"), (torch.ones(2,2) @ torch.ones(2,2)).dtype)\n    print(torch.is_autocast_enabled("cpu"))\n',
    's = torch.amp.GradScaler("cpu")\nprint(s.get_scale(), s.is_enabled(), s.state_dict())\nw = torch.tensor([1.0, -2.0], requires_grad=True)\nopt = torch.optim.SGD([w], lr=0.1)\nloss = (w * w).sum()\nscaled = s.scale(loss); print(scaled, scaled.grad_fn)\nscaled.backward(); print(w.grad)\ns.step(opt); print(w, w.grad)\ns.update(); print(s.get_scale(), s.state_dict())\n',
    's = torch.amp.GradScaler("cpu", init_scale=4.0, growth_interval=2)\nw = torch.tensor([1.0, -2.0], requires_grad=True)\nopt = torch.optim.SGD([w], lr=0.1)\nfor i in range(5):\n    opt.zero_grad()\n    loss = (w * w).sum() * (float(\'inf\') if i == 2 else 1.0)\n    s.scale(loss).backward()\n    s.unscale_(opt)\n    print(i, w.grad)\n    s.step(opt); s.update()\n    print(w, s.get_scale())\n',
    's = torch.amp.GradScaler("cpu")\nw = torch.tensor([1.0], requires_grad=True)\nopt = torch.optim.SGD([w], lr=0.1)\ns.scale(w.sum()).backward()\ns.unscale_(opt)\ntry: s.unscale_(opt)\nexcept Exception as e: print(type(e).__name__, e)\ns.step(opt)\ntry: s.step(opt)\nexcept Exception as e: print(type(e).__name__, e)\ntry: s.unscale_(opt)\nexcept Exception as e: print(type(e).__name__, e)\ns.update()\ntry: s.update()\nexcept Exception as e: print(type(e).__name__, e)\n',
    's = torch.amp.GradScaler()\nprint(s.is_enabled(), s.get_scale(), s.state_dict(), s.scale(torch.ones(1)))\n',
]


@pytest.mark.parametrize("code", SNIPPETS, ids=[f"snippet{i}" for i in range(len(SNIPPETS))])
def test_as_torch(gw, code):
    same_as_torch(gw, code)


def test_assert_close_messages(gw):
    gw.testing.assert_close(gw.tensor([1., 2.]), gw.tensor([1., 2.000001]))
    with pytest.raises(AssertionError) as info:
        gw.testing.assert_close(gw.tensor([[1., 2.], [3., 4.]]), gw.tensor([[1., 2.], [3., 4.5]]), rtol=0, atol=0.1)
    assert str(info.value) == ("Tensor-likes are not close!\n\nMismatched elements: 1 / 4 (25.0%)\n"
                               "Greatest absolute difference: 0.5 at index (1, 1) (up to 0.1 allowed)\n"
                               "Greatest relative difference: 0.1111111119389534 at index (1, 1) (up to 0 allowed)")
    with pytest.raises(AssertionError, match=r"The failure occurred for item \[1\]\['a'\]"):
        gw.testing.assert_close([1, {"a": gw.ones(2)}], [1, {"a": gw.zeros(2)}])
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol' must be either specified or omitted"):
        gw.testing.assert_close(gw.ones(1), gw.ones(1), rtol=0.1)


def test_legacy_types_and_dtype(gw):
    x = gw.FloatTensor([1, 2])
    assert x.dtype is gw.float32 and x.tolist() == [1.0, 2.0]
    assert isinstance(x, gw.FloatTensor) and not isinstance(x, gw.LongTensor)
    assert x.type() == "torch.FloatTensor" and x.type(gw.LongTensor).tolist() == [1, 2]
    assert isinstance(gw.float16, gw.dtype) and str(type(gw.int64)) == "<class 'torch.dtype'>"
    with pytest.raises(ValueError, match="invalid type: 'torch.Foo'"):
        x.type("torch.Foo")


def test_autocast_casts_matmul_inputs_and_keeps_float32_ops(gw):
    x = gw.ones(2, 3, requires_grad=True)
    with gw.autocast("cpu", dtype=gw.float16):
        y = x @ gw.ones(3, 2)
        s = y.float().softmax(1)
        e = y.exp()
    assert y.dtype is gw.float16 and y.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert s.dtype is gw.float32 and e.dtype is gw.float16  # (exp is not in CPU's float32 list)
    assert y.grad_fn.next_functions[0][0].name() == "ToCopyBackward0"
    y.sum().backward()
    assert x.grad.dtype is gw.float32 and x.grad.tolist() == [[2.0] * 3] * 2
    assert not gw.is_autocast_enabled("cpu") and (x @ gw.ones(3, 2)).dtype is gw.float32


def test_autocast_without_a_supported_dtype_warns_and_does_nothing(gw):
    with pytest.warns(UserWarning, match="Disabling autocast"):
        region = gw.autocast("cpu", dtype=gw.float64)
    with region:
        assert (gw.ones(2, 2) @ gw.ones(2, 2)).dtype is gw.float32


def test_grad_scaler_skips_steps_with_inf_and_backs_off(gw):
    scaler = gw.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    w = gw.tensor([1.0, -2.0], requires_grad=True)
    opt = gw.optim.SGD([w], lr=0.5)
    scales, weights = [], []
    for i in range(4):
        opt.zero_grad()
        loss = (w * w).sum() * (float("inf") if i == 1 else 1.0)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
        weights.append(w.tolist())
    # step 0: w -= 0.5 * 2w -> 0; step 1 has inf: skipped, scale halves; steps 2, 3 grow it after two clean steps
    assert scales == [8.0, 4.0, 4.0, 8.0]
    assert weights == [[0.0, 0.0]] * 4


def test_profiler_schedule_records_the_active_steps(gw):
    ready = []
    sched = gw.profiler.schedule(wait=1, warmup=1, active=2)
    with gw.profiler.profile(schedule=sched, on_trace_ready=ready.append) as prof:
        for step in range(4):
            with gw.profiler.record_function(f"step{step}"):
                gw.ones(2).mul(2).sum()
            prof.step()
    keys = {e.key for e in prof.key_averages()}
    assert ready == [prof]
    assert {"step2", "step3"} <= keys and not {"step0", "step1"} & keys
    assert [sched(i).name for i in range(5)] == ["NONE", "WARMUP", "RECORD", "RECORD_AND_SAVE", "NONE"]


def test_backends_switches_keep_their_values(gw):
    before = gw.backends.cudnn.benchmark
    try:
        gw.backends.cudnn.benchmark = True
        import gradwire.backends.cudnn as cudnn  # noqa: PLC0415
        assert cudnn.benchmark is True
    finally:
        gw.backends.cudnn.benchmark = before
    assert gw.backends.mps.is_available() is False


def test_cuda_amp_spellings_are_deprecated(gw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gw.cuda.amp.GradScaler()
    assert any(issubclass(w.category, FutureWarning) and "torch.amp.GradScaler('cuda'" in str(w.message)
               for w in caught)

OUT_SNIPPETS = [
    'a = torch.ones(2, 2, requires_grad=True)\ntry: torch.mul(a, a, out=torch.empty(2, 2))\nexcept Exception as e: print(type(e).__name__, e)\no = torch.empty(3)\nr = torch.add(torch.ones(2, 2), 1, out=o); print(r is o, o.shape, o)\no = torch.zeros(2, dtype=torch.long)\ntry: torch.add(torch.ones(2), 1.5, out=o)\nexcept Exception as e: print(type(e).__name__, e)\no = torch.zeros(2, dtype=torch.float64); torch.add(torch.ones(2), 1, out=o); print(o)\no = torch.zeros(2); torch.add(torch.ones(2, dtype=torch.long), 1, out=o); print(o)\no = torch.empty(0); torch.sum(torch.ones(3), 0, out=o); print(o)\no = torch.empty(2, requires_grad=True)\ntry: torch.add(torch.ones(2), 1, out=o)\nexcept Exception as e: print(type(e).__name__, e)\nwith torch.no_grad():\n    o = torch.empty(2, requires_grad=True); torch.add(torch.ones(2), 1, out=o); print(o)\no = torch.empty(2); x = torch.ones(2); print(torch.exp(x, out=o) is o, torch.cat([x, x], out=torch.empty(4)))\nbase = torch.zeros(2, 2); v = base[0]; torch.add(torch.ones(2), 2, out=v); print(base)\nt = torch.ones(2, 2)\ny3 = torch.zeros(2, 2); torch.matmul(t, t.T, out=y3); print(y3)\nz3 = torch.zeros(2, 2); torch.mul(t, t, out=z3); print(z3)\nprint(torch.randn(2, 3, out=torch.empty(0)).shape, torch.arange(3, out=torch.empty(0, dtype=torch.long)))\n',
    'v, i = torch.empty(0), torch.empty(0, dtype=torch.long)\nr = torch.max(torch.tensor([[1., 5.], [3, 2]]), 1, out=(v, i)); print(v, i, r[0] is v)\n',
    'print(torch.zeros(2, 2, out=torch.empty(4)))\nprint(torch.ones(3, out=torch.empty(3)), torch.linspace(0, 1, 3, out=torch.empty(3)))\n',
]


@pytest.mark.parametrize("code", OUT_SNIPPETS, ids=[f"out{i}" for i in range(len(OUT_SNIPPETS))])
def test_out_arguments_as_torch(gw, code):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the resize warning)
        same_as_torch(gw, code)


def test_out_writes_into_the_given_tensor(gw):
    base = gw.zeros(2, 3)
    row = base[1]
    result = gw.mul(gw.ones(3), 4, out=row)
    assert result is row and base.tolist() == [[0.0] * 3, [4.0] * 3]
    o = gw.empty(0, dtype=gw.int64)
    assert gw.arange(4, out=o) is o and o.tolist() == [0, 1, 2, 3]
    with pytest.warns(UserWarning, match="was resized since it had shape \\[3\\]"):
        gw.add(gw.ones(2), 1, out=gw.empty(3))
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        gw.add(gw.ones(2), 0.5, out=gw.zeros(2, dtype=gw.int64))

NUMPY_SNIPPETS = [
    'import numpy as np\nt = torch.ones(5)\nprint(f"t: {t}")\nn = t.numpy()\nprint(f"n: {n}")\nt.add_(1)\nprint(f"t: {t}")\nprint(f"n: {n}")\nn = np.ones(5)\nt = torch.from_numpy(n)\nnp.add(n, 1, out=n)\nprint(f"t: {t}")\nprint(f"n: {n}")\n',
    'import numpy as np\na = np.arange(6.).reshape(2, 3)\nt = torch.from_numpy(a)\nt[0, 0] = 100\nprint(a)\na[1, 2] = -1\nprint(t, t.sum())\nm = t.numpy(); m[0, 1] = 7; print(a[0, 1], np.shares_memory(m, a))\n',
    'x = torch.zeros(3)\nn = x.numpy()\nv = x[1:]\nv.fill_(5)\nprint(n)\nd = x.detach(); nd = d.numpy(); x.mul_(2); print(nd, n)\nwith torch.no_grad():\n    w = torch.ones(2, requires_grad=True)\n    nw = w.detach().numpy(); w.add_(1); print(nw)\n',
    't = torch.ones(2)\ntry: torch.ones(2, requires_grad=True).numpy()\nexcept Exception as e: print(type(e).__name__, e)\nimport numpy as np\nn = np.zeros(3, dtype=np.int64); t = torch.from_numpy(n); n += 3; print(t + 1, t.dtype)\n',
]


@pytest.mark.parametrize("code", NUMPY_SNIPPETS, ids=[f"numpy{i}" for i in range(len(NUMPY_SNIPPETS))])
def test_numpy_bridge_as_torch(gw, code):
    same_as_torch(gw, code)


def test_numpy_arrays_follow_in_place_writes_and_back(gw):
    import numpy as np  # noqa: PLC0415
    t = gw.zeros(4)
    n = t.numpy()
    t[1:3] = 7
    assert n.tolist() == [0.0, 7.0, 7.0, 0.0]
    source = np.arange(3.0)
    s = gw.from_numpy(source)
    source *= 10
    assert (s + 1).tolist() == [1.0, 11.0, 21.0]   # the change reached the server before the op
    s.mul_(2)
    assert source.tolist() == [0.0, 20.0, 40.0]    # and the op's result came back into the array
