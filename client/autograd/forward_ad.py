"""gradwire.autograd.forward_ad: forward-mode AD, as torch.autograd.forward_ad.

Which tensors are dual, and their tangents, is known here, on the client: a
tangent is a tensor the server holds. While a dual level is active, the one
dispatch point (``_dispatch.fw_hook``) hands every op to ``_on_op``; an op
with a dual input gets one more command, ``fwad.jvp``, queued just before it,
that computes its outputs' tangents on the server (engine/autograd/forward_ad.py)
into handles chosen here: no round trip. Outside a level the hook is None.

A tangent's metadata is its output's; whether it requires grad is certain
(no) unless grad mode is on and something the op reads requires grad: then
the server's answer is awaited the first time the tangent is shown.
"""
from __future__ import annotations

import weakref
from typing import NamedTuple

from .. import _dispatch, _meta
from .._dispatch import RemoteObject
from ..grad_mode import is_grad_enabled
from ..tensor import Node, Tensor, _as_view

__all__ = ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "dual_level"]

_current_level = -1
# id(tensor) -> [weakref to the tensor, its tangent (Tensor or _PendingTangent)]
_duals: dict = {}


class UnpackedDualTensor(NamedTuple):
    """What ``unpack_dual`` returns: the primal (a view of the tensor) and its tangent (or None)."""

    primal: Tensor
    tangent: Tensor | None


# ----- levels -----------------------------------------------------------------------------------

def enter_dual_level() -> int:
    """Enter a forward AD level (only one at a time, as in torch); returns it."""
    global _current_level
    if _current_level >= 0:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _current_level = 0
    _dispatch.fw_hook = _on_op
    return 0


def exit_dual_level(*, level=None) -> None:
    """Exit the level: every tangent made in it is dropped."""
    global _current_level
    if level is None:
        level = _current_level
    if level != _current_level:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. "
                           "This is not supported.")
    if level < 0:
        raise RuntimeError("Dual level must be a positive number.")
    _dispatch.fw_hook = None
    _current_level = -1
    _duals.clear()


class dual_level:
    """``with dual_level():`` enters a forward AD level and exits it at the end of the block."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc) -> None:
        exit_dual_level()

    def __call__(self, fn):
        import functools  # noqa: PLC0415

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


# ----- dual tensors -----------------------------------------------------------------------------

def make_dual(tensor, tangent, *, level=None) -> Tensor:
    """A view of ``tensor`` carrying ``tangent`` (kept as it is)."""
    if level is None:
        level = _current_level
    if level < 0:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    if not tensor.dtype.is_floating_point:
        raise ValueError(f"Expected primal to be floating point or complex, but got: {tensor.dtype}")
    if not tangent.dtype.is_floating_point:
        raise ValueError(f"Expected tangent to be floating point or complex, but got: {tangent.dtype}")
    if level != _current_level:
        raise RuntimeError("Invalid level given to _make_dual")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
                           f"forward gradient is of size {list(tangent.shape)}.")
    if id(tensor) in _duals:
        raise RuntimeError("Making a dual Tensor based on a Tensor that already has a forward gradient at the same "
                           f"level {level} is not supported.")
    with _suspended():
        dual = tensor.view_as(tensor)
    _set(dual, tangent)
    return dual


def unpack_dual(tensor, *, level=None) -> UnpackedDualTensor:
    """``(primal, tangent)``: a view of ``tensor`` without tangent, and the tangent (None: not dual)."""
    if level is None:
        level = _current_level
    if level < 0:
        return UnpackedDualTensor(tensor, None)
    # (inside a custom Function's forward, forward AD is off: no tangents there)
    return UnpackedDualTensor(_primal(tensor), None if _dispatch.fw_hook is None else tangent_of(tensor))


def tangent_of(tensor) -> Tensor | None:
    """The tangent of ``tensor`` at the active level, or None (the repr shows it)."""
    entry = _duals.get(id(tensor))
    if entry is None:
        return None
    tangent = entry[1]
    if type(tangent) is _PendingTangent:
        tangent = entry[1] = tangent.tensor()
    return tangent


def _primal(tensor) -> Tensor:
    """A view of ``tensor`` (node ``Identity``), as torch's unpack_dual gives."""
    conn = tensor._conn
    handle = conn.new_handle()
    rg = tensor._requires_grad and is_grad_enabled()
    node = tensor._grad_fn
    node = Node(conn, "Identity", min(handle, node._since) if node is not None else handle) if rg else None
    out = Tensor._make(conn, handle, tensor._shape, tensor._dtype, rg, node, tensor._device)
    conn.submit("fwad.primal", (tensor,), outputs=(handle,), nodes=(node,), grad_enabled=is_grad_enabled(),
                handle_of=_dispatch._handle_of)
    return _as_view(tensor, out)


