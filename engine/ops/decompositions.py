"""torch.linalg's core matrix functions: inv, det, slogdet, solve, svdvals.

Each is one Function named as torch names its node (LinalgInvExBackward0,
LinalgDetBackward0, LinalgSlogdetBackward0, LinalgSolveExBackward0,
LinalgSvdBackward0). Forwards run on the device's array module
(``xp.linalg``: numpy on cpu, cupy on cuda); backwards are written with
differentiable Tensor ops (matmul, mul, these Functions themselves), so
create_graph=True and higher-order gradients work.

Argument checks and result shapes come from gradwire.common.linalg, which the
client runs on metadata too. A singular matrix in inv/solve raises
``_LinAlgError`` (torch.linalg.LinAlgError) with torch's text.

Declares WIRE, METHODS and __all__; engine/ops/__init__.py installs them.
"""
from __future__ import annotations

from gradwire.common import linalg as _la
from gradwire.common.dtypes import int32 as _int32
from gradwire.common.grad_mode import _state as _grad_state
from gradwire.common.linalg import LinAlgError

from .. import backend
from . import complex_ops as _complex
from ..function import Function, backward_mode as _bw
from ._lu import det_from_lu, lu_arrays, lu_solve_arrays
from ._util import check_tensor_arg, same_device, wrap, wrap_grad
from .linalg import matmul
from .shape import sum_to


# ---- singular matrices -------------------------------------------------------------------------

def _first_zero_pivots(arr):
    """Per matrix of a batch: the 1-based column of the first exactly-zero pivot of its LU factorization
    with partial pivoting (LAPACK getrf's ``info``), 0 where there is none. On a host copy: this runs
    only to word an error."""
    host = backend.to_numpy(arr)
    n = host.shape[-1]
    return lu_arrays(backend.array_module("cpu"), host.reshape((-1, n, n)))[2]


def _checked(xp, solve, arr):
    """``solve(arr)`` (an xp.linalg call), or None when the matrix (batch) it factors is singular: numpy
    raises then, cupy returns non-finite values."""
    try:
        out = solve()
    except Exception as exc:  # noqa: BLE001 - numpy.linalg.LinAlgError; the text is ours, below
        if type(exc).__name__ != "LinAlgError":
            raise
        return None
    if not bool(xp.isfinite(out).all()) and bool((_first_zero_pivots(arr) != 0).any()):
        return None
    return out


def _raise_singular(op: str, arr, text) -> None:
    info = _first_zero_pivots(arr)
    bad = [int(i) for i in info.nonzero()[0]]
    index = bad[0] if bad else 0
    prefix = _la.batch_prefix(arr.ndim, index)
    raise LinAlgError(f"{op}: {prefix}{text(int(info[index]) if bad else 0)}")


def _batch_of(arr):
    return tuple(arr.shape[:-2])


def _t(arr):
    return arr.swapaxes(-1, -2)


def _h(arr):
    """The conjugate transpose (the transpose of a real array)."""
    t = arr.swapaxes(-1, -2)
    return t.conj() if t.dtype.kind == "c" else t


# ---- inv ---------------------------------------------------------------------------------------

