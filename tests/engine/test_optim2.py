"""gradwire.engine.optim: Adamax, NAdam, RAdam, Adadelta, Rprop, ASGD, LBFGS; by hand and against torch.optim."""
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


def one_step(cls, start, grad, **kwargs):
    p = leaf(start)
    opt = cls([p], **kwargs)
    set_grad(p, grad)
    opt.step()
    return p.detach().numpy(), opt.state_dict()["state"][0]


# ---- first steps by hand (no torch needed) ----------------------------------------------

def test_adamax_nadam_radam_first_step_by_hand():
    g = np.array([0.5, -2.0])
    # Adamax: m = 0.1 g, u = max(0, |g| + eps); p -= lr / (1 - 0.9) * m / u
    got, st = one_step(optim.Adamax, [1.0, -1.0], g, lr=0.1)
    np.testing.assert_allclose(got, np.array([1.0, -1.0]) - 0.1 * g / (np.abs(g) + 1e-8), rtol=1e-14)
    assert list(st) == ["step", "exp_avg", "exp_inf"] and st["step"].item() == 1.0
    # NAdam: mu_t = 0.9 (1 - 0.5 * 0.96 ** 0.004), mu_product = mu_1 (float32)
    got, st = one_step(optim.NAdam, [1.0, -1.0], g, lr=0.1)
    mu1 = 0.9 * (1 - 0.5 * 0.96 ** 0.004)
    mu2 = 0.9 * (1 - 0.5 * 0.96 ** 0.008)
    prod = float(np.float32(mu1))
    denom = np.abs(g) + 1e-8  # sqrt(v / (1 - beta2)) = |g|
    expect = np.array([1.0, -1.0]) - 0.1 * (1 - mu1) / (1 - prod) * g / denom \
        - 0.1 * mu2 / (1 - prod * mu2) * 0.1 * g / denom
    np.testing.assert_allclose(got, expect, rtol=1e-12)
    assert list(st) == ["step", "mu_product", "exp_avg", "exp_avg_sq"]
    assert st["mu_product"].dtype is E.float32 and st["mu_product"].item() == pytest.approx(mu1, rel=1e-7)
    # RAdam's first steps are un-rectified (rho_t <= 5): p -= lr * m / (1 - beta1)
    got, st = one_step(optim.RAdam, [1.0, -1.0], g, lr=0.1)
    np.testing.assert_allclose(got, np.array([1.0, -1.0]) - 0.1 * g, rtol=1e-14)
    assert list(st) == ["step", "exp_avg", "exp_avg_sq"]


def test_adadelta_rprop_asgd_first_step_by_hand():
    g = np.array([0.5, -2.0])
    got, st = one_step(optim.Adadelta, [1.0, -1.0], g, lr=1.0, rho=0.9, eps=1e-6)
    sq = 0.1 * g * g
    delta = np.sqrt(1e-6) / np.sqrt(sq + 1e-6) * g
    np.testing.assert_allclose(got, np.array([1.0, -1.0]) - delta, rtol=1e-14)
    np.testing.assert_allclose(st["acc_delta"].numpy(), 0.1 * delta * delta, rtol=1e-14)
    assert list(st) == ["step", "square_avg", "acc_delta"]
    # Rprop: the first step moves by lr against the gradient's sign; a sign flip then shrinks the step and skips
    p = leaf([1.0, -1.0])
    opt = optim.Rprop([p], lr=0.1, etas=(0.5, 1.2))
    set_grad(p, g)
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), [0.9, -0.9], rtol=1e-15)
    set_grad(p, [0.5, 2.0])  # same sign, then a flip
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), [0.9 - 0.12, -0.9], rtol=1e-15)
    st = opt.state_dict()["state"][0]
    np.testing.assert_allclose(st["step_size"].numpy(), [0.12, 0.05], rtol=1e-15)
    np.testing.assert_allclose(st["prev"].numpy(), [0.5, 0.0])
    assert list(st) == ["step", "prev", "step_size"]
    # ASGD: p = p (1 - lambd eta) - eta g with eta the float32 lr; ax = p while mu == 1
    got, st = one_step(optim.ASGD, [1.0, -1.0], g, lr=0.1, lambd=0.01)
    eta = float(np.float32(0.1))
    np.testing.assert_allclose(got, np.array([1.0, -1.0]) * (1 - 0.01 * eta) - eta * g, rtol=1e-15)
    np.testing.assert_allclose(st["ax"].numpy(), got)
    assert st["eta"].item() == pytest.approx(0.1 / (1 + 0.01 * 0.1) ** 0.75, rel=1e-7)
    assert list(st) == ["step", "eta", "mu", "ax"] and st["mu"].item() == 1.0


