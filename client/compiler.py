"""torch.compiler: gradwire compiles nothing (torch.compile runs a model as it is), so nothing is ever being
compiled or exported, and the decorators give their function back."""
from __future__ import annotations

import contextlib
import functools

__all__ = ["compile", "disable", "reset", "allow_in_graph", "assume_constant_result", "is_compiling",
           "is_dynamo_compiling", "is_exporting", "set_stance"]


def compile(*args, **kwargs):  # noqa: A001 - torch.compiler.compile
    import gradwire  # noqa: PLC0415
    return gradwire.compile(*args, **kwargs)


def disable(fn=None, recursive: bool = True, *, reason=None):
    """A decorator: the function wrapped (as torch's is), running as it is."""
    if fn is None:
        return lambda f: disable(f, recursive, reason=reason)
    if isinstance(fn, type) or not callable(fn):
        return fn

    @functools.wraps(fn)
    def run(*args, **kwargs):
        return fn(*args, **kwargs)
    return run


def reset() -> None:
    return None


def allow_in_graph(fn):
    return fn


def assume_constant_result(fn):
    return fn


def is_compiling() -> bool:
    return False


def is_dynamo_compiling() -> bool:
    return False


def is_exporting() -> bool:
    return False


@contextlib.contextmanager
def _stance():
    yield


def set_stance(stance: str = "default", *, skip_guard_eval_unsafe=False, force_backend=None):
    """A context manager and decorator, as torch's (no stance changes anything here)."""
    return _stance()
