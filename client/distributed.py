"""torch.distributed: gradwire has no process groups (one client drives one server session), so
``is_available()`` is False and code that checks it takes its single-process path."""
from __future__ import annotations

__all__ = ["is_available", "is_initialized", "get_rank", "get_world_size", "init_process_group"]

_NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."


def is_available() -> bool:
    return False


def is_initialized() -> bool:
    return False


def get_rank(group=None) -> int:
    raise ValueError(_NOT_INITIALIZED)


def get_world_size(group=None) -> int:
    raise ValueError(_NOT_INITIALIZED)


def init_process_group(*args, **kwargs) -> None:
    raise RuntimeError("gradwire has no distributed backend: torch.distributed.is_available() is False")
