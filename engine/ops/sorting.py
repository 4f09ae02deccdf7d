"""Sorting and order statistics: sort, argsort, msort, topk, kthvalue, median, mode.

Each op that returns values picked from its input records one node named as
torch names it (SortBackward0, TopkBackward0, ...); its backward scatters the
gradient of the values back to the positions they were taken from with
``scatter_add``, a differentiable op, so double backward works.

Declares WIRE, METHODS and __all__; engine/ops/__init__.py installs them.
"""
from __future__ import annotations

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import normalize_dim, reduced_shape

from .. import backend
from ..function import Function
from ..tensor import Tensor, _new_tensor
from ._util import check_tensor_arg
from .index import scatter_add
from .reduce import _return_type

sort_return = _return_type("sort", ("values", "indices"))
topk_return = _return_type("topk", ("values", "indices"))
kthvalue_return = _return_type("kthvalue", ("values", "indices"))
median_return = _return_type("median", ("values", "indices"))
mode_return = _return_type("mode", ("values", "indices"))


# ---- array helpers ----------------------------------------------------------------------

def sort_indices(xp, arr, dim: int, descending: bool):
    """Stable sort order along ``dim`` with torch's NaN placement (NaN counts as the largest value).

    Descending keeps equal elements in their original order: a stable ascending sort of the
    reversed array, read backwards, mapped back to the original positions."""
    if not descending:
        return xp.argsort(arr, axis=dim, kind="stable")
    n = arr.shape[dim]
    rev = xp.flip(arr, axis=dim)
    idx = xp.argsort(rev, axis=dim, kind="stable")
    return (n - 1) - xp.flip(idx, axis=dim)


def _scatter_back(grad: Tensor, dim: int, indices: Tensor, in_shape: tuple) -> Tensor:
    """The gradient of values taken at ``indices`` along ``dim``: zeros with ``grad`` put back."""
    zeros = _new_tensor(grad.xp.zeros(in_shape, dtype=grad.dtype.numpy), grad.dtype, grad.device)
    if len(in_shape) == 0:
        return grad.reshape(())
    return scatter_add(zeros, dim, indices, grad)


def _index_tensor(xp, arr, like: Tensor) -> Tensor:
    if arr.dtype != xp.int64:
        arr = arr.astype(xp.int64)
    return _new_tensor(arr, _dt.int64, like.device)


class _Selecting(Function):
    """Values picked along ``dim`` with their indices; backward puts the gradient back at the indices."""

    array_forward = True
    _abstract = True

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        if grad is None:
            return (None,) * ctx.n_args
        idx = ctx.indices
        if not ctx.keepdim and len(ctx.in_shape):
            grad = grad.unsqueeze(ctx.dim)
        return (_scatter_back(grad, ctx.dim, idx, ctx.in_shape),) + (None,) * (ctx.n_args - 1)

    @staticmethod
    def _finish(ctx, a, dim, values, idx, keepdim, n_args):
        """Saves what backward needs; returns (values, indices) tensors (squeezed unless keepdim)."""
        xp = a.xp
        ctx.dim = dim
        ctx.in_shape = a.array.shape
        ctx.keepdim = keepdim
        ctx.n_args = n_args
        ctx.indices = _index_tensor(xp, idx, a)
        if not keepdim and a.array.ndim:
            values = xp.squeeze(values, axis=dim)
            idx = xp.squeeze(idx, axis=dim)
        return (_new_tensor(values, a.dtype, a.device), _index_tensor(xp, idx, a))


class Sort(_Selecting):
    @staticmethod
    def forward(ctx, a, dim, descending):
        arr = a.array
        xp = a.xp
        if arr.ndim == 0:
            idx = xp.zeros((), dtype=xp.int64)
            return Sort._finish(ctx, a, 0, arr.copy(), idx, True, 3)
        idx = sort_indices(xp, arr, dim, descending)
        return Sort._finish(ctx, a, dim, xp.take_along_axis(arr, idx, axis=dim), idx, True, 3)


class SortStable(Sort):
    op_name = "Sort"
    overload = 1


