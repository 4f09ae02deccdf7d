"""The one place that maps a device to its array module.

Every op gets its array module from a tensor (``t.xp``) or from here; no op
module imports numpy for array math.  ``numpy`` serves "cpu"; ``cupy`` would
serve "cuda" devices (imported lazily, only when asked for).
"""
from __future__ import annotations

import numpy

__all__ = ["array_module", "xp_of", "device_of", "to_numpy", "asarray", "new_rng", "is_array",
           "quiet_float_errors"]


def quiet_float_errors() -> None:
    """Like torch, don't warn about inf/nan results (log(0), overflow) in this thread's context.

    NumPy keeps its error state per context, so the server calls this on each
    thread that runs commands; a user's own NumPy warnings elsewhere stay on.
    """
    numpy.seterr(all="ignore")

_MODULES = {"cpu": numpy}


def array_module(device: str = "cpu"):
    """The array module (numpy / cupy) that holds arrays of ``device``."""
    try:
        return _MODULES[device]
    except KeyError:
        pass
    if device == "cuda" or device.startswith("cuda:"):
        try:
            import cupy  # noqa: PLC0415 - optional dependency
        except ImportError:
            raise RuntimeError("Torch not compiled with CUDA enabled") from None
        _MODULES[device] = cupy
        return cupy
    raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {device}")


def xp_of(t):
    """The array module of a tensor."""
    return _MODULES.get(t.device) or array_module(t.device)


def device_of(array) -> str:
    """The device string of an array."""
    if isinstance(array, numpy.ndarray):
        return "cpu"
    dev = getattr(array, "device", None)
    if dev is not None and hasattr(dev, "id"):  # cupy
        return f"cuda:{dev.id}"
    return "cpu"


def is_array(obj) -> bool:
    if isinstance(obj, numpy.ndarray):
        return True
    return type(obj).__module__.startswith("cupy") and hasattr(obj, "shape")


def to_numpy(array):
    """A host (numpy) array of ``array``, without a copy when it already is one."""
    if isinstance(array, numpy.ndarray):
        return array
    get = getattr(array, "get", None)  # cupy.ndarray.get() copies to host
    if get is not None:
        return get()
    return numpy.asarray(array)


def asarray(data, np_dtype=None, device: str = "cpu", copy: bool = False):
    """An array of ``device`` from host data (numpy array, nested lists, scalars)."""
    xp = array_module(device)
    if copy:
        return xp.array(data, dtype=np_dtype, copy=True)
    return xp.asarray(data, dtype=np_dtype)


def new_rng(seed, device: str = "cpu"):
    """A random generator of ``device`` (numpy.random.Generator on CPU)."""
    xp = array_module(device)
    return xp.random.default_rng(seed)
