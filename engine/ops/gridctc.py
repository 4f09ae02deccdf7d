"""Sampling and sequence ops torch records as one node each: grid_sampler (2-d and 3-d: GridSampler2DBackward0,
GridSampler3DBackward0), affine_grid_generator (AffineGridGeneratorBackward0), _ctc_loss (CtcLossBackward0) and
fractional_max_pool2d (FractionalMaxPool2DBackward0).

grid_sampler is a weighted sum of taps: per spatial axis the source coordinate s = slope * g + c is piecewise
linear in the grid value g (unnormalise, then clip or reflect), so each tap's weight is a polynomial in
t = s - floor(s) and every tap picks one input element (``_Take``, index -1 = zero padding). The forward runs on
arrays; the backward is written with differentiable Tensor ops (``_Take``/``_Put`` and arithmetic on t), so double
backward works. _ctc_loss is the log-space alpha recursion (looped over time, vectorised over batch and label
positions); its backward is torch's alpha-beta formula, differentiable once (as torch's).

Declares WIRE and __all__; engine/ops/__init__.py installs them.
"""
from __future__ import annotations

import itertools
import math

from gradwire.common import dtypes as _dt

from .. import backend
from ..function import Function
from ..grad_mode import _state as _grad_state
from ..tensor import Tensor, _new_tensor
from .named import _Take, _take_put
from .reduce import _const

_GridTake, _GridPut = _take_put("GridSamplerTake", "GridSamplerPut")

# ---- grid_sampler ------------------------------------------------------------------------------------------

_A = -0.75  # the cubic convolution's parameter (torch's bicubic)


def _conv1(x):  # |x| <= 1
    return ((_A + 2) * x - (_A + 3)) * x * x + 1


def _conv1_d(x):
    return (3 * (_A + 2) * x - 2 * (_A + 3)) * x


def _conv2(x):  # 1 < |x| < 2
    return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A


def _conv2_d(x):
    return (3 * _A * x - 10 * _A) * x + 8 * _A


def _tap_weights(mode: int, t, derivative: bool = False):
    """Each tap's weight (or its derivative in t) along one axis; t an array or a Tensor (the same code)."""
    if mode == 0:  # bilinear: taps floor(s), floor(s) + 1
        return (-1.0, 1.0) if derivative else (1 - t, t)
    u = 1 - t  # bicubic: taps floor(s) - 1 .. floor(s) + 2; t + 1 and u + 1 as torch rounds them
    if derivative:
        return _conv2_d(t + 1), _conv1_d(t), -_conv1_d(u), -_conv2_d(u + 1)
    return _conv2(t + 1), _conv1(t), _conv1(u), _conv2(u + 1)


def _reflect(xp, s, low2: int, high2: int):
    """Reflects s into [low2/2, high2/2]; returns it and d(result)/ds (+1 or -1)."""
    if low2 == high2:
        return xp.zeros_like(s), xp.zeros_like(s)
    lo, span = low2 / 2, (high2 - low2) / 2
    s = s - lo
    sign = xp.where(s < 0, -1, 1).astype(s.dtype)
    s = xp.abs(s)
    extra = xp.fmod(s, span)
    flips = xp.floor(s / span)
    even = (flips % 2) == 0
    return xp.where(even, extra + lo, span - extra + lo), xp.where(even, sign, -sign)


def _pad_coord(xp, s, size: int, padding: int, align: bool):
    """padding_mode's map of a coordinate (border: clip; reflection: reflect, then clip) and its slope."""
    one = xp.ones_like(s)
    if padding == 0:
        return s, one
    slope = one
    if padding == 2:
        s, slope = _reflect(xp, s, 0, 2 * (size - 1)) if align else _reflect(xp, s, -1, 2 * size - 1)
    inside = (s > 0) & (s < size - 1)  # the borders count as outside for the gradient, as torch's
    return xp.clip(s, 0, size - 1), xp.where(inside, slope, 0).astype(s.dtype)


