"""Custom autograd.Function: saved tensors, needs_input_grad, mark_dirty, mark_non_differentiable,
set_materialize_grads, once_differentiable, setup_context, wrong gradients."""
import re

import pytest

import gradwire.engine as ge
from gradwire.engine.autograd import Function, gradcheck, gradgradcheck
from gradwire.engine.autograd.function import once_differentiable
from gradwire.engine.function import FREED_MESSAGE

pytestmark = pytest.mark.timeout(60)


class MultiplyAdd(Function):
    @staticmethod
    def forward(ctx, x, y, z):
        ctx.save_for_backward(x, y, z)
        return x * y + z

    @staticmethod
    def backward(ctx, grad_output):
        x, y, z = ctx.saved_tensors
        return grad_output * y, grad_output * x, grad_output


class TwoGrads(Function):
    @staticmethod
    def forward(ctx, x, y, z):
        ctx.save_for_backward(x, y)
        return x * y + z

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * y, g * x


def _xyz():
    return (ge.tensor([2.0], requires_grad=True), ge.tensor([3.0], requires_grad=True),
            ge.tensor([1.0], requires_grad=True))


def test_multiply_add_and_node():
    x, y, z = _xyz()
    out = MultiplyAdd.apply(x, y, z)
    assert repr(out) == "tensor([7.], grad_fn=<MultiplyAddBackward>)"
    assert re.fullmatch(r"<torch\.autograd\.function\.MultiplyAddBackward object at 0x[0-9a-f]+>", repr(out.grad_fn))
    assert out.grad_fn.name() == "MultiplyAddBackward"
    assert out.grad_fn.needs_input_grad == (True, True, True)
    out.backward()
    assert (x.grad.tolist(), y.grad.tolist(), z.grad.tolist()) == ([3.0], [2.0], [1.0])
    with pytest.raises(RuntimeError) as e:
        out.grad_fn.saved_tensors
    assert str(e.value) == FREED_MESSAGE
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second time"):
        out.backward()


def test_saved_tensors_kept_with_retain_graph():
    x, y, z = _xyz()
    out = MultiplyAdd.apply(x, y, z)
    out.backward(retain_graph=True)
    assert [t.tolist() for t in out.grad_fn.saved_tensors] == [[2.0], [3.0], [1.0]]
    out.backward()
    assert x.grad.tolist() == [6.0]


