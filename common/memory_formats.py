"""torch.memory_format: the order of a tensor's elements in memory (torch.contiguous_format, torch.channels_last ...).

A format travels on the wire by its name; the engine lays an array out in that order (numpy strides), so
``stride()`` and ``is_contiguous(memory_format=...)`` answer as torch's do.
"""
from __future__ import annotations


class memory_format:  # noqa: N801 - torch's class name
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return (from_name, (self.name,))


memory_format.__module__ = "torch"

contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")
FORMATS = {f.name: f for f in (contiguous_format, channels_last, channels_last_3d, preserve_format)}

# The order of dimensions from the outermost in memory to the innermost, per format and rank.
_CHANNELS_LAST_ORDER = {"channels_last": (4, (0, 2, 3, 1)), "channels_last_3d": (5, (0, 2, 3, 4, 1))}


def from_name(name: str) -> memory_format:
    return FORMATS[name]


def name_of(fmt) -> str:
    """The format's name from a format, its name, or None (contiguous_format)."""
    if fmt is None:
        return "contiguous_format"
    name = fmt.name if isinstance(fmt, memory_format) else fmt
    if name not in FORMATS:
        raise TypeError(f"memory_format must be torch.memory_format, not {type(fmt).__name__}")
    return name


def dims_in_memory_order(name: str, ndim: int) -> tuple | None:
    """For a channels-last format, the dimensions from outermost to innermost in memory (torch's errors for a
    tensor of the wrong rank); None for the row-major formats."""
    rank_order = _CHANNELS_LAST_ORDER.get(name)
    if rank_order is None:
        return None
    rank, order = rank_order
    if ndim != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {name} format")
    return order


def is_dense_in_order(shape, strides, order) -> bool:
    """Whether strides lay the elements out densely with ``order[-1]`` innermost (size-1 dims may have any
    stride, as in torch's contiguity checks)."""
    expected = 1
    for d in reversed(order):
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True
