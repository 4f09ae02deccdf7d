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
from ..ops._util import same_device
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
    fn = _LeakyRelu_.apply if inplace else LeakyRelu.apply  # LeakyReluBackward1 in place, as torch's
    return _activation_apply(fn, input, inplace, float(negative_slope))


class _LeakyRelu_(LeakyRelu):
    op_name, overload = "LeakyRelu", 1


def elu(input, alpha=1.0, inplace=False):
    _require_tensor("elu", "input", 1, input)
    _float_input("elu_cpu", input)
    fn = _SeluElu_.apply if inplace else _SeluElu.apply  # EluBackward1 in place, as torch's elu_
    return _activation_apply(fn, input, inplace, float(alpha), 1.0, 1.0, 1.0)


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
    shown_edges = 2  # torch's edges: input, target (weight has none)
    float_edges = False
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


# ---- more activations: the fused kernels torch records one node for ----------------------------
# Each forward is one array expression; each backward is written with differentiable Tensor ops (masks
# held as bool tensors), so double backward works. The gradients at the kinks are torch's.

def _keep(mask_arr, grad, other=0.0):
    """``grad`` where the mask holds, else ``other`` (differentiable in both)."""
    return Where.apply(_bool_tensor(mask_arr, grad.device), grad, other)


def _activation_apply(fn, input, inplace, *args):
    if inplace:
        from ..ops.inplace import inplace_apply  # noqa: PLC0415
        return inplace_apply(input, fn, *args)
    return fn(input, *args)


