"""Elementwise ops beyond arith.py: unary math, activations, comparisons, logical ops, clamp, where.

Declares WIRE (wire op name -> callable), METHODS (Tensor method name ->
callable) and __all__ (exported by gradwire.engine); engine/ops/__init__.py
installs them.  The activations also carry torch.nn.functional's signatures
(``relu(input, inplace=False)``, ``gelu(input, approximate='none')``, ...):
the nn helper imports them from here.

Differentiable ops are Functions (node names derived from the class, as
torch names them: ``Sigmoid`` -> ``SigmoidBackward0``); their backward
formulas use differentiable Tensor ops, so higher-order gradients work.
Comparison, logical and bitwise ops return bool / integer tensors and record
nothing.
"""
from __future__ import annotations

import math
import warnings

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import broadcast_shapes

from .. import observe as _observe
from ..function import Function, backward_mode as _bw
from ..grad_mode import _state as _grad_state
from ..tensor import Tensor, _new_tensor, _owned_grad
from . import complex_ops as _complex, creation as _creation
from .arith import atan2, exp, hypot, log, neg, pow, reciprocal  # noqa: F401  (re-exported for the F namespace)

arctan2 = atan2
from ._util import (same_device, binary_prep, check_tensor_arg, erf_array, not_implemented, scalar_value, unary_prep,
                    wrap)

_bool = _dt.bool_
_NUMBER = (bool, int, float)


def _is_number(x) -> bool:
    if isinstance(x, _NUMBER):
        return True
    try:
        scalar_value(x)
    except TypeError:
        return False
    return True


def _bool_tensor(arr, device) -> Tensor:
    return _new_tensor(arr, _bool, device)


def _keep(grad: Tensor, mask_arr) -> Tensor:
    """``grad`` where ``mask_arr`` is True, else 0 (differentiable in ``grad``)."""
    return Where.apply(_bool_tensor(mask_arr, grad.device), grad, 0.0)


def _zeros_grad(grad: Tensor) -> Tensor:
    return _creation.zeros_like(grad)


def _observed(cls, args, run):
    """Runs a non-differentiable op so an active profiler sees it like any Function."""
    watcher = _observe.watch.observer
    if watcher is None:
        return run()
    with watcher.forward(cls, args):
        return run()


# ==== unary ops on floating results (integers and bool compute in float32) =====

class _FloatUnary(Function):
    """``out = xp.<ufunc>(input)``; integer/bool inputs give the default float dtype."""

    _abstract = True
    array_forward = True
    wire = ""          # torch's function name, for error texts
    ufunc = ""         # the array module's function
    saves = "input"    # "input", "output" or None

    @classmethod
    def forward(cls, ctx, a):
        if type(a) is not Tensor:
            check_tensor_arg(cls.wire, a)
        av, dtype, xp, device = unary_prep(a, floating=True)
        r = getattr(xp, cls.ufunc)(av)
        out = wrap(xp, r, dtype, device)
        if cls.saves == "input":
            ctx.save_for_backward(a)
        elif cls.saves == "output":
            ctx.save_for_backward(out)
        return out


class Expm1(_FloatUnary):
    wire, ufunc, saves = "expm1", "expm1", "output"

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out + 1)


class Log1P(_FloatUnary):
    wire, ufunc = "log1p", "log1p"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a + 1)


class Log2(_FloatUnary):
    wire, ufunc = "log2", "log2"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a * math.log(2.0))


class Log10(_FloatUnary):
    wire, ufunc = "log10", "log10"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a * math.log(10.0))


class Exp2(_FloatUnary):
    wire, ufunc, saves = "exp2", "exp2", "output"

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out * math.log(2.0))


class Sqrt(_FloatUnary):
    wire, ufunc, saves = "sqrt", "sqrt", "output"

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (out * 2)


class Sin(_FloatUnary):
    wire, ufunc = "sin", "sin"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * cos(a)


class Cos(_FloatUnary):
    wire, ufunc = "cos", "cos"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * -sin(a)


class Tan(_FloatUnary):
    wire, ufunc, saves = "tan", "tan", "output"

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out * out + 1)


class Sinh(_FloatUnary):
    wire, ufunc = "sinh", "sinh"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * cosh(a)


class Cosh(_FloatUnary):
    wire, ufunc = "cosh", "cosh"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * sinh(a)


# The inverse functions' derivatives follow torch's at the domain's edges: +-inf at +-1 (asin, acos,
# atanh, acosh), nan outside the domain, 0 at +-inf (atan, asinh, acosh).

class Asin(_FloatUnary):
    wire, ufunc = "asin", "arcsin"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / sqrt(1 - a * a)


class Acos(_FloatUnary):
    wire, ufunc = "acos", "arccos"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return -grad / sqrt(1 - a * a)


class Atan(_FloatUnary):
    wire, ufunc = "atan", "arctan"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a * a + 1)


class Asinh(_FloatUnary):
    wire, ufunc = "asinh", "arcsinh"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / sqrt(a * a + 1)


class Acosh(_FloatUnary):
    wire, ufunc = "acosh", "arccosh"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        if a.dtype.is_complex:  # torch's branch for complex z: sqrt(z - 1) sqrt(z + 1), not sqrt(z^2 - 1)
            return grad / (sqrt(a - 1) * sqrt(a + 1))
        return grad / sqrt(a * a - 1)


