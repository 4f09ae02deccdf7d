"""Adamax, NAdam, RAdam, Adadelta, Rprop, ASGD, LBFGS and the lr schedulers beyond StepLR/CosineAnnealingLR,
over the wire, held to torch.optim: parameter values, state_dict layout, reprs, warnings and error texts."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(120)


def _torch():
    return pytest.importorskip("torch")


_rng = np.random.default_rng(7)
A0 = _rng.standard_normal((6, 3))
B0 = _rng.standard_normal(6)


def _problem(t):
    """float64 weights and a smooth, convex-enough loss: ||A w - b||^2 + sum(w^4)."""
    w = t.nn.Parameter(t.tensor([0.3, -0.2, 0.1], dtype=t.float64))
    a = t.tensor(A0.tolist(), dtype=t.float64)
    b = t.tensor(B0.tolist(), dtype=t.float64)
    return w, lambda: ((a @ w - b) ** 2).sum() + (w ** 4).sum()


def _train(t, name, kwargs, steps=5, sched=None):
    w, loss_fn = _problem(t)
    opt = getattr(t.optim, name)([w], **kwargs)
    s = sched(t.optim.lr_scheduler, opt) if sched else None
    calls = []

    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        calls.append(1)
        return loss
    weights, returned = [], []
    for _ in range(steps):
        if name == "LBFGS":
            returned.append(opt.step(closure).item())
        else:
            closure()
            opt.step()
        if s is not None:
            s.step()
        weights.append(w.detach().numpy().copy())
    return weights, opt, len(calls), returned


OPTIMIZERS = [
    ("Adamax", {}), ("Adamax", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("NAdam", {}), ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, momentum_decay=0.01)),
    ("RAdam", {}), ("RAdam", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adadelta", {}), ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
    ("Rprop", {}), ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("ASGD", {}), ("ASGD", dict(lr=0.05, t0=2, lambd=0.01, weight_decay=0.1)),
    ("LBFGS", {}), ("LBFGS", dict(lr=0.5, max_iter=4, history_size=2)),
    ("LBFGS", dict(line_search_fn="strong_wolfe")), ("LBFGS", dict(line_search_fn="strong_wolfe", max_iter=3)),
]


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
def test_optimizer_steps_match_torch(gw, name, kwargs):
    got, opt, calls, returned = _train(gw, name, kwargs)
    assert not np.allclose(got[-1], [0.3, -0.2, 0.1])  # it moves
    sd = opt.state_dict()
    torch = _torch()
    ref, ref_opt, ref_calls, ref_returned = _train(torch, name, kwargs)
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-12)
    ref_sd = ref_opt.state_dict()
    assert list(sd["state"][0]) == list(ref_sd["state"][0])
    assert sd["param_groups"] == ref_sd["param_groups"]
    assert repr(opt) == repr(ref_opt)
    assert calls == ref_calls  # LBFGS: as many closure evaluations as torch's
    np.testing.assert_allclose(returned, ref_returned, rtol=1e-9)
    if name == "LBFGS":
        st = sd["state"][0]
        assert st["func_evals"] == ref_sd["state"][0]["func_evals"] == calls
        assert st["n_iter"] == ref_sd["state"][0]["n_iter"]
        assert len(st["old_dirs"]) == len(ref_sd["state"][0]["old_dirs"])


def test_lbfgs_finds_the_minimum_of_a_quadratic(gw):
    """Least squares: the strong-Wolfe L-BFGS reaches the normal equations' solution."""
    w = gw.nn.Parameter(gw.zeros(3, dtype=gw.float64))
    a = gw.tensor(A0.tolist(), dtype=gw.float64)
    b = gw.tensor(B0.tolist(), dtype=gw.float64)
    opt = gw.optim.LBFGS([w], line_search_fn="strong_wolfe", tolerance_grad=1e-12, tolerance_change=1e-14)

    def closure():
        opt.zero_grad()
        loss = ((a @ w - b) ** 2).sum()
        loss.backward()
        return loss
    first = opt.step(closure)
    assert isinstance(first, gw.Tensor) and first.item() == pytest.approx(float((B0 ** 2).sum()))
    opt.step(closure)
    expect = np.linalg.lstsq(A0, B0, rcond=None)[0]
    np.testing.assert_allclose(w.detach().numpy(), expect, rtol=1e-6)


