"""Creation functions: tensor, from_numpy, zeros, ones, *_like, randn; random generators (Generator,
manual_seed, default_generator)."""
from __future__ import annotations

import numbers
import operator
import warnings
from collections.abc import Sequence

import numpy as np

from gradwire.common import devices, dtypes, shapes, wire
from gradwire.common.devices import device_str
from gradwire.common.rng import check_seed, from_wire, to_wire

from . import _dispatch, _numpy_bridge
from ._dispatch import Tensor, call, default_connection


def _type_name(x) -> str:
    t = type(x)
    return f"numpy.{t.__name__}" if t.__module__ == "numpy" else t.__name__


def _size(size: tuple, op: str) -> tuple:
    """A creation op's ``*size`` as torch reads it: ints given one by one, or one sequence of them (an
    integer 0-d tensor or NumPy integer counts as an int), with torch's errors."""
    if len(size) == 1 and not isinstance(size[0], numbers.Integral):
        seq = size[0]
        if isinstance(seq, Tensor) and not seq._shape and not seq._dtype.is_floating_point:
            seq = (seq,)
        if not isinstance(seq, (tuple, list)):
            raise TypeError(f"{op}(): argument 'size' (position 1) must be tuple of ints, not {_type_name(seq)}")
        for i, s in enumerate(seq):
            if isinstance(s, (bool, Tensor)) and not (isinstance(s, Tensor) and not s.dtype.is_floating_point):
                raise TypeError(f"{op}(): argument 'size' (position 1) must be tuple of ints, but found element "
                                f"of type {_type_name(s)} at pos {i}")
        size = tuple(seq)
    elif len(size) > 1 and isinstance(size[0], (tuple, list)):
        raise TypeError(f"{op}() takes 1 positional argument but {len(size)} were given")
    elif len(size) == 1 and isinstance(size[0], bool):
        raise TypeError(f"{op}(): argument 'size' (position 1) must be tuple of ints, not bool")
    out = []
    for i, s in enumerate(size):
        try:
            s = operator.index(s)
        except TypeError:
            raise TypeError(f"{op}(): argument 'size' failed to unpack the object at pos {i + 1} with error "
                            f"\"type must be tuple of ints,but got {_type_name(s)}\"") from None
        out.append(s)
    if any(s < 0 for s in out):
        if op == "zeros":
            raise RuntimeError("zeros: Dimension size must be non-negative.")
        s = next(s for s in out if s < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {out}")
    return tuple(out)


def _first_leaf(data):
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return data


def _listify(data):
    """Nested sequences that are not lists or tuples (``range``) as lists, as torch reads any sequence."""
    if isinstance(data, (list, tuple)):
        if any(isinstance(x, (list, tuple, range)) or (isinstance(x, Sequence) and not isinstance(x, str))
               for x in data):
            return [_listify(x) for x in data]
        return data
    if isinstance(data, Sequence) and not isinstance(data, str):
        return [_listify(x) for x in data]
    return data


def _to_array(data, dtype: dtypes.DType | None) -> np.ndarray:
    """``data`` as an array of the dtype torch.tensor would give it."""
    if isinstance(data, Tensor):
        data = data.detach().numpy(force=True)
    if isinstance(data, np.ndarray) or isinstance(data, np.generic):
        array = np.asarray(data)
        inferred = dtypes.from_numpy(array.dtype)
    elif hasattr(data, "__array__") and not isinstance(data, (list, tuple)):
        return _to_array(np.asarray(data), dtype)
    else:
        if isinstance(data, str) or not isinstance(data, (list, tuple, bool, int, float, complex, Sequence)):
            dtypes.element_dtype(data)  # torch's error
        if not isinstance(data, (list, tuple, bool, int, float, complex)):
            data = list(data)  # range & other sequences
        first = _first_leaf(data)
        if isinstance(first, str) and first is not data:
            raise ValueError("too many dimensions 'str'")  # torch reads a string as one more dimension
        try:
            array = np.asarray(data)
        except (ValueError, TypeError, OverflowError):
            array = None
        if (array is None or array.dtype.kind not in "fbi" or type(first) not in (bool, int, float)
                or (array.dtype.kind == "f" and type(first) is not float)):  # (ints too large for int64?)
            # torch's own reading: its errors, and the dtypes of tensors and NumPy scalars among the elements
            data = _listify(data)
            first = _first_leaf(data)
            inferred = dtypes.element_dtype(data)
            shapes.check_nested(data, (dtype or inferred).is_floating_point or (dtype or inferred).is_complex)
            if array is None or array.dtype == object:
                array = np.asarray(data, dtype=inferred.numpy)
        elif array.dtype.kind == "f":  # Python floats take the default dtype
            inferred = dtypes.default_float()
        else:
            inferred = dtypes.bool_ if array.dtype.kind == "b" else dtypes.int64
        if dtype is not None:
            dtypes.check_fits(array, dtype)
    dtype = dtype or inferred
    return np.asarray(array, dtype=dtype.numpy, order="C"), dtype


def _device_kw(kwargs: dict, device, like=None) -> dict:
    """Adds ``device=`` to a creation op's kwargs where the tensor is not to be on the CPU: the
    given device, else (without ``like``) the session's default (gradwire-server --device)."""
    if device is not None:
        dev = device_str(device)
    elif like is not None:
        return kwargs
    else:
        dev = default_connection().default_device
    if dev != "cpu" or like is not None:
        kwargs["device"] = dev
    return kwargs


def _check_can_require_grad(dtype: dtypes.DType) -> None:
    if not dtype.is_floating_point and not dtype.is_complex:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")


def _new_leaf(array: np.ndarray, dtype: dtypes.DType, requires_grad: bool, device=None) -> Tensor:
    if requires_grad:
        _check_can_require_grad(dtype)
    kwargs = _device_kw({}, device)
    if array.nbytes <= wire.INLINE_MAX_BYTES:
        return call("tensor", array, dtype=dtype, requires_grad=requires_grad, **kwargs)
    conn = default_connection()
    dev = kwargs.get("device")
    t = Tensor._make(conn, conn.new_handle(), array.shape, dtype, requires_grad and dev is None, None)
    conn.upload(t._id, array, dtype.name, requires_grad and dev is None)
    if dev is not None:  # bytes travel to the server's host memory, then to the device: one copy there
        t = t._to(dev, None)
        if requires_grad:
            t.requires_grad_(True)
    return t


def tensor(data, dtype=None, device=None, requires_grad=False, *, _source="torch.tensor") -> Tensor:
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                      f"sourceTensor.detach().clone().requires_grad_(True), rather than {_source}(sourceTensor).",
                      UserWarning, stacklevel=2 if _source == "torch.tensor" else 3)
    if dtype is not None and not isinstance(dtype, dtypes.DType):
        dtype = dtypes.as_dtype(dtype, "tensor")
    array, dtype = _to_array(data, dtype)
    return _new_leaf(array, dtype, requires_grad, device)


