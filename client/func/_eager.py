"""torch.func's autodiff transforms (grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian) on the
reverse-mode engine: each runs the function on differentiable copies of its inputs and asks the server's
autograd.grad; jvp is the double-backward trick (the vjp is linear in its cotangent u, so differentiating
it in u along t gives J t).

torch keeps one autograd "level" per transform; here a level is a depth counter. Results keep their
graph (create_graph) only where something outside may differentiate them: inside another transform, or
when a tensor given to the transform (or one func refers to) requires grad; otherwise they come back
detached, as torch's do.
"""
from __future__ import annotations

import functools
import threading

from .. import grad_mode
from ..autograd.functional import grad as _autograd_grad_call
from ..tensor import Tensor
from ._pytree import tree_flatten, tree_map, tree_unflatten, treespec_pprint

_state = threading.local()


def _depth() -> int:
    return getattr(_state, "depth", 0)


def _keeps_graph(*trees, func=None) -> bool:
    if not grad_mode.is_grad_enabled():  # a transform under no_grad: constant to whoever is outside
        return False
    return (_depth() > 0 or any(isinstance(t, Tensor) and t.requires_grad for t in tree_flatten(trees)[0])
            or (func is not None and _captures_grad(func, set())))


def _captures_grad(obj, seen: set) -> bool:
    """Whether func reaches a tensor that requires grad outside its arguments (in a closure, a default, a
    global it names), as in ``grad(lambda x: (x * w).sum())``: torch's result then stays differentiable
    through it. A look at what func and the functions it names refer to, not at everything it may run;
    modules' parameters are left out, as functional_call replaces them."""
    if id(obj) in seen:
        return False
    seen.add(id(obj))
    if isinstance(obj, Tensor):
        return obj.requires_grad
    if isinstance(obj, functools.partial):
        return any(_captures_grad(o, seen) for o in (obj.func, *obj.args, *obj.keywords.values()))
    if hasattr(obj, "__self__") and hasattr(obj, "__func__"):  # a bound method
        return _captures_grad(obj.__self__, seen) or _captures_grad(obj.__func__, seen)
    code = getattr(obj, "__code__", None)
    if code is None:
        return isinstance(obj, (tuple, list, dict)) and any(_captures_grad(o, seen) for o in tree_flatten(obj)[0])
    scope = getattr(obj, "__globals__", {})
    reached = [scope[n] for n in code.co_names if n in scope] + list(getattr(obj, "__defaults__", None) or ())
    for cell in getattr(obj, "__closure__", None) or ():
        try:
            reached.append(cell.cell_contents)
        except ValueError:  # a cell not yet filled
            pass
    return any(_captures_grad(o, seen) for o in reached)


# ----- argnums ----------------------------------------------------------------------------------

def _wrap_argnum(argnum, nargs: int) -> int:
    if not isinstance(argnum, int):
        raise RuntimeError(f"argnum must be int, got: {type(argnum)}")
    if -nargs <= argnum < nargs:
        return argnum % nargs
    raise RuntimeError(f"Got argnum={argnum}, but only {nargs} positional inputs")


def _argnums(argnums, nargs: int):
    """argnums checked and made non-negative, as torch checks them (type, range, then non-empty and unique)."""
    if isinstance(argnums, int):
        return _wrap_argnum(argnums, nargs)
    if not isinstance(argnums, tuple):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    wrapped = tuple(_wrap_argnum(a, nargs) for a in argnums)
    if not wrapped:
        raise RuntimeError("argnums must be non-empty")
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    return wrapped


def _slice(args: tuple, argnums):
    return args[argnums] if isinstance(argnums, int) else tuple(args[i] for i in argnums)


def _replace(args: tuple, argnums, new) -> tuple:
    if isinstance(argnums, int):
        return tuple(new if i == argnums else a for i, a in enumerate(args))
    return tuple(new[argnums.index(i)] if i in argnums else a for i, a in enumerate(args))


# ----- the pieces every transform shares ----------------------------------------------------------

