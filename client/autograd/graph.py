"""gradwire.autograd.graph: torch.autograd.graph's API for the server's graph.

``Node`` is the abstract class of ``tensor.grad_fn``. ``saved_tensors_hooks`` runs client Python when
the server's ops save tensors for backward (pack) and when backward uses them (unpack): the packed
objects stay on the client, and while the hooks are active every op waits for the server (its pack hooks
run in order with the user's code, as in torch). ``save_on_cpu`` and ``disable_saved_tensors_hooks``
build on it.
"""
from __future__ import annotations

import abc
import functools
import threading
import typing

from .. import _dispatch
from .._dispatch import default_connection
from ..grad_mode import no_grad
from ..tensor import Node as _ClientNode
from ..tensor import Tensor, _RemovableHook as RemovableHandle

__all__ = ["Node", "saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks", "RemovableHandle",
           "register_multi_grad_hook", "increment_version", "GradientEdge", "get_gradient_edge",
           "allow_mutation_on_saved_tensors"]


class _GradientEdgeFields(typing.NamedTuple):
    node: object
    output_nr: int
    ownership_token: object = None


class GradientEdge(_GradientEdgeFields):
    """torch.autograd.graph.GradientEdge: a tensor's place in the graph (its node and output number).
    An edge from get_gradient_edge also knows its tensor, which is how autograd.grad and
    backward(inputs=) take it (an in-place op on the tensor afterwards moves the edge with it)."""


GradientEdge.__module__ = "torch.autograd.graph"


def get_gradient_edge(tensor) -> GradientEdge:
    """The edge through which a gradient reaches ``tensor``: its grad_fn, or a leaf's AccumulateGrad node."""
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor that does not require "
                           "gradients")
    node = tensor.grad_fn
    if node is None:
        node = _ClientNode(tensor._conn, "torch::autograd::AccumulateGrad")
        node._remote = _dispatch.new_object("node.accumulator", tensor)
    edge = GradientEdge(node, tensor.output_nr)
    edge._tensor = tensor
    return edge


class Node(abc.ABC):
    """The abstract class of graph nodes: ``isinstance(y.grad_fn, torch.autograd.graph.Node)``."""

    @abc.abstractmethod
    def name(self) -> str: ...

    @property
    @abc.abstractmethod
    def next_functions(self): ...

    @property
    @abc.abstractmethod
    def metadata(self) -> dict: ...

    @abc.abstractmethod
    def register_hook(self, fn): ...

    @abc.abstractmethod
    def register_prehook(self, fn): ...


Node.register(_ClientNode)
Node.__module__ = "torch.autograd.graph"


class _State(threading.local):
    disabled = None   # disable_saved_tensors_hooks' message
    mutation_context = None  # the allow_mutation_on_saved_tensors context entered
    active = 0        # saved_tensors_hooks entered and not left


_state = _State()


def _unpack_result(t):
    if not isinstance(t, Tensor):
        raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got result of type "
                        f"{type(t).__name__}")
    return t


