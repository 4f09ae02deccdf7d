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

import os as _os
import threading as _threading
import traceback as _traceback

from .backend import holds_memory as _holds_memory
from .observe import watch as _watch
from .grad_mode import _state as _grad_state
from .tensor import Tensor, _new_tensor

__all__ = ["Function", "Node", "AccumulateGrad", "FREED_MESSAGE", "anomaly_state", "backward_mode"]


class _AnomalyState(_threading.local):
    """Anomaly mode: set by autograd.anomaly; read when nodes are recorded.

    Per thread (torch's is global): a server runs each session on its own
    thread, and one session's anomaly mode must not slow or change another's.
    """

    enabled = False
    check_nan = True
    # Set by a server while it runs a client's command: the client's stack
    # stands in for the (server-side) forward traceback of the nodes it records.
    forward_stack = None


anomaly_state = _AnomalyState()


class _BackwardMode(_threading.local):
    """Set by the backward engine while it runs: ``arrays`` is True when no graph of the backward is
    being built (create_graph=False) and no profiler watches, so backward formulas may compute on
    arrays directly instead of through recorded Tensor ops.  Per thread, like grad mode."""

    arrays = False


backward_mode = _BackwardMode()


class _SavedHooks(_threading.local):
    """saved_tensors_hooks' (pack, unpack) pairs, innermost last; per thread, like grad mode."""

    stack = ()


saved_hooks = _SavedHooks()


