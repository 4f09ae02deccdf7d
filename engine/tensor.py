"""The one Tensor type: an array of its device's array module plus autograd state."""
from __future__ import annotations

import warnings as _warnings
import weakref as _weakref

from gradwire.common import dtypes as _dt
from gradwire.common import shapes as _shapes
from gradwire.common.devices import parse_to as _parse_to
from gradwire.common.grad_mode import NONLEAF_GRAD_WARNING, check_assigned_grad, check_requires_grad

from . import backend
from .grad_mode import _state as _grad_state

__all__ = ["Tensor"]


def _tensor_attrs(x):
    """(device, dtype) of a tensor argument of Tensor.to, else None."""
    return (x.device, x.dtype) if isinstance(x, Tensor) else None


def _cuda_device(device):
    """``.cuda(device)``: an index or a cuda device."""
    if isinstance(device, int) and not isinstance(device, bool):
        return f"cuda:{device}"
    name = backend.normalize_device(device)
    if not name.startswith("cuda"):
        raise RuntimeError(f"Invalid device, must be cuda device")
    return name

_Scalar = (int, float, bool)


def _new_tensor(array, dtype, device="cpu"):
    """Internal fast constructor: wraps ``array`` (already of numpy dtype ``dtype.numpy``)."""
    if dtype.rounds:
        array = _rounded(array, device)
    t = _tensor_new(Tensor)
    t.__dict__ = {"array": array, "dtype": dtype, "device": device}  # one dict build: cheaper than 3 stores
    if _grad_state.inference:
        t._inference = True
    return t


def _rounded(array, device):
    """A bfloat16 tensor's array (float32) with its values rounded to bfloat16, where they lie: every tensor
    made from an array passes here, so whatever an op computed in float32 is rounded as torch rounds its
    bfloat16 results (a view's values are rounded already; rewriting them changes nothing). A read-only array
    (a broadcast view) is left as it is: its values come from a tensor that was rounded."""
    if getattr(array, "flags", None) is not None and array.flags.writeable:
        array[...] = _dt.round_to_bfloat16(backend.array_module(device), array)
    return array


def _owned_grad(array, dtype, device="cpu"):
    """A gradient tensor that owns ``array`` exclusively (made by a backward formula on arrays).

    The backward engine may adopt it as a leaf's ``.grad`` without a copy (torch steals such a
    buffer); the mark goes the moment the tensor is shared or shown to user code.  ``array``
    must be new memory (or a view of new memory no one else holds) and writeable.
    """
    t = _new_tensor(array, dtype, device)
    t._owned = True
    return t


