"""torch.linalg's LU and LDL families (lu_factor_ex, lu, lu_unpack, lu_solve, ldl_factor_ex, ldl_solve), the
``*_copy`` forms of the view ops, and torch.special's functions without gradients (orthogonal polynomials,
Bessel functions, ...).

LU: partial pivoting (LAPACK getrf's choice of pivot: the first largest magnitude), vectorised over the batch,
pivots 1-based int32 as torch returns them. Nodes as torch names them (LinalgLuFactorExBackward0,
LinalgLuBackward0, LuUnpackBackward0, LinalgLuSolveBackward0); backwards are written with differentiable
ops (matmul, solve, tril/triu, cat), so higher-order gradients work.

Declares WIRE, METHODS and __all__ like the other extension modules.
"""
from __future__ import annotations

import math

from gradwire.common import linalg as _la
from gradwire.common import dtypes as _dt
from gradwire.common import shapes as _shapes
from gradwire.common.dtypes import int32, int64 as int64_dt

from .. import backend
from ..function import Function
from ..grad_mode import _state as _grad_state
from ..tensor import Tensor
from . import _linspec_kernels as KL
from ._lu import lu_arrays as _lu_arrays, lu_solve_arrays as _lu_solve_arrays, p_matrix as _p_matrix, \
    unpack_arrays as _unpack_arrays
from ._util import binary_prep, check_tensor_arg, same_device, unary_prep, wrap
from .decompositions2 import _solve
from .inplace import _unary_
from .linalg import matmul
from .named import NormDim
from .shape import cat, sum_to


# ---- LU with partial pivoting on arrays ----------------------------------------------------------------

def _pad_to(t: Tensor, m: int, n: int) -> Tensor:
    """``t`` (..., r, c) with zero rows / columns appended up to (..., m, n) (differentiable)."""
    r, c = t.array.shape[-2:]
    xp = t.xp
    if c < n:
        t = cat([t, wrap(xp, xp.zeros(t.array.shape[:-1] + (n - c,), dtype=t.array.dtype), t.dtype, t.device)], -1)
    if r < m:
        t = cat([t, wrap(xp, xp.zeros(t.array.shape[:-2] + (m - r, n), dtype=t.array.dtype), t.dtype, t.device)], -2)
    return t


def _zero_like(t: Tensor) -> Tensor:
    return wrap(t.xp, t.xp.zeros_like(t.array), t.dtype, t.device)


def _lu_grad(p, low, up, g_low, g_up):
    """The gradient to A = P L U from those to L (m x k, unit lower) and U (k x n, upper)."""
    m, k = low.array.shape[-2:]
    n = up.array.shape[-1]
    g_low = _zero_like(low) if g_low is None else g_low.tril(-1)
    g_up = _zero_like(up) if g_up is None else g_up.triu()
    if m == n:
        phi = matmul(low.mT, g_low).tril(-1) + matmul(g_up, up.mT).triu()
        ga = _solve(up.mT, _solve(low.mT, phi), left=False)
    elif m < n:  # A = P L [U1 U2]
        u1, u2 = up.narrow(-1, 0, k), up.narrow(-1, k, n - k)
        g1, g2 = g_up.narrow(-1, 0, k), g_up.narrow(-1, k, n - k)
        phi = (matmul(low.mT, g_low) - matmul(g2, u2.mT)).tril(-1) + matmul(g1, u1.mT).triu()
        ga = _solve(low.mT, cat([_solve(u1.mT, phi, left=False), g2], -1))
    else:  # A = P [L1; L2] U
        l1, l2 = low.narrow(-2, 0, k), low.narrow(-2, k, m - k)
        g1, g2 = g_low.narrow(-2, 0, k), g_low.narrow(-2, k, m - k)
        phi = matmul(l1.mT, g1).tril(-1) + (matmul(g_up, up.mT) - matmul(l2.mT, g2)).triu()
        ga = _solve(up.mT, cat([_solve(l1.mT, phi), g2], -2), left=False)
    return matmul(p, ga)


def _check_lu_input(op: str, fn: str, A) -> None:
    check_tensor_arg(fn, A, "A")
    shape = A.array.shape
    if len(shape) < 2:
        raise RuntimeError(f"torch.{op}: Expected tensor with 2 or more dimensions. Got size: {list(shape)} instead")
    complex_ok = A.dtype.is_complex and "ldl" not in op  # gradwire's LDL is real only
    if not (A.dtype.is_floating_point or complex_ok) or A.dtype.name == "float16":
        raise NotImplementedError(f"\"{'ldl' if 'ldl' in op else 'lu'}_cpu\" not implemented for "
                                  f"'{A.dtype._torch_name}'")


