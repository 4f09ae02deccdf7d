"""torch.linalg's decompositions and the functions built on them: eigh / eigvalsh, cholesky /
cholesky_ex, qr, svd (full_matrices), pinv, lstsq, matrix_exp, cholesky_solve, inv_ex.

Each is one Function named as torch names its node (LinalgEighBackward0, LinalgCholeskyExBackward0,
LinalgQrBackward0, LinalgSvdBackward0, LinalgPinvBackward0, LinalgLstsqBackward0,
LinalgMatrixExpBackward0, CholeskySolveBackward0, LinalgInvExBackward0). Forwards run on the device's
array module (``xp.linalg``); backwards are written with differentiable Tensor ops (matmul, solve,
these Functions themselves), so higher-order gradients work.

Argument checks and result shapes come from gradwire.common.linalg, which the client runs on metadata
too. Declares WIRE, METHODS and __all__; engine/ops/__init__.py installs them.
"""
from __future__ import annotations

import math

from gradwire.common import linalg as _la
from gradwire.common import shapes as _shapes
from gradwire.common.dtypes import int32, int64
from gradwire.common.grad_mode import _state as _grad_state
from gradwire.common.linalg import LinAlgError

from .. import backend
from ..function import Function
from ..tensor import Tensor
from ._util import check_tensor_arg, same_device, wrap
from .decompositions import LinalgInvEx, LinalgSolveEx, LinalgSvd, _batch_of, _h, _nonzero, _t
from .linalg import matmul
from .shape import cat, sum_to


def _eye(like: Tensor, n: int) -> Tensor:
    xp = like.xp
    return wrap(xp, xp.eye(n, dtype=like.dtype.numpy), like.dtype, like.device)


def _solve(a: Tensor, b: Tensor, left: bool = True) -> Tensor:
    """X with AX = B (left) or XA = B, batch dims broadcast: linalg.solve's Function, so differentiable."""
    batch = _shapes.broadcast_shapes(a.array.shape[:-2], b.array.shape[:-2])
    return LinalgSolveEx.apply(a, b, left, False, tuple(batch))


def _out(xp, arr, like: Tensor) -> Tensor:
    return wrap(xp, xp.ascontiguousarray(arr), like.dtype, like.device)


def _batched_rows(arr):
    """A host float64 copy of a (batch of) square matrices as (batch, n, n)."""
    np_ = backend.array_module("cpu")
    host = backend.to_numpy(arr)
    n = host.shape[-1]
    return np_.array(host.reshape((-1, n, n)), dtype=np_.float64, copy=True)


# ---- eigh / eigvalsh ---------------------------------------------------------------------------

