"""The dtypes gradwire knows, and PyTorch's type-promotion rules over them.

Shared by the client (which infers result dtypes without a round trip) and
the engine (which computes them), so both always agree.
"""
from __future__ import annotations

import threading

import numpy as np

__all__ = [
    "DType", "float16", "bfloat16", "float32", "float64", "complex64", "complex128", "uint8", "int8", "int16", "int32", "int64", "bool_",
    "DTYPES", "from_name", "from_numpy", "default_float", "promote_types",
    "result_type", "scalar_dtype",
]


class DType:
    """A tensor element type; prints as PyTorch's (``torch.float32``)."""

    __slots__ = ("name", "numpy", "itemsize", "rounds", "is_complex", "is_floating_point", "is_signed", "_category", "_torch_name")

    def __init__(self, name: str, numpy_dtype, category: int, torch_name: str, itemsize: int | None = None):
        self.name = name                      # wire name: "float32"
        self.numpy = np.dtype(numpy_dtype)    # array dtype on CPU and CUDA
        self.itemsize = itemsize or self.numpy.itemsize  # torch's element_size()
        self.is_floating_point = category == 2  # (3: complex)
        self.is_complex = category == 3
        self.is_signed = category != 0 and self.numpy.kind != "u"
        self._category = category             # 0 bool, 1 integer, 2 floating, 3 complex
        self._torch_name = torch_name         # name in error messages: "Float"
        self.rounds = False                   # its arrays are wider than it: every new value is rounded

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return (from_name, (self.name,))

    def to_real(self) -> "DType":
        """A complex dtype's real part's dtype (complex64 -> float32); itself for the others."""
        return _REAL_OF.get(self, self)

    def to_complex(self) -> "DType":
        """The complex dtype with this floating dtype's parts (float64 -> complex128)."""
        return _COMPLEX_OF.get(self, complex64) if self._category < 3 else self



DType.__module__, DType.__name__, DType.__qualname__ = "torch", "dtype", "dtype"  # type(torch.float32)

float16 = DType("float16", np.float16, 2, "Half")
# bfloat16 has no NumPy (or CuPy) dtype: its arrays are float32 arrays whose values are rounded to bfloat16
# (round_to_bfloat16) wherever an op makes new ones, as torch computes bfloat16 ops in float and rounds.
bfloat16 = DType("bfloat16", np.float32, 2, "BFloat16", itemsize=2)
bfloat16.rounds = True
float32 = DType("float32", np.float32, 2, "Float")
float64 = DType("float64", np.float64, 2, "Double")
uint8 = DType("uint8", np.uint8, 1, "Byte")
int8 = DType("int8", np.int8, 1, "Char")
int16 = DType("int16", np.int16, 1, "Short")
int32 = DType("int32", np.int32, 1, "Int")
int64 = DType("int64", np.int64, 1, "Long")
bool_ = DType("bool", np.bool_, 0, "Bool")

complex64 = DType("complex64", np.complex64, 3, "ComplexFloat")
complex128 = DType("complex128", np.complex128, 3, "ComplexDouble")
_REAL_OF = {complex64: float32, complex128: float64}
_COMPLEX_OF = {float64: complex128}

DTYPES = {d.name: d for d in (float16, bfloat16, float32, float64, uint8, int8, int16, int32, int64, bool_,
                              complex64, complex128)}
_BY_NUMPY = {d.numpy: d for d in DTYPES.values() if not d.rounds}
# PyTorch's aliases: torch.float is float32, torch.double float64, torch.long int64 ...
# (torch has no torch.byte or torch.char: only the methods Tensor.byte() and Tensor.char())
ALIASES = {"float": float32, "double": float64, "half": float16, "short": int16, "int": int32, "long": int64,
           "cfloat": complex64, "cdouble": complex128}


def from_name(name: str) -> DType:
    try:
        return DTYPES[name] if name in DTYPES else ALIASES[name]
    except KeyError:
        raise TypeError(f"unknown dtype {name!r}") from None


def from_numpy(np_dtype) -> DType:
    """The DType of a NumPy dtype, with PyTorch's error for unsupported ones."""
    np_dtype = np.dtype(np_dtype)
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        if np_dtype.kind in "iu":   # uint16/32/64: widen to int64 like torch.tensor(list)
            return int64
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np_dtype.type.__name__}. The only supported types are: "
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint64, uint32, uint16, "
            "uint8, and bool."
        ) from None


_default_float = float32   # the process's (torch.set_default_dtype in the client)


class _ThreadDefault(threading.local):
    dtype = None   # while a server thread runs a session's commands: that session's default


_thread_default = _ThreadDefault()


def default_float() -> DType:
    """The dtype of float tensors made without one (torch.get_default_dtype)."""
    d = _thread_default.dtype
    return _default_float if d is None else d


def check_default_float(dtype: DType) -> DType:
    if not isinstance(dtype, DType) or not dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    return dtype


def set_default_float(dtype: DType) -> None:
    """The process's default (the client's torch.set_default_dtype)."""
    global _default_float
    _default_float = check_default_float(dtype)


