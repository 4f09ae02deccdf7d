"""Linear algebra: matmul (every rank case, batch broadcasting), mm, bmm, outer, dot.

gradcheck and gradgradcheck (float64), non-contiguous operands, values, node names, torch's errors."""
import numpy as np
import pytest

import gradwire.engine as E
from gradwire.engine.autograd import gradcheck, gradgradcheck

pytestmark = pytest.mark.timeout(60)

GEN = E.Generator(seed=3)


def rnd(*shape):
    return E.randn(*shape, dtype=E.float64, generator=GEN).detach().requires_grad_()


def arr(t):
    return t.detach().numpy()


MATMUL_SHAPES = [
    ((3,), (3,), "DotBackward0"),
    ((2, 3), (3,), "MvBackward0"),
    ((3,), (3, 2), "SqueezeBackward4"),
    ((2, 3), (3, 4), "MmBackward0"),
    ((2, 3), (5, 3, 4), "CloneBackward0"),
    ((5, 2, 3), (3, 4), "UnsafeViewBackward0"),
    ((5, 2, 3), (5, 3, 4), "UnsafeViewBackward0"),
    ((2, 1, 2, 3), (3, 3, 2), "UnsafeViewBackward0"),   # batch broadcasting
    ((3,), (2, 3, 4), "UnsafeViewBackward0"),
    ((2, 2, 3), (3,), "UnsafeViewBackward0"),
]


@pytest.mark.parametrize("sa,sb,name", MATMUL_SHAPES)
def test_matmul_grad_and_gradgrad(sa, sb, name):
    a, b = rnd(*sa), rnd(*sb)
    out = E.matmul(a, b)
    assert out.grad_fn.name() == name
    np.testing.assert_allclose(arr(out), np.matmul(arr(a), arr(b)), rtol=1e-12)
    assert gradcheck(E.matmul, (a, b))
    assert gradgradcheck(E.matmul, (a, b))


def test_matmul_non_contiguous():
    a = rnd(4, 2).t()
    b = rnd(2, 3, 4).transpose(1, 2)
    assert not a.is_contiguous() and not b.is_contiguous()
    assert gradcheck(lambda x, y: x @ y, (a, b))


def test_mm_bmm_outer_dot_gradcheck():
    a, b = rnd(2, 3), rnd(3, 4)
    assert gradcheck(E.mm, (a, b)) and gradgradcheck(E.mm, (a, b))
    assert gradcheck(lambda x, y: x.mm(y), (rnd(3, 2).t(), b))
    p, q = rnd(2, 3, 4), rnd(2, 4, 5)
    assert gradcheck(E.bmm, (p, q)) and gradgradcheck(E.bmm, (p, q))
    assert gradcheck(lambda x, y: x.bmm(y), (rnd(2, 4, 3).transpose(1, 2), q))
    u, v = rnd(3), rnd(4)
    assert gradcheck(E.outer, (u, v)) and gradgradcheck(E.outer, (u, v))
    w = rnd(3)
    assert gradcheck(E.dot, (u, w)) and gradgradcheck(E.dot, (u, w))
    assert gradcheck(lambda x: x.dot(x), (u,))
    assert gradcheck(lambda x, y: x.outer(y), (rnd(4, 2)[:, 0], v))


def test_values_and_names():
    a = E.tensor([[1.0, 2.0], [3.0, 4.0]])
    b = E.tensor([[5.0, 6.0], [7.0, 8.0]])
    assert E.mm(a, b).tolist() == [[19.0, 22.0], [43.0, 50.0]]
    assert E.bmm(a.unsqueeze(0), b.unsqueeze(0)).tolist() == [[[19.0, 22.0], [43.0, 50.0]]]
    assert E.outer(E.tensor([1.0, 2.0]), E.tensor([3.0, 4.0, 5.0])).tolist() == [[3.0, 4.0, 5.0], [6.0, 8.0, 10.0]]
    assert E.dot(E.tensor([1.0, 2.0]), E.tensor([3.0, 4.0])).item() == 11.0
    assert E.outer(E.tensor([1.0]), E.tensor([2.0], dtype=E.float64)).dtype is E.float64
    x, y = rnd(2, 3, 4), rnd(2, 4, 5)
    assert E.bmm(x, y).grad_fn.name() == "BmmBackward0"
    assert E.mm(x[0], y[0]).grad_fn.name() == "MmBackward0"
    assert E.outer(x[0, 0], y[0, 0]).grad_fn.name() == "MulBackward0"
    assert E.dot(x[0, 0], x[1, 0]).grad_fn.name() == "DotBackward0"


