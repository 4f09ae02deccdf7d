"""Special and numerically careful math: lgamma, digamma, polygamma, mvlgamma, erfinv, erfc, i0 (and
torch.special's i1, i0e, i1e, erfcx, entr, xlog1py), xlogy, logit, sinc, logaddexp(2), fmod, copysign, fmax/fmin,
ldexp, nan_to_num, deg2rad/rad2deg, float_power, heaviside, isposinf/isneginf/signbit, nansum/nanmean,
var_mean/std_mean, logdet, cdist, unfold, storage_offset, and torch's aliases negative/multiply/subtract/divide.

Declares WIRE / METHODS / __all__ like the other extension modules. The array kernels of the special
functions are in _special_kernels.py; here are the Functions (forward and backward together, torch's
node names) and the functional forms with torch's argument checks. In-place variants (``x.lgamma_()``)
are the out-of-place op written into the input (inplace._unary_).
"""
from __future__ import annotations

import math

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import broadcast_shapes, normalize_dim, normalize_dims

from ..function import Function
from ..tensor import Tensor, _new_tensor
from . import _special_kernels as K
from . import reduce as _reduce
from .arith import _check_shapes, _int_zero_check, pow as _pow
from .decompositions import slogdet as _slogdet
from .elementwise import Where, _FloatUnary, _is_number, cos, erf as _erf, exp, exp2, log, sin, trunc
from .inplace import _checked, _unary_, inplace_apply
from .shape import to_copy
from ._util import binary_prep, check_tensor_arg, not_implemented, share_version, unary_prep, wrap

_PI = math.pi


def _bool_mask(arr, like: Tensor) -> Tensor:
    return _new_tensor(arr, _dt.bool_, like.device)


def _masked(mask_arr, value, t: Tensor) -> Tensor:
    """``t`` with ``value`` where ``mask_arr`` (differentiable in ``t``); ``t`` itself when nothing is masked."""
    if not bool(t.xp.any(mask_arr)):
        return t
    return Where.apply(_bool_mask(mask_arr, t), value, t)


# ==== unary special functions ======================================================================

class _Special(_FloatUnary):
    """``out = kernel(xp, input)`` computed in float64, returned in the input's floating dtype."""

    _abstract = True
    kernel = None

    @classmethod
    def forward(cls, ctx, a):
        if type(a) is not Tensor:
            check_tensor_arg(cls.wire, a)
        av, dtype, xp, device = unary_prep(a, floating=True)
        out = wrap(xp, cls.kernel(xp, av), dtype, device)
        ctx.save_for_backward(out if cls.saves == "output" else a)
        return out


class Lgamma(_Special):
    wire, kernel = "lgamma", staticmethod(K.lgamma)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * digamma(a)


class Digamma(_Special):
    wire, kernel = "digamma", staticmethod(K.digamma)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * polygamma(1, a)


