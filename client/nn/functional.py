"""torch.nn.functional: each function is one server op."""
from __future__ import annotations

import math

from .._dispatch import call
from ..tensor import Tensor


def _kw(**kwargs):
    """Keyword arguments that differ from their defaults (keeps commands small). Tensors (weight=,
    pos_weight=) always count as given: comparing one with ``!=`` would be an elementwise op."""
    return {k: v for k, (v, default) in kwargs.items()
            if v is not default and (isinstance(v, Tensor) or v != default)}


def linear(input, weight, bias=None):
    for position, (name, value) in enumerate((("input", input), ("weight", weight)), 1):
        if not isinstance(value, Tensor):
            from .._creation import _type_name  # noqa: PLC0415
            raise TypeError(f"linear(): argument '{name}' (position {position}) must be Tensor, not "
                            f"{_type_name(value)}")
    if isinstance(input, Tensor) and isinstance(weight, Tensor) and (input.dim() == 0 or weight.dim() == 0):
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {input.dim()}D and "
                           f"{weight.dim()}D")
    return call("linear", input, weight, bias) if bias is not None else call("linear", input, weight)


def relu(input, inplace=False):
    return call("relu_" if inplace else "relu", input)


def gelu(input, approximate="none"):
    return call("gelu", input, **_kw(approximate=(approximate, "none")))


def silu(input, inplace=False):
    return call("silu_" if inplace else "silu", input)


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


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return call("softmax", input, dim, **_kw(dtype=(dtype, None)))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return call("log_softmax", input, dim, **_kw(dtype=(dtype, None)))


def dropout(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if not training or p == 0:
        return input
    if inplace:  # torch multiplies the input by the scaled mask in place (MulBackward0)
        from .._creation import rand_like  # noqa: PLC0415
        keep = 1.0 - p
        mask = (rand_like(input) < keep).to(input.dtype) / keep if keep > 0 else input.new_zeros(input.shape)
        return input.mul_(mask)
    return call("dropout", input, p, training)


def _check_p(p) -> None:
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _noise_dropout(input, p, training, inplace, feature: bool, alpha: bool):
    """torch's _dropout_impl: a Bernoulli(1 - p) mask per element (per channel: ``feature``), scaled
    to keep the mean (``alpha``: the mean and variance of a SELU's output)."""
    if not training or p == 0 or input.numel() == 0:
        return input
    if p == 1:
        zero = input.new_zeros(())
        return input.mul_(zero) if inplace else input * zero
    if feature and input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2) if feature else tuple(input.shape)
    noise = input.new_empty(shape).bernoulli_(1 - p)
    if not alpha:
        noise = noise / (1 - p)
        return input.mul_(noise) if inplace else input * noise
    k = 1.7580993408473766
    a = 1.0 / math.sqrt((k * k * p + 1) * (1 - p))
    b = (noise - 1) * (k * a) + k * a * p
    noise = noise * a
    return (input.mul_(noise) if inplace else input * noise).add_(b)


def _unbatched_dropout(input, p, training, inplace, batched_dim: int):
    """dropout1d/dropout3d: an input without its batch dimension gets one for the channel-wise mask."""
    batched = input.dim() == batched_dim
    if not batched:
        input = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    out = _noise_dropout(input, p, training, inplace, feature=True, alpha=False)
    if not batched:
        out = out.squeeze_(0) if inplace else out.squeeze(0)
    return out


def dropout1d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _unbatched_dropout(input, p, training, inplace, 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    import warnings  # noqa: PLC0415
    _check_p(p)
    dim = input.dim()
    if dim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {dim}-D input to dropout2d, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D "
                      "inputs).", stacklevel=2)
    if dim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=2)
    return _noise_dropout(input, p, training, inplace, feature=True, alpha=False)


