"""Creation ops: tensor, from_numpy, zeros, ones, full, *_like, randn."""
from __future__ import annotations

from gradwire.common import dtypes as _dt

from .. import backend
from ..random import current_generator
from ..tensor import Tensor, _new_tensor
from ._util import parse_shape


def _dtype_arg(dtype):
    if dtype is None or isinstance(dtype, _dt.DType):
        return dtype
    if isinstance(dtype, str):
        return _dt.from_name(dtype)
    raise TypeError(f"dtype must be torch.dtype, not {type(dtype).__name__}")


def _finish(t: Tensor, requires_grad: bool) -> Tensor:
    if requires_grad:
        if not t.dtype.is_floating_point:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._requires_grad = True
    return t


def _check_device(device):
    if device is None:
        return "cpu"
    device = str(device)
    backend.array_module(device)  # raises for unknown / unavailable devices
    return device


def _infer_list_dtype(data):
    """torch.tensor's inference over nested Python data: any float -> default float, else int64, else bool."""
    kind = 0  # 0 bool, 1 int, 2 float
    stack = [data]
    seen_any = False
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
            continue
        if isinstance(x, Tensor):
            k = x.dtype._category
            if k == 2:
                return _dt.default_float() if x.dtype is _dt.float32 else x.dtype
            kind = max(kind, k)
            seen_any = True
            continue
        seen_any = True
        if isinstance(x, bool) or type(x).__name__ == "bool_":
            continue
        if isinstance(x, int) or hasattr(x, "dtype") and x.dtype.kind in "iu":
            kind = max(kind, 1)
        elif isinstance(x, float) or hasattr(x, "dtype") and x.dtype.kind == "f":
            return _dt.default_float()
        else:
            raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
    if not seen_any:
        return _dt.default_float()  # torch.tensor([]) is float32
    return (_dt.bool_, _dt.int64)[kind]


def _check_ragged(data, dim=0):
    """torch's ValueError for ragged nested sequences."""
    if not isinstance(data, (list, tuple)) or not data:
        return
    first = data[0]
    if isinstance(first, (list, tuple)):
        n = len(first)
        for item in data:
            if not isinstance(item, (list, tuple)):
                raise TypeError(f"not a sequence")
            if len(item) != n:
                raise ValueError(f"expected sequence of length {n} at dim {dim + 1} (got {len(item)})")
        for item in data:
            _check_ragged(item, dim + 1)


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
        _check_ragged(data)
        dt = dtype or _infer_list_dtype(data)
        if any(isinstance(x, Tensor) for x in _flat_iter(data)):
            data = _tensors_to_lists(data)
    elif isinstance(data, (bool, int, float)) or hasattr(data, "dtype"):
        dt = dtype or (_dt.from_numpy(data.dtype) if hasattr(data, "dtype") else _dt.scalar_dtype(data))
    else:
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
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


def _filled(fill, size, dtype, device, requires_grad):
    shape = parse_shape(size)
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    dtype = _dtype_arg(dtype)
    if dtype is None:
        dtype = _dt.default_float() if not isinstance(fill, (bool, int)) or fill is None else (
            _dt.scalar_dtype(fill))
    device = _check_device(device)
    xp = backend.array_module(device)
    if fill == 0:
        arr = xp.zeros(shape, dtype=dtype.numpy)
    elif fill == 1:
        arr = xp.ones(shape, dtype=dtype.numpy)
    else:
        arr = xp.full(shape, fill, dtype=dtype.numpy)
    return _finish(_new_tensor(arr, dtype, device), requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _filled(0.0, size, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _filled(1.0, size, dtype, device, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return _filled(fill_value, (size,) if isinstance(size, int) else size, dtype, device, requires_grad)


def _like(fill, t, dtype, requires_grad, device=None):
    return _filled(fill, t.array.shape, dtype or t.dtype, device or t.device, requires_grad)


def zeros_like(input, dtype=None, *, device=None, requires_grad=False):
    return _like(0.0, input, dtype, requires_grad, device)


def ones_like(input, dtype=None, *, device=None, requires_grad=False):
    return _like(1.0, input, dtype, requires_grad, device)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    return _like(fill_value, input, dtype, requires_grad, device)


def randn(*size, dtype=None, device=None, requires_grad=False, generator=None):
    """Standard normal samples from ``generator`` (default: the current generator), float32 by default."""
    shape = parse_shape(size)
    dtype = _dtype_arg(dtype) or _dt.default_float()
    if not dtype.is_floating_point:
        raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{dtype._torch_name}'")
    device = _check_device(device)
    gen = generator if generator is not None else current_generator()
    rng = gen.rng
    if dtype is _dt.float64 or dtype is _dt.float32:
        arr = rng.standard_normal(shape, dtype=dtype.numpy)
    else:
        arr = rng.standard_normal(shape, dtype=_dt.float32.numpy).astype(dtype.numpy)
    if device != gen.device:
        arr = backend.asarray(backend.to_numpy(arr), dtype.numpy, device)
    return _finish(_new_tensor(arr, dtype, device), requires_grad)


def randn_like(input, dtype=None, *, requires_grad=False, generator=None):
    return randn(input.array.shape, dtype=dtype or input.dtype, device=input.device, requires_grad=requires_grad,
                 generator=generator)
