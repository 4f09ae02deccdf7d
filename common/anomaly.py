"""detect_anomaly and set_detect_anomaly, for any place that keeps an anomaly-mode state.

The engine keeps it per thread; the client keeps it per session and sends it
to the server. Each makes its pair of context managers from one setter:
``set_mode(mode, check_nan) -> previous (mode, check_nan)``.
"""
from __future__ import annotations

import functools
import warnings

ENABLED_WARNING = ("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                   "enabled for debugging.")


def make_anomaly_modes(set_mode):
    """(detect_anomaly, set_detect_anomaly) classes that switch the state ``set_mode`` keeps."""

    class detect_anomaly:
        """Context manager and decorator that enables anomaly detection (warns that it is slow)."""

        def __init__(self, check_nan: bool = True) -> None:
            self.check_nan = check_nan
            self.previous = None
            warnings.warn(ENABLED_WARNING, UserWarning, stacklevel=2)

        def __enter__(self) -> None:
            self.previous = set_mode(True, self.check_nan)

        def __exit__(self, *exc):
            set_mode(*self.previous)
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
            self.previous = set_mode(mode, check_nan)

        def __enter__(self) -> None:
            pass

        def __exit__(self, *exc):
            set_mode(*self.previous)
            return False

    for cls in (detect_anomaly, set_detect_anomaly):  # torch's names, as reprs show them
        cls.__module__, cls.__qualname__ = "torch.autograd.anomaly_mode", cls.__name__
    return detect_anomaly, set_detect_anomaly