def dropout3d(input, p=0.5, training=True, inplace=False):
    import warnings  # noqa: PLC0415
    _check_p(p)
    dim = input.dim()
    if dim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {dim}-D input to dropout3d, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D "
                      "inputs).", stacklevel=2)
    return _unbatched_dropout(input, p, training, inplace, 5)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p)
    return _noise_dropout(input, p, training, inplace, feature=False, alpha=True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p)
    return _noise_dropout(input, p, training, inplace, feature=True, alpha=True)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Each value divided by (k + alpha * the mean of the squares over ``size`` neighbouring channels) ** beta."""
    dim = input.dim()
    if dim < 3:
        # torch's text, with the indentation of its source line break inside
        raise ValueError(f"Expected 3D or higher dimensionality {' ' * 25}input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    channels = input.shape[1]
    squares = input * input
    # zero padding of size // 2 channels before and (size - 1) // 2 after, then a window sum
    padded = pad(squares.movedim(1, -1), (size // 2, (size - 1) // 2)).movedim(-1, 1)
    window = padded.narrow(1, 0, channels)
    for i in range(1, size):
        window = window + padded.narrow(1, i, channels)
    div = (window / size).mul(alpha).add(k).pow(beta)
    return input / div


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    return call("layer_norm", input, tuple(normalized_shape), weight, bias, eps)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    if padding_idx is not None:
        if not -weight.shape[0] <= padding_idx < weight.shape[0]:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= weight.shape[0]
    if max_norm is not None:  # torch renormalizes, in place and untracked, the rows that ``input`` looks up
        with _no_grad():
            rows = input.reshape(-1).unique()
            norms = weight[rows].norm(norm_type, dim=1, keepdim=True)
            scale = (max_norm / (norms + 1e-7)).where(norms > max_norm, 1.0)
            weight[rows] = weight[rows] * scale.to(weight.dtype)
    if scale_grad_by_freq:
        return call("embedding", input, weight, padding_idx, scale_grad_by_freq=True)
    return call("embedding", input, weight, padding_idx) if padding_idx is not None else call("embedding", input, weight)


def _weighted_loss(op, input, target, weight, reduction, mean_by_weight=True, **options):
    """mse/l1/huber with an elementwise ``weight`` (torch composes these): the unreduced loss times
    weight; 'mean' divides by the weights' sum (huber: by the element count)."""
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
    loss = call(op, input, target, reduction="none", **options) * weight
    if reduction == "mean":
        return loss.sum() / weight.sum() if mean_by_weight else loss.mean()
    return loss.sum() if reduction == "sum" else loss


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Each bag's embeddings reduced by ``mode`` (sum, mean, max): the rows of a 2-D ``input``, or
    the runs of a 1-D ``input`` starting at ``offsets``. An empty bag gives zeros."""
    from .. import arange, tensor, zeros  # noqa: PLC0415
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if input.dtype.is_floating_point:
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.type()} instead (while checking arguments for "
                           "embedding_bag)")
    if per_sample_weights is not None and input.size() != per_sample_weights.size():
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it "
                         f"must have the same shape as the input ({input.shape})")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        bags, length = input.shape
        starts = list(range(0, bags * length, length))
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        starts = [int(o) for o in offsets.tolist()]
        if include_last_offset:
            starts = starts[:-1]
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    n = input.shape[0]
    ends = starts[1:] + [n]
    bag_of = [b for b, (lo, hi) in enumerate(zip(starts, ends)) for _ in range(lo, min(hi, n))]
    seg = tensor(bag_of, dtype=input.dtype, device=input.device)
    keep = None if padding_idx is None else input != (padding_idx % weight.shape[0])
    rows = embedding(input, weight, None, max_norm, norm_type)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.unsqueeze(1)
    if keep is not None:
        rows = rows * keep.unsqueeze(1).to(rows.dtype)
    out = zeros(len(starts), weight.shape[1], dtype=weight.dtype, device=weight.device)
    if mode == "max":
        if keep is not None:
            seg = seg.where(keep, len(starts))  # padding rows go to a bag of their own, dropped below
            out = zeros(len(starts) + 1, weight.shape[1], dtype=weight.dtype, device=weight.device)
        index = seg.unsqueeze(1).expand(-1, weight.shape[1])
        out = out.scatter_reduce(0, index, rows, "amax", include_self=False)
        return out[:len(starts)]
    out = out.index_add(0, seg, rows)
    if mode == "mean":
        ones = input.new_ones(n, dtype=weight.dtype) if keep is None else keep.to(weight.dtype)
        counts = zeros(len(starts), dtype=weight.dtype, device=weight.device).index_add(0, seg, ones)
        out = out / counts.clamp(min=1).unsqueeze(1)
    return out


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _reduction(size_average, reduce, reduction, check=False)
    if weight is not None:
        return _weighted_loss("mse_loss", input, target, weight, reduction)
    return call("mse_loss", input, target, **_kw(reduction=(reduction, "mean")))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _reduction(size_average, reduce, reduction, check=False)
    if weight is not None:
        return _weighted_loss("l1_loss", input, target, weight, reduction)
    return call("l1_loss", input, target, **_kw(reduction=(reduction, "mean")))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    reduction = _reduction(size_average, reduce, reduction, check=False)
    if ignore_index >= 0 and isinstance(input, Tensor) and isinstance(target, Tensor) and input.dim() and \
            target.shape == input.shape and target.dtype.is_floating_point:  # raised at the call, as torch
        raise RuntimeError("ignore_index is not supported for floating point target")
    return call("cross_entropy", input, target, **_kw(weight=(weight, None), ignore_index=(ignore_index, -100),
                                                       reduction=(reduction, "mean"),
                                                       label_smoothing=(label_smoothing, 0.0)))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction, check=False)
    return call("nll_loss", input, target, **_kw(weight=(weight, None), ignore_index=(ignore_index, -100),
                                                  reduction=(reduction, "mean")))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    reduction = _reduction(size_average, reduce, reduction, check=False)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    return call("binary_cross_entropy_with_logits", input, target,
                **_kw(weight=(weight, None), reduction=(reduction, "mean"), pos_weight=(pos_weight, None)))


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction, check=False)
    return call("binary_cross_entropy", input, target, **_kw(weight=(weight, None), reduction=(reduction, "mean")))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    reduction = _reduction(size_average, reduce, reduction, check=False)
    return call("smooth_l1_loss", input, target, **_kw(reduction=(reduction, "mean"), beta=(beta, 1.0)))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    if weight is not None:
        return _weighted_loss("huber_loss", input, target, weight, reduction, mean_by_weight=False, delta=delta)
    return call("huber_loss", input, target, **_kw(reduction=(reduction, "mean"), delta=(delta, 1.0)))


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    reduction = _reduction(size_average, reduce, reduction, check=False)
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


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv("conv3d", input, weight, bias, stride, padding, dilation, groups)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(norm, eps) over ``dim``, built as torch builds it (so the nodes are torch's)."""
    if out is not None:
        raise NotImplementedError("gradwire: normalize(out=...)")
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)


def pad(input, pad, mode="constant", value=None):  # noqa: A002 - torch's names
    if mode != "constant" and value and mode in ("reflect", "replicate", "circular"):
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    return call("pad", input, tuple(pad), **_kw(mode=(mode, "constant"), value=(value, None)))


