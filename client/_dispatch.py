"""The client's one dispatch point: every op becomes a command here.

``call`` infers the outputs' metadata (shape, dtype, requires_grad, whether
they have a grad_fn), creates their handles, and queues the command on the
session. The result comes back at once; the server runs it later.
"""
from __future__ import annotations

import os
import sys
import threading

from gradwire.common.dtypes import DType as _DType
from gradwire.common.dtypes import as_dtype as _as_dtype
from gradwire.common.grad_mode import INFERENCE_INPLACE_MESSAGE
from gradwire.common.grad_mode import _state as _grad_state
from gradwire.common.shapes import Size
from gradwire.common.views import view_mode_message

from . import _meta, _numpy_bridge, grad_mode
from ._connection import Connection

_default_lock = threading.Lock()
_default: Connection | None = None


def connect(address: str | None = None, token: str | None = None) -> Connection:
    """Open a session on the server at ``address`` (host:port) and make it the default.

    With no address: ``GRADWIRE_ADDRESS`` (and ``GRADWIRE_TOKEN``), or else an
    embedded server started in this process.
    """
    global _default
    address = address or os.environ.get("GRADWIRE_ADDRESS") or None
    token = token if token is not None else (os.environ.get("GRADWIRE_TOKEN") or None)
    if address:
        conn = Connection(address, token)
    else:
        from gradwire.server.app import Server  # the only place the client reaches for the server

        server = Server("127.0.0.1", 0).start()
        conn = Connection(server.address, embedded_server=server)
    with _default_lock:
        old, _default = _default, conn
    if old is not None:
        old.close()
    return conn


def default_connection() -> Connection:
    conn = _default
    if conn is None or conn.closed:
        with _default_lock:
            conn = _default
        if conn is None or conn.closed:
            conn = connect()
    return conn


def disconnect() -> None:
    """Close the default session (and the embedded server, if it started one)."""
    global _default
    with _default_lock:
        old, _default = _default, None
    if old is not None:
        old.close()


def synchronize() -> None:
    """Wait until the server has run every command issued so far; raise its first error."""
    default_connection().sync()


def set_sync(flag: bool) -> None:
    """Make every op wait for its reply (like GRADWIRE_SYNC=1), for debugging."""
    default_connection().sync_mode = bool(flag)


def stats() -> dict:
    """Blocking round trips, commands, batches and bytes sent/received by this session."""
    return dict(default_connection().stats)


def _close_at_exit() -> None:
    try:
        disconnect()
    except Exception as exc:  # noqa: BLE001 - an error of the last ops still deserves a word
        print(f"gradwire: at exit: {type(exc).__name__}: {exc}", file=sys.stderr)


# Close the session before the interpreter joins worker threads (the embedded
# server's among them, serving our stream): atexit would be too late. Exit
# hooks run last-registered first, so concurrent.futures' own hook, which
# joins the threads, must be registered before ours.
import concurrent.futures.thread  # noqa: E402,F401
threading._register_atexit(_close_at_exit)


def _handle_of(obj):
    return obj._id if isinstance(obj, (Tensor, RemoteObject)) else None


def _tensors(args) -> list:
    """The Tensors among the arguments, also inside lists and tuples (cat, optimizers)."""
    out = []
    for a in args:
        if isinstance(a, Tensor):
            out.append(a)
        elif type(a) in (list, tuple):
            out.extend([b for b in a if isinstance(b, Tensor)])
    return out


_NEWEST = sys.maxsize


def _session_of(args, kwargs) -> tuple[Connection, bool, str, int]:
    """One pass over the arguments: their session, whether any of them requires grad, the
    device of the outputs (an explicit device=, else the first tensor's; the server checks that
    the inputs agree), and the oldest ``Node._since`` of the inputs' graphs (_NEWEST: none)."""
    conn = None
    any_requires_grad = False
    since = _NEWEST
    for t in _tensors(args if not kwargs else (*args, *kwargs.values())):
        node = t._grad_fn
        if node is not None and node._since < since:
            since = node._since
        if conn is None:
            conn = t._conn
            device = t._device
        elif t._conn is not conn:
            raise RuntimeError(
                "Expected all tensors to be in the same gradwire session, but found tensors from two sessions")
        elif t._device is not device and device == "cpu":
            device = t._device  # a 0-d CPU tensor meets a CUDA one: the result is on the GPU
        any_requires_grad = any_requires_grad or t._requires_grad
    if kwargs and kwargs.get("device") is not None:
        device = kwargs["device"]
    elif conn is None:
        return default_connection(), any_requires_grad, "cpu", since
    return conn or default_connection(), any_requires_grad, device, since