def _differentiable(x):
    if not isinstance(x, Tensor):
        raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
    # an alias keeps the path to what the caller differentiates; a fresh leaf otherwise
    return x.view_as(x) if x.requires_grad else x.detach().requires_grad_(True)


def _unwrapped(tree, keep: bool):
    """What a transform hands back: tensors only, detached unless the graph is kept."""
    def unwrap(x):
        if not isinstance(x, Tensor):
            raise RuntimeError(f"Expected tensors, got unsupported type {type(x)}")
        return x if keep else x.detach()
    return tree_map(unwrap, tree)


class _Trace:
    """func run once on differentiable copies of the differentiated arguments (all of them where
    argnums is None), its output split from its aux."""

    def __init__(self, func, args: tuple, kwargs: dict, argnums, has_aux: bool, api: str):
        self.keep = _keeps_graph(args, kwargs, func=func)
        diff = args if argnums is None else _slice(args, argnums)
        leaves, self.in_spec = tree_flatten(diff)
        self.inputs = [_differentiable(x) for x in leaves]
        diff = tree_unflatten(self.inputs, self.in_spec)
        depth = _depth()
        _state.depth = depth + 1
        try:
            with grad_mode.enable_grad():  # a transform ignores a no_grad outside it, not one inside func
                out = func(*(diff if argnums is None else _replace(args, argnums, diff)), **kwargs)
        finally:
            _state.depth = depth
        self.has_aux, self.aux = has_aux, None
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError(f"{api}: output of function f should be a tuple: (output, aux) "
                                   "if has_aux is True")
            out, self.aux = out
        self.output = out

    def flat_outputs(self, api: str) -> list:
        self.flat_out, self.out_spec = outs, _ = tree_flatten(self.output)
        if not outs or (len(outs) == 1 and outs[0] is None):
            raise RuntimeError(f"{api}: Expected f to be a function that has non-empty output (got output = {outs})")
        for o in outs:
            if not isinstance(o, Tensor):
                raise RuntimeError(f"{api}: expected f(*primals) to return only tensors, got unsupported type "
                                   f"{type(o)}")
        return outs

    def result(self, value: tuple):
        return (*value, _unwrapped(self.aux, self.keep)) if self.has_aux else value


