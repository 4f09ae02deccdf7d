"""torch.cpu: the CPU device module (its amp.autocast is deprecated for torch.amp.autocast("cpu"))."""
from __future__ import annotations

from .amp import cpu_amp as amp  # noqa: F401

__all__ = ["is_available", "device_count", "current_device", "synchronize", "amp"]


def is_available() -> bool:
    return True


def device_count() -> int:
    return 1


def current_device() -> str:
    return "cpu"


def synchronize(device=None) -> None:
    """Nothing to wait for on the CPU (gradwire.synchronize waits for the server)."""