def _max_pool(op, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    return call(op, input, kernel_size, **_kw(stride=(stride, None), padding=(padding, 0), dilation=(dilation, 1),
                                              ceil_mode=(ceil_mode, False), return_indices=(return_indices, False)))


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool("max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_pool(op, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    return call(op, input, kernel_size, **_kw(stride=(stride, None), padding=(padding, 0), ceil_mode=(ceil_mode, False),
                                              count_include_pad=(count_include_pad, True),
                                              divisor_override=(divisor_override, None)))


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool("avg_pool2d", input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool("avg_pool3d", input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def adaptive_avg_pool2d(input, output_size):
    if isinstance(output_size, (tuple, list)) and input.dim() <= len(output_size):  # torch's _list_with_default
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    return call("adaptive_avg_pool2d", input, output_size)


def _adaptive_sizes(nd: int, input, output_size) -> tuple:
    """``output_size`` as a tuple, with the check of torch's _list_with_default."""
    if isinstance(output_size, (tuple, list)):
        if input.dim() <= len(output_size):
            raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
        return tuple(output_size)
    return (output_size,) * nd


def _nonempty(op: str, input) -> None:
    """The adaptive pools' check: every dim but the first non-empty (an unbatched input's channels may be)."""
    shape = tuple(input.shape)
    for i in range(1, len(shape)):
        if shape[i] == 0:
            raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {_size_list(shape)} with dimension {i} being empty")


def adaptive_avg_pool3d(input, output_size):
    sizes = _adaptive_sizes(3, input, output_size)
    if len(sizes) != 3:
        raise RuntimeError("adaptive_avg_pool3d: output_size must be 3")
    if input.dim() not in (4, 5):
        raise RuntimeError(f"adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got {_size_list(input.shape)}")
    _nonempty("adaptive_avg_pool3d", input)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"adaptive_avg_pool3d_cpu\" not implemented for '{input.dtype._torch_name}'")
    return call("adaptive_avg_pool3d", input, _adaptive_out(sizes, tuple(input.shape)[-3:]))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    return call("batch_norm", input, **_kw(running_mean=(running_mean, None), running_var=(running_var, None),
                                           weight=(weight, None), bias=(bias, None), training=(training, False),
                                           momentum=(momentum, 0.1), eps=(eps, 1e-5)))


# ---- more activations -------------------------------------------------------------------------------
# The fused ones are engine kernels (one node named as torch names it); tanhshrink, softmin and rrelu are
# compositions, as in torch.

def _activation(op: str, input, inplace: bool, *args):
    return call(op + "_" if inplace else op, input, *args)


def _threshold(input, threshold, value, inplace=False):
    return _activation("threshold", input, inplace, threshold, value)


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


def selu(input, inplace=False):
    return _activation("selu", input, inplace)


def selu_(input):
    return selu(input, inplace=True)


def celu(input, alpha=1.0, inplace=False):
    return _activation("celu", input, inplace, alpha)


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


def mish(input, inplace=False):
    return _activation("mish", input, inplace)


def hardswish(input, inplace=False):
    return _activation("hardswish", input, inplace)


def hardsigmoid(input, inplace=False):
    return _activation("hardsigmoid", input, inplace)


def hardshrink(input, lambd=0.5):
    return call("hardshrink", input, lambd)


def softshrink(input, lambd=0.5):
    return call("softshrink", input, lambd)


def glu(input, dim=-1):
    return call("glu", input, dim)


def prelu(input, weight):
    return call("prelu", input, weight)


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
    return softmax(-input, dim, dtype=dtype)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not training:
        return _activation("rrelu_eval", input, inplace, (lower + upper) / 2)
    from .. import empty, float64, ones_like, where  # noqa: PLC0415
    # torch's: one double U(lower, upper) draw per element that is not positive, in order
    negative = input <= 0
    slope = ones_like(input)
    slope[negative] = empty(int(negative.sum()), dtype=float64).uniform_(lower, upper).to(input.dtype)
    out = where(input > 0, input, input * slope)
    return input.copy_(out) if inplace else out


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
    # torch's composite: at::norm(x1 - x2 + eps, p, dim, keepdim) (NormBackward1 over AddBackward1)
    return call("_norm_dim", call("_add_scalar", x1 - x2, eps), p, max(x1.dim(), x2.dim()) - 1, keepdim)


def pdist(input, p=2):
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return call("pdist", input, p)


def _no_grad():
    from ..grad_mode import no_grad  # noqa: PLC0415
    return no_grad()


# ---- normalisation ---------------------------------------------------------------------------------

def _size_list(shape) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """torch's Python checks here; the kernel's own (channels, weight, bias) on the server."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    shape = tuple(input.shape)
    n, c = shape[0], shape[1]
    _verify_batch_size([n * c // num_groups, num_groups] + list(shape[2:]))
    return call("group_norm", input, num_groups, **_kw(weight=(weight, None), bias=(bias, None), eps=(eps, 1e-5)))


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


# ---- 1-d pooling through the 2-d kernels, adaptive max pooling, pixel shuffle ------------------------
# As torch's CPU code does for a 1-d pool: a (…, 1, L) view through the 2-d kernel, squeezed back
# (SqueezeBackward1 on top, as in torch).

def _single(v, op: str = "", arg: str = "") -> int:
    if isinstance(v, (tuple, list)):
        if len(v) != 1:
            raise RuntimeError(f"{op}() argument '{arg}' should contain one int (got {len(v)})")
        return int(v[0])
    return int(v)


def _check_dims_1d(op: str, input) -> None:
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for argument #1 "
                           f"'self' (while checking arguments for {op})")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    if input.dim() not in (2, 3) or (input.dim() == 3 and 0 in tuple(input.shape)[1:]) or \
            (input.dim() == 2 and 0 in tuple(input.shape)):
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{_size_list(input.shape)}")
    k = _single(kernel_size, "max_pool1d", "kernel_size")
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _single(stride)
    p, d = _single(padding), _single(dilation)
    for name, v, low in (("kernel_size", k, 1), ("stride", s, 1), ("padding", p, 0), ("dilation", d, 1)):
        if v < low:
            raise RuntimeError(f"max_pool1d() {name} must be "
                               f"{'non-negative' if low == 0 else 'greater than zero'}, but got {v}")
    if p > k // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={p} and "
                           f"kernel_size={k}")
    length = input.shape[-1]
    span = length + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= length + p:
        out -= 1
    if out < 1:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")
    r = max_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices)
    if return_indices:
        return r[0].squeeze(-2), r[1].squeeze(-2)
    return r.squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    _check_dims_1d("avg_pool1d", input)
    k = _single(kernel_size, "avg_pool1d", "kernel_size")
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _single(stride)
    return avg_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, _single(padding)), ceil_mode,
                      count_include_pad).squeeze(-2)


def adaptive_avg_pool1d(input, output_size):
    _check_dims_1d("adaptive_avg_pool1d", input)
    size = _single(output_size, "adaptive_avg_pool1d", "output_size")
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, size)).squeeze(-2)


def _adaptive_windows(size: int, out: int):
    """torch's adaptive windows: [floor(i*size/out), ceil((i+1)*size/out)) for each output i."""
    return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


def _adaptive_out(sizes, spatial):
    return tuple(s if o is None else int(o) for o, s in zip(sizes, spatial))  # None keeps the input's size


def adaptive_max_pool1d(input, output_size, return_indices=False):
    _check_dims_1d("adaptive_max_pool1d", input)
    size = _single(output_size, "adaptive_max_pool1d", "output_size")
    out, idx = call("adaptive_max_pool2d", input.unsqueeze(-2), (1, size))  # through 2-d, as torch
    return (out.squeeze(-2), idx.squeeze(-2)) if return_indices else out.squeeze(-2)


def _adaptive_max_pool(nd: int, input, output_size, return_indices):
    op = f"adaptive_max_pool{nd}d"
    sizes = _adaptive_sizes(nd, input, output_size)
    if len(sizes) != nd:
        raise RuntimeError(f"{op}(): internal error: output_size.size() must be {nd}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: {_size_list(input.shape)}")
    _nonempty(op, input)
    if nd == 3 and not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"adaptive_max_pool3d_cpu\" not implemented for '{input.dtype._torch_name}'")
    out, idx = call(op, input, _adaptive_out(sizes, tuple(input.shape)[-nd:]))
    return (out, idx) if return_indices else out


