"""gradwire.engine.nn.functional: values, node names, error texts, float64 gradcheck; torch comparisons."""
import math
import warnings

import numpy as np
import pytest

import gradwire.engine as E
from gradwire.engine.autograd import gradcheck, gradgradcheck
from gradwire.engine.nn import functional as F

pytestmark = pytest.mark.timeout(60)

RNG = np.random.default_rng(20240607)


def arr(*shape):
    return RNG.standard_normal(shape)


def leaf(a, rg=True):
    return E.tensor(np.asarray(a, dtype=np.float64), dtype=E.float64, requires_grad=rg)


def rnd(*shape):
    return leaf(arr(*shape))


def transposed(rows, cols):
    """A non-contiguous (transposed) float64 leaf of shape (rows, cols)."""
    t = E.tensor(arr(cols, rows), dtype=E.float64).t()
    t = t.detach()
    assert not t.array.flags.c_contiguous
    return t.requires_grad_()


def name(t):
    return t.grad_fn.name() if t.grad_fn is not None else None


def raises(exc, text, fn, *args, **kwargs):
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    assert str(info.value) == text


# ---- namespace / registry -------------------------------------------------------------

def test_namespace_and_wire():
    for n in ["linear", "softmax", "log_softmax", "cross_entropy", "nll_loss", "mse_loss", "l1_loss",
              "binary_cross_entropy_with_logits", "dropout", "layer_norm", "embedding",
              "relu", "gelu", "silu", "softplus", "sigmoid", "tanh"]:
        assert n in F.__all__ and callable(getattr(F, n))
        assert n in E.OPS
    assert E.OPS["cross_entropy"] is F.cross_entropy
    assert F.relu is E.relu  # the elementwise op, not a copy
    x = rnd(2, 3)
    assert np.allclose(x.softmax(1).detach().numpy(), F.softmax(x, 1).detach().numpy())
    assert name(x.log_softmax(-1)) == "LogSoftmaxBackward0"


# ---- linear -----------------------------------------------------------------------------

def test_linear_values_and_names():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    w = leaf([[1.0, 0.0], [0.5, -1.0], [2.0, 1.0]])
    b = leaf([0.1, 0.2, 0.3])
    y = F.linear(x, w, b)
    assert np.allclose(y.detach().numpy(), [[1.1, -1.3, 4.3], [3.1, -2.3, 10.3]])
    assert name(y) == "AddmmBackward0"
    assert name(F.linear(x, w)) == "MmBackward0"
    assert name(F.linear(rnd(2), w, b)) == "ViewBackward0"
    assert name(F.linear(rnd(2), w)) == "SqueezeBackward4"
    assert name(F.linear(rnd(4, 3, 2), w, b)) == "ViewBackward0"
    assert name(F.linear(rnd(4, 3, 2), w)) == "UnsafeViewBackward0"
    assert F.linear(rnd(4, 3, 2), w, b).shape == (4, 3, 3)
    assert F.linear(rnd(2), w, b).shape == (3,)
    y.sum().backward()
    assert np.allclose(b.grad.numpy(), [2, 2, 2])
    assert np.allclose(w.grad.numpy(), [[4, 6]] * 3)


@pytest.mark.parametrize("xshape", [(3, 4), (4,), (2, 3, 4), "T"])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck(xshape, bias):
    x = transposed(3, 4) if xshape == "T" else rnd(*xshape)
    w = rnd(5, 4)
    args = (x, w, rnd(5)) if bias else (x, w)
    assert gradcheck(F.linear, args)
    assert gradgradcheck(F.linear, args)


def test_linear_broadcast_bias_gradcheck():
    assert gradcheck(F.linear, (rnd(3, 4), rnd(5, 4), rnd(1)))
    assert gradcheck(F.linear, (rnd(3, 4), rnd(5, 4), rnd(3, 5)))


