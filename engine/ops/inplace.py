"""In-place ops and the version-counter / history-rebase API they share.

In-place ops: ``add_``, ``sub_``, ``mul_``, ``div_``, ``zero_``, ``fill_``,
``copy_``, ``clamp_`` (and ``+=``, ``-=``, ``*=``, ``/=`` through them).

How an in-place op works (PyTorch's rules):

* ``check_inplace(t)`` first: no in-place update of an inference tensor
  outside inference mode; no in-place update of a leaf that requires grad
  while grad mode is on; no writes into a broadcast (expanded) array.
* When nothing is recorded (grad mode off, or nothing requires grad) the op
  writes into ``t.array`` directly and bumps the version counter.
* When the op is recorded, it is computed *out of place* by the ordinary
  differentiable op on a stand-in for ``t`` (``inplace_source``), then
  ``commit(t, out)`` writes the result into ``t``'s array, bumps ``t``'s
  version and *rebases* ``t``'s history onto the new node: ``t.grad_fn``
  becomes ``out.grad_fn`` (``AddBackward0`` for ``add_``, ...), as in torch.
  Nodes that saved ``t`` before see the version bump and raise torch's
  "modified by an inplace operation" error when they run.

The API other op modules use (e.g. ``__setitem__`` in ops/index.py):

    inplace_apply(t, fn, *args, copy_self=False, **kwargs) -> t
        The whole protocol in one call: checks ``t``, runs the out-of-place
        ``fn(source, *args, **kwargs)`` (a Tensor op returning a new tensor of
        t's shape; recorded when grad mode is on and t or a Tensor argument
        requires grad), writes the result into ``t`` and rebases its history.
        ``copy_self=True`` when ``fn``'s backward reads the *old* values of
        ``t`` (``mul_`` by a tensor that requires grad): the source is then a
        copy, so the in-place write cannot change what was saved.
    check_inplace(t)                    the checks above (raises torch's errors)
    commit(t, out)                      write + ``t._bump_version()`` + ``rebase_history``
    rebase_history(t, out)              ``t`` takes over ``out``'s node (grad_fn, output_nr,
                                        retain_grad), without writing values
    t._bump_version()                   (Tensor method) the version counter, shared with views

Example (setitem): ``inplace_apply(x, lambda s, v: index_put(s, idx, v), value)``
gives ``x`` the node of ``index_put`` (``IndexPutBackward0``).
"""
from __future__ import annotations

import re

from gradwire.common import dtypes as _dt
from gradwire.common.grad_mode import INFERENCE_INPLACE_MESSAGE
from gradwire.common.shapes import broadcast_shapes, normalize_dim

from ..function import Function
from ..grad_mode import _state as _grad_state
from ..tensor import Tensor, _new_tensor
from . import arith as _arith
from .. import backend
from . import shape as _shape
from .shape import to_copy
from ._util import binary_prep, cast, scalar_value
from gradwire.common.views import INFERENCE, view_mode_message

__all__ = ["zero_", "fill_", "clamp_"]  # torch.zero_, torch.fill_, torch.clamp_

LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_LEAF_MESSAGE = "a view of a leaf Variable that requires grad is being used in an in-place operation."
INFERENCE_MESSAGE = INFERENCE_INPLACE_MESSAGE
OVERLAP_MESSAGE = ("unsupported operation: more than one element of the written-to tensor refers to a single "
                   "memory location. Please clone() the tensor before performing the operation.")


# ---- the protocol --------------------------------------------------------------------

def internal_overlap(arr) -> bool:
    """Whether several elements of ``arr`` share one memory location (a stride 0 over a dim of size > 1, as
    ``expand`` makes): torch refuses most in-place writes into such a tensor."""
    for n, st in zip(arr.shape, arr.strides):
        if st == 0 and n > 1:
            return True
    return False


def check_writable(arr, overlap_ok: bool = False) -> None:
    """torch's error for writing into ``arr`` when elements overlap (``overlap_ok``: ops torch lets write
    into an expanded tensor: fill_ with a number, zero_, masked_fill_, index_fill_, index_put_)."""
    if (not overlap_ok and internal_overlap(arr)) or not getattr(getattr(arr, "flags", None), "writeable", True):
        raise RuntimeError(OVERLAP_MESSAGE)


