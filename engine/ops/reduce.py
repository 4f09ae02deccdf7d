"""Reductions: sum and mean (full: overload 0; over dims: overload 1, as torch names them)."""
from __future__ import annotations

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import normalize_dim, normalize_dims, reduced_shape

from ..function import Function, backward_mode as _bw
from ..tensor import Tensor, _new_tensor, _owned_grad
from ._util import wrap


def _sum_dtype(a, dtype):
    if dtype is not None:
        return _dt.from_name(dtype) if isinstance(dtype, str) else dtype
    return a.dtype if a.dtype.is_floating_point or a.dtype.is_complex else _dt.int64


_SMALL = 1 << 14  # elements: below this a reduction's gradient is written out, above it stays a broadcast view


def _broadcast_grad(grad: Tensor, ga, ctx) -> Tensor:
    """A reduction's gradient on arrays (no graph of the backward): ``ga`` spread over the input's shape.

    Small results are written out (cheaper than numpy's broadcast_to, and a leaf can adopt them);
    large ones stay a read-only broadcast view, as ``expand`` gives.
    """
    xp = grad.xp
    keep = ctx.keep_shape
    if ga.shape != keep:
        ga = ga.reshape(keep)
    shape = ctx.in_shape
    n = 1
    for s in shape:
        n *= s
    if n <= _SMALL:
        r = xp.empty(shape, dtype=ga.dtype)
        xp.copyto(r, ga)
        return _owned_grad(r, grad.dtype, grad.device)
    return _new_tensor(xp.broadcast_to(ga, shape), grad.dtype, grad.device)


def _reduction_input(ctx, a, dims, keepdim, dtype):
    """Records the shapes a reduction's backward needs; returns the input array in ``dtype``."""
    arr = a.array
    ctx.in_shape = arr.shape
    ctx.dims = dims  # (torch shows them as the node's _saved_dim)
    ctx.keep_shape = reduced_shape(arr.shape, dims, True)
    ctx.keepdim = keepdim
    return arr if arr.dtype == dtype.numpy else arr.astype(dtype.numpy)


def _expanded(ctx, grad):
    """A reduction's gradient broadcast back to the input's shape (differentiable)."""
    if not ctx.keepdim and grad.array.shape != ctx.keep_shape:
        grad = grad.reshape(ctx.keep_shape)
    return grad.expand(ctx.in_shape)


