"""gradwire.Tensor: a handle to a tensor held by the server, with torch's API.

A Tensor knows its metadata (shape, dtype, requires_grad, grad_fn) from the
moment it is created; reading its values (print, item, tolist, numpy) is a
sync point that waits for the server.
"""
from __future__ import annotations

import copy
import numbers
import re
import warnings
import weakref

import numpy as np

from gradwire.common import dtypes, shapes, wire
from gradwire.common.devices import device, device_str, parse_to
from gradwire.common.formatting import tensor_repr

from gradwire.common.grad_mode import _state as _grad_state
from gradwire.common.hooks import check_hook_value, check_node_hook_result
from gradwire.common.grad_mode import NONLEAF_GRAD_WARNING, check_assigned_grad, check_requires_grad

from gradwire.common import views

from . import _dispatch, _numpy_bridge, grad_mode, storage

call = _dispatch.call


_DEVICES: dict[str, device] = {}  # a tensor's device string -> its device object


def _device_obj(name: str) -> device:
    d = _DEVICES.get(name)
    if d is None:
        d = _DEVICES[name] = device(name)
    return d


def _tensor_attrs(x):
    """(device, dtype) of a Tensor argument of Tensor.to, else None."""
    return (x._device, x._dtype) if isinstance(x, Tensor) else None


class Node:
    """A backward node of the server's graph, as ``tensor.grad_fn`` shows it.

    Its name is known at once for the ops whose node torch names by the op and the
    kinds of its arguments (OpInfo.node in _meta.py); otherwise it arrives with the
    reply to the command that created it, and asking for it before then is a sync
    point. The server's name always replaces the prediction. ``_since`` is the
    oldest handle id among the nodes of its graph (see Connection.backward_must_wait).
    """

    __slots__ = ("_conn", "_label", "_remote", "_next", "_since", "_metadata", "__weakref__")

    def __init__(self, conn, name: str | None = None, since: int = 0):
        self._conn = conn
        self._since = since
        self._name = name

    @property
    def _name(self) -> str | None:
        return self._label

    @_name.setter
    def _name(self, name: str | None) -> None:
        # torch's nodes are instances of per-op classes (type(y.grad_fn).__name__ == "MulBackward0"): once the
        # name is known, the node becomes an instance of a cached subclass of that name
        self._label = name
        if name is not None:
            self.__class__ = _node_class(_node_base(type(self)), name.rsplit("::", 1)[-1])

    @property
    def next_functions(self) -> tuple:
        """``((node or None, output_nr), ...)``: the nodes this one passes gradients to (one round trip,
        the first time it is read)."""
        cached = getattr(self, "_next", None)
        if cached is not None:
            return cached
        remote = self._handle()
        if remote is None:
            return ()
        out = []
        for name, nr, i in _dispatch.value("node.next_functions", remote):
            if not name:
                out.append((None, nr))
                continue
            child = _USER_NODES.get(name, Node)(self._conn, name)
            child._remote = _dispatch.new_object("node.next", remote, i)
            out.append((child, nr))
        self._next = tuple(out)
        return self._next

    @property
    def variable(self) -> "Tensor":
        """An AccumulateGrad node's leaf (the client's own object when it holds it, as torch's)."""
        if self.name() != "torch::autograd::AccumulateGrad":
            raise AttributeError(f"'{type(self).__name__}' object has no attribute 'variable'")
        remote = self._handle()
        leaf = self._conn.leaves.get(_dispatch.value("node.variable", remote))
        if leaf is not None:
            return leaf
        return _dispatch._call_and_wait(self._conn, "node.variable_tensor", (remote,), None, _grad_state.enabled)

    @property
    def metadata(self) -> dict:
        """A dict of this node's, for tools (kept on the client, as long as this Node object lives)."""
        md = getattr(self, "_metadata", None)
        if md is None:
            md = self._metadata = {}
        return md

    def __getattr__(self, name):
        if name.startswith("_raw_saved_"):  # the saved tensor itself (it exists: a round trip)
            remote = self._handle()
            if remote is not None and _dispatch.value("node.saved_value", remote, "_saved_" + name[11:])[0] == "tensor":
                return SavedTensor(self, name[11:])
        # torch's saved variables (_saved_self, _saved_result, _saved_dim ...): a round trip
        if name.startswith("_saved_"):
            remote = self._handle()
            if remote is not None:
                kind, value = _dispatch.value("node.saved_value", remote, name)
                if kind == "value":
                    return tuple(value) if isinstance(value, list) else value
                if kind == "tensor":
                    leaf = self._conn.leaves.get(_dispatch.value("node.saved_leaf", remote, name))
                    if leaf is not None:  # a leaf the client holds: that very object, as in torch
                        return leaf
                    return _dispatch._call_and_wait(self._conn, "node.saved", (remote, name), None,
                                                    _grad_state.enabled)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def _handle(self):
        """The server's node, as a server-side object (None for a node the client never reached)."""
        remote = getattr(self, "_remote", None)
        if isinstance(remote, Tensor):  # the tensor whose grad_fn this is: a handle to the node itself
            remote = self._remote = _dispatch.new_object("grad_fn", remote)
        return remote

    def name(self) -> str:
        if self._name is None:
            self._conn.sync()
        return self._name

    def register_hook(self, fn):
        """Run ``fn(grad_inputs, grad_outputs)`` (client Python) after the server's backward ran this node;
        it may return replacement grad_inputs (one per entry of next_functions)."""
        def call(*grads):
            n = len(self.next_functions)  # grad_inputs first, then grad_outputs (a round trip, once)
            grad_inputs, grad_outputs = grads[:n], grads[n:]
            result = fn(grad_inputs, grad_outputs)
            return [] if result is None else list(check_node_hook_result(fn, result, grad_inputs, Tensor))
        return _remote_hook(self._conn, "node.register_hook", self._handle(), call)

    def register_prehook(self, fn):
        """Run ``fn(grad_outputs)`` (client Python) before the server's backward runs this node, after the
        tensor hooks of its outputs; it may return replacement grad_outputs."""
        def call(*grad_outputs):
            result = fn(grad_outputs)
            return [] if result is None else list(check_node_hook_result(fn, result, grad_outputs, Tensor))
        return _remote_hook(self._conn, "node.register_prehook", self._handle(), call)

    def _class_name(self) -> str:
        # torch prints the node's Python class: <CopyBackwards> for "torch::autograd::CopyBackwards"
        return self.name().rsplit("::", 1)[-1]

    def __repr__(self) -> str:
        return f"<{self._class_name()} object at {hex(id(self))}>"


class SavedTensor:
    """``grad_fn._raw_saved_<name>``: ``unpack()`` gives the tensor; ``register_hooks(pack, unpack)`` packs it
    here now, and backward unpacks it here (a callback) on each use."""

    _hooked = weakref.WeakKeyDictionary()  # node -> names whose saved tensor has hooks

    def __init__(self, node: Node, name: str):
        self._node = node
        self._name = name

    def unpack(self):
        return getattr(self._node, "_saved_" + self._name)

    def register_hooks(self, pack_hook, unpack_hook) -> None:
        hooked = SavedTensor._hooked.setdefault(self._node, set())
        if self._name in hooked:
            raise RuntimeError("Calling register_hooks on a saved tensor whose hooks have already been set. Hint: "
                               "only one pair of hooks is allowed at a time.")
        packed = pack_hook(self.unpack())

        def unpack():
            t = unpack_hook(packed)
            if not isinstance(t, Tensor):
                raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got result of type "
                                f"{type(t).__name__}")
            return t
        conn = self._node._conn
        conn.submit("node.saved_register_hooks", (self._node._handle(), self._name, conn.register_function(unpack)),
                    handle_of=_dispatch._handle_of)
        hooked.add(self._name)


SavedTensor.__module__ = "torch._C._autograd"

_NODE_CLASSES: dict = {}
_USER_NODES: dict = {}  # node name -> the node class of custom Functions (filled by autograd.function)
_SCALAR_WARNED: list = []


def _node_base(cls: type) -> type:
    """The class a node was made as (Node, UserNode), under its per-name and pending subclasses."""
    while getattr(cls, "_node_named", False) or cls.__dict__.get("_pending_of") is not None:
        cls = cls.__base__
    return cls


def _node_class(base: type, class_name: str) -> type:
    cls = _NODE_CLASSES.get((base, class_name))
    if cls is None:
        # torch: <class 'MulBackward0'>, and <class 'torch.autograd.function.FBackward'> for custom Functions
        module = getattr(base, "_node_module", "builtins")
        cls = type(base)(class_name, (base,), {"__slots__": (), "_node_named": True,
                                                "__module__": module, "__qualname__": class_name})
        _NODE_CLASSES[(base, class_name)] = cls
    return cls


class _PendingNodeType(type):
    """The metaclass of a node's own class while its name is still on its way: reading the class's
    ``__name__`` waits for the reply (``type(y.grad_fn).__name__`` right after the op)."""

    @property
    def __name__(cls) -> str:
        node = cls._pending_of()
        if node is None:
            return "Node"
        return node._class_name()


def _pending_node_class(node: "Node") -> type:
    base = type(node)
    return _PendingNodeType("Node", (base,), {"__slots__": (), "_pending_of": weakref.ref(node),
                                              "__module__": base.__module__})


def _mark_grad_inputs(inputs) -> None:
    """The ``inputs=`` of a backward retain their grads, non-leaves included (torch)."""
    for t in inputs:
        if isinstance(t, Tensor):
            t.retain_grad()