def from_numpy(array: np.ndarray) -> Tensor:
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtype = dtypes.from_numpy(array.dtype)
    t = _new_leaf(array, dtype, False, "cpu")
    _numpy_bridge.shared_source(t, array)
    return t


# ----- legacy constructors: torch.Tensor(...), torch.FloatTensor(...), x.new(...), x.type(...) --------

def _tensor_options(dtype) -> str:
    return (f"TensorOptions(dtype={dtypes.CPP_NAMES[dtype.name]}, device=cpu, layout=Strided, requires_grad=false "
            "(default), pinned_memory=false (default), memory_format=(nullopt))")


def legacy_new(dtype: dtypes.DType | None, args: tuple, kwargs: dict) -> Tensor:
    """``torch.Tensor(...)`` (``dtype`` None: the default float, and a tensor of any dtype is taken as is),
    ``torch.FloatTensor(...)`` & co and ``x.new(...)``: sizes make an uninitialised tensor, a sequence
    makes one of its values, a tensor of the dtype is returned as a view of it."""
    device = kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"new() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if len(args) == 1 and isinstance(args[0], Tensor):
        src = args[0]
        if dtype is not None and src._dtype is not dtype:
            raise TypeError(f"expected {_tensor_options(dtype)} (got {_tensor_options(src._dtype)})")
        return src.view(src.shape)  # the same memory
    dtype = dtype or dtypes.default_float()
    if len(args) == 1 and not isinstance(args[0], numbers.Integral):
        data = args[0]
        if isinstance(data, shapes.Size):
            args = tuple(data)
        elif isinstance(data, str):
            raise TypeError("new(): invalid data type 'str'")
        elif not isinstance(data, (list, tuple, np.ndarray)):
            raise TypeError(f"new(): data must be a sequence (got {_type_name(data)})")
        else:
            return tensor(data, dtype=dtype, device=device)
    return empty(*args, dtype=dtype, device=device) if args else empty(0, dtype=dtype, device=device)


