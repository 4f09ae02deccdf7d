"""Convolution and pooling kernels: conv1d/conv2d, max_pool2d, avg_pool2d, adaptive_avg_pool2d, pad.

The forwards work on arrays (im2col through a strided view of the padded
input, then one batched matmul) and record one node named as torch names it
(ConvolutionBackward0, MaxPool2DWithIndicesBackward0, AvgPool2DBackward0,
ConstantPadNdBackward0).  Their backward takes an array path (a loop over
kernel offsets adds strided slices) unless a graph of the backward is being
recorded; then it is written with differentiable Tensor ops (slices, einsum,
stack and ConstantPadNd), so double backward works.

Every kernel sees a 4-D (N, C, H, W) view; a 1-D convolution is a 2-D one of
height 1.  Declares WIRE, METHODS and __all__; engine/__init__.py installs them.
"""
from __future__ import annotations

import math

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import padded_shape, pool_out_len

from ..function import Function
from ..grad_mode import _state as _grad_state
from ..ops._util import same_device, wrap_grad as _grad_of
from ..ops.elementwise import Where, _bool_tensor
from ..ops.matrix import einsum
from ..ops.creation import zeros
from ..ops.reduce import mean
from ..ops.scatter import index_add
from ..ops.shape import expand, reshape, squeeze, stack, unsqueeze
from ..tensor import Tensor, _new_tensor
from .functional import _not_implemented, _require_tensor


# ---- shared helpers ------------------------------------------------------------------------

def _pair(v, n: int = 2) -> tuple:
    if isinstance(v, (tuple, list)):
        return tuple(int(x) for x in v) if len(v) == n else tuple(int(v[0]) for _ in range(n))
    return (int(v),) * n


def _out_len(n, k, s, lo, hi, d) -> int:
    return (n + lo + hi - d * (k - 1) - 1) // s + 1


def _windows(xp, a, k, s, d, out):
    """(N, C, kh, kw, Ho, Wo) strided view of the padded 4-D array ``a``."""
    st = a.strides
    shape = a.shape[:2] + tuple(k) + tuple(out)
    strides = (st[0], st[1], st[2] * d[0], st[3] * d[1], st[2] * s[0], st[3] * s[1])
    return xp.lib.stride_tricks.as_strided(a, shape, strides)


def _offset_slice(i, j, k_out, s, d):
    """The index of padded-input positions that kernel offset (i, j) reads for every output cell."""
    return (slice(None), slice(None), slice(i * d[0], i * d[0] + s[0] * (k_out[0] - 1) + 1, s[0]),
            slice(j * d[1], j * d[1] + s[1] * (k_out[1] - 1) + 1, s[1]))


def _pad_array(xp, a, pads, value):
    """``a`` (4-D) padded by ``pads`` = (top, bottom, left, right) with ``value``."""
    if not any(pads):
        return a
    t, b, l, r = pads
    return xp.pad(a, ((0, 0), (0, 0), (t, b), (l, r)), mode="constant", constant_values=value)