class Sum(Function):
    """sum over every dim (SumBackward0)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, dims, keepdim, dtype):
        arr = _reduction_input(ctx, a, dims, keepdim, dtype)
        return wrap(a.xp, a.xp.sum(arr, axis=dims, keepdims=keepdim), dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        if _bw.arrays:
            return _broadcast_grad(grad, grad.array, ctx), None, None, None
        return _expanded(ctx, grad), None, None, None


class SumDim(Sum):
    """sum over given dims (SumBackward1)."""

    op_name = "Sum"
    overload = 1


class Mean(Function):
    """mean over every dim (MeanBackward0)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, dims, keepdim, dtype):
        xp = a.xp
        n = 1
        for d in dims:
            n *= a.array.shape[d]
        ctx.count = n
        arr = _reduction_input(ctx, a, dims, keepdim, dtype)
        with xp.errstate(invalid="ignore", divide="ignore"):
            if n == 0:
                r = xp.sum(arr, axis=dims, keepdims=keepdim) / arr.dtype.type(0)
            else:
                r = xp.mean(arr, axis=dims, keepdims=keepdim)
        return wrap(xp, r, dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        if _bw.arrays and grad.dtype.is_floating_point:
            # no graph of the backward: divide the (small) gradient, then broadcast it
            xp = grad.xp
            ga = grad.array
            with xp.errstate(invalid="ignore", divide="ignore"):
                r = xp.asarray(xp.true_divide(ga, ga.dtype.type(ctx.count)))
            return _broadcast_grad(grad, r, ctx), None, None, None
        return _expanded(ctx, grad) / ctx.count, None, None, None


class MeanDim(Mean):
    op_name = "Mean"
    overload = 1


def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001 - torch's name
    if type(input) is not Tensor:
        raise TypeError(f"sum(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    nd = input.array.ndim
    dims = normalize_dims(dim, nd) if nd else ()  # a 0-d tensor accepts dim 0 / -1
    out_dtype = _sum_dtype(input, dtype)
    cls = Sum if dim is None and not keepdim else SumDim
    return cls.apply(input, dims, bool(keepdim), out_dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if type(input) is not Tensor:
        raise TypeError(f"mean(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if dtype is None:
        if not (input.dtype.is_floating_point or input.dtype.is_complex):
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating "
                               f"point or complex dtype. Got: {input.dtype._torch_name}")
        out_dtype = input.dtype
    else:
        out_dtype = _dt.from_name(dtype) if isinstance(dtype, str) else dtype
        if not (out_dtype.is_floating_point or out_dtype.is_complex):
            raise RuntimeError("mean(): could not infer output dtype. Optional dtype must be either a floating "
                               f"point or complex dtype. Got: {out_dtype._torch_name}")
    nd = input.array.ndim
    dims = normalize_dims(dim, nd) if nd else ()
    cls = Mean if dim is None and not keepdim else MeanDim
    return cls.apply(input, dims, bool(keepdim), out_dtype)


# ---- helpers ----------------------------------------------------------------------------

import builtins as _builtins  # noqa: E402
import collections as _collections  # noqa: E402
import itertools as _itertools  # noqa: E402

from ..tensor import _new_tensor  # noqa: E402


def _return_type(name: str, fields: tuple):
    """A ``torch.return_types.<name>`` named tuple, printed as torch prints it."""
    cls = _collections.namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    cls.__repr__ = __repr__
    cls.__str__ = __repr__
    cls.__module__ = "torch.return_types"
    cls.__qualname__ = name
    return cls


max_return = _return_type("max", ("values", "indices"))
min_return = _return_type("min", ("values", "indices"))


def _check_input(name: str, input) -> None:
    if type(input) is not Tensor:
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def _dims_arg(dim, nd):
    if nd:
        return normalize_dims(dim, nd)
    if dim is not None:
        normalize_dims(dim, 0)  # a 0-d tensor accepts dims 0 and -1 only
    return ()


def _const(xp_array, like: Tensor) -> Tensor:
    """A constant tensor (no graph) of ``like``'s dtype and device."""
    if xp_array.dtype != like.dtype.numpy:
        xp_array = xp_array.astype(like.dtype.numpy)
    return _new_tensor(xp_array, like.dtype, like.device)


def _unreduce(grad: Tensor, ctx) -> Tensor:
    """The gradient of a reduction broadcast back over the input's shape (differentiable)."""
    if not ctx.keepdim and grad.array.shape != ctx.keep_shape:
        grad = grad.reshape(ctx.keep_shape)
    return grad.expand(ctx.in_shape)


def _setup(ctx, arr, dims, keepdim):
    ctx.in_shape = arr.shape
    ctx.keep_shape = reduced_shape(arr.shape, dims, True)
    ctx.keepdim = keepdim


# ---- prod -------------------------------------------------------------------------------

class Prod(Function):
    """prod over every dim (ProdBackward0); over one dim: ProdBackward1."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, dims, keepdim, dtype):
        arr = a.array
        xp = a.xp
        _setup(ctx, arr, dims, keepdim)
        ctx.dims = dims
        if arr.dtype != dtype.numpy:
            arr = arr.astype(dtype.numpy)
        out = wrap(xp, xp.prod(arr, axis=dims, keepdims=keepdim), dtype, a.device)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        g = _unreduce(grad, ctx)
        if not bool(a.xp.any(a.array == 0)):
            return g * (_unreduce(out, ctx) / a), None, None, None
        return g * _ProdOthers.apply(a, ctx.dims), None, None, None


class ProdDim(Prod):
    op_name = "Prod"
    overload = 1


def _prod_others_array(xp, arr, dims):
    """r[i] = product of the other elements of i's reduction slice (exact with zeros)."""
    nd = arr.ndim
    rest = [d for d in range(nd) if d not in dims]
    perm = rest + list(dims)
    moved = xp.transpose(arr, perm)
    lead = moved.shape[:len(rest)]
    flat = moved.reshape(lead + (-1,))
    n = flat.shape[-1]
    ones = xp.ones(lead + (1,), dtype=flat.dtype)
    left = xp.cumprod(xp.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1) if n else flat
    right = xp.flip(xp.cumprod(xp.flip(xp.concatenate([flat[..., 1:], ones], axis=-1), -1), axis=-1), -1) \
        if n else flat
    r = (left * right).reshape(moved.shape)
    inv = [0] * nd
    for i, p in enumerate(perm):
        inv[p] = i
    return xp.transpose(r, inv)


class _ProdOthers(Function):
    """Products of the other elements of each reduction slice (prod's gradient where inputs hold zeros)."""

    array_forward = True
    node_name = "ProdBackwardBackward0"

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        ctx.save_for_backward(a)
        return _const(_prod_others_array(a.xp, a.array, dims), a)

    @staticmethod
    def backward(ctx, gg):
        # d r_i / d x_k = prod of the slice without i and k: per position k, set x_k = 1 and recompute
        (a,) = ctx.saved_tensors
        xp = a.xp
        arr = a.array
        dims = ctx.dims
        g = gg.array
        out = xp.zeros(arr.shape, dtype=arr.dtype)
        for k in _itertools.product(*[range(arr.shape[d]) for d in dims]):
            key = [slice(None)] * arr.ndim
            for d, i in zip(dims, k):
                key[d] = slice(i, i + 1)
            key = tuple(key)
            mod = arr.copy()
            mod[key] = 1
            r = _prod_others_array(xp, mod, dims)
            contrib = g * r
            contrib[key] = 0
            out[key] = xp.sum(contrib, axis=dims, keepdims=True)
        return _const(out, a), None


def prod(input, dim=None, keepdim=False, *, dtype=None):
    _check_input("prod", input)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"prod() received an invalid combination of arguments - got ({type(dim).__name__}), but "
                        "expected one of:\n * (Tensor input, *, torch.dtype dtype = None)\n"
                        " * (Tensor input, int dim, bool keepdim = False, *, torch.dtype dtype = None)")
    nd = input.array.ndim
    dims = _dims_arg(dim, nd)
    out_dtype = _sum_dtype(input, dtype)
    if dim is None:
        return Prod.apply(input, dims, False, out_dtype)
    return ProdDim.apply(input, dims, bool(keepdim), out_dtype)


# ---- max / min / amax / amin / argmax / argmin -----------------------------------------

class _EvenReduce(Function):
    """max()/min() of all elements (MaxBackward1) and amax/amin: the gradient split among ties."""

    array_forward = True
    _abstract = True
    _fn = "max"

    @classmethod
    def forward(cls, ctx, a, dims, keepdim):
        arr = a.array
        xp = a.xp
        _setup(ctx, arr, dims, keepdim)
        r = getattr(xp, cls._fn)(arr, axis=dims, keepdims=True)
        mask = arr == r
        ctx.weights = _const(mask / xp.sum(mask, axis=dims, keepdims=True), a)
        if not keepdim:
            r = r.reshape(reduced_shape(arr.shape, dims, False))
        return wrap(xp, r, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return _unreduce(grad, ctx) * ctx.weights, None, None


class MaxAll(_EvenReduce):
    op_name = "Max"
    overload = 1


class MinAll(_EvenReduce):
    op_name = "Min"
    overload = 1
    _fn = "min"


class Amax(_EvenReduce):
    pass


class Amin(_EvenReduce):
    _fn = "min"


class _ValuesIndices(Function):
    """max/min over a dim: (values, indices); the gradient goes to the selected index (MaxBackward0)."""

    array_forward = True
    _abstract = True
    _arg = "argmax"

    @classmethod
    def forward(cls, ctx, a, dim, keepdim):
        arr = a.array
        xp = a.xp
        _setup(ctx, arr, (dim,), keepdim)
        if arr.ndim == 0:
            ctx.onehot = _const(xp.ones((), dtype=arr.dtype), a)
            return (_new_tensor(arr.copy(), a.dtype, a.device),
                    _new_tensor(xp.zeros((), dtype=xp.int64), _dt.int64, a.device))
        idx = getattr(xp, cls._arg)(arr, axis=dim, keepdims=True)
        values = xp.take_along_axis(arr, idx, axis=dim)
        onehot = xp.zeros(arr.shape, dtype=arr.dtype)
        xp.put_along_axis(onehot, idx, 1, axis=dim)
        ctx.onehot = _const(onehot, a)
        if not keepdim:
            idx = xp.squeeze(idx, axis=dim)
            values = xp.squeeze(values, axis=dim)
        return (wrap(xp, values, a.dtype, a.device), wrap(xp, idx, _dt.int64, a.device))

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        if grad is None:
            return None, None, None
        return _unreduce(grad, ctx) * ctx.onehot, None, None


class MaxDim(_ValuesIndices):
    op_name = "Max"


class MinDim(_ValuesIndices):
    op_name = "Min"
    _arg = "argmin"


def _check_nonempty(name: str, input, dims, specified: bool) -> None:
    shape = input.array.shape
    if not specified:
        if input.array.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                               "the reduction dim with the 'dim' argument.")
        return
    for d in dims:
        if shape and shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _max_min(name, cls_all, cls_dim, ret, input, dim, keepdim, other=None):
    _check_input(name, input)
    if type(dim) is Tensor and other is None:
        dim, other = None, dim
    if other is not None:
        from . import elementwise  # noqa: PLC0415
        fn = getattr(elementwise, "maximum" if name == "max" else "minimum", None)
        if fn is None:
            raise NotImplementedError(f"{name}(input, other) needs elementwise "
                                      f"{'maximum' if name == 'max' else 'minimum'}")
        return fn(input, other)
    nd = input.array.ndim
    if dim is None:
        if keepdim:
            raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, keepdim=bool)")
        _check_nonempty(name, input, (), False)
        return cls_all.apply(input, tuple(range(nd)), False)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, {type(dim).__name__})")
    d = normalize_dim(dim, nd)
    _check_nonempty(name, input, (d,), True)
    values, indices = cls_dim.apply(input, d, bool(keepdim))
    return ret(values, indices)


