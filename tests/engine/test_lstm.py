"""The fused LSTM (engine/nn/lstm.py): values, gradients, gradcheck, torch's checks and texts.

Without torch: an independent naive reference (scalar loops over gates), hard-coded values and
float64 gradcheck.  With torch: forward values and gradients against torch.nn.LSTM to 1e-10.
"""
import math

import numpy as np
import pytest

import gradwire.engine as E
from gradwire.engine.autograd import grad, gradcheck
from gradwire.engine.function import FREED_MESSAGE
from gradwire.engine.nn.lstm import TWICE_MESSAGE, lstm

pytestmark = pytest.mark.timeout(60)


# ---- helpers -----------------------------------------------------------------------------------

def make_params(rng, d_in, hidden, num_layers, bias=True, scale=0.5):
    arrays = []
    for k in range(num_layers):
        arrays.append(rng.standard_normal((4 * hidden, d_in if k == 0 else hidden)) * scale)
        arrays.append(rng.standard_normal((4 * hidden, hidden)) * scale)
        if bias:
            arrays.append(rng.standard_normal(4 * hidden) * scale)
            arrays.append(rng.standard_normal(4 * hidden) * scale)
    return arrays


def leaves(arrays):
    return [E.tensor(a.copy(), requires_grad=True) for a in arrays]


def sig(v):
    return 1.0 / (1.0 + math.exp(-v))


def naive_lstm(x, params, h0, c0, num_layers, bias=True):
    """Time-major (L, N, D) float arrays; a scalar loop per gate unit, written independently of the kernel."""
    L, N, _ = x.shape
    H = params[1].shape[1]
    per = 4 if bias else 2
    layer_in = x
    h_n = np.zeros((num_layers, N, H))
    c_n = np.zeros((num_layers, N, H))
    for k in range(num_layers):
        w_ih, w_hh = params[per * k], params[per * k + 1]
        b = params[per * k + 2] + params[per * k + 3] if bias else np.zeros(4 * H)
        out = np.zeros((L, N, H))
        for n in range(N):
            h = list(h0[k, n])
            c = list(c0[k, n])
            for t in range(L):
                pre = [b[r] + sum(w_ih[r, j] * layer_in[t, n, j] for j in range(w_ih.shape[1]))
                       + sum(w_hh[r, j] * h[j] for j in range(H)) for r in range(4 * H)]
                i = [sig(pre[u]) for u in range(H)]
                f = [sig(pre[H + u]) for u in range(H)]
                g = [math.tanh(pre[2 * H + u]) for u in range(H)]
                o = [sig(pre[3 * H + u]) for u in range(H)]
                c = [f[u] * c[u] + i[u] * g[u] for u in range(H)]
                h = [o[u] * math.tanh(c[u]) for u in range(H)]
                out[t, n] = h
            h_n[k, n] = h
            c_n[k, n] = c
        layer_in = out
    return layer_in, h_n, c_n


def arr(t):
    return t.detach().numpy()


# ---- values without torch ----------------------------------------------------------------------

def test_hand_computed_single_unit():
    # input_size 1, hidden 1: every gate pre-activation is w_ih * x + w_hh * h + b
    f64 = E.float64
    w_ih = E.tensor([[0.5], [-0.25], [1.0], [0.75]], dtype=f64)
    w_hh = E.tensor([[0.1], [0.2], [-0.3], [0.4]], dtype=f64)
    b_ih = E.tensor([0.0, 0.1, 0.0, -0.1], dtype=f64)
    b_hh = E.tensor([0.05, 0.0, 0.2, 0.0], dtype=f64)
    x = E.tensor([[[1.0]], [[-2.0]]], dtype=f64)  # (L=2, N=1, 1)
    out, h_n, c_n = lstm(x, [w_ih, w_hh, b_ih, b_hh])
    h, c = 0.0, 0.0
    for xv in (1.0, -2.0):
        i = sig(0.5 * xv + 0.1 * h + 0.05)
        f = sig(-0.25 * xv + 0.2 * h + 0.1)
        g = math.tanh(1.0 * xv - 0.3 * h + 0.2)
        o = sig(0.75 * xv + 0.4 * h - 0.1)
        c = f * c + i * g
        h = o * math.tanh(c)
    assert out.shape == (2, 1, 1) and h_n.shape == (1, 1, 1) and c_n.shape == (1, 1, 1)
    assert abs(arr(out)[1, 0, 0] - h) < 1e-14
    assert abs(arr(h_n)[0, 0, 0] - h) < 1e-14
    assert abs(arr(c_n)[0, 0, 0] - c) < 1e-14
    assert abs(arr(out)[0, 0, 0] - 0.3182220394) < 1e-9  # sig(.65) * tanh(sig(.55) * tanh(1.2)) at t=0