class saved_tensors_hooks:
    """While active, each tensor an op saves for backward is ``pack_hook(tensor)``; backward (and
    ``grad_fn._saved_<name>``) uses ``unpack_hook(packed)`` in its place."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        saved_hooks.stack = saved_hooks.stack + ((self.pack_hook, self.unpack_hook),)
        return self

    def __exit__(self, *exc):
        saved_hooks.stack = saved_hooks.stack[:-1]
        return False

_ENGINE_DIR = _os.path.dirname(_os.path.abspath(__file__)) + _os.sep


def forward_traceback() -> list:
    """The Python stack of the current forward call, engine frames left out (traceback.format_stack form)."""
    if anomaly_state.forward_stack is not None:
        return list(anomaly_state.forward_stack)
    frames = [f for f in _traceback.extract_stack()[:-1] if not f.filename.startswith(_ENGINE_DIR)]
    return _traceback.format_list(frames)

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
_ANOMALY_HINT = ("Hint: the backtrace further above shows the operation that failed to compute its gradient. "
                 "The variable in question was changed in there or anywhere later. Good luck!")


_NO_SAVED = ()
_BINARY_NODES = frozenset(f"{op}Backward0" for op in ("Add", "Sub", "Mul", "Div"))
_KEPT_ON_RELEASE = frozenset(("next_functions", "needs_input_grad"))
_PLAIN = frozenset((int, float, bool, str, tuple))  # ctx attributes that never hold an array


def _versions(tensors) -> tuple:
    """The version of each saved tensor now (0 for None and for a tensor never modified)."""
    out = []
    for t in tensors:
        vc = None if t is None else t._vc
        out.append(0 if vc is None else vc[0])
    return tuple(out)


def _holds(seq, x) -> bool:
    """``x`` is one of ``seq`` by identity (``x in seq`` would call Tensor.__eq__)."""
    for s in seq:
        if s is x:
            return True
    return False


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
    _released_saved = False     # _release dropped saved state: running backward again is an error
    _non_tensor_inputs = ()     # user Functions: positions of inputs that were not tensors
    _dirty = ()                 # mark_dirty's tensors
    _non_diff = ()              # mark_non_differentiable's tensors
    _node_pre_hooks = None      # register_prehook's hooks (tensor hooks live in _pre_hooks)
    _packed = False             # saved tensors went through saved_tensors_hooks' pack hook
    _float_stop = 0             # 1 + the position of the last floating tensor input that needs no grad
    _conj_grads = False         # a holomorphic op on complex numbers: backward runs between conjugations

    @property
    def metadata(self) -> dict:
        """A dict for tools; anomaly mode stores the forward stack as ``metadata["traceback_"]``."""
        md = self.__dict__.get("_metadata")
        if md is None:
            md = self._metadata = {}
        return md

    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        if self._builtin:
            # torch prints the Python class name: <CopyBackwards ...> for "torch::autograd::CopyBackwards"
            return f"<{self._name.rsplit('::', 1)[-1]} object at {hex(id(self))}>"
        return f"<{USER_NODE_MODULE}.{self._name} object at {hex(id(self))}>"

    # ---- saved tensors -------------------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        if self._builtin and True not in self.needs_input_grad:
            return  # a built-in op's node that records nothing is dropped after its forward
        versions = []
        for t in tensors:
            if t is None:
                versions.append(0)
                continue
            if type(t) is not Tensor or t._inference:
                self._check_saveable(tensors)  # raises torch's error, if any, for the first bad argument
            vc = t._vc
            versions.append(0 if vc is None else vc[0])
        self._saved = tensors
        self._saved_versions = tuple(versions)

    def _check_saveable(self, tensors) -> None:
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{i} is of type {type(t).__name__}")
            if t is not None and t._inference and True in self.needs_input_grad:
                raise RuntimeError(_INFERENCE_SAVE)

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
            if type(t) is not Tensor:  # the node's own output, or a tensor a pack hook took
                t = t.unpack(self)
            out.append(t)
        return tuple(out)

    def __getattr__(self, name):
        # torch's saved-variable attributes (_saved_self, _raw_saved_result ...), looked up only when missing
        if name.startswith(("_saved_", "_raw_saved_")):
            from .autograd.saved import saved_attribute  # noqa: PLC0415
            return saved_attribute(self, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def _release(self) -> None:
        """Frees the saved tensors (after a backward without retain_graph)."""
        if self._freed:
            return
        released = bool(self._saved)
        self._saved = _NO_SAVED
        self._saved_versions = _NO_SAVED
        self._freed = True
        d = self.__dict__
        drop = None
        for k, v in d.items():
            # tensors (and raw arrays) stashed as plain ctx attributes are released as well
            if k[:1] == "_" or k in _KEPT_ON_RELEASE or v is None or type(v) in _PLAIN:
                continue
            if isinstance(v, Tensor) or _holds_memory(v):
                if drop is None:
                    drop = []
                drop.append(k)
        if drop:
            for k in drop:
                d[k] = None
            released = True
        if released:
            self._released_saved = True

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize = bool(value)

    def mark_non_differentiable(self, *tensors) -> None:
        """Outputs that are not differentiable: they do not require grad; their gradient is zero."""
        self._non_diff = tuple(tensors)

    def mark_dirty(self, *tensors) -> None:
        """Inputs the forward modified in place: they must be returned, and get this node as history."""
        self._dirty = tuple(tensors)

    def register_hook(self, fn):
        """A hook ``fn(grad_inputs, grad_outputs)`` run after this node computed its gradients; it may
        return replacement grad_inputs."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _RemovableHandle(self._hooks, fn)

    def register_prehook(self, fn):
        """A hook ``fn(grad_outputs)`` run before this node computes its gradients (after the tensor hooks
        of its outputs); it may return replacement grad_outputs."""
        if self._node_pre_hooks is None:
            self._node_pre_hooks = []
        self._node_pre_hooks.append(fn)
        return _RemovableHandle(self._node_pre_hooks, fn)

    def _shown_inputs(self) -> tuple[int, int]:
        """Which of the engine's edges torch's node has (its next_functions, its hooks' grad_inputs), as a
        slice (start, stop): the engine keeps an edge per argument; torch one per differentiable tensor input
        (add/sub/mul/div count a Python number as one; where's condition is none)."""
        edges = self.next_functions
        keep = 0
        for i, (fn, _nr) in enumerate(edges):
            if fn is not None:
                keep = i + 1
        name = self._name
        fn = self._function
        if fn is not None:
            # a floating tensor input that needs no grad still has its edge, (None, 0), in torch (a Function whose
            # floating inputs are not all differentiable says float_edges = False; shown_edges: at least that many)
            if fn.float_edges:
                keep = max(keep, self._float_stop)
            if fn.shown_edges:
                keep = max(keep, min(fn.shown_edges, len(edges)))
        if name in _BINARY_NODES:
            keep = max(keep, min(2, len(edges)))
        elif name == "WhereBackward0":
            return 1, max(keep, 3)
        return 0, keep

    def _shown_positions(self) -> tuple:
        """The positions of the engine's edges that torch's node has: a Function's ``edge_args`` where torch
        leaves out arguments between them (an index, a mask), else ``_shown_inputs``' run of them."""
        fn = self._function
        picked = fn.edge_args if fn is not None else ()
        if picked:
            n = len(self.next_functions)
            return tuple(i for i in picked if i < n)
        return tuple(range(*self._shown_inputs()))

    # ---- backward ---------------------------------------------------------
    def _apply(self, grads: list) -> tuple:
        """Runs the Function's backward on this node's output gradients."""
        fn = self._function
        if self._released_saved:
            raise RuntimeError(FREED_MESSAGE)
        for g in grads:  # not ``None in grads``: that calls Tensor.__eq__ on each gradient
            if g is None:
                if self._builtin or self._materialize:
                    grads = self._zero_fill(grads)
                break
            # built-in multi-output ops handle None themselves
        if self._conj_grads:  # torch's convention for complex numbers (see HOLOMORPHIC)
            result = _conjugated(fn.backward(self, *_conjugated(grads)))
        else:
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
        if not self._builtin:
            for i, r in enumerate(result):
                if r is None:
                    continue
                if not isinstance(r, Tensor):
                    raise RuntimeError(f"expected Variable or None (got {type(r).__name__})")
                if i in self._non_tensor_inputs:
                    raise RuntimeError(f"function {self._name} returned a gradient different than None at "
                                       f"position {i + 1}, but the corresponding forward input was not a "
                                       "Variable")
        return result

    def _zero_fill(self, grads):
        from .ops.creation import zeros  # noqa: PLC0415
        meta = self._out_meta
        if meta is None:
            return grads
        out = []
        for i, g in enumerate(grads):
            if g is None and meta is not None:
                shape, dtype, device = meta[i]
                g = zeros(shape, dtype=dtype, device=device)
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
    kind = f"{t.dtype._torch_name}Tensor"
    shape = list(t.array.shape)
    fn = node if isinstance(t, _SavedOutput) else t.grad_fn
    where = ""
    if fn is not None:
        fn_name = fn.name()
        i = fn_name.rfind("Backward")
        if i > 0 and fn_name[i + 8:].isdigit() or fn_name.endswith("Backward"):
            # torch drops "Backward" and an overload 0: MulBackward0 -> Mul, TBackward1 -> T1; CopyBackwards stays
            fn_name = fn_name[:i] + fn_name[i + 8:].lstrip("0")
        where = f", which is output {t._output_nr} of {fn_name},"
    hint = _ANOMALY_HINT if anomaly_state.enabled else _HINT
    return ("one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [torch.{kind} {shape}]{where} is at version {t._vc[0]}; expected version "
            f"{expected} instead. {hint}")