def max(input, dim=None, keepdim=False, *, other=None):  # noqa: A001 - torch's name
    """torch.max: max(input) -> value; max(input, dim, keepdim) -> (values, indices); max(input, other)."""
    return _max_min("max", MaxAll, MaxDim, max_return, input, dim, keepdim, other)


def min(input, dim=None, keepdim=False, *, other=None):  # noqa: A001
    return _max_min("min", MinAll, MinDim, min_return, input, dim, keepdim, other)


def _amax_amin(name, cls, input, dim, keepdim):
    _check_input(name, input)
    nd = input.array.ndim
    dims = normalize_dims(dim, nd) if nd else ()
    specified = not (dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0))
    _check_nonempty(name, input, dims, specified)
    return cls.apply(input, dims, bool(keepdim))


def amax(input, dim=(), keepdim=False):
    return _amax_amin("amax", Amax, input, dim, keepdim)


def amin(input, dim=(), keepdim=False):
    return _amax_amin("amin", Amin, input, dim, keepdim)


def _arg_reduce(name, input, dim, keepdim):
    _check_input(name, input)
    arr = input.array
    xp = input.xp
    fn = getattr(xp, name)
    if dim is None:
        if arr.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        r = fn(arr.reshape(-1))
        if keepdim:
            r = xp.reshape(r, (1,) * arr.ndim)
        return wrap(xp, r, _dt.int64, input.device)
    d = normalize_dim(dim, arr.ndim)
    if arr.ndim == 0:
        return wrap(xp, xp.zeros((), dtype=xp.int64), _dt.int64, input.device)
    if arr.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    return wrap(xp, fn(arr, axis=d, keepdims=bool(keepdim)), _dt.int64, input.device)


