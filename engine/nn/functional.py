"""torch.nn.functional kernels: linear, activations, softmax family, losses, dropout, layer_norm, embedding.

Declares WIRE (wire op name -> callable), METHODS (Tensor method name ->
callable) and __all__ (the F namespace); engine/__init__.py installs them.

Fused ops (Addmm, Softmax, LogSoftmax, NllLoss, MseLoss,
BinaryCrossEntropyWithLogits, NativeLayerNorm, Embedding) compute forward on
arrays and record one node named as torch names it.  Their backward is
written with differentiable Tensor ops, so ``create_graph=True`` works; the
hot ones (addmm, the softmax family, nll, mse) take an array fast path when
no graph of the backward is being recorded.  The activations (relu, gelu,
silu, softplus, sigmoid, tanh) live in engine/ops/elementwise.py and are
re-exported here.
"""
from __future__ import annotations

import warnings

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import broadcast_shapes, matmul_shape, normalize_dim

from .. import backend
from .. import observe as _observe
from .. import random as _random
from ..function import HOLOMORPHIC, Function
from ..grad_mode import _state as _grad_state
from ..ops import elementwise as _ew
from ..ops._util import same_device, wrap_grad as _grad_of
from ..ops.fused import check_mat_dtypes
from ..ops.linalg import matmul, mm
from ..ops.shape import expand, reshape, to_dtype
from ..tensor import Tensor, _new_tensor

# ---- helpers ---------------------------------------------------------------------

_REDUCTIONS = ("none", "mean", "sum")


def _size(shape) -> str:
    return f"torch.Size({list(shape)})"


