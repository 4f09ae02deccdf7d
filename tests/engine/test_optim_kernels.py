"""gradwire.engine.optim: SGD/Adam/AdamW step formulas, state dicts, grad clipping; parity with torch.optim."""
import math

import numpy as np
import pytest

import gradwire.engine as E
from gradwire.engine import optim

pytestmark = pytest.mark.timeout(60)


def leaf(values):
    return E.tensor(np.asarray(values, dtype=np.float64), dtype=E.float64, requires_grad=True)


def set_grad(p, values):
    p.grad = E.tensor(np.asarray(values, dtype=np.float64), dtype=E.float64)


def raises(exc, text, fn, *args, **kwargs):
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    assert str(info.value) == text


# ---- hand-computed steps (no torch needed) ----------------------------------------------

def test_sgd_momentum_by_hand():
    p = leaf([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.5)
    set_grad(p, [0.2, 0.4])
    opt.step()
    # g = grad + wd * p = [0.7, -0.6]; buf = g; p -= lr * buf
    assert np.allclose(p.detach().numpy(), [1.0 - 0.07, -2.0 + 0.06], rtol=0, atol=1e-15)
    buf = opt.state_dict()["state"][0]["momentum_buffer"]
    assert np.allclose(buf.numpy(), [0.7, -0.6])
    set_grad(p, [0.2, 0.4])
    opt.step()
    # g = [0.2 + 0.5 * 0.93, 0.4 + 0.5 * -1.94] = [0.665, -0.57]; buf = 0.9 * buf + g
    buf2 = np.array([0.9 * 0.7 + 0.665, 0.9 * -0.6 - 0.57])
    assert np.allclose(p.detach().numpy(), np.array([0.93, -1.94]) - 0.1 * buf2, rtol=0, atol=1e-15)
    # nesterov and dampening
    q = leaf([1.0])
    o2 = optim.SGD([q], lr=1.0, momentum=0.5, dampening=0.5)
    set_grad(q, [1.0])
    o2.step()
    o2.step()  # buf = 0.5 * 1 + 0.5 * 1 = 1.0
    assert q.item() == pytest.approx(1.0 - 1.0 - 1.0)
    r = leaf([1.0])
    o3 = optim.SGD([r], lr=1.0, momentum=0.5, nesterov=True, maximize=True)
    set_grad(r, [1.0])
    o3.step()  # g = -1, buf = -1, g + 0.5 * buf = -1.5; p -= -1.5
    assert r.item() == pytest.approx(2.5)


def test_adam_one_step_by_hand():
    p = leaf([1.0, -1.0])
    opt = optim.Adam([p], lr=0.1, betas=(0.9, 0.99), eps=1e-8)
    set_grad(p, [0.5, -2.0])
    opt.step()
    # step 1: m = 0.1 g, v = 0.01 g^2; m_hat = g, v_hat = g^2, update = lr * g / (|g| + eps)
    g = np.array([0.5, -2.0])
    m = 0.1 * g
    v = 0.01 * g * g
    denom = np.sqrt(v) / math.sqrt(1 - 0.99) + 1e-8
    expect = np.array([1.0, -1.0]) - (0.1 / (1 - 0.9)) * m / denom
    assert np.allclose(p.detach().numpy(), expect, rtol=1e-14)
    assert np.allclose(p.detach().numpy(), [0.9, -0.9], atol=1e-7)
    st = opt.state_dict()["state"][0]
    assert st["step"].dtype is E.float32 and st["step"].shape == () and st["step"].item() == 1.0
    assert np.allclose(st["exp_avg"].numpy(), m) and np.allclose(st["exp_avg_sq"].numpy(), v)
    # AdamW decays the weights first: p *= 1 - lr * wd
    q = leaf([2.0])
    o2 = optim.AdamW([q], lr=0.1, weight_decay=0.5)
    set_grad(q, [3.0])
    o2.step()
    assert q.item() == pytest.approx(2.0 * (1 - 0.05) - 0.1, rel=1e-7)


def test_params_without_grad_are_skipped_and_zero_grad():
    a, b = leaf([1.0]), leaf([2.0])
    opt = optim.Adam([a, b], lr=0.1)
    set_grad(a, [1.0])
    opt.step()
    assert b.item() == 2.0 and a.item() != 1.0
    assert list(opt.state_dict()["state"]) == [0]
    v = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is v and a.grad.item() == 0.0 and b.grad is None
    opt.zero_grad()
    assert a.grad is None


def test_param_groups_defaults_lrs_and_pairs():
    a, b = leaf([1.0]), leaf([1.0])
    opt = optim.SGD([{"params": [a]}, [("params", [b]), ("lr", 0.5), ("momentum", 0.9)]], lr=0.1)
    g0, g1 = opt.param_groups
    assert g0["lr"] == 0.1 and g0["momentum"] == 0 and g1["lr"] == 0.5 and g1["momentum"] == 0.9
    assert g0["params"][0] is a and g1["params"][0] is b
    set_grad(a, [1.0])
    set_grad(b, [1.0])
    opt.step(lrs=[1.0, 2.0])  # a scheduler's lrs ride on the step
    assert a.item() == 0.0 and b.item() == -1.0
    assert opt.param_groups[0]["lr"] == 1.0
    opt.param_groups[1]["lr"] = 0.0
    opt.step()
    assert b.item() == -1.0
    raises(ValueError, "expected 2 learning rates (one per parameter group), got 1", lambda: opt.step(lrs=[0.1]))
    sd = opt.state_dict()
    assert sd["param_groups"][1]["params"] == [1]
    assert list(sd["param_groups"][0]) == ["lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize",
                                          "foreach", "differentiable", "fused", "params"]
    assert optim.Adam([a]).param_groups[0]["betas"] == (0.9, 0.999)
    assert optim.AdamW([a]).param_groups[0]["weight_decay"] == 1e-2
    assert optim.SGD([a]).param_groups[0]["lr"] == 1e-3  # torch 2.13's default


def test_wire_entries():
    w = E.OPS
    for n in ["optim.SGD", "optim.Adam", "optim.AdamW", "optim.step", "optim.zero_grad", "optim.state_dict",
              "optim.load_state_dict", "clip_grad_norm_", "clip_grad_value_"]:
        assert n in w
    p = leaf([1.0, 2.0])
    opt = w["optim.SGD"]([[("params", [p]), ("lr", 0.5)]], momentum=0.5)
    set_grad(p, [1.0, 1.0])
    assert w["optim.step"](opt, [1.0]) is None
    assert np.allclose(p.detach().numpy(), [0.0, 1.0])
    sd = w["optim.state_dict"](opt)
    opt2 = w["optim.SGD"]([[("params", [leaf([0.0, 0.0])])]], lr=0.1)
    w["optim.load_state_dict"](opt2, [("state", list(sd["state"].items())),
                                      ("param_groups", [list(g.items()) for g in sd["param_groups"]])])
    assert opt2.param_groups[0]["lr"] == 1.0 and opt2.param_groups[0]["momentum"] == 0.5
    w["optim.zero_grad"](opt)
    assert p.grad is None


def test_state_dict_round_trip_continues_identically():
    def run(steps, reload_at=None):
        p = leaf([1.0, -0.5, 0.25])
        opt = optim.Adam([p], lr=0.05, amsgrad=True, weight_decay=0.1)
        for i in range(steps):
            if reload_at == i:
                sd = opt.state_dict()
                p2 = leaf(p.detach().numpy().copy())
                opt = optim.Adam([p2], lr=0.9)
                opt.load_state_dict(sd)
                p = p2
            set_grad(p, np.sin(p.detach().numpy() * (i + 1)))
            opt.step()
        return p.detach().numpy(), opt
    ref, _ = run(6)
    got, opt = run(6, reload_at=3)
    assert np.array_equal(ref, got)
    assert opt.param_groups[0]["lr"] == 0.05
    assert opt.state_dict()["state"][0]["step"].item() == 6.0


def test_validation_errors():
    p = leaf([1.0])
    raises(ValueError, "Invalid learning rate: -1", optim.SGD, [p], lr=-1)
    raises(ValueError, "Invalid momentum value: -0.5", optim.SGD, [p], lr=0.1, momentum=-0.5)
    raises(ValueError, "Invalid weight_decay value: -1", optim.SGD, [p], lr=0.1, weight_decay=-1)
    raises(ValueError, "Nesterov momentum requires a momentum and zero dampening", optim.SGD, [p], lr=0.1,
           nesterov=True)
    raises(ValueError, "Nesterov momentum requires a momentum and zero dampening", optim.SGD, [p], lr=0.1,
           momentum=0.9, dampening=0.1, nesterov=True)
    raises(ValueError, "Invalid learning rate: -0.1", optim.Adam, [p], lr=-0.1)
    raises(ValueError, "Invalid epsilon value: -1e-08", optim.Adam, [p], eps=-1e-8)
    raises(ValueError, "Invalid beta parameter at index 0: 1.0", optim.Adam, [p], betas=(1.0, 0.9))
    raises(ValueError, "Invalid beta parameter at index 1: -0.1", optim.AdamW, [p], betas=(0.9, -0.1))
    raises(ValueError, "Invalid weight_decay value: -0.1", optim.AdamW, [p], weight_decay=-0.1)
    raises(ValueError, "optimizer got an empty parameter list", optim.SGD, [], lr=0.1)
    raises(TypeError, "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
           "torch.DoubleTensor", optim.SGD, p, lr=0.1)
    raises(ValueError, "can't optimize a non-leaf Tensor", optim.SGD, [p * 2], lr=0.1)
    raises(TypeError, "optimizer can only optimize Tensors, but one of the params is int", optim.SGD, [1], lr=0.1)
    raises(ValueError, "some parameters appear in more than one parameter group", optim.SGD,
           [{"params": [p]}, {"params": [p]}], lr=0.1)
    opt = optim.SGD([p], lr=0.1)
    raises(ValueError, "loaded state dict has a different number of parameter groups", opt.load_state_dict,
           {"state": {}, "param_groups": []})
    raises(ValueError, "loaded state dict contains a parameter group that doesn't match the size of optimizer's "
           "group", opt.load_state_dict, {"state": {}, "param_groups": [{"params": [0, 1], "lr": 0.1}]})


# ---- clipping -------------------------------------------------------------------------------

def test_clip_grad_norm_and_value_by_hand():
    a, b = leaf([0.0, 0.0]), leaf([0.0])
    set_grad(a, [3.0, 0.0])
    set_grad(b, [4.0])
    total = optim.clip_grad_norm_([a, b], 1.0)
    assert total.shape == () and total.item() == 5.0 and total.dtype is E.float64
    coef = 1.0 / (5.0 + 1e-6)
    assert np.allclose(a.grad.numpy(), [3 * coef, 0]) and np.allclose(b.grad.numpy(), [4 * coef])
    set_grad(a, [3.0, -4.0])
    assert optim.clip_grad_norm_(a, 100.0, norm_type="inf").item() == 4.0
    assert np.array_equal(a.grad.numpy(), [3.0, -4.0])  # clamped coefficient 1.0
    assert optim.clip_grad_norm_(a, 100.0, norm_type=1).item() == 7.0
    assert optim.clip_grad_norm_([leaf([1.0])], 1.0).item() == 0.0  # no grads: tensor(0.)
    set_grad(a, [math.inf, 1.0])
    raises(RuntimeError, "The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot "
           "be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
           "`error_if_nonfinite=False`", optim.clip_grad_norm_, [a], 1.0, error_if_nonfinite=True)
    set_grad(a, [3.0, -4.0])
    assert optim.clip_grad_value_([a, b], 3.5) is None
    assert np.array_equal(a.grad.numpy(), [3.0, -3.5])


# ---- step-for-step parity with torch.optim ------------------------------------------------------

SGD_CASES = [
    dict(lr=0.1),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.05, momentum=0.9, nesterov=True),
    dict(lr=0.05, momentum=0.8, dampening=0.3),
    dict(lr=0.1, weight_decay=0.01),
    dict(lr=0.1, momentum=0.9, weight_decay=0.05, maximize=True),
    dict(lr=0.02, momentum=0.5, nesterov=True, weight_decay=0.1, maximize=True),
]
ADAM_CASES = [
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, maximize=True, weight_decay=0.05)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.6, 0.9), maximize=True)),
]