_UNKNOWN = _meta.OpInfo(None)
SPARE_OUTPUTS = 16  # ids offered to an op whose outputs the client cannot infer

# Forward-mode AD's hook (autograd/forward_ad.py), set while a dual level is active: it runs an op
# with dual inputs (with their tangents), or returns NOT_DUAL. None otherwise: one global read per op.
fw_hook = None
NOT_DUAL = object()
# What runs on an op's arguments before it is dispatched, ``(op, args, kwargs) -> (args, kwargs)``, while
# some feature needs it: autocast's casts (amp.py), the NumPy bridge's sync of shared arrays
# (_numpy_bridge.py). Empty otherwise: one global read per op. Use add_input_hook / remove_input_hook.
input_hooks: tuple = ()


def add_input_hook(hook) -> None:
    global input_hooks
    if hook not in input_hooks:
        input_hooks = (*input_hooks, hook)


def remove_input_hook(hook) -> None:
    global input_hooks
    input_hooks = tuple(h for h in input_hooks if h is not hook)


# the ops that draw random numbers (vmap's randomness='error' refuses them)
_RANDOM_OPS = frozenset({"rand", "randn", "randint", "randperm", "normal", "normal_", "uniform_", "random_",
                         "bernoulli", "bernoulli_", "multinomial", "exponential_", "geometric_", "log_normal_",
                         "cauchy_", "poisson", "binomial", "standard_gamma_draw", "rand_like", "randn_like",
                         "randint_like"})


def _draws(op: str, args) -> bool:
    if op == "dropout":  # dropout(input, p, training) draws only when training with 0 < p < 1
        p, training = (args[1] if len(args) > 1 else 0.5), (args[2] if len(args) > 2 else True)
        return bool(training) and 0 < p < 1
    return op in _RANDOM_OPS


def call(op: str, *args, **kwargs):
    """Run ``op`` on the server; returns its output Tensor(s) (in-place ops: the input)."""
    if (op in _RANDOM_OPS or op == "dropout") and _draws(op, args):
        from .func._vmap import check_random_op_allowed  # noqa: PLC0415
        check_random_op_allowed()
    if kwargs:
        if "out" in kwargs:
            return _call_out(op, args, kwargs)
        d = kwargs.get("dtype")
        if d is not None and d.__class__ is not _DType:
            kwargs["dtype"] = _as_dtype(d, op)
    if input_hooks:
        for hook in input_hooks:
            args, kwargs = hook(op, args, kwargs)
    if fw_hook is not None:
        out = fw_hook(op, args, kwargs)
        if out is not NOT_DUAL:
            return out
    info = _meta.OPS.get(op) or _UNKNOWN
    conn, any_requires_grad, device, since = _session_of(args, kwargs)
    grad = _grad_state.enabled and not _grad_state.inference  # inference mode records nothing, enable_grad or not
    if info.inplace:
        return _call_inplace(conn, op, args, kwargs, grad, any_requires_grad, since, info)
    out_meta = info.infer(op, args, kwargs) if info.infer is not None else None
    if out_meta is None:
        return _call_and_wait(conn, op, args, kwargs, grad, since)
    requires_grad = grad and info.differentiable and any_requires_grad
    leaf_requires_grad = bool(kwargs.get("requires_grad", False)) if kwargs else False
    make = Tensor._make
    if len(out_meta) == 1:
        (shape, dtype), = out_meta
        rg = requires_grad and (dtype.is_floating_point or dtype.is_complex)
        handle = conn.new_handle()
        node = Node(conn, info.node_name(args, kwargs), since if since < handle else handle) if rg else None
        out = make(conn, handle, shape, dtype, rg or leaf_requires_grad, node, device)
        conn.submit(op, args, kwargs, (out._id,), nodes=(node,), grad_enabled=grad, handle_of=_handle_of)
        return out
    outputs = []
    nodes = []
    shared = None  # one op, one node: torch's outputs of a multi-output op share their grad_fn (var_mean, svd)
    for shape, dtype in out_meta:
        rg = requires_grad and (dtype.is_floating_point or dtype.is_complex)
        handle = conn.new_handle()
        if rg and (shared is None or not info.one_node):
            shared = Node(conn, info.node_name(args, kwargs) if info.one_node else None,
                          since if since < handle else handle)
        node = shared if rg else None
        outputs.append(make(conn, handle, shape, dtype, rg or leaf_requires_grad, node, device))
        if node is not None and info.one_node:
            outputs[-1]._output_nr = (node, len(outputs) - 1)
        nodes.append(node)
    conn.submit(op, args, kwargs, [t._id for t in outputs], nodes=nodes, grad_enabled=grad,
                handle_of=_handle_of)
    return tuple(outputs)