class _Plan:
    """Where each output element reads: ``index`` (N, K*C*out) for _Take, and per axis (input order) t, the
    grid component's slope, and the tap offsets; K = the product of the axes' tap counts."""

    def __init__(self, xp, grid, in_shape, mode, padding, align):
        n, c, *spatial = in_shape
        nd = len(spatial)
        out = grid.shape[1:-1]
        self.ts, self.slopes, self.components = [], [], []
        coords = []  # per axis: list of (tap coordinate, valid) arrays
        for axis in range(nd):
            k = nd - 1 - axis  # grid's last dim is (x, y[, z]): x indexes the last axis
            size = spatial[axis]
            g = grid[..., k]
            if align:
                s, slope = (g + 1) / 2 * (size - 1), (size - 1) / 2
            else:
                s, slope = ((g + 1) * size - 1) / 2, size / 2
            s = s.astype(grid.dtype, copy=False)
            slope = xp.full(g.shape, slope, grid.dtype)
            if mode != 2:  # bilinear/nearest pad the coordinate; bicubic pads each tap
                s, pad_slope = _pad_coord(xp, s, size, padding, align)
                slope = slope * pad_slope
            finite = xp.isfinite(s)
            base = xp.where(finite, xp.rint(s) if mode == 1 else xp.floor(s), -10)  # NaN: every tap outside
            self.ts.append((s - base).astype(grid.dtype, copy=False))  # NaN: NaN weights (torch's NaN result)
            self.slopes.append(slope.astype(grid.dtype, copy=False))
            self.components.append(k)
            offsets = (0,) if mode == 1 else (0, 1) if mode == 0 else (-1, 0, 1, 2)
            taps = []
            for o in offsets:
                tap = base + o
                if mode == 2 and padding:
                    tap, _ = _pad_coord(xp, tap, size, padding, align)
                ti = tap.astype(xp.int64)
                taps.append((ti, (tap >= 0) & (tap <= size - 1) & finite))
            coords.append(taps)
        plane = math.prod(spatial)
        strides = [math.prod(spatial[a + 1:]) for a in range(nd)]
        self.combos = list(itertools.product(*(range(len(taps)) for taps in coords)))
        flat = []
        for combo in self.combos:
            pos, ok = 0, True
            for axis, j in enumerate(combo):
                ti, valid = coords[axis][j]
                pos = pos + ti * strides[axis]
                ok = ok & valid
            flat.append(xp.where(ok, pos, -1))
        sp = xp.stack(flat, 1)[:, :, None]  # (N, K, 1, *out)
        ch = (xp.arange(c) * plane).reshape((1, 1, c) + (1,) * len(out))
        self.index = xp.where(sp < 0, -1, sp + ch).reshape(n, -1)
        self.mode = mode
        self.take_shape = (n, len(self.combos), c, *out)

    def weights(self, ts, stack, derivative_axis=None):
        """The (N, K, *out) weights of the taps (or their derivative along one axis), from ts (arrays or
        Tensors; ``stack`` stacks them on dim 1)."""
        per_axis = [_tap_weights(self.mode, t) if self.mode != 1 else (1,) for t in ts]
        if derivative_axis is not None:
            per_axis[derivative_axis] = _tap_weights(self.mode, ts[derivative_axis], True)
        terms = []
        for combo in self.combos:
            w = None
            for axis, j in reversed(list(enumerate(combo))):  # x * y (* z): torch's order of the products
                f = per_axis[axis][j]
                w = f if w is None else w * f
            terms.append(w)
        return stack(terms)

    def along(self, vals, ts, axis):
        """d out / d t along one axis, (N, C, *out), from the taps' values (N, K, C, *out): per line of taps
        along the axis, sum_j value_j * w_j'(t) (bilinear: the difference of the two), times the other axes'
        weights; torch's order of operations for 2-d bilinear ((ne - nw) * s + (se - sw) * n)."""
        per_axis = [_tap_weights(self.mode, t) for t in ts]
        deriv = _tap_weights(self.mode, ts[axis], True)
        lines = {}
        for k, combo in enumerate(self.combos):
            lines.setdefault(combo[:axis] + combo[axis + 1:], []).append((k, combo[axis]))
        total = None
        for others, taps in lines.items():
            inner = None
            for k, j in taps:
                d = deriv[j]
                term = vals.select(1, k) * (d.unsqueeze(1) if type(d) is Tensor else d)
                inner = term if inner is None else inner + term
            w = None
            for b, j in zip([b for b in range(len(ts)) if b != axis], others):
                f = per_axis[b][j]
                w = f if w is None else w * f
            term = inner * w.unsqueeze(1)
            total = term if total is None else total + term
        return total

    def along_corners(self, vals, ts, axis, grad):
        """sum over channels and taps of value * w'(t) * the other weights * grad, added up one channel and
        tap at a time with x's weight first: torch's 3-d kernel's order."""
        from .shape import stack  # noqa: PLC0415
        per_axis = [_tap_weights(self.mode, t) for t in ts]
        deriv = _tap_weights(self.mode, ts[axis], True)
        others = [b for b in reversed(range(len(ts))) if b != axis]
        terms = []
        for k, combo in enumerate(self.combos):
            term = vals.select(1, k) * deriv[combo[axis]]
            for b in others:
                term = term * per_axis[b][combo[b]].unsqueeze(1)
            terms.append(term * grad)
        return stack(terms, 2).flatten(1, 2).sum(1)


