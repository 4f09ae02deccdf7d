"""gradwire.autograd.Function: custom ops whose forward and backward are the user's Python.

forward runs here, on the client, issuing remote ops with grad disabled (as
in torch). Its outputs are then tied into the server's graph by one node
whose backward the server calls back over the session stream: the tensors
the user's backward returns feed the server's backward.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import threading
import weakref

from .. import _dispatch
from ..grad_mode import is_grad_enabled, no_grad
from ..tensor import _USER_NODES, Node, Tensor
from . import forward_ad


class _GraphTask(threading.local):
    checkpoint_valid = True   # False while a backward from .grad() or with inputs= runs


_graph_task = _GraphTask()


def _is_checkpoint_valid() -> bool:
    """torch.autograd._is_checkpoint_valid: whether the running backward may re-enter (reentrant
    checkpoint): not one from ``autograd.grad`` or ``backward(inputs=...)``."""
    return _graph_task.checkpoint_valid


@contextlib.contextmanager
def _partial_graph_task():
    """Around waiting for a backward that computes only some gradients (its callbacks run inside)."""
    before, _graph_task.checkpoint_valid = _graph_task.checkpoint_valid, False
    try:
        yield
    finally:
        _graph_task.checkpoint_valid = before


class UserNode(Node):
    """The node of a custom Function: torch prints it with its module path. As torch's, it is also the
    ``ctx`` (``y.grad_fn.saved_tensors``, ``y.grad_fn.needs_input_grad``, attributes set on ctx)."""

    __slots__ = ("_ctx",)
    _node_module = "torch.autograd.function"

    def __repr__(self) -> str:
        return f"<torch.autograd.function.{self.name()} object at {hex(id(self))}>"

    def __getattr__(self, name):
        try:
            ctx = object.__getattribute__(self, "_ctx") if name != "_ctx" else None
        except AttributeError:  # a node met in next_functions: no ctx on this side
            ctx = None
        if ctx is None:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        return getattr(ctx, name)


def _root(t):
    base = getattr(t, "_view_base", None)
    return t if base is None else base


def _mark_views_of_inputs(node, inputs, outs, results) -> None:
    """Outputs that are inputs, or views of them, as torch marks them: writing into one in place (with grad)
    is an error, in the words for one such output or for several."""
    roots = {id(_root(a)) for a in inputs}
    nr = -1
    views = []
    for o, r in zip(outs, results):
        if not isinstance(o, Tensor):
            continue
        nr += 1
        if r._grad_fn is node and r is not o and id(_root(o)) in roots:
            views.append((r, nr, _root(o)))
    for r, nr, base in views:
        if len(views) > 1:
            r._multi_view = nr
        r._custom_view = (node, nr, base, len(views) > 1)


def _bind_args(forward, args: tuple, kwargs: dict, new_style: bool) -> tuple[tuple, dict]:
    """torch binds apply's arguments to forward's signature (new style: defaults filled in too)."""
    try:
        bound = inspect.signature(forward).bind(*args, **kwargs) if new_style else \
            inspect.signature(forward).bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return args, kwargs  # forward itself raises torch's TypeError
    if new_style:
        bound.apply_defaults()
        return tuple(bound.args), dict(bound.kwargs)
    return tuple(bound.args[1:]), dict(bound.kwargs)


BackwardCFunction = UserNode  # torch's base class of custom Functions' nodes, under its name
UserNode.__name__ = UserNode.__qualname__ = "BackwardCFunction"
UserNode.__module__ = "torch.autograd.function"


class FunctionCtx:
    """The ``ctx`` a custom Function's forward and backward share."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self._to_save = ()
        self.to_save = None      # torch's: what save_for_backward took, until apply returns
        self._node = None        # a weak reference to the node, once recorded
        self._in_backward = 0    # inside this node's backward: the saved tensors are there
        self.materialize_grads = True
        self.dirty_tensors = ()
        self.non_differentiable = ()
        self.saved_for_forward = None

    def save_for_backward(self, *tensors) -> None:
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is of type "
                                f"{type(t).__name__}")
        self._to_save = self.to_save = tensors

    def save_for_forward(self, *tensors) -> None:
        """Tensors the jvp reads as ``ctx.saved_tensors`` (forward-mode AD)."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_forward expects all arguments to be tensors; you should "
                                "save non-tensors as attributes on ctx.")
        self.saved_for_forward = tensors

    @property
    def saved_tensors(self) -> tuple:
        node = self._node() if self._node is not None else None
        if node is not None and not self._in_backward:  # read from outside: torch's errors (a round trip)
            remote = node._handle()
            if remote is not None:
                _dispatch.value("node.saved_check", remote)
        return tuple(self._to_save)

    def mark_dirty(self, *tensors) -> None:
        self.dirty_tensors = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        self.non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)


class Function:
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)``; call ``apply``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @staticmethod
    def vjp(ctx, *grad_outputs):
        """torch's other name of backward: a Function implements one of the two."""
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it "
                                  "with forward mode AD.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """The new style: ``forward(*args)`` without ctx, then this fills ctx from inputs and output."""
        raise NotImplementedError("setup_context is not implemented.")

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. Please use "
                           "new-style autograd function with static forward method. (Example: "
                           "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @classmethod
    def _check_transforms(cls, new_style: bool) -> None:
        """torch's checks on a Function called inside torch.func transforms (grad, jacrev, vmap ...)."""
        from ..func._eager import _depth  # noqa: PLC0415
        from ..func._vmap import vmap_depth  # noqa: PLC0415
        in_vmap = vmap_depth() > 0
        if not in_vmap and _depth() == 0:
            return
        docs = "For more details, please see https://pytorch.org/docs/main/notes/extending.func.html"
        if not new_style:
            raise RuntimeError("In order to use an autograd.Function with functorch transforms (vmap, grad, jvp, "
                               f"jacrev, ...), it must override the setup_context staticmethod. {docs}")
        if in_vmap:
            own_vmap = any("vmap" in vars(k) for k in cls.__mro__ if k is not Function)
            if getattr(cls, "generate_vmap_rule", False) and own_vmap:
                raise RuntimeError(f"You tried to vmap over {cls.__name__}, but it has both generate_vmap_rule=True "
                                   "and an overridden vmap staticmethod. Please set generate_vmap_rule=False or "
                                   f"delete the overridden vmap staticmethod to avoid ambiguity. {docs}")
            if not getattr(cls, "generate_vmap_rule", False) and not own_vmap:
                raise RuntimeError(f"You tried to vmap over {cls.__name__}, but it does not have vmap support. Please "
                                   "override and implement the vmap staticmethod or set generate_vmap_rule=True. "
                                   f"{docs}")

    @classmethod
    def apply(cls, *args, **kwargs):
        new_style = any("setup_context" in vars(k) for k in cls.__mro__ if k is not Function)
        cls._check_transforms(new_style)
        if kwargs or new_style:  # keyword arguments bound to forward's parameters: inputs like the others
            args, kwargs = _bind_args(cls.forward, args, kwargs, new_style)
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx = cls._ctx_class()(needs)
        duals = _dispatch.fw_hook is not None and forward_ad._dual_inputs(args)
        with no_grad(), forward_ad._suspended():  # forward sees no tangents (torch)
            if new_style:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        if ctx.dirty_tensors:
            outs = out if isinstance(out, tuple) else (out,)
            if not all(any(d is o for o in outs) for d in ctx.dirty_tensors):
                raise RuntimeError("Some elements marked as dirty during the forward method were not returned as "
                                   "output. The inputs that are modified inplace must all be outputs of the "
                                   "Function.")
        if is_grad_enabled() and any(needs):
            out = cls._record(ctx, args, out)
        ctx.to_save = None
        if duals:
            forward_ad.custom_jvp(cls, ctx, args, out)
        return out

    @classmethod
    def _ctx_class(cls) -> type:
        """ctx is an instance of <Name>Backward, as torch's (which is also the node)."""
        ctx_cls = cls.__dict__.get("_ctx_cls")
        if ctx_cls is None:
            ctx_cls = type(f"{cls.__name__}Backward", (FunctionCtx,), {"__module__": "torch.autograd.function",
                                                                        "_forward_cls": cls})
            cls._ctx_cls = ctx_cls
        return ctx_cls

    @classmethod
    def _user_backward(cls):
        """The user's backward: ``backward`` or its other name ``vjp``, never both (torch)."""
        own_backward = cls.backward is not Function.backward
        if own_backward and cls.vjp is not Function.vjp:
            raise RuntimeError("Implementing both 'backward' and 'vjp' for a custom Function is not allowed. You "
                               "should only implement one of them.")
        return cls.backward if own_backward else cls.vjp

    @classmethod
    def _record(cls, ctx, args, out):
        """Ties ``out`` into the server's graph under one node whose backward calls ``cls.backward``."""
        outs = out if isinstance(out, tuple) else (out,)
        tensor_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        inputs = [args[i] for i in tensor_positions]
        conn = inputs[0]._conn
        name = f"{cls.__name__}Backward"
        n_args = len(args)
        for d in ctx.dirty_tensors:
            if isinstance(d, Tensor) and d._grad_fn is None and d._requires_grad:
                raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
        out_positions = [i for i, o in enumerate(outs) if isinstance(o, Tensor)]
        n_outs = len(outs)  # (the closure keeps no output: that would keep the server's graph alive)
        tensor_args = frozenset(tensor_positions)

        def backward(*grads):
            full = [None] * n_outs  # non-tensor outputs get None (torch)
            for i, g in zip(out_positions, grads):
                full[i] = g
            ctx._in_backward += 1
            try:
                result = cls._user_backward()(ctx, *full)
            finally:
                ctx._in_backward -= 1
            result = result if isinstance(result, tuple) else (result,)
            if len(result) != n_args:
                if len(result) > n_args and all(r is None for r in result[n_args:]):
                    result = result[:n_args]
                else:
                    raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                                       f"(expected {n_args}, got {len(result)})")
            for i, r in enumerate(result):
                if r is None:
                    continue
                if not isinstance(r, Tensor):
                    raise RuntimeError(f"expected Variable or None (got {type(r).__name__})")
                if i not in tensor_args:
                    raise RuntimeError(f"function {name} returned a gradient different than None at position "
                                       f"{i + 1}, but the corresponding forward input was not a Variable")
            return tuple(result[i] for i in tensor_positions)

        function_id = conn.register_function(backward)
        node = UserNode(conn, name)
        node._ctx = ctx
        ctx._node = weakref.ref(node)
        _USER_NODES[name] = UserNode  # next_functions shows it as torch shows custom nodes
        results = []
        rebound = []
        non_diff = []
        dirty = []  # positions among the tensor outputs
        for o in outs:
            if isinstance(o, Tensor):
                diff = o.dtype.is_floating_point and not any(o is n for n in ctx.non_differentiable)
                if not diff:
                    non_diff.append(sum(1 for r in results if isinstance(r, Tensor)))  # among tensor outputs
                if any(o is d for d in ctx.dirty_tensors):
                    # a tensor modified in place is returned as itself (torch: ``out is input``), with the new node
                    # (the server's output gets a new handle; the old one goes once the command is queued)
                    dirty.append(sum(1 for r in results if isinstance(r, Tensor)))
                    o._requires_grad = diff
                    o._grad_fn = node if diff else None
                    o._output_nr = (node, dirty[-1])
                    rebound.append((o, conn.new_handle()))
                    results.append(o)
                    continue
                results.append(Tensor._make(conn, conn.new_handle(), o.shape, o.dtype, diff, node if diff else None))
                if diff:
                    results[-1]._output_nr = (node, sum(1 for r in results if isinstance(r, Tensor)) - 1)
            else:
                results.append(o)
        out_tensors = [o for o in outs if isinstance(o, Tensor)]
        _mark_views_of_inputs(node, inputs, outs, results)
        saved = [t for t in ctx._to_save if isinstance(t, Tensor)]
        new_ids = {id(o): handle for o, handle in rebound}
        conn.submit("function_apply", (name[:-len("Backward")], function_id, inputs, out_tensors, non_diff, saved,
                                       ctx.materialize_grads, dirty),
                    outputs=[new_ids.get(id(r), r._id) for r in results if isinstance(r, Tensor)],
                    nodes=[None] * len(out_tensors), handle_of=_dispatch._handle_of)
        for o, handle in rebound:
            old, o._id = o._id, handle
            conn.release(old)
        return results[0] if not isinstance(out, tuple) else tuple(results)