def test_checks_and_hyper_parameter_updates():
    p = leaf([1.0])
    for make, text in [(lambda: optim.NAdam([p], momentum_decay=-1), "Invalid momentum_decay value: -1"),
                       (lambda: optim.Adadelta([p], rho=1.5), "Invalid rho value: 1.5"),
                       (lambda: optim.Rprop([p], etas=(1.2, 0.5)), "Invalid eta values: 1.2, 0.5"),
                       (lambda: optim.Adamax([p], betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
                       (lambda: optim.ASGD([p], lr=-1.0), "Invalid learning rate: -1.0"),
                       (lambda: optim.LBFGS([{"params": [p]}, {"params": [leaf([2.0])]}]),
                        "LBFGS doesn't support per-parameter options (parameter groups)")]:
        with pytest.raises(ValueError) as info:
            make()
        assert str(info.value) == text
    # step(groups=...) sets any hyper-parameter before the update (how a scheduler's momentum arrives)
    opt = optim.Adadelta([p], lr=1.0)
    set_grad(p, [1.0])
    opt.step(groups=[{"lr": 0.0, "rho": 0.5}])
    assert p.item() == 1.0 and opt.param_groups[0]["rho"] == 0.5
    with pytest.raises(ValueError, match="expected 1 hyper-parameter updates"):
        opt.step(groups=[{}, {}])
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'closure'"):
        optim.LBFGS([p]).step()


def test_lbfgs_solves_least_squares_and_keeps_torchs_state():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((8, 3)), rng.standard_normal(8)
    A, B = E.tensor(a, dtype=E.float64), E.tensor(b, dtype=E.float64)
    for search in (None, "strong_wolfe"):
        w = leaf([0.0, 0.0, 0.0])
        opt = optim.LBFGS([w], line_search_fn=search, lr=1 if search else 0.1, max_iter=50, history_size=5,
                          tolerance_grad=1e-12, tolerance_change=1e-15)
        calls = []

        def closure():
            opt.zero_grad()
            loss = ((A.matmul(w) - B) ** 2).sum()
            loss.backward()
            calls.append(loss.item())
            return loss
        first = opt.step(closure)
        assert first.item() == pytest.approx(float((b ** 2).sum()))
        for _ in range(3):
            opt.step(closure)
        np.testing.assert_allclose(w.detach().numpy(), np.linalg.lstsq(a, b, rcond=None)[0], rtol=1e-6)
        st = opt.state_dict()["state"][0]
        assert st["func_evals"] == len(calls)
        assert list(st)[:3] == ["func_evals", "n_iter", "al"]
        assert {"d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss"} <= set(st)
        assert 0 < len(st["old_dirs"]) <= 5 and st["d"].shape == (3,)
        # a fresh optimizer loaded from the state dict carries on identically
        w2 = leaf(w.detach().numpy())
        o2 = optim.LBFGS([w2], line_search_fn=search, lr=1 if search else 0.1, max_iter=50, history_size=5)
        o2.load_state_dict(opt.state_dict())
        assert o2.state_dict()["state"][0]["n_iter"] == st["n_iter"]


CASES = [("Adamax", dict(lr=0.05, weight_decay=0.1)), ("NAdam", dict(lr=0.05, decoupled_weight_decay=True,
                                                                      weight_decay=0.1)),
         ("RAdam", dict(lr=0.05, maximize=True)), ("Adadelta", dict(weight_decay=0.2)),
         ("Rprop", dict(lr=0.05)), ("ASGD", dict(lr=0.05, t0=3)),
         ("LBFGS", dict(lr=0.1, max_iter=5)), ("LBFGS", dict(line_search_fn="strong_wolfe", history_size=2))]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_against_torch(name, kwargs, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    w0 = rng.standard_normal((3, 2))
    x0 = rng.standard_normal((4, 3))

    # float32 L-BFGS near its minimum: the loss changes at float32's resolution and rounding (torch's BLAS
    # against NumPy's) steers the line search; compare its first iterations only
    kw = dict(kwargs, max_iter=6) if name == "LBFGS" and dtype == "float32" else kwargs

    def run(lib, w, x):
        opt = getattr(lib.optim, name)([w], **kw)

        def closure():
            opt.zero_grad()
            loss = ((x.matmul(w)).sin() ** 2).sum() + (w * w).sum()
            loss.backward()
            return loss
        for _ in range(1 if kw is not kwargs else 4):
            if name == "LBFGS":
                opt.step(closure)
            else:
                closure()
                opt.step()
        return w.detach().numpy(), opt.state_dict()
    ours, sd = run(E, E.tensor(w0, dtype=getattr(E, dtype), requires_grad=True),
                   E.tensor(x0, dtype=getattr(E, dtype)))
    ref, ref_sd = run(torch, torch.tensor(w0, dtype=getattr(torch, dtype), requires_grad=True),
                      torch.tensor(x0, dtype=getattr(torch, dtype)))
    np.testing.assert_allclose(ours, ref, rtol=1e-6 if dtype == "float64" else 1e-4, atol=1e-6)
    assert list(sd["state"][0]) == list(ref_sd["state"][0])
    for key, value in ref_sd["state"][0].items():
        if isinstance(value, torch.Tensor):
            assert sd["state"][0][key].dtype.name == str(value.dtype).replace("torch.", ""), key
    assert math.isfinite(float(ours.sum()))
