"""torch.linalg: the functions gradwire has, each one server op."""
from __future__ import annotations

import math

from gradwire.common import shapes

from ._dispatch import call


def cross(input, other, *, dim=-1):
    return call("linalg.cross", input, other, dim=dim)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002 - torch's name
    kwargs = {"dtype": dtype} if dtype is not None else {}
    return call("linalg.vector_norm", x, ord, dim, keepdim, **kwargs)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002 - torch's name
    """torch.linalg.matrix_norm, built as torch builds it from a vector norm and amax/amin, so its
    grad_fn is torch's. The singular-value norms (2, -2, 'nuc') are not supported yet."""
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    elif abs(ord) not in (1, 2, math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord:g} not supported.")
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    dims = [dim] if isinstance(dim, int) else list(dim)
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dims))}")
    d0, d1 = (shapes.normalize_dim(d, A.dim()) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
    if ord == "nuc" or abs(ord) == 2:
        raise NotImplementedError(f"gradwire: torch.linalg.matrix_norm with ord={ord!r} (singular values)")
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
