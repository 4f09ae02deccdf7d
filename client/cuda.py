"""gradwire.cuda: what torch.cuda answers on a machine without CUDA (this server offers only "cpu")."""
from __future__ import annotations


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def manual_seed(seed: int) -> None:
    """Like torch on a CPU build: nothing to seed."""


def manual_seed_all(seed: int) -> None:
    """Like torch on a CPU build: nothing to seed."""


def synchronize(device=None) -> None:
    raise AssertionError("Torch not compiled with CUDA enabled")
