"""torch.linalg: the functions gradwire has, each one server op."""
from __future__ import annotations

import math

from gradwire.common import shapes
from gradwire.common.linalg import LinAlgError

from ._dispatch import call
from .errors import register_error_type

register_error_type(LinAlgError)  # torch.linalg.LinAlgError (named _LinAlgError, like torch's class)

__all__ = ["LinAlgError", "cross", "det", "inv", "matrix_norm", "norm", "slogdet", "solve", "svdvals",
           "vector_norm"]


def _check_tensor(fn: str, x, name: str = "A", pos: int = 1) -> None:
    if not hasattr(x, "_shape"):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


class _SlogdetResult(tuple):
    """torch.return_types.linalg_slogdet / slogdet: the named pair (sign, logabsdet)."""

    _name = "linalg_slogdet"
    _fields = ("sign", "logabsdet")

    def __new__(cls, sign, logabsdet):
        return super().__new__(cls, (sign, logabsdet))

    sign = property(lambda self: self[0])
    logabsdet = property(lambda self: self[1])

    def __repr__(self):
        return f"torch.return_types.{self._name}(\nsign={self[0]!r},\nlogabsdet={self[1]!r})"


class linalg_slogdet(_SlogdetResult):  # noqa: N801 - torch's name
    _name = "linalg_slogdet"


class slogdet_result(_SlogdetResult):  # noqa: N801
    _name = "slogdet"


slogdet_result.__name__ = slogdet_result.__qualname__ = "slogdet"


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
    if not A.dtype.is_floating_point:
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
