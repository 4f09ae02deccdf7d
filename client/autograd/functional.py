"""torch.autograd.grad and torch.autograd.backward, run by the server's engine."""
from __future__ import annotations

from .. import _dispatch, grad_mode
from ..tensor import Tensor


def _as_list(x):
    if x is None:
        return None
    return list(x) if isinstance(x, (list, tuple)) else [x]


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs`` (a tuple; None for unused inputs)."""
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    conn = inputs[0]._conn
    # Whether a gradient is None (unused input) or carries a graph is known only to the server.
    pending = conn.submit("autograd.grad", (outputs, inputs, _as_list(grad_outputs), retain_graph, create_graph,
                                            allow_unused, materialize_grads),
                          outputs=[conn.new_handle() for _ in inputs], want_meta=True,
                          grad_enabled=grad_mode.is_grad_enabled(), handle_of=_dispatch._handle_of)
    conn.grad_epoch += 1
    if not (create_graph if retain_graph is None else retain_graph):
        conn.mark_freed()
    conn.sync()
    return tuple(None if m.is_none else Tensor._from_meta(conn, m) for m in pending.metas)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """torch.autograd.backward: backward from several tensors at once."""
    tensors = _as_list(tensors)
    grads = _as_list(grad_tensors) or [None] * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(f"got {len(tensors)} tensors and {len(grads)} gradients")
    conn = tensors[0]._conn
    wait = conn.backward_must_wait(tensors)
    conn.submit("autograd.backward", (tensors, grads, retain_graph, create_graph, _as_list(inputs)),
                grad_enabled=grad_mode.is_grad_enabled(), handle_of=_dispatch._handle_of)
    conn.grad_epoch += 1
    if not (create_graph if retain_graph is None else retain_graph):
        conn.mark_freed()
    if wait:  # its errors belong to this line (see Connection.backward_must_wait)
        conn.sync()
