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

from gradwire.common.anomaly import make_anomaly_modes

from ..function import anomaly_state

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]


def is_anomaly_enabled() -> bool:
    return anomaly_state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    return anomaly_state.check_nan


def _set(mode: bool, check_nan: bool) -> tuple:
    """Sets this thread's anomaly mode; returns the previous (mode, check_nan)."""
    previous = (anomaly_state.enabled, anomaly_state.check_nan)
    anomaly_state.enabled = bool(mode)
    anomaly_state.check_nan = bool(check_nan)
    return previous


detect_anomaly, set_detect_anomaly = make_anomaly_modes(_set)