_RESIZED = ("An output with one or more elements was resized since it had shape {}, which does not match the "
            "required output shape {}. This behavior is deprecated, and in a future PyTorch release outputs will not "
            "be resized unless they have zero elements. You can explicitly reuse an out tensor t by resizing it, "
            "inplace, to zero elements with t.resize_(0).")


def _call_out(op: str, args, kwargs):
    """``op(..., out=t)``: see ``write_out``."""
    kwargs = dict(kwargs)
    out = kwargs.pop("out")
    if out is None:
        return call(op, *args, **kwargs)
    _check_out_grad(op, (*args, *kwargs.values()), out)
    return write_out(op, call(op, *args, **kwargs), out)


def _check_out_grad(op: str, inputs, out) -> None:
    outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    if grad_mode.is_grad_enabled() and any(t._requires_grad for t in (*_tensors(inputs), *outs)):
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")


def write_out(op: str, result, out):
    """torch's ``out=``: ``result`` written into ``out`` (a tuple of tensors for several outputs), which is
    returned; resized (with torch's warning when it had elements) where its shape differs."""
    outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    results = result if isinstance(result, tuple) else (result,)
    if len(results) != len(outs):
        raise TypeError(f"{op}(): expected {len(results)} out= tensors, got {len(outs)}")
    from gradwire.common import dtypes  # noqa: PLC0415
    for r, o in zip(results, outs):
        if not dtypes.can_cast(r._dtype, o._dtype):
            raise RuntimeError(f"result type {r._dtype._torch_name} can't be cast to the desired output type "
                               f"{o._dtype._torch_name}")
    with grad_mode.no_grad():
        for r, o in zip(results, outs):
            if o._shape == r._shape:
                o.copy_(r)
                continue
            if o.numel():
                import warnings  # noqa: PLC0415
                warnings.warn(_RESIZED.format(list(o._shape), list(r._shape)), UserWarning, stacklevel=4)
            o.data = r.to(o._dtype)
    if not isinstance(result, tuple):
        return out
    return type(result)(*outs) if hasattr(result, "_fields") else tuple(outs)


def with_out(fn, creation: bool = False):
    """``fn`` (a torch.<name> function) that also takes ``out=``; a creation function makes its result
    in ``out``'s dtype and on its device unless told otherwise."""
    import functools  # noqa: PLC0415

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if creation:
            kwargs.setdefault("dtype", out._dtype)
            kwargs.setdefault("device", out._device)
        else:
            _check_out_grad(fn.__name__, (*args, *kwargs.values()), out)
        return write_out(fn.__name__, fn(*args, **kwargs), out)
    return wrapper


def _call_and_wait(conn, op, args, kwargs, grad, since=_NEWEST):
    """An op whose outputs' metadata depend on values (x[mask]): wait for the server's."""
    pending = conn.submit(op, args, kwargs, [conn.new_handle() for _ in range(SPARE_OUTPUTS)],
                          grad_enabled=grad, variadic=True, handle_of=_handle_of)
    conn.sync()
    outs = tuple(Tensor._from_meta(conn, m, min(since, m.handle)) for m in pending.metas)
    return outs[0] if len(outs) == 1 else outs


