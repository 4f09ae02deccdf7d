"""The tail of torch's ops: isin, nanmedian, quantile/nanquantile, gcd/lcm, frexp, vander.

Declares WIRE, METHODS and __all__; engine/ops/__init__.py installs them.
"""
from __future__ import annotations

import numbers

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import normalize_dim

from ..tensor import Tensor, _new_tensor
from ._util import check_tensor_arg
from .reduce import _return_type
from .sorting import Median, MedianDim, _check_dim

nanmedian_return = _return_type("nanmedian", ("values", "indices"))


# ---- isin ----------------------------------------------------------------------------------

def _isin_error(elements, test_elements):
    names = {True: "Tensor", False: type(elements).__name__}
    got = f"{names[isinstance(elements, Tensor)]}, {type(test_elements).__name__ if not isinstance(test_elements, Tensor) else 'Tensor'}"
    return TypeError(
        f"isin() received an invalid combination of arguments - got ({got}), but expected one of:\n"
        " * (Tensor elements, Tensor test_elements, *, bool assume_unique = False, bool invert = False, Tensor out = None)\n"
        " * (Number element, Tensor test_elements, *, bool assume_unique = False, bool invert = False, Tensor out = None)\n"
        " * (Tensor elements, Number test_element, *, bool assume_unique = False, bool invert = False, Tensor out = None)\n")


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """torch.isin: whether each element is in test_elements (either side may be a number, not both)."""
    is_t = isinstance(elements, Tensor), isinstance(test_elements, Tensor)
    if not any(is_t) or not all(t or isinstance(x, numbers.Number) for t, x in zip(is_t, (elements, test_elements))):
        raise _isin_error(elements, test_elements)
    like = elements if is_t[0] else test_elements
    xp = like.xp
    a = elements.array if is_t[0] else xp.asarray(elements)
    b = test_elements.array if is_t[1] else xp.asarray(test_elements)
    out = xp.isin(a, b, invert=bool(invert))  # assume_unique only speeds numpy up; the answer is the same
    return _new_tensor(xp.asarray(out, dtype=bool).reshape(a.shape), _dt.bool_, like.device)


# ---- nanmedian -----------------------------------------------------------------------------

def _nanmedian_positions(xp, arr, dim):
    """Per row along ``dim``: the index of the lower median of the values that are not NaN (the
    first NaN's where all are NaN)."""
    idx = xp.argsort(arr, axis=dim, kind="stable")  # NaNs sort last
    n_valid = arr.shape[dim] - xp.sum(xp.isnan(arr), axis=dim, keepdims=True) if arr.dtype.kind == "f" \
        else xp.full(arr.shape[:dim] + (1,) + arr.shape[dim + 1:], arr.shape[dim], dtype=xp.int64)
    pos = xp.where(n_valid > 0, (n_valid - 1) // 2, 0).astype(xp.int64)
    return xp.take_along_axis(idx, pos, axis=dim)


class Nanmedian(Median):
    positions = staticmethod(_nanmedian_positions)


class NanmedianDim(MedianDim):
    op_name = "Nanmedian"
    overload = 1
    positions = staticmethod(_nanmedian_positions)


def nanmedian(input, dim=None, keepdim=False):
    check_tensor_arg("nanmedian", input)
    if dim is None:
        return Nanmedian.apply(input)
    d = _check_dim(input, dim)
    shape = input.array.shape
    if shape and shape[d] == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    values, indices = NanmedianDim.apply(input, d, bool(keepdim))
    return nanmedian_return(values, indices)


# ---- quantile / nanquantile -----------------------------------------------------------------

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(op, input, q, dim, keepdim, interpolation, ignore_nan):
    """Sorts along ``dim`` (all elements when None), picks the ranks q * (n - 1) (n counting only
    non-NaN values for nanquantile; a row with a NaN gives NaN for quantile) and interpolates, with
    differentiable sort/gather/lerp; the last step is an in-place squeeze, as in torch
    (SqueezeBackward4)."""
    check_tensor_arg(op, input)
    xp = input.xp
    if input.array.size == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    if isinstance(q, Tensor):
        if q.array.ndim > 1:
            raise RuntimeError(f"{op}() q must be a scalar or 1D tensor")
    elif not 0 <= q <= 1:
        raise RuntimeError(f"{op}() q must be in the range [0, 1] but got {q}")
    if input.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q.dtype is not input.dtype:
            raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor")
        qs = q.array.astype(xp.float64)
        if qs.size and (qs.min() < 0 or qs.max() > 1):
            raise RuntimeError(f"{op}() q values must be in the range [0, 1]")
    else:
        qs = xp.asarray(float(q))
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{op}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    ndim = input.array.ndim
    if dim is None:
        rows = input.reshape(-1)
        out_shape = (1,) * ndim if keepdim else ()
    else:
        d = normalize_dim(dim, ndim)
        rows = input.permute(*[i for i in range(ndim) if i != d], d) if ndim else input.reshape(1)
        shape = list(input.array.shape)
        if keepdim and ndim:
            shape[d] = 1
        elif ndim:
            del shape[d]
        out_shape = tuple(shape)
    ordered = rows.sort(-1).values                       # (..., n), NaNs last
    arr = ordered.array
    n = arr.shape[-1]
    nan = xp.isnan(arr)
    count = (n - nan.sum(-1, keepdims=True)) if ignore_nan else xp.full(arr.shape[:-1] + (1,), n)
    ranks = qs.reshape(-1) * xp.maximum(count - 1, 0)     # (..., nq)
    if not ignore_nan:
        ranks = xp.where(nan[..., -1:], n - 1, ranks)
    else:
        ranks = xp.where(count == 0, n - 1, ranks)      # an all-NaN row gives NaN
    if interpolation == "lower":
        ranks = xp.floor(ranks)
    elif interpolation == "higher":
        ranks = xp.ceil(ranks)
    elif interpolation == "nearest":
        ranks = xp.round(ranks)                          # half to even, as torch
    below = xp.floor(ranks).astype(xp.int64)
    dev = input.device
    values = ordered.gather(-1, _new_tensor(below, _dt.int64, dev))
    if interpolation in ("linear", "midpoint"):
        above = _new_tensor(xp.ceil(ranks).astype(xp.int64), _dt.int64, dev)
        w = xp.full(ranks.shape, 0.5) if interpolation == "midpoint" else ranks - below
        values = values.lerp(ordered.gather(-1, above), _new_tensor(w.astype(arr.dtype), input.dtype, dev))
    # values: rows' leading dims + (nq,); torch's layout: (nq,) + out_shape, q scalar: out_shape
    if isinstance(q, Tensor) and q.array.ndim == 1:
        values = values.reshape(-1, values.array.shape[-1]).transpose(0, 1)
        values = values.reshape((qs.size,) + out_shape + (1,))
    else:
        values = values.reshape(out_shape + (1,))
    return values.squeeze_(-1)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


# ---- registration tables ------------------------------------------------------------------

WIRE: dict = {"isin": isin, "nanmedian": nanmedian, "quantile": quantile, "nanquantile": nanquantile}
METHODS: dict = {"nanmedian": nanmedian, "quantile": quantile, "nanquantile": nanquantile}
__all__: list = list(WIRE)
