"""``gradwire.engine.autograd.function``: Function, once_differentiable (where torch users look for them)."""
from __future__ import annotations

import functools

from ..function import Function, Node  # noqa: F401
from ..grad_mode import _state as _grad_state
from ..tensor import Tensor, _new_tensor

__all__ = ["Function", "Node", "once_differentiable", "FunctionCtx", "BackwardCFunction"]

FunctionCtx = Node
BackwardCFunction = Node

_TWICE = "trying to differentiate twice a function that was marked with @once_differentiable"


class _DelayedError(Function):
    """The node once_differentiable puts on its gradients when they would be differentiated (torch's Error)."""

    node_name = "torch::autograd::Error"
    array_forward = True

    @staticmethod
    def forward(ctx, *tensors):
        out = tuple(_new_tensor(t.array, t.dtype, t.device) for t in tensors)
        return out if len(out) > 1 else out[0]

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(_TWICE)


def once_differentiable(fn):
    """Decorates a custom Function's backward: it runs without recording, and differentiating the
    gradients it returns (double backward) raises "trying to differentiate twice a function that was
    marked with @once_differentiable"."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        prev = _grad_state.enabled
        _grad_state.enabled = False
        try:
            outputs = fn(ctx, *args)
        finally:
            _grad_state.enabled = prev
        if not prev or not any(isinstance(a, Tensor) and a._requires_grad for a in args):
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        idx = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.dtype.is_floating_point]
        if not idx:
            return outputs
        # the error node hangs off the incoming gradients, so it is reached when differentiating again
        grads_in = [a for a in args if isinstance(a, Tensor) and a._requires_grad]
        wrapped = _DelayedError.apply(*[outs[i] for i in idx], *grads_in)
        if not isinstance(wrapped, tuple):
            wrapped = (wrapped,)
        res = list(outs)
        for k, i in enumerate(idx):
            res[i] = wrapped[k]
        return res[0] if single else tuple(res)

    return wrapper
