"""The tracer: ``Function`` and the graph ``Node`` it records (the ctx).

One way to define an op, the shape of ``torch.autograd.Function``: a static
``forward(ctx, *args)`` and a static ``backward(ctx, *grad_outputs)``.
``Function.apply`` runs forward and, when grad mode is on and an input
requires grad, records a node: the ctx object *is* the node, as in torch.

Node names are derived here, in one place: a built-in op class ``Pow`` with
``overload = 1`` records ``PowBackward1``; a user Function ``MultiplyAdd``
records ``MultiplyAddBackward``.  ``op_name`` lets variants of an op share a
name (``class PowTensor(Function): op_name = "Pow"; overload = 1``);
``node_name`` overrides the whole name where torch's node is not named after
the op at all (batched matmul shows ``UnsafeViewBackward0``).
"""
from __future__ import annotations

from . import observe as _observe
from .grad_mode import _state as _grad_state
from .tensor import Tensor, _new_tensor

__all__ = ["Function", "Node", "AccumulateGrad", "FREED_MESSAGE"]

# torch prints user Functions' nodes as <torch.autograd.function.XBackward object at 0x...>
USER_NODE_MODULE = "torch.autograd.function"

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
    "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
    "or if you need to access saved tensors after calling backward."
)

_HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
         "with torch.autograd.set_detect_anomaly(True, check_nan=False).")

_TORCH_TYPE = {"float16": "HalfTensor", "float32": "FloatTensor", "float64": "DoubleTensor",
               "int32": "IntTensor", "int64": "LongTensor", "bool": "BoolTensor"}

_NO_SAVED = ()


