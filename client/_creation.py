"""Creation functions: tensor, from_numpy, zeros, ones, *_like, randn, manual_seed."""
from __future__ import annotations

import numbers

import numpy as np

from gradwire.common import dtypes, shapes, wire
from gradwire.common.devices import device_str

from . import _dispatch
from ._dispatch import Tensor, call, default_connection


def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, numbers.Integral) or isinstance(s, bool):
            raise TypeError(f"size must be a sequence of ints, but got an element of type {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return tuple(int(s) for s in size)


def _to_array(data, dtype: dtypes.DType | None) -> np.ndarray:
    """``data`` as an array of the dtype torch.tensor would give it."""
    if isinstance(data, Tensor):
        data = data.detach().numpy(force=True)
    if isinstance(data, np.ndarray) or isinstance(data, np.generic):
        array = np.asarray(data)
        inferred = dtypes.from_numpy(array.dtype)
    else:
        try:
            array = np.asarray(data)
        except ValueError as exc:
            raise ValueError(f"expected sequence of length matching the first dimension ({exc})") from None
        if array.dtype == object:
            raise TypeError(f"Could not infer dtype of {type(data).__name__}")
        kind = array.dtype.kind
        if kind not in "fbiu":
            raise TypeError(f"Could not infer dtype of {array.dtype}")
        if array.dtype == np.int64 or array.dtype == np.float64 or kind == "b":
            # Python floats take the default dtype (float32), ints int64, bools bool.
            inferred = dtypes.default_float() if kind == "f" else dtypes.bool_ if kind == "b" else dtypes.int64
        else:  # numpy made a narrower type: tensors or numpy scalars among the elements keep theirs
            inferred = dtypes.element_dtype(data)
        if dtype is not None:
            dtypes.check_fits(array, dtype)
    dtype = dtype or inferred
    return np.asarray(array, dtype=dtype.numpy, order="C"), dtype


def _device_kw(kwargs: dict, device, like=None) -> dict:
    """Adds ``device=`` to a creation op's kwargs where the tensor is not to be on the CPU: the
    given device, else (without ``like``) the session's default (gradwire-server --device)."""
    if device is not None:
        dev = device_str(device)
    elif like is not None:
        return kwargs
    else:
        dev = default_connection().default_device
    if dev != "cpu" or like is not None:
        kwargs["device"] = dev
    return kwargs


def _new_leaf(array: np.ndarray, dtype: dtypes.DType, requires_grad: bool, device=None) -> Tensor:
    if requires_grad and not dtype.is_floating_point:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    kwargs = _device_kw({}, device)
    if array.nbytes <= wire.INLINE_MAX_BYTES:
        return call("tensor", array, dtype=dtype, requires_grad=requires_grad, **kwargs)
    conn = default_connection()
    dev = kwargs.get("device")
    t = Tensor._make(conn, conn.new_handle(), array.shape, dtype, requires_grad and dev is None, None)
    conn.upload(t._id, array, dtype.name, requires_grad and dev is None)
    if dev is not None:  # bytes travel to the server's host memory, then to the device: one copy there
        t = t._to(dev, None)
        if requires_grad:
            t.requires_grad_(True)
    return t


def tensor(data, dtype=None, device=None, requires_grad=False) -> Tensor:
    array, dtype = _to_array(data, dtype)
    return _new_leaf(array, dtype, requires_grad, device)


def from_numpy(array: np.ndarray) -> Tensor:
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtype = dtypes.from_numpy(array.dtype)
    return _new_leaf(array, dtype, False, "cpu")


def _creation(op):
    def create(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
        dtype = dtype or dtypes.default_float()
        if requires_grad and not dtype.is_floating_point:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        return call(op, _size(size), **_device_kw({"dtype": dtype, "requires_grad": requires_grad}, device))
    create.__name__ = op
    create.__doc__ = f"torch.{op}(*size, dtype=None, device=None, requires_grad=False)"
    return create


zeros = _creation("zeros")
ones = _creation("ones")
randn = _creation("randn")


def _like(op):
    def create(input: Tensor, *, dtype=None, device=None, requires_grad=False) -> Tensor:
        kwargs = {"requires_grad": True} if requires_grad else {}
        if dtype is not None:
            kwargs["dtype"] = dtype
        return call(op, input, **_device_kw(kwargs, device, like=input))
    create.__name__ = op
    return create


zeros_like = _like("zeros_like")
ones_like = _like("ones_like")


def full_like(input: Tensor, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    kwargs = {"requires_grad": True} if requires_grad else {}
    if dtype is not None:
        kwargs["dtype"] = dtype
    return call("full_like", input, fill_value, **_device_kw(kwargs, device, like=input))


def manual_seed(seed: int) -> None:
    """Seeds the session's server-side generator (randn & co)."""
    default_connection().submit("manual_seed", (int(seed),), handle_of=_dispatch._handle_of)


empty = _creation("empty")
rand = _creation("rand")


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    kwargs = {"requires_grad": True} if requires_grad else {}
    if dtype is not None:
        kwargs["dtype"] = dtype
    return call("full", _size(tuple(size) if isinstance(size, (tuple, list)) else (size,)), fill_value,
                **_device_kw(kwargs, device))


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    kwargs = {"requires_grad": True} if requires_grad else {}
    if dtype is not None:
        kwargs["dtype"] = dtype
    kwargs = _device_kw(kwargs, device)
    return call("arange", start, end, step, **kwargs) if end is not None else call("arange", start, **kwargs)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    kwargs = {"requires_grad": True} if requires_grad else {}
    if dtype is not None:
        kwargs["dtype"] = dtype
    return call("linspace", start, end, steps, **_device_kw(kwargs, device))


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    kwargs = {"requires_grad": True} if requires_grad else {}
    if dtype is not None:
        kwargs["dtype"] = dtype
    return call("eye", n, m, **_device_kw(kwargs, device))


def randint(low, high=None, size=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    kwargs = {"dtype": dtype} if dtype is not None else {}
    return call("randint", low, high, _size(tuple(size)), **_device_kw(kwargs, device))


def randperm(n, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if isinstance(n, int) and not isinstance(n, bool) and n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    kwargs = {"dtype": dtype} if dtype is not None else {}
    if requires_grad:
        kwargs["requires_grad"] = True
    return call("randperm", n, **_device_kw(kwargs, device))


randn_like = _like("randn_like")
rand_like = _like("rand_like")
empty_like = _like("empty_like")