class Mish(Function):
    """``x * tanh(softplus(x))`` (MishBackward0)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a):
        av, xp = a.array, a.xp
        ctx.save_for_backward(a)
        with xp.errstate(over="ignore"):
            return _const(av * xp.tanh(xp.log1p(xp.exp(av))), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        t = a.exp().log1p().tanh()  # torch's formula, term for term
        return grad * (t + a * a.sigmoid() * (1 - t * t))


class Hardswish(Function):
    """``x * relu6(x + 3) / 6``; the gradient is 0 up to -3, ``x / 3 + 1 / 2`` below 3, then 1."""

    array_forward = True

    @staticmethod
    def forward(ctx, a):
        av, xp = a.array, a.xp
        ctx.save_for_backward(a)
        ctx.low, ctx.mid = av <= -3, av < 3
        return _const(av * xp.clip(av + 3, 0, 6) / 6, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        g = _keep(ctx.mid, grad * (a / 3 + 0.5), grad)
        return _keep(~ctx.low, g)


_ONE_SIXTH_F32 = 0.1666666716337204  # torch's kernel: 1.0f / 6.0f, whatever the dtype


class Hardsigmoid(Function):
    """``relu6(x + 3) / 6``; the gradient is 1/6 strictly inside (-3, 3)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a):
        av, xp = a.array, a.xp
        ctx.inside = (av > -3) & (av < 3)
        return _const(xp.clip(av + 3, 0, 6) / 6, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return _keep(ctx.inside, grad * _ONE_SIXTH_F32)


class _ScaledElu(Function):
    """torch's elu with its scale and input_scale: ``scale * x`` above 0, else
    ``scale * alpha * (exp(x * input_scale) - 1)`` (selu, celu)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, alpha, scale, input_scale, backward_input_scale):
        av, xp = a.array, a.xp
        t = av.dtype.type
        ctx.pos = av > 0
        ctx.coefs = alpha, scale, backward_input_scale
        ctx.save_for_backward(a)
        with xp.errstate(over="ignore"):
            neg = (xp.exp(xp.minimum(av, 0) * t(input_scale)) - 1) * t(alpha * scale)
        return _const(xp.where(ctx.pos, av * t(scale), neg), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.coefs
        neg = grad * ((_ew.clamp_max(a, 0) * input_scale).exp() * (alpha * scale * input_scale))
        return _keep(ctx.pos, grad * scale, neg), None, None, None, None


class _SeluElu(_ScaledElu):
    op_name = "Elu"


class _SeluElu_(_ScaledElu):
    op_name, overload = "Elu", 1


class Celu(_ScaledElu):
    pass


class _Celu_(_ScaledElu):
    op_name, overload = "Celu", 1


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    _require_tensor("selu", "input", 1, input)
    _float_input("elu_cpu", input)
    fn = _SeluElu_.apply if inplace else _SeluElu.apply
    return _activation_apply(fn, input, inplace, _SELU_ALPHA, _SELU_SCALE, 1.0, 1.0)


def celu(input, alpha=1.0, inplace=False):
    _require_tensor("celu", "input", 1, input)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    _float_input("elu_cpu", input)
    fn = _Celu_.apply if inplace else Celu.apply
    # torch's derivative takes 1 / alpha with alpha rounded to float32 (alpha.toFloat())
    backward_scale = 1.0 / float(input.xp.float32(alpha))
    return _activation_apply(fn, input, inplace, float(alpha), 1.0, 1.0 / alpha, backward_scale)


class Threshold(Function):
    """``value`` where ``x <= threshold``, else ``x`` (the gradient passes where x is kept)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, threshold, value):
        av, xp = a.array, a.xp
        ctx.kept = ~(av <= threshold)
        return _const(xp.where(ctx.kept, av, xp.asarray(value, dtype=av.dtype)), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return _keep(ctx.kept, grad), None, None


class _Threshold_(Threshold):
    op_name, overload = "Threshold", 1


def threshold(input, threshold, value, inplace=False):  # noqa: A002 - torch's names
    _require_tensor("threshold", "input", 1, input)
    fn = _Threshold_.apply if inplace else Threshold.apply
    return _activation_apply(fn, input, inplace, threshold, value)


class Hardshrink(Function):
    """0 on ``[-lambd, lambd]``, else ``x``."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, lambd):
        av, xp = a.array, a.xp
        ctx.kept = ~((av >= -lambd) & (av <= lambd))
        return _const(xp.where(ctx.kept, av, 0), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return _keep(ctx.kept, grad), None


class Softshrink(Function):
    """``x - lambd`` above lambd, ``x + lambd`` below -lambd, else 0."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, lambd):
        av, xp = a.array, a.xp
        t = av.dtype.type
        ctx.kept = ~((av >= -lambd) & (av <= lambd))
        out = xp.where(av > lambd, av - t(lambd), xp.where(av < -lambd, av + t(lambd), t(0)))
        return _const(out, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return _keep(ctx.kept, grad), None


def _check_lambd(lambd, input) -> None:
    if lambd < 0:
        top = float(input.xp.finfo(input.array.dtype).max)
        raise RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype "
                           f"{input.dtype._torch_name.capitalize()}, but found {lambd:g}")


def hardshrink(input, lambd=0.5):
    _require_tensor("hardshrink", "input", 1, input)
    _float_input("hardshrink_cpu", input)
    return Hardshrink.apply(input, lambd)


def softshrink(input, lambd=0.5):
    _require_tensor("softshrink", "input", 1, input)
    _float_input("softshrink_cpu", input)
    _check_lambd(lambd, input)
    return Softshrink.apply(input, lambd)


def mish(input, inplace=False):
    _require_tensor("mish", "input", 1, input)
    _float_input("mish_cpu", input)
    return _activation_apply(Mish.apply, input, inplace)


def hardswish(input, inplace=False):
    _require_tensor("hardswish", "input", 1, input)
    _float_input("hardswish_cpu", input)
    return _activation_apply(Hardswish.apply, input, inplace)


def hardsigmoid(input, inplace=False):
    _require_tensor("hardsigmoid", "input", 1, input)
    _float_input("hardsigmoid_cpu", input)
    return _activation_apply(Hardsigmoid.apply, input, inplace)


class Glu(Function):
    """``a * sigmoid(b)`` for the two halves of ``dim``."""

    array_forward = True

    @staticmethod
    def forward(ctx, x, dim):
        xv, xp = x.array, x.xp
        n = xv.shape[dim] // 2
        a, b = xp.split(xv, 2, axis=dim)
        ctx.dim, ctx.n = dim, n
        ctx.save_for_backward(x)
        with xp.errstate(over="ignore"):
            return _const(a / (1 + xp.exp(-b)), x.dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        from ..ops.shape import cat, narrow  # noqa: PLC0415
        a, b = narrow(x, ctx.dim, 0, ctx.n), narrow(x, ctx.dim, ctx.n, ctx.n)
        s = b.sigmoid()
        return cat([grad * s, grad * a * s * (1 - s)], ctx.dim), None


def glu(input, dim=-1):
    _require_tensor("glu", "input", 1, input)
    nd = input.array.ndim
    if nd == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    from gradwire.common.shapes import normalize_dim  # noqa: PLC0415
    d = normalize_dim(dim, nd)
    n = input.array.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    _float_input("glu_cpu", input)
    return Glu.apply(input, d)


class PreluKernel(Function):
    """``x`` above 0, else ``weight * x``, the weight along dim 1 (or one weight for all)."""

    array_forward = True

    @staticmethod
    def forward(ctx, x, w):
        xv, wv, xp = x.array, w.array, x.xp
        shape = (-1,) + (1,) * (xv.ndim - 2) if wv.size > 1 else ()
        ctx.pos = xv > 0
        ctx.wshape = shape
        ctx.save_for_backward(x, w)
        return _const(xp.where(ctx.pos, xv, wv.reshape(shape) * xv), x.dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        from ..ops.shape import reshape  # noqa: PLC0415
        wb = reshape(w, ctx.wshape)
        gx = _keep(ctx.pos, grad, grad * wb)
        gw = _keep(ctx.pos, grad * 0, grad * x)
        if w.array.size > 1:  # sum over all dims but the channel dim
            dims = tuple(i for i in range(x.array.ndim) if i != 1)
            gw = gw.sum(dims) if dims else gw
        else:
            gw = gw.sum()
        return gx, reshape(gw, w.array.shape)


def prelu(input, weight):
    _require_tensor("prelu", "input", 1, input)
    _require_tensor("prelu", "weight", 2, weight)
    nw = weight.array.ndim
    if nw > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {nw}")
    channels = input.array.shape[1] if input.array.ndim >= 2 else 1
    n = weight.array.size
    if n != 1 and n != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} "
                           f"and channel size = {channels}.")
    return PreluKernel.apply(input, weight)


class _RreluEval(LeakyRelu):
    """rrelu outside training: leaky_relu with the mean slope, recorded as RreluWithNoiseBackward0."""

    op_name = "RreluWithNoise"


class _RreluEval_(LeakyRelu):
    op_name, overload = "RreluWithNoise", 1


def rrelu_eval(input, slope, inplace=False):
    _require_tensor("rrelu", "input", 1, input)
    _float_input("leaky_relu_cpu", input)
    fn = _RreluEval_.apply if inplace else _RreluEval.apply
    return _activation_apply(fn, input, inplace, float(slope))


def _inplace(fn):
    return lambda input, *args: fn(input, *args, inplace=True)


# ---- soft margin and multi margin losses: fused, as torch's (SoftMarginLossBackward0, ...) ----------

def _not_differentiable(fn: str, arg: str, t) -> None:
    """torch's refusal of an input its derivative formula does not cover."""
    from ..grad_mode import _state  # noqa: PLC0415
    if t is not None and t.requires_grad and _state.enabled:
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to argument '{arg}'. This input "
                           "cannot have requires_grad True.")