def adaptive_max_pool2d(input, output_size, return_indices=False):
    return _adaptive_max_pool(2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    return _adaptive_max_pool(3, input, output_size, return_indices)


def _shuffle_checks(name: str, what: str, factor: int, input) -> None:
    if factor <= 0:
        raise RuntimeError(f"{name} expects a positive {what}, but got {factor}")
    if input.dim() < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")


def pixel_shuffle(input, upscale_factor):
    r = upscale_factor
    _shuffle_checks("pixel_shuffle", "upscale_factor", r, input)
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    return call("pixel_shuffle", input, r)


def channel_shuffle(input, groups):
    """The channels (dim 1) as ``groups`` rows of a matrix, read by columns (ChannelShuffleBackward0)."""
    if input.dim() < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with sizes "
                           f"{_size_list(input.shape)}")
    c = input.shape[1]
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    return call("channel_shuffle", input, groups)



def pixel_unshuffle(input, downscale_factor):
    r = downscale_factor
    _shuffle_checks("pixel_unshuffle", "downscale_factor", r, input)
    *lead, c, h, w = input.shape
    for name, dim, n in (("height", -2, h), ("width", -1, w)):
        if n % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                               f"input.size({dim})={n} is not divisible by {r}")
    return call("pixel_unshuffle", input, r)


# ---- interpolate: checked here, run by the engine's upsample kernels (engine/ops/named.py) ----------------

# the spatial dims of the upsample kernels the engine has (one node each: UpsampleBilinear2DBackward0 ...)
_KERNEL_DIMS = {"nearest": (1, 2, 3), "nearest-exact": (1, 2, 3), "area": (1, 2), "linear": (1,), "bilinear": (2,),
                "bicubic": (2,), "trilinear": (3,)}
_TORCH_DIMS = {**_KERNEL_DIMS, "area": (1, 2, 3), "lanczos": (2,)}  # torch's (the rest: gradwire has not built)
_INTERP_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"


def _aa_filter(mode: str, x: float) -> float:
    x = abs(x)
    if mode == "bilinear":  # triangle
        return 1.0 - x if x < 1.0 else 0.0
    a = -0.5  # bicubic (Keys, a = -0.5)
    if x < 1.0:
        return ((a + 2) * x - (a + 3)) * x * x + 1
    if x < 2.0:
        return (((x - 5) * x + 8) * x - 4) * a
    return 0.0


def _aa_matrix(n_in: int, n_out: int, scale_factor, align_corners: bool, mode: str) -> list:
    """The (n_out, n_in) resampling matrix of an antialiased resize along one dim: each output's filter, widened
    by the scale when shrinking, over the inputs it covers, normalised to sum to 1."""
    if align_corners:
        scale = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    else:
        scale = 1.0 / scale_factor if scale_factor is not None and scale_factor > 0 else n_in / n_out
    half = 1.0 if mode == "bilinear" else 2.0  # half the kernel's width
    support = half * scale if scale >= 1.0 else half
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    rows = []
    for i in range(n_out):
        center = scale * (i + 0.5)
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), n_in)
        w = [_aa_filter(mode, (j - center + 0.5) * invscale) for j in range(lo, hi)]
        total = sum(w)
        row = [0.0] * n_in
        for j, v in zip(range(lo, hi), w):
            row[j] = v / total if total else v
        rows.append(row)
    return rows


