"""The engine's decompositions (gradwire.engine.ops.decompositions2) on known results, without torch:
eigh / eigvalsh, cholesky(_ex), qr, svd, pinv, lstsq, matrix_exp, matrix_power, cholesky_solve, inv_ex.
Gradients are checked in test_gradcheck_ops.ADDED_OPS."""
from __future__ import annotations

import math

import numpy as np
import pytest

import gradwire.engine as E
from gradwire.common.linalg import LinAlgError

pytestmark = pytest.mark.timeout(60)

OP = E.OPS
RNG = np.random.default_rng(3)


def t(a, **kw):
    return E.tensor(np.asarray(a, dtype=np.float64).tolist(), dtype=E.float64, **kw)


def close(x, y, tol=1e-10):
    np.testing.assert_allclose(np.asarray(x.numpy() if hasattr(x, "numpy") else x), np.asarray(y), rtol=tol,
                               atol=tol)


def test_eigh_reconstructs_and_reads_one_triangle():
    w, v = OP["linalg.eigh"](t([[2., 1.], [1., 2.]]))
    close(w, [1., 3.])
    close(np.abs(v.numpy()), np.full((2, 2), 2 ** -0.5))
    a = RNG.standard_normal((3, 4, 4))
    w, v = OP["linalg.eigh"](t(np.tril(a)), UPLO="L")
    sym = np.tril(a) + np.swapaxes(np.tril(a, -1), -1, -2)
    close((v.numpy() * w.numpy()[..., None, :]) @ np.swapaxes(v.numpy(), -1, -2), sym)
    close(OP["linalg.eigvalsh"](t(np.triu(a)), "U"), np.linalg.eigvalsh(np.swapaxes(np.triu(a), -1, -2)))
    with pytest.raises(RuntimeError, match="Expected UPLO argument to be 'L' or 'U', but got X"):
        OP["linalg.eigh"](t(np.eye(2)), "X")
    with pytest.raises(NotImplementedError, match="linalg_eigh_cpu"):
        OP["linalg.eigh"](E.ones(2, 2, dtype=E.int64))


def test_cholesky_and_info():
    close(OP["linalg.cholesky"](t([[4., 2.], [2., 5.]])), [[2., 0.], [1., 2.]])
    close(OP["linalg.cholesky"](t([[4., 2.], [2., 5.]]), upper=True), [[2., 1.], [0., 2.]])
    low, info = OP["linalg.cholesky_ex"](t([[1., 2.], [2., 1.]]))
    assert info.item() == 2 and info.dtype is E.int32
    close(low, [[1., 0.], [2., -3.]])  # LAPACK's partial factor
    _, info = OP["linalg.cholesky_ex"](t([np.eye(2), [[-1., 0.], [0., 1.]], np.eye(2) * 2]))
    assert info.tolist() == [0, 1, 0]
    with pytest.raises(LinAlgError, match=r"linalg.cholesky: \(Batch element 1\): .*leading minor of order 1"):
        OP["linalg.cholesky"](t([np.eye(2), [[-1., 0.], [0., 1.]]]))
    with pytest.raises(LinAlgError, match="linalg.cholesky_ex: The factorization"):
        OP["linalg.cholesky_ex"](t([[1., 2.], [2., 1.]]), check_errors=True)


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 3)])
def test_qr_modes(shape):
    a = RNG.standard_normal(shape)
    q, r = OP["linalg.qr"](t(a))
    close(q.numpy() @ r.numpy(), a)
    k = min(shape[-2:])
    close(np.swapaxes(q.numpy(), -1, -2) @ q.numpy(), np.broadcast_to(np.eye(k), shape[:-2] + (k, k)))
    assert np.allclose(np.tril(r.numpy(), -1), 0)
    q, r = OP["linalg.qr"](t(a), "complete")
    assert q.shape == shape[:-2] + (shape[-2],) * 2 and r.shape == shape
    q, r = OP["linalg.qr"](t(a), "r")
    assert q.shape == (0,)
    with pytest.raises(RuntimeError, match="qr received unrecognized mode 'x'"):
        OP["linalg.qr"](t(a), "x")