class InplaceFunction(Function):
    """torch's base for Functions with an ``inplace`` flag (kept on the instance)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace


for _cls in (Function, FunctionCtx, InplaceFunction):
    _cls.__module__ = "torch.autograd.function"  # torch's module path, as their reprs show


class _DelayedError(Function):
    """The node once_differentiable puts over a backward's results when they might be differentiated:
    differentiating through it raises."""

    @staticmethod
    def forward(ctx, n, *tensors):
        """Clones of the first ``n`` tensors (the results); the rest (the backward's inputs) are its edges."""
        return tuple(g.clone() for g in tensors[:n]) if n > 1 else tensors[0].clone()

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


def once_differentiable(fn):
    """A backward that is not differentiable: it runs with grad mode off; when its inputs require grad
    (a backward with create_graph), differentiating its results raises."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outputs = fn(ctx, *args)
        if not is_grad_enabled() or not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        positions = [i for i, o in enumerate(outs) if isinstance(o, Tensor)]
        if not positions:
            return outputs
        wrapped = _DelayedError.apply(len(positions), *[outs[i] for i in positions],
                                      *[a for a in args if isinstance(a, Tensor) and a.requires_grad])
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        outs = list(outs)
        for i, w in zip(positions, wrapped):
            outs[i] = w
        return outs[0] if single else tuple(outs)
    return wrapper