def _scatter_offsets(xp, cols, in_shape, pads, k, s, d, out):
    """The adjoint of _windows: cols (N, C, kh, kw, Ho, Wo) summed into the unpadded input's shape."""
    n, c, h, w = in_shape
    t, b, l, r = pads
    g = xp.zeros((n, c, h + t + b, w + l + r), dtype=cols.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            g[_offset_slice(i, j, out, s, d)] += cols[:, :, i, j]
    return g[:, :, t:t + h, l:l + w]


def _dilate(t: Tensor, dim: int, step: int) -> Tensor:
    """Zeros inserted between the elements of ``t`` along ``dim`` (differentiable)."""
    if step == 1 or t.array.shape[dim] <= 1:
        return t
    shape = t.array.shape
    u = unsqueeze(t, dim + 1)
    widths = [0, 0] * (len(shape) - dim - 1) + [0, step - 1]  # pad the new axis after each element
    u = ConstantPadNd.apply(u, tuple(widths), 0.0)
    merged = reshape(u, shape[:dim] + (shape[dim] * step,) + shape[dim + 1:])
    index = (slice(None),) * dim + (slice(0, (shape[dim] - 1) * step + 1),)
    return merged[index]


def _place(t: Tensor, i, j, padded_hw, k, s, d) -> Tensor:
    """A differentiable _scatter_offsets term: t (N, C, Ho, Wo) put where kernel offset (i, j) reads."""
    ho, wo = t.array.shape[2:]
    t = _dilate(_dilate(t, 2, s[0]), 3, s[1])
    top, left = i * d[0], j * d[1]
    bottom = padded_hw[0] - top - ((ho - 1) * s[0] + 1)
    right = padded_hw[1] - left - ((wo - 1) * s[1] + 1)
    return ConstantPadNd.apply(t, (left, right, top, bottom), 0.0)


def _unpad(t: Tensor, pads, hw) -> Tensor:
    top, _, left, _ = pads
    return t[:, :, top:top + hw[0], left:left + hw[1]]


def _sum_places(terms, pads, hw, padded_hw, k, s, d):
    total = None
    for (i, j), t in terms:
        p = _place(t, i, j, padded_hw, k, s, d)
        total = p if total is None else total + p
    return _unpad(total, pads, hw)


def _as4d(a):
    return a.reshape(a.shape[:2] + (1,) + a.shape[2:]) if a.ndim == 3 else a


# ---- constant pad -----------------------------------------------------------------------------

class ConstantPadNd(Function):
    """F.pad(mode='constant'): ``pads`` as torch orders them (last dim first); negative ones crop."""

    array_forward = True

    @staticmethod
    def forward(ctx, x, pads, value):
        xp = x.xp
        a = x.array
        nd = a.ndim
        shape = list(a.shape)
        src, dst = [slice(None)] * nd, [slice(None)] * nd
        for p in range(len(pads) // 2):
            dim = nd - 1 - p
            lo, hi = pads[2 * p], pads[2 * p + 1]
            n = a.shape[dim]
            new = n + lo + hi
            if new < 0:
                raise RuntimeError(f"The input size {n}, plus negative padding {lo} and {hi} resulted in a negative "
                                   f"output size, which is invalid. Check dimension {dim} of your input.")
            shape[dim] = new
            src[dim] = slice(max(-lo, 0), n - max(-hi, 0))
            dst[dim] = slice(max(lo, 0), max(lo, 0) + max(n - max(-lo, 0) - max(-hi, 0), 0))
        out = xp.full(tuple(shape), value, dtype=a.dtype)
        if out.size and a.size:
            out[tuple(dst)] = a[tuple(src)]
        ctx.pads = pads
        return _new_tensor(out, x.dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        return ConstantPadNd.apply(grad, tuple(-p for p in ctx.pads), 0.0), None, None


class IndexedPad(Function):
    """F.pad's reflect, replicate and circular modes: each output element is one input element, picked
    by ``index`` (flat input positions in the output's shape, made by the array module's own pad);
    backward adds the gradient back at those positions."""

    array_forward = True
    _abstract = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.index, ctx.in_shape = index, x.array.shape
        return _new_tensor(x.array.reshape(-1)[index], x.dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        flat_index = _new_tensor(ctx.index.reshape(-1), _dt.int64, grad.device)
        total = zeros(math.prod(ctx.in_shape), dtype=grad.dtype, device=grad.device)
        g = index_add(total, 0, flat_index, reshape(grad, (-1,)))
        return reshape(g, ctx.in_shape), None


def _indexed_pad_class(mode: str, dims: int) -> type:
    name = {"reflect": "ReflectionPad", "replicate": "ReplicationPad"}.get(mode)
    node = f"{name}{dims}DBackward0" if name else "CopySlices"  # torch's circular pad writes slices of a copy
    cls = _INDEXED_PAD_CLASSES.get(node)
    if cls is None:
        cls = _INDEXED_PAD_CLASSES[node] = type(node, (IndexedPad,), {"node_name": node, "_abstract": False})
    return cls


_INDEXED_PAD_CLASSES: dict = {}
_ARRAY_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _indexed_pad(input, pads, mode):
    shape = input.array.shape
    padded_shape(shape, pads, mode)  # torch's checks
    k = len(pads) // 2
    xp = input.xp
    widths = [(0, 0)] * (len(shape) - k) + [(pads[2 * i], pads[2 * i + 1]) for i in reversed(range(k))]
    index = xp.pad(xp.arange(input.array.size, dtype=xp.int64).reshape(shape), widths, mode=_ARRAY_PAD_MODES[mode])
    return _indexed_pad_class(mode, k).apply(input, index)


def pad(input, pad, mode="constant", value=None):  # noqa: A002 - torch's name
    _require_tensor("pad", "input", 1, input)
    pads = tuple(int(p) for p in pad)
    if len(pads) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = input.array.ndim
    if len(pads) // 2 > nd:
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pads)} and input of dimension {nd}")
    if mode != "constant":
        return _indexed_pad(input, pads, mode)
    v = 0 if value is None else value
    if not input.dtype.is_floating_point and not input.dtype.is_complex:
        v = int(v) if not isinstance(v, bool) else v
    return ConstantPadNd.apply(input, pads, v)


# ---- convolution -----------------------------------------------------------------------------

class Convolution(Function):
    """conv1d/conv2d on (N, C, [H,] W) input; ``pads`` = (top, bottom, left, right) of the 4-D view."""

    shown_edges = 3  # input, weight, bias: an edge each, even when None

    array_forward = True

    @staticmethod
    def forward(ctx, x, weight, bias, stride, pads, dilation, groups):
        same_device(x, weight, bias)
        xp = x.xp
        a, wa = _as4d(x.array), _as4d(weight.array)
        n, c, h, w = a.shape
        o, cg, kh, kw = wa.shape
        out = (_out_len(h, kh, stride[0], pads[0], pads[1], dilation[0]),
               _out_len(w, kw, stride[1], pads[2], pads[3], dilation[1]))
        cols = _windows(xp, _pad_array(xp, a, pads, 0), (kh, kw), stride, dilation, out)
        cols = xp.ascontiguousarray(cols).reshape(n, groups, cg * kh * kw, out[0] * out[1])
        wr = wa.reshape(groups, o // groups, cg * kh * kw)
        r = xp.matmul(wr, cols).reshape(n, o, out[0], out[1])
        if bias is not None:
            r = r + bias.array.reshape(1, o, 1, 1)
        ctx.save_for_backward(x, weight)
        ctx.has_bias = bias is not None
        ctx.geom = (stride, pads, dilation, groups)
        if x.array.ndim == 3:
            r = r.reshape(n, o, out[1])
        return _new_tensor(xp.ascontiguousarray(r).astype(a.dtype, copy=False), x.dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        nx, nw, nb = ctx.needs_input_grad[:3]
        x, weight = ctx.saved_tensors
        stride, pads, dilation, groups = ctx.geom
        gb = None
        if nb:
            gb = grad.sum((0, 2) if grad.array.ndim == 3 else (0, 2, 3))
        if _grad_state.enabled:
            gx, gw = _conv_backward_graph(x, weight, grad, stride, pads, dilation, groups, nx, nw)
            return gx, gw, gb, None, None, None, None
        xp = grad.xp
        a, wa, ga = _as4d(x.array), _as4d(weight.array), _as4d(grad.array)
        n, c, h, w = a.shape
        o, cg, kh, kw = wa.shape
        out = ga.shape[2:]
        gr = ga.reshape(n, groups, o // groups, out[0] * out[1])
        gx = gw = None
        if nw:
            cols = _windows(xp, _pad_array(xp, a, pads, 0), (kh, kw), stride, dilation, out)
            cols = xp.ascontiguousarray(cols).reshape(n, groups, cg * kh * kw, out[0] * out[1])
            g = xp.matmul(gr, cols.transpose(0, 1, 3, 2)).sum(axis=0)
            gw = _grad_of(xp, g.reshape(weight.array.shape), grad.dtype, grad.device)
        if nx:
            wr = wa.reshape(groups, o // groups, cg * kh * kw)
            gcols = xp.matmul(wr.transpose(0, 2, 1), gr).reshape(n, c, kh, kw, out[0], out[1])
            g = _scatter_offsets(xp, gcols, a.shape, pads, (kh, kw), stride, dilation, out)
            gx = _grad_of(xp, xp.ascontiguousarray(g).reshape(x.array.shape), grad.dtype, grad.device)
        return gx, gw, gb, None, None, None, None


def _conv_backward_graph(x, weight, grad, stride, pads, dilation, groups, nx, nw):
    """The input and weight gradients as differentiable ops (for create_graph=True)."""
    one_d = x.array.ndim == 3
    if one_d:
        x, weight, grad = unsqueeze(x, 2), unsqueeze(weight, 2), unsqueeze(grad, 2)
    n, c, h, w = x.array.shape
    o, cg, kh, kw = weight.array.shape
    ho, wo = grad.array.shape[2:]
    gr = reshape(grad, (n, groups, o // groups, ho, wo))
    wr = reshape(weight, (groups, o // groups, cg, kh, kw))
    offsets = [(i, j) for i in range(kh) for j in range(kw)]
    gx = gw = None
    if nw:
        xpad = ConstantPadNd.apply(x, (pads[2], pads[3], pads[0], pads[1]), 0.0) if any(pads) else x
        parts = [einsum("ngohw,ngchw->goc", gr, reshape(xpad[_offset_slice(i, j, (ho, wo), stride, dilation)],
                                                         (n, groups, cg, ho, wo))) for i, j in offsets]
        gw = reshape(stack(parts, -1), (o, cg, kh, kw))
    if nx:
        terms = [((i, j), reshape(einsum("ngohw,goc->ngchw", gr, wr[:, :, :, i, j]), (n, c, ho, wo)))
                 for i, j in offsets]
        gx = _sum_places(terms, pads, (h, w), (h + pads[0] + pads[1], w + pads[2] + pads[3]), (kh, kw), stride,
                         dilation)
    if one_d:
        gx = squeeze(gx, 2) if gx is not None else None
        gw = squeeze(gw, 2) if gw is not None else None
    return gx, gw


def _same_pads(k, d):
    total = d * (k - 1)
    return total // 2, total - total // 2


def _convnd(name, nd, input, weight, bias, stride, padding, dilation, groups):
    _require_tensor(name, "input", 1, input)
    _require_tensor(name, "weight", 2, weight)
    shape, wshape = input.array.shape, weight.array.shape
    if len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input "
                           f"of size: {list(shape)}")
    unbatched = len(shape) == nd + 1
    stride, dilation, groups = _pair(stride, nd), _pair(dilation, nd), int(groups)
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if wshape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{list(wshape)}] instead")
    c = shape[0] if unbatched else shape[1]
    if c != wshape[1] * groups:
        shown = [1] + list(shape) if unbatched else list(shape)
        raise RuntimeError(f"Given groups={groups}, weight of size {list(wshape)}, expected input{shown} to have "
                           f"{wshape[1] * groups} channels, but got {c} channels instead")
    if bias is not None and (bias.array.ndim != 1 or bias.array.shape[0] != wshape[0]):
        raise RuntimeError(f"Given weight of size {list(wshape)}, expected bias to be 1-dimensional with "
                           f"{wshape[0]} elements, but got bias of size {list(bias.array.shape)} instead")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype._torch_name} but found {weight.dtype._torch_name}")
    if not input.dtype.is_floating_point:
        raise _not_implemented("slow_conv2d_cpu", input.dtype)
    kernel = wshape[2:]
    if isinstance(padding, str):
        if padding == "valid":
            pads_nd = [(0, 0)] * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads_nd = [_same_pads(k, d) for k, d in zip(kernel, dilation)]
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        pads_nd = [(p, p) for p in _pair(padding, nd)]
    spatial = shape[-nd:]
    padded = [s + lo + hi for s, (lo, hi) in zip(spatial, pads_nd)]
    effective = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(p < e for p, e in zip(padded, effective)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, effective))}). Kernel size can't be greater than actual input size")
    if nd == 1:
        pads, stride, dilation = (0, 0) + pads_nd[0], (1,) + stride, (1,) + dilation
    else:
        pads = pads_nd[0] + pads_nd[1]
    x = unsqueeze(input, 0) if unbatched else input
    out = Convolution.apply(x, weight, bias, stride, pads, dilation, groups)
    return squeeze(out, 0) if unbatched else out


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convnd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convnd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


# ---- pooling -----------------------------------------------------------------------------------

def _pool_geometry(name, input, kernel_size, stride, padding, dilation, ceil_mode):
    shape = input.array.shape
    if len(shape) not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    k = _pair(kernel_size)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _pair(stride)
    p, d = _pair(padding), _pair(dilation)
    if any(x <= 0 for x in k + s + d):
        raise RuntimeError(f"{name}: kernel_size, stride and dilation must be greater than zero")
    for pp, kk, dd in zip(p, k, d):
        if pp > (dd * (kk - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={kk} and dilation={dd}")
    out = tuple(pool_out_len(n, kk, ss, pp, dd, ceil_mode) for n, kk, ss, pp, dd in zip(shape[-2:], k, s, p, d))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, shape[-3:]))}). Calculated output size: "
                           f"({shape[-3]}x{out[0]}x{out[1]}). Output size is too small")
    # ceil_mode's last windows may reach past the far padding: pad the far side that much more
    far = tuple(max(pp, (o - 1) * ss + dd * (kk - 1) + 1 - n - pp)
                for n, o, kk, ss, pp, dd in zip(shape[-2:], out, k, s, p, d))
    return k, s, (p[0], far[0], p[1], far[1]), d, out


def _batched(a):
    return a.reshape((1,) + a.shape) if a.ndim == 3 else a


class MaxPool2DWithIndices(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, x, k, s, pads, d, out, with_indices=False):
        xp = x.xp
        a = _batched(x.array)
        low = -xp.inf if x.dtype.is_floating_point else xp.iinfo(a.dtype).min
        cols = xp.ascontiguousarray(_windows(xp, _pad_array(xp, a, pads, low), k, s, d, out))
        cols = cols.reshape(a.shape[:2] + (k[0] * k[1],) + tuple(out))
        idx = xp.argmax(cols, axis=2)
        r = xp.take_along_axis(cols, idx[:, :, None], axis=2)[:, :, 0]
        ctx.idx, ctx.geom, ctx.in_shape = idx, (k, s, pads, d, out), x.array.shape
        values = _new_tensor(r.reshape(x.array.shape[:-2] + tuple(out)), x.dtype, x.device)
        if not with_indices:
            return values
        # torch's indices: each max's flat position h * W + w in its (unpadded) input plane
        row = xp.arange(out[0], dtype=xp.int64)[:, None] * s[0] - pads[0] + (idx // k[1]) * d[0]
        col = xp.arange(out[1], dtype=xp.int64)[None, :] * s[1] - pads[2] + (idx % k[1]) * d[1]
        flat = (row * a.shape[-1] + col).astype(xp.int64, copy=False)
        return values, _new_tensor(flat.reshape(values.array.shape), _dt.int64, x.device)

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        k, s, pads, d, out = ctx.geom
        idx = ctx.idx
        if _grad_state.enabled:
            g4 = grad if grad.array.ndim == 4 else unsqueeze(grad, 0)
            h, w = ctx.in_shape[-2:]
            terms = [((i, j), Where.apply(_bool_tensor(idx == i * k[1] + j, grad.device), g4, 0.0))
                     for i in range(k[0]) for j in range(k[1])]
            gx = _sum_places(terms, pads, (h, w), (h + pads[0] + pads[1], w + pads[2] + pads[3]), k, s, d)
            return (gx if grad.array.ndim == 4 else squeeze(gx, 0)), None, None, None, None, None, None
        xp = grad.xp
        ga = _batched(grad.array)
        cols = xp.zeros(ga.shape[:2] + k + tuple(out), dtype=ga.dtype)
        for i in range(k[0]):
            for j in range(k[1]):
                cols[:, :, i, j] = xp.where(idx == i * k[1] + j, ga, 0)
        g = _scatter_offsets(xp, cols, ga.shape[:2] + tuple(ctx.in_shape[-2:]), pads, k, s, d, out)
        return _grad_of(xp, xp.ascontiguousarray(g).reshape(ctx.in_shape), grad.dtype, grad.device), \
            None, None, None, None, None, None


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    _require_tensor("max_pool2d", "input", 1, input)
    k, s, pads, d, out = _pool_geometry("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    if return_indices:
        return MaxPool2DWithIndices.apply(input, k, s, pads, d, out, True)
    return MaxPool2DWithIndices.apply(input, k, s, pads, d, out)


class AvgPool2D(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, x, k, s, pads, out, divisor):
        xp = x.xp
        a = _batched(x.array)
        cols = _windows(xp, _pad_array(xp, a, pads, 0), k, s, (1, 1), out)
        r = cols.sum(axis=(2, 3)) / divisor
        ctx.geom, ctx.divisor, ctx.in_shape = (k, s, pads, out), divisor, x.array.shape
        return _new_tensor(r.astype(a.dtype, copy=False).reshape(x.array.shape[:-2] + tuple(out)), x.dtype,
                           x.device)

    @staticmethod
    def backward(ctx, grad):
        k, s, pads, out = ctx.geom
        h, w = ctx.in_shape[-2:]
        if _grad_state.enabled:
            g4 = grad if grad.array.ndim == 4 else unsqueeze(grad, 0)
            g4 = g4 / ctx.divisor if isinstance(ctx.divisor, (int, float)) else \
                g4 / _new_tensor(ctx.divisor, grad.dtype, grad.device)
            terms = [((i, j), g4) for i in range(k[0]) for j in range(k[1])]
            gx = _sum_places(terms, pads, (h, w), (h + pads[0] + pads[1], w + pads[2] + pads[3]), k, s, (1, 1))
            return (gx if grad.array.ndim == 4 else squeeze(gx, 0)), None, None, None, None, None
        xp = grad.xp
        ga = _batched(grad.array) / ctx.divisor
        cols = xp.broadcast_to(ga[:, :, None, None], ga.shape[:2] + k + tuple(out))
        g = _scatter_offsets(xp, cols, ga.shape[:2] + (h, w), pads, k, s, (1, 1), out)
        return _grad_of(xp, xp.ascontiguousarray(g).astype(grad.array.dtype, copy=False).reshape(ctx.in_shape),
                        grad.dtype, grad.device), None, None, None, None, None


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    _require_tensor("avg_pool2d", "input", 1, input)
    k, s, pads, d, out = _pool_geometry("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
        divisor = divisor_override
    elif (count_include_pad or not any(pads)) and pads[1] == pads[0] and pads[3] == pads[2]:
        divisor = k[0] * k[1]
    else:
        # what a window counts: the input, its explicit padding with count_include_pad, never the
        # overhang of ceil_mode's last windows
        xp = input.xp
        counted = xp.ones((1, 1) + input.array.shape[-2:], dtype=input.array.dtype)
        if count_include_pad:
            counted = _pad_array(xp, counted, (pads[0], pads[0], pads[2], pads[2]), 1)
            counted = _pad_array(xp, counted, (0, pads[1] - pads[0], 0, pads[3] - pads[2]), 0)
        else:
            counted = _pad_array(xp, counted, pads, 0)
        divisor = _windows(xp, counted, k, s, (1, 1), out).sum(axis=(2, 3))[0, 0]
    if not input.dtype.is_floating_point:
        raise _not_implemented("avg_pool2d", input.dtype)
    return AvgPool2D.apply(input, k, s, pads, out, divisor)


def _bins(n, m):
    return [(i * n // m, -(-(i + 1) * n // m)) for i in range(m)]


class AdaptiveAvgPool2D(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, x, out):
        xp = x.xp
        a = x.array
        h, w = a.shape[-2:]
        rows, cols = _bins(h, out[0]), _bins(w, out[1])
        r = xp.empty(a.shape[:-2] + tuple(out), dtype=a.dtype)
        for i, (h0, h1) in enumerate(rows):
            for j, (w0, w1) in enumerate(cols):
                r[..., i, j] = a[..., h0:h1, w0:w1].mean(axis=(-2, -1))
        ctx.bins, ctx.in_shape = (rows, cols), a.shape
        return _new_tensor(r, x.dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        rows, cols = ctx.bins
        h, w = ctx.in_shape[-2:]
        if _grad_state.enabled:
            gx = None
            for i, (h0, h1) in enumerate(rows):
                for j, (w0, w1) in enumerate(cols):
                    cell = expand(grad[..., i:i + 1, j:j + 1] / ((h1 - h0) * (w1 - w0)),
                                  grad.array.shape[:-2] + (h1 - h0, w1 - w0))
                    term = ConstantPadNd.apply(cell, (w0, w - w1, h0, h - h1), 0.0)
                    gx = term if gx is None else gx + term
            return gx, None
        xp = grad.xp
        ga = grad.array
        g = xp.zeros(ctx.in_shape, dtype=ga.dtype)
        for i, (h0, h1) in enumerate(rows):
            for j, (w0, w1) in enumerate(cols):
                g[..., h0:h1, w0:w1] += ga[..., i:i + 1, j:j + 1] / ga.dtype.type((h1 - h0) * (w1 - w0))
        return _grad_of(xp, g, grad.dtype, grad.device), None


def adaptive_avg_pool2d(input, output_size):
    _require_tensor("adaptive_avg_pool2d", "input", 1, input)
    shape = input.array.shape
    if len(shape) not in (3, 4) or not all(shape[1:]):
        raise RuntimeError("adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got "
                           f"{list(shape)}")
    out = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    out = tuple(shape[-2 + i] if o is None else int(o) for i, o in enumerate(out))
    if out == (1, 1):  # torch takes the mean (MeanBackward1)
        return mean(input, (-1, -2), keepdim=True)
    return AdaptiveAvgPool2D.apply(input, out)


# ---- batch norm ---------------------------------------------------------------------------------

class NativeBatchNorm(Function):
    """Normalizes over every dim but 1; in training the batch statistics also update the running ones."""

    shown_edges = 3  # input, weight, bias (the running stats have none)
    float_edges = False

    array_forward = True

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        same_device(x, weight, bias)
        xp = x.xp
        a = x.array
        axes = (0,) + tuple(range(2, a.ndim))
        bshape = (1, a.shape[1]) + (1,) * (a.ndim - 2)
        if training:
            mu = xp.mean(a, axis=axes)
            var = xp.mean((a - mu.reshape(bshape)) ** 2, axis=axes)
            n = a.size // a.shape[1]
            if running_mean is not None:
                running_mean.array[...] = (1 - momentum) * running_mean.array + momentum * mu
                running_mean._bump_version()
            if running_var is not None:
                running_var.array[...] = (1 - momentum) * running_var.array + momentum * var * (n / (n - 1))
                running_var._bump_version()
        else:
            mu, var = xp.array(running_mean.array), xp.array(running_var.array)
        rstd = (1.0 / xp.sqrt(var + eps)).astype(a.dtype)
        out = (a - mu.reshape(bshape).astype(a.dtype)) * rstd.reshape(bshape)
        if weight is not None:
            out = out * weight.array.reshape(bshape)
        if bias is not None:
            out = out + bias.array.reshape(bshape)
        ctx.save_for_backward(x, weight)
        ctx.stats = None if training else (mu.astype(a.dtype), rstd)
        ctx.eps, ctx.axes, ctx.bshape = eps, axes, bshape
        return _new_tensor(out.astype(a.dtype, copy=False), x.dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        nx, nw, nb = ctx.needs_input_grad[:3]
        x, w = ctx.saved_tensors
        axes, bshape = ctx.axes, ctx.bshape
        if ctx.stats is None:
            xc = x - x.mean(axes, keepdim=True)
            rstd = ((xc * xc).mean(axes, keepdim=True) + ctx.eps) ** -0.5
        else:
            mu, r = ctx.stats
            xc = x - _new_tensor(mu.reshape(bshape), x.dtype, x.device)
            rstd = _new_tensor(r.reshape(bshape), x.dtype, x.device)
        xhat = xc * rstd
        gx = gw = gb = None
        if nw:
            gw = (grad * xhat).sum(axes)
        if nb:
            gb = grad.sum(axes)
        if nx:
            gh = grad * reshape(w, bshape) if w is not None else grad
            if ctx.stats is None:
                gx = rstd * (gh - gh.mean(axes, keepdim=True) - xhat * (gh * xhat).mean(axes, keepdim=True))
            else:
                gx = gh * rstd
        return gx, gw, gb, None, None, None, None, None


def batch_norm(input, running_mean=None, running_var=None, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    _require_tensor("batch_norm", "input", 1, input)
    shape = input.array.shape
    if len(shape) < 2:
        raise ValueError(f"Expected 2D or higher input (got {len(shape)}D input)")
    c = shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t.array.size != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.array.size}")
    if training:
        if input.array.size // c <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"torch.Size({list(shape)})")
    elif running_mean is None:
        raise RuntimeError("running_mean must be defined in evaluation mode")
    elif running_var is None:
        raise RuntimeError("running_var must be defined in evaluation mode")
    if not input.dtype.is_floating_point:
        raise _not_implemented("batch_norm", input.dtype)
    return NativeBatchNorm.apply(input, weight, bias, running_mean, running_var, bool(training), float(momentum),
                                 float(eps))


WIRE: dict = {"batch_norm": batch_norm, "conv2d": conv2d, "conv1d": conv1d, "pad": pad, "max_pool2d": max_pool2d, "avg_pool2d": avg_pool2d,
              "adaptive_avg_pool2d": adaptive_avg_pool2d}
METHODS: dict = {}
__all__: list = ["batch_norm", "conv2d", "conv1d", "pad", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"]
