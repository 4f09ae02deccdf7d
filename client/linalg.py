"""torch.linalg: the functions gradwire has, each one server op."""
from __future__ import annotations

from ._dispatch import call


def cross(input, other, *, dim=-1):
    return call("linalg.cross", input, other, dim=dim)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002 - torch's name
    kwargs = {"dtype": dtype} if dtype is not None else {}
    return call("linalg.vector_norm", x, ord, dim, keepdim, **kwargs)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002 - torch's name
    """torch.linalg.norm for vector norms and the Frobenius norm (a vector norm of all the entries)."""
    if ord is None or (ord == "fro" and (dim is None or not isinstance(dim, int))):
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if isinstance(ord, str) or (dim is None and A.dim() == 2) or (isinstance(dim, (tuple, list)) and len(dim) == 2):
        raise NotImplementedError(f"gradwire: torch.linalg.norm with the matrix norm ord={ord!r}")
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)
