"""The tail of torch's ops: isin, nanmedian, quantile/nanquantile, scatter_reduce, index_copy,
masked_scatter, put, select/slice/diagonal_scatter, fill_diagonal_, renorm, gcd/lcm, frexp, angle.

Declares WIRE, METHODS and __all__; engine/ops/__init__.py installs them.
"""
from __future__ import annotations

import numbers

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import normalize_dim

from .. import backend
from ..function import Function
from ..tensor import Tensor, _new_tensor
from ._util import binary_prep, check_tensor_arg, not_implemented, wrap
from .index import _check_mask_broadcast, _gather_key, gather, index_select
from .inplace import inplace_apply
from .scatter import _check_scatter, index_fill, masked_select, take
from .shape import cat
from .reduce import _return_type
from .sorting import Median, MedianDim, _check_dim

nanmedian_return = _return_type("nanmedian", ("values", "indices"))
frexp_return = _return_type("frexp", ("mantissa", "exponent"))


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

    edge_args = (0, 3)  # torch's edges: self, src (not the index)

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
            if r.ndim:  # the index may cover only part of the other dims: gather from that part
                part = r[tuple(slice(None) if i == dim else slice(0, n) for i, n in enumerate(index.array.shape))]
                picked = xp.take_along_axis(part, index.array, dim)
                at_src = src.array[tuple(slice(0, n) for n in index.array.shape)] == picked
            else:
                at_src = src.array == r
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
    return inplace_apply(input, scatter_reduce, dim, index, src, reduce, include_self=include_self, copy_self=True)


# ---- index_copy / masked_scatter / put -------------------------------------------------------

def _same_dtype(op, input, source, fmt):
    if source.dtype is not input.dtype:
        raise RuntimeError(fmt.format(op=op, a=input.dtype._torch_name, b=source.dtype._torch_name))