def _parity(torch, mine_cls, torch_cls, kwargs, steps=20):
    rng = np.random.default_rng(11)
    shapes = [(3, 4), (5,), ()]
    init = [rng.standard_normal(s) for s in shapes]
    mine = [leaf(a.copy()) for a in init]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in init]
    groups_m = [{"params": mine[:2]}, {"params": mine[2:], "lr": kwargs.get("lr", 0.01) * 0.5}]
    groups_t = [{"params": theirs[:2]}, {"params": theirs[2:], "lr": kwargs.get("lr", 0.01) * 0.5}]
    om = mine_cls(groups_m, foreach=False, **kwargs)
    ot = torch_cls(groups_t, foreach=False, **kwargs)
    for step in range(steps):
        for pm, pt in zip(mine, theirs):
            # a gradient that depends on the current parameters, so diverging trajectories show
            g = np.cos(pt.detach().numpy() * 3.0 + step) + 0.1 * pt.detach().numpy()
            pm.grad = E.tensor(g.copy(), dtype=E.float64)
            pt.grad = torch.tensor(g.copy())
        if step == 7:
            theirs[1].grad = None  # params without a grad are skipped
            mine[1].grad = None
        lrs = None
        if step == 10:  # a scheduler changes the lr; it rides on the step
            lrs = [g["lr"] * 0.5 for g in ot.param_groups]
            for g, lr in zip(ot.param_groups, lrs):
                g["lr"] = lr
        om.step(lrs=lrs)
        ot.step()
        for pm, pt in zip(mine, theirs):
            np.testing.assert_allclose(pm.detach().numpy(), pt.detach().numpy(), rtol=1e-12, atol=1e-15)
    sm, st = om.state_dict(), ot.state_dict()
    assert sorted(sm["state"]) == sorted(st["state"])
    for k in st["state"]:
        assert sorted(sm["state"][k]) == sorted(st["state"][k])
        for name, v in st["state"][k].items():
            np.testing.assert_allclose(sm["state"][k][name].numpy(), v.numpy(), rtol=1e-12, atol=1e-15)
            assert sm["state"][k][name].dtype.name == str(v.dtype).replace("torch.", "")
    for gm, gt in zip(sm["param_groups"], st["param_groups"]):
        assert list(gm) == list(gt)
        assert gm == gt


