"""Writes and reads at index positions: scatter (src or value), index_add, index_fill (each also in
place), masked_select, take and nonzero.

Backward formulas use differentiable ops (scatter with a value, gather, index_select, the
IndexAdd kernel of index_select's gradient), so double backward works.

Declares WIRE, METHODS and __all__; engine/ops/__init__.py installs them.
"""
from __future__ import annotations

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import broadcast_shapes, normalize_dim

from ..function import Function
from ..tensor import Tensor, _new_tensor
from ._util import check_tensor_arg, scalar_value
from .index import IndexAdd, IndexSelect, _check_mask_broadcast, _gather_key, gather, index_select
from .inplace import inplace_apply
from .shape import sum_to

_INDEX_DTYPES = (_dt.int64, _dt.int32)


def _index_key(xp, ia, dim, nd):
    """The advanced key that writes along ``dim`` at ``ia`` (ndim of ``ia`` == nd)."""
    return _gather_key(xp, ia, dim) if nd else ()


def _check_scatter(input, dim, index, src=None) -> int:
    check_tensor_arg("scatter", input)
    check_tensor_arg("scatter", index, "index", 3)
    nd = input.array.ndim
    d = normalize_dim(dim, nd)
    if index.dtype not in _INDEX_DTYPES:
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    if src is not None and src.dtype is not input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    ia = index.array
    shape = input.array.shape
    if ia.ndim != nd and not (ia.ndim <= 1 and nd <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if src is not None and src.array.ndim != ia.ndim and not (ia.ndim <= 1 and src.array.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if nd and ia.ndim == nd:
        ss = src.array.shape if src is not None else None
        for i in range(nd):
            if (i != d and ia.shape[i] > shape[i]) or (ss is not None and ia.shape[i] > ss[i]):
                if ss is None:
                    raise RuntimeError(f"Expected index {list(ia.shape)} to be no larger than self {list(shape)} "
                                       f"apart from dimension {d}")
                raise RuntimeError(f"Expected index {list(ia.shape)} to be no larger than self {list(shape)} apart "
                                   f"from dimension {d} and to be no larger size than src {list(ss)}")
    n = shape[d] if shape else 1
    if ia.size:
        bad = (ia < 0) | (ia >= n)
        if bool(index.xp.any(bad)):
            v = int(ia[bad].reshape(-1)[0])
            raise RuntimeError(f"index {v} is out of bounds for dimension {d} with size {n}")
    return d


def _scatter_array(a, dim, index, values):
    out = a.array.copy()
    ia = index.array
    if out.ndim == 0:
        if ia.size:
            out[...] = values.reshape(-1)[ia.size - 1] if hasattr(values, "reshape") else values
        return out
    key = _index_key(a.xp, ia.reshape(ia.shape if ia.ndim else (1,)), dim, out.ndim)
    if hasattr(values, "shape") and values.ndim:
        values = values[tuple(slice(0, s) for s in ia.shape)]
    out[key] = values
    return out


class Scatter(Function):
    """scatter with a src tensor (ScatterBackward0)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, dim, index, src):
        ctx.dim = dim
        ctx.index = index
        ctx.src_shape = src.array.shape
        return _new_tensor(_scatter_array(a, dim, index, src.array), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        na, _, _, ns = ctx.needs_input_grad
        ga = ScatterValue.apply(grad, ctx.dim, ctx.index, 0) if na else None
        # torch's formula: gather(grad, dim, index), of index's shape; with a src larger than index
        # torch's backward rejects it (its inputs are numbered self 0, src 1)
        gs = None
        if ns:
            gs = gather(grad, ctx.dim, ctx.index)
            if tuple(gs.array.shape) != tuple(ctx.src_shape):
                raise RuntimeError(f"Function ScatterBackward0 returned an invalid gradient at index 1 - got "
                                   f"{list(gs.array.shape)} but expected shape compatible with "
                                   f"{list(ctx.src_shape)}")
        return ga, None, None, gs


class ScatterValue(Function):
    """scatter with a Python number (ScatterBackward1)."""

    op_name = "Scatter"
    overload = 1
    array_forward = True

    @staticmethod
    def forward(ctx, a, dim, index, value):
        ctx.dim = dim
        ctx.index = index
        v = a.xp.asarray(value).astype(a.dtype.numpy)
        return _new_tensor(_scatter_array(a, dim, index, v), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return ScatterValue.apply(grad, ctx.dim, ctx.index, 0), None, None, None


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    if src is None and value is None:
        raise TypeError("scatter() missing 1 required positional argument: 'src' or 'value'")
    if src is None:
        src = value
    if reduce is not None:
        return _scatter_with_reduce(input, dim, index, src, reduce)
    if type(src) is Tensor:
        d = _check_scatter(input, dim, index, src)
        return Scatter.apply(input, d, index, src)
    d = _check_scatter(input, dim, index)
    return ScatterValue.apply(input, d, index, _dt.checked_scalar(input.dtype, scalar_value(src)))


_SCATTER_REDUCE_WARNING = ("The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a "
                           "future PyTorch release. Use torch.scatter_reduce instead for more reduction options.")
_warned_scatter_reduce = []


def _scatter_with_reduce(input, dim, index, src, reduce):
    """scatter(..., reduce='add' | 'multiply'): scatter_reduce's sum / prod, self included (a number: a
    tensor of it in the index's shape)."""
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if type(src) is Tensor:
        if not _warned_scatter_reduce:  # torch warns once per process
            _warned_scatter_reduce.append(True)
            import warnings  # noqa: PLC0415
            warnings.warn(_SCATTER_REDUCE_WARNING, UserWarning, stacklevel=2)
    else:
        check_tensor_arg("scatter", index, "index", 2)
        value = _dt.checked_scalar(input.dtype, scalar_value(src))
        src = _new_tensor(input.xp.full(index.array.shape, value, dtype=input.dtype.numpy), input.dtype, input.device)
    from .extra_ops import scatter_reduce  # noqa: PLC0415
    return scatter_reduce(input, dim, index, src, "sum" if reduce == "add" else "prod")


def scatter_(input, dim, index, src=None, value=None, *, reduce=None):
    return inplace_apply(input, scatter, dim, index, src, value, reduce=reduce)


# ---- index_add / index_fill --------------------------------------------------------------

def _check_index_vector(op, input, dim, index, bounds_error=RuntimeError):
    nd = input.array.ndim
    d = normalize_dim(dim, nd)
    if index.dtype not in _INDEX_DTYPES:
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index")
    if index.array.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    n = input.array.shape[d] if nd else 1
    ia = index.array.reshape(-1)
    if ia.size:
        bad = (ia < -n) | (ia >= n) if op == "index_fill_" else (ia < 0) | (ia >= n)
        if bool(index.xp.any(bad)):
            raise bounds_error(f"index {int(ia[bad][0])} is out of bounds for dimension {d} with size {n}")
    return d


class IndexAddOp(Function):
    """index_add (IndexAddBackward0): grad passes to self; source gets grad.index_select(dim, index) * alpha."""

    edge_args = (0, 3)  # torch's edges: self, source (not the index)

    op_name = "IndexAdd"
    array_forward = True

    @staticmethod
    def forward(ctx, a, dim, index, source, alpha):
        ctx.dim, ctx.index, ctx.alpha = dim, index, alpha
        ctx.src_shape = source.array.shape
        out = a.array.copy()
        sv = source.array if alpha == 1 else source.array * alpha
        if out.ndim == 0:
            out[...] += sv.sum()
        else:
            key = (slice(None),) * dim + (index.array.reshape(-1),)
            a.xp.add.at(out, key, sv.reshape(sv.shape if sv.ndim else (1,)))
        return _new_tensor(out.astype(a.dtype.numpy, copy=False), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        na, _, _, ns, _ = ctx.needs_input_grad
        gs = None
        if ns:
            gs = index_select(grad, ctx.dim, ctx.index.reshape(-1))
            if ctx.alpha != 1:
                gs = gs * ctx.alpha
            if tuple(gs.array.shape) != tuple(ctx.src_shape):
                gs = gs.reshape(ctx.src_shape)
        return (grad if na else None), None, None, gs, None


def index_add(input, dim, index, source, *, alpha=1):
    check_tensor_arg("index_add", input)
    check_tensor_arg("index_add", index, "index", 3)
    check_tensor_arg("index_add", source, "source", 4)
    d = _check_index_vector("index_add_", input, dim, index)
    ss = source.array.shape
    shape = input.array.shape
    if len(ss) != len(shape) or any(a != b for i, (a, b) in enumerate(zip(shape, ss)) if i != d):
        if ss or len(shape) > 1:
            raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified "
                               f"dimension. Got self.shape = {list(shape)} source.shape = {list(ss)}")
    n_src = ss[d] if ss else 1
    if index.array.size != n_src:
        raise RuntimeError(f"index_add_(): Number of indices ({index.array.size}) should be equal to "
                           f"source.size(dim): ({n_src}), for dim: {d}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_add_(): self ({input.dtype._torch_name}) and source "
                           f"({source.dtype._torch_name}) must have the same scalar type")
    return IndexAddOp.apply(input, d, index, source, alpha)


def index_add_(input, dim, index, source, *, alpha=1):
    return inplace_apply(input, index_add, dim, index, source, alpha=alpha)


class IndexFill(Function):
    """index_fill with a number (IndexFillBackward0): the filled positions get no gradient."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, dim, index, value):
        ctx.dim, ctx.index = dim, index
        out = a.array.copy()
        if out.ndim == 0:
            if index.array.size:
                out[...] = value
        else:
            out[(slice(None),) * dim + (index.array.reshape(-1),)] = value
        return _new_tensor(out, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return IndexFill.apply(grad, ctx.dim, ctx.index, 0), None, None, None


class IndexFillTensor(Function):
    """index_fill with a 0-d tensor value (IndexFillBackward1): the value's gradient is the sum of the
    filled positions' gradients."""

    array_forward = True
    op_name = "IndexFill"
    overload = 1
    edge_args = (0, 3)  # self, value (not the index)

    @staticmethod
    def forward(ctx, a, dim, index, value):
        return IndexFill.forward(ctx, a, dim, index, value.array.astype(a.dtype.numpy))

    @staticmethod
    def backward(ctx, grad):
        na, nv = ctx.needs_input_grad[0], ctx.needs_input_grad[3]
        ga = IndexFill.apply(grad, ctx.dim, ctx.index, 0) if na else None
        gv = None
        if nv:
            picked = grad if grad.array.ndim == 0 else IndexSelect.apply(grad, ctx.dim, ctx.index.reshape(-1))
            gv = picked.sum() if ctx.index.array.size else grad.sum() * 0
        return ga, None, None, gv


def index_fill(input, dim, index, value):
    check_tensor_arg("index_fill", input)
    check_tensor_arg("index_fill", index, "index", 3)
    d = _check_index_vector("index_fill_", input, dim, index, IndexError)
    if type(value) is Tensor:
        if value.array.ndim:
            raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.array.ndim} dimension(s).")
        return IndexFillTensor.apply(input, d, index, value)
    return IndexFill.apply(input, d, index, _dt.checked_scalar(input.dtype, scalar_value(value)))


def index_fill_(input, dim, index, value):
    return inplace_apply(input, index_fill, dim, index, value, overlap_ok=True)


# ---- masked_select / take / nonzero --------------------------------------------------------

class MaskedSelect(Function):
    """The elements where ``mask`` (broadcast with the input) is True, as a 1-D tensor."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, mask):
        xp = a.xp
        shape = broadcast_shapes(a.array.shape, mask.array.shape)
        arr = xp.broadcast_to(a.array, shape)
        m = xp.broadcast_to(mask.array, shape)
        ctx.shape, ctx.in_shape = shape, a.array.shape
        ctx.positions = _new_tensor(xp.flatnonzero(m).astype(xp.int64), _dt.int64, a.device)
        return _new_tensor(arr[m], a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        n = 1
        for s in ctx.shape:
            n *= s
        g = IndexAdd.apply(grad, (n,), 0, ctx.positions).reshape(ctx.shape)
        return sum_to(g, ctx.in_shape), None


def masked_select(input, mask):
    check_tensor_arg("masked_select", input)
    check_tensor_arg("masked_select", mask, "mask", 2)
    if mask.dtype is not _dt.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    _check_mask_broadcast(mask.array.shape, input.array.shape)
    return MaskedSelect.apply(input, mask)


class Take(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, index):
        flat = a.array.reshape(-1)
        ctx.in_shape = a.array.shape
        ctx.flat_index = _new_tensor(index.array.reshape(-1), index.dtype, index.device)
        return _new_tensor(flat[index.array], a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        n = 1
        for s in ctx.in_shape:
            n *= s
        g = IndexAdd.apply(grad.reshape(-1), (n,), 0, ctx.flat_index)
        return g.reshape(ctx.in_shape), None


def take(input, index):
    check_tensor_arg("take", input)
    check_tensor_arg("take", index, "index", 2)
    if index.dtype is not _dt.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {index.dtype._torch_name}")
    n = input.array.size
    ia = index.array
    if ia.size:
        bad = (ia < -n) | (ia >= n)
        if bool(index.xp.any(bad)):
            raise IndexError(f"out of range: tried to access index {int(ia[bad].reshape(-1)[0])} on a tensor of "
                             f"{n} elements.")
        if bool(index.xp.any(ia < 0)):
            index = _new_tensor(ia % n, index.dtype, index.device)
    return Take.apply(input, index)


def nonzero(input, *, as_tuple=False):
    check_tensor_arg("nonzero", input)
    xp = input.xp
    arr = input.array
    if as_tuple:
        if arr.ndim == 0:
            return (_new_tensor(xp.flatnonzero(arr.reshape(1)).astype(xp.int64), _dt.int64, input.device),)
        return tuple(_new_tensor(i.astype(xp.int64), _dt.int64, input.device) for i in xp.nonzero(arr))
    if arr.ndim == 0:
        return _new_tensor(xp.zeros((int(bool(arr)), 0), dtype=xp.int64), _dt.int64, input.device)
    idx = xp.stack(xp.nonzero(arr), axis=1) if arr.size else xp.zeros((0, arr.ndim), dtype=xp.int64)
    return _new_tensor(idx.astype(xp.int64), _dt.int64, input.device)


def argwhere(input):
    return nonzero(input)


# ---- registration tables ------------------------------------------------------------------

WIRE: dict = {"scatter": scatter, "scatter_": scatter_, "index_add": index_add, "index_add_": index_add_,
              "index_fill": index_fill, "index_fill_": index_fill_, "masked_select": masked_select, "take": take,
              "nonzero": nonzero, "argwhere": argwhere}
METHODS: dict = dict(WIRE)
__all__: list = ["scatter", "index_add", "index_fill", "masked_select", "take", "nonzero", "argwhere"]