def test_optimizer_checks_and_reprs(gw):
    same_as_torch(gw, """
        p = [torch.nn.Parameter(torch.zeros(2))]
        O = torch.optim
        for make in [lambda: O.Adamax(p, lr=-1.0), lambda: O.Adamax(p, eps=-1e-3),
                     lambda: O.Adamax(p, betas=(1.0, 0.9)),
                     lambda: O.Adamax(p, betas=(0.9, -0.5)), lambda: O.Adamax(p, weight_decay=-2),
                     lambda: O.NAdam(p, lr=-0.5), lambda: O.NAdam(p, momentum_decay=-1.0),
                     lambda: O.NAdam(p, betas=(0.9, 1.0)), lambda: O.RAdam(p, lr=-1.0), lambda: O.RAdam(p, eps=-1.0),
                     lambda: O.Adadelta(p, lr=-1.0), lambda: O.Adadelta(p, rho=1.5), lambda: O.Adadelta(p, eps=-1.0),
                     lambda: O.Adadelta(p, weight_decay=-0.1), lambda: O.Rprop(p, lr=-1.0),
                     lambda: O.Rprop(p, etas=(1.5, 2.0)), lambda: O.Rprop(p, etas=(0.5, 0.9)),
                     lambda: O.ASGD(p, lr=-1.0), lambda: O.ASGD(p, weight_decay=-1.0), lambda: O.LBFGS(p, lr=-1.0),
                     lambda: O.LBFGS([{"params": p}, {"params": [torch.nn.Parameter(torch.ones(1))]}]),
                     lambda: O.NAdam([], lr=0.1), lambda: O.RAdam([torch.ones(2, requires_grad=True) * 2])]:
            try:
                make()
            except Exception as e:
                print(type(e).__name__, e)
        for o in [O.Adamax(p), O.NAdam(p, decoupled_weight_decay=True), O.RAdam(p, lr=0.01, betas=[0.5, 0.6]),
                  O.Adadelta(p, foreach=True), O.Rprop(p, etas=(0.4, 1.1)), O.ASGD(p, capturable=True),
                  O.LBFGS(p, max_iter=7), O.LBFGS(p, line_search_fn="strong_wolfe", max_eval=3)]:
            print(o)
            print(o.defaults)
            print(o.state_dict())
    """)
    with pytest.raises(ValueError, match=r"^Invalid learning rate: -1.0$"):
        gw.optim.Adamax([gw.nn.Parameter(gw.zeros(1))], lr=-1.0)
    assert gw.optim.LBFGS([gw.nn.Parameter(gw.zeros(1))]).defaults["max_eval"] == 25


# ----- schedulers --------------------------------------------------------------------------------------------

SCHEDULER_SNIPPET = """
    import warnings
    L = torch.optim.lr_scheduler
    def run(make, steps=24, adam=False, two=True):
        p = nn.Parameter(torch.ones(2))
        q = nn.Parameter(torch.ones(1))
        groups = [{"params": [p]}, {"params": [q], "lr": 0.5}] if two else [p]
        o = torch.optim.Adam(groups, lr=0.1) if adam else torch.optim.SGD(groups, lr=0.1, momentum=0.9)
        s = make(o)
        print(type(s).__name__, s.get_last_lr(), s.last_epoch, getattr(s, "base_lrs", None))
        for i in range(steps):
            o.step()
            s.step()
            print(s.get_last_lr(), [g["betas"][0] if adam else g["momentum"] for g in o.param_groups])
        print(sorted(o.param_groups[0]))
        print(s.state_dict())
"""


