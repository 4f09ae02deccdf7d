"""Forward-mode AD for the client's dual tensors: the tangent of one op's outputs, J·t.

The client keeps which of its tensors are dual and, for an op with dual
inputs, issues one ``fwad.jvp`` command beside the op (before it, so that an
in-place op's old values and a random op's draws are the ones the op sees).

Two ways, no per-op formulas:

* an op linear in its first argument, the rest not differentiable (views,
  sum, clone, ...): the tangent is the op applied to the tangent (so a view's
  tangent is a view of the tangent, as in torch);
* every other op: the double-backward trick. With ``y = f(x)`` re-run on
  stand-ins ``x`` that require grad and ``u = zeros_like(y)`` requiring grad,
  ``g = vjp(y, x, u)`` (create_graph) is linear in ``u``, and
  ``d<g, t>/du = J·t``. It works for every op whose backward is differentiable.

Tangents are computed with the command's grad mode: where a primal, a tangent
or another input requires grad, the tangent keeps its history to them
(reverse-over-forward), as torch's formulas do.
"""
from __future__ import annotations

from gradwire.common import dtypes as _dt

from ..function import Function
from ..grad_mode import _state as _grad_state
from ..ops._util import share_version
from ..tensor import Tensor, _new_tensor

__all__ = ["jvp", "view_tangent", "assign", "Identity"]

# Ops linear in their first argument whose other arguments are not differentiable.
LINEAR = frozenset((
    "view", "reshape", "flatten", "squeeze", "unsqueeze", "transpose", "t", "permute", "expand", "narrow",
    "select", "getitem", "contiguous", "clone", "neg", "sum", "mean", "to", "flip", "roll", "diagonal", "tril",
    "triu", "repeat", "split", "chunk", "unbind", "cumsum", "trace", "index_select", "gather", "take",
))


def _tensors(values):
    for v in values:
        if type(v) is Tensor:
            yield v
        elif type(v) in (list, tuple):
            yield from _tensors(v)


def _swap(value, subs):
    """``value`` with each tensor in ``subs`` (by identity) replaced, also inside lists and tuples."""
    if type(value) is Tensor:
        return subs.get(id(value), value)
    if type(value) in (list, tuple):
        return type(value)(_swap(v, subs) for v in value)
    return value


def _zeros_like(t):
    from ..ops.creation import zeros_like  # noqa: PLC0415
    return zeros_like(t)


def jvp(op, args, kwargs, primals, tangents, wanted, inplace=False):
    """The tangents of ``OPS[op](*args, **kwargs)``'s outputs at positions ``wanted`` (a tuple), for the
    dual inputs ``primals`` (tensors among args/kwargs) with ``tangents``."""
    from ..ops import OPS  # noqa: PLC0415
    fn = OPS[op]
    kwargs = kwargs or {}
    if op in LINEAR and not inplace and len(primals) == 1 and args and args[0] is primals[0] and not any(
            t.dtype.is_floating_point for t in _tensors((*args[1:], *kwargs.values()))):
        out = fn(tangents[0], *args[1:], **kwargs)
        outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        return _picked(outs, outs, wanted)
    return _by_double_backward(fn, args, kwargs, primals, tangents, wanted, inplace)


def _picked(outs, primal_outs, wanted):
    res = []
    for i in wanted:
        t, p = outs[i], primal_outs[i]
        if t is None:
            t = _zeros_like(p)
        elif t.dtype is not p.dtype:
            t = t.to(p.dtype)
        res.append(t)
    return res[0] if len(res) == 1 else tuple(res)


def _by_double_backward(fn, args, kwargs, primals, tangents, wanted, inplace):
    from ..grad_mode import enable_grad  # noqa: PLC0415
    from ..random import current_generator  # noqa: PLC0415
    from . import grad  # noqa: PLC0415
    grad_on = _grad_state.enabled
    # the tangent keeps a history only where something real requires grad (else it would reach the stand-ins)
    keep = grad_on and any(t._requires_grad for t in (*_tensors((*args, *kwargs.values())), *tangents))
    subs = {}
    stand_ins = []
    for p in primals:
        s = p if keep and p._requires_grad else p.detach().requires_grad_(True)
        subs[id(p)] = s
        stand_ins.append(s)
    new_args = [_swap(a, subs) for a in args]
    new_kwargs = {k: _swap(v, subs) for k, v in kwargs.items()}
    # a random op draws the same numbers as the op itself will, right after this command
    devices = {t.device for t in _tensors((*args, *kwargs.values()))} or {"cpu"}
    generators = [current_generator(d) for d in devices]
    states = [g._snapshot() for g in generators]
    try:
        with enable_grad():
            if inplace:  # written on a copy: the op itself writes the input, later
                new_args[0] = new_args[0].clone()
            out = fn(*new_args, **new_kwargs)
    finally:
        for g, s in zip(generators, states):
            g._restore(s)
    outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    diff = [o for o in outs if type(o) is Tensor and o._requires_grad]
    if not diff:
        return _picked((None,) * len(outs), outs, wanted)
    with enable_grad():
        us = [_zeros_like(o).requires_grad_(True) for o in diff]
        gs = grad(diff, stand_ins, us, create_graph=True, allow_unused=True)
        pairs = [(g, t) for g, t in zip(gs, tangents) if g is not None and g._requires_grad]
        if pairs:
            with _grad_mode(keep):
                jts = grad([g for g, _ in pairs], us, [t.to(g.dtype) for g, t in pairs], create_graph=keep,
                           allow_unused=True)
        else:
            jts = (None,) * len(us)
    by_output = dict(zip(map(id, diff), jts))
    result = tuple(by_output.get(id(o)) for o in outs)
    if not keep:
        result = tuple(None if r is None else r.detach() for r in result)
    return _picked(result, outs, wanted)


def _grad_mode(flag):
    from ..grad_mode import set_grad_enabled  # noqa: PLC0415
    return set_grad_enabled(flag)


def view_tangent(base, view, base_tangent, view_tangent_):
    """The tangent of ``base`` after an in-place op on its ``view`` gave the view ``view_tangent_``:
    ``base_tangent`` (zeros where there is none) with the view's elements replaced."""
    from ..ops.inplace import view_positions  # noqa: PLC0415
    positions = _new_tensor(view_positions(base, view).reshape(-1), _dt.int64, base.device)
    flat = (_zeros_like(base) if base_tangent is None else base_tangent).reshape(-1).clone()
    flat[positions] = view_tangent_.reshape(-1).to(flat.dtype)
    return flat.view(base.shape)


def assign(tangent, value):
    """An in-place op on a dual tensor writes its new tangent into the old one, as torch does: views of the
    tangent (the tangents of the tensor's views) and the user's own tangent tensor see it."""
    from ..grad_mode import no_grad  # noqa: PLC0415
    if tangent._requires_grad and tangent.grad_fn is None:  # a leaf the user made: no history to write
        with no_grad():
            tangent.copy_(value)
    else:
        tangent.copy_(value)


class Identity(Function):
    """unpack_dual's primal: a view of the tensor, without its tangent (torch's node is ``Identity``)."""

    node_name = "Identity"
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        return share_version(a, _new_tensor(a.array, a.dtype, a.device))

    @staticmethod
    def backward(ctx, grad):
        return grad


WIRE = {"fwad.jvp": jvp, "fwad.view_tangent": view_tangent, "fwad.assign": assign, "fwad.primal": Identity.apply}
