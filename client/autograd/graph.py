"""gradwire.autograd.graph: torch.autograd.graph's API for the server's graph.

``Node`` is the abstract class of ``tensor.grad_fn``. ``saved_tensors_hooks`` runs client Python when
the server's ops save tensors for backward (pack) and when backward uses them (unpack): the packed
objects stay on the client, and while the hooks are active every op waits for the server (its pack hooks
run in order with the user's code, as in torch). ``save_on_cpu`` and ``disable_saved_tensors_hooks``
build on it.
"""
from __future__ import annotations

import abc
import threading

from .. import _dispatch
from .._dispatch import default_connection
from ..grad_mode import no_grad
from ..tensor import Node as _ClientNode
from ..tensor import Tensor, _RemovableHook as RemovableHandle

__all__ = ["Node", "saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks", "RemovableHandle",
           "increment_version"]


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


def increment_version(tensor) -> None:
    """Count an in-place write autograd did not see (``tensor``: one tensor or several): a backward that saved
    it before fails as after any in-place op."""
    tensors = list(tensor) if isinstance(tensor, (list, tuple)) else [tensor]
    if tensors:
        conn = tensors[0]._conn
        conn.submit("autograd.increment_version", (tensors,), handle_of=_dispatch._handle_of)
        conn.mark_inplace()  # a backward of a graph from before may fail now: it waits for its reply
