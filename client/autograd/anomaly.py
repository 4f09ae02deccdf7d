"""Anomaly detection for the session: the server checks each backward node's
output for NaN and names the op that created the failing node."""
from __future__ import annotations

from gradwire.common.anomaly import make_anomaly_modes

from .. import _dispatch


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


detect_anomaly, set_detect_anomaly = make_anomaly_modes(_set)
