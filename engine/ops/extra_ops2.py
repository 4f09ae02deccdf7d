"""More of torch's tail: unique_consecutive, histogram, vander, as_strided, index_reduce, the running
backward's task (for torch.autograd.graph.register_multi_grad_hook) and the interpolation kernels
bicubic, trilinear and area.

Declares WIRE, METHODS and __all__; engine/ops/__init__.py installs them.
"""
from __future__ import annotations

import math
import numbers
import warnings

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import normalize_dim

from .. import backend
from ..function import Function, accumulator_of
from ..tensor import Tensor, _new_tensor
from ._util import check_tensor_arg, not_implemented, share_version
from .extra_ops import ScatterReduce
from .inplace import check_inplace_view, inplace_apply, inplace_view
from .reduce import _return_type

histogram_return = _return_type("histogram", ("hist", "bin_edges"))


# ---- the running backward (register_multi_grad_hook) ----------------------------------------------

def graph_task(*tensors):
    """[the running backward's id, how many of ``tensors``' nodes it will execute] (torch's
    _current_graph_task_id and _will_engine_execute_node, for register_multi_grad_hook)."""
    from ..autograd.engine import graph_task as current, will_execute  # noqa: PLC0415
    task = current.current
    if task is None:
        return [-1, 0]
    nodes = [t.grad_fn if t.grad_fn is not None else accumulator_of(t) if t.requires_grad else None for t in tensors]
    return [task[0], sum(1 for n in nodes if n is not None and will_execute(n))]


# ---- unique_consecutive -----------------------------------------------------------------------------

class UniqueConsecutive(Function):
    """unique_consecutive (UniqueConsecutiveBackward0, which has no derivative, as torch's)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, return_inverse, return_counts, dim):
        xp = a.xp
        arr = a.array
        rows = arr.reshape(-1) if dim is None else xp.moveaxis(arr, dim, 0)
        n = rows.shape[0]
        if n:
            flat = rows.reshape(n, -1)
            starts = xp.ones(n, dtype=bool)
            starts[1:] = (flat[1:] != flat[:-1]).any(axis=1) if flat.shape[1] else False
            first = xp.flatnonzero(starts)
        else:
            starts, first = xp.zeros(0, dtype=bool), xp.zeros(0, dtype=xp.int64)
        vals = rows[first]
        if dim is not None:
            vals = xp.moveaxis(vals, 0, dim)
        outs = [_new_tensor(xp.ascontiguousarray(vals), a.dtype, a.device)]
        inv = (xp.cumsum(starts) - 1).astype(xp.int64)
        outs.append(_new_tensor(inv.reshape(arr.shape) if dim is None else inv, _dt.int64, a.device))
        counts = xp.diff(xp.append(first, n)).astype(xp.int64)
        outs.append(_new_tensor(counts, _dt.int64, a.device))
        return tuple(outs)

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("the derivative for 'unique_consecutive' is not implemented.")


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """torch.unique_consecutive: the first of each run of equal elements (slices along ``dim``)."""
    check_tensor_arg("unique_consecutive", input)
    shape = input.array.shape
    if dim is not None:
        if not shape:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        dim = normalize_dim(dim, len(shape))
        if any(n == 0 for i, n in enumerate(shape) if i != dim):
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")
    vals, inv, counts = UniqueConsecutive.apply(input, bool(return_inverse), bool(return_counts), dim)
    if return_inverse and return_counts:
        return vals, inv, counts
    if return_inverse:
        return vals, inv
    return (vals, counts) if return_counts else vals


# ---- histogram ----------------------------------------------------------------------------------

class NoDerivative(Function):
    """The node of an op without a derivative: torch's NotImplemented, whose backward raises."""

    _abstract = True
    node_name = "NotImplemented"
    aten = ""

    @classmethod
    def backward(cls, ctx, *grads):
        raise RuntimeError(f"derivative for aten::{cls.aten} is not implemented")


