"""Reductions: prod, max/min, amax/amin, argmax/argmin, var/std, norm, logsumexp, cumsum, all/any.

gradcheck (float64) over every dim with and without keepdim and on non-contiguous input; values against
hard-coded results and (where installed) torch; node names and torch's error texts.
"""
import math

import numpy as np
import pytest

import gradwire.engine as E
from gradwire.engine.autograd import gradcheck, gradgradcheck

pytestmark = pytest.mark.timeout(60)

GEN = E.Generator(seed=7)


def rnd(*shape, positive=False):
    t = E.randn(*shape, dtype=E.float64, generator=GEN)
    if positive:
        t = t.exp()
    return t.detach().requires_grad_()


def nc(*shape):
    """A non-contiguous float64 leaf (a transposed view)."""
    base = E.randn(*reversed(shape), dtype=E.float64, generator=GEN)
    t = base.t() if len(shape) == 2 else base.permute(*reversed(range(len(shape))))
    t = t.detach().requires_grad_()
    assert not t.is_contiguous()
    return t


def arr(t):
    return t.detach().numpy()


DIMS = [None, 0, 1, 2, -1, (0, 2), (0, 1, 2)]

# ---- gradcheck --------------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_prod_gradcheck_dims(dim, keepdim):
    x = rnd(2, 3, 4)
    assert gradcheck(lambda a: a.prod(dim, keepdim), (x,))
    assert gradcheck(lambda a: a.prod(), (x,))


@pytest.mark.parametrize("zeros", [[(0, 1)], [(0, 1), (1, 2)], [(0, 1), (0, 2)], [(0, 0), (0, 1), (0, 2)]])
def test_prod_with_zeros_gradient(zeros):
    x = E.randn(2, 3, dtype=E.float64, generator=GEN).detach()
    for i, j in zeros:
        x.array[i, j] = 0.0
    x.requires_grad_()
    for dim in (None, 0, 1):
        fn = (lambda a: a.prod()) if dim is None else (lambda a, d=dim: a.prod(d))
        assert gradcheck(fn, (x,))
    assert gradgradcheck(lambda a: a.prod(1), (x,))


def test_prod_zero_gradient_values():
    x = E.tensor([2.0, 0.0, 3.0], dtype=E.float64, requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == [0.0, 6.0, 0.0]
    y = E.tensor([0.0, 0.0, 3.0], dtype=E.float64, requires_grad=True)
    y.prod().backward()
    assert y.grad.tolist() == [0.0, 0.0, 0.0]


def test_prod_gradgradcheck_no_zeros():
    assert gradgradcheck(lambda a: a.prod(0), (rnd(3, 2),))


@pytest.mark.parametrize("name", ["amax", "amin"])
@pytest.mark.parametrize("dim", DIMS[1:])
@pytest.mark.parametrize("keepdim", [False, True])
def test_amax_amin_gradcheck(name, dim, keepdim):
    x = rnd(2, 3, 4)
    assert gradcheck(lambda a: getattr(a, name)(dim, keepdim), (x,))


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_dim_gradcheck(name, dim, keepdim):
    x = rnd(2, 3, 4)
    assert gradcheck(lambda a: getattr(a, name)(dim, keepdim)[0], (x,))
    assert gradcheck(lambda a: getattr(a, name)(), (x,))


def test_max_gradient_ties():
    x = E.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]]
    x.grad = None
    x.max(1).values.sum().backward()          # the selected index only
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    x.grad = None
    x.amax(1).sum().backward()                # split evenly among ties
    assert x.grad.tolist() == [[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]]
    x.grad = None
    x.amin(1).sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_var_std_gradcheck(name, dim, keepdim):
    x = rnd(2, 3, 4)
    assert gradcheck(lambda a: getattr(a, name)(dim, keepdim=keepdim), (x,))
    assert gradcheck(lambda a: getattr(a, name)(dim, keepdim=keepdim, correction=0), (x,))


def test_var_std_gradgradcheck():
    assert gradgradcheck(lambda a: a.var(1), (rnd(3, 4),))
    assert gradgradcheck(lambda a: a.std(0), (rnd(3, 4),))


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, float("inf"), float("-inf"), "fro"])
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
def test_norm_gradcheck(p, dim):
    x = rnd(3, 4)
    assert gradcheck(lambda a: a.norm(p, dim), (x,))
    assert gradcheck(lambda a: E.norm(a, p, dim, keepdim=True), (x,))


def test_norm_gradgradcheck():
    assert gradgradcheck(lambda a: a.norm(), (rnd(3, 4),))
    assert gradgradcheck(lambda a: a.norm(3, 1), (rnd(3, 4),))