def swap_thread_default_float(dtype: DType | None) -> DType | None:
    """Makes ``dtype`` this thread's default (None: the process's); returns the one it replaces."""
    previous = _thread_default.dtype
    _thread_default.dtype = dtype
    return previous


def scalar_dtype(value) -> DType:
    """The dtype PyTorch gives a Python scalar: bool, int64, or the default float."""
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, (int, np.integer)):
        return int64
    if isinstance(value, (complex, np.complexfloating)):
        return default_float().to_complex()
    return default_float()


# torch's C++ names of the element types, as its dtype errors print them ("expected dtype long int")
CPP_NAMES = {"complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
             "float16": "c10::Half", "bfloat16": "c10::BFloat16", "float32": "float", "float64": "double", "uint8": "unsigned char",
             "int8": "signed char", "int16": "short int", "int32": "int", "int64": "long int", "bool": "bool"}


# ... and as its overflow errors do
_C_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t"}
_INT_RANGES = {name: (int(np.iinfo(name).min), int(np.iinfo(name).max)) for name in _C_NAMES}


def wrap_int(dtype: DType, value: int) -> int:
    """``value`` modulo 2**bits in ``dtype``'s range: what torch's kernels make of a Python int operand
    beyond a small integer type (``uint8_tensor + 300`` adds 44)."""
    bits = dtype.itemsize * 8
    value &= (1 << bits) - 1
    return value - (1 << bits) if dtype.is_signed and value >> (bits - 1) else value


def checked_scalar(dtype: DType, value, c_name: bool = True):
    """A fill value (full, fill_, masked_fill, clamp, ...) for an integer ``dtype``, with torch's error
    when it overflows; an unsigned type also takes ints down to -max, which wrap (-1 -> 255).
    ``c_name``: the error names the C type (uint8_t), as ops do; torch.tensor names the dtype (uint8)."""
    if dtype._category != 1 or isinstance(value, bool):
        return value
    lo, hi = _INT_RANGES[dtype.name]
    if isinstance(value, (int, np.integer)):
        ok = (lo <= value <= hi) if dtype.is_signed else (-hi <= value <= hi)
    else:
        ok = lo <= value <= hi   # False for nan
    if not ok:
        name = _C_NAMES[dtype.name] if c_name else dtype.name
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")
    return wrap_int(dtype, int(value)) if isinstance(value, (int, np.integer)) else value


def check_fits(array, dtype: DType) -> None:
    """torch.tensor(data, dtype=<integer type>)'s check of the numbers in ``data`` (an array of them):
    the same rule as ``checked_scalar``, for a whole array."""
    if dtype._category != 1 or array.size == 0 or array.dtype.kind not in "iuf":
        return
    lo, hi = _INT_RANGES[dtype.name]
    if not dtype.is_signed and array.dtype.kind != "f":
        lo = -hi
    if not (lo <= array.min() and array.max() <= hi):   # False for nan
        raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")


def element_dtype(data) -> DType:
    """torch.tensor's dtype for nested lists/tuples: the elements' dtypes promoted together, where a Python
    number counts as int64, the default float or bool, and a tensor or numpy scalar as its own type."""
    out = None
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
            continue
        dt = getattr(x, "dtype", None)
        if isinstance(dt, DType):
            d = dt
        elif dt is not None:   # a numpy (or cupy) scalar
            d = from_numpy(dt)
        elif isinstance(x, (bool, int, float, complex)):
            d = scalar_dtype(x)
        elif isinstance(x, str):
            raise TypeError("new(): invalid data type 'str'")
        else:
            raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")
        out = d if out is None else promote_types(out, d)
    return default_float() if out is None else out   # torch.tensor([]) is float


def promote_types(a: DType, b: DType) -> DType:
    """torch.promote_types over our dtypes: the wider of the higher category; uint8 with a signed
    integer type needs one that holds both (int8 -> int16)."""
    if a is b:
        return a
    if a._category != b._category:
        if a.is_complex or b.is_complex:  # complex with float64 is complex128: both parts must fit
            c, other = (a, b) if a.is_complex else (b, a)
            return complex128 if c is complex128 or other is float64 else c
        return a if a._category > b._category else b
    if a is uint8 or b is uint8:
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    if a.itemsize == b.itemsize and a.is_floating_point:  # float16 with bfloat16: neither holds the other
        return float32
    return a if a.itemsize >= b.itemsize else b


def _combine_categories(higher: DType | None, lower: DType | None) -> DType | None:
    # The rule of at::native::result_type: a lower-priority operand (0-dim
    # tensor, Python scalar) only changes the result when its category is higher.
    if higher is None:
        return lower
    if lower is None or lower._category <= higher._category:
        return higher
    return promote_types(higher, lower)


