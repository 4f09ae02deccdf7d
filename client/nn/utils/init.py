"""torch.nn.utils.init: skip_init."""
from __future__ import annotations

import inspect

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """``module_cls(*args, **kwargs)`` whose parameters' values are unspecified (torch leaves them as
    torch.empty leaves memory; gradwire's hold the class's own initialisation, which is one such value)."""
    from ..modules import Module  # noqa: PLC0415
    if not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs.setdefault("device", "cpu")
    return module_cls(*args, **kwargs)
