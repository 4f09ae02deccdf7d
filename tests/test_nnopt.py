"""optim.Adafactor / Muon, nn.utils fusion / skip_init / stateless / convert_parameters / clip_grad,
lazy batch and instance norms, torch's RNN cell functions, nn.CrossMapLRN2d, nn.Container and
autograd's flags: exact values and gradchecks, and the same output as torch 2.13."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(120)


# ---- Adafactor --------------------------------------------------------------------------------------

def test_adafactor_first_steps_exact(gw):
    # a vector: the first step's variance is g*g, so the update is sign(g), scaled by
    # alpha = max(eps2, rms(p)) * min(lr, 1/sqrt(step)) (torch's relative step size)
    p = gw.nn.Parameter(gw.tensor([3.0, 4.0]))
    opt = gw.optim.Adafactor([p], lr=0.01)
    (p * gw.tensor([1.0, -2.0])).sum().backward()
    opt.step()
    alpha = np.float32(5 / math.sqrt(2) * 0.01)
    np.testing.assert_allclose(p.detach().numpy(), [3 - alpha, 4 + alpha], rtol=1e-6)
    # a matrix whose gradient is rank one: the factored estimate (row @ col / mean(row)) is g*g exactly
    w = gw.nn.Parameter(gw.tensor([[1.0, 2.0], [2.0, 4.0]]))
    opt = gw.optim.Adafactor([w], lr=0.1, weight_decay=0.5)
    (w * gw.tensor([[1.0, -2.0], [-3.0, 6.0]])).sum().backward()
    opt.step()
    rms = math.sqrt(25 / 4)
    expected = np.array([[1.0, 2.0], [2.0, 4.0]]) * (1 - 0.1 * 0.5) - rms * 0.1 * np.array([[1, -1], [-1, 1]])
    np.testing.assert_allclose(w.detach().numpy(), expected, rtol=1e-6)
    st = opt.state_dict()["state"][0]
    assert list(st) == ["step", "row_var", "col_var"]
    assert st["row_var"].shape == (2, 1) and st["col_var"].shape == (1, 2)
    np.testing.assert_allclose(st["row_var"].numpy(), [[2.5], [22.5]], rtol=1e-6)
    np.testing.assert_allclose(st["col_var"].numpy(), [[5.0, 20.0]], rtol=1e-6)


def test_adafactor_same_as_torch(gw):
    same_as_torch(gw, """
w = torch.nn.Parameter(torch.tensor([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]]))
b = torch.nn.Parameter(torch.tensor([0.5, -0.25]))
v = torch.nn.Parameter(torch.tensor([[[1.0, 2.0], [3.0, -1.0]], [[0.5, 0.5], [-2.0, 1.0]]]))
opt = torch.optim.Adafactor([{"params": [w, b]}, {"params": [v], "lr": 0.05, "maximize": True}], lr=0.1, d=2.0)
print(opt)
for i in range(3):
    opt.zero_grad()
    loss = ((w @ torch.tensor([1.0, 2.0, -1.0]) + b) ** 2).sum() + (v ** 3).sum()
    loss.backward()
    opt.step()
print(w.detach().numpy().round(5), b.detach().numpy().round(5), v.detach().numpy().round(5))
sd = opt.state_dict()
print({k: list(s) for k, s in sd["state"].items()}, sd["state"][2]["col_var"].shape, sd["state"][0]["step"])
print(sd["param_groups"])
opt2 = torch.optim.Adafactor([{"params": [w, b]}, {"params": [v]}])
opt2.load_state_dict(sd)
print(opt2.state_dict()["param_groups"][1]["lr"], opt2.state[w]["row_var"].numpy().round(4))
""")
    for bad in ("lr=-1", "beta2_decay=0.5", "eps=(-1, 1e-3)", "eps=(None, -1.0)", "d=0.5", "weight_decay=-1"):
        same_as_torch(gw, f"torch.optim.Adafactor([torch.zeros(2, requires_grad=True)], {bad})")


# ---- Muon -------------------------------------------------------------------------------------------

def test_muon_update_is_near_orthogonal(gw):
    rng = np.random.default_rng(3)
    g = rng.standard_normal((6, 4)).astype(np.float32)
    w = gw.nn.Parameter(gw.zeros(6, 4))
    opt = gw.optim.Muon([w], lr=0.5, weight_decay=0.0)
    (w * gw.tensor(g)).sum().backward()
    opt.step()
    update = -w.detach().numpy() / (0.5 * math.sqrt(6 / 4))  # the "original" lr adjustment: sqrt(max(1, A/B))
    s = np.linalg.svd(update, compute_uv=False)
    assert s.min() > 0.5 and s.max() < 1.5, s  # Newton-Schulz's quintic: singular values near 1
    assert (update * g).sum() > 0  # a descent direction
    assert list(opt.state_dict()["state"][0]) == ["momentum_buffer"]
    np.testing.assert_allclose(opt.state_dict()["state"][0]["momentum_buffer"].numpy(), 0.05 * g, rtol=1e-6)


def test_muon_same_as_torch(gw):
    same_as_torch(gw, """
