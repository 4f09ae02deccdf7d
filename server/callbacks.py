"""Client code on the server's backward path: custom Functions and tensor hooks.

A custom ``gradwire.autograd.Function`` runs its forward on the client (its
ops are ordinary commands); ``function_apply`` then records one engine node
whose backward calls the client back over the session stream. Tensor hooks
defined in client Python work the same way. These ops need the session's
command loop, so the server registers them in the engine's op registry and
finds the loop of the running command through a thread-local.
"""
from __future__ import annotations

import threading
import weakref

from gradwire import engine
from gradwire.engine.autograd.checkpoint import CheckpointRegion

_current = threading.local()


def current_loop():
    loop = getattr(_current, "loop", None)
    if loop is None:
        raise RuntimeError("client callbacks are only available inside a session stream")
    return loop


class ClientCodeError(Exception):
    """The client's Python raised while the server waited for it."""

    def __init__(self, callback_id: int, python_type: str, message: str):
        super().__init__(message)
        self.callback_id = callback_id
        self.python_type = python_type


class ClientFunction(engine.Function):
    """Base of the engine Function made for each client-defined Function class."""

    _abstract = True

    @staticmethod
    def forward(ctx, *inputs, outputs, loop, function_id, non_differentiable=(), saved=(), materialize=True,
                dirty=()):
        ctx.loop = loop
        ctx.function_id = function_id
        if saved:  # kept here for torch's checks: modified in place since, freed by an earlier backward
            ctx.save_for_backward(*saved)
        if non_differentiable:
            ctx.mark_non_differentiable(*[outputs[i] for i in non_differentiable])
        ctx.set_materialize_grads(materialize)
        if dirty:  # inputs the client's forward wrote in place: they keep their version counter (bumped)
            ctx.mark_dirty(*[outputs[i] for i in dirty])
        # When the node goes (its graph freed), the client may forget the function.
        weakref.finalize(ctx, loop.function_released, function_id)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    @staticmethod
    def backward(ctx, *grads):
        if ctx._saved:
            ctx.saved_tensors  # noqa: B018 - raises if one was modified in place since forward
        return tuple(ctx.loop.callback(ctx.function_id, grads, in_backward=True))


_classes: dict[str, type] = {}
_classes_lock = threading.Lock()


def _function_class(name: str) -> type:
    """An engine Function subclass named like the client's, so its node is <name>Backward."""
    with _classes_lock:
        cls = _classes.get(name)
        if cls is None:
            cls = type(name, (ClientFunction,), {"__module__": "gradwire.client_function"})
            _classes[name] = cls
        return cls


def function_apply(name: str, function_id: int, inputs, outputs, non_differentiable=(), saved=(),
                   materialize=True, dirty=()):
    """Record the node of a client Function over outputs its forward computed on the client; ``saved``: the
    tensors its ctx saved, ``non_differentiable``: positions among ``outputs``."""
    cls = _function_class(name)
    loop = current_loop()
    return cls.apply(*inputs, outputs=list(outputs), loop=loop, function_id=function_id,
                     non_differentiable=tuple(non_differentiable), saved=tuple(saved), materialize=materialize,
                     dirty=tuple(dirty))


def register_hook(tensor, function_id: int):
    """``tensor.register_hook(fn)`` with ``fn`` in the client's Python; returns a handle object."""
    loop = current_loop()

    def hook(grad):
        (out,) = loop.callback(function_id, (grad,), in_backward=True)
        return out
    return tensor.register_hook(hook)


def register_post_accumulate_grad_hook(tensor, function_id: int):
    """``tensor.register_post_accumulate_grad_hook(fn)`` with ``fn`` in the client's Python."""
    loop = current_loop()

    def hook(t):
        loop.callback(function_id, (t,), in_backward=True)
    return tensor.register_post_accumulate_grad_hook(hook)


def node_register_hook(node, function_id: int):
    """``grad_fn.register_hook(fn)`` with ``fn`` in the client's Python: it gets grad_inputs then
    grad_outputs, and returns no tensors (keep grad_inputs) or the replacement grad_inputs."""
    loop = current_loop()

    def hook(grad_inputs, grad_outputs):
        out = loop.callback(function_id, (*grad_inputs, *grad_outputs), in_backward=True)
        return tuple(out) if out else None
    return node.register_hook(hook)


