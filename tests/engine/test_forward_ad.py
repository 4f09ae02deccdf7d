"""The engine side of forward-mode AD: ``fwad.jvp`` (the double-backward trick, and linear ops applied to the
tangent), ``fwad.view_tangent`` and ``fwad.primal``, with exact expected values."""
import numpy as np
import pytest

import gradwire.engine as ge

pytestmark = pytest.mark.timeout(60)

jvp = ge.OPS["fwad.jvp"]


def _t(values, requires_grad=False):
    return ge.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def test_mul_tangent_is_the_product_rule():
    a, b = _t([1., 2., 3.]), _t([4., 5., 6.])
    ta, tb = _t([1., 0., 2.]), _t([0., 1., 1.])
    out = jvp("mul", (a, b), {}, [a, b], [ta, tb], [0])
    np.testing.assert_allclose(out.numpy(), [4., 2., 15.])   # ta*b + a*tb
    assert not out.requires_grad


def test_same_tensor_twice_and_a_constant_argument():
    a = _t([1., 2.])
    out = jvp("mul", (a, a), {}, [a], [_t([1., 1.])], [0])
    np.testing.assert_allclose(out.numpy(), [2., 4.])
    out = jvp("pow", (a, 3), {}, [a], [_t([1., 2.])], [0])
    np.testing.assert_allclose(out.numpy(), [3., 24.])


def test_linear_ops_apply_the_op_to_the_tangent_as_a_view():
    a, ta = _t([[1., 2.], [3., 4.]]), _t([[1., 0.], [0., 1.]])
    out = jvp("transpose", (a, 0, 1), {}, [a], [ta], [0])
    assert np.shares_memory(out.array, ta.array)
    np.testing.assert_allclose(out.numpy(), [[1., 0.], [0., 1.]])
    out = jvp("sum", (a, 1), {}, [a], [_t([[1., 2.], [3., 4.]])], [0])
    np.testing.assert_allclose(out.numpy(), [3., 7.])


def test_output_independent_of_the_dual_input_gets_zeros():
    a = _t([1.5, -2.5])
    out = jvp("floor", (a,), {}, [a], [_t([1., 1.])], [0])
    np.testing.assert_allclose(out.numpy(), [0., 0.])


def test_several_outputs_pick_the_wanted_ones():
    a = _t([[1., 5.], [7., 2.]])
    out = jvp("max", (a, 1), {}, [a], [_t([[1., 2.], [3., 4.]])], [0])
    np.testing.assert_allclose(out.numpy(), [2., 3.])


def test_inplace_op_runs_on_a_copy():
    a, b = _t([1., 2.]), _t([3., 4.])
    out = jvp("mul_", (a, b), {}, [b], [_t([1., 1.])], [0], True)
    np.testing.assert_allclose(out.numpy(), [1., 2.])
    np.testing.assert_allclose(a.numpy(), [1., 2.])  # the op itself has not run


def test_random_op_draws_what_the_op_will_draw():
    ge.manual_seed(3)
    x = _t(np.ones(50))
    t = _t(np.arange(50.))
    tangent = jvp("dropout", (x, 0.5, True), {}, [x], [t], [0])
    out = ge.OPS["dropout"](x, 0.5, True)
    np.testing.assert_allclose(tangent.numpy(), out.numpy() * t.numpy())


def test_history_is_kept_where_something_requires_grad():
    x = _t([1., 2.], requires_grad=True)
    tangent = jvp("mul", (x, x), {}, [x], [_t([1., 1.])], [0])  # 2 x t
    assert tangent.requires_grad
    tangent.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2., 2.])
    with ge.no_grad():
        assert not jvp("mul", (x, x), {}, [x], [_t([1., 1.])], [0]).requires_grad


def test_view_tangent_and_primal():
    base = _t([0., 0., 0., 0.])
    view = ge.OPS["getitem"](base, (("slice", 1, 3, None),))
    new = ge.OPS["fwad.view_tangent"](base, view, None, _t([1., 2.]))
    np.testing.assert_allclose(new.numpy(), [0., 1., 2., 0.])
    x = _t([1., 2.], requires_grad=True)
    y = x * 1
    p = ge.OPS["fwad.primal"](y)
    assert p.grad_fn.name() == "Identity" and np.shares_memory(p.array, y.array)
    p.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1., 1.])
