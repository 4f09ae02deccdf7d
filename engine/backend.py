"""The one place that maps a device to its array module.

Every op gets its array module from a tensor (``t.xp``) or from here; no op
module imports numpy for array math.  ``numpy`` serves "cpu"; ``cupy`` serves
"cuda:N" devices (imported lazily, only when asked for; ``pip install
'gradwire[cuda]'`` brings it).  Moving arrays between devices, device memory
and synchronization live here too, so nothing else names cupy.
"""
from __future__ import annotations

import contextlib
import re

import numpy

__all__ = ["array_module", "xp_of", "device_of", "to_numpy", "asarray", "new_rng", "is_array", "holds_memory",
           "quiet_float_errors", "normalize_device", "transfer", "scatter_add", "cuda_device_count",
           "cuda_available", "device_memory", "synchronize", "device_context", "CUDA_UNAVAILABLE", "cuda_event",
           "elapsed_us"]

from gradwire.common.devices import CUDA_UNAVAILABLE, bad_device_string
_DEVICE_RE = re.compile(r"(cpu|cuda)(?::(\d+))?")


def quiet_float_errors() -> None:
    """Like torch, don't warn about inf/nan results (log(0), overflow) in this thread's context.

    NumPy keeps its error state per context, so the server calls this on each
    thread that runs commands; a user's own NumPy warnings elsewhere stay on.
    """
    numpy.seterr(all="ignore")

_MODULES = {"cpu": numpy}


def _cupy():
    """The cupy module, or RuntimeError(CUDA_UNAVAILABLE) when it is missing or sees no GPU."""
    try:
        import cupy  # noqa: PLC0415 - optional dependency (gradwire[cuda])
    except ImportError:
        raise RuntimeError(CUDA_UNAVAILABLE) from None
    return cupy


def cuda_device_count() -> int:
    """How many CUDA devices this process sees (0 without CuPy or a GPU)."""
    try:
        cupy = _cupy()
        return int(cupy.cuda.runtime.getDeviceCount())
    except Exception:  # noqa: BLE001 - no CuPy, no driver, no GPU: all mean "none"
        return 0


def cuda_available() -> bool:
    return cuda_device_count() > 0


def normalize_device(device) -> str:
    """A tensor's device string from what a user may pass: "cpu", "cuda" (-> "cuda:0"), "cuda:1",
    a device object (anything whose str() is one of those), or None (-> "cpu")."""
    if device is None:
        return "cpu"
    name = device if type(device) is str else str(device)
    if name in _MODULES:
        return name
    m = _DEVICE_RE.fullmatch(name)
    if m is None:
        raise bad_device_string(name)
    if m.group(1) == "cpu":
        if m.group(2) not in (None, "0"):
            raise RuntimeError(f"CPU device index must be -1 or zero, got {m.group(2)}")
        return "cpu"
    return f"cuda:{int(m.group(2) or 0)}"


def array_module(device: str = "cpu"):
    """The array module (numpy / cupy) that holds arrays of ``device``."""
    try:
        return _MODULES[device]
    except KeyError:
        pass
    name = normalize_device(device)
    if name == "cpu":
        return numpy
    cupy = _cupy()
    count = cuda_device_count()
    if count == 0:
        raise RuntimeError(CUDA_UNAVAILABLE)
    if int(name[5:]) >= count:
        raise RuntimeError("CUDA error: invalid device ordinal")
    _MODULES[device] = _MODULES[name] = cupy
    return cupy


def _index(device: str) -> int:
    return int(device[5:]) if device.startswith("cuda:") else 0


def device_context(device: str):
    """A context in which new arrays of ``device`` are allocated on it (cupy.cuda.Device(N))."""
    if device == "cpu":
        return contextlib.nullcontext()
    return array_module(device).cuda.Device(_index(device))


def transfer(array, src: str, dst: str):
    """``array`` (of device ``src``) as an array of device ``dst``: a copy unless they are the same."""
    if src == dst:
        return array
    if dst == "cpu":
        return array_module(src).asnumpy(array)  # a host copy
    xp = array_module(dst)
    with device_context(dst):
        return xp.array(array, copy=True)


def scatter_add(xp, target, index, values) -> None:
    """``target[index] += values``, accumulating repeated indices (numpy.add.at / cupyx.scatter_add)."""
    if xp is numpy:
        numpy.add.at(target, index, values)
    else:
        import cupyx  # noqa: PLC0415 - ships with cupy
        cupyx.scatter_add(target, index, values)


def cuda_event(device: str):
    """A CUDA event recorded now on ``device``'s current stream (cupy.cuda.Event)."""
    cupy = array_module(device)
    with cupy.cuda.Device(_index(device)):
        ev = cupy.cuda.Event()
        ev.record()
    return ev


def elapsed_us(start, end) -> float:
    """Microseconds of GPU time between two recorded events (waits for ``end``)."""
    end.synchronize()
    return float(_cupy().cuda.get_elapsed_time(start, end)) * 1000.0


def device_memory(device: str) -> tuple[int, int]:
    """(free, total) bytes of a CUDA device."""
    cupy = array_module(device)
    free, total = cupy.cuda.Device(_index(device)).mem_info
    return int(free), int(total)


def synchronize(device: str | None = None) -> None:
    """Wait for every kernel queued on a CUDA device (all of them when ``device`` is None)."""
    if not cuda_available():
        return
    cupy = _cupy()
    devices = range(cuda_device_count()) if device is None else (_index(normalize_device(device)),)
    for i in devices:
        cupy.cuda.Device(i).synchronize()


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


def holds_memory(obj) -> bool:
    """An array of some device: anything with the array interface (numpy arrays and scalars) or the
    CUDA one (cupy arrays).  numpy arrays are told by type first: their ``__array_interface__`` is a
    dict built on each access."""
    return isinstance(obj, numpy.ndarray) or hasattr(obj, "__array_interface__") \
        or hasattr(obj, "__cuda_array_interface__")


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
    if xp is not numpy:
        with device_context(device):
            return xp.array(data, dtype=np_dtype, copy=True) if copy else xp.asarray(data, dtype=np_dtype)
    if copy:
        return xp.array(data, dtype=np_dtype, copy=True)
    return xp.asarray(data, dtype=np_dtype)


def new_rng(seed, device: str = "cpu"):
    """A random generator of ``device`` (numpy.random.Generator on CPU)."""
    xp = array_module(device)
    if xp is numpy:
        return xp.random.default_rng(seed)
    with device_context(device):
        return xp.random.default_rng(seed)