class LinalgEigh(Function):
    """The eigendecomposition A = V diag(w) V^T of a symmetric A (its ``uplo`` triangle read), as (w, V),
    or w alone when ``compute_v`` is False (no gradient needed).
    Gradient: V (diag(gw) + skew(V^T gV) / E) V^T with E_ij = w_j - w_i (1 on the diagonal)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, uplo, compute_v):
        xp, arr = a.xp, a.array
        n = arr.shape[-1]
        batch = _batch_of(arr)
        real = a.dtype.to_real()  # a Hermitian matrix's eigenvalues are real
        if not compute_v:
            w = xp.zeros(batch + (n,), dtype=real.numpy) if arr.size == 0 else xp.linalg.eigvalsh(arr, UPLO=uplo)
            return wrap(xp, w, real, a.device)
        if arr.size == 0:
            w, v = xp.zeros(batch + (n,), dtype=real.numpy), xp.zeros(arr.shape, dtype=arr.dtype)
        else:
            w, v = xp.linalg.eigh(arr, UPLO=uplo)
        outs = wrap(xp, xp.ascontiguousarray(w), real, a.device), _out(xp, v, a)
        ctx.save_for_backward(*outs)
        return outs

    @staticmethod
    def backward(ctx, grad_w, grad_v):
        w, v = ctx.saved_tensors
        inner = grad_w.unsqueeze(-1) * _eye(w, w.array.shape[-1])
        if _nonzero(grad_v):
            vtgv = matmul(v.mT, grad_v)
            e = w.unsqueeze(-2) - w.unsqueeze(-1) + _eye(w, w.array.shape[-1])
            inner = inner + (vtgv - vtgv.mT) * 0.5 / e
        return matmul(matmul(v, inner), v.mT), None, None


def linalg_eigh(A, UPLO="L"):  # noqa: N803 - torch's name
    check_tensor_arg("linalg_eigh", A, "A")
    _la.eigh_shapes(A.array.shape, A.dtype, UPLO)
    return LinalgEigh.apply(A, UPLO, True)


def linalg_eigvalsh(A, UPLO="L"):  # noqa: N803
    check_tensor_arg("linalg_eigvalsh", A, "A")
    _la.eigh_shapes(A.array.shape, A.dtype, UPLO)
    if _grad_state.enabled and A._requires_grad:
        return LinalgEigh.apply(A, UPLO, True)[0]
    return LinalgEigh.apply(A, UPLO, False)


# ---- cholesky ----------------------------------------------------------------------------------

def _cholesky_host(arr):
    """LAPACK's unblocked Cholesky (potf2, lower) on a host copy, for matrices it may fail on:
    returns (L, info) per matrix, info the order of the first leading minor that is not positive
    definite (0 when none), L the partial factor LAPACK leaves then."""
    np_ = backend.array_module("cpu")
    a = np_.tril(_batched_rows(arr))
    n = a.shape[-1]
    info = np_.zeros(a.shape[0], dtype=np_.int64)
    for j in range(n):
        live = info == 0
        d = a[:, j, j] - (a[:, j, :j] ** 2).sum(-1)
        bad = live & ~(d > 0)
        info[bad] = j + 1
        a[bad, j, j] = d[bad]
        ok = live & ~bad
        root = np_.sqrt(np_.where(ok, d, 1.0))
        a[ok, j, j] = root[ok]
        col = (a[:, j + 1:, j] - (a[:, j + 1:, :j] * a[:, None, j, :j]).sum(-1)) / root[:, None]
        a[ok, j + 1:, j] = col[ok]
    return a, info


class LinalgCholeskyEx(Function):
    """(L, info): the Cholesky factor of a symmetric positive-definite A (its lower triangle read; with
    ``upper``, U = L^T from the upper triangle) and LAPACK's info per matrix. ``check_errors`` names the op
    to raise for when a matrix is not positive definite.
    Gradient (L lower): L^{-T} Phi L^{-1}, Phi the symmetric matrix whose lower triangle is tril(L^T gL)
    with the diagonal halved."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, upper, check_errors):
        xp, arr = a.xp, a.array
        src = _t(arr) if upper else arr
        info = None
        if arr.size == 0:
            low = xp.zeros(arr.shape, dtype=arr.dtype)
        else:
            try:
                low = xp.linalg.cholesky(src)
            except Exception as exc:  # noqa: BLE001 - numpy.linalg.LinAlgError
                if type(exc).__name__ != "LinAlgError":
                    raise
                low = None
            if low is None or not bool(xp.isfinite(low).all()):
                host, info = _cholesky_host(src)
                low = xp.asarray(host.reshape(arr.shape), dtype=arr.dtype)
                if check_errors and info.any():
                    k = int(info.nonzero()[0][0])
                    raise LinAlgError(f"{check_errors}: {_la.batch_prefix(arr.ndim, k)}The factorization could not "
                                      "be completed because the input is not positive-definite (the leading minor "
                                      f"of order {int(info[k])} is not positive-definite).")
        batch = _batch_of(arr)
        info_arr = xp.zeros(batch, dtype=xp.int32) if info is None else xp.asarray(info.reshape(batch), dtype=xp.int32)
        out = _out(xp, _t(low) if upper else low, a)
        ctx.upper = upper
        ctx.save_for_backward(out)
        return out, wrap(xp, info_arr, int32, a.device)

    @staticmethod
    def backward(ctx, grad, _grad_info=None):
        factor, = ctx.saved_tensors
        low, g = (factor.mT, grad.mT) if ctx.upper else (factor, grad)
        phi = matmul(low.mT, g).tril()
        phi = (phi + phi.tril(-1).mT) * 0.5
        return _solve(low, _solve(low.mT, phi), left=False), None, None


