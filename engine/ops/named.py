"""Ops torch records as one node of their own, where a composition of other ops would record several:
pixel_shuffle, channel_shuffle, im2col/col2im (unfold/fold), interpolate's upsample kernels, adaptive max
pooling, pack_padded_sequence, aminmax, dist, pdist, block_diag, fill, and the Scalar overloads of
mul/div/add/norm that torch's C++ composites record (MulBackward1, NormBackward1 ...).

Most of them are linear maps that pick elements: ``_Take`` (out = x's elements at an index, per leading
slice) with its transpose ``_Put`` (zeros, with the gradient added at the index); each named op is a pair
of them made by ``_take_put``. Interpolation is ``Resample``: per spatial dim, a weighted sum of a few taps.

Declares WIRE, METHODS and __all__; engine/ops/__init__.py installs them.
"""
from __future__ import annotations

import math

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import broadcast_shapes, normalize_dim

from .. import backend
from ..function import Function
from ..tensor import Tensor, _new_tensor
from ._util import wrap
from .arith import Add, Div, Mul
from .index import IndexAdd, IndexSelect
from .reduce import LinalgVectorNorm, _const, _EvenReduce, _return_type, _unreduce, vector_norm_grad
from .shape import sum_to


# ---- element-picking linear maps -------------------------------------------------------------------

def _rows(shape, lead):
    return math.prod(shape[:lead]), math.prod(shape[lead:])


class _Take(Function):
    """out[p, k] = x[p, index[p or 0, k]] over x flattened to (prod(shape[:lead]), rest); index -1 picks 0."""

    array_forward = True
    _abstract = True
    _put = None  # the transpose (set by _take_put)

    @classmethod
    def forward(cls, ctx, x, lead, index, out_shape):
        xp = x.xp
        p, m = _rows(x.array.shape, lead)
        arr = x.array.reshape(p, m)
        if bool((index < 0).any()):  # padding: a zero column at the end, which -1 picks
            arr = xp.concatenate([arr, xp.zeros((p, 1), arr.dtype)], axis=1)
        r = arr[:, index[0]] if index.shape[0] == 1 else xp.take_along_axis(arr, index, axis=1)
        ctx.args = (lead, index, x.array.shape)
        return _new_tensor(r.reshape(out_shape), x.dtype, x.device)

    @classmethod
    def backward(cls, ctx, grad):
        lead, index, in_shape = ctx.args
        return cls._put.apply(grad, lead, index, in_shape), None, None, None


class _Put(Function):
    """_Take's transpose: zeros of ``in_shape`` with g[p, k] added at [p, index[p or 0, k]] (-1: dropped)."""

    array_forward = True
    _abstract = True
    _take = None

    @classmethod
    def forward(cls, ctx, g, lead, index, in_shape):
        xp = g.xp
        p, m = _rows(in_shape, lead)
        z = xp.zeros((p, m + 1), g.dtype.numpy)
        ga = g.array.reshape(p, -1)
        rows = xp.arange(p)[:, None]
        backend.scatter_add(xp, z, (rows, xp.broadcast_to(xp.where(index < 0, m, index), ga.shape)), ga)
        ctx.args = (lead, index, g.array.shape)
        return _new_tensor(z[:, :m].reshape(in_shape), g.dtype, g.device)

    @classmethod
    def backward(cls, ctx, grad):
        lead, index, out_shape = ctx.args
        return cls._take.apply(grad, lead, index, out_shape), None, None, None


def _take_put(take_name: str, put_name: str, take_base=_Take):
    """A named pair: each one's backward is the other (so double backward stays one node per step)."""
    take = type(take_name, (take_base,), {"__module__": __name__})
    put = type(put_name, (_Put,), {"__module__": __name__})
    take._put, put._take = put, take
    return take, put


def _index(xp, flat):
    hp = backend.array_module()  # host arrays: indices and weights, not tensor data
    return xp.asarray(hp.ascontiguousarray(flat, dtype=hp.int64).reshape(1, -1))