w = torch.nn.Parameter(torch.tensor([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]]))
u = torch.nn.Parameter(torch.tensor([[1.0, -2.0], [0.5, 0.25], [3.0, -1.0], [2.0, 2.0]]))
opt = torch.optim.Muon([{"params": [w]}, {"params": [u], "nesterov": False, "adjust_lr_fn": "match_rms_adamw"}],
                       lr=0.1)
print(opt)
for i in range(3):
    opt.zero_grad()
    ((w ** 2 * torch.tensor([[1.0, 2.0, 3.0], [0.5, 1.0, 4.0]])).sum() + (u ** 2).sum()).backward()
    opt.step()
print(w.detach().numpy().round(3), u.detach().numpy().round(3))
sd = opt.state_dict()
print(list(sd["state"][0]), sd["param_groups"])
""")
    same_as_torch(gw, "torch.optim.Muon([torch.zeros(2, requires_grad=True)])")
    same_as_torch(gw, "torch.optim.Muon([torch.zeros(2, 2, requires_grad=True)], adjust_lr_fn='foo')")
    same_as_torch(gw, "torch.optim.Muon([torch.zeros(2, 2, requires_grad=True)], momentum=-1)")


# ---- nn.utils -----------------------------------------------------------------------------------------

def test_fuse_conv_bn_exact(gw):
    conv = gw.nn.Conv1d(1, 2, 1)
    bn = gw.nn.BatchNorm1d(2)
    with gw.no_grad():
        conv.weight.copy_(gw.tensor([[[2.0]], [[3.0]]]))
        conv.bias.copy_(gw.tensor([1.0, -1.0]))
        bn.running_mean.copy_(gw.tensor([1.0, 2.0]))
        bn.running_var.copy_(gw.tensor([4.0, 0.25]))
        bn.weight.copy_(gw.tensor([2.0, 1.0]))
        bn.bias.copy_(gw.tensor([0.5, 0.0]))
    bn.eps = 0.0
    conv.eval()
    bn.eval()
    fused = gw.nn.utils.fuse_conv_bn_eval(conv, bn)
    assert fused is not conv and type(fused.weight).__name__ == "Parameter"
    np.testing.assert_array_equal(fused.weight.detach().numpy().ravel(), [2.0, 6.0])  # w * bn_w / sqrt(var)
    np.testing.assert_array_equal(fused.bias.detach().numpy(), [0.5, -6.0])  # (b - mean) * bn_w / sqrt(var) + bn_b
    x = gw.tensor([[[1.0, -2.0, 0.5]]])
    np.testing.assert_allclose(fused(x).detach().numpy(), bn(conv(x)).detach().numpy(), rtol=1e-6)
    np.testing.assert_array_equal(conv.weight.detach().numpy().ravel(), [2.0, 3.0])  # the original is untouched


def test_nn_utils_same_as_torch(gw):
    same_as_torch(gw, """
conv = torch.nn.Conv2d(2, 3, 2)
bn = torch.nn.BatchNorm2d(3)
with torch.no_grad():
    conv.weight.copy_(torch.arange(24.).reshape(3, 2, 2, 2) / 8)
    conv.bias.copy_(torch.tensor([0.5, -0.5, 1.0]))
    bn.running_mean.copy_(torch.tensor([1.0, 2.0, -1.0]))
    bn.running_var.copy_(torch.tensor([4.0, 0.25, 1.0]))