def test_new_schedulers_match_torch(gw):
    out = same_as_torch(gw, SCHEDULER_SNIPPET + """
    run(lambda o: L.LinearLR(o, start_factor=0.25, total_iters=7))
    run(lambda o: L.LinearLR(o, start_factor=0.5, end_factor=0.1, total_iters=4), adam=True)
    run(lambda o: L.ConstantLR(o, factor=0.3, total_iters=4))
    run(lambda o: L.PolynomialLR(o, total_iters=10, power=2.0))
    run(lambda o: L.MultiplicativeLR(o, lambda e: 0.95))
    run(lambda o: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001))
    run(lambda o: L.CyclicLR(o, 0.01, [0.1, 0.2], step_size_up=4))
    run(lambda o: L.CyclicLR(o, 0.01, 0.1, step_size_up=3, step_size_down=5, mode="triangular2",
                             base_momentum=[0.5, 0.6]), adam=True)
    run(lambda o: L.CyclicLR(o, 0.01, 0.1, step_size_up=3, mode="exp_range", gamma=0.9, cycle_momentum=False))
    run(lambda o: L.OneCycleLR(o, 0.5, total_steps=24))
    run(lambda o: L.OneCycleLR(o, [0.5, 1.0], epochs=3, steps_per_epoch=8, three_phase=True,
                               anneal_strategy="linear"), adam=True)
    run(lambda o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.1, total_iters=5), L.CosineAnnealingLR(o, T_max=10)],
                                 milestones=[5]))
    run(lambda o: L.SequentialLR(o, [L.ConstantLR(o, factor=0.5, total_iters=3), L.ExponentialLR(o, 0.9),
                                     L.StepLR(o, 3)], milestones=[4, 10]))
    run(lambda o: L.ChainedScheduler([L.ConstantLR(o, factor=0.1, total_iters=2), L.ExponentialLR(o, gamma=0.9)]))
    run(lambda o: L.ChainedScheduler([L.StepLR(o, 2), L.MultiStepLR(o, [3, 5])], optimizer=o), two=False)
    """)
    # real values: LinearLR's first group climbs from 0.025 to 0.1 in 7 steps, then stays
    lines = out.splitlines()
    first = [float(line.split("]")[0].strip("[").split(",")[0]) for line in lines[1:25]]
    expect = [0.1 * (0.25 + 0.75 * min(e, 7) / 7) for e in range(1, 25)]
    np.testing.assert_allclose(first, expect, rtol=1e-12)


def test_closed_form_steps_and_warnings(gw):
    same_as_torch(gw, """
        import warnings
        L = torch.optim.lr_scheduler
        def run(make, epochs):
            with warnings.catch_warnings(record=True) as ws:
                warnings.simplefilter("always")
                o = torch.optim.SGD([nn.Parameter(torch.ones(1))], lr=1.0)
                s = make(o)
                for e in epochs:
                    o.step()
                    s.step(e)
                    print(e, s.get_last_lr(), s.last_epoch)
            print(sorted({str(w.message)[:60] for w in ws}))
        ep = [0, 1, 2, 5, 3, 7, 7, 12, 4]
        for make in [lambda o: L.LinearLR(o, total_iters=6), lambda o: L.ConstantLR(o), lambda o: L.PolynomialLR(o),
                     lambda o: L.StepLR(o, 3), lambda o: L.MultiStepLR(o, [2, 5, 5]), lambda o: L.ExponentialLR(o, 0.5),
                     lambda o: L.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=3)]:
            run(make, ep)
        run(lambda o: L.CosineAnnealingWarmRestarts(o, T_0=2), [0.5, 1.5, 2.5, 7.25])
        # the step-order warning, get_lr() outside step(), a scheduler built over a replaced optimizer.step
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            o = torch.optim.SGD([nn.Parameter(torch.ones(1))], lr=1.0)
            s = L.LinearLR(o)
            s.step()
            s.step()
            print(s.get_lr())
            o2 = torch.optim.SGD([nn.Parameter(torch.ones(1))], lr=1.0)
            s2 = L.ExponentialLR(o2, 0.5)
            o2.step = lambda closure=None: None
            s2.step()
            o3 = torch.optim.SGD([nn.Parameter(torch.ones(1))], lr=1.0)
            s3 = L.ConstantLR(o3)
            o3.step()
            s3.step()
        for w in ws:
            print(w.category.__name__, w.message)
    """)
    opt = gw.optim.SGD([gw.nn.Parameter(gw.ones(1))], lr=1.0)
    s = gw.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2)
    with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before `optimizer.step\\(\\)`"):
        s.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        s.step()
    assert s.get_last_lr() == [1.0]


