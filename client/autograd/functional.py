"""torch.autograd.grad and torch.autograd.backward, run by the server's engine; torch.autograd.functional's
jacobian, hessian, vjp, jvp, vhp and hvp built on them."""
from __future__ import annotations

from .. import _dispatch, grad_mode
from ..tensor import Tensor, _mark_grad_inputs


def _as_list(x):
    if x is None:
        return None
    return list(x) if isinstance(x, (list, tuple)) else [x]


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs`` (a tuple; None for unused inputs)."""
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if is_grads_batched:
        return _batched_grad(outputs, inputs, _as_list(grad_outputs), retain_graph, create_graph, allow_unused,
                             materialize_grads)
    conn = inputs[0]._conn
    # Whether a gradient is None (unused input) or carries a graph is known only to the server.
    pending = conn.submit("autograd.grad", (outputs, inputs, _as_list(grad_outputs), retain_graph, create_graph,
                                            allow_unused, materialize_grads),
                          outputs=[conn.new_handle() for _ in inputs], want_meta=True,
                          grad_enabled=grad_mode.is_grad_enabled(), handle_of=_dispatch._handle_of)
    conn.grad_epoch += 1
    if not (create_graph if retain_graph is None else retain_graph):
        conn.mark_freed()
    conn.sync()
    return tuple(None if m.is_none else Tensor._from_meta(conn, m) for m in pending.metas)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads):
    """is_grads_batched: the first dim of each grad_output indexes vectors; one backward per vector, stacked
    (torch vmaps the backward; here each vector is its own backward)."""
    from .. import stack  # noqa: PLC0415
    batch = grad_outputs[0].shape[0]
    per_vector = [grad(outputs, inputs, [g[i] for g in grad_outputs],
                       retain_graph=True if i < batch - 1 else retain_graph, create_graph=create_graph,
                       allow_unused=allow_unused, materialize_grads=materialize_grads)
                  for i in range(batch)]
    return tuple(None if column[0] is None else stack(list(column)) for column in zip(*per_vector))


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """torch.autograd.backward: backward from several tensors at once."""
    tensors = _as_list(tensors)
    grads = _as_list(grad_tensors) or [None] * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(f"got {len(tensors)} tensors and {len(grads)} gradients")
    for i, t in enumerate(tensors):
        # (a view made in no_grad mode requires grad but has no grad_fn and no edge: torch's same error)
        if isinstance(t, Tensor) and (not t._requires_grad or (
                t._grad_fn is None and getattr(t, "_view_mode", None) is not None)):
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    conn = tensors[0]._conn
    wait = conn.backward_must_wait(tensors)
    inputs = _as_list(inputs)
    if inputs is not None:
        _mark_grad_inputs(inputs)
    conn.submit("autograd.backward", (tensors, grads, retain_graph, create_graph, inputs),
                grad_enabled=grad_mode.is_grad_enabled(), handle_of=_dispatch._handle_of)
    conn.grad_epoch += 1
    if not (create_graph if retain_graph is None else retain_graph):
        conn.mark_freed()
    if wait:  # its errors belong to this line (see Connection.backward_must_wait)
        conn.sync()


# ----- torch.autograd.functional: jacobian and hessian ------------------------------------------
# Built on autograd.grad, one reverse pass per output element (each a round trip),
# as torch's default strategy="reverse-mode" without vectorize.

def _as_tuple(value, what: str, fn_name: str) -> tuple[bool, tuple]:
    is_tuple = isinstance(value, tuple)
    values = value if is_tuple else (value,)
    for i, v in enumerate(values):
        if not isinstance(v, Tensor):
            if is_tuple:
                raise TypeError(f"The {what} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                                f"the value at index {i} has type {type(v)}.")
            raise TypeError(f"The {what} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                            f"the given {what} has type {type(v)}.")
    return is_tuple, values


def _untuple(res, is_tuple: tuple[bool, bool]):
    """torch's nesting: outputs outer, inputs inner, each level kept only when it was a tuple."""
    outputs_tuple, inputs_tuple = is_tuple
    if not inputs_tuple:
        res = tuple(r[0] for r in res)
    return res if outputs_tuple else res[0]


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """torch.autograd.functional.jacobian: d func(inputs) / d inputs, shaped output.shape + input.shape."""
    if strict:
        raise NotImplementedError("gradwire's jacobian does not implement strict=True yet")
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                             'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":  # torch's checks; the values are the same as reverse mode's, computed so
        if create_graph:
            raise NotImplementedError('torch.autograd.functional.jacobian: `create_graph=True` and `strategy='
                                      '"forward-mode"` are not supported together (yet). Please either set '
                                      '`create_graph=False` or `strategy="reverse-mode"`.')
        if not vectorize:
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                                      "only implemented for `vectorize=True`.")
    from .. import _creation  # noqa: PLC0415
    with grad_mode.enable_grad():
        inputs_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
        ins = tuple(x.view_as(x) if create_graph and x.requires_grad else x.detach().requires_grad_(True)
                    for x in ins)
        outputs = func(*ins)
        outputs_tuple, outs = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")
        result = []
        for out in outs:
            rows = [[] for _ in ins]
            flat = out.reshape(-1)
            for j in range(flat.numel()):
                grads = grad((flat[j],), ins, retain_graph=True, create_graph=create_graph, allow_unused=True)
                for k, (g, x) in enumerate(zip(grads, ins)):
                    rows[k].append(_creation.zeros_like(x) if g is None else g)
            per_input = []
            for k, x in enumerate(ins):
                shape = tuple(out.shape) + tuple(x.shape)
                if rows[k]:
                    j_k = _dispatch.call("stack", rows[k], 0).view(shape)
                else:
                    j_k = _creation.zeros(shape, dtype=x.dtype, device=x.device)
                per_input.append(j_k if create_graph else j_k.detach())
            result.append(tuple(per_input))
    return _untuple(tuple(result), (outputs_tuple, inputs_tuple))