class Node:
    """A recorded op in the autograd graph; also the ``ctx`` its Function sees."""

    _name = "Node"
    _function = None            # the Function class that records this node
    _builtin = True

    # Per-instance defaults live on the class so creating a node stays cheap.
    _saved = _NO_SAVED
    _saved_versions = _NO_SAVED
    _freed = False
    _out_meta = None            # [(shape, dtype, device)] of outputs, multi-output nodes only
    _hooks = None
    _materialize = True
    next_functions = ()
    needs_input_grad = ()
    _input_meta = ()            # per input: (shape, dtype) when it needs grad, else None
    _n_outputs = 1

    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        if self._builtin:
            # torch prints the Python class name: <CopyBackwards ...> for "torch::autograd::CopyBackwards"
            return f"<{self._name.rsplit('::', 1)[-1]} object at {hex(id(self))}>"
        return f"<{USER_NODE_MODULE}.{self._name} object at {hex(id(self))}>"

    # ---- saved tensors -------------------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self._saved = tensors
        self._saved_versions = tuple((t._vc[0] if t._vc is not None else 0) if t is not None else 0
                                     for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        saved = self._saved
        versions = self._saved_versions
        out = []
        for t, v in zip(saved, versions):
            if t is None:
                out.append(None)
                continue
            vc = t._vc
            if vc is not None and vc[0] != v:
                raise RuntimeError(_modified_message(t, v, self))
            if isinstance(t, _SavedOutput):
                t = t.unpack(self)
            out.append(t)
        return tuple(out)

    def _release(self) -> None:
        """Frees the saved tensors (after a backward without retain_graph)."""
        self._saved = _NO_SAVED
        self._saved_versions = _NO_SAVED
        self._freed = True
        for k in [k for k in self.__dict__ if not k.startswith("_") and k not in ("next_functions",
                                                                                   "needs_input_grad")]:
            # tensors stashed as plain ctx attributes are released as well
            if isinstance(self.__dict__[k], Tensor):
                self.__dict__[k] = None

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize = bool(value)

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_diff = tuple(tensors)

    def mark_dirty(self, *tensors) -> None:  # accepted for API compatibility
        pass

    def register_hook(self, fn):
        """A hook ``fn(grad_inputs, grad_outputs)`` run after this node computed its gradients."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _RemovableHandle(self._hooks, fn)

    # ---- backward ---------------------------------------------------------
    def _apply(self, grads: list) -> tuple:
        """Runs the Function's backward on this node's output gradients."""
        fn = self._function
        if None in grads:
            if not self._builtin and self._materialize or len(grads) == 1:
                grads = self._zero_fill(grads)
            # built-in multi-output ops handle None themselves
        result = fn.backward(self, *grads)
        if type(result) is not tuple:
            result = (result,) if not isinstance(result, list) else tuple(result)
        n = len(self.next_functions)
        if len(result) != n:
            if len(result) > n and all(r is None for r in result[n:]):
                result = result[:n]
            else:
                raise RuntimeError(f"function {self._name} returned an incorrect number of gradients "
                                   f"(expected {n}, got {len(result)})")
        return result

    def _zero_fill(self, grads):
        from .ops.creation import zeros  # noqa: PLC0415
        meta = self._out_meta
        out = []
        for i, g in enumerate(grads):
            if g is None and meta is not None:
                shape, dtype, _device = meta[i]
                g = zeros(shape, dtype=dtype)
            out.append(g)
        return out


class _SavedOutput:
    """A saved output of the node itself, kept without a reference cycle.

    Unpacked as a fresh tensor on the same array whose grad_fn is the node.
    """

    __slots__ = ("array", "dtype", "device", "_output_nr", "_vc")

    def __init__(self, t: Tensor):
        self.array = t.array
        self.dtype = t.dtype
        self.device = t.device
        self._output_nr = t._output_nr
        if t._vc is None:
            t._vc = [0]
        self._vc = t._vc

    def unpack(self, node):
        t = _new_tensor(self.array, self.dtype, self.device)
        t._requires_grad = True
        t.grad_fn = node
        t._output_nr = self._output_nr
        t._vc = self._vc
        return t


def _modified_message(t, expected: int, node) -> str:
    kind = _TORCH_TYPE.get(t.dtype.name, "Tensor")
    shape = list(t.array.shape)
    fn = node if isinstance(t, _SavedOutput) else t.grad_fn
    where = ""
    if fn is not None:
        fn_name = fn.name()
        i = fn_name.rfind("Backward")
        if i > 0:
            fn_name = fn_name[:i]
        where = f", which is output {t._output_nr} of {fn_name},"
    return ("one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [torch.{kind} {shape}]{where} is at version {t._vc[0]}; expected version "
            f"{expected} instead. {_HINT}")


class _RemovableHandle:
    def __init__(self, hooks: list, fn):
        self._hooks = hooks
        self._fn = fn

    def remove(self) -> None:
        try:
            self._hooks.remove(self._fn)
        except ValueError:
            pass


class AccumulateGrad(Node):
    """The sink node of a leaf that requires grad: adds incoming gradients to ``.grad``."""

    _name = "AccumulateGrad"

    def __init__(self, variable: Tensor):
        self.variable = variable
        self._input_meta = ((variable.array.shape, variable.dtype),)


def accumulator_of(t: Tensor) -> AccumulateGrad:
    acc = t._accumulator
    if acc is None:
        acc = t._accumulator = AccumulateGrad(t)
    return acc


class _FunctionMeta(type):
    def __init__(cls, name, bases, ns):
        super().__init__(name, bases, ns)
        if ns.get("_abstract"):
            return
        builtin = bool(getattr(cls, "_is_builtin_module", False)) or cls.__module__.startswith(
            ("gradwire.engine.", "engine."))
        if "node_name" in ns and ns["node_name"]:
            node_name = ns["node_name"]
        elif builtin:
            op = ns.get("op_name") or name
            node_name = f"{op}Backward{getattr(cls, 'overload', 0)}"
        else:
            node_name = f"{name}Backward"
        attrs = {"_name": node_name, "_function": cls, "_builtin": builtin, "__slots__": ()}
        node_cls = type(node_name, (Node,), attrs)
        del node_cls.__slots__  # keep a __dict__ for ctx attributes
        node_cls.__module__ = cls.__module__ if builtin else USER_NODE_MODULE
        node_cls.__qualname__ = node_name
        cls._node_cls = node_cls


class Function(metaclass=_FunctionMeta):
    """Base class of every differentiable op, built-in or user-defined.

    Subclass and define ``forward(ctx, *args, **kwargs)`` and
    ``backward(ctx, *grad_outputs)`` as static methods; call ``apply``.
    Built-in ops set ``array_forward = True``: their forward computes on arrays
    directly and runs without switching grad mode.
    """

    _abstract = True
    op_name = None
    overload = 0
    node_name = None
    array_forward = False

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        watcher = _observe.observer
        if watcher is not None:
            with watcher.forward(cls, args):
                return cls._record(*args, **kwargs)
        return cls._record(*args, **kwargs)

    @classmethod
    def _record(cls, *args, **kwargs):
        """Runs forward and, when an input needs grad, records the node."""
        node = cls._node_cls()
        grad_on = _grad_state.enabled
        any_needs = False
        if grad_on:
            needs = tuple([type(a) is Tensor and a._requires_grad for a in args])
            any_needs = True in needs
            node.needs_input_grad = needs
        else:
            node.needs_input_grad = (False,) * len(args)
        if cls.array_forward:
            out = cls.forward(node, *args, **kwargs)
        else:
            _grad_state.enabled = False
            try:
                out = cls.forward(node, *args, **kwargs)
            finally:
                _grad_state.enabled = grad_on
        if not any_needs:
            return out
        # ---- record the node -----------------------------------------------
        edges = []
        metas = []
        for a, need in zip(args, needs):
            if need:
                fn = a.grad_fn
                if fn is None:
                    fn = a._accumulator or accumulator_of(a)
                edges.append((fn, a._output_nr))
                metas.append((a.array.shape, a.dtype))
            else:
                edges.append((None, 0))
                metas.append(None)
        node.next_functions = tuple(edges)
        node._input_meta = tuple(metas)
        if type(out) is Tensor:
            orig = out
            if out.grad_fn is not None or out._requires_grad or any(out is a for a in args):
                out = _fresh_output(out)
            out._requires_grad = True
            out.grad_fn = node
            if node._saved:
                _swap_saved_outputs(node, ((orig, out),))
            return out
        if isinstance(out, (tuple, list)):
            non_diff = getattr(node, "_non_diff", ())
            res = []
            meta = []
            pairs = []
            nr = 0
            for o in out:
                if isinstance(o, Tensor):
                    orig = o
                    if o.grad_fn is not None or o._requires_grad or any(o is a for a in args):
                        o = _fresh_output(o)
                    pairs.append((orig, o))
                    meta.append((o.array.shape, o.dtype, o.device))
                    if not any(o is d for d in non_diff) and o.dtype.is_floating_point:
                        o._requires_grad = True
                        o.grad_fn = node
                        o._output_nr = nr
                    nr += 1
                res.append(o)
            node._out_meta = meta
            node._n_outputs = nr
            if node._saved:
                _swap_saved_outputs(node, pairs)
            return type(out)(res) if isinstance(out, tuple) else res
        return out


def _fresh_output(t: Tensor) -> Tensor:
    """A new tensor on the same array (forward returned an input or a tracked tensor)."""
    return _new_tensor(t.array, t.dtype, t.device)


def _swap_saved_outputs(node: Node, pairs) -> None:
    """Saved outputs of the node become _SavedOutput (no node <-> tensor reference cycle)."""
    saved = node._saved
    new = []
    changed = False
    for s in saved:
        for orig, o in pairs:
            if s is orig or s is o:
                if o.grad_fn is node:
                    s = _SavedOutput(o)
                    changed = True
                break
        new.append(s)
    if changed:
        node._saved = tuple(new)
