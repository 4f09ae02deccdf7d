"""In-place ops: zero_ (with torch's autograd rules for in-place writes)."""
from __future__ import annotations

from ..function import Function
from ..grad_mode import _state as _grad_state
from ..tensor import Tensor, _new_tensor


class Zero(Function):
    """The node a non-leaf gets after ``zero_()`` (ZeroBackward0): its gradient is zero."""

    array_forward = True

    @staticmethod
    def forward(ctx, a):
        return _new_tensor(a.array, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


def zero_(input: Tensor) -> Tensor:
    if type(input) is not Tensor:
        raise TypeError(f"zero_(): argument 'input' must be Tensor, not {type(input).__name__}")
    if _grad_state.enabled and input._requires_grad:
        if input.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        node_out = Zero.apply(input)
        input.grad_fn = node_out.grad_fn
        input._output_nr = 0
    arr = input.array
    if not arr.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the operation.")
    arr[...] = 0
    input._bump_version()
    return input