def _interpolate_antialiased(input, spatial, out_size, scales, mode, align_corners):
    """interpolate(antialias=True) of a 4-D input: separable resampling, rows then columns, each a matmul by
    the matrix of _aa_matrix (so the gradient follows)."""
    from .. import tensor  # noqa: PLC0415
    if out_size is None:
        out_size = [int(n * sc) for n, sc in zip(spatial, scales)]
    if any(o <= 0 for o in out_size) or any(n <= 0 for n in spatial):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input (H: {spatial[0]}, W: "
                           f"{spatial[1]}) output (H: {out_size[0]}, W: {out_size[1]})")
    factors = scales or [None, None]
    mh, mw = (tensor(_aa_matrix(n, o, f, align_corners, mode), dtype=input.dtype, device=input.device)
              for n, o, f in zip(spatial, out_size, factors))
    return mh.matmul(input).matmul(mw.transpose(0, 1))


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scales = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {spatial} and output size of {size}. Please provide "
                                 "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                                 "format.")
            if not all(isinstance(s, int) for s in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                                f"Tuple[int, int, int], but got size with types {[type(s) for s in size]}")
            out_size = list(size)
        else:
            out_size = [size] * dim
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {spatial} and scale_factor of shape "
                                 f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                                 "scale_factor in (s1, s2, ...,sK) format.")
            scales = list(scale_factor)
        else:
            scales = [scale_factor] * dim
        out_size = None
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and out_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        out_size = [int(n * s) for n, s in zip(spatial, scales)]
        scales = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                         "tensor as input")
    wants = {"linear": 3, "bilinear": 4, "trilinear": 5}
    if mode in wants and input.dim() in (3, 4, 5) and input.dim() != wants[mode]:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {wants[mode]}D input")
    if mode == "area" and input.dim() == 5 and not antialias:  # (the engine's 3-d kernel: extra_ops2.interpolate)
        return _interpolate_kernel(input, spatial, out_size, scales, mode, align_corners)
    if antialias and mode in ("bilinear", "bicubic") and input.dtype.is_floating_point:
        return _interpolate_antialiased(input, spatial, out_size, scales, mode, align_corners)
    if input.dim() not in (3, 4, 5) or mode not in _KERNEL_DIMS or antialias \
            or input.dim() - 2 not in _KERNEL_DIMS[mode]:
        if input.dim() - 2 in _TORCH_DIMS.get(mode, ()) or antialias:
            raise NotImplementedError(f"gradwire: interpolate mode={mode!r} for {input.dim()}D input"
                                      + (" with antialias" if antialias else ""))
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for "
                                  f"the modes: {_INTERP_MODES} (got {mode})")
    if out_size is None:
        out_size = [int(n * s) for n, s in zip(spatial, scales)]
    if any(o <= 0 for o in out_size) or any(n <= 0 for n in spatial):
        names = ("D", "H", "W")[3 - dim:]
        given = ", ".join(f"{a}: {n}" for a, n in zip(names, spatial))
        wanted = ", ".join(f"{a}: {n}" for a, n in zip(names, out_size))
        joint = " and" if dim == 1 else ""  # torch's 1-d and 2-d kernels word it differently
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({given}){joint} output "
                           f"({wanted})")
    if not input.dtype.is_floating_point:
        kernel = {("linear", 1): "compute_indices_weights_linear", ("bilinear", 2): "upsample_bilinear2d_channels_last",
                  ("area", 1): "adaptive_avg_pool2d", ("area", 2): "adaptive_avg_pool2d",
                  ("bicubic", 2): "compute_indices_weights_cubic", ("trilinear", 3): "compute_indices_weights_linear",
                  ("nearest", 3): "compute_indices_weights_nearest",
                  ("nearest-exact", 3): "compute_indices_weights_nearest"}.get(
            (mode, dim), "compute_indices_weights_nearest" if dim == 1 else "upsample_nearest2d_channels_last")
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype._torch_name.capitalize()}'")
    if mode == "area":
        return adaptive_avg_pool1d(input, out_size) if dim == 1 else adaptive_avg_pool2d(input, out_size)
    return call("upsample", input, out_size, scales, mode, align_corners)


