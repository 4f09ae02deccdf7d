"""gradwire: PyTorch-style autograd as a gRPC service.

``import gradwire as torch``: tensors are handles to a server's tensors, and
autograd runs there. Connect with ``GRADWIRE_ADDRESS=host:port`` (plus
``GRADWIRE_TOKEN`` when the server requires an API key) or
``gradwire.connect(address, token)``; with neither, an embedded server starts
in this process on first use.
"""
import builtins as _builtins
import math as _math

from gradwire.common.dtypes import bool_ as bool  # noqa: A001 - torch.bool
from gradwire.common.dtypes import bfloat16, complex64, complex128, float16, float32, float64, int8, int16, int32, int64, layout, strided, uint8
from gradwire.common.formatting import get_printoptions, set_printoptions
from gradwire.common.shapes import Size

from ._creation import (Generator, arange, bernoulli, default_generator, empty, empty_like, eye, from_numpy, full,
                        full_like, get_rng_state, initial_seed, linspace, manual_seed, multinomial, ones, ones_like,
                        rand, rand_like, randint, randn, randn_like, randperm, seed, set_rng_state, tensor, zeros,
                        zeros_like)
from ._creation import LEGACY_TYPES as _LEGACY_TYPES, randint_like, set_default_tensor_type
globals().update(_LEGACY_TYPES)  # torch.FloatTensor, torch.LongTensor ...
from .storage import LEGACY_STORAGE_TYPES as _LEGACY_STORAGE_TYPES, TypedStorage, UntypedStorage, is_storage  # noqa: E402
globals().update(_LEGACY_STORAGE_TYPES)  # torch.FloatStorage ...
from gradwire.common.dtypes import DType as dtype  # noqa: E402 - isinstance(x, torch.dtype)
from gradwire.common.dtypes import as_dtype as _as_dtype  # noqa: E402
from gradwire.common.memory_formats import (channels_last, channels_last_3d, contiguous_format,  # noqa: E402
                                            memory_format, preserve_format)
from ._dispatch import call as _call
from ._dispatch import connect, disconnect, set_sync, stats, synchronize
from .errors import GradwireError, OutOfMemoryError
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                        set_grad_enabled)
from .tensor import Node, Tensor, device
from .tensor import _viewing
from .serialization import load, save
from ._compose import (column_stack, diff, hstack, isclose, logspace, meshgrid, movedim, narrow, repeat_interleave,
                       tensor_split, tril_indices, triu_indices, vstack, row_stack)
from ._compose import (aminmax, atleast_1d, atleast_2d, atleast_3d, bucketize,
                       cartesian_prod, chain_matmul, combinations, corrcoef, cov, cumulative_trapezoid, diagflat, dist,
                       dsplit, dstack, fliplr, flipud, histc, hsplit, inner, is_nonzero,
                       ravel, searchsorted, select, take_along_dim, tensordot, tile, trapezoid, unflatten,
                       vsplit)
from gradwire.common.dtypes import can_cast, finfo, iinfo  # noqa: E402
moveaxis = movedim
trapz = trapezoid
e, pi, inf, nan, newaxis = _math.e, _math.pi, _math.inf, _math.nan, None

__version__ = "0.1.0"

float = float32  # noqa: A001 - torch.float
double = float64
half = float16
short = int16
long = int64
int = int32  # noqa: A001 - torch.int


def _op(name):
    def fn(*args, **kwargs):
        return _call(name, *args, **kwargs)
    fn.__name__ = name
    fn.__qualname__ = name
    fn.__doc__ = f"torch.{name}, run on the server."
    return fn