def _set(tensor, tangent) -> None:
    key = id(tensor)

    def gone(_ref, key=key):
        _duals.pop(key, None)
    _duals[key] = [weakref.ref(tensor, gone), tangent]


class _suspended:
    """Ops issued inside run without forward AD (the ops of the hook itself, a custom Function's forward)."""

    def __enter__(self):
        self.hook, _dispatch.fw_hook = _dispatch.fw_hook, None
        return self

    def __exit__(self, *exc):
        _dispatch.fw_hook = self.hook


class _PendingTangent(RemoteObject):
    """A tangent the server computes whose requires_grad / grad_fn only the server knows: its metadata comes
    with the reply of its ``fwad.jvp`` command; it becomes a Tensor the first time it is needed as one."""

    __slots__ = ("_pending", "_index", "_since", "_requires_grad")

    def __init__(self, conn, handle, pending, index, since):
        super().__init__(conn, handle)
        self._pending = pending
        self._index = index
        self._since = since
        self._requires_grad = True  # perhaps: the next op's tangent is uncertain too

    def tensor(self) -> Tensor:
        conn = self._conn
        if self._pending.metas is None:
            conn.sync()
        t = Tensor._from_meta(conn, self._pending.metas[self._index], self._since)
        self._conn = None  # the Tensor owns the handle now
        return t


# ----- the hook: ops with dual inputs -----------------------------------------------------------

def _on_op(op, args, kwargs):
    duals = _dual_inputs(args if not kwargs else (*args, *kwargs.values()))
    if not duals:
        return _dispatch.NOT_DUAL
    info = _meta.OPS.get(op)
    with _suspended():
        if info is None or not info.differentiable:
            return _dispatch.call(op, *args, **kwargs)
        if info.view:  # an in-place view op (transpose_ ...): the tangent takes the same view, in place
            entry = _duals.get(id(args[0]))
            out = _dispatch.call(op, *args, **kwargs)
            if entry is not None:
                _dispatch.call(op, entry[1], *args[1:], **kwargs)
            return out
        if info.inplace:
            return _inplace(op, args, kwargs, duals)
        out_meta = info.infer(op, args, kwargs) if info.infer is not None else None
        if out_meta is None:  # outputs known only after the op: the tangents come after it
            out = _dispatch.call(op, *args, **kwargs)
            outs = out if isinstance(out, tuple) else (out,)
            wanted = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o._dtype.is_floating_point]
            tangents = () if not wanted else _jvp(op, args, kwargs, duals, wanted, [(outs[i]._shape, outs[i]._dtype) for i in wanted])
        else:
            wanted = [i for i, (_shape, dtype) in enumerate(out_meta) if dtype.is_floating_point]
            if not wanted:
                return _dispatch.call(op, *args, **kwargs)
            # first: an in-place op's old values, a random op's draws are what the op sees
            tangents = _jvp(op, args, kwargs, duals, wanted, [out_meta[i] for i in wanted])
            out = _dispatch.call(op, *args, **kwargs)
            outs = out if isinstance(out, tuple) else (out,)
        for i, tangent in zip(wanted, tangents):
            _set(outs[i], tangent)
        return out


def _dual_inputs(values) -> list:
    """[(tensor, tangent)] of the dual tensors among ``values`` (also inside lists), each once."""
    duals = []
    for t in _dispatch._tensors(values):
        entry = _duals.get(id(t))
        if entry is not None and all(t is not d for d, _ in duals):
            duals.append((t, entry[1]))
    return duals


def _jvp(op, args, kwargs, duals, wanted, metas, inplace=False) -> list:
    """Queue ``fwad.jvp`` for the outputs at ``wanted`` (of ``metas`` (shape, dtype)); their tangents."""
    conn, any_requires_grad, device, since = _dispatch._session_of(args, kwargs)
    tangents = [t for _, t in duals]
    for t in tangents:
        node = getattr(t, "_grad_fn", None)
        since = min(since, t._since if type(t) is _PendingTangent else node._since if node is not None else since)
    return _submit(conn, "fwad.jvp", (op, args, kwargs or {}, [d for d, _ in duals], tangents, wanted, inplace),
                   metas, device, any_requires_grad or any(t._requires_grad for t in tangents), since)