class IndexCopy(Function):
    """index_copy (IndexCopyBackward0): self's gradient is zero at the copied slices; source's is
    the gradient there."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, dim, index, source):
        ctx.dim, ctx.index, ctx.src_shape = dim, index, source.array.shape
        out = a.array.copy()
        if out.ndim == 0:
            out[...] = source.array.reshape(())
        else:
            out[(slice(None),) * dim + (index.array.reshape(-1),)] = source.array.reshape(
                source.array.shape if source.array.ndim else (1,))
        return _new_tensor(out, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        na, _, _, ns = ctx.needs_input_grad
        idx = ctx.index.reshape(-1)
        ga = index_fill(grad, ctx.dim, idx, 0) if na else None
        gs = index_select(grad, ctx.dim, idx).reshape(ctx.src_shape) if ns else None
        return ga, None, None, gs


def index_copy(input, dim, index, source):
    """torch.index_copy: a copy of ``input`` with the slices ``index`` along ``dim`` taken from ``source``."""
    op = "index_copy_"
    check_tensor_arg("index_copy", input)
    nd = input.array.ndim
    d = normalize_dim(dim, nd)
    if index.dtype is not _dt.int64:
        raise RuntimeError(f"{op}(): Expected a long tensor for index, but got {index.dtype._torch_name}")
    if index.array.ndim > 1:
        raise IndexError(f"{op}(): Index should have dimension 1 or 0 (got {index.array.ndim})")
    _same_dtype(op, input, source, "{op}(): self and source expected to have the same dtype, but got (self) {a} "
                                   "and (source) {b}")
    ss, shape = source.array.shape, input.array.shape
    n_idx = index.array.size
    if ss and shape:
        if len(ss) != nd:
            raise IndexError(f"{op}(): When source and destination are not scalars, their dimensionality must "
                             f"match. Source dimensionality ({len(ss)}), destination dimensionality ({nd})")
        if n_idx != ss[d]:
            raise IndexError(f"{op}(): Number of indices ({n_idx}) should be equal to source.size(dim) ({ss[d]})")
        slices = [(i, shape[i], ss[i]) for i in range(nd) if i != d]
        for j, (i, a, b) in enumerate(slices):
            if a != b:
                raise RuntimeError(f"{op}(): Source/destination tensor must have same slice shapes. Destination "
                                   f"slice shape: {a} at dimension {j} and source slice shape: {b} at dimension {j}.")
    n = shape[d] if nd else 1
    ia = index.array.reshape(-1)
    if ia.size:
        bad = (ia < 0) | (ia >= n)
        if bool(index.xp.any(bad)):
            raise IndexError(f"{op}(): index {int(ia[bad][0])} is out of bounds for dimension {d} with size {n}")
    return IndexCopy.apply(input, d, index, source)


def index_copy_(input, dim, index, source):
    return inplace_apply(input, index_copy, dim, index, source)


class MaskedScatter(Function):
    """masked_scatter (MaskedScatterBackward0): source's first k elements fill the k masked positions."""

    edge_args = (0, 2)  # torch's edges: self, source (not the mask)

    array_forward = True

    @staticmethod
    def forward(ctx, a, mask, source):
        xp = a.xp
        m = xp.broadcast_to(mask.array, a.array.shape)
        k = int(m.sum())
        ctx.mask, ctx.k, ctx.src_shape = mask, k, source.array.shape
        out = a.array.copy()
        out[m] = source.array.reshape(-1)[:k]
        return _new_tensor(out, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        na, _, ns = ctx.needs_input_grad
        ga = grad.masked_fill(ctx.mask, 0) if na else None
        gs = None
        if ns:
            gs = masked_select(grad, ctx.mask)
            pad = 1
            for n in ctx.src_shape:
                pad *= n
            pad -= ctx.k
            if pad:
                gs = cat([gs, _new_tensor(grad.xp.zeros(pad, dtype=grad.dtype.numpy), grad.dtype, grad.device)])
            gs = gs.reshape(ctx.src_shape)
        return ga, None, gs


def masked_scatter(input, mask, source):
    check_tensor_arg("masked_scatter", input)
    if mask.dtype is not _dt.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype._torch_name}")
    _same_dtype("masked_scatter", input, source, "{op}: expected self and source to have same dtypes but got{a} and {b}")
    _check_mask_broadcast(mask.array.shape, input.array.shape)
    k = int(input.xp.broadcast_to(mask.array, input.array.shape).sum())
    if source.array.size < k:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return MaskedScatter.apply(input, mask, source)


def masked_scatter_(input, mask, source):
    return inplace_apply(input, masked_scatter, mask, source)


class Put(Function):
    """put (PutBackward0): writes (or adds) ``source`` at flat positions ``index`` of self."""

    edge_args = (0, 2)  # torch's edges: self, source (not the index)

    array_forward = True

    @staticmethod
    def forward(ctx, a, index, source, accumulate):
        ctx.index, ctx.accumulate, ctx.src_shape = index, accumulate, source.array.shape
        out = a.array.copy()
        flat = out.reshape(-1)
        ia = index.array.reshape(-1)
        ia = a.xp.where(ia < 0, ia + flat.size, ia)
        if accumulate:
            a.xp.add.at(flat, ia, source.array.reshape(-1))
        else:
            flat[ia] = source.array.reshape(-1)
        return _new_tensor(flat.reshape(out.shape), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        na, _, ns, _ = ctx.needs_input_grad
        ga = None
        if na:
            zeros = _new_tensor(grad.xp.zeros(ctx.src_shape, dtype=grad.dtype.numpy), grad.dtype, grad.device)
            ga = grad if ctx.accumulate else Put.apply(grad, ctx.index, zeros, False)
        gs = take(grad, ctx.index).reshape(ctx.src_shape) if ns else None
        return ga, None, gs, None


def put(input, index, source, accumulate=False):
    """torch.put: a copy of ``input`` with ``source`` written (or added) at the flat positions ``index``."""
    check_tensor_arg("put", input)
    if index.dtype is not _dt.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {index.dtype._torch_name}")
    _same_dtype("put_", input, source, "{op}(): self and source expected to have the same dtype, but got "
                                       "self.dtype = {a} and source.dtype = {b}")
    if source.array.size != index.array.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source.array.size}, index.numel() = {index.array.size}")
    n = input.array.size
    ia = index.array.reshape(-1)
    if ia.size:
        bad = (ia < -n) | (ia >= n)
        if bool(input.xp.any(bad)):
            raise IndexError(f"out of range: tried to access index {int(ia[bad][0])} on a tensor of {n} elements.")
    return Put.apply(input, index, source, bool(accumulate))