class LinalgLuFactorEx(Function):
    """(LU, pivots, info); ``check`` names the op to raise for on a singular matrix (exact zero pivot)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, check):
        xp = a.xp
        lu, piv, info = _lu_arrays(xp, a.array)
        if check and bool((info > 0).any()):
            flat = info.reshape(-1)
            i = int(xp.nonzero(flat)[0][0])
            raise RuntimeError(f"torch.{check}: {_la.batch_prefix(a.array.ndim, i)}U[{int(flat[i])},{int(flat[i])}] "
                              "is zero and using it on lu_solve would result in a division by zero. If you still "
                              "want to perform the factorization, consider calling linalg.lu(A, pivot) or "
                              "linalg.lu_factor_ex(A, pivot)")
        out = wrap(xp, lu, a.dtype, a.device)
        pivots = wrap(xp, piv, int32, a.device)
        ctx.save_for_backward(out, pivots)
        return out, pivots, wrap(xp, info, int32, a.device)

    @staticmethod
    def backward(ctx, grad, _g_piv=None, _g_info=None):
        lu, piv = ctx.saved_tensors
        p, low, up = lu_unpack(lu, piv)
        k = min(lu.array.shape[-2:])  # L is LU's first k columns, U its first k rows
        return _lu_grad(p, low, up, grad.narrow(-1, 0, k), grad.narrow(-2, 0, k)), None


class LinalgLu(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        xp = a.xp
        lu, piv, _ = _lu_arrays(xp, a.array)
        low, up = _unpack_arrays(xp, lu)
        outs = (wrap(xp, _p_matrix(xp, piv, a.array.shape[-2], a.array.dtype), a.dtype, a.device),
                wrap(xp, xp.ascontiguousarray(low), a.dtype, a.device), wrap(xp, up, a.dtype, a.device))
        ctx.save_for_backward(*outs)
        ctx.mark_non_differentiable(outs[0])
        return outs

    @staticmethod
    def backward(ctx, _g_p, g_low, g_up):
        p, low, up = ctx.saved_tensors
        return _lu_grad(p, low, up, g_low, g_up)


class LuUnpack(Function):
    """(P, L, U) from lu_factor's output; the gradient goes to LU's two triangles."""

    array_forward = True

    @staticmethod
    def forward(ctx, lu, piv, unpack_data, unpack_pivots):
        xp, arr = lu.xp, lu.array
        m, n = arr.shape[-2:]
        empty = xp.zeros((0,), dtype=arr.dtype)
        low, up = _unpack_arrays(xp, arr) if unpack_data else (empty, empty)
        p = _p_matrix(xp, piv.array, m, arr.dtype) if unpack_pivots else empty
        ctx.shape = (m, n)
        outs = (wrap(xp, p, lu.dtype, lu.device), wrap(xp, xp.ascontiguousarray(low), lu.dtype, lu.device),
                wrap(xp, xp.ascontiguousarray(up), lu.dtype, lu.device))
        ctx.mark_non_differentiable(outs[0])
        return outs

    @staticmethod
    def backward(ctx, _g_p, g_low, g_up):
        m, n = ctx.shape
        return _pad_to(g_low.tril(-1), m, n) + _pad_to(g_up.triu(), m, n), None, None, None


def lu_unpack(LU, pivots, unpack_data=True, unpack_pivots=True):  # noqa: N803 - torch's names
    check_tensor_arg("lu_unpack", LU, "LU_data")
    check_tensor_arg("lu_unpack", pivots, "LU_pivots", 2)
    if LU.array.ndim < 2:
        raise RuntimeError("torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: "
                           f"{list(LU.array.shape)} instead")
    if pivots.dtype is not int32:
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.\n"
                           "Note: this function is intended to be used with the output produced by "
                           "torch.linalg.lu_factor")
    return LuUnpack.apply(LU, pivots, bool(unpack_data), bool(unpack_pivots))


def linalg_lu_factor_ex(A, *, pivot=True, check_errors=False):
    _check_lu_input("lu_factor", "linalg_lu_factor_ex", A)
    _check_pivot(pivot, "linalg.lu_factor")
    return LinalgLuFactorEx.apply(A, "linalg.lu_factor_ex" if check_errors else None)


def linalg_lu_factor(A, *, pivot=True):
    _check_lu_input("lu_factor", "linalg_lu_factor", A)
    _check_pivot(pivot, "linalg.lu_factor")
    return LinalgLuFactorEx.apply(A, "linalg.lu_factor")[:2]


def linalg_lu(A, *, pivot=True):
    _check_lu_input("linalg.lu", "linalg_lu", A)
    _check_pivot(pivot, "linalg.lu_factor")
    return LinalgLu.apply(A)


def _check_pivot(pivot, op):
    if not pivot:
        raise RuntimeError(f"{op}: LU without pivoting is not implemented on the CPU")


# ---- lu_solve --------------------------------------------------------------------------------------------

class LinalgLuSolve(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, lu, piv, b, left, adjoint):
        xp = lu.xp
        barr = b.array if left else xp.swapaxes(b.array, -1, -2)
        batch = _shapes.broadcast_shapes(lu.array.shape[:-2], barr.shape[:-2])
        barr = xp.broadcast_to(barr, tuple(batch) + barr.shape[-2:])
        x = _lu_solve_arrays(xp, lu.array, piv.array, barr, adjoint if left else not adjoint)
        out = wrap(xp, xp.ascontiguousarray(x if left else xp.swapaxes(x, -1, -2)), b.dtype, b.device)
        ctx.flags = (left, adjoint)
        ctx.b_shape = b.array.shape
        ctx.save_for_backward(lu, piv, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        lu, piv, x = ctx.saved_tensors
        left, adjoint = ctx.flags
        need_lu, _, need_b = ctx.needs_input_grad[:3]
        gb = LinalgLuSolve.apply(lu, piv, grad, left, not adjoint)
        glu = None
        if need_lu:
            if left:
                ga = -matmul(x, gb.mT) if adjoint else -matmul(gb, x.mT)
            else:
                ga = -matmul(gb.mT, x) if adjoint else -matmul(x.mT, gb)
            p, low, up = lu_unpack(lu, piv)
            pga = matmul(p.mT, ga)
            glu = sum_to(matmul(low.mT, pga).triu() + matmul(pga, up.mT).tril(-1), lu.array.shape)
        return glu, None, (sum_to(gb, ctx.b_shape) if need_b else None), None, None


def linalg_lu_solve(LU, pivots, B, *, left=True, adjoint=False):  # noqa: N803
    check_tensor_arg("linalg_lu_solve", LU, "LU")
    check_tensor_arg("linalg_lu_solve", pivots, "pivots", 2)
    check_tensor_arg("linalg_lu_solve", B, "B", 3)
    same_device(LU, B)
    ls, bs = LU.array.shape, B.array.shape
    if len(ls) < 2:
        raise RuntimeError("torch.linalg.lu_solve: The input tensor A must have at least 2 dimensions.")
    if ls[-1] != ls[-2]:
        raise RuntimeError(f"torch.linalg.lu_solve: A must be batches of square matrices, but they are {ls[-2]} by "
                           f"{ls[-1]} matrices")
    if len(bs) < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    if (bs[-2] if left else bs[-1]) != ls[-1]:
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({ls[-2]}x{ls[-1]} and {bs[-2]}x{bs[-1]})")
    if LU.dtype is not B.dtype:
        raise RuntimeError(f"linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type "
                           f"{LU.dtype._torch_name} and B of type {B.dtype._torch_name} instead")
    if pivots.dtype is not int32:
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32")
    if pivots.array.shape[-1:] != (ls[-1],):
        raise RuntimeError("linalg.lu_solve: Number of pivots per batch should be same as the dimension of the matrix")
    return LinalgLuSolve.apply(LU, pivots, B, bool(left), bool(adjoint))


# ---- LDL^T (Bunch-Kaufman, as LAPACK's sytf2 with uplo 'L') ----------------------------------------------

_BK_ALPHA = (1 + math.sqrt(17)) / 8


def _ldl_one(np_, a):
    """One symmetric matrix's (LD, pivots, info) in LAPACK's storage: D's 1x1 and 2x2 blocks on the
    diagonal and first subdiagonal, L's multipliers below; a positive pivot k is a 1x1 block after a swap of
    rows / columns k and its index, a negative pair a 2x2 block."""
    n = a.shape[0]
    a = np_.tril(a).astype(np_.float64 if a.dtype == np_.float64 else a.dtype, copy=True)
    a = a + np_.tril(a, -1).T  # work on the full symmetric matrix
    piv = np_.zeros(n, dtype=np_.int32)
    info = 0
    k = 0
    while k < n:
        kstep = 1
        absakk = abs(a[k, k])
        if k < n - 1:
            imax = k + 1 + int(np_.argmax(np_.abs(a[k + 1:, k])))
            colmax = abs(a[imax, k])
        else:
            imax, colmax = k, 0.0
        if max(absakk, colmax) == 0:
            info = info or k + 1
            kp = k
        else:
            if absakk >= _BK_ALPHA * colmax:
                kp = k
            else:
                row = np_.abs(a[imax, k:imax])
                rowmax = row.max() if row.size else 0.0
                if imax < n - 1:
                    rowmax = max(rowmax, np_.abs(a[imax + 1:, imax]).max())
                if absakk >= _BK_ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif abs(a[imax, imax]) >= _BK_ALPHA * rowmax:
                    kp = imax
                else:
                    kp, kstep = imax, 2
            kk = k + kstep - 1
            if kp != kk:  # symmetric swap of rows / columns kk and kp of the trailing block only (L = P1 L1 P2 L2..)
                a[[kk, kp], k:] = a[[kp, kk], k:]
                a[k:, [kk, kp]] = a[k:, [kp, kk]]
            if kstep == 1:
                d = a[k, k]
                l_col = a[k + 1:, k] / d
                a[k + 1:, k + 1:] -= np_.outer(l_col, a[k + 1:, k])
                a[k + 1:, k] = l_col
                a[k, k + 1:] = l_col
            elif k < n - 2:
                d = a[k:k + 2, k:k + 2]
                w = a[k + 2:, k:k + 2]
                l_cols = np_.linalg.solve(d, w.T).T
                a[k + 2:, k + 2:] -= l_cols @ w.T
                a[k + 2:, k:k + 2] = l_cols
                a[k:k + 2, k + 2:] = l_cols.T
        if kstep == 1:
            piv[k] = kp + 1
        else:
            piv[k] = piv[k + 1] = -(kp + 1)
        k += kstep
    return np_.tril(a), piv, info  # a 2x2 block's off-diagonal entry is D's, the rest below the diagonal L's


def _ldl_arrays(xp, arr):
    np_ = backend.array_module("cpu")
    host = backend.to_numpy(arr)
    n = host.shape[-1]
    flat = host.reshape((-1, n, n))
    lds, pivs, infos = [], [], []
    for mat in flat:
        ld, piv, info = _ldl_one(np_, mat)
        lds.append(ld)
        pivs.append(piv)
        infos.append(info)
    batch = host.shape[:-2]
    ld = np_.array(lds, dtype=host.dtype).reshape(host.shape) if lds else np_.zeros(host.shape, host.dtype)
    piv = np_.array(pivs, dtype=np_.int32).reshape(batch + (n,)) if pivs else np_.zeros(batch + (n,), np_.int32)
    info = np_.array(infos, dtype=np_.int32).reshape(batch)
    return xp.asarray(ld), xp.asarray(piv), xp.asarray(info)


def _ldl_expand(np_, ld, piv):
    """The symmetric matrix A = P L D L^T P^T that (ld, piv) stand for (to solve with)."""
    n = ld.shape[0]
    k = 0
    # L = P1 L1 P2 L2 ...: A is built from the last block to the first
    blocks = []
    while k < n:
        step = 1 if piv[k] > 0 else 2
        blocks.append((k, step, abs(int(piv[k])) - 1))
        k += step
    a = np_.zeros((n, n), dtype=ld.dtype)
    for k, step, kp in reversed(blocks):
        # the trailing part is a (k+step: n) block; prepend this block's D and its multipliers
        dk = ld[k:k + step, k:k + step].copy()
        if step == 2:
            dk[0, 1] = dk[1, 0]
        lk = ld[k + step:, k:k + step]
        trail = a[k + step:, k + step:].copy()
        a[k:k + step, k:k + step] = dk
        a[k + step:, k:k + step] = lk @ dk
        a[k:k + step, k + step:] = (lk @ dk).T
        a[k + step:, k + step:] = trail + lk @ dk @ lk.T
        kk = k + step - 1
        if kp != kk:
            a[[kk, kp], :] = a[[kp, kk], :]
            a[:, [kk, kp]] = a[:, [kp, kk]]
    return a


class LinalgLdlFactorEx(Function):
    """(LD, pivots, info); torch has no derivative for it: its node raises in backward."""

    array_forward = True
    node_name = "NotImplemented"

    @staticmethod
    def forward(ctx, a, check):
        xp = a.xp
        ld, piv, info = _ldl_arrays(xp, a.array)
        if check and bool((info > 0).any()):  # a zero block of D: torch reports it as LAPACK's raw code
            flat = info.reshape(-1)
            i = int(xp.nonzero(flat)[0][0])
            raise RuntimeError("false INTERNAL ASSERT FAILED at \"/__w/pytorch/pytorch/aten/src/ATen/native/"
                               "BatchLinearAlgebra.cpp\":1642, please report a bug to PyTorch. "
                               f"{check}: Unknown error code: {int(flat[i])}.")
        return (wrap(xp, ld, a.dtype, a.device), wrap(xp, piv, int32, a.device), wrap(xp, info, int32, a.device))

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("derivative for aten::linalg_ldl_factor_ex is not implemented")


class LinalgLdlSolve(Function):
    array_forward = True
    node_name = "NotImplemented"

    @staticmethod
    def forward(ctx, ld, piv, b):
        xp = ld.xp
        np_ = backend.array_module("cpu")
        lh, ph, bh = (backend.to_numpy(t.array) for t in (ld, piv, b))
        n = lh.shape[-1]
        batch = tuple(_shapes.broadcast_shapes(lh.shape[:-2], bh.shape[:-2]))
        flat_ld = np_.broadcast_to(lh, batch + (n, n)).reshape((-1, n, n))
        flat_p = np_.broadcast_to(ph, batch + (n,)).reshape((-1, n))
        mats = np_.array([_ldl_expand(np_, m, p) for m, p in zip(flat_ld, flat_p)]).reshape(batch + (n, n))
        x = np_.linalg.solve(mats, np_.broadcast_to(bh, batch + bh.shape[-2:]))
        return wrap(xp, xp.asarray(x), b.dtype, b.device)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::linalg_ldl_solve is not implemented")


def _check_ldl_input(fn: str, A) -> None:
    check_tensor_arg(fn, A, "A")
    _la.check_square("torch.linalg.ldl_factor_ex", A.array.shape)
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"torch.linalg.ldl_factor_ex: Expected a floating point or complex tensor as input. Got "
                           f"{A.dtype._torch_name}")


def linalg_ldl_factor_ex(A, *, hermitian=False, check_errors=False):
    _check_ldl_input("linalg_ldl_factor_ex", A)
    return LinalgLdlFactorEx.apply(A, "torch.linalg.ldl_factor_ex" if check_errors else None)


def linalg_ldl_factor(A, *, hermitian=False):
    _check_ldl_input("linalg_ldl_factor", A)
    return LinalgLdlFactorEx.apply(A, "torch.linalg.ldl_factor")[:2]


def linalg_ldl_solve(LD, pivots, B, *, hermitian=False):  # noqa: N803
    check_tensor_arg("linalg_ldl_solve", LD, "LD")
    check_tensor_arg("linalg_ldl_solve", pivots, "pivots", 2)
    check_tensor_arg("linalg_ldl_solve", B, "B", 3)
    ls, bs = LD.array.shape, B.array.shape
    if len(bs) < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-len(bs)}, {len(bs) - 1}], but got -2)")
    if bs[-2] != ls[-1]:
        raise RuntimeError(f"Incompatible matrix sizes for torch.linalg.ldl_solve: each A matrix is {ls[-2]} by "
                           f"{ls[-1]} but each b matrix is {bs[-2]} by {bs[-1]}")
    if LD.dtype is not B.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {B.dtype._torch_name} and "
                           f"A of type {LD.dtype._torch_name} instead.")
    return LinalgLdlSolve.apply(LD, pivots, B)


# ---- geqrf / ormqr (orgqr is linalg.householder_product) -----------------------------------------------------

def _geqrf_arrays(xp, arr):
    """LAPACK geqrf's (a, tau): R on and above the diagonal, the Householder vectors (unit first entry
    implied) below it, H_j = I - tau_j v_j v_j^T."""
    m, n = arr.shape[-2:]
    k = min(m, n)
    batch = arr.shape[:-2]
    a = xp.array(arr.reshape((math.prod(batch), m, n)), copy=True)
    tau = xp.zeros((a.shape[0], k), dtype=a.dtype)
    for j in range(k):
        alpha = a[:, j, j].copy()
        xnorm = xp.sqrt((a[:, j + 1:, j] ** 2).sum(axis=1))
        active = xnorm != 0  # no reflection (tau 0) where the column below the diagonal is zero
        beta = -xp.copysign(xp.hypot(alpha, xnorm), alpha)
        safe_beta = xp.where(active, beta, 1.0)
        tau[:, j] = xp.where(active, (beta - alpha) / safe_beta, 0.0)
        scale = xp.where(active, 1.0 / xp.where(active, alpha - beta, 1.0), 1.0)
        a[:, j + 1:, j] *= scale[:, None]
        a[:, j, j] = xp.where(active, beta, alpha)
        v = xp.concatenate([xp.ones((a.shape[0], 1), dtype=a.dtype), a[:, j + 1:, j]], axis=1)
        block = a[:, j:, j + 1:]
        a[:, j:, j + 1:] = block - tau[:, j, None, None] * v[:, :, None] * (v[:, None, :] @ block)
    return a.reshape(arr.shape), tau.reshape(batch + (k,))


class Geqrf(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        xp = a.xp
        out, tau = _geqrf_arrays(xp, a.array)
        return wrap(xp, out, a.dtype, a.device), wrap(xp, tau, a.dtype, a.device)

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("the derivative for 'geqrf' is not implemented.")


def geqrf(input):
    check_tensor_arg("geqrf", input)
    if input.array.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"geqrf_cpu\" not implemented for '{input.dtype._torch_name}'")
    return Geqrf.apply(input)


def _ormqr_composite(a, tau, c, left, transpose):
    """Q C, Q^T C, C Q or C Q^T with Q (m x m) the product of the reflectors in (a, tau)."""
    from .decompositions2 import linalg_householder_product  # noqa: PLC0415
    m, n = a.array.shape[-2:]
    full = _pad_to(a, m, m) if n < m else a.narrow(-1, 0, m)
    k = tau.array.shape[-1]
    tau_full = cat([tau, _zero_like(tau).narrow(-1, 0, 1).expand(*tau.array.shape[:-1], m - k)], -1) if k < m else tau
    q = linalg_householder_product(full, tau_full)
    q = q.mT if transpose else q
    return matmul(q, c) if left else matmul(c, q)


class Ormqr(Function):
    """ormqr's values and node (OrmqrBackward0); its gradient is that of the composition through
    householder_product, recomputed from the inputs in backward."""

    @staticmethod
    def forward(ctx, a, tau, c, left, transpose):
        ctx.save_for_backward(a, tau, c)
        ctx.flags = (left, transpose)
        return _ormqr_composite(a, tau, c, left, transpose)

    @staticmethod
    def backward(ctx, grad):
        from ..autograd import grad as _grad  # noqa: PLC0415
        ins = ctx.saved_tensors
        create = _grad_state.enabled
        _grad_state.enabled = True
        try:
            stand_ins = [t if create else t.detach().requires_grad_() for t in ins]
            if create:
                stand_ins = [t if t.requires_grad else t.detach().requires_grad_() for t in stand_ins]
            out = _ormqr_composite(*stand_ins, *ctx.flags)
            gs = _grad((out,), tuple(stand_ins), (grad,), create_graph=create, allow_unused=True,
                       materialize_grads=True)
        finally:
            _grad_state.enabled = create
        return (*gs, None, None)


def ormqr(input, input2, input3, left=True, transpose=False):
    check_tensor_arg("ormqr", input)
    check_tensor_arg("ormqr", input2, "input2", 2)
    check_tensor_arg("ormqr", input3, "input3", 3)
    return Ormqr.apply(input, input2, input3, bool(left), bool(transpose))


# ---- the *_copy forms of the view ops ---------------------------------------------------------------------

def _slice(input, dim=0, start=None, end=None, step=1):
    from .index import getitem  # noqa: PLC0415
    d = _shapes.normalize_dim(dim, input.array.ndim)
    return getitem(input, (slice(None),) * d + (slice(start, end, step),))


def _alias(input):
    from .index import getitem  # noqa: PLC0415
    return getitem(input, (...,))


def _view_ops():
    """copy op name -> the view op it copies (looked up when first used: the ops register in any order)."""
    from . import OPS  # noqa: PLC0415 - the registry imports this module
    names = {"view_copy": "view", "permute_copy": "permute", "t_copy": "t", "transpose_copy": "transpose",
             "unsqueeze_copy": "unsqueeze", "squeeze_copy": "squeeze", "select_copy": "select",
             "diagonal_copy": "diagonal", "expand_copy": "expand", "unbind_copy": "unbind", "split_copy": "split",
             "split_with_sizes_copy": "split", "unfold_copy": "unfold", "as_strided_copy": "as_strided"}
    return {**{k: OPS[v] for k, v in names.items()}, "slice_copy": _slice, "alias_copy": _alias}


class _ViewCopy(Function):
    """The view op ``view`` of the input, copied into new contiguous memory. The node is the view's node name
    with ``_copy`` (ViewBackward0_copy); its gradient is the view's, got by running the view on a stand-in
    and differentiating it (the view ops are linear)."""

    _abstract = True

    @staticmethod
    def forward(ctx, a, view, args):
        out = view(a, *args)
        ctx.view, ctx.args, ctx.meta = view, args, (a.array.shape, a.dtype, a.device)
        xp = a.xp
        copy = lambda t: wrap(xp, xp.array(t.array, copy=True, order="C"), t.dtype, t.device)  # noqa: E731
        return tuple(copy(t) for t in out) if isinstance(out, (tuple, list)) else copy(out)

    @staticmethod
    def backward(ctx, *grads):
        from ..autograd import grad as _grad  # noqa: PLC0415
        shape, dtype, device = ctx.meta
        xp = grads[0].xp
        stand_in = wrap(xp, xp.zeros(shape, dtype=dtype.numpy), dtype, device).requires_grad_()
        create = _grad_state.enabled
        _grad_state.enabled = True
        try:
            out = ctx.view(stand_in, *ctx.args)
            outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
            g, = _grad(outs, (stand_in,), grads, create_graph=create, allow_unused=True, materialize_grads=True)
        finally:
            _grad_state.enabled = create
        return g, None, None


_COPY_CLASSES: dict = {}


def _copy_class(node: str):
    cls = _COPY_CLASSES.get(node)
    if cls is None:
        cls = _COPY_CLASSES[node] = type(node.replace("Backward", "Copy"), (_ViewCopy,),
                                         {"node_name": node + "_copy", "__module__": __name__})
    return cls


def _copy_op(name: str):
    def op(input, *args, **kwargs):
        check_tensor_arg(name, input)
        view = _view_ops()[name]
        args = args + tuple(kwargs.values()) if name != "slice_copy" else args
        fn = (lambda t, *a: _slice(t, *a, **kwargs)) if name == "slice_copy" and kwargs else view
        node = "NotImplemented"
        if input.requires_grad and _grad_state.enabled:  # the view's own node name, from a trial run
            out = fn(input, *args)
            first = out[0] if isinstance(out, (tuple, list)) else out
            node = first.grad_fn.name() if first.grad_fn is not None else node
            if name == "slice_copy" and node == "AliasBackward0":  # a slice over the whole dim: still a slice
                node = "SliceBackward0"
        return _copy_class(node).apply(input, fn, args)
    op.__name__ = op.__qualname__ = name
    return op


class DetachCopy(Function):
    """A copy that keeps requires_grad, with torch's node that has no derivative."""

    array_forward = True
    node_name = "NotImplemented"

    @staticmethod
    def forward(ctx, a):
        xp = a.xp
        return wrap(xp, xp.array(a.array, copy=True, order="C"), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::detach_copy is not implemented")


def detach_copy(input):
    check_tensor_arg("detach_copy", input)
    return DetachCopy.apply(input)


_COPY_NAMES = ("view_copy", "permute_copy", "t_copy", "transpose_copy", "unsqueeze_copy", "squeeze_copy",
               "select_copy", "slice_copy", "diagonal_copy", "expand_copy", "alias_copy", "unbind_copy",
               "split_copy", "split_with_sizes_copy", "unfold_copy", "as_strided_copy")
_COPIES = {name: _copy_op(name) for name in _COPY_NAMES}
globals().update(_COPIES)


class AsStridedScatter(Function):
    """A contiguous copy of the input with ``src`` written at the strided positions (size, stride, offset)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, src, size, stride, offset):
        from .extra_ops2 import _positions  # noqa: PLC0415
        same_device(a, src)
        xp = a.xp
        pos = _positions(xp, size, stride, offset)
        out = xp.array(a.array, copy=True, order="C").reshape(-1)
        out[pos.reshape(-1)] = src.array.astype(out.dtype).reshape(-1)
        ctx.pos, ctx.shape = pos, a.array.shape
        return wrap(xp, out.reshape(a.array.shape), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        xp = grad.xp
        pos = ctx.pos
        keep = xp.ones(int(xp.prod(xp.asarray(ctx.shape))) if ctx.shape else 1, dtype=grad.array.dtype)
        keep[pos.reshape(-1)] = 0
        g_in = grad * wrap(xp, keep.reshape(ctx.shape), grad.dtype, grad.device)
        g_src = grad.reshape(-1).take(wrap(xp, pos, int64_dt, grad.device)) if ctx.needs_input_grad[1] else None
        return g_in, g_src, None, None, None


def as_strided_scatter(input, src, size, stride, storage_offset=None):
    check_tensor_arg("as_strided_scatter", input)
    check_tensor_arg("as_strided_scatter", src, "src", 2)
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if tuple(src.array.shape) != size:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.array.shape)}, slice size = {list(size)}")
    return AsStridedScatter.apply(input, src, size, stride, 0 if storage_offset is None else int(storage_offset))


# ---- at::norm over all dims (torch.norm_except_dim(v, p, -1) records NormBackward0) -------------------------

class NormAll(NormDim):
    op_name = "Norm"
    overload = 0


def _norm_all(input, p=2):
    return NormAll.apply(input, float(p), tuple(range(input.array.ndim)), False)


# ---- torch.special's tail --------------------------------------------------------------------------------

def _f64(xp, arr):
    return arr.astype(xp.float64) if arr.dtype != xp.float64 else arr


def _unary_no_grad(name: str, kernel):
    """A torch.special function of one tensor without a derivative: its output never requires grad."""
    def fn(input):
        check_tensor_arg(name, input)
        av, dtype, xp, device = unary_prep(input, floating=True)
        return wrap(xp, kernel(xp, _f64(xp, av)), dtype, device)
    fn.__name__ = fn.__qualname__ = name
    return fn


def _overloads_error(name: str, a, b, first: str, second: str, number_first: str | None = None) -> TypeError:
    """torch's TypeError for two numbers where an op takes (Tensor | Number, Tensor | Number), not both numbers."""
    return TypeError(f"{name}() received an invalid combination of arguments - got ({type(a).__name__}, "
                     f"{type(b).__name__}), but expected one of:\n * (Tensor {first}, Tensor {second}, *, Tensor out "
                     f"= None)\n * (Number {number_first or first}, Tensor {second}, *, Tensor out = None)\n * "
                     f"(Tensor {first}, Number {second}, *, Tensor out = None)\n")


def _binary_no_grad(name: str, kernel):
    """A torch.special function of (x, n), either a tensor or a number, without a derivative."""
    def fn(input, n):
        if type(input) is not Tensor and type(n) is not Tensor:
            raise _overloads_error(name, input, n, "x", "n")
        av, nv, dtype, xp, device = binary_prep(input, n, floating=True)
        shape = _shapes.broadcast_shapes(xp.shape(av), xp.shape(nv))
        x, k = (xp.broadcast_to(_f64(xp, xp.asarray(v)), tuple(shape)) for v in (av, nv))
        return wrap(xp, kernel(xp, x, xp.trunc(k)), dtype, device)
    fn.__name__ = fn.__qualname__ = name
    return fn


_NO_GRAD_UNARY = {
    "special_bessel_j0": lambda xp, x: KL.bessel_j(xp, x, 0), "special_bessel_j1": lambda xp, x: KL.bessel_j(xp, x, 1),
    "special_bessel_y0": lambda xp, x: KL.bessel_y(xp, x, 0), "special_bessel_y1": lambda xp, x: KL.bessel_y(xp, x, 1),
    "special_modified_bessel_i0": lambda xp, x: KL.modified_i(xp, x, 0),
    "special_modified_bessel_i1": lambda xp, x: KL.modified_i(xp, x, 1),
    "special_modified_bessel_k0": lambda xp, x: KL.bessel_k(xp, x, 0, False),
    "special_modified_bessel_k1": lambda xp, x: KL.bessel_k(xp, x, 1, False),
    "special_scaled_modified_bessel_k0": lambda xp, x: KL.bessel_k(xp, x, 0, True),
    "special_scaled_modified_bessel_k1": lambda xp, x: KL.bessel_k(xp, x, 1, True),
    "special_spherical_bessel_j0": KL.spherical_j0, "special_airy_ai": KL.airy_ai,
}
_SPECIAL_TAIL = {**{name: _unary_no_grad(name, k) for name, k in _NO_GRAD_UNARY.items()},
                 **{"special_" + name: _binary_no_grad("special_" + name, k) for name, k in KL.POLYNOMIALS.items()}}


class SpecialNdtri(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        check_tensor_arg("special_ndtri", a)
        av, dtype, xp, device = unary_prep(a, floating=True)
        out = wrap(xp, KL.ndtri(xp, _f64(xp, av)), dtype, device)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out * out * 0.5).exp() * math.sqrt(2 * math.pi)


class Igamma(Function):
    """P(a, x) (torch.igamma / special.gammainc); torch has no derivative in a."""

    array_forward = True
    upper = False

    @classmethod
    def forward(cls, ctx, a, x):
        av, xv, dtype, xp, device = binary_prep(a, x, floating=True)
        out = wrap(xp, KL.gammainc(xp, _f64(xp, xp.asarray(av)), _f64(xp, xp.asarray(xv)), cls.upper), dtype, device)
        ctx.save_for_backward(a if type(a) is Tensor else None, x if type(x) is Tensor else None)
        ctx.shapes = tuple(t.array.shape if type(t) is Tensor else () for t in (a, x))
        return out

    @classmethod
    def backward(cls, ctx, grad):
        a, x = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise NotImplementedError(f"the derivative for '{'igammac' if cls.upper else 'igamma'}: input' is not "
                                      "implemented.")
        # d/dx P(a, x) = x^(a - 1) e^(-x) / Gamma(a)
        from .special_math import lgamma  # noqa: PLC0415
        dens = ((a - 1) * x.log() - x - lgamma(a)).exp()
        g = grad * dens
        return None, sum_to(-g if cls.upper else g, ctx.shapes[1])


class Igammac(Igamma):
    upper = True


class SpecialZeta(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, x, q):
        xv, qv, dtype, xp, device = binary_prep(x, q, floating=True)
        out = wrap(xp, KL.zeta(xp, _f64(xp, xp.asarray(xv)), _f64(xp, xp.asarray(qv))), dtype, device)
        ctx.save_for_backward(x if type(x) is Tensor else None, q if type(q) is Tensor else None)
        ctx.x_value = None if type(x) is Tensor else x
        return out

    @staticmethod
    def backward(ctx, grad):
        x, q = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        s = ctx.x_value if x is None else x.detach()
        return None, sum_to(grad * -s * special_zeta(s + 1, q), q.array.shape)


def _two_tensors(name: str, fn, kernel: str):
    """igamma / igammac (and special.gammainc / gammaincc, the same kernels under their own names)."""
    def op(input, other):
        check_tensor_arg(name, input)
        check_tensor_arg(name, other, "other", 2)
        if not input.dtype.is_floating_point and not other.dtype.is_floating_point:
            dtype = _dt.result_type((input.dtype, input.array.ndim), (other.dtype, other.array.ndim))
            raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for '{dtype._torch_name}'")
        return fn.apply(input, other)
    op.__name__ = op.__qualname__ = name
    return op


special_ndtri = SpecialNdtri.apply
igamma = _two_tensors("igamma", Igamma, "igamma")
igammac = _two_tensors("igammac", Igammac, "igammac")
class SpecialZetaScalarSelf(SpecialZeta):
    op_name, overload = "SpecialZeta", 1


class SpecialZetaScalarOther(SpecialZeta):
    op_name, overload = "SpecialZeta", 2


def special_zeta(input, other):
    """zeta(x, q); torch's overloads with a number for x (SpecialZetaBackward1) or q (...Backward2)."""
    tx, tq = type(input) is Tensor, type(other) is Tensor
    if not tx and not tq:
        raise _overloads_error("special_zeta", input, other, "input", "other", "self")
    cls = SpecialZeta if tx and tq else (SpecialZetaScalarOther if tx else SpecialZetaScalarSelf)
    return cls.apply(input, other)


# ---- registration tables -------------------------------------------------------------------------------

WIRE: dict = {"linalg.lu_factor_ex": linalg_lu_factor_ex, "linalg.lu_factor": linalg_lu_factor,
              "linalg.lu": linalg_lu, "lu_unpack": lu_unpack, "linalg.lu_solve": linalg_lu_solve,
              "linalg.ldl_factor_ex": linalg_ldl_factor_ex, "linalg.ldl_factor": linalg_ldl_factor,
              "linalg.ldl_solve": linalg_ldl_solve, **_COPIES, "detach_copy": detach_copy,
              "as_strided_scatter": as_strided_scatter, "_norm_all": _norm_all, **_SPECIAL_TAIL,
              "geqrf": geqrf, "ormqr": ormqr, "special_ndtri": special_ndtri, "igamma": igamma, "igammac": igammac,
              "special_gammainc": _two_tensors("special_gammainc", Igamma, "igamma"),
              "special_gammaincc": _two_tensors("special_gammaincc", Igammac, "igammac"), "special_zeta": special_zeta,
              "igamma_": _unary_("igamma"), "igammac_": _unary_("igammac")}
METHODS: dict = {"as_strided_scatter": as_strided_scatter, "geqrf": geqrf, "ormqr": ormqr, "igamma": igamma,
                 "igammac": igammac, "igamma_": WIRE["igamma_"], "igammac_": WIRE["igammac_"]}
__all__: list = ["lu_unpack", "geqrf", "ormqr", *_COPIES, "detach_copy", "as_strided_scatter", "igamma", "igammac"]