class _LegacyTensorType(type):
    """torch.FloatTensor & co (and torch.cuda.FloatTensor & co): calling one is the legacy constructor in its
    dtype (on its device); ``isinstance`` asks for a tensor of that dtype on that kind of device."""

    def __call__(cls, *args, **kwargs):
        if cls.is_cuda:
            kwargs.setdefault("device", "cuda")
        return legacy_new(cls.dtype, args, kwargs)

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj._dtype is cls.dtype and (obj._device != "cpu") == cls.is_cuda


_LegacyTensorType.__module__, _LegacyTensorType.__name__, _LegacyTensorType.__qualname__ = (
    "torch", "tensortype", "tensortype")  # type(torch.FloatTensor) prints as torch's


def _legacy_types(module: str, cuda: bool) -> dict:
    return {f"{d._torch_name}Tensor": _LegacyTensorType(f"{d._torch_name}Tensor", (), {
        "dtype": d, "__module__": module, "is_sparse": False, "is_cuda": cuda}) for d in dtypes.DTYPES.values()}


LEGACY_TYPES = _legacy_types("torch", False)
CUDA_LEGACY_TYPES = _legacy_types("torch.cuda", True)   # torch.cuda.FloatTensor ... (client/cuda.py)


def set_default_tensor_type(t) -> None:
    """Deprecated in torch (it warns once): the default float dtype from a legacy tensor type (or its name)."""
    from .tensor import warn_once  # noqa: PLC0415
    warn_once("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use torch.set_default_dtype() "
              "and torch.set_default_device() as alternatives. (Triggered internally at "
              "/__w/pytorch/pytorch/torch/csrc/tensor/python_tensor.cpp:434.)")
    if isinstance(t, dtypes.DType):
        raise TypeError("invalid type object: only floating-point types are supported as the default type")
    dtype, _ = legacy_type(t)
    if not dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    from . import set_default_dtype  # noqa: PLC0415
    set_default_dtype(dtype)


def legacy_type(t) -> tuple:
    """What ``x.type(t)`` converts to: (dtype, device or None)."""
    if isinstance(t, dtypes.DType):
        return t, None
    if isinstance(t, _LegacyTensorType):
        return t.dtype, "cuda" if t.is_cuda else None
    name = t if isinstance(t, str) else getattr(t, "__name__", repr(t))
    module, _, base = name.rpartition(".")
    if module in ("torch", "torch.cuda") and base in LEGACY_TYPES:
        return LEGACY_TYPES[base].dtype, "cuda" if module == "torch.cuda" else None
    raise ValueError(f"invalid type: '{name}'")


# ----- random generators --------------------------------------------------------------------------

class Generator:
    """torch.Generator: a random stream of its own (seeded like torch's), held by the session on the
    server; pass it as ``generator=`` to randn, randperm, normal_, DataLoader ..."""

    def __init__(self, device="cpu"):
        self._device = device_str(device)
        self._remote = _dispatch.new_object("generator.new", self._device)

    @property
    def device(self) -> devices.device:
        return devices.device(self._device)

    def _submit(self, op: str, *args, wait: bool = False):
        remote = self._remote
        conn = remote._conn if remote is not None else default_connection()
        return conn.submit(op, (remote, *args), want_value=wait, handle_of=_dispatch._handle_of)

    def manual_seed(self, seed) -> "Generator":
        self._submit("generator.manual_seed", to_wire(check_seed(seed)))  # torch's errors at the call site
        return self

    def seed(self) -> int:
        """Re-seeds from fresh entropy; returns the new seed (a value read: a round trip)."""
        return from_wire(self._submit("generator.seed", wait=True).value)

    def initial_seed(self) -> int:
        return from_wire(self._submit("generator.initial_seed", wait=True).value)

    def get_state(self) -> Tensor:
        """The state as a uint8 tensor (gradwire's own layout, not torch's bytes)."""
        return call("generator.get_state", self._remote)

    def set_state(self, new_state) -> "Generator":
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype is not dtypes.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        self._submit("generator.set_state", new_state, wait=True)  # a state of the wrong size raises here
        return self

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {hex(id(self))}>"


Generator.__module__, Generator.__qualname__ = "torch._C", "Generator"  # torch's repr of the type


