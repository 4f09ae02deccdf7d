"""Creation ops: tensor, from_numpy, zeros/ones/full/empty, arange, linspace, eye, rand/randn/randint, *_like."""
from __future__ import annotations

import math

from gradwire.common import dtypes as _dt, shapes

from .. import backend
from ..random import current_generator
from ..tensor import Tensor, _new_tensor
from ._util import parse_shape
from .random_fill import draw_normal, draw_uniform


def _dtype_arg(dtype):
    if dtype is None or isinstance(dtype, _dt.DType):
        return dtype
    if isinstance(dtype, str):
        return _dt.from_name(dtype)
    raise TypeError(f"dtype must be torch.dtype, not {type(dtype).__name__}")


def _finish(t: Tensor, requires_grad: bool) -> Tensor:
    if requires_grad:
        if not t.dtype.is_floating_point and not t.dtype.is_complex:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._requires_grad = True
    return t


def _check_device(device):
    if device is None:
        return "cpu"
    device = backend.normalize_device(device)
    backend.array_module(device)  # raises for unavailable devices
    return device


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new leaf tensor copied from ``data`` (numpy array, nested lists, Python scalars, Tensor)."""
    dtype = _dtype_arg(dtype)
    device = _check_device(device)
    if isinstance(data, Tensor):
        src = data.array
        dt = dtype or data.dtype
        arr = backend.asarray(src, dt.numpy, device, copy=True)
        return _finish(_new_tensor(arr, dt, device), requires_grad)
    if backend.is_array(data):
        dt = dtype or _dt.from_numpy(data.dtype)
        arr = backend.asarray(data, dt.numpy, device, copy=True)
        return _finish(_new_tensor(arr, dt, device), requires_grad)
    if isinstance(data, (list, tuple)):
        dt = dtype or _dt.element_dtype(data)
        shapes.check_nested(data, dt.is_floating_point)  # torch's errors for ragged lists
        if any(isinstance(x, Tensor) for x in _flat_iter(data)):
            data = _tensors_to_lists(data)
    elif isinstance(data, (bool, int, float)) or hasattr(data, "dtype"):
        dt = dtype or (_dt.from_numpy(data.dtype) if hasattr(data, "dtype") else _dt.scalar_dtype(data))
    else:
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if dt._category == 1:  # Python numbers must fit an integer dtype
        raw = backend.asarray(data, None, device)
        _dt.check_fits(raw, dt)
        return _finish(_new_tensor(raw.astype(dt.numpy), dt, device), requires_grad)
    arr = backend.asarray(data, dt.numpy, device, copy=True)
    return _finish(_new_tensor(arr, dt, device), requires_grad)


def _flat_iter(data):
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        else:
            yield x


def _tensors_to_lists(data):
    if isinstance(data, (list, tuple)):
        return [_tensors_to_lists(x) for x in data]
    if isinstance(data, Tensor):
        return data.tolist()
    return data


def from_numpy(ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (CPU)."""
    if not backend.is_array(ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    dt = _dt.from_numpy(ndarray.dtype)
    arr = ndarray if ndarray.dtype == dt.numpy else ndarray.astype(dt.numpy)
    return _new_tensor(arr, dt, backend.device_of(arr))


def _size_arg(op: str, size, pos: int = 1) -> tuple:
    """A shape from ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])``, with torch's TypeErrors."""
    if not size:
        return ()  # torch raises TypeError for f(); gradwire's own callers use f(*shape) for 0-d shapes
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        items = tuple(size[0])
        packed = True
    else:
        items = size
        packed = False
    out = []
    for k, s in enumerate(items):
        if type(s) is not int:
            if isinstance(s, Tensor) and not s.dtype.is_floating_point and s.array.size == 1:
                s = int(s.item())
            elif hasattr(s, "__index__") and not isinstance(s, (bool, float)):
                s = s.__index__()
            else:
                kind = type(s).__name__
                if packed or len(items) > 1:
                    raise TypeError(f"{op}(): argument 'size' failed to unpack the object at pos {k + 1} with error "
                                    f"\"type must be tuple of ints,but got {kind}\"")
                raise TypeError(f"{op}(): argument 'size' (position {pos}) must be tuple of ints, not {kind}")
        out.append(s)
    return tuple(out)


def _check_dims(shape: tuple, op: str = "") -> None:
    for s in shape:
        if s < 0:
            if op == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")


def _filled(fill, shape, dtype, device, requires_grad, op=""):
    _check_dims(shape, op)
    dtype = _dtype_arg(dtype)
    if dtype is None:
        dtype = _dt.scalar_dtype(fill) if isinstance(fill, (bool, int, complex)) else _dt.default_float()
    device = _check_device(device)
    xp = backend.array_module(device)
    fill = _dt.checked_scalar(dtype, fill)
    if fill == 0:
        arr = xp.zeros(shape, dtype=dtype.numpy)
    elif fill == 1:
        arr = xp.empty(shape, dtype=dtype.numpy)
        arr.fill(1)  # numpy's ones() is the same two steps, behind a slower Python wrapper
    else:
        arr = xp.full(shape, fill, dtype=dtype.numpy)
    return _finish(_new_tensor(arr, dtype, device), requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _filled(0.0, _size_arg("zeros", size), dtype, device, requires_grad, "zeros")


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _filled(1.0, _size_arg("ones", size), dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor (gradwire fills it with zeros)."""
    return _filled(0.0, _size_arg("empty", size), dtype, device, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _filled(fill_value, _size_arg("full", (size,)), dtype, device, requires_grad)


def _like_dtype(t, dtype):
    if type(t) is not Tensor:
        raise TypeError(f"expected Tensor as argument, but got {type(t).__name__}")
    return _dtype_arg(dtype) or t.dtype


def _like(fill, t, dtype, requires_grad, device=None):
    dtype = _like_dtype(t, dtype)
    out = _filled(fill, t.array.shape, dtype, device or t.device, requires_grad)
    arr = t.array
    if not arr.flags.c_contiguous and arr.ndim > 1 and 0 not in arr.strides and out.device == t.device:
        # torch's preserve_format: the layout of a dense input (channels last, transposed), numpy's order "K"
        laid = out.xp.empty_like(arr, dtype=dtype.numpy)
        laid[...] = out.array
        out.array = laid
    return out


def zeros_like(input, dtype=None, *, device=None, requires_grad=False):
    return _like(0.0, input, dtype, requires_grad, device)


def ones_like(input, dtype=None, *, device=None, requires_grad=False):
    return _like(1.0, input, dtype, requires_grad, device)


def empty_like(input, dtype=None, *, device=None, requires_grad=False):
    return _like(0.0, input, dtype, requires_grad, device)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _like(fill_value, input, dtype, requires_grad, device)


# ---- ranges ------------------------------------------------------------------------

def _number(x):
    if isinstance(x, Tensor):
        return x.item()
    return x


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Values start, start + step, ... below end; int64 unless an argument is a float (then float32)."""
    start, end, step = _number(start), _number(end), _number(step)
    if end is None:
        start, end = 0, start
    dtype = _dtype_arg(dtype)
    if dtype is None:
        if any(isinstance(v, float) for v in (start, end, step)):
            dtype = _dt.default_float()
        else:
            dtype = _dt.int64
    device = _check_device(device)
    if dtype is _dt.bool_:
        raise NotImplementedError(f'"arange_{"cpu" if device == "cpu" else "cuda"}" not implemented for \'Bool\'')
    for v in (start, end):
        if isinstance(v, float) and not math.isfinite(v):
            raise RuntimeError(f"unsupported range: {_fmt(start)} -> {_fmt(end)}")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is _dt.int64 and any(isinstance(v, float) for v in (start, end, step)):
        # torch reads an int64 range's bounds and step as integers (truncated) before counting
        start, end, step = int(start), int(end), int(step)
        if step == 0:
            raise ValueError("step must be nonzero")
    xp = backend.array_module(device)
    if dtype.is_floating_point or any(isinstance(v, float) for v in (start, end, step)):
        n = max(int(math.ceil((end - start) / step)), 0)
        if dtype.is_floating_point:
            arr = (xp.arange(n, dtype=_dt.float64.numpy) * float(step) + float(start)).astype(dtype.numpy)
        else:  # the count from the floats; the values from start and step truncated to integers, like torch
            arr = (xp.arange(n, dtype=_dt.int64.numpy) * int(step) + int(start)).astype(dtype.numpy)
    else:
        n = max(-((start - end) // step), 0)
        arr = xp.arange(start, start + n * step, step, dtype=_dt.int64.numpy)[:n].astype(dtype.numpy, copy=False)
    return _finish(_new_tensor(arr, dtype, device), requires_grad)


def _fmt(v):
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """``steps`` values evenly spaced from start to end, computed from both ends like torch."""
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise TypeError(f"linspace() received an invalid combination of arguments - got ({type(start).__name__}, "
                        f"{type(end).__name__}, {type(steps).__name__}), but expected one of:\n"
                        " * (Number start, Number end, int steps, *, torch.dtype dtype = None, "
                        "torch.device device = None, bool requires_grad = False)\n")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    start, end = _number(start), _number(end)
    dtype = _dtype_arg(dtype) or _dt.default_float()
    if dtype is _dt.bool_:
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    device = _check_device(device)
    xp = backend.array_module(device)
    work = dtype.numpy if dtype.is_floating_point else _dt.float64.numpy
    if steps == 0:
        arr = xp.zeros((0,), dtype=dtype.numpy)
    elif steps == 1:
        arr = xp.full((1,), start, dtype=dtype.numpy)
    else:
        s, e = work.type(start), work.type(end)
        step = (e - s) / work.type(steps - 1)
        idx = xp.arange(steps, dtype=work)
        half = steps // 2
        arr = xp.where(idx < half, s + step * idx, e - step * (work.type(steps - 1) - idx))
        arr = arr.astype(dtype.numpy)
    return _finish(_new_tensor(arr, dtype, device), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    """The n x m identity matrix (m defaults to n)."""
    for name, v, pos in (("n", n, 1), ("m", m, 2)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
            raise TypeError(f"eye(): argument '{name}' (position {pos}) must be int, not {type(v).__name__}")
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is None:
        m = n
    elif m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    dtype = _dtype_arg(dtype) or _dt.default_float()
    device = _check_device(device)
    xp = backend.array_module(device)
    return _finish(_new_tensor(xp.eye(n, m, dtype=dtype.numpy), dtype, device), requires_grad)


# ---- random ------------------------------------------------------------------------

def _to_device(arr, dtype, gen, device):
    if device != gen.device:
        arr = backend.asarray(backend.to_numpy(arr), dtype.numpy, device)
    return arr


def randn(*size, dtype=None, device=None, requires_grad=False, generator=None):
    """Standard normal samples from ``generator`` (default: the current generator), float32 by default."""
    shape = _size_arg("randn", size)
    _check_dims(shape)
    dtype = _dtype_arg(dtype) or _dt.default_float()
    if not (dtype.is_floating_point or dtype.is_complex):
        raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{dtype._torch_name}'")
    device = _check_device(device)
    gen = generator if generator is not None else current_generator(device)
    arr = draw_normal(gen.rng, shape, 0.0, 1.0, dtype)
    return _finish(_new_tensor(_to_device(arr, dtype, gen, device), dtype, device), requires_grad)


def rand(*size, dtype=None, device=None, requires_grad=False, generator=None):
    """Uniform samples in [0, 1) from ``generator`` (default: the current generator), float32 by default."""
    shape = _size_arg("rand", size)
    _check_dims(shape)
    dtype = _dtype_arg(dtype) or _dt.default_float()
    if not dtype.is_floating_point:
        raise NotImplementedError(f"\"check_uniform_bounds\" not implemented for '{dtype._torch_name}'")
    device = _check_device(device)
    gen = generator if generator is not None else current_generator(device)
    arr = draw_uniform(gen.rng, shape, 0.0, 1.0, dtype)
    return _finish(_new_tensor(_to_device(arr, dtype, gen, device), dtype, device), requires_grad)


def _int_arg(op, name, pos, v):
    if isinstance(v, Tensor) and not v.dtype.is_floating_point and v.array.size == 1:
        return int(v.item())
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be int, not {type(v).__name__}")
    return v


def _randint_fill(shape, low, high, dtype, device, requires_grad, generator):
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if dtype is _dt.bool_ or dtype._category == 1 and dtype.itemsize < 4:  # the bounds must fit the type
        lo, hi = (0, 1) if dtype is _dt.bool_ else (_dt.iinfo(dtype).min, _dt.iinfo(dtype).max)
        if low < lo or high - 1 > hi:
            which = "from" if low < lo else "to - 1"
            raise RuntimeError(f"{which} is out of bounds for {_dt.CPP_NAMES[dtype.name]}")
    device = _check_device(device)
    gen = generator if generator is not None else current_generator(device)
    arr = gen.rng.integers(low, high, tuple(shape)).astype(dtype.numpy)
    return _finish(_new_tensor(_to_device(arr, dtype, gen, device), dtype, device), requires_grad)


def randint(low, high=None, size=None, *, dtype=None, device=None, requires_grad=False, generator=None):
    """Integers uniform in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``; int64."""
    if size is None:
        if high is None:
            raise TypeError("randint() missing required argument 'size' (pos 2)")
        low, high, size = 0, low, high
        high = _int_arg("randint", "high", 1, high)
    else:
        low = _int_arg("randint", "low", 1, low)
        high = _int_arg("randint", "high", 2, high)
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' (position {2 if low == 0 else 3}) must be tuple of ints, not "
                        f"{type(size).__name__}")
    shape = _size_arg("randint", (size,))
    _check_dims(shape)
    dtype = _dtype_arg(dtype) or _dt.int64
    return _randint_fill(shape, low, high, dtype, device, requires_grad, generator)


def randperm(n, *, dtype=None, device=None, requires_grad=False, generator=None):
    """A random permutation of 0..n-1; int64 unless ``dtype`` says otherwise."""
    n = _int_arg("randperm", "n", 1, n)
    _check_dims((n,))
    dtype = _dtype_arg(dtype) or _dt.int64
    if n > 1:
        _dt.checked_scalar(dtype, n - 1)
    device = _check_device(device)
    gen = generator if generator is not None else current_generator(device)
    arr = gen.rng.permutation(n).astype(dtype.numpy)
    return _finish(_new_tensor(_to_device(arr, dtype, gen, device), dtype, device), requires_grad)


def randn_like(input, dtype=None, *, device=None, requires_grad=False, generator=None):
    return randn(input.array.shape, dtype=_like_dtype(input, dtype), device=device or input.device,
                 requires_grad=requires_grad, generator=generator)


def rand_like(input, dtype=None, *, device=None, requires_grad=False, generator=None):
    return rand(input.array.shape, dtype=_like_dtype(input, dtype), device=device or input.device,
                requires_grad=requires_grad, generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False, generator=None):
    """``randint_like(input, high)`` or ``randint_like(input, low, high)``: input's shape and dtype."""
    if high is None:
        low, high = 0, low
    low = _int_arg("randint_like", "low", 2, low)
    high = _int_arg("randint_like", "high", 3, high)
    dtype = _like_dtype(input, dtype)
    return _randint_fill(input.array.shape, low, high, dtype, device or input.device, requires_grad, generator)


# Wire names of the creation ops added here (engine/ops/__init__.py registers the older ones itself).
WIRE_EXTRA = {
    "empty": empty, "empty_like": empty_like, "arange": arange, "linspace": linspace, "eye": eye,
    "rand": rand, "rand_like": rand_like, "randint": randint, "randint_like": randint_like,
    "randperm": randperm,
}
EXPORTS_EXTRA = list(WIRE_EXTRA)