conv.eval(); bn.eval()
f = torch.nn.utils.fuse_conv_bn_eval(conv, bn)
print(f, f.weight.detach().numpy().round(4), f.bias)
w, b = torch.nn.utils.fuse_conv_bn_weights(torch.ones(2, 3, 1), None, torch.tensor([1., 2., 3.]),
                                           torch.tensor([1., 1., 4.]), 0.0, None, None, transpose=True)
print(w, b)
lin = torch.nn.Linear(3, 2, bias=False).eval()
bn = torch.nn.BatchNorm1d(2).eval()
with torch.no_grad():
    lin.weight.copy_(torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.25]]))
    bn.running_var.copy_(torch.tensor([4.0, 0.25]))
print(torch.nn.utils.fusion.fuse_linear_bn_eval(lin, bn).bias)
print(torch.nn.utils.fuse_linear_bn_weights(torch.ones(2, 3), None, torch.tensor([1., 2.]), torch.tensor([1., 4.]),
                                            0.0, torch.tensor([2., 3.]), torch.tensor([0., 1.])))
""")
    same_as_torch(gw, "torch.nn.utils.fuse_conv_bn_eval(torch.nn.Conv2d(2, 3, 2), torch.nn.BatchNorm2d(3))")
    same_as_torch(gw, "torch.nn.utils.fuse_linear_bn_eval(torch.nn.Linear(3, 2).eval(), torch.nn.BatchNorm1d(4).eval())")
    same_as_torch(gw, """
bn = torch.nn.BatchNorm1d(2, track_running_stats=False).eval()
torch.nn.utils.fuse_linear_bn_eval(torch.nn.Linear(3, 2).eval(), bn)
""")
    same_as_torch(gw, """
m = torch.nn.utils.skip_init(torch.nn.Linear, 5, 1)
print(m, m.weight.shape, m.bias.shape, m.weight.requires_grad)
""")
    same_as_torch(gw, "torch.nn.utils.skip_init(int)")
    same_as_torch(gw, """
class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
torch.nn.utils.skip_init(M)
""")
    out = same_as_torch(gw, """
import warnings
m = torch.nn.Linear(2, 1)
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    out = torch.nn.utils.stateless.functional_call(m, {"weight": torch.tensor([[1.0, 2.0]]), "bias": torch.tensor([0.5])},
                                                  (torch.tensor([[1.0, 1.0]]),))
print(out, [(x.category.__name__, str(x.message)) for x in w])
""")
    assert "tensor([[3.5000]])" in out and "FutureWarning" in out
    same_as_torch(gw, """
m = torch.nn.Linear(2, 2)
v = torch.nn.utils.convert_parameters.parameters_to_vector(m.parameters())
print(v.shape, v.grad_fn)
torch.nn.utils.convert_parameters.vector_to_parameters(torch.arange(6.), m.parameters())
print(m.weight, m.bias)
p = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
p.grad = torch.tensor([3.0, 4.0])
print(torch.nn.utils.clip_grad.clip_grad_norm_([p], 1.0), p.grad)
""")
    same_as_torch(gw, "torch.nn.utils.vector_to_parameters([1, 2], [])")
    from gradwire.nn.utils.clip_grad import clip_grad_value_  # the module paths import
    from gradwire.nn.utils.fusion import fuse_linear_bn_weights  # noqa: F401
    p = gw.nn.Parameter(gw.tensor([1.0]))
    p.grad = gw.tensor([5.0])
    clip_grad_value_([p], 2.0)
    assert p.grad.tolist() == [2.0]


# ---- lazy norms ----------------------------------------------------------------------------------------

def test_lazy_norms(gw):
    m = gw.nn.LazyBatchNorm1d()
    assert m.has_uninitialized_params() and isinstance(m.running_mean, gw.nn.UninitializedBuffer)
    y = m(gw.tensor([[1.0, 2.0, 3.0], [3.0, 6.0, -1.0]]))
    assert type(m) is gw.nn.BatchNorm1d and m.num_features == 3
    np.testing.assert_allclose(m.running_mean.numpy(), [0.2, 0.4, 0.1], rtol=1e-6)
    np.testing.assert_allclose(m.running_var.numpy(), [1.1, 1.7, 1.7], rtol=1e-6)
    np.testing.assert_allclose(y.detach().numpy()[0], [-1, -1, 1], rtol=1e-4)
    m = gw.nn.LazyInstanceNorm2d(affine=False, track_running_stats=False)
    with pytest.warns(UserWarning, match="does not match num_features"):
        y = m(gw.arange(8.0).reshape(1, 2, 2, 2))
    # nothing was uninitialized, so num_features stays 0 (torch's too)
    assert type(m) is gw.nn.InstanceNorm2d and m.num_features == 0 and m.weight is None
    np.testing.assert_allclose(y.numpy().ravel(), [-1.3416, -0.4472, 0.4472, 1.3416] * 2, atol=1e-4)


def test_lazy_norms_same_as_torch(gw):
    same_as_torch(gw, """