def _check_dim(input, dim):
    return normalize_dim(dim, input.array.ndim)


def sort(input, dim=-1, descending=False, stable=False):
    """torch.sort: (values, indices), sorted along ``dim``; equal elements keep their order."""
    check_tensor_arg("sort", input)
    if isinstance(dim, bool):  # sort(input, stable, dim, descending) as a positional bool is stable=
        raise TypeError("sort(): argument 'dim' must be int, not bool")
    d = _check_dim(input, dim)
    cls = SortStable if stable else Sort
    values, indices = cls.apply(input, d, bool(descending))
    return sort_return(values, indices)


def argsort(input, dim=-1, descending=False, stable=False):
    check_tensor_arg("argsort", input)
    d = _check_dim(input, dim)
    arr = input.array
    xp = input.xp
    if arr.ndim == 0:
        return _index_tensor(xp, xp.zeros((), dtype=xp.int64), input)
    return _index_tensor(xp, sort_indices(xp, arr, d, bool(descending)), input)


def msort(input):
    check_tensor_arg("msort", input)
    return sort(input, 0).values


class Topk(_Selecting):
    @staticmethod
    def forward(ctx, a, k, dim, largest, sorted_):
        arr = a.array
        xp = a.xp
        if arr.ndim == 0:
            idx = xp.zeros((), dtype=xp.int64)
            return Topk._finish(ctx, a, 0, arr.copy(), idx, True, 5)
        idx = sort_indices(xp, arr, dim, largest)
        idx = xp.take(idx, xp.arange(k), axis=dim)
        return Topk._finish(ctx, a, dim, xp.take_along_axis(arr, idx, axis=dim), idx, True, 5)


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - torch's name
    check_tensor_arg("topk", input)
    if input.dtype is _dt.bool_:
        raise RuntimeError(f"topk does not support bool dtypes on {'CPU' if input.device == 'cpu' else 'CUDA'}")
    d = _check_dim(input, dim)
    shape = input.array.shape
    n = shape[d] if shape else 1
    if k < 0 or k > n:
        raise RuntimeError("selected index k out of range")
    values, indices = Topk.apply(input, int(k), d, bool(largest), bool(sorted))
    return topk_return(values, indices)


class Kthvalue(_Selecting):
    @staticmethod
    def forward(ctx, a, k, dim, keepdim):
        arr = a.array
        xp = a.xp
        if arr.ndim == 0:
            return Kthvalue._finish(ctx, a, 0, arr.copy(), xp.zeros((), dtype=xp.int64), keepdim, 4)
        idx = sort_indices(xp, arr, dim, False)
        idx = xp.take(idx, xp.asarray([k - 1]), axis=dim)
        return Kthvalue._finish(ctx, a, dim, xp.take_along_axis(arr, idx, axis=dim), idx, keepdim, 4)


def kthvalue(input, k, dim=-1, keepdim=False):
    check_tensor_arg("kthvalue", input)
    d = _check_dim(input, dim)
    shape = input.array.shape
    n = shape[d] if shape else 1
    if k < 1 or k > n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    values, indices = Kthvalue.apply(input, int(k), d, bool(keepdim))
    return kthvalue_return(values, indices)