@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("with_hx", [True, False])
def test_matches_naive_reference(num_layers, bias, with_hx):
    rng = np.random.default_rng(num_layers * 10 + bias * 2 + with_hx)
    L, N, D, H = 3, 2, 3, 4
    params = make_params(rng, D, H, num_layers, bias)
    x = rng.standard_normal((L, N, D))
    h0 = rng.standard_normal((num_layers, N, H)) if with_hx else np.zeros((num_layers, N, H))
    c0 = rng.standard_normal((num_layers, N, H)) if with_hx else np.zeros((num_layers, N, H))
    hx = (E.tensor(h0), E.tensor(c0)) if with_hx else None
    out, h_n, c_n = lstm(E.tensor(x), leaves(params), hx, num_layers=num_layers, bias=bias)
    r_out, r_h, r_c = naive_lstm(x, params, h0, c0, num_layers, bias)
    np.testing.assert_allclose(arr(out), r_out, rtol=0, atol=1e-12)
    np.testing.assert_allclose(arr(h_n), r_h, rtol=0, atol=1e-12)
    np.testing.assert_allclose(arr(c_n), r_c, rtol=0, atol=1e-12)
    assert out.grad_fn.name() == "LstmBackward0"
    assert h_n.grad_fn is out.grad_fn and c_n.grad_fn is out.grad_fn


def test_layouts_batch_first_and_unbatched():
    rng = np.random.default_rng(5)
    L, N, D, H = 4, 3, 2, 3
    params = make_params(rng, D, H, 2)
    x = rng.standard_normal((L, N, D))
    h0 = rng.standard_normal((2, N, H))
    c0 = rng.standard_normal((2, N, H))
    ref, ref_h, ref_c = (arr(t) for t in lstm(E.tensor(x), leaves(params), (E.tensor(h0), E.tensor(c0))))
    # batch_first: (N, L, D) in, (N, L, H) out; h_n/c_n stay (num_layers, N, H)
    out, h_n, c_n = lstm(E.tensor(x.transpose(1, 0, 2).copy()), leaves(params), (E.tensor(h0), E.tensor(c0)),
                         batch_first=True)
    assert out.shape == (N, L, H)
    np.testing.assert_allclose(arr(out), ref.transpose(1, 0, 2), rtol=0, atol=1e-14)
    np.testing.assert_allclose(arr(h_n), ref_h, rtol=0, atol=1e-14)
    np.testing.assert_allclose(arr(c_n), ref_c, rtol=0, atol=1e-14)
    # unbatched: (L, D) in, (L, H) out, (num_layers, H) states; batch_first is irrelevant
    for bf in (False, True):
        out, h_n, c_n = lstm(E.tensor(x[:, 1].copy()), leaves(params), (E.tensor(h0[:, 1].copy()),
                                                                        E.tensor(c0[:, 1].copy())), batch_first=bf)
        assert out.shape == (L, H) and h_n.shape == (2, H) and c_n.shape == (2, H)
        np.testing.assert_allclose(arr(out), ref[:, 1], rtol=0, atol=1e-14)
        np.testing.assert_allclose(arr(h_n), ref_h[:, 1], rtol=0, atol=1e-14)
        np.testing.assert_allclose(arr(c_n), ref_c[:, 1], rtol=0, atol=1e-14)