def _single_output(out, fn_name: str) -> Tensor:
    """The function's output, which hessian, vhp and hvp need to be one single-element Tensor."""
    out_tuple, _ = _as_tuple(out, "outputs of the user-provided function", fn_name)
    if out_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if out.numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should contain a single element")
    return out


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """torch.autograd.functional.hessian of a function returning a single-element Tensor."""
    inputs_tuple, ins = _as_tuple(inputs, "inputs", "hessian")

    def single_output(*xs):
        return _single_output(func(*xs), "hessian").squeeze()

    def jac_func(*xs):
        return jacobian(single_output, xs, create_graph=True, strict=strict)

    if outer_jacobian_strategy == "forward-mode" and not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                                  "only implemented for `vectorize=True`.")
    res = jacobian(jac_func, ins, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy="reverse-mode" if outer_jacobian_strategy == "forward-mode" else outer_jacobian_strategy)
    return _untuple(res, (inputs_tuple, inputs_tuple))


def _prepared(inputs, create_graph: bool, fn_name: str):
    is_tuple, ins = _as_tuple(inputs, "inputs", fn_name)
    return is_tuple, tuple(x.view_as(x) if create_graph and x.requires_grad else x.detach().requires_grad_(True)
                           for x in ins)


def _vector(v, like: tuple, is_tuple: bool, fn_name: str, none_message: str):
    """The user's v, checked against ``like`` (shapes); None only where ``like`` is one single-element Tensor."""
    from .. import _creation  # noqa: PLC0415
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(none_message)
        return (_creation.ones_like(like[0]),)
    _, vs = _as_tuple(v, "v", fn_name)
    if len(vs) != len(like):
        if is_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got {len(vs)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(vs, like)):
        if tuple(a.shape) != tuple(b.shape):
            prefix = f"Entry {i} in " if is_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {b.shape} but got {a.shape}.")
    return vs


def _filled(grads, like):
    from .. import _creation  # noqa: PLC0415
    return tuple(_creation.zeros_like(x) if g is None else g for g, x in zip(grads, like))


def _final(values, create_graph: bool, is_tuple: bool):
    values = tuple(v if create_graph else v.detach() for v in values)
    return values if is_tuple else values[0]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """torch.autograd.functional.vjp: (func(inputs), v^T J)."""
    if strict:
        raise NotImplementedError("gradwire's vjp does not implement strict=True yet")
    with grad_mode.enable_grad():
        inputs_tuple, ins = _prepared(inputs, create_graph, "vjp")
        out_tuple, outs = _as_tuple(func(*ins), "outputs of the user-provided function", "vjp")
        vs = _vector(v, outs, out_tuple, "vjp", "The vector v can only be None if the user-provided function "
                     "returns a single Tensor with a single element.")
        grads = grad(outs, ins, vs, retain_graph=True, create_graph=create_graph, allow_unused=True)
    return _final(outs, create_graph, out_tuple), _final(_filled(grads, ins), create_graph, inputs_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """torch.autograd.functional.jvp: (func(inputs), J v), by the double-backward trick."""
    if strict:
        raise NotImplementedError("gradwire's jvp does not implement strict=True yet")
    from .. import _creation  # noqa: PLC0415
    with grad_mode.enable_grad():
        inputs_tuple, ins = _prepared(inputs, create_graph, "jvp")
        vs = _vector(v, ins, inputs_tuple, "jvp", "The vector v can only be None if the input to the user-provided "
                     "function is a single Tensor with a single element.")
        out_tuple, outs = _as_tuple(func(*ins), "outputs of the user-provided function", "jvp")
        dummies = tuple(_creation.zeros_like(o).requires_grad_(True) for o in outs)
        grad_ins = _filled(grad(outs, ins, dummies, create_graph=True, allow_unused=True), ins)
        jv = grad(grad_ins, dummies, vs, retain_graph=True, create_graph=create_graph, allow_unused=True)
    return _final(outs, create_graph, out_tuple), _final(_filled(jv, outs), create_graph, out_tuple)


def _second_order(func, inputs, v, create_graph: bool, fn_name: str):
    with grad_mode.enable_grad():
        inputs_tuple, ins = _prepared(inputs, create_graph, fn_name)
        vs = _vector(v, ins, inputs_tuple, fn_name, "The vector v can only be None if the input to the "
                     "user-provided function is a single Tensor with a single element.")
        outs = (_single_output(func(*ins), fn_name),)
        jac = _filled(grad(outs, ins, create_graph=True, allow_unused=True), ins)
        hv = grad(jac, ins, vs, retain_graph=True, create_graph=create_graph, allow_unused=True)
    return _final(outs, create_graph, False), _final(_filled(hv, ins), create_graph, inputs_tuple)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """torch.autograd.functional.vhp: (func(inputs), v^T H) for a function with a single-element output."""
    if strict:
        raise NotImplementedError("gradwire's vhp does not implement strict=True yet")
    return _second_order(func, inputs, v, create_graph, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """torch.autograd.functional.hvp: (func(inputs), H v); H is symmetric for the twice-differentiable
    functions autograd sees, so H v is computed as v^T H, in one double backward."""
    if strict:
        raise NotImplementedError("gradwire's hvp does not implement strict=True yet")
    return _second_order(func, inputs, v, create_graph, "hvp")