PARTIAL_OVERLAP_MESSAGE = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to "
                           "a single memory location. Please clone() the tensor before performing the operation.")


def _dense_span(arr):
    """(first byte, end byte) of ``arr``'s memory when it is non-overlapping and dense (some order of its dims
    is contiguous), else None: torch judges overlap between two tensors only for such tensors."""
    need = arr.itemsize
    for st, n in sorted((st, n) for n, st in zip(arr.shape, arr.strides) if n != 1):
        if st != need:
            return None
        need *= n
    start = _data_ptr(arr)
    return start, start + arr.size * arr.itemsize


def check_no_partial_overlap(dst, src, full_ok: bool = True) -> None:
    """torch's error for copying ``src`` into ``dst`` (arrays) when their memory overlaps but they are not the
    same elements in the same order (``x[1:] = x[:-1]``; ``full_ok=False``: index_put_, which refuses that too)."""
    if (dst is src and full_ok) or not dst.size or not src.size or getattr(src, "ndim", 0) == 0:
        return
    a, b = _dense_span(dst), _dense_span(src)
    if a is None or b is None:
        return
    if full_ok and a == b and dst.strides == src.strides:
        return
    if a[0] < b[1] and b[0] < a[1]:
        raise RuntimeError(PARTIAL_OVERLAP_MESSAGE)


def check_inplace(t: Tensor, writes: bool = True, overlap_ok: bool = False) -> bool:
    """Raises torch's errors for an in-place write into ``t`` (``writes=False``: an in-place change of its
    shape and strides only; ``overlap_ok``: see ``check_writable``); returns whether t's history is recorded."""
    if type(t) is not Tensor:
        raise TypeError(f"expected Tensor as argument, but got {type(t).__name__}")
    if t._inference and not _grad_state.inference:
        raise RuntimeError(INFERENCE_MESSAGE)
    if _grad_state.enabled and t._requires_grad:
        if t._view_mode is not None:
            _check_view_mode(t)
        if t._multi_view:
            raise RuntimeError(multi_view_message(t))
        if t.grad_fn is None:
            raise RuntimeError(LEAF_MESSAGE)
        base = t._base_of_view
        if base is not None and base._requires_grad and base.grad_fn is None:
            raise RuntimeError(VIEW_LEAF_MESSAGE)
    if writes:
        check_writable(t.array, overlap_ok)
    return _grad_state.enabled and t._requires_grad


def check_view_mode(t: Tensor, *others) -> None:
    """Raises torch's error when ``t`` is a view made in no_grad / inference mode and a write into it would
    be recorded (grad mode on, and ``t`` or one of ``others`` requires grad)."""
    if t._view_mode is not None and _records(t, others):
        _check_view_mode(t)


def view_is_stale(t: Tensor) -> bool:
    """Whether ``t`` is a view made in no_grad mode (or a view of one) whose memory was written in place since
    it was made, and whose history torch would then refuse to show: reading its ``grad_fn`` (``is_leaf``,
    using it in a recorded op) raises, and its repr shows ``grad_fn=<Invalid>``."""
    if t._view_mode is None or t._vc is None or t._vc[0] == t._view_version:
        return False
    base = t._base_of_view
    return t.grad_fn is not None or (base is not None and base._requires_grad)


def check_view_history(t: Tensor) -> None:
    """torch's error for reading the history of a view that ``view_is_stale``."""
    if view_is_stale(t):
        node = t.grad_fn
        raise RuntimeError(view_mode_message(t._view_mode, node.name() if node is not None else None, t._output_nr,
                                             indirect=True))


def _check_view_mode(t: Tensor) -> None:
    """A write that would be recorded into a view made in no_grad / inference mode (or a view of one) is
    torch's error; a view that returns several views made with grad on after it is that kind of view."""
    mode = t._view_mode
    if mode is not INFERENCE and t._multi_view:
        raise RuntimeError(multi_view_message(t))
    node = t.grad_fn
    raise RuntimeError(view_mode_message(mode, node.name() if node is not None else None, t._output_nr))