def test_scheduler_argument_errors(gw):
    same_as_torch(gw, """
        L = torch.optim.lr_scheduler
        p = nn.Parameter(torch.ones(1))
        o = torch.optim.SGD([p], lr=0.1)
        o2 = torch.optim.SGD([nn.Parameter(torch.ones(1))], lr=0.1)
        r = torch.optim.Rprop([p])
        for make in [lambda: L.LinearLR(o, start_factor=0), lambda: L.LinearLR(o, start_factor=1.5),
                     lambda: L.LinearLR(o, end_factor=-0.1), lambda: L.ConstantLR(o, factor=2.0),
                     lambda: L.ConstantLR(o, factor=-1), lambda: L.MultiplicativeLR(o, 0.5),
                     lambda: L.MultiplicativeLR(o, [lambda e: 1.0, lambda e: 1.0]), lambda: L.LambdaLR(o, []),
                     lambda: L.CosineAnnealingWarmRestarts(o, T_0=0), lambda: L.CosineAnnealingWarmRestarts(o, 2.0),
                     lambda: L.CosineAnnealingWarmRestarts(o, 2, T_mult=0),
                     lambda: L.CosineAnnealingWarmRestarts(o, 2, eta_min="x"),
                     lambda: L.CyclicLR(o, 0.1, 1.0, mode="bad"), lambda: L.CyclicLR(r, 0.1, 1.0),
                     lambda: L.CyclicLR(o, [0.1, 0.2], 1.0), lambda: L.CyclicLR("opt", 0.1, 1.0),
                     lambda: L.OneCycleLR(o, 1.0), lambda: L.OneCycleLR(o, 1.0, total_steps=0),
                     lambda: L.OneCycleLR(o, 1.0, total_steps=2.5),
                     lambda: L.OneCycleLR(o, 1.0, epochs=0, steps_per_epoch=2),
                     lambda: L.OneCycleLR(o, 1.0, epochs=2, steps_per_epoch=-1),
                     lambda: L.OneCycleLR(o, 1.0, total_steps=10, pct_start=1.5),
                     lambda: L.OneCycleLR(o, 1.0, total_steps=10, pct_start=1),
                     lambda: L.OneCycleLR(o, 1.0, total_steps=10, anneal_strategy="exp"),
                     lambda: L.OneCycleLR(r, 1.0, total_steps=10), lambda: L.OneCycleLR(o, [1.0, 2.0], total_steps=10),
                     lambda: L.SequentialLR(o, [], []), lambda: L.SequentialLR(o, [L.StepLR(o, 2)], [3]),
                     lambda: L.SequentialLR(o, [L.StepLR(o, 2), L.ReduceLROnPlateau(o)], [3]),
                     lambda: L.SequentialLR(o, [L.StepLR(o, 2), 5], [3]),
                     lambda: L.ChainedScheduler([]), lambda: L.ChainedScheduler([L.StepLR(o, 2), L.StepLR(o2, 2)]),
                     lambda: L.StepLR(o2, 2, last_epoch=3), lambda: L.LinearLR(None), lambda: L.ReduceLROnPlateau(5)]:
            try:
                make()
                print("ok")
            except Exception as e:
                print(type(e).__name__, str(e).replace(repr(o), "O").replace(repr(o2), "O2"))
        s = L.OneCycleLR(o, 1.0, total_steps=3)
        try:
            for i in range(5):
                o.step()
                s.step()
                print(s.get_last_lr())
        except ValueError as e:
            print("ValueError", e)
    """)
    opt = gw.optim.SGD([gw.nn.Parameter(gw.ones(1))], lr=0.1)
    with pytest.raises(ValueError, match="^Expected positive integer T_0, but got 0$"):
        gw.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0)