def test_linear_errors():
    x, w = rnd(2, 4), rnd(3, 4)
    raises(RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x4 and 5x3)", F.linear, x, rnd(3, 5))
    raises(RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x4 and 5x3)", F.linear, x, rnd(3, 5), rnd(3))
    raises(RuntimeError, "mat1 and mat2 shapes cannot be multiplied (4x4 and 5x3)", F.linear, rnd(2, 2, 4),
           rnd(3, 5), rnd(3))
    raises(RuntimeError, "The expanded size of the tensor (3) must match the existing size (4) at non-singleton "
           "dimension 1.  Target sizes: [2, 3].  Tensor sizes: [4]", F.linear, x, w, rnd(4))
    raises(RuntimeError, "both arguments to linear need to be at least 1D, but they are 0D and 2D", F.linear,
           rnd(), w)
    raises(RuntimeError, "mat2 must be a matrix, got 1-D tensor", F.linear, x, rnd(4), rnd())
    raises(RuntimeError, "self and mat2 must have the same dtype, but got Float and Double", F.linear, x, w,
           E.zeros(3))
    raises(RuntimeError, "expected m1 and m2 to have the same dtype, but got: float != double", F.linear,
           E.zeros(2, 4), w)


# ---- softmax / log_softmax ----------------------------------------------------------------

def test_softmax_values_stable():
    x = leaf([[1000.0, 1001.0, 1002.0], [-1000.0, -1000.0, -1000.0]])
    s = F.softmax(x, 1).detach().numpy()
    e = np.exp([0.0, 1.0, 2.0])
    assert np.allclose(s[0], e / e.sum()) and np.allclose(s[1], 1 / 3)
    ls = F.log_softmax(x, 1).detach().numpy()
    assert np.allclose(ls[0], np.log(e / e.sum())) and np.allclose(ls[1], -math.log(3))
    assert np.all(np.isfinite(ls))
    assert name(F.softmax(x, 1)) == "SoftmaxBackward0"
    assert name(F.log_softmax(x, 0)) == "LogSoftmaxBackward0"
    z = leaf(3.0)
    assert F.softmax(z, 0).item() == 1.0 and F.log_softmax(z, -1).item() == 0.0
    inf_row = F.log_softmax(leaf([[0.0, -math.inf]]), 1).detach().numpy()
    assert inf_row[0, 0] == 0.0 and inf_row[0, 1] == -math.inf


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax])
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_softmax_gradcheck_dims(fn, dim):
    x = rnd(2, 3, 4)
    assert gradcheck(lambda a: fn(a, dim), (x,))
    assert gradgradcheck(lambda a: fn(a, dim), (x,))


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax])
def test_softmax_noncontiguous_and_0d(fn):
    assert gradcheck(lambda a: fn(a, 0), (transposed(3, 4),))
    assert gradcheck(lambda a: fn(a, 0), (rnd(),))
    assert gradgradcheck(lambda a: fn(a, 1), (transposed(3, 4),))


def test_softmax_dtype_and_implicit_dim():
    x = E.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert F.softmax(x, 0, dtype=E.float64).dtype is E.float64
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated"):
        y = F.softmax(x)
    assert np.allclose(y.numpy().sum(1), 1.0)  # 2-D: dim 1
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        F.log_softmax(E.tensor([1.0, 2.0]))


def test_softmax_errors():
    x = rnd(2, 4)
    raises(IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got 2)", F.softmax, x, 2)
    raises(IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got -3)", F.log_softmax,
           x, -3)
    i = E.tensor([[1, 2, 3], [4, 5, 6]])
    raises(NotImplementedError, "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'", F.softmax, i, 1)
    raises(NotImplementedError, "\"softmax_kernel_impl\" not implemented for 'Long'", F.softmax, i, 0)
    raises(NotImplementedError, "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'", F.log_softmax,
           E.tensor([1, 2]), 0)


# ---- nll_loss / cross_entropy --------------------------------------------------------------