# torch.<name>(...) functions that are the op of the same name.
for _name in (
        "add", "sub", "mul", "div", "neg", "pow", "abs", "sign", "exp", "expm1", "log", "log1p", "log2", "log10",
        "exp2", "erf", "atan2", "arctan2", "hypot", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu",
        "floor", "ceil", "round", "clamp", "clip",
        "maximum", "minimum", "where", "reciprocal", "eq", "ne", "lt", "le", "gt", "ge", "logical_and",
        "logical_or", "logical_xor", "logical_not", "isnan", "isinf", "isfinite", "sum", "prod", "mean", "amax",
        "amin", "argmax", "argmin", "all", "any", "logsumexp", "var", "std", "cumsum", "reshape",
        "flatten", "transpose", "t", "permute", "squeeze", "unsqueeze", "cat", "stack", "split", "chunk",
        "unbind", "flip", "rot90",
        "tril", "triu", "index_select", "gather", "scatter_add", "masked_fill", "matmul", "mm", "mv", "bmm", "dot",
        "outer", "vdot", "addmv", "addr", "baddbmm", "addbmm",
        "clone", "detach", "softmax", "log_softmax", "clamp_min", "clamp_max", "remainder",
        "floor_divide", "scatter", "index_add", "index_fill", "masked_select", "take", "argwhere",
        "diag", "diag_embed", "trace", "cross", "kron", "lerp", "addmm", "addcmul", "addcdiv", "sgn",
        "trunc", "fix", "frac", "matrix_power", "matrix_exp", "cholesky_solve",
        "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan", "arcsinh",
        "arccosh", "arctanh", "lgamma", "digamma", "polygamma", "erfinv", "i0", "sinc", "logit", "nan_to_num",
        "xlogy", "logaddexp", "logaddexp2", "fmod", "copysign", "heaviside", "float_power", "nansum", "nanmean",
        "deg2rad", "rad2deg", "var_mean", "std_mean", "logdet", "cdist", "erfc", "mvlgamma", "ldexp", "fmax", "fmin",
        "isposinf", "isneginf", "signbit", "logcumsumexp",
        "nextafter"):
    globals()[_name] = _op(_name)
for _name in ("reshape", "flatten", "transpose", "t", "permute", "squeeze", "unsqueeze", "split", "chunk",
              "unbind", "diagonal"):
    globals()[_name] = _viewing(_name)  # torch.transpose(x, ...) is a view of x, like x.transpose(...)
del _name
concat = cat  # noqa: F821 - defined by the loop above


# torch's other names for the same functions (NumPy's and the Array API's spellings)
for _alias, _name in {"absolute": "abs", "negative": "neg", "subtract": "sub", "multiply": "mul", "divide": "div",
                      "true_divide": "div", "greater": "gt", "greater_equal": "ge", "less": "lt", "less_equal": "le",
                      "not_equal": "ne", "swapaxes": "transpose", "swapdims": "transpose"}.items():
    globals()[_alias] = globals()[_name]
del _alias, _name


def result_type(tensor, other):
    """torch.result_type of two operands (tensors or Python numbers)."""
    from gradwire.common import dtypes as _dtypes  # noqa: PLC0415
    return _dtypes.result_type(*[(t.dtype, t.dim()) if isinstance(t, Tensor) else t for t in (tensor, other)])


def promote_types(type1, type2):
    from gradwire.common import dtypes as _dtypes  # noqa: PLC0415
    _dtypes.check_dtype_args("promote_types", type1=type1, type2=type2)
    return _dtypes.promote_types(type1, type2)


def numel(input) -> int:
    return input.numel()


def is_floating_point(input) -> bool:
    return input.is_floating_point()


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """torch.normal(mean, std, size): a fresh tensor drawn on the server (float mean and std)."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        if size is not None or dtype is not None or device is not None or requires_grad:
            got = ", ".join(type(v).__name__ for v in (mean, std)) + (", size=tuple" if size is not None else "")
            raise TypeError(f"normal() received an invalid combination of arguments - got ({got}), but expected "
                            "(Tensor mean, Tensor std), (Tensor mean, float std) or (float mean, Tensor std)")
        from ._creation import _generator_kw  # noqa: PLC0415
        return _call("normal", mean, std, **_generator_kw({}, generator))
    if size is None:
        raise TypeError("normal() received an invalid combination of arguments - got (float, float), but "
                        "expected (float mean, float std, tuple of ints size)")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    out = empty(size, dtype=dtype, device=device)
    with no_grad():
        out.normal_(mean, std, generator=generator)
    return out.requires_grad_(requires_grad) if requires_grad else out


def broadcast_to(input, size):
    return input.expand(size)


def count_nonzero(input, dim=None):
    return input.count_nonzero(dim)

true_divide = div  # noqa: F821


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm: vector norms on the server; p='nuc' is torch.linalg.matrix_norm's nuclear norm."""
    if isinstance(p, str) and p == "nuc":
        from .linalg import _nuclear_norm  # noqa: PLC0415
        return _nuclear_norm(input, dim, keepdim, dtype)
    kwargs = {k: v for k, v in (("out", out), ("dtype", dtype)) if v is not None}
    return _call("norm", input, p, dim, keepdim, **kwargs)