_INFERENCE_SAVE = ("Inference tensors cannot be saved for backward. Please do not use Tensors created in inference "
                   "mode in computation tracked by autograd. To work around this, you can make a clone to get a "
                   "normal tensor and use it in autograd, or use `torch.no_grad()` instead of "
                   "`torch.inference_mode()`.")


class _RemovableHandle:
    """What ``register_hook`` returns: ``remove()`` unregisters the hook (also on leaving a ``with`` block)."""

    def __init__(self, hooks: list, fn):
        self._hooks = hooks
        self._fn = fn

    def remove(self) -> None:
        hooks = self._hooks
        for i, h in enumerate(hooks):
            if h is self._fn:
                del hooks[i]
                return

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


RemovableHandle = _RemovableHandle


class AccumulateGrad(Node):
    """The sink node of a leaf that requires grad: adds incoming gradients to ``.grad``."""

    _name = "AccumulateGrad"

    def __init__(self, variable: Tensor):
        self.variable = variable
        self._input_meta = ((variable.array.shape, variable.dtype),)

    def _release(self) -> None:
        """Nothing saved: the leaf's node outlives every graph that reaches it."""


def accumulator_of(t: Tensor) -> AccumulateGrad | None:
    acc = t._accumulator
    if acc is None:
        if t._view_mode is not None:
            return _no_grad_view_edge(t)
        acc = t._accumulator = AccumulateGrad(t)
    return acc


