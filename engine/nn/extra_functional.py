"""More nn.functional kernels: leaky_relu, elu, hardtanh (and relu6), logsigmoid, softsign, binary_cross_entropy,
smooth_l1_loss, huber_loss, kl_div.

Fused ops record one node named as torch names it (LeakyReluBackward0,
EluBackward0, BinaryCrossEntropyBackward0, SmoothL1LossBackward0,
HuberLossBackward0); their backward is written with differentiable Tensor
ops, so double backward works. kl_div is a composition, as in torch.

Declares WIRE, METHODS and __all__; engine/__init__.py installs them.
"""
from __future__ import annotations

import warnings

from gradwire.common import dtypes as _dt

from ..function import Function
from ..ops import elementwise as _ew
from ..ops.elementwise import Where, _bool_tensor
from ..tensor import Tensor
from .functional import (_broadcast_pair, _check_reduction, _const, _grad_scale, _legacy_reduction, _not_implemented,
                         _reduce, _reduce_array, _require_tensor, _size)


def _float_input(kernel, x):
    if not x.dtype.is_floating_point:
        raise _not_implemented(kernel, x.dtype)


# ---- activations -------------------------------------------------------------------------

class LeakyRelu(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, slope):
        av = a.array
        xp = a.xp
        pos = av > 0
        ctx.pos = _bool_tensor(pos, a.device)
        ctx.slope = slope
        return _const(xp.where(pos, av, av * av.dtype.type(slope)), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return Where.apply(ctx.pos, grad, grad * ctx.slope), None


def leaky_relu(input, negative_slope=0.01, inplace=False):
    _require_tensor("leaky_relu", "input", 1, input)
    _float_input("leaky_relu_cpu", input)
    if inplace:
        from ..ops.inplace import inplace_apply  # noqa: PLC0415
        return inplace_apply(input, LeakyRelu.apply, float(negative_slope))
    return LeakyRelu.apply(input, float(negative_slope))


class Elu(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, alpha):
        av = a.array
        xp = a.xp
        pos = av > 0
        ctx.pos = _bool_tensor(pos, a.device)
        ctx.alpha = alpha
        ctx.save_for_backward(a)
        with xp.errstate(over="ignore"):
            neg = xp.expm1(xp.minimum(av, 0)) * av.dtype.type(alpha)
        return _const(xp.where(pos, av, neg), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return Where.apply(ctx.pos, grad, grad * (_ew.clamp_max(a, 0).exp() * ctx.alpha)), None


def elu(input, alpha=1.0, inplace=False):
    _require_tensor("elu", "input", 1, input)
    _float_input("elu_cpu", input)
    if inplace:
        from ..ops.inplace import inplace_apply  # noqa: PLC0415
        return inplace_apply(input, Elu.apply, float(alpha))
    return Elu.apply(input, float(alpha))


class Hardtanh(Function):
    """``clamp(x, min_val, max_val)`` whose gradient passes strictly inside the bounds (relu6 too)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, lo, hi):
        av = a.array
        ctx.inside = _bool_tensor((av > lo) & (av < hi), a.device)
        if a.dtype.is_floating_point:
            lo, hi = av.dtype.type(lo), av.dtype.type(hi)
        return _const(a.xp.clip(av, lo, hi), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return Where.apply(ctx.inside, grad, 0.0), None, None


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    _require_tensor("hardtanh", "input", 1, input)
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        from ..ops.inplace import inplace_apply  # noqa: PLC0415
        return inplace_apply(input, Hardtanh.apply, min_val, max_val)
    return Hardtanh.apply(input, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


class LogSigmoid(Function):
    """``log(sigmoid(x))``, computed as ``-softplus(-x)`` so that it does not overflow."""

    array_forward = True

    @staticmethod
    def forward(ctx, a):
        _float_input("log_sigmoid_cpu", a)
        av, xp = a.array, a.xp
        ctx.save_for_backward(a)
        return _const(-(xp.log1p(xp.exp(-xp.abs(av))) + xp.maximum(-av, 0)), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (-a).sigmoid()


def logsigmoid(input):
    _require_tensor("logsigmoid", "input", 1, input)
    return LogSigmoid.apply(input)


def softsign(input):
    """``input / (|input| + 1)``, as torch builds it."""
    return input / (input.abs() + 1)


# ---- losses -------------------------------------------------------------------------------

def _log_clamped(x: Tensor) -> Tensor:
    """log(x) clamped below at -100, as torch's binary_cross_entropy (differentiable)."""
    return _ew.clamp_min(x.log(), -100)


class BinaryCrossEntropy(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, x, t, weight, reduction):
        xp = x.xp
        a, b = x.array, t.array
        with xp.errstate(divide="ignore", invalid="ignore"):
            log_x = xp.maximum(xp.log(a), -100)
            log_1mx = xp.maximum(xp.log1p(-a), -100)
        loss = -(b * log_x + (1 - b) * log_1mx)
        if weight is not None:
            loss = loss * weight.array
        ctx.save_for_backward(x, t, weight)
        ctx.reduction = reduction
        ctx.n = loss.size
        return _const(xp.asarray(_reduce_array(xp, loss, reduction)), x.dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        nx, nt = ctx.needs_input_grad[:2]
        x, t, weight = ctx.saved_tensors
        scale = _grad_scale(grad, weight, ctx.reduction, ctx.n)
        gx = gt = None
        if nx:
            gx = scale * (x - t) / _ew.clamp_min((1 - x) * x, 1e-12)
        if nt:
            gt = scale * (_log_clamped(1 - x) - _log_clamped(x))
        return gx, gt, None, None


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    _require_tensor("binary_cross_entropy", "input", 1, input)
    _require_tensor("binary_cross_entropy", "target", 2, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.array.shape != input.array.shape:
        raise ValueError(f"Using a target size ({_size(target.array.shape)}) that is different to the input size "
                         f"({_size(input.array.shape)}) is deprecated. Please ensure they have the same size.")
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {target.dtype._torch_name} but expected {input.dtype._torch_name}")
    _float_input("binary_cross_entropy", input)
    xp = input.xp
    a, b = input.array, target.array
    if a.size and bool(xp.any((a < 0) | (a > 1))):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if b.size and bool(xp.any((b < 0) | (b > 1))):
        raise RuntimeError("all elements of target should be between 0 and 1")
    if weight is not None:
        from ..ops.shape import expand  # noqa: PLC0415
        if weight.array.shape != a.shape:
            weight = expand(weight, a.shape)
    return BinaryCrossEntropy.apply(input, target, weight, reduction)


class _PiecewiseLoss(Function):
    """Smooth L1 / Huber: quadratic for |d| < k, linear beyond; backward is grad * clamp-like slope."""

    array_forward = True
    _abstract = True

    @classmethod
    def forward(cls, ctx, x, t, reduction, k):
        xp = x.xp
        d = x.array - t.array
        ad = xp.abs(d)
        small = ad < k
        loss = cls._loss(xp, d, ad, small, k)
        ctx.save_for_backward(x, t)
        ctx.small = _bool_tensor(small, x.device)
        ctx.reduction, ctx.k, ctx.n = reduction, k, loss.size
        return _const(xp.asarray(_reduce_array(xp, loss, reduction)), x.dtype, x.device)

    @classmethod
    def backward(cls, ctx, grad):
        nx, nt = ctx.needs_input_grad[:2]
        x, t = ctx.saved_tensors
        d = x - t
        slope = Where.apply(ctx.small, cls._quadratic_slope(d, ctx.k), _ew.sign(d) * cls._linear_scale(ctx.k))
        if ctx.reduction == "mean":
            grad = grad / ctx.n
        g = grad * slope
        return (g if nx else None), (-g if nt else None), None, None


class SmoothL1Loss(_PiecewiseLoss):
    @staticmethod
    def _loss(xp, d, ad, small, beta):
        if beta == 0:
            return ad
        return xp.where(small, d * d * d.dtype.type(0.5 / beta), ad - d.dtype.type(0.5 * beta))

    @staticmethod
    def _quadratic_slope(d, beta):
        return d / beta if beta else d * 0

    @staticmethod
    def _linear_scale(beta):
        return 1.0


class HuberLoss(_PiecewiseLoss):
    @staticmethod
    def _loss(xp, d, ad, small, delta):
        return xp.where(small, d * d * d.dtype.type(0.5), (ad - d.dtype.type(0.5 * delta)) * d.dtype.type(delta))

    @staticmethod
    def _quadratic_slope(d, delta):
        return d

    @staticmethod
    def _linear_scale(delta):
        return delta


def _piecewise(name, kernel, cls, input, target, reduction, k, k_name):
    _require_tensor(name, "input", 1, input)
    _require_tensor(name, "target", 2, target)
    if input.array.shape != target.array.shape:
        warnings.warn(f"Using a target size ({_size(target.array.shape)}) that is different to the input size "
                      f"({_size(input.array.shape)}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", UserWarning, stacklevel=3)
    _check_reduction(reduction)
    if k < 0:
        raise RuntimeError(f"{name} does not support negative values for {k_name}.")
    input, target = _broadcast_pair(input, target)
    dtype = _dt.promote_types(input.dtype, target.dtype)
    if not dtype.is_floating_point:
        raise _not_implemented(kernel, dtype)
    from ..ops.shape import to_dtype  # noqa: PLC0415
    if input.dtype is not dtype:
        input = to_dtype(input, dtype)
    if target.dtype is not dtype:
        target = to_dtype(target, dtype)
    return cls.apply(input, target, reduction, float(k))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _piecewise("smooth_l1_loss", "smooth_l1_cpu", SmoothL1Loss, input, target, reduction, beta, "beta")


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta.")
    return _piecewise("huber_loss", "huber_cpu", HuberLoss, input, target, reduction, delta, "delta")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """torch's composition: exp(t) * (t - input) for log targets, else xlogy(t, t) - t * input."""
    _require_tensor("kl_div", "input", 1, input)
    _require_tensor("kl_div", "target", 2, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        xp = target.xp
        nonzero = _bool_tensor(target.array != 0, target.device)
        with xp.errstate(divide="ignore", invalid="ignore"):
            tlogt = Where.apply(nonzero, target * target.log(), 0.0)
        loss = tlogt - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.array.shape[0] if input.array.ndim else total
    return _reduce(loss, reduction)


# ---- tables ---------------------------------------------------------------------------------

def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


WIRE: dict = {"leaky_relu": leaky_relu, "leaky_relu_": leaky_relu_, "elu": elu, "elu_": elu_,
              "hardtanh": hardtanh, "hardtanh_": hardtanh_, "logsigmoid": logsigmoid,
              "binary_cross_entropy": binary_cross_entropy,
              "smooth_l1_loss": smooth_l1_loss, "huber_loss": huber_loss, "kl_div": kl_div}
METHODS: dict = {}
__all__: list = ["leaky_relu", "elu", "hardtanh", "relu6", "logsigmoid", "softsign", "binary_cross_entropy",
                 "smooth_l1_loss", "huber_loss", "kl_div"]
