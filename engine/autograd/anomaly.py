"""Anomaly detection: detect_anomaly, set_detect_anomaly, is_anomaly_enabled.

While enabled (a global switch, as in torch), every recorded node stores the
stack of the forward call that created it in ``node.metadata["traceback_"]``
(a list of strings, ``traceback.format_stack`` form, engine frames left out).
In backward, when a node's backward raises, a UserWarning shows that stack
("Error detected in DivBackward0. Traceback of forward call that caused the
error: ..."); with ``check_nan`` a gradient with NaN values raises
RuntimeError("Function 'DivBackward0' returned nan values in its 0th output.").
"""
from __future__ import annotations

import functools
import warnings

from ..function import anomaly_state

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]

_ENABLED_WARNING = ("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                    "enabled for debugging.")


def is_anomaly_enabled() -> bool:
    return anomaly_state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    return anomaly_state.check_nan


def _set(mode: bool, check_nan: bool) -> None:
    anomaly_state.enabled = bool(mode)
    anomaly_state.check_nan = bool(check_nan)


class detect_anomaly:
    """Context manager and decorator that enables anomaly detection (warns that it is slow)."""

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = anomaly_state.enabled
        self.check_nan = check_nan
        self.prev_check_nan = anomaly_state.check_nan
        warnings.warn(_ENABLED_WARNING, UserWarning, stacklevel=2)

    def __enter__(self) -> None:
        self.prev = anomaly_state.enabled
        self.prev_check_nan = anomaly_state.check_nan
        _set(True, self.check_nan)

    def __exit__(self, *exc):
        _set(self.prev, self.prev_check_nan)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return func(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Sets anomaly detection on call (``set_detect_anomaly(True)``); as a context manager, restores it on exit."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = anomaly_state.enabled
        self.prev_check_nan = anomaly_state.check_nan
        _set(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc):
        _set(self.prev, self.prev_check_nan)
        return False