def test_float32_and_no_grad():
    rng = np.random.default_rng(6)
    params = make_params(rng, 3, 4, 2)
    x = rng.standard_normal((5, 2, 3))
    with E.no_grad():
        out, h_n, c_n = lstm(E.tensor(x, dtype=E.float32), [E.tensor(p, dtype=E.float32) for p in params])
    assert out.dtype is E.float32 and h_n.dtype is E.float32 and out.grad_fn is None
    r_out, _, _ = naive_lstm(x, params, np.zeros((2, 2, 4)), np.zeros((2, 2, 4)), 2)
    np.testing.assert_allclose(arr(out), r_out, rtol=0, atol=1e-5)


# ---- gradients without torch ------------------------------------------------------------------

def _all_inputs(rng, L=4, N=2, D=3, H=5, num_layers=2, bias=True, unbatched=False):
    x = E.tensor(rng.standard_normal((L, D) if unbatched else (L, N, D)), requires_grad=True)
    hs = (num_layers, H) if unbatched else (num_layers, N, H)
    h0 = E.tensor(rng.standard_normal(hs), requires_grad=True)
    c0 = E.tensor(rng.standard_normal(hs), requires_grad=True)
    return x, h0, c0, leaves(make_params(rng, D, H, num_layers, bias))


def test_gradcheck_two_layers_all_inputs():
    x, h0, c0, ps = _all_inputs(np.random.default_rng(7))
    assert gradcheck(lambda x, h0, c0, *p: lstm(x, list(p), (h0, c0)), (x, h0, c0, *ps))


def test_gradcheck_batch_first_no_bias_three_layers():
    rng = np.random.default_rng(8)
    x, h0, c0, ps = _all_inputs(rng, L=3, N=2, D=2, H=3, num_layers=3, bias=False)
    xb = E.tensor(arr(x).transpose(1, 0, 2).copy(), requires_grad=True)
    assert gradcheck(lambda x, h0, c0, *p: lstm(x, list(p), (h0, c0), bias=False, batch_first=True),
                     (xb, h0, c0, *ps))


def test_gradcheck_unbatched_and_default_state():
    rng = np.random.default_rng(9)
    x, h0, c0, ps = _all_inputs(rng, L=3, D=2, H=3, unbatched=True)
    assert gradcheck(lambda x, h0, c0, *p: lstm(x, list(p), (h0, c0)), (x, h0, c0, *ps))
    assert gradcheck(lambda x, *p: lstm(x, list(p)), (x, *ps))


def test_gradcheck_non_contiguous_inputs():
    rng = np.random.default_rng(10)
    x, h0, c0, ps = _all_inputs(rng, L=3, N=2, D=3, H=3)
    xt = E.tensor(arr(x).transpose(2, 1, 0).copy(), requires_grad=True)       # (D, N, L)
    wt = E.tensor(arr(ps[0]).T.copy(), requires_grad=True)                   # (D, 4H)

    def fn(xt, wt, h0, c0, *rest):
        return lstm(E.permute(xt, 2, 1, 0), [E.t(wt), *rest], (h0, c0))  # transposed views go in
    assert not E.permute(xt, 2, 1, 0).array.flags.c_contiguous
    assert gradcheck(fn, (xt, wt, h0, c0, *ps[1:]))


def test_gradcheck_dropout_between_layers():
    rng = np.random.default_rng(11)
    x, h0, c0, ps = _all_inputs(rng, L=3, N=2, D=2, H=3)

    def fn(x, *p):
        E.manual_seed(3)  # the same masks on every call
        return lstm(x, list(p), dropout=0.4, training=True)
    assert gradcheck(fn, (x, *ps))


def test_dropout_draws_from_the_current_generator():
    rng = np.random.default_rng(12)
    x, _, _, ps = _all_inputs(rng, L=5, N=3, D=2, H=4)
    E.manual_seed(0)
    a = arr(lstm(x, ps, dropout=0.5, training=True)[0])
    E.manual_seed(0)
    b = arr(lstm(x, ps, dropout=0.5, training=True)[0])
    c = arr(lstm(x, ps, dropout=0.5, training=False)[0])
    d = arr(lstm(x, ps, dropout=0.0, training=True)[0])
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-3
    np.testing.assert_array_equal(c, d)
    zero = arr(lstm(x, ps, dropout=1.0, training=True)[0])  # layer 1 sees zeros
    ref = arr(lstm(E.zeros(5, 3, 4, dtype=E.float64), ps[4:])[0])
    np.testing.assert_allclose(zero, ref, rtol=0, atol=1e-15)


