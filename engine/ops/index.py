"""Indexing and gathering: __getitem__/__setitem__, index_select, gather, scatter_add, masked_fill.

``__getitem__`` follows torch's order of work: the basic parts of the index
(ints, slices, None, Ellipsis) apply one after another as views, each its own
node (``x[0, 1:]`` records SelectBackward0 then SliceBackward0); tensor and
list indices (advanced indexing, boolean masks) then apply as one
IndexBackward0 with NumPy's (= torch's) placement rules.

This module also carries the registration tables (WIRE, METHODS, __all__) of
the reductions, shape ops and linear algebra added beyond the core ops that
engine/ops/__init__.py lists itself.

Wire encoding of indices (op "getitem"(input, index) and "setitem"(input,
index, value)): an index is an int, None, a tensor, a list (of ints/bools or
nested lists), a tuple of those, a slice encoded as the tuple
``("slice", start, stop, step)`` and Ellipsis encoded as the string ``"..."``.
``decode_index`` turns that form back into a Python index.
"""
from __future__ import annotations

import warnings

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import broadcast_shapes, normalize_dim

from .. import backend
from ..function import Function
from ..grad_mode import _state as _grad_state
from ..tensor import Tensor, _new_tensor
from . import linalg as _linalg
from . import reduce as _reduce
from . import shape as _shape
from ._util import same_device, scalar_value, share_version, wrap
from gradwire.common.views import view_mode_message
from .shape import Alias, IndexUnsqueeze, Select, Slice, _ScatterBasic

_C_NAMES = _dt.CPP_NAMES

_INVALID_INDEX = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
                  "(got {})")
_SEQ_WARNING = ("Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed in "
                "pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted as tensor "
                "index, x[torch.tensor(seq)], which will result either in an error or a different result (Triggered "
                "internally at /__w/pytorch/pytorch/torch/csrc/autograd/python_variable_indexing.cpp:349.)")


# ---- advanced indexing ------------------------------------------------------------------

class Index(Function):
    """``a[key]`` with integer arrays in the key (a copy): IndexBackward0."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, key):
        ctx.in_shape = a.array.shape
        ctx.key = key
        return _new_tensor(a.array[key], a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return IndexPut.apply(grad, ctx.in_shape, ctx.key), None


class IndexPut(Function):
    """Index's gradient: zeros with ``grad`` accumulated at ``key`` (repeated indices add up)."""

    array_forward = True

    @staticmethod
    def forward(ctx, g, in_shape, key):
        ctx.key = key
        z = g.xp.zeros(in_shape, dtype=g.dtype.numpy)
        backend.scatter_add(g.xp, z, key, g.array)
        return _new_tensor(z, g.dtype, g.device)

    @staticmethod
    def backward(ctx, gg):
        return Index.apply(gg, ctx.key), None, None


def _seq_is_tuple(seq) -> bool:
    """torch's legacy rule: a list holding sequences, slices, None, Ellipsis or tensors is a tuple index."""
    for item in seq:
        if item is None or item is Ellipsis or isinstance(item, (list, tuple, slice, Tensor)):
            return True
    return False


_UINT8_MASK_WARNING = ("indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead. "
                       "(Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/IndexingUtils.h:37.)")


def _is_mask(item) -> bool:
    """A Tensor index that selects by mask: bool, or (deprecated) uint8."""
    return type(item) is Tensor and (item.dtype is _dt.bool_ or item.dtype is _dt.uint8)


def _index_array(xp, item, device):
    """A list or Tensor index as an array: (array, is_bool)."""
    if type(item) is Tensor:
        arr = item.array
        dtype = item.dtype
        if dtype is _dt.bool_:
            return arr, True
        if dtype is _dt.uint8:  # torch still reads a uint8 index as a mask (and warns, but not for 0-dim)
            if arr.ndim:
                warnings.warn(_UINT8_MASK_WARNING, UserWarning, stacklevel=3)
            return arr.astype(_dt.bool_.numpy), True
        if dtype is not _dt.int64 and dtype is not _dt.int32:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return arr, False
    arr = backend.asarray(item, None, device)
    if arr.size == 0:
        return arr.astype(xp.int64), False
    if arr.dtype.kind == "b":
        return arr, True
    if arr.dtype.kind not in "iu":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return arr.astype(xp.int64), False