def test_scheduler_state_dict_and_resume(gw):
    same_as_torch(gw, """
        L = torch.optim.lr_scheduler
        def fresh():
            return torch.optim.SGD([nn.Parameter(torch.ones(1))], lr=0.1, momentum=0.9)
        for make in [lambda o, e=-1: L.LinearLR(o, start_factor=0.2, total_iters=6, last_epoch=e),
                     lambda o, e=-1: L.PolynomialLR(o, total_iters=8, last_epoch=e),
                     lambda o, e=-1: L.CosineAnnealingLR(o, T_max=5, last_epoch=e),
                     lambda o, e=-1: L.ExponentialLR(o, 0.8, last_epoch=e),
                     lambda o, e=-1: L.CyclicLR(o, 0.01, 0.1, step_size_up=2, last_epoch=e),
                     lambda o, e=-1: L.OneCycleLR(o, 0.3, total_steps=20, last_epoch=e),
                     lambda o, e=-1: L.CosineAnnealingWarmRestarts(o, T_0=3, last_epoch=e)]:
            o = fresh()
            s = make(o)
            for i in range(4):
                o.step()
                s.step()
            sd = s.state_dict()
            osd = o.state_dict()
            # a new optimizer and scheduler loaded from the state dicts continue the same sequence
            o2 = fresh()
            o2.load_state_dict(osd)
            s2 = make(o2, 3)
            s2.load_state_dict(sd)
            for i in range(4):
                o.step(); s.step()
                o2.step(); s2.step()
                print(s.get_last_lr(), s2.get_last_lr(), o2.param_groups[0]["momentum"], s2.last_epoch)
            print(sorted(o2.param_groups[0]), o2.param_groups[0]["initial_lr"])
        o = fresh()
        a, b = L.ConstantLR(o, factor=0.5, total_iters=2), L.ExponentialLR(o, 0.9)
        c = L.SequentialLR(o, [a, b], milestones=[3])
        for i in range(5):
            o.step(); c.step()
        sd = c.state_dict()
        print(sd)
        o2 = fresh()
        a2, b2 = L.ConstantLR(o2, factor=0.5, total_iters=2), L.ExponentialLR(o2, 0.9)
        c2 = L.SequentialLR(o2, [a2, b2], milestones=[3])
        c2.load_state_dict(sd)
        print(c2.last_epoch, b2.last_epoch, b2._last_lr, sd == c2.state_dict())
        ch = L.ChainedScheduler([L.StepLR(o2, 2), L.ExponentialLR(o2, 0.5)])
        o2.step(); ch.step()
        print(ch.state_dict(), ch.get_last_lr())
    """)


def test_cyclic_momentum_reaches_the_server(gw):
    """CyclicLR / OneCycleLR rewrite momentum (SGD) and beta1 (Adam); the server's step must use them."""
    for name, kwargs, sched in [
            ("SGD", dict(lr=0.1, momentum=0.9),
             lambda L, o: L.OneCycleLR(o, 0.05, total_steps=8, base_momentum=0.5, max_momentum=0.95)),
            ("Adam", dict(lr=0.1), lambda L, o: L.CyclicLR(o, 0.01, 0.05, step_size_up=2, base_momentum=0.3)),
            ("NAdam", dict(lr=0.1), lambda L, o: L.OneCycleLR(o, 0.05, total_steps=8, three_phase=True))]:
        got, opt, _, _ = _train(gw, name, kwargs, steps=7, sched=sched)
        fixed, _, _, _ = _train(gw, name, kwargs, steps=7,
                                sched=lambda L, o: L.LambdaLR(o, lambda e: 1.0))  # noqa: B023
        assert not np.allclose(got[-1], fixed[-1])
        ref, _, _, _ = _train(_torch(), name, kwargs, steps=7, sched=sched)
        for a, b in zip(got, ref):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)
    # a user's own write to a hyper-parameter other than lr reaches the server too
    w, loss_fn = _problem(gw)
    opt = gw.optim.Rprop([w], lr=0.1)
    for i in range(3):
        opt.zero_grad()
        loss_fn().backward()
        if i == 2:
            opt.param_groups[0]["step_sizes"] = (0.0, 0.0)  # clamps every step size to 0: nothing moves
        before = w.detach().numpy().copy()
        opt.step()
    assert np.array_equal(before, w.detach().numpy())