_WARNED_ONCE: set = set()


def warn_once(message: str, stacklevel: int = 2) -> None:
    """A UserWarning the first time only, as torch's TORCH_WARN_ONCE."""
    if message not in _WARNED_ONCE:
        _WARNED_ONCE.add(message)
        warnings.warn(message, UserWarning, stacklevel=stacklevel + 1)


class Tensor:
    __slots__ = ("_conn", "_id", "_shape", "_dtype", "_requires_grad", "_grad_fn", "_grad", "_grad_epoch",
                 "_retains_grad", "_inference", "_view_base", "_device", "_multi_view", "_view_mode",
                 "_live_views", "_strided", "_memory_of", "_exports", "_np_source", "_np_snapshot", "_conj_bit",
                 "_neg_bit", "_output_nr", "_custom_view", "__weakref__")

    @classmethod
    def _make(cls, conn, handle, shape, dtype, requires_grad, grad_fn, device="cpu") -> "Tensor":
        t = object.__new__(cls)
        t._conn = conn
        t._device = device
        t._id = handle
        t._shape = shape if type(shape) is shapes.Size else shapes.Size(shape)
        t._dtype = dtype
        t._requires_grad = requires_grad
        t._grad_fn = grad_fn
        t._grad = None
        t._grad_epoch = -1
        t._retains_grad = False
        t._inference = _grad_state.inference
        if requires_grad and grad_fn is None:
            conn.leaves[handle] = t
        return t

    @classmethod
    def _from_meta(cls, conn, meta, since: int = 0) -> "Tensor":
        node = Node(conn, meta.grad_fn, since or meta.handle) if meta.grad_fn else None
        return cls._make(conn, meta.handle, tuple(meta.shape), dtypes.from_name(meta.dtype), meta.requires_grad, node,
                         meta.device or "cpu")

    def __del__(self):
        conn = getattr(self, "_conn", None)
        if conn is not None:
            conn.release(self._id)

    def __new__(cls, *args, **kwargs):
        """``torch.Tensor(data)`` / ``torch.Tensor(*sizes)``: the legacy constructor, in the default dtype."""
        from ._creation import legacy_new  # noqa: PLC0415
        return legacy_new(None, args, kwargs)

    def __init__(self, *args, **kwargs):
        pass

    # ----- metadata (no round trip) --------------------------------------

    @property
    def shape(self) -> shapes.Size:
        return self._shape

    def size(self, dim: int | None = None):
        if dim is None:
            return self._shape
        return self._shape[shapes.dim_of("size", dim, len(self._shape))]

    def sum_to_size(self, *size):
        """Sums to ``size`` (which must expand to this shape), as torch does: one keepdim sum,
        then a view when leading dims went; this tensor itself when nothing is summed."""
        if len(size) == 1 and isinstance(size[0], (tuple, list)):
            size = tuple(size[0])
        dims, lead = shapes.sum_to_size_dims(self._shape, size)
        if not dims:
            return self
        out = self.sum(dims, keepdim=True)
        return out.view(size) if lead else out

    def stride(self, dim: int | None = None):
        """Steps in elements per dimension (a value read: a sync point)."""
        if dim is not None:
            dim = shapes.dim_of("stride", dim, len(self._shape))  # torch's errors, without a round trip
        return _dispatch.value("stride", self, dim)

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def device(self) -> device:
        return _device_obj(self._device)

    @property
    def ndim(self) -> int:
        return len(self._shape)

    def dim(self) -> int:
        return len(self._shape)

    def numel(self) -> int:
        return shapes.numel(self._shape)

    def __len__(self) -> int:
        if not self._shape:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]

    def __iter__(self):
        if not self._shape:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))  # one op for all the rows, as torch (UnbindBackward0)

    def __contains__(self, element) -> bool:
        if not isinstance(element, (Tensor, numbers.Number)):
            raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                               f"{type(element)}.")
        return bool((self == element).any().item())

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self._set_requires_grad(flag, setter=True)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        return self._set_requires_grad(requires_grad, setter=False)

    def _set_requires_grad(self, requires_grad, setter: bool) -> "Tensor":
        if not isinstance(requires_grad, bool):  # torch takes a Python bool only (not 1, nor numpy's bool)
            if setter:
                raise RuntimeError("requires_grad must be a bool")
            from ._creation import _type_name  # noqa: PLC0415
            raise TypeError(f"requires_grad_(): argument 'requires_grad' (position 1) must be bool, not "
                            f"{_type_name(requires_grad)}")
        flag = requires_grad
        if self._requires_grad and self._grad_fn is None and getattr(self, "_view_mode", None) is not None:
            return self  # a view made in no_grad mode of a tensor that requires grad keeps requiring it (torch)
        floating = None if self._dtype.is_complex else self._dtype.is_floating_point
        check_requires_grad(flag, is_leaf=self._grad_fn is None, floating=floating, inference=self._inference,
                            setter=setter)
        if self._grad_fn is not None:
            return self
        self._conn.submit("requires_grad_", (self, flag), outputs=[self._id], nodes=[None],
                          handle_of=_dispatch._handle_of)
        self._requires_grad = flag
        if flag:
            self._conn.leaves[self._id] = self
        return self

    def is_inference(self) -> bool:
        return self._inference

    @property
    def is_leaf(self) -> bool:
        if getattr(self, "_view_mode", None) is not None:
            self._check_view_history()
        return self._grad_fn is None

    @property
    def grad_fn(self):
        if getattr(self, "_view_mode", None) is not None:
            self._check_view_history()
        node = self._grad_fn
        if node is not None and getattr(node, "_remote", None) is None:
            # the way to the server's node, for next_functions (no command until that is read)
            node._remote = self
            if node._label is None and type(node).__dict__.get("_pending_of") is None:
                node.__class__ = _pending_node_class(node)
        return node

    def _view_is_stale(self) -> bool:
        """A view made in no_grad mode whose memory was written in place since: torch then refuses to show its
        history (only the server knows the writes: a round trip, paid by such views only)."""
        if self._grad_fn is None and not self._requires_grad:
            return False
        return bool(_dispatch.value("view.is_stale", self))

    def _check_view_history(self) -> None:
        if self._view_is_stale():
            node = self._grad_fn
            raise RuntimeError(views.view_mode_message(self._view_mode, node._class_name() if node is not None
                                                       else None, indirect=True))

    # ----- gradients -------------------------------------------------------

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    @property
    def grad(self):
        nonleaf = self._grad_fn is not None and not self._retains_grad
        if nonleaf and self._grad_epoch == -1:  # never assigned, nor an ``inputs=`` of a backward
            warnings.warn(NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
            return None
        epoch = self._conn.grad_epoch
        if self._grad_epoch != epoch:
            # Whether backward reached this leaf is known only to the server: a sync point.
            old = self._grad
            same = None if old is None else self._conn.submit("grad_is", (self, old), want_value=True,
                                                              handle_of=_dispatch._handle_of)
            handle = self._conn.new_handle()
            pending = self._conn.submit("grad_of", (self,), outputs=[handle], nodes=[None], want_meta=True,
                                        handle_of=_dispatch._handle_of)
            self._conn.sync()
            if not pending.metas:
                raise RuntimeError(f"gradwire: the server sent no gradient for this tensor (command {pending.seq})")
            meta = pending.metas[0]
            if same is not None and same.value:  # accumulated in place: the same Tensor object, as torch's
                self._conn.release(handle)  # (whose data may have moved since: Module.to)
                old._shape, old._dtype = shapes.Size(meta.shape), dtypes.from_name(meta.dtype)
                old._device = meta.device or "cpu"
            else:
                self._grad = None if meta.is_none else Tensor._from_meta(self._conn, meta)
            self._grad_epoch = epoch
        if nonleaf and self._grad is None:
            warnings.warn(NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        check_assigned_grad(self, value, Tensor)
        self._conn.submit("set_grad", (self, value), handle_of=_dispatch._handle_of)
        self._grad = value
        self._grad_epoch = self._conn.grad_epoch

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        if not self._requires_grad or (self._grad_fn is None and getattr(self, "_view_mode", None) is not None):
            # (a view made in no_grad mode has no grad_fn and no edge to its base: torch's same error)
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        if gradient is None:
            if self.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if self._dtype.is_complex:
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got "
                                   f"{self._dtype!r}")
        elif not isinstance(gradient, (Tensor, list, tuple)):  # torch makes a tuple of it
            raise TypeError(f"'{type(gradient).__name__}' object is not iterable")
        elif not isinstance(gradient, Tensor):  # a sequence: its first element is the gradient (torch)
            if not len(gradient):
                raise RuntimeError("got 1 tensors and 0 gradients")
            gradient = gradient[0]
            if gradient is not None and not isinstance(gradient, Tensor):
                raise TypeError(f"gradients can be either Tensors or None, but got {type(gradient).__name__}")
            return self.backward(gradient, retain_graph, create_graph, inputs)
        if isinstance(gradient, Tensor) and gradient._shape != self._shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[0] has a shape of {gradient._shape} and output[0] has a shape "
                f"of {self._shape}."
            )
        args = (self, gradient, retain_graph, create_graph)
        if inputs is not None:
            # (a GradientEdge is a tuple that knows its tensor: autograd.graph.get_gradient_edge)
            single = not isinstance(inputs, (list, tuple)) or hasattr(inputs, "_tensor")
            inputs = [getattr(t, "_tensor", t) for t in ([inputs] if single else inputs)]
            _mark_grad_inputs(inputs)
            args += (inputs,)
        conn = self._conn
        wait = conn.backward_must_wait((self,))
        if inputs is not None:  # a backward into some inputs only: no reentrant checkpoint in it
            from .autograd.function import _partial_graph_task  # noqa: PLC0415 - autograd imports this module
            with _partial_graph_task():
                self._submit_backward(conn, args, retain_graph, create_graph, wait)
        else:
            self._submit_backward(conn, args, retain_graph, create_graph, wait)

    @staticmethod
    def _submit_backward(conn, args, retain_graph, create_graph, wait) -> None:
        conn.submit("backward", args, handle_of=_dispatch._handle_of, grad_enabled=grad_mode.is_grad_enabled())
        conn.grad_epoch += 1
        if not (create_graph if retain_graph is None else retain_graph):
            conn.mark_freed()
        if wait:  # its errors belong to this line
            conn.sync()

    def register_hook(self, hook):
        """Run ``hook(grad)`` (client Python) when the server's backward computes this tensor's gradient."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")

        def call(grad):  # checked here, where the hook's name is known
            result = hook(grad)
            return None if result is None else check_hook_value(hook, result, grad, Tensor)
        return self._remote_hook("register_hook", call)

    def register_post_accumulate_grad_hook(self, hook):
        """Run ``hook(self)`` (client Python) after the server's backward accumulated this leaf's ``.grad``."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        me = weakref.ref(self)

        def call(server_view):
            t = me()  # the user's own tensor, as torch passes it (the server's handle if it is gone)
            result = hook(server_view if t is None else t)
            if result is not None:
                raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
        return self._remote_hook("register_post_accumulate_grad_hook", call)

    def __deepcopy__(self, memo):
        """A new leaf with a copy of the values (and of ``.grad``), as torch deep-copies leaves."""
        if self._grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                               "because of a torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        with grad_mode.no_grad():
            new = call("clone", self)
        new.__class__ = type(self)
        if self._requires_grad:
            new.requires_grad_(True)
        memo[id(self)] = new
        grad = self.grad
        if grad is not None:
            new.grad = copy.deepcopy(grad, memo)
        return new

    def __copy__(self):
        """A tensor on the same memory (torch's shallow copy)."""
        with grad_mode.no_grad():
            new = call("detach", self)
        new.__class__ = type(self)
        if self._requires_grad:
            new.requires_grad_(True)
        return new

    def _remote_hook(self, op: str, fn) -> "_RemovableHook":
        """Register client function ``fn`` with the server's tensor hook op ``op``."""
        return _remote_hook(self._conn, op, self, fn)

    def retain_grad(self) -> None:
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is not None:
            self._conn.submit("retain_grad", (self,), handle_of=_dispatch._handle_of)
            self._retains_grad = True

    def detach(self) -> "Tensor":
        out = call("detach", self)
        out._memory_of = self  # (the same memory: numpy() arrays of either follow in-place writes)
        out._inference = self._inference  # (the engine's detach keeps it too)
        return out

    def detach_(self) -> "Tensor":
        if getattr(self, "_view_base", None) is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                               "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of "
                               "DDP buckets, and hence detach_() cannot be called on these gradients. To fix this "
                               "error, please refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py "
                               "as the solution.")
        self._conn.submit("detach_", (self,), outputs=[self._id], nodes=[None], handle_of=_dispatch._handle_of)
        self._grad_fn = None
        self._requires_grad = False
        return self

    def is_contiguous(self, *, memory_format=None) -> bool:
        if memory_format is None:
            return bool(_dispatch.value("is_contiguous", self))
        return bool(_dispatch.value("is_contiguous", self, memory_format))

    @property
    def _version(self) -> int:
        """In-place writes to this tensor's storage so far (a value read: a sync point)."""
        if self._inference:
            raise RuntimeError("Inference tensors do not track version counter.")
        return _dispatch.value("version", self)

    def square(self):
        return call("pow", self, 2)

    def positive(self):
        if self._dtype is dtypes.bool_:
            raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
        return self

    def polygamma(self, n):
        return call("polygamma", n, self)

    def storage_offset(self) -> int:
        return _dispatch.value("storage_offset", self)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        from ._creation import tensor  # noqa: PLC0415
        return tensor(data, dtype=dtype or self._dtype, requires_grad=requires_grad, _source="tensor.new_tensor")

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        from ._creation import zeros  # noqa: PLC0415
        return zeros(*size, dtype=dtype or self._dtype, requires_grad=requires_grad, _op="new_zeros")

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        from ._creation import ones  # noqa: PLC0415
        return ones(*size, dtype=dtype or self._dtype, requires_grad=requires_grad, _op="new_ones")

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        from ._creation import empty  # noqa: PLC0415
        return empty(*size, dtype=dtype or self._dtype, requires_grad=requires_grad, _op="new_empty")

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        from ._creation import full  # noqa: PLC0415
        return full(size, fill_value, dtype=dtype or self._dtype, requires_grad=requires_grad)

    def clone(self, *, memory_format=None) -> "Tensor":
        if memory_format is None:
            return call("clone", self)
        return call("clone", self, memory_format=memory_format)

    def zero_(self) -> "Tensor":
        return call("zero_", self)

    # ----- values (sync points) ----------------------------------------------

    def _values(self) -> np.ndarray:
        _numpy_bridge.sync_source(self)
        nbytes = self.numel() * self._dtype.numpy.itemsize
        if nbytes > wire.INLINE_MAX_BYTES:
            return self._conn.download(self._id, self._dtype, self._shape)
        return _dispatch.value("numpy", self)

    def numpy(self, *, force: bool = False) -> np.ndarray:
        if not force:
            if self._requires_grad and _grad_state.enabled:  # torch allows it where grad mode is off
                raise RuntimeError(
                    "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
            self._check_host("numpy")
            if self._dtype is dtypes.bfloat16:  # NumPy has no bfloat16
                raise TypeError("Got unsupported ScalarType BFloat16")
        values = self._values()
        source = getattr(self, "_np_source", None)
        if source is not None and source.shape == values.shape:
            return source.view()   # from_numpy's array: the same memory, as in torch
        return _numpy_bridge.export(self, values) if self._device == "cpu" else values

    def _check_host(self, what: str) -> None:
        if self._device != "cpu":
            raise TypeError(f"can't convert {self._device} device type tensor to {what}. Use Tensor.cpu() to copy "
                            f"the tensor to host memory first.")

    def item(self):
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        _numpy_bridge.sync_source(self)
        return _dispatch.value("item", self)

    def tolist(self):
        return self._values().tolist()

    def __repr__(self) -> str:
        values = self._values()
        node = self._grad_fn
        name = node._class_name() if node is not None else None
        if getattr(self, "_view_mode", None) is not None and self._view_is_stale():
            name = "Invalid"  # torch's repr, where reading grad_fn raises
        tangent = None
        if _dispatch.fw_hook is not None:  # a dual level is active: a dual tensor shows its tangent
            from .autograd.forward_ad import tangent_of  # noqa: PLC0415
            tangent = tangent_of(self)
        return tensor_repr(values, self._dtype, device=self._device, requires_grad=self._requires_grad,
                           grad_fn_name=name, tangent=None if tangent is None else f"{tangent}")

    def __format__(self, spec: str) -> str:
        # torch formats a 0-d tensor as its Python number: f"{loss:.4f}", f"{t}" -> "7.0"
        if not self._shape:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with {'no values' if self.numel() == 0 else 'more than one value'}"
                               " is ambiguous")
        return bool(self.item())

    def __float__(self) -> float:
        self._check_python_scalar()
        return float(self.item())

    def __int__(self) -> int:
        self._check_python_scalar()
        return int(self.item())

    def __complex__(self) -> complex:
        self._check_python_scalar()
        return complex(self.item())

    def _check_python_scalar(self) -> None:
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        # torch warns once a process (float(x) / int(x) of a tensor that requires grad; item() does not)
        if self._requires_grad and not _SCALAR_WARNED:
            _SCALAR_WARNED.append(True)
            warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                          "Consider using tensor.detach() first. (Triggered internally at "
                          "/__w/pytorch/pytorch/torch/csrc/autograd/generated/python_variable_methods.cpp:822.)",
                          UserWarning, stacklevel=3)

    def __index__(self) -> int:
        if self._dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __array__(self, dtype=None, copy=None):
        self._check_host("numpy")
        values = self.detach()._values() if self._requires_grad else self._values()
        return values if dtype is None else values.astype(dtype)

    # ----- ops (methods with their own argument handling; the rest are generated below) -----

    def add(self, other, *, alpha=1):
        return call("add", self, other) if alpha == 1 else call("add", self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        return call("sub", self, other) if alpha == 1 else call("sub", self, other, alpha=alpha)

    def sum(self, dim=None, keepdim=False, *, dtype=None):
        return call("sum", self, *_reduction_args(dim, keepdim), **_dtype_kw(dtype))

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        return call("mean", self, *_reduction_args(dim, keepdim), **_dtype_kw(dtype))

    def max(self, dim=None, keepdim=False):
        if isinstance(dim, Tensor):
            return call("maximum", self, dim)
        return _return_type("max", call("max", self, *_reduction_args(dim, keepdim)))

    def min(self, dim=None, keepdim=False):
        if isinstance(dim, Tensor):
            return call("minimum", self, dim)
        return _return_type("min", call("min", self, *_reduction_args(dim, keepdim)))

    def sort(self, dim=-1, descending=False, stable=False):
        return RETURN_TYPES["sort"](*call("sort", self, dim, descending, **({"stable": True} if stable else {})))

    def argsort(self, dim=-1, descending=False, stable=False):
        return call("argsort", self, dim, descending, **({"stable": True} if stable else {}))

    def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - torch's name
        return RETURN_TYPES["topk"](*call("topk", self, k, dim, largest, sorted))

    def inverse(self):
        return call("linalg.inv", self)

    def det(self):
        return call("linalg.det", self)

    def slogdet(self):
        from .linalg import slogdet_result  # noqa: PLC0415 - linalg imports this module
        return slogdet_result(*call("linalg.slogdet", self))

    def norm(self, *args, **kwargs):
        p = args[0] if args else kwargs.get("p", "fro")
        if isinstance(p, str) and p == "nuc":  # a matrix norm: torch.linalg.matrix_norm's, from svdvals
            from .linalg import _nuclear_norm  # noqa: PLC0415
            return _nuclear_norm(self, *args[1:], **{k: v for k, v in kwargs.items() if k != "p"})
        return call("norm", self, *args, **kwargs)

    def kthvalue(self, k, dim=-1, keepdim=False):
        return RETURN_TYPES["kthvalue"](*call("kthvalue", self, k, dim, keepdim))

    def mode(self, dim=-1, keepdim=False):
        return RETURN_TYPES["mode"](*call("mode", self, dim, keepdim))

    def median(self, dim=None, keepdim=False):
        if dim is None:
            return call("median", self)
        return RETURN_TYPES["median"](*call("median", self, dim, keepdim))

    def nonzero(self, *, as_tuple=False):
        if as_tuple:
            out = call("nonzero", self, as_tuple=True)
            return out if isinstance(out, tuple) else (out,)
        return call("nonzero", self)

    def cummax(self, dim=None):
        return RETURN_TYPES["cummax"](*call("cummax", self, dim))

    def cummin(self, dim=None):
        return RETURN_TYPES["cummin"](*call("cummin", self, dim))

    def cumprod(self, dim=None, *, dtype=None):
        return call("cumprod", self, dim, **_dtype_kw(dtype))

    def roll(self, shifts=None, dims=None):
        if shifts is None:
            raise TypeError('roll() missing 1 required positional arguments: "shifts"')
        return call("roll", self, shifts, dims) if dims is not None else call("roll", self, shifts)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
        kwargs = {k: v for k, v in (("return_inverse", return_inverse), ("return_counts", return_counts),
                                    ("dim", dim)) if v}
        if dim == 0:
            kwargs["dim"] = 0
        return call("unique", self, **kwargs)

    def bincount(self, weights=None, minlength=0):
        kwargs = {"minlength": minlength} if minlength else {}
        return call("bincount", self, weights, **kwargs) if weights is not None else call("bincount", self, **kwargs)

    def msort(self):
        return call("msort", self)

    def reshape(self, *shape, **kwargs):
        return _maybe_view("reshape", self, _sizes_kwarg("reshape", shape, kwargs, "shape"), {})

    def view(self, *shape, **kwargs):
        shape = _sizes_kwarg("view", shape, kwargs, "size", "dtype")
        if len(shape) == 1 and isinstance(shape[0], dtypes.DType):   # the same memory read as another dtype
            return _as_view(self, call("view_dtype", self, shape[0]), True)
        return _as_view(self, call("view", self, *shape))

    def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
        from ._compose import repeat_interleave  # noqa: PLC0415
        return repeat_interleave(self, repeats, dim, output_size=output_size)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        from ._compose import isclose  # noqa: PLC0415
        return isclose(self, other, rtol, atol, equal_nan)

    def narrow(self, dim, start, length):
        from ._compose import narrow  # noqa: PLC0415
        return narrow(self, dim, start, length)

    def tensor_split(self, indices_or_sections, dim=0):
        from ._compose import tensor_split  # noqa: PLC0415
        return tensor_split(self, indices_or_sections, dim)

    def diff(self, n=1, dim=-1, prepend=None, append=None):
        from ._compose import diff  # noqa: PLC0415
        return diff(self, n, dim, prepend, append)

    def movedim(self, source, destination):
        from ._compose import movedim  # noqa: PLC0415
        return movedim(self, source, destination)

    moveaxis = movedim

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
        from . import allclose  # noqa: PLC0415
        return allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other) -> bool:
        from . import equal  # noqa: PLC0415
        return equal(self, other)

    def nelement(self) -> int:
        return self.numel()

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def permute(self, *dims, **kwargs):
        return _as_view(self, call("permute", self, *_sizes_kwarg("permute", dims, kwargs, "dims")), strided=True)

    def expand(self, *sizes, **kwargs):
        kwargs.pop("implicit", None)
        return _as_view(self, call("expand", self, *_sizes_kwarg("expand", sizes, kwargs, "size")), strided=True)

    def expand_as(self, other):
        return self.expand(other.size())

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None):
        return _random_fill(self, "normal_", float(mean), float(std), generator=generator)

    def uniform_(self, *args, generator=None, **kwargs):
        """uniform_(from=0, to=1): torch's parameter ``from`` is a Python keyword, so it comes in kwargs."""
        params = _fill_params("uniform_", ("from", 0.0), ("to", 1.0), args, kwargs)
        return _random_fill(self, "uniform_", *params, generator=generator)

    def bernoulli(self, p=None, *, generator=None):
        from ._creation import bernoulli  # noqa: PLC0415
        return bernoulli(self, p, generator=generator)

    def bernoulli_(self, p=0.5, *, generator=None):
        from ._creation import bernoulli_  # noqa: PLC0415
        return bernoulli_(self, p, generator=generator)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        from ._creation import multinomial  # noqa: PLC0415
        return multinomial(self, num_samples, replacement, generator=generator)

    def random_(self, *args, generator=None, **kwargs):
        """random_(), random_(to), random_(from, to): integers uniform in [from, to) (to: what the dtype holds)."""
        low, high = None, kwargs.pop("to", None)  # low None: not given (random_(to) records RandomBackward1)
        if "from" in kwargs:
            low = kwargs.pop("from")
        if kwargs:
            raise TypeError(f"random_() got an unexpected keyword argument '{next(iter(kwargs))}'")
        if len(args) == 1:
            high = args[0]
        elif len(args) == 2:
            low, high = args
        elif args:
            raise TypeError(f"random_() takes at most 2 arguments ({len(args)} given)")
        for name, v in (("from", low), ("to", high)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
                raise TypeError(f"random_(): argument '{name}' must be int, not {type(v).__name__}")
        if high is not None and (low or 0) >= high:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low or 0} >= to={high}")
        return call("random_", self, low, high, **_generator_kw({}, generator))

    def swapaxes_(self, axis0, axis1):
        return call("transpose_", self, axis0, axis1)

    def count_nonzero(self, dim=None):
        return (self != 0).sum(dim) if dim is not None else (self != 0).sum()

    @property
    def _base(self):
        """The tensor this one is a view of (torch's ``_base``), or None."""
        base = getattr(self, "_view_base", None)
        custom = getattr(self, "_custom_view", None)  # a custom Function's output on an input's memory
        if base is None and custom is not None and custom[0] is self._grad_fn:
            return custom[2]
        return base

    def _is_view(self) -> bool:
        return self._base is not None

    def repeat(self, *sizes):
        return call("repeat", self, *sizes)

    def to(self, *args, **kwargs):
        """torch's Tensor.to: ``to(dtype)``, ``to(device, dtype=None)``, ``to(other)``; ``copy=``."""
        dev, dtype, copy = parse_to(args, kwargs, _tensor_attrs)
        out = self._to(dev, dtype, copy)
        layout = kwargs.get("memory_format")
        return out if layout is None or layout.name == "preserve_format" else out.contiguous(memory_format=layout)

    def _to(self, dev, dtype, copy=False):
        if dtype is self._dtype:
            dtype = None
        if dev == self._device:
            dev = None
        if dev is None and dtype is None and not copy:
            return self
        kwargs = {"device": dev} if dev is not None else {}
        if copy:
            kwargs["copy"] = True
        return call("to", self, dtype, **kwargs) if dtype is not None else call("to", self, **kwargs)

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    def bfloat16(self):
        return self.to(dtypes.bfloat16)

    def long(self):
        return self.to(dtypes.int64)

    def int(self):
        return self.to(dtypes.int32)

    def short(self):
        return self.to(dtypes.int16)

    def char(self):
        return self.to(dtypes.int8)

    def byte(self):
        return self.to(dtypes.uint8)

    def bool(self):
        return self.to(dtypes.bool_)

    def type(self, dtype=None, non_blocking=False, **kwargs):
        """``x.type()``: torch's type name ("torch.FloatTensor"); ``x.type(t)``: x converted to ``t``, a
        dtype, a legacy tensor type (torch.DoubleTensor) or its name ("torch.cuda.DoubleTensor")."""
        if dtype is None:
            return f"torch.{'cuda.' if self._device != 'cpu' else ''}{self._dtype._torch_name}Tensor"
        from ._creation import legacy_type  # noqa: PLC0415
        dtype, dev = legacy_type(dtype)
        return self.to(dtype) if dev is None else self.to(dev, dtype)

    def cpu(self):
        return self._to("cpu", None)

    def cuda(self, device=None, non_blocking=False):
        if device is None:
            dev = "cuda:0"
        elif isinstance(device, int) and not isinstance(device, bool):
            dev = f"cuda:{device}"
        else:
            dev = device_str(device)
            if dev == "cpu":
                raise RuntimeError("Invalid device, must be cuda device")
        return self._to(dev, None)

    @property
    def is_cuda(self) -> bool:
        return self._device != "cpu"

    def is_floating_point(self) -> bool:
        return self._dtype.is_floating_point

    def element_size(self) -> int:
        return self._dtype.itemsize

    itemsize = property(element_size)

    @property
    def nbytes(self) -> int:
        return self.numel() * self._dtype.itemsize

    @property
    def layout(self):
        return dtypes.strided

    @property
    def T(self):
        if len(self._shape) > 2 or not self._shape:
            warn_once(shapes.T_WARNINGS[len(self._shape) > 2], stacklevel=3)
        return _as_view(self, call("permute", self, *range(len(self._shape) - 1, -1, -1)), strided=True)

    @property
    def mT(self):
        shapes.check_matrix_transpose("mT", len(self._shape))
        return _as_view(self, call("transpose", self, -2, -1), strided=True)

    def adjoint(self):
        shapes.check_matrix_transpose("adjoint()", len(self._shape))
        return _as_view(self, call("transpose", self, -2, -1), strided=True).conj()

    @property
    def mH(self):
        shapes.check_matrix_transpose("mH", len(self._shape))
        return _as_view(self, call("transpose", self, -2, -1), strided=True).conj()

    @property
    def H(self):
        shapes.check_matrix_transpose("H", len(self._shape))
        if len(self._shape) == 0:
            warnings.warn(shapes.H_OF_A_SCALAR, UserWarning, stacklevel=2)
            return self
        return _as_view(self, call("transpose", self, -2, -1), strided=True).conj()

    @property
    def data(self):
        out = call("detach", self, True)  # the same memory, with a version counter of its own (torch)
        out._inference = self._inference
        return out

    @data.setter
    def data(self, value) -> None:
        """``t.data = other``: t keeps its identity and takes other's values, shape and dtype."""
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        with grad_mode.no_grad():
            self._conn.submit("set_data", (self, value), handle_of=_dispatch._handle_of)
        self._shape, self._dtype, self._device = value._shape, value._dtype, value._device
        _numpy_bridge.refresh(self)

    def __getitem__(self, index):
        if type(index) is not int and type(index) is not slice:
            index = _plain_index(index)
        out = call("getitem", self, index)
        return _as_view(self, out, not _keeps_contiguous(index)) if _is_basic_index(index) else out

    def __setitem__(self, index, value, _accumulate=False) -> None:
        if type(index) is not int and type(index) is not slice:
            index = _plain_index(index)
        if getattr(self, "_view_mode", None) is not None and grad_mode.is_grad_enabled():
            _check_setitem_view_mode(self, index, value)
        if (self._requires_grad and self._grad_fn is None and grad_mode.is_grad_enabled()
                and _writes_through_view(self._shape, index)):
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
        if _accumulate:
            call("setitem", self, index, value, accumulate=True)
        else:
            call("setitem", self, index, value)

    def __rsub__(self, other):
        return call("rsub", self, other)

    def __rtruediv__(self, other):
        return call("mul", call("reciprocal", self), other)  # torch's node: MulBackward0

    def __rfloordiv__(self, other):
        return call("floor_divide", _scalar_operand(self, other), self)

    def __rmod__(self, other):
        return call("remainder", _scalar_operand(self, other), self)

    def __rpow__(self, other):
        return call("pow", other, self)

    def __pos__(self):
        return self

    def __invert__(self):
        if self._dtype.is_floating_point:
            raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
        return call("logical_not" if self._dtype is dtypes.bool_ else "bitwise_not", self)

    __hash__ = object.__hash__

    def matrix_power(self, n):
        return call("matrix_power", self, n)

    def matrix_exp(self):
        return call("matrix_exp", self)

    def cholesky_solve(self, input2, upper=False):
        return call("cholesky_solve", self, input2, upper)