class SoftMarginLoss(Function):
    """``log(1 + exp(-y x))``, reduced."""

    float_edges = False  # torch's edge: input only

    array_forward = True

    @staticmethod
    def forward(ctx, x, t, reduction):
        same_device(x, t)
        xp = x.xp
        with xp.errstate(over="ignore"):
            loss = xp.log1p(xp.exp(-x.array * t.array))
        ctx.save_for_backward(x, t)
        ctx.reduction, ctx.n = reduction, loss.size
        return _const(xp.asarray(_reduce_array(xp, loss, reduction)), x.dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        g = _grad_scale(grad, None, ctx.reduction, ctx.n)
        return g * -t * (-(x * t)).sigmoid(), None, None


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    _require_tensor("soft_margin_loss", "input", 1, input)
    _require_tensor("soft_margin_loss", "target", 2, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    input, target = _broadcast_pair(input, target)
    _float_input("soft_margin_loss", input)
    _not_differentiable("soft_margin_loss", "target", target)
    return SoftMarginLoss.apply(input, target, reduction)


class MultiMarginLoss(Function):
    """Per sample ``sum_{j != y} max(0, margin - x[y] + x[j])^p * w[y] / C`` over (N, C) scores."""

    float_edges = False  # torch's edge: input only

    array_forward = True

    @staticmethod
    def forward(ctx, x, y, p, margin, w, reduction):
        xv, yv, xp = x.array, y.array, x.xp
        n, c = xv.shape
        if yv.size and (yv.min() < 0 or yv.max() >= c):
            raise RuntimeError("target out of range")
        rows = xp.arange(n)
        z = xv.dtype.type(margin) - xv[rows, yv][:, None] + xv
        other = xp.arange(c)[None, :] != yv[:, None]
        active = (z > 0) & other
        h = xp.where(active, z if p == 1 else z * z, 0)
        if w is not None:
            h = h * w.array[yv][:, None]
        loss = h.sum(axis=1) / xv.dtype.type(c)
        ctx.save_for_backward(x, y) if w is None else ctx.save_for_backward(x, y, w)
        ctx.active, ctx.other = _bool_tensor(active, x.device), _bool_tensor(~other, x.device)
        ctx.unit = _const(active, x.dtype, x.device) if p == 1 else None  # the p = 1 slope, in x's dtype
        ctx.p, ctx.margin, ctx.reduction, ctx.c = p, margin, reduction, c
        return _const(xp.asarray(_reduce_array(xp, loss, reduction)), x.dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        x, y, *w = ctx.saved_tensors
        from ..ops.index import gather  # noqa: PLC0415
        from ..ops.shape import unsqueeze  # noqa: PLC0415
        idx = unsqueeze(y, 1)
        if ctx.p == 1:
            d = ctx.unit / ctx.c
        else:
            d = Where.apply(ctx.active, (ctx.margin - gather(x, 1, idx) + x) * 2, 0.0) / ctx.c
        if w:
            d = d * unsqueeze(gather(w[0], 0, y), 1)
        g = grad if ctx.reduction == "none" else _grad_scale(grad, None, ctx.reduction, x.array.shape[0])
        gx = d * (unsqueeze(g, 1) if g.array.ndim else g)
        # the target's score moves against every active margin
        gx = gx - Where.apply(ctx.other, gx.sum(1, keepdim=True), 0.0)
        return gx, None, None, None, None, None


def multi_margin_loss(input, target, p, margin, weight, reduction):
    """(N, C) scores and (N,) targets (the client shapes them); the per-sample losses or their reduction."""
    _require_tensor("multi_margin_loss", "input", 1, input)
    _check_reduction(reduction)
    _float_input("multi_margin_loss_cpu_kernel", input)
    _not_differentiable("multi_margin_loss", "weight", weight)
    return MultiMarginLoss.apply(input, target, int(p), float(margin), weight, reduction)


# ---- group norm: one node, as torch's (NativeGroupNormBackward0) ------------------------------------

class NativeGroupNorm(Function):
    """Each (sample, group) normalised, then ``x * scale + shift`` per channel as torch's CPU kernel forms it
    (scale = rstd * weight, shift = bias - scale * mean); the backward is layer norm's over each group."""

    shown_edges = 3  # input, weight, bias: an edge each, even when None

    array_forward = True

    @staticmethod
    def forward(ctx, x, weight, bias, groups, eps):
        same_device(x, weight, bias)
        a, xp = x.array, x.xp
        n, c = a.shape[0], a.shape[1]
        g = a.reshape(n, groups, -1)
        mean = g.mean(axis=-1)
        rstd = (1.0 / xp.sqrt(xp.maximum(g.var(axis=-1), 0) + eps)).astype(a.dtype)
        per_c = (n, c) + (1,) * (a.ndim - 2)
        scale = xp.repeat(rstd, c // groups, axis=1).reshape(per_c)
        mean_c = xp.repeat(mean, c // groups, axis=1).reshape(per_c)
        if weight is not None:
            scale = scale * weight.array.reshape((1, c) + (1,) * (a.ndim - 2))
        shift = -scale * mean_c
        if bias is not None:
            shift = shift + bias.array.reshape((1, c) + (1,) * (a.ndim - 2))
        ctx.save_for_backward(x, weight)
        ctx.groups, ctx.eps = groups, eps
        return _const((a * scale + shift).astype(a.dtype, copy=False), x.dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        nx, nw, nb = ctx.needs_input_grad[:3]
        x, w = ctx.saved_tensors
        from ..ops.shape import reshape  # noqa: PLC0415
        shape = x.array.shape
        n, c = shape[0], shape[1]
        per_c = (1, c) + (1,) * (len(shape) - 2)
        lead = tuple(i for i in range(len(shape)) if i != 1)
        xg = reshape(x, (n, ctx.groups, -1))
        xc = xg - xg.mean(-1, keepdim=True)
        rstd = ((xc * xc).mean(-1, keepdim=True) + ctx.eps) ** -0.5
        xhat = reshape(xc * rstd, shape)
        gx = gw = gb = None
        if nw:
            gw = (grad * xhat).sum(lead)
        if nb:
            gb = grad.sum(lead)
        if nx:
            gh = reshape(grad * reshape(w, per_c) if w is not None else grad, (n, ctx.groups, -1))
            hg = reshape(xhat, (n, ctx.groups, -1))
            gx = reshape(rstd * (gh - gh.mean(-1, keepdim=True) - hg * (gh * hg).mean(-1, keepdim=True)), shape)
        return gx, gw, gb, None, None


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """The kernel under F.group_norm (the client checks the arguments as torch's Python does)."""
    _require_tensor("group_norm", "input", 1, input)
    shape = input.array.shape
    c = shape[1]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.array.ndim != 1 or t.array.size != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(t.array.shape)} and input of shape {list(shape)}")
    _float_input("group_norm", input)
    return NativeGroupNorm.apply(input, weight, bias, int(num_groups), float(eps))


# ---- tables ---------------------------------------------------------------------------------

def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


WIRE: dict = {"leaky_relu": leaky_relu, "leaky_relu_": leaky_relu_, "elu": elu, "elu_": elu_,
              "hardtanh": hardtanh, "hardtanh_": hardtanh_, "logsigmoid": logsigmoid,
              "binary_cross_entropy": binary_cross_entropy,
              "smooth_l1_loss": smooth_l1_loss, "huber_loss": huber_loss, "kl_div": kl_div,
              "mish": mish, "mish_": _inplace(mish), "hardswish": hardswish, "hardswish_": _inplace(hardswish),
              "hardsigmoid": hardsigmoid, "hardsigmoid_": _inplace(hardsigmoid), "selu": selu,
              "selu_": _inplace(selu), "celu": celu, "celu_": _inplace(celu), "threshold": threshold,
              "threshold_": _inplace(threshold), "hardshrink": hardshrink, "softshrink": softshrink, "glu": glu,
              "prelu": prelu, "rrelu_eval": rrelu_eval, "rrelu_eval_": _inplace(rrelu_eval),
              "soft_margin_loss": soft_margin_loss, "multi_margin_loss": multi_margin_loss,
              "group_norm": group_norm}
METHODS: dict = {}
__all__: list = ["leaky_relu", "elu", "hardtanh", "relu6", "logsigmoid", "softsign", "binary_cross_entropy",
                 "smooth_l1_loss", "huber_loss", "kl_div", "mish", "hardswish", "hardsigmoid", "selu", "celu",
                 "threshold", "hardshrink", "softshrink", "glu", "prelu", "soft_margin_loss"]