def _take_array(xp, arr, index, shape):
    planes = arr.reshape(arr.shape[0], -1)
    planes = xp.concatenate([planes, xp.zeros((planes.shape[0], 1), arr.dtype)], axis=1)  # -1 picks the zero
    return xp.take_along_axis(planes, index, axis=1).reshape(shape)


class GridSampler2D(Function):
    """grid_sampler on (N, C, H, W) with an (N, Ho, Wo, 2) grid; GridSampler3D is the 5-d one."""

    array_forward = True

    @classmethod
    def forward(cls, ctx, input, grid, mode, padding, align):
        xp = input.xp
        plan = _Plan(xp, grid.array, input.array.shape, mode, padding, align)
        npdt = input.dtype.numpy
        vals = _take_array(xp, input.array, plan.index, plan.take_shape)
        if mode == 2:  # bicubic: along x within each row, then along y (torch's roundings)
            n, _, c, *out = plan.take_shape
            wy, wx = (_tap_weights(2, t) for t in plan.ts)
            rows = sum(vals.reshape(n, 4, 4, c, *out)[:, :, j] * wx[j][:, None, None] for j in range(4))
            out = sum(rows[:, i] * wy[i][:, None] for i in range(4))
        else:
            w = plan.weights(plan.ts, lambda ws: xp.stack([xp.broadcast_to(xp.asarray(v, npdt), plan.ts[0].shape)
                                                           for v in ws], 1))
            out = (vals * w[:, :, None].astype(npdt, copy=False)).sum(1)
        ctx.plan = plan
        ctx.save_for_backward(input, grid)
        return _new_tensor(out.astype(input.dtype.numpy, copy=False), input.dtype, input.device)

    @classmethod
    def backward(cls, ctx, grad):
        from .shape import stack  # noqa: PLC0415
        input, grid = ctx.saved_tensors
        plan = ctx.plan
        need_in, need_grid = ctx.needs_input_grad[:2]
        xp = grad.xp
        # t as a Tensor of the grid: its value is the forward's t, its slope d t / d g
        ts = []
        for t, slope, k in zip(plan.ts, plan.slopes, plan.components):
            g = grid.select(-1, k)
            ts.append(_const(t, grid) + (g - _const(grid.array[..., k], grid)) * _const(slope, grid))
        wstack = lambda ws: stack([w if type(w) is Tensor else _const(xp.full(plan.ts[0].shape, w), grad)
                                   for w in ws], 1)
        g1 = grad.unsqueeze(1)
        g_in = g_grid = None
        if need_in:
            w = plan.weights(ts, wstack).unsqueeze(2)
            g_in = _GridPut.apply(g1 * w, 1, plan.index, input.array.shape)
        if need_grid:
            if plan.mode == 1:
                g_grid = _const(xp.zeros(grid.array.shape), grid)
            else:
                vals = _GridTake.apply(input, 1, plan.index, plan.take_shape)  # (N, K, C, *out)
                comps = [None] * len(ts)
                for axis, (slope, k) in enumerate(zip(plan.slopes, plan.components)):
                    if len(ts) == 2:
                        d_t = (plan.along(vals, ts, axis) * grad).sum(1)
                    else:
                        d_t = plan.along_corners(vals, ts, axis, grad)
                    comps[k] = d_t * _const(slope, grid)
                g_grid = stack(comps, -1)
        if _grad_state.enabled and (need_in or need_grid):  # create_graph: torch's one node for both gradients
            g_in, g_grid = cls._backward_node.apply(g_in, g_grid)
        return g_in, g_grid, None, None, None