def test_cross_entropy_hand_computed():
    x = leaf([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    t = E.tensor([2, 0])
    lse0 = math.log(math.exp(1) + math.exp(2) + math.exp(3))
    l0, l1 = lse0 - 3.0, math.log(3.0)
    loss = F.cross_entropy(x, t)
    assert name(loss) == "NllLossBackward0"
    assert loss.item() == pytest.approx((l0 + l1) / 2, rel=1e-12)
    assert F.cross_entropy(x, t, reduction="sum").item() == pytest.approx(l0 + l1, rel=1e-12)
    assert np.allclose(F.cross_entropy(x, t, reduction="none").detach().numpy(), [l0, l1])
    loss.backward()
    p0 = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    expect = np.array([p0 - [0, 0, 1], np.full(3, 1 / 3) - [1, 0, 0]]) / 2
    assert np.allclose(x.grad.numpy(), expect)
    # weights: the mean divides by the summed weights of the targets
    w = leaf([1.0, 2.0, 4.0], rg=False)
    assert F.cross_entropy(x, t, weight=w).item() == pytest.approx((4 * l0 + 1 * l1) / 5, rel=1e-12)
    # ignore_index
    assert F.cross_entropy(x, E.tensor([2, -100])).item() == pytest.approx(l0, rel=1e-12)
    assert F.cross_entropy(x, E.tensor([2, 1]), ignore_index=1).item() == pytest.approx(l0, rel=1e-12)
    assert math.isnan(F.cross_entropy(x, E.tensor([-100, -100])).item())
    # label smoothing: (1 - ls) * nll + ls / C * (-sum log p)
    smooth0 = -np.log(p0).sum()
    smooth1 = 3 * math.log(3)
    got = F.cross_entropy(x, t, label_smoothing=0.3).item()
    assert got == pytest.approx(0.7 * (l0 + l1) / 2 + 0.1 * (smooth0 + smooth1) / 2, rel=1e-12)


def test_cross_entropy_probabilities_hand_computed():
    x = leaf([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    p = leaf([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], rg=False)
    lp0 = np.log(np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum())
    r0 = -(lp0 * [0.2, 0.3, 0.5]).sum()
    r1 = math.log(3)
    loss = F.cross_entropy(x, p)
    assert name(loss) == "DivBackward1"
    assert loss.item() == pytest.approx((r0 + r1) / 2, rel=1e-12)
    assert name(F.cross_entropy(x, p, reduction="none")) == "NegBackward0"
    assert np.allclose(F.cross_entropy(x, p, reduction="none").detach().numpy(), [r0, r1])
    assert name(F.cross_entropy(x, E.tensor([2, 0]), label_smoothing=0.1)) == "AddBackward0"


CE_CASES = [
    dict(shape=(4, 5), target=[0, 4, 2, 2]),
    dict(shape=(4, 5), target=[0, 4, 2, 2], weight=True),
    dict(shape=(4, 5), target=[0, -100, 2, 1], label_smoothing=0.2),
    dict(shape=(4, 5), target=[0, 3, 2, 1], weight=True, label_smoothing=0.3, ignore_index=3),
    dict(shape=(5,), target=3),
    dict(shape=(2, 3, 4), target=[[0, 1, 2, 0], [2, 2, 1, 0]]),
    dict(shape=(2, 3, 2, 2), target=[[[0, 1], [2, 0]], [[2, 2], [1, -100]]], weight=True),
    dict(shape=(2, 3, 2, 2, 1), target=[[[[0], [1]], [[2], [0]]], [[[2], [2]], [[1], [0]]]],
         label_smoothing=0.1),
    dict(shape=(3, 4), target="probs"),
    dict(shape=(3, 4), target="probs", weight=True, label_smoothing=0.25),
    dict(shape=(2, 3, 4), target="probs"),
]


def _ce_args(case, reduction):
    shape = case["shape"]
    C = shape[0] if len(shape) == 1 else shape[1]
    x = rnd(*shape)
    if case["target"] == "probs":
        p = np.exp(arr(*shape))
        p /= p.sum(axis=0 if len(shape) == 1 else 1, keepdims=True)
        t = leaf(p, rg=False)
    else:
        t = E.tensor(np.asarray(case["target"], dtype=np.int64))
    kw = dict(reduction=reduction)
    if case.get("weight"):
        kw["weight"] = leaf(np.abs(arr(C)) + 0.5, rg=False)
    for k in ("label_smoothing", "ignore_index"):
        if k in case:
            kw[k] = case[k]
    return x, t, kw


@pytest.mark.parametrize("case", CE_CASES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_gradcheck(case, reduction):
    x, t, kw = _ce_args(case, reduction)
    assert gradcheck(lambda a: F.cross_entropy(a, t, **kw), (x,))
    if reduction == "mean":
        assert gradgradcheck(lambda a: F.cross_entropy(a, t, **kw), (x,))


@pytest.mark.parametrize("case", CE_CASES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_vs_torch(case, reduction):
    torch = pytest.importorskip("torch")
    x, t, kw = _ce_args(case, reduction)
    out = F.cross_entropy(x, t, **kw)
    g = arr(*out.shape)
    out.backward(leaf(g, rg=False))
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    tkw = {k: (torch.tensor(v.numpy()) if isinstance(v, E.Tensor) else v) for k, v in kw.items()}
    tout = torch.nn.functional.cross_entropy(tx, torch.tensor(t.numpy()), **tkw)
    tout.backward(torch.tensor(g))
    assert np.allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert np.allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert name(out) == tout.grad_fn.name()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_gradcheck(reduction):
    x = rnd(4, 3)
    t = E.tensor([0, 2, -100, 1])
    w = leaf([0.5, 2.0, 1.5], rg=False)
    assert gradcheck(lambda a: F.nll_loss(a, t, weight=w, reduction=reduction), (x,))
    assert gradgradcheck(lambda a: F.nll_loss(a, t, reduction=reduction) * 2, (x,))
    xk = rnd(2, 3, 2, 2)
    tk = E.tensor([[[0, 1], [2, 0]], [[2, 2], [1, 0]]])
    assert gradcheck(lambda a: F.nll_loss(a, tk, reduction=reduction), (xk,))
    assert gradcheck(lambda a: F.nll_loss(a, t, reduction=reduction), (transposed(4, 3),))


def test_nll_loss_values():
    x = leaf([[-1.0, -2.0, -3.0], [-0.5, -0.25, -4.0]])
    assert F.nll_loss(x, E.tensor([2, 1])).item() == pytest.approx((3.0 + 0.25) / 2)
    assert F.nll_loss(x, E.tensor([2, 1]), reduction="sum").item() == pytest.approx(3.25)
    assert F.nll_loss(leaf([-1.0, -2.0]), E.tensor(1)).item() == 2.0
    assert F.nll_loss(leaf([-1.0, -2.0]), E.tensor(1), reduction="none").shape == ()
    nt = F.nll_loss(transposed(2, 3), E.tensor([0, 1]))
    assert name(nt) == "NllLossBackward0"


def test_nll_cross_entropy_errors():
    x = rnd(2, 4)
    raises(IndexError, "Target 4 is out of bounds.", F.cross_entropy, x, E.tensor([0, 4]))
    raises(IndexError, "Target -1 is out of bounds.", F.nll_loss, x, E.tensor([0, -1]))
    raises(ValueError, "Expected input batch_size (2) to match target batch_size (3).", F.cross_entropy, x,
           E.tensor([0, 1, 2]))
    raises(RuntimeError, "expected target dtype to be Long or Byte, but got Float", F.cross_entropy, x,
           E.tensor([0.0, 1.0]))
    raises(RuntimeError, "expected target dtype to be Long or Byte, but got Int", F.nll_loss, x,
           E.tensor([0, 1], dtype=E.int32))
    raises(RuntimeError, "0D or 1D target tensor expected, multi-target not supported", F.cross_entropy, x,
           E.zeros(2, 5))
    raises(RuntimeError, "weight tensor should be defined either for all 4 classes or no classes but got weight "
           "tensor of shape: [3]", F.cross_entropy, x, E.tensor([0, 1]), weight=E.ones(3, dtype=E.float64))
    raises(RuntimeError, "cross_entropy: weight tensor should be defined either for all 4 classes or no classes "
           "but got weight tensor of shape: [3]", F.cross_entropy, x, E.zeros(2, 4, dtype=E.float64),
           weight=E.ones(3, dtype=E.float64))
    raises(ValueError, "foo is not a valid value for reduction", F.cross_entropy, x, E.tensor([0, 1]),
           reduction="foo")
    raises(RuntimeError, "label_smoothing must be between 0.0 and 1.0. Got: 1.5", F.cross_entropy, x,
           E.tensor([0, 1]), label_smoothing=1.5)
    raises(RuntimeError, "Expected floating point type for target with class probabilities, got Long",
           F.cross_entropy, x, E.zeros(2, 4, dtype=E.int64))
    raises(RuntimeError, "Expected target size [2, 3], got [2, 2]", F.cross_entropy, rnd(2, 4, 3),
           E.tensor([[1, 1], [0, 0]]))
    raises(RuntimeError, "only batches of spatial targets supported (3D tensors) but got targets of dimension: 2",
           F.nll_loss, rnd(2, 3, 4, 5), E.zeros(2, 4, dtype=E.int64))
    raises(RuntimeError, "size mismatch (got input: [2, 3, 4, 5] , target: [2, 4, 6]", F.nll_loss,
           rnd(2, 3, 4, 5), E.zeros(2, 4, 6, dtype=E.int64))
    raises(ValueError, "For 1D input, 1D target must have size 1, but got target size: 2", F.nll_loss, rnd(4),
           E.tensor([1, 2]))
    raises(ValueError, "Expected 1 or more dimensions (got 0)", F.nll_loss, rnd(), E.tensor(0))
    raises(RuntimeError, "expected scalar type Double but found Float", F.nll_loss, x, E.tensor([0, 1]),
           weight=E.ones(4))
    raises(NotImplementedError, "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'", F.cross_entropy,
           E.tensor([[1, 2]]), E.tensor([1]))


# ---- regression losses -------------------------------------------------------------------

@pytest.mark.parametrize("fn", [F.mse_loss, F.l1_loss])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_gradcheck(fn, reduction):
    x, t = rnd(3, 4), rnd(3, 4)
    assert gradcheck(lambda a, b: fn(a, b, reduction=reduction), (x, t))
    assert gradcheck(lambda a, b: fn(a, b, reduction=reduction), (transposed(3, 4), t))
    if fn is F.mse_loss:
        assert gradgradcheck(lambda a, b: fn(a, b, reduction=reduction), (x, t))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert gradcheck(lambda a, b: fn(a, b, reduction=reduction), (rnd(3, 4), rnd(4)))
        assert gradcheck(lambda a, b: fn(a, b, reduction=reduction), (rnd(3, 1), rnd(1, 4)))


def test_regression_values_names_errors():
    x = leaf([1.0, 2.0, 4.0])
    t = leaf([0.0, 2.0, 1.0], rg=False)
    mse = F.mse_loss(x, t)
    assert mse.item() == pytest.approx(10 / 3) and name(mse) == "MseLossBackward0"
    assert name(F.mse_loss(x, t, reduction="none")) == "MseLossBackward0"
    l1 = F.l1_loss(x, t)
    assert l1.item() == pytest.approx(4 / 3) and name(l1) == "MeanBackward0"
    assert name(F.l1_loss(x, t, reduction="none")) == "AbsBackward0"
    mse.backward()
    assert np.allclose(x.grad.numpy(), [2 / 3, 0, 2])
    w = leaf([1.0, 1.0, 2.0], rg=False)
    assert F.mse_loss(x, t, weight=w).item() == pytest.approx((1 + 0 + 18) / 4)
    assert F.mse_loss(E.tensor([1.0, 2.0]), E.tensor([1.0, 2.0], dtype=E.float64)).dtype is E.float64
    with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[4\]\)\) that is different to the "
                      r"input size \(torch.Size\(\[2, 4\]\)\)"):
        F.mse_loss(rnd(2, 4), rnd(4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises(RuntimeError, "The size of tensor a (2) must match the size of tensor b (3) at non-singleton "
               "dimension 0", F.mse_loss, rnd(2, 4), rnd(3, 4))
    raises(ValueError, "bad is not a valid value for reduction", F.mse_loss, x, t, reduction="bad")
    raises(NotImplementedError, "\"mse_cpu\" not implemented for 'Long'", F.mse_loss, E.tensor([1, 2]),
           E.tensor([1, 2]))
    raises(ValueError, "Weights and input must have the same size.", F.mse_loss, x, t, weight=E.ones(2))


@pytest.mark.parametrize("opts", [{}, {"weight": True}, {"pos_weight": True}, {"weight": True, "pos_weight": True}])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_with_logits_gradcheck(opts, reduction):
    x = rnd(3, 4) * 3
    x = x.detach().requires_grad_()
    t = leaf(RNG.uniform(size=(3, 4)))
    kw = {"reduction": reduction}
    if opts.get("weight"):
        kw["weight"] = leaf(np.abs(arr(3, 4)), rg=False)
    if opts.get("pos_weight"):
        kw["pos_weight"] = leaf(np.abs(arr(4)) + 0.5, rg=False)
    assert gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, **kw), (x, t))
    assert gradgradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, **kw), (x, t))


def test_bce_with_logits_values_errors():
    x = leaf([0.0, 100.0, -100.0])
    t = leaf([1.0, 1.0, 0.0], rg=False)
    out = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    assert name(out) == "BinaryCrossEntropyWithLogitsBackward0"
    assert np.allclose(out.detach().numpy(), [math.log(2), 0.0, 0.0], atol=1e-40)
    pw = leaf([3.0], rg=False)
    assert F.binary_cross_entropy_with_logits(leaf([0.0]), leaf([1.0]), pos_weight=pw).item() == \
        pytest.approx(3 * math.log(2))
    raises(ValueError, "Target size (torch.Size([3, 4])) must be the same as input size (torch.Size([2, 4]))",
           F.binary_cross_entropy_with_logits, rnd(2, 4), rnd(3, 4))
    raises(RuntimeError, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension "
           "1", F.binary_cross_entropy_with_logits, rnd(2, 4), rnd(2, 4), pos_weight=rnd(3))


@pytest.mark.parametrize("which", ["mse_loss", "l1_loss", "binary_cross_entropy_with_logits"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_vs_torch(which, reduction):
    torch = pytest.importorskip("torch")
    xa, ta = arr(3, 4), RNG.uniform(size=(3, 4))
    x, t = leaf(xa), leaf(ta)
    out = getattr(F, which)(x, t, reduction=reduction)
    g = arr(*out.shape)
    out.backward(leaf(g, rg=False))
    tx = torch.tensor(xa, requires_grad=True)
    tt = torch.tensor(ta, requires_grad=True)
    tout = getattr(torch.nn.functional, which)(tx, tt, reduction=reduction)
    tout.backward(torch.tensor(g))
    assert np.allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    assert np.allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    assert np.allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-12)
    assert name(out) == tout.grad_fn.name()


# ---- dropout ----------------------------------------------------------------------------

def test_dropout_mask_scale_and_grad():
    E.manual_seed(7)
    x = leaf(np.ones((200, 50)))
    y = F.dropout(x, 0.3)
    assert name(y) == "MulBackward0"
    v = y.detach().numpy()
    kept = v != 0
    assert np.allclose(v[kept], 1 / 0.7)
    assert 0.27 < 1 - kept.mean() < 0.33
    y.sum().backward()
    assert np.array_equal(x.grad.numpy() != 0, kept)
    assert np.allclose(x.grad.numpy()[kept], 1 / 0.7)
    E.manual_seed(7)
    again = F.dropout(leaf(np.ones((200, 50))), 0.3).detach().numpy()
    assert np.array_equal(again, v)  # draws from the current generator
    g = E.Generator(seed=7)
    with E.use_generator(g):
        assert np.array_equal(F.dropout(leaf(np.ones((200, 50))), 0.3).detach().numpy(), v)


def test_dropout_special_cases():
    x = rnd(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    z = F.dropout(x, 1.0)
    assert name(z) == "MulBackward0" and not z.detach().numpy().any()
    raises(ValueError, "dropout probability has to be between 0 and 1, but got 1.5", F.dropout, x, 1.5)
    raises(ValueError, "dropout probability has to be between 0 and 1, but got -0.1", F.dropout, x, -0.1)
    raises(RuntimeError, "a leaf Variable that requires grad is being used in an in-place operation.", F.dropout,
           x, 0.5, True, True)
    plain = leaf(np.ones(100), rg=False)
    v0 = plain._version
    out = F.dropout(plain, 0.5, inplace=True)
    assert out is plain and plain._version == v0 + 1
    assert set(np.unique(plain.numpy())) <= {0.0, 2.0}
    a = rnd(50)
    h = a * 1.0
    r = F.dropout(h, 0.5, inplace=True)
    assert r is h and name(h) == "MulBackward0"
    h.sum().backward()
    assert np.array_equal(a.grad.numpy(), (h.detach().numpy() != 0) * 2.0)


def test_dropout_gradcheck_fixed_mask():
    x = rnd(4, 5)

    def fn(a):
        E.manual_seed(3)
        return F.dropout(a, 0.4)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


# ---- layer_norm ---------------------------------------------------------------------------

@pytest.mark.parametrize("ns", [(3,), (2, 3)])
@pytest.mark.parametrize("affine", [False, True])
def test_layer_norm_gradcheck(ns, affine):
    x = rnd(2, 2, 3)
    args = (x, rnd(*ns), rnd(*ns)) if affine else (x,)

    def fn(a, *wb):
        return F.layer_norm(a, ns, *wb)
    assert gradcheck(fn, args)
    assert gradgradcheck(fn, args)


def test_layer_norm_values_noncontiguous_errors():
    x = leaf([[1.0, 2.0, 3.0, 6.0]])
    y = F.layer_norm(x, (4,))
    assert name(y) == "NativeLayerNormBackward0"
    mu, var = 3.0, (4 + 1 + 0 + 9) / 4
    assert np.allclose(y.detach().numpy(), (np.array([[1, 2, 3, 6]]) - mu) / math.sqrt(var + 1e-5))
    assert gradcheck(lambda a, w: F.layer_norm(a, [3], w), (transposed(4, 3), rnd(3)))
    x = rnd(2, 4)
    raises(RuntimeError, "Given normalized_shape=[3], expected input with shape [*, 3], but got input of "
           "size[2, 4]", F.layer_norm, x, (3,))
    raises(RuntimeError, "Expected weight to be of same shape as normalized_shape, but got weight of shape [4] and "
           "normalized_shape = [2, 4]", F.layer_norm, x, (2, 4), rnd(4))
    raises(RuntimeError, "Expected bias to be of same shape as normalized_shape, but got bias of shape [3] and "
           "normalized_shape = [4]", F.layer_norm, x, [4], rnd(4), rnd(3))
    raises(TypeError, "layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int",
           F.layer_norm, x, 4)
    raises(RuntimeError, "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
           "element, but got normalized_shape = []", F.layer_norm, x, [])
    raises(NotImplementedError, "\"LayerNormKernelImpl\" not implemented for 'Long'", F.layer_norm,
           E.tensor([[1, 2]]), (2,))


def test_layer_norm_vs_torch():
    torch = pytest.importorskip("torch")
    xa, wa, ba, g = arr(2, 3, 4), arr(3, 4), arr(3, 4), arr(2, 3, 4)
    x, w, b = leaf(xa), leaf(wa), leaf(ba)
    out = F.layer_norm(x, (3, 4), w, b, eps=1e-3)
    out.backward(leaf(g, rg=False))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (xa, wa, ba))
    tout = torch.nn.functional.layer_norm(tx, (3, 4), tw, tb, eps=1e-3)
    tout.backward(torch.tensor(g))
    assert np.allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    for mine, theirs in ((x, tx), (w, tw), (b, tb)):
        assert np.allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-10)


# ---- embedding ----------------------------------------------------------------------------

def test_embedding_values_padding_grad():
    w = leaf(np.arange(12.0).reshape(4, 3))
    idx = E.tensor([[1, 0], [1, 3]])
    y = F.embedding(idx, w, padding_idx=0)
    assert name(y) == "EmbeddingBackward0"
    assert np.array_equal(y.detach().numpy(), np.arange(12.0).reshape(4, 3)[[[1, 0], [1, 3]]])
    y.sum().backward()
    assert np.array_equal(w.grad.numpy(), [[0, 0, 0], [2, 2, 2], [0, 0, 0], [1, 1, 1]])
    w2 = leaf(np.ones((4, 3)))
    F.embedding(E.tensor([3, 3, 1]), w2, padding_idx=-1).sum().backward()
    assert np.array_equal(w2.grad.numpy()[:, 0], [0, 1, 0, 0])
    assert F.embedding(E.tensor([1], dtype=E.int32), w).shape == (1, 3)


def test_embedding_gradcheck():
    idx = E.tensor([[1, 0, 2], [2, 2, 3]])
    assert gradcheck(lambda w: F.embedding(idx, w), (rnd(4, 3),))
    # padding_idx: the padding row gets no gradient (torch's semantics), so only rows never padded are checked
    assert gradcheck(lambda w: F.embedding(idx, w, padding_idx=0)[1], (rnd(4, 3),))
    assert gradgradcheck(lambda w: F.embedding(idx, w, padding_idx=2) ** 2, (rnd(4, 3),))
    assert gradcheck(lambda w: F.embedding(E.tensor([1, 3]), w), (transposed(4, 3),))


def test_embedding_errors():
    w = rnd(3, 4)
    raises(IndexError, "index out of range in self", F.embedding, E.tensor([5]), w)
    raises(IndexError, "index out of range in self", F.embedding, E.tensor([-1]), w)
    raises(RuntimeError, "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
           "Long, Int; but got torch.FloatTensor instead (while checking arguments for embedding)", F.embedding,
           E.tensor([1.0]), w)
    raises(AssertionError, "Padding_idx must be within num_embeddings", F.embedding, E.tensor([1]), w, 3)
    raises(AssertionError, "Padding_idx must be within num_embeddings", F.embedding, E.tensor([1]), w, -4)
    raises(RuntimeError, "'weight' must be 2-D", F.embedding, E.tensor([1]), rnd(3))


# ---- the rest against torch ---------------------------------------------------------------

def test_linear_softmax_embedding_vs_torch():
    torch = pytest.importorskip("torch")
    TF = torch.nn.functional
    xa, wa, ba = arr(2, 3, 4), arr(5, 4), arr(5)
    x, w, b = leaf(xa), leaf(wa), leaf(ba)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (xa, wa, ba))
    out = F.log_softmax(F.linear(x, w, b), 1) + F.softmax(x, -1).sum()
    tout = TF.log_softmax(TF.linear(tx, tw, tb), 1) + TF.softmax(tx, -1).sum()
    g = arr(*out.shape)
    out.backward(leaf(g, rg=False))
    tout.backward(torch.tensor(g))
    assert np.allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    for mine, theirs in ((x, tx), (w, tw), (b, tb)):
        assert np.allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-10)
    ea = arr(6, 3)
    e, te = leaf(ea), torch.tensor(ea, requires_grad=True)
    ia = np.array([[1, 2, 5], [2, 0, 1]])
    (F.embedding(E.tensor(ia), e, padding_idx=1) ** 2).sum().backward()
    (TF.embedding(torch.tensor(ia), te, padding_idx=1) ** 2).sum().backward()
    assert np.allclose(e.grad.numpy(), te.grad.numpy(), rtol=1e-12)
