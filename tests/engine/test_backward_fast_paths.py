"""The backward engine's array fast paths: adopted (stolen) gradients, ReLU/sum/mean/mul/view backward on
arrays, in-place buffer sums and the swapped Addmm product.  Values must equal the differentiable path's,
and no ``.grad`` may share memory with a tensor the user can reach."""
from __future__ import annotations

import numpy as np
import pytest

import gradwire.engine as E
from gradwire.engine.autograd import Function, gradcheck, gradgradcheck
from gradwire.engine.nn import functional as F

pytestmark = pytest.mark.timeout(60)

sm = np.shares_memory


def _leaves(*shapes, dtype=E.float64):
    rng = np.random.default_rng(0)
    return [E.tensor(rng.standard_normal(s), dtype=dtype, requires_grad=True) for s in shapes]


# ---- adopted gradients never alias anything the user holds --------------------------------

def test_user_gradient_is_copied_into_leaf_grad():
    (a,) = _leaves((3, 4))
    g = E.ones(3, 4, dtype=E.float64)
    a.backward(g)
    assert not sm(a.grad.array, g.array)
    a.grad.array[...] = 5.0
    assert g.numpy().tolist() == [[1.0] * 4] * 3


def test_gradient_sent_along_two_edges_is_not_shared():
    a, b = _leaves((3, 4), (3, 4))
    (a + b).sum().backward()
    assert not sm(a.grad.array, b.grad.array)
    a.grad.array[...] = 7.0
    assert b.grad.numpy().tolist() == [[1.0] * 4] * 3


def test_gradient_seen_by_a_hook_is_not_adopted():
    a, b = _leaves((2, 3), (2, 3))
    kept = []
    a.register_hook(lambda g: kept.append(g))
    (a * b).sum().backward()
    assert not sm(kept[0].array, a.grad.array)
    np.testing.assert_array_equal(kept[0].numpy(), b.detach().numpy())


def test_retained_nonleaf_grad_and_leaf_grad_are_separate():
    a, b = _leaves((2, 3), (2, 3))
    y = a * b
    y.retain_grad()
    (y + a).sum().backward()
    assert not sm(y.grad.array, a.grad.array)
    np.testing.assert_array_equal(y.grad.numpy(), np.ones((2, 3)))
    np.testing.assert_allclose(a.grad.numpy(), b.detach().numpy() + 1.0, rtol=0, atol=0)


def test_autograd_grad_result_reused_as_gradient_is_copied():
    a, b = _leaves((2, 3), (2, 3))
    (ga,) = E.autograd.grad((a * b).sum(), [a])
    (a * 1.0).backward(ga)
    assert not sm(a.grad.array, ga.array)


def test_user_function_that_keeps_its_gradient():
    a, b = _leaves((2, 3), (2, 3))
    kept = []

    class Keep(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            kept.append(g)
            return g

    Keep.apply(a).sum().backward()
    assert not sm(kept[0].array, a.grad.array)
    Keep.apply(a * b).sum().backward()
    assert not sm(kept[1].array, a.grad.array)


def test_second_backward_accumulates_in_place_and_values_add_up():
    a, b = _leaves((4,), (4,))
    (a * b).sum().backward()
    first = a.grad
    (a * b).sum().backward()
    assert a.grad is first  # accumulated into the same tensor
    np.testing.assert_allclose(a.grad.numpy(), 2 * b.detach().numpy(), rtol=0, atol=0)


def test_buffer_sums_of_several_paths():
    (a,) = _leaves((3,))
    (a * 2.0 + a * 3.0 + E.relu(a) * 0.0 + a).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [6.0, 6.0, 6.0], rtol=0, atol=0)


def test_linear_weight_grad_keeps_the_weight_layout():
    rng = np.random.default_rng(1)
    w = E.tensor(rng.standard_normal((1, 10)), requires_grad=True)
    b = E.zeros(1, dtype=E.float64, requires_grad=True)
    x = E.tensor(rng.standard_normal((32, 10)))
    F.relu(F.linear(x, w, b)).sum().backward()
    assert w.grad.array.flags.c_contiguous and w.grad.shape == (1, 10)
    mask = (x.numpy() @ w.detach().numpy().T)[:, 0] > 0
    np.testing.assert_allclose(w.grad.numpy()[0], x.numpy()[mask].sum(0), rtol=1e-12, atol=1e-12)


# ---- array backward formulas give the differentiable path's values ---------------------------

