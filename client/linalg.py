"""torch.linalg: the functions gradwire has, each one server op."""
from __future__ import annotations

import math

from gradwire.common import shapes
from gradwire.common import linalg as _la
from gradwire.common.linalg import LinAlgError

from ._dispatch import call
from .errors import register_error_type
from .tensor import return_type

register_error_type(LinAlgError)  # torch.linalg.LinAlgError (named _LinAlgError, like torch's class)

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "eig", "eigh", "eigvals", "eigvalsh",
           "householder_product", "inv", "inv_ex", "lstsq", "matrix_exp", "matrix_norm", "matrix_power",
           "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "svd", "svdvals", "vecdot",
           "vector_norm", "solve_triangular", "solve_ex", "vander", "diagonal", "matmul", "tensorinv", "tensorsolve"]


def _check_tensor(fn: str, x, name: str = "A", pos: int = 1) -> None:
    if not hasattr(x, "_shape"):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _return_type(name: str, *fields: str) -> type:
    return return_type(name, fields)


linalg_slogdet = _return_type("linalg_slogdet", "sign", "logabsdet")
slogdet_result = _return_type("slogdet", "sign", "logabsdet")
linalg_eigh = _return_type("linalg_eigh", "eigenvalues", "eigenvectors")
linalg_eig = _return_type("linalg_eig", "eigenvalues", "eigenvectors")
linalg_cholesky_ex = _return_type("linalg_cholesky_ex", "L", "info")
linalg_inv_ex = _return_type("linalg_inv_ex", "inverse", "info")
linalg_qr = _return_type("linalg_qr", "Q", "R")
linalg_svd = _return_type("linalg_svd", "U", "S", "Vh")
svd_result = _return_type("svd", "U", "S", "V")
linalg_lstsq = _return_type("linalg_lstsq", "solution", "residuals", "rank", "singular_values")


def inv(A):
    _check_tensor("linalg_inv", A)
    return call("linalg.inv", A)


def det(A):
    _check_tensor("linalg_det", A)
    return call("linalg.det", A)


def slogdet(A):
    _check_tensor("linalg_slogdet", A)
    return linalg_slogdet(*call("linalg.slogdet", A))


def solve(A, B, *, left=True):
    _check_tensor("linalg_solve", A)
    _check_tensor("linalg_solve", B, "B", 2)
    return call("linalg.solve", A, B, left=bool(left))


def svdvals(A):
    _check_tensor("linalg_svdvals", A)
    return call("linalg.svdvals", A)


def inv_ex(A, *, check_errors=False):
    _check_tensor("linalg_inv_ex", A)
    return linalg_inv_ex(*call("linalg.inv_ex", A, check_errors=bool(check_errors)))


def eigh(A, UPLO="L"):  # noqa: N803 - torch's name
    _check_tensor("linalg_eigh", A)
    return linalg_eigh(*call("linalg.eigh", A, UPLO=UPLO))


def eig(A):  # noqa: N803 - torch's name (complex results: no autograd through them)
    _check_tensor("linalg_eig", A)
    return linalg_eig(*call("linalg.eig", A))


def eigvals(A):  # noqa: N803
    _check_tensor("linalg_eigvals", A)
    return call("linalg.eigvals", A)


def eigvalsh(A, UPLO="L"):  # noqa: N803
    _check_tensor("linalg_eigvalsh", A)
    return call("linalg.eigvalsh", A, UPLO=UPLO)


def cholesky(A, *, upper=False):
    _check_tensor("linalg_cholesky", A)
    return call("linalg.cholesky", A, upper=bool(upper))


def cholesky_ex(A, *, upper=False, check_errors=False):
    _check_tensor("linalg_cholesky_ex", A)
    return linalg_cholesky_ex(*call("linalg.cholesky_ex", A, upper=bool(upper), check_errors=bool(check_errors)))


def qr(A, mode="reduced"):
    _check_tensor("linalg_qr", A)
    return linalg_qr(*call("linalg.qr", A, mode))


def svd(A, full_matrices=True, *, driver=None):
    _check_tensor("linalg_svd", A)
    return linalg_svd(*call("linalg.svd", A, bool(full_matrices)))


