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