def argmax(input, dim=None, keepdim=False):
    return _arg_reduce("argmax", input, dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    return _arg_reduce("argmin", input, dim, keepdim)


# ---- var / std --------------------------------------------------------------------------

def _var_array(ctx, a, dims, correction, keepdim, std):
    """var (or std) of ``a`` over ``dims`` on arrays; records what the backward needs in ``ctx``."""
    arr = a.array
    xp = a.xp
    _setup(ctx, arr, dims, keepdim)
    n = 1
    for d in dims:
        n *= arr.shape[d]
    ctx.dims = dims
    ctx.count = n
    ctx.denom = denom = n - correction
    if denom > 0:
        r = xp.var(arr, axis=dims, ddof=correction, keepdims=keepdim)
    else:  # torch: inf or nan (no error) where there are too few elements
        with xp.errstate(invalid="ignore", divide="ignore"):
            mean_ = xp.mean(arr, axis=dims, keepdims=True) if n else xp.sum(arr, axis=dims, keepdims=True)
            dev = arr - mean_
            r = xp.sum((dev * dev.conj()).real, axis=dims, keepdims=keepdim) / arr.real.dtype.type(0)
    return xp.sqrt(r) if std else r


def _var_grad(ctx, a, out, grad, std):
    """The input's gradient of var (out None) or std (out: the std) for ``grad`` (differentiable). For complex
    ``a`` too (COMPLEX_AWARE): var's gradient is d/dx + i d/dy of sum |a - mean|^2 / denom, 2 (a - mean) / denom."""
    g = _unreduce(grad, ctx)
    dev = a - a.mean(ctx.dims, keepdim=True)
    denom = ctx.denom if ctx.denom > 0 else 0
    if not std:
        return g * dev * (2.0 / denom if denom else float("inf"))
    s = _unreduce(out, ctx)
    zero = s.array == 0
    if bool(a.xp.any(zero)):
        # torch masks the gradient where the std is 0
        s = s + _const(zero, s)
        g = g * _const(~zero, s)
    return g * dev / (s * denom if denom else s * 0.0)


class Var(Function):
    array_forward = True
    _std = False

    @classmethod
    def forward(cls, ctx, a, dims, correction, keepdim):
        out = wrap(a.xp, _var_array(ctx, a, dims, correction, keepdim, cls._std), a.dtype.to_real(), a.device)
        ctx.save_for_backward(a, out if cls._std else None)
        return out

    @classmethod
    def backward(cls, ctx, grad):
        a, out = ctx.saved_tensors
        return _var_grad(ctx, a, out, grad, cls._std), None, None, None


class Std(Var):
    _std = True


class VarMean(Function):
    """(var, mean) in one node (VarMeanBackward0); StdMean: (std, mean)."""

    array_forward = True
    _std = False

    @classmethod
    def forward(cls, ctx, a, dims, correction, keepdim):
        xp = a.xp
        spread = wrap(xp, _var_array(ctx, a, dims, correction, keepdim, cls._std), a.dtype.to_real(), a.device)
        with xp.errstate(invalid="ignore", divide="ignore"):
            m = xp.mean(a.array, axis=dims, keepdims=keepdim) if ctx.count else \
                xp.sum(a.array, axis=dims, keepdims=keepdim) / a.array.dtype.type(0)
        ctx.save_for_backward(a, spread if cls._std else None)
        return spread, wrap(xp, m, a.dtype, a.device)

    @classmethod
    def backward(cls, ctx, grad_spread, grad_mean):
        a, out = ctx.saved_tensors
        g = None
        if grad_spread is not None:
            g = _var_grad(ctx, a, out, grad_spread, cls._std)
        if grad_mean is not None:
            gm = _unreduce(grad_mean, ctx) / ctx.count
            g = gm if g is None else g + gm
        return g, None, None, None


class StdMean(VarMean):
    _std = True


def _var_std(name, cls, input, dim, unbiased, keepdim, correction, kind="std and var"):
    _check_input(name, input)
    if isinstance(dim, bool):  # var(input, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got (correction=int, "
                        f"unbiased=bool, ), but expected one of:")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(f"{kind} only support floating point and complex dtypes")
    nd = input.array.ndim
    dims = normalize_dims(dim, nd) if nd else ()
    return cls.apply(input, dims, correction, bool(keepdim))


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _var_std("var", Var, input, dim, unbiased, keepdim, correction)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _var_std("std", Std, input, dim, unbiased, keepdim, correction)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _var_std("var_mean", VarMean, input, dim, unbiased, keepdim, correction, "var_mean")


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _var_std("std_mean", StdMean, input, dim, unbiased, keepdim, correction, "std_mean")