# torch.default_generator: the session's own generator, which commands name as None
default_generator = Generator.__new__(Generator)
default_generator._device, default_generator._remote = "cpu", None


def _generator_kw(kwargs: dict, generator) -> dict:
    """Adds ``generator=`` to a random op's kwargs (the session's own generator goes unnamed)."""
    if generator is not None:
        if not isinstance(generator, Generator):
            raise TypeError(f"expected a torch.Generator as argument 'generator', but got {type(generator).__name__}")
        if generator._remote is not None:
            kwargs["generator"] = generator._remote
    return kwargs


def manual_seed(seed) -> Generator:
    """Seeds the session's generators (its CUDA ones too); returns torch.default_generator."""
    seed = to_wire(check_seed(int(seed)))
    default_connection().submit("manual_seed", (seed,), handle_of=_dispatch._handle_of)
    return default_generator


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """0/1 draws with the probabilities in ``input`` (BernoulliBackward0), or ``p`` (a number) everywhere."""
    if p is not None:
        return empty_like(input).bernoulli_(p, generator=generator)
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for '{input._dtype._torch_name}'")
    return call("bernoulli", input, **_generator_kw({}, generator))


def bernoulli_(input: Tensor, p=0.5, *, generator=None) -> Tensor:
    if not isinstance(p, Tensor) and not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return call("bernoulli_", input, p, **_generator_kw({}, generator))


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """Indices drawn from the categorical distribution(s) given by the rows of ``input``."""
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and input._shape and num_samples > input._shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    return call("multinomial", input, num_samples, replacement, **_generator_kw({}, generator))


# ----- creation ops --------------------------------------------------------------------------------

def _check_random(op: str, random: bool, generator) -> None:
    if generator is not None and not random:
        raise TypeError(f"{op}() got an unexpected keyword argument 'generator'")


def _size_kwarg(op: str, size: tuple, kwargs: dict) -> tuple:
    """``zeros(size=(2, 3))``: the size given by name."""
    if set(kwargs) != {"size"}:
        raise TypeError(f"{op}() got an unexpected keyword argument '{next(k for k in kwargs if k != 'size')}'")
    if size:
        raise TypeError(f"{op}() got multiple values for argument 'size'")
    return (kwargs["size"],)


def _laid_out(make, requires_grad, memory_format):
    """``make(requires_grad)``, in ``memory_format`` when one other than the default is asked (laid out before
    it requires grad, so that it stays a leaf)."""
    if memory_format is None or memory_format.name in ("preserve_format", "contiguous_format"):
        out = make(requires_grad)
        return out if memory_format is None or memory_format.name == "preserve_format" else out.contiguous()
    out = make(False).contiguous(memory_format=memory_format)
    return out.requires_grad_() if requires_grad else out


def _creation(op, random: bool = False):
    def create(*size, generator=None, dtype=None, device=None, requires_grad=False, _op=op, memory_format=None,
               **kwargs) -> Tensor:
        if kwargs:
            size = _size_kwarg(op, size, kwargs)
        elif not size and not random:
            raise TypeError(f'{_op}() missing 1 required positional arguments: "size"')
        _check_random(op, random, generator)
        dtype = dtypes.as_dtype(dtype, _op) or dtypes.default_float()
        if requires_grad:
            _check_can_require_grad(dtype)
        if memory_format is not None:   # (torch.empty's)
            return _laid_out(lambda rg: create(*size, generator=generator, dtype=dtype, device=device,
                                               requires_grad=rg, _op=_op), requires_grad, memory_format)
        kwargs = _generator_kw({"dtype": dtype, "requires_grad": requires_grad}, generator)
        return call(op, _size(size, _op), **_device_kw(kwargs, device))
    create.__name__ = create.__qualname__ = op  # (Python's TypeErrors name the function)
    gen = "generator=None, " if random else ""
    create.__doc__ = f"torch.{op}(*size, {gen}dtype=None, device=None, requires_grad=False)"
    return create


zeros = _creation("zeros")
ones = _creation("ones")
randn = _creation("randn", random=True)