class Histogram(NoDerivative):
    node_name = "NotImplemented"
    aten = "histogram"
    array_forward = True

    @staticmethod
    def forward(ctx, a, edges, weight, density):
        xp = a.xp
        vals = a.array.reshape(-1)
        e = edges.array
        nb = e.shape[0] - 1
        w = None if weight is None else weight.array.reshape(-1)
        inside = (vals >= e[0]) & (vals <= e[-1])
        pos = xp.clip(xp.searchsorted(e, vals[inside], side="right") - 1, 0, max(nb - 1, 0))
        hist = xp.bincount(pos, weights=None if w is None else w[inside].astype(xp.float64), minlength=nb)[:nb]
        hist = hist.astype(a.array.dtype)
        if density:
            total = hist.sum()
            hist = (hist / (total * xp.diff(e))).astype(a.array.dtype)
        return _new_tensor(hist, a.dtype, a.device), _new_tensor(e.copy(), a.dtype, a.device)


def _histogram_edges(input, bins, range):  # noqa: A002 - torch's name
    xp = input.xp
    dt = input.array.dtype
    if range is not None:
        lo, hi = float(range[0]), float(range[1])
    elif input.array.size:
        lo, hi = float(input.array.min()), float(input.array.max())
    else:
        lo, hi = 0.0, 1.0
    if lo > hi:
        raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {lo:g} max {hi:g} for "
                           "dimension 0")
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histogramdd: dimension 0's range [{lo:g}, {hi:g}] is not finite")
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return _new_tensor(xp.linspace(lo, hi, bins + 1).astype(dt), input.dtype, input.device)


def histogram(input, bins=100, *, range=None, weight=None, density=False):  # noqa: A002 - torch's name
    """torch.histogram: (hist, bin_edges); ``bins`` a count (equal widths over ``range`` or the data's) or
    the edges; the last bin includes its right edge; values outside are not counted."""
    check_tensor_arg("histogram", input)
    if not input.dtype.is_floating_point:
        raise not_implemented("histogramdd", input.dtype)
    if isinstance(bins, Tensor):
        if bins.array.ndim != 1:
            raise RuntimeError(f"torch.histogramdd: bins tensor should have one dimension, but got {bins.array.ndim} "
                               "dimensions in the bins tensor for dimension 0")
        if bins.array.shape[0] < 2:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins.array.shape[0] - 1} for "
                               "dimension 0")
        if bins.dtype is not input.dtype:
            raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the same dtype, but got "
                               f"input with dtype {_dt.CPP_NAMES[input.dtype.name]} and bins for dimension 0 with "
                               f"dtype {_dt.CPP_NAMES[bins.dtype.name]}")
        edges = bins
    else:
        if bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
        edges = None
    if weight is not None:
        if weight.array.shape != input.array.shape:
            shape = list(input.array.shape) + [1]
            raise RuntimeError("torch.histogramdd: if weight tensor is provided it should have the same shape as the "
                               "input tensor excluding its innermost dimension, but got input with shape "
                               f"{shape} and weight with shape {list(weight.array.shape)}")
        if weight.dtype is not input.dtype:
            raise RuntimeError("torch.histogramdd: if weight tensor is provided, input tensor and weight tensor should "
                               f"have the same dtype, but got input({_dt.CPP_NAMES[input.dtype.name]}), and "
                               f"weight({_dt.CPP_NAMES[weight.dtype.name]})")
    if edges is None:
        edges = _histogram_edges(input, int(bins), range)
    return histogram_return(*Histogram.apply(input, edges, weight, bool(density)))


# ---- vander -------------------------------------------------------------------------------------

class Vander(Function):
    """vander with increasing powers: x**0 .. x**(n-1) as columns. torch builds it by writing into
    slices (CopySlices) and flips it for decreasing powers (FlipBackward0, the subclass); torch's own
    backward then fails on its in-place writes, ours is d/dx x**k = k x**(k-1)."""

    node_name = "torch::autograd::CopySlices"
    array_forward = True

    @classmethod
    def forward(cls, ctx, x, n):
        xp = x.xp
        arr = x.array.astype(cls.dtype_of(x).numpy)
        out = xp.empty((arr.shape[0], n), dtype=arr.dtype)
        out[:, 0] = 1
        if n > 1:
            out[:, 1:] = xp.cumprod(xp.broadcast_to(arr[:, None], (arr.shape[0], n - 1)), axis=1)
        ctx.n = n
        ctx.save_for_backward(x)
        return _new_tensor(cls.arrange(out), cls.dtype_of(x), x.device)

    @staticmethod
    def dtype_of(x):
        return x.dtype if x.dtype.is_floating_point or x.dtype.is_complex else _dt.int64

    arrange = staticmethod(lambda out: out)

    @classmethod
    def backward(cls, ctx, grad):
        (x,) = ctx.saved_tensors
        n = ctx.n
        g = cls.arrange_grad(grad)[:, 1:]                          # the columns x**1 .. x**(n-1)
        powers = Vander.apply(x, n - 1)                            # x**0 .. x**(n-2)
        k = _new_tensor(x.xp.arange(1, n, dtype=x.array.dtype), x.dtype, x.device)
        return (g * powers * k).sum(1), None

    arrange_grad = staticmethod(lambda g: g)