def _upsample_warning(name: str) -> None:
    import warnings  # noqa: PLC0415
    warnings.warn(f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=3)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
    _upsample_warning("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor)


def upsample_nearest(input, size=None, scale_factor=None):
    _upsample_warning("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    _upsample_warning("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---- more losses, composed as torch's ATen composites compose them ----------------------------------------

def _reduction(size_average, reduce, reduction: str, check: bool = True) -> str:
    """torch's _Reduction: the deprecated size_average/reduce pair (with its warning), else ``reduction``."""
    if size_average is not None or reduce is not None:
        import warnings  # noqa: PLC0415
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
                      "instead.", stacklevel=3)
    if check and reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction: str):
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return _reduce(call("_add_scalar", -target * (input1 - input2), margin).clamp_min_(0), reduction)  # AddBackward1


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    from .. import where, zeros_like  # noqa: PLC0415
    reduction = _reduction(size_average, reduce, reduction)
    zeros = zeros_like(input)
    margin_clamp = (margin - input).clamp_min_(0)
    out = where(target != 1, margin_clamp, zeros) + where(target != -1, input, zeros)
    return _reduce(out, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    return call("soft_margin_loss", input, target, **_kw(reduction=(reduction, "mean")))


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction, check=False)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.shape[class_dim]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    from .. import where, zeros_like  # noqa: PLC0415
    reduction = _reduction(size_average, reduce, reduction)
    d = target.dim()
    if d not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if (input1.dim(), input2.dim()) != (d + 1, d + 1):
        raise RuntimeError(f"{d}D target tensor expects {d + 1}D input tensors, but found inputs with sizes "
                           f"{_size_list(input1.shape)} and {_size_list(input2.shape)}.")
    eps = 1e-12
    prod_sum = (input1 * input2).sum(d)
    mag1 = (input1 * input1).sum(d) + eps
    mag2 = (input2 * input2).sum(d) + eps
    cos = prod_sum / (mag1 * mag2).sqrt_()
    zeros = zeros_like(cos)
    out = where(target == 1, 1 - cos, zeros) + where(target == -1, (cos - margin).clamp_min_(0), zeros)
    return _reduce(out, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Per sample, sum over its target classes j (``target``'s row up to the first -1) and the other
    classes i of max(0, 1 - x[j] + x[i]), divided by the number of classes."""
    from .. import arange  # noqa: PLC0415
    reduction = _reduction(size_average, reduce, reduction)
    single = input.dim() <= 1
    x = input.reshape(1, -1) if single else input
    t = target.reshape(1, -1) if single else target
    if t.shape != x.shape:
        raise RuntimeError(f"inconsistent target size: {_size_list(target.shape)} for input of size: "
                           f"{_size_list(input.shape)}")
    classes = x.shape[1]
    valid = (t != -1).long().cumprod(1).bool()  # the targets before the first -1
    idx = t.clamp(min=0)
    is_target = ((idx.unsqueeze(2) == arange(classes, device=x.device)) & valid.unsqueeze(2)).any(1)
    gaps = (1 - x.gather(1, idx).unsqueeze(2) + x.unsqueeze(1)).clamp(min=0)
    loss = (gaps * (valid.unsqueeze(2) & ~is_target.unsqueeze(1))).sum((1, 2)) / classes
    return _reduce(loss.reshape(()) if single else loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    from .. import arange  # noqa: PLC0415
    reduction = _reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    nd = input.dim()
    shape = tuple(input.shape)
    if not ((nd == 2 and shape[1] != 0) or (nd == 1 and shape[0] != 0) or nd == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{_size_list(shape)}")
    nframe, dim = (shape[0], shape[1]) if nd == 2 else (1, shape[0] if nd == 1 else 1)
    if target.dim() > 1 or target.numel() != nframe:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{nframe}], but got "
                           f"{_size_list(target.shape)}. Input has shape {_size_list(shape)}.")
    if weight is not None and weight.numel() != dim:
        raise RuntimeError(f"inconsistent weight size, expected {dim} but got {_size_list(weight.shape)}")
    loss = call("multi_margin_loss", input.reshape(nframe, dim), target.reshape(nframe), p, margin, weight,
                reduction)
    if reduction == "none" and nd < 2 and target.dim() == 0:
        return loss.reshape(())
    return loss


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(dims)) != 1:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D "
                           "inputs")
    from .. import minimum  # noqa: PLC0415
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = minimum(dist_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + dist_pos - dist_neg).clamp_min(0), reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    from .. import ones_like  # noqa: PLC0415
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * ones_like(input)
    elif (var < 0).any():
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape)[:-1] == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.dim() == var.dim() and sum(b for a, b in zip(input.shape, var.shape) if a != b) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with _no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ---- transposed convolution: the convolution of the zero-stuffed input with the flipped kernel -----------
# The top node is the convolution's (ConvolutionBackward0), as torch's.

def _tuple(v, n: int) -> tuple:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _stuff(x, d: int, s: int):
    """(s - 1) zeros between the elements of ``x`` along dim ``d``."""
    from .. import cat, zeros  # noqa: PLC0415
    n = x.shape[d]
    if s == 1 or n == 0:
        return x
    shape = list(x.shape)
    grown = x.unsqueeze(d + 1)
    gap = zeros(*shape[:d + 1], s - 1, *shape[d + 1:], dtype=x.dtype, device=x.device)
    out = cat([grown, gap], d + 1).reshape(*shape[:d], n * s, *shape[d + 1:])
    return out.narrow(d, 0, (n - 1) * s + 1)


def _conv_transpose(nd: int, input, weight, bias, stride, padding, output_padding, groups, dilation):
    name = f"conv_transpose{nd}d"
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input of "
                           f"size: {_size_list(input.shape)}")
    unbatched = input.dim() == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    stride, padding = _tuple(stride, nd), _tuple(padding, nd)
    output_padding, dilation = _tuple(output_padding, nd), _tuple(dilation, nd)
    wshape = tuple(weight.shape)
    if wshape[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                           f"weight of size {_size_list(wshape)} instead")
    if wshape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{_size_list(wshape)}] instead")
    if x.shape[1] != wshape[0]:
        shown = _size_list(x.shape)
        raise RuntimeError(f"Given transposed=1, weight of size {_size_list(wshape)}, expected input{shown} to have "
                           f"{wshape[0]} channels, but got {x.shape[1]} channels instead")
    out_channels = wshape[1] * groups
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(f"Given transposed=1, weight of size {_size_list(wshape)}, expected bias to be "
                           f"1-dimensional with {out_channels} elements, but got bias of size "
                           f"{_size_list(bias.shape)} instead")
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        names = ("depth", "height", "width")[3 - nd:]

        def listed(label, values):
            return " ".join(f"{label}_{n}: {v}" for n, v in zip(names, values))
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got "
                           f"{listed('output_padding', output_padding)} {listed('stride', stride)} "
                           f"{listed('dilation', dilation)}")
    if x.dtype is not weight.dtype:  # torch's transposed kernels check the weight before the bias
        raise RuntimeError(f"expected scalar type {x.dtype._torch_name} but found {weight.dtype._torch_name}")
    kernel = wshape[2:]
    sizes = [(n - 1) * s - 2 * p + d * (k - 1) + op + 1
             for n, s, p, d, k, op in zip(x.shape[2:], stride, padding, dilation, kernel, output_padding)]
    if any(o < 0 for o in sizes) or all(o < 1 for o in sizes):  # torch allows some, not all, sizes of 0
        raise RuntimeError(f"Given input size per channel: ({' x '.join(str(n) for n in x.shape[2:])}). Calculated "
                           f"output size per channel: ({' x '.join(str(o) for o in sizes)}). Output size is too small")
    if 0 in sizes:
        from .. import zeros  # noqa: PLC0415
        out = zeros(x.shape[0], out_channels, *sizes, dtype=x.dtype, device=x.device)
        # an empty result, still in the inputs' graph (adding empty sums changes nothing)
        for t in (x, weight) if bias is None else (x, weight, bias):
            out = out + t.reshape(-1)[:0].sum()
        return out.squeeze(0) if unbatched else out
    for i in range(nd):
        d = 2 + i
        x = _stuff(x, d, stride[i])
        lo = dilation[i] * (kernel[i] - 1) - padding[i]
        hi = lo + output_padding[i]
        if lo < 0 or hi < 0:  # more padding than the kernel reaches: crop instead
            x = x.narrow(d, max(-lo, 0), x.shape[d] - max(-lo, 0) - max(-hi, 0))
        if lo > 0 or hi > 0:
            pads = [0, 0] * nd
            pads[2 * (nd - 1 - i)], pads[2 * (nd - 1 - i) + 1] = max(lo, 0), max(hi, 0)
            x = pad(x, tuple(pads))
    # (in, out/g, k...) -> (out, in/g, k...), flipped in space
    cin = wshape[0]
    w = weight.reshape(groups, cin // groups, wshape[1], *kernel).transpose(1, 2)
    w = w.reshape(out_channels, cin // groups, *kernel).flip(list(range(2, 2 + nd)))
    conv = {1: conv1d, 2: conv2d, 3: conv3d}[nd]
    out = conv(x, w, bias, 1, 0, dilation, groups)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups, dilation)


# ---- unfold (im2col) and fold (col2im): a gather of the padded input, and its scatter-add --------------

def _pair_list(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _check_window_args(kernel, dilation, padding, stride) -> None:
    for name, v, words, low in (("kernel size", kernel, ("kernel_height", "kernel_width"), 1),
                                ("stride", stride, ("stride_height", "stride_width"), 1),
                                ("padding", padding, ("pad_height", "pad_width"), 0),
                                ("dilation", dilation, ("dilation_height", "dilation_width"), 1)):
        if min(v) < low:
            rule = "be non-negative" if low == 0 else "be greater than zero"
            raise RuntimeError(f"{name} should {rule}, but got {words[0]}: {v[0]} {words[1]}: {v[1]}")


def _blocks(size, kernel, dilation, padding, stride):
    """The number of sliding blocks along each of the two spatial dims."""
    return [(n + 2 * p - (d * (k - 1) + 1)) // s + 1 for n, k, d, p, s in zip(size, kernel, dilation, padding, stride)]


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    kernel, dilation, padding, stride = (_pair_list(v) for v in (kernel_size, dilation, padding, stride))
    _check_window_args(kernel, dilation, padding, stride)
    nd = input.dim()
    if 1 <= nd < 3:  # torch reads the spatial dims (nd - 2, nd - 1) first
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {nd})")
    if nd not in (3, 4) or 0 in tuple(input.shape)[nd - 3:]:
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {_size_list(input.shape)}")
    x = input.unsqueeze(0) if nd == 3 else input
    size = tuple(x.shape[2:])
    blocks = _blocks(size, kernel, dilation, padding, stride)
    if min(blocks) < 1:
        raise RuntimeError(f"Given input with spatial size {size}, kernel_size={kernel}, dilation={dilation}, "
                           f"padding={padding}, calculated shape of the array of sliding blocks as "
                           f"({blocks[0]}, {blocks[1]}), but its components must be at least one.")
    return call("im2col", input, kernel, dilation, padding, stride)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    size, kernel, dilation, padding, stride = (_pair_list(v) for v in (output_size, kernel_size, dilation, padding,
                                                                        stride))
    _check_window_args(kernel, dilation, padding, stride)
    if input.dim() not in (2, 3) or 0 in tuple(input.shape)[input.dim() - 2:]:
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {_size_list(input.shape)}")
    x = input.unsqueeze(0) if input.dim() == 2 else input
    k = kernel[0] * kernel[1]
    if x.shape[1] % k:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={x.shape[1]} and kernel_size={kernel}.")
    blocks = _blocks(size, kernel, dilation, padding, stride)
    if min(blocks) < 1 or blocks[0] * blocks[1] != x.shape[2]:
        raise RuntimeError(f"Given output_size={size}, kernel_size={kernel}, dilation={dilation}, padding={padding}, "
                           f"stride={stride}, expected size of input's dimension 2 to match the calculated number of "
                           f"sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
                           f"input.size(2)={x.shape[2]}.")
    return call("col2im", input, size, kernel, dilation, padding, stride)


# ---- attention -------------------------------------------------------------------------------------

def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(q k^T * scale + mask) v, as torch's reference math composes it."""
    from gradwire.common import dtypes as _dt  # noqa: PLC0415
    from .. import ones, zeros  # noqa: PLC0415
    L, S = query.shape[-2], key.shape[-2]
    factor = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    bias = None
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               "is_causal=True")
        causal = ones(L, S, dtype=_dt.bool_, device=query.device).tril(0)
        bias = zeros(L, S, dtype=query.dtype, device=query.device).masked_fill(causal.logical_not(), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype is _dt.bool_:
            bias = zeros(attn_mask.shape, dtype=query.dtype, device=query.device).masked_fill(
                attn_mask.logical_not(), float("-inf"))
        else:
            bias = attn_mask
    if enable_gqa:
        key = key.repeat_interleave(query.shape[-3] // key.shape[-3], -3)
        value = value.repeat_interleave(query.shape[-3] // value.shape[-3], -3)
    weight = query @ key.transpose(-2, -1) * factor
    if bias is not None:
        weight = weight + bias
    weight = softmax(weight, -1)
    if dropout_p > 0.0:
        weight = dropout(weight, dropout_p, True)
    return weight @ value


def _canonical_mask(mask, mask_name: str, other_type, other_name: str, target_type, check_other: bool = True):
    """torch's _canonical_mask: a bool mask becomes 0 / -inf in ``target_type``; a float mask is kept."""
    if mask is None:
        return None
    from gradwire.common import dtypes as _dt  # noqa: PLC0415
    from .. import zeros_like  # noqa: PLC0415
    if mask.dtype is not _dt.bool_ and not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype is not other_type:
        import warnings  # noqa: PLC0415
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both "
                      "instead.", stacklevel=3)
    if mask.dtype is _dt.bool_:
        return zeros_like(mask, dtype=target_type).masked_fill(mask, float("-inf"))
    return mask


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """torch's multi_head_attention_forward (sequence-first inputs, or unbatched ones), step for step."""
    from .. import cat, zeros  # noqa: PLC0415
    if static_k is not None or static_v is not None:
        raise NotImplementedError("gradwire: multi_head_attention_forward with static_k / static_v")
    batched = query.dim() == 3
    if query.dim() not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D "
                             f"query tensor")
    if key.dim() != query.dim() or value.dim() != query.dim():
        kind = "batched (3-D)" if batched else "unbatched (2-D)"
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be {query.dim()}-D but found "
                             f"{key.dim()}-D and {value.dim()}-D tensors respectively")
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       None if attn_mask is None else attn_mask.dtype, "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the causal hint alone reaches scaled_dot_product_attention
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                                 f"{value.shape[:2]}")
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
    if use_separate_proj_weight:
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = linear(query, q_proj_weight, b_q), linear(key, k_proj_weight, b_k), linear(value, v_proj_weight, b_v)
    elif key is value and query is key:
        proj = linear(query, in_proj_weight, in_proj_bias)
        proj = proj.reshape(*proj.shape[:-1], 3, embed_dim).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
        q, k, v = proj[0], proj[1], proj[2]
    else:
        w_q, w_k, w_v = in_proj_weight.chunk(3)
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.size()}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.size()}, but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    if bias_k is not None and bias_v is not None:
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = k.view(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    v = v.view(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if add_zero_attn:
        k = cat([k, zeros(bsz * num_heads, 1, head_dim, dtype=k.dtype, device=k.device)], dim=1)
        v = cat([v, zeros(bsz * num_heads, 1, head_dim, dtype=v.dtype, device=v.device)], dim=1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                                 f"{key_padding_mask.shape}")
        key_padding_mask = key_padding_mask.view(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1).reshape(
            bsz * num_heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0
    if need_weights:
        q_scaled = q * math.sqrt(1.0 / float(head_dim))
        weights = q_scaled.bmm(k.transpose(-2, -1))
        if attn_mask is not None:
            weights = attn_mask + weights  # baddbmm(attn_mask, q, k^T)
        weights = softmax(weights, dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        out = weights.bmm(v).transpose(0, 1).contiguous().view(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, embed_dim)
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        attn_mask = attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 and attn_mask.dim() == 3 else \
            attn_mask.view(bsz, num_heads, -1, src_len)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).contiguous().view(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, embed_dim)
    return (out if batched else out.squeeze(1)), None


# ---- interpolate's engine kernels (engine/ops/extra_ops2.py): bicubic (4-d), the 5-d modes ----------------
_KERNEL_MODES = ("nearest", "nearest-exact", "area", "trilinear")


def _interpolate_kernel(input, spatial, out_size, scales, mode, align_corners):
    from .. import _dispatch  # noqa: PLC0415
    if mode == "bicubic" and input.dim() != 4:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for "
                                  f"the modes: {_INTERP_MODES} (got {mode})")
    if out_size is None:
        out_size = [int(n * s) for n, s in zip(spatial, scales)]
    if any(o <= 0 for o in out_size) or any(n <= 0 for n in spatial):
        names = ("D", "H", "W")[-len(spatial):]
        given = ", ".join(f"{a}: {n}" for a, n in zip(names, spatial))
        wanted = ", ".join(f"{a}: {n}" for a, n in zip(names, out_size))
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({given}) output "
                           f"({wanted})")
    if not input.dtype.is_floating_point:
        kernel = {"bicubic": "compute_indices_weights_cubic", "trilinear": "compute_indices_weights_linear",
                  "area": "adaptive_avg_pool3d_cpu"}.get(mode, "compute_indices_weights_nearest")
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype._torch_name.capitalize()}'")
    return _dispatch.call("interpolate", input, [int(o) for o in out_size],
                          None if scales is None else [float(x) for x in scales], mode, bool(align_corners))