def _submit(conn, op, args, metas, device, reads_requires_grad, since) -> list:
    """Queue ``op``, whose outputs are tangents of ``metas`` (shape, dtype), into new handles; they do not
    require grad when grad mode is off or nothing ``op`` reads requires grad, else the server says."""
    grad = is_grad_enabled()
    certain = not (grad and reads_requires_grad)
    handles = [conn.new_handle() for _ in metas]
    pending = conn.submit(op, args, outputs=handles, nodes=[None] * len(handles), grad_enabled=grad,
                          want_meta=not certain, handle_of=_dispatch._handle_of)
    if certain:
        return [Tensor._make(conn, h, shape, dtype, False, None, device) for h, (shape, dtype) in zip(handles, metas)]
    return [_PendingTangent(conn, h, pending, i, since) for i, h in enumerate(handles)]


def _inplace(op, args, kwargs, duals):
    self = args[0]
    if not self._dtype.is_floating_point:
        return _dispatch.call(op, *args, **kwargs)
    tangent, = _jvp(op, args, kwargs, duals, [0], [(self._shape, self._dtype)], inplace=True)
    out = _dispatch.call(op, *args, **kwargs)
    entry = _duals.get(id(self))
    if entry is not None:
        _assign(entry[1], tangent)
        return out
    _set(self, tangent)
    root = getattr(self, "_view_base", None)
    if root is not None:  # a view that becomes dual: its base's tangent takes the view's values
        old = _duals.get(id(root))
        base_tangent = _view_tangent(root, self, None if old is None else old[1], tangent)
        if old is not None:
            _assign(old[1], base_tangent)
        else:
            _set(root, base_tangent)
    return out


def _assign(tangent, value) -> None:
    """Write ``value`` into the tangent in place (torch: the tangents of views alias their base's)."""
    tangent._conn.submit("fwad.assign", (tangent, value), grad_enabled=is_grad_enabled(),
                         handle_of=_dispatch._handle_of)


def _view_tangent(root, view, base_tangent, tangent):
    """The tangent of ``root`` with the elements of its ``view`` taken from the view's ``tangent``."""
    reads = tangent._requires_grad or (base_tangent is not None and base_tangent._requires_grad)
    new, = _submit(root._conn, "fwad.view_tangent", (root, view, base_tangent, tangent),
                   [(root._shape, root._dtype)], root._device, reads, 0)
    return new


# ----- custom Functions -------------------------------------------------------------------------

def custom_jvp(cls, ctx, args, out) -> None:
    """A custom Function applied to dual inputs: its ``jvp(ctx, *tangents)`` gives its outputs' tangents
    (zeros for a floating tensor input that is not dual, None for other arguments, as torch passes them)."""
    from .. import _creation  # noqa: PLC0415
    with _suspended():
        tangents = []
        for a in args:
            if isinstance(a, Tensor):
                tangent = tangent_of(a)
                if tangent is None and a.dtype.is_floating_point:
                    tangent = _creation.zeros_like(a)
                tangents.append(tangent)
            else:
                tangents.append(None)
        saved = ctx._to_save
        if ctx.saved_for_forward is not None:
            ctx._to_save = ctx.saved_for_forward
        try:
            result = cls.jvp(ctx, *tangents)
        finally:
            ctx._to_save = saved
    outs = out if isinstance(out, tuple) else (out,)
    result = result if isinstance(result, tuple) else (result,)
    if len(result) != len(outs):
        raise RuntimeError("Function's jvp returned an invalid number of forward gradients (expected "
                           f"{len(outs)} but got {len(result)})")
    for o, r in zip(outs, result):
        if isinstance(o, Tensor) and o.dtype.is_floating_point and r is not None:
            if isinstance(r, Tensor) and tuple(r.shape) != tuple(o.shape):
                raise RuntimeError("Trying to set a forward gradient that has a different size than that of the "
                                   f"original Tensor, this is not supported. Tensor is of size {list(o.shape)} while "
                                   f"the given forward gradient is of size {list(r.shape)}.")
            _set(o, r)