class VanderDecreasing(Vander):
    node_name = "FlipBackward0"
    arrange = staticmethod(lambda out: out[:, ::-1].copy())
    arrange_grad = staticmethod(lambda g: g.flip(1))


def vander(x, N=None, increasing=False):  # noqa: N803 - torch's name
    check_tensor_arg("vander", x)
    if x.array.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    if N is not None and (isinstance(N, bool) or not isinstance(N, numbers.Integral)):
        raise TypeError(f"vander(): argument 'N' must be int, not {type(N).__name__}")
    n = x.array.shape[0] if N is None else int(N)
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    cls = Vander if increasing else VanderDecreasing
    if n < 2:  # no column depends on x: torch's result has no history
        return _new_tensor(cls.arrange(x.xp.ones((x.array.shape[0], n), dtype=cls.dtype_of(x).numpy)),
                           cls.dtype_of(x), x.device)
    return cls.apply(x, n)


# ---- as_strided ---------------------------------------------------------------------------------

def _storage(arr):
    """(the storage of ``arr`` as a flat array of its dtype, arr's offset in it): the root of its views."""
    from .special_math import storage_offset_of, storage_root  # noqa: PLC0415
    root = storage_root(arr)
    n = root.nbytes // arr.itemsize
    return root, n, storage_offset_of(arr)


def _positions(xp, size, stride, offset):
    """The storage position of each element of a strided view."""
    pos = xp.full(tuple(size), offset, dtype=xp.int64)
    for d, (n, st) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[d] = n
        pos = pos + (xp.arange(n, dtype=xp.int64) * st).reshape(shape)
    return pos


class AsStridedView(Function):
    """as_strided: a view of the input's storage with the given sizes, strides and offset
    (AsStridedBackward0: the gradient summed into the storage's positions, read back at the input's)."""

    node_name = "AsStridedBackward0"
    array_forward = True

    @staticmethod
    def forward(ctx, a, size, stride, offset):
        xp = a.xp
        arr = a.array
        root, n, _ = _storage(arr)
        item = arr.itemsize
        flat = xp.lib.stride_tricks.as_strided(root, (n,), (item,)) if root.dtype == arr.dtype else \
            xp.lib.stride_tricks.as_strided(root.view(arr.dtype) if root.flags.c_contiguous else root, (n,), (item,))
        view = xp.lib.stride_tricks.as_strided(flat[offset:], tuple(size), tuple(s * item for s in stride))
        ctx.geometry = (size, stride, offset)
        ctx.in_geometry = (arr.shape, a.stride(), _storage(arr)[2])
        return share_version(a, _new_tensor(view, a.dtype, a.device))

    @staticmethod
    def backward(ctx, grad):
        from .index import IndexAdd  # noqa: PLC0415
        xp = grad.xp
        out_pos = _positions(xp, *ctx.geometry)
        in_pos = _positions(xp, *ctx.in_geometry)
        lo = min(int(p.min()) for p in (out_pos, in_pos) if p.size) if out_pos.size or in_pos.size else 0
        hi = max(int(p.max()) for p in (out_pos, in_pos) if p.size) + 1 if out_pos.size or in_pos.size else 0
        dev = grad.device
        at = _new_tensor((out_pos - lo).reshape(-1), _dt.int64, dev)
        storage = IndexAdd.apply(grad.reshape(-1), (hi - lo,), 0, at)
        return storage.take(_new_tensor(in_pos - lo, _dt.int64, dev)), None, None, None


class AsStridedViewInplace(AsStridedView):
    node_name = "AsStridedBackward1"