def _no_grad_view_edge(t: Tensor) -> None:
    """A view made in no_grad mode passes no gradient on (torch: it has no edge, so a graph using it leaves
    its base's and its own .grad alone); used after its memory was written in place, it is torch's error."""
    from .ops.inplace import check_view_history  # noqa: PLC0415
    check_view_history(t)
    return None


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
        if node_name == "NotImplemented":  # torch's node for ops without a derivative, by its C++ name
            node_name = "torch::autograd::NotImplemented"
        class_name = node_name.rsplit("::", 1)[-1]
        attrs = {"_name": node_name, "_function": cls, "_builtin": builtin, "__slots__": ()}
        node_cls = type(class_name, (Node,), attrs)
        del node_cls.__slots__  # keep a __dict__ for ctx attributes
        node_cls.__module__ = cls.__module__ if builtin else USER_NODE_MODULE
        node_cls.__qualname__ = class_name
        cls._node_cls = node_cls
        # new style: forward(*args) without ctx, plus setup_context(ctx, inputs, output)
        cls._setup_context = any("setup_context" in vars(k) for k in cls.__mro__ if k is not Function
                                 and isinstance(k, _FunctionMeta))


class Function(metaclass=_FunctionMeta):
    """Base class of every differentiable op, built-in or user-defined.

    Subclass and define ``forward(ctx, *args, **kwargs)`` and
    ``backward(ctx, *grad_outputs)`` as static methods; call ``apply``.
    Built-in ops set ``array_forward = True``: their forward computes on arrays
    directly and runs without switching grad mode.
    """

    _abstract = True
    _setup_context = False
    op_name = None
    overload = 0
    node_name = None
    shown_edges = 0
    float_edges = True
    edge_args = ()  # the argument positions torch's node has edges for, where they are not one run
    array_forward = False

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @classmethod
    def apply(cls, *args, **kwargs):
        watcher = _watch.observer
        if watcher is not None:
            with watcher.forward(cls, args):
                out = cls._record(args, kwargs)
        else:
            out = cls._record(args, kwargs)
        if saved_hooks.stack:
            _pack_saved(out)
        return out

    @classmethod
    def _record(cls, args, kwargs):
        """Runs forward and, when an input needs grad, records the node."""
        node = cls._node_cls()
        grad_on = _grad_state.enabled
        needs = None  # set only when recording: grad mode on (not in inference mode) and an input requires grad
        if grad_on and not _grad_state.inference:
            for a in args:
                if type(a) is Tensor and a._requires_grad:
                    needs = tuple([type(a) is Tensor and a._requires_grad for a in args])
                    break
        node.needs_input_grad = (False,) * len(args) if needs is None else needs
        if cls.array_forward:
            out = cls.forward(node, *args, **kwargs)
        else:
            _grad_state.enabled = False
            try:
                if cls._setup_context:
                    out = cls.forward(*args, **kwargs)
                    cls.setup_context(node, args, out)
                else:
                    out = cls.forward(node, *args, **kwargs)
            finally:
                _grad_state.enabled = grad_on
        dirty = node._dirty
        if dirty:
            _check_dirty(node, dirty, args, needs is not None)
        if needs is None:
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
                if type(a) is Tensor and a.dtype.is_floating_point:  # torch gives it an edge all the same
                    node._float_stop = len(edges) + 1
                edges.append((None, 0))
                metas.append(None)
        node.next_functions = tuple(edges)
        node._input_meta = tuple(metas)
        if _involves_complex(args, out):
            if cls in HOLOMORPHIC:
                node._conj_grads = True
            elif cls in COMPLEX_REFUSED:  # torch records no gradient for them either
                raise RuntimeError(f"{COMPLEX_REFUSED[cls]} does not support automatic differentiation for outputs "
                                   "with complex dtype.")
            elif cls not in COMPLEX_AWARE and node._builtin:
                raise NotImplementedError(f"gradwire: the derivative of {node._name} for complex numbers is not "
                                          "implemented")
        if anomaly_state.enabled:
            node.metadata["traceback_"] = forward_traceback()
        if not node._builtin:
            node._non_tensor_inputs = frozenset(i for i, a in enumerate(args) if not isinstance(a, Tensor))
        if type(out) is Tensor:
            orig = out
            if dirty and _holds(dirty, out):
                _rebase_dirty(out, node, 0)
                return out
            if out.grad_fn is not None or out._requires_grad or _holds(args, out):
                out = _fresh_output(out)
            non_diff = node._non_diff
            if non_diff and _holds(non_diff, orig):
                return out
            if not out.dtype.is_floating_point and not out.dtype.is_complex:
                return out
            out._requires_grad = True
            out.grad_fn = node
            if node._saved and _holds(node._saved, orig):  # forward saved its own output
                _swap_saved_outputs(node, ((orig, out),))
            return out
        if isinstance(out, (tuple, list)):
            non_diff = node._non_diff
            res = []
            meta = []
            pairs = []
            nr = 0
            for o in out:
                if isinstance(o, Tensor):
                    orig = o
                    if dirty and _holds(dirty, o):
                        _rebase_dirty(o, node, nr)
                    else:
                        if o.grad_fn is not None or o._requires_grad or _holds(args, o):
                            o = _fresh_output(o)
                        pairs.append((orig, o))
                        if not _holds(non_diff, orig) and (o.dtype.is_floating_point or o.dtype.is_complex):
                            o._requires_grad = True
                            o.grad_fn = node
                            o._output_nr = nr
                    meta.append((o.array.shape, o.dtype, o.device))
                    nr += 1
                res.append(o)
            node._out_meta = meta
            node._n_outputs = nr
            if node._saved:
                _swap_saved_outputs(node, pairs)
            return type(out)(res) if isinstance(out, tuple) else res
        return out