# ---- norm -------------------------------------------------------------------------------

class LinalgVectorNorm(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, ord, dims, keepdim):
        arr = a.array
        xp = a.xp
        _setup(ctx, arr, dims, keepdim)
        ctx.ord = ord
        ctx.dims = dims
        ab = xp.abs(arr)
        with xp.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if ord == 2:
                r = xp.sqrt(xp.sum(ab * ab, axis=dims, keepdims=keepdim))
            elif ord == 1:
                r = xp.sum(ab, axis=dims, keepdims=keepdim)
            elif ord == float("inf"):
                r = xp.max(ab, axis=dims, keepdims=keepdim) if arr.size else xp.zeros(
                    reduced_shape(arr.shape, dims, keepdim), arr.dtype)
            elif ord == float("-inf"):
                r = xp.min(ab, axis=dims, keepdims=keepdim)
            elif ord == 0:
                r = xp.sum(arr != 0, axis=dims, keepdims=keepdim).astype(arr.dtype)
            else:
                r = xp.sum(ab ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)
        out = wrap(xp, r, a.dtype, a.device)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        return vector_norm_grad(a, _unreduce(out, ctx), _unreduce(grad, ctx), ctx.ord, ctx.dims), None, None, None


def vector_norm_grad(a: Tensor, n: Tensor, g: Tensor, p: float, dims) -> Tensor:
    """The gradient of the ``p``-norm of ``a`` over ``dims``: ``n`` the norm and ``g`` its gradient, both
    broadcast to ``a``'s shape (differentiable; torch.dist and pdist share it)."""
    xp = a.xp
    if p == 0:
        return g * 0
    sign = _const(xp.sign(a.array), a)
    if p == 1:
        return g * sign
    if p == float("inf") or p == float("-inf"):
        mask = xp.abs(a.array) == n.array
        count = xp.sum(mask, axis=dims, keepdims=True)
        return g * sign * _const(mask / count, a)
    zero = n.array == 0
    if bool(xp.any(zero)):  # torch masks the gradient where the norm is 0
        n = n + _const(zero, n)
        g = g * _const(~zero, n)
    if p == 2:
        return g * a / n
    abs_a = a * sign
    return g * sign * abs_a ** (p - 1) / n ** (p - 1)