def as_strided(input, size, stride, storage_offset=None):
    """torch.as_strided: a view of ``input``'s storage (strides and offset count from the storage's start)."""
    check_tensor_arg("as_strided", input)
    return AsStridedView.apply(input, *_as_strided_args(input, size, stride, storage_offset))


def as_strided_(input, size, stride, storage_offset=None):
    """Tensor.as_strided_: ``input`` becomes that view of its storage (AsStridedBackward1)."""
    recorded = check_inplace_view(input)
    args = _as_strided_args(input, size, stride, storage_offset)
    return inplace_view(input, recorded, AsStridedViewInplace.apply, *args)


def _as_strided_args(input, size, stride, storage_offset):
    """(size, stride, offset) with torch's checks: the view must lie inside the storage."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    root, n, own_offset = _storage(input.array)
    offset = own_offset if storage_offset is None else int(storage_offset)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: {list(stride)}")
    if any(s < 0 for s in size):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(size)} and strides={list(stride)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    need = 0 if any(s == 0 for s in size) else 1 + sum((s - 1) * st for s, st in zip(size, stride))
    item = input.array.itemsize
    if need and (offset + need) > n:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {item} requiring a storage size of {(offset + need) * item} are out of bounds "
                           f"for storage of size {n * item}")
    return size, stride, offset


# ---- index_reduce -------------------------------------------------------------------------------

class IndexReduce(ScatterReduce):
    """index_reduce (IndexReduceBackward0): scatter_reduce with the index spread over source's slices."""


_BETA_WARNING = ("index_reduce() is in beta and the API may change at any time. (Triggered internally at "
                 "/__w/pytorch/pytorch/aten/src/ATen/native/TensorAdvancedIndexing.cpp:1523.)")
_warned_beta = []


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    op = "index_reduce_"
    check_tensor_arg("index_reduce", input)
    if not _warned_beta:  # torch warns once per process
        _warned_beta.append(True)
        warnings.warn(_BETA_WARNING, UserWarning, stacklevel=2)
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    nd = input.array.ndim
    d = normalize_dim(dim, max(nd, 1))
    ia = index.array
    if ia.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, but got dim: {ia.ndim} with type: "
                         f"{index.dtype._torch_name} and size: {list(ia.shape)}")
    if index.dtype not in (_dt.int32, _dt.int64):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index but got: {index.dtype._torch_name}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"{op}(): self ({input.dtype._torch_name}) and source ({source.dtype._torch_name}) must "
                           "have the same scalar type")
    shape, sshape = input.array.shape or (1,), source.array.shape or (1,)
    if ia.size != sshape[d]:
        raise RuntimeError(f"{op}(): Number of indices ({ia.size}) should be equal to source.size(dim): "
                           f"({sshape[d]}), for dim: {d}")
    if len(sshape) != len(shape) or any(a != b for i, (a, b) in enumerate(zip(shape, sshape)) if i != d):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {list(input.array.shape)} source.shape = {list(source.array.shape)}")
    xp = input.xp
    flat = ia.reshape(-1).astype(xp.int64)
    if flat.size and (int(flat.min()) < 0 or int(flat.max()) >= shape[d]):
        raise IndexError("index out of range in self")
    spread = [1] * len(sshape)
    spread[d] = flat.size
    full = xp.ascontiguousarray(xp.broadcast_to(flat.reshape(spread), sshape)).reshape(source.array.shape)
    return IndexReduce.apply(input, d, _new_tensor(full, _dt.int64, input.device), source, reduce, bool(include_self))


def index_reduce_(input, dim, index, source, reduce, *, include_self=True):
    return inplace_apply(input, index_reduce, dim, index, source, reduce, include_self=include_self, copy_self=True)


# ---- interpolate: bicubic (4-d), trilinear, nearest, nearest-exact and area (5-d) ------------------
# Each of these resizes is separable: one (out, in) matrix per spatial dim, holding torch's source indices
# and weights (computed in the input's float precision, as torch's CPU kernels compute them). Backward
# applies the transposed matrices, and its own backward the matrices again.