# ---- complex numbers ----------------------------------------------------------------------------------------
# torch's gradient for a complex input is the conjugate Wirtinger derivative: for a holomorphic f the input's
# gradient is grad * conj(f'(z)), which is conj(real_formula(conj(grad))). So the Functions of holomorphic ops
# (and of real-linear ones: add, sum, views) keep their one formula and run it between conjugations
# (Node._apply); COMPLEX_AWARE ones (abs, real, imag, conj, angle, ...) handle complex gradients themselves.
# Any other op recorded with complex inputs or outputs raises NotImplementedError rather than give a wrong one.
HOLOMORPHIC: set = set()
COMPLEX_AWARE: set = set()
COMPLEX_REFUSED: dict = {}  # Function -> the aten name torch's error gives: ops torch refuses complex gradients for


def _involves_complex(args, out) -> bool:
    for a in args:
        if type(a) is Tensor and a.dtype.is_complex:
            return True
    if type(out) is Tensor:
        return out.dtype.is_complex
    if isinstance(out, (tuple, list)):
        return any(type(o) is Tensor and o.dtype.is_complex for o in out)
    return False


def _conjugated(grads):
    from .ops.complex_ops import conj  # noqa: PLC0415 - the ops import this module
    if not isinstance(grads, (tuple, list)):
        return conj(grads) if type(grads) is Tensor else grads
    return tuple(conj(g) if type(g) is Tensor else g for g in grads)