def _index_parts(index):
    """(items, is_tuple) of a Python index."""
    if type(index) is tuple:
        return index, True
    if isinstance(index, list) and _seq_is_tuple(index):
        warnings.warn(_SEQ_WARNING, UserWarning, stacklevel=3)
        return tuple(index), True
    return (index,), False


def _consumed(item) -> int:
    if item is None or item is Ellipsis or item is True or item is False:
        return 0
    if _is_mask(item):
        return item.array.ndim
    return 1


def _plan(input, index):
    """The basic steps [(view class, key)] and the advanced key parts of ``input[index]``."""
    items, is_tuple = _index_parts(index)
    shape = list(input.array.shape)
    nd = len(shape)
    used = 0
    for item in items:
        used += _consumed(item)
    if used > nd:
        if nd == 0 and used == 1 and not isinstance(items[0], (slice, list, Tensor)):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                             "in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    xp = input.xp
    steps = []
    adv = []      # (dim, array, is_bool)
    d = 0
    for item in items:
        if item is None:
            steps.append((IndexUnsqueeze, (slice(None),) * d + (None,)))
            shape.insert(d, 1)
            d += 1
        elif item is Ellipsis:
            d += nd - used
        elif item is True or item is False:
            steps.append((IndexUnsqueeze, (slice(None),) * d + (None,)))
            shape.insert(d, 1)
            adv.append((d, xp.asarray([item]), True))
            d += 1
        elif isinstance(item, slice):
            n = shape[d]
            start, stop, step = (_slice_int(v) for v in (item.start, item.stop, item.step))
            if step is not None and step <= 0:
                if step == 0:
                    raise ValueError("slice step cannot be zero")
                raise ValueError("step must be greater than zero")
            start, stop, step = slice(start, stop, step).indices(n)
            if is_tuple and start == 0 and stop >= n and step == 1:
                d += 1
                continue
            steps.append((Slice, (slice(None),) * d + (slice(start, stop, step),)))
            shape[d] = len(range(start, stop, step))
            d += 1
        elif isinstance(item, (list, Tensor)):
            if type(item) is Tensor and item.array.ndim == 0 and not _is_mask(item) \
                    and not item.dtype.is_floating_point:
                _select_step(steps, shape, d, int(item.item()))
                continue
            arr, is_bool = _index_array(xp, item, input.device)
            if is_bool:
                k = arr.ndim
                if k == 0:
                    steps.append((IndexUnsqueeze, (slice(None),) * d + (None,)))
                    shape.insert(d, 1)
                    arr = arr.reshape(1)
                    k = 1
                for j in range(k):
                    if arr.shape[j] != shape[d + j]:
                        raise IndexError(f"The shape of the mask {list(arr.shape)} at index {j} does not match the "
                                         f"shape of the indexed tensor {shape} at index {d + j}")
                adv.append((d, arr, True))
                d += k
            else:
                n = shape[d]
                if arr.size:
                    bad = (arr >= n) | (arr < -n)
                    if bool(xp.any(bad)):
                        v = int(arr[bad].reshape(-1)[0])
                        # torch names the dimension by the index's place among the advanced ones
                        nth = sum(a.ndim if is_mask else 1 for _, a, is_mask in adv)
                        raise IndexError(f"index {v} is out of bounds for dimension {nth} with size {n}")
                adv.append((d, arr, False))
                d += 1
        else:
            try:
                if isinstance(item, float) or type(item) is Tensor:
                    raise TypeError
                i = item.__index__()
            except (AttributeError, TypeError):
                raise IndexError(_INVALID_INDEX.format(type(item).__name__)) from None
            _select_step(steps, shape, d, i)
    if not steps and not adv:
        steps.append((Alias, ()))
    key = None
    if adv:
        key = []
        pos = 0
        for dim, arr, is_bool in adv:
            key.extend([slice(None)] * (dim - pos))
            if is_bool:
                key.extend(arr.nonzero())
                pos = dim + arr.ndim
            else:
                key.append(arr)
                pos = dim + 1
        key = tuple(key)
        _check_index_shapes(key)
    return steps, key