def result_type(*operands) -> DType:
    """torch.result_type over operands given as (dtype, ndim) pairs or Python scalars.

    Tensors with dimensions outrank 0-dim tensors, which outrank Python scalars.
    """
    if len(operands) == 2:  # the hot cases: a floating tensor with a Python float or a like tensor
        a, b = operands
        if type(a) is tuple and a[0].is_floating_point and (type(b) is float or (type(b) is tuple and b[0] is a[0])):
            return a[0]
    dim_result = zero_result = scalar_result = None
    for op in operands:
        if isinstance(op, tuple):
            dtype, ndim = op
            if ndim > 0:
                dim_result = dtype if dim_result is None else promote_types(dim_result, dtype)
            else:
                zero_result = dtype if zero_result is None else promote_types(zero_result, dtype)
        else:
            d = scalar_dtype(op)
            scalar_result = d if scalar_result is None else promote_types(scalar_result, d)
    out = _combine_categories(dim_result, _combine_categories(zero_result, scalar_result))
    assert out is not None, "result_type needs at least one operand"
    return out


def matmul_dtype_message(a: DType, a_ndim: int, b: DType, b_ndim: int) -> str:
    """torch's error text for matmul of two dtypes that differ (it depends on the kernel chosen)."""
    if b_ndim == 1:
        if a_ndim == 1:
            return f"dot : expected both vectors to have same dtype, but found {a._torch_name} and {b._torch_name}"
        return (f"addmv input tensors must have the same dtype, but got {b._torch_name}, {a._torch_name}, and "
                f"{b._torch_name}")
    if b_ndim == 2:
        return f"expected m1 and m2 to have the same dtype, but got: {CPP_NAMES[a.name]} != {CPP_NAMES[b.name]}"
    return f"expected scalar type {a._torch_name} but found {b._torch_name}"


def all_any_result(dtype: DType) -> DType:
    """The dtype of all()/any() over ``dtype``: bool, but uint8 for uint8 (torch's pre-bool legacy)."""
    return uint8 if dtype is uint8 else bool_


def float_result(dtype: DType) -> DType:
    """The dtype of a floating-point op (exp, log, true division) on ``dtype``."""
    return dtype if dtype.is_floating_point or dtype.is_complex else default_float()


class layout:
    """torch.layout: every gradwire tensor is strided."""

    def __init__(self, name: str):
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"


strided = layout("strided")


_DEFAULT = object()  # finfo(): the default float (finfo(None) is an error)


def _info_type(fn: str, dtype) -> DType:
    check_dtype_args(fn, type=dtype)
    return dtype


class finfo:
    """torch.finfo: the limits of a floating dtype (the default float when called without one)."""

    def __init__(self, type=_DEFAULT):
        dtype = _info_type("finfo", type) if type is not _DEFAULT else default_float()
        if not dtype.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        self.dtype = dtype.name
        if dtype is bfloat16:  # float32's exponent range, 8 bits of significand
            self.bits, self.eps, self.max = 16, 2.0 ** -7, float.fromhex("0x1.fep127")
            self.min, self.tiny, self.resolution = -self.max, 2.0 ** -126, 0.01
            self.smallest_normal = self.tiny
            return
        info = np.finfo(dtype.numpy)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = 10.0 ** -int(info.precision)  # torch's: a power of ten as a Python float

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """torch.iinfo: the limits of an integer dtype."""

    def __init__(self, type: DType):
        dtype = _info_type("iinfo", type)
        if dtype is bool_:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if dtype.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            "'torch.iinfo'")
        info = np.iinfo(dtype.numpy)
        self.dtype = dtype.name
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


# torch takes Python's number types where it takes a dtype: float -> float64, int -> int64, bool -> bool
PY_TYPES = {float: float64, int: int64, bool: bool_, complex: complex128}


def as_dtype(value, fn: str = "", arg: str = "dtype"):
    """A ``dtype=`` argument as a DType: a DType or None as is, Python's float/int/bool as torch reads them;
    anything else (but a wire name, which the server reads) is torch's TypeError."""
    if value is None or isinstance(value, DType):
        return value
    if type(value) is type and value in PY_TYPES:
        return PY_TYPES[value]
    if isinstance(value, str) and value in DTYPES:
        return value
    raise TypeError(f"{fn}(): argument '{arg}' must be torch.dtype, not {type(value).__name__}")


def check_dtype_args(fn: str, **args) -> None:
    """torch's TypeError for arguments (in order) that are not dtypes."""
    for pos, (name, value) in enumerate(args.items(), 1):
        if not isinstance(value, DType):
            raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be torch.dtype, not "
                            f"{type(value).__name__}")


def can_cast(from_: DType, to: DType) -> bool:
    """torch.can_cast: casting may not lower the category (float -> int, int -> bool)."""
    check_dtype_args("can_cast", from_=from_, to=to)
    return from_._category <= to._category


def round_to_bfloat16(xp, array):
    """A float32 array's values rounded to bfloat16 (to nearest, ties to even; NaN stays NaN), as float32.
    ``array`` may be any float array (it is cast to float32 first); the result is new memory."""
    a = xp.asarray(array, dtype=xp.float32)
    bits = a.view(xp.uint32)
    rounded = ((bits + (((bits >> 16) & 1) + 0x7FFF)) & 0xFFFF0000).astype(xp.uint32).view(xp.float32)
    return xp.where(xp.isnan(a), a, rounded)
