"""torch.return_types: the named tuples ops return (torch.return_types.max, linalg_slogdet ...), for
isinstance checks and annotations. Each class is made once, where its op is defined (tensor.return_type)."""
from __future__ import annotations

from .tensor import ALL_RETURN_TYPES


def __getattr__(name: str):
    cls = ALL_RETURN_TYPES.get(name)
    if cls is None:
        raise AttributeError(f"module 'torch.return_types' has no attribute '{name}'")
    return cls


def __dir__():
    return sorted(ALL_RETURN_TYPES)
