"""Anomaly detection for the session: the server checks each backward node's
output for NaN and names the op that created the failing node."""
from __future__ import annotations

import functools
import warnings

from .. import _dispatch

_ENABLED_WARNING = ("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                    "enabled for debugging.")


def _set(mode: bool, check_nan: bool) -> tuple:
    """Sets the session's anomaly mode; returns the previous (mode, check_nan)."""
    conn = _dispatch.default_connection()
    previous = conn.anomaly
    conn.anomaly = (bool(mode), bool(check_nan))
    conn.submit("autograd.set_detect_anomaly", (bool(mode), bool(check_nan)), handle_of=_dispatch._handle_of)
    return previous


def is_anomaly_enabled() -> bool:
    return _dispatch.default_connection().anomaly[0]


def is_anomaly_check_nan_enabled() -> bool:
    return _dispatch.default_connection().anomaly[1]


class detect_anomaly:
    """Context manager and decorator that enables anomaly detection (warns that it is slow)."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self.previous = None
        warnings.warn(_ENABLED_WARNING, UserWarning, stacklevel=2)

    def __enter__(self) -> None:
        self.previous = _set(True, self.check_nan)

    def __exit__(self, *exc):
        _set(*self.previous)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return func(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Sets anomaly detection on call; as a context manager, restores it on exit."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.previous = _set(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc):
        _set(*self.previous)
        return False
