"""torch.UntypedStorage and torch.TypedStorage: the memory under a tensor, on the server.

A storage stands on a 1-d tensor the server makes over all of the memory that holds the tensor
(``storage_alias``): bytes for an untyped storage, elements of its dtype for a typed one. So a
storage sees later in-place writes to any tensor on that memory, its writes reach all of them, and
``data_ptr()`` is the server's address of the memory, as in torch. Reading a storage is a sync point.
"""
from __future__ import annotations

import warnings

from gradwire.common import dtypes
from gradwire.common.devices import device as _device

from . import _dispatch

_TYPED_STORAGE_WARNING = (
    "TypedStorage is deprecated. It will be removed in the future and UntypedStorage will be the only storage class. "
    "This should only matter to you if you are using storages directly.  To access UntypedStorage directly, use "
    "tensor.untyped_storage() instead of tensor.storage()")
_warned = False


def warn_typed_storage_removal(stacklevel: int = 3) -> None:
    """torch warns once per process, on the first use of a TypedStorage."""
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(_TYPED_STORAGE_WARNING, UserWarning, stacklevel=stacklevel)


def _new_memory(size: int, dtype, device):
    from ._creation import zeros  # noqa: PLC0415 - _creation imports tensor.py, which imports this module
    return zeros(size, dtype=dtype, device=device)


class _StorageBase:
    """What both kinds of storage share: ``_data`` is the 1-d tensor over the memory."""

    __slots__ = ("_data",)
    _type_name = ""

    def _over(self, data):
        """A storage of this kind over ``data`` (a slice, a clone)."""
        return _storage(UntypedStorage if isinstance(self, UntypedStorage) else TypedStorage, data)

    def size(self) -> int:
        return self._data.numel()

    def __len__(self) -> int:
        return self._data.numel()

    def nbytes(self) -> int:
        return self._data.numel() * self._data.element_size()

    def data_ptr(self) -> int:
        return self._data.data_ptr()

    def element_size(self) -> int:
        return self._data.element_size()

    @property
    def device(self):
        return _device(self._data._device)

    @property
    def is_cuda(self) -> bool:
        return self._data._device != "cpu"

    is_sparse = False
    is_sparse_csr = False

    def get_device(self) -> int:
        return self._data.get_device()

    def is_pinned(self, device="cuda") -> bool:
        return False

    def is_shared(self) -> bool:
        return False

    def tolist(self) -> list:
        return self._data.tolist()

    def __iter__(self):
        return iter(self.tolist())

    def __getitem__(self, index):
        if isinstance(index, slice):
            if isinstance(self, TypedStorage):
                raise RuntimeError("slices are only supported in UntypedStorage.__getitem__")
            return self._over(self._data[index])   # the same memory, as torch's slice of a storage
        if not isinstance(index, int):
            raise RuntimeError(f"can't index a {self._type_name} with {type(index).__name__}")
        n = self.size()
        if not -n <= index < n:
            raise IndexError(f"index {index} out of range for storage of size {n}")
        return self._data[index].item()

    def __setitem__(self, index, value) -> None:
        with _no_grad():
            self._data[index] = value

    def fill_(self, value):
        with _no_grad():
            self._data.fill_(value)
        return self

    def copy_(self, source, non_blocking=None):
        if source.nbytes() != self.nbytes():
            raise RuntimeError(f"size does not match, self was {self.nbytes()} bytes but src was {source.nbytes()} "
                               "bytes")
        with _no_grad():
            self._data.copy_(_dispatch.call("storage_alias", source._data, self._data._dtype))
        return self

    def clone(self):
        return self._over(self._data.clone())

    def cpu(self):
        return self if not self.is_cuda else self._over(self._data.cpu())

    def __str__(self) -> str:
        values = self.tolist()
        data = " " + "\n ".join(str(v) for v in values)
        return f"{data}\n[{self._type_name}({self._info()}) of size {len(values)}]"

    __repr__ = __str__

    def __copy__(self):
        return self.clone()

    def __deepcopy__(self, memo):
        return memo.setdefault(id(self), self.clone())


class UntypedStorage(_StorageBase):
    """torch.UntypedStorage: bytes. ``UntypedStorage(n)`` is new memory of n bytes (zeros)."""

    __slots__ = ()
    _type_name = "torch.storage.UntypedStorage"

    def __init__(self, size: int = 0, *, device=None):
        self._data = _new_memory(size, dtypes.uint8, device)

    def _info(self) -> str:
        return f"device={self._data._device}"

    def untyped(self):
        return self


class TypedStorage(_StorageBase):
    """torch.TypedStorage (deprecated in torch, and warns so): elements of one dtype."""

    __slots__ = ()
    _type_name = "torch.storage.TypedStorage"

    def __init__(self, size: int = 0, *, dtype=None, device=None):
        warn_typed_storage_removal()
        from . import get_default_dtype  # noqa: PLC0415
        self._data = _new_memory(size, dtype or get_default_dtype(), device)

    def _info(self) -> str:
        return f"dtype={self.dtype}, device={self._data._device}"

    @property
    def dtype(self):
        return self._data._dtype

    def untyped(self) -> UntypedStorage:
        return _storage(UntypedStorage, _dispatch.call("storage_alias", self._data, None))

    @property
    def _untyped_storage(self) -> UntypedStorage:
        return self.untyped()

    def nbytes(self) -> int:
        return self.size() * self.element_size()

    def pickle_storage_type(self) -> str:
        return f"{self.dtype._torch_name}Storage"


class _LegacyStorageType(type):
    """torch.FloatStorage & co: calling one makes a TypedStorage of its dtype; isinstance asks for that dtype."""

    def __call__(cls, *args, **kwargs):
        if args and isinstance(args[0], (list, tuple)):
            from ._creation import tensor  # noqa: PLC0415
            warn_typed_storage_removal()
            return _storage(TypedStorage, tensor(list(args[0]), dtype=cls.dtype))
        return TypedStorage(*args, dtype=cls.dtype, **kwargs)

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, TypedStorage) and obj.dtype is cls.dtype


LEGACY_STORAGE_TYPES = {f"{d._torch_name}Storage": _LegacyStorageType(f"{d._torch_name}Storage", (), {
    "dtype": d, "__module__": "torch"}) for d in dtypes.DTYPES.values()}


def _storage(cls, data):
    out = object.__new__(cls)
    out._data = data
    return out


def untyped_storage(tensor) -> UntypedStorage:
    """Tensor.untyped_storage()."""
    return _storage(UntypedStorage, _dispatch.call("storage_alias", tensor, None))


def typed_storage(tensor) -> TypedStorage:
    """Tensor.storage(), with torch's deprecation warning."""
    warn_typed_storage_removal()
    return _storage(TypedStorage, _dispatch.call("storage_alias", tensor, tensor._dtype))


def storage_type(tensor):
    """Tensor.storage_type(): the legacy storage class of its dtype (torch.FloatStorage ...)."""
    return LEGACY_STORAGE_TYPES[f"{tensor._dtype._torch_name}Storage"]


def is_storage(obj) -> bool:
    return isinstance(obj, _StorageBase)


def _no_grad():
    from .grad_mode import no_grad  # noqa: PLC0415
    return no_grad()
