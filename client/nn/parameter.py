"""nn.Parameter: a Tensor that a Module registers as a parameter."""
from __future__ import annotations

from .._dispatch import call
from ..grad_mode import no_grad
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad (by default) and prints as torch's Parameter."""

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            from .._creation import empty
            data = empty(0)
        with no_grad():
            t = call("detach", data)
        t.__class__ = cls
        if requires_grad:
            t.requires_grad_(True)
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