def _svd_compat(input, some=True, compute_uv=True):
    """torch.svd: (U, S, V) with V = Vh^T; without compute_uv, U and V are zero (m x m and n x n)."""
    _check_tensor("svd", input, "input")
    if input.dim() < 2:
        raise RuntimeError(f"linalg.svd: input should have at least 2 dimensions, but has {input.dim()} dimensions "
                           "instead")
    if compute_uv:
        u, s, vh = call("linalg.svd", input, not some)
        return svd_result(u, s, vh.mT)
    s = svdvals(input)
    batch, (m, n) = input.shape[:-2], input.shape[-2:]
    from ._creation import zeros  # noqa: PLC0415 - the package imports this module
    return svd_result(zeros(*batch, m, m, dtype=input.dtype, device=input.device), s,
                      zeros(*batch, n, n, dtype=input.dtype, device=input.device))


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None):
    """torch.linalg.pinv; ``rcond`` (positional, deprecated) is ``rtol``."""
    _check_tensor("linalg_pinv", A, "input")
    kwargs = {k: v for k, v in (("atol", atol), ("rtol", rtol if rcond is None else rcond)) if v is not None}
    return call("linalg.pinv", A, hermitian=bool(hermitian), **kwargs)


def lstsq(A, B, rcond=None, *, driver=None):
    _check_tensor("linalg_lstsq", A, "self")
    _check_tensor("linalg_lstsq", B, "b", 2)
    kwargs = {k: v for k, v in (("rcond", rcond), ("driver", driver)) if v is not None}
    return linalg_lstsq(*call("linalg.lstsq", A, B, **kwargs))


def matrix_exp(A):
    _check_tensor("linalg_matrix_exp", A)
    return call("matrix_exp", A)


def _eps(dtype) -> float:
    return 2.220446049250313e-16 if dtype.to_real().name == "float64" else 1.1920928955078125e-07


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None):
    """The number of singular values (|eigenvalues| when ``hermitian``) above max(atol, rtol * largest);
    ``tol`` (deprecated) is atol with rtol 0."""
    _check_tensor("linalg_matrix_rank", A, "input")
    if A.dim() < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions.")
    if A.dtype.name not in ("float32", "float64", "complex64", "complex128"):
        raise RuntimeError("This function doesn't handle types other than float and double")
    if tol is not None:
        atol, rtol = tol, 0.0
    m, n = A.shape[-2:]
    if rtol is None:
        rtol = _eps(A.dtype) * max(m, n) if atol is None or _positive(atol) is False else 0.0
    x = A.detach()
    s = eigvalsh(x).abs() if hermitian else svdvals(x)
    if min(m, n) == 0:
        return (s.sum(-1) * 0).long()
    thr = s.amax(-1, keepdim=True) * rtol
    if atol is not None:
        thr = thr.clamp_min(atol) if not hasattr(atol, "_shape") else thr.maximum(atol.unsqueeze(-1))
    return (s > thr).sum(-1)


def _positive(x):
    """Whether a tolerance is > 0 (a float; None for a tensor, decided elementwise by the max above)."""
    return None if hasattr(x, "_shape") else x > 0


def cond(A, p=None):
    """torch.linalg.cond: from the singular values for p None / 2 / -2 / 'nuc'; else norm(A) * norm(A^{-1})."""
    _check_tensor("linalg_cond", A, "A")
    if A.dim() < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    if p is None or (not isinstance(p, str) and abs(p) == 2):
        s = svdvals(A)
        k = s.shape[-1]
        big, small = s.narrow(-1, 0, 1), s.narrow(-1, k - 1, 1)
        return (small / big if p == -2 else big / small).squeeze(-1)
    m, n = A.shape[-2:]
    if m != n:
        raise RuntimeError(f"linalg.cond(ord={p}): A must be batches of square matrices, but they are {m} by {n} "
                           "matrices")
    if p == "nuc":
        s = svdvals(A)
        return s.sum(-1) * s.reciprocal().sum(-1)
    # As torch: a singular matrix's inverse is filled with inf in place (so, as in torch, backward finds the
    # inverse modified and raises), and a NaN product is inf (torch's nan_to_num; here a masked_fill).
    inverse, info = inv_ex(A)
    inverse.copy_(inverse.masked_fill(info.unsqueeze(-1).unsqueeze(-1) > 0, math.inf))
    out = matrix_norm(A, p) * matrix_norm(inverse, p)
    return out.masked_fill(out.isnan(), math.inf)