def _check_index_shapes(key) -> None:
    """torch's IndexError when the index tensors do not broadcast together."""
    shapes = [k.shape for k in key if type(k) is not slice]
    if len(shapes) < 2:
        return
    out = []
    for s in shapes:
        for i in range(1, len(s) + 1):
            if i > len(out):
                out.insert(0, s[-i])
            elif out[-i] == 1:
                out[-i] = s[-i]
            elif s[-i] != 1 and s[-i] != out[-i]:
                raise IndexError("shape mismatch: indexing tensors could not be broadcast together with shapes "
                                 + ", ".join(str(list(x)) for x in shapes))


def _slice_int(v):
    if v is None or type(v) is int:
        return v
    try:
        return v.__index__()
    except AttributeError:
        raise TypeError("slice indices must be integers or None or have an __index__ method") from None


def _select_step(steps, shape, d, i):
    n = shape[d]
    if i < -n or i >= n:
        raise IndexError(f"index {i} is out of bounds for dimension {d} with size {n}")
    steps.append((Select, (slice(None),) * d + (i % n, Ellipsis)))
    del shape[d]


def getitem(input, index):
    """``input[index]`` as torch computes it (Tensor.__getitem__)."""
    steps, key = _plan(input, index)
    if _grad_state.enabled and input._requires_grad:
        t = input
        for cls, k in steps:
            t = cls.apply(t, k)
        if key is not None:
            t = Index.apply(t, key)
        return t
    arr = input.array
    for _cls, k in steps:
        arr = arr[k]
    if key is not None:
        return _new_tensor(arr[key], input.dtype, input.device)
    return share_version(input, _new_tensor(arr, input.dtype, input.device))


# ---- wire encoding of indices -----------------------------------------------------------

def decode_index(index):
    """The Python index of the wire form: ("slice", start, stop, step) -> slice, "..." -> Ellipsis."""
    if type(index) is tuple:
        if len(index) == 4 and index[0] == "slice":
            return slice(index[1], index[2], index[3])
        return tuple(decode_index(i) for i in index)
    if isinstance(index, str):
        if index == "...":
            return Ellipsis
        raise IndexError(_INVALID_INDEX.format("str"))
    if isinstance(index, list):
        return [decode_index(i) for i in index]
    return index


def encode_index(index):
    """The wire form of a Python index (the inverse of ``decode_index``)."""
    if isinstance(index, slice):
        return ("slice", index.start, index.stop, index.step)
    if index is Ellipsis:
        return "..."
    if type(index) is tuple:
        return tuple(encode_index(i) for i in index)
    if isinstance(index, list):
        return [encode_index(i) for i in index]
    return index


def wire_getitem(input, index):
    """Wire op "getitem"(input, index): ``index`` in the encoded form (see the module docstring)."""
    return getitem(input, decode_index(index))


def wire_setitem(input, index, value, accumulate=False):
    """Wire op "setitem"(input, index, value): ``input[index] = value`` in place (``accumulate``: index_put_'s
    ``input[index] += value`` with repeated indices adding up); returns ``input``."""
    setitem(input, decode_index(index), value, accumulate)
    return input


# ---- __setitem__ ------------------------------------------------------------------------