def _remote_hook(conn, op: str, target, fn) -> "_RemovableHook":
    """Register client function ``fn`` with the server's hook op ``op`` on ``target`` (a tensor, a node)."""
    function_id = conn.register_function(fn)
    return _RemovableHook(conn, function_id, _dispatch.new_object(op, target, function_id))


class _RemovableHook:
    """What register_hook returns: ``remove()`` takes the hook off the server's tensor or node."""

    def __init__(self, conn, function_id, handle):
        self._conn = conn
        self._function_id = function_id
        self._handle = handle

    def remove(self) -> None:
        if self._handle is not None:
            self._conn.submit("remove_hook", (self._handle,), handle_of=_dispatch._handle_of)
            self._conn.unregister_function(self._function_id)
            self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


# torch's names (repr and type(h).__name__)
_RemovableHook.__module__ = "torch.utils.hooks"
_RemovableHook.__qualname__ = _RemovableHook.__name__ = "RemovableHandle"


def _generator_kw(kwargs: dict, generator) -> dict:
    """``generator=`` for a random fill (see _creation._generator_kw)."""
    if generator is None:
        return kwargs
    from ._creation import _generator_kw as add  # noqa: PLC0415 - _creation imports this module
    return add(kwargs, generator)


def _as_view(base, out, strided: bool = False):
    """Marks ``out`` (a Tensor or a tuple of them) as a view of ``base``'s root, as the server's
    views are: an in-place op on a view rewrites the root's history (CopySlices). ``strided``: the view
    may not be contiguous (nor may a view of a view that may not be), so ``view()`` of it asks the server."""
    root = getattr(base, "_view_base", None)
    if root is None:
        root = base
    if base._inference:  # a view of an inference tensor is one (torch)
        for o in out if isinstance(out, tuple) else (out,):
            o._inference = True
    if strided or getattr(base, "_strided", False):
        for o in out if isinstance(out, tuple) else (out,):
            o._strided = True
    if isinstance(out, tuple):
        for o in out:
            o._view_base = root
    else:
        out._view_base = root
        if getattr(base, "_multi_view", None) is not None:
            out._multi_view = 0  # a view of an output of split/unbind: as that output
    if not _grad_state.enabled:
        _made_without_grad(base, root, out if isinstance(out, tuple) else (out,))
    else:
        if root._requires_grad:  # an in-place write into the root's memory renames their nodes (_dispatch)
            views = getattr(root, "_live_views", None)
            if views is None:
                views = root._live_views = weakref.WeakSet()
            views.update(out if isinstance(out, tuple) else (out,))
        mode = getattr(base, "_view_mode", None)
        if mode is not None:  # a view (made with grad on) of a view made in no_grad mode: as that view
            for o in out if isinstance(out, tuple) else (out,):
                o._view_mode = mode
    return out


