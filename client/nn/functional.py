"""torch.nn.functional: each function is one server op."""
from __future__ import annotations

from .._dispatch import call
from ..tensor import Tensor


def _kw(**kwargs):
    """Keyword arguments that differ from their defaults (keeps commands small). Tensors (weight=,
    pos_weight=) always count as given: comparing one with ``!=`` would be an elementwise op."""
    return {k: v for k, (v, default) in kwargs.items()
            if v is not default and (isinstance(v, Tensor) or v != default)}


def linear(input, weight, bias=None):
    return call("linear", input, weight, bias) if bias is not None else call("linear", input, weight)


def relu(input, inplace=False):
    return call("relu_" if inplace else "relu", input)


def gelu(input, approximate="none"):
    return call("gelu", input, **_kw(approximate=(approximate, "none")))


def silu(input, inplace=False):
    return call("silu", input)


def softplus(input, beta=1.0, threshold=20.0):
    return call("softplus", input, **_kw(beta=(beta, 1.0), threshold=(threshold, 20.0)))


def leaky_relu(input, negative_slope=0.01, inplace=False):
    if inplace:
        return call("leaky_relu_", input, **_kw(negative_slope=(negative_slope, 0.01)))
    return call("leaky_relu", input, **_kw(negative_slope=(negative_slope, 0.01)))


def elu(input, alpha=1.0, inplace=False):
    if inplace:
        return call("elu_", input, **_kw(alpha=(alpha, 1.0)))
    return call("elu", input, **_kw(alpha=(alpha, 1.0)))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return call("hardtanh_" if inplace else "hardtanh", input, min_val, max_val)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def logsigmoid(input):
    if isinstance(input, Tensor) and not input.dtype.is_floating_point:
        raise NotImplementedError(f'"log_sigmoid_cpu" not implemented for \'{input.dtype._torch_name}\'')
    return call("logsigmoid", input)


def softsign(input):
    """``input / (|input| + 1)``, as torch builds it."""
    return input / (input.abs() + 1)


def sigmoid(input):
    return call("sigmoid", input)


def tanh(input):
    return call("tanh", input)


def softmax(input, dim=None, dtype=None):
    return call("softmax", input, dim, **_kw(dtype=(dtype, None)))


def log_softmax(input, dim=None, dtype=None):
    return call("log_softmax", input, dim, **_kw(dtype=(dtype, None)))


def dropout(input, p=0.5, training=True, inplace=False):
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    return call("dropout", input, p, training)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    return call("layer_norm", input, tuple(normalized_shape), weight, bias, eps)


def embedding(input, weight, padding_idx=None):
    return call("embedding", input, weight, padding_idx) if padding_idx is not None else call("embedding", input, weight)


def mse_loss(input, target, reduction="mean"):
    return call("mse_loss", input, target, **_kw(reduction=(reduction, "mean")))


def l1_loss(input, target, reduction="mean"):
    return call("l1_loss", input, target, **_kw(reduction=(reduction, "mean")))


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    return call("cross_entropy", input, target, **_kw(weight=(weight, None), ignore_index=(ignore_index, -100),
                                                       reduction=(reduction, "mean"),
                                                       label_smoothing=(label_smoothing, 0.0)))


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    return call("nll_loss", input, target, **_kw(weight=(weight, None), ignore_index=(ignore_index, -100),
                                                  reduction=(reduction, "mean")))


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    return call("binary_cross_entropy_with_logits", input, target,
                **_kw(weight=(weight, None), reduction=(reduction, "mean"), pos_weight=(pos_weight, None)))


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    return call("binary_cross_entropy", input, target, **_kw(weight=(weight, None), reduction=(reduction, "mean")))


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    return call("smooth_l1_loss", input, target, **_kw(reduction=(reduction, "mean"), beta=(beta, 1.0)))


def huber_loss(input, target, reduction="mean", delta=1.0):
    return call("huber_loss", input, target, **_kw(reduction=(reduction, "mean"), delta=(delta, 1.0)))


def kl_div(input, target, reduction="mean", log_target=False):
    return call("kl_div", input, target, **_kw(reduction=(reduction, "mean"), log_target=(log_target, False)))


def one_hot(tensor, num_classes=-1):
    from .._compose import one_hot as _one_hot  # noqa: PLC0415
    return _one_hot(tensor, num_classes)


def _conv(op, input, weight, bias, stride, padding, dilation, groups):
    args = (input, weight) if bias is None else (input, weight, bias)
    return call(op, *args, **_kw(stride=(stride, 1), padding=(padding, 0), dilation=(dilation, 1), groups=(groups, 1)))


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv("conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv("conv1d", input, weight, bias, stride, padding, dilation, groups)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(norm, eps) over ``dim``, built as torch builds it (so the nodes are torch's)."""
    if out is not None:
        raise NotImplementedError("gradwire: normalize(out=...)")
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)