class IndexPutValue(Function):
    """The out-of-place form of ``x[index] = value``: a copy of ``x`` with ``value`` written at the index.

    Its node is the one torch gives ``x`` after the write: CopySlices for a basic index (a write through
    a view), IndexPutBackward0 for an advanced one, FillBackward3 / CopyBackwards for ``x[...] = v``.
    """

    array_forward = True
    node_name = "torch::autograd::CopySlices"

    accumulate = False  # index_put_(..., accumulate=True): the values are added (repeated indices too)

    @classmethod
    def forward(cls, ctx, a, v, steps, key, value_shape):
        arr = a.array.copy()
        view = arr
        for _cls, k in steps:
            view = view[k]
        ctx.steps = steps
        ctx.key = key
        ctx.value_shape = value_shape
        vals = v.array if type(v) is Tensor else v
        ctx.accumulate = cls.accumulate
        _write(a.xp, view, key, vals, cls.accumulate)
        return _new_tensor(arr, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        na, nv = ctx.needs_input_grad[:2]
        ga = gv = None
        if na and ctx.accumulate:  # self's values are kept (added to): its gradient passes whole
            ga = grad
        elif na:
            mask = grad.xp.ones(grad.array.shape, dtype=bool)
            view = mask
            for _cls, k in ctx.steps:
                view = view[k]
            if ctx.key is None:
                view[...] = False
            else:
                view[ctx.key] = False
            ga = grad * _new_tensor(mask.astype(grad.dtype.numpy), grad.dtype, grad.device)
        if nv:
            t = grad
            for cls, k in ctx.steps:
                t = cls.apply(t, k)
            if ctx.key is not None:
                t = Index.apply(t, ctx.key)
            gv = _shape.sum_to(t, ctx.value_shape) if t.array.shape != ctx.value_shape else t
        return ga, gv, None, None, None


class SetitemIndexPut(IndexPutValue):
    node_name = "IndexPutBackward0"


class IndexPutAccumulate(IndexPutValue):
    node_name = "IndexPutBackward0"
    accumulate = True


def _write(xp, view, key, vals, accumulate: bool) -> None:
    """``view[key] = vals`` (``key`` None: the whole view); ``accumulate``: added, repeated indices adding up."""
    if not accumulate:
        if key is None:
            view[...] = vals
        else:
            view[key] = vals
    elif key is None:
        view += vals
    else:
        backend.scatter_add(xp, view, key, vals)


class SetitemFill(IndexPutValue):
    node_name = "FillBackward3"


class SetitemCopy(IndexPutValue):
    node_name = "torch::autograd::CopyBackwards"


def _value_array(input, value, target_shape, advanced: bool = False):
    """The value to write (a Tensor or a Python scalar), checked against the target shape like torch."""
    if type(value) is Tensor:
        shape = value.array.shape
        if shape != target_shape:
            # torch drops the value's leading ones, then broadcasts it to the indexed part
            lead = 0
            while lead < len(shape) and shape[lead] == 1:
                lead += 1
            if lead:
                value = _shape.reshape(value, *shape[lead:])
            if advanced:  # index_put's check and text
                trimmed = shape[lead:]
                if len(trimmed) > len(target_shape) or [1 for a, b in zip(reversed(trimmed), reversed(target_shape))
                                                        if a != 1 and a != b]:  # (this module's all is the op)
                    raise RuntimeError(f"shape mismatch: value tensor of shape {list(shape)} cannot be broadcast to "
                                       f"indexing result of shape {list(target_shape)}")
            elif value.array.shape != target_shape:
                _shape.Expand.forward(_Ctx(), value, target_shape)  # torch's expand errors
        return value
    if isinstance(value, (bool, int, float)) or hasattr(value, "item") and getattr(value, "shape", None) == ():
        return _dt.checked_scalar(input.dtype, scalar_value(value))
    raise TypeError(f"can't assign a {type(value).__name__} to a torch.{input.dtype._torch_name}Tensor")


class _Ctx:
    pass


def _writes_through_view(arr, steps) -> bool:
    """Whether the steps select part of ``arr`` (torch: a slice other than the whole dim is a view)."""
    for cls, k in steps:
        if cls is Select or cls is IndexUnsqueeze:
            return True
        if cls is Slice:
            sl = k[-1]
            if not (sl.start == 0 and sl.step == 1 and sl.stop >= arr.shape[len(k) - 1]):
                return True
        arr = arr[k]
    return False


def _check_setitem_view_mode(input, value, arr, steps) -> None:
    """``v[index] = value`` into a view made in no_grad mode, recorded: torch's error, which names the last
    view the index makes of ``v`` (torch writes into that view) when that view is recorded."""
    if not _grad_state.enabled or (input._multi_view and input._view_mode != "inference"):
        return
    if not (input._requires_grad or (type(value) is Tensor and value._requires_grad)):
        return
    node = input.grad_fn
    name, nr = (node.name() if node is not None else None), input._output_nr
    if input._requires_grad:
        for cls, k in steps:
            if cls is Select or cls is IndexUnsqueeze or (cls is Slice and _writes_through_view(arr, ((cls, k),))):
                name, nr = cls._node_cls._name, 0
            arr = arr[k]
    raise RuntimeError(view_mode_message(input._view_mode, name, nr))


def _check_uint8_mask_fill(index, value) -> None:
    """torch writes a number through a single mask index with masked_fill_, which refuses uint8 masks."""
    if type(value) is Tensor and value.array.ndim:
        return
    items = index if type(index) is tuple else (index,)
    masks = [i for i in items if type(i) is Tensor and i.array.ndim or isinstance(i, list)]
    if len(masks) == 1 and type(masks[0]) is Tensor and masks[0].dtype is _dt.uint8:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_C_NAMES['uint8']}")