def inverse(input):
    if not isinstance(input, Tensor):
        raise TypeError(f"inverse(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input.inverse()


def det(input):
    if not isinstance(input, Tensor):
        raise TypeError(f"det(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input.det()


def slogdet(input):
    if not isinstance(input, Tensor):
        raise TypeError(f"slogdet(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input.slogdet()


def max(input, dim=None, keepdim=False):  # noqa: A001 - torch.max
    return input.max(dim, keepdim)


def min(input, dim=None, keepdim=False):  # noqa: A001 - torch.min
    return input.min(dim, keepdim)


def sort(input, dim=-1, descending=False, stable=False):
    return input.sort(dim, descending, stable)


def argsort(input, dim=-1, descending=False, stable=False):
    return input.argsort(dim, descending, stable)


def msort(input):
    return input.msort()


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - torch's name
    return input.topk(k, dim, largest, sorted)


def kthvalue(input, k, dim=-1, keepdim=False):
    return input.kthvalue(k, dim, keepdim)


def mode(input, dim=-1, keepdim=False):
    return input.mode(dim, keepdim)


def median(input, dim=None, keepdim=False):
    return input.median(dim, keepdim)


def nonzero(input, *, as_tuple=False):
    return input.nonzero(as_tuple=as_tuple)


def einsum(equation, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return _call("einsum", equation, *operands)


def cumprod(input, dim=None, *, dtype=None):
    return input.cumprod(dim, dtype=dtype)


def cummax(input, dim=None):
    return input.cummax(dim)


def cummin(input, dim=None):
    return input.cummin(dim)


def roll(input, shifts=None, dims=None):
    return input.roll(shifts, dims)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    return input.unique(sorted, return_inverse, return_counts, dim)


def bincount(input, weights=None, minlength=0):
    return input.bincount(weights, minlength)


_UNSET = object()


def where(condition, input=_UNSET, other=_UNSET):
    if input is _UNSET and other is _UNSET:  # where(condition): a tuple of index tensors, one per dim
        if isinstance(condition, Tensor) and condition.dim() == 0:  # (torch reads a 0-d condition as 1-d)
            condition = condition.reshape(1)
        out = _call("where", condition)
        return out if isinstance(out, tuple) else (out,)
    if other is _UNSET:
        got = ", ".join("Tensor" if isinstance(a, Tensor) else type(a).__name__ for a in (condition, input))
        raise TypeError(f"where() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                        " * (Tensor condition)\n * (Tensor condition, Tensor input, Tensor other, *, Tensor out = None)\n"
                        " * (Tensor condition, Number self, Tensor other)\n * (Tensor condition, Tensor input, Number other)\n"
                        " * (Tensor condition, Number self, Number other)\n")
    return _call("where", condition, None if input is _UNSET else input, other)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """torch.as_tensor: a tensor is returned as is (converted when ``dtype`` differs)."""
    dtype = _as_dtype(dtype, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None or dtype is data.dtype else data.to(dtype)
    return tensor(data, dtype=dtype)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False) -> Tensor:
    """torch.asarray: ``obj`` as a tensor, shared when it already is one (unless ``copy``)."""
    out = as_tensor(obj, dtype=dtype, device=device)
    if copy and out is obj:
        out = out.clone()
    return out.requires_grad_(True) if requires_grad else out


def index_put(input, indices, values, accumulate: bool = False) -> Tensor:
    return input.clone().index_put_(indices, values, accumulate)


def square(input):
    return input.square()


def positive(input):
    return input.positive()


def equal(input, other) -> bool:
    """torch.equal: same shape and the same values."""
    return input.shape == other.shape and _builtins.bool(_call("eq", input, other).all().item())


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    import numpy as _np  # noqa: PLC0415
    for pos, (name, t) in enumerate((("input", input), ("other", other)), 1):
        if not isinstance(t, Tensor):
            raise TypeError(f"allclose(): argument '{name}' (position {pos}) must be Tensor, not {type(t).__name__}")
    if input.dtype is not other.dtype:  # torch's isclose refuses mixed dtypes
        raise RuntimeError(f"{input.dtype._torch_name} did not match {other.dtype._torch_name}")
    from gradwire.common.shapes import broadcast_shapes as _broadcast_shapes  # noqa: PLC0415
    _broadcast_shapes(input.shape, other.shape)  # torch's error for shapes that do not broadcast
    return _builtins.bool(_np.allclose(input.detach().numpy(), other.detach().numpy(), rtol=rtol, atol=atol,
                             equal_nan=equal_nan))


def get_default_dtype():
    from gradwire.common import dtypes as _dtypes  # noqa: PLC0415
    return _dtypes.default_float()


def set_default_dtype(d) -> None:
    """Float tensors made without a dtype get ``d``: here (the metadata the client infers) and in the
    session on the server."""
    from gradwire.common import dtypes as _dtypes  # noqa: PLC0415
    _dtypes.set_default_float(d)
    conn = _dispatch.default_connection()
    conn.submit("set_default_dtype", (d.name,), handle_of=_dispatch._handle_of)


from . import autograd, cuda, fft, func, linalg, nn, optim, random, special, utils  # noqa: E402
from . import distributions  # noqa: E402
from . import accelerator, amp, backends, compiler, cpu, distributed, jit, profiler, return_types, testing  # noqa: E402
from . import version  # noqa: E402
from ._stft import istft, stft  # noqa: E402
Tensor.stft, Tensor.istft = stft, istft
from .amp import GradScaler  # noqa: E402,F401 - torch.GradScaler
from .nn.modules import (gru, gru_cell, lstm, lstm_cell, rnn_relu, rnn_relu_cell, rnn_tanh,  # noqa: E402,F401
                         rnn_tanh_cell)  # torch's RNN ops
from .amp import (autocast, clear_autocast_cache, get_autocast_dtype, is_autocast_cache_enabled,  # noqa: E402
                  is_autocast_enabled, set_autocast_cache_enabled, set_autocast_dtype, set_autocast_enabled)
# the classes users print (type(t) is <class 'torch.Tensor'>) under torch's names
nn.Parameter.__module__ = "torch.nn.parameter"   # (torch.Tensor and torch.Size: tensor.py, common/shapes.py)
device.__module__ = "torch"
from .func import vmap  # noqa: E402
from .linalg import _svd_compat as svd  # noqa: E402 - torch.svd's named (U, S, V)
from .autograd.anomaly import is_anomaly_check_nan_enabled, is_anomaly_enabled  # noqa: E402


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """torch.set_anomaly_enabled: switch anomaly detection on or off for the session."""
    autograd.anomaly._set(enabled, check_nan)


# ---- the tail of torch's top-level API --------------------------------------------------------------------
from . import _compose as _tail  # noqa: E402
globals().update(_tail.TAIL)  # torch.conv1d, torch.abs_, torch.compile, ...

# ---- the tail of torch's ops (engine/ops/extra_ops.py) ------------------------------------------
for _name in ("isin", "quantile", "nanquantile", "scatter_reduce", "index_copy", "masked_scatter", "put",
              "select_scatter", "slice_scatter", "diagonal_scatter", "renorm"):
    globals()[_name] = _op(_name)
del _name


def nanmedian(input, dim=None, keepdim=False):
    return input.nanmedian(dim, keepdim)


def frexp(input):
    return input.frexp()


for _name in ("gcd", "lcm", "gcd_", "lcm_", "angle"):
    globals()[_name] = _op(_name)
del _name

# ---- more of torch's tail (engine/ops/extra_ops2.py) ----------------------------------------------
def histogram(input, bins=100, *, range=None, weight=None, density=False):  # noqa: A002 - torch's names
    return input.histogram(bins, range=range, weight=weight, density=density)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    return input.unique_consecutive(return_inverse, return_counts, dim)


def as_strided(input, size, stride, storage_offset=None):
    return input.as_strided(size, stride, storage_offset)


for _name in ("vander", "index_reduce"):
    globals()[_name] = _op(_name)
del _name


# ---- grid_sampler, affine_grid_generator, ctc_loss (nn/_gridctc.py) ---------------------------------------
from .nn._gridctc import (affine_grid_generator, grid_sampler, grid_sampler_2d, grid_sampler_3d,  # noqa: E402
                          torch_ctc_loss as ctc_loss)


def poisson(input, generator=None):
    from ._creation import _generator_kw  # noqa: PLC0415
    return _call("poisson", input, **_generator_kw({}, generator))


def binomial(count, prob, generator=None):
    from ._creation import _generator_kw  # noqa: PLC0415
    return _call("binomial", count, prob, **_generator_kw({}, generator))


# ---- top-level functions torch users reach for (probe of dir(torch)) -------------------------------------
import builtins as _builtins  # noqa: E402 - this module's sum/max/min/int/float are torch's


def _window(name: str):
    def fn(window_length, periodic=True, *params, dtype=None, layout=None, device=None, pin_memory=False,
           requires_grad=False):
        from ._creation import _device_kw  # noqa: PLC0415
        kwargs = {"requires_grad": True} if requires_grad else {}
        if dtype is not None:
            kwargs["dtype"] = dtype
        return _call("window", name, window_length, periodic, *params, **_device_kw(kwargs, device))
    fn.__name__ = fn.__qualname__ = name
    return fn


for _name in ("hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"):
    globals()[_name] = _window(_name)
for _name in ("bitwise_left_shift", "bitwise_right_shift", "rsub"):
    globals()[_name] = _op(_name)
del _name


def concatenate(tensors, axis=0, *, dim=None):
    return cat(tensors, axis if dim is None else dim)  # noqa: F821 - defined above


def adjoint(input):
    return input.adjoint()


cfloat, cdouble = complex64, complex128


def complex(real, imag):  # noqa: A001 - torch.complex
    return _dispatch.call("complex", real, imag)


def polar(abs, angle):  # noqa: A002 - torch's names
    return _dispatch.call("polar", abs, angle)


def view_as_real(input):
    return _dispatch.call("view_as_real", input)


def view_as_complex(input):
    return _dispatch.call("view_as_complex", input)


def isreal(input):
    return _dispatch.call("isreal", input)


def get_device(input) -> int:
    return input.get_device()


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """A tensor of ``size`` whose strides are ``stride`` (a view of a storage just large enough)."""
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"dimensionality of sizes ({len(size)}) must match dimensionality of strides ({len(stride)})")
    n = 0 if 0 in size else 1 + _builtins.sum((s - 1) * st for s, st in zip(size, stride))
    out = empty(n, dtype=dtype, device=device).as_strided(size, stride)  # noqa: F405
    return out.requires_grad_() if requires_grad else out


def constant_pad_nd(input, pad, value=0):
    return nn.functional.pad(input, pad, "constant", value)


def pinverse(input, rcond=1e-15):
    return linalg.pinv(input, rtol=rcond)


_QR_WARNED = []
_QR_WARNING = ("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch release.\n"
               "The boolean parameter 'some' has been replaced with a string parameter 'mode'.\n"
               "Q, R = torch.qr(A, some)\nshould be replaced with\n"
               "Q, R = torch.linalg.qr(A, 'reduced' if some else 'complete') (Triggered internally at "
               "/__w/pytorch/pytorch/aten/src/ATen/native/BatchLinearAlgebra.cpp:2505.)")


def qr(input, some=True):
    from .tensor import return_type  # noqa: PLC0415
    if not _QR_WARNED:  # torch warns once per process
        _QR_WARNED.append(True)
        import warnings  # noqa: PLC0415
        warnings.warn(_QR_WARNING, UserWarning, stacklevel=2)
    return return_type("qr", ("Q", "R"))(*linalg.qr(input, "reduced" if some else "complete"))


# torch's symbolic-shape helpers, on plain Python numbers
def sym_int(a):
    return _builtins.int(a)


def sym_float(a):
    return _builtins.float(a)


def sym_max(a, b):
    return _builtins.max(a, b)


def sym_min(a, b):
    return _builtins.min(a, b)


def sym_not(a):
    return not a


def sym_sqrt(a):
    import math  # noqa: PLC0415
    return math.sqrt(a)


def sym_ite(b, t, f):
    return t if b else f


def sym_sum(args):
    return _builtins.sum(args)


def set_flush_denormal(mode: bool) -> bool:
    return True  # the server's CPUs support it (x86 SSE3); numpy keeps denormals either way


def compiled_with_cxx11_abi() -> bool:
    return True


def _along(x, d: int, start, stop=None):
    return x[(slice(None),) * d + (slice(start, stop),)]


def _gradient_dim(input, d: int, h, edge_order: int):
    """torch.gradient along ``d``: central differences inside, one-sided ones (of ``edge_order``) at the ends,
    computed in torch's order of operations; ``h`` a number (uniform) or a 1-d tensor of coordinates."""
    f = lambda start, stop=None: _along(input, d, start, stop)  # noqa: E731
    if isinstance(h, Tensor) and h.dim() == 1:
        dx = h.diff(1, 0)
        dx1, dx2 = dx[:-1], dx[1:]
        shape = [1] * input.dim()
        shape[d] = -1
        a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(shape)
        b = ((dx2 - dx1) / (dx1 * dx2)).reshape(shape)
        c = (dx1 / (dx2 * (dx1 + dx2))).reshape(shape)
        center = a * f(0, -2) + b * f(1, -1) + c * f(2)
        if edge_order == 1:
            prepend, append = (f(1, 2) - f(0, 1)) / dx[0], (f(-1) - f(-2, -1)) / dx[-1]
        else:
            a, b, c = (-(2.0 * dx[0] + dx[1]) / (dx[0] * (dx[0] + dx[1])), (dx[0] + dx[1]) / (dx[0] * dx[1]),
                       (-dx[0]) / (dx[1] * (dx[0] + dx[1])))
            prepend = a * f(0, 1) + b * f(1, 2) + c * f(2, 3)
            a, b, c = (dx[-1] / (dx[-2] * (dx[-1] + dx[-2])), -(dx[-1] + dx[-2]) / (dx[-1] * dx[-2]),
                       (2 * dx[-1] + dx[-2]) / (dx[-1] * (dx[-1] + dx[-2])))
            append = a * f(-3, -2) + b * f(-2, -1) + c * f(-1)
        return cat([prepend, center, append], d)  # noqa: F821 - defined above
    h = h.item() if isinstance(h, Tensor) else h
    center = (f(2) - f(0, -2)) / h
    if edge_order == 1:
        prepend, append = (f(1, 2) - f(0, 1)) / h, (f(-1) - f(-2, -1)) / h
    else:
        prepend = (-1.5 * f(0, 1) + 2 * f(1, 2) - 0.5 * f(2, 3)) / h
        append = (0.5 * f(-3, -2) - 2 * f(-2, -1) + 1.5 * f(-1)) / h
    return cat([prepend, center / 2, append], d)  # noqa: F821 - defined above


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """torch.gradient: the derivative estimate along each of ``dim`` (all dims when None), as a tuple."""
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    nd = input.dim()
    dims = list(_builtins.range(nd)) if dim is None else [dim] if isinstance(dim, _builtins.int) else list(dim)
    dims = [d + nd if d < 0 else d for d in dims]
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            if dim is None:
                raise RuntimeError("torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
                                   f"equal to 'self.dim() = {nd}', since dim argument was not given, but got a list "
                                   f"of length {len(spacing)}")
            raise RuntimeError("torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                               f"arguments to have the same length, but got a spacing argument of length "
                               f"{len(spacing)} and a dim argument of length {len(dims)}.")
        spacings = list(spacing)
    else:
        spacings = [spacing] * len(dims)
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    return tuple(_gradient_dim(input, d, h, edge_order) for d, h in zip(dims, spacings))


def as_strided_(input, size, stride, storage_offset=None):
    return input.as_strided_(size, stride, storage_offset)

# ---- out= on the functions with explicit signatures (the rest pass it on to the dispatch point) --------------
for _name in ("zeros", "ones", "rand", "randn", "empty", "full", "arange", "linspace", "logspace", "eye", "randint",
              "randperm"):
    globals()[_name] = _dispatch.with_out(globals()[_name], creation=True)
for _name in ("max", "min", "sort", "topk", "argsort", "where", "nonzero", "einsum", "cumprod", "median"):
    globals()[_name] = _dispatch.with_out(globals()[_name])
del _name

# ---- the LU / LDL families, the *_copy functions, torch.special's tail (client/_linspec.py) -----------------
from . import _linspec  # noqa: E402
globals().update(_linspec.install())
