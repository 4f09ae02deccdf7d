"""Scans, rolls and counting: cumprod, cummax, cummin, roll, unique, bincount.

Declares WIRE, METHODS and __all__; engine/ops/__init__.py installs them.
"""
from __future__ import annotations

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import normalize_dim

from ..function import Function
from ..tensor import Tensor, _new_tensor
from ._util import check_tensor_arg, not_implemented
from .reduce import _return_type, _sum_dtype, cumsum
from .sorting import _scatter_back

cummax_return = _return_type("cummax", ("values", "indices"))
cummin_return = _return_type("cummin", ("values", "indices"))


class Cumprod(Function):
    """CumprodBackward0: grad_i = sum_{j >= i} grad_j * out_j / x_i where the input has no zeros; with zeros,
    the same sum without the division (``_cumprod_grad_with_zeros``)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, dim, dtype):
        arr = a.array
        if arr.dtype != dtype.numpy:
            arr = arr.astype(dtype.numpy)
        ctx.dim = dim
        r = a.xp.cumprod(arr, axis=dim) if arr.ndim else arr.copy()
        out = _new_tensor(r, dtype, a.device)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        if grad.array.ndim == 0:
            return grad, None, None
        from .shape import flip  # noqa: PLC0415
        d = ctx.dim
        if bool((a.array == 0).any()):
            return _cumprod_grad_with_zeros(a, grad, d), None, None
        return flip(cumsum(flip(grad * out, d), d), d) / a, None, None


def _cumprod_grad_with_zeros(a: Tensor, grad: Tensor, d: int) -> Tensor:
    """grad_i = prod_{k<i} x_k * sum_{j>=i} grad_j * prod_{i<k<=j} x_k, without dividing by x_i: exact at
    zeros, and made of differentiable ops (double backward). Takes n x n per slice along ``d``."""
    from .shape import cat  # noqa: PLC0415
    x = a.transpose(d, -1)
    g = grad.transpose(d, -1)
    n = x.shape[-1]
    xp = a.xp
    dtype = a.dtype
    idx = xp.arange(n)
    # rows i, columns k: x_k for k > i, else 1; its running product along k is prod_{i<k<=j} x_k
    above = _new_tensor((idx[None, :] > idx[:, None]).astype(dtype.numpy), dtype, a.device)
    rows = x.unsqueeze(-2) * above + (1 - above)
    tail = Cumprod.apply(rows, rows.dim() - 1, dtype)
    upper = _new_tensor((idx[None, :] >= idx[:, None]).astype(dtype.numpy), dtype, a.device)
    after = (tail * upper * g.unsqueeze(-2)).sum(-1)
    ones = _new_tensor(xp.ones(x.shape[:-1] + (1,), dtype=dtype.numpy), dtype, a.device)
    before = Cumprod.apply(cat([ones, x.narrow(-1, 0, n - 1)], -1), x.dim() - 1, dtype)
    # written into a fresh tensor, as torch does (its grad_fn with create_graph: CopySlices)
    out = _new_tensor(xp.zeros(a.array.shape, dtype=dtype.numpy), dtype, a.device)
    out.view(out.shape).copy_((before * after).transpose(d, -1))  # through a view: CopySlices
    return out


def cumprod(input, dim, *, dtype=None):
    check_tensor_arg("cumprod", input)
    d = normalize_dim(dim, input.array.ndim)
    return Cumprod.apply(input, d, _sum_dtype(input, dtype))


class _CumExtreme(Function):
    """cummax / cummin: running extreme with the index of its (latest) position."""

    array_forward = True
    _abstract = True

    @classmethod
    def forward(cls, ctx, a, dim):
        arr = a.array
        xp = a.xp
        ctx.dim, ctx.in_shape = dim, arr.shape
        if arr.ndim == 0:
            idx = xp.zeros((), dtype=xp.int64)
            ctx.indices = _new_tensor(idx, _dt.int64, a.device)
            return _new_tensor(arr.copy(), a.dtype, a.device), _new_tensor(idx.copy(), _dt.int64, a.device)
        ufunc = xp.maximum if cls._max else xp.minimum
        values = ufunc.accumulate(arr, axis=dim)
        shape = [1] * arr.ndim
        shape[dim] = arr.shape[dim]
        pos = xp.broadcast_to(xp.arange(arr.shape[dim]).reshape(shape), arr.shape)
        hit = arr == values
        if arr.dtype.kind == "f":
            nan = xp.isnan(arr)
            seen_nan = xp.logical_or.accumulate(nan, axis=dim)
            values = xp.where(seen_nan, xp.nan, values)
            hit = xp.where(seen_nan, nan, hit)
        idx = xp.maximum.accumulate(xp.where(hit, pos, 0), axis=dim).astype(xp.int64)
        ctx.indices = _new_tensor(idx, _dt.int64, a.device)
        return _new_tensor(values, a.dtype, a.device), _new_tensor(idx.copy(), _dt.int64, a.device)

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        if grad is None:
            return None, None
        return _scatter_back(grad, ctx.dim, ctx.indices, ctx.in_shape), None


class Cummax(_CumExtreme):
    _max = True


class Cummin(_CumExtreme):
    _max = False


def cummax(input, dim):
    check_tensor_arg("cummax", input)
    values, indices = Cummax.apply(input, normalize_dim(dim, input.array.ndim))
    return cummax_return(values, indices)


def cummin(input, dim):
    check_tensor_arg("cummin", input)
    values, indices = Cummin.apply(input, normalize_dim(dim, input.array.ndim))
    return cummin_return(values, indices)


class Roll(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        arr = a.array
        if dims is None:
            r = a.xp.roll(arr.reshape(-1), shifts[0]).reshape(arr.shape)
        else:
            r = a.xp.roll(arr, shifts, axis=dims)
        return _new_tensor(r, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return Roll.apply(grad, tuple(-s for s in ctx.shifts), ctx.dims), None, None


def roll(input, shifts, dims=None):
    check_tensor_arg("roll", input)
    shifts = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return Roll.apply(input, shifts, None)
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    nd = input.array.ndim
    dims = tuple(normalize_dim(d, nd) for d in dims)
    if nd == 0:
        return Roll.apply(input, shifts, None)
    return Roll.apply(input, shifts, dims)


# ---- unique / bincount ------------------------------------------------------------------------

class Unique2(Function):
    """torch.unique: torch records a node whose backward is not implemented."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, return_inverse, return_counts, dim):
        xp = a.xp
        arr = a.array
        if dim is None:
            # torch's NaNs are each their own value
            nan_kw = {"equal_nan": False} if a.dtype.is_floating_point else {}
            try:
                vals, inv, counts = xp.unique(arr.reshape(-1), return_inverse=True, return_counts=True, **nan_kw)
            except TypeError:  # an array module without equal_nan
                vals, inv, counts = xp.unique(arr.reshape(-1), return_inverse=True, return_counts=True)
            inv = inv.reshape(arr.shape)
        else:
            vals, inv, counts = xp.unique(arr, return_inverse=True, return_counts=True, axis=dim)
            inv = inv.reshape(-1)
        outs = [_new_tensor(vals, a.dtype, a.device)]
        if return_inverse:
            outs.append(_new_tensor(inv.astype(xp.int64), _dt.int64, a.device))
        if return_counts:
            outs.append(_new_tensor(counts.astype(xp.int64), _dt.int64, a.device))
        return outs[0] if len(outs) == 1 else tuple(outs)

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("the derivative for '_unique2' is not implemented.")


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    check_tensor_arg("unique", input)
    if dim is not None:
        dim = normalize_dim(dim, input.array.ndim)
        shape = input.array.shape
        if shape[dim] and 0 in shape:
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")
    return Unique2.apply(input, bool(return_inverse), bool(return_counts), dim)