def _cubic_weights(xp, t):
    """torch's cubic convolution (A = -0.75) weights of the 4 neighbours at fraction ``t``."""
    a = -0.75
    near = lambda x: ((a + 2) * x - (a + 3)) * x * x + 1  # noqa: E731 - |x| <= 1
    far = lambda x: ((a * x - 5 * a) * x + 8 * a) * x - 4 * a  # noqa: E731 - 1 < |x| < 2
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _resize_matrix(xp, in_size, out_size, scale, mode, align_corners, np_float):
    m = xp.zeros((out_size, in_size), dtype=np_float)
    rows = xp.arange(out_size)
    dst = rows.astype(np_float)
    if mode == "area":  # adaptive average pooling: the mean of [floor(i * in / out), ceil((i + 1) * in / out))
        for i in range(out_size):
            start, end = (i * in_size) // out_size, -((-(i + 1) * in_size) // out_size)
            m[i, start:end] = np_float(1) / np_float(end - start)
        return m
    if align_corners and mode in ("trilinear", "bicubic"):
        ratio = np_float((in_size - 1) / (out_size - 1)) if out_size > 1 else np_float(0)
    elif scale is not None and scale > 0:
        ratio = np_float(1.0 / scale)
    else:
        ratio = np_float(in_size) / np_float(out_size)
    if mode in ("nearest", "nearest-exact"):
        src = xp.floor((dst + np_float(0.5) if mode == "nearest-exact" else dst) * ratio)
        m[rows, xp.minimum(src.astype(xp.int64), in_size - 1)] = 1
        return m
    if align_corners:
        src = ratio * dst
    else:
        src = (xp.float64(ratio) * (dst.astype(xp.float64) + 0.5) - 0.5).astype(np_float)
        if mode == "trilinear":
            src = xp.maximum(src, np_float(0))  # linear clamps the source below at 0; cubic does not
    if mode == "trilinear":
        i0 = src.astype(xp.int64)
        i1 = i0 + (i0 < in_size - 1)
        lam = xp.clip(src - i0.astype(np_float), 0, 1).astype(np_float)
        xp.add.at(m, (rows, i0), np_float(1) - lam)
        xp.add.at(m, (rows, i1), lam)
        return m
    base = xp.floor(src)
    t = (src - base).astype(np_float)
    for k, w in enumerate(_cubic_weights(xp, t)):
        xp.add.at(m, (rows, xp.clip(base.astype(xp.int64) - 1 + k, 0, in_size - 1)), w.astype(np_float))
    return m


class _Resize(Function):
    """Applies one matrix per spatial dim (the last len(mats) dims); the subclasses name torch's nodes."""

    _abstract = True
    array_forward = True

    @classmethod
    def forward(cls, ctx, x, mats):
        xp = x.xp
        arr = x.array
        first = arr.ndim - len(mats)
        for i, m in enumerate(mats):
            arr = xp.moveaxis(xp.tensordot(m, arr, axes=(1, first + i)), 0, first + i)
        ctx.mats = mats
        return _new_tensor(xp.ascontiguousarray(arr).astype(x.array.dtype, copy=False), x.dtype, x.device)

    @classmethod
    def backward(cls, ctx, grad):
        return _ResizeTransposed.apply(grad, [m.T for m in ctx.mats]), None


class _ResizeTransposed(_Resize):
    node_name = "UpsampleBackwardBackward0"

    @classmethod
    def backward(cls, ctx, grad):
        return _ResizeTransposed.apply(grad, [m.T for m in ctx.mats]), None


class UpsampleBicubic2D(_Resize):
    pass


class UpsampleTrilinear3D(_Resize):
    pass


class UpsampleNearest3D(_Resize):
    pass


class UpsampleNearestExact3D(_Resize):
    pass


class AdaptiveAvgPool3D(_Resize):
    pass


_RESIZES = {("bicubic", 2): UpsampleBicubic2D, ("trilinear", 3): UpsampleTrilinear3D,
            ("nearest", 3): UpsampleNearest3D, ("nearest-exact", 3): UpsampleNearestExact3D,
            ("area", 3): AdaptiveAvgPool3D}


def interpolate(input, size, scales, mode, align_corners):
    """F.interpolate's kernels that are not gathers: bicubic on 4-d input, trilinear, nearest, nearest-exact
    and area on 5-d input (the client checks the arguments and computes ``size``)."""
    check_tensor_arg("interpolate", input)
    return _resize(input, input.array.shape[2:], size, scales, mode, align_corners)


