"""torch.linalg's LU and LDL families, torch's LU functions (lu, lu_unpack, lu_solve), the ``*_copy`` view
functions, nuclear_norm / frobenius_norm / norm_except_dim, svd_lowrank / pca_lowrank, histogramdd,
frombuffer, and the Tensor methods among them (engine/ops/linspec.py has the server's ops).

``install(namespace)`` puts them in place: torch.linalg's in client/linalg.py's module, the Tensor methods on
Tensor, and it returns the top-level functions for the package's namespace.
"""
from __future__ import annotations

import warnings

import numpy as np

from ._dispatch import call
from .tensor import Tensor, return_type

linalg_lu_factor = return_type("linalg_lu_factor", ("LU", "pivots"))
linalg_lu_factor_ex = return_type("linalg_lu_factor_ex", ("LU", "pivots", "info"))
linalg_lu = return_type("linalg_lu", ("P", "L", "U"))
lu_unpack_result = return_type("lu_unpack", ("P", "L", "U"))
lu_with_info = return_type("_lu_with_info", ("LU", "pivots", "info"))
linalg_ldl_factor = return_type("linalg_ldl_factor", ("LD", "pivots"))
linalg_ldl_factor_ex = return_type("linalg_ldl_factor_ex", ("LD", "pivots", "info"))
histogramdd_result = return_type("histogramdd", ("hist", "bin_edges"))
geqrf_result = return_type("geqrf", ("a", "tau"))

_WARNED: set = set()


def _warn_once(key: str, text: str) -> None:
    """torch's TORCH_WARN_ONCE: a deprecation warning, once a process."""
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(text, UserWarning, stacklevel=3)


# ---- torch.linalg ----------------------------------------------------------------------------------------

def lu_factor(A, *, pivot=True):
    return linalg_lu_factor(*call("linalg.lu_factor", A, pivot=pivot))


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    return linalg_lu_factor_ex(*call("linalg.lu_factor_ex", A, pivot=pivot, check_errors=bool(check_errors)))


def lu(A, *, pivot=True):
    return linalg_lu(*call("linalg.lu", A, pivot=pivot))


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):  # noqa: N803 - torch's names
    return call("linalg.lu_solve", LU, pivots, B, left=bool(left), adjoint=bool(adjoint))


def ldl_factor(A, *, hermitian=False):
    return linalg_ldl_factor(*call("linalg.ldl_factor", A, hermitian=bool(hermitian)))


def ldl_factor_ex(A, *, hermitian=False, check_errors=False):
    return linalg_ldl_factor_ex(*call("linalg.ldl_factor_ex", A, hermitian=bool(hermitian),
                                      check_errors=bool(check_errors)))


def ldl_solve(LD, pivots, B, *, hermitian=False):  # noqa: N803
    return call("linalg.ldl_solve", LD, pivots, B, hermitian=bool(hermitian))


LINALG = {f.__name__: f for f in (lu_factor, lu_factor_ex, lu, lu_solve, ldl_factor, ldl_factor_ex, ldl_solve)}


# ---- torch's LU functions --------------------------------------------------------------------------------

_LU_WARNING = ("torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will be "
               "removed in a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\nshould be replaced "
               "with\nLU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\nLU, pivots, info = torch.lu(A, "
               "compute_pivots, get_infos=True)\nshould be replaced with\nLU, pivots, info = "
               "torch.linalg.lu_factor_ex(A, compute_pivots) (Triggered internally at "
               "/__w/pytorch/pytorch/aten/src/ATen/native/BatchLinearAlgebra.cpp:2073.)")
_LU_SOLVE_WARNING = ("torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a future "
                     "PyTorch release.\nNote that torch.linalg.lu_solve has its arguments reversed.\nX = "
                     "torch.lu_solve(B, LU, pivots)\nshould be replaced with\nX = torch.linalg.lu_solve(LU, pivots, "
                     "B) (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/"
                     "BatchLinearAlgebra.cpp:2230.)")


def torch_lu(A, pivot=True, get_infos=False, out=None):
    """torch.lu: (LU, pivots), with ``get_infos`` (LU, pivots, info) and no error for a singular matrix."""
    _warn_once("lu", _LU_WARNING)
    res = call("linalg.lu_factor_ex", A, pivot=pivot, check_errors=not get_infos)
    return lu_with_info(*res) if get_infos else tuple(res[:2])


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):  # noqa: N803
    return lu_unpack_result(*call("lu_unpack", LU_data, LU_pivots, unpack_data, unpack_pivots))


def torch_lu_solve(b, LU_data, LU_pivots):  # noqa: N803
    _warn_once("lu_solve", _LU_SOLVE_WARNING)
    return call("linalg.lu_solve", LU_data, LU_pivots, b)


# ---- norms -----------------------------------------------------------------------------------------------

