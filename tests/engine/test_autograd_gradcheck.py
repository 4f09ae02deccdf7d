"""gradcheck / gradgradcheck: pass, failure texts (slow and fast mode), nondeterminism, warnings."""
import random

import pytest

import gradwire.engine as ge
from gradwire.engine.autograd import Function, GradcheckError, gradcheck, gradgradcheck

pytestmark = pytest.mark.timeout(60)


class Bad(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 3


class BadSecond(Function):
    """Right first derivative, wrong second (the saved input is detached)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 2 * x.detach()


class Noisy(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * (2 + random.random() * 1e-3)


def _x():
    return ge.tensor([1.0, 2.0], dtype=ge.float64, requires_grad=True)


def test_slow_mode_failure_text():
    with pytest.raises(GradcheckError) as e:
        gradcheck(Bad.apply, (_x(),))
    assert isinstance(e.value, RuntimeError)
    assert str(e.value) == ("Jacobian mismatch for output 0 with respect to input 0,\n"
                            "numerical:tensor([[2.0000, 0.0000],\n        [0.0000, 2.0000]], dtype=torch.float64)\n"
                            "analytical:tensor([[3., 0.],\n        [0., 3.]], dtype=torch.float64)\n")
    assert gradcheck(Bad.apply, (_x(),), raise_exception=False) is False


def test_fast_mode():
    gen = ge.Generator(seed=0)
    x = ge.randn(3, 4, dtype=ge.float64, generator=gen).requires_grad_()
    assert gradcheck(lambda t: (t ** 2).sum(), (x,), fast_mode=True)
    assert gradcheck(lambda t: t.t() * 3, (x,), fast_mode=True)
    assert gradcheck(Bad.apply, (_x(),), fast_mode=True, raise_exception=False) is False
    with pytest.raises(GradcheckError) as e:
        gradcheck(Bad.apply, (_x(),), fast_mode=True)
    msg = str(e.value)
    head, rest = msg.split("\n\nThe above quantities", 1)
    lines = head.split("\n")
    assert lines[0] == "Jacobian mismatch for output 0 with respect to input 0,"
    n = float(lines[1][len("numerical:"):])
    a = float(lines[2][len("analytical:"):])
    assert abs(a / n - 1.5) < 1e-6  # v.J_bad.u = 1.5 * v.J.u
    assert rest.startswith(" relating the numerical and analytical jacobians are computed \nin fast mode. See: "
                           "https://github.com/pytorch/pytorch/issues/53876 for more background \nabout fast mode. "
                           "Below, we recompute numerical and analytical jacobians in slow mode:\n\nNumerical:\n "
                           "tensor([[2.0000, 0.0000],\n        [0.0000, 2.0000]], dtype=torch.float64)\nAnalytical:\n"
                           "tensor([[3., 0.],\n        [0., 3.]], dtype=torch.float64)\n\nThe max per-element "
                           "difference (slow mode) is: 1.0000000000")


def test_multi_input_output_failure_names_the_pair():
    class Bad2(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y, x + y

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 0, g2

    y = ge.tensor([3.0, 4.0], dtype=ge.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="^Jacobian mismatch for output 0 with respect to input 0,\nnumerical:"
                                             "tensor\\(\\[\\[3.0000, 0.0000\\],"):
        gradcheck(Bad2.apply, (_x(), y))


def test_gradgradcheck():
    assert gradgradcheck(lambda t: t ** 3, (_x(),))
    assert gradgradcheck(lambda t: t ** 3, (_x(),), fast_mode=True)
    assert gradcheck(BadSecond.apply, (_x(),))
    with pytest.raises(GradcheckError, match="^Jacobian mismatch for output 0 with respect to input 0,\n"):
        gradgradcheck(BadSecond.apply, (_x(),))
    assert gradgradcheck(lambda t: t ** 3, (_x(),), gen_non_contig_grad_outputs=True)


def test_nondeterminism():
    with pytest.raises(GradcheckError, match="^Backward is not reentrant, i.e., running backward with same input "
                                             "and grad_output multiple times gives different values, although "
                                             "analytical gradient matches numerical gradient.The tolerance for "
                                             "nondeterminism was 0.0.\n\nNOTE: "):
        gradcheck(Noisy.apply, (_x(),), atol=1e-1)
    assert gradcheck(Noisy.apply, (_x(),), atol=1e-1, nondet_tol=1e-2)


def test_input_checks():
    with pytest.raises(ValueError, match="^gradcheck expects at least one input tensor to require gradient, but "
                                         "none of them have requires_grad=True.$"):
        gradcheck(lambda t: t * 2, (ge.ones(2, dtype=ge.float64),))
    with pytest.warns(UserWarning, match="^Input #0 requires gradient and is not a double precision floating point "
                                         "or complex. This check will likely fail if all the inputs are not of "
                                         "double precision floating point or complex. $"):
        assert gradcheck(lambda t: t * 2, (ge.tensor([1.0, 2.0], requires_grad=True),), atol=1e-2, rtol=1e-2,
                         eps=1e-3)


def test_matches_torch_slow_text():
    torch = pytest.importorskip("torch")

    class TBad(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    with pytest.raises(RuntimeError) as te:
        torch.autograd.gradcheck(TBad.apply, (torch.tensor([1.0, 2.0], dtype=torch.double, requires_grad=True),))
    with pytest.raises(GradcheckError) as ge_err:
        gradcheck(Bad.apply, (_x(),))
    assert str(te.value) == str(ge_err.value)