def _call_inplace(conn, op, args, kwargs, grad, any_requires_grad, since=_NEWEST, info=_UNKNOWN):
    self = args[0]
    if self._inference and not _grad_state.inference:  # (the server checks it too: raised here, at its line)
        raise RuntimeError(INFERENCE_INPLACE_MESSAGE)
    conn.mark_inplace()
    mode = getattr(self, "_view_mode", None)
    if mode is not None and grad and any_requires_grad and (
            mode == "inference" or getattr(self, "_multi_view", None) is None):
        node = self._grad_fn
        raise RuntimeError(view_mode_message(mode, node._class_name() if node is not None else None))
    if grad and any_requires_grad and getattr(self, "_multi_view", None) is not None:
        from .tensor import multi_view_message  # noqa: PLC0415
        raise RuntimeError(multi_view_message(self))
    custom = getattr(self, "_custom_view", None)
    if grad and any_requires_grad and custom is not None and custom[0] is self._grad_fn and not custom[3]:
        raise RuntimeError(f"Output {custom[1]} of {custom[0]._class_name()[:-len('Backward')]} is a view and is being "
                           "modified inplace. This view was created inside a custom Function (or because an input "
                           "was returned as-is) and the autograd logic to handle view+inplace would override the "
                           "custom backward associated with the custom Function, leading to incorrect gradients. "
                           "This behavior is forbidden. You can fix this by cloning the output of the custom "
                           "Function.")
    if grad and self._requires_grad and self._grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    base = getattr(self, "_view_base", None)
    if base is not None and grad and self._requires_grad and base._requires_grad and base._grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    if info.checked:
        _meta.check_inplace(op, args, kwargs)
    # an in-place view op takes a new shape (its rule raises torch's errors first); the others keep it
    shape = info.infer(op, args, kwargs)[0][0] if info.view else None
    node = None
    if grad and any_requires_grad:
        # a view written in place is re-derived from its base's new history (AsStridedBackward0), as in torch
        name = "AsStridedBackward0" if base is not None and shape is None else info.node_name(args, kwargs)
        node = Node(conn, name, min(since, self._id))
        self._grad_fn = node
        self._requires_grad = True
        if base is not None and shape is None:  # the server gives the view's base torch's CopySlices node
            old = base._grad_fn
            base._grad_fn = Node(conn, "torch::autograd::CopySlices", min(since, base._id, old._since if old is not None else _NEWEST))
            base._requires_grad = True
        if shape is None:  # the server re-derives every other live view of the memory: AsStridedBackward0
            for view in tuple(getattr(base if base is not None else self, "_live_views", None) or ()):
                if view is not self and view._requires_grad and getattr(view, "_view_mode", None) is None:
                    view._grad_fn = Node(conn, "AsStridedBackward0", min(since, view._id))
    if shape is not None:
        self._shape = Size(shape)
    conn.submit(op, args, kwargs, [self._id], nodes=[node], grad_enabled=grad, handle_of=_handle_of)
    if _numpy_bridge.exported:  # (False until the first numpy() array: one module read per in-place op)
        _numpy_bridge.refresh(self)
    return self


def value(op: str, tensor, *args, **kwargs):
    """Run a read (item, tolist, numpy, grad) and wait for its value: a sync point."""
    return tensor._conn.submit(op, (tensor,) + args, kwargs, want_value=True,
                               grad_enabled=grad_mode.is_grad_enabled(), handle_of=_handle_of).value


class RemoteObject:
    """A handle to a server-side object that is not a tensor (an optimizer's state)."""

    __slots__ = ("_conn", "_id", "__weakref__")

    def __init__(self, conn, handle: int):
        self._conn = conn
        self._id = handle

    def __del__(self):
        conn = getattr(self, "_conn", None)
        if conn is not None:
            conn.release(self._id)


def new_object(op: str, *args, **kwargs) -> RemoteObject:
    """Create a server-side object (optimizer state ...) and return its handle at once."""
    conn = _session_of(args, kwargs)[0]
    obj = RemoteObject(conn, conn.new_handle())
    conn.submit(op, args, kwargs, [obj._id], nodes=[None], grad_enabled=False, handle_of=_handle_of)
    return obj


from .tensor import Node, Tensor  # noqa: E402  (tensor.py calls back into this module)
