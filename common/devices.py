"""torch.device, and how ``Tensor.to(...)`` reads its arguments: shared by the client and the engine.

Tensors carry their device as a string ("cpu", "cuda:0"); ``device`` is the
user-facing object (``device(type='cuda', index=0)``) that compares equal to
those strings.
"""
from __future__ import annotations

import re

from . import dtypes

__all__ = ["device", "device_str", "parse_to", "CUDA_UNAVAILABLE"]

# What a cuda request answers where the server has no CuPy or no GPU.
CUDA_UNAVAILABLE = ("CUDA is not available on this gradwire server: install gradwire[cuda] (CuPy) and run it "
                    "on a machine with an NVIDIA GPU")

_TYPES = ("cpu", "cuda")
# torch's device types, in the order its error lists them (gradwire serves cpu and cuda)
TORCH_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
                      "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


def bad_device_string(text: str) -> RuntimeError:
    """torch's error for a device string it cannot read: an unknown type (its types listed), or a known
    type with a malformed index ('cuda:x'); a torch type gradwire does not serve: gradwire's own list."""
    if not text:
        return RuntimeError("Device string must not be empty")
    kind = re.match(r"[a-z_]*", text).group(0)
    if kind in TORCH_DEVICE_TYPES and kind not in _TYPES:
        return RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {text}")
    if kind in TORCH_DEVICE_TYPES:
        return RuntimeError(f"Invalid device string: '{text}'")
    return RuntimeError(f"Expected one of {', '.join(TORCH_DEVICE_TYPES)} device type at start of device string: "
                        f"{text}")
_NAME_RE = re.compile(r"([a-z]+)(?::(-?\d+))?")


class device:
    """torch.device: ``device('cuda:1')``, ``device('cuda', 0)``, ``device('cpu')``, ``device(0)``."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index: int | None = None):  # noqa: A002 - torch's name
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        elif not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({_type_name(type)})")
        m = _NAME_RE.fullmatch(type)
        if m is None or m.group(1) not in _TYPES:
            raise bad_device_string(type)
        if m.group(2) is not None:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed "
                                   f"explicitly: {type}")
            index = int(m.group(2))
            if index < 0:
                raise RuntimeError(f"Invalid device string: '{type}'")
        if index is not None:
            if index < 0:
                raise RuntimeError(f"Device index must not be negative")
            if m.group(1) == "cpu" and index != 0:
                raise RuntimeError(f"CPU device index must be -1 or zero, got {index}")
        self.type = m.group(1)
        self.index = index

    def __repr__(self) -> str:
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


def _type_name(x) -> str:
    return type(x).__name__


def device_str(d) -> str:
    """A tensor's device string for a user's device argument: "cpu", "cuda" -> "cuda:0", "cuda:1"."""
    d = d if isinstance(d, device) else device(d)
    if d.type == "cpu":
        return "cpu"
    return f"cuda:{d.index or 0}"


def _is_device(x) -> bool:
    return isinstance(x, (str, device)) or (isinstance(x, int) and not isinstance(x, bool))


def parse_to(args, kwargs, tensor_attrs):
    """Tensor.to's three forms -> (device string or None, dtype or None, copy).

    ``to(dtype)``, ``to(device=None, dtype=None)``, ``to(other)``, each with
    ``non_blocking`` and ``copy`` (positional after the dtype, or keywords).
    ``tensor_attrs(x)`` gives (device string, dtype) when ``x`` is a tensor, else None.
    """
    kwargs = dict(kwargs)
    dev = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    copy = bool(kwargs.pop("copy", False))
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() received an invalid combination of arguments - got unexpected keyword "
                        f"{next(iter(kwargs))!r}")
    rest = list(args)
    if rest:
        first = rest.pop(0)
        attrs = tensor_attrs(first)
        if attrs is not None:
            dev, dtype = attrs
        elif isinstance(first, dtypes.DType):
            dtype = first
        elif first in dtypes.PY_TYPES and type(first) is type:  # Python's float, int, bool
            dtype = dtypes.PY_TYPES[first]
        elif isinstance(first, str) and first in dtypes.DTYPES:  # a dtype by wire name
            dtype = dtypes.from_name(first)
        elif first is None or _is_device(first):
            dev = first
            if rest and (rest[0] is None or isinstance(rest[0], dtypes.DType) or (
                    type(rest[0]) is type and rest[0] in dtypes.PY_TYPES)):
                dtype = rest.pop(0)
        else:
            raise TypeError(f"to() received an invalid combination of arguments - got ({_type_name(first)}, ...)")
        # then non_blocking, copy
        if len(rest) > 2:
            raise TypeError("to() received an invalid combination of arguments - too many positional arguments")
        if len(rest) == 2:
            copy = bool(rest[1])
    if dtype is not None and not isinstance(dtype, dtypes.DType):
        if type(dtype) is type and dtype in dtypes.PY_TYPES:
            dtype = dtypes.PY_TYPES[dtype]
        elif isinstance(dtype, str):
            dtype = dtypes.from_name(dtype)
        else:
            raise TypeError(f"to() received an invalid combination of arguments - got dtype of type "
                            f"{_type_name(dtype)}")
    return (None if dev is None else device_str(dev)), dtype, copy
