"""gradwire.engine: PyTorch-style autograd on numpy (cupy later). No gRPC in here.

A torch-like namespace: ``Tensor``, creation functions, ops, grad modes,
random seeding, dtypes, ``autograd`` and the wire op registry ``OPS``.
"""
from gradwire.common.dtypes import (DType, bool_, float16, float32, float64, int8, int16, int32, int64, layout, strided,
                                     uint8)

from . import backend
from .tensor import Tensor  # first: tensor.py pulls in the op modules
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .random import (Generator, current_generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
                     set_rng_state, use_generator)
from .ops import OPS
from .ops.arith import add, div, exp, log, mul, neg, pow, reciprocal, rsub, sub
from .ops.creation import (from_numpy, full, full_like, ones, ones_like, randn, randn_like, tensor, zeros,
                           zeros_like)
from .ops.inplace import zero_
from .ops.linalg import matmul, mm
from .ops.reduce import mean, sum
from .ops.shape import clone, detach, expand, permute, reshape, t, transpose, view
from . import autograd
from .autograd import ENGINE_EXPORTS as _AUTOGRAD_EXPORTS
from .autograd import detect_anomaly, set_detect_anomaly  # noqa: F401 - torch.autograd's, also at top level here

globals().update({_name: getattr(autograd, _name) for _name in _AUTOGRAD_EXPORTS})
from .ops import EXTENSION_MODULES as _EXTENSIONS
from .ops import install as _install
from . import nn, optim
from .nn import lstm as _lstm
from .autograd import forward_ad as _forward_ad

# kernels: on the wire, not in this namespace
for _module in (nn.functional, nn.extra_functional, nn.conv, _lstm, optim, _forward_ad):
    _install(_module)

for _module in _EXTENSIONS:
    globals().update({_name: getattr(_module, _name) for _name in _module.__all__})

true_divide = div
float = float32  # noqa: A001 - torch's aliases
double = float64
half = float16
short = int16
long = int64
int = int32  # noqa: A001
bool = bool_  # noqa: A001


def result_type(a, b):
    """torch.result_type over tensors and Python scalars."""
    from gradwire.common.dtypes import result_type as _rt
    from .ops._util import operand_meta
    return _rt(operand_meta(a), operand_meta(b))


def is_tensor(obj) -> "bool_":
    return isinstance(obj, Tensor)


def numel(input) -> int:
    return input.numel()


def is_floating_point(input) -> bool:
    return input.is_floating_point()


def broadcast_to(input, size):
    return input.expand(size)


def count_nonzero(input, dim=None):
    return input.count_nonzero(dim)


__all__ = [
    "Tensor", "DType", "Function", "OPS", "autograd", "backend",
    "tensor", "from_numpy", "zeros", "ones", "full", "zeros_like", "ones_like", "full_like", "randn", "randn_like",
    "add", "sub", "rsub", "mul", "div", "true_divide", "neg", "pow", "exp", "log", "reciprocal",
    "sum", "mean", "matmul", "mm", "reshape", "view", "expand", "t", "transpose", "permute", "clone", "detach",
    "zero_", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "Generator", "default_generator", "manual_seed", "seed", "initial_seed", "use_generator", "current_generator",
    "get_rng_state", "set_rng_state",
    "float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64", "bool_", "float", "double", "half",
    "short", "long", "int", "bool",
    "result_type", "is_tensor", "numel", "is_floating_point", "broadcast_to", "count_nonzero", "layout", "strided",
] + [_name for _module in _EXTENSIONS for _name in _module.__all__] + _AUTOGRAD_EXPORTS
del _module