def setitem(input, index, value, accumulate=False):
    """``input[index] = value`` in place (Tensor.__setitem__), with torch's autograd rules.

    Recorded (grad mode on and the input or the value requires grad): computed out of place, then
    written into the input's array, its version bumped and its history rebased onto the new node
    (engine/ops/inplace.py's protocol).
    """
    if type(input) is not Tensor:
        raise TypeError(f"setitem(): argument 'input' must be Tensor, not {type(input).__name__}")
    _check_uint8_mask_fill(index, value)
    steps, key = _plan(input, index)
    arr = input.array
    view = arr
    for _cls, k in steps:
        view = view[k]
    target_shape = view[key].shape if key is not None else view.shape
    value = _value_array(input, value, target_shape, key is not None)
    from . import inplace as _inplace  # noqa: PLC0415
    if input._view_mode is not None:
        _check_setitem_view_mode(input, value, arr, steps)
    if (_grad_state.enabled and input._requires_grad and input.grad_fn is None and key is None
            and _writes_through_view(arr, steps)):
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    _inplace.check_inplace(input, writes=False)
    # torch writes into the indexed view: basic indexing refuses a view whose elements overlap (an expanded
    # tensor's), advanced indexing (index_put_) writes into it (with a deprecation warning, not sent)
    _inplace.check_writable(view, overlap_ok=key is not None)
    if type(value) is Tensor:
        _inplace.check_no_partial_overlap(view, value.array, full_ok=key is None)
    if _grad_state.enabled and (input._requires_grad or (type(value) is Tensor and value._requires_grad)):
        if accumulate:
            cls = IndexPutAccumulate
        elif key is not None:
            cls = SetitemIndexPut
        elif not _writes_through_view(arr, steps):  # the whole tensor (``...``, full slices): no view in between
            cls = SetitemCopy if type(value) is Tensor else SetitemFill
        else:
            cls = IndexPutValue
        src = _inplace.inplace_source(input)
        out = cls.apply(src, value, steps, key, value.array.shape if type(value) is Tensor else ())
        return _inplace.commit(input, out)
    _write(input.xp, view, key, value.array if type(value) is Tensor else value, accumulate)
    input._bump_version()
    return input


# ---- index_select, gather, scatter_add, masked_fill ------------------------------------

def _check_tensor(name, x, pos=1, arg="input"):
    if type(x) is not Tensor:
        raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")