def multi_view_message(t: Tensor) -> str:
    """torch's error for an in-place write, with grad, into an output of split/chunk/unbind."""
    node = t.grad_fn
    if node is None:
        head = "A view was created in no_grad mode and is being modified inplace with grad mode enabled."
    else:
        name = node.name().rsplit("::", 1)[-1]
        name = re.sub(r"Backward\d*$", "", name)
        head = f"Output {t._output_nr} of {name} is a view and is being modified inplace."
    return (head + " This view is the output of a function that returns multiple views. Such functions do not "
            "allow the output views to be modified inplace. You should replace the inplace operation by an "
            "out-of-place one.")


def _records(t: Tensor, args) -> bool:
    if not _grad_state.enabled:
        return False
    if t._requires_grad:
        return True
    for a in args:
        if type(a) is Tensor and a._requires_grad:
            return True
    return False


def inplace_source(t: Tensor, copy: bool = False) -> Tensor:
    """A stand-in for ``t`` with t's history, for computing an in-place op out of place.

    It shares t's array unless ``copy`` (then it holds t's current values), and has its
    own version counter, so the op's node does not see the coming write as a modification.
    """
    arr = t.xp.array(t.array, copy=True) if copy else t.array
    s = _new_tensor(arr, t.dtype, t.device)
    d = s.__dict__
    if t._requires_grad:
        d["_requires_grad"] = True
        d["grad_fn"] = t.grad_fn
        d["_output_nr"] = t._output_nr
    return s


def _check_cast(result: _dt.DType, target: _dt.DType, cpp_name: bool = False) -> None:
    """torch's error for an in-place result its target cannot hold (some kernels name the C++ type)."""
    if result is not target and result._category > target._category:
        name = _dt.CPP_NAMES[target.name] if cpp_name else target._torch_name
        raise RuntimeError(f"result type {result._torch_name} can't be cast to the desired output type {name}")


def _check_broadcast(shape, other_shape) -> None:
    if other_shape != shape:
        b = broadcast_shapes(shape, other_shape)
        if tuple(b) != tuple(shape):
            raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape {list(b)}")


def rebase_history(t: Tensor, out: Tensor, move_retained: bool = True) -> None:
    """``t`` (just written in place) takes over the history of ``out``, the op's result (``move_retained``:
    and t's retain_grad with it; torch leaves it on the old node after an in-place view op)."""
    node = out.grad_fn
    old = t.grad_fn
    old_nr = t._output_nr
    d = t.__dict__
    d["grad_fn"] = node
    d["_output_nr"] = out._output_nr
    d["_requires_grad"] = out._requires_grad
    if node is None:
        return
    if t._retains_grad and old is not None and move_retained:
        # retain_grad follows the tensor to its new node, as in torch
        retains = old.__dict__.get("_retains")
        ref = retains.pop(old_nr, None) if retains else None
        if ref is not None:
            new = node.__dict__.get("_retains")
            if new is None:
                new = node._retains = {}
            new[out._output_nr] = ref
    # outputs the node saved now live in t's array, under t's version counter
    saved = node._saved
    if saved:
        from ..function import _SavedOutput  # noqa: PLC0415
        versions = list(node._saved_versions)
        changed = False
        for i, s in enumerate(saved):
            if isinstance(s, _SavedOutput) and s._output_nr == out._output_nr:
                if t._vc is None:
                    t._vc = [0]
                s.array = t.array
                s._vc = t._vc
                versions[i] = t._vc[0]
                changed = True
        if changed:
            node._saved_versions = tuple(versions)


def write_into(arr, values) -> None:
    """``arr[...] = values``; into overlapping memory (an expanded tensor) only the elements that change are
    written, as torch's fill-type kernels write only the positions they select."""
    if internal_overlap(arr):
        if getattr(values, "shape", ()) != arr.shape:
            full = arr.copy()
            full[...] = values
            values = full
        changed = arr != values
        arr[changed] = values[changed]
    else:
        arr[...] = values