def _sizes_kwarg(op: str, args: tuple, kwargs: dict, *names) -> tuple:
    """A shape method's sizes: given positionally, or as its keyword (``view(size=...)``, ``view(dtype=...)``)."""
    if not kwargs:
        return args
    bad = next((k for k in kwargs if k not in names), None)
    if bad is not None and op == "view":
        why = f"      didn't match because some of the keywords were incorrect: {bad}\n"
        got = ", ".join([type(a).__name__ for a in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()])
        raise TypeError(f"view() received an invalid combination of arguments - got ({got}, ), but expected one "
                        f"of:\n * (torch.dtype dtype)\n{why} * (tuple of ints size)\n{why}")
    if bad is not None:
        if not args:
            raise TypeError(f'{op}() missing 1 required positional arguments: "{names[0]}"')
        raise TypeError(f"{op}() got an unexpected keyword argument '{bad}'")
    if args or len(kwargs) > 1:
        raise TypeError(f"{op}() got multiple values for argument '{next(iter(kwargs))}'")
    return tuple(kwargs.values())


def _maybe_view(op: str, base, args, kwargs):
    """reshape / flatten: a view of ``base`` where its memory allows one, else a copy. Only the server knows
    the memory layout; where it matters (grad mode off: a view then requires grad when its root does, a copy
    does not) and ``base`` may not be contiguous (it is itself a view), wait for the server's answer."""
    if op == "flatten" and base._shape:
        nd = len(base._shape)
        start = args[0] if args else kwargs.get("start_dim", 0)
        end = args[1] if len(args) > 1 else kwargs.get("end_dim", -1)
        if (type(start) is int and type(end) is int and -nd <= start < nd and -nd <= end < nd
                and start % nd == end % nd):
            return base  # nothing to flatten: torch returns the input itself (so does the server)
    root = getattr(base, "_view_base", None)
    if root is not None and root._requires_grad and not _grad_state.enabled:
        out = _dispatch._call_and_wait(base._conn, op, (base, *args), kwargs, False)
        return _as_view(base, out) if out._requires_grad else out
    return _as_view(base, call(op, base, *args, **kwargs))