class LinalgInvEx(Function):
    """inv(A); the gradient is -A^{-T} G A^{-T}, from the saved output. With ``with_info`` (linalg.inv_ex)
    the output is (inverse, info), info LAPACK's per matrix; a singular matrix raises only when ``check``,
    else its inverse is NaN."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, with_info=False, check=True):
        xp, arr = a.xp, a.array
        info = None
        if arr.size == 0:
            out = xp.empty_like(arr)
        else:
            out = _checked(xp, lambda: xp.linalg.inv(arr), arr)
            if out is None and (check or not with_info):
                _raise_singular("linalg.inv_ex" if with_info else "linalg.inv", arr, lambda k: (
                    f"The diagonal element {k} is zero, the inversion could not be completed because the input "
                    "matrix is singular."))
            if out is None:
                info = xp.asarray(_first_zero_pivots(arr).reshape(_batch_of(arr)))
                bad = (info != 0)[..., None, None]
                eye = xp.eye(arr.shape[-1], dtype=arr.dtype)
                out = xp.where(bad, xp.nan, xp.linalg.inv(xp.where(bad, eye, arr)))
        res = wrap(xp, out, a.dtype, a.device)
        ctx.save_for_backward(res)
        if not with_info:
            return res
        info = xp.zeros(_batch_of(arr), dtype=xp.int32) if info is None else info
        return res, wrap(xp, info, _int32, a.device)

    @staticmethod
    def backward(ctx, grad, _grad_info=None):
        inv, = ctx.saved_tensors
        inv_t = inv.mT
        return -matmul(matmul(inv_t, grad), inv_t), None, None


def _on_square(cls, op: str, fn: str, a, arg: str = "input"):
    """``cls`` applied to a square matrix (or a batch of them) after torch's checks: ``fn`` names the
    function in a type error, ``op`` the op in shape and dtype errors."""
    check_tensor_arg(fn, a, arg)
    _la.square_op_shape(op, a.array.shape, a.dtype)
    return cls.apply(a)


def linalg_inv(A):
    return _on_square(LinalgInvEx, "linalg.inv", "linalg_inv", A, "A")


def inverse(input):
    return _on_square(LinalgInvEx, "linalg.inv", "inverse", input)


# ---- det ---------------------------------------------------------------------------------------

# det by our LU (the product of U's diagonal, as torch) up to this size: exact where torch is exact;
# above it LAPACK's det through numpy (a log-sum, a few ulps off), as the Python loop over columns would cost
_DET_BY_LU_MAX = 128


def _det_arrays(xp, arr):
    """(det, (LU, pivots) of A^T, or None) of a batch of square matrices A. Like torch, this factors A^T
    (det A = det A^T), the matrix a row-major array holds in LAPACK's column-major order."""
    n = arr.shape[-1]
    if n == 0:
        return xp.ones(_batch_of(arr), dtype=arr.dtype), None
    if arr.size == 0:
        return xp.empty(_batch_of(arr), dtype=arr.dtype), None
    if n <= _DET_BY_LU_MAX:
        lu, piv, _ = lu_arrays(xp, xp.swapaxes(arr, -1, -2))
        return det_from_lu(xp, lu, piv), (lu, piv)
    return xp.linalg.det(arr), None


def _cofactors_svd(xp, arr):
    """d det(A) / dA for any square A (singular ones included), from A = U diag(S) V^T:
    det(U) det(V^T) U diag(product of the other singular values) V^T."""
    u, s, vh = xp.linalg.svd(arr)
    alpha = xp.linalg.det(u) * xp.linalg.det(vh)
    ones = xp.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    before = xp.cumprod(xp.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(s, axis=-1)[..., :-1]], axis=-1), axis=-1), axis=-1)
    return alpha[..., None, None] * xp.matmul(u * (before * after)[..., None, :], vh)