class Atanh(_FloatUnary):
    wire, ufunc = "atanh", "arctanh"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (1 - a * a)


class Tanh(_FloatUnary):
    wire, ufunc, saves = "tanh", "tanh", "output"

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


class Rsqrt(_FloatUnary):
    wire, saves = "rsqrt", "output"

    @classmethod
    def forward(cls, ctx, a):
        if type(a) is not Tensor:
            check_tensor_arg(cls.wire, a)
        av, dtype, xp, device = unary_prep(a, floating=True)
        r = xp.reciprocal(xp.sqrt(av))
        out = wrap(xp, r, dtype, device)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out * out * out * -0.5)


class Sigmoid(_FloatUnary):
    wire, saves = "sigmoid", "output"

    @classmethod
    def forward(cls, ctx, a):
        if type(a) is not Tensor:
            check_tensor_arg(cls.wire, a)
        av, dtype, xp, device = unary_prep(a, floating=True)
        r = xp.reciprocal(xp.exp(-av) + 1)
        out = wrap(xp, r, dtype, device)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out * (1 - out))


class Erf(_FloatUnary):
    wire = "erf"

    @classmethod
    def forward(cls, ctx, a):
        if type(a) is not Tensor:
            check_tensor_arg(cls.wire, a)
        av, dtype, xp, device = unary_prep(a, floating=True)
        ctx.save_for_backward(a)
        return wrap(xp, erf_array(xp, av), dtype, device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (exp(a * a * -1.0) * (2.0 / math.sqrt(math.pi)))


# ==== unary ops that keep the input's dtype =====================================

class Abs(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        if type(a) is not Tensor:
            check_tensor_arg("abs", a)
        if a.dtype is _bool:
            raise not_implemented("abs_cpu", a.dtype)
        ctx.save_for_backward(a)
        return _new_tensor(a.xp.abs(a.array), a.dtype.to_real(), a.device)  # (|z| is real)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (sgn(a) if a.dtype.is_complex else sign(a))  # (z / |z| for a complex z)


class Sign(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        if type(a) is not Tensor:
            check_tensor_arg("sign", a)
        av = a.array
        xp = a.xp
        dtype = a.dtype
        if dtype is _bool:
            r = av.copy()
        elif dtype.is_floating_point:
            # torch: sign(nan) = 0 and sign(-0.) = 0
            r = (av > 0).astype(dtype.numpy) - (av < 0).astype(dtype.numpy)
        else:
            r = xp.sign(av)
        return _new_tensor(r, dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return _zeros_grad(grad)


class _Rounding(Function):
    _abstract = True
    array_forward = True
    wire = ""
    ufunc = ""

    @classmethod
    def forward(cls, ctx, a):
        if type(a) is not Tensor:
            check_tensor_arg(cls.wire, a)
        dtype = a.dtype
        if dtype is _bool:
            raise not_implemented(f"{cls.wire}_vml_cpu", dtype)
        if not dtype.is_floating_point:
            return _new_tensor(a.array.copy(), dtype, a.device)
        return _new_tensor(getattr(a.xp, cls.ufunc)(a.array), dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return _zeros_grad(grad)


class Floor(_Rounding):
    wire, ufunc = "floor", "floor"


class Ceil(_Rounding):
    wire, ufunc = "ceil", "ceil"


class Trunc(_Rounding):
    """round toward zero (TruncBackward0)."""

    wire, ufunc = "trunc", "trunc"


class Frac(Function):
    """x - trunc(x), with x's sign (FracBackward0: the gradient passes through)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a):
        if type(a) is not Tensor:
            check_tensor_arg("frac", a)
        if not a.dtype.is_floating_point:
            raise not_implemented("frac_cpu", a.dtype)
        return _new_tensor(a.array - a.xp.trunc(a.array), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return grad


class Round(_Rounding):
    """round half to even (RoundBackward0)."""

    wire, ufunc = "round", "rint"


class RoundDecimals(Function):
    """round(input, decimals=n) (RoundBackward1), computed like torch: rint(x * 10^n) / 10^n."""

    op_name = "Round"
    overload = 1
    array_forward = True

    @staticmethod
    def forward(ctx, a, decimals):
        dtype = a.dtype
        if not dtype.is_floating_point:
            raise not_implemented("round_cpu" if decimals else "round_vml_cpu", dtype)
        xp = a.xp
        npdt = dtype.numpy
        av = a.array
        if decimals >= 0:
            p = npdt.type(10.0 ** decimals)
            r = xp.rint(av * p) / p
        else:
            p = npdt.type(10.0 ** -decimals)
            r = xp.rint(av / p) * p
        return wrap(xp, r, dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return _zeros_grad(grad), None


# ==== activations ================================================================

class Relu(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        if type(a) is not Tensor:
            check_tensor_arg("relu", a)
        if a.dtype is _bool:
            raise RuntimeError("Boolean inputs not supported for relu")
        av = a.array
        xp = a.xp
        # nan stays nan (like torch); the gradient mask is "out > 0"
        r = xp.maximum(av, av.dtype.type(0))
        out = _new_tensor(r, a.dtype, a.device)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        if _bw.arrays and grad.dtype is out.dtype and grad.dtype.is_floating_point:
            # no graph of the backward: threshold_backward on arrays, grad where out > 0 else +0.0, as a
            # bitwise AND with an all-ones / all-zeros mask (exactly where()'s result, several times faster)
            ga = grad.array
            xp = grad.xp
            it = _SAME_SIZE_INT[ga.dtype.itemsize]
            m = xp.asarray(out.array > 0, dtype=it)
            xp.negative(m, out=m)
            xp.bitwise_and(ga.view(it), m, out=m)
            return _owned_grad(m.view(ga.dtype), grad.dtype, grad.device)
        return ThresholdBackward.apply(grad, out)


class ThresholdBackward(Function):
    """torch's threshold_backward(grad, result, 0), relu's backward with a graph: grad where result > 0, else 0.
    It is differentiable in both (zero for result), so relu's gradient takes part in a double backward
    (node ThresholdBackwardBackward0, profiler row aten::threshold_backward), as in torch."""

    @staticmethod
    def forward(ctx, grad, out):
        ctx.save_for_backward(out)
        ga = grad.array
        return _new_tensor(grad.xp.where(out.array > 0, ga, ga.dtype.type(0)), grad.dtype, grad.device)

    @staticmethod
    def backward(ctx, gg):
        (out,) = ctx.saved_tensors
        return ThresholdBackward.apply(gg, out), _creation.zeros_like(out)


_SAME_SIZE_INT = {2: "int16", 4: "int32", 8: "int64"}


def _float_only(a, kernel):
    if not a.dtype.is_floating_point:
        raise not_implemented(kernel, a.dtype)


_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_PI = math.sqrt(2.0 / math.pi)
_GELU_C = 0.044715


class Gelu(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, approximate="none"):
        _float_only(a, "GeluKernelImpl")
        av = a.array
        xp = a.xp
        npdt = a.dtype.numpy
        if approximate == "tanh":
            inner = (av + av * av * av * npdt.type(_GELU_C)) * npdt.type(_SQRT_2_PI)
            r = av * npdt.type(0.5) * (xp.tanh(inner) + npdt.type(1))
        else:
            r = av * npdt.type(0.5) * (erf_array(xp, av * npdt.type(_SQRT1_2)) + npdt.type(1))
        ctx.approximate = approximate
        ctx.save_for_backward(a)
        return wrap(xp, r, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            a2 = a * a
            th = tanh((a + a2 * a * _GELU_C) * _SQRT_2_PI)
            left = (th + 1) * 0.5
            right = a * (1 - th * th) * ((a2 * (3 * _GELU_C) + 1) * (0.5 * _SQRT_2_PI))
            return grad * (left + right), None
        cdf = (erf(a * _SQRT1_2) + 1) * 0.5
        pdf = exp(a * a * -0.5) * _INV_SQRT_2PI
        return grad * (cdf + a * pdf), None


class Silu(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        _float_only(a, "silu_cpu")
        av = a.array
        xp = a.xp
        r = av / (xp.exp(-av) + av.dtype.type(1))
        ctx.save_for_backward(a)
        return wrap(xp, r, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        s = sigmoid(a)
        return grad * (s * (a * (1 - s) + 1))


class Softplus(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, beta=1.0, threshold=20.0):
        _float_only(a, "softplus_cpu")
        av = a.array
        xp = a.xp
        npdt = a.dtype.numpy
        z = av * npdt.type(beta)
        r = xp.where(z > threshold, av, xp.log1p(xp.exp(z)) / npdt.type(beta))
        ctx.beta = beta
        ctx.threshold = threshold
        ctx.save_for_backward(a)
        return wrap(xp, r, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        beta = ctx.beta
        z = a * beta
        over = z.array > ctx.threshold
        return Where.apply(_bool_tensor(over, a.device), grad, grad * sigmoid(z)), None, None


# ==== clamp, maximum/minimum, where ==============================================

def _clamp_mask(av, lo, hi):
    xp_mask = None
    if lo is not None:
        xp_mask = av >= lo
    if hi is not None:
        m = av <= hi
        xp_mask = m if xp_mask is None else xp_mask & m
    return xp_mask


class Clamp(Function):
    """clamp with Number bounds (ClampBackward1)."""

    overload = 1
    array_forward = True

    @staticmethod
    def forward(ctx, a, lo, hi):
        ops = [(a.dtype, a.array.ndim)] + [x for x in (lo, hi) if x is not None]
        dtype = _dt.result_type(*ops)
        if dtype is _bool:
            kernel = "clamp_scalar_cpu" if lo is not None and hi is not None else (
                "clamp_min_scalar_cpu" if lo is not None else "clamp_max_scalar_cpu")
            raise not_implemented(kernel, dtype)
        xp = a.xp
        npdt = dtype.numpy
        av = a.array if a.array.dtype == npdt else a.array.astype(npdt)
        lo_v = None if lo is None else npdt.type(_dt.checked_scalar(dtype, lo))
        hi_v = None if hi is None else npdt.type(_dt.checked_scalar(dtype, hi))
        r = av
        if lo_v is not None:
            r = xp.maximum(r, lo_v)
        if hi_v is not None:
            r = xp.minimum(r, hi_v)
        if ctx.needs_input_grad and ctx.needs_input_grad[0]:
            ctx.mask = _clamp_mask(av, lo_v, hi_v)
        return wrap(xp, r, dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return _keep(grad, ctx.mask), None, None


class ClampTensor(Function):
    """clamp with Tensor bounds (ClampBackward0); each bound may be None."""

    op_name = "Clamp"
    array_forward = True

    @staticmethod
    def forward(ctx, a, lo, hi):
        tensors = [t for t in (a, lo, hi) if type(t) is Tensor]
        dtype = _dt.result_type(*[(t.dtype, t.array.ndim) for t in tensors])
        if len(tensors) > 1:
            broadcast_shapes(*[t.array.shape for t in tensors])
        xp = a.xp
        npdt = dtype.numpy

        def val(t):
            if t is None:
                return None
            return t.array if t.array.dtype == npdt else t.array.astype(npdt)

        av, lv, hv = val(a), val(lo), val(hi)
        r = av
        if lv is not None:
            r = xp.maximum(r, lv)
        if hv is not None:
            r = xp.minimum(r, hv)
        needs = ctx.needs_input_grad
        if needs and True in needs:
            if needs[0]:
                ctx.mask_a = _clamp_mask(av, lv, hv)
            if needs[1]:
                m = av < lv
                ctx.mask_lo = m if hv is None else m & (lv < hv)
            if needs[2]:
                m = av > hv
                ctx.mask_hi = m if lv is None else m | (hv < lv)
        return wrap(xp, r, dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        na, nl, nh = ctx.needs_input_grad
        return (_keep(grad, ctx.mask_a) if na else None, _keep(grad, ctx.mask_lo) if nl else None,
                _keep(grad, ctx.mask_hi) if nh else None)


class Maximum(Function):
    array_forward = True
    _pick = "maximum"

    @classmethod
    def forward(cls, ctx, a, b):
        _check_pair(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b)
        r = getattr(xp, cls._pick)(av, bv)
        needs = ctx.needs_input_grad
        if needs and True in needs:
            npdt = dtype.numpy
            eq = av == bv
            a_loses = av < bv if cls._pick == "maximum" else av > bv
            b_loses = av > bv if cls._pick == "maximum" else av < bv
            half, one, zero = npdt.type(0.5), npdt.type(1), npdt.type(0)
            ctx.weights = (xp.where(eq, half, xp.where(a_loses, zero, one)),
                           xp.where(eq, half, xp.where(b_loses, zero, one)))
        return wrap(xp, r, dtype, device)

    @staticmethod
    def backward(ctx, grad):
        na, nb = ctx.needs_input_grad
        wa, wb = ctx.weights
        dev = grad.device
        ga = grad * _new_tensor(wa, grad.dtype, dev) if na else None
        gb = grad * _new_tensor(wb, grad.dtype, dev) if nb else None
        return ga, gb


class Minimum(Maximum):
    _pick = "minimum"


def _check_pair(a, b):
    if type(a) is Tensor and type(b) is Tensor:
        sa, sb = a.array.shape, b.array.shape
        if sa != sb:
            broadcast_shapes(sa, sb)


class Where(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, cond, a, b):
        cv = cond.array
        ta, tb = type(a) is Tensor, type(b) is Tensor
        if ta or tb:
            shapes = [cv.shape] + [t.array.shape for t in (a, b) if type(t) is Tensor]
            if len(set(shapes)) > 1:
                broadcast_shapes(*shapes)
        same_device(cond, a, b)
        if ta or tb:
            av, bv, dtype, xp, device = binary_prep(a, b)
            if not (ta and tb):  # the number must fit the result type, as a fill value does
                _dt.checked_scalar(dtype, b if ta else a)
        else:
            av, bv, dtype, xp, device = _scalar_pair(a, b, cond)
        r = xp.where(cv, av, bv)
        if ctx.needs_input_grad and True in ctx.needs_input_grad:
            ctx.save_for_backward(cond)
        return wrap(xp, r, dtype, device)

    @staticmethod
    def backward(ctx, grad):
        _, na, nb = ctx.needs_input_grad
        (cond,) = ctx.saved_tensors
        cv = cond.array
        ga = Where.apply(cond, grad, 0.0) if na else None
        gb = Where.apply(_bool_tensor(~cv, cond.device), grad, 0.0) if nb else None
        return None, ga, gb


def _scalar_pair(a, b, like):
    dtype = _dt.result_type(a, b)
    npdt = dtype.numpy
    return npdt.type(a), npdt.type(b), dtype, like.xp, like.device


# ==== functional forms ===========================================================

def abs(input):  # noqa: A001 - torch's name
    return Abs.apply(input)


absolute = abs


def sign(input):
    return Sign.apply(input)


class Sgn(Sign):
    """sgn: sign for real tensors, z/|z| for complex ones; its own node (SgnBackward0). For complex z the
    gradient (torch's sgn_backward) is grad's part orthogonal to sgn(z), over |z|, and 0 at z = 0."""

    @staticmethod
    def forward(ctx, a):
        out = Sign.forward(ctx, a)
        ctx.is_complex = a.dtype.is_complex
        if ctx.is_complex:
            ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        if not ctx.is_complex:
            return _zeros_grad(grad)
        a, s = ctx.saved_tensors
        size = a.abs()
        return ((grad - s * _complex.real(_complex.conj(s) * grad)) / size).masked_fill(size == 0, 0)


def sgn(input):
    return Sgn.apply(input)


def expm1(input):
    return Expm1.apply(input)


def log1p(input):
    return Log1P.apply(input)


def log2(input):
    return Log2.apply(input)


def log10(input):
    return Log10.apply(input)


def exp2(input):
    return Exp2.apply(input)


def sqrt(input):
    return Sqrt.apply(input)


def rsqrt(input):
    return Rsqrt.apply(input)


def sin(input):
    return Sin.apply(input)


def cos(input):
    return Cos.apply(input)


def tan(input):
    return Tan.apply(input)


def tanh(input):
    return Tanh.apply(input)


def sinh(input):
    return Sinh.apply(input)


def cosh(input):
    return Cosh.apply(input)


def asin(input):
    return Asin.apply(input)


def acos(input):
    return Acos.apply(input)


def atan(input):
    return Atan.apply(input)


def asinh(input):
    return Asinh.apply(input)


def acosh(input):
    return Acosh.apply(input)


def atanh(input):
    return Atanh.apply(input)


arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


def sigmoid(input):
    return Sigmoid.apply(input)


def erf(input):
    return Erf.apply(input)


def floor(input):
    return Floor.apply(input)


def ceil(input):
    return Ceil.apply(input)


def trunc(input):
    return Trunc.apply(input)


def frac(input):
    return Frac.apply(input)


fix = trunc


_NO_DECIMALS = object()


def round(input, *, decimals=_NO_DECIMALS):  # noqa: A001 - torch's name
    """round half to even; an explicit ``decimals`` (even 0) is torch's second overload (RoundBackward1)."""
    if type(input) is not Tensor:
        check_tensor_arg("round", input)
    if decimals is _NO_DECIMALS:
        return Round.apply(input)
    if decimals is None or isinstance(decimals, bool) or not isinstance(decimals, int):
        raise TypeError(f"round() received an invalid combination of arguments - got (Tensor, decimals="
                        f"{type(decimals).__name__}), but expected one of:\n"
                        " * (Tensor input, *, Tensor out = None)\n"
                        " * (Tensor input, *, int decimals, Tensor out = None)\n")
    return RoundDecimals.apply(input, decimals)


def _inplace_result(input: Tensor, out: Tensor) -> Tensor:
    """Writes ``out`` into ``input`` (an ``inplace=True`` activation), with torch's autograd rules."""
    if input._view_mode is not None:
        from .inplace import check_view_mode  # noqa: PLC0415
        check_view_mode(input)
    if _grad_state.enabled and input._requires_grad and input.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    arr = input.array
    from .inplace import check_writable  # noqa: PLC0415
    check_writable(arr)
    arr[...] = out.array
    if out.grad_fn is not None:
        input.grad_fn = out.grad_fn
        input._requires_grad = True
        input._output_nr = out._output_nr
        out.__dict__["array"] = arr
    input._bump_version()
    return input


def relu(input, inplace=False):
    out = Relu.apply(input)
    return _inplace_result(input, out) if inplace else out


def gelu(input, approximate="none"):
    if type(input) is not Tensor:
        check_tensor_arg("gelu", input)
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    if approximate == "none":
        return Gelu.apply(input)
    return Gelu.apply(input, approximate)


def silu(input, inplace=False):
    if type(input) is not Tensor:
        check_tensor_arg("silu", input)
    if not inplace:
        return Silu.apply(input)
    # SiluBackward0 needs the input's old values: it gets a copy when autograd records
    src = input.clone() if _grad_state.enabled and input._requires_grad else input
    return _inplace_result(input, Silu.apply(src))


def softplus(input, beta=1.0, threshold=20.0):
    if type(input) is not Tensor:
        check_tensor_arg("softplus", input)
    if beta == 1.0 and threshold == 20.0:
        return Softplus.apply(input)
    return Softplus.apply(input, beta, threshold)


def clamp(input, min=None, max=None):  # noqa: A002 - torch's names
    if type(input) is not Tensor:
        check_tensor_arg("clamp", input)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    tmin, tmax = type(min) is Tensor, type(max) is Tensor
    if not tmin and not tmax:
        return Clamp.apply(input, None if min is None else _bound(min, "min"),
                           None if max is None else _bound(max, "max"))
    if (tmin and max is not None and not tmax) or (tmax and min is not None and not tmin):
        # a Tensor bound next to a Number: torch takes the Number overload when the tensor is 0-dim
        t = min if tmin else max
        if t.array.ndim == 0:
            lo = min.item() if tmin else _bound(min, "min")
            hi = max.item() if tmax else _bound(max, "max")
            return Clamp.apply(input, lo, hi)
        s = max if tmin else min
        st = _creation.full((), _bound(s, "max" if tmin else "min"), device=input.device)
        return ClampTensor.apply(input, min if tmin else st, st if tmin else max)
    return ClampTensor.apply(input, min, max)


def _bound(x, name):
    try:
        return scalar_value(x)
    except TypeError:
        raise TypeError(f"clamp(): argument '{name}' must be Number, not {type(x).__name__}") from None


clip = clamp


class ClampMin(Clamp):
    """clamp_min with a Number (ClampMinBackward0)."""

    node_name = "ClampMinBackward0"


class ClampMax(Clamp):
    """clamp_max with a Number (ClampMaxBackward0)."""

    node_name = "ClampMaxBackward0"


class ClampMinTensor(ClampTensor):
    node_name = "ClampMinBackward1"


class ClampMaxTensor(ClampTensor):
    node_name = "ClampMaxBackward1"


def clamp_min(input, min):  # noqa: A002
    """torch.clamp_min: its own nodes (ClampMinBackward0 / ClampMinBackward1 for a Tensor bound)."""
    if type(input) is not Tensor:
        check_tensor_arg("clamp_min", input)
    if type(min) is Tensor:
        return ClampMinTensor.apply(input, min, None)
    return ClampMin.apply(input, _bound(min, "min"), None)


def clamp_max(input, max):  # noqa: A002
    """torch.clamp_max: its own nodes (ClampMaxBackward0 / ClampMaxBackward1 for a Tensor bound)."""
    if type(input) is not Tensor:
        check_tensor_arg("clamp_max", input)
    if type(max) is Tensor:
        return ClampMaxTensor.apply(input, None, max)
    return ClampMax.apply(input, None, _bound(max, "max"))


def maximum(input, other):
    check_tensor_arg("maximum", input)
    check_tensor_arg("maximum", other, "other", 2)
    return Maximum.apply(input, other)


def minimum(input, other):
    check_tensor_arg("minimum", input)
    check_tensor_arg("minimum", other, "other", 2)
    return Minimum.apply(input, other)


_WHERE_OVERLOADS = (("Tensor", "Number", "Tensor"), ("Tensor", "Tensor", "Number"), ("Tensor", "Number", "Number"))


def _where_type_error(args) -> TypeError:
    names = [type(a).__name__ for a in args]
    kinds = ["Tensor" if type(a) is Tensor else ("Number" if _is_number(a) else "other") for a in args]

    def marked(sig):
        return ", ".join(n if k == s else f"!{n}!" for n, k, s in zip(names, kinds, sig))

    lines = [f"where() received an invalid combination of arguments - got ({', '.join(names)}), but expected one "
             "of:", " * (Tensor condition)", " * (Tensor condition, Tensor input, Tensor other, *, Tensor out = None)"]
    for sig, text in zip(_WHERE_OVERLOADS, ("(Tensor condition, Number self, Tensor other)",
                                             "(Tensor condition, Tensor input, Number other)",
                                             "(Tensor condition, Number self, Number other)")):
        lines.append(f" * {text}")
        lines.append(f"      didn't match because some of the arguments have invalid types: ({marked(sig)})")
    return TypeError("\n".join(lines) + "\n")


_WHERE_UINT8_WARNING = ("where received a uint8 condition tensor. This behavior is deprecated and will be removed in "
                        "a future version of PyTorch. Use a boolean condition instead. (Triggered internally at "
                        "/__w/pytorch/pytorch/aten/src/ATen/native/TensorCompare.cpp:621.)")
_warned_uint8_where = False


def where(condition, input=None, other=None):
    if input is None and other is None:
        check_tensor_arg("where", condition, "condition")
        return nonzero_tuple(condition)
    args = (condition, input, other)
    if (type(condition) is not Tensor or not (type(input) is Tensor or _is_number(input))
            or not (type(other) is Tensor or _is_number(other))):
        raise _where_type_error(args)
    if condition.dtype is _dt.uint8:
        global _warned_uint8_where
        if not _warned_uint8_where:  # torch warns once per process
            _warned_uint8_where = True
            warnings.warn(_WHERE_UINT8_WARNING, UserWarning, stacklevel=2)
        condition = condition.bool()
    elif condition.dtype is not _bool:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{condition.dtype._torch_name}")
    return Where.apply(condition, input, other)


def nonzero_tuple(input):
    """``where(condition)``: the indices of the nonzero elements, one int64 tensor per dim."""
    idx = input.xp.nonzero(input.array)
    return tuple(_new_tensor(i.astype(_dt.int64.numpy, copy=False), _dt.int64, input.device) for i in idx)


# ---- comparisons (bool results, nothing recorded) -----------------------------------

def _compare_type_error(op, a, b) -> TypeError:
    return TypeError(f"{op}() received an invalid combination of arguments - got ({type(a).__name__}, "
                     f"{type(b).__name__}), but expected one of:\n"
                     " * (Tensor input, Tensor other, *, Tensor out = None)\n"
                     " * (Tensor input, Number other, *, Tensor out = None)\n")


def _make_compare(op: str, ufunc: str):
    _cmp = type(op, (), {})  # what an active profiler is shown for this op

    def compare(input, other):
        if type(input) is not Tensor or not (type(other) is Tensor or _is_number(other)):
            raise _compare_type_error(op, input, other)
        if type(other) is Tensor and input.array.shape != other.array.shape:
            broadcast_shapes(input.array.shape, other.array.shape)

        def run():
            av, bv, _dtype, xp, device = binary_prep(input, other)
            r = getattr(xp, ufunc)(av, bv)
            if type(r) is not xp.ndarray:
                r = xp.asarray(r)
            return _bool_tensor(r, device)

        return _observed(_cmp, (input, other), run)

    compare.__name__ = compare.__qualname__ = op
    return compare


eq = _make_compare("eq", "equal")
ne = _make_compare("ne", "not_equal")
lt = _make_compare("lt", "less")
le = _make_compare("le", "less_equal")
gt = _make_compare("gt", "greater")
ge = _make_compare("ge", "greater_equal")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _operator(fn):
    def op(self, other):
        if type(other) is not Tensor and not _is_number(other):
            return NotImplemented
        return fn(self, other)

    op.__name__ = fn.__name__
    return op


# ---- logical and bitwise ops ---------------------------------------------------------

def _logical(op: str, ufunc: str):
    def logical(input, other):
        check_tensor_arg(op, input)
        check_tensor_arg(op, other, "other", 2)
        if input.array.shape != other.array.shape:
            broadcast_shapes(input.array.shape, other.array.shape)
        xp = input.xp
        return _bool_tensor(xp.asarray(getattr(xp, ufunc)(input.array, other.array)), input.device)

    logical.__name__ = logical.__qualname__ = op
    return logical


logical_and = _logical("logical_and", "logical_and")
logical_or = _logical("logical_or", "logical_or")
logical_xor = _logical("logical_xor", "logical_xor")


def logical_not(input):
    check_tensor_arg("logical_not", input)
    return _bool_tensor(input.xp.logical_not(input.array), input.device)


def _float_test(op: str, ufunc: str):
    """isnan / isinf / isfinite: a bool tensor; integer tensors are never nan or inf."""
    def test(input):
        check_tensor_arg(op, input)
        xp = input.xp
        if input.dtype.is_floating_point:
            return _bool_tensor(getattr(xp, ufunc)(input.array), input.device)
        fill = op == "isfinite"
        return _bool_tensor(xp.full(input.array.shape, fill, dtype=bool), input.device)
    test.__name__ = op
    return test


isnan = _float_test("isnan", "isnan")
isinf = _float_test("isinf", "isinf")
isfinite = _float_test("isfinite", "isfinite")


def _bitwise(op: str, ufunc: str):
    def bitwise(input, other):
        if type(input) is not Tensor:
            if type(other) is not Tensor:
                check_tensor_arg(op, input)
            input, other = other, input  # commutative
        if type(other) is Tensor and input.array.shape != other.array.shape:
            broadcast_shapes(input.array.shape, other.array.shape)
        av, bv, dtype, xp, device = binary_prep(input, other)
        if dtype.is_floating_point:
            raise not_implemented(f"{op}_cpu", dtype)
        return wrap(xp, getattr(xp, ufunc)(av, bv), dtype, device)

    bitwise.__name__ = bitwise.__qualname__ = op
    return bitwise


bitwise_and = _bitwise("bitwise_and", "bitwise_and")
bitwise_or = _bitwise("bitwise_or", "bitwise_or")
bitwise_xor = _bitwise("bitwise_xor", "bitwise_xor")


def _shift(op: str, left: bool):
    """``x << s`` / ``x >> s`` as torch computes them: a shift by a negative amount or by the type's
    width or more gives 0 (a right shift of a negative number: -1), where C leaves it undefined."""
    kernel = "lshift_cpu" if left else "rshift_cpu"

    def shift(input, other):
        if type(input) is not Tensor and type(other) is not Tensor:
            check_tensor_arg(op, input)
        _check_pair(input, other)
        av, bv, dtype, xp, device = binary_prep(input, other)
        if dtype.is_floating_point or dtype is _bool:
            raise not_implemented(kernel, dtype)
        out_of_range = (bv < 0) | (bv >= dtype.itemsize * 8)
        r = (xp.left_shift if left else xp.right_shift)(av, xp.where(out_of_range, 0, bv).astype(dtype.numpy))
        if out_of_range.any():
            r = xp.where(out_of_range, 0 if left else xp.where(av < 0, -1, 0), r)
        return wrap(xp, r, dtype, device)

    shift.__name__ = shift.__qualname__ = op
    return shift


bitwise_left_shift = _shift("bitwise_left_shift", True)
bitwise_right_shift = _shift("bitwise_right_shift", False)


def _reflected(fn):
    def op(self, other):
        if not _is_number(other):
            return NotImplemented
        return fn(other, self)

    return op


def bitwise_not(input):
    check_tensor_arg("bitwise_not", input)
    if input.dtype.is_floating_point:
        raise not_implemented("bitwise_not_cpu", input.dtype)
    return _new_tensor(input.xp.invert(input.array), input.dtype, input.device)


def _invert(self):
    if self.dtype.is_floating_point:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return bitwise_not(self)


def _bit_operator(fn):
    def op(self, other):
        if type(other) is not Tensor and not _is_number(other):
            return NotImplemented
        return fn(self, other)

    return op


# ---- Tensor methods ------------------------------------------------------------------

def _method_clamp(self, min=None, max=None):  # noqa: A002
    return clamp(self, min, max)


def _method_round(self, *, decimals=_NO_DECIMALS):
    return round(self, decimals=decimals)


def _method_where(self, condition, other):
    return where(condition, self, other)


def _method_softplus(self, beta=1.0, threshold=20.0):
    return softplus(self, beta, threshold)


def _method_relu(self):
    return relu(self)


def _method_relu_(self):
    return relu(self, inplace=True)


WIRE = {
    "abs": abs, "absolute": abs, "sign": sign, "sgn": sgn, "expm1": expm1, "log1p": log1p, "log2": log2, "sqrt": sqrt,
    "rsqrt": rsqrt, "sin": sin, "cos": cos, "tan": tan, "tanh": tanh, "sigmoid": sigmoid, "erf": erf,
    "log10": log10, "exp2": exp2, "atan2": atan2, "arctan2": atan2, "hypot": hypot,
    "floor": floor, "ceil": ceil, "round": round, "trunc": trunc, "fix": trunc, "frac": frac,
    "relu": relu, "relu_": _method_relu_, "gelu": gelu, "silu": silu, "softplus": softplus,
    "clamp": clamp, "clip": clip, "clamp_min": clamp_min, "clamp_max": clamp_max,
    "maximum": maximum, "minimum": minimum, "where": where,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge,
    "greater": gt, "greater_equal": ge, "less": lt, "less_equal": le, "not_equal": ne,
    "logical_and": logical_and, "logical_or": logical_or, "logical_xor": logical_xor, "logical_not": logical_not,
    "isnan": isnan, "isinf": isinf, "isfinite": isfinite,
    "bitwise_and": bitwise_and, "bitwise_or": bitwise_or, "bitwise_xor": bitwise_xor, "bitwise_not": bitwise_not,
    "bitwise_left_shift": bitwise_left_shift, "bitwise_right_shift": bitwise_right_shift,
}
# creation ops added in creation.py ride on this module's tables (creation.py is not an extension module)
WIRE.update(_creation.WIRE_EXTRA)
globals().update(_creation.WIRE_EXTRA)

METHODS = {
    "abs": abs, "absolute": abs, "sign": sign, "sgn": sgn, "expm1": expm1, "log1p": log1p, "log2": log2, "sqrt": sqrt,
    "rsqrt": rsqrt, "sin": sin, "cos": cos, "tan": tan, "tanh": tanh, "sigmoid": sigmoid, "erf": erf,
    "log10": log10, "exp2": exp2, "atan2": atan2, "arctan2": atan2, "hypot": hypot,
    "floor": floor, "ceil": ceil, "round": _method_round, "trunc": trunc, "fix": trunc, "frac": frac,
    "relu": _method_relu, "relu_": _method_relu_,
    "clamp": _method_clamp, "clip": _method_clamp, "clamp_min": clamp_min, "clamp_max": clamp_max,
    "maximum": maximum, "minimum": minimum, "where": _method_where,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge,
    "greater": gt, "greater_equal": ge, "less": lt, "less_equal": le, "not_equal": ne,
    "logical_and": logical_and, "logical_or": logical_or, "logical_xor": logical_xor, "logical_not": logical_not,
    "isnan": isnan, "isinf": isinf, "isfinite": isfinite,
    "bitwise_and": bitwise_and, "bitwise_or": bitwise_or, "bitwise_xor": bitwise_xor, "bitwise_not": bitwise_not,
    "bitwise_left_shift": bitwise_left_shift, "bitwise_right_shift": bitwise_right_shift,
    "__lshift__": _bit_operator(bitwise_left_shift), "__rshift__": _bit_operator(bitwise_right_shift),
    "__rlshift__": _reflected(bitwise_left_shift), "__rrshift__": _reflected(bitwise_right_shift),
    "__eq__": _operator(eq), "__ne__": _operator(ne), "__lt__": _operator(lt), "__le__": _operator(le),
    "__gt__": _operator(gt), "__ge__": _operator(ge), "__abs__": abs,
    "__and__": _bit_operator(bitwise_and), "__rand__": _bit_operator(bitwise_and),
    "__or__": _bit_operator(bitwise_or), "__ror__": _bit_operator(bitwise_or),
    "__xor__": _bit_operator(bitwise_xor), "__rxor__": _bit_operator(bitwise_xor),
    "__invert__": _invert,
}

__all__ = [
    "abs", "absolute", "sign", "sgn", "expm1", "log1p", "log2", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh", "sigmoid",
    "erf", "log10", "exp2", "atan2", "arctan2", "hypot", "floor", "ceil", "round", "trunc", "fix", "frac", "relu", "gelu", "silu", "softplus",
    "clamp", "clip",
    "clamp_min",
    "clamp_max", "maximum", "minimum", "where", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal",
    "less", "less_equal", "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not", "isnan", "isinf",
    "isfinite", "bitwise_and",
    "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
] + _creation.EXPORTS_EXTRA

# hyperbolic and inverse trigonometric functions, with numpy-style aliases
_TRIG = {"sinh": sinh, "cosh": cosh, "asin": asin, "acos": acos, "atan": atan, "asinh": asinh, "acosh": acosh,
         "atanh": atanh, "arcsin": asin, "arccos": acos, "arctan": atan, "arcsinh": asinh, "arccosh": acosh,
         "arctanh": atanh}
WIRE.update(_TRIG)
METHODS.update(_TRIG)
__all__ += list(_TRIG)
