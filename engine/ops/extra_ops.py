"""The tail of torch's ops: isin, nanmedian, quantile/nanquantile, scatter_reduce.

Declares WIRE, METHODS and __all__; engine/ops/__init__.py installs them.
"""
from __future__ import annotations

import numbers

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import normalize_dim

from ..function import Function
from ..tensor import Tensor, _new_tensor
from ._util import check_tensor_arg
from .index import _gather_key, gather
from .inplace import inplace_apply
from .scatter import _check_scatter
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


# ---- scatter_reduce -------------------------------------------------------------------------

_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _scatter_reduce_arrays(a, dim, index, src, reduce, include_self):
    """(result, count): ``a`` with ``src`` reduced in at ``index`` along ``dim``; count[i] = how many
    src elements land at i."""
    xp = a.xp
    arr = a.array
    out = arr.reshape(arr.shape or (1,)).copy()
    ia = index.array.reshape(index.array.shape or (1,))
    sa = src.array.reshape(src.array.shape or (1,))[tuple(slice(0, n) for n in ia.shape)]
    key = _gather_key(xp, ia, dim)
    count = xp.zeros(out.shape, dtype=xp.int64)
    xp.add.at(count, key, 1)
    if not include_self:  # the reduction's identity where src lands
        if reduce in ("amax", "amin"):
            info = xp.finfo if arr.dtype.kind == "f" else xp.iinfo
            ident = (-xp.inf if reduce == "amax" else xp.inf) if arr.dtype.kind == "f" else \
                (info(arr.dtype).min if reduce == "amax" else info(arr.dtype).max)
        else:
            ident = 1 if reduce == "prod" else 0
        out[count > 0] = ident
    ufunc = {"sum": xp.add, "mean": xp.add, "prod": xp.multiply, "amax": xp.maximum, "amin": xp.minimum}[reduce]
    ufunc.at(out, key, sa)
    if reduce == "mean":
        n = xp.maximum(count + int(include_self), 1)
        out = out // n if arr.dtype.kind in "iub" else out / n
    return out.astype(arr.dtype, copy=False).reshape(arr.shape), count.reshape(arr.shape)


class ScatterReduce(Function):
    """scatter_reduce (ScatterReduceBackward0). Backward: sum and mean pass the (averaged) gradient;
    amax/amin share it evenly among the elements equal to the result; prod divides the result by
    each factor (the result recomputed differentiably, so double backward works; zero factors give
    non-finite gradients where torch's are exact)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, dim, index, src, reduce, include_self):
        out, count = _scatter_reduce_arrays(a, dim, index, src, reduce, include_self)
        ctx.dim, ctx.index, ctx.reduce, ctx.include_self = dim, index, reduce, include_self
        ctx.count = count
        ctx.save_for_backward(a, src)
        return _new_tensor(out, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        a, src = ctx.saved_tensors
        dim, index, reduce, incl = ctx.dim, ctx.index, ctx.reduce, ctx.include_self
        xp, dev, dt = grad.xp, grad.device, grad.dtype
        hit = _new_tensor(ctx.count > 0, _dt.bool_, dev)
        const = lambda arr: _new_tensor(arr.astype(dt.numpy), dt, dev)  # noqa: E731
        if reduce in ("sum", "mean"):
            n = const(xp.maximum(ctx.count + int(incl), 1)) if reduce == "mean" else None
            g = grad / n if n is not None else grad
            ga = g if incl else grad.masked_fill(hit, 0)
            gs = gather(g, dim, index)
        elif reduce == "prod":
            result = ScatterReduce.apply(a, dim, index, src, reduce, incl)
            ga = grad * result / a if incl else grad.masked_fill(hit, 0)
            gs = gather(grad * result, dim, index) / src
        else:
            r = _scatter_reduce_arrays(a, dim, index, src, reduce, incl)[0]
            at_self = a.array == r  # counted in the share even where include_self=False excludes it, as torch
            at_src = src.array == xp.take_along_axis(r, index.array, dim) if r.ndim else src.array == r
            n = at_self.astype(xp.int64)
            xp.add.at(n, _gather_key(xp, index.array, dim) if r.ndim else (), at_src.astype(xp.int64))
            g = grad / const(xp.maximum(n, 1))
            ga = g * const(at_self) if incl else (g * const(at_self)).masked_fill(hit, 0)
            gs = gather(g, dim, index) * const(at_src)
        return ga, None, None, gs, None, None


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """torch.scatter_reduce: ``src`` reduced into a copy of ``input`` at ``index`` along ``dim``."""
    check_tensor_arg("scatter_reduce", input)
    check_tensor_arg("scatter_reduce", index, "index", 2)  # numbered as the method numbers them
    check_tensor_arg("scatter_reduce", src, "src", 3)
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    d = _check_scatter(input, dim, index, src)
    return ScatterReduce.apply(input, d, index, src, reduce, bool(include_self))


def scatter_reduce_(input, dim, index, src, reduce, *, include_self=True):
    return inplace_apply(input, scatter_reduce, dim, index, src, reduce, include_self=include_self)


# ---- registration tables ------------------------------------------------------------------

WIRE: dict = {"isin": isin, "nanmedian": nanmedian, "quantile": quantile, "nanquantile": nanquantile,
              "scatter_reduce": scatter_reduce, "scatter_reduce_": scatter_reduce_}
METHODS: dict = {"nanmedian": nanmedian, "quantile": quantile, "nanquantile": nanquantile,
                 "scatter_reduce": scatter_reduce, "scatter_reduce_": scatter_reduce_}
__all__: list = [n for n in WIRE if not n.endswith("_")]