PixelShuffle, _PixelShuffleGrad = _take_put("PixelShuffle", "PixelShuffleBackward")
PixelUnshuffle, _PixelUnshuffleGrad = _take_put("PixelUnshuffle", "PixelUnshuffleBackward")
ChannelShuffle, _ChannelShuffleGrad = _take_put("ChannelShuffle", "ChannelShuffleBackward")
Im2Col, Col2Im = _take_put("Im2Col", "Col2Im")
PackPaddedSequence, _PackPaddedGrad = _take_put("PackPaddedSequence", "PackPaddedSequenceBackward")


def pixel_shuffle(input, upscale_factor):
    hp = backend.array_module()  # host arrays: indices and weights, not tensor data
    r = int(upscale_factor)
    *lead, c, h, w = input.array.shape
    order = hp.arange(c * h * w).reshape(c // (r * r), r, r, h, w).transpose(0, 3, 1, 4, 2)
    return PixelShuffle.apply(input, len(lead), _index(input.xp, order), (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    hp = backend.array_module()  # host arrays: indices and weights, not tensor data
    r = int(downscale_factor)
    *lead, c, h, w = input.array.shape
    order = hp.arange(c * h * w).reshape(c, h // r, r, w // r, r).transpose(0, 2, 4, 1, 3)
    return PixelUnshuffle.apply(input, len(lead), _index(input.xp, order), (*lead, c * r * r, h // r, w // r))


def channel_shuffle(input, groups):
    hp = backend.array_module()  # host arrays: indices and weights, not tensor data
    shape = input.array.shape
    c, rest = shape[1], math.prod(shape[2:])
    g = int(groups)
    order = hp.arange(c * rest).reshape(g, c // g, rest).transpose(1, 0, 2)
    return ChannelShuffle.apply(input, 1, _index(input.xp, order), shape)


def _im2col_index(size, channels, kernel, dilation, padding, stride):
    """For each (channel, kernel row, kernel column, block) of torch's columns, the flat position in the
    (channels, H, W) input (-1 in the padding); and the block counts."""
    hp = backend.array_module()  # host arrays: indices and weights, not tensor data
    (h, w), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = size, kernel, dilation, padding, stride
    blocks = [(n + 2 * p - (d * (k - 1) + 1)) // s + 1 for n, p, d, k, s in ((h, ph, dh, kh, sh), (w, pw, dw, kw, sw))]
    rows = (hp.arange(kh)[:, None, None, None] * dh + hp.arange(blocks[0])[None, None, :, None] * sh - ph)
    cols = (hp.arange(kw)[None, :, None, None] * dw + hp.arange(blocks[1])[None, None, None, :] * sw - pw)
    rows, cols = hp.broadcast_arrays(rows, cols)
    inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
    plane = hp.where(inside, rows * w + cols, -1).reshape(-1)
    ch = hp.arange(channels)[:, None] * (h * w)
    return hp.where(plane[None, :] < 0, -1, ch + plane[None, :]).reshape(-1), blocks


def im2col(input, kernel_size, dilation, padding, stride):
    """unfold's kernel: ([N,] C, H, W) -> ([N,] C*kh*kw, L)."""
    *lead, c, h, w = input.array.shape
    index, blocks = _im2col_index((h, w), c, kernel_size, dilation, padding, stride)
    k = kernel_size[0] * kernel_size[1]
    return Im2Col.apply(input, len(lead), _index(input.xp, index), (*lead, c * k, blocks[0] * blocks[1]))


def col2im(input, output_size, kernel_size, dilation, padding, stride):
    """fold's kernel: ([N,] C*kh*kw, L) -> ([N,] C, H, W), overlapping blocks summed."""
    *lead, ck, _ = input.array.shape
    c = ck // (kernel_size[0] * kernel_size[1])
    index, _ = _im2col_index(tuple(output_size), c, kernel_size, dilation, padding, stride)
    return Col2Im.apply(input, len(lead), _index(input.xp, index), (*lead, c, *output_size))


def _pack_padded_sequence(input, lengths, batch_first):
    """pack_padded_sequence's data: the steps of each sequence (sorted longest first), time-major."""
    hp = backend.array_module()  # host arrays: indices and weights, not tensor data
    shape = input.array.shape
    t, b = (shape[1], shape[0]) if batch_first else shape[:2]
    feat = math.prod(shape[2:])
    steps = [(i, j) for i in range(t) for j in range(b) if lengths[j] > i]
    pos = [(j * t + i if batch_first else i * b + j) for i, j in steps]
    index = (hp.asarray(pos, dtype=hp.int64)[:, None] * feat + hp.arange(feat)[None, :]).reshape(-1)
    return PackPaddedSequence.apply(input, 0, _index(input.xp, index), (len(steps), *shape[2:]))


# ---- adaptive max pooling ---------------------------------------------------------------------------

class _AdaptiveMaxPool(_Take):
    """The max of each of torch's adaptive windows (the first on ties; NaN wins), with its flat index in
    the plane, over the last len(sizes) dims."""

    _abstract = True

    @classmethod
    def forward(cls, ctx, x, lead, sizes, out_shape):
        hp = backend.array_module()  # host arrays: indices, not tensor data
        xp = x.xp
        arr = x.array
        spatial = arr.shape[lead:]
        nd = len(spatial)
        # every window's flat plane positions, (cells, cells of the largest window): per dim each window
        # is padded to the longest one by repeating its last position (a repeat never wins a tie)
        flat, plane = 0, 1
        for i in reversed(range(nd)):
            bounds = _windows(spatial[i], sizes[i])
            width = max(b - a for a, b in bounds)
            pos = hp.minimum(hp.array([a for a, _ in bounds])[:, None] + hp.arange(width)[None, :],
                             hp.array([b - 1 for _, b in bounds])[:, None])
            shape = [1] * (2 * nd)
            shape[i], shape[nd + i] = pos.shape
            flat = flat + pos.reshape(shape) * plane
            plane *= spatial[i]
        flat = xp.asarray(hp.ascontiguousarray(flat).reshape(math.prod(sizes), -1))
        vals = arr.reshape(-1, plane)[:, flat]  # (planes, cells, window)
        best = vals.argmax(-1)
        if x.dtype.is_floating_point:
            nan = xp.isnan(vals)
            best = xp.where(nan.any(-1), nan.argmax(-1), best)
        index = flat[xp.arange(flat.shape[0])[None, :], best]
        out = super().forward.__func__(cls, ctx, x, lead, index, out_shape)
        ctx.indices = _new_tensor(index.reshape(out_shape), _dt.int64, x.device)
        ctx.mark_non_differentiable(ctx.indices)
        return out, ctx.indices

    @classmethod
    def backward(cls, ctx, grad, _grad_indices=None):
        return super().backward.__func__(cls, ctx, grad)


class AdaptiveMaxPool2D(_AdaptiveMaxPool):
    pass


class AdaptiveMaxPool3D(_AdaptiveMaxPool):
    pass


# the gradient scatters to the saved indices; its gradient picks at them again
AdaptiveMaxPool2D._put = _take_put("AdaptiveMaxPool2DPick", "AdaptiveMaxPool2DBackward")[1]
AdaptiveMaxPool3D._put = _take_put("AdaptiveMaxPool3DPick", "AdaptiveMaxPool3DBackward")[1]


def _windows(size: int, out: int):
    """torch's adaptive windows: [floor(i*size/out), ceil((i+1)*size/out)) for each output i."""
    return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


def _adaptive_max_pool(cls, nd, input, output_size):
    lead = input.array.shape[:-nd]
    sizes = tuple(int(s) for s in output_size)
    return cls.apply(input, len(lead), sizes, (*lead, *sizes))


class _MaxUnpool(_Put):
    """max_unpool: each value put at its index in a zero plane (the last write wins, as torch's); the
    gradient picks at the indices again."""

    _abstract = True

    @classmethod
    def forward(cls, ctx, g, lead, index, in_shape):
        xp = g.xp
        p, m = _rows(in_shape, lead)
        z = xp.zeros((p, m), g.array.dtype)
        z[xp.arange(p)[:, None], index] = g.array.reshape(p, -1)
        ctx.args = (lead, index, g.array.shape)
        return _new_tensor(z.reshape(in_shape), g.dtype, g.device)


class MaxUnpool2D(_MaxUnpool):
    pass


class MaxUnpool3D(_MaxUnpool):
    pass


for _unpool in (MaxUnpool2D, MaxUnpool3D):
    _unpool._take = type(f"{_unpool.__name__}Backward", (_Take,), {"__module__": __name__, "_put": _unpool})


def _max_unpool(cls, nd, input, indices, output_size):
    shape = input.array.shape
    lead = len(shape) - nd
    size = tuple(int(o) for o in output_size)
    index = indices.array.reshape(math.prod(shape[:lead]), -1)
    bad = ((index < 0) | (index >= math.prod(size))).reshape(-1)
    if index.size and bool(bad.any()):
        raise RuntimeError(f"Found an invalid max index: {int(index.reshape(-1)[int(bad.argmax())])} (output volumes "
                           f"are of size {'x'.join(map(str, size))})")
    return cls.apply(input, lead, index, shape[:lead] + size)


def max_unpool2d(input, indices, output_size):
    return _max_unpool(MaxUnpool2D, 2, input, indices, output_size)


def max_unpool3d(input, indices, output_size):
    return _max_unpool(MaxUnpool3D, 3, input, indices, output_size)


def adaptive_max_pool2d(input, output_size):
    return _adaptive_max_pool(AdaptiveMaxPool2D, 2, input, output_size)


def adaptive_max_pool3d(input, output_size):
    return _adaptive_max_pool(AdaptiveMaxPool3D, 3, input, output_size)


# ---- interpolate's kernels ----------------------------------------------------------------------------

class Resample(Function):
    """Per spatial dim (last first), out = sum_k take(x, idx_k, dim) * w_k: the upsample kernels."""

    array_forward = True
    _abstract = True

    @classmethod
    def forward(cls, ctx, x, taps):
        xp = x.xp
        arr = x.array
        shapes = []
        for d, pairs in taps:
            shapes.append(arr.shape)
            acc = None
            for idx, w in pairs:
                term = xp.take(arr, xp.asarray(idx), axis=d)
                if w is not None:
                    term = term * xp.asarray(w.reshape((-1,) + (1,) * (arr.ndim - d - 1)))
                acc = term if acc is None else acc + term
            arr = acc
        ctx.taps, ctx.shapes = taps, shapes
        return _new_tensor(arr, x.dtype, x.device)

    @classmethod
    def backward(cls, ctx, grad):
        g = grad
        nd = grad.array.ndim
        for (d, pairs), shape in zip(reversed(ctx.taps), reversed(ctx.shapes)):
            acc = None
            for idx, w in pairs:
                term = g if w is None else g * _const(g.xp.asarray(w.reshape((-1,) + (1,) * (nd - d - 1))), g)
                term = IndexAdd.apply(term, shape, d, _new_tensor(g.xp.asarray(idx), _dt.int64, g.device))
                acc = term if acc is None else acc + term
            g = acc
        return g, None


_RESAMPLE_NODES = {}


def _resample_class(mode: str, dims: int):
    name = {"nearest": "UpsampleNearest", "nearest-exact": "UpsampleNearestExact", "linear": "UpsampleLinear",
            "bilinear": "UpsampleBilinear", "bicubic": "UpsampleBicubic", "trilinear": "UpsampleTrilinear"}[mode]
    key = f"{name}{dims}D"
    cls = _RESAMPLE_NODES.get(key)
    if cls is None:
        cls = _RESAMPLE_NODES[key] = type(key, (Resample,), {"__module__": __name__})
    return cls


def _source_ratio(in_size, out_size, scale, align_corners, np_float):
    if align_corners:
        return np_float((in_size - 1) / (out_size - 1)) if out_size > 1 else np_float(0)
    if scale is not None and scale > 0:
        return np_float(1.0 / scale)
    return np_float(in_size) / np_float(out_size)


def _cubic_weights(t, np_float):
    a = np_float(-0.75)
    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1
    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    one = np_float(1)
    return far(t + one), near(t), near(one - t), far(np_float(2) - t)


def _taps(in_size: int, out_size: int, scale, mode: str, align_corners, np_float):
    """[(source index, weight or None), ...] along one dim: torch's source indices and weights, in the
    input's float precision as torch's CPU kernels compute them."""
    hp = backend.array_module()  # host arrays: indices and weights, not tensor data
    dst = hp.arange(out_size, dtype=np_float)
    ratio = _source_ratio(in_size, out_size, scale, align_corners, np_float)
    if mode in ("nearest", "nearest-exact"):
        if mode == "nearest" and out_size == in_size:
            return [(hp.arange(out_size), None)]
        if mode == "nearest" and out_size == 2 * in_size:
            return [(hp.arange(out_size) >> 1, None)]
        src = hp.floor((dst + np_float(0.5) if mode == "nearest-exact" else dst) * ratio)
        return [(hp.minimum(src.astype(hp.int64), in_size - 1), None)]
    if out_size == in_size and mode != "bicubic":  # torch copies: the scale factor is not used
        return [(hp.arange(out_size), None)]
    if align_corners:
        src = ratio * dst
    else:  # torch's CPU build fuses this multiply-add (one rounding): exact in float64, then rounded once
        src = (hp.float64(ratio) * (dst.astype(hp.float64) + 0.5) - 0.5).astype(np_float)
        if mode != "bicubic":
            src = hp.maximum(src, np_float(0))
    if mode == "bicubic":
        i0 = hp.floor(src).astype(hp.int64)
        t = (src - i0.astype(np_float)).astype(np_float)
        return [(hp.clip(i0 + k - 1, 0, in_size - 1), w.astype(np_float))
                for k, w in enumerate(_cubic_weights(t, np_float))]
    i0 = src.astype(hp.int64)
    i1 = i0 + (i0 < in_size - 1)
    lam1 = hp.clip(src - i0.astype(np_float), 0, 1).astype(np_float)
    return [(i0, (np_float(1) - lam1).astype(np_float)), (i1, lam1)]


def upsample(input, output_size, scales, mode, align_corners):
    """interpolate's nearest / nearest-exact / (bi|tri)linear / bicubic kernels, checked by the client."""
    hp = backend.array_module()  # host arrays: indices and weights, not tensor data
    np_float = hp.float64 if input.dtype is _dt.float64 else hp.float32
    spatial = input.array.shape[2:]
    taps = []
    for i in reversed(range(len(spatial))):  # W first, then H: the order of torch's sums
        scale = scales[i] if scales is not None else None
        taps.append((2 + i, _taps(spatial[i], output_size[i], scale, mode, align_corners, np_float)))
    return _resample_class(mode, len(spatial)).apply(input, tuple(taps))


# ---- reductions ----------------------------------------------------------------------------------------

aminmax_return = _return_type("aminmax", ("min", "max"))


class Aminmax(Function):
    """(min, max) in one node; each gradient split evenly among its ties, as amin/amax."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        lo = _EvenReduce.forward.__func__(_AMIN, ctx, a, dims, keepdim)
        w_lo = ctx.weights
        hi = _EvenReduce.forward.__func__(_AMAX, ctx, a, dims, keepdim)
        ctx.weights = (w_lo, ctx.weights)
        return lo, hi

    @staticmethod
    def backward(ctx, g_lo, g_hi):
        out = None
        for g, w in zip((g_lo, g_hi), ctx.weights):
            if g is not None:
                term = _unreduce(g, ctx) * w
                out = term if out is None else out + term
        return out, None, None


class _AMIN:
    _fn = "min"


class _AMAX:
    _fn = "max"


def aminmax(input, *, dim=None, keepdim=False):
    nd = input.array.ndim
    if dim is None:
        if input.array.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                               "identity.")
        dims = tuple(range(nd))
    else:
        dims = (normalize_dim(dim, nd),) if nd else ()
        if nd and input.array.shape[dims[0]] == 0:
            raise RuntimeError(f"aminmax: Expected reduction dim {dims[0]} to have non-zero size.")
    lo, hi = Aminmax.apply(input, dims, bool(keepdim))
    return aminmax_return(lo, hi)


class Dist(Function):
    """torch.dist: the p-norm of a - b (broadcast), one node with both inputs."""

    array_forward = True
    shown_edges = 2

    @staticmethod
    def forward(ctx, a, b, p):
        dtype = _dt.promote_types(a.dtype, b.dtype)
        diff = a.xp.subtract(*a.xp.broadcast_arrays(a.array, b.array)).astype(dtype.numpy, copy=False)
        if dtype.is_complex:  # the norm of complex differences is that of their moduli, a real number
            diff, dtype = a.xp.abs(diff), dtype.to_real()
        out = LinalgVectorNorm.forward(ctx, _new_tensor(diff, dtype, a.device), p, tuple(range(diff.ndim)), False)
        ctx.save_for_backward(a, b, out)
        ctx.p = p
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        shape = broadcast_shapes(a.array.shape, b.array.shape)
        diff = a.expand(shape).to(out.dtype) - b.expand(shape).to(out.dtype)
        g = vector_norm_grad(diff, out.expand(shape), grad.expand(shape), ctx.p, tuple(range(len(shape))))
        na, nb = ctx.needs_input_grad[:2]
        return (sum_to(g, a.array.shape).to(a.dtype) if na else None), \
            (sum_to(-g, b.array.shape).to(b.dtype) if nb else None), None


def dist(input, other, p=2):
    broadcast_shapes(input.array.shape, other.array.shape)
    dtype = _dt.promote_types(input.dtype, other.dtype)
    if not (dtype.is_floating_point or dtype.is_complex):
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got {dtype._torch_name} "
                           "instead.")
    return Dist.apply(input, other, float(p))


class Pdist(Function):
    """F.pdist: the p-norm distances of the rows i < j, in one node."""

    array_forward = True

    @staticmethod
    def forward(ctx, x, p):
        hp = backend.array_module()  # host arrays: indices and weights, not tensor data
        n = x.array.shape[0]
        i, j = hp.triu_indices(n, 1)
        ctx.pairs = tuple(_new_tensor(x.xp.asarray(v.astype(hp.int64)), _dt.int64, x.device) for v in (i, j))
        arr = x.array
        diff = _new_tensor(arr[ctx.pairs[0].array] - arr[ctx.pairs[1].array], x.dtype, x.device)
        out = LinalgVectorNorm.forward(ctx, diff, p, (1,), False)
        ctx.save_for_backward(x, out)
        ctx.p = p
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        i, j = ctx.pairs
        diff = IndexSelect.apply(x, 0, i) - IndexSelect.apply(x, 0, j)
        shape = diff.array.shape
        n, g = out.unsqueeze(1).expand(shape), grad.unsqueeze(1).expand(shape)
        if ctx.p == float("inf"):  # torch's pdist: every entry at the max takes the whole gradient (no split)
            g = g * _const(diff.xp.sign(diff.array) * (diff.xp.abs(diff.array) == n.array), diff)
        else:
            g = vector_norm_grad(diff, n, g, ctx.p, (1,))
        n = x.array.shape
        return IndexAdd.apply(g, n, 0, i) - IndexAdd.apply(g, n, 0, j), None


def pdist(input, p=2):
    return Pdist.apply(input, float(p))


class NormDim(LinalgVectorNorm):
    """at::norm(input, p, dim, keepdim) as torch's C++ composites call it: NormBackward1."""

    op_name = "Norm"
    overload = 1


def _norm_dim(input, p, dim, keepdim=False):
    nd = input.array.ndim
    dims = tuple(normalize_dim(d, nd) for d in (dim if isinstance(dim, (tuple, list)) else (dim,)))
    return NormDim.apply(input, float(p), dims, bool(keepdim))


# ---- Scalar overloads (what torch's C++ composites record: MulBackward1 ...) -----------------------------

class MulScalar(Mul):
    op_name = "Mul"
    overload = 1


class DivScalar(Div):
    op_name = "Div"
    overload = 1


class AddScalar(Add):
    op_name = "Add"
    overload = 1


# ---- block_diag, fill -------------------------------------------------------------------------------

class BlockDiag(Function):
    """The 2-d blocks along a diagonal, zeros elsewhere; each block's gradient is its slice."""

    array_forward = True
    shown_edges = 1 << 30  # an edge per block, as torch

    @staticmethod
    def forward(ctx, *blocks):
        xp = blocks[0].xp
        dtype = blocks[0].dtype
        for b in blocks[1:]:
            dtype = _dt.promote_types(dtype, b.dtype)
        mats = [b.array.reshape(1, -1) if b.array.ndim < 2 else b.array for b in blocks]  # 0-d, 1-d: a row
        out = xp.zeros((sum(m.shape[0] for m in mats), sum(m.shape[1] for m in mats)), dtype.numpy)
        spans, r, c = [], 0, 0
        for b, m in zip(blocks, mats):
            h, w = m.shape
            out[r:r + h, c:c + w] = m
            spans.append((r, h, c, w, b.dtype, b.array.shape))
            r, c = r + h, c + w
        ctx.spans = spans
        return _new_tensor(out, dtype, blocks[0].device)

    @staticmethod
    def backward(ctx, grad):
        needs = ctx.needs_input_grad
        return tuple(grad[r:r + h, c:c + w].reshape(shape).to(dt) if need else None
                     for need, (r, h, c, w, dt, shape) in zip(needs, ctx.spans))


def block_diag(*tensors):
    return BlockDiag.apply(*tensors)


class Fill(Function):
    """torch.fill(input, value): FillBackward0 (a number: no gradient to input); with a 0-d tensor value,
    FillBackward1 (its gradient is the sum of the output's)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, value):
        v = value.array if type(value) is Tensor else value
        return _new_tensor(a.xp.full(a.array.shape, v, dtype=a.dtype.numpy), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, None


class FillTensor(Fill):
    op_name = "Fill"
    overload = 1
    shown_edges = 2

    @staticmethod
    def backward(ctx, grad):
        na, nv = ctx.needs_input_grad
        return (grad * 0 if na else None), (grad.sum() if nv else None)


def fill(input, value):
    if type(value) is Tensor:
        if value.array.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.array.ndim} dimensions.")
        return FillTensor.apply(input, value)
    return Fill.apply(input, value)


# ---- in-place comparisons ---------------------------------------------------------------------------

class _CompareInto(Function):
    """The comparison's 0/1 in self's dtype (inplace.py writes it into self); the gradients are zeros."""

    array_forward = True
    _abstract = True
    _op = "eq"

    @classmethod
    def forward(cls, ctx, a, other):
        from . import OPS  # noqa: PLC0415
        r = OPS[cls._op](a, other).array.astype(a.dtype.numpy)
        ctx.shapes = (a.array.shape, other.array.shape if type(other) is Tensor else None)
        return _new_tensor(r, a.dtype, a.device)

    @classmethod
    def backward(cls, ctx, grad):
        xp = grad.xp
        return tuple(None if shape is None or not need else _const(xp.zeros(shape), grad)
                     for need, shape in zip(ctx.needs_input_grad, ctx.shapes))


_COMPARE_INTO = {(op, overload): type(op.title() + ("Tensor" if overload else "Scalar"), (_CompareInto,),
                                      {"__module__": __name__, "op_name": op.title(), "overload": overload, "_op": op,
                                       "shown_edges": 1 + overload})
                 for op in ("eq", "ne", "lt", "le", "gt", "ge") for overload in (0, 1)}


def compare_into(op: str, input, other):
    return _COMPARE_INTO[op, int(type(other) is Tensor)].apply(input, other)


WIRE: dict = {
    "pixel_shuffle": pixel_shuffle, "pixel_unshuffle": pixel_unshuffle, "channel_shuffle": channel_shuffle,
    "im2col": im2col, "col2im": col2im, "_pack_padded_sequence": _pack_padded_sequence,
    "adaptive_max_pool2d": adaptive_max_pool2d, "adaptive_max_pool3d": adaptive_max_pool3d,
    "max_unpool2d": max_unpool2d, "max_unpool3d": max_unpool3d, "upsample": upsample, "aminmax": aminmax, "dist": dist,
    "pdist": pdist, "_norm_dim": _norm_dim, "_mul_scalar": MulScalar.apply, "_div_scalar": DivScalar.apply,
    "_add_scalar": AddScalar.apply, "block_diag": block_diag, "fill": fill,
}
METHODS: dict = {"aminmax": aminmax, "dist": dist}
__all__: list = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "aminmax", "dist", "pdist", "block_diag",
                 "fill"]