def _pack_saved(out) -> None:
    """saved_tensors_hooks: the tensors torch's node saves (autograd/saved.py; every saved tensor for other
    nodes) go through the innermost pack hook, in torch's order; the node keeps what it returned."""
    first = out
    if isinstance(out, (tuple, list)):
        first = next((o for o in out if isinstance(o, Tensor) and o.grad_fn is not None), None)
    node = first.grad_fn if isinstance(first, Tensor) else None
    if node is None or node._packed or not node._saved:
        return
    from .autograd.saved import saved_slots  # noqa: PLC0415
    node._packed = True
    pack, unpack = saved_hooks.stack[-1]
    saved = list(node._saved)
    stack, saved_hooks.stack = saved_hooks.stack, ()  # ops of the pack hook save nothing through it
    try:
        for i in saved_slots(node):
            t = saved[i]
            if t is None:
                continue
            own = type(t) is not Tensor   # the node's own output
            original = t.unpack(node) if own else t
            saved[i] = _Packed(pack(original), unpack, original, own)
    finally:
        saved_hooks.stack = stack
        node._saved = tuple(saved)


class _Packed:
    """A saved tensor as saved_tensors_hooks' pack hook returned it; unpacked on each use.

    As torch's saved variables do, what the unpack hook returns stands in the graph where the original
    stood (its grad_fn and output number, or the leaf's gradient accumulator), so double backward
    through a packed tensor reaches what the original reached."""

    __slots__ = ("packed", "unpack_hook", "requires_grad", "grad_fn", "output_nr", "accumulator", "own_output")
    _vc = None  # (no version check: the hooks own the tensor now)

    def __init__(self, packed, unpack_hook, original: Tensor, own_output: bool):
        self.packed = packed
        self.unpack_hook = unpack_hook
        self.requires_grad = original._requires_grad
        self.own_output = own_output
        self.output_nr = original._output_nr
        # (the node's own output points back to the node: kept as a flag, not a reference cycle)
        self.grad_fn = None if own_output else original.grad_fn
        self.accumulator = accumulator_of(original) if original._requires_grad and original.grad_fn is None \
            else None

    def unpack(self, node):
        t = self.unpack_hook(self.packed)
        if not isinstance(t, Tensor):
            raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got result of type "
                            f"{type(t).__name__}")
        if not self.requires_grad:
            return t
        attached = _new_tensor(t.array, t.dtype, t.device)
        attached._requires_grad = True
        attached._output_nr = self.output_nr
        if self.own_output:
            attached.grad_fn = node
        elif self.grad_fn is not None:
            attached.grad_fn = self.grad_fn
        else:
            attached._accumulator = self.accumulator
        return attached


def _check_dirty(node, dirty, args, recording) -> None:
    """mark_dirty: the dirty tensors are inputs the forward modified in place."""
    for d in dirty:
        if not _holds(args, d):
            raise RuntimeError("Some elements marked as dirty during the forward method were not returned "
                               "as output. The inputs that are modified inplace must all be outputs of the "
                               "Function.")
        if recording and d._requires_grad and d.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
        d._bump_version()
    # tensors saved in forward keep the version they have now
    if node._saved:
        node._saved_versions = _versions(node._saved)


def _rebase_dirty(t: Tensor, node, nr: int) -> None:
    """A dirty input returned as an output: the tensor itself takes the node as its history."""
    from .ops.inplace import rebase_history  # noqa: PLC0415
    carrier = _new_tensor(t.array, t.dtype, t.device)
    carrier._requires_grad = True
    carrier.grad_fn = node
    carrier._output_nr = nr
    rebase_history(t, carrier)


def _fresh_output(t: Tensor) -> Tensor:
    """A new tensor on the same array (forward returned an input or a tracked tensor)."""
    return _new_tensor(t.array, t.dtype, t.device)


def _swap_saved_outputs(node: Node, pairs) -> None:
    """Saved outputs of the node become _SavedOutput (no node <-> tensor reference cycle)."""
    saved = node._saved
    new = None  # a copy of ``saved`` made on the first swap
    for i, s in enumerate(saved):
        if s is None:
            continue
        for orig, o in pairs:
            if s is orig or s is o:
                if o.grad_fn is node:
                    if new is None:
                        new = list(saved)
                    new[i] = _SavedOutput(o)
                break
    if new is not None:
        node._saved = tuple(new)