class _GridSamplerBackward(Function):
    """Passes grid_sampler's two gradients on as one node (torch's GridSampler2DBackwardBackward0)."""

    array_forward = True
    _abstract = True

    @staticmethod
    def forward(ctx, g_in, g_grid):
        return tuple(None if g is None else _new_tensor(g.array, g.dtype, g.device) for g in (g_in, g_grid))

    @staticmethod
    def backward(ctx, d_in, d_grid):
        return d_in, d_grid


class GridSampler3D(GridSampler2D):
    pass


for _cls in (GridSampler2D, GridSampler3D):
    _cls._backward_node = type(f"{_cls.__name__}Backward", (_GridSamplerBackward,), {"__module__": __name__})
del _cls


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """torch.grid_sampler (checked by the client): mode 0 bilinear, 1 nearest, 2 bicubic; padding 0 zeros,
    1 border, 2 reflection."""
    cls = GridSampler2D if input.array.ndim == 4 else GridSampler3D
    return cls.apply(input, grid, int(interpolation_mode), int(padding_mode), bool(align_corners))


# ---- affine_grid_generator ---------------------------------------------------------------------------------

def _base_grid(theta, size, align):
    """(prod(spatial), nd + 1): the points (x, y[, z], 1) of the output grid, x fastest, computed as torch's
    (its linspace, then * (n - 1) / n: the same roundings)."""
    from .creation import linspace  # noqa: PLC0415
    xp, npdt = theta.xp, theta.dtype.numpy.type
    axes = []
    for n in size[2:]:
        if n <= 1:
            axes.append(xp.zeros(max(n, 0), npdt))
            continue
        r = linspace(-1, 1, n, dtype=theta.dtype, device=theta.device).array
        axes.append(r if align else r * npdt(n - 1) / npdt(n))
    mesh = xp.meshgrid(*axes, indexing="ij")  # (D,) H, W
    cols = [m.reshape(-1) for m in reversed(mesh)] + [xp.ones(math.prod(size[2:]), npdt)]
    return xp.stack(cols, 1).astype(npdt, copy=False)


class AffineGridGenerator(Function):
    """grid[n, p] = base[p] @ theta[n].T: (N, *spatial, nd)."""

    array_forward = True

    @staticmethod
    def forward(ctx, theta, size, align):
        xp = theta.xp
        base = _base_grid(theta, size, align)
        ctx.base, ctx.size = base, size
        out = xp.matmul(base[None], xp.swapaxes(theta.array, 1, 2))
        return _new_tensor(out.reshape((size[0], *size[2:], len(size) - 2)), theta.dtype, theta.device)

    @staticmethod
    def backward(ctx, grad):
        size = ctx.size
        g = grad.reshape((size[0], -1, len(size) - 2)).transpose(1, 2)
        return g.matmul(_const(ctx.base, grad)), None, None


def affine_grid_generator(theta, size, align_corners):
    return AffineGridGenerator.apply(theta, tuple(int(s) for s in size), bool(align_corners))


# ---- _ctc_loss ---------------------------------------------------------------------------------------------

def _lse(xp, *terms):
    m = terms[0]
    for t in terms[1:]:
        m = xp.maximum(m, t)
    safe = xp.where(xp.isfinite(m), m, 0)
    total = sum(xp.exp(t - safe) for t in terms)
    return _log0(xp, total) + safe


def _log0(xp, a):
    """log, with log(0) = -inf and no floating-point warning."""
    pos = a > 0
    return xp.where(pos, xp.log(xp.where(pos, a, 1)), -math.inf)