m = torch.nn.LazyBatchNorm1d()
print(m, m.weight, m.running_mean, m.num_batches_tracked, m.has_uninitialized_params())
print(type(m).__name__, isinstance(m, torch.nn.BatchNorm1d), m.state_dict())
y = m(torch.tensor([[1.0, 2.0, 3.0], [3.0, 6.0, -1.0]]))
print(type(m).__name__, m, m.weight, m.running_mean, m.running_var, m.num_batches_tracked, y)
""")
    same_as_torch(gw, """
m = torch.nn.LazyBatchNorm2d(affine=False)
print(m.weight, m.running_var)
y = m(torch.arange(16.).reshape(2, 2, 2, 2))
print(m, m.running_mean, m.running_var, y.shape)
m = torch.nn.LazyBatchNorm3d(track_running_stats=False, bias=False)
print(m.bias, m.running_mean, m.num_batches_tracked)
m(torch.arange(16.).reshape(1, 2, 2, 2, 2))
print(m, m.weight, m.bias)
m = torch.nn.LazyInstanceNorm1d()
print(m.affine, m.track_running_stats, m)
m(torch.arange(12.).reshape(2, 2, 3))
print(m, m.weight, m.running_mean)
m = torch.nn.LazyBatchNorm1d()
m.load_state_dict(torch.nn.BatchNorm1d(3).state_dict())
print(m.weight.shape, m.running_mean, type(m).__name__)
""")
    same_as_torch(gw, "torch.nn.LazyBatchNorm2d()(torch.zeros(2, 3))")


# ---- RNN cell functions ----------------------------------------------------------------------------

def test_rnn_cell_functions_match_modules_and_gradcheck(gw):
    gw.manual_seed(0)
    x = gw.randn(3, 4, dtype=gw.float64, requires_grad=True)
    h = gw.randn(3, 2, dtype=gw.float64, requires_grad=True)
    c = gw.randn(3, 2, dtype=gw.float64, requires_grad=True)
    for cell, fn, states in ((gw.nn.LSTMCell(4, 2).double(), gw.lstm_cell, (h, c)),
                             (gw.nn.GRUCell(4, 2).double(), gw.gru_cell, h),
                             (gw.nn.RNNCell(4, 2).double(), gw.rnn_tanh_cell, h),
                             (gw.nn.RNNCell(4, 2, nonlinearity="relu").double(), gw.rnn_relu_cell, h)):
        weights = (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
        got, want = fn(x, states, *weights), cell(x, states)
        for a, b in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        if fn is gw.lstm_cell:
            assert gw.autograd.gradcheck(lambda x, h, c, *w: fn(x, (h, c), *w), (x, h, c, *weights))
        else:
            assert gw.autograd.gradcheck(lambda x, h, *w: fn(x, h, *w), (x, h, *weights))
    y = gw.rnn_tanh_cell(gw.tensor([[1.0, 0.0]]), gw.tensor([[0.0]]), gw.tensor([[0.5, 2.0]]), gw.tensor([[1.0]]))
    assert y.item() == pytest.approx(math.tanh(0.5))


def test_rnn_cell_functions_same_as_torch(gw):
    same_as_torch(gw, """