def test_qr_gradient_errors():
    a = t(RNG.standard_normal((4, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match="mode='r'"):
        OP["linalg.qr"](a, "r")[1].sum().backward()
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete' and nrows > ncols"):
        OP["linalg.qr"](a, "complete")[0].sum().backward()


def test_svd_full_and_reduced():
    a = RNG.standard_normal((2, 5, 3))
    u, s, vh = OP["linalg.svd"](t(a))
    assert (u.shape, s.shape, vh.shape) == ((2, 5, 5), (2, 3), (2, 3, 3))
    close(u.numpy() @ np.swapaxes(u.numpy(), -1, -2), np.broadcast_to(np.eye(5), (2, 5, 5)))
    u, s, vh = OP["linalg.svd"](t(a), full_matrices=False)
    close((u.numpy() * s.numpy()[..., None, :]) @ vh.numpy(), a)


def test_pinv_moore_penrose():
    for a in (RNG.standard_normal((4, 3)), RNG.standard_normal((2, 3, 5))):
        p = OP["linalg.pinv"](t(a)).numpy()
        close(a @ p @ a, a)
        close(p @ a @ p, p)
    close(OP["linalg.pinv"](t([[2., 0.], [0., 1e-20]])), [[0.5, 0.], [0., 0.]])
    close(OP["linalg.pinv"](t([[2., 0.], [0., 0.5]]), atol=1.), [[0.5, 0.], [0., 0.]])
    close(OP["linalg.pinv"](t([[2., 0.], [0., -0.5]]), hermitian=True), [[0.5, 0.], [0., -2.]])


def test_lstsq_outputs_per_driver():
    a, b = RNG.standard_normal((6, 3)), RNG.standard_normal((6, 2))
    x, res, rank, sv = OP["linalg.lstsq"](t(a), t(b))
    close(x, np.linalg.lstsq(a, b, rcond=None)[0])
    assert res.shape == (0,) and rank.item() == 3 and sv.shape == (0,)
    x, res, rank, sv = OP["linalg.lstsq"](t(a), t(b), driver="gelsd")
    close(res, ((a @ x.numpy() - b) ** 2).sum(0))
    close(sv, np.linalg.svd(a, compute_uv=False))
    assert not sv.requires_grad
    _, _, rank, _ = OP["linalg.lstsq"](t([[1., 1.], [1., 1.], [0., 0.]]), t(np.ones((3, 1))))
    assert rank.item() == 1
    with pytest.raises(RuntimeError, match="parameter `driver` should be one of"):
        OP["linalg.lstsq"](t(a), t(b), driver="x")


def test_matrix_exp_and_power():
    close(OP["matrix_exp"](t([[0., 1.], [0., 0.]])), [[1., 1.], [0., 1.]])
    close(OP["matrix_exp"](t([[0., -math.pi], [math.pi, 0.]])), [[-1., 0.], [0., -1.]])
    close(OP["matrix_exp"](t(np.diag([1., -2., 30.]))), np.diag(np.exp([1., -2., 30.])), 1e-12)
    a = RNG.standard_normal((2, 3, 3))
    close(OP["matrix_power"](t(a), 5), np.linalg.matrix_power(a, 5))
    close(OP["matrix_power"](t(a), -3), np.linalg.matrix_power(a, -3), 1e-8)
    close(OP["matrix_power"](t(a), 0), np.broadcast_to(np.eye(3), a.shape))
    assert OP["matrix_power"](E.tensor([[1, 1], [0, 1]]), 4).tolist() == [[1, 4], [0, 1]]
    x = t(a, requires_grad=True)
    assert [OP["matrix_power"](x[0], n).grad_fn.name() for n in (0, 1, 2, -1)] == [
        "torch::autograd::CopyBackwards", "CloneBackward0", "MmBackward0", "LinalgInvExBackward0"]
    with pytest.raises(TypeError, match="argument 'n' .* must be int, not float"):
        OP["matrix_power"](t(a), 2.0)


def test_cholesky_solve_and_inv_ex():
    a = RNG.standard_normal((3, 3))
    spd = a @ a.T + 3 * np.eye(3)
    b = RNG.standard_normal((2, 3, 2))
    low = np.linalg.cholesky(spd)
    close(OP["cholesky_solve"](t(b), t(low)), np.linalg.solve(spd, b))
    close(OP["cholesky_solve"](t(b), t(low.T + np.tril(np.ones((3, 3)), -1)), upper=True), np.linalg.solve(spd, b))
    inv, info = OP["linalg.inv_ex"](t(spd))
    close(inv, np.linalg.inv(spd))
    assert info.item() == 0
    _, info = OP["linalg.inv_ex"](t([np.eye(2), [[1., 2.], [2., 4.]], np.zeros((2, 2))]))
    assert info.tolist() == [0, 2, 1]
    with pytest.raises(LinAlgError, match="linalg.inv_ex: The diagonal element 1 is zero"):
        OP["linalg.inv_ex"](t(np.zeros((2, 2))), check_errors=True)
    with pytest.raises(RuntimeError, match="Incompatible matrix sizes for cholesky_solve"):
        OP["cholesky_solve"](t(np.ones((2, 2))), t(np.eye(3)))


def test_householder_product_reflectors():
    a = RNG.standard_normal((4, 3))
    close(OP["linalg.householder_product"](t(a), t([0., 0.])), np.eye(4, 3))
    v = np.array([1., *a[1:, 0]])
    close(OP["linalg.householder_product"](t(a), t([0.5])), (np.eye(4) - 0.5 * np.outer(v, v))[:, :3])
    with pytest.raises(RuntimeError, match="input.shape\\[-2\\] must be greater than or equal to input.shape\\[-1\\]"):
        OP["linalg.householder_product"](t(a.T), t([1.]))