def _made_without_grad(base, root, outs) -> None:
    """Views made in no_grad (or inference) mode, as torch makes them: they require grad when their base
    does (still leaves, without grad_fn), remember the mode (writing into them in place with grad mode on
    is an error) and are no outputs of split/unbind any more; made in inference mode of a normal tensor,
    they are normal tensors."""
    mode = views.created_mode(_grad_state.inference, getattr(base, "_view_mode", None))
    requires_grad = root._requires_grad
    for o in outs:
        o._view_mode = mode
        o._multi_view = None
        if requires_grad and o._dtype.is_floating_point:
            o._requires_grad = True
        if _grad_state.inference:
            o._inference = base._inference


def _check_setitem_view_mode(t, index, value) -> None:
    """``v[index] = value`` into a view made in no_grad mode, recorded: torch's error. torch writes into the
    last view the index makes of ``v`` (its node is named in the text when that view is recorded)."""
    mode = t._view_mode
    if mode != views.INFERENCE and getattr(t, "_multi_view", None) is not None:
        return  # the multi-view rule (in-place dispatch) applies
    if not (t._requires_grad or (isinstance(value, Tensor) and value._requires_grad)):
        return
    node = t._grad_fn
    name = node._class_name() if node is not None else None
    if t._requires_grad:
        name = _last_view_node(t._shape, index) or name
    raise RuntimeError(views.view_mode_message(mode, name))