def bincount(input, weights=None, minlength=0):
    check_tensor_arg("bincount", input)
    xp = input.xp
    arr = input.array
    if input.dtype.is_floating_point or input.dtype is _dt.bool_:
        raise not_implemented("bincount_cpu", input.dtype)
    if arr.ndim != 1 or (arr.size and int(arr.min()) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is not None:
        if weights.array.ndim != 1 or weights.array.shape[0] != arr.shape[0]:
            raise RuntimeError("weights should be 1-d and have the same length as input")
        dtype = _dt.float32 if weights.dtype is _dt.float32 else _dt.float64
        r = xp.bincount(arr, weights=weights.array.astype(xp.float64), minlength=minlength)
        return _new_tensor(r.astype(dtype.numpy), dtype, input.device)
    r = xp.bincount(arr, minlength=minlength) if arr.size else xp.zeros(minlength, dtype=xp.int64)
    return _new_tensor(r.astype(xp.int64), _dt.int64, input.device)


# ---- registration tables ----------------------------------------------------------------------

def _method_roll(self, shifts, dims=None):
    return roll(self, shifts, dims)


WIRE: dict = {"cumprod": cumprod, "cummax": cummax, "cummin": cummin, "roll": roll, "unique": unique,
              "bincount": bincount}
METHODS: dict = {"cumprod": cumprod, "cummax": cummax, "cummin": cummin, "roll": _method_roll, "unique": unique,
                 "bincount": bincount}
__all__: list = list(WIRE)
