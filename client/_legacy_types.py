"""torch's legacy tensor types: ``torch.FloatTensor([1, 2])``, ``isinstance(t, torch.LongTensor)``,
``t.type()`` / ``t.type(torch.DoubleTensor)`` and ``torch.cuda.FloatTensor``; and ``torch.dtype``."""
from __future__ import annotations

import numpy as np

from .common import dtypes
from .common.dtypes import DType as dtype

__all__ = ["dtype", "tensortype", "LEGACY_TYPES", "CUDA_LEGACY_TYPES", "type_name", "parse_type"]

# torch.dtype is the class of torch.float32 ...; it prints as torch's
dtype.__module__, dtype.__name__, dtype.__qualname__ = "torch", "dtype", "dtype"

# the C++ element type names torch's TensorOptions error prints
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


class tensortype(type):
    """The class of ``torch.FloatTensor`` and its kin: ``isinstance`` asks for that dtype on that kind of device."""

    def __instancecheck__(cls, obj) -> bool:
        from .tensor import Tensor  # noqa: PLC0415
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and obj.is_cuda == cls.is_cuda

    def __repr__(cls) -> str:
        return f"<class '{cls.__module__}.{cls.__name__}'>"


tensortype.__module__ = "torch"


def _options(dt, device: str) -> str:
    return (f"TensorOptions(dtype={_C_NAMES[dt.name]}, device={device}, layout=Strided, requires_grad=false "
            "(default), pinned_memory=false (default), memory_format=(nullopt))")


def _new(cls, *args, device=None):
    """``torch.FloatTensor()``, ``(*sizes)``, ``(data)`` or ``(tensor)`` (that tensor, if its type matches)."""
    from . import empty, tensor, zeros  # noqa: PLC0415
    from .tensor import Tensor  # noqa: PLC0415
    device = device if device is not None else ("cuda" if cls.is_cuda else "cpu")
    if not args:
        return empty(0, dtype=cls.dtype, device=device)
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return zeros(*args, dtype=cls.dtype, device=device)  # (torch leaves the memory uninitialized)
    if len(args) == 1:
        data = args[0]
        if isinstance(data, Tensor):
            if data.dtype is not cls.dtype:
                raise TypeError(f"expected {_options(cls.dtype, 'cpu')} (got {_options(data.dtype, 'cpu')})")
            return data
        if isinstance(data, (list, tuple, np.ndarray)):
            return tensor(data, dtype=cls.dtype, device=device)
        raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    raise TypeError("new() received an invalid combination of arguments")


def _legacy(name: str, dt, cuda: bool) -> tensortype:
    return tensortype(name, (), {"dtype": dt, "is_cuda": cuda, "__new__": _new,
                                 "__module__": "torch.cuda" if cuda else "torch", "__doc__": f"{dt!r} tensors"})


_NAMES = {"Float": dtypes.float32, "Double": dtypes.float64, "Half": dtypes.float16, "Long": dtypes.int64,
          "Int": dtypes.int32, "Short": dtypes.int16, "Char": dtypes.int8, "Byte": dtypes.uint8, "Bool": dtypes.bool_}
LEGACY_TYPES = {f"{k}Tensor": _legacy(f"{k}Tensor", dt, False) for k, dt in _NAMES.items()}
CUDA_LEGACY_TYPES = {f"{k}Tensor": _legacy(f"{k}Tensor", dt, True) for k, dt in _NAMES.items()}


def type_name(t) -> str:
    """``t.type()``: "torch.FloatTensor", "torch.cuda.LongTensor" ..."""
    return f"torch.{'cuda.' if t.is_cuda else ''}{t.dtype._torch_name}Tensor"


def parse_type(spec):
    """What ``t.type(spec)`` converts to: (dtype, cuda or None to keep the device)."""
    if isinstance(spec, dtype):
        return spec, None
    if isinstance(spec, tensortype):
        return spec.dtype, spec.is_cuda
    if isinstance(spec, str):
        cuda = spec.startswith("torch.cuda.")
        name = spec[len("torch.cuda."):] if cuda else spec[len("torch."):] if spec.startswith("torch.") else None
        legacy = LEGACY_TYPES.get(name) if name is not None else None
        if legacy is not None:
            return legacy.dtype, cuda
        raise ValueError(f"invalid type: '{spec}'")
    raise TypeError(f"type() received an invalid combination of arguments - got ({type(spec).__name__})")
