"""Shared helpers of the op modules: operand metadata, casting, wrapping results."""
from __future__ import annotations

from gradwire.common import dtypes as _dt

from ..tensor import Tensor, _new_tensor

_PY_SCALARS = (bool, int, float)


def scalar_value(x):
    """A Python scalar from a Python or numpy scalar; TypeError otherwise."""
    if isinstance(x, _PY_SCALARS):
        return x
    item = getattr(x, "item", None)
    if item is not None and getattr(x, "shape", None) == ():
        return item()
    raise TypeError(f"expected Tensor or Number as argument, but got {type(x).__name__}")


def operand_meta(x):
    """What ``result_type`` takes for an operand: (dtype, ndim) or the Python scalar."""
    if type(x) is Tensor:
        return (x.dtype, x.array.ndim)
    return x


def wrap(xp, r, dtype, device):
    """A Tensor of dtype from an op result (which numpy may return as a scalar for 0-d)."""
    npdt = dtype.numpy
    if type(r) is not xp.ndarray:
        r = xp.asarray(r, dtype=npdt)
    elif r.dtype != npdt:
        r = r.astype(npdt)
    return _new_tensor(r, dtype, device)


def binary_prep(a, b, floating: bool = False):
    """Casts both operands to the promoted dtype: (a_val, b_val, dtype, xp, device)."""
    ta = type(a) is Tensor
    tb = type(b) is Tensor
    if not ta:
        a = scalar_value(a)
    if not tb:
        b = scalar_value(b)
    if ta and tb:
        if a.device != b.device:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two "
                               f"devices, {a.device} and {b.device}!")
        da, db = a.dtype, b.dtype
        if da is db:
            dtype = da
        else:
            dtype = _dt.result_type((da, a.array.ndim), (db, b.array.ndim))
        t = a
    elif ta:
        dtype = _dt.result_type((a.dtype, a.array.ndim), b)
        t = a
    elif tb:
        dtype = _dt.result_type(a, (b.dtype, b.array.ndim))
        t = b
    else:
        raise TypeError("expected at least one Tensor operand")
    if floating and not dtype.is_floating_point:
        dtype = _dt.default_float()
    npdt = dtype.numpy
    if ta:
        av = a.array
        if av.dtype != npdt:
            av = av.astype(npdt)
    else:
        av = npdt.type(a)
    if tb:
        bv = b.array
        if bv.dtype != npdt:
            bv = bv.astype(npdt)
    else:
        bv = npdt.type(b)
    return av, bv, dtype, t.xp, t.device


def unary_prep(a, floating: bool = False):
    if type(a) is not Tensor:
        raise TypeError(f"expected Tensor as argument, but got {type(a).__name__}")
    dtype = a.dtype
    av = a.array
    if floating and not dtype.is_floating_point:
        dtype = _dt.default_float()
        av = av.astype(dtype.numpy)
    return av, dtype, a.xp, a.device


def share_version(src: Tensor, dst: Tensor) -> Tensor:
    """Makes ``dst`` (a view of ``src``'s array) share its version counter, like torch views."""
    vc = src._vc
    if vc is None:
        vc = src._vc = [0]
    dst._vc = vc
    return dst


def parse_shape(args) -> tuple:
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` all mean the shape (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    out = []
    for s in args:
        if type(s) is Tensor:
            s = s.item()
        if not isinstance(s, int) or isinstance(s, bool):
            try:
                s = s.__index__()
            except AttributeError:
                raise TypeError(f"expected a sequence of integers, but got an element of type "
                                f"{type(s).__name__}") from None
        out.append(s)
    return tuple(out)