def _check_reduction(reduction) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _legacy_reduction(size_average, reduce, reduction):
    """torch's _Reduction.legacy_get_string for the deprecated size_average/reduce arguments."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='"
                  + _legacy(size_average, reduce) + "' instead.", UserWarning, stacklevel=3)
    return _legacy(size_average, reduce)


def _legacy(size_average, reduce) -> str:
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def _require_tensor(fn: str, name: str, pos: int, x) -> None:
    if type(x) is not Tensor:
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _const(array, dtype, device) -> Tensor:
    """A graph-free tensor of ``array`` (cast to ``dtype``)."""
    if array.dtype != dtype.numpy:
        array = array.astype(dtype.numpy)
    return _new_tensor(array, dtype, device)


def _tensor_kind(t: Tensor) -> str:
    return f"{t.dtype._torch_name}Tensor"


def _not_implemented(kernel: str, dtype) -> NotImplementedError:
    return NotImplementedError(f"\"{kernel}\" not implemented for '{dtype._torch_name}'")


def _reduce_array(xp, loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()  # the array method: xp.sum dispatches to it, with more Python in between
    with xp.errstate(invalid="ignore", divide="ignore"):
        return loss.sum() / loss.dtype.type(loss.size) if loss.size else loss.sum() / loss.dtype.type(0)


class _DivScalar(Function):
    """tensor / Python number as torch's C++ composites record it (DivBackward1)."""

    op_name = "Div"
    overload = 1
    array_forward = True

    @staticmethod
    def forward(ctx, a, other):
        ctx.other = other
        with a.xp.errstate(invalid="ignore", divide="ignore"):
            r = a.array / a.array.dtype.type(other)
        return _const(a.xp.asarray(r), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return grad / ctx.other, None


# ---- linear ------------------------------------------------------------------------

_SWAP_MIN_WORK = 1 << 22  # multiply-adds below which the product is computed as written


class Addmm(Function):
    """bias + mat1 @ mat2 (AddmmBackward0); ``bias`` broadcasts to the output."""

    array_forward = True

    @staticmethod
    def forward(ctx, bias, mat1, mat2):
        same_device(bias, mat1, mat2)
        xp = mat1.xp
        a1, a2 = mat1.array, mat2.array
        m, n = a1.shape[0], a2.shape[1]
        if m < n and m * n * a1.shape[1] >= _SWAP_MIN_WORK:
            # (mat2^T mat1^T)^T: OpenBLAS threads the larger dimension better (far less time lost to
            # waiting when the cores are shared); written out row-major with the bias added in one pass
            rt = xp.matmul(a2.T, a1.T)
            r = xp.empty((m, n), dtype=rt.dtype)
            xp.add(rt.T, bias.array, out=r)
        else:
            r = xp.matmul(a1, a2)
            r += bias.array
        ctx.save_for_backward(mat1, mat2)
        ctx.bias_shape = bias.array.shape
        return _new_tensor(r, mat1.dtype, mat1.device)

    @staticmethod
    def backward(ctx, grad):
        nb, n1, n2 = ctx.needs_input_grad
        m1, m2 = ctx.saved_tensors
        g1 = g2 = gb = None
        if _grad_state.enabled:
            if n1:
                g1 = mm(grad, m2.t())
            if n2:
                g2 = mm(m1.t(), grad)
            return (grad if nb else None), g1, g2
        xp = grad.xp
        ga = grad.array
        if n1:
            g1 = _grad_of(xp, xp.matmul(ga, m2.array.T), grad.dtype, grad.device)
        if n2:
            a2 = m2.array
            if a2.ndim == 2 and a2.flags.f_contiguous and not a2.flags.c_contiguous:
                # mat2 is a transposed weight: compute its gradient in the weight's layout (as torch does)
                r = xp.matmul(ga.T, m1.array).T
            else:
                r = xp.matmul(m1.array.T, ga)
            g2 = _grad_of(xp, r, grad.dtype, grad.device)
        if nb:
            bshape = ctx.bias_shape
            if len(bshape) == 1 and ga.ndim == 2 and bshape[0] == ga.shape[1]:
                gb = _grad_of(xp, ga.sum(axis=0), grad.dtype, grad.device)
            else:
                gb = grad  # the engine sums it to the bias's shape
        return gb, g1, g2


def _check_expandable(shape, target) -> None:
    lead = len(target) - len(shape)
    for i, s in enumerate(shape):
        j = lead + i
        if j < 0 or (s != 1 and s != target[j]):
            size = target[j] if j >= 0 else None
            raise RuntimeError(f"The expanded size of the tensor ({size}) must match the existing size ({s}) at "
                               f"non-singleton dimension {max(j, 0)}.  Target sizes: {list(target)}.  "
                               f"Tensor sizes: {list(shape)}")


def linear(input, weight, bias=None):
    """y = input @ weight.T + bias (AddmmBackward0 for a 2-D input with bias, like torch)."""
    observer = _observe.watch.observer
    if observer is None:
        return _linear(input, weight, bias)
    with observer.range("aten::linear"):  # the profiler's row over aten::t and aten::addmm, as torch's
        return _linear(input, weight, bias)


def _linear(input, weight, bias):
    _require_tensor("linear", "input", 1, input)
    _require_tensor("linear", "weight", 2, weight)
    nd = input.array.ndim
    if nd == 0 or weight.array.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {nd}D and "
                           f"{weight.array.ndim}D")
    if bias is None:
        return matmul(input, weight.t())
    _require_tensor("linear", "bias", 3, bias)
    if weight.array.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {weight.array.ndim}-D tensor")
    if bias.dtype is not weight.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {bias.dtype._torch_name} and "
                           f"{weight.dtype._torch_name}")
    in_shape = input.array.shape
    x2 = input if nd == 2 else reshape(input, -1, in_shape[-1]) if nd > 1 else reshape(input, 1, -1)
    wshape = weight.array.shape
    out2 = matmul_shape(x2.array.shape, (wshape[1], wshape[0]))
    check_mat_dtypes(x2, weight)
    if bias.array.shape != out2:
        _check_expandable(bias.array.shape, out2)
    out = Addmm.apply(bias, x2, weight.t())
    if nd != 2:
        out = reshape(out, in_shape[:-1] + (wshape[0],))
    return out


# ---- softmax family ----------------------------------------------------------------

def _softmax_dim(name: str, ndim: int, dim):
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                      "dim=X as an argument.", UserWarning, stacklevel=3)
        return 0 if ndim in (0, 1, 3) else 1
    return dim


def _log_sum_exp_prep(xp, a, dim):
    m = xp.max(a, axis=dim, keepdims=True)
    if m.dtype.kind == "f":
        m[~xp.isfinite(m)] = 0  # rows of -inf (or +inf) give nan/-inf like torch, without warnings
    return a - m


def _along_dim(ctx, x, dim, kernel):
    """Runs ``kernel(xp, array)`` of softmax or log_softmax (0-d inputs as 1-element, empty ones
    passed through) and saves the output, which both backwards need."""
    xp = x.xp
    a = x.array
    zero_d = a.ndim == 0
    if zero_d:
        a = a.reshape(1)
    if a.size:
        with xp.errstate(invalid="ignore", over="ignore", divide="ignore"):
            r = kernel(xp, a)
    else:
        r = a.copy()
    if zero_d:
        r = r.reshape(())
    out = _new_tensor(r, x.dtype, x.device)
    ctx.dim = dim
    ctx.save_for_backward(out)
    return out