def _cholesky(op: str, fn: str, A, upper, check_errors):
    check_tensor_arg(fn, A, "A")
    _la.square_op_shape("linalg.cholesky", A.array.shape, A.dtype)
    return LinalgCholeskyEx.apply(A, bool(upper), check_errors and op)


def linalg_cholesky(A, *, upper=False):
    return _cholesky("linalg.cholesky", "linalg_cholesky", A, upper, True)[0]


def linalg_cholesky_ex(A, *, upper=False, check_errors=False):
    return _cholesky("linalg.cholesky_ex", "linalg_cholesky_ex", A, upper, bool(check_errors))


# ---- qr ----------------------------------------------------------------------------------------

def _qr_square_grad(q, r, gq, gr):
    """The gradient of A = QR with R square (m >= n, reduced): (gQ + Q copyltu(M)) R^{-T},
    M = R gR^T - gQ^T Q, copyltu(M) the symmetric matrix with M's lower triangle."""
    m = matmul(r, gr.mT) - matmul(gq.mT, q)
    low = m.tril(-1)
    sym = low + low.mT + m.tril().triu()
    return _solve(r.mT, gq + matmul(q, sym), left=False)


class LinalgQr(Function):
    """(Q, R) of A = QR for mode 'reduced', 'complete' or 'r' (Q empty). Differentiable for 'reduced', and
    for 'complete' when m <= n (then the same factorization)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, mode):
        xp, arr = a.xp, a.array
        (q_shape, r_shape) = _la.qr_shapes(arr.shape, a.dtype, mode)
        if arr.size == 0:
            k = q_shape[-1] if q_shape != (0,) else 0
            q = xp.zeros(q_shape, dtype=arr.dtype)
            if mode != "r" and k:  # an empty A with m rows: Q is (part of) the identity
                q = q + xp.eye(q_shape[-2], k, dtype=arr.dtype)
            r = xp.zeros(r_shape, dtype=arr.dtype)
        elif mode == "r":
            q, r = xp.zeros((0,), dtype=arr.dtype), xp.linalg.qr(arr, mode="r")
        else:
            q, r = xp.linalg.qr(arr, mode=mode)
        outs = _out(xp, q, a), _out(xp, r, a)
        ctx.mode = mode
        ctx.save_for_backward(*outs)
        return outs

    @staticmethod
    def backward(ctx, grad_q, grad_r):
        q, r = ctx.saved_tensors
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                               "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
                               "linalg.qr.")
        m, n = q.array.shape[-2], r.array.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        if m >= n:
            return _qr_square_grad(q, r, grad_q, grad_r), None
        # m < n: A = [X | Y], R = [U | V]; X = QU is square, Y = QV
        u, v = r.narrow(-1, 0, m), r.narrow(-1, m, n - m)
        gu, gv = grad_r.narrow(-1, 0, m), grad_r.narrow(-1, m, n - m)
        y = matmul(q, v)
        gx = _qr_square_grad(q, u, grad_q + matmul(y, gv.mT), gu)
        return cat([gx, matmul(q, gv)], -1), None


def linalg_qr(A, mode="reduced"):
    check_tensor_arg("linalg_qr", A, "A")
    _la.qr_shapes(A.array.shape, A.dtype, mode)
    return LinalgQr.apply(A, mode)


# ---- svd ---------------------------------------------------------------------------------------

def linalg_svd(A, full_matrices=True):
    check_tensor_arg("linalg_svd", A, "A")
    _la.svdvals_shape(A.array.shape, A.dtype)
    return LinalgSvd.apply(A, True, bool(full_matrices))


# ---- pinv --------------------------------------------------------------------------------------

def _pinv_grad(g, p, a):
    """The gradient of P = pinv(A) (A m x n, P n x m) for a constant rank, from differentiable ops:
    -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)."""
    pt, gt = p.mT, g.mT
    m, n = a.array.shape[-2], a.array.shape[-1]
    out = -matmul(matmul(pt, g), pt)
    out = out + matmul(_eye(a, m) - matmul(a, p), matmul(gt, matmul(p, pt)))
    return out + matmul(matmul(matmul(pt, p), gt), _eye(a, n) - matmul(p, a))


def _value(t):
    return t.array if isinstance(t, Tensor) else t


class LinalgPinv(Function):
    """The pseudo-inverse from the SVD (or, ``hermitian``, the eigendecomposition), singular values at or
    below max(atol, rtol * largest) taken as zero."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        xp, arr = a.xp, a.array
        m, n = arr.shape[-2:]
        batch = _batch_of(arr)
        if arr.size == 0:
            p = xp.zeros(batch + (n, m), dtype=arr.dtype)
        else:
            if hermitian:
                s, v = xp.linalg.eigh(arr)
                u, vt, mag = v, _h(v), xp.abs(s)
            else:
                u, s, vt = xp.linalg.svd(arr, full_matrices=False)
                mag = s
            thr = _tolerance(xp, mag.max(-1) if mag.shape[-1] else xp.zeros(batch, mag.dtype), atol, rtol, m, n,
                             arr.dtype)
            keep = mag > thr[..., None]
            s_inv = xp.where(keep, 1 / xp.where(keep, s, 1), 0)
            p = xp.matmul(_h(vt) * s_inv[..., None, :], _h(u))  # V S^+ U^H
        out = _out(xp, p, a)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, p = ctx.saved_tensors
        return _pinv_grad(grad, p, a), None, None, None


