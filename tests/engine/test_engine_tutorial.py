"""The seed tutorial's examples, with exact values."""
import pytest

import gradwire.engine as E
from gradwire.engine.autograd import Function

pytestmark = pytest.mark.timeout(60)


def test_linear_backward():
    x = E.tensor([3.0], requires_grad=True)
    w = E.tensor([2.0], requires_grad=True)
    b = E.tensor([1.0], requires_grad=True)
    y = w * x + b
    assert y.tolist() == [7.0]
    y.backward()
    assert x.grad.tolist() == [2.0]
    assert w.grad.tolist() == [3.0]
    assert b.grad.tolist() == [1.0]
    assert x.grad.dtype is E.float32 and not x.grad.requires_grad


def test_requires_grad_propagates():
    x = E.tensor([2.0, 3.0], requires_grad=True)
    y = x ** 2
    z = y.sum()
    assert x.requires_grad and y.requires_grad and z.requires_grad
    assert x.is_leaf and not y.is_leaf
    assert E.randn(32, 10).requires_grad is False


def test_gradients_accumulate_and_zero():
    x = E.tensor([2.0], requires_grad=True)
    seen = []
    for _ in range(3):
        y = x ** 2
        y.backward()
        seen.append(x.grad.tolist())
    assert seen == [[4.0], [8.0], [12.0]]
    x.grad.zero_()
    assert x.grad.tolist() == [0.0]


def test_non_scalar_backward_with_ones_like():
    x = E.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x ** 2
    y.backward(E.ones_like(y))
    assert x.grad.tolist() == [[2.0, 4.0], [6.0, 8.0]]


def test_graph_names_and_chain_rule():
    x = E.tensor([2.0], requires_grad=True)
    y = x ** 2
    z = y * 3
    assert x.grad_fn is None
    assert y.grad_fn.name() == "PowBackward0"
    assert z.grad_fn.name() == "MulBackward0"
    assert repr(y.grad_fn).startswith("<PowBackward0 object at 0x")
    z.backward()
    assert x.grad.tolist() == [12.0]


def test_detach():
    x = E.tensor([2.0], requires_grad=True)
    y = x ** 2
    z = y.detach()
    w = z * 3
    assert y.requires_grad is True
    assert z.requires_grad is False and z.grad_fn is None
    with pytest.raises(RuntimeError, match="^element 0 of tensors does not require grad and does not have a grad_fn$"):
        w.backward()


def test_grad_modes():
    x = E.tensor([1.0], requires_grad=True)
    assert (x ** 2).requires_grad
    with E.no_grad():
        y = x ** 2
        assert not y.requires_grad and y.grad_fn is None
        with E.enable_grad():
            assert (x ** 2).requires_grad
    is_train = False
    with E.set_grad_enabled(is_train):
        assert not (x ** 2).requires_grad
    assert E.is_grad_enabled()

    @E.no_grad()
    def inference(t):
        return t * 2

    assert not inference(x).requires_grad
    assert E.is_grad_enabled()


class MultiplyAdd(Function):
    @staticmethod
    def forward(ctx, x, y, z):
        ctx.save_for_backward(x, y, z)
        return x * y + z

    @staticmethod
    def backward(ctx, grad_output):
        x, y, z = ctx.saved_tensors
        return grad_output * y, grad_output * x, grad_output


def test_custom_function():
    x = E.tensor([2.0], requires_grad=True)
    y = E.tensor([3.0], requires_grad=True)
    z = E.tensor([1.0], requires_grad=True)
    out = MultiplyAdd.apply(x, y, z)
    assert out.grad_fn.name() == "MultiplyAddBackward"
    assert repr(out.grad_fn).startswith("<torch.autograd.function.MultiplyAddBackward object at 0x")
    assert [fn.name() for fn, _ in out.grad_fn.next_functions] == ["AccumulateGrad"] * 3
    out.backward()
    assert (x.grad.tolist(), y.grad.tolist(), z.grad.tolist()) == ([3.0], [2.0], [1.0])


def test_gradcheck_tutorial():
    x = E.randn(3, 4, dtype=E.double, requires_grad=True)
    assert E.autograd.gradcheck(lambda t: (t ** 2).sum(), x, eps=1e-6) is True


def test_higher_order():
    x = E.tensor([2.0], requires_grad=True)
    y = x ** 3
    y.backward(create_graph=True)
    first = x.grad.clone()
    assert first.tolist() == [12.0]
    assert first.requires_grad
    x.grad.zero_()
    first.backward()
    assert x.grad.tolist() == [12.0]


def test_higher_order_with_autograd_grad():
    x = E.tensor([1.5], dtype=E.float64, requires_grad=True)
    (g,) = E.autograd.grad(x ** 4, x, create_graph=True)
    (gg,) = E.autograd.grad(g, x, create_graph=True)
    (ggg,) = E.autograd.grad(gg, x)
    assert g.item() == pytest.approx(4 * 1.5 ** 3)
    assert gg.item() == pytest.approx(12 * 1.5 ** 2)
    assert ggg.item() == pytest.approx(24 * 1.5)
    assert x.grad is None  # autograd.grad does not accumulate
