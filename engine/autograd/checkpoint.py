"""Activation checkpointing without reentrant autograd (torch.utils.checkpoint, use_reentrant=False).

The tensors a checkpointed forward's ops save for backward are not kept: a ``CheckpointRegion`` stands
on the saved-tensor hook stack while the forward runs, and gives each node an index instead. The first
backward that needs one runs the region's ``recompute`` (the same forward again, with the random state
it started with), whose ops' saved tensors are caught, in the same order, and handed out by index.
"""
from __future__ import annotations

from ..function import saved_hooks
from ..grad_mode import enable_grad
from ..random import current_generator

__all__ = ["CheckpointError", "CheckpointRegion", "checkpoint"]

_DEBUG_TIP = """
Tip: To see a more detailed error message, either pass `debug=True` to
`torch.utils.checkpoint.checkpoint(...)` or wrap the code block
with `with torch.utils.checkpoint.set_checkpoint_debug_enabled(True):` to
enable checkpoint\u2011debug mode globally.
"""


class CheckpointError(RuntimeError):
    """torch.utils.checkpoint.CheckpointError: recomputation did not match the forward."""


def _never_unpacked(index):  # the recomputation's own graph is dropped unused
    raise CheckpointError("torch.utils.checkpoint: a recomputed graph was used in backward")


class CheckpointRegion:
    """One checkpointed forward. ``recompute()`` runs it again (its ops must reach this process's engine
    on this thread while it runs); ``preserve_rng_state`` replays the random draws it made."""

    def __init__(self, recompute, preserve_rng_state: bool = True):
        self._recompute = recompute
        self._generator = current_generator() if preserve_rng_state else None
        self._rng_state = self._generator._snapshot() if preserve_rng_state else None
        self._saved = 0          # tensors its forward saved (and packed to their index)
        self._recomputed = {}    # index -> tensor, filled by the last recomputation, emptied by unpacking
        self._caught = 0

    def __enter__(self):
        saved_hooks.stack = saved_hooks.stack + ((self._pack, self._unpack),)
        return self

    def __exit__(self, *exc):
        saved_hooks.stack = saved_hooks.stack[:-1]
        return False

    def _pack(self, t) -> int:
        self._saved += 1
        return self._saved - 1

    def _unpack(self, index: int):
        t = self._recomputed.pop(index, None)
        if t is None:
            self._run_recompute()
            t = self._recomputed.pop(index)
        return t

    def _catch(self, t) -> int:
        if self._caught == self._saved:
            raise CheckpointError("torch.utils.checkpoint: trying to save more tensors during recomputation "
                                  f"than during the original forward pass.\n{_DEBUG_TIP}")
        self._recomputed[self._caught] = t.detach()
        self._caught += 1
        return self._caught - 1

    def _run_recompute(self) -> None:
        self._recomputed, self._caught = {}, 0
        gen = self._generator
        outside = gen._snapshot() if gen is not None else None
        stack = saved_hooks.stack
        saved_hooks.stack = stack + ((self._catch, _never_unpacked),)
        try:
            if gen is not None:
                gen._restore(self._rng_state)
            with enable_grad():
                self._recompute()
        finally:
            saved_hooks.stack = stack
            if gen is not None:
                gen._restore(outside)
        if self._caught != self._saved:
            raise CheckpointError(
                "torch.utils.checkpoint: A different number of tensors was saved during the original forward "
                f"and recomputation.\nNumber of tensors saved during forward: {self._saved}\n"
                f"Number of tensors saved during recomputation: {self._caught}.\n{_DEBUG_TIP}")


def checkpoint(function, *args, preserve_rng_state: bool = True, **kwargs):
    """``function(*args, **kwargs)``, keeping none of the tensors its ops save for backward."""
    region = CheckpointRegion(lambda: function(*args, **kwargs), preserve_rng_state)
    with region:
        return function(*args, **kwargs)