@pytest.mark.parametrize("dtype", [E.float16, E.float32, E.float64])
def test_relu_backward_is_where_exactly(dtype):
    xa = np.array([[-1.0, 0.0, 2.0, np.nan], [3.0, -0.0, -5.0, 1.0]])
    ga = np.array([[np.nan, -2.0, -3.0, 4.0], [np.inf, np.nan, -1.0, -0.0]])
    x = E.tensor(xa, dtype=dtype, requires_grad=True)
    E.relu(x).backward(E.tensor(ga, dtype=dtype))
    got = x.grad.numpy()
    assert got.dtype == dtype.numpy
    assert got.tolist() == [[0.0, 0.0, -3.0, 0.0], [np.inf, 0.0, 0.0, -0.0]]
    assert list(np.signbit(got).ravel()) == [False, False, True, False, False, False, False, True]


@pytest.mark.parametrize("shape", [(3, 4), (200, 100)])  # written out / broadcast view
def test_sum_and_mean_backward_values(shape):
    (a,) = _leaves(shape)
    a.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.ones(shape))
    a.grad = None
    a.mean(1, keepdim=True).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.full(shape, 1.0 / shape[1]), rtol=0, atol=0)
    a.grad = None
    a.mean(0).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.full(shape, 1.0 / shape[0]), rtol=0, atol=0)


def test_broadcast_mul_backward_sums_to_each_shape():
    a, b = _leaves((3, 1), (1, 4))
    (a * b * 2.0).t().reshape(-1).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.full((3, 1), 2 * b.detach().numpy().sum()), rtol=1e-14)
    np.testing.assert_allclose(b.grad.numpy(), np.full((1, 4), 2 * a.detach().numpy().sum()), rtol=1e-14)


def test_gradcheck_and_gradgradcheck_through_fast_path_ops():
    a, b = _leaves((3, 4), (4,))

    def fn(x, y):
        return (E.relu(x * y + 0.3).t().reshape(-1) * 2.0).mean() + (x * x).sum(0).sum()

    assert gradcheck(fn, (a, b))
    assert gradgradcheck(fn, (a, b))


# ---- the Addmm product computed as (mat2^T mat1^T)^T ----------------------------------------

def test_large_linear_output_is_row_major_and_exact():
    rng = np.random.default_rng(2)
    x = E.tensor(rng.standard_normal((64, 256)), requires_grad=True)
    w = E.tensor(rng.standard_normal((512, 256)) / 16, requires_grad=True)
    b = E.tensor(rng.standard_normal(512), requires_grad=True)
    y = F.linear(x, w, b)  # 64 * 512 * 256 multiply-adds: the swapped product
    assert y.array.flags.c_contiguous
    assert y.view(-1).shape == (64 * 512,)
    ref = x.numpy(force=True) @ w.numpy(force=True).T + b.numpy(force=True)
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-12, atol=1e-12)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.tile(w.detach().numpy().sum(0), (64, 1)), rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), np.tile(x.detach().numpy().sum(0), (512, 1)), rtol=1e-12)
    np.testing.assert_array_equal(b.grad.numpy(), np.full(512, 64.0))


def test_matches_torch_mlp_grads():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    xs, w1s, w2s = rng.standard_normal((16, 64)), rng.standard_normal((128, 64)), rng.standard_normal((10, 128))
    t = rng.integers(0, 10, 16)
    ours = [E.tensor(v, requires_grad=True) for v in (w1s, w2s)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (w1s, w2s)]
    b1, b2 = E.zeros(128, dtype=E.float64, requires_grad=True), E.zeros(10, dtype=E.float64, requires_grad=True)
    tb1 = torch.zeros(128, dtype=torch.float64, requires_grad=True)
    tb2 = torch.zeros(10, dtype=torch.float64, requires_grad=True)
    F.cross_entropy(F.linear(F.relu(F.linear(E.tensor(xs), ours[0], b1)), ours[1], b2), E.tensor(t)).backward()
    tf = torch.nn.functional
    tf.cross_entropy(tf.linear(tf.relu(tf.linear(torch.tensor(xs), theirs[0], tb1)), theirs[1], tb2),
                     torch.tensor(t)).backward()
    for o, th in zip(ours + [b1, b2], theirs + [tb1, tb2]):
        np.testing.assert_allclose(o.grad.numpy(), th.grad.numpy(), rtol=1e-10, atol=1e-12)
