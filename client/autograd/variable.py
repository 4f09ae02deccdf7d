"""torch.autograd.Variable: the legacy wrapper, today a function that returns a Tensor."""
from __future__ import annotations

import warnings

from ..tensor import Tensor


class _VariableMeta(type):
    def __instancecheck__(cls, other) -> bool:  # every Tensor is a Variable, as in torch
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(t, requires_grad=False)``: a new leaf on ``t``'s memory (``t.detach()``)."""

    def __new__(cls, data=None, requires_grad: bool = False, volatile: bool = False):
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                          stacklevel=2)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if requires_grad and not data.is_floating_point():
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        out = data.detach()
        return out.requires_grad_(True) if requires_grad else out


Variable.__module__ = "torch.autograd.variable"  # torch's module path, as its repr shows