def put_(input, index, source, accumulate=False):
    return inplace_apply(input, put, index, source, accumulate)


# ---- select_scatter / slice_scatter / diagonal_scatter -----------------------------------------

class _Embed(Function):
    """``src`` written into a copy of self at a region (a selection, slice or diagonal). Backward: self's
    gradient is zero in the region (the op itself with zeros), src's is the region of the gradient."""

    array_forward = True
    _abstract = True

    @classmethod
    def forward(cls, ctx, a, src, *params):
        ctx.params, ctx.src_shape = params, src.array.shape
        out = a.array.copy()
        cls.region(out, *params)[...] = src.array.astype(out.dtype, copy=False)
        return _new_tensor(out, a.dtype, a.device)

    @classmethod
    def backward(cls, ctx, grad):
        na, ns = ctx.needs_input_grad[:2]
        zeros = _new_tensor(grad.xp.zeros(ctx.src_shape, dtype=grad.dtype.numpy), grad.dtype, grad.device)
        ga = cls.apply(grad, zeros, *ctx.params) if na else None
        gs = cls.pick(grad, *ctx.params) if ns else None
        return (ga, gs) + (None,) * len(ctx.params)


class SelectScatter(_Embed):
    region = staticmethod(lambda arr, dim, index: arr[(slice(None),) * dim + (index,)])
    pick = staticmethod(lambda t, dim, index: t.select(dim, index))


class SliceScatter(_Embed):
    region = staticmethod(lambda arr, dim, start, end, step: arr[(slice(None),) * dim + (slice(start, end, step),)])
    pick = staticmethod(lambda t, dim, start, end, step: t[(slice(None),) * dim + (slice(start, end, step),)])


def _diagonal_region(arr, offset, dim1, dim2):
    """A writable view of the diagonal (numpy's diagonal() is read-only): dims moved last, fancy keys."""
    xp = backend.array_module(backend.device_of(arr))
    moved = xp.moveaxis(arr, (dim1, dim2), (-2, -1))
    n1, n2 = moved.shape[-2:]
    r0, c0 = max(-offset, 0), max(offset, 0)
    length = max(min(n1 - r0, n2 - c0), 0)
    return _DiagView(moved, xp.arange(length) + r0, xp.arange(length) + c0)


class _DiagView:
    """``view[...] = values`` on a diagonal, through a moved-axes view of the array."""

    def __init__(self, moved, rows, cols):
        self.moved, self.rows, self.cols = moved, rows, cols

    def __setitem__(self, key, values):
        self.moved[..., self.rows, self.cols] = values


class DiagonalScatter(_Embed):
    region = staticmethod(_diagonal_region)
    pick = staticmethod(lambda t, offset, dim1, dim2: t.diagonal(offset, dim1, dim2))


def _check_embed(input, src, picked_shape):
    if tuple(src.array.shape) != tuple(picked_shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.array.shape)}, slice size = {list(picked_shape)}")