def _like(op, random: bool = False):
    def create(input: Tensor, *, generator=None, dtype=None, device=None, requires_grad=False,
               memory_format=None) -> Tensor:
        if memory_format is not None:   # (the default, preserve_format, keeps input's layout, as numpy's *_like do)
            return _laid_out(lambda rg: create(input, generator=generator, dtype=dtype, device=device,
                                               requires_grad=rg), requires_grad, memory_format)
        _check_random(op, random, generator)
        if not isinstance(input, Tensor):
            raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {_type_name(input)}")
        kwargs = {"requires_grad": True} if requires_grad else {}
        if dtype is not None:
            kwargs["dtype"] = dtype
        return call(op, input, **_device_kw(_generator_kw(kwargs, generator), device, like=input))
    create.__name__ = create.__qualname__ = op  # (Python's TypeErrors name the function)
    return create


zeros_like = _like("zeros_like")
ones_like = _like("ones_like")


def full_like(input: Tensor, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    kwargs = {"requires_grad": True} if requires_grad else {}
    if dtype is not None:
        kwargs["dtype"] = dtype
    return call("full_like", input, fill_value, **_device_kw(kwargs, device, like=input))


empty = _creation("empty")
rand = _creation("rand", random=True)


_NO_VALUE = object()


def full(size, fill_value=_NO_VALUE, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if fill_value is _NO_VALUE:
        raise TypeError('full() missing 1 required positional arguments: "fill_value"')
    if not isinstance(fill_value, (numbers.Number, Tensor)) and not hasattr(fill_value, "item"):
        raise TypeError(f"full(): argument 'fill_value' (position 2) must be Number, not {_type_name(fill_value)}")
    kwargs = {"requires_grad": True} if requires_grad else {}
    if dtype is not None:
        kwargs["dtype"] = dtype
    if isinstance(size, numbers.Integral) and not isinstance(size, Tensor):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not {_type_name(size)}")
    return call("full", _size((size,), "full"), fill_value,
                **_device_kw(kwargs, device))


def arange(start=None, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if start is None:  # arange(end=n)
        if end is None:
            raise TypeError('arange() missing 1 required positional arguments: "end"')
        start, end = 0, end
    kwargs = {"requires_grad": True} if requires_grad else {}
    if dtype is not None:
        kwargs["dtype"] = dtype
    kwargs = _device_kw(kwargs, device)
    return call("arange", start, end, step, **kwargs) if end is not None else call("arange", start, **kwargs)


def missing_steps(op: str, start, end, extra: str = "") -> TypeError:
    """torch's TypeError for linspace/logspace called without ``steps`` (``extra``: logspace's base)."""
    tail = (", *, Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, torch.device device = "
            "None, bool pin_memory = False, bool requires_grad = False)\n")
    forms = "".join(f" * ({a} start, {b} end, int steps{extra}{tail}"
                    for a, b in (("Tensor", "Tensor"), ("Number", "Tensor"), ("Tensor", "Number"), ("Number", "Number")))
    got = ", ".join("Tensor" if isinstance(v, Tensor) else _type_name(v) for v in (start, end))
    return TypeError(f"{op}() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                     + forms)


def linspace(start, end, steps=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if steps is None:
        raise missing_steps("linspace", start, end)
    kwargs = {"requires_grad": True} if requires_grad else {}
    if dtype is not None:
        kwargs["dtype"] = dtype
    return call("linspace", start, end, steps, **_device_kw(kwargs, device))


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    kwargs = {"requires_grad": True} if requires_grad else {}
    if dtype is not None:
        kwargs["dtype"] = dtype
    return call("eye", n, m, **_device_kw(kwargs, device))


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' (position 2) must be tuple of ints, not {_type_name(size)}")
    kwargs = {"dtype": dtype} if dtype is not None else {}
    return call("randint", low, high, _size((size,), "randint"), **_device_kw(_generator_kw(kwargs, generator), device))


def randint_like(input: Tensor, low, high=None, *, generator=None, dtype=None, device=None,
                 requires_grad=False) -> Tensor:
    """Random integers in [low, high) (or [0, low)) in ``input``'s shape and dtype."""
    if high is None:
        low, high = 0, low
    out = randint(low, high, tuple(input.shape), generator=generator, dtype=dtype or input.dtype,
                  device=device if device is not None else input._device)
    return out.requires_grad_(True) if requires_grad else out


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    if isinstance(n, int) and not isinstance(n, bool) and n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    kwargs = {"dtype": dtype} if dtype is not None else {}
    if requires_grad:
        kwargs["requires_grad"] = True
    return call("randperm", n, **_device_kw(_generator_kw(kwargs, generator), device))


randn_like = _like("randn_like", random=True)
rand_like = _like("rand_like", random=True)
empty_like = _like("empty_like")
