"""Thread-local grad mode: no_grad, enable_grad, set_grad_enabled, is_grad_enabled.

One implementation for the engine and the client. In one process they share
the thread-local state, which is safe: the server runs commands on its own
threads and sets the mode each command was issued under.
"""
from __future__ import annotations

import functools
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]


class _GradState(threading.local):
    enabled = True


_state = _GradState()


def is_grad_enabled() -> bool:
    return _state.enabled


class _GradModeBase:
    """Context manager and decorator that sets grad mode and restores it on exit."""

    _mode = True

    def __enter__(self):
        self._prev = _state.enabled
        _state.enabled = self._mode
        return self

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False

    def __call__(self, func):
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            prev = _state.enabled
            _state.enabled = mode
            try:
                return func(*args, **kwargs)
            finally:
                _state.enabled = prev

        return wrapper

    def clone(self):
        return type(self)()


class no_grad(_GradModeBase):
    """Disables gradient tracking (``with no_grad():`` or ``@no_grad()``)."""

    _mode = False

    def __init__(self, orig_func=None):
        # Also usable bare as a decorator: @no_grad
        self._orig = orig_func

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if orig_func is not None and callable(orig_func):
            self.__init__()
            return self(orig_func)
        return self


class enable_grad(_GradModeBase):
    """Enables gradient tracking, e.g. inside a ``no_grad`` block."""

    _mode = True

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if orig_func is not None and callable(orig_func):
            return self(orig_func)
        return self

    def __init__(self, orig_func=None):
        pass


class set_grad_enabled(_GradModeBase):
    """Sets grad mode on call; restores the previous mode when used as a context manager.

    Like torch: ``set_grad_enabled(False)`` as a plain call switches the mode at once.
    """

    def __init__(self, mode: bool):
        self._prev = _state.enabled
        self._mode = bool(mode)
        _state.enabled = self._mode

    def __enter__(self):
        # the mode was already set by __init__; keep the mode from before it
        _state.enabled = self._mode
        return self

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False

    def __call__(self, func):
        # used as a decorator: undo the switch made by __init__
        _state.enabled = self._prev
        return super().__call__(func)

    def clone(self):
        return set_grad_enabled(self._mode)