def _last_view_node(shape, index):
    """The node name of the last view torch's indexing makes for ``x[index]`` (select, a slice that is not
    the whole dim, None), or None when it makes none."""
    items = index if isinstance(index, tuple) else (index,)
    used = 0
    for i in items:
        if i is None or i is Ellipsis:
            continue
        if isinstance(i, Tensor) and i._dtype is dtypes.bool_:
            used += max(len(i._shape), 1)
        else:
            used += 1
    name = None
    dim = 0
    for i in items:  # dim: the dim of x the item indexes
        if i is None or (i is True or i is False):
            name = "UnsqueezeBackward0"
        elif i is Ellipsis:
            dim += len(shape) - used
        elif isinstance(i, slice):
            n = shape[dim] if dim < len(shape) else 0
            if len(range(*i.indices(n))) != n:
                name = "SliceBackward0"
            dim += 1
        elif isinstance(i, Tensor) and i._dtype is dtypes.bool_:
            dim += max(len(i._shape), 1)
        elif isinstance(i, Tensor) and not i._shape and not i._dtype.is_floating_point:
            name = "SelectBackward0"
            dim += 1
        elif isinstance(i, (list, Tensor)):
            dim += 1
        else:
            name = "SelectBackward0"  # an int
            dim += 1
    return name


def _as_multi_view(base, outs: tuple) -> tuple:
    """The outputs of split/chunk/unbind: views of base, each remembering its position (with grad mode on,
    torch forbids writing into one in place while grad is recorded)."""
    _as_view(base, outs)
    if grad_mode.is_grad_enabled():
        for i, o in enumerate(outs):
            o._multi_view = i
    return outs


def multi_view_message(t) -> str:
    """torch's error for an in-place write, with grad, into an output of split/chunk/unbind (or a view of one)."""
    node = t._grad_fn
    if node is None:
        head = "A view was created in no_grad mode and is being modified inplace with grad mode enabled."
    else:
        name = re.sub(r"Backward\d*$", "", node._class_name())
        head = f"Output {t._multi_view} of {name} is a view and is being modified inplace."
    return (head + " This view is the output of a function that returns multiple views. Such functions do not "
            "allow the output views to be modified inplace. You should replace the inplace operation by an "
            "out-of-place one.")


def _index_item(i, inner: bool):
    """One index item as the wire takes it: NumPy arrays and scalars as tensors and numbers; a range, or a
    tuple inside the index, as a list."""
    if isinstance(i, np.ndarray):
        from ._creation import tensor  # noqa: PLC0415
        return tensor(i)
    if isinstance(i, np.generic):
        return i.item()
    if isinstance(i, range) or inner and type(i) is tuple:
        return list(i)
    return i


def _plain_index(index):
    if type(index) is tuple:
        return tuple(_index_item(i, True) for i in index)
    return _index_item(index, False)


def _keeps_contiguous(index) -> bool:
    """Whether basic indexing keeps a contiguous tensor contiguous: leading ints, then one slice of step 1
    (or an Ellipsis), then only whole dims."""
    sliced = False
    for i in index if isinstance(index, tuple) else (index,):
        if i is None:
            continue
        if isinstance(i, slice):
            if i.step not in (None, 1):
                return False
            whole = i.start is None and i.stop is None
            if sliced and not whole:
                return False
            sliced = True
        elif i is Ellipsis:
            sliced = True
        elif sliced:  # an int after a sliced dim
            return False
    return True


def _is_basic_index(index) -> bool:
    """ints, slices, None and Ellipsis only: the result is a view."""
    for i in index if isinstance(index, tuple) else (index,):
        if not (i is None or i is Ellipsis or isinstance(i, slice)
                or (isinstance(i, int) and not isinstance(i, bool))):
            return False
    return True


def _writes_through_view(shape, index) -> bool:
    """Whether ``x[index] = v`` writes through a view of x (torch then names the leaf a view's):
    an int, a None, or a slice that is not the whole dim."""
    if not _is_basic_index(index):
        return False
    items = index if isinstance(index, tuple) else (index,)
    if Ellipsis in items:
        e = items.index(Ellipsis)
        n_real = sum(1 for i in items if i is not None and i is not Ellipsis)
        items = items[:e] + (slice(None),) * (len(shape) - n_real) + items[e + 1:]
    dim = 0
    for i in items:
        if i is None or isinstance(i, int):
            return True
        if dim < len(shape) and len(range(*i.indices(shape[dim]))) != shape[dim]:
            return True
        dim += 1
    return False


def _viewing(op: str):
    """A method for a view op: the op, its output(s) marked as views of self."""
    if op == "flatten" or op == "reshape":
        def method(self, *args, **kwargs):
            return _maybe_view(op, self, args, kwargs)
    elif op in MULTI_VIEW_OPS:
        def method(self, *args, **kwargs):
            out = call(op, self, *args, **kwargs)
            return _as_multi_view(self, out if isinstance(out, tuple) else (out,))  # a tuple, even of one
    else:
        strided = op in ("transpose", "t", "unfold", "diagonal")
        def method(self, *args, **kwargs):
            return _as_view(self, call(op, self, *args, **kwargs), strided)
    method.__name__ = op
    method.__qualname__ = f"Tensor.{op}"
    method.__doc__ = f"torch.Tensor.{op} (a view), run on the server."
    return method


VIEW_OPS = ("flatten", "transpose", "t", "squeeze", "unsqueeze", "split", "chunk", "unbind", "unfold", "diagonal")
MULTI_VIEW_OPS = ("split", "chunk", "unbind")


def _reduction_args(dim, keepdim):
    if dim is None and not keepdim:
        return ()
    return (dim, keepdim)


def _dtype_kw(dtype):
    return {"dtype": dtype} if dtype is not None else {}


def _return_type(name, out):
    """torch.return_types.max(values=..., indices=...) for reductions over a dim."""
    if isinstance(out, tuple):
        return RETURN_TYPES[name](*out)
    return out


ALL_RETURN_TYPES: dict = {}   # name -> class: what gradwire.return_types holds


def return_type(name: str, fields: tuple = ("values", "indices")) -> type:
    """torch.return_types.<name>: a tuple whose items are also named ``fields``, with torch's repr (one class
    per name: asked again, the same class)."""
    known = ALL_RETURN_TYPES.get(name)
    if known is not None and known._fields == tuple(fields):
        return known

    def __new__(cls, *items):
        return tuple.__new__(cls, items)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"torch.return_types.{self._name}(\n{body})"

    attrs = {"__new__": __new__, "__repr__": __repr__, "_name": name, "_fields": fields, "__slots__": (),
             "__module__": "torch.return_types"}
    for i, f in enumerate(fields):
        attrs[f] = property(lambda self, i=i: self[i])
    cls = ALL_RETURN_TYPES[name] = type(name, (tuple,), attrs)
    return cls


RETURN_TYPES = {name: return_type(name)
                for name in ("max", "min", "sort", "topk", "kthvalue", "median", "mode", "cummax", "cummin")}


def _method(op: str):
    def method(self, *args, **kwargs):
        return call(op, self, *args, **kwargs)
    method.__name__ = op
    method.__qualname__ = f"Tensor.{op}"
    method.__doc__ = f"torch.Tensor.{op}, run on the server."
    return method


def _reflected(op: str):
    def method(self, other):
        return call(op, self, other)
    return method