def commit(t: Tensor, out: Tensor) -> Tensor:
    """Writes ``out`` (the op's out-of-place result) into ``t``, bumps its version, rebases its history."""
    if out.array.shape != t.array.shape:
        raise RuntimeError(f"output with shape {list(t.array.shape)} doesn't match the broadcast shape "
                           f"{list(out.array.shape)}")
    _check_cast(out.dtype, t.dtype)
    if out.array is not t.array:
        write_into(t.array, out.array)
    t._bump_version()
    if out.grad_fn is not None:
        rebase_history(t, out)
        if t._base_of_view is not None:
            _rebase_view_base(t)
        refresh_views(t)
    return t


# ---- in-place writes through a view (torch's CopySlices) ---------------------------------

def view_positions(base: Tensor, view: Tensor):
    """For each element of ``view`` (a strided view of ``base``'s memory), its flat (row-major)
    position in ``base``: an int64 array of the view's shape."""
    xp = base.xp
    base_arr, view_arr = base.array, view.array
    item = base_arr.itemsize

    def addresses(arr):
        addr = xp.zeros(arr.shape, dtype=xp.int64)
        for d, (n, st) in enumerate(zip(arr.shape, arr.strides)):
            shape = [1] * arr.ndim
            shape[d] = n
            addr = addr + (xp.arange(n, dtype=xp.int64) * (st // item)).reshape(shape)
        return addr

    offset = (_data_ptr(view_arr) - _data_ptr(base_arr)) // item
    base_addr = addresses(base_arr).ravel()
    order = xp.argsort(base_addr, kind="stable")
    pos = xp.searchsorted(base_addr[order], addresses(view_arr).ravel() + offset)
    return order[pos].reshape(view_arr.shape)


def _data_ptr(arr) -> int:
    interface = getattr(arr, "__array_interface__", None)  # numpy
    return interface["data"][0] if interface is not None else arr.data.ptr  # cupy


class CopySlices(Function):
    """The base of a view after an in-place op on the view: the base's old values with the
    view's region replaced by the op's result (``view_out``). Shares the base's array, which
    already holds the written values."""

    node_name = "torch::autograd::CopySlices"
    array_forward = True

    @staticmethod
    def forward(ctx, base, view_out, positions, overlap=False):
        ctx.positions = positions
        ctx.view_shape = view_out.array.shape
        ctx.overlap = overlap
        return _new_tensor(base.array, base.dtype, base.device)

    @staticmethod
    def backward(ctx, grad):
        if ctx.overlap:  # torch's backward writes the gradient into the (expanded) view's memory: its error
            raise RuntimeError(OVERLAP_MESSAGE)
        nb, nv = ctx.needs_input_grad[:2]
        flat_pos = ctx.positions.reshape(-1)
        gb = gv = None
        if nb:
            mask = grad.xp.ones(grad.array.size, dtype=grad.dtype.numpy)
            mask[flat_pos.array] = 0
            gb = grad * _new_tensor(mask.reshape(grad.array.shape), grad.dtype, grad.device)
        if nv:
            gv = grad.reshape(-1).index_select(0, flat_pos).reshape(ctx.view_shape)
        return gb, gv, None, None


class AsStrided(Function):
    """The view, re-derived from its base's new history (AsStridedBackward0). Shares the view's array."""

    array_forward = True

    @staticmethod
    def forward(ctx, base, view, positions):
        ctx.positions = positions
        ctx.base_shape = base.array.shape
        return _new_tensor(view.array, view.dtype, view.device)

    @staticmethod
    def backward(ctx, grad):
        from .index import IndexAdd  # noqa: PLC0415
        n = 1
        for s in ctx.base_shape:
            n *= s
        g = IndexAdd.apply(grad.reshape(-1), (n,), 0, ctx.positions.reshape(-1))
        return g.reshape(ctx.base_shape), None, None


def _rebase_view_base(view: Tensor) -> None:
    """``view`` was just written in place and took the op's node: give its base a CopySlices node
    (the base with the view's region from the op) and the view an AsStridedBackward0 node on it."""
    base = view._base_of_view
    positions = _positions(base, view)
    rebase_history(base, CopySlices.apply(inplace_source(base), view, positions, internal_overlap(view.array)))
    _rederive(base, view, positions)


def _positions(base: Tensor, view: Tensor) -> Tensor:
    return _new_tensor(view_positions(base, view), _dt.int64, base.device)


def _rederive(base: Tensor, view: Tensor, positions: Tensor) -> None:
    """``view`` takes a node re-derived from its base's history (AsStridedBackward0)."""
    rebase_history(view, AsStrided.apply(base, _new_tensor(view.array, view.dtype, view.device), positions))


def refresh_views(t: Tensor) -> None:
    """The memory of ``t`` (a base, or a view of one) was just written with its history recorded: every other
    live view of the base that requires grad is re-derived from the base's new history (AsStridedBackward0),
    as torch does when a view's base has changed since the view was made."""
    base = t._base_of_view
    if base is None:
        base = t
    views = base.__dict__.get("_views")
    if not views:
        return
    for v in list(views):
        if v is t or v._view_mode is not None or not v._requires_grad:
            continue
        _rederive(base, v, _positions(base, v))


def inplace_apply(t: Tensor, fn, *args, copy_self: bool = False, overlap_ok: bool = False, **kwargs) -> Tensor:
    """Runs ``fn`` out of place on (a stand-in for) ``t`` and commits the result into ``t`` (``overlap_ok``:
    see ``check_writable``)."""
    check_inplace(t, overlap_ok=overlap_ok)
    if _records(t, args):
        if t._view_mode is not None:
            _check_view_mode(t)
        if t._multi_view:
            raise RuntimeError(multi_view_message(t))
        src = inplace_source(t, copy_self)
    else:
        src = t
    return commit(t, fn(src, *args, **kwargs))


# ---- in-place view ops: new shape and strides, same memory --------------------------------

def check_inplace_view(t: Tensor) -> bool:
    """``check_inplace`` for an in-place view op (torch checks these before the op's arguments)."""
    if type(t) is not Tensor:
        raise TypeError(f"expected Tensor as argument, but got {type(t).__name__}")
    return check_inplace(t, writes=False)


def inplace_view(t: Tensor, recorded: bool, fn, *args) -> Tensor:
    """``t`` (checked by ``check_inplace_view``: ``recorded``) becomes the view ``fn(t, *args)`` in place
    (transpose_, squeeze_ ...): it takes the view's shape and strides, its version goes up and, when
    recorded, its history is rebased onto the view's node. No value is written, so a view's base keeps
    its history (no CopySlices)."""
    out = fn(inplace_source(t) if recorded else t, *args)
    t.__dict__["array"] = out.array
    t._bump_version()
    if recorded:
        rebase_history(t, out, move_retained=False)
    return t


def transpose_(input: Tensor, dim0, dim1) -> Tensor:
    """Swaps two dims of ``input`` in place (TransposeBackward1)."""
    return inplace_view(input, check_inplace_view(input), _shape.TransposeInplace.apply, dim0, dim1)


def t_(input: Tensor) -> Tensor:
    """``input.t()`` in place (TBackward1)."""
    recorded = check_inplace_view(input)
    if input.array.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {input.array.ndim}D")
    return inplace_view(input, recorded, _shape.TInplace.apply)


def squeeze_(input: Tensor, dim=None) -> Tensor:
    """Drops size-1 dims of ``input`` in place: all (SqueezeBackward3), ``dim`` (4) or a tuple of dims (5)."""
    recorded = check_inplace_view(input)
    forms = (_shape.SqueezeInplace, _shape.SqueezeDimInplace, _shape.SqueezeDimsInplace)
    fn, dims = _shape.squeeze_form(input, dim, forms, "squeeze_")
    return inplace_view(input, recorded, fn.apply, dims)


def unsqueeze_(input: Tensor, dim) -> Tensor:
    """Inserts a size-1 dim into ``input`` in place (UnsqueezeBackward1)."""
    recorded = check_inplace_view(input)
    dim = normalize_dim(_shape._int_arg("unsqueeze_", "dim", dim), input.array.ndim + 1)
    return inplace_view(input, recorded, _shape.UnsqueezeInplace.apply, dim)


# ---- the ops ------------------------------------------------------------------------

class Zero(Function):
    """``zero_()`` (ZeroBackward0): the gradient of the old value is zero."""

    array_forward = True

    @staticmethod
    def forward(ctx, a):
        return _new_tensor(a.xp.zeros_like(a.array), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


class Fill(Function):
    """``fill_(number)`` (FillBackward2)."""

    overload = 2
    array_forward = True

    @staticmethod
    def forward(ctx, a, value):
        return _new_tensor(a.xp.full_like(a.array, value), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, None


class FillTensor(Function):
    """``fill_(0-dim tensor)`` (FillBackward3): the value gets the sum of the gradient."""

    op_name = "Fill"
    overload = 3
    array_forward = True

    @staticmethod
    def forward(ctx, a, value):
        v = value.array.astype(a.dtype.numpy)
        return _new_tensor(a.xp.full_like(a.array, v), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        na, nv = ctx.needs_input_grad
        return (grad * 0 if na else None), (grad.sum() if nv else None)


class Copy(Function):
    """``copy_(src)`` (CopyBackwards): src broadcast to self's shape and cast to its dtype."""

    node_name = "torch::autograd::CopyBackwards"
    array_forward = True

    @staticmethod
    def forward(ctx, a, src):
        ctx.src_device = src.device
        arr = src.array
        if src.device != a.device:  # copy_ moves values across devices, like torch's
            arr = backend.transfer(arr, src.device, a.device)
        shape = a.array.shape
        if arr.shape != shape:
            b = broadcast_shapes(shape, arr.shape)
            if tuple(b) != tuple(shape):
                raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape {list(b)}")
            arr = a.xp.broadcast_to(arr, shape)
        return _new_tensor(cast(arr, a.dtype.numpy), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        na, ns = ctx.needs_input_grad
        # the engine sums the gradient back to src's shape and casts it to src's dtype
        gs = None
        if ns:
            gs = grad if ctx.src_device == grad.device else to_copy(grad, None, ctx.src_device)
        return (grad * 0 if na else None), gs


class Clamp(Function):
    """``clamp_(min, max)`` with numbers (ClampBackward1): gradient where min <= x <= max."""

    overload = 1
    array_forward = True

    @staticmethod
    def forward(ctx, a, min, max):
        arr = a.array
        xp = a.xp
        r = arr
        keep = None
        if min is not None:
            r = xp.maximum(r, min)
            keep = arr >= min
        if max is not None:
            r = xp.minimum(r, max)
            k = arr <= max
            keep = k if keep is None else keep & k
        ctx.keep = _new_tensor(keep, _dt.bool_, a.device)
        return _new_tensor(r.astype(a.dtype.numpy, copy=False), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.keep, None, None


# ---- functional forms ---------------------------------------------------------------

def zero_(input: Tensor) -> Tensor:
    """Fills ``input`` with zeros in place."""
    if type(input) is not Tensor:
        raise TypeError(f"zero_(): argument 'input' must be Tensor, not {type(input).__name__}")
    if check_inplace(input, overlap_ok=True):
        return commit(input, Zero.apply(inplace_source(input)))
    input.array[...] = 0
    input._bump_version()
    return input


def fill_(input: Tensor, value) -> Tensor:
    """Fills ``input`` with ``value`` (a number or a 0-dim tensor) in place."""
    if type(value) is Tensor:
        if value.array.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.array.ndim} dimensions.")
        return inplace_apply(input, FillTensor.apply, value)
    value = _dt.checked_scalar(input.dtype, scalar_value(value))
    if check_inplace(input, overlap_ok=True):
        return commit(input, Fill.apply(inplace_source(input), value))
    input.array[...] = value
    input._bump_version()
    return input


def copy_(input: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copies ``src`` (broadcast, cast) into ``input``; a Python number fills it, as torch's wrapped scalar."""
    if type(src) in (int, float, bool):
        dtype = _dt.scalar_dtype(src)
        src = _new_tensor(input.xp.asarray(src, dtype=dtype.numpy), dtype, input.device)
    if type(src) is not Tensor:
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not {type(src).__name__}")
    if _records(input, (src,)):
        check_no_partial_overlap(input.array, src.array)
        return inplace_apply(input, Copy.apply, src)
    if src is input:  # torch copies nothing (and so checks no overlap) when the source is the tensor itself
        check_inplace(input, writes=False)
        return input
    check_inplace(input)
    arr = src.array
    check_no_partial_overlap(input.array, arr)
    shape = input.array.shape
    if arr.shape != shape:
        b = broadcast_shapes(shape, arr.shape)
        if tuple(b) != tuple(shape):
            raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape {list(b)}")
    input.array[...] = arr
    input._bump_version()
    return input


def clamp_(input: Tensor, min=None, max=None) -> Tensor:
    """Clamps ``input`` to [min, max] in place (numbers, or tensors that broadcast to its shape)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if type(min) is Tensor or type(max) is Tensor:
        from .elementwise import clamp  # noqa: PLC0415 - elementwise imports this module
        bounds = [b for b in (min, max) if b is not None]
        for b in bounds:
            if type(b) is Tensor:
                _check_broadcast(input.array.shape, b.array.shape)
        _check_cast(_dt.result_type(*((b.dtype, b.array.ndim) if type(b) is Tensor else b
                                      for b in (input, *bounds))), input.dtype)
        return inplace_apply(input, clamp, min, max)
    if min is not None:
        min = scalar_value(min)
    if max is not None:
        max = scalar_value(max)
    for v in (min, max):
        if v is not None:
            _check_cast(_dt.result_type((input.dtype, input.array.ndim), v), input.dtype, cpp_name=True)
    if input.dtype._category == 1:  # bounds must fit an integer tensor's type
        min = None if min is None else _dt.checked_scalar(input.dtype, min)
        max = None if max is None else _dt.checked_scalar(input.dtype, max)
    if check_inplace(input):
        return commit(input, Clamp.apply(inplace_source(input), min, max))
    xp = input.xp
    arr = input.array
    if min is not None:
        xp.maximum(arr, min, out=arr, casting="unsafe")
    if max is not None:
        xp.minimum(arr, max, out=arr, casting="unsafe")
    input._bump_version()
    return input


def _binary_(input, other, op, ufunc, alpha=1, floating=False, saves_self=False):
    if type(input) is not Tensor:
        raise TypeError(f"expected Tensor as argument, but got {type(input).__name__}")
    if _records(input, (other,)):
        needs_copy = saves_self and type(other) is Tensor and other._requires_grad
        if alpha != 1:
            return inplace_apply(input, op, other, alpha=alpha, copy_self=needs_copy)
        return inplace_apply(input, op, other, copy_self=needs_copy)
    check_inplace(input)
    av, bv, dtype, xp, _device = binary_prep(input, other, floating)
    _check_cast(dtype, input.dtype)
    if type(other) is Tensor:
        _check_broadcast(input.array.shape, other.array.shape)
    if alpha != 1:
        bv = bv * _arith._check_alpha(dtype, alpha)
    getattr(xp, ufunc)(av, bv, out=input.array, casting="unsafe")
    input._bump_version()
    return input


def add_(input: Tensor, other, *, alpha=1) -> Tensor:
    """``input += alpha * other`` in place (AddBackward0 when recorded)."""
    return _binary_(input, other, _arith.add, "add", alpha)


def sub_(input: Tensor, other, *, alpha=1) -> Tensor:
    """``input -= alpha * other`` in place (SubBackward0 when recorded)."""
    if alpha == 1 or type(other) is not Tensor:
        _arith._check_sub_bool(input, other)
    return _binary_(input, other, _arith.sub, "subtract", alpha)


def mul_(input: Tensor, other) -> Tensor:
    """``input *= other`` in place (MulBackward0 when recorded)."""
    return _binary_(input, other, _arith.mul, "multiply", saves_self=True)


def div_(input: Tensor, other, **rounding_mode) -> Tensor:
    """``input /= other`` in place (DivBackward0 when recorded); with a ``rounding_mode``, the
    rounded quotient written into ``input`` (DivBackward2)."""
    if rounding_mode:
        if type(input) is not Tensor:
            raise TypeError(f"expected Tensor as argument, but got {type(input).__name__}")
        needs_copy = type(other) is Tensor and other._requires_grad
        return inplace_apply(input, _arith.div, other, copy_self=needs_copy, **rounding_mode)
    return _binary_(input, other, _arith.div, "true_divide", floating=True, saves_self=True)


def _unary_(name: str):
    """``x.<name>_()``: the out-of-place op written into x (its node is the op's: ``ExpBackward0``)."""
    overlap_ok = name == "masked_fill"  # torch lets masked_fill_ write into an expanded tensor
    def op_(input, *args, **kwargs):
        from .. import ops as _ops  # noqa: PLC0415
        fn = _ops.OPS[name]
        if type(input) is not Tensor:
            raise TypeError(f"expected Tensor as argument, but got {type(input).__name__}")
        if not _records(input, args):
            check_inplace(input, overlap_ok=overlap_ok)
            out = fn(input, *args, **kwargs)
            _check_cast(out.dtype, input.dtype)
            _check_broadcast(input.shape, out.shape)  # an operand may not grow self (x.eq_(wider))
            write_into(input.array, out.array)
            input._bump_version()
            return input
        return inplace_apply(input, lambda src, *a: _checked(fn(src, *a, **kwargs), input.dtype, input.shape),
                             *args, copy_self=True, overlap_ok=overlap_ok)
    op_.__name__ = name + "_"
    return op_


def _checked(out: Tensor, dtype, shape=None) -> Tensor:
    _check_cast(out.dtype, dtype)
    if shape is not None:
        _check_broadcast(shape, out.shape)
    return out


# ops whose in-place form is the op written into self (not only unary ones: masked_fill_, scatter_add_)
UNARY_INPLACE = ("exp", "log", "neg", "abs", "sqrt", "rsqrt", "sigmoid", "tanh", "sin", "cos", "floor", "ceil",
                 "round", "reciprocal", "pow", "clamp_min", "clamp_max", "sign", "expm1", "log1p", "trunc",
                 "frac", "masked_fill", "scatter_add", "silu",
                 # logical ops write 0/1 in self's dtype (comparisons too: COMPARISONS); scans, triangles, the rest
                 "logical_and", "logical_or", "logical_xor", "logical_not",
                 "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "cumsum", "cumprod", "tril", "triu",
                 "log2", "log10", "erf", "exp2", "tan", "hypot", "remainder", "floor_divide", "atan2",
                 "nextafter", "fix", "bitwise_left_shift", "bitwise_right_shift")

COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge")


def _comparison_(name: str):
    """``x.eq_(y)`` & co: the 0/1 of the comparison written into x. Recorded, torch's node is named after the
    comparison (EqBackward0 for a number, EqBackward1 for a tensor) and passes zeros."""
    plain = _unary_(name)

    def compare_(input, other):
        if type(input) is not Tensor or not _records(input, (other,)):
            return plain(input, other)
        from .named import compare_into  # noqa: PLC0415
        return inplace_apply(input, lambda src, o: _checked(compare_into(name, src, o), input.dtype, input.shape),
                             other)
    compare_.__name__ = name + "_"
    return compare_


# Wire names (the lead adds this module to EXTENSION_MODULES; "zero_" is registered in ops/__init__.py)
WIRE = {"view.is_stale": view_is_stale,
        "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_, "fill_": fill_, "copy_": copy_,
        "clamp_": clamp_, **{name + "_": _unary_(name) for name in UNARY_INPLACE},
        **{name + "_": _comparison_(name) for name in COMPARISONS},
        "transpose_": transpose_, "t_": t_, "squeeze_": squeeze_, "unsqueeze_": unsqueeze_}
# add_, mul_ ... are defined in tensor.py; the unary ones and the in-place views here
METHODS: dict = {name: WIRE[name] for name in (*(n + "_" for n in UNARY_INPLACE + COMPARISONS), "transpose_", "t_", "squeeze_",
                                                "unsqueeze_") if name not in Tensor.__dict__}
METHODS.update(swapdims_=transpose_, swapaxes_=transpose_)