def pad(input, pad, mode="constant", value=None):  # noqa: A002 - torch's names
    return call("pad", input, tuple(pad), **_kw(mode=(mode, "constant"), value=(value, None)))


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return call("max_pool2d", input, kernel_size, **_kw(stride=(stride, None), padding=(padding, 0),
                                                       dilation=(dilation, 1), ceil_mode=(ceil_mode, False),
                                                       return_indices=(return_indices, False)))


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return call("avg_pool2d", input, kernel_size, **_kw(stride=(stride, None), padding=(padding, 0),
                                                       ceil_mode=(ceil_mode, False),
                                                       count_include_pad=(count_include_pad, True),
                                                       divisor_override=(divisor_override, None)))


def adaptive_avg_pool2d(input, output_size):
    return call("adaptive_avg_pool2d", input, output_size)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    return call("batch_norm", input, **_kw(running_mean=(running_mean, None), running_var=(running_var, None),
                                           weight=(weight, None), bias=(bias, None), training=(training, False),
                                           momentum=(momentum, 0.1), eps=(eps, 1e-5)))


# ---- more activations, composed on the client as torch's composites compose them ----------------
# torch runs most of these as fused kernels; here each is built from ops the server has, with the same
# values, gradients (boundaries included) and error texts. Their grad_fn is that of the last op.

def _float_only(kernel: str, input) -> None:
    if isinstance(input, Tensor) and not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype._torch_name}'")


def _assign(input, result):
    """The in-place form of a composed activation: write ``result`` back into ``input``."""
    return input.copy_(result)


def _threshold(input, threshold, value, inplace=False):
    out = input.masked_fill(input <= threshold, value)
    return _assign(input, out) if inplace else out


threshold = _threshold  # as torch: the argument named threshold hides the function inside it


def threshold_(input, threshold, value):
    return _threshold(input, threshold, value, True)


def relu_(input):
    return relu(input, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    _float_only("elu_cpu", input)
    if inplace:
        return elu(input, _SELU_ALPHA, inplace=True).mul_(_SELU_SCALE)
    return elu(input, _SELU_ALPHA) * _SELU_SCALE


def selu_(input):
    return selu(input, inplace=True)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    _float_only("elu_cpu", input)
    from .. import where  # noqa: PLC0415
    # the negative branch sees clamp_max(x, 0): exp of a large positive x would make its (unused) gradient nan
    out = where(input > 0, input, ((input.clamp_max(0) * (1 / alpha)).exp() - 1) * alpha)
    return _assign(input, out) if inplace else out


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


def mish(input, inplace=False):
    _float_only("mish_cpu", input)
    out = input * softplus(input).tanh()
    return _assign(input, out) if inplace else out


def hardswish(input, inplace=False):
    _float_only("hardswish_cpu", input)
    out = input * hardtanh(input + 3, 0.0, 6.0) / 6  # hardtanh's gradient is 0 at its bounds, as here
    return _assign(input, out) if inplace else out


def hardsigmoid(input, inplace=False):
    _float_only("hardsigmoid_cpu", input)
    out = hardtanh(input + 3, 0.0, 6.0) / 6  # hardtanh's gradient excludes its bounds, as hardsigmoid's does
    return _assign(input, out) if inplace else out


def _check_lambd(lambd, input) -> None:
    from gradwire.common import dtypes as _dt  # noqa: PLC0415
    if lambd < 0:
        top = 3.4028234663852886e38 if input.dtype is _dt.float32 else (
            65504.0 if input.dtype is _dt.float16 else 1.7976931348623157e308)
        raise RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype "
                           f"{input.dtype._torch_name.capitalize()}, but found {lambd:g}")


def hardshrink(input, lambd=0.5):
    _float_only("hardshrink_cpu", input)
    return input.masked_fill((input >= -lambd) & (input <= lambd), 0)


def softshrink(input, lambd=0.5):
    _float_only("softshrink_cpu", input)
    _check_lambd(lambd, input)
    return input - input.clamp(-lambd, lambd)  # zero inside [-lambd, lambd], gradient zero there too


def tanhshrink(input):
    return input - input.tanh()


def _softmax_dim(name: str, ndim: int) -> int:
    import warnings  # noqa: PLC0415
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmin", input.dim())
    return softmax(-input, dim, dtype)


def glu(input, dim=-1):
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    from gradwire.common.shapes import normalize_dim  # noqa: PLC0415
    d = normalize_dim(dim, input.dim())
    n = input.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    a, b = input.split(n // 2, d)
    return a * b.sigmoid()


def prelu(input, weight):
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.dim()}")
    channels = input.shape[1] if input.dim() >= 2 else 1
    n = weight.numel()
    if n != 1 and n != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} "
                           f"and channel size = {channels}.")
    if n == 1 or input.dim() < 2:
        w = weight.reshape(())
    else:
        w = weight.reshape((n,) + (1,) * (input.dim() - 2))
    from .. import where  # noqa: PLC0415
    return where(input > 0, input, w * input)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    from .. import where  # noqa: PLC0415
    from .._creation import rand_like  # noqa: PLC0415
    slope = rand_like(input) * (upper - lower) + lower
    out = where(input > 0, input, input * slope)
    return _assign(input, out) if inplace else out


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)