class IndexSelect(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, dim, index):
        same_device(a, index)
        ctx.dim = dim
        ctx.in_shape = a.array.shape
        ctx.index = index
        arr = a.array
        r = a.xp.take(arr, index.array, axis=dim) if arr.ndim else arr[index.array]
        return _new_tensor(r, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return IndexAdd.apply(grad, ctx.in_shape, ctx.dim, ctx.index), None, None


class IndexAdd(Function):
    """index_select's gradient: zeros with ``grad`` added at ``index`` along ``dim``."""

    array_forward = True

    @staticmethod
    def forward(ctx, g, in_shape, dim, index):
        ctx.dim = dim
        ctx.index = index
        z = g.xp.zeros(in_shape, dtype=g.dtype.numpy)
        if len(in_shape) == 0:
            z[...] = g.array.sum()
        else:
            key = (slice(None),) * dim + (index.array,)
            backend.scatter_add(g.xp, z, key, g.array)
        return _new_tensor(z, g.dtype, g.device)

    @staticmethod
    def backward(ctx, gg):
        return IndexSelect.apply(gg, ctx.dim, ctx.index), None, None, None


def index_select(input, dim, index):
    _check_tensor("index_select", input)
    _check_tensor("index_select", index, 3, "index")
    nd = input.array.ndim
    d = normalize_dim(dim, nd)
    if index.dtype is not _dt.int64 and index.dtype is not _dt.int32:
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if index.array.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index.array.ndim == 0:
        index = _new_tensor(index.array.reshape(1), index.dtype, index.device)
    n = input.array.shape[d] if nd else 1
    ia = index.array
    bad = (ia < 0) | (ia >= n)
    if ia.size and bool(index.xp.any(bad)):
        if d == 0 or not nd:
            raise IndexError("index out of range in self")
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={int(ia[bad][0])} axis_dim={n}")  # torch's text
    return IndexSelect.apply(input, d, index)


def _gather_key(xp, index_arr, dim):
    """The full advanced key that picks ``index`` along ``dim`` and the index position elsewhere."""
    nd = index_arr.ndim
    key = []
    for d in range(nd):
        if d == dim:
            key.append(index_arr)
        else:
            shape = [1] * nd
            shape[d] = index_arr.shape[d]
            key.append(xp.arange(index_arr.shape[d]).reshape(shape))
    return tuple(key)


def _check_gather_index(name, input, dim, index, src=None):
    ia = index.array
    shape = input.array.shape
    if ia.ndim != len(shape) and not (ia.ndim <= 1 and len(shape) <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    if name == "gather":
        for d in range(ia.ndim):
            if d != dim and ia.shape[d] > shape[d]:
                raise RuntimeError(f"Size does not match at dimension {d} expected index {list(ia.shape)} to be no "
                                   f"larger than self {list(shape)} apart from dimension {dim}")
    elif src is not None:
        ss = src.array.shape
        for d in range(ia.ndim):
            if (d != dim and ia.shape[d] > shape[d]) or ia.shape[d] > ss[d]:
                raise RuntimeError(f"Expected index {list(ia.shape)} to be no larger than self {list(shape)} apart "
                                   f"from dimension {dim} and to be no larger size than src {list(ss)}")
    n = shape[dim] if shape else 1
    if ia.size:
        xp = index.xp
        bad = (ia < 0) | (ia >= n)
        if bool(xp.any(bad)):
            v = int(ia[bad].reshape(-1)[0])
            raise RuntimeError(f"index {v} is out of bounds for dimension {dim} with size {n}")


class Gather(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, dim, index):
        same_device(a, index)
        ctx.dim = dim
        ctx.index = index
        ctx.in_shape = a.array.shape
        arr = a.array
        if arr.ndim == 0:
            return _new_tensor(arr.copy().reshape(index.array.shape), a.dtype, a.device)
        return _new_tensor(arr[_gather_key(a.xp, index.array, dim)], a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        from .creation import zeros  # noqa: PLC0415
        z = zeros(ctx.in_shape, dtype=grad.dtype, device=grad.device)
        return scatter_add(z, ctx.dim, ctx.index, grad), None, None


def gather(input, dim, index, *, sparse_grad=False):
    _check_tensor("gather", input)
    _check_tensor("gather", index, 3, "index")
    nd = input.array.ndim
    d = normalize_dim(dim, nd)
    if index.dtype is not _dt.int64 and index.dtype is not _dt.int32:
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    _check_gather_index("gather", input, d, index)
    return Gather.apply(input, d, index)


class ScatterAdd(Function):
    edge_args = (0, 3)  # torch's edges: self, src (not the index)
    array_forward = True

    @staticmethod
    def forward(ctx, a, dim, index, src):
        same_device(a, index, src)
        ctx.dim = dim
        ctx.index = index
        ctx.src_shape = src.array.shape
        out = a.array.copy()
        ia = index.array
        if out.ndim == 0:
            out[...] += src.array.reshape(-1)[:ia.size].sum()
        else:
            vals = src.array[tuple(slice(0, s) for s in ia.shape)]
            backend.scatter_add(a.xp, out, _gather_key(a.xp, ia, dim), vals)
        return _new_tensor(out, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        na, _, _, ns = ctx.needs_input_grad
        gs = None
        if ns:
            gs = gather(grad, ctx.dim, ctx.index)
            ishape = ctx.index.array.shape
            if ishape != ctx.src_shape:
                gs = _ScatterBasic.apply(gs, ctx.src_shape, tuple(slice(0, s) for s in ishape), Slice)
        return (grad if na else None), None, None, gs


def scatter_add(input, dim, index, src):
    _check_tensor("scatter_add", input)
    _check_tensor("scatter_add", index, 3, "index")
    _check_tensor("scatter_add", src, 4, "src")
    nd = input.array.ndim
    d = normalize_dim(dim, nd)
    if index.dtype is not _dt.int64 and index.dtype is not _dt.int32:
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    if src.dtype is not input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    _check_gather_index("scatter_add", input, d, index, src)
    return ScatterAdd.apply(input, d, index, src)


class MaskedFill(Function):
    """masked_fill with a Python scalar (MaskedFillBackward0); a 0-d tensor value: MaskedFillBackward1."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, mask, value):
        same_device(a, mask, value)
        xp = a.xp
        m = mask.array
        ctx.mask = m
        v = value.array if type(value) is Tensor else _dt.checked_scalar(a.dtype, value)
        if type(value) is Tensor and a.dtype._category == 1:
            _dt.checked_scalar(a.dtype, value.item())
        arr = a.array
        if arr.shape != m.shape:
            arr = xp.broadcast_to(arr, broadcast_shapes(arr.shape, m.shape))
        with xp.errstate(invalid="ignore", over="ignore"):
            r = xp.where(m, xp.asarray(v).astype(a.dtype.numpy), arr)
        return wrap(xp, r, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        na, _, nv = ctx.needs_input_grad
        m = ctx.mask
        ga = gv = None
        if na:
            ga = grad * _new_tensor((~m).astype(grad.dtype.numpy), grad.dtype, grad.device)
        if nv:
            gv = (grad * _new_tensor(m.astype(grad.dtype.numpy), grad.dtype, grad.device)).sum()
        return ga, None, gv


class MaskedFillTensor(MaskedFill):
    edge_args = (0, 2)  # self, value (not the mask)
    op_name = "MaskedFill"
    overload = 1


def _check_mask_broadcast(a, b) -> None:
    """torch's broadcast error for (mask, self), which reports the last mismatching dim."""
    if a == b:
        return
    nd = len(a) if len(a) > len(b) else len(b)
    for i in range(nd - 1, -1, -1):
        sa = a[i - nd + len(a)] if i - nd + len(a) >= 0 else 1
        sb = b[i - nd + len(b)] if i - nd + len(b) >= 0 else 1
        if sa != sb and sa != 1 and sb != 1:
            raise RuntimeError(f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) at non-singleton "
                               f"dimension {i}")


def masked_fill(input, mask, value):
    _check_tensor("masked_fill", input)
    _check_tensor("masked_fill", mask, 2, "mask")
    if mask.dtype is not _dt.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_C_NAMES[mask.dtype.name]}")
    _check_mask_broadcast(mask.array.shape, input.array.shape)
    if type(value) is Tensor:
        if value.array.ndim != 0:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.array.ndim} dimension(s).")
        return MaskedFillTensor.apply(input, mask, value)
    return MaskedFill.apply(input, mask, scalar_value(value))


# ---- registration tables ----------------------------------------------------------------

def _method_max(self, dim=None, keepdim=False):
    return _reduce.max(self, dim, keepdim)


def _method_min(self, dim=None, keepdim=False):
    return _reduce.min(self, dim, keepdim)


def _method_permute(self, *dims):
    return _shape.permute(self, *dims)


def _method_flip(self, *dims):
    return _shape.flip(self, *dims)


def _method_repeat(self, *sizes):
    return _shape.repeat(self, *sizes)


def _method_bmm(self, mat2):
    return _linalg.bmm(self, mat2)


def _method_dot(self, other):
    return _linalg.dot(self, other)


def _method_outer(self, vec2):
    return _linalg.outer(self, vec2)


def _method_getitem(self, index):
    return getitem(self, index)


def _method_setitem(self, index, value):
    setitem(self, index, value)


WIRE: dict = {
    # reductions
    "prod": _reduce.prod, "max": _reduce.max, "min": _reduce.min, "amax": _reduce.amax, "amin": _reduce.amin,
    "argmax": _reduce.argmax, "argmin": _reduce.argmin, "var": _reduce.var, "std": _reduce.std,
    "norm": _reduce.norm, "linalg.vector_norm": _reduce.linalg_vector_norm, "logsumexp": _reduce.logsumexp,
    "cumsum": _reduce.cumsum, "all": _reduce.all, "any": _reduce.any,
    # shapes
    "flatten": _shape.flatten, "squeeze": _shape.squeeze, "unsqueeze": _shape.unsqueeze, "repeat": _shape.repeat,
    "cat": _shape.cat, "concat": _shape.concat, "concatenate": _shape.concat, "stack": _shape.stack,
    "split": _shape.split, "chunk": _shape.chunk, "narrow": _shape.narrow, "select": _shape.select,
    "unbind": _shape.unbind, "flip": _shape.flip, "rot90": _shape.rot90, "tril": _shape.tril, "triu": _shape.triu,
    "contiguous": _shape.contiguous,
    "is_contiguous": _shape.is_contiguous, "version": _shape.version, "stride": _shape.stride,
    # indexing
    "getitem": wire_getitem, "setitem": wire_setitem, "index_select": index_select, "gather": gather,
    "scatter_add": scatter_add, "masked_fill": masked_fill,
    # linear algebra
    "bmm": _linalg.bmm, "outer": _linalg.outer, "ger": _linalg.outer, "dot": _linalg.dot,
    "vdot": _linalg.vdot, "mv": _linalg.mv,
}

METHODS: dict = {
    "__getitem__": _method_getitem, "__setitem__": _method_setitem,
    "prod": _reduce.prod, "max": _method_max, "min": _method_min, "amax": _reduce.amax, "amin": _reduce.amin,
    "argmax": _reduce.argmax, "argmin": _reduce.argmin, "var": _reduce.var, "std": _reduce.std,
    "norm": _reduce.norm, "logsumexp": _reduce.logsumexp, "cumsum": _reduce.cumsum, "all": _reduce.all,
    "any": _reduce.any,
    "flatten": _shape.flatten, "squeeze": _shape.squeeze, "unsqueeze": _shape.unsqueeze, "repeat": _method_repeat,
    "permute": _method_permute, "split": _shape.split, "chunk": _shape.chunk, "narrow": _shape.narrow,
    "unbind": _shape.unbind,
    "select": _shape.select, "flip": _method_flip, "rot90": _shape.rot90, "tril": _shape.tril, "triu": _shape.triu,
    "contiguous": _shape.contiguous, "is_contiguous": _shape.is_contiguous,
    "index_select": index_select, "gather": gather, "scatter_add": scatter_add, "masked_fill": masked_fill,
    "bmm": _method_bmm, "dot": _method_dot, "outer": _method_outer, "ger": _method_outer,
    "vdot": _linalg.vdot, "mv": _linalg.mv,
}

__all__: list = [
    "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "norm", "logsumexp", "cumsum",
    "all", "any", "flatten", "squeeze", "unsqueeze", "cat", "concat", "concatenate", "stack", "split", "chunk",
    "unbind", "narrow", "select", "flip", "rot90", "tril", "triu", "index_select", "gather", "scatter_add", "masked_fill",
    "bmm", "outer", "ger", "dot", "vdot", "mv",
]

# (module attributes for the gradwire.engine namespace; the code above is done using the builtins
# these names shadow: max, min, all, any)
prod = _reduce.prod
max = _reduce.max  # noqa: A001
min = _reduce.min  # noqa: A001
amax, amin, argmax, argmin = _reduce.amax, _reduce.amin, _reduce.argmax, _reduce.argmin
var, std, norm, logsumexp, cumsum = _reduce.var, _reduce.std, _reduce.norm, _reduce.logsumexp, _reduce.cumsum
all = _reduce.all  # noqa: A001
any = _reduce.any  # noqa: A001
flatten, squeeze, unsqueeze, cat, concat = _shape.flatten, _shape.squeeze, _shape.unsqueeze, _shape.cat, _shape.concat
concatenate, stack, split, chunk, narrow = _shape.concat, _shape.stack, _shape.split, _shape.chunk, _shape.narrow
select, flip, tril, triu, unbind = _shape.select, _shape.flip, _shape.tril, _shape.triu, _shape.unbind
rot90 = _shape.rot90
bmm, outer, ger, dot, vdot = _linalg.bmm, _linalg.outer, _linalg.outer, _linalg.dot, _linalg.vdot
mv = _linalg.mv