def _norm_ord(p):
    if p is None or p == "fro":
        return 2.0
    if p == "nuc":
        raise NotImplementedError("norm(p='nuc') is not supported by gradwire yet")
    if isinstance(p, str):
        raise RuntimeError(f"linalg.vector_norm: unsupported ord {p}")
    return float(p)


def linalg_vector_norm(input, ord=2, dim=None, keepdim=False, *, dtype=None):
    _check_input("linalg_vector_norm", input)
    if input.dtype.is_complex:  # the norm of the moduli
        from .elementwise import abs as _abs  # noqa: PLC0415
        input = _abs(input)
    if not input.dtype.is_floating_point:
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{input.dtype._torch_name}")
    if dtype is not None:
        input = input.to(dtype)
    nd = input.array.ndim
    dims = normalize_dims(dim, nd) if nd else ()
    ord = float(ord)
    if ord < 0 and input.array.size == 0 or (ord == float("inf") and input.array.size == 0 and dims and
                                             _builtins.any(input.array.shape[d] == 0 for d in dims)):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because the "
                           "operation does not have an identity")
    return LinalgVectorNorm.apply(input, ord, dims, bool(keepdim))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """torch.norm / Tensor.norm: vector norms (p = 2, 1, inf, -inf, 0, any float, 'fro') over dims."""
    _check_input("norm", input)
    if isinstance(dim, int):
        dim = (dim,)
    return linalg_vector_norm(input, _norm_ord(p), dim, keepdim, dtype=dtype)