def test_lbfgs_returns_the_first_loss_and_counts_evaluations(gw):
    same_as_torch(gw, """
        torch.manual_seed(0)
        w = nn.Parameter(torch.tensor([1.5, -0.5, 2.0], dtype=torch.float64))
        x = torch.tensor([[1., 2., 0.5], [0.3, -1., 2.], [2., 0., -1.]], dtype=torch.float64)
        opt = torch.optim.LBFGS([w], lr=0.8, max_iter=6, history_size=3)
        n = [0]
        def closure():
            n[0] += 1
            opt.zero_grad()
            loss = (torch.tanh(x @ w) - 0.2).pow(2).sum() + 0.1 * (w * w).sum()
            loss.backward()
            return loss
        for i in range(3):
            out = opt.step(closure)
            print(type(out).__name__, round(out.item(), 5), n[0], opt.state[w]["func_evals"], opt.state[w]["n_iter"])
        print(w.detach().numpy().round(5).tolist())
        print(sorted(opt.state_dict()["state"][0]))
        try:
            opt.step()
        except TypeError as e:
            print("TypeError")
        opt2 = torch.optim.LBFGS([w], line_search_fn="wolfe")
        try:
            opt2.step(closure)
        except RuntimeError as e:
            print("RuntimeError", e)
    """)
    p = gw.nn.Parameter(gw.tensor([0.0]))
    opt = gw.optim.LBFGS([p], tolerance_grad=1.0)

    def closure():
        opt.zero_grad()
        loss = ((p - 0.1) ** 2).sum()
        loss.backward()
        return loss
    assert opt.step(closure).item() == pytest.approx(0.01)  # |grad| = 0.2 <= tolerance: no move
    assert p.item() == 0.0
    assert math.isclose(float(opt.state_dict()["state"][0]["func_evals"]), 1.0)


def _lbfgs_resumed(t):
    """Two L-BFGS steps, then a new optimizer loaded from the state dict takes the third."""
    x = t.tensor([[1., 2., 0.5], [0.3, -1., 2.], [2., 0., -1.]], dtype=t.float64)

    def make(w):
        opt = t.optim.LBFGS([w], lr=0.5, max_iter=3, history_size=2)

        def closure():
            opt.zero_grad()
            loss = (t.tanh(x @ w) - 0.2).pow(2).sum() + 0.1 * (w * w).sum()
            loss.backward()
            return loss
        return opt, closure
    w = t.nn.Parameter(t.tensor([1.5, -0.5, 2.0], dtype=t.float64))
    opt, closure = make(w)
    opt.step(closure)
    opt.step(closure)
    w2 = t.nn.Parameter(w.detach().clone())
    opt2, closure2 = make(w2)
    opt2.load_state_dict(opt.state_dict())
    opt2.step(closure2)
    st = opt2.state_dict()["state"][0]
    return w2.detach().numpy(), {k: type(v).__name__ for k, v in st.items()}, st["n_iter"], len(st["old_dirs"])


def test_lbfgs_state_dict_round_trip(gw):
    got = _lbfgs_resumed(gw)
    assert got[2] == 6 and got[3] == 2  # iterations over the three steps; the history keeps 2 pairs
    ref = _lbfgs_resumed(_torch())
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-9)
    assert got[1:] == ref[1:]


def test_param_groups_added_after_construction(gw):
    out = same_as_torch(gw, """
        w = nn.Parameter(torch.ones(2, dtype=torch.float64))
        v = nn.Parameter(torch.zeros(2, dtype=torch.float64))
        u = nn.Parameter(torch.ones(1, dtype=torch.float64))
        opt = torch.optim.SGD([{'params': [w]}, {'params': [v], 'lr': 0.5}], lr=0.1, momentum=0.9)
        opt.add_param_group({'params': [u], 'lr': 1.0})
        print(opt, len(opt.param_groups), [g['lr'] for g in opt.param_groups])
        for _ in range(2):
            opt.zero_grad()
            (w.sum() + v.sum() + 3 * u.sum()).backward()
            opt.step()
        print(w, v, u, list(opt.state_dict()['state'].keys()), opt.state_dict()['param_groups'][2]['params'])
        try:
            opt.add_param_group({'params': [w]})
        except ValueError as e:
            print(e)
        a = torch.optim.Adam([w], lr=0.1)
        a.add_param_group({'params': u, 'betas': (0.5, 0.6)})
        (w.sum() + u.sum()).backward()
        a.step()
        print(u, a.param_groups[1]['betas'], a.param_groups[1]['lr'])
    """)
    assert "Parameter Group 2" in out and "\n\nParameter Group 1" in out