x = torch.tensor([[1.0, -1.0, 0.5], [0.5, 0.5, 0.5]], requires_grad=True)
h = torch.tensor([[0.25, -0.5], [0.0, 1.0]], requires_grad=True)
c = torch.tensor([[1.0, 0.5], [-1.0, 0.0]])
wi = (torch.arange(24.).reshape(8, 3) / 24 - 0.5).requires_grad_()
wh = torch.arange(16.).reshape(8, 2) / 32
bi = torch.linspace(-1, 1, 8)
hy, cy = torch.lstm_cell(x, (h, c), wi, wh, bi, bi)
print(hy, cy)
(hy.sum() + cy.sum()).backward()
print(x.grad, wi.grad.sum())
y = torch.gru_cell(x, h, wi[:6], wh[:6])
print(y, y.grad_fn)
print(torch.rnn_relu_cell(x, h, wi[:2], wh[:2], bi[:2], bi[:2]), torch.rnn_tanh_cell(x, h, wi[:2], wh[:2]).grad_fn)
""")
    for code in ("torch.lstm_cell(torch.ones(1, 3), (torch.zeros(1, 2),), torch.ones(8, 3), torch.ones(8, 2))",
                 "torch.rnn_tanh_cell(torch.ones(1, 4), torch.zeros(1, 2), torch.ones(2, 3), torch.ones(2, 2))",
                 "torch.rnn_tanh_cell(torch.ones(2, 3), torch.zeros(1, 2), torch.ones(2, 3), torch.ones(2, 2))",
                 "torch.gru_cell(torch.ones(1, 3), torch.zeros(1, 3), torch.ones(6, 3), torch.ones(6, 2))",
                 "torch.rnn_tanh_cell(torch.ones(3), torch.zeros(2), torch.ones(2, 3), torch.ones(2, 2))"):
        same_as_torch(gw, code)


# ---- CrossMapLRN2d -------------------------------------------------------------------------------------

def _cross_map_lrn_reference(x, size, alpha, beta, k):
    """torch's running-window loop, in NumPy."""
    sq = x * x
    channels = x.shape[1]
    pre_pad = int((size - 1) / 2 + 1)
    scale = np.zeros_like(x)
    scale[:, 0] = sq[:, :min(pre_pad, channels)].sum(1)
    for c in range(1, channels):
        scale[:, c] = scale[:, c - 1]
        if c < channels - pre_pad + 1:
            scale[:, c] += sq[:, c + pre_pad - 1]
        if c > pre_pad:
            scale[:, c] -= sq[:, c - pre_pad]
    return x * (scale * alpha / size + k) ** -beta


def test_cross_map_lrn2d(gw):
    x = (np.arange(2 * 7 * 2 * 2, dtype=np.float64).reshape(2, 7, 2, 2) / 30 - 0.5)
    for size in (1, 3, 4, 5):
        m = gw.nn.CrossMapLRN2d(size, alpha=0.5, beta=0.75, k=2)
        y = m(gw.tensor(x))
        np.testing.assert_allclose(y.numpy(), _cross_map_lrn_reference(x, size, 0.5, 0.75, 2), rtol=1e-12)
    same_as_torch(gw, """
m = torch.nn.CrossMapLRN2d(3, alpha=0.5, beta=0.75, k=2)
print(m)
x = (torch.arange(2 * 5 * 2 * 2.).reshape(2, 5, 2, 2) / 20 - 0.5).requires_grad_()
y = m(x)
print(y.detach().numpy().round(5), type(y.grad_fn).__name__)
(y * torch.arange(40.).reshape(2, 5, 2, 2)).sum().backward()
print(x.grad.numpy().round(4))
""")
    same_as_torch(gw, "torch.nn.CrossMapLRN2d(3)(torch.ones(2, 3, 4))")


# ---- nn.Container, module paths, autograd flags -----------------------------------------------------------

