"""torch.autograd.grad_mode: the grad modes, and autograd's thread-local flags that gradwire keeps but
whose engine needs none of them (its backward runs on one server thread; an in-place op on a view
always regenerates the view from its base's ops)."""
from __future__ import annotations

import threading

from gradwire.common.grad_mode import _wrap

from ..grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled  # noqa: F401

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "set_multithreading_enabled",
           "enforce_grad_layout_policy"]


class _Flags(threading.local):
    multithreading = True
    view_replay = False
    grad_layout = True


_flags = _Flags()


def is_multithreading_enabled() -> bool:
    """Returns True if multithreading is currently enabled."""
    return _flags.multithreading


def is_view_replay_enabled() -> bool:
    """Returns True if view-replay is currently enabled."""
    return _flags.view_replay


class _FlagMode:
    """torch's flag context managers: the flag is set when the object is made and restored on exit; as a
    decorator, each call runs under a fresh copy. ``_undo_on_decorate``: making it to decorate leaves the
    flag as it was (torch's _force_original_view_tracking and enforce_grad_layout_policy; not
    set_multithreading_enabled)."""

    _flag = ""
    _undo_on_decorate = True

    def __init__(self, mode: bool) -> None:
        self.prev = getattr(_flags, self._flag)
        self.mode = mode
        setattr(_flags, self._flag, mode)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        setattr(_flags, self._flag, self.prev)

    def __call__(self, func):
        if self._undo_on_decorate:
            setattr(_flags, self._flag, self.prev)
        return _wrap(self.clone, func)

    def clone(self):
        return type(self)(self.mode)


class set_multithreading_enabled(_FlagMode):
    """Context-manager that enables or disables multithreaded backward (gradwire's backward is one
    thread on the server either way)."""

    _flag = "multithreading"
    _undo_on_decorate = False


class _force_original_view_tracking(_FlagMode):
    """Context-manager that sets whether or not to always enable view-replay in autograd."""

    _flag = "view_replay"

    def __enter__(self) -> None:
        _flags.view_replay = self.mode


class enforce_grad_layout_policy(_FlagMode):
    """Context-manager that controls the gradient layout policy enforcement (gradwire's gradients are
    always row-major contiguous)."""

    _flag = "grad_layout"

    def __init__(self, enable: bool = True) -> None:
        super().__init__(enable)