def select_scatter(input, src, dim, index):
    check_tensor_arg("select_scatter", input)
    check_tensor_arg("select_scatter", src, "src", 2)
    d = normalize_dim(dim, input.array.ndim)
    n = input.array.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.array.shape)} at "
                         f"dimension {d}")
    index = index % n
    _check_embed(input, src, SelectScatter.region(input.array, d, index).shape)
    return SelectScatter.apply(input, src, d, index)


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    check_tensor_arg("slice_scatter", input)
    check_tensor_arg("slice_scatter", src, "src", 2)
    d = normalize_dim(dim, input.array.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    _check_embed(input, src, SliceScatter.region(input.array, d, start, end, step).shape)
    return SliceScatter.apply(input, src, d, start, end, step)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    check_tensor_arg("diagonal_scatter", input)
    check_tensor_arg("diagonal_scatter", src, "src", 2)
    nd = input.array.ndim
    d1, d2 = normalize_dim(dim1, nd), normalize_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    _check_embed(input, src, input.xp.diagonal(input.array, offset, d1, d2).shape)
    return DiagonalScatter.apply(input, src, int(offset), d1, d2)


# ---- fill_diagonal_ / renorm -----------------------------------------------------------------

def fill_diagonal_(input, fill_value, wrap=False):
    """Tensor.fill_diagonal_: the main diagonal (all dims equal beyond 2-d; a tall matrix restarts it
    every n+1 rows with wrap=True), written through a flat view, so a tensor that requires grad
    records CopySlices as torch does."""
    shape = input.array.shape
    nd = len(shape)
    if nd < 2:
        raise RuntimeError("dimensions must larger than 1")
    if nd > 2 and any(n != shape[0] for n in shape):
        raise RuntimeError("all dimensions of input must be of equal length")
    xp = input.xp
    n = min(shape)
    if nd == 2:
        rows, cols = shape
        step = cols + 1
        stop = rows * cols if wrap or rows <= cols else cols * cols
        flat = xp.arange(0, stop, step)
    else:
        stride = sum(int(xp.prod(xp.asarray(shape[i + 1:]))) for i in range(nd))
        flat = xp.arange(n) * stride
    idx = _new_tensor(flat.astype(xp.int64), _dt.int64, input.device)
    if input.is_contiguous():
        input.view(-1).index_fill_(0, idx, fill_value)
        return input
    return inplace_apply(input, lambda t: index_fill(t.reshape(-1), 0, idx, fill_value).reshape(shape),
                         overlap_ok=True)


class Renorm(Function):
    """renorm (RenormBackward0): each slice along ``dim`` whose p-norm exceeds maxnorm is scaled to
    maxnorm / (norm + 1e-7); backward includes the scale's dependence on the slice."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, p, dim, maxnorm):
        xp = a.xp
        arr = a.array
        dims = tuple(i for i in range(arr.ndim) if i != dim)
        norm = (xp.abs(arr) ** p).sum(axis=dims, keepdims=True) ** (1.0 / p)
        active = norm > maxnorm
        factor = xp.where(active, maxnorm / (norm + 1e-7), 1.0).astype(arr.dtype)
        ctx.p, ctx.dims, ctx.maxnorm = p, dims, maxnorm
        ctx.active = _new_tensor(active, _dt.bool_, a.device)
        ctx.save_for_backward(a)
        return _new_tensor(arr * factor, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        p, dims, maxnorm = ctx.p, ctx.dims, ctx.maxnorm
        norm = a.abs().pow(p).sum(dims, keepdim=True).pow(1.0 / p)
        one = _new_tensor(a.xp.ones((), dtype=a.dtype.numpy), a.dtype, a.device)
        factor = (maxnorm / (norm + 1e-7)).where(ctx.active, one)
        # d norm / d a = |a|^(p-1) sign(a) / norm^(p-1); d factor / d norm = -maxnorm / (norm + eps)^2
        dnorm = a.abs().pow(p - 1) * a.sign() / norm.pow(p - 1)
        dfactor = (-maxnorm / (norm + 1e-7).pow(2)).where(ctx.active, one * 0)
        return grad * factor + dnorm * dfactor * (grad * a).sum(dims, keepdim=True), None, None, None


def renorm(input, p, dim, maxnorm):
    check_tensor_arg("renorm", input)
    nd = input.array.ndim
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm:g}")
    if nd < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {nd} dimensions")
    return Renorm.apply(input, float(p), normalize_dim(dim, nd), float(maxnorm))


def renorm_(input, p, dim, maxnorm):
    return inplace_apply(input, renorm, p, dim, maxnorm, copy_self=True)  # backward reads self


# ---- gcd / lcm / frexp / angle ----------------------------------------------------------------

def _gcd_lcm(op, input, other):
    check_tensor_arg(op, input)
    check_tensor_arg(op, other, "other", 2)
    av, bv, dtype, xp, device = binary_prep(input, other)
    if dtype.numpy.kind not in "iu":
        raise not_implemented(f"{op}_cpu", dtype)
    return wrap(xp, getattr(xp, op)(av, bv), dtype, device)


def gcd(input, other):
    return _gcd_lcm("gcd", input, other)


def lcm(input, other):
    return _gcd_lcm("lcm", input, other)


def gcd_(input, other):
    return inplace_apply(input, gcd, other)


def lcm_(input, other):
    return inplace_apply(input, lcm, other)


class Frexp(Function):
    """frexp (FrexpBackward0): input = mantissa * 2**exponent; the mantissa's gradient is grad / 2**exponent."""

    array_forward = True

    @staticmethod
    def forward(ctx, a):
        xp = a.xp
        mantissa, exponent = xp.frexp(a.array)
        ctx.scale = _new_tensor(xp.ldexp(xp.ones((), a.array.dtype), -exponent).astype(a.array.dtype), a.dtype,
                                a.device)
        return (_new_tensor(mantissa.astype(a.array.dtype), a.dtype, a.device),
                _new_tensor(exponent.astype(xp.int32), _dt.int32, a.device))

    @staticmethod
    def backward(ctx, grad, _grad_exponent=None):
        return None if grad is None else grad * ctx.scale


def frexp(input):
    check_tensor_arg("frexp", input)
    if not input.dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    return frexp_return(*Frexp.apply(input))


class Angle(Function):
    """angle of a real tensor (AngleBackward0): pi where negative, 0 elsewhere, NaN kept; its gradient is 0."""

    array_forward = True

    @staticmethod
    def forward(ctx, a):
        xp = a.xp
        if a.dtype.is_complex:
            ctx.save_for_backward(a)
            return _new_tensor(xp.angle(a.array), a.dtype.to_real(), a.device)
        dtype = a.dtype if a.dtype.is_floating_point else _dt.default_float()
        arr = a.array.astype(dtype.numpy, copy=False)
        out = xp.where(arr < 0, xp.pi, 0).astype(dtype.numpy)
        out = xp.where(xp.isnan(arr), arr, out)
        return _new_tensor(out, dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.saved_tensors:
            return grad * 0
        (z,) = ctx.saved_tensors  # d arg(z): i z / |z|^2, in torch's convention for complex numbers
        return grad * (z * 1j) / (z.abs() ** 2)


def angle(input):
    check_tensor_arg("angle", input)
    return Angle.apply(input)


# ---- registration tables ------------------------------------------------------------------

WIRE: dict = {"isin": isin, "nanmedian": nanmedian, "quantile": quantile, "nanquantile": nanquantile,
              "scatter_reduce": scatter_reduce, "scatter_reduce_": scatter_reduce_, "index_copy": index_copy,
              "index_copy_": index_copy_, "masked_scatter": masked_scatter, "masked_scatter_": masked_scatter_,
              "put": put, "put_": put_, "select_scatter": select_scatter, "slice_scatter": slice_scatter,
              "diagonal_scatter": diagonal_scatter, "fill_diagonal_": fill_diagonal_, "renorm": renorm,
              "renorm_": renorm_, "gcd": gcd, "gcd_": gcd_, "lcm": lcm, "lcm_": lcm_, "frexp": frexp, "angle": angle}
METHODS: dict = {name: fn for name, fn in WIRE.items() if name != "isin"}
__all__: list = [n for n in WIRE if not n.endswith("_")]
