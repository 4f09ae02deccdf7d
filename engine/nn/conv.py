"""Convolution and pooling kernels: conv1d/2d/3d, max_pool2d/3d, avg_pool2d/3d, adaptive_avg_pool2d, pad.

The forwards work on arrays (im2col through a strided view of the padded
input, then one batched matmul) and record one node named as torch names it
(ConvolutionBackward0, MaxPool2DWithIndicesBackward0, AvgPool3DBackward0,
ConstantPadNdBackward0 ...).  Their backward takes an array path (a loop over
kernel offsets adds strided slices) unless a graph of the backward is being
recorded; then it is written with differentiable Tensor ops (slices, einsum,
stack and ConstantPadNd), so double backward works.

Every kernel sees an (N, C, *spatial) array with 1 to 3 spatial dims (an unbatched
input gets its batch dim first); adaptive_avg_pool3d is interpolate's area kernel
(engine/ops/extra_ops2.py), adaptive_max_pool2d/3d and max_unpool2d/3d are in
engine/ops/named.py.  Declares WIRE, METHODS and __all__; engine/__init__.py installs them.
"""
from __future__ import annotations

import itertools
import math

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import padded_shape, pool_out_len

from ..function import HOLOMORPHIC, Function
from ..grad_mode import _state as _grad_state
from ..ops._util import same_device, wrap_grad as _grad_of
from ..ops.elementwise import Where, _bool_tensor
from ..ops.extra_ops2 import adaptive_avg_pool3d
from ..ops.matrix import einsum
from ..ops.creation import zeros
from ..ops.reduce import mean
from ..ops.scatter import index_add
from ..ops.shape import expand, reshape, squeeze, stack, unsqueeze
from ..tensor import Tensor, _new_tensor
from .functional import _not_implemented, _require_tensor


# ---- shared helpers ------------------------------------------------------------------------
# The kernels see an (N, C, *spatial) array with 1, 2 or 3 spatial dims; ``pads`` is (lo, hi) per
# spatial dim, first dim first: (front, back, top, bottom, left, right) for 3-d.

def _pair(v, n: int = 2) -> tuple:
    if isinstance(v, (tuple, list)):
        return tuple(int(x) for x in v) if len(v) == n else tuple(int(v[0]) for _ in range(n))
    return (int(v),) * n


def _out_len(n, k, s, lo, hi, d) -> int:
    return (n + lo + hi - d * (k - 1) - 1) // s + 1


def _lo_hi(pads):
    return tuple(zip(pads[0::2], pads[1::2]))


def _torch_pads(pads) -> tuple:
    """``pads`` in F.pad's order (last dim first)."""
    return tuple(p for lo_hi in reversed(_lo_hi(pads)) for p in lo_hi)


def _kernel_offsets(k):
    return itertools.product(*(range(n) for n in k))


def _windows(xp, a, k, s, d, out):
    """(N, C, *k, *out) strided view of the padded array ``a``."""
    st = a.strides[2:]
    shape = a.shape[:2] + tuple(k) + tuple(out)
    strides = a.strides[:2] + tuple(t * dd for t, dd in zip(st, d)) + tuple(t * ss for t, ss in zip(st, s))
    return xp.lib.stride_tricks.as_strided(a, shape, strides)


def _offset_slice(off, out, s, d):
    """The index of padded-input positions that kernel offset ``off`` reads for every output cell."""
    return (slice(None), slice(None)) + tuple(slice(i * dd, i * dd + ss * (o - 1) + 1, ss)
                                              for i, o, ss, dd in zip(off, out, s, d))


def _pad_array(xp, a, pads, value):
    """``a`` padded by ``pads`` with ``value``."""
    if not any(pads):
        return a
    return xp.pad(a, ((0, 0), (0, 0)) + _lo_hi(pads), mode="constant", constant_values=value)


def _inner(pads, spatial):
    """The index of the unpadded input inside the padded one."""
    return (slice(None), slice(None)) + tuple(slice(lo, lo + n) for (lo, _), n in zip(_lo_hi(pads), spatial))


