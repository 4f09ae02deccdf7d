"""LU factorization with partial pivoting on arrays (LAPACK getrf's algorithm, unblocked), shared by
torch.linalg's LU family, det and the singular-matrix error texts. It does the same arithmetic as
LAPACK's getf2, so small matrices factor to the same bits as torch's (det of an integer matrix comes
out exact, as torch prints it)."""
from __future__ import annotations

import math


def lu_arrays(xp, arr):
    """(LU, pivots, info) of a batch of m x n matrices: row swaps chosen column by column, as getrf
    (the first largest magnitude); pivots 1-based int32; info the 1-based column of the first exactly
    zero pivot, 0 where there is none."""
    m, n = arr.shape[-2:]
    k = min(m, n)
    batch = arr.shape[:-2]
    a = xp.array(arr.reshape((math.prod(batch), m, n)), copy=True)
    b = a.shape[0]
    piv = xp.zeros((b, k), dtype=xp.int32)
    info = xp.zeros(b, dtype=xp.int32)
    rows = xp.arange(b)
    for j in range(k):
        col = a[:, j:, j]
        # LAPACK's i?amax: |re| + |im| for complex numbers (the first largest)
        size = xp.abs(col.real) + xp.abs(col.imag) if xp.iscomplexobj(col) else xp.abs(col)
        p = xp.argmax(size, axis=1) + j
        piv[:, j] = p + 1
        row_j = a[rows, j, :].copy()
        a[rows, j, :] = a[rows, p, :]
        a[rows, p, :] = row_j
        pivot = a[:, j, j]
        zero = pivot == 0
        info = xp.where((info == 0) & zero, j + 1, info).astype(xp.int32)
        # getf2 scales by the reciprocal of the pivot; a zero pivot leaves the column as it is
        recip = xp.where(zero, 1, 1 / xp.where(zero, 1, pivot))
        a[:, j + 1:, j] *= recip[:, None]
        a[:, j + 1:, j + 1:] -= a[:, j + 1:, j, None] * a[:, j, None, j + 1:]
    return a.reshape(arr.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def det_from_lu(xp, lu, piv):
    """det(A) from A's LU factors: the product of U's diagonal, negated for each row swap (as torch
    computes it, so a singular matrix's determinant keeps its sign: -0.)."""
    n = lu.shape[-1]
    swaps = (piv != xp.arange(1, n + 1, dtype=piv.dtype)).sum(-1)
    sign = xp.where(swaps % 2 == 1, -1, 1).astype(lu.dtype)
    return xp.diagonal(lu, axis1=-2, axis2=-1).prod(-1) * sign


def perm_arrays(xp, piv, m):
    """The row order that LAPACK's swaps (1-based ``piv``) make of ``range(m)``, per batch element."""
    batch, k = piv.shape[:-1], piv.shape[-1]
    p = xp.array(piv.reshape((math.prod(batch), k)), dtype=xp.int64) - 1
    perm = xp.broadcast_to(xp.arange(m), (p.shape[0], m)).copy()
    rows = xp.arange(p.shape[0])
    for j in range(k):
        pj = p[:, j]
        a, b = perm[rows, j].copy(), perm[rows, pj].copy()
        perm[rows, j], perm[rows, pj] = b, a
    return perm.reshape(batch + (m,))


def p_matrix(xp, piv, m, npdt):
    """P with A = P L U: P[perm[i], i] = 1."""
    perm = perm_arrays(xp, piv, m)
    eye = xp.eye(m, dtype=npdt)
    return xp.swapaxes(eye[perm], -1, -2)


def unpack_arrays(xp, lu):
    m, n = lu.shape[-2:]
    k = min(m, n)
    low = xp.tril(lu[..., :, :k], -1) + xp.eye(m, k, dtype=lu.dtype)
    up = xp.triu(lu[..., :k, :])
    return low, up


def lu_solve_arrays(xp, lu, piv, b, adjoint):
    """X with A X = B (A^T X = B with ``adjoint``), A = P L U from (lu, piv); batch dims broadcast."""
    n = lu.shape[-1]
    low, up = unpack_arrays(xp, lu)
    p = p_matrix(xp, piv, n, lu.dtype)
    if adjoint:  # U^T L^T P^T X = B
        y = xp.linalg.solve(xp.swapaxes(up, -1, -2), b)
        return xp.matmul(p, xp.linalg.solve(xp.swapaxes(low, -1, -2), y))
    y = xp.linalg.solve(low, xp.matmul(xp.swapaxes(p, -1, -2), b))
    return xp.linalg.solve(up, y)
