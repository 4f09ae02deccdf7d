"""nn.Parameter: a Tensor that a Module registers as a parameter; nn.Buffer: one it registers as a buffer."""
from __future__ import annotations

import weakref

from .._dispatch import call
from ..grad_mode import no_grad
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad (by default) and prints as torch's Parameter."""

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            from .._creation import empty
            data = empty(0)
        if requires_grad and not data.dtype.is_floating_point:  # torch's text for Parameter (capitalised)
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        with no_grad():
            t = call("detach", data)
        t.__class__ = cls
        if requires_grad:
            t.requires_grad_(True)
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


# Tensors made by Buffer(): id -> (weak reference, persistent). A handle has no room for torch's
# ``_is_buffer`` attribute, so the mark lives here, dropped when the tensor goes.
_BUFFERS: dict = {}


class _BufferMeta(type):
    def __instancecheck__(cls, instance) -> bool:
        entry = _BUFFERS.get(id(instance))
        return entry is not None and entry[0]() is instance


class Buffer(metaclass=_BufferMeta):
    """``module.name = nn.Buffer(t)`` registers t's detached tensor as a buffer (``persistent``: kept
    in the state_dict)."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            from .._creation import empty
            data = empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        key = id(t)
        _BUFFERS[key] = (weakref.ref(t, lambda _, key=key: _BUFFERS.pop(key, None)), persistent)
        return t


def buffer_persistence(t) -> bool | None:
    """Whether ``t``, made by Buffer(), is persistent; None for any other tensor."""
    entry = _BUFFERS.get(id(t))
    return entry[1] if entry is not None and entry[0]() is t else None


class UninitializedTensorMixin:
    """A lazy module's tensor before its first forward: no values yet; ``materialize(shape)`` turns
    it, the same object, into an ordinary tensor of ``cls_to_become`` of that shape."""

    __slots__ = ()
    cls_to_become = Tensor

    def materialize(self, shape, device=None, dtype=None) -> None:
        from .._creation import empty
        self.data = empty(*shape, device=device or self.device, dtype=dtype or self.dtype)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                           "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
                           "initialized one. Call `forward` to initialize the parameters before accessing their "
                           "attributes.")

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        from .._creation import empty
        return Parameter.__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        pass


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    __slots__ = ()

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None, persistent: bool = True):
        from .._creation import empty
        t = empty(0, device=device, dtype=dtype, requires_grad=requires_grad)
        t.__class__ = cls
        return t

    def __init__(self, requires_grad: bool = False, device=None, dtype=None, persistent: bool = True):
        pass


UninitializedParameter.__module__ = UninitializedBuffer.__module__ = "torch.nn.parameter"  # torch's module path