def frobenius_norm(input, dim, keepdim=False):
    _warn_once("frobenius_norm", "at::frobenius_norm is deprecated and it is just left for JIT compatibility. It "
               "will be removed in a future PyTorch release. Please use `linalg.vector_norm(A, 2., dim, keepdim)` "
               "instead (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/LinearAlgebra.cpp:3175.)")
    dim = list(dim) if isinstance(dim, (list, tuple)) else [dim]
    if len(dim) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dim)} dimensions instead.")
    return call("_norm_dim", input, 2, dim, keepdim)


def nuclear_norm(input, dim=None, keepdim=False):
    _warn_once("nuclear_norm", "at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will "
               "be removed in a future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, keepdim)` "
               "instead (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/LinearAlgebra.cpp:3229.)")
    from . import linalg as _linalg  # noqa: PLC0415
    return _linalg.matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim)


def norm_except_dim(v, pow=2, dim=0):  # noqa: A002 - torch's name
    """The ``pow``-norm of each slice of v along ``dim``, shaped [1, .., v.size(dim), .., 1] (dim -1: of all)."""
    if dim == -1:
        return call("_norm_all", v, pow)
    nd = v.dim()
    shape = [1] * nd
    shape[dim] = v.shape[dim]
    if dim == 0:
        return v.contiguous().view(v.shape[0], -1).norm(pow, 1).view(shape)
    if dim == nd - 1:
        return v.contiguous().view(-1, v.shape[nd - 1]).norm(pow, 0).view(shape)
    return norm_except_dim(v.transpose(0, dim), pow, 0).transpose(0, dim)


# ---- randomised low-rank SVD / PCA -----------------------------------------------------------------------

def _range_finder(A, q, niter, M=None):  # noqa: N803
    """An orthonormal basis Q (m x q) whose range approximates A's (Halko et al.'s subspace iteration)."""
    from . import randn  # noqa: PLC0415
    from . import linalg as _linalg  # noqa: PLC0415
    m, n = A.shape[-2:]
    R = randn(*A.shape[:-2], n, q, dtype=A.dtype, device=A.device)  # noqa: N806
    X = A.matmul(R) if M is None else A.matmul(R) - M.matmul(R)  # noqa: N806
    Q = _linalg.qr(X).Q  # noqa: N806
    for _ in range(niter):
        Z = A.mT.matmul(Q) if M is None else A.mT.matmul(Q) - M.mT.matmul(Q)  # noqa: N806
        Q = _linalg.qr(Z).Q  # noqa: N806
        X = A.matmul(Q) if M is None else A.matmul(Q) - M.matmul(Q)  # noqa: N806
        Q = _linalg.qr(X).Q  # noqa: N806
    return Q


def svd_lowrank(A, q=6, niter=2, M=None):  # noqa: N803
    """torch.svd_lowrank: (U, S, V) of rank q approximating A - M, from a random projection."""
    from . import linalg as _linalg  # noqa: PLC0415
    q = 6 if q is None else q
    m, n = A.shape[-2:]
    if m < n:  # work on the tall transpose
        U, S, V = svd_lowrank(A.mT, q, niter, None if M is None else M.mT)  # noqa: N806
        return V, S, U
    Q = _range_finder(A, q, niter, M)  # noqa: N806
    B = Q.mT.matmul(A) if M is None else Q.mT.matmul(A) - Q.mT.matmul(M)  # noqa: N806
    U, S, Vh = _linalg.svd(B, full_matrices=False)  # noqa: N806
    return Q.matmul(U), S, Vh.mT


def pca_lowrank(A, q=None, center=True, niter=2):  # noqa: N803
    m, n = A.shape[-2:]
    q = min(6, m, n) if q is None else q
    if not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if niter < 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return svd_lowrank(A, q, niter)
    return svd_lowrank(A - A.mean(-2, keepdim=True), q, niter)


# ---- histogramdd, frombuffer -----------------------------------------------------------------------------