class LinalgDetSingularGrad(Function):
    """The gradient of det where some matrix of the batch is singular (A^{-T} does not exist there):
    ``G * cofactors(A)``. Linear in ``G``; its own derivative in A is not implemented."""

    node_name = "LinalgDetSingularGradBackward0"
    array_forward = True

    @staticmethod
    def forward(ctx, g, a):
        xp = a.xp
        cof = wrap(xp, _cofactors_svd(xp, a.array), a.dtype, a.device)
        ctx.cof = cof
        return wrap(xp, g.array[..., None, None] * cof.array, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        if ctx.needs_input_grad[1]:
            raise NotImplementedError("gradwire: the second derivative of linalg.det at a singular matrix is not "
                                      "implemented")
        return (grad * ctx.cof).sum((-2, -1)), None


class LinalgDet(Function):
    """det(A); the gradient is G det(A) A^{-T}. Like torch: where det(A) == 0 the plain backward gives 0;
    with create_graph, the cofactor matrix (from an SVD)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a):
        xp = a.xp
        det, ctx.lu = _det_arrays(xp, a.array)
        out = wrap(xp, det, a.dtype, a.device)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, det = ctx.saved_tensors
        xp = a.xp
        singular = det.array == 0
        any_singular = bool(singular.any())
        if _bw.arrays:
            arr = a.array
            if arr.size == 0:
                return wrap_grad(xp, xp.zeros_like(arr), grad.dtype, grad.device)
            if any_singular:
                arr = xp.where(singular[..., None, None], xp.eye(arr.shape[-1], dtype=arr.dtype), arr)
            d = xp.where(singular, 0, grad.array * det.array)
            if ctx.lu is not None and not any_singular:  # A^T X = d I through the forward's LU of A^T, as torch
                eye = xp.eye(arr.shape[-1], dtype=arr.dtype)
                return wrap_grad(xp, lu_solve_arrays(xp, *ctx.lu, d[..., None, None] * eye, False), grad.dtype,
                                 grad.device)
            return wrap_grad(xp, d[..., None, None] * _t(xp.linalg.inv(arr)), grad.dtype, grad.device)
        if any_singular:
            return LinalgDetSingularGrad.apply(grad, a)
        d = grad * det
        return d.unsqueeze(-1).unsqueeze(-1) * LinalgInvEx.apply(a).mT


def linalg_det(A):
    return _on_square(LinalgDet, "linalg.det", "linalg_det", A, "A")


def det(input):
    return _on_square(LinalgDet, "linalg.det", "det", input)


# ---- slogdet -----------------------------------------------------------------------------------

class LinalgSlogdet(Function):
    """(sign, log|det A|); the gradient of logabsdet is G A^{-T} (sign's is zero for real A). For complex A
    (COMPLEX_AWARE: not holomorphic) both are parts of log det A, whose gradient is A^{-H} times
    g_logabsdet + i Im(conj(sign) g_sign) (torch's slogdet_backward)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a):
        xp, arr = a.xp, a.array
        batch = _batch_of(arr)
        if arr.shape[-1] == 0:
            sign, logabs = xp.ones(batch, dtype=arr.dtype), xp.zeros(batch, dtype=arr.real.dtype)
        elif arr.size == 0:
            sign, logabs = xp.empty(batch, dtype=arr.dtype), xp.empty(batch, dtype=arr.real.dtype)
        else:
            sign, logabs = xp.linalg.slogdet(arr)
        sign = wrap(xp, sign, a.dtype, a.device)
        ctx.save_for_backward(a, sign)
        return sign, wrap(xp, logabs, a.dtype.to_real(), a.device)

    @staticmethod
    def backward(ctx, grad_sign, grad_logabsdet):
        a, sign = ctx.saved_tensors
        if not a.dtype.is_complex:
            if grad_logabsdet is None:
                return None
            return grad_logabsdet.unsqueeze(-1).unsqueeze(-1) * LinalgInvEx.apply(a).mT
        g = grad_logabsdet
        if grad_sign is not None:
            turn = _complex.imag(_complex.conj(sign) * grad_sign) * 1j
            g = turn if g is None else g + turn
        if g is None:
            return None
        return g.unsqueeze(-1).unsqueeze(-1) * _complex.conj(LinalgInvEx.apply(a).mT)


def linalg_slogdet(A):
    return _on_square(LinalgSlogdet, "linalg.slogdet", "linalg_slogdet", A, "A")


def slogdet(input):
    return _on_square(LinalgSlogdet, "linalg.slogdet", "slogdet", input)


# ---- solve -------------------------------------------------------------------------------------

class LinalgSolveEx(Function):
    """X with AX = B (left) or XA = B; B a (batch of) vector(s) when ``vector``. Batch dims broadcast.
    Gradients: gB = solve(A^T, G) (same side), gA = -gB X^T (left) or -X^T gB (right)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, b, left, vector, batch):
        xp = a.xp
        n = a.array.shape[-1]
        amat = xp.broadcast_to(a.array, batch + (n, n))
        bmat = b.array[..., None] if vector else b.array
        bmat = xp.broadcast_to(bmat, batch + bmat.shape[-2:])
        if not left:  # XA = B  <=>  A^T X^T = B^T
            amat, bmat = _t(amat), _t(bmat)
        if amat.size == 0 or bmat.size == 0:
            x = xp.zeros(bmat.shape, dtype=bmat.dtype)
        else:
            x = _checked(xp, lambda: xp.linalg.solve(amat, bmat), amat)
            if x is None:
                _raise_singular("torch.linalg.solve", amat,
                                lambda _k: "The solver failed because the input matrix is singular.")
        if not left:
            x = _t(x)
        if vector:
            x = x[..., 0]
        out = wrap(xp, xp.ascontiguousarray(x), a.dtype, a.device)
        ctx.args = (left, vector, batch)
        ctx.b_shape = b.array.shape
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        left, vector, batch = ctx.args
        na, nb = ctx.needs_input_grad[:2]
        gb = LinalgSolveEx.apply(a.mT, grad, left, vector, batch)
        ga = None
        if na:
            if vector:
                ga = -(gb.unsqueeze(-1) * x.unsqueeze(-2))
            elif left:
                ga = -matmul(gb, x.mT)
            else:
                ga = -matmul(x.mT, gb)
            ga = sum_to(ga, a.array.shape)
        return ga, (sum_to(gb, ctx.b_shape) if nb else None), None, None, None


def linalg_solve(A, B, *, left=True):
    check_tensor_arg("linalg_solve", A, "A")
    check_tensor_arg("linalg_solve", B, "B", 2)
    vector, batch, _ = _la.solve_shapes(A.array.shape, B.array.shape, A.dtype, B.dtype, bool(left))
    same_device(A, B)
    return LinalgSolveEx.apply(A, B, bool(left), vector, tuple(batch))


# ---- svdvals -----------------------------------------------------------------------------------

def _nonzero(t) -> bool:
    return t is not None and bool(t.xp.any(t.array))


class LinalgSvd(Function):
    """The reduced SVD A = U diag(S) V^T as (U, S, Vh), or S alone when ``compute_uv`` is False (no
    gradient needed). The backward is the full SVD one, so svdvals' gradient U diag(gS) V^T, itself
    built from the outputs U and Vh, has a derivative too."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, compute_uv, full_matrices=False):
        xp, arr = a.xp, a.array
        m, n = arr.shape[-2:]
        k = min(m, n)
        batch = _batch_of(arr)
        real = a.dtype.to_real()  # singular values are real
        if not compute_uv:
            s = xp.zeros(batch + (k,), dtype=real.numpy) if arr.size == 0 else xp.linalg.svd(arr, compute_uv=False)
            return wrap(xp, s, real, a.device)
        if arr.size == 0:  # like LAPACK: the factors of an empty A are (parts of) the identity
            ku, kv = (m, n) if full_matrices else (k, k)
            u = xp.broadcast_to(xp.eye(m, ku, dtype=arr.dtype), batch + (m, ku))
            s = xp.zeros(batch + (k,), dtype=real.numpy)
            vh = xp.broadcast_to(xp.eye(kv, n, dtype=arr.dtype), batch + (kv, n))
        else:
            u, s, vh = xp.linalg.svd(arr, full_matrices=bool(full_matrices))
        outs = tuple(wrap(xp, xp.ascontiguousarray(r), dt, a.device) for r, dt in ((u, a.dtype), (s, real), (vh, a.dtype)))
        ctx.full = bool(full_matrices) and m != n
        ctx.save_for_backward(*outs)
        return outs

    @staticmethod
    def backward(ctx, grad_u, grad_s, grad_vh):
        u, s, vh = ctx.saved_tensors
        if ctx.full:  # the columns of U (rows of V^T) past min(m, n) are arbitrary: their gradients are dropped
            k = s.array.shape[-1]
            u, vh = u.narrow(-1, 0, k), vh.narrow(-2, 0, k)
            grad_u = None if grad_u is None else grad_u.narrow(-1, 0, k)
            grad_vh = None if grad_vh is None else grad_vh.narrow(-2, 0, k)
        has_u, has_vh = _nonzero(grad_u), _nonzero(grad_vh)
        if not (has_u or has_vh):
            return matmul(u * grad_s.unsqueeze(-2), vh), None, None
        # gA = U [ (skew(U^T gU) / E) S + S (skew(V^T gV) / E) + diag(gS) ] V^T
        #      + (I - U U^T) gU S^{-1} V^T + U S^{-1} gV^T (I - V V^T),   E_ij = S_j^2 - S_i^2 (1 on the diagonal)
        m, n = u.array.shape[-2], vh.array.shape[-1]
        k = s.array.shape[-1]
        xp = s.xp
        s2 = s * s
        eye = wrap(xp, xp.eye(k, dtype=s.dtype.numpy), s.dtype, s.device)
        e = s2.unsqueeze(-2) - s2.unsqueeze(-1) + eye
        inner = grad_s.unsqueeze(-1) * eye
        ga = None
        if has_u:
            utgu = matmul(u.mT, grad_u)
            inner = inner + (utgu - utgu.mT) / e * s.unsqueeze(-2)
            if m > k:
                ga = matmul((grad_u - matmul(u, utgu)) / s.unsqueeze(-2), vh)
        if has_vh:
            v, gv = vh.mT, grad_vh.mT
            vtgv = matmul(vh, gv)
            inner = inner + s.unsqueeze(-1) * ((vtgv - vtgv.mT) / e)
            if n > k:
                term = matmul(u, (gv - matmul(v, vtgv)).mT / s.unsqueeze(-1))
                ga = term if ga is None else ga + term
        core = matmul(matmul(u, inner), vh)
        return (core if ga is None else core + ga), None, None


def linalg_svd(A):
    """The reduced SVD (U, S, Vh), differentiable in all three (not on the wire: svdvals uses it)."""
    _la.svdvals_shape(A.array.shape, A.dtype)
    return LinalgSvd.apply(A, True)


def linalg_svdvals(A):
    check_tensor_arg("linalg_svdvals", A, "A")
    _la.svdvals_shape(A.array.shape, A.dtype)
    if _grad_state.enabled and A._requires_grad:
        return LinalgSvd.apply(A, True)[1]
    return LinalgSvd.apply(A, False)


# ---- registration tables -----------------------------------------------------------------------

WIRE: dict = {"linalg.inv": linalg_inv, "linalg.det": linalg_det, "linalg.slogdet": linalg_slogdet,
              "linalg.solve": linalg_solve, "linalg.svdvals": linalg_svdvals}
METHODS: dict = {"inverse": inverse, "det": det, "slogdet": slogdet}
__all__: list = ["inverse", "det", "slogdet", "linalg_inv", "linalg_det", "linalg_slogdet", "linalg_solve",
                 "linalg_svdvals", "LinAlgError"]
