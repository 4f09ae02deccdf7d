"""torch's memory sharing between CPU tensors and NumPy arrays, as far as a remote tensor can keep it.

In torch, ``t.numpy()`` and ``torch.from_numpy(n)`` share memory: a change to one shows in the other.
Here the tensor lives on the server, so the sharing is kept at the client's edges, for arrays up to
SHARED_BYTES (64 KiB), where keeping it costs little:

* an array from ``t.numpy()`` (or the array given to ``from_numpy``) is written again with the tensor's
  values after each in-place op the client issues on that tensor's memory (the tensor, its views, its
  ``detach()``es): one read from the server per live array, only while such arrays are alive;
* a change made to the array given to ``from_numpy`` reaches the tensor before the next op that uses
  it and before its values are read (print, ``item``, ``tolist``, ``numpy``).

A larger array is a copy, taken when it is made: comparing or re-reading it at every use would cost
more than the op (a 256 MiB upload would read its array twice more).
"""
from __future__ import annotations

import weakref

import numpy as np

from . import grad_mode

exported = False   # whether any array was ever handed out: until then in-place ops skip ``refresh``


def root_of(t):
    """The tensor whose memory ``t`` uses (itself, its view base, what it was detached from)."""
    while True:
        up = getattr(t, "_view_base", None)
        if up is None:
            up = getattr(t, "_memory_of", None)
            if up is None:
                return t
        t = up


SHARED_BYTES = 64 << 10


def export(t, array: np.ndarray) -> np.ndarray:
    """Keep ``array`` (``t``'s values) in step with later in-place writes into ``t``'s memory."""
    global exported
    if array.nbytes > SHARED_BYTES:
        return array
    exported = True
    root = root_of(t)
    exports = getattr(root, "_exports", None)
    if exports is None:
        exports = root._exports = {}
    # A view or detach() the array came from is kept while the array lives (torch's array keeps the memory);
    # the root is not (it holds this table: no reference cycle).
    key = id(array)
    exports[key] = (weakref.ref(array), None if t is root else t)
    weakref.finalize(array, exports.pop, key, None)
    return array


def refresh(t) -> None:
    """After an in-place write into ``t``'s memory: its exported arrays take the new values."""
    root = root_of(t)
    exports = getattr(root, "_exports", None)
    if not exports:
        return
    for array_ref, source in list(exports.values()):
        array = array_ref()
        source = root if source is None else source
        if array is not None and tuple(source.shape) == array.shape:
            np.copyto(array, source._values())


# Tensors from from_numpy that share their arrays, by id: the dispatch point sends a change of such an
# array before an op that uses the tensor.
small_sources: dict = {}


def shared_source(t, array: np.ndarray) -> None:
    """``t = from_numpy(array)``: ``t`` shares ``array`` (when it is small enough)."""
    if array.nbytes > SHARED_BYTES:
        return
    t._np_source = array
    t._np_snapshot = array.copy()
    export(t, array)
    small_sources[id(t)] = weakref.ref(t, lambda _, key=id(t): _forget_source(key))
    from . import _dispatch  # noqa: PLC0415 - _dispatch imports this module
    _dispatch.add_input_hook(sync_inputs)


def _forget_source(key) -> None:
    small_sources.pop(key, None)
    if not small_sources:
        from . import _dispatch  # noqa: PLC0415
        _dispatch.remove_input_hook(sync_inputs)


def sync_inputs(op, args, kwargs):
    """Before an op (a dispatch input hook): the shared arrays of its input tensors (or of their memory)
    go to the server if they changed."""
    from ._dispatch import _tensors  # noqa: PLC0415
    for t in _tensors(args if not kwargs else (*args, *kwargs.values())):
        ref = small_sources.get(id(root_of(t)))
        if ref is not None and ref() is not None:
            sync_source(ref())
    return args, kwargs


def sync_source(t) -> None:
    """Before reading ``t``'s values: a change made to the array it shares goes to the server first."""
    root = root_of(t)
    source = getattr(root, "_np_source", None)
    if source is None:
        return
    snapshot = root._np_snapshot
    if np.ascontiguousarray(source).tobytes() == snapshot.tobytes():
        return
    from ._creation import _new_leaf  # noqa: PLC0415
    root._np_snapshot = source.copy()
    fresh = _new_leaf(root._np_snapshot, root._dtype, False, "cpu")
    exports, root._exports = getattr(root, "_exports", None), None   # (the array has these values already)
    try:
        with grad_mode.no_grad():
            root.copy_(fresh)
    finally:
        root._exports = exports
