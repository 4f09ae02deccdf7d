"""torch.accelerator: the device-generic API torch's tutorials pick their device with
(``torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"``).
The accelerator is the server's: its CUDA devices, when it has any."""
from __future__ import annotations

from . import cuda
from .tensor import device as _device

__all__ = ["current_accelerator", "current_device_index", "device_count", "device_index", "is_available",
           "set_device_index", "synchronize"]

_NONE = "Cannot access accelerator device when none is available."


def is_available() -> bool:
    return cuda.is_available()


def device_count() -> int:
    return cuda.device_count()


def current_accelerator(check_available: bool = False):
    """torch.device("cuda") on a server with a GPU; else None."""
    return _device("cuda") if is_available() else None


def _require() -> None:
    if not is_available():
        raise RuntimeError(_NONE)


def current_device_index() -> int:
    _require()
    return cuda.current_device()


current_device_idx = current_device_index


def set_device_index(device) -> None:
    _require()
    if cuda._index(device) != cuda.current_device():
        raise RuntimeError("gradwire's client uses the server's default device (gradwire-server --device)")


set_device_idx = set_device_index


class device_index:
    """A context manager on the accelerator's device index (the server's default device here)."""

    def __init__(self, device):
        self.device = device

    def __enter__(self):
        if self.device is not None:
            set_device_index(self.device)
        return self

    def __exit__(self, *exc):
        return False


def synchronize(device=None) -> None:
    _require()
    cuda.synchronize(device)