class Tensor:
    """A tensor: ``array`` (numpy/cupy), ``dtype`` (a gradwire DType), ``device`` and autograd state."""

    # Defaults on the class keep construction cheap; instances override in __dict__.
    _requires_grad = False
    grad_fn = None
    _output_nr = 0
    _accumulator = None
    _vc = None            # shared version counter [n], created on first need
    _grad = None
    _hooks = None
    _retains_grad = False
    _base_of_view = None
    _multi_view = False   # an output of split/chunk/unbind (or a view of one): no in-place writes with grad
    _inference = False    # created in inference mode
    _view_mode = None     # a view made with grad mode off: "no_grad" / "inference" (common/views.py)
    _view_version = 0     # ... and the version of its memory then
    _post_acc_hooks = None
    _owned = False        # a gradient whose array nothing else references (see _owned_grad)
    __array_priority__ = 1000  # numpy scalars defer to our reflected operators

    def __init__(self, data, dtype=None, *, device=None, requires_grad=False):
        if isinstance(data, Tensor):
            array = data.array
            device = device or data.device
            if dtype is None:
                dtype = data.dtype
        else:
            device = device or (backend.device_of(data) if backend.is_array(data) else "cpu")
            array = data
        if device != "cpu":
            device = backend.normalize_device(device)  # "cuda" -> "cuda:0", a device object -> its string
        if dtype is None:
            if backend.is_array(array):
                dtype = _dt.from_numpy(array.dtype)
            else:
                dtype = _dt.default_float()
        elif isinstance(dtype, str):
            dtype = _dt.from_name(dtype)
        array = backend.asarray(array, dtype.numpy, device)
        if dtype.rounds and not (isinstance(data, Tensor) and data.dtype is dtype):
            array = _dt.round_to_bfloat16(backend.array_module(device), array)  # (a copy: data is not ours)
        self.array = array
        self.dtype = dtype
        self.device = device
        if _grad_state.inference:
            self._inference = True
        if requires_grad:
            self.requires_grad = True

    # ---- metadata -----------------------------------------------------------
    @property
    def xp(self):
        """The array module (numpy / cupy) of this tensor's device."""
        return backend.xp_of(self)

    @property
    def shape(self) -> tuple:
        return self.array.shape

    def size(self, dim=None):
        if dim is None:
            return self.array.shape
        return self.array.shape[_shapes.dim_of("size", dim, self.array.ndim)]

    def sum_to_size(self, *size):
        """Sums to ``size`` (which must expand to this shape), as torch does: one keepdim sum,
        then a view when leading dims went; this tensor itself when nothing is summed."""
        if len(size) == 1 and isinstance(size[0], (tuple, list)):
            size = tuple(size[0])
        dims, lead = _shapes.sum_to_size_dims(self.array.shape, size)
        if not dims:
            return self
        out = self.sum(dims, keepdim=True)
        return out.view(size) if lead else out

    def stride(self, dim=None):
        """Steps in elements per dimension: the array's, as torch's views have them, except that
        an empty contiguous tensor has torch's row-major strides (numpy gives it zeros)."""
        a = self.array
        if a.size == 0 and a.flags.c_contiguous:
            strides = _shapes.contiguous_strides(a.shape)
        else:
            strides = tuple(s // a.itemsize for s in a.strides)
        return strides if dim is None else strides[_shapes.dim_of("stride", dim, a.ndim)]

    @property
    def ndim(self) -> int:
        return self.array.ndim

    def dim(self) -> int:
        return self.array.ndim

    def numel(self) -> int:
        return int(self.array.size)

    nelement = numel

    @property
    def nbytes(self) -> int:
        return int(self.array.nbytes)

    def element_size(self) -> int:
        return self.dtype.itemsize

    itemsize = property(element_size)
    layout = property(lambda self: _dt.strided)

    def count_nonzero(self, dim=None):
        return (self != 0).sum(dim) if dim is not None else (self != 0).sum()

    @property
    def is_leaf(self) -> bool:
        if self._view_mode is not None:
            _inplace.check_view_history(self)
        return self.grad_fn is None

    @property
    def is_floating_point_(self) -> bool:  # pragma: no cover - alias kept private
        return self.dtype.is_floating_point

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    @property
    def is_cuda(self) -> bool:
        return self.device.startswith("cuda")

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value) -> None:
        self._set_requires_grad(value, setter=True)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self._set_requires_grad(requires_grad, setter=False)
        return self

    def _set_requires_grad(self, value, setter: bool) -> None:
        value = bool(value)
        if self._view_mode is not None and self._requires_grad and self.grad_fn is None:
            return  # a view made in no_grad mode of a tensor that requires grad keeps requiring it (torch)
        floating = None if self.dtype.is_complex else self.dtype.is_floating_point
        check_requires_grad(value, is_leaf=self.grad_fn is None, floating=floating, inference=self._inference,
                            setter=setter)
        if self.grad_fn is None:
            self._requires_grad = value

    def is_inference(self) -> bool:
        """True for a tensor created in inference mode."""
        return self._inference

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad and self._grad is None:
            _warnings.warn(NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        check_assigned_grad(self, value, Tensor)
        self._grad = value

    def retain_grad(self) -> None:
        """Keeps ``.grad`` of a non-leaf tensor after backward (filled after the tensor's hooks ran)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        fn = self.grad_fn
        retains = fn.__dict__.get("_retains")
        if retains is None:
            retains = fn._retains = {}
        retains[self._output_nr] = _weakref.ref(self)

    def _node_hook_list(self) -> list:
        fn = self.grad_fn
        pre = fn.__dict__.get("_pre_hooks")
        if pre is None:
            pre = fn._pre_hooks = {}
        return pre.setdefault(self._output_nr, [])

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    @property
    def _version(self) -> int:
        vc = self._vc
        return vc[0] if vc is not None else 0

    def _bump_version(self) -> None:
        if self._vc is None:
            self._vc = [0]
        self._vc[0] += 1
        if self.dtype.rounds:  # bfloat16: what an in-place op wrote, rounded
            _rounded(self.array, self.device)

    def register_hook(self, hook):
        """``hook(grad) -> Tensor or None`` runs when the gradient of this tensor is computed.

        A returned tensor replaces the gradient. Returns a handle whose ``remove()`` unregisters it.
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            hooks = self._node_hook_list()
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        hooks.append(hook)
        from .function import _RemovableHandle  # noqa: PLC0415
        return _RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor)`` runs on a leaf after its ``.grad`` was accumulated; returns a removable handle."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_acc_hooks is None:
            self._post_acc_hooks = []
        self._post_acc_hooks.append(hook)
        from .function import _RemovableHandle  # noqa: PLC0415
        return _RemovableHandle(self._post_acc_hooks, hook)

    # ---- conversion ---------------------------------------------------------
    def item(self):
        if self.array.size != 1:
            raise RuntimeError(f"a Tensor with {self.array.size} elements cannot be converted to Scalar")
        return backend.to_numpy(self.array).reshape(()).item()

    def tolist(self):
        return backend.to_numpy(self.array).tolist()

    def numpy(self, *, force: bool = False):
        """The values as a numpy array, sharing memory on CPU (like torch); ``force=True`` also
        copies a CUDA tensor to the host."""
        if not force:
            if self._requires_grad:
                raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                                   "instead.")
            if self.device != "cpu":
                raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to "
                                f"copy the tensor to host memory first.")
        return backend.to_numpy(self.array)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.dtype.is_floating_point or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self.array.size != 1:
            if self.array.size == 0:
                raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __len__(self):
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __repr__(self) -> str:
        values = backend.to_numpy(self.array)
        fn = self.grad_fn
        fn_name = fn.name().rsplit("::", 1)[-1] if fn is not None else None
        if self._view_mode is not None and _inplace.view_is_stale(self):
            fn_name = "Invalid"  # torch's repr, where reading grad_fn raises
        try:
            from gradwire.common.formatting import tensor_repr  # noqa: PLC0415
        except ImportError:
            tensor_repr = None
        if tensor_repr is not None:
            return tensor_repr(values, self.dtype, device=self.device, requires_grad=self._requires_grad,
                               grad_fn_name=fn_name)
        extra = ""
        if self.dtype is not _dt.default_float() and self.dtype is not _dt.int64 and self.dtype is not _dt.bool_:
            extra += f", dtype={self.dtype!r}"
        if fn_name is not None:
            extra += f", grad_fn=<{fn_name}>"
        elif self._requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({values.tolist()}{extra})"

    __str__ = __repr__

    # ---- autograd -----------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        _autograd_engine().backward((self,), None if gradient is None else (gradient,), retain_graph=retain_graph,
                                    create_graph=create_graph, inputs=inputs)

    def detach(self) -> "Tensor":
        """A tensor on the same array, cut from the graph (shares the version counter, like torch)."""
        t = _new_tensor(self.array, self.dtype, self.device)
        if self._vc is None:
            self._vc = [0]
        t._vc = self._vc
        if self._inference:
            t._inference = True
        return t

    def detach_(self) -> "Tensor":
        self.grad_fn = None
        self._requires_grad = False
        return self

    # ---- in-place (engine/ops/inplace.py: version counter, history rebase) ----------------
    def zero_(self) -> "Tensor":
        return _inplace.zero_(self)

    def fill_(self, value) -> "Tensor":
        return _inplace.fill_(self, value)

    def copy_(self, src, non_blocking=False) -> "Tensor":
        return _inplace.copy_(self, src, non_blocking)

    def clamp_(self, min=None, max=None) -> "Tensor":
        return _inplace.clamp_(self, min, max)

    def add_(self, other, *, alpha=1) -> "Tensor":
        return _inplace.add_(self, other, alpha=alpha)

    def sub_(self, other, *, alpha=1) -> "Tensor":
        return _inplace.sub_(self, other, alpha=alpha)

    def mul_(self, other) -> "Tensor":
        return _inplace.mul_(self, other)

    def div_(self, other, **kwargs) -> "Tensor":  # rounding_mode, when given
        return _inplace.div_(self, other, **kwargs)

    def __iadd__(self, other):
        return _inplace.add_(self, other)

    def __isub__(self, other):
        return _inplace.sub_(self, other)

    def __imul__(self, other):
        return _inplace.mul_(self, other)

    def __itruediv__(self, other):
        return _inplace.div_(self, other)

    def clone(self) -> "Tensor":
        return _ops.clone(self)

    def to(self, *args, **kwargs):
        """torch's Tensor.to: ``to(dtype)``, ``to(device, dtype=None)``, ``to(other)``; ``copy=``."""
        device, dtype, copy = _parse_to(args, kwargs, _tensor_attrs)
        return _ops.to_copy(self, dtype, device, copy)

    def cuda(self, device=None, non_blocking=False):
        return _ops.to_copy(self, None, "cuda" if device is None else _cuda_device(device))

    def type(self, dtype=None):
        return self.to(dtype)

    def double(self):
        return _ops.to_dtype(self, _dt.float64)

    def float(self):
        return _ops.to_dtype(self, _dt.float32)

    def half(self):
        return _ops.to_dtype(self, _dt.float16)

    def long(self):
        return _ops.to_dtype(self, _dt.int64)

    def int(self):
        return _ops.to_dtype(self, _dt.int32)

    def short(self):
        return _ops.to_dtype(self, _dt.int16)

    def char(self):
        return _ops.to_dtype(self, _dt.int8)

    def byte(self):
        return _ops.to_dtype(self, _dt.uint8)

    def bool(self):
        return _ops.to_dtype(self, _dt.bool_)

    def cpu(self):
        return _ops.to_copy(self, None, "cpu")

    # ---- math (methods) -----------------------------------------------------
    def add(self, other, *, alpha=1):
        return _ops.add(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        return _ops.sub(self, other, alpha=alpha)

    def mul(self, other):
        return _ops.mul(self, other)

    def div(self, other, **kwargs):  # rounding_mode, when given
        return _ops.div(self, other, **kwargs)

    def true_divide(self, other):
        return _ops.div(self, other)

    def neg(self):
        return _ops.neg(self)

    def pow(self, exponent):
        return _ops.pow(self, exponent)

    def exp(self):
        return _ops.exp(self)

    def log(self):
        return _ops.log(self)

    def reciprocal(self):
        return _ops.reciprocal(self)

    def sum(self, dim=None, keepdim=False, *, dtype=None):
        return _ops.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        return _ops.mean(self, dim, keepdim, dtype=dtype)

    def matmul(self, other):
        return _ops.matmul(self, other)

    def mm(self, other):
        return _ops.mm(self, other)

    def reshape(self, *shape):
        return _ops.reshape(self, *shape)

    def view(self, *shape):
        return _ops.view(self, *shape)

    def expand(self, *sizes):
        return _ops.expand(self, *sizes)

    def expand_as(self, other):
        return _ops.expand(self, other.shape)

    def t(self):
        return _ops.t(self)

    def transpose(self, dim0, dim1):
        return _ops.transpose(self, dim0, dim1)

    @property
    def T(self):
        return _ops.permute_reverse(self)

    @property
    def mT(self):
        _shapes.check_matrix_transpose("mT", self.array.ndim)
        return _ops.transpose(self, -2, -1)

    @property
    def mH(self):  # the conjugate transpose (a real tensor's conjugate is itself)
        _shapes.check_matrix_transpose("mH", self.array.ndim)
        return _ops.conj(_ops.transpose(self, -2, -1))

    @property
    def H(self):
        _shapes.check_matrix_transpose("H", self.array.ndim)
        if self.array.ndim == 0:
            _warnings.warn(_shapes.H_OF_A_SCALAR, UserWarning, stacklevel=2)
            return self
        return _ops.transpose(self, -2, -1)

    # ---- operators ------------------------------------------------------------
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(self, other)

    def __sub__(self, other):
        return _ops.sub(self, other)

    def __rsub__(self, other):
        return _ops.rsub(self, other)

    def __mul__(self, other):
        return _ops.mul(self, other)

    def __rmul__(self, other):
        return _ops.mul(self, other)

    def __truediv__(self, other):
        return _ops.div(self, other)

    def __rtruediv__(self, other):
        # torch: other / x is reciprocal(x) * other (node MulBackward0)
        return _ops.mul(_ops.reciprocal(self), other)

    def __pow__(self, exponent):
        return _ops.pow(self, exponent)

    def __rpow__(self, base):
        return _ops.pow(base, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    __hash__ = object.__hash__


_tensor_new = object.__new__
_AUTOGRAD_ENGINE = None


def _autograd_engine():
    """engine/autograd/engine.py, imported on first use (it imports this module); a function-level
    import on each backward() would cost about a microsecond."""
    global _AUTOGRAD_ENGINE
    if _AUTOGRAD_ENGINE is None:
        from .autograd import engine as _AUTOGRAD_ENGINE  # noqa: PLC0415
    return _AUTOGRAD_ENGINE

from .ops import _methods as _ops  # noqa: E402  (ops import Tensor from this module)
from .ops import inplace as _inplace  # noqa: E402