# ---- distances and similarities ------------------------------------------------------------------

def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Each input divided by its clamped norm, then the product summed, as torch's composite does."""
    from gradwire.common import dtypes as _dt  # noqa: PLC0415
    from gradwire.common.shapes import broadcast_shapes  # noqa: PLC0415
    from .. import linalg  # noqa: PLC0415
    common = _dt.promote_types(x1.dtype, x2.dtype)
    if not common.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{common._torch_name.capitalize()}")
    shape = broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    x1 = x1.to(common).expand(*shape)
    x2 = x2.to(common).expand(*shape)
    n1 = linalg.vector_norm(x1, 2, dim, True).clone()
    n2 = linalg.vector_norm(x2, 2, dim, True).clone()
    with _no_grad():  # the clamp is invisible to autograd, as in torch
        n1.clamp_min_(eps)
        n2.clamp_min_(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return (x1 - x2 + eps).norm(p, max(x1.dim(), x2.dim()) - 1, keepdim)


def pdist(input, p=2):
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    from .._compose import triu_indices  # noqa: PLC0415
    i, j = triu_indices(input.shape[0], input.shape[0], 1)
    return (input.index_select(0, i) - input.index_select(0, j)).norm(p, 1)


def _no_grad():
    from ..grad_mode import no_grad  # noqa: PLC0415
    return no_grad()


# ---- normalisation ---------------------------------------------------------------------------------

def _size_list(shape) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Each group normalised as layer_norm normalises a row, then the per-channel affine."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    shape = tuple(input.shape)
    n, c = shape[0], shape[1]
    _verify_batch_size([n * c // num_groups, num_groups] + list(shape[2:]))
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {_size_list(shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {_size_list(t.shape)} and input of shape "
                               f"{_size_list(shape)}")
    grouped = input.reshape(n, num_groups, -1)
    out = layer_norm(grouped, (grouped.shape[2],), eps=eps).reshape(shape)
    per_channel = (c,) + (1,) * (len(shape) - 2)
    if weight is not None:
        out = out * weight.reshape(per_channel)
    if bias is not None:
        out = out + bias.reshape(per_channel)
    return out


def _verify_batch_size(size) -> None:
    prod = size[0]
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """batch_norm over the (1, N*C, ...) view, the running statistics averaged back over N, as torch does."""
    shape = tuple(input.shape)
    if use_input_stats:
        spatial = 1
        for s in shape[2:]:
            spatial *= s
        if spatial == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                             f"torch.Size({list(shape)})")
    b, c = shape[0], shape[1]
    rep = [t.repeat(b) if t is not None else None for t in (weight, bias, running_mean, running_var)]
    out = batch_norm(input.contiguous().view(1, b * c, *shape[2:]), rep[2], rep[3], rep[0], rep[1],
                     use_input_stats, momentum, eps)
    with _no_grad():
        for stat, repeated in ((running_mean, rep[2]), (running_var, rep[3])):
            if stat is not None:
                stat.copy_(repeated.view(b, c).mean(0))
    return out.view(*shape)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    if not isinstance(normalized_shape, (tuple, list)):
        raise TypeError(f"rms_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
                        f"{type(normalized_shape).__name__}")
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    shape = tuple(input.shape)
    if k == 0 or shape[len(shape) - k:] != normalized_shape or len(shape) < k:
        raise RuntimeError(f"Given normalized_shape={_size_list(normalized_shape)}, expected input with shape "
                           f"[*{', '.join(str(s) for s in normalized_shape)}], but got input of size"
                           f"{_size_list(shape)}")
    if weight is not None and tuple(weight.shape) != normalized_shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{_size_list(weight.shape)} and normalized_shape = {_size_list(normalized_shape)}")
    if eps is None:
        from gradwire.common import dtypes as _dt  # noqa: PLC0415
        eps = 2.220446049250313e-16 if input.dtype is _dt.float64 else 1.1920928955078125e-07
    dims = tuple(range(input.dim() - 1, input.dim() - 1 - k, -1))
    out = input * input.pow(2).mean(dims, keepdim=True).add_(eps).rsqrt()
    return out * weight if weight is not None else out


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = x1 A[o] x2 (+ b[o]), as an einsum over the flattened batch."""
    from .. import einsum  # noqa: PLC0415
    if input1.dim() != input2.dim():
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.dim()} and {input2.dim()}")
    for i in range(input1.dim() - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got {input1.shape[i]} and "
                               f"{input2.shape[i]}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
                           f"expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
                           f"expected {weight.shape[2]}")
    if bias is not None and bias.shape[0] != weight.shape[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[0]} but expected "
                           f"{weight.shape[0]}")
    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    return out + bias if bias is not None else out
