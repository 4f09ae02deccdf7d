"""One metadata rule per op: the shape and dtype of its outputs, from its inputs' metadata.

This lets ops return their handle at once, without a round trip, and raise
shape and dtype errors at the user's call site with PyTorch's text. The rules
use the same shape and promotion functions as the engine (gradwire.common).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from gradwire.common import dtypes, shapes


def _operand(x):
    """An operand for result_type: (dtype, ndim) for tensors, the value for scalars."""
    meta = getattr(x, "_dtype", None)
    return (meta, len(x._shape)) if meta is not None else x


def _shape(x):
    return x._shape if hasattr(x, "_shape") else ()


def _check_scalar(op: str, x) -> None:
    if not hasattr(x, "_shape") and not isinstance(x, (int, float, bool)):
        raise TypeError(f"{op}(): argument 'other' must be Tensor or Number, not {type(x).__name__}")


def elementwise(*, floating: bool = False) -> Callable:
    """Broadcast the tensor arguments; promote dtypes as torch.result_type does."""
    def rule(op, args, kwargs):
        for a in args[1:]:
            _check_scalar(op, a)
        shape = shapes.broadcast_shapes(*(_shape(a) for a in args)) if len(args) > 1 else _shape(args[0])
        dtype = dtypes.result_type(*(_operand(a) for a in args))
        return [(shape, dtypes.float_result(dtype) if floating else dtype)]
    return rule


def same(op, args, kwargs):
    x = args[0]
    return [(x._shape, kwargs.get("dtype") or x._dtype)]


def reduction(*, needs_float: bool = False) -> Callable:
    def rule(op, args, kwargs):
        x = args[0]
        dim = args[1] if len(args) > 1 else kwargs.get("dim")
        keepdim = args[2] if len(args) > 2 else kwargs.get("keepdim", False)
        dims = shapes.normalize_dims(dim, len(x._shape))
        dtype = kwargs.get("dtype")
        if dtype is None:
            dtype = x._dtype if x._dtype.is_floating_point else dtypes.int64
            if needs_float and not x._dtype.is_floating_point:
                raise RuntimeError(
                    f"{op}(): could not infer output dtype. Input dtype must be either a floating point or "
                    f"complex dtype. Got: {x._dtype._torch_name}"
                )
        return [(shapes.reduced_shape(x._shape, dims, keepdim), dtype)]
    return rule


def matmul(op, args, kwargs):
    a, b = args
    if not hasattr(b, "_shape"):
        raise TypeError(f"matmul(): argument 'other' (position 1) must be Tensor, not {type(b).__name__}")
    if a._dtype is not b._dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {a._dtype._torch_name.lower()} != "
            f"{b._dtype._torch_name.lower()}"
        )
    return [(shapes.matmul_shape(a._shape, b._shape), a._dtype)]


def literal(op, args, kwargs):
    return [(args[0].shape, kwargs["dtype"])]


def creation(op, args, kwargs):
    return [(args[0], kwargs.get("dtype") or dtypes.default_float())]


@dataclass(frozen=True)
class OpInfo:
    infer: Callable
    differentiable: bool = True
    inplace: bool = False


OPS: dict[str, OpInfo] = {
    "add": OpInfo(elementwise()),
    "sub": OpInfo(elementwise()),
    "rsub": OpInfo(elementwise()),
    "mul": OpInfo(elementwise()),
    "div": OpInfo(elementwise(floating=True)),
    "pow": OpInfo(elementwise()),
    "neg": OpInfo(elementwise()),
    "exp": OpInfo(elementwise(floating=True)),
    "log": OpInfo(elementwise(floating=True)),
    "sum": OpInfo(reduction()),
    "mean": OpInfo(reduction(needs_float=True)),
    "matmul": OpInfo(matmul),
    "clone": OpInfo(same),
    "detach": OpInfo(same, differentiable=False),
    "zeros_like": OpInfo(same, differentiable=False),
    "ones_like": OpInfo(same, differentiable=False),
    "zero_": OpInfo(same, inplace=True),
    "tensor": OpInfo(literal, differentiable=False),
    "zeros": OpInfo(creation, differentiable=False),
    "ones": OpInfo(creation, differentiable=False),
    "randn": OpInfo(creation, differentiable=False),
}