class Softmax(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, x, dim):
        def softmax(xp, a):
            e = xp.exp(_log_sum_exp_prep(xp, a, dim))
            e /= xp.sum(e, axis=dim, keepdims=True)
            return e
        return _along_dim(ctx, x, dim, softmax)

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        dim = ctx.dim
        if not _grad_state.enabled:
            xp = y.xp
            gy = grad.array * y.array
            r = gy - y.array * (xp.sum(gy, axis=dim, keepdims=True) if gy.ndim else gy)
            return _grad_of(xp, r, y.dtype, y.device), None
        gy = grad * y
        return gy - y * gy.sum(dim, keepdim=True), None


class LogSoftmax(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, x, dim):
        def log_softmax(xp, a):
            s = _log_sum_exp_prep(xp, a, dim)
            s -= xp.log(xp.sum(xp.exp(s), axis=dim, keepdims=True))
            return s
        return _along_dim(ctx, x, dim, log_softmax)

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        dim = ctx.dim
        if not _grad_state.enabled:
            xp = y.xp
            g = grad.array
            s = xp.sum(g, axis=dim, keepdims=True) if g.ndim else g
            return _grad_of(xp, g - xp.exp(y.array) * s, y.dtype, y.device), None
        return grad - y.exp() * grad.sum(dim, keepdim=True), None