class saved_tensors_hooks:
    """Context manager: ``pack_hook(tensor) -> any`` for each tensor saved for backward, and
    ``unpack_hook(packed) -> tensor`` when it is used."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        if _state.disabled is not None:
            raise RuntimeError(_state.disabled)
        conn = self._conn = default_connection()
        pack_hook, unpack_hook = self.pack_hook, self.unpack_hook

        def pack(t):
            with no_grad():  # as torch runs it: what it computes records no graph
                packed = pack_hook(t)
            unpack_id = conn.register_function(lambda: _unpack_result(unpack_hook(packed)))
            conn.submit("saved_hooks.packed", (unpack_id,), handle_of=_dispatch._handle_of)
            return []
        self._pack_id = conn.register_function(pack)
        conn.submit("saved_hooks.push", (self._pack_id,), handle_of=_dispatch._handle_of)
        self._sync_before, conn.sync_mode = conn.sync_mode, True  # pack hooks run at their op's line
        _state.active += 1
        return self

    def __exit__(self, *exc):
        conn = self._conn
        _state.active -= 1
        conn.sync_mode = self._sync_before
        conn.submit("saved_hooks.pop", (), handle_of=_dispatch._handle_of)
        conn.unregister_function(self._pack_id)
        return False


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are kept on the CPU, and moved back to their device when backward uses them."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda"):
        def pack(t):
            return (t.device, t.cpu())

        def unpack(packed):
            device, t = packed
            return t.to(device)
        super().__init__(pack, unpack)


class _AllowMutationOnSavedContext:
    """What ``allow_mutation_on_saved_tensors`` yields (torch's name)."""


_AllowMutationOnSavedContext.__module__ = "torch.autograd.graph"


class allow_mutation_on_saved_tensors:
    """Context manager: tensors saved for backward inside it may be modified in place afterwards; backward
    uses their values from when they were saved (each is kept as a copy when saved)."""

    def __enter__(self):
        if getattr(_state, "mutation_context", None) is not None:
            raise RuntimeError("allow_mutation_on_saved_tensors contexts cannot be nested")
        context = _state.mutation_context = _AllowMutationOnSavedContext()

        def unpack(t):
            if _state.mutation_context is not context:
                raise AssertionError("Trying to backward outside of the 'allow_mutation_on_saved_tensors' context"
                                     "in which the graph was originally recorded.")
            return t
        self._hooks = saved_tensors_hooks(lambda t: t.clone(), unpack)
        self._hooks.__enter__()
        return context

    def __exit__(self, *exc):
        self._hooks.__exit__(*exc)
        _state.mutation_context = None
        return False


class disable_saved_tensors_hooks:
    """Context manager: entering ``saved_tensors_hooks`` in it raises RuntimeError(error_message)."""

    def __init__(self, error_message: str):
        self.error_message = error_message

    def __enter__(self):
        if _state.active:
            raise RuntimeError(self.error_message)
        self._before, _state.disabled = _state.disabled, self.error_message
        return self

    def __exit__(self, *exc):
        _state.disabled = self._before
        return False


class _MultiHandle(RemovableHandle):
    """What register_multi_grad_hook returns: ``remove()`` takes off the hook of every tensor."""

    def __init__(self, handles):
        self.handles = tuple(handles)

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


_MultiHandle.__module__ = "torch.autograd.graph"


def _graph_task(tensors) -> tuple:
    """(the running backward's id, how many of ``tensors`` it will compute a gradient for): asked of the
    server from inside a hook, where the server waits for the client."""
    task_id, count = _dispatch.value("autograd.graph_task", tensors[0], *tensors[1:])
    return task_id, count


def register_multi_grad_hook(tensors, fn, *, mode="all"):
    """``fn`` runs once per backward over ``tensors``: mode "all", after every gradient of them that this
    backward computes, with the gradients in order (None for the others); mode "any", with the first one."""
    supported_modes = ("all", "any")
    if mode not in supported_modes:
        raise ValueError(f"Expects mode to be one of {supported_modes} but got {mode}")
    tensors = tuple(tensors)
    lock = threading.Lock()
    if mode == "any":
        ran = set()

        @functools.wraps(fn)
        def wrapped(grad):
            task_id = _graph_task(tensors[:1])[0]
            with lock:
                if task_id in ran:
                    return
                ran.add(task_id)
            fn(grad)
        return _MultiHandle(t.register_hook(wrapped) for t in tensors if t.requires_grad)

    if any(not t.requires_grad for t in tensors):
        raise AssertionError("Expected gradient function to be set")
    buffers: dict = {}  # backward id -> [count so far, expected count, grads]

    def inner(idx):
        def hook(grad):
            task_id, expected = _graph_task(tensors)
            with lock:
                state = buffers.setdefault(task_id, [0, expected, [None] * len(tensors)])
                state[0] += 1
                state[2][idx] = grad
                done = state[0] == state[1]
                if done:
                    del buffers[task_id]
            if done:
                fn(state[2])
        return hook
    return _MultiHandle([t.register_hook(inner(i)) for i, t in enumerate(tensors)])


def increment_version(tensor) -> None:
    """Count an in-place write autograd did not see (``tensor``: one tensor or several): a backward that saved
    it before fails as after any in-place op."""
    tensors = list(tensor) if isinstance(tensor, (list, tuple)) else [tensor]
    if tensors:
        conn = tensors[0]._conn
        conn.submit("autograd.increment_version", (tensors,), handle_of=_dispatch._handle_of)
        conn.mark_inplace()  # a backward of a graph from before may fail now: it waits for its reply