def test_partial_needs_and_unused_outputs():
    rng = np.random.default_rng(13)
    x, h0, c0, ps = _all_inputs(rng)
    ref = grad(lstm(x, ps, (h0, c0))[0].sum() + lstm(x, ps, (h0, c0))[1].sum() * 0, [x, h0, c0, *ps])
    # only the top layer's weights need grad: lower layers are not differentiated
    x2 = x.detach()
    top = [p.detach().requires_grad_(k >= 4) for k, p in enumerate(ps)]
    out, _, _ = lstm(x2, top)
    gs = grad(out.sum(), top[4:])
    ref_top = grad(lstm(x2, ps)[0].sum(), ps[4:])
    for a, b in zip(gs, ref_top):
        np.testing.assert_allclose(arr(a), arr(b), rtol=0, atol=1e-13)
    # only c_n used: d_out and d_hn reach backward as None
    _, _, c_n = lstm(x, ps, (h0, c0))
    g_c = grad(c_n.sum(), [x, h0, c0])
    assert all(g.shape == t.shape for g, t in zip(g_c, (x, h0, c0)))
    assert np.abs(arr(g_c[0])).sum() > 0
    # sum of losses = sum of gradients (linearity through the None-handling paths)
    _, h_n, c_n = lstm(x, ps, (h0, c0))
    g_h = grad(h_n.sum(), [x])[0]
    _, h_n, c_n = lstm(x, ps, (h0, c0))
    g_hc = grad(h_n.sum() + c_n.sum(), [x])[0]
    np.testing.assert_allclose(arr(g_hc), arr(g_h) + arr(g_c[0]), rtol=0, atol=1e-13)
    assert ref[0].shape == x.shape


def test_backward_twice_and_double_backward_raise():
    rng = np.random.default_rng(14)
    x, h0, c0, ps = _all_inputs(rng)
    out, h_n, _ = lstm(x, ps, (h0, c0))
    loss = out.sum() + h_n.sum()
    loss.backward()
    with pytest.raises(RuntimeError) as e:
        loss.backward()
    assert str(e.value) == FREED_MESSAGE
    out, h_n, _ = lstm(x, ps, (h0, c0))
    gx, gw = grad(out.sum(), [x, ps[0]], create_graph=True)
    # first order is right even under create_graph
    np.testing.assert_allclose(arr(gx), arr(grad(lstm(x, ps, (h0, c0))[0].sum(), [x])[0]), rtol=0, atol=1e-14)
    assert gx.grad_fn.name() == "torch::autograd::Error"
    with pytest.raises(RuntimeError) as e:
        (gx.sum() + gw.sum()).backward()
    assert str(e.value) == TWICE_MESSAGE


def test_inplace_change_of_a_weight_is_detected():
    rng = np.random.default_rng(15)
    x, _, _, ps = _all_inputs(rng)
    w = ps[1].detach()
    w.requires_grad_()
    out, _, _ = lstm(x, [ps[0], w, *ps[2:]])
    with E.no_grad():
        w.zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


# ---- checks and texts (torch 2.13's) -------------------------------------------------------------

def _module_like(D=10, H=20, num_layers=2):
    rng = np.random.default_rng(16)
    return leaves(make_params(rng, D, H, num_layers))