def test_norm_zero_gradient_is_zero():
    x = E.zeros(3, dtype=E.float64, requires_grad=True)
    x.norm().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    y = E.ones(3, dtype=E.float64, requires_grad=True)
    y.std().backward()
    assert y.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("dim", [0, 1, 2, -1, (0, 2), (0, 1, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp_gradcheck(dim, keepdim):
    x = rnd(2, 3, 4)
    assert gradcheck(lambda a: a.logsumexp(dim, keepdim), (x,))


def test_logsumexp_gradgradcheck_and_stability():
    assert gradgradcheck(lambda a: a.logsumexp(1), (rnd(2, 3),))
    big = E.tensor([1000.0, 1000.0])
    assert abs(big.logsumexp(0).item() - (1000.0 + math.log(2.0))) < 1e-3
    inf = E.tensor([float("-inf"), float("-inf")])
    assert inf.logsumexp(0).item() == float("-inf")


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_cumsum_gradcheck(dim):
    x = rnd(2, 3, 4)
    assert gradcheck(lambda a: a.cumsum(dim), (x,))
    assert gradgradcheck(lambda a: a.cumsum(dim), (rnd(2, 3),)) if dim in (0, 1) else True


@pytest.mark.parametrize("op", [
    lambda a: a.prod(1), lambda a: a.amax(0), lambda a: a.max(1)[0], lambda a: a.var(0), lambda a: a.std(1),
    lambda a: a.norm(dim=0), lambda a: a.logsumexp(1), lambda a: a.cumsum(0), lambda a: a.min(0).values,
])
def test_non_contiguous_input(op):
    x = nc(3, 4)
    assert gradcheck(op, (x,))
    y = E.tensor(np.ascontiguousarray(x.detach().numpy()))
    np.testing.assert_allclose(arr(op(x)), arr(op(y)), rtol=1e-12)


# ---- values -----------------------------------------------------------------------------------

def test_hardcoded_values():
    x = E.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.prod().item() == 720.0
    assert x.prod(1).tolist() == [6.0, 120.0]
    assert x.prod(0, keepdim=True).tolist() == [[4.0, 10.0, 18.0]]
    assert x.max().item() == 6.0 and x.min().item() == 1.0
    m = x.max(1)
    assert m.values.tolist() == [3.0, 6.0] and m.indices.tolist() == [2, 2]
    assert m[0] is m.values and tuple(m) == (m.values, m.indices)
    assert x.min(0, keepdim=True).indices.tolist() == [[0, 0, 0]]
    assert x.amax((0, 1)).item() == 6.0 and x.amin(1).tolist() == [1.0, 4.0]
    assert x.argmax().item() == 5 and x.argmin(1).tolist() == [0, 0]
    assert x.argmax(keepdim=True).shape == (1, 1)
    assert x.var(1).tolist() == [1.0, 1.0]
    assert x.var(1, unbiased=False).tolist() == pytest.approx([2 / 3, 2 / 3])
    assert x.var(1, correction=0).tolist() == pytest.approx([2 / 3, 2 / 3])
    assert x.std(0).tolist() == pytest.approx([math.sqrt(4.5)] * 3)
    assert x.norm().item() == pytest.approx(math.sqrt(91.0))
    assert x.norm(1).item() == 21.0
    assert x.norm(float("inf")).item() == 6.0
    assert x.norm(p="fro", dim=1).tolist() == pytest.approx([math.sqrt(14.0), math.sqrt(77.0)])
    assert x.norm(0).item() == 6.0
    assert x.logsumexp(1).tolist() == pytest.approx([math.log(math.e + math.e ** 2 + math.e ** 3),
                                                      math.log(math.e ** 4 + math.e ** 5 + math.e ** 6)])
    assert x.cumsum(1).tolist() == [[1.0, 3.0, 6.0], [4.0, 9.0, 15.0]]
    assert x.all().item() is True and (x - 1).all().item() is False
    assert (x - 1).any(1).tolist() == [True, True] and E.zeros(2, 3).any().item() is False


def test_dtypes():
    i = E.tensor([[1, 2], [3, 4]])
    assert i.prod().dtype is E.int64 and i.prod().item() == 24
    assert i.bool().prod().dtype is E.int64
    assert i.prod(dtype=E.float32).dtype is E.float32
    assert i.cumsum(0).dtype is E.int64 and i.bool().cumsum(0).dtype is E.int64
    assert i.max().dtype is E.int64 and i.max(0).indices.dtype is E.int64
    assert i.logsumexp(1).dtype is E.float32
    assert i.all().dtype is E.bool_ and i.any(0).dtype is E.bool_
    x = E.randn(2, 3)
    assert x.cumsum(0, dtype=E.float64).dtype is E.float64
    assert x.max(1).values.requires_grad is False


def test_return_type_repr():
    x = E.tensor([[1.0, 3.0], [2.0, 0.0]])
    r = repr(x.max(1))
    assert r.startswith("torch.return_types.max(\nvalues=tensor([3., 2.]),\nindices=tensor([1, 0]))")
    assert repr(x.min(0)).startswith("torch.return_types.min(\nvalues=")


def test_node_names():
    x = rnd(3, 4)
    cases = {
        "ProdBackward0": x.prod(), "ProdBackward1": x.prod(1), "MaxBackward1": x.max(), "MaxBackward0": x.max(1)[0],
        "MinBackward1": x.min(), "MinBackward0": x.min(0)[0], "AmaxBackward0": x.amax(1), "AminBackward0": x.amin(),
        "VarBackward0": x.var(1), "StdBackward0": x.std(), "LinalgVectorNormBackward0": x.norm(1, 1),
        "LogsumexpBackward0": x.logsumexp(1), "CumsumBackward0": x.cumsum(0),
    }
    for name, t in cases.items():
        assert t.grad_fn.name() == name
    assert x.argmax().grad_fn is None and x.all().grad_fn is None
    assert x.max(1).indices.requires_grad is False


ERRORS = [
    (lambda: E.tensor([]).max(), RuntimeError,
     "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the "
     "'dim' argument."),
    (lambda: E.zeros(0, 3).max(0), IndexError, "max(): Expected reduction dim 0 to have non-zero size."),
    (lambda: E.tensor([]).amax(), RuntimeError,
     "amax(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the "
     "'dim' argument."),
    (lambda: E.tensor([]).argmax(), IndexError,
     "argmax(): Expected reduction dim to be specified for input.numel() == 0."),
    (lambda: E.tensor([1, 2]).var(), RuntimeError, "std and var only support floating point and complex dtypes"),
    (lambda: E.tensor([1, 2]).std(), RuntimeError, "std and var only support floating point and complex dtypes"),
    (lambda: E.tensor([1, 2]).norm(), RuntimeError,
     "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
    (lambda: E.randn(3, 4).max(5), IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got 5)"),
    (lambda: E.randn(3, 4).argmax(5), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 5)"),
    (lambda: E.randn(3, 4).all(5), IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got 5)"),
    (lambda: E.randn(3, 4).cumsum(2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda: E.randn(3, 4).amax((0, 0)), RuntimeError, "dim 0 appears multiple times in the list of dims"),
]


@pytest.mark.parametrize("fn,exc,text", ERRORS)
def test_errors(fn, exc, text):
    with pytest.raises(exc) as info:
        fn()
    assert str(info.value) == text


def test_var_unbiased_and_correction_conflict():
    with pytest.raises(TypeError, match=r"^var\(\) received an invalid combination of arguments"):
        E.randn(3).var(unbiased=False, correction=0)


# ---- against torch ------------------------------------------------------------------------------

TORCH_TABLE = [
    ("prod", (), {}), ("prod", (1,), {}), ("prod", (0,), {"keepdim": True}),
    ("max", (), {}), ("min", (), {}), ("amax", (), {}), ("amax", ((0, 2),), {"keepdim": True}), ("amin", (1,), {}),
    ("argmax", (), {}), ("argmax", (1,), {}), ("argmin", (2,), {"keepdim": True}),
    ("var", (), {}), ("var", (1,), {}), ("var", ((0, 2),), {"keepdim": True, "correction": 0}),
    ("std", (), {}), ("std", (2,), {"unbiased": False}), ("std", (1, True, True), {}),
    ("norm", (), {}), ("norm", (1,), {}), ("norm", (float("inf"),), {}), ("norm", (3, 1), {}),
    ("norm", ("fro", (0, 1)), {"keepdim": True}), ("norm", (0.5, 2), {}), ("norm", (float("-inf"), 0), {}),
    ("logsumexp", (1,), {}), ("logsumexp", ((0, 1),), {"keepdim": True}), ("cumsum", (2,), {}),
    ("cumsum", (-1,), {}), ("all", (), {}), ("any", (1,), {}), ("all", (0,), {"keepdim": True}),
]


@pytest.mark.parametrize("name,args,kwargs", TORCH_TABLE)
def test_against_torch(name, args, kwargs):
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(3).standard_normal((2, 3, 4))
    if name in ("all", "any"):
        data = (data > -1.0).astype(np.float64)
    t = torch.tensor(data, requires_grad=name not in ("argmax", "argmin", "all", "any"))
    g = E.tensor(data, requires_grad=name not in ("argmax", "argmin", "all", "any"))
    rt = getattr(t, name)(*args, **kwargs)
    rg = getattr(g, name)(*args, **kwargs)
    np.testing.assert_allclose(arr(rg), rt.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert str(rg.dtype) == str(rt.dtype)
    if rt.grad_fn is not None:
        assert rg.grad_fn.name() == rt.grad_fn.name()
        w = np.random.default_rng(4).standard_normal(rt.shape)
        rt.backward(torch.tensor(w))
        rg.backward(E.tensor(w))
        np.testing.assert_allclose(arr(g.grad), t.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, True), (-1, False)])
def test_max_min_dim_against_torch(name, dim, keepdim):
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(5).integers(0, 3, (3, 4)).astype(np.float64)  # with ties
    t = torch.tensor(data, requires_grad=True)
    g = E.tensor(data, requires_grad=True)
    rt = getattr(t, name)(dim, keepdim)
    rg = getattr(g, name)(dim, keepdim)
    assert rg.indices.tolist() == rt.indices.tolist()
    assert rg.values.tolist() == rt.values.tolist()
    rt.values.sum().backward()
    rg.values.sum().backward()
    assert g.grad.tolist() == t.grad.tolist()
    for fn in ("amax", "amin"):
        t.grad = None
        g.grad = None
        getattr(t, fn)(dim).sum().backward()
        getattr(g, fn)(dim).sum().backward()
        np.testing.assert_allclose(arr(g.grad), t.grad.numpy())