def _scatter_offsets(xp, cols, in_shape, pads, k, s, d, out):
    """The adjoint of _windows: cols (N, C, *k, *out) summed into the unpadded input's shape."""
    spatial = in_shape[2:]
    g = xp.zeros(tuple(in_shape[:2]) + tuple(n + lo + hi for n, (lo, hi) in zip(spatial, _lo_hi(pads))),
                 dtype=cols.dtype)
    for off in _kernel_offsets(k):
        g[_offset_slice(off, out, s, d)] += cols[(slice(None), slice(None)) + off]
    return g[_inner(pads, spatial)]


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


def _place(t: Tensor, off, padded, s, d) -> Tensor:
    """A differentiable _scatter_offsets term: t (N, C, *out) put where kernel offset ``off`` reads."""
    out = t.array.shape[2:]
    for i, step in enumerate(s):
        t = _dilate(t, 2 + i, step)
    widths = []
    for i in reversed(range(len(out))):
        lo = off[i] * d[i]
        widths += [lo, padded[i] - lo - ((out[i] - 1) * s[i] + 1)]
    return ConstantPadNd.apply(t, tuple(widths), 0.0)


def _sum_places(terms, pads, spatial, s, d):
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(spatial, _lo_hi(pads)))
    total = None
    for off, t in terms:
        p = _place(t, off, padded, s, d)
        total = p if total is None else total + p
    return total[_inner(pads, spatial)]


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
    # torch's circular pad writes slices of a copy
    node = f"{name}{dims}DBackward0" if name else "torch::autograd::CopySlices"
    cls = _INDEXED_PAD_CLASSES.get(node)
    if cls is None:
        cls = _INDEXED_PAD_CLASSES[node] = type(node.rsplit("::", 1)[-1], (IndexedPad,),
                                                {"node_name": node, "_abstract": False})
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
    """conv1d/2d/3d on (N, C, *spatial) input: im2col through a strided view, one batched matmul."""

    shown_edges = 3  # input, weight, bias: an edge each, even when None

    array_forward = True

    @staticmethod
    def forward(ctx, x, weight, bias, stride, pads, dilation, groups):
        same_device(x, weight, bias)
        xp = x.xp
        a, wa = x.array, weight.array
        n, c = a.shape[:2]
        o, cg = wa.shape[:2]
        k = wa.shape[2:]
        out = tuple(_out_len(size, kk, ss, lo, hi, dd)
                    for size, kk, ss, (lo, hi), dd in zip(a.shape[2:], k, stride, _lo_hi(pads), dilation))
        taps, cells = math.prod(k), math.prod(out)
        cols = _windows(xp, _pad_array(xp, a, pads, 0), k, stride, dilation, out)
        cols = xp.ascontiguousarray(cols).reshape(n, groups, cg * taps, cells)
        wr = wa.reshape(groups, o // groups, cg * taps)
        r = xp.matmul(wr, cols).reshape((n, o) + out)
        if bias is not None:
            r = r + bias.array.reshape((1, o) + (1,) * len(out))
        ctx.save_for_backward(x, weight)
        ctx.has_bias = bias is not None
        ctx.geom = (stride, pads, dilation, groups)
        return _new_tensor(xp.ascontiguousarray(r).astype(a.dtype, copy=False), x.dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        nx, nw, nb = ctx.needs_input_grad[:3]
        x, weight = ctx.saved_tensors
        stride, pads, dilation, groups = ctx.geom
        gb = None
        if nb:
            gb = grad.sum((0,) + tuple(range(2, grad.array.ndim)))
        if _grad_state.enabled:
            gx, gw = _conv_backward_graph(x, weight, grad, stride, pads, dilation, groups, nx, nw)
            return gx, gw, gb, None, None, None, None
        xp = grad.xp
        a, wa, ga = x.array, weight.array, grad.array
        n, c = a.shape[:2]
        o, cg = wa.shape[:2]
        k, out = wa.shape[2:], ga.shape[2:]
        taps, cells = math.prod(k), math.prod(out)
        gr = ga.reshape(n, groups, o // groups, cells)
        gx = gw = None
        if nw:
            cols = _windows(xp, _pad_array(xp, a, pads, 0), k, stride, dilation, out)
            cols = xp.ascontiguousarray(cols).reshape(n, groups, cg * taps, cells)
            g = xp.matmul(gr, cols.transpose(0, 1, 3, 2)).sum(axis=0)
            gw = _grad_of(xp, g.reshape(wa.shape), grad.dtype, grad.device)
        if nx:
            wr = wa.reshape(groups, o // groups, cg * taps)
            gcols = xp.matmul(wr.transpose(0, 2, 1), gr).reshape((n, c) + tuple(k) + tuple(out))
            g = _scatter_offsets(xp, gcols, a.shape, pads, k, stride, dilation, out)
            gx = _grad_of(xp, xp.ascontiguousarray(g), grad.dtype, grad.device)
        return gx, gw, gb, None, None, None, None


def _conv_backward_graph(x, weight, grad, stride, pads, dilation, groups, nx, nw):
    """The input and weight gradients as differentiable ops (for create_graph=True)."""
    n, c = x.array.shape[:2]
    o, cg = weight.array.shape[:2]
    k, out = weight.array.shape[2:], grad.array.shape[2:]
    sp = "xyz"[:len(k)]  # einsum letters of the spatial dims
    gr = reshape(grad, (n, groups, o // groups) + out)
    wr = reshape(weight, (groups, o // groups, cg) + k)
    offsets = list(_kernel_offsets(k))
    gx = gw = None
    if nw:
        xpad = ConstantPadNd.apply(x, _torch_pads(pads), 0.0) if any(pads) else x
        parts = [einsum(f"ngo{sp},ngc{sp}->goc", gr, reshape(xpad[_offset_slice(off, out, stride, dilation)],
                                                             (n, groups, cg) + out)) for off in offsets]
        gw = reshape(stack(parts, -1), (o, cg) + k)
    if nx:
        terms = [(off, reshape(einsum(f"ngo{sp},goc->ngc{sp}", gr, wr[(slice(None),) * 3 + off]), (n, c) + out))
                 for off in offsets]
        gx = _sum_places(terms, pads, x.array.shape[2:], stride, dilation)
    return gx, gw


def _same_pads(k, d):
    total = d * (k - 1)
    return total // 2, total - total // 2


_C_TYPE = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16"}  # C++ names


def _convnd(name, nd, input, weight, bias, stride, padding, dilation, groups):
    _require_tensor(name, "input", 1, input)
    _require_tensor(name, "weight", 2, weight)
    shape, wshape = input.array.shape, weight.array.shape
    if len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input "
                           f"of size: {list(shape)}")
    unbatched = len(shape) == nd + 1
    for what, v in (("stride", stride), ("padding", padding), ("dilation", dilation)):
        if isinstance(v, (tuple, list)) and len(v) not in (1, nd):
            raise RuntimeError(f"expected {what} to be a single integer value or a list of {nd} values to match the "
                               f"convolution dimensions, but got {what}={list(v)}")
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
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(f"Input type ({_C_TYPE.get(input.dtype.name, input.dtype.name)}) and bias type "
                           f"({_C_TYPE.get(bias.dtype.name, bias.dtype.name)}) should be the same")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype._torch_name} but found {weight.dtype._torch_name}")
    if not input.dtype.is_floating_point and nd != 3:  # slow_conv3d takes ints (not bool: below)
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
    pads = tuple(p for lo_hi in pads_nd for p in lo_hi)
    if input.dtype is _dt.bool_:  # torch's kernel names: im2col unless the kernel reads each input cell once
        plain = all(k == 1 for k in kernel + stride + dilation) and not any(pads)
        raise _not_implemented("slow_conv3d_cpu" if plain else "compute_columns3d", input.dtype)
    x = unsqueeze(input, 0) if unbatched else input
    out = Convolution.apply(x, weight, bias, stride, pads, dilation, groups)
    return squeeze(out, 0) if unbatched else out


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convnd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convnd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convnd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


# ---- pooling (2-d and 3-d; 1-d goes through 2-d on the client, as torch's CPU code) ------------------

_COUNT = {2: "two", 3: "three"}
_AXES = {2: "HW", 3: "THW"}


def _pool_ints(name, what, v, nd):
    """One of kernel_size/stride/padding/dilation as ``nd`` ints, with torch's check of their count."""
    if not isinstance(v, (tuple, list)):
        return (int(v),) * nd
    if len(v) in (1, nd):
        return tuple(int(v[i if len(v) > 1 else 0]) for i in range(nd))
    either = "" if name == "avg_pool3d" else "either "  # avg_pool3d's texts leave it out
    rule = {"kernel_size": f"must {either}be a single int", "stride": f"must {either}be omitted, a single int",
            "padding": f"must {either}be a single int", "dilation": "must be either a single int"}[what]
    raise RuntimeError(f"{name}: {what} {rule}, or a tuple of {_COUNT[nd]} ints")


def _pool_geometry(name, input, kernel_size, stride, padding, dilation, ceil_mode, nd=2):
    """torch's pooling checks (in its order) and the windows: k, s, pads, d and the output's spatial size.
    ``pads`` reach further at the far side where ceil_mode's last windows overhang the input."""
    k = _pool_ints(name, "kernel_size", kernel_size, nd)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else \
        _pool_ints(name, "stride", stride, nd)
    p, d = _pool_ints(name, "padding", padding, nd), _pool_ints(name, "dilation", dilation, nd)
    shape = input.array.shape
    if name == "avg_pool2d" and 1 <= len(shape) < 3:  # torch reads the channel dim (-3) first
        raise IndexError(f"Dimension out of range (expected to be in range of [{-len(shape)}, {len(shape) - 1}], "
                         f"but got -3)")
    got = "[" + ", ".join(map(str, shape)) + "]"
    empty_inside = any(n == 0 for n in shape[-nd - 1:])
    if nd == 2 and (empty_inside or (name == "avg_pool2d" and len(shape) not in (3, 4))) and \
            (len(shape) in (3, 4) or name == "avg_pool2d"):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, "
                           f"but got:{got}")
    if len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")
    if nd == 3 and empty_inside:
        where = "max_pool3d_with_indices_out_cpu_template" if name == "max_pool3d" else name
        raise RuntimeError(f"{where}(): Expected input's non-batch dimensions to have positive length, but input "
                           f"has a shape of {got} and non-batch dimension 0 has length zero!")  # always 0, as torch
    for kk, ss, pp, dd in zip(k, s, p, d):  # pooling_output_shape's, dim by dim
        if ss == 0:
            raise RuntimeError("stride should not be zero")
        if pp < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {pp}")
        if pp > (dd * (kk - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={kk} and dilation={dd}")
    spatial = shape[-nd:]
    out = tuple(pool_out_len(n, kk, ss, pp, dd, ceil_mode) for n, kk, ss, pp, dd in zip(spatial, k, s, p, d))
    axes = _AXES[nd]
    if any(kk <= 0 for kk in k):
        raise RuntimeError("kernel size should be greater than zero, but got "
                           + " ".join(f"k{a}: {kk}" for a, kk in zip(axes, k)))
    if any(dd <= 0 for dd in d):
        raise RuntimeError("dilation should be greater than zero, but got "
                           + " ".join(f"dilation{a}: {dd}" for a, dd in zip(axes, d)))
    if nd == 3 and 0 in shape[-4:]:
        where = "max_pool3d_with_indices_out_cpu_template" if name == "max_pool3d" else name
        raise RuntimeError(f"{where}(): Expected input's non-batch dimensions to have positive length, but input "
                           f"has a shape of {list(shape)} and non-batch dimension 0 has length zero!")
    if name == "avg_pool3d" and any(n < kk for n, kk in zip(spatial, k)):
        raise RuntimeError(f"input image ({' '.join(f'{a}: {n}' for a, n in zip(axes, spatial))}) smaller than "
                           f"kernel size ({' '.join(f'k{a}: {kk}' for a, kk in zip(axes, k))})")
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, shape[-nd - 1:]))}). Calculated output size: "
                           f"({'x'.join(map(str, (shape[-nd - 1],) + out))}). Output size is too small")
    # ceil_mode's last windows may reach past the far padding: pad the far side that much more
    far = tuple(max(pp, (o - 1) * ss + dd * (kk - 1) + 1 - n - pp)
                for n, o, kk, ss, pp, dd in zip(spatial, out, k, s, p, d))
    return k, s, tuple(x for pair in zip(p, far) for x in pair), d, out


def _batched(a, nd):
    return a.reshape((1,) + a.shape) if a.ndim == nd + 1 else a


def _batched_grad(grad, nd):
    return grad if grad.array.ndim == nd + 2 else unsqueeze(grad, 0)


def _unbatched_like(g, in_shape):
    return g if g.array.ndim == len(in_shape) else squeeze(g, 0)


class _MaxPoolWithIndices(Function):
    """The max of each window (the first on ties) and, asked for, its flat position in the input's plane."""

    array_forward = True
    _abstract = True

    @staticmethod
    def forward(ctx, x, k, s, pads, d, out, with_indices=False):
        xp = x.xp
        nd = len(k)
        a = _batched(x.array, nd)
        low = -xp.inf if x.dtype.is_floating_point else xp.iinfo(a.dtype).min
        cols = xp.ascontiguousarray(_windows(xp, _pad_array(xp, a, pads, low), k, s, d, out))
        cols = cols.reshape(a.shape[:2] + (math.prod(k),) + tuple(out))
        idx = xp.argmax(cols, axis=2)
        r = xp.take_along_axis(cols, idx[:, :, None], axis=2)[:, :, 0]
        ctx.idx, ctx.geom, ctx.in_shape = idx, (k, s, pads, d, out), x.array.shape
        values = _new_tensor(r.reshape(x.array.shape[:-nd] + tuple(out)), x.dtype, x.device)
        if not with_indices:
            return values
        # torch's indices: each max's flat position in its (unpadded) input plane
        flat = 0
        plane = a.shape[2:]
        for i, off in enumerate(xp.unravel_index(idx, k)):
            along = xp.arange(out[i], dtype=xp.int64).reshape((-1,) + (1,) * (nd - 1 - i)) * s[i] - pads[2 * i]
            flat = flat * plane[i] + along + off * d[i]
        return values, _new_tensor(flat.astype(xp.int64, copy=False).reshape(values.array.shape), _dt.int64,
                                   x.device)

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        k, s, pads, d, out = ctx.geom
        idx, nd = ctx.idx, len(k)
        offsets = list(enumerate(_kernel_offsets(k)))
        if _grad_state.enabled:
            g = _batched_grad(grad, nd)
            terms = [(off, Where.apply(_bool_tensor(idx == j, grad.device), g, 0.0)) for j, off in offsets]
            gx = _sum_places(terms, pads, ctx.in_shape[-nd:], s, d)
            return _unbatched_like(gx, ctx.in_shape), None, None, None, None, None, None
        xp = grad.xp
        ga = _batched(grad.array, nd)
        cols = xp.zeros(ga.shape[:2] + tuple(k) + tuple(out), dtype=ga.dtype)
        for j, off in offsets:
            cols[(slice(None), slice(None)) + off] = xp.where(idx == j, ga, 0)
        g = _scatter_offsets(xp, cols, ga.shape[:2] + tuple(ctx.in_shape[-nd:]), pads, k, s, d, out)
        return _grad_of(xp, xp.ascontiguousarray(g).reshape(ctx.in_shape), grad.dtype, grad.device), \
            None, None, None, None, None, None


class MaxPool2DWithIndices(_MaxPoolWithIndices):
    pass


class MaxPool3DWithIndices(_MaxPoolWithIndices):
    pass


def _max_pool(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    name = f"max_pool{nd}d"
    _require_tensor(name, "input", 1, input)
    k, s, pads, d, out = _pool_geometry(name, input, kernel_size, stride, padding, dilation, ceil_mode, nd)
    if input.dtype is _dt.bool_ or input.dtype.is_complex:
        raise _not_implemented(name, input.dtype)
    cls = MaxPool3DWithIndices if nd == 3 else MaxPool2DWithIndices
    if return_indices:
        return cls.apply(input, k, s, pads, d, out, True)
    return cls.apply(input, k, s, pads, d, out)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


class _AvgPool(Function):
    """Each window's sum over ``divisor`` (a number, or an array of one per output cell)."""

    array_forward = True
    _abstract = True

    @staticmethod
    def forward(ctx, x, k, s, pads, out, divisor):
        xp = x.xp
        nd = len(k)
        a = _batched(x.array, nd)
        cols = _windows(xp, _pad_array(xp, a, pads, 0), k, s, (1,) * nd, out)
        total = cols.sum(axis=tuple(range(2, 2 + nd)))
        if x.dtype.is_floating_point:
            r = (total / divisor).astype(a.dtype, copy=False)
        else:  # integer division, as torch's kernel (towards zero)
            r = xp.trunc(total / divisor).astype(a.dtype)
        ctx.geom, ctx.divisor, ctx.in_shape = (k, s, pads, out), divisor, x.array.shape
        return _new_tensor(r.reshape(x.array.shape[:-nd] + tuple(out)), x.dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        k, s, pads, out = ctx.geom
        nd = len(k)
        if _grad_state.enabled:
            g = _batched_grad(grad, nd)
            g = g / ctx.divisor if isinstance(ctx.divisor, (int, float)) else \
                g / _new_tensor(ctx.divisor, grad.dtype, grad.device)
            gx = _sum_places([(off, g) for off in _kernel_offsets(k)], pads, ctx.in_shape[-nd:], s, (1,) * nd)
            return _unbatched_like(gx, ctx.in_shape), None, None, None, None, None
        xp = grad.xp
        ga = _batched(grad.array, nd) / ctx.divisor
        cols = xp.broadcast_to(ga[(slice(None), slice(None)) + (None,) * nd], ga.shape[:2] + tuple(k) + tuple(out))
        g = _scatter_offsets(xp, cols, ga.shape[:2] + tuple(ctx.in_shape[-nd:]), pads, k, s, (1,) * nd, out)
        return _grad_of(xp, xp.ascontiguousarray(g).astype(grad.array.dtype, copy=False).reshape(ctx.in_shape),
                        grad.dtype, grad.device), None, None, None, None, None


class AvgPool2D(_AvgPool):
    pass


class AvgPool3D(_AvgPool):
    pass


def _avg_pool(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    name = f"avg_pool{nd}d"
    _require_tensor(name, "input", 1, input)
    k, s, pads, d, out = _pool_geometry(name, input, kernel_size, stride, padding, 1, ceil_mode, nd)
    near, far = pads[0::2], pads[1::2]
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
        divisor = divisor_override
    elif (count_include_pad or not any(pads)) and near == far:
        divisor = math.prod(k)
    else:
        # what a window counts: the input, its explicit padding with count_include_pad, never the
        # overhang of ceil_mode's last windows
        xp = input.xp
        counted = xp.ones((1, 1) + input.array.shape[-nd:], dtype=xp.float64)
        if count_include_pad:
            counted = _pad_array(xp, counted, tuple(p for lo in near for p in (lo, lo)), 1)
            counted = _pad_array(xp, counted, tuple(p for lo, hi in zip(near, far) for p in (0, hi - lo)), 0)
        else:
            counted = _pad_array(xp, counted, pads, 0)
        divisor = _windows(xp, counted, k, s, (1,) * nd, out).sum(axis=tuple(range(2, 2 + nd)))[0, 0]
        if input.dtype.is_floating_point:
            divisor = divisor.astype(input.array.dtype)
    # torch's kernels: float, double and long; avg_pool2d's half too
    if input.dtype not in ((_dt.float32, _dt.float64, _dt.int64) if nd == 3 else
                           (_dt.float32, _dt.float64, _dt.int64, _dt.float16)):
        raise _not_implemented(f"{name}_out_frame" if nd == 3 else name, input.dtype)
    cls = AvgPool3D if nd == 3 else AvgPool2D
    return cls.apply(input, k, s, pads, out, divisor)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


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


WIRE: dict = {"batch_norm": batch_norm, "conv1d": conv1d, "conv2d": conv2d, "conv3d": conv3d, "pad": pad,
              "max_pool2d": max_pool2d, "max_pool3d": max_pool3d, "avg_pool2d": avg_pool2d, "avg_pool3d": avg_pool3d,
              "adaptive_avg_pool2d": adaptive_avg_pool2d, "adaptive_avg_pool3d": adaptive_avg_pool3d}
METHODS: dict = {}
__all__: list = ["batch_norm", "conv1d", "conv2d", "conv3d", "pad", "max_pool2d", "max_pool3d", "avg_pool2d",
                 "avg_pool3d", "adaptive_avg_pool2d", "adaptive_avg_pool3d"]

HOLOMORPHIC.add(ConstantPadNd)  # linear in its input (the pad value is a constant)