ERRORS = [
    (lambda: E.mm(E.randn(3, 4), E.randn(3)), RuntimeError, "mat2 must be a matrix"),
    (lambda: E.mm(E.randn(3), E.randn(3, 4)), RuntimeError, "self must be a matrix"),
    (lambda: E.mm(E.randn(3, 4), E.randn(3, 4)), RuntimeError, "mat1 and mat2 shapes cannot be multiplied (3x4 and 3x4)"),
    (lambda: E.mm(E.randn(2, 3), 3), TypeError, "mm(): argument 'mat2' (position 2) must be Tensor, not int"),
    (lambda: E.mm(E.randn(2, 3), E.randn(3, 4).double()), RuntimeError,
     "expected m1 and m2 to have the same dtype, but got: float != double"),
    (lambda: E.bmm(E.randn(3, 4), E.randn(3, 4)), RuntimeError, "batch1 must be a 3D tensor"),
    (lambda: E.bmm(E.randn(2, 3, 4), E.randn(3, 4)), RuntimeError, "batch2 must be a 3D tensor"),
    (lambda: E.bmm(E.randn(2, 3, 4), E.randn(3, 4, 5)), RuntimeError,
     "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [3, 4]."),
    (lambda: E.bmm(E.randn(2, 3, 4), E.randn(2, 3, 5)), RuntimeError,
     "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 3]."),
    (lambda: E.bmm(E.randn(2, 3, 4), E.randn(2, 4, 5).double()), RuntimeError,
     "expected scalar type Float but found Double"),
    (lambda: E.outer(E.randn(3, 4), E.randn(3)), RuntimeError, "outer: Expected 1-D argument self, but got 2-D"),
    (lambda: E.outer(E.randn(3), E.randn(2, 2)), RuntimeError, "outer: Expected 1-D argument vec2, but got 2-D"),
    (lambda: E.dot(E.randn(3, 4), E.randn(3, 4)), RuntimeError, "1D tensors expected, but got 2D and 2D tensors"),
    (lambda: E.dot(E.randn(3), E.randn(4)), RuntimeError,
     "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, but got 3 and "
     "4 elements respectively"),
    (lambda: E.dot(E.randn(3), E.randn(3).double()), RuntimeError,
     "dot : expected both vectors to have same dtype, but found Float and Double"),
    (lambda: E.matmul(E.randn(2, 3), E.randn(4, 5)), RuntimeError,
     "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    (lambda: E.matmul(E.tensor(1.0), E.randn(3)), RuntimeError,
     "both arguments to matmul need to be at least 1D, but they are 0D and 1D"),
]


@pytest.mark.parametrize("fn,exc,text", ERRORS)
def test_errors(fn, exc, text):
    with pytest.raises(exc) as info:
        fn()
    assert str(info.value) == text


@pytest.mark.parametrize("sa,sb,name", MATMUL_SHAPES)
def test_matmul_against_torch(sa, sb, name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(len(sa) * 10 + len(sb))
    da, db = rng.standard_normal(sa), rng.standard_normal(sb)
    ta, tb = torch.tensor(da, requires_grad=True), torch.tensor(db, requires_grad=True)
    ga, gb = E.tensor(da, requires_grad=True), E.tensor(db, requires_grad=True)
    rt, rg = torch.matmul(ta, tb), E.matmul(ga, gb)
    np.testing.assert_allclose(arr(rg), rt.detach().numpy(), rtol=1e-12)
    assert type(rt.grad_fn).__name__ == name
    w = rng.standard_normal(tuple(rt.shape))
    rt.backward(torch.tensor(w))
    rg.backward(E.tensor(w))
    np.testing.assert_allclose(arr(ga.grad), ta.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(arr(gb.grad), tb.grad.numpy(), rtol=1e-10)


def test_bmm_outer_dot_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for fn, shapes in (("bmm", ((2, 3, 4), (2, 4, 5))), ("outer", ((3,), (4,))), ("dot", ((3,), (3,))),
                       ("mm", ((2, 3), (3, 4)))):
        da, db = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
        ta, tb = torch.tensor(da, requires_grad=True), torch.tensor(db, requires_grad=True)
        ga, gb = E.tensor(da, requires_grad=True), E.tensor(db, requires_grad=True)
        rt, rg = getattr(torch, fn)(ta, tb), getattr(E, fn)(ga, gb)
        np.testing.assert_allclose(arr(rg), rt.detach().numpy(), rtol=1e-12)
        assert rg.grad_fn.name() == type(rt.grad_fn).__name__
        rt.sum().backward()
        rg.sum().backward()
        np.testing.assert_allclose(arr(ga.grad), ta.grad.numpy(), rtol=1e-12)
        np.testing.assert_allclose(arr(gb.grad), tb.grad.numpy(), rtol=1e-12)