def _autograd_grad(outputs, inputs, grad_outputs, create_graph: bool) -> list:
    """autograd.grad over the outputs that require grad and have a grad_output (a None one skips its
    output; grad_outputs None: scalar outputs); zeros for inputs nothing reaches."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs or [None] * len(outputs))
             if o.requires_grad and (g is not None or grad_outputs is None)]
    grads = [None] * len(inputs)
    if pairs:
        with grad_mode.enable_grad():
            grads = _autograd_grad_call([o for o, _ in pairs], inputs,
                                        None if grad_outputs is None else [g for _, g in pairs],
                                        retain_graph=True, create_graph=create_graph, allow_unused=True)
    from .._creation import zeros_like  # noqa: PLC0415
    return [zeros_like(x) if g is None else g for g, x in zip(grads, inputs)]


def _check_tensors(values, api: str, argname: str) -> None:
    if not values:
        raise RuntimeError(f"{api}: Expected {argname} to contain at least one Tensor.")
    for v in values:
        if not isinstance(v, Tensor):
            raise RuntimeError(f"{api}: Expected {argname} to only contain Tensors, got {type(v)}")


# ----- grad and vjp -----------------------------------------------------------------------------

def grad_and_value(func, argnums=0, has_aux=False):
    """torch.func.grad_and_value: (gradient of func's scalar output w.r.t. argnums, that output)."""
    api = "grad_and_value(f)(*args)"

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        trace = _Trace(func, args, kwargs, _argnums(argnums, len(args)), has_aux, api)
        out = trace.output
        if not isinstance(out, Tensor):
            raise RuntimeError(f"{api}: Expected f(*args) to return a Tensor, got {type(out)}")
        if out.dim() != 0:
            raise RuntimeError(f"{api}: Expected f(*args) to return a scalar Tensor, got tensor with {out.dim()} "
                               "dims. Maybe you wanted to use the vjp or jacrev APIs instead?")
        grads = tree_unflatten(_autograd_grad([out], trace.inputs, None, trace.keep), trace.in_spec)
        value = _unwrapped(out, trace.keep)
        return (grads, (value, _unwrapped(trace.aux, trace.keep))) if has_aux else (grads, value)

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """torch.func.grad: the gradient of func's scalar output w.r.t. the arguments at argnums."""
    inner = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        grads, value = inner(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    return wrapper


def _vjp_with_argnums(func, args: tuple, argnums, has_aux: bool):
    api = "vjp(f, *primals)"
    trace = _Trace(func, args, {}, argnums, has_aux, api)
    outs = trace.flat_outputs(api)
    for o in outs:
        if not o.is_floating_point():
            raise RuntimeError(f"vjp(f, ...): All outputs of f must be floating-point or complex Tensors, got "
                               f"Tensor with dtype {o.dtype}")

    def wrapper(cotangents, retain_graph=True, create_graph=None):
        flat, spec = tree_flatten(cotangents)
        if spec != trace.out_spec:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of "
                               f"outputs to the function. cotangents: {treespec_pprint(spec)}, primal output: "
                               f"{treespec_pprint(trace.out_spec)}")
        for c in flat:
            if c is not None and not isinstance(c, Tensor):
                raise TypeError(f"gradients can be either Tensors or None, but got {type(c).__name__}")
        if create_graph is None:
            create_graph = _keeps_graph(flat) or (trace.keep and grad_mode.is_grad_enabled())
        return tree_unflatten(trace.pull_flat(flat, create_graph), trace.in_spec)

    trace.pull_flat = lambda flat, create_graph: _autograd_grad(outs, trace.inputs, flat, create_graph)
    trace.pull = wrapper
    return trace


def vjp(func, *primals, has_aux=False):
    """torch.func.vjp: (func(*primals), vjp_fn[, aux]); vjp_fn(cotangents) returns a tuple, one per primal."""
    trace = _vjp_with_argnums(func, primals, None, has_aux)
    return trace.result((_unwrapped(trace.output, trace.keep), trace.pull))


# ----- jvp: the double-backward trick -------------------------------------------------------------

_JVP = "jvp(f, primals, tangents)"


def _jvp_with_argnums(func, args: tuple, argnums, has_aux: bool, strict: bool = False):
    """func traced once; trace.push(tangents) is then one backward pass per tangent."""
    from .._creation import zeros_like  # noqa: PLC0415
    trace = _Trace(func, args, {}, argnums, has_aux, _JVP)
    outs = trace.flat_outputs(_JVP)
    if strict and not any(o.requires_grad for o in outs):
        raise RuntimeError("jvp(f, primals, tangents, strict=True): The output of f is independent of the inputs. "
                           "This is not allowed with strict=True.")
    with grad_mode.enable_grad():
        dummies = [zeros_like(o).requires_grad_(True) if o.requires_grad else None for o in outs]
        live = [(o, u) for o, u in zip(outs, dummies) if u is not None]
        # u -> J^T u, kept differentiable in u
        pulled = _autograd_grad([o for o, _ in live], trace.inputs, [u for _, u in live], True) if live else []

    def push(tangents, create_graph: bool) -> list:
        jv = iter(_autograd_grad(pulled, [u for _, u in live], tangents, create_graph) if live else [])
        return [zeros_like(o) if u is None else next(jv) for o, u in zip(outs, dummies)]

    trace.push = push
    return trace


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """torch.func.jvp: (func(*primals), J tangents[, aux])."""
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{_JVP}: Expected primals to be a tuple. E.g. it should be valid to call f(*primals).")
    flat_p, p_spec = tree_flatten(primals)
    flat_t, t_spec = tree_flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError(f"{_JVP}: Expected primals and tangents to have the same python structure. For example, "
                           "if primals is a tuple of 3 tensors, tangents also must be. Got primals with structure "
                           f"{p_spec} and tangents with structure {t_spec}")
    _check_tensors(flat_p, _JVP, "primals")
    _check_tensors(flat_t, _JVP, "tangents")
    for p, t in zip(flat_p, flat_t):  # make_dual's checks, in its order
        for what, x in (("primal", p), ("tangent", t)):
            if not x.dtype.is_floating_point:
                raise ValueError(f"Expected {what} to be floating point or complex, but got: {x.dtype}")
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                               f"Tensor, this is not supported. Tensor is of size {list(p.shape)} while the given "
                               f"forward gradient is of size {list(t.shape)}.")
    trace = _jvp_with_argnums(func, primals, None, has_aux, strict)
    keep = trace.keep or _keeps_graph(flat_t)
    tangent_out = tree_unflatten(trace.push(flat_t, keep), trace.out_spec)
    return trace.result((_unwrapped(trace.output, keep), _unwrapped(tangent_out, keep)))