def _tolerance(xp, largest, atol, rtol, m, n, dtype):
    """torch's threshold: max(atol, rtol * largest); rtol defaults to eps * max(m, n) when atol is not
    given (or is zero), else to 0."""
    atol, rtol = _value(atol), _value(rtol)
    if rtol is None:
        default = xp.finfo(dtype).eps * max(m, n)
        rtol = default if atol is None else xp.where(xp.asarray(atol) > 0, 0.0, default)
    return xp.maximum(xp.asarray(0.0 if atol is None else atol, dtype=dtype), xp.asarray(rtol) * largest)


def linalg_pinv(A, *, atol=None, rtol=None, hermitian=False):
    check_tensor_arg("linalg_pinv", A, "input")
    _la.pinv_check(A.array.shape, A.dtype, hermitian)
    return LinalgPinv.apply(A, atol, rtol, bool(hermitian))


# ---- lstsq -------------------------------------------------------------------------------------

class LinalgLstsq(Function):
    """(solution, residuals, rank, singular_values) of min ||AX - B||, the minimum-norm solution from the
    SVD (singular values at or below rcond * largest taken as zero), as torch returns them per ``driver``:
    gelsy (CPU default) gives the rank; gelsd / gelss the rank and singular values; gels neither; the
    residuals come for m > n when every matrix has full rank (not with gelsy). The gradient is pinv(A)'s."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, b, rcond, driver, vector, batch):
        xp = a.xp
        m, n = a.array.shape[-2:]
        amat = xp.broadcast_to(a.array, batch + (m, n))
        bmat = b.array[..., None] if vector else b.array
        bmat = xp.broadcast_to(bmat, batch + bmat.shape[-2:])
        k = bmat.shape[-1]
        if amat.size == 0:
            x = xp.zeros(batch + (n, k), dtype=amat.dtype)
            s = xp.zeros(batch + (min(m, n),), dtype=amat.real.dtype)
        else:
            u, s, vt = xp.linalg.svd(amat, full_matrices=False)
        rc = xp.finfo(amat.dtype).eps * max(m, n) if rcond is None else rcond
        keep = s > (rc * s[..., :1] if s.shape[-1] else s)
        rank = keep.sum(-1).astype(xp.int64)
        if amat.size:
            s_inv = xp.where(keep, 1 / xp.where(keep, s, 1), 0)
            x = xp.matmul(_h(vt) * s_inv[..., None, :], xp.matmul(_h(u), bmat))
        empty = xp.zeros((0,), dtype=amat.real.dtype)  # residuals and singular values are real
        residuals = empty
        if driver != "gelsy" and m > n and bool((rank == n).all()):
            residuals = (xp.abs(xp.matmul(amat, x) - bmat) ** 2).sum(-2)
            if vector:
                residuals = residuals[..., 0]
        if vector:
            x = x[..., 0]
        real = a.dtype.to_real()
        outs = (_out(xp, x, a), wrap(xp, xp.ascontiguousarray(residuals), real, a.device),
                wrap(xp, rank if driver != "gels" else xp.zeros((0,), dtype=xp.int64), int64, a.device),
                wrap(xp, xp.ascontiguousarray(s if driver in ("gelsd", "gelss") else empty), real, a.device))
        ctx.mark_non_differentiable(outs[3])
        ctx.vector = vector
        ctx.save_for_backward(a, b, outs[0])
        return outs

    @staticmethod
    def backward(ctx, grad_x, grad_res, _grad_rank=None, _grad_s=None):
        a, b, x = ctx.saved_tensors
        na, nb = ctx.needs_input_grad[:2]
        p = LinalgPinv.apply(a, None, None, False)
        vec = (lambda t: t.unsqueeze(-1)) if ctx.vector else (lambda t: t)
        g, bm = vec(grad_x), vec(b)
        ga = _pinv_grad(matmul(g, bm.mT), p, a) if na else None
        gb = matmul(p.mT, g) if nb else None
        if _nonzero(grad_res):
            # residuals = sum_rows (AX - B)^2 at the optimum, where A^T (AX - B) = 0: their gradients are
            # 2 (AX - B) diag(gR) X^T (A) and -2 (AX - B) diag(gR) (B)
            xm = vec(x)
            r = (matmul(a, xm) - bm) * vec(grad_res).unsqueeze(-2) * 2
            ga = ga + matmul(r, xm.mT) if na else None
            gb = gb - r if nb else None
        ga = sum_to(ga, a.array.shape) if na else None
        gb = sum_to(gb.squeeze(-1) if ctx.vector else gb, b.array.shape) if nb else None
        return ga, gb, None, None, None, None


def linalg_lstsq(A, B, rcond=None, *, driver=None):
    check_tensor_arg("linalg_lstsq", A, "self")
    check_tensor_arg("linalg_lstsq", B, "b", 2)
    same_device(A, B)
    vector, batch, driver = _la.lstsq_shapes(A.array.shape, B.array.shape, A.dtype, B.dtype, driver)
    return LinalgLstsq.apply(A, B, rcond, driver, vector, tuple(batch))


# ---- matrix_exp --------------------------------------------------------------------------------

_TAYLOR_DEGREE = 18  # after scaling to a 1-norm <= 1/2 the remainder is below 1e-22


def _expm(xp, arr):
    """exp(A) by scaling and squaring: A / 2^s (1-norm at most 1/2) through a Taylor polynomial
    (Horner), then squared s times. One s for the whole batch."""
    if arr.size == 0:
        return xp.zeros(arr.shape, dtype=arr.dtype)
    work = arr.astype(xp.float32) if arr.dtype == xp.float16 else arr
    norm = float(xp.abs(work).sum(-2).max())
    s = max(0, math.ceil(math.log2(norm / 0.5))) if norm > 0.5 else 0
    x = work / (2.0 ** s)
    eye = xp.broadcast_to(xp.eye(arr.shape[-1], dtype=work.dtype), work.shape)
    out = eye
    for k in range(_TAYLOR_DEGREE, 0, -1):
        out = eye + xp.matmul(x, out) / k
    for _ in range(s):
        out = xp.matmul(out, out)
    return out


class LinalgMatrixExp(Function):
    """exp(A); the gradient is the top-right block of exp([[A^T, G], [0, A^T]]) (so it is this Function
    again, and differentiable)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a):
        xp = a.xp
        ctx.save_for_backward(a)
        return _out(xp, _expm(xp, a.array), a)

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        n = a.array.shape[-1]
        at = a.mT
        zeros = at * 0
        block = cat([cat([at, grad], -1), cat([zeros, at], -1)], -2)
        return LinalgMatrixExp.apply(block).narrow(-2, 0, n).narrow(-1, n, n)