# Tensor methods that are the op of the same name with self first.
METHOD_OPS = (
    "mv", "mul", "div", "pow", "neg", "abs", "sign", "exp", "expm1", "log", "log1p", "log2", "log10", "exp2", "erf",
    "atan2", "arctan2", "hypot", "sqrt", "rsqrt", "sin",
    "cos", "tan", "tanh", "sigmoid", "relu", "floor", "ceil", "round", "clamp", "clip", "maximum", "minimum",
    "reciprocal", "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not",
    "isnan", "isinf", "isfinite", "prod", "amax", "amin", "argmax", "argmin", "all", "any", "logsumexp", "var",
    "std", "cumsum", "flatten", "transpose", "t", "squeeze", "unsqueeze", "split", "chunk",
    "unbind", "flip", "rot90", "tril", "triu", "index_select", "gather", "scatter_add", "masked_fill", "contiguous", "matmul",
    "mm",
    "bmm", "dot", "outer", "softmax", "log_softmax", "fill_", "add_", "sub_", "mul_", "div_", "copy_", "clamp_",
    "masked_fill_", "scatter_add_", "clamp_min", "clamp_max", "exp_", "log_", "neg_", "abs_", "sqrt_", "rsqrt_", "sigmoid_",
    "tanh_", "sin_", "cos_", "floor_", "ceil_", "round_", "reciprocal_", "pow_", "clamp_min_", "clamp_max_",
    "sign_", "expm1_", "log1p_", "relu_", "remainder", "floor_divide", "scatter", "scatter_", "index_add",
    "index_add_", "index_fill", "index_fill_", "masked_select", "take", "argwhere", "diagonal", "diag", "diag_embed",
    "trace", "cross", "kron", "lerp", "addmm", "addcmul", "addcdiv", "sgn", "lerp_", "addmm_", "addcmul_", "addcdiv_",
    "vdot", "addmv", "addr", "baddbmm", "addbmm", "addmv_", "addr_", "baddbmm_", "addbmm_",
    "sgn_", "trunc", "fix", "frac", "trunc_", "frac_", "transpose_", "t_", "squeeze_", "unsqueeze_",
    "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan", "arcsinh",
    "arccosh", "arctanh", "lgamma", "digamma", "erfinv", "i0", "sinc", "logit", "nan_to_num", "xlogy", "logaddexp",
    "logaddexp2", "fmod", "copysign", "heaviside", "float_power", "nansum", "nanmean", "deg2rad", "rad2deg",
    "logdet", "unfold", "polygamma_", "sinh_", "cosh_", "asin_", "acos_", "atan_", "asinh_", "acosh_", "atanh_",
    "arcsin_", "arccos_", "arctan_", "arcsinh_", "arccosh_", "arctanh_", "lgamma_", "digamma_", "erfinv_", "i0_",
    "sinc_", "deg2rad_", "rad2deg_", "logit_", "nan_to_num_", "xlogy_", "fmod_", "copysign_", "heaviside_",
    "square_", "erfc", "mvlgamma", "ldexp", "fmax", "fmin", "isposinf", "isneginf", "signbit", "erfc_", "ldexp_",
    "mvlgamma_", "float_power_", "logcumsumexp", "nextafter",
    "eq_", "ne_", "lt_", "le_", "gt_", "ge_", "logical_and_", "logical_or_", "logical_xor_", "logical_not_",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_and_", "bitwise_or_", "bitwise_xor_",
    "bitwise_not_", "cumsum_", "cumprod_", "tril_", "triu_", "log2_", "log10_", "erf_", "exp2_", "tan_", "hypot_",
    "remainder_", "floor_divide_", "atan2_", "nextafter_", "fix_", "bitwise_left_shift_", "bitwise_right_shift_",
)
for _op in METHOD_OPS:
    setattr(Tensor, _op, _viewing(_op) if _op in VIEW_OPS else _method(_op))

# torch's other names for the same methods (NumPy's and the Array API's spellings).
METHOD_ALIASES = {
    "absolute": "abs", "absolute_": "abs_", "negative": "neg", "negative_": "neg_", "clip_": "clamp_",
    "divide": "div", "divide_": "div_", "true_divide": "div", "true_divide_": "div_", "multiply": "mul",
    "multiply_": "mul_", "subtract": "sub", "subtract_": "sub_", "greater": "gt", "greater_equal": "ge",
    "less": "lt", "less_equal": "le", "not_equal": "ne", "swapaxes": "transpose", "swapdims": "transpose",
    "swapdims_": "transpose_", "ndimension": "dim", "greater_": "gt_", "greater_equal_": "ge_", "less_": "lt_",
    "less_equal_": "le_", "not_equal_": "ne_", "arctan2_": "atan2_", "ger": "outer",
}  # (applied below, once every method, the in-place comparisons included, exists)



_PLAIN_OPERANDS = frozenset((int, float, bool, complex))


def _operand(other, arrays: bool = False):
    """A binary operator's other operand as torch takes it: tensors and Python numbers as they are, NumPy
    scalars as Python numbers, arrays (on the left only) as tensors; None for anything else (the operator
    then returns NotImplemented, so Python raises its own TypeError or tries the other side)."""
    if isinstance(other, Tensor) or type(other) in _PLAIN_OPERANDS:
        return other
    if isinstance(other, np.generic):
        return other.item()
    if arrays and isinstance(other, np.ndarray):
        from ._creation import tensor  # noqa: PLC0415
        return tensor(other)
    return other if isinstance(other, (int, float, complex)) else None


def _operator(op: str, reflected: bool = False, arrays: bool = True):
    """``x + y`` and ``y + x`` (reflected: the op runs with ``y`` first; arrays: an ndarray operand
    becomes a tensor, as torch does on the right of a tensor only)."""
    def method(self, other):
        if type(other) not in _PLAIN_OPERANDS and not isinstance(other, Tensor):
            other = _operand(other, arrays)
            if other is None:
                return NotImplemented
        return call(op, other, self) if reflected else call(op, self, other)
    method.__name__ = op
    return method


# Shifts (bit masks and packed pixels in uint8 & co).
for _op in ("bitwise_left_shift", "bitwise_right_shift"):
    setattr(Tensor, _op, _method(_op))
Tensor.__lshift__ = _operator("bitwise_left_shift")
Tensor.__rshift__ = _operator("bitwise_right_shift")
Tensor.__rlshift__ = _operator("bitwise_left_shift", True)
Tensor.__rrshift__ = _operator("bitwise_right_shift", True)

# Operators: the forward ones call the op with self first; reflected ones of
# commutative ops are the same op.
for _dunder, _op in {
        "__add__": "add", "__radd__": "add", "__sub__": "sub", "__mul__": "mul", "__rmul__": "mul",
        "__truediv__": "div", "__pow__": "pow", "__matmul__": "matmul", "__neg__": "neg", "__abs__": "abs",
        "__eq__": "eq", "__ne__": "ne", "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge",
        "__and__": "bitwise_and", "__or__": "bitwise_or", "__xor__": "bitwise_xor",
        "__rand__": "bitwise_and", "__ror__": "bitwise_or", "__rxor__": "bitwise_xor",
        "__floordiv__": "floor_divide", "__mod__": "remainder",
        "__iadd__": "add_", "__isub__": "sub_", "__imul__": "mul_", "__itruediv__": "div_", "__idiv__": "div_",
        "__ifloordiv__": "floor_divide_", "__imod__": "remainder_", "__ipow__": "pow_", "__iand__": "bitwise_and_",
        "__ior__": "bitwise_or_", "__ixor__": "bitwise_xor_", "__ilshift__": "bitwise_left_shift_",
        "__irshift__": "bitwise_right_shift_"}.items():
    setattr(Tensor, _dunder, _method(_op) if _op in ("neg", "abs") else _operator(_op, arrays=_dunder[2] != "r"))


def _matmul_operator(self, other):
    return call("matmul", self, other) if isinstance(other, Tensor) else NotImplemented


def _rmatmul_operator(self, other):
    return call("matmul", other, self) if isinstance(other, Tensor) else NotImplemented


Tensor.__matmul__, Tensor.__rmatmul__ = _matmul_operator, _rmatmul_operator
del _dunder, _op


def _scalar_operand(like: Tensor, other):
    """``other`` as a tensor for ops whose first operand must be one: a tensor as it is, a Python number as a
    0-d tensor on ``like``'s device (it then promotes as the number would)."""
    if isinstance(other, Tensor):
        return other
    from ._creation import full  # noqa: PLC0415
    return full((), other, dtype=dtypes.scalar_dtype(other), device=like._device)


def _takes_operand(method):
    """A reflected operator with its own body (``2 - x``, ``2 / x`` ...) takes operands as ``_operator`` does."""
    def wrapper(self, other):
        other = _operand(other)
        return NotImplemented if other is None else method(self, other)
    wrapper.__name__ = method.__name__
    return wrapper


for _dunder in ("__rsub__", "__rtruediv__", "__rfloordiv__", "__rmod__", "__rpow__"):
    setattr(Tensor, _dunder, _takes_operand(getattr(Tensor, _dunder)))
Tensor.__array_priority__ = 1000  # ndarray + tensor: NumPy leaves it to the tensor's reflected operator
del _dunder


# ---- the tail of torch's Tensor API ----------------------------------------------------------------------

for _alias, _op in METHOD_ALIASES.items():
    setattr(Tensor, _alias, getattr(Tensor, _op))
del _alias, _op


def _tensor_is_signed(self) -> bool:
    return self._dtype not in (dtypes.bool_, dtypes.uint8)


def _tensor_real(self):
    return call("real", self) if self._dtype.is_complex else self  # a real tensor is its own real part


def _tensor_imag(self):
    if not self._dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    out = call("imag", self)
    if getattr(self, "_conj_bit", False):
        out._neg_bit = True  # torch: the imaginary part of a conjugate view is a negative view
    return out


# torch's conj() is a lazy view with a conjugate bit; the server computes it, and the bits only answer
# is_conj()/is_neg() (resolve_conj()/resolve_neg() clear them) as torch's do.
def _tensor_conj(self):
    if not self._dtype.is_complex:
        return self  # (a real tensor's conjugate is itself)
    out = call("conj", self)
    out._conj_bit = not getattr(self, "_conj_bit", False)
    return out


def _tensor_conj_physical(self):
    return call("conj", self) if self._dtype.is_complex else self