def node_register_prehook(node, function_id: int):
    """``grad_fn.register_prehook(fn)`` with ``fn`` in the client's Python (the same protocol)."""
    loop = current_loop()

    def hook(grad_outputs):
        out = loop.callback(function_id, grad_outputs, in_backward=True)
        return tuple(out) if out else None
    return node.register_prehook(hook)


def remove_hook(handle) -> None:
    handle.remove()


class _ClientPacked:
    """What a client's pack hook returned, kept on the client under ``function_id`` (its unpack)."""

    __slots__ = ("function_id", "__weakref__")

    def __init__(self, loop, function_id: int):
        self.function_id = function_id
        weakref.finalize(self, loop.function_released, function_id)  # the node dropped it: so may the client


def node_saved_register_hooks(node, name: str, unpack_function_id: int) -> None:
    """``grad_fn._raw_saved_<name>.register_hooks(pack, unpack)``: the client packed the tensor; each use in
    backward asks it for the unpacked tensor."""
    from gradwire.engine.autograd.saved import saved_attribute  # noqa: PLC0415
    loop = current_loop()

    def unpack(packed):
        (t,) = loop.callback(packed.function_id, (), in_backward=True)
        return t
    saved_attribute(node, "_raw_saved_" + name).register_hooks(lambda t: _ClientPacked(loop, unpack_function_id),
                                                               unpack)


def saved_hooks_push(pack_function_id: int) -> None:
    """``saved_tensors_hooks`` entered on the client: ops of this session pack what they save through the
    client's function ``pack_function_id``; the client names the unpack of each (saved_hooks_packed)."""
    loop = current_loop()

    def pack(t):
        _current.packed = None
        loop.callback(pack_function_id, (t,))
        function_id, _current.packed = _current.packed, None
        return _ClientPacked(loop, function_id)

    def unpack(packed):
        (t,) = loop.callback(packed.function_id, (), in_backward=True)
        return t
    stack = engine.function.saved_hooks
    stack.stack = stack.stack + ((pack, unpack),)


def saved_hooks_pop() -> None:
    stack = engine.function.saved_hooks
    stack.stack = stack.stack[:-1]


def saved_hooks_packed(function_id: int) -> None:
    """Sent by the client's pack wrapper while the server waits for it: the id of the packed tensor's unpack."""
    _current.packed = function_id


def checkpoint_begin(function_id: int, preserve_rng_state: bool) -> None:
    """``torch.utils.checkpoint(fn, use_reentrant=False)`` starts: until checkpoint_end, the tensors ops save
    for backward are dropped; backward gets them back by calling the client's ``fn`` again (function_id)."""
    loop = current_loop()
    region = CheckpointRegion(lambda: loop.callback(function_id, ()), preserve_rng_state)
    weakref.finalize(region, loop.function_released, function_id)  # its saved tensors are gone: forget fn
    region.__enter__()


def checkpoint_end() -> None:
    engine.function.saved_hooks.stack = engine.function.saved_hooks.stack[:-1]


def optim_closure_step(opt, function_id: int, lrs=None, groups=None) -> None:
    """``optimizer.step(closure)`` where the closure is client code (LBFGS evaluates it many times)."""
    loop = current_loop()

    def closure():
        (loss,) = loop.callback(function_id, ())
        return loss
    opt.step(closure, lrs=lrs, groups=groups)


OPS = {"function_apply": function_apply, "register_hook": register_hook,
       "register_post_accumulate_grad_hook": register_post_accumulate_grad_hook, "remove_hook": remove_hook,
       "node.register_hook": node_register_hook, "node.register_prehook": node_register_prehook,
       "saved_hooks.push": saved_hooks_push, "saved_hooks.pop": saved_hooks_pop,
       "saved_hooks.packed": saved_hooks_packed, "optim.closure_step": optim_closure_step,
       "checkpoint.begin": checkpoint_begin, "checkpoint.end": checkpoint_end,
       "node.saved_register_hooks": node_saved_register_hooks}
# The ops that call the client back (at once, or later in some backward).
TALKS_TO_CLIENT = frozenset({"function_apply", "register_hook", "register_post_accumulate_grad_hook",
                             "node.register_hook", "node.register_prehook", "saved_hooks.push",
                             "optim.closure_step", "checkpoint.begin", "node.saved_register_hooks"})
for _name, _fn in OPS.items():
    if _name not in engine.OPS:
        engine.OPS.register(_name, _fn)
