"""torch.linalg: the functions gradwire has, each one server op."""
from __future__ import annotations

from ._dispatch import call


def cross(input, other, *, dim=-1):
    return call("linalg.cross", input, other, dim=dim)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002 - torch's name
    kwargs = {"dtype": dtype} if dtype is not None else {}
    return call("linalg.vector_norm", x, ord, dim, keepdim, **kwargs)