# ---- logsumexp, cumsum, all, any --------------------------------------------------------

class Logsumexp(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        arr = a.array
        xp = a.xp
        _setup(ctx, arr, dims, keepdim)
        dtype = a.dtype if a.dtype.is_floating_point or a.dtype.is_complex else _dt.default_float()
        if arr.dtype != dtype.numpy:
            arr = arr.astype(dtype.numpy)
        if arr.size == 0:
            with xp.errstate(divide="ignore"):
                r = xp.log(xp.sum(xp.exp(arr), axis=dims, keepdims=keepdim))
        else:
            real = arr.real if dtype.is_complex else arr  # torch's shift for complex numbers: the largest real part
            m = xp.max(real, axis=dims, keepdims=True) if dims else real
            m = xp.where(xp.isfinite(m), m, 0)
            with xp.errstate(divide="ignore"):
                r = xp.log(xp.sum(xp.exp(arr - m), axis=dims, keepdims=True)) + m
            if not keepdim:
                r = r.reshape(reduced_shape(arr.shape, dims, False))
        out = wrap(xp, r, dtype, a.device)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        return _unreduce(grad, ctx) * (a - _unreduce(out, ctx)).exp(), None, None


def logsumexp(input, dim, keepdim=False):
    _check_input("logsumexp", input)
    nd = input.array.ndim
    dims = normalize_dims(dim, nd) if nd else ()
    return Logsumexp.apply(input, dims, bool(keepdim))


class Cumsum(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, dim, dtype):
        arr = a.array
        ctx.dim = dim
        if arr.dtype != dtype.numpy:
            arr = arr.astype(dtype.numpy)
        r = a.xp.cumsum(arr, axis=dim) if arr.ndim else arr.copy()
        return wrap(a.xp, r, dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        if grad.array.ndim == 0:
            return grad, None, None
        from .shape import flip  # noqa: PLC0415
        d = ctx.dim
        return flip(cumsum(flip(grad, d), d), d), None, None


def cumsum(input, dim, *, dtype=None):
    _check_input("cumsum", input)
    d = normalize_dim(dim, input.array.ndim)
    return Cumsum.apply(input, d, _sum_dtype(input, dtype))


def _all_any(name, input, dim, keepdim):
    _check_input(name, input)
    arr = input.array
    xp = input.xp
    nd = arr.ndim
    dims = normalize_dims(dim, nd) if nd else ()
    r = getattr(xp, name)(arr, axis=dims, keepdims=bool(keepdim))
    return wrap(xp, r, _dt.all_any_result(input.dtype), input.device)


def all(input, dim=None, keepdim=False):  # noqa: A001
    return _all_any("all", input, dim, keepdim)


def any(input, dim=None, keepdim=False):  # noqa: A001
    return _all_any("any", input, dim, keepdim)