def matrix_power(A, n):
    _check_tensor("linalg_matrix_power", A)
    return call("matrix_power", A, n)


def vecdot(x, y, *, dim=-1):
    _check_tensor("linalg_vecdot", x, "x")
    _check_tensor("linalg_vecdot", y, "y", 2)
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        raise RuntimeError(f"linalg.vecdot: Expected a floating point or complex tensor as input. Got "
                           f"{x.dtype._torch_name}")
    if x.dtype is not y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{x.dtype._torch_name} and y of type {y.dtype._torch_name} instead")
    return ((x.conj() if x.is_complex() else x) * y).sum(dim)  # torch's: conjugates the first


def _chain_order(dims):
    """Matrix-chain order (torch's dynamic programme): split[i][j] is where to split the product of
    matrices i..j, whose shapes are dims[i] x dims[i + 1]."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(tensors):
    """The product of a chain of matrices (the first may be a row vector, the last a column one), in the
    cheapest order; the result viewed to its shape, as torch does (ViewBackward0)."""
    tensors = list(tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = tensors[0].dim(), tensors[-1].dim()
    if first not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {first}D")
    if last not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {last}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t.dim() != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.dim()}D")
    mats = [tensors[0].unsqueeze(0) if first == 1 else tensors[0], *tensors[1:-1],
            tensors[-1].unsqueeze(-1) if last == 1 else tensors[-1]]
    for i, t in enumerate(mats):
        if t.dtype is not mats[0].dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{_la.C_TYPE_NAMES[mats[0].dtype.name]} and tensor {i} "
                               f"{_la.C_TYPE_NAMES[t.dtype.name]}")
    for i in range(n - 1):
        if mats[i].shape[-1] != mats[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(tensors[i].shape)} and "
                               f"{list(tensors[i + 1].shape)} cannot be multiplied")
    out_shape = ([] if first == 1 else [mats[0].shape[0]]) + ([] if last == 1 else [mats[-1].shape[1]])
    if n == 2:
        return (mats[0].mm(mats[1])).view(out_shape)
    dims = [mats[0].shape[0]] + [t.shape[1] for t in mats]
    if n == 3:  # torch compares the two orders directly
        a, b, c, d = dims
        out = mats[0].mm(mats[1].mm(mats[2])) if a * c * (b + d) > b * d * (a + c) else \
            mats[0].mm(mats[1]).mm(mats[2])
        return out.view(out_shape)
    split = _chain_order(dims)

    def product(i, j):
        if i == j:
            return mats[i]
        k = split[i][j]
        return product(i, k).mm(product(k + 1, j))
    return product(0, n - 1).view(out_shape)


def householder_product(A, tau):
    _check_tensor("linalg_householder_product", A, "input")
    _check_tensor("linalg_householder_product", tau, "tau", 2)
    return call("linalg.householder_product", A, tau)


def cross(input, other, *, dim=-1):
    return call("linalg.cross", input, other, dim=dim)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002 - torch's name
    kwargs = {"dtype": dtype} if dtype is not None else {}
    return call("linalg.vector_norm", x, ord, dim, keepdim, **kwargs)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002 - torch's name
    """torch.linalg.matrix_norm, built as torch builds it (from a vector norm and amax/amin, or from the
    singular values and amax/amin/sum for 2, -2 and 'nuc'), so its grad_fn is torch's."""
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    elif abs(ord) not in (1, 2, math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord:g} not supported.")
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor as input. Got "
                           f"{A.dtype._torch_name}")
    dims = [dim] if isinstance(dim, int) else list(dim)
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dims))}")
    d0, d1 = (shapes.normalize_dim(d, A.dim()) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
    if ord == "nuc" or abs(ord) == 2:
        return _singular_value_norm(A, ord, d0, d1, keepdim, dtype)
    if abs(ord) == math.inf:  # the inf norm is the 1 norm of the transpose
        d0, d1 = d1, d0
    if not keepdim and d0 < d1:  # the first reduction removes d0
        d1 -= 1
    sums = vector_norm(A, 1, d0, keepdim, dtype=dtype)
    return sums.amax(d1, keepdim) if ord > 0 else sums.amin(d1, keepdim)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002 - torch's name
    """torch.linalg.norm: a matrix norm for an ord over two dims (or of a 2-D input), else a vector norm."""
    n_dims = A.dim() if dim is None else 1 if isinstance(dim, int) else len(dim)  # the dims it reduces
    if dim is not None and n_dims not in (1, 2) and not isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    if dim is None and ord is not None and n_dims not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {n_dims}D.")
    if isinstance(ord, str) or (ord is not None and n_dims == 2):
        return matrix_norm(A, ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def _singular_value_norm(A, ord, d0, d1, keepdim, dtype):  # noqa: A002 - torch's name
    """The 2, -2 and nuclear norms over dims (d0, d1): the two dims moved last, svdvals, then
    amax / amin / sum over them (and, with keepdim, the two dims put back as size 1)."""
    if dtype is not None:
        A = A.to(dtype)
    perm = [d for d in range(A.dim()) if d not in (d0, d1)] + [d0, d1]
    s = svdvals(A.permute(*perm))
    if ord == "nuc":
        out = s.sum(-1, keepdim)
    else:
        out = s.amax(-1, keepdim) if ord > 0 else s.amin(-1, keepdim)
    if keepdim:
        out = out.unsqueeze(-1).permute(*sorted(range(len(perm)), key=perm.__getitem__))
    return out


def _nuclear_norm(input, dim=None, keepdim=False, dtype=None):
    """torch.norm(input, p='nuc', ...): the nuclear matrix norm over ``dim`` (all dims when None)."""
    dims = tuple(range(input.dim())) if dim is None else dim
    return matrix_norm(input, "nuc", dims, keepdim, dtype=dtype)


# ---- compositions: solve_triangular, solve_ex, vander, tensorinv, tensorsolve, and torch's aliases -------------

linalg_solve_ex = _return_type("linalg_solve_ex", "result", "info")


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with ``A X = B`` (``X A = B`` unless ``left``) for triangular A: only A's upper (``upper``) or lower
    triangle is read, its diagonal taken as ones with ``unitriangular``, and the gradient to A is that
    triangle's."""
    _check_tensor("linalg_solve_triangular", A)
    _check_tensor("linalg_solve_triangular", B, "B", 2)
    T = A.triu() if upper else A.tril()
    if unitriangular:
        from . import eye  # noqa: PLC0415
        n = A.shape[-1]
        T = T - T.diagonal(dim1=-2, dim2=-1).diag_embed() + eye(n, dtype=A.dtype, device=A.device)
    return solve(T, B, left=left)


def solve_ex(A, B, *, left=True, check_errors=False):
    from . import zeros  # noqa: PLC0415
    from .common import dtypes  # noqa: PLC0415
    return linalg_solve_ex(solve(A, B, left=left), zeros(tuple(A.shape[:-2]), dtype=dtypes.int32, device=A.device))


def vander(x, *, N=None):
    """Columns ``x ** 0, x ** 1, ... x ** (N - 1)`` (torch.linalg's order: increasing powers)."""
    from . import arange  # noqa: PLC0415
    n = x.shape[-1] if N is None else N
    if n < 1:
        raise RuntimeError("N must be greater than 1.")
    return x.unsqueeze(-1) ** arange(n, device=x.device)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return A.diagonal(offset, dim1, dim2)


def matmul(input, other):
    return input.matmul(other)


def tensorinv(A, ind=2):
    """The inverse of A seen as a matrix of its first ``ind`` dims by the rest."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = math.prod(A.shape[:ind]), math.prod(A.shape[ind:])
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == prod(self.shape[:ind]), "
                           f"but got {cols} != {rows}")
    return inv(A.reshape(rows, cols)).reshape(*A.shape[ind:], *A.shape[:ind])


def tensorsolve(A, B, dims=None):
    """X with ``tensordot(A, X, X.ndim) = B``."""
    if dims is not None:
        nd = A.dim()
        moved = [d % nd for d in dims]
        A = A.permute(*[d for d in range(nd) if d not in moved], *moved)
    rows, cols = math.prod(B.shape), math.prod(A.shape[B.dim():])
    if rows != cols:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {cols} != {rows}")
    return solve(A.reshape(rows, cols), B.reshape(rows)).reshape(*A.shape[B.dim():])