def matrix_exp(A):
    check_tensor_arg("linalg_matrix_exp", A, "A")
    _la.matrix_exp_check(A.array.shape, A.dtype)
    return LinalgMatrixExp.apply(A)


# ---- matrix_power ------------------------------------------------------------------------------

def matrix_power(A, n):
    """A^n composed as torch composes it, so the nodes are torch's: n = 0 the identity copied into a clone
    (CopyBackwards), 1 a clone, n < 0 the power of the inverse, else repeated squaring with matmul."""
    check_tensor_arg("linalg_matrix_power", A, "A")
    _la.matrix_power_check(A.array.shape, A.dtype, n)
    if n == 0:
        eye = _eye(A, A.array.shape[-1]).expand(A.array.shape)
        return A.clone().copy_(eye) if A._requires_grad and _grad_state.enabled else eye.clone()
    if n == 1:
        return A.clone()
    if n < 0:
        A, n = LinalgInvEx.apply(A), -n
        if n == 1:
            return A
    z = result = None
    while n > 0:
        n, bit = divmod(n, 2)
        z = A if z is None else matmul(z, z)
        if bit:
            result = z if result is None else matmul(result, z)
    return result


# ---- cholesky_solve ----------------------------------------------------------------------------

class CholeskySolve(Function):
    """X = (L L^T)^{-1} B from the Cholesky factor L (its lower triangle; U^T U with ``upper``), batch dims
    broadcast. Gradients: gB = cholesky_solve(G, L); gL = -(C + C^T) L (lower) or -U (C + C^T),
    C = gB X^T."""

    array_forward = True

    @staticmethod
    def forward(ctx, b, factor, upper, batch):
        xp = b.xp
        n = factor.array.shape[-1]
        f = xp.broadcast_to(xp.triu(factor.array) if upper else xp.tril(factor.array), batch + (n, n))
        bmat = xp.broadcast_to(b.array, batch + b.array.shape[-2:])
        low = _h(f) if upper else f  # A = L L^H (U^H U)
        if bmat.size == 0 or f.size == 0:
            x = xp.zeros(bmat.shape, dtype=bmat.dtype)
        else:
            x = xp.linalg.solve(_h(low), xp.linalg.solve(low, bmat))
        out = _out(xp, x, b)
        ctx.args = (upper, batch, b.array.shape)
        ctx.save_for_backward(factor, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        factor, x = ctx.saved_tensors
        upper, batch, b_shape = ctx.args
        nb, nf = ctx.needs_input_grad[:2]
        gb = CholeskySolve.apply(grad, factor, upper, batch)
        gf = None
        if nf:
            c = matmul(gb, x.mT)
            c = c + c.mT
            gf = sum_to(-(matmul(factor, c) if upper else matmul(c, factor)), factor.array.shape)
        return (sum_to(gb, b_shape) if nb else None), gf, None, None


def cholesky_solve(input, input2, upper=False):
    check_tensor_arg("cholesky_solve", input, "input")
    check_tensor_arg("cholesky_solve", input2, "input2", 2)
    same_device(input, input2)
    out_shape = _la.cholesky_solve_shape(input.array.shape, input2.array.shape, input.dtype, input2.dtype)
    return CholeskySolve.apply(input, input2, bool(upper), tuple(out_shape[:-2]))


# ---- inv_ex ------------------------------------------------------------------------------------

def linalg_inv_ex(A, *, check_errors=False):
    check_tensor_arg("linalg_inv_ex", A, "A")
    _la.square_op_shape("linalg.inv", A.array.shape, A.dtype)
    return LinalgInvEx.apply(A, True, bool(check_errors))


# ---- householder_product ----------------------------------------------------------------------

def _reflect(x, v, tau, mm, tr):
    """H x with H = I - tau v v^T (arrays or Tensors: ``mm`` multiplies, ``tr`` transposes)."""
    return x - tau * mm(v, mm(tr(v), x))


def _householder_vectors(a, k):
    """The k Householder vectors (m x 1 each) stored below A's diagonal, with the implicit 1 on it."""
    m, n = a.array.shape[-2:]
    v = a.tril(-1) + _eye_rect(a, m, n)
    return [v.narrow(-1, i, 1) for i in range(k)]


def _eye_rect(like, m, n):
    xp = like.xp
    return wrap(xp, xp.eye(m, n, dtype=like.dtype.numpy), like.dtype, like.device)


class LinalgHouseholderProduct(Function):
    """The first n columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^T with v_i stored below A's diagonal (LAPACK's
    orgqr). Gradient per reflector, with R_i = (H_1..H_{i-1})^T G and S_i = H_{i+1}..H_k E:
    g tau_i = -(v^T R_i)(S_i^T v), g v_i = -tau_i (R_i S_i^T v + S_i R_i^T v)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, tau):
        xp, arr = a.xp, a.array
        m, n = arr.shape[-2:]
        k = tau.array.shape[-1]
        v = xp.tril(arr, -1) + xp.eye(m, n, dtype=arr.dtype)
        q = xp.broadcast_to(xp.eye(m, n, dtype=arr.dtype), arr.shape)
        for i in range(k - 1, -1, -1):
            q = _reflect(q, v[..., i:i + 1], tau.array[..., i, None, None], xp.matmul, _h)  # H = I - tau v v^H
        ctx.save_for_backward(a, tau)
        return _out(xp, q, a)

    @staticmethod
    def backward(ctx, grad):
        a, tau = ctx.saved_tensors
        m, n = a.array.shape[-2:]
        k = tau.array.shape[-1]
        vs = _householder_vectors(a, k)
        taus = [tau.narrow(-1, i, 1).unsqueeze(-1) for i in range(k)]
        tr = (lambda x: x.mT)
        suffix = [None] * k
        s = _eye_rect(a, m, n)
        for i in range(k - 1, -1, -1):
            suffix[i] = s
            s = _reflect(s, vs[i], taus[i], matmul, tr)
        r = grad
        g_tau, g_v = [], []
        for i in range(k):
            v, s = vs[i], suffix[i]
            stv, rtv = matmul(s.mT, v), matmul(r.mT, v)
            g_tau.append(-(matmul(v.mT, matmul(r, stv))).squeeze(-1))
            g_v.append(-taus[i] * (matmul(r, stv) + matmul(s, rtv)))
            r = _reflect(r, v, taus[i], matmul, tr)
        ga = gt = None
        if ctx.needs_input_grad[0]:
            cols = g_v + ([a.narrow(-1, k, n - k) * 0] if n > k else [])
            ga = cat(cols, -1).tril(-1) if cols else a * 0
        if ctx.needs_input_grad[1]:
            gt = cat(g_tau, -1) if g_tau else tau * 0
        return ga, gt


def linalg_householder_product(input, tau):
    check_tensor_arg("linalg_householder_product", input, "input")
    check_tensor_arg("linalg_householder_product", tau, "tau", 2)
    same_device(input, tau)
    _la.householder_product_check(input.array.shape, tau.array.shape, input.dtype, tau.dtype)
    return LinalgHouseholderProduct.apply(input, tau)


# ---- registration tables -----------------------------------------------------------------------

WIRE: dict = {"linalg.eigh": linalg_eigh, "linalg.eigvalsh": linalg_eigvalsh, "linalg.cholesky": linalg_cholesky,
              "linalg.cholesky_ex": linalg_cholesky_ex, "linalg.qr": linalg_qr, "linalg.svd": linalg_svd,
              "linalg.pinv": linalg_pinv, "linalg.lstsq": linalg_lstsq, "matrix_exp": matrix_exp,
              "matrix_power": matrix_power,
              "cholesky_solve": cholesky_solve, "linalg.inv_ex": linalg_inv_ex,
              "linalg.householder_product": linalg_householder_product}
METHODS: dict = {"matrix_exp": matrix_exp, "matrix_power": matrix_power, "cholesky_solve": cholesky_solve}
__all__: list = ["linalg_eigh", "linalg_eigvalsh", "linalg_cholesky", "linalg_cholesky_ex", "linalg_qr",
                 "linalg_pinv", "linalg_lstsq", "matrix_exp", "matrix_power", "cholesky_solve", "linalg_inv_ex",
                 "linalg_householder_product"]