@pytest.mark.parametrize("kwargs", SGD_CASES)
def test_sgd_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    _parity(torch, optim.SGD, torch.optim.SGD, kwargs)


@pytest.mark.parametrize("which,kwargs", ADAM_CASES)
def test_adam_matches_torch(which, kwargs):
    torch = pytest.importorskip("torch")
    _parity(torch, getattr(optim, which), getattr(torch.optim, which), kwargs)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, 0.0])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    grads = [rng.standard_normal(s) for s in [(3, 4), (5,), ()]]
    mine = [leaf(np.zeros_like(g)) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for pm, pt, g in zip(mine, theirs, grads):
        set_grad(pm, g)
        pt.grad = torch.tensor(g)
    tm = optim.clip_grad_norm_(mine, max_norm, norm_type)
    tt = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type, foreach=False)
    assert tm.item() == pytest.approx(tt.item(), rel=1e-13)
    for pm, pt in zip(mine, theirs):
        np.testing.assert_allclose(pm.grad.numpy(), pt.grad.numpy(), rtol=1e-13)
    optim.clip_grad_value_(mine, 0.3)
    torch.nn.utils.clip_grad_value_(theirs, 0.3, foreach=False)
    for pm, pt in zip(mine, theirs):
        assert np.array_equal(pm.grad.numpy(), pt.grad.numpy())