@pytest.mark.parametrize("call,exc,text", [
    (lambda ps: lstm(E.zeros(5, 3, 7, dtype=E.float64), ps), RuntimeError,
     "input.size(-1) must be equal to input_size. Expected 10, got 7"),
    (lambda ps: lstm(E.zeros(5, 3, 10, dtype=E.float64), ps,
                     (E.zeros(1, 3, 20, dtype=E.float64), E.zeros(2, 3, 20, dtype=E.float64))), RuntimeError,
     "Expected hidden[0] size (2, 3, 20), got [1, 3, 20]"),
    (lambda ps: lstm(E.zeros(5, 3, 10, dtype=E.float64), ps,
                     (E.zeros(2, 3, 20, dtype=E.float64), E.zeros(2, 4, 20, dtype=E.float64))), RuntimeError,
     "Expected hidden[1] size (2, 3, 20), got [2, 4, 20]"),
    (lambda ps: lstm(E.zeros(3, 5, 10, dtype=E.float64), ps,
                     (E.zeros(2, 5, 20, dtype=E.float64), E.zeros(2, 3, 20, dtype=E.float64)), batch_first=True),
     RuntimeError, "Expected hidden[0] size (2, 3, 20), got [2, 5, 20]"),
    (lambda ps: lstm(E.zeros(5, 10, dtype=E.float64), ps,
                     (E.zeros(2, 3, 20, dtype=E.float64), E.zeros(2, 4, 20, dtype=E.float64))), RuntimeError,
     "For unbatched 2-D input, hx and cx should also be 2-D but got (3-D, 3-D) tensors"),
    (lambda ps: lstm(E.zeros(5, 3, 10, dtype=E.float64), ps,
                     (E.zeros(2, 20, dtype=E.float64), E.zeros(2, 3, 20, dtype=E.float64))), RuntimeError,
     "For batched 3-D input, hx and cx should also be 3-D but got (2-D, 3-D) tensors"),
    (lambda ps: lstm(E.zeros(5, 10, dtype=E.float64), ps,
                     (E.zeros(3, 20, dtype=E.float64), E.zeros(2, 20, dtype=E.float64))), RuntimeError,
     "Expected hidden[0] size (2, 1, 20), got [3, 1, 20]"),
    (lambda ps: lstm(E.zeros(5, 10, dtype=E.float64), ps,
                     (E.zeros(2, 20, dtype=E.float64), E.zeros(2, 21, dtype=E.float64))), RuntimeError,
     "Expected hidden[1] size (2, 1, 20), got [2, 1, 21]"),
    (lambda ps: lstm(E.zeros(5, 3, 10, dtype=E.float32), ps), ValueError,
     "RNN input dtype (torch.float32) does not match weight dtype (torch.float64). Convert input: "
     "input.to(torch.float64), or convert model: model.to(torch.float32)"),
    (lambda ps: lstm(E.zeros(2, 5, 3, 10, dtype=E.float64), ps), ValueError,
     "LSTM: Expected input to be 2D or 3D, got 4D instead"),
    (lambda ps: lstm(E.zeros(10, dtype=E.float64), ps), ValueError,
     "LSTM: Expected input to be 2D or 3D, got 1D instead"),
    (lambda ps: lstm(E.zeros(0, 3, 10, dtype=E.float64), ps), RuntimeError,
     "Expected sequence length to be larger than 0 in RNN"),
    (lambda ps: lstm(E.zeros(5, 3, 10, dtype=E.float64), ps[:6]), RuntimeError,
     "got an incorrect number of RNN parameters"),
    (lambda ps: lstm(E.zeros(5, 3, 10, dtype=E.float64), ps, dropout=1.5, training=True), RuntimeError,
     "dropout probability has to be between 0 and 1, but got 1.5"),
])
def test_error_texts(call, exc, text):
    with pytest.raises(exc) as e:
        call(_module_like())
    assert str(e.value) == text


def test_not_implemented_and_weight_shapes():
    ps = _module_like()
    x = E.zeros(5, 3, 10, dtype=E.float64)
    with pytest.raises(NotImplementedError, match="bidirectional"):
        lstm(x, ps, bidirectional=True)
    with pytest.raises(NotImplementedError, match="proj_size"):
        lstm(x, ps, proj_size=5)
    bad = list(ps)
    bad[5] = E.zeros(80, 19, dtype=E.float64)
    with pytest.raises(RuntimeError, match=r"weight_hh_l1 must have shape \[80, 20\], got \[80, 19\]"):
        lstm(x, bad)
    out, _, _ = lstm(E.zeros(5, 0, 10, dtype=E.float64), ps)  # an empty batch is fine, as in torch
    assert out.shape == (5, 0, 20)


def test_wire_registration():
    assert E.OPS["lstm"] is lstm
    ps = _module_like(3, 4, 1)
    res = E.OPS["lstm"](E.zeros(2, 1, 3, dtype=E.float64), ps)
    assert isinstance(res, tuple) and len(res) == 3
    assert [tuple(t.shape) for t in res] == [(2, 1, 4), (1, 1, 4), (1, 1, 4)]


