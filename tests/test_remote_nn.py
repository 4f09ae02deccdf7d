"""The client's nn / optim / lr_scheduler / nn.utils / nn.functional held to PyTorch's behaviour, over the wire.

Every test runs against the embedded default and a real gradwire-server (the ``gw`` fixture). Where torch
is installed the result is compared with it; hard-coded expectations keep each test meaningful without it.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

pytestmark = pytest.mark.timeout(120)


def _torch():
    return pytest.importorskip("torch")


# ----- module API ------------------------------------------------------------------------------------------

SEQ_REPR = """Sequential(
  (0): Linear(in_features=10, out_features=5, bias=True)
  (1): ReLU()
  (2): Dropout(p=0.1, inplace=False)
  (3): LayerNorm((5,), eps=1e-05, elementwise_affine=True, bias=True)
  (4): GELU(approximate='none')
)"""

MODULES = {
    "sequential": (lambda t: t.nn.Sequential(t.nn.Linear(10, 5), t.nn.ReLU(), t.nn.Dropout(0.1), t.nn.LayerNorm(5),
                                             t.nn.GELU()), SEQ_REPR),
    "lstm": (lambda t: t.nn.LSTM(10, 20, 2), "LSTM(10, 20, num_layers=2)"),
    "lstm_options": (lambda t: t.nn.LSTM(10, 20, 2, bias=False, batch_first=True, dropout=0.25),
                     "LSTM(10, 20, num_layers=2, bias=False, batch_first=True, dropout=0.25)"),
    "embedding": (lambda t: t.nn.Embedding(10, 3, padding_idx=0), "Embedding(10, 3, padding_idx=0)"),
    "modulelist": (lambda t: t.nn.ModuleList([t.nn.Linear(2, 3, bias=False), t.nn.Tanh(),
                                              t.nn.ModuleList([t.nn.Sigmoid()])]),
                   "ModuleList(\n  (0): Linear(in_features=2, out_features=3, bias=False)\n  (1): Tanh()\n"
                   "  (2): ModuleList(\n    (0): Sigmoid()\n  )\n)"),
    "layernorm_plain": (lambda t: t.nn.LayerNorm((3, 4), elementwise_affine=False),
                        "LayerNorm((3, 4), eps=1e-05, elementwise_affine=False, bias=False)"),
    "empty_sequential": (lambda t: t.nn.Sequential(), "Sequential()"),
}

PARAM_SHAPES = {
    "sequential": [("0.weight", (5, 10)), ("0.bias", (5,)), ("3.weight", (5,)), ("3.bias", (5,))],
    "lstm": [("weight_ih_l0", (80, 10)), ("weight_hh_l0", (80, 20)), ("bias_ih_l0", (80,)), ("bias_hh_l0", (80,)),
             ("weight_ih_l1", (80, 20)), ("weight_hh_l1", (80, 20)), ("bias_ih_l1", (80,)), ("bias_hh_l1", (80,))],
    "lstm_options": [("weight_ih_l0", (80, 10)), ("weight_hh_l0", (80, 20)),
                     ("weight_ih_l1", (80, 20)), ("weight_hh_l1", (80, 20))],
    "embedding": [("weight", (10, 3))],
    "modulelist": [("0.weight", (3, 2))],
    "layernorm_plain": [],
    "empty_sequential": [],
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_repr_names_shapes_and_state_dict_keys(gw, name):
    build, expected_repr = MODULES[name]
    m = build(gw)
    assert repr(m) == expected_repr
    named = [(n, tuple(p.shape)) for n, p in m.named_parameters()]
    assert named == PARAM_SHAPES[name]
    assert list(m.state_dict()) == [n for n, _ in PARAM_SHAPES[name]]
    assert len(list(m.parameters())) == len(PARAM_SHAPES[name])
    assert all(p.requires_grad and p.is_leaf for p in m.parameters())

    torch = _torch()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = build(torch)
    assert repr(m) == repr(ref)
    assert named == [(n, tuple(p.shape)) for n, p in ref.named_parameters()]
    assert list(m.state_dict()) == list(ref.state_dict())


def test_train_eval_propagate(gw):
    m = gw.nn.Sequential(gw.nn.Linear(3, 4), gw.nn.ModuleList([gw.nn.Dropout(), gw.nn.LSTM(4, 2)]))
    assert all(x.training for x in m.modules()) and len(list(m.modules())) == 5
    assert m.eval() is m
    assert not any(x.training for x in m.modules())
    m[1].train()
    assert [x.training for x in m.modules()] == [False, False, True, True, True]
    m.train()
    assert all(x.training for x in m.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        m.train("yes")
    # dropout follows the flag: identity in eval mode
    d = gw.nn.Dropout(0.5).eval()
    x = gw.ones(100, dtype=gw.float64)
    assert d(x).tolist() == [1.0] * 100


def test_zero_grad_set_to_none_and_zeros(gw):
    m = gw.nn.Sequential(gw.nn.Linear(3, 2), gw.nn.Tanh(), gw.nn.Linear(2, 1))
    m(gw.randn(4, 3)).sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in m.parameters())
    m.zero_grad(set_to_none=False)
    for p in m.parameters():
        assert p.grad is not None
        assert p.grad.shape == p.shape
        assert p.grad.abs().sum().item() == 0.0
    m(gw.randn(4, 3)).sum().backward()
    assert m[2].bias.grad.item() == 4.0  # accumulated into the zeroed grad: d(sum)/d(bias) over 4 rows
    m.zero_grad()  # torch's default: set_to_none=True
    assert all(p.grad is None for p in m.parameters())
    m(gw.randn(4, 3)).sum().backward()
    m.zero_grad(set_to_none=True)
    assert all(p.grad is None for p in m.parameters())


def _load_errors(t):
    m = t.nn.Sequential(t.nn.Linear(3, 2))
    out = []
    for sd in ({"0.weight": t.zeros(2, 3), "extra": t.zeros(1)}, {"0.weight": t.zeros(2, 3)},
               {"0.weight": t.zeros(2, 4), "0.bias": t.zeros(2)}):
        with pytest.raises(RuntimeError) as info:
            m.load_state_dict(sd)
        out.append(str(info.value))
    result = m.load_state_dict({"0.weight": t.ones(2, 3), "extra": t.zeros(1)}, strict=False)
    out.append((list(result.missing_keys), list(result.unexpected_keys), repr(result)))
    out.append(repr(m.load_state_dict({"0.weight": t.ones(2, 3), "0.bias": t.ones(2)})))
    out.append(m[0].weight.detach().sum().item() + m[0].bias.detach().sum().item())
    return out


def test_load_state_dict_errors(gw):
    got = _load_errors(gw)
    assert got[0] == ('Error(s) in loading state_dict for Sequential:\n\tMissing key(s) in state_dict: "0.bias". '
                      '\n\tUnexpected key(s) in state_dict: "extra". ')
    assert got[1] == 'Error(s) in loading state_dict for Sequential:\n\tMissing key(s) in state_dict: "0.bias". '
    assert got[2] == ("Error(s) in loading state_dict for Sequential:\n\tsize mismatch for 0.weight: copying a "
                      "param with shape torch.Size([2, 4]) from checkpoint, the shape in current model is "
                      "torch.Size([2, 3]).")
    assert got[3] == (["0.bias"], ["extra"], "_IncompatibleKeys(missing_keys=['0.bias'], unexpected_keys=['extra'])")
    assert got[4] == "<All keys matched successfully>"
    assert got[5] == 8.0
    torch = _torch()
    assert got == _load_errors(torch)


def test_state_dict_round_trip_between_modules(gw):
    a = gw.nn.LSTM(3, 4, 2)
    b = gw.nn.LSTM(3, 4, 2)
    b.load_state_dict(a.state_dict())
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert na == nb
        assert pa.detach().tolist() == pb.detach().tolist()
    assert all(not v.requires_grad for v in a.state_dict().values())
    assert all(v.requires_grad for v in a.state_dict(keep_vars=True).values())


# ----- nn.init defaults ----------------------------------------------------------------------------------

def test_linear_default_init_bounds(gw):
    gw.manual_seed(0)
    lin = gw.nn.Linear(256, 256)
    bound = 1 / math.sqrt(256)
    w = lin.weight.detach().numpy()
    b = lin.bias.detach().numpy()
    assert np.abs(w).max() <= bound
    assert np.abs(b).max() <= bound
    # U(-bound, bound): std bound/sqrt(3), mean 0; 65536 samples -> std of the std estimate ~ 0.3%
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert abs(w.mean()) < 0.01 * bound
    assert np.abs(w).max() > 0.99 * bound  # spans the whole interval
    # float32 by default, as torch
    assert lin.weight.dtype is gw.float32


def test_lstm_and_embedding_default_init(gw):
    gw.manual_seed(1)
    lstm = gw.nn.LSTM(10, 64, 2)
    bound = 1 / math.sqrt(64)
    for name, p in lstm.named_parameters():
        v = p.detach().numpy()
        assert np.abs(v).max() <= bound, name
        assert np.abs(v).max() > 0.9 * bound, name
    w = lstm.weight_hh_l1.detach().numpy()
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)

    emb = gw.nn.Embedding(1000, 64)
    e = emb.weight.detach().numpy()
    assert abs(e.mean()) < 0.02  # 64000 N(0,1) samples: std of the mean ~ 0.004
    assert e.std() == pytest.approx(1.0, abs=0.02)
    padded = gw.nn.Embedding(10, 3, padding_idx=-1)
    assert padded.padding_idx == 9
    assert padded.weight.detach().numpy()[9].tolist() == [0.0, 0.0, 0.0]
    assert padded.weight.requires_grad and padded.weight.is_leaf


def test_init_functions(gw):
    t = gw.empty(300, 200)
    gw.nn.init.xavier_uniform_(t)
    a = math.sqrt(6 / 500)
    assert np.abs(t.numpy()).max() <= a
    gw.nn.init.kaiming_normal_(t, nonlinearity="relu")
    assert t.numpy().std() == pytest.approx(math.sqrt(2 / 200), rel=0.03)
    gw.nn.init.constant_(t, 0.5)
    assert float(t.numpy().min()) == float(t.numpy().max()) == 0.5
    assert gw.nn.init.calculate_gain("tanh") == 5.0 / 3
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed for tensor with fewer than 2"):
        gw.nn.init.xavier_uniform_(gw.empty(3))
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        gw.nn.init.calculate_gain("foo")


# ----- optimizers -----------------------------------------------------------------------------------------

def _validation_errors(t):
    p = [t.nn.Parameter(t.zeros(2))]
    cases = [(t.optim.SGD, dict(lr=-1)), (t.optim.SGD, dict(lr=0.1, momentum=-1)),
             (t.optim.SGD, dict(lr=0.1, weight_decay=-1)), (t.optim.SGD, dict(lr=0.1, nesterov=True)),
             (t.optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.5, nesterov=True)),
             (t.optim.Adam, dict(lr=-1)), (t.optim.Adam, dict(eps=-1)), (t.optim.Adam, dict(betas=(1.0, 0.9))),
             (t.optim.Adam, dict(betas=(0.9, -0.1))), (t.optim.Adam, dict(weight_decay=-1)),
             (t.optim.AdamW, dict(lr=-1)), (t.optim.AdamW, dict(weight_decay=-1)),
             (t.optim.AdamW, dict(betas=(0.9, 1.5)))]
    out = []
    for ctor, kwargs in cases:
        with pytest.raises(ValueError) as info:
            ctor(p, **kwargs)
        out.append(str(info.value))
    with pytest.raises(ValueError) as info:
        t.optim.SGD([], lr=0.1)
    out.append(str(info.value))
    with pytest.raises(ValueError) as info:
        t.optim.Adam([t.zeros(2, requires_grad=True) * 2])
    out.append(str(info.value))
    return out


def test_optimizer_argument_validation(gw):
    got = _validation_errors(gw)
    assert got == ["Invalid learning rate: -1", "Invalid momentum value: -1", "Invalid weight_decay value: -1",
                   "Nesterov momentum requires a momentum and zero dampening",
                   "Nesterov momentum requires a momentum and zero dampening",
                   "Invalid learning rate: -1", "Invalid epsilon value: -1", "Invalid beta parameter at index 0: 1.0",
                   "Invalid beta parameter at index 1: -0.1", "Invalid weight_decay value: -1",
                   "Invalid learning rate: -1", "Invalid weight_decay value: -1",
                   "Invalid beta parameter at index 1: 1.5", "optimizer got an empty parameter list",
                   "can't optimize a non-leaf Tensor"]
    torch = _torch()
    assert got == _validation_errors(torch)


_rng = np.random.default_rng(1234)
W0 = _rng.standard_normal((4, 3))
X0 = _rng.standard_normal((5, 3))


def _train(t, make_opt, steps, make_sched=None, lr_writes=None):
    """float64 weights, a fixed loss; returns (weights after each step, lr sequence, optimizer, weight)."""
    w = t.nn.Parameter(t.tensor(W0.tolist(), dtype=t.float64))
    x = t.tensor(X0.tolist(), dtype=t.float64)
    opt = make_opt(t, [w])
    sched = make_sched(t, opt) if make_sched else None
    weights, lrs = [], []
    for i in range(steps):
        if lr_writes and i in lr_writes:
            opt.param_groups[0]["lr"] = lr_writes[i]
        opt.zero_grad()
        ((x @ w.T).tanh() ** 2).sum().backward()
        opt.step()
        if sched is not None:
            sched.step()
            lrs.append(sched.get_last_lr()[0])
        weights.append(w.detach().numpy().copy())
    return weights, lrs, opt, w


@pytest.mark.parametrize("kind", ["sgd", "adam", "adamw"])
def test_param_group_lr_write_takes_effect_next_step(gw, kind):
    make = {"sgd": lambda t, p: t.optim.SGD(p, lr=0.1, momentum=0.9),
            "adam": lambda t, p: t.optim.Adam(p, lr=0.1),
            "adamw": lambda t, p: t.optim.AdamW(p, lr=0.1)}[kind]
    got, _, opt, _ = _train(gw, make, 4, lr_writes={2: 0.0})
    assert opt.param_groups[0]["lr"] == 0.0
    # lr 0 from step 2 on: nothing moves any more (SGD's momentum buffer, too, is scaled by lr)
    assert np.array_equal(got[1], got[2]) and np.array_equal(got[2], got[3])
    assert not np.array_equal(got[0], got[1])
    got2, _, _, _ = _train(gw, make, 4, lr_writes={2: 0.01})
    torch = _torch()
    ref, _, _, _ = _train(torch, make, 4, lr_writes={2: 0.0})
    ref2, _, _, _ = _train(torch, make, 4, lr_writes={2: 0.01})
    for a, b in zip(got + got2, ref + ref2):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


SCHEDULERS = {
    "step": lambda t, o: t.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
    "cosine": lambda t, o: t.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.01),
}


def _cosine_closed_form(epoch, base=0.1, eta_min=0.01, T_max=10):
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * epoch / T_max)) / 2


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_lr_schedulers_match_torch(gw, name):
    make = lambda t, p: t.optim.SGD(p, lr=0.1, momentum=0.9)  # noqa: E731
    got, lrs, opt, _ = _train(gw, make, 25, SCHEDULERS[name])
    assert len(lrs) == 25
    if name == "step":
        assert lrs[:9] == [0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125]
        assert lrs == [0.1 * 0.5 ** ((e + 1) // 3) for e in range(25)]
    else:
        # the recursive form agrees with the closed form; the period is 2*T_max
        for e, lr in enumerate(lrs, start=1):
            assert lr == pytest.approx(_cosine_closed_form(e), abs=1e-12)
        assert lrs[9] == pytest.approx(0.01, abs=1e-12) and lrs[19] == pytest.approx(0.1, abs=1e-12)
    assert opt.param_groups[0]["lr"] == lrs[-1]
    assert opt.param_groups[0]["initial_lr"] == 0.1
    torch = _torch()
    ref, ref_lrs, _, _ = _train(torch, make, 25, SCHEDULERS[name])
    np.testing.assert_allclose(lrs, ref_lrs, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got[-1], ref[-1], rtol=0, atol=1e-10)


def test_adam_state_dict_structure(gw):
    _, _, opt, w = _train(gw, lambda t, p: t.optim.Adam(p, lr=0.01, betas=(0.8, 0.99)), 2)
    sd = opt.state_dict()
    assert list(sd) == ["state", "param_groups"]
    assert list(sd["state"]) == [0]
    st = sd["state"][0]
    assert sorted(st) == ["exp_avg", "exp_avg_sq", "step"]
    assert st["step"].item() == 2.0 and st["step"].shape == ()
    assert st["exp_avg"].shape == w.shape and st["exp_avg"].dtype is gw.float64
    (group,) = sd["param_groups"]
    assert group["params"] == [0] and list(group)[-1] == "params"
    assert (group["lr"], group["betas"], group["eps"], group["weight_decay"], group["amsgrad"]) == \
        (0.01, (0.8, 0.99), 1e-8, 0, False)
    torch = _torch()
    _, _, ref_opt, _ = _train(torch, lambda t, p: t.optim.Adam(p, lr=0.01, betas=(0.8, 0.99)), 2)
    ref = ref_opt.state_dict()
    assert list(sd) == list(ref)
    assert list(sd["state"]) == list(ref["state"])
    assert list(st) == list(ref["state"][0])
    assert group == ref["param_groups"][0]
    for k in st:
        np.testing.assert_allclose(st[k].numpy(), ref["state"][0][k].numpy(), rtol=0, atol=1e-14)


def test_optimizer_state_dict_reflects_client_groups(gw):
    """lr written (or initial_lr added by a scheduler) since the last step shows in state_dict, as in torch."""
    w = gw.nn.Parameter(gw.zeros(2, dtype=gw.float64))
    opt = gw.optim.SGD([w], lr=0.1)
    gw.optim.lr_scheduler.StepLR(opt, step_size=3)
    opt.param_groups[0]["lr"] = 0.5
    (group,) = opt.state_dict()["param_groups"]
    assert group["lr"] == 0.5 and group["initial_lr"] == 0.1
    assert list(group)[-2:] == ["initial_lr", "params"]
    torch = _torch()
    tw = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    topt = torch.optim.SGD([tw], lr=0.1)
    torch.optim.lr_scheduler.StepLR(topt, step_size=3)
    topt.param_groups[0]["lr"] = 0.5
    assert group == topt.state_dict()["param_groups"][0]


def test_optimizer_load_state_dict_continues_identically(gw):
    make = lambda t, p: t.optim.Adam(p, lr=0.05)  # noqa: E731
    full, _, _, _ = _train(gw, make, 4)
    _, _, opt, w = _train(gw, make, 2)
    sd = opt.state_dict()
    w2 = gw.nn.Parameter(w.detach().clone())
    opt2 = gw.optim.Adam([w2], lr=0.05)
    opt2.load_state_dict(sd)
    x = gw.tensor(X0.tolist(), dtype=gw.float64)
    for _ in range(2):
        opt2.zero_grad()
        ((x @ w2.T).tanh() ** 2).sum().backward()
        opt2.step()
    np.testing.assert_allclose(w2.detach().numpy(), full[-1], rtol=0, atol=1e-14)


# ----- nn.utils ---------------------------------------------------------------------------------------------

_A = _rng.standard_normal((4, 3))
_B = _rng.standard_normal(5)


def _clip(t, norm_type, max_norm=1.0):
    w = t.nn.Parameter(t.tensor(_A.tolist(), dtype=t.float64))
    b = t.nn.Parameter(t.tensor(_B.tolist(), dtype=t.float64))
    ((w ** 3).sum() + b.exp().sum()).backward()
    before = np.concatenate([w.grad.numpy().ravel(), b.grad.numpy().ravel()])
    norm = t.nn.utils.clip_grad_norm_([w, b], max_norm, norm_type=norm_type)
    after = np.concatenate([w.grad.numpy().ravel(), b.grad.numpy().ravel()])
    return norm, before, after


@pytest.mark.parametrize("norm_type", [2.0, float("inf"), 1.0])
def test_clip_grad_norm(gw, norm_type):
    norm, before, after = _clip(gw, norm_type)
    assert isinstance(norm, gw.Tensor) and norm.shape == () and norm.dtype is gw.float64
    assert not norm.requires_grad
    expected = np.linalg.norm(before, ord=norm_type)
    assert norm.item() == pytest.approx(expected, rel=1e-12)
    assert expected > 1.0  # so clipping happens
    np.testing.assert_allclose(after, before / (expected + 1e-6), rtol=1e-12)
    assert np.linalg.norm(after, ord=norm_type) <= 1.0
    # not clipped when already within the bound; the norm is still returned
    norm2, before2, after2 = _clip(gw, norm_type, max_norm=1e6)
    assert np.array_equal(before2, after2) and norm2.item() == pytest.approx(expected, rel=1e-12)
    torch = _torch()
    ref_norm, _, ref_after = _clip(torch, norm_type)
    assert repr(norm) == repr(ref_norm)
    assert norm.item() == pytest.approx(ref_norm.item(), rel=1e-14)
    np.testing.assert_allclose(after, ref_after, rtol=0, atol=1e-14)


def test_clip_grad_norm_single_tensor_and_nonfinite(gw):
    w = gw.nn.Parameter(gw.tensor([3.0, 4.0], dtype=gw.float64))
    (w * w).sum().backward()  # grad [6, 8], norm 10
    n = gw.nn.utils.clip_grad_norm_(w, 5.0)
    assert n.item() == pytest.approx(10.0)
    np.testing.assert_allclose(w.grad.numpy(), [3.0, 4.0], rtol=1e-6)
    w.grad = None
    (w * float("inf")).sum().backward()
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from `parameters` is "
                                           "non-finite, so it cannot be clipped"):
        gw.nn.utils.clip_grad_norm_(w, 1.0, error_if_nonfinite=True)
        gw.synchronize()


def _clip_value(t):
    w = t.nn.Parameter(t.tensor(_A.tolist(), dtype=t.float64))
    b = t.nn.Parameter(t.tensor(_B.tolist(), dtype=t.float64))
    ((w ** 3).sum() + b.exp().sum()).backward()
    before = np.concatenate([w.grad.numpy().ravel(), b.grad.numpy().ravel()])
    result = t.nn.utils.clip_grad_value_([w, b], 0.5)
    after = np.concatenate([w.grad.numpy().ravel(), b.grad.numpy().ravel()])
    return result, before, after


def test_clip_grad_value(gw):
    result, before, after = _clip_value(gw)
    assert result is None
    assert np.array_equal(after, np.clip(before, -0.5, 0.5))
    assert (np.abs(before) > 0.5).any() and (np.abs(before) < 0.5).any()
    torch = _torch()
    ref_result, _, ref_after = _clip_value(torch)
    assert ref_result is None
    assert np.array_equal(after, ref_after)


# ----- nn.functional ----------------------------------------------------------------------------------------

_X = _rng.standard_normal((6, 5))
_T = [4, 0, 2, 2, 1, 3]
_Y = _rng.standard_normal((6, 5))
_Z = (_rng.random((6, 5)) > 0.5).astype(np.float64)
_LW = _rng.standard_normal(5)
_LB = _rng.standard_normal(5)
_CW = np.array([0.5, 1.0, 2.0, 1.5, 0.25])


def _functional_cases(t):
    F = t.nn.functional
    f64 = lambda a: t.tensor(np.asarray(a).tolist(), dtype=t.float64)  # noqa: E731
    return {
        "cross_entropy": lambda x: F.cross_entropy(x, t.tensor(_T)),
        "cross_entropy_weight_sum": lambda x: F.cross_entropy(x, t.tensor(_T), weight=f64(_CW), reduction="sum"),
        "cross_entropy_smoothing": lambda x: F.cross_entropy(x, t.tensor(_T), label_smoothing=0.1),
        "cross_entropy_none": lambda x: F.cross_entropy(x, t.tensor(_T), reduction="none"),
        "nll_loss": lambda x: F.nll_loss(F.log_softmax(x, dim=1), t.tensor(_T)),
        "nll_loss_ignore_weight": lambda x: F.nll_loss(x, t.tensor([0, 1, -100, 2, 3, 4]), weight=f64(_CW)),
        "mse_loss": lambda x: F.mse_loss(x, f64(_Y)),
        "mse_loss_sum": lambda x: F.mse_loss(x, f64(_Y), reduction="sum"),
        "bce_with_logits": lambda x: F.binary_cross_entropy_with_logits(x, f64(_Z)),
        "bce_with_logits_pos_weight": lambda x: F.binary_cross_entropy_with_logits(
            x, f64(_Z), pos_weight=t.full((5,), 2.0, dtype=t.float64)),
        "softmax": lambda x: F.softmax(x, dim=1),
        "softmax_dim0": lambda x: F.softmax(x, dim=0),
        "log_softmax": lambda x: F.log_softmax(x, dim=-1),
        "layer_norm": lambda x: F.layer_norm(x, (5,), f64(_LW), f64(_LB)),
        "layer_norm_plain": lambda x: F.layer_norm(x, (5,)),
        "dropout_eval": lambda x: F.dropout(x, 0.5, training=False),
        "gelu": lambda x: F.gelu(x),
    }


def _eval_functional(t, name):
    x = t.tensor(_X.tolist(), dtype=t.float64, requires_grad=True)
    y = _functional_cases(t)[name](x)
    weights = np.cos(np.arange(int(np.prod(tuple(y.shape))))).reshape(tuple(y.shape))
    (y * t.tensor(weights.tolist(), dtype=t.float64)).sum().backward()
    return y.detach().numpy(), x.grad.numpy()


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


FUNCTIONAL_CASES = [
    "cross_entropy", "cross_entropy_weight_sum", "cross_entropy_smoothing", "cross_entropy_none", "nll_loss",
    "nll_loss_ignore_weight", "mse_loss", "mse_loss_sum", "bce_with_logits", "bce_with_logits_pos_weight",
    "softmax", "softmax_dim0", "log_softmax", "layer_norm", "layer_norm_plain", "dropout_eval", "gelu"]


@pytest.mark.parametrize("name", FUNCTIONAL_CASES)
def test_functional_values_and_grads(gw, name):
    value, grad = _eval_functional(gw, name)
    # hard-coded references computed with NumPy for a few
    logp = np.log(_softmax(_X, 1))
    numpy_ref = {
        "cross_entropy": -logp[np.arange(6), _T].mean(),
        "cross_entropy_weight_sum": -(logp[np.arange(6), _T] * _CW[_T]).sum(),
        "cross_entropy_none": -logp[np.arange(6), _T],
        "nll_loss": -logp[np.arange(6), _T].mean(),
        "mse_loss": ((_X - _Y) ** 2).mean(),
        "mse_loss_sum": ((_X - _Y) ** 2).sum(),
        "bce_with_logits": (np.maximum(_X, 0) - _X * _Z + np.log1p(np.exp(-np.abs(_X)))).mean(),
        "softmax": _softmax(_X, 1),
        "softmax_dim0": _softmax(_X, 0),
        "log_softmax": logp,
        "layer_norm_plain": (_X - _X.mean(1, keepdims=True)) / np.sqrt(_X.var(1, keepdims=True) + 1e-5),
        "dropout_eval": _X,
    }
    if name in numpy_ref:
        np.testing.assert_allclose(value, numpy_ref[name], rtol=1e-12, atol=1e-12)
    assert np.isfinite(grad).all()
    torch = _torch()
    ref_value, ref_grad = _eval_functional(torch, name)
    assert value.shape == ref_value.shape
    np.testing.assert_allclose(value, ref_value, rtol=0, atol=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=0, atol=1e-12)


def _embedding(t):
    w = t.tensor(_rng_embedding.tolist(), dtype=t.float64, requires_grad=True)
    y = t.nn.functional.embedding(t.tensor([[1, 2, 0], [9, 0, 2]]), w, padding_idx=0)
    (y * y).sum().backward()
    return y.detach().numpy(), w.grad.numpy()


_rng_embedding = _rng.standard_normal((10, 4))


def test_embedding_value_and_grad(gw):
    value, grad = _embedding(gw)
    W = _rng_embedding
    np.testing.assert_array_equal(value, W[[[1, 2, 0], [9, 0, 2]]])
    expected = np.zeros_like(W)
    expected[1] = 2 * W[1]
    expected[2] = 4 * W[2]
    expected[9] = 2 * W[9]  # row 0 is padding_idx: no gradient
    np.testing.assert_allclose(grad, expected, rtol=0, atol=1e-15)
    torch = _torch()
    ref_value, ref_grad = _embedding(torch)
    np.testing.assert_array_equal(value, ref_value)
    np.testing.assert_allclose(grad, ref_grad, rtol=0, atol=1e-15)


def test_loss_modules_with_tensor_weights(gw):
    x = gw.tensor(_X.tolist(), dtype=gw.float64, requires_grad=True)
    loss = gw.nn.CrossEntropyLoss(weight=gw.tensor(_CW.tolist(), dtype=gw.float64))(x, gw.tensor(_T))
    logp = np.log(_softmax(_X, 1))
    expected = -(logp[np.arange(6), _T] * _CW[_T]).sum() / _CW[_T].sum()
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    bce = gw.nn.BCEWithLogitsLoss(pos_weight=gw.full((5,), 3.0, dtype=gw.float64))(x, gw.tensor(_Z.tolist(),
                                                                                                   dtype=gw.float64))
    sig = 1 / (1 + np.exp(-_X))
    expected = -(3.0 * _Z * np.log(sig) + (1 - _Z) * np.log(1 - sig)).mean()
    assert bce.item() == pytest.approx(expected, rel=1e-12)


def test_dropout_training(gw):
    gw.manual_seed(0)
    x = gw.ones(200, 100, dtype=gw.float64, requires_grad=True)
    y = gw.nn.functional.dropout(x, 0.5, training=True)
    v = y.detach().numpy()
    assert set(np.unique(v).tolist()) <= {0.0, 2.0}
    assert abs((v == 0).mean() - 0.5) < 0.02  # 20000 draws: std 0.0035
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), v)  # the same mask scales the gradient
    # p=0 and p=1 edge cases; bad p
    assert gw.nn.functional.dropout(x, 0.0).detach().numpy().min() == 1.0
    assert gw.nn.functional.dropout(x, 1.0).detach().numpy().max() == 0.0
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        gw.nn.functional.dropout(x, 1.5)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got -0.1"):
        gw.nn.Dropout(-0.1)


def test_sequential_and_module_list_editing_and_reprs_match_torch(gw):
    from test_parity_api import same_as_torch
    same_as_torch(gw, """
        s = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())
        print(s[1:], s[-1])
        s.insert(1, nn.Identity()); print(s)
        print(s.pop(0), s)
        s[0] = nn.ELU(); print(s)
        del s[1]
        print(s + nn.Sequential(nn.ReLU()), len(s))
        l = nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Tanh(), nn.ReLU()])
        print(l, l[1:])
        l.insert(0, nn.Tanh()); del l[1]; print(l)
        l[0] = nn.ReLU(); print(l.pop(1), len(l))
        l += [nn.ELU()]; print(l, l + nn.ModuleList([nn.ReLU()]))
        print(nn.ModuleList(), nn.Sequential(), nn.ModuleList([nn.Linear(2, 2) for _ in range(3)]))
        for bad in (lambda: s[10], lambda: l[10]):
            try:
                bad()
            except IndexError as e:
                print(e)
    """)
    seq = gw.nn.Sequential(gw.nn.ReLU(), gw.nn.Tanh())
    del seq[0]
    assert list(seq._modules) == ["0"] and type(seq[0]).__name__ == "Tanh"