def _resolved(bit: str):
    def resolve(self):
        return self.clone() if getattr(self, bit, False) else self
    return resolve


def _tensor_data_ptr(self) -> int:
    """The address of the first element in the server's memory (a value read: a sync point)."""
    return _dispatch.value("data_ptr", self)


def _tensor_is_set_to(self, tensor) -> bool:
    """Whether both tensors stand on the same memory with the same offset, size and stride."""
    return (self._device == tensor._device and tuple(self._shape) == tuple(tensor._shape)
            and self.untyped_storage().data_ptr() == tensor.untyped_storage().data_ptr()
            and self.storage_offset() * self.element_size() == tensor.storage_offset() * tensor.element_size()
            and self.stride() == tensor.stride())


def _tensor_pin_memory(self, device=None):
    """Page-locked host memory is a property of the server's process; a copy stands for it where torch could pin."""
    from . import cuda  # noqa: PLC0415
    if not cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    if self._device != "cpu":
        raise RuntimeError(f"cannot pin '{self.type()}' only dense CPU tensors can be pinned")
    return self.clone()


def _tensor_new(self, *args, dtype=None, device=None, requires_grad=False):
    """The legacy constructor: ``x.new(sizes...)`` (uninitialised), ``x.new(data)``, ``x.new(tensor)``,
    all in x's dtype."""
    from ._creation import legacy_new  # noqa: PLC0415
    out = legacy_new(dtype or self._dtype, args, {})
    return out.requires_grad_(True) if requires_grad else out


_NO_OTHER = object()


def _tensor_where(self, condition, y=_NO_OTHER):
    if y is _NO_OTHER:
        raise TypeError("where() received an invalid combination of arguments - got (Tensor), but expected one of:\n"
                        " * (Tensor condition, Tensor other)\n * (Tensor condition, Number other)\n")
    return call("where", condition, self, y)


def _split_with_sizes(self, split_sizes, dim=0):
    return self.split(list(split_sizes), dim)


def _unsafe(op: str):
    def method(self, *args, **kwargs):
        return tuple(getattr(self, op)(*args, **kwargs))  # not views torch tracks: still views of self here
    method.__name__ = method.__qualname__ = "unsafe_" + op
    return method


for _name, _value in {
        "is_signed": _tensor_is_signed, "is_complex": lambda self: self._dtype.is_complex,
        "is_conj": lambda self: getattr(self, "_conj_bit", False), "is_neg": lambda self: getattr(self, "_neg_bit", False),
        "resolve_conj": _resolved("_conj_bit"), "resolve_neg": _resolved("_neg_bit"), "conj": _tensor_conj,
        "conj_physical": _tensor_conj_physical, "new": _tensor_new, "where": _tensor_where,
        "split_with_sizes": _split_with_sizes, "unsafe_chunk": _unsafe("chunk"), "unsafe_split": _unsafe("split"),
        "broadcast_to": lambda self, *size: self.expand(*size), "data_ptr": _tensor_data_ptr,
        "untyped_storage": storage.untyped_storage, "storage": storage.typed_storage,
        "storage_type": storage.storage_type, "is_set_to": _tensor_is_set_to, "pin_memory": _tensor_pin_memory,
}.items():
    setattr(Tensor, _name, _value)
Tensor.is_cpu = property(lambda self: self._device == "cpu")
# layouts and backends gradwire does not have: torch's answers for a dense CPU/CUDA tensor
for _name in ("is_sparse", "is_quantized", "is_meta", "is_mkldnn", "is_mps", "is_nested", "is_xpu", "is_ipu",
              "is_vulkan", "is_xla", "is_maia", "is_mtia", "is_sparse_csr"):
    setattr(Tensor, _name, property(lambda self: False))
for _name in ("is_pinned", "is_shared", "is_distributed"):
    setattr(Tensor, _name, lambda self: False)
Tensor.share_memory_ = lambda self: self  # (the server holds the memory)
Tensor.__module__ = "torch"  # type(x): <class 'torch.Tensor'>
Tensor.real = property(_tensor_real)
Tensor.imag = property(_tensor_imag)
def _output_nr(self) -> int:
    """The output of its grad_fn this tensor is: (node, nr) recorded where an op made several outputs."""
    node = self.grad_fn
    if node is None:
        return 0
    recorded = getattr(self, "_output_nr", None)
    if recorded is not None and recorded[0] is node:
        return recorded[1]
    return getattr(self, "_multi_view", None) or 0


Tensor.output_nr = property(_output_nr)
del _name, _value

# ---- the tail of torch's ops (engine/ops/extra_ops.py) ------------------------------------------
RETURN_TYPES["nanmedian"] = return_type("nanmedian")


def _nanmedian(self, dim=None, keepdim=False):
    if dim is None:
        return call("nanmedian", self)
    return RETURN_TYPES["nanmedian"](*call("nanmedian", self, dim, keepdim))


Tensor.nanmedian = _nanmedian
for _op in ("quantile", "nanquantile"):
    setattr(Tensor, _op, _method(_op))
del _op
for _op in ("scatter_reduce", "scatter_reduce_"):
    setattr(Tensor, _op, _method(_op))
del _op
for _op in ("index_copy", "index_copy_", "masked_scatter", "masked_scatter_", "put", "put_"):
    setattr(Tensor, _op, _method(_op))
del _op
for _op in ("select_scatter", "slice_scatter", "diagonal_scatter", "renorm", "renorm_", "fill_diagonal_"):
    setattr(Tensor, _op, _method(_op))
del _op
RETURN_TYPES["frexp"] = return_type("frexp", ("mantissa", "exponent"))


def _frexp(self):
    return RETURN_TYPES["frexp"](*call("frexp", self))


Tensor.frexp = _frexp
for _op in ("gcd", "gcd_", "lcm", "lcm_", "angle"):
    setattr(Tensor, _op, _method(_op))
del _op

# ---- more of torch's tail (engine/ops/extra_ops2.py) ----------------------------------------------
RETURN_TYPES["histogram"] = return_type("histogram", ("hist", "bin_edges"))


def _histogram(self, bins=100, *, range=None, weight=None, density=False):  # noqa: A002 - torch's name
    kwargs = {k: v for k, v in (("range", range), ("weight", weight)) if v is not None}
    return RETURN_TYPES["histogram"](*call("histogram", self, bins, density=density, **kwargs))


def _unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
    return call("unique_consecutive", self, return_inverse, return_counts, dim)


def _as_strided(self, size, stride, storage_offset=None):
    return _as_view(self, call("as_strided", self, tuple(size), tuple(stride), storage_offset))


Tensor.histogram = _histogram
Tensor.unique_consecutive = _unique_consecutive
Tensor.as_strided = _as_strided
for _op in ("index_reduce", "index_reduce_"):
    setattr(Tensor, _op, _method(_op))
del _op


# ---- random fills (engine/ops/random_fill.py): torch's argument checks at the call line ----------------
def _fill_params(op, *spec_args_kwargs):
    """The parameters of a fill from its positional and keyword arguments, as floats, by ``spec``:
    (name, default) pairs."""
    *spec, args, kwargs = spec_args_kwargs
    if len(args) > len(spec):
        raise TypeError(f"{op}() takes from 0 to {len(spec)} positional arguments but {len(args)} were given")
    for k in kwargs:
        if k not in dict(spec):
            raise TypeError(f"{op}() got an unexpected keyword argument '{k}'")
    out = []
    for i, (name, default) in enumerate(spec):
        if i < len(args):
            if name in kwargs:
                raise TypeError(f"{op}() got multiple values for argument '{name}'")
            out.append(float(args[i]))
        elif name in kwargs or default is not None:
            out.append(float(kwargs.get(name, default)))
        else:
            raise TypeError(f"{op}() missing 1 required positional arguments: \"{name}\"")
    return out


def _random_fill(self, op, *params, generator=None):
    from gradwire.common.random_fills import CHECKS  # noqa: PLC0415
    from ._creation import Generator  # noqa: PLC0415
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(f"{op}(): argument 'generator' must be torch.Generator, not {type(generator).__name__}")
    CHECKS[op](self._dtype, *params)
    return call(op, self, *params, **_generator_kw({}, generator))


def _fill_method(op, *spec):
    def method(self, *args, generator=None, **kwargs):
        return _random_fill(self, op, *_fill_params(op, *spec, args, kwargs), generator=generator)
    method.__name__ = method.__qualname__ = op
    return method


Tensor.exponential_ = _fill_method("exponential_", ("lambd", 1.0))
Tensor.geometric_ = _fill_method("geometric_", ("p", None))
Tensor.log_normal_ = _fill_method("log_normal_", ("mean", 1.0), ("std", 2.0))
Tensor.cauchy_ = _fill_method("cauchy_", ("median", 0.0), ("sigma", 1.0))
Tensor.as_strided_ = lambda self, size, stride, storage_offset=None: call("as_strided_", self, tuple(size),
                                                                           tuple(stride), storage_offset)



def _read_only(name: str, prop: property) -> property:
    def refuse(self, value):
        raise AttributeError(f"attribute '{name}' of 'torch._C.TensorBase' objects is not writable")
    return property(prop.fget, refuse, prop.fdel, prop.__doc__)


for _attr, _prop in list(vars(Tensor).items()):  # torch's text for assigning a read-only attribute
    if isinstance(_prop, property) and _prop.fset is None and not _attr.startswith("__"):
        setattr(Tensor, _attr, _read_only(_attr, _prop))
