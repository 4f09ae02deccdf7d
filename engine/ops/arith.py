"""Elementwise arithmetic: add, sub, rsub, mul, div, neg, pow, exp, log, reciprocal.

Each op is one Function: forward on arrays, backward with differentiable
Tensor ops, node name derived from the class.  Gradients are returned in the
output's shape and dtype; the backward engine sums them back to each input's
(broadcast) shape and casts them to its dtype.
"""
from __future__ import annotations

import math

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import broadcast_shapes

from ..function import Function, backward_mode as _bw
from ..tensor import Tensor
from ._util import binary_prep, scalar_value, unary_prep, wrap, wrap_grad
from .creation import zeros_like


_NOT_GIVEN = object()  # torch records another node when rounding_mode=None is passed


def _mul_arrays(grad, other):
    """``grad * other`` computed on arrays (no graph of the backward is being built)."""
    av, bv, dtype, xp, device = binary_prep(grad, other)
    return wrap_grad(xp, xp.multiply(av, bv), dtype, device)


def _check_shapes(a, b):
    if type(a) is Tensor and type(b) is Tensor:
        sa, sb = a.array.shape, b.array.shape
        if sa != sb:
            broadcast_shapes(sa, sb)  # raises torch's error text


def _check_alpha(dtype, alpha):
    """``alpha`` as the op multiplies by it, with torch's errors."""
    if alpha is True or alpha is False:
        if dtype is not _dt.bool_:
            raise RuntimeError("Boolean alpha only supported for Boolean results.")
    elif isinstance(alpha, float) and not dtype.is_floating_point:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    return _dt.checked_scalar(dtype, alpha)


def _check_sub_bool(a, b):
    if type(a) is Tensor and type(b) is Tensor and a.dtype is not _dt.bool_ and b.dtype is not _dt.bool_:
        return
    ab = (type(a) is Tensor and a.dtype is _dt.bool_) or a is True or a is False
    bb = (type(b) is Tensor and b.dtype is _dt.bool_) or b is True or b is False
    if ab and bb:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if ab or bb:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")