def test_wrong_number_of_gradients():
    x, y, _ = _xyz()
    z = ge.tensor([1.0])
    with pytest.raises(RuntimeError, match=re.escape(
            "function TwoGradsBackward returned an incorrect number of gradients (expected 3, got 2)")):
        TwoGrads.apply(x, y, z).backward()

    class Many(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g, None

    with pytest.raises(RuntimeError, match=re.escape(
            "function ManyBackward returned an incorrect number of gradients (expected 1, got 3)")):
        Many.apply(x).backward()


def test_needs_input_grad_non_tensor_args_and_none_grads():
    seen = {}

    class Scale(Function):
        @staticmethod
        def forward(ctx, x, k, flag=True):
            ctx.k = k
            return x * k

        @staticmethod
        def backward(ctx, g):
            seen["needs"] = ctx.needs_input_grad
            return g * ctx.k, None, None

    x = ge.tensor([1.0, 2.0], requires_grad=True)
    Scale.apply(x, 3.0, False).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0] and seen["needs"] == (True, False, False)

    class GradForNumber(Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g, g

    with pytest.raises(RuntimeError, match="^function GradForNumberBackward returned a gradient different than "
                                           "None at position 2, but the corresponding forward input was not a "
                                           "Variable$"):
        GradForNumber.apply(x, 2.0).sum().backward()

    class ReturnsInt(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return 3

    with pytest.raises(RuntimeError, match=re.escape("expected Variable or None (got int)")):
        ReturnsInt.apply(x).sum().backward()

    class SaveNumber(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x

    with pytest.raises(TypeError, match="^save_for_backward can only save variables, but argument 1 is of type int$"):
        SaveNumber.apply(x)


def test_mark_dirty():
    class Double_(Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = ge.tensor([1.0, 3.0], requires_grad=True)
    a = x.clone()
    b = Double_.apply(a)
    assert b is a and a._version == 2 and a.grad_fn.name() == "Double_Backward"
    assert repr(b) == "tensor([2., 6.], grad_fn=<Double_Backward>)"
    (b * b).sum().backward()
    assert x.grad.tolist() == [8.0, 24.0]  # d(4x^2)/dx
    with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad has been used in an in-place "
                                           "operation.$"):
        Double_.apply(x)


def test_mark_non_differentiable_and_materialize():
    seen = []

    class Split(Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 3
            ctx.mark_non_differentiable(y)
            return x * 2, ge.tensor(0), y

        @staticmethod
        def backward(ctx, ga, gi, gy):
            seen.append((ga.tolist(), gi.tolist(), gy.tolist()))
            return ga * 2

    x = ge.tensor([2.0], requires_grad=True)
    a, i, y = Split.apply(x)
    assert a.requires_grad and not i.requires_grad and not y.requires_grad
    a.sum().backward()
    assert seen == [([1.0], 0, [0.0])] and x.grad.tolist() == [2.0]

    class Single(Function):
        @staticmethod
        def forward(ctx, x):
            out = x * 2
            ctx.mark_non_differentiable(out)
            return out

        @staticmethod
        def backward(ctx, g):
            return g

    assert not Single.apply(x).requires_grad

    class NoMat(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            seen.append((ga.tolist(), gb))
            return ga * 2

    NoMat.apply(x)[0].sum().backward()
    assert seen[-1] == ([1.0], None)


def test_once_differentiable():
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            assert not ge.is_grad_enabled()
            return 2 * x * g

    x = ge.tensor([1.0, 2.0], requires_grad=True)
    g, = ge.autograd.grad(Square.apply(x), x, ge.ones(2, requires_grad=True), create_graph=True)
    assert repr(g) == "tensor([2., 4.], grad_fn=<Error>)"
    with pytest.raises(RuntimeError, match="^trying to differentiate twice a function that was marked with "
                                           "@once_differentiable$"):
        g.sum().backward()
    g, = ge.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
    assert g.grad_fn is None and g.tolist() == [2.0, 4.0]


def test_setup_context_style_and_gradcheck():
    class Cube(Function):
        @staticmethod
        def forward(x, k):
            return x * x * x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            ctx.k = k
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x * x * ctx.k, None

    x = ge.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=ge.float64, requires_grad=True)
    out = Cube.apply(x, 2.0)
    assert out.grad_fn.name() == "CubeBackward"
    assert gradcheck(lambda t: Cube.apply(t, 2.0), (x.t(),))
    assert gradgradcheck(lambda t: Cube.apply(t, 2.0), (x,))


def test_multiply_add_gradcheck_broadcast():
    gen = ge.Generator(seed=1)
    x = ge.randn(3, 1, dtype=ge.float64, generator=gen).requires_grad_()
    y = ge.randn(4, dtype=ge.float64, generator=gen).requires_grad_()
    z = ge.randn(3, 4, dtype=ge.float64, generator=gen).requires_grad_()
    assert gradcheck(MultiplyAdd.apply, (x, y, z))
    assert gradgradcheck(MultiplyAdd.apply, (x, y, z))


def test_matches_torch():
    torch = pytest.importorskip("torch")
    msgs = []
    for lib in (torch, ge):
        base = torch.autograd.Function if lib is torch else Function

        class TwoGrads(base):  # noqa: N801 - the same name in both
            @staticmethod
            def forward(ctx, x, y, z):
                return x * y + z

            @staticmethod
            def backward(ctx, g):
                return g, g

        x = lib.tensor([2.0], requires_grad=True)
        with pytest.raises(RuntimeError) as e:
            TwoGrads.apply(x, x, lib.tensor([1.0])).backward()
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]