# ---- against torch -------------------------------------------------------------------------------

def _torch_pair(torch, rng, D, H, num_layers, bias=True, batch_first=False):
    m = torch.nn.LSTM(D, H, num_layers, bias=bias, batch_first=batch_first).double()
    params = make_params(rng, D, H, num_layers, bias, scale=0.4)
    names = [n for k in range(num_layers) for n in (f"weight_ih_l{k}", f"weight_hh_l{k}")
             + ((f"bias_ih_l{k}", f"bias_hh_l{k}") if bias else ())]
    for name, a in zip(names, params):
        getattr(m, name).data = torch.from_numpy(a.copy())
    return m, params


CASES = [(nl, bf, unb, hx, bias) for nl in (1, 2, 3) for bf in (False, True) for hx in (False, True)
         for unb, bias in ((False, True),)] + [(2, False, False, True, False), (2, True, False, False, False),
                                                (2, False, True, True, True), (3, True, True, False, False),
                                                (1, False, True, False, True)]


@pytest.mark.parametrize("num_layers,batch_first,unbatched,with_hx,bias", CASES)
def test_against_torch(num_layers, batch_first, unbatched, with_hx, bias):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(100 + num_layers * 8 + batch_first * 4 + unbatched * 2 + with_hx)
    L, N, D, H = 5, 3, 4, 6
    m, params = _torch_pair(torch, rng, D, H, num_layers, bias, batch_first)
    xs = (L, D) if unbatched else ((N, L, D) if batch_first else (L, N, D))
    hs = (num_layers, H) if unbatched else (num_layers, N, H)
    x, h0, c0 = rng.standard_normal(xs), rng.standard_normal(hs), rng.standard_normal(hs)
    tx, th0, tc0 = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    t_out, (t_h, t_c) = m(tx, (th0, tc0)) if with_hx else m(tx)
    gx, gh0, gc0 = (E.tensor(a, requires_grad=True) for a in (x, h0, c0))
    ps = leaves(params)
    out, h_n, c_n = lstm(gx, ps, (gh0, gc0) if with_hx else None, bias=bias, batch_first=batch_first)
    for a, b in ((out, t_out), (h_n, t_h), (c_n, t_c)):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(arr(a), b.detach().numpy(), rtol=0, atol=1e-10)
    # a scalar loss touching all three outputs
    w = [rng.standard_normal(tuple(t.shape)) for t in (t_out, t_h, t_c)]
    t_loss = sum((t * torch.tensor(wi)).sum() for t, wi in zip((t_out, t_h, t_c), w))
    t_loss.backward()
    loss = (out * E.tensor(w[0])).sum() + (h_n * E.tensor(w[1])).sum() + (c_n * E.tensor(w[2])).sum()
    loss.backward()
    pairs = [(gx, tx)] + ([(gh0, th0), (gc0, tc0)] if with_hx else [])
    pairs += list(zip(ps, m._flat_weights))
    for a, b in pairs:
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("call", [
    lambda F, mk: F(mk(5, 3, 7)),
    lambda F, mk: F(mk(5, 3, 10), (mk(1, 3, 20), mk(2, 3, 20))),
    lambda F, mk: F(mk(5, 3, 10), (mk(2, 3, 20), mk(2, 4, 20))),
    lambda F, mk: F(mk(5, 10), (mk(2, 3, 20), mk(2, 4, 20))),
    lambda F, mk: F(mk(5, 10), (mk(3, 20), mk(2, 20))),
    lambda F, mk: F(mk(2, 5, 3, 10)),
    lambda F, mk: F(mk(0, 3, 10)),
])
def test_error_texts_match_torch(call):
    torch = pytest.importorskip("torch")
    m = torch.nn.LSTM(10, 20, 2).double()
    with pytest.raises(Exception) as want:
        call(m, lambda *s: torch.zeros(*s, dtype=torch.float64))
    ps = _module_like()
    with pytest.raises(type(want.value)) as got:
        call(lambda x, hx=None: lstm(x, ps, hx), lambda *s: E.zeros(*s, dtype=E.float64))
    assert str(got.value) == str(want.value)