def test_container_and_module_paths(gw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c = gw.nn.Container(a=gw.nn.Linear(2, 2), b=gw.nn.ReLU())
    assert [w.category for w in caught] == [FutureWarning]
    assert list(dict(c.named_children())) == ["a", "b"]
    import gradwire.nn.modules.batchnorm as batchnorm
    assert batchnorm._BatchNorm is gw.nn.modules._BatchNorm
    same_as_torch(gw, """
import warnings
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    c = torch.nn.modules.container.Container(a=torch.nn.Linear(2, 2), b=torch.nn.ReLU())
print(c, [str(x.message) for x in w])
print(torch.nn.modules.linear.Linear is torch.nn.Linear, torch.nn.modules.container.Sequential.__name__)
""")


def test_autograd_flags(gw):
    ag = gw.autograd
    assert ag.is_multithreading_enabled() and not ag.is_view_replay_enabled()
    with ag._force_original_view_tracking(True):
        assert ag.is_view_replay_enabled()
    assert not ag.is_view_replay_enabled()
    same_as_torch(gw, """
print(torch.autograd.is_multithreading_enabled())
with torch.autograd.set_multithreading_enabled(False):
    print(torch.autograd.is_multithreading_enabled())
print(torch.autograd.is_multithreading_enabled())
torch.autograd.set_multithreading_enabled(False)
print(torch.autograd.is_multithreading_enabled())
torch.autograd.set_multithreading_enabled(True)
@torch.autograd._force_original_view_tracking(True)
def f():
    return torch.autograd.is_view_replay_enabled()
print(torch.autograd.is_view_replay_enabled(), f(), torch.autograd.is_view_replay_enabled())
@torch.autograd.set_multithreading_enabled(False)
def g():
    return torch.autograd.is_multithreading_enabled()
print(torch.autograd.is_multithreading_enabled(), g(), torch.autograd.is_multithreading_enabled())
torch.autograd.set_multithreading_enabled(True)
with torch.autograd.enforce_grad_layout_policy(False):
    x = torch.ones(2, requires_grad=True)
    (x * 2).sum().backward()
print(x.grad, torch.autograd.grad_mode.no_grad is torch.no_grad)
""")


def test_rnn_functions_match_modules(gw):
    gw.manual_seed(1)
    x = gw.randn(3, 2, 4, dtype=gw.float64, requires_grad=True)
    gru = gw.nn.GRU(4, 2, num_layers=2, bidirectional=True).double()
    h = gw.zeros(4, 2, 2, dtype=gw.float64)
    out, h_n = gw.gru(x, h, gru._flat_weights, True, 2, 0.0, False, True, False)
    ref, ref_h = gru(x, h)
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    np.testing.assert_array_equal(h_n.detach().numpy(), ref_h.detach().numpy())
    assert gw.autograd.gradcheck(lambda x: gw.gru(x, h, gru._flat_weights, True, 2, 0.0, False, True, False)[0], (x,))
    lstm = gw.nn.LSTM(4, 2, batch_first=True)
    xf = x.detach().float()
    hc = (gw.zeros(1, 3, 2), gw.zeros(1, 3, 2))
    out, h_n, c_n = gw.lstm(xf, hc, lstm._flat_weights, True, 1, 0.0, False, False, True)
    ref, (ref_h, ref_c) = lstm(xf, hc)
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    np.testing.assert_array_equal(c_n.detach().numpy(), ref_c.detach().numpy())
    same_as_torch(gw, """
r = torch.nn.RNN(3, 2, nonlinearity="relu", bias=False, batch_first=True)
x = (torch.arange(60.).reshape(4, 5, 3) / 60 - 0.5)
out = torch.rnn_relu(x, torch.zeros(1, 4, 2), r._flat_weights, False, 1, 0.0, False, False, True)
print(len(out), (out[0] - r(x)[0]).abs().max().item(), out[0].grad_fn, out[1].grad_fn)
r = torch.nn.RNN(3, 2)
out = torch.rnn_tanh(x, torch.zeros(1, 5, 2), r._flat_weights, True, 1, 0.0, False, False, False)
print(len(out), (out[0] - r(x)[0]).abs().max().item(), out[0].grad_fn)
l = torch.nn.LSTM(3, 2)
out = torch.lstm(x, (torch.zeros(1, 5, 2), torch.zeros(1, 5, 2)), l._flat_weights, True, 1, 0.0, False, False, False)
print(len(out), out[0].grad_fn, (out[0] - l(x)[0]).abs().max().item())
""")


def test_module_and_parameter_fixes(gw):
    m = gw.nn.Sequential(gw.nn.Linear(2, 3), gw.nn.Linear(3, 1))
    assert m.to_empty(device="cpu") is m and m[0].weight.shape == (3, 2)
    with pytest.raises(RuntimeError, match="^Only Tensors of floating point and complex dtype"):
        gw.nn.Parameter(gw.tensor([1, 2]))
    assert gw.nn.Parameter(gw.tensor([1, 2]), requires_grad=False).tolist() == [1, 2]
    lazy = gw.nn.LazyBatchNorm1d()
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        lazy.weight.shape  # noqa: B018
    same_as_torch(gw, "torch.nn.Parameter(torch.ones(2, dtype=torch.long))")
    same_as_torch(gw, "torch.nn.BatchNorm1d(3).load_state_dict(torch.nn.LazyBatchNorm1d().state_dict())")
    same_as_torch(gw, "torch.nn.utils.skip_init(torch.nn.Linear(2, 2))")
    same_as_torch(gw, """
m = torch.nn.Sequential(torch.nn.LazyLinear(4), torch.nn.LazyBatchNorm1d(), torch.nn.ReLU())
print(m)
y = m(torch.ones(3, 2))
print(m, y.shape, m[1].running_var)
print(m.to_empty(device="cpu")[0].weight.shape)
""")


def test_torch_class_paths(gw):
    assert gw.nn.Linear.__module__ == "torch.nn.modules.linear"
    assert gw.optim.SGD.__module__ == "torch.optim.sgd" and gw.optim.Muon.__module__ == "torch.optim"
    assert gw.typename(gw.nn.ReLU()) == "torch.nn.modules.activation.ReLU"
    same_as_torch(gw, """
print(type(torch.nn.Linear(1, 1)), torch.nn.LSTM, torch.nn.Module, torch.nn.modules.batchnorm._BatchNorm)
print(torch.typename(torch.nn.ReLU()), torch.nn.CrossEntropyLoss, torch.nn.LazyBatchNorm1d().cls_to_become)
w = torch.nn.Parameter(torch.tensor([1.0]))
opt = torch.optim.SGD([w], lr=0.1)
s = torch.optim.lr_scheduler.StepLR(opt, 1)
print(s, type(opt), torch.optim.Adam, torch.optim.Optimizer, torch.optim.Adafactor, torch.optim.lr_scheduler.ReduceLROnPlateau)
print(torch.optim.swa_utils.AveragedModel, torch.nn.parameter.UninitializedParameter, torch.nn.UninitializedBuffer)
""")


def test_register_backward_hook(gw):
    seen = []
    m = gw.nn.ReLU()
    m.register_backward_hook(lambda mod, gi, go: seen.append((mod, gi[0].tolist(), go[0].tolist())) or (gi[0] * 3,))
    x = gw.tensor([1.0, -2.0, 4.0], requires_grad=True)
    with pytest.warns(FutureWarning, match="the forward contains multiple autograd Nodes"):  # x is a leaf
        y = m(x)
    (y * gw.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert seen == [(m, [1.0, 0.0, 3.0], [1.0, 2.0, 3.0])]
    assert x.grad.tolist() == [3.0, 0.0, 9.0]
    with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks and full backward hooks"):
        m.register_full_backward_hook(lambda *a: None)
    same_as_torch(gw, """
import warnings
m = torch.nn.Linear(2, 1)
m.register_backward_hook(lambda mod, gi, go: print('hook', [None if g is None else tuple(g.shape) for g in gi],
                                                   [tuple(g.shape) for g in go]))
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    y = m(torch.ones(3, 2, requires_grad=True))
print([str(x.message) for x in w], [x.category.__name__ for x in w])
y.sum().backward()
print(m.weight.grad)
class Two(torch.nn.Module):
    def forward(self, x):
        return x * 2, x + 1
m = Two()
m.register_backward_hook(lambda mod, gi, go: print("two", len(gi), len(go)))
x = torch.ones(2, requires_grad=True)
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    a, b = m(x)
print([str(x.message) for x in w])
(a.sum() + b.sum()).backward()
class One(torch.nn.Module):
    def forward(self, x):
        return x.exp()
m = One()
m.register_backward_hook(lambda mod, gi, go: print("one", len(gi)))
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    out = m(x.sin())
print(len(w))
out.sum().backward()
""")
    same_as_torch(gw, """
m = torch.nn.Linear(2, 2)
m.register_full_backward_hook(lambda *a: None)
m.register_backward_hook(lambda *a: None)
""")


def test_sparse_adam(gw):
    w = gw.nn.Parameter(gw.ones(2))
    opt = gw.optim.SparseAdam([w], lr=0.1)
    assert opt.step() is None  # no gradients: nothing to refuse
    (w * 2).sum().backward()
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients"):
        opt.step()
    assert w.tolist() == [1.0, 1.0]
    same_as_torch(gw, """
w = torch.nn.Parameter(torch.ones(2))
opt = torch.optim.SparseAdam([w], lr=0.1)
print(opt, torch.optim.SparseAdam, opt.state_dict())
(w * 2).sum().backward()
opt.step()
""")
    same_as_torch(gw, "torch.optim.SparseAdam([torch.nn.Parameter(torch.ones(2))], lr=0.0)")


def test_optimizer_load_state_dict_and_checks(gw):
    w = gw.nn.Parameter(gw.ones(1))
    opt = gw.optim.SGD([w], lr=1.0)
    sd = opt.state_dict()
    gw.optim.lr_scheduler.ExponentialLR(opt, 0.5)
    assert "initial_lr" in opt.param_groups[0]
    opt.load_state_dict(sd)  # the saved groups replace the groups: initial_lr goes, params come last
    assert list(opt.param_groups[0])[-1] == "params" and "initial_lr" not in opt.param_groups[0]
    with pytest.raises(ValueError, match="different number of parameter groups"):  # at once, not at a sync
        opt.load_state_dict({"state": {}, "param_groups": []})
    same_as_torch(gw, """
w = torch.nn.Parameter(torch.ones(1))
opt = torch.optim.SGD([w], lr=1.0)
sd = opt.state_dict()
s = torch.optim.lr_scheduler.ExponentialLR(opt, 0.5)
opt.load_state_dict(sd)
print(opt.param_groups[0])
(w * 2).sum().backward()
opt.step()
print(w)
""")
    for code in ("torch.optim.Adam([torch.nn.Parameter(torch.ones(2))], betas=(torch.tensor(0.9), 0.99))",
                 "torch.optim.Adam([torch.nn.Parameter(torch.ones(2))], betas=(0.9, 1))",
                 "torch.optim.Adam([torch.nn.Parameter(torch.ones(2))], lr=torch.tensor([0.1, 0.2]))",
                 "torch.optim.SGD([torch.nn.Parameter(torch.ones(2))], lr=torch.tensor([0.1, 0.2]))",
                 "torch.optim.Adam([torch.nn.Parameter(torch.ones(2))], lr=torch.tensor(0.1), foreach=True)",
                 "torch.optim.AdamW([torch.nn.Parameter(torch.ones(2))], betas=(torch.tensor([0.9, 0.8]), torch.tensor(0.9)))"):
        same_as_torch(gw, code)


def test_module_compile(gw):
    m = gw.nn.Linear(2, 1)
    assert m.compile(mode="max-autotune") is None
    with gw.no_grad():
        m.weight.fill_(2.0)
        m.bias.fill_(0.5)
    assert m(gw.ones(1, 2)).tolist() == [[4.5]]  # (torch's returns None too; calling it here would load dynamo)


def test_module_tables_are_plain_dicts(gw):
    m = gw.nn.Linear(2, 2)
    assert type(m._parameters) is dict and type(m._buffers) is dict and type(m._modules) is dict
    same_as_torch(gw, "m = torch.nn.Linear(2, 2)\nprint(m._parameters.keys(), m._buffers, m._modules)")


def test_optimizer_state_tensors_are_live(gw):
    w = gw.nn.Parameter(gw.tensor([1.0, 2.0]))
    opt = gw.optim.SGD([w], lr=0.1, momentum=0.9)
    (w ** 2).sum().backward()
    opt.step()  # buffer = g = [2, 4]; w = [0.8, 1.6]
    assert opt.state[w]["momentum_buffer"].tolist() == [2.0, 4.0]
    opt.state[w]["momentum_buffer"].zero_()  # the optimizer's own buffer, as in torch
    opt.step()  # buffer = 0 * 0.9 + g = [2, 4] again: w = [0.6, 1.2]
    np.testing.assert_allclose(w.detach().numpy(), [0.6, 1.2], rtol=1e-6)
    sd = opt.state_dict()
    opt.step()  # a state_dict's tensors are the state's, so they move with it
    np.testing.assert_allclose(sd["state"][0]["momentum_buffer"].numpy(), [3.8, 7.6], rtol=1e-6)
    same_as_torch(gw, """
w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
opt = torch.optim.Adam([w], lr=0.1)
(w ** 2).sum().backward()
opt.step()
sd = opt.state_dict()
before = sd["state"][0]["exp_avg"].clone()
opt.step()
print(torch.equal(before, sd["state"][0]["exp_avg"]), sd["state"][0]["step"])
opt.state[w]["step"].fill_(10.0)
opt.step()
print(opt.state[w]["step"], w)
""")