# ----- composites: gumbel_softmax, lp_pool, max_unpool, channel_shuffle, triplet loss with a distance ------


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + Gumbel noise) / tau); ``hard``: the one-hot of its argmax, with the soft
    sample's gradient (straight-through)."""
    import warnings  # noqa: PLC0415
    from .. import empty_like, zeros_like  # noqa: PLC0415
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -empty_like(logits).exponential_().log()  # -log(Exp(1)) draws
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, pool, window: int):
    out = pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * relu(out.abs())).mul(window).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, avg_pool1d, kernel_size)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, avg_pool2d, kh * kw)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kd, kh, kw = (kernel_size,) * 3 if isinstance(kernel_size, int) else kernel_size
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, avg_pool3d, kd * kh * kw)


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, nd: int):
    def tup(v):
        return (v,) * nd if isinstance(v, int) else tuple(v)
    kernel = tup(kernel_size)
    stride = kernel if stride is None else tup(stride)
    padding = tup(padding)
    default = [(input.shape[-nd + d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(nd)]
    if output_size is None:
        size = default
    else:
        size = list(output_size)
        if len(size) == nd + 2:
            size = size[2:]
        if len(size) != nd:
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has a "
                             f"length of '{len(size)}'")
        for d in range(nd):
            lo, hi = default[d] - stride[d], default[d] + stride[d]
            if not lo < size[d] < hi:
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {lo} and {hi})')
    if nd == 1:  # through the 2-d kernel, as torch (SqueezeBackward1 on top)
        return call("max_unpool2d", input.unsqueeze(-2), indices.unsqueeze(-2), (1, size[0])).squeeze(-2)
    return call(f"max_unpool{nd}d", input, indices, tuple(size))


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool1d: each value back at the index it came from, zeros elsewhere."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool1d(input, output_size, return_indices=True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool2d(input, output_size, return_indices=True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool3d(input, output_size, return_indices=True)


native_channel_shuffle = channel_shuffle


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    from .. import minimum  # noqa: PLC0415
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(dims)) != 1:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D "
                           "inputs")
    distance = pairwise_distance if distance_function is None else distance_function
    dist_pos, dist_neg = distance(anchor, positive), distance(anchor, negative)
    if swap:
        dist_neg = minimum(dist_neg, distance(positive, negative))
    return _reduce((margin + dist_pos - dist_neg).clamp_min(0), reduction)


# ---- grid_sample / affine_grid, ctc_loss, fractional max pooling (_gridctc.py) ----------------------------
from ._gridctc import (affine_grid, ctc_loss, fractional_max_pool2d, fractional_max_pool2d_with_indices,  # noqa: E402
                       grid_sample)