class CtcLoss(Function):
    """The per-sample negative log likelihood (N,) of (T, N, C) log-probabilities; padded targets (N, S)."""

    array_forward = True

    @staticmethod
    def forward(ctx, log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
        xp = log_probs.xp
        lp = log_probs.array
        T, N, _ = lp.shape
        S = 2 * targets.shape[1] + 1
        ext = xp.full((N, S), blank, xp.int64)
        ext[:, 1::2] = targets
        il = xp.asarray(input_lengths, dtype=xp.int64)
        tl = xp.asarray(target_lengths, dtype=xp.int64)
        lpe = xp.take_along_axis(lp, xp.broadcast_to(ext[None], (T, N, S)), axis=2)  # (T, N, S)
        ninf = -math.inf
        # the skip s-2 -> s is allowed onto a label that differs from the label two back
        skip = xp.zeros((N, S), bool)
        skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
        pos = xp.arange(S)[None]
        alpha = xp.full((T, N, S), ninf, lp.dtype)
        alpha[0] = xp.where(pos < xp.minimum(2, 2 * tl[:, None] + 1), lpe[0], ninf)
        for t in range(1, T):
            a = alpha[t - 1]
            a1 = xp.concatenate([xp.full((N, 1), ninf, lp.dtype), a[:, :-1]], 1)
            a2 = xp.where(skip, xp.concatenate([xp.full((N, 2), ninf, lp.dtype), a[:, :-2]], 1), ninf)
            alpha[t] = _lse(xp, a, a1, a2) + lpe[t]
        last = alpha[xp.maximum(il - 1, 0), xp.arange(N)]  # (N, S)
        end = xp.take_along_axis(last, (2 * tl)[:, None], 1)[:, 0]
        end1 = xp.where(tl > 0, xp.take_along_axis(last, xp.maximum(2 * tl - 1, 0)[:, None], 1)[:, 0], ninf)
        nll = -_lse(xp, end, end1)
        nll = xp.where(il > 0, nll, xp.where(tl > 0, xp.inf, -0.0)).astype(lp.dtype, copy=False)
        ctx.args = (ext, skip, lpe, alpha, il, tl, nll, blank, zero_infinity)
        ctx.save_for_backward(log_probs)
        return _new_tensor(nll, log_probs.dtype, log_probs.device)

    @staticmethod
    def backward(ctx, grad):
        (log_probs,) = ctx.saved_tensors
        ext, skip, lpe, alpha, il, tl, nll, blank, zero_infinity = ctx.args
        xp = grad.xp
        lp = log_probs.array
        T, N, C = lp.shape
        S = ext.shape[1]
        ninf = -math.inf
        pos = xp.arange(S)[None]
        ends = (pos == 2 * tl[:, None]) | ((pos == 2 * tl[:, None] - 1) & (tl[:, None] > 0))
        beta = xp.full((T, N, S), ninf, lp.dtype)
        nxt = xp.full((N, S), ninf, lp.dtype)
        skip_from = xp.concatenate([skip[:, 2:], xp.zeros((N, 2), bool)], 1)  # s+2 -> s allowed
        for t in range(T - 1, -1, -1):
            b1 = xp.concatenate([nxt[:, 1:], xp.full((N, 1), ninf, lp.dtype)], 1)
            b2 = xp.where(skip_from, xp.concatenate([nxt[:, 2:], xp.full((N, 2), ninf, lp.dtype)], 1), ninf)
            step = _lse(xp, nxt, b1, b2) + lpe[t]
            start = xp.where(ends, lpe[t], ninf)
            cur = xp.where((t == il - 1)[:, None], start, xp.where((t < il - 1)[:, None], step, ninf))
            beta[t] = cur
            nxt = cur
        ab = alpha + beta  # (T, N, S), lp counted twice
        m = ab.max(2, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        acc = xp.zeros((T, N, C), lp.dtype)
        ti, ni, si = xp.meshgrid(xp.arange(T), xp.arange(N), xp.arange(S), indexing="ij")
        backend.scatter_add(xp, acc, (ti, ni, xp.broadcast_to(ext[None], (T, N, S))), xp.exp(ab - m))
        lcab = _log0(xp, acc) + m
        g = xp.exp(lp) - xp.exp(lcab + nll[None, :, None] - lp)
        g = xp.where((xp.arange(T)[:, None] < il[None, :])[:, :, None], g, 0)
        if zero_infinity:
            g = xp.where(xp.isinf(nll)[None, :, None], 0, g)
        g = g * grad.array[None, :, None]
        out = _new_tensor(g.astype(lp.dtype, copy=False), log_probs.dtype, log_probs.device)
        if _grad_state.enabled:  # create_graph: a double backward raises, as torch's
            out = NotImplementedBackward.apply(out, grad, log_probs)
        return out, None, None, None, None, None


class NotImplementedBackward(Function):
    """Passes a once-differentiable gradient through; differentiating it raises torch's error."""

    node_name = "torch::autograd::NotImplemented"
    array_forward = True

    @staticmethod
    def forward(ctx, g, *anchors):
        return _new_tensor(g.array, g.dtype, g.device)

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented")


def _ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, zero_infinity=False):
    """(T, N, C) log-probabilities, padded (N, S) targets (a Tensor), lengths as lists: the (N,) losses."""
    hp = backend.array_module()  # host arrays: labels, not tensor data
    tg = backend.to_numpy(targets.array).astype(hp.int64)
    if tg.ndim == 1:  # concatenated: pad each sample's run to the longest
        ends = hp.cumsum(target_lengths)
        padded = hp.zeros((len(target_lengths), max(target_lengths, default=0)), hp.int64)
        for i, (n, end) in enumerate(zip(target_lengths, ends)):
            padded[i, :n] = tg[end - n:end]
        tg = padded
    tg = log_probs.xp.asarray(tg)
    return CtcLoss.apply(log_probs, tg, list(input_lengths), list(target_lengths), int(blank), bool(zero_infinity))


# ---- fractional_max_pool2d ---------------------------------------------------------------------------------

def _intervals(hp, samples, in_size: int, out_size: int, pool: int, npdt):
    """torch's window starts: (P, out) from the (P,) samples."""
    alpha = npdt((in_size - pool) / (out_size - 1)) if out_size > 1 else npdt(0)
    i = hp.arange(out_size, dtype=npdt)[None]
    s = samples.astype(npdt)[:, None]
    seq = ((i + s) * alpha).astype(hp.int64) - (s * alpha).astype(hp.int64)
    seq[:, -1] = in_size - pool
    return seq


class FractionalMaxPool2D(_Take):
    """The max of each pseudo-random window (the first on ties; NaN wins), with its flat index in the plane."""

    float_edges = False  # torch's node has no edge for the random samples

    @classmethod
    def forward(cls, ctx, x, kernel, out_size, samples):
        hp = backend.array_module()  # host arrays: indices, not tensor data
        xp = x.xp
        *lead, h, w = x.array.shape
        (kh, kw), (oh, ow) = kernel, out_size
        planes = backend.to_numpy(x.array).reshape(-1, h * w)
        smp = backend.to_numpy(samples.array).reshape(-1, 2)
        npdt = hp.float64 if x.dtype is _dt.float64 else hp.float32
        rows = _intervals(hp, smp[:, 1], h, oh, kh, npdt)  # sample 1 picks the rows, 0 the columns
        cols = _intervals(hp, smp[:, 0], w, ow, kw, npdt)
        win = ((rows[:, :, None, None, None] + hp.arange(kh)[:, None]) * w
               + (cols[:, None, :, None, None] + hp.arange(kw))).reshape(len(planes), oh * ow, kh * kw)
        block = hp.take_along_axis(planes[:, None, :], win.reshape(len(planes), 1, -1), 2).reshape(win.shape)
        nan = hp.isnan(block)
        best = hp.where(nan.any(2), nan.argmax(2), block.argmax(2))
        index = hp.take_along_axis(win, best[..., None], 2)[..., 0]
        out_shape = (*lead, oh, ow)
        index = xp.asarray(index)
        out = super().forward.__func__(cls, ctx, x, len(lead), index, out_shape)
        ctx.indices = _new_tensor(index.reshape(out_shape), _dt.int64, x.device)
        ctx.mark_non_differentiable(ctx.indices)
        return out, ctx.indices

    @classmethod
    def backward(cls, ctx, grad, _grad_indices=None):
        return super().backward.__func__(cls, ctx, grad)[0], None, None, None


FractionalMaxPool2D._put = _take_put("FractionalMaxPool2DPick", "FractionalMaxPool2DBackward")[1]


def fractional_max_pool2d(input, kernel_size, output_size, random_samples):
    return FractionalMaxPool2D.apply(input, tuple(int(k) for k in kernel_size), tuple(int(s) for s in output_size),
                                     random_samples)


WIRE: dict = {
    "grid_sampler": grid_sampler, "affine_grid_generator": affine_grid_generator, "_ctc_loss": _ctc_loss,
    "fractional_max_pool2d": fractional_max_pool2d,
}
__all__: list = ["grid_sampler", "affine_grid_generator", "fractional_max_pool2d"]