def _median_positions(xp, arr, dim):
    """Sort order along dim and, per row, the position in it of the lower median (of the first NaN
    where the row has one: torch's median propagates NaN)."""
    idx = xp.argsort(arr, axis=dim, kind="stable")
    n = arr.shape[dim]
    pos = xp.full(reduced_shape(arr.shape, (dim,), True), (n - 1) // 2, dtype=xp.int64)
    if arr.dtype.kind == "f":
        nan = xp.isnan(arr)
        has_nan = xp.any(nan, axis=dim, keepdims=True)
        n_valid = n - xp.sum(nan, axis=dim, keepdims=True)
        pos = xp.where(has_nan, n_valid, pos)
    return xp.take_along_axis(idx, pos, axis=dim)


class _OneAlongDim(_Selecting):
    """One value per row along ``dim``, at the index ``positions(xp, arr, dim)`` picks (keepdim shape)."""

    _abstract = True

    @classmethod
    def forward(cls, ctx, a, dim, keepdim):
        arr = a.array
        xp = a.xp
        if arr.ndim == 0:
            return cls._finish(ctx, a, 0, arr.copy(), xp.zeros((), dtype=xp.int64), keepdim, 3)
        idx = cls.positions(xp, arr, dim)
        return cls._finish(ctx, a, dim, xp.take_along_axis(arr, idx, axis=dim), idx, keepdim, 3)


class MedianDim(_OneAlongDim):
    op_name = "Median"
    overload = 1
    positions = staticmethod(_median_positions)


class Median(Function):
    """The median of all elements; its gradient is shared evenly by the elements equal to it."""

    array_forward = True
    positions = staticmethod(_median_positions)

    @classmethod
    def forward(cls, ctx, a):
        arr = a.array
        xp = a.xp
        flat = arr.reshape(-1)
        if flat.size == 0:
            value = xp.asarray(xp.nan, dtype=arr.dtype) if arr.dtype.kind == "f" else xp.zeros((), arr.dtype)
        else:
            value = flat[cls.positions(xp, flat, 0)[0]]
        if ctx.needs_input_grad and ctx.needs_input_grad[0]:
            hit = (arr == value) | (xp.isnan(arr) & xp.isnan(value))
            ctx.share = _new_tensor((hit / max(int(hit.sum()), 1)).astype(arr.dtype), a.dtype, a.device)
        return _new_tensor(xp.asarray(value, dtype=arr.dtype).reshape(()), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.share


def median(input, dim=None, keepdim=False):
    check_tensor_arg("median", input)
    if dim is None:
        return Median.apply(input)
    d = _check_dim(input, dim)
    shape = input.array.shape
    if shape and shape[d] == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    values, indices = MedianDim.apply(input, d, bool(keepdim))
    return median_return(values, indices)


def _mode_positions(xp, arr, dim):
    """Per row along ``dim``: the index of torch's mode, the most frequent value (the smallest of
    those tied), at its last occurrence."""
    rows = xp.moveaxis(arr, dim, -1)
    n = rows.shape[-1]
    flat = rows.reshape(-1, n)
    ordered = xp.sort(flat, axis=1)
    starts = xp.ones(ordered.shape, dtype=bool)              # where a run of equal values begins
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    run = xp.cumsum(starts, axis=1) - 1                       # run number of each sorted element
    counts = xp.zeros(flat.shape, dtype=xp.int64)
    row = xp.broadcast_to(xp.arange(flat.shape[0])[:, None], flat.shape)
    backend.scatter_add(xp, counts, (row, run), 1)
    best = xp.argmax(counts, axis=1)                          # the first (smallest) of the most frequent runs
    value = xp.take_along_axis(ordered, xp.argmax(run == best[:, None], axis=1)[:, None], axis=1)
    last = n - 1 - xp.argmax((flat == value)[:, ::-1], axis=1)
    return xp.moveaxis(last.reshape(rows.shape[:-1] + (1,)), -1, dim)


class Mode(_OneAlongDim):
    positions = staticmethod(_mode_positions)


def mode(input, dim=-1, keepdim=False):
    """torch.mode: (values, indices) of the most frequent value along ``dim``."""
    check_tensor_arg("mode", input)
    d = _check_dim(input, dim)
    shape = input.array.shape
    if shape and shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    values, indices = Mode.apply(input, d, bool(keepdim))
    return mode_return(values, indices)


# ---- registration tables ------------------------------------------------------------------

def _method_sort(self, dim=-1, descending=False, stable=False):
    return sort(self, dim, descending, stable)


WIRE: dict = {"sort": sort, "argsort": argsort, "msort": msort, "topk": topk, "kthvalue": kthvalue,
              "median": median, "mode": mode}
METHODS: dict = {"sort": _method_sort, "argsort": argsort, "msort": msort, "topk": topk, "kthvalue": kthvalue,
                 "median": median, "mode": mode}
__all__: list = list(WIRE)
