"""gradwire.cuda: torch.cuda's questions, answered for the connected server's GPUs.

Users rent the server for its GPU, so ``is_available()`` and ``device_count()``
ask the server the default session is connected to (its ServerInfo, asked once
per session), not the client's machine. A server without CuPy or a GPU answers
like a CPU build of torch: not available, no devices.
"""
from __future__ import annotations

from gradwire.common.devices import device, device_str

from . import _dispatch
from .errors import OutOfMemoryError  # noqa: F401 - torch.cuda.OutOfMemoryError


def _cuda_devices() -> list:
    info = _dispatch.default_connection().server_info()
    return [d for d in info.device_info if d.name.startswith("cuda")]


def is_available() -> bool:
    return bool(_cuda_devices())


def device_count() -> int:
    return len(_cuda_devices())


def current_device() -> int:
    _check_available()
    default = _dispatch.default_connection().default_device
    return int(default[5:]) if default.startswith("cuda:") else 0


def _check_available() -> None:
    if not is_available():
        raise AssertionError("Torch not compiled with CUDA enabled")


def _index(dev) -> int:
    if dev is None:
        return current_device()
    if isinstance(dev, int) and not isinstance(dev, bool):
        return dev
    return int(device_str(dev)[5:])


def get_device_properties(dev=None):
    """The server's device: ``name`` ("cuda:N") and ``total_memory`` in bytes."""
    _check_available()
    i = _index(dev)
    devices = _cuda_devices()
    if not 0 <= i < len(devices):
        raise AssertionError("Invalid device id")
    return devices[i]


def mem_get_info(dev=None) -> tuple[int, int]:
    """(free, total) bytes of the server's device, as torch.cuda.mem_get_info."""
    _check_available()
    i = _index(dev)
    info = _dispatch.default_connection().server_info(refresh=True)  # today's figures
    d = next(d for d in info.device_info if d.name == f"cuda:{i}")
    return int(d.free_memory), int(d.total_memory)


def memory_allocated(dev=None) -> int:
    """Bytes of tensor memory this session holds on the device (torch counts the process's); 0 without
    devices, as a CPU build of torch answers."""
    if not is_available():
        return 0
    conn = _dispatch.default_connection()
    return int(conn.submit("cuda.memory_allocated", (f"cuda:{_index(dev)}",), want_value=True,
                           handle_of=_dispatch._handle_of).value)


def manual_seed(seed: int) -> None:
    """Seeds the session's generators (its CUDA generators are seeded with its CPU one)."""
    from ._creation import manual_seed as seed_all  # noqa: PLC0415
    seed_all(seed)


manual_seed_all = manual_seed


def synchronize(dev=None) -> None:
    """Wait until the server has run every command issued so far and its GPU has finished them."""
    _check_available()
    conn = _dispatch.default_connection()
    arg = None if dev is None else f"cuda:{_index(dev)}"
    conn.submit("cuda.synchronize", (arg,), handle_of=_dispatch._handle_of)
    conn.sync()


def is_initialized() -> bool:
    return is_available()


def init() -> None:
    _check_available()


def get_device_name(dev=None) -> str:
    """The server device's name ("cuda:N")."""
    return get_device_properties(dev).name


def empty_cache() -> None:
    """Nothing to release on the client: the server's CuPy pool keeps its blocks for the session's tensors."""


def _zero_without_devices(name: str):
    def query(dev=None) -> int:
        if not is_available():
            return 0
        raise NotImplementedError(f"gradwire: torch.cuda.{name} of the server's devices is not reported")
    query.__name__ = name
    return query


memory_reserved = _zero_without_devices("memory_reserved")
max_memory_allocated = _zero_without_devices("max_memory_allocated")
max_memory_reserved = _zero_without_devices("max_memory_reserved")


def memory_cached(dev=None) -> int:
    import warnings  # noqa: PLC0415
    warnings.warn("`torch.cuda.memory_cached` has been renamed to `torch.cuda.memory_reserved`", FutureWarning,
                  stacklevel=2)
    return memory_reserved(dev)


def memory_stats(dev=None) -> dict:
    from collections import OrderedDict  # noqa: PLC0415
    if not is_available():
        return OrderedDict()
    raise NotImplementedError("gradwire: torch.cuda.memory_stats of the server's devices is not reported")


def get_arch_list() -> list:
    return []


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return is_available()


def is_tf32_supported() -> bool:
    return False


def get_rng_state_all() -> list:
    return [get_rng_state(i) for i in range(device_count())]


def get_rng_state(dev="cuda"):
    _check_available()
    raise NotImplementedError("gradwire: a CUDA generator's state is CuPy's, which torch's cannot take")


def set_rng_state(new_state, dev="cuda") -> None:
    if is_available():
        raise NotImplementedError("gradwire: a CUDA generator's state is CuPy's, which torch's cannot take")


def set_rng_state_all(new_states) -> None:
    for i, state in enumerate(new_states):
        set_rng_state(state, i)


def seed() -> None:
    if is_available():
        from ._creation import seed as seed_all  # noqa: PLC0415
        seed_all()


seed_all = seed


def initial_seed() -> int:
    _check_available()
    from ._creation import initial_seed as initial  # noqa: PLC0415
    return initial()


def current_stream(dev=None):
    _check_available()
    raise NotImplementedError("gradwire: CUDA streams are the server's")


default_stream = current_stream


class Stream:
    def __new__(cls, *args, **kwargs):
        if not is_available():
            raise RuntimeError("torch.cuda.Stream requires CUDA support")
        raise NotImplementedError("gradwire: CUDA streams are the server's")


class Event:
    def __new__(cls, *args, **kwargs):
        if not is_available():
            raise RuntimeError("Tried to instantiate dummy base class Event")
        raise NotImplementedError("gradwire: CUDA events are the server's")


__all__ = ["is_available", "device_count", "current_device", "get_device_properties", "mem_get_info",
           "memory_allocated", "manual_seed", "manual_seed_all", "synchronize", "device", "OutOfMemoryError",
           "is_initialized", "init", "get_device_name", "empty_cache", "memory_reserved", "max_memory_allocated",
           "max_memory_reserved", "memory_cached", "memory_stats", "get_arch_list", "is_bf16_supported",
           "is_tf32_supported", "get_rng_state", "get_rng_state_all", "set_rng_state", "set_rng_state_all", "seed",
           "seed_all", "initial_seed", "current_stream", "default_stream", "Stream", "Event"]


def __getattr__(name):
    """torch.cuda.FloatTensor and its kin (client/_creation.py); torch.cuda.amp (client/amp.py)."""
    from ._creation import CUDA_LEGACY_TYPES  # noqa: PLC0415
    if name == "amp":
        from .amp import cuda_amp  # noqa: PLC0415
        return cuda_amp
    try:
        return CUDA_LEGACY_TYPES[name]
    except KeyError:
        raise AttributeError(f"module 'torch.cuda' has no attribute '{name}'") from None