def _softmax_common(cls, name, kernel, input, dim, dtype):
    _require_tensor(name, "input", 1, input)
    if dtype is not None:
        input = to_dtype(input, dtype)
    nd = input.array.ndim
    dim = normalize_dim(_softmax_dim(name, nd, dim), nd)
    if not input.dtype.is_floating_point:
        last = nd <= 1 or dim == nd - 1
        raise _not_implemented(f"{kernel}_lastdim_kernel_impl" if last else f"{kernel}_kernel_impl", input.dtype)
    return cls.apply(input, dim)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if isinstance(_stacklevel, _dt.DType):  # torch.softmax(x, dim, dtype) / x.softmax(dim, dtype)
        dtype = _stacklevel
    return _softmax_common(Softmax, "softmax", "softmax", input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if isinstance(_stacklevel, _dt.DType):
        dtype = _stacklevel
    return _softmax_common(LogSoftmax, "log_softmax", "log_softmax", input, dim, dtype)


# ---- nll_loss / cross_entropy ----------------------------------------------------------

class _ClassPick(Function):
    """x[n, idx[n, ...], ...] along the class dim (a linear map; its adjoint is _ClassPut)."""

    node_name = "GatherBackward0"
    array_forward = True

    @staticmethod
    def forward(ctx, x, info):
        idx, shape = info
        ctx.info = info
        a = x.array
        if len(shape) == 1:
            r = a[idx.reshape(())] if idx.size == 1 else a[idx]
            r = x.xp.asarray(r).reshape(idx.shape)
        else:
            r = x.xp.take_along_axis(a, x.xp.expand_dims(idx, 1), axis=1).squeeze(1)
        return _new_tensor(r, x.dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        return _ClassPut.apply(grad, ctx.info), None


class _ClassPut(Function):
    """zeros(shape) with v[n, ...] placed at [n, idx[n, ...], ...] (adjoint of _ClassPick)."""

    node_name = "NllLossBackwardBackward0"
    array_forward = True

    @staticmethod
    def forward(ctx, v, info):
        idx, shape = info
        ctx.info = info
        xp = v.xp
        out = xp.zeros(shape, dtype=v.array.dtype)
        if len(shape) == 1:
            out[idx.reshape(-1)] = v.array.reshape(-1)
        else:
            xp.put_along_axis(out, xp.expand_dims(idx, 1), xp.expand_dims(v.array, 1), axis=1)
        return _new_tensor(out, v.dtype, v.device)

    @staticmethod
    def backward(ctx, grad):
        return _ClassPick.apply(grad, ctx.info), None


class NllLoss(Function):
    """nll_loss over (C), (N, C) or (N, C, d1, ...) log-probabilities (NllLossBackward0)."""

    float_edges = False  # torch's edge: input only

    array_forward = True

    @staticmethod
    def forward(ctx, x, target, weight, reduction, ignore_index):
        same_device(x, target, weight)
        xp = x.xp
        a = x.array
        t = target.array
        C = a.shape[0] if a.ndim == 1 else a.shape[1]
        ignored = t == ignore_index
        bad = ~ignored & ((t < 0) | (t >= C))
        if bad.any():
            raise IndexError(f"Target {int(t[bad].reshape(-1)[0])} is out of bounds.")
        safe = xp.where(ignored, 0, t).astype(xp.int64)
        if a.ndim == 1:
            safe = safe.reshape(())
        info = (safe, a.shape)
        if a.ndim == 1:
            picked = a[safe].reshape(())
        else:
            picked = xp.take_along_axis(a, xp.expand_dims(safe, 1), axis=1).squeeze(1)
        npdt = a.dtype
        if weight is not None:
            w = weight.array[safe].astype(npdt)
        else:
            w = xp.ones(safe.shape, dtype=npdt)
        w[ignored.reshape(w.shape)] = 0
        loss = -(w * picked)
        if reduction == "none":
            coef = -w
            r = loss
        elif reduction == "sum":
            coef = -w
            r = xp.sum(loss)
        else:
            total = xp.sum(w)
            with xp.errstate(invalid="ignore", divide="ignore"):
                r = xp.sum(loss) / total
                coef = -w / total
        ctx.info = info
        ctx.coef = coef
        return _new_tensor(xp.asarray(r, dtype=npdt), x.dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.needs_input_grad[0]:
            return None, None, None, None, None
        coef = ctx.coef
        if not _grad_state.enabled:
            xp = grad.xp
            idx, shape = ctx.info
            v = grad.array * coef
            out = xp.zeros(shape, dtype=v.dtype)
            if len(shape) == 1:
                out[idx.reshape(-1)] = v.reshape(-1)
            else:
                xp.put_along_axis(out, xp.expand_dims(idx, 1), xp.expand_dims(v, 1), axis=1)
            return _grad_of(xp, out, grad.dtype, grad.device), None, None, None, None
        v = grad * _const(coef, grad.dtype, grad.device)
        return _ClassPut.apply(v, ctx.info), None, None, None, None


class NllLoss2d(NllLoss):
    """nll_loss over (N, C, H, W) inputs (NllLoss2DBackward0); other K-dim inputs are viewed as 4-D."""

    op_name = "NllLoss2D"


def _nll_nd(input, target, weight, reduction, ignore_index):
    """torch's nll_loss_nd dispatch once validated: nll_loss, nll_loss2d, or nll_loss2d over a 4-D view."""
    nd = input.array.ndim
    if nd <= 2:
        return NllLoss.apply(input, target, weight, reduction, ignore_index)
    if nd == 4:
        return NllLoss2d.apply(input, target, weight, reduction, ignore_index)
    shape = input.array.shape
    n, c = shape[0], shape[1]
    rest = 1
    for s in shape[2:]:
        rest *= s
    x4 = reshape(input, n, c, 1, rest)
    t3 = _new_tensor(target.array.reshape(n, 1, rest), target.dtype, target.device)
    out = NllLoss2d.apply(x4, t3, weight, reduction, ignore_index)
    if reduction == "none":
        out = reshape(out, target.array.shape)
    return out


def _check_target_dtype(target, nd):
    if target.dtype is _dt.uint8 and nd > 2:  # the 1-d/2-d kernel takes uint8 class indices, the others don't
        raise RuntimeError("expected scalar type Long but found Byte")
    if target.dtype is not _dt.int64 and target.dtype is not _dt.uint8:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {target.dtype._torch_name}")


def _check_weight(weight, C, prefix=""):
    if weight is not None and (weight.array.ndim != 1 or weight.array.size != C):
        raise RuntimeError(f"{prefix}weight tensor should be defined either for all {C} classes or no classes but "
                           f"got weight tensor of shape: {list(weight.array.shape)}")


def _nll_checks(input, target, weight):
    """torch's nll_loss_nd validation, in its order; the target as int64."""
    nd = input.array.ndim
    ishape = input.array.shape
    tshape = target.array.shape
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if nd != 1 and (len(tshape) == 0 or ishape[0] != tshape[0]):
        tb = tshape[0] if tshape else 1
        raise ValueError(f"Expected input batch_size ({ishape[0]}) to match target batch_size ({tb}).")
    if nd <= 2:
        if len(tshape) > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if nd == 1 and len(tshape) == 1 and tshape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {tshape[0]}")
    elif nd == 4:
        if len(tshape) != 3:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got targets of "
                               f"dimension: {len(tshape)}")
        if tshape != (ishape[0],) + ishape[2:]:
            raise RuntimeError(f"size mismatch (got input: {list(ishape)} , target: {list(tshape)}")
    else:
        expected = (ishape[0],) + ishape[2:]
        if tshape != expected:
            raise RuntimeError(f"Expected target size {list(expected)}, got {list(tshape)}")
    _check_target_dtype(target, nd)
    C = ishape[0] if nd == 1 else ishape[1]
    _check_weight(weight, C)
    if weight is not None and weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype._torch_name} but found {weight.dtype._torch_name}")
    return target if target.dtype is _dt.int64 else target.long()


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    _require_tensor("nll_loss", "input", 1, input)
    _require_tensor("nll_loss", "target", 2, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    target = _nll_checks(input, target, weight)
    return _nll_nd(input, target, weight, reduction, int(ignore_index))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """log_softmax + nll_loss over class indices, or soft targets (class probabilities) of input's shape."""
    _require_tensor("cross_entropy", "input", 1, input)
    _require_tensor("cross_entropy", "target", 2, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    ls = float(label_smoothing)
    if ls < 0.0 or ls > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    nd = input.array.ndim
    class_dim = 0 if nd == 1 else 1
    if nd >= 1 and input.array.shape == target.array.shape:
        return _cross_entropy_probs(input, target, weight, reduction, ls, class_dim, int(ignore_index))
    if not input.dtype.is_floating_point:
        raise _not_implemented("log_softmax_lastdim_kernel_impl" if nd <= 2 else "log_softmax_kernel_impl",
                               input.dtype)
    if nd == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    target = _nll_checks(input, target, weight)
    lsm = LogSoftmax.apply(input, class_dim)
    nll = _nll_nd(lsm, target, weight, reduction, int(ignore_index))
    if ls <= 0.0:
        return nll
    # label smoothing: (1 - ls) * nll + ls / C * (-sum_c w_c log p_c), ignored targets masked out
    xp = input.xp
    C = input.array.shape[class_dim]
    t = target.array
    keep = t != ignore_index
    if weight is not None:
        wshape = [1] * nd
        wshape[class_dim] = C
        smooth = -(lsm * reshape(weight, wshape)).sum(class_dim)
    else:
        smooth = -lsm.sum(class_dim)
    smooth = smooth * _const(keep.reshape(smooth.array.shape), smooth.dtype, smooth.device)
    if reduction == "mean":
        if weight is not None:
            denom = float(xp.sum(weight.array[t[keep]]))
        else:
            denom = float(xp.sum(keep))
        ret = _DivScalar.apply(smooth.sum(), denom)
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    from ..ops.named import MulScalar  # noqa: PLC0415 - torch's composite scales by numbers (MulBackward1)
    return MulScalar.apply(nll, 1 - ls) + MulScalar.apply(ret, ls / C)


def _cross_entropy_probs(input, target, weight, reduction, ls, class_dim, ignore_index=-100):
    if not target.dtype.is_floating_point:
        raise RuntimeError("Expected floating point type for target with class probabilities, got "
                           f"{target.dtype._torch_name}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    C = input.array.shape[class_dim]
    _check_weight(weight, C, "cross_entropy: ")
    if not input.dtype.is_floating_point:
        raise _not_implemented("log_softmax_lastdim_kernel_impl", input.dtype)
    lsm = LogSoftmax.apply(input, class_dim)
    if ls > 0.0:
        target = target * (1 - ls) + ls / C
    prod = lsm * target
    if weight is not None:
        wshape = [1] * input.array.ndim
        wshape[class_dim] = C
        prod = prod * reshape(weight, wshape)
    if reduction == "none":
        return -prod.sum(class_dim)
    if reduction == "sum":
        return -prod.sum()
    n = input.array.size // C if C else 0
    return _DivScalar.apply(-prod.sum(), n if input.array.size else 0)


# ---- regression losses -----------------------------------------------------------------

def _warn_size(input, target):
    if input.array.shape != target.array.shape:
        warnings.warn(f"Using a target size ({_size(target.array.shape)}) that is different to the input size "
                      f"({_size(input.array.shape)}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", UserWarning, stacklevel=3)


def _broadcast_pair(input, target):
    sa, sb = input.array.shape, target.array.shape
    if sa == sb:
        return input, target
    shape = broadcast_shapes(sa, sb)
    return (input if sa == shape else expand(input, shape)), (target if sb == shape else expand(target, shape))


class MseLoss(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, x, t, reduction, dtype):
        same_device(x, t)
        a, b = x.array, t.array
        npdt = dtype.numpy
        if a.dtype != npdt:
            a = a.astype(npdt)
        if b.dtype != npdt:
            b = b.astype(npdt)
        xp = x.xp
        d = a - b
        ctx.save_for_backward(x, t)
        ctx.d = d
        ctx.reduction = reduction
        return _new_tensor(xp.asarray(_reduce_array(xp, d * d, reduction)), dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        nx, nt = ctx.needs_input_grad[:2]
        x, t = ctx.saved_tensors
        red = ctx.reduction
        d = ctx.d
        scale = 2.0 / d.size if red == "mean" and d.size else 2.0
        if not _grad_state.enabled:
            xp = grad.xp
            r = xp.asarray(grad.array * (d * d.dtype.type(scale)))
            gx = _grad_of(xp, r, grad.dtype, grad.device) if nx else None
            gt = _grad_of(xp, -r, grad.dtype, grad.device) if nt else None
            return gx, gt, None, None
        gx = grad * ((x - t) * scale)
        return (gx if nx else None), (-gx if nt else None), None, None


def _regression_prep(name, input, target, size_average, reduce, reduction):
    _require_tensor(name, "input", 1, input)
    _require_tensor(name, "target", 2, target)
    _warn_size(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    input, target = _broadcast_pair(input, target)
    return input, target, reduction


def _grad_scale(grad, weight, reduction: str, n: int):
    """The gradient each term of a loss gets from ``grad``: weighted, and divided by the count for a mean."""
    scale = grad if weight is None else grad * weight
    return scale / n if reduction == "mean" else scale


def _reduce(loss, reduction: str):
    """A loss of elementwise terms, reduced as ``reduction`` says (tensor ops: differentiable)."""
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _weighted(errors, weight, input, reduction):
    if weight.array.shape != input.array.shape:
        raise ValueError("Weights and input must have the same size.")
    w = errors * weight
    if reduction == "none":
        return w
    if reduction == "sum":
        return w.sum()
    return w.sum() / weight.sum()


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    orig = input
    input, target, reduction = _regression_prep("mse_loss", input, target, size_average, reduce, reduction)
    if weight is not None:
        return _weighted((input - target) ** 2, weight, orig, reduction)
    dtype = _dt.promote_types(input.dtype, target.dtype)
    if not dtype.is_floating_point:
        raise _not_implemented("mse_cpu", dtype)
    return MseLoss.apply(input, target, reduction, dtype)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    orig = input
    input, target, reduction = _regression_prep("l1_loss", input, target, size_average, reduce, reduction)
    errors = _ew.abs(input - target)
    if weight is not None:
        return _weighted(errors, weight, orig, reduction)
    return _reduce(errors, reduction)


class BinaryCrossEntropyWithLogits(Function):
    shown_edges = 2  # torch's edges: input, target
    float_edges = False
    array_forward = True

    @staticmethod
    def forward(ctx, x, t, weight, pos_weight, reduction, dtype):
        same_device(x, t, weight, pos_weight)
        xp = x.xp
        npdt = dtype.numpy
        a = x.array.astype(npdt, copy=False)
        b = t.array.astype(npdt, copy=False)
        with xp.errstate(over="ignore"):
            log_sig = xp.minimum(a, 0) - xp.log1p(xp.exp(-xp.abs(a)))
        if pos_weight is not None:
            log_sig = log_sig * ((pos_weight.array.astype(npdt) - 1) * b + 1)
        loss = (1 - b) * a - log_sig
        if weight is not None:
            loss = loss * weight.array.astype(npdt)
        ctx.save_for_backward(x, t, weight, pos_weight)
        ctx.reduction = reduction
        ctx.n = loss.size
        ctx.shape = loss.shape
        return _new_tensor(xp.asarray(_reduce_array(xp, loss, reduction), dtype=npdt), dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        nx, nt = ctx.needs_input_grad[:2]
        x, t, weight, pos_weight = ctx.saved_tensors
        scale = _grad_scale(grad, weight, ctx.reduction, ctx.n)
        gx = gt = None
        if nx:
            sig = _ew.sigmoid(x)
            if pos_weight is not None:
                tpw = pos_weight * t
                gx = ((tpw + 1) - t) * sig - tpw
            else:
                gx = sig - t
            gx = gx * scale
        if nt:
            if pos_weight is not None:
                log_sig = -_ew.softplus(-x)
                gt = (log_sig - x) - log_sig * pos_weight
            else:
                gt = -x
            gt = gt * scale
        return gx, gt, None, None, None, None


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    _require_tensor("binary_cross_entropy_with_logits", "input", 1, input)
    _require_tensor("binary_cross_entropy_with_logits", "target", 2, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.array.shape != input.array.shape:
        raise ValueError(f"Target size ({_size(target.array.shape)}) must be the same as input size "
                         f"({_size(input.array.shape)})")
    shape = input.array.shape
    for extra in (pos_weight, weight):
        if extra is not None:
            broadcast_shapes(extra.array.shape, shape) if extra is pos_weight else broadcast_shapes(shape,
                                                                                                    extra.array.shape)
    dtype = _dt.promote_types(input.dtype, target.dtype)
    if not dtype.is_floating_point:
        dtype = _dt.default_float()
    return BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction, dtype)


# ---- dropout -----------------------------------------------------------------------

class _DropoutMul(Function):
    """input * noise, noise = bernoulli(1 - p) / (1 - p) (MulBackward0, as torch's CPU dropout)."""

    node_name = "MulBackward0"
    array_forward = True

    @staticmethod
    def forward(ctx, x, noise):
        ctx.noise = noise
        return _new_tensor(x.array * noise.array, x.dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.noise, None


def dropout(input, p=0.5, training=True, inplace=False):
    _require_tensor("dropout", "input", 1, input)
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0 or input.array.size == 0:
        return input
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"result type Float can't be cast to the desired output type {input.dtype._torch_name}")
    xp = input.xp
    npdt = input.dtype.numpy
    if p == 1:
        noise = xp.zeros(input.array.shape, dtype=npdt)
    else:
        u = _random.current_generator(input.device).rng.unit(input.array.shape)  # torch's bernoulli_(1 - p)
        keep = xp.asarray(u < (1.0 - p))
        noise = keep.astype(npdt)
        noise /= npdt.type(1.0 - p)
    noise_t = _new_tensor(noise, input.dtype, input.device)
    if not inplace:
        return _DropoutMul.apply(input, noise_t)
    needs = _grad_state.enabled and input._requires_grad
    if needs and input._view_mode is not None:
        from ..ops.inplace import check_view_mode  # noqa: PLC0415
        check_view_mode(input)
    if needs and input.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    if needs:
        out = _DropoutMul.apply(input, noise_t)
        input.array[...] = out.array
        input.grad_fn = out.grad_fn
        input._output_nr = 0
    else:
        input.array[...] = input.array * noise
    input._bump_version()
    return input


# ---- layer_norm --------------------------------------------------------------------------

class NativeLayerNorm(Function):
    shown_edges = 3  # input, weight, bias: an edge each, even when None
    array_forward = True

    @staticmethod
    def forward(ctx, x, weight, bias, k, eps):
        same_device(x, weight, bias)
        xp = x.xp
        a = x.array
        axes = tuple(range(a.ndim - k, a.ndim))
        mu = xp.mean(a, axis=axes, keepdims=True)
        xc = a - mu
        var = xp.mean(xc * xc, axis=axes, keepdims=True)
        out = xc * (1.0 / xp.sqrt(var + eps)).astype(a.dtype)
        if weight is not None:
            out = out * weight.array
        if bias is not None:
            out = out + bias.array
        ctx.save_for_backward(x, weight)
        ctx.k = k
        ctx.eps = eps
        return _new_tensor(out.astype(a.dtype, copy=False), x.dtype, x.device)

    @staticmethod
    def backward(ctx, grad):
        nx, nw, nb = ctx.needs_input_grad[:3]
        x, w = ctx.saved_tensors
        nd = x.array.ndim
        axes = tuple(range(nd - ctx.k, nd))
        lead = tuple(range(nd - ctx.k))
        mu = x.mean(axes, keepdim=True)
        xc = x - mu
        var = (xc * xc).mean(axes, keepdim=True)
        rstd = (var + ctx.eps) ** -0.5
        xhat = xc * rstd
        gx = gw = gb = None
        if nw:
            gw = (grad * xhat).sum(lead) if lead else grad * xhat
        if nb:
            gb = grad.sum(lead) if lead else grad
        if nx:
            gh = grad * w if w is not None else grad
            gx = rstd * (gh - gh.mean(axes, keepdim=True) - xhat * (gh * xhat).mean(axes, keepdim=True))
        return gx, gw, gb, None, None


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    _require_tensor("layer_norm", "input", 1, input)
    if isinstance(normalized_shape, int) or not isinstance(normalized_shape, (tuple, list)):
        raise TypeError("layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
                        f"{type(normalized_shape).__name__}")
    ns = tuple(int(s) for s in normalized_shape)
    if len(ns) == 0:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           "element, but got normalized_shape = []")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.array.shape != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(t.array.shape)} and normalized_shape = {list(ns)}")
    shape = input.array.shape
    if len(shape) < len(ns) or shape[len(shape) - len(ns):] != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape [*, "
                           f"{', '.join(str(s) for s in ns)}], but got input of size{list(shape)}")
    if not input.dtype.is_floating_point:
        raise _not_implemented("LayerNormKernelImpl", input.dtype)
    return NativeLayerNorm.apply(input, weight, bias, len(ns), float(eps))


# ---- embedding ------------------------------------------------------------------------------

class Embedding(Function):
    """weight[indices] (EmbeddingBackward0); ``masked`` zeroes rows at padding_idx (used by double backward)."""

    array_forward = True

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, masked=False, scale_grad_by_freq=False):
        same_device(weight, indices)
        ctx.scale_grad_by_freq = scale_grad_by_freq
        idx = indices.array
        out = weight.xp.take(weight.array, idx, axis=0)
        if masked and padding_idx is not None:
            out[idx == padding_idx] = 0
        ctx.indices = indices
        ctx.padding_idx = padding_idx
        ctx.num_weights = weight.array.shape[0]
        return _new_tensor(out, weight.dtype, weight.device)

    @staticmethod
    def backward(ctx, grad):
        return _EmbeddingDense.apply(grad, ctx.indices, ctx.num_weights, ctx.padding_idx,
                                     ctx.scale_grad_by_freq), None, None, None, None


class _EmbeddingDense(Function):
    """The dense gradient of embedding: rows of grad summed into their indices, padding_idx left out."""

    node_name = "EmbeddingDenseBackwardBackward0"
    array_forward = True

    @staticmethod
    def forward(ctx, grad, indices, num_weights, padding_idx, scale_grad_by_freq=False):
        xp = grad.xp
        g = grad.array
        idx = indices.array.reshape(-1)
        dim = g.shape[-1]
        g2 = g.reshape(-1, dim)
        ctx.row_scale = None
        if scale_grad_by_freq:  # each index's rows divided by how often it appears in ``indices``
            counts = xp.bincount(idx.astype(xp.int64), minlength=num_weights)
            ctx.row_scale = (1.0 / counts[idx]).astype(g.dtype)
            g2 = g2 * ctx.row_scale[:, None]
        if padding_idx is not None:
            keep = idx != padding_idx
            idx, g2 = idx[keep], g2[keep]
        out = xp.zeros((num_weights, dim), dtype=g.dtype)
        backend.scatter_add(xp, out, idx, g2)
        ctx.indices = indices
        ctx.padding_idx = padding_idx
        return _new_tensor(out, grad.dtype, grad.device)

    @staticmethod
    def backward(ctx, grad):
        out = Embedding.apply(grad, ctx.indices, ctx.padding_idx, True)
        if ctx.row_scale is not None:
            out = out * _new_tensor(ctx.row_scale.reshape(ctx.indices.array.shape + (1,)), grad.dtype, grad.device)
        return out, None, None, None, None


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    _require_tensor("embedding", "input", 1, input)
    _require_tensor("embedding", "weight", 2, weight)
    if max_norm is not None or sparse:
        raise NotImplementedError("embedding with max_norm or sparse is not supported by gradwire yet")
    num = weight.array.shape[0] if weight.array.ndim else 0
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= num:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -num:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = num + padding_idx
    if input.dtype is not _dt.int64 and input.dtype is not _dt.int32:
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{_tensor_kind(input)} instead (while checking arguments for "
                           "embedding)")
    if weight.array.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    idx = input.array
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= num):
        raise IndexError("index out of range in self")
    return Embedding.apply(weight, input, padding_idx, False, bool(scale_grad_by_freq))


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(norm, eps) over ``dim``, built as torch builds it (so the nodes are torch's)."""
    if out is not None:
        raise NotImplementedError("gradwire: normalize(out=...)")
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)


# ---- activations: defined in engine/ops/elementwise.py, re-exported as the F namespace's ----------

from ..ops.elementwise import gelu, relu, sigmoid, silu, softplus, tanh  # noqa: E402

_ACTIVATIONS = ("relu", "gelu", "silu", "softplus", "sigmoid", "tanh")

# ---- tables ---------------------------------------------------------------------------

_OWN = {
    "linear": linear, "softmax": softmax, "log_softmax": log_softmax, "cross_entropy": cross_entropy,
    "nll_loss": nll_loss, "mse_loss": mse_loss, "l1_loss": l1_loss,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits, "dropout": dropout,
    "layer_norm": layer_norm, "embedding": embedding,
}
_ACT = {n: globals()[n] for n in _ACTIVATIONS}

# Wire names already registered by elementwise (torch.relu, torch.sigmoid, ...) are not registered twice.
WIRE: dict = {n: f for n, f in {**_OWN, **_ACT}.items() if n not in _ew.WIRE}


def _softmax_method(self, dim, dtype=None):
    return softmax(self, dim, dtype=dtype)


def _log_softmax_method(self, dim, dtype=None):
    return log_softmax(self, dim, dtype=dtype)


METHODS: dict = {n: f for n, f in {"softmax": _softmax_method, "log_softmax": _log_softmax_method}.items()
                 if n not in _ew.METHODS and n not in Tensor.__dict__}
__all__: list = list(_OWN) + list(_ACT)

HOLOMORPHIC.add(Addmm)  # bilinear, so its real formula gives complex gradients between conjugations