def histogramdd(input, bins, *, range=None, weight=None, density=False):  # noqa: A002 - torch's names
    """torch.histogramdd over the last dim's coordinates (computed on the client from the values)."""
    from . import tensor as _tensor  # noqa: PLC0415
    x = input.detach().numpy().astype(np.float64)
    d = x.shape[-1]
    x = x.reshape(-1, d)
    if isinstance(bins, int):
        bins = [bins] * d
    if isinstance(bins, Tensor):
        bins = [bins]
    if len(bins) != d:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    edges = []
    for i, b in enumerate(bins):
        if isinstance(b, Tensor):
            edges.append(b.detach().numpy().astype(np.float64))
            continue
        if range is not None:
            lo, hi = float(range[2 * i]), float(range[2 * i + 1])
        else:
            lo, hi = (float(x[:, i].min()), float(x[:, i].max())) if x.shape[0] else (0.0, 0.0)
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges.append(np.linspace(lo, hi, int(b) + 1))
    w = None if weight is None else weight.detach().numpy().reshape(-1).astype(np.float64)
    hist, _ = np.histogramdd(x, bins=edges, weights=w, density=density)
    dt = input.dtype
    return histogramdd_result(_tensor(hist, dtype=dt), tuple(_tensor(e, dtype=dt) for e in edges))


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """torch.frombuffer: a 1-d tensor of the buffer's bytes read as ``dtype`` (here a copy: the server holds it)."""
    from . import tensor as _tensor  # noqa: PLC0415
    size = len(memoryview(buffer).cast("B"))
    item = np.dtype(dtype.numpy).itemsize
    if size == 0 or size - offset <= 0:
        raise ValueError(f"both buffer length ({size}) and offset ({offset}) must not be 0 or negative")
    if count != -1 and count <= 0:
        raise ValueError(f"both buffer length ({size}) and count ({count}) must not be 0")
    if offset < 0 or offset >= size:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
                         f"({size} bytes) minus 1")
    if count == -1 and (size - offset) % item != 0:
        raise ValueError(f"buffer length ({size - offset} bytes) after offset ({offset} bytes) must be a multiple of "
                         f"element size ({item})")
    if count != -1 and offset + count * item > size:
        raise ValueError(f"requested buffer length ({count} * {item} bytes) after offset ({offset} bytes) must not "
                         f"be greater than actual buffer length ({size} bytes)")
    arr = np.frombuffer(buffer, dtype=dtype.numpy, count=count, offset=offset)
    return _tensor(arr.copy(), dtype=dtype, requires_grad=requires_grad)


# ---- the *_copy functions and as_strided_scatter -------------------------------------------------------

COPY_OPS = ("view_copy", "permute_copy", "t_copy", "transpose_copy", "unsqueeze_copy", "squeeze_copy", "select_copy",
            "slice_copy", "diagonal_copy", "expand_copy", "detach_copy", "alias_copy", "unbind_copy", "split_copy",
            "split_with_sizes_copy", "unfold_copy", "as_strided_copy", "as_strided_scatter")


def _op(name: str):
    def fn(*args, **kwargs):
        return call(name, *args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    return fn


def geqrf(input):
    return geqrf_result(*call("geqrf", input))


def orgqr(input, tau):
    return call("linalg.householder_product", input, tau)


def ormqr(input, input2, input3, left=True, transpose=False):
    return call("ormqr", input, input2, input3, left, transpose)


def _tensor_lu(self, pivot=True, get_infos=False):
    return torch_lu(self, pivot, get_infos)


def _tensor_lu_solve(self, LU_data, LU_pivots):  # noqa: N803
    return torch_lu_solve(self, LU_data, LU_pivots)


def _tensor_svd(self, some=True, compute_uv=True):
    from .linalg import _svd_compat  # noqa: PLC0415
    return _svd_compat(self, some, compute_uv)


# torch.special name -> the server's op
SPECIAL = {**{name: "special_" + name for name in (
    "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
    "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
    "spherical_bessel_j0", "airy_ai", "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
    "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
    "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p", "ndtri", "zeta", "gammainc",
    "gammaincc")}}


def _named_op(name: str, op: str):
    fn = _op(op)
    fn.__name__ = fn.__qualname__ = name
    return fn


def install() -> dict:
    """Puts torch.linalg's functions in client/linalg.py's module and the methods on Tensor; returns the
    top-level functions."""
    from . import linalg as _linalg  # noqa: PLC0415
    for name, fn in LINALG.items():
        setattr(_linalg, name, fn)
        if name not in _linalg.__all__:
            _linalg.__all__.append(name)
    from . import special as _special  # noqa: PLC0415
    for name, op in SPECIAL.items():
        setattr(_special, name, _named_op(name, op))
        _special.__all__.append(name)
    for name, fn in {"lu": _tensor_lu, "lu_solve": _tensor_lu_solve, "svd": _tensor_svd, "geqrf": geqrf,
                     "orgqr": orgqr, "ormqr": ormqr,
                     **{op: _op(op) for op in ("as_strided_scatter", "igamma", "igammac", "igamma_", "igammac_")}
                     }.items():
        setattr(Tensor, name, fn)
    top = {name: _op(name) for name in COPY_OPS}
    top.update(lu=torch_lu, lu_unpack=lu_unpack, lu_solve=torch_lu_solve, frobenius_norm=frobenius_norm,
               nuclear_norm=nuclear_norm, norm_except_dim=norm_except_dim, svd_lowrank=svd_lowrank,
               pca_lowrank=pca_lowrank, histogramdd=histogramdd, frombuffer=frombuffer, igamma=_op("igamma"),
               igammac=_op("igammac"), geqrf=geqrf, orgqr=orgqr, ormqr=ormqr)
    return top

