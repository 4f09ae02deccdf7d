"""Reductions: sum and mean (full: overload 0; over dims: overload 1, as torch names them)."""
from __future__ import annotations

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import normalize_dims, reduced_shape

from ..function import Function
from ..tensor import Tensor
from ._util import wrap


def _sum_dtype(a, dtype):
    if dtype is not None:
        return _dt.from_name(dtype) if isinstance(dtype, str) else dtype
    return a.dtype if a.dtype.is_floating_point else _dt.int64


class Sum(Function):
    """sum over every dim (SumBackward0)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, dims, keepdim, dtype):
        arr = a.array
        xp = a.xp
        ctx.in_shape = arr.shape
        ctx.keep_shape = reduced_shape(arr.shape, dims, True)
        ctx.keepdim = keepdim
        if arr.dtype != dtype.numpy:
            arr = arr.astype(dtype.numpy)
        return wrap(xp, xp.sum(arr, axis=dims, keepdims=keepdim), dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.keepdim and grad.array.shape != ctx.keep_shape:
            grad = grad.reshape(ctx.keep_shape)
        return grad.expand(ctx.in_shape), None, None, None


class SumDim(Sum):
    """sum over given dims (SumBackward1)."""

    op_name = "Sum"
    overload = 1


class Mean(Function):
    """mean over every dim (MeanBackward0)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, dims, keepdim, dtype):
        arr = a.array
        xp = a.xp
        ctx.in_shape = arr.shape
        ctx.keep_shape = reduced_shape(arr.shape, dims, True)
        ctx.keepdim = keepdim
        n = 1
        for d in dims:
            n *= arr.shape[d]
        ctx.count = n
        if arr.dtype != dtype.numpy:
            arr = arr.astype(dtype.numpy)
        with xp.errstate(invalid="ignore", divide="ignore"):
            if n == 0:
                r = xp.sum(arr, axis=dims, keepdims=keepdim) / arr.dtype.type(0)
            else:
                r = xp.mean(arr, axis=dims, keepdims=keepdim)
        return wrap(xp, r, dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.keepdim and grad.array.shape != ctx.keep_shape:
            grad = grad.reshape(ctx.keep_shape)
        return grad.expand(ctx.in_shape) / ctx.count, None, None, None


class MeanDim(Mean):
    op_name = "Mean"
    overload = 1


def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001 - torch's name
    if type(input) is not Tensor:
        raise TypeError(f"sum(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    nd = input.array.ndim
    dims = normalize_dims(dim, nd) if nd else ()  # a 0-d tensor accepts dim 0 / -1
    out_dtype = _sum_dtype(input, dtype)
    cls = Sum if dim is None and not keepdim else SumDim
    return cls.apply(input, dims, bool(keepdim), out_dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if type(input) is not Tensor:
        raise TypeError(f"mean(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if dtype is None:
        if not input.dtype.is_floating_point:
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating "
                               f"point or complex dtype. Got: {input.dtype._torch_name}")
        out_dtype = input.dtype
    else:
        out_dtype = _dt.from_name(dtype) if isinstance(dtype, str) else dtype
        if not out_dtype.is_floating_point:
            raise RuntimeError("mean(): could not infer output dtype. Optional dtype must be either a floating "
                               f"point or complex dtype. Got: {out_dtype._torch_name}")
    nd = input.array.ndim
    dims = normalize_dims(dim, nd) if nd else ()
    cls = Mean if dim is None and not keepdim else MeanDim
    return cls.apply(input, dims, bool(keepdim), out_dtype)