def adaptive_avg_pool3d(input, output_size):
    """The 3-d adaptive average pool of ``([N,] C, D, H, W)`` input (the client checks the arguments)."""
    check_tensor_arg("adaptive_avg_pool3d", input)
    return _resize(input, input.array.shape[-3:], [int(o) for o in output_size], None, "area", False)


def _resize(input, spatial, size, scales, mode, align_corners):
    cls = _RESIZES[(mode, len(spatial))]
    if mode == "area" and all(n == 1 for n in size):  # torch's MeanBackward1
        return input.mean(tuple(range(input.array.ndim - len(spatial), input.array.ndim)), keepdim=True)
    host = backend.array_module("cpu")  # the matrices are built on the host
    np_float = host.float64 if input.dtype is _dt.float64 else host.float32
    mats = [_resize_matrix(host, n, o, None if scales is None else scales[i], mode, align_corners, np_float)
            for i, (n, o) in enumerate(zip(spatial, size))]
    xp = input.xp
    return cls.apply(input, [xp.asarray(m.astype(input.dtype.numpy, copy=False)) for m in mats])


# ---- window functions -------------------------------------------------------------------------------

def _window_values(xp, name, n, params, dt):
    if name in ("hann_window", "hamming_window"):
        alpha, beta = (0.5, 0.5) if name == "hann_window" else ((list(params) + [0.54, 0.46][len(params):])[:2])
        return xp.cos(xp.arange(n, dtype=dt) * dt.type(2 * xp.pi / (n - 1))) * dt.type(-beta) + dt.type(alpha)
    if name == "blackman_window":
        x = xp.arange(n, dtype=dt) * dt.type(xp.pi / (n - 1))
        return xp.cos(x * dt.type(4)) * dt.type(0.08) - xp.cos(x * dt.type(2)) * dt.type(0.5) + dt.type(0.42)
    if name == "bartlett_window":
        w = xp.arange(n, dtype=dt) * dt.type(2.0 / (n - 1))
        half = ((n - 1) >> 1) + 1
        w[half:] = dt.type(2) - w[half:]
        return w
    beta = params[0] if params else 12.0  # kaiser_window
    a = (n - 1) / 2.0
    r = (xp.arange(n, dtype=xp.float64) - a) / a
    return (xp.i0(beta * xp.sqrt(xp.clip(1 - r * r, 0, None))) / xp.i0(beta)).astype(dt)


def window(name, window_length, periodic=True, *params, dtype=None, device=None, requires_grad=False):
    """hann/hamming/blackman/bartlett/kaiser windows: symmetric over ``window_length`` points, or over one
    more with the last dropped (``periodic``), as torch's window functions."""
    from .creation import _check_device, _dtype_arg, _finish  # noqa: PLC0415
    dtype = _dtype_arg(dtype) or _dt.default_float()
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    if not dtype.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: TensorOptions(dtype="
                           f"{_dt.CPP_NAMES[dtype.name]}, device=cpu, layout=Strided (default), requires_grad=false "
                           "(default), pinned_memory=false, memory_format=(nullopt))")
    device = _check_device(device)
    xp = backend.array_module(device)
    dt = xp.dtype(dtype.numpy)
    if window_length <= 1:
        arr = xp.ones(window_length, dtype=dt)
    else:
        n = window_length + bool(periodic)
        arr = _window_values(xp, name, n, params, dt)[:window_length]
    return _finish(_new_tensor(xp.ascontiguousarray(arr).astype(dt, copy=False), dtype, device), requires_grad)


# ---- registration tables ------------------------------------------------------------------------

WIRE: dict = {"autograd.graph_task": graph_task, "interpolate": interpolate, "window": window,
              "unique_consecutive": unique_consecutive, "histogram": histogram, "vander": vander, "as_strided": as_strided, "as_strided_": as_strided_, "index_reduce": index_reduce,
              "index_reduce_": index_reduce_}
METHODS: dict = {name: WIRE[name] for name in ("unique_consecutive", "histogram", "as_strided", "as_strided_",
                                               "index_reduce", "index_reduce_")}
__all__: list = ["unique_consecutive", "histogram", "vander", "as_strided", "index_reduce"]