# ----- jacobians ------------------------------------------------------------------------------------

def _basis(x: Tensor) -> list:
    """One-hot tensors shaped like x, one per element."""
    from .._creation import eye  # noqa: PLC0415
    n = x.numel()
    rows = eye(n, dtype=x.dtype, device=x.device) if n else None
    return [rows[i].view(x.shape) for i in range(n)]


def _jacobian(trace, along, columns: bool):
    """d output j / d input k for every pair, shaped output.shape + input.shape and nested as torch nests
    a jacobian (outputs outer, inputs inner); along(one-hots) is one vjp (rows: a one-hot over an output)
    or one jvp (columns: a one-hot over an input), None standing for the zero leaves."""
    from .. import _dispatch  # noqa: PLC0415
    from .._creation import zeros  # noqa: PLC0415
    outs, ins = trace.flat_out, trace.inputs
    over = ins if columns else outs
    lines = [[along([e if m == i else None for m in range(len(over))]) for e in _basis(x)]
             for i, x in enumerate(over)]

    def block(j, k):
        o, x = outs[j], ins[k]
        parts = [line[j] for line in lines[k]] if columns else [line[k] for line in lines[j]]
        shape = tuple(o.shape) + tuple(x.shape)
        if not parts:
            return zeros(shape, dtype=o.dtype, device=o.device)
        # rows stack first (out elements, *input shape); columns last (*output shape, in elements)
        return _dispatch.call("stack", parts, -1 if columns else 0).reshape(shape)

    per_output = [tree_unflatten([block(j, k) for k in range(len(ins))], trace.in_spec) for j in range(len(outs))]
    jac = tree_unflatten(per_output, trace.out_spec)
    return trace.result((jac,)) if trace.has_aux else jac


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """torch.func.jacrev: the jacobian of func w.r.t. the arguments at argnums, one vjp per output element."""
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")

    @functools.wraps(func)
    def wrapper_fn(*args):
        trace = _vjp_with_argnums(func, args, _argnums(argnums, len(args)), has_aux)
        return _jacobian(trace, lambda cts: trace.pull_flat(cts, trace.keep), columns=False)

    return wrapper_fn


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """torch.func.jacfwd: the jacobian of func w.r.t. the arguments at argnums, one jvp per input element."""

    @functools.wraps(func)
    def wrapper_fn(*args):
        nums = _argnums(argnums, len(args))
        for x in tree_flatten(_slice(args, nums))[0]:
            if not isinstance(x, Tensor):  # torch sizes its basis before anything else looks at the inputs
                raise AttributeError(f"'{type(x).__name__}' object has no attribute 'numel'")
        trace = _jvp_with_argnums(func, args, nums, has_aux)
        return _jacobian(trace, lambda tangents: trace.push(tangents, trace.keep), columns=True)

    return wrapper_fn


def hessian(func, argnums=0):
    """torch.func.hessian: jacfwd(jacrev(func)), forward over reverse as torch composes it."""
    return jacfwd(jacrev(func, argnums), argnums)