class Polygamma(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, n, a):
        av, dtype, xp, device = unary_prep(a, floating=True)
        ctx.n = n
        ctx.save_for_backward(a)
        return wrap(xp, K.polygamma(xp, n, av), dtype, device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return None, grad * polygamma(ctx.n + 1, a)


class Erfinv(_Special):
    wire, kernel, saves = "erfinv", staticmethod(K.erfinv), "output"

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (exp(out * out) * (math.sqrt(_PI) / 2.0))


class I0(_Special):
    wire, kernel = "i0", staticmethod(K.i0)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * special_i1(a)


class SpecialI1(_Special):
    wire, kernel, saves = "special_i1", staticmethod(K.i1), "input"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # I1' = I0 - I1 / x, which is 1/2 at 0
        zero = a.array == 0
        safe = _masked(zero, 1.0, a)
        return grad * _masked(zero, 0.5, i0(safe) - special_i1(safe) / safe)


class Erfc(_Special):
    wire, kernel = "erfc", staticmethod(K.erfc)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (exp(a * a * -1.0) * (-2.0 / math.sqrt(_PI)))


class SpecialErfcx(_Special):
    wire, kernel = "special_erfcx", staticmethod(K.erfcx)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (a * special_erfcx(a) * 2.0 - 2.0 / math.sqrt(_PI))


class Mvlgamma(Function):
    """The multivariate log-gamma function of dimension p: p(p-1)/4 log(pi) + sum_j<p lgamma(x - j/2)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, p):
        av, dtype, xp, device = unary_prep(a, floating=True)
        av = av.astype(xp.float64)
        r = sum(K.lgamma(xp, av - 0.5 * j) for j in range(p)) + p * (p - 1) / 4.0 * math.log(_PI)
        ctx.p = p
        ctx.save_for_backward(a)
        return wrap(xp, r, dtype, device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * sum(digamma(a - 0.5 * j) for j in range(ctx.p)), None


class Ldexp(Function):
    """input * 2^other (LdexpBackward0), floating."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, b):
        _check_shapes(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b, floating=True)
        out = wrap(xp, av * xp.exp2(bv), dtype, device)
        ctx.save_for_backward(b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        b, out = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        return (grad * exp2(b) if na else None), (grad * out * math.log(2.0) if nb else None)


class Fmax(Function):
    """maximum that ignores nan (nan only where both are). The gradient goes to input where
    input >= other or other is nan, else to other."""

    array_forward = True
    _keeps = "greater_equal"

    @classmethod
    def forward(cls, ctx, a, b):
        _check_shapes(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b)
        keep = getattr(xp, cls._keeps)(av, bv) | xp.isnan(bv)  # input's element (so fmax(0., -0.) is 0.)
        ctx.mask = keep
        return wrap(xp, xp.where(keep, av, bv), dtype, device)

    @staticmethod
    def backward(ctx, grad):
        na, nb = ctx.needs_input_grad
        m = ctx.mask
        return (_masked(~m, 0.0, grad) if na else None), (_masked(m, 0.0, grad) if nb else None)


class Fmin(Fmax):
    _keeps = "less_equal"


class SpecialLogNdtr(_Special):
    wire, kernel, saves = "special_log_ndtr", staticmethod(K.log_ndtr), "input"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # torch's form: exp(-x^2/2 - log_ndtr(x)) / sqrt(2 pi), nan at -inf
        return grad * (exp(a * a * -0.5 - special_log_ndtr(a)) * (1.0 / math.sqrt(2.0 * _PI)))


class _MulScalar(Function):
    """tensor * number as torch's C++ composites record it (MulBackward1, the Scalar overload)."""

    op_name, overload = "Mul", 1
    array_forward = True

    @staticmethod
    def forward(ctx, a, c):
        av, bv, dtype, xp, device = binary_prep(a, c)
        ctx.c = c
        return wrap(xp, av * bv, dtype, device)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.c, None


class _AddScalar(Function):
    """tensor + number as torch's C++ composites record it (AddBackward1)."""

    op_name, overload = "Add", 1
    array_forward = True

    @staticmethod
    def forward(ctx, a, c):
        av, bv, dtype, xp, device = binary_prep(a, c)
        return wrap(xp, av + bv, dtype, device)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class Sinc(_FloatUnary):
    """sin(pi x) / (pi x), computed in the input's dtype as torch does (sinc(1) is not exactly 0)."""

    wire = "sinc"

    @classmethod
    def forward(cls, ctx, a):
        if type(a) is not Tensor:
            check_tensor_arg(cls.wire, a)
        av, dtype, xp, device = unary_prep(a, floating=True)
        px = av * dtype.numpy.type(_PI)
        r = xp.where(av == 0, dtype.numpy.type(1), xp.sin(px) / px)
        ctx.save_for_backward(a)
        return wrap(xp, r, dtype, device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        px = a * _PI
        zero = a.array == 0
        d = (px * cos(px) - sin(px)) / (px * a)
        return grad * _masked(zero, 0.0, d)


class _Scaled(_FloatUnary):
    """``input * factor`` (deg2rad, rad2deg): the factor in the result's dtype, as torch multiplies."""

    _abstract = True
    factor = 1.0

    @classmethod
    def forward(cls, ctx, a):
        if type(a) is not Tensor:
            check_tensor_arg(cls.wire, a)
        av, dtype, xp, device = unary_prep(a, floating=True)
        return wrap(xp, av * dtype.numpy.type(cls.factor), dtype, device)

    @classmethod
    def backward(cls, ctx, grad):
        return grad * cls.factor


class Deg2Rad(_Scaled):
    wire, factor = "deg2rad", _PI / 180.0


class Rad2Deg(_Scaled):
    wire, factor = "rad2deg", 180.0 / _PI


class Logit(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, eps=None):
        av, dtype, xp, device = unary_prep(a, floating=True)
        if eps is not None:
            lo = dtype.numpy.type(eps)
            hi = dtype.numpy.type(1) - lo
            av = xp.where(av < lo, lo, xp.where(av > hi, hi, av))  # nan stays nan
        ctx.eps = eps
        ctx.save_for_backward(a)
        return wrap(xp, xp.log(av / (1 - av)), dtype, device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        av = a.array
        d = grad / (a * (1 - a) + 0.0)  # + 0.0: -0 becomes +0, so x = -0 gives grad * inf as in torch
        if ctx.eps is None:  # nan outside [0, 1]; +-inf at the ends
            return _masked((av < 0) | (av > 1), math.nan, d), None
        return _masked((av < ctx.eps) | (av > 1 - ctx.eps), 0.0, d), None


class NanToNum(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, nan, posinf, neginf):
        xp = a.xp
        if not a.dtype.is_floating_point:
            return _new_tensor(a.array.copy(), a.dtype, a.device)
        info = xp.finfo(a.dtype.numpy)
        r = xp.nan_to_num(a.array, nan=nan, posinf=info.max if posinf is None else posinf,
                          neginf=info.min if neginf is None else neginf)
        ctx.save_for_backward(a)
        return wrap(xp, r, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return _masked(~a.xp.isfinite(a.array), 0.0, grad), None, None, None


# ==== binary ops ===================================================================================

def _binary_type_error(op: str, a, b, second: str = "other") -> TypeError:
    return TypeError(f"{op}() received an invalid combination of arguments - got ({type(a).__name__}, "
                     f"{type(b).__name__}), but expected one of:\n"
                     f" * (Tensor input, Tensor {second}, *, Tensor out = None)\n"
                     f" * (Number self, Tensor {second}, *, Tensor out = None)\n"
                     f" * (Tensor input, Number {second}, *, Tensor out = None)\n")


class Xlogy(Function):
    """x * log(y), 0 where x == 0 (unless y is nan). Overloads: 0 two tensors, 1 a number x, 2 a number y.
    SpecialXlog1Py: x * log1p(y), the same rules one to the left."""

    array_forward = True
    _log, _shift = "log", 0.0

    @classmethod
    def forward(cls, ctx, a, b):
        _check_shapes(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b, floating=True)
        r = xp.where((av == 0) & ~xp.isnan(bv), dtype.numpy.type(0), av * getattr(xp, cls._log)(bv))
        ctx.save_for_backward(a if type(a) is Tensor else None, b if type(b) is Tensor else None)
        ctx.scalars = (a, b)
        return wrap(xp, r, dtype, device)

    @classmethod
    def backward(cls, ctx, grad):
        a, b = ctx.saved_tensors
        sa, sb = ctx.scalars
        x = a if a is not None else sa
        y = b if b is not None else sb
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if na:
            # torch masks x's gradient where x == 0 and y <= 0 (log1p: y <= -1)
            xv = a.array
            yv = b.array if b is not None else sb
            ga = _masked((xv == 0) & (yv <= -cls._shift), 0.0, _XLOG[cls._log](grad, y))
        if nb:
            gb = grad * x / (b + cls._shift if cls._shift else b)
        return ga, gb


class XlogyScalarSelf(Xlogy):
    op_name, overload = "Xlogy", 1


class XlogyScalarOther(Xlogy):
    op_name, overload = "Xlogy", 2


class SpecialXlog1Py(Xlogy):
    _log, _shift = "log1p", 1.0


class SpecialXlog1PyScalarSelf(SpecialXlog1Py):
    op_name, overload = "SpecialXlog1Py", 1


class SpecialXlog1PyScalarOther(SpecialXlog1Py):
    op_name, overload = "SpecialXlog1Py", 2


class SpecialEntr(_FloatUnary):
    """-x log x; 0 at 0, -inf below."""

    wire = "special_entr"

    @classmethod
    def forward(cls, ctx, a):
        if type(a) is not Tensor:
            check_tensor_arg(cls.wire, a)
        av, dtype, xp, device = unary_prep(a, floating=True)
        npdt = dtype.numpy
        r = xp.where(av > 0, -av * xp.log(av), xp.where(av == 0, npdt.type(0), npdt.type(-xp.inf)))
        r = xp.where(xp.isnan(av), av, r)
        ctx.save_for_backward(a)
        return wrap(xp, r, dtype, device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * -(log(a) + 1)


class SpecialI0E(_Special):
    wire, kernel = "special_i0e", staticmethod(K.i0e)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (special_i1e(a) - a.sign() * special_i0e(a))


class SpecialI1E(_Special):
    wire, kernel = "special_i1e", staticmethod(K.i1e)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # 1/2 at 0 (and, as torch, where x is nan)
        keep = a.xp.abs(a.array) > 0
        safe = _masked(~keep, 1.0, a)
        d = special_i0e(safe) - special_i1e(safe) * (safe.sign() + 1.0 / safe)
        return grad * _masked(~keep, 0.5, d)


class Logaddexp(Function):
    array_forward = True
    _exp, _log1p_scale = "exp", 1.0

    @classmethod
    def forward(cls, ctx, a, b):
        _check_shapes(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b)
        if not dtype.is_floating_point:
            raise not_implemented(f"{cls.__name__.lower()}_cpu", dtype)
        m = xp.maximum(av, bv)
        tail = xp.log1p(getattr(xp, cls._exp)(-xp.abs(av - bv))) * dtype.numpy.type(cls._log1p_scale)
        r = xp.where(xp.isinf(av) & (av == bv), av, m + tail)  # inf + inf: inf, not nan
        ctx.save_for_backward(a, b)
        return wrap(xp, r, dtype, device)

    @classmethod
    def backward(cls, ctx, grad):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        e = exp if cls._exp == "exp" else exp2
        return (grad / (e(b - a) + 1) if na else None), (grad / (e(a - b) + 1) if nb else None)


class Logaddexp2(Logaddexp):
    _exp, _log1p_scale = "exp2", 1.0 / math.log(2.0)


class Fmod(Function):
    """C's fmod (the result takes the dividend's sign). FmodBackward0: a number divisor; 1: a tensor."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, b):
        _check_shapes(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b)
        if dtype is _dt.bool_:
            raise not_implemented("fmod_cpu", dtype)
        _int_zero_check(bv, dtype, xp)
        if type(b) is Tensor:
            ctx.save_for_backward(a, b)
        return wrap(xp, xp.fmod(av, bv), dtype, device)

    @staticmethod
    def backward(ctx, grad):
        na, nb = ctx.needs_input_grad[:2]
        if not nb:
            return (grad if na else None), None
        a, b = ctx.saved_tensors
        return (grad if na else None), -grad * trunc(a / b)


class FmodTensor(Fmod):
    op_name, overload = "Fmod", 1


class Copysign(Function):
    """|a| with b's sign. CopysignBackward0: a tensor b; 1: a number b (floating result)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, b):
        _check_shapes(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b, floating=True)
        out = wrap(xp, xp.copysign(av, bv), dtype, device)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = grad * _masked(a.array == 0, 0.0, out / a) if na else None
        return ga, (grad * 0 if nb else None)


class CopysignScalar(Copysign):
    op_name, overload = "Copysign", 1


class Nextafter(Function):
    """The next float after input toward other; torch's gradient passes to input (and is 0 for other)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, b):
        _check_shapes(a, b)
        av, bv, dtype, xp, device = binary_prep(a, b)
        if not dtype.is_floating_point:
            raise not_implemented("nextafter_cpu", dtype)
        return wrap(xp, xp.nextafter(av, bv), dtype, device)

    @staticmethod
    def backward(ctx, grad):
        na, nb = ctx.needs_input_grad
        return (grad if na else None), (grad * 0 if nb else None)


class Heaviside(Function):
    """0 below zero, 1 above, ``values`` at zero. torch has no derivative: its node raises."""

    array_forward = True
    node_name = "NotImplemented"

    @staticmethod
    def forward(ctx, a, values):
        if a.dtype is not values.dtype:
            raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
        _check_shapes(a, values)
        xp = a.xp
        av, vv = a.array, values.array
        r = xp.where(av == 0, vv, (av > 0).astype(a.dtype.numpy))
        return wrap(xp, r, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::heaviside is not implemented")


# ==== reductions and linear algebra =================================================================

class Nansum(Function):
    """sum treating nan as 0 (NansumBackward0, with or without dims)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, dims, keepdim, dtype):
        xp = a.xp
        arr = _reduce._reduction_input(ctx, a, dims, keepdim, dtype)
        r = xp.nansum(arr, axis=dims, keepdims=keepdim) if dtype.is_floating_point else \
            xp.sum(arr, axis=dims, keepdims=keepdim)
        ctx.save_for_backward(a)
        return wrap(xp, r, dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        g = _reduce._expanded(ctx, grad)
        return _masked(a.xp.isnan(a.array), 0.0, g), None, None, None


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    check_tensor_arg("nansum", input)
    if input.dtype.is_complex and input.device == "cpu":  # torch's CPU kernel's refusal
        raise RuntimeError("nansum on CPU does not support complex inputs")
    nd = input.array.ndim
    dims = normalize_dims(dim, nd) if nd else ()
    return Nansum.apply(input, dims, bool(keepdim), _reduce._sum_dtype(input, dtype))


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """nansum over the count of non-nan elements (DivBackward0, as torch composes it)."""
    check_tensor_arg("nanmean", input)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{input.dtype._torch_name}")
    nd = input.array.ndim
    dims = normalize_dims(dim, nd) if nd else ()
    count = _reduce.sum(_bool_mask(~input.xp.isnan(input.array), input), dims, keepdim)
    return nansum(input, dim, keepdim, dtype=dtype) / count


def logdet(input):
    """log det A: nan where det < 0, -inf where A is singular (torch: where(sign == -1, nan, logabsdet))."""
    check_tensor_arg("logdet", input)
    shape = input.array.shape
    if len(shape) < 2:
        raise RuntimeError("logdet: The input tensor A must have at least 2 dimensions.")
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(f"logdet: Expected a floating point or complex tensor as input. Got "
                           f"{input.dtype._torch_name}")
    if shape[-1] != shape[-2]:
        raise RuntimeError(f"logdet: A must be batches of square matrices, but they are {shape[-2]} by "
                           f"{shape[-1]} matrices")
    sign, logabs = _slogdet(input)
    if input.dtype.is_complex:  # torch's: log(sign) + log|det|, a complex logarithm
        return sign.log() + logabs
    return Where.apply(_bool_mask(sign.array == -1, sign), math.nan, logabs)


class Cdist(Function):
    """p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M) (CdistBackward0)."""

    array_forward = True

    @staticmethod
    def forward(ctx, x1, x2, p):
        xp = x1.xp
        diff = xp.abs(x1.array[..., :, None, :] - x2.array[..., None, :, :])
        if p == 0:
            r = (diff != 0).sum(-1).astype(diff.dtype)
        elif p == 1:
            r = diff.sum(-1)
        elif p == 2:
            r = xp.sqrt((diff * diff).sum(-1))
        elif p == math.inf:
            r = diff.max(-1) if diff.shape[-1] else xp.zeros(diff.shape[:-1], diff.dtype)
        else:
            r = (diff ** p).sum(-1) ** (1.0 / p)
        out = wrap(xp, r, x1.dtype, x1.device)
        ctx.p = p
        ctx.save_for_backward(x1, x2, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x1, x2, dist = ctx.saved_tensors
        p = ctx.p
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)  # (..., P, R, M)
        d = dist.unsqueeze(-1)
        g = grad.unsqueeze(-1)
        dv, distv = diff.array, d.array
        if p == 0:
            coef = diff * 0
        elif p == 1:
            coef = diff.sign()
        elif p == 2:
            coef = diff / _masked(distv == 0, 1.0, d)
        elif p == math.inf:
            coef = diff.sign() * _bool_mask(diff.xp.abs(dv) == distv, diff)
        else:
            # sign(diff) |diff|^(p-1) / dist^(p-1); torch's 0 where |diff| is 0 and p < 1
            coef = diff.sign() * _masked(dv == 0, 1.0, diff.abs()) ** (p - 1) / _masked(distv == 0, 1.0, d) ** (p - 1)
            if p < 1:
                coef = _masked(dv == 0, 0.0, coef)
        gd = _masked(distv == 0, 0.0, g * coef)  # torch: no gradient at zero distance
        na, nb = ctx.needs_input_grad[:2]
        # x2's gradient as 0 - sum, not -sum: torch's zeros are +0
        return (gd.sum(-2) if na else None), (0.0 - gd.sum(-3) if nb else None), None


def cdist(x1, x2, p=2.0, compute_mode=None):
    check_tensor_arg("cdist", x1, "x1")
    check_tensor_arg("cdist", x2, "x2", 2)
    s1, s2 = x1.array.shape, x2.array.shape
    if len(s1) < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {len(s1)}D")
    if len(s2) < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {len(s2)}D")
    if s1[-1] != s2[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {s1[-1]} X2: {s2[-1]}")
    for name, t in (("X1", x1), ("X2", x2)):
        if not t.dtype.is_floating_point:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {t.dtype._torch_name}")
    if x1.dtype is not x2.dtype:
        raise RuntimeError(f"expected scalar type {x1.dtype._torch_name} but found {x2.dtype._torch_name}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if compute_mode not in _CDIST_MODES:
        raise RuntimeError(f"{compute_mode} is not a valid value for compute_mode")
    batch = tuple(broadcast_shapes(s1[:-2], s2[:-2]))
    if s1[:-2] != batch:
        x1 = x1.expand(*batch, *s1[-2:])
    if s2[:-2] != batch:
        x2 = x2.expand(*batch, *s2[-2:])
    mode = _CDIST_MODES[compute_mode]
    if p == 2 and (mode == 1 or (mode == 0 and (s1[-2] > 25 or s2[-2] > 25))):
        # torch's matrix-product form for many rows: |a|^2 + |b|^2 - 2 a.b, then a view to the output shape
        n = 1
        for d in batch:
            n *= d
        out = EuclideanDist.apply(x1.reshape(n, *s1[-2:]), x2.reshape(n, *s2[-2:]))
        return out.view(*batch, s1[-2], s2[-2])
    return Cdist.apply(x1, x2, float(p))


_CDIST_MODES = {None: 0, "use_mm_for_euclid_dist_if_necessary": 0, "use_mm_for_euclid_dist": 1,
                "donot_use_mm_for_euclid_dist": 2}


class EuclideanDist(Function):
    """Euclidean distances through one matrix product (EuclideanDistBackward0): torch's values, rounding
    included; the gradient is 0 where a distance is 0."""

    array_forward = True

    @staticmethod
    def forward(ctx, x1, x2):
        xp = x1.xp
        a, b = x1.array, x2.array
        n1 = (a * a).sum(-1, keepdims=True)
        n2 = (b * b).sum(-1, keepdims=True)
        left = xp.concatenate([a * -2, n1, xp.ones_like(n1)], -1)
        right = xp.concatenate([b, xp.ones_like(n2), n2], -1)
        r = xp.sqrt(xp.maximum(left @ xp.swapaxes(right, -1, -2), 0))
        out = wrap(xp, r, x1.dtype, x1.device)
        ctx.save_for_backward(x1, x2, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x1, x2, dist = ctx.saved_tensors
        ratio = _masked(dist.array == 0, 0.0, grad / dist)
        na, nb = ctx.needs_input_grad
        g1 = x1 * ratio.sum(-1, keepdim=True) - ratio @ x2 if na else None
        g2 = x2 * ratio.sum(-2).unsqueeze(-1) - ratio.mT @ x1 if nb else None
        return g1, g2


# ---- logcumsumexp ----------------------------------------------------------------------------------

def _logaddexp_accumulate(xp, arr, dim):
    acc = getattr(getattr(xp, "logaddexp", None), "accumulate", None)
    if acc is not None:
        return acc(arr, axis=dim)
    out = arr.copy()  # an array module without ufunc.accumulate: one logaddexp per step along dim
    prev = xp.take(out, 0, axis=dim)
    for i in range(1, arr.shape[dim]):
        idx = (slice(None),) * dim + (i,)
        prev = xp.logaddexp(prev, out[idx])
        out[idx] = prev
    return out


class Logcumsumexp(Function):
    """log(cumsum(exp(x))) along dim, without overflow (LogcumsumexpBackward0)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, dim):
        if not a.dtype.is_floating_point:
            raise not_implemented("logcumsumexp_out_cpu", a.dtype)
        arr = a.array
        r = arr.copy() if arr.ndim == 0 or arr.size == 0 else _logaddexp_accumulate(a.xp, arr, dim)
        out = wrap(a.xp, r, a.dtype, a.device)
        ctx.dim = dim
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        if a.array.ndim == 0:
            return grad, None
        dim = ctx.dim
        # d out_j / d x_i = exp(x_i - out_j) for j >= i: sum_j>=i g_j exp(x_i - out_j), summed in log space
        # for the positive and the negative parts of g separately (a reversed logcumsumexp each)
        def part(g):
            pos = g.array > 0
            if not bool(g.xp.any(pos)):
                return None
            # -inf where g <= 0, as a constant: no gradient reaches ``out`` through those places
            t = Where.apply(_bool_mask(pos, g), log(_masked(~pos, 1.0, g)) - out, -math.inf)
            rev = logcumsumexp(t.flip(dim), dim).flip(dim)
            return exp(rev + a)
        up, down = part(grad), part(-grad)
        if up is None or down is None:
            return (grad * 0 if up is None and down is None else (up if down is None else -down)), None
        return up - down, None


def logcumsumexp(input, dim):
    check_tensor_arg("logcumsumexp", input)
    d = normalize_dim(dim, max(input.array.ndim, 1))
    return Logcumsumexp.apply(input, d)


# ---- unfold (a view) -------------------------------------------------------------------------------

class Unfold(Function):
    """Every ``size``-long window along ``dim``, ``step`` apart, as a new last dim (a view: UnfoldBackward0)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, dim, size, step):
        arr = a.array
        xp = a.xp
        if arr.ndim == 0:  # torch: the one window of a 0-dim tensor, shape (size,)
            view = arr.reshape(1)[:size]
        else:
            n = (arr.shape[dim] - size) // step + 1
            shape = arr.shape[:dim] + (n,) + arr.shape[dim + 1:] + (size,)
            strides = arr.strides[:dim] + (arr.strides[dim] * step,) + arr.strides[dim + 1:] + (arr.strides[dim],)
            view = xp.lib.stride_tricks.as_strided(arr, shape, strides)  # writable, overlapping or not, as torch's
        ctx.meta = (a.array.shape, dim, size, step)
        return share_version(a, _new_tensor(view, a.dtype, a.device))

    @staticmethod
    def backward(ctx, grad):
        return UnfoldBackward.apply(grad, *ctx.meta), None, None, None


class UnfoldBackward(Function):
    """The sum of the windows' gradients into the input's shape; its own gradient is unfold again."""

    array_forward = True

    @staticmethod
    def forward(ctx, g, in_shape, dim, size, step):
        xp = g.xp
        if not in_shape:  # a 0-dim input: g is its one window, of size 0 or 1
            out = g.array.sum()
        else:
            out = xp.zeros(in_shape, dtype=g.array.dtype)
            ga = xp.moveaxis(g.array, -1, 0)  # (size, ..., n, ...)
            n = ga.shape[1 + dim]
            for k in range(size):
                idx = (slice(None),) * dim + (slice(k, k + step * (n - 1) + 1, step),)
                out[idx] += ga[k]
        ctx.meta = (dim, size, step)
        return wrap(xp, out.reshape(in_shape), g.dtype, g.device)

    @staticmethod
    def backward(ctx, gg):
        dim, size, step = ctx.meta
        return Unfold.apply(gg, dim, size, step), None, None, None, None


def unfold(input, dimension, size, step):
    """Tensor.unfold(dimension, size, step)."""
    check_tensor_arg("unfold", input)
    nd = input.array.ndim
    dim = normalize_dim(dimension, max(nd, 1))
    length = input.array.shape[dim] if nd else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {length} but size is {size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return Unfold.apply(input, dim, size, step)


def storage_root(arr):
    """The array owning ``arr``'s memory (its storage): the end of its chain of bases."""
    root = arr
    while getattr(root, "base", None) is not None and _data_ptr(root.base) is not None:
        root = root.base
    return root


def storage_offset_of(arr) -> int:
    """Elements between the start of the array's storage and its first element."""
    root = storage_root(arr)
    return 0 if root is arr else (_data_ptr(arr) - _data_ptr(root)) // arr.itemsize


def storage_offset(input) -> int:
    """Tensor.storage_offset()."""
    return storage_offset_of(input.array)


def _data_ptr(a):
    """The address of an array's first element (numpy or cupy); None for other objects."""
    iface = getattr(a, "__array_interface__", None)
    if iface is not None:
        return iface["data"][0]
    ptr = getattr(getattr(a, "data", None), "ptr", None)
    return ptr


# ==== functional forms ===============================================================================

def lgamma(input):
    return Lgamma.apply(input)


def digamma(input):
    return Digamma.apply(input)


def polygamma(n, input):
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    check_tensor_arg("polygamma", input, "input", 2)
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return Polygamma.apply(n, input)


def erfinv(input):
    return Erfinv.apply(input)


def i0(input):
    return I0.apply(input)


def special_i1(input):
    return SpecialI1.apply(input)


def erfc(input):
    return Erfc.apply(input)


def special_erfcx(input):
    return SpecialErfcx.apply(input)


def mvlgamma(input, p):
    check_tensor_arg("mvlgamma", input)
    if isinstance(p, bool) or not isinstance(p, int):
        raise TypeError(f"mvlgamma(): argument 'p' (position 2) must be int, not {type(p).__name__}")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return Mvlgamma.apply(input, p)


def _of_two_tensors(name: str, fn):
    """The op ``name(input, other)`` of two tensors: torch's argument checks, then ``fn``'s node."""
    def op(input, other):
        check_tensor_arg(name, input)
        check_tensor_arg(name, other, "other", 2)
        return fn.apply(input, other)
    op.__name__ = op.__qualname__ = name
    return op


ldexp = _of_two_tensors("ldexp", Ldexp)
fmax = _of_two_tensors("fmax", Fmax)
fmin = _of_two_tensors("fmin", Fmin)
logaddexp = _of_two_tensors("logaddexp", Logaddexp)
logaddexp2 = _of_two_tensors("logaddexp2", Logaddexp2)
nextafter = _of_two_tensors("nextafter", Nextafter)


def _sign_test(op: str, test):
    """isposinf / isneginf / signbit: bool tensors, nothing recorded (integers: from their sign)."""
    def fn(input):
        check_tensor_arg(op, input)
        xp = input.xp
        return _bool_mask(test(xp, input.array, input.dtype.is_floating_point), input)
    fn.__name__ = fn.__qualname__ = op
    return fn


isposinf = _sign_test("isposinf", lambda xp, a, f: xp.isposinf(a) if f else xp.zeros(a.shape, bool))
isneginf = _sign_test("isneginf", lambda xp, a, f: xp.isneginf(a) if f else xp.zeros(a.shape, bool))
signbit = _sign_test("signbit", lambda xp, a, f: xp.signbit(a) if f else a < 0)


def positive(input):
    check_tensor_arg("positive", input)
    if input.dtype is _dt.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def sinc(input):
    return Sinc.apply(input)


def deg2rad(input):
    return Deg2Rad.apply(input)


def rad2deg(input):
    return Rad2Deg.apply(input)


def logit(input, eps=None):
    check_tensor_arg("logit", input)
    if eps is None:
        return Logit.apply(input)
    if not _is_number(eps) or isinstance(eps, bool):
        raise TypeError(f"logit(): argument 'eps' (position 2) must be float, not {type(eps).__name__}")
    return Logit.apply(input, float(eps))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    check_tensor_arg("nan_to_num", input)
    return NanToNum.apply(input, nan, posinf, neginf)


def square(input):
    return _pow(input, 2)


def _tensor_or_number(op, a, b, second="other"):
    """The overload of a (Tensor | Number, Tensor | Number) op: 0 two tensors, 1 a number first, 2 a number
    second; torch's TypeError for two numbers or a non-number."""
    ta, tb = type(a) is Tensor, type(b) is Tensor
    if (ta or _is_number(a)) and (tb or _is_number(b)) and (ta or tb):
        return 0 if ta and tb else (1 if tb else 2)
    raise _binary_type_error(op, a, b, second)


def xlogy(input, other):
    kind = _tensor_or_number("xlogy", input, other)
    return (Xlogy, XlogyScalarSelf, XlogyScalarOther)[kind].apply(input, other)


def special_xlog1py(input, other):
    kind = _tensor_or_number("special_xlog1py", input, other)
    return (SpecialXlog1Py, SpecialXlog1PyScalarSelf, SpecialXlog1PyScalarOther)[kind].apply(input, other)


_XLOG = {"log": xlogy, "log1p": special_xlog1py}


def special_entr(input):
    return SpecialEntr.apply(input)


def special_log_ndtr(input):
    return SpecialLogNdtr.apply(input)


def special_ndtr(input):
    """The standard normal CDF composed as torch composes it: (1 + erf(x / sqrt 2)) * 0.5 (MulBackward1)."""
    check_tensor_arg("special_ndtr", input)
    x = _MulScalar.apply(input, 1.0 / math.sqrt(2.0))
    return _MulScalar.apply(_AddScalar.apply(_erf(x), 1), 0.5)


def special_i0e(input):
    return SpecialI0E.apply(input)


def special_i1e(input):
    return SpecialI1E.apply(input)


def float_power_(input, exponent):
    """x.float_power_(e): x must be float64 already (the result's dtype)."""
    check_tensor_arg("float_power_", input)
    if input.dtype is not _dt.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {input.dtype._torch_name} but the "
                           "operation's result requires dtype Double")
    return _FLOAT_POWER_INPLACE(input, exponent)


def fmod(input, other):
    if type(input) is not Tensor or not (type(other) is Tensor or _is_number(other)):
        raise TypeError(f"fmod() received an invalid combination of arguments - got ({type(input).__name__}, "
                        f"{type(other).__name__}), but expected one of:\n"
                        " * (Tensor input, Tensor other, *, Tensor out = None)\n"
                        " * (Tensor input, Number other, *, Tensor out = None)\n")
    return (FmodTensor if type(other) is Tensor else Fmod).apply(input, other)


def copysign(input, other):
    if type(input) is not Tensor or not (type(other) is Tensor or _is_number(other)):
        raise TypeError(f"copysign() received an invalid combination of arguments - got ({type(input).__name__}, "
                        f"{type(other).__name__}), but expected one of:\n"
                        " * (Tensor input, Tensor other, *, Tensor out = None)\n"
                        " * (Tensor input, Number other, *, Tensor out = None)\n")
    return (Copysign if type(other) is Tensor else CopysignScalar).apply(input, other)


def heaviside(input, values):
    check_tensor_arg("heaviside", input)
    check_tensor_arg("heaviside", values, "values", 2)
    return Heaviside.apply(input, values)


def float_power(input, exponent):
    """pow in float64 (torch's nodes: PowBackward0/1/2 after a cast)."""
    kind = _tensor_or_number("float_power", input, exponent, "exponent")
    f64 = _dt.float64
    if kind == 2:
        return _pow(to_copy(input, f64), float(exponent))
    base = to_copy(input, f64) if kind == 0 else float(input)
    return _pow(base, to_copy(exponent, f64))


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _reduce.var_mean(input, dim, unbiased, keepdim, correction=correction)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _reduce.std_mean(input, dim, unbiased, keepdim, correction=correction)


def _alias(op: str):
    """The registered op ``op`` under another name, looked up when called (ops register in any order)."""
    def fn(*args, **kwargs):
        from . import OPS  # noqa: PLC0415 - the registry imports this module
        return OPS[op](*args, **kwargs)
    fn.__name__ = fn.__qualname__ = op
    return fn


# ---- Tensor methods whose argument order differs from the function --------------------------------

def _method_polygamma(self, n):
    return polygamma(n, self)


def polygamma_(input, n):
    """x.polygamma_(n): polygamma(n, x) written into x (PolygammaBackward0 when recorded)."""
    return inplace_apply(input, lambda src: _checked(polygamma(n, src), input.dtype), copy_self=True)


_FUNCTIONS = {
    "lgamma": lgamma, "digamma": digamma, "erfinv": erfinv, "i0": i0, "sinc": sinc, "deg2rad": deg2rad,
    "rad2deg": rad2deg, "logit": logit, "nan_to_num": nan_to_num, "xlogy": xlogy, "logaddexp": logaddexp,
    "logaddexp2": logaddexp2, "fmod": fmod, "copysign": copysign, "heaviside": heaviside,
    "float_power": float_power, "nansum": nansum, "nanmean": nanmean, "var_mean": var_mean, "std_mean": std_mean,
    "logdet": logdet, "cdist": cdist, "square": square, "erfc": erfc, "mvlgamma": mvlgamma, "ldexp": ldexp,
    "fmax": fmax, "fmin": fmin, "isposinf": isposinf, "isneginf": isneginf, "signbit": signbit, "positive": positive,
    "logcumsumexp": logcumsumexp, "nextafter": nextafter,
}
# torch's aliases of ops registered elsewhere (their nodes are the op's: torch.multiply records MulBackward0)
ALIASES = {"negative": "neg", "multiply": "mul", "subtract": "sub", "divide": "div"}
globals().update({alias: _alias(op) for alias, op in ALIASES.items()})
# x.<name>_(): written into x (the trigonometric ones live in elementwise.py, their in-place forms here)
INPLACE = ("sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan",
           "arcsinh", "arccosh", "arctanh", "lgamma", "digamma", "erfinv", "i0", "sinc", "deg2rad", "rad2deg",
           "logit", "nan_to_num", "xlogy", "fmod", "copysign", "heaviside", "square", "erfc", "ldexp", "mvlgamma",
           "negative", "multiply", "subtract", "divide")

_SPECIAL = {"special_i1": special_i1, "special_erfcx": special_erfcx, "special_xlog1py": special_xlog1py,
            "special_entr": special_entr, "special_i0e": special_i0e, "special_i1e": special_i1e,
            "special_ndtr": special_ndtr, "special_log_ndtr": special_log_ndtr}
_FLOAT_POWER_INPLACE = _unary_("float_power")
WIRE = {**_FUNCTIONS, **_SPECIAL, "polygamma": polygamma, "polygamma_": polygamma_, "float_power_": float_power_, "unfold": unfold, "storage_offset": storage_offset,
        **{alias: globals()[alias] for alias in ALIASES}, **{name + "_": _unary_(name) for name in INPLACE}}

METHODS = {**{k: v for k, v in _FUNCTIONS.items() if k not in ("var_mean", "std_mean", "cdist")},
           "polygamma": _method_polygamma, "polygamma_": polygamma_, "float_power_": float_power_, "unfold": unfold,
           "storage_offset": storage_offset, **{alias: WIRE[alias] for alias in ALIASES},
           **{name + "_": WIRE[name + "_"] for name in INPLACE}}

__all__ = list(_FUNCTIONS) + list(ALIASES) + list(_SPECIAL) + ["polygamma"]