class Add(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        _check_shapes(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b)
        if alpha != 1:
            bv = bv * _check_alpha(dtype, alpha)
        ctx.alpha = alpha
        return wrap(xp, xp.add(av, bv), dtype, device)

    @staticmethod
    def backward(ctx, grad):
        na, nb = ctx.needs_input_grad
        alpha = ctx.alpha
        return (grad if na else None), ((grad if alpha == 1 else grad * alpha) if nb else None)


class Sub(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        _check_shapes(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b)
        _check_sub_bool(a, b)
        if alpha != 1:
            bv = bv * _check_alpha(dtype, alpha)
        ctx.alpha = alpha
        return wrap(xp, xp.subtract(av, bv), dtype, device)

    @staticmethod
    def backward(ctx, grad):
        na, nb = ctx.needs_input_grad
        alpha = ctx.alpha
        return (grad if na else None), ((-grad if alpha == 1 else grad * -alpha) if nb else None)


class Rsub(Function):
    """rsub(input, other, alpha) = other - alpha * input; other a tensor (RsubBackward0)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        _check_shapes(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b)
        _check_sub_bool(b, a)
        if alpha != 1:
            av = av * _check_alpha(dtype, alpha)
        ctx.alpha = alpha
        return wrap(xp, xp.subtract(bv, av), dtype, device)

    @staticmethod
    def backward(ctx, grad):
        na, nb = ctx.needs_input_grad[:2]
        alpha = ctx.alpha
        return ((-grad if alpha == 1 else grad * -alpha) if na else None), (grad if nb else None)


class RsubScalar(Rsub):
    """rsub with a Python scalar ``other`` (``1 - x``): node RsubBackward1, as torch."""

    op_name = "Rsub"
    overload = 1


class Mul(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, b):
        _check_shapes(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b, scalar_as_given=True)
        na, nb = ctx.needs_input_grad
        if na or nb:  # as torch: each operand only for the other's gradient
            ctx.save_for_backward(a if nb and type(a) is Tensor else None, b if na and type(b) is Tensor else None)
            ctx.scalars = (a if type(a) is not Tensor else None, b if type(b) is not Tensor else None)
        return wrap(xp, xp.multiply(av, bv), dtype, device)

    @staticmethod
    def backward(ctx, grad):
        na, nb = ctx.needs_input_grad
        a, b = ctx.saved_tensors
        sa, sb = ctx.scalars
        ga = gb = None
        if _bw.arrays:
            if na:
                ga = _mul_arrays(grad, b if b is not None else sb)
            if nb:
                gb = _mul_arrays(grad, a if a is not None else sa)
            return ga, gb
        if na:
            ga = grad * (b if b is not None else sb)
        if nb:
            gb = grad * (a if a is not None else sa)
        return ga, gb


class Div(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, b):
        _check_shapes(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b, floating=True, scalar_as_given=True)
        na, nb = ctx.needs_input_grad[:2]  # DivRounding's third input is its mode
        if na or nb:  # as torch: the divisor for either gradient, the dividend only for the divisor's
            ctx.save_for_backward(a if nb and type(a) is Tensor else None, b if type(b) is Tensor else None)
            ctx.scalars = (a if type(a) is not Tensor else None, b if type(b) is not Tensor else None)
        return wrap(xp, xp.true_divide(av, bv), dtype, device)

    @staticmethod
    def backward(ctx, grad):
        na, nb = ctx.needs_input_grad[:2]  # DivRounding's third input is its mode
        a, b = ctx.saved_tensors
        sa, sb = ctx.scalars
        ga = gb = None
        if na:
            ga = grad / (b if b is not None else sb)
        if nb:
            # d(a/b)/db = -a / b^2
            num = -grad * (a if a is not None else sa)
            gb = num / (b * b)
        return ga, gb


class Atan2(Function):
    """``atan2(a, b)``: the angle of (b, a); integer operands give the default float."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, b):
        _check_shapes(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b, floating=True)
        ctx.save_for_backward(a, b)
        return wrap(xp, xp.arctan2(av, bv), dtype, device)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        scale = grad / (a * a + b * b)
        return (scale * b if na else None), (scale * -a if nb else None)


class Hypot(Function):
    """``sqrt(a^2 + b^2)`` without overflow; floating tensors only, as torch."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, b):
        _check_shapes(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b)
        if not dtype.is_floating_point:
            raise NotImplementedError(f'"hypot_cpu" not implemented for \'{dtype._torch_name}\'')
        out = wrap(xp, xp.hypot(av, bv), dtype, device)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        scale = grad / out
        return (scale * a if na else None), (scale * b if nb else None)


def _tensor_pair(name: str, input, other) -> None:
    for arg, pos, value in (("input", 1, input), ("other", 2, other)):
        if type(value) is not Tensor:
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not {type(value).__name__}")


def atan2(input, other):
    _tensor_pair("atan2", input, other)
    return Atan2.apply(input, other)


def hypot(input, other):
    _tensor_pair("hypot", input, other)
    return Hypot.apply(input, other)


class Neg(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        av, dtype, xp, device = unary_prep(a)
        if dtype is _dt.bool_:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                               "to invert a mask, use the `~` or `logical_not()` operator instead.")
        return wrap(xp, xp.negative(av), dtype, device)

    @staticmethod
    def backward(ctx, grad):
        return -grad


def _check_int_pow(dtype, xp, bv):
    if not dtype.is_floating_point:
        if isinstance(bv, (int, float)) or getattr(bv, "ndim", 1) == 0:
            if bv < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
        elif bool(xp.any(bv < 0)):
            raise RuntimeError("Integers to negative integer powers are not allowed.")


def _power(dtype, xp, av, bv):
    """xp.power with torch's integer rule for negative tensor exponents: 1 ** -n = 1, (-1) ** -n = +-1, else 0."""
    if dtype.is_floating_point:
        return xp.power(av, bv)
    if dtype is _dt.bool_:
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    neg = bv < 0
    if not bool(xp.any(neg)):
        return xp.power(av, bv)
    npdt = dtype.numpy
    r = xp.power(av, xp.where(neg, npdt.type(0), bv))
    one = npdt.type(1)
    odd = (bv % 2) != 0
    at_neg = xp.where(av == one, one, xp.where(av == -one, xp.where(odd, -one, one), npdt.type(0)))
    return xp.where(neg, at_neg, r)


class Pow(Function):
    """tensor ** scalar (PowBackward0)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, exponent):
        exponent = scalar_value(exponent)
        av, bv, dtype, xp, device = binary_prep(a, exponent)
        _dt.checked_scalar(dtype, exponent)
        _check_int_pow(dtype, xp, exponent)
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return wrap(xp, xp.power(av, bv), dtype, device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        p = ctx.exponent
        if p == 0:
            return grad * 0, None
        return grad * (a ** (p - 1) * p), None


class PowTensor(Function):
    """tensor ** tensor (PowBackward1)."""

    op_name = "Pow"
    overload = 1
    array_forward = True

    @staticmethod
    def forward(ctx, a, b):
        _check_shapes(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b)
        out = wrap(xp, _power(dtype, xp, av, bv), dtype, device)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if na:
            ga = grad * (b * a ** (b - 1))
        if nb:
            xp = a.xp
            # torch masks the exponent's gradient where base == 0 and exponent >= 0
            mask = (a.array == 0) & (b.array >= 0)
            base = a
            if bool(xp.any(mask)):
                base = a + Tensor(mask.astype(a.dtype.numpy), a.dtype, device=a.device)
            gb = grad * (out * base.log())
        return ga, gb


class PowScalarBase(Function):
    """scalar ** tensor, e.g. ``2 ** x`` or ``pow(2, x)`` (PowBackward2)."""

    edge_args = (1,)  # torch's edge: the exponent (the number base has none)

    op_name = "Pow"
    overload = 2
    array_forward = True

    @staticmethod
    def forward(ctx, base, b):
        base = scalar_value(base)
        av, bv, dtype, xp, device = binary_prep(base, b)
        out = wrap(xp, _power(dtype, xp, av, bv), dtype, device)
        ctx.base = base
        ctx.save_for_backward(b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        b, out = ctx.saved_tensors
        base = ctx.base
        if base == 0:
            xp = b.xp
            factor = xp.where(b.array >= 0, 0.0, -math.inf).astype(out.dtype.numpy)
            return None, grad * (out * Tensor(factor, out.dtype, device=out.device))
        log_base = math.log(base) if base > 0 else math.nan
        return None, grad * (out * log_base)


class Exp(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        av, dtype, xp, device = unary_prep(a, floating=True)
        out = wrap(xp, xp.exp(av), dtype, device)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        av, dtype, xp, device = unary_prep(a, floating=True)
        ctx.save_for_backward(a)
        with xp.errstate(divide="ignore", invalid="ignore"):
            r = xp.log(av)
        return wrap(xp, r, dtype, device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a


class Reciprocal(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        av, dtype, xp, device = unary_prep(a, floating=True)
        with xp.errstate(divide="ignore"):
            r = xp.reciprocal(av)
        out = wrap(xp, r, dtype, device)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return -grad * (out * out)


# ---- functional forms (the wire ops) ------------------------------------------

def add(input, other, *, alpha=1):
    return Add.apply(input, other, alpha=alpha) if alpha != 1 else Add.apply(input, other)


def sub(input, other, *, alpha=1):
    return Sub.apply(input, other, alpha=alpha) if alpha != 1 else Sub.apply(input, other)


def rsub(input, other, *, alpha=1):
    cls = Rsub if type(other) is Tensor else RsubScalar
    return cls.apply(input, other, alpha=alpha) if alpha != 1 else cls.apply(input, other)


def mul(input, other):
    return Mul.apply(input, other)


class DivRounding(Function):
    """``div`` called with ``rounding_mode`` (torch records DivBackward2 for every mode, None
    included). A rounded quotient ('trunc', 'floor') keeps the promoted dtype, integers
    included, and has a zero derivative."""

    array_forward = True
    node_name = "DivBackward2"

    @staticmethod
    def forward(ctx, a, b, mode):
        ctx.mode = mode
        if mode is None:
            return Div.forward(ctx, a, b)
        _check_shapes(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b)
        _int_zero_check(bv, dtype, xp)
        if mode == "trunc" and dtype.is_floating_point:
            q = xp.trunc(xp.true_divide(av, bv))
        else:
            q = xp.floor_divide(av, bv)
            if mode == "trunc":  # the floor of a negative inexact quotient is one below its truncation
                q = q + ((xp.remainder(av, bv) != 0) & ((av < 0) != (bv < 0)))
        return wrap(xp, q, dtype, device)

    @staticmethod
    def backward(ctx, grad):
        if ctx.mode is None:
            return Div.backward(ctx, grad) + (None,)
        na, nb = ctx.needs_input_grad[:2]
        return (zeros_like(grad) if na else None), (zeros_like(grad) if nb else None), None


ROUNDING_MODES = (None, "trunc", "floor")


def div(input, other, *, rounding_mode=_NOT_GIVEN):
    if rounding_mode is _NOT_GIVEN:
        return Div.apply(input, other)
    if rounding_mode not in ROUNDING_MODES:
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'")
    return DivRounding.apply(input, other, rounding_mode)


def neg(input):
    return Neg.apply(input)


def pow(input, exponent):  # noqa: A001 - torch's name
    if type(input) is not Tensor:
        if type(exponent) is not Tensor:
            raise TypeError("pow() received an invalid combination of arguments: neither input nor exponent "
                            "is a Tensor")
        return PowScalarBase.apply(input, exponent)
    if type(exponent) is Tensor:
        return PowTensor.apply(input, exponent)
    return Pow.apply(input, exponent)


def exp(input):
    return Exp.apply(input)


def log(input):
    return Log.apply(input)


def reciprocal(input):
    return Reciprocal.apply(input)


# ---- floor division and remainder (Python's ``//`` and ``%``) -------------------------------

def _int_zero_check(bv, dtype, xp) -> None:
    if not dtype.is_floating_point and bool(xp.any(xp.asarray(bv) == 0)):
        raise RuntimeError("ZeroDivisionError")


class Remainder(Function):
    """``a % b`` with Python's sign rule (the result takes b's sign): RemainderBackward0."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, b):
        _check_shapes(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b)
        _int_zero_check(bv, dtype, xp)
        if ctx.needs_input_grad and ctx.needs_input_grad[1]:
            ctx.quotient = wrap(xp, xp.floor_divide(av, bv), dtype, device)
        out = xp.remainder(av, bv)
        if dtype.is_floating_point:  # torch's zero takes a's sign (fmod's), numpy's b's: -2. % 2. is -0.
            out = xp.where(out == 0, xp.copysign(out, av), out)
        return wrap(xp, out, dtype, device)

    @staticmethod
    def backward(ctx, grad):
        na, nb = ctx.needs_input_grad
        return (grad if na else None), (-grad * ctx.quotient if nb else None)


def remainder(input, other):
    if type(input) is not Tensor and (type(other) is not Tensor or type(input) not in (int, float, bool)):
        raise TypeError(f"remainder(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return Remainder.apply(input, other)  # (a number first: torch's Scalar_Tensor overload)


class FloorDivide(Function):
    """``a // b`` rounded toward minus infinity. torch has no derivative for it, yet records it: the
    result requires grad, with a ``NotImplemented`` node whose backward raises."""

    array_forward = True
    node_name = "NotImplemented"

    @staticmethod
    def forward(ctx, a, b):
        _check_shapes(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b)
        _int_zero_check(bv, dtype, xp)
        return wrap(xp, xp.floor_divide(av, bv), dtype, device)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


def floor_divide(input, other):
    if type(input) is not Tensor:
        raise TypeError(f"floor_divide(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return FloorDivide.apply(input, other)
