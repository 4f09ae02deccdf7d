"""torch.autograd.grad and torch.autograd.backward, run by the server's engine; torch.autograd.functional's
jacobian, hessian, vjp, jvp, vhp and hvp built on them."""
from __future__ import annotations

import contextlib

from .. import _dispatch, grad_mode
from ..tensor import Tensor, _mark_grad_inputs
from .function import _partial_graph_task


def _as_list(x):
    if x is None:
        return None
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _tensor_list(x, what: str) -> list:
    """outputs or inputs of grad/backward as torch takes them: a tensor, or any iterable of tensors."""
    if isinstance(x, Tensor):
        return [x]
    if what == "inputs" and getattr(x, "_tensor", None) is not None:   # one GradientEdge (a tuple itself)
        return [x._tensor]
    try:
        items = list(x)
    except TypeError:
        raise TypeError(f"'{type(x).__name__}' object is not iterable") from None
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            if what == "outputs":
                raise AssertionError("Expected output to be a torch.Tensor")
            items[i] = getattr(t, "_tensor", None)   # a GradientEdge (autograd.graph.get_gradient_edge)
            if items[i] is None:
                raise RuntimeError(f"all inputs have to be Tensors or GradientEdges, but got {type(t).__name__}")
    return items


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs`` (a tuple; None for unused inputs)."""
    outputs, inputs = _tensor_list(outputs, "outputs"), _tensor_list(inputs, "inputs")
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if is_grads_batched:
        return _batched_grad(outputs, inputs, _as_list(grad_outputs), retain_graph, create_graph, allow_unused,
                             materialize_grads)
    conn = inputs[0]._conn
    # Whether a gradient is None (unused input) or carries a graph is known only to the server.
    with _partial_graph_task():  # callbacks it makes run in here (at the submit, in sync mode)
        pending = conn.submit("autograd.grad", (outputs, inputs, _as_list(grad_outputs), retain_graph,
                                                create_graph, allow_unused, materialize_grads),
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
    if grad_outputs is None:  # torch makes ones for scalar outputs, then maps over their (missing) first dim
        if any(o.numel() != 1 for o in outputs):
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        n = outputs[0].dim()
        if n:  # each vector of the batch is one element: the shape of a scalar
            raise RuntimeError(f"invalid gradient at index 0 - got [] but expected shape compatible with "
                               f"{list(outputs[0].shape)}")
        raise ValueError("vmap(vjp, in_dims=0, ...)(<inputs>): Got in_dim=0 for some input, but that input is a "
                         "Tensor of dimensionality 0 so expected in_dim to satisfy 0 <= in_dim < 0.")
    for i, (g, out) in enumerate(zip(grad_outputs or (), outputs)):
        if g is not None and tuple(g.shape[1:]) != tuple(out.shape):
            raise RuntimeError("If `is_grads_batched=True`, we interpret the first dimension of each grad_output as "
                               "the batch dimension. The sizes of the remaining dimensions are expected to match the "
                               f"shape of corresponding output, but a mismatch was detected: grad_output[{i}] has a "
                               f"shape of {g.shape[1:]} and output[{i}] has a shape of {out.shape}. If you only want "
                               "some tensors in `grad_output` to be considered batched, consider using vmap.")
    batch = grad_outputs[0].shape[0]
    per_vector = [grad(outputs, inputs, [g[i] for g in grad_outputs],
                       retain_graph=True if i < batch - 1 else retain_graph, create_graph=create_graph,
                       allow_unused=allow_unused, materialize_grads=materialize_grads)
                  for i in range(batch)]
    return tuple(None if column[0] is None else stack(list(column)) for column in zip(*per_vector))


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """torch.autograd.backward: backward from several tensors at once."""
    tensors = _tensor_list(tensors, "outputs")
    grads = (_as_list(grad_tensors) or [None] * len(tensors))[:len(tensors)]  # extra gradients: ignored, as torch
    if len(grads) < len(tensors):
        raise RuntimeError(f"got {len(tensors)} tensors and {len(grads)} gradients")
    for i, t in enumerate(tensors):
        # (a view made in no_grad mode requires grad but has no grad_fn and no edge: torch's same error)
        if isinstance(t, Tensor) and (not t._requires_grad or (
                t._grad_fn is None and getattr(t, "_view_mode", None) is not None)):
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    conn = tensors[0]._conn
    wait = conn.backward_must_wait(tensors)
    if inputs is not None:
        inputs = _tensor_list(inputs, "inputs")
        _mark_grad_inputs(inputs)
    with _partial_graph_task() if inputs is not None else contextlib.nullcontext():
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


# ----- strict mode: torch's checks, each with its text ----------------------------------------------

_NOT_REQUIRING = {
    "outputs": "Output {i} of the user-provided function does not require gradients. The outputs must be computed "
               "in a differentiable manner from the input when running in strict mode.",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the user-provided "
                   "function. This is not allowed in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided function with respect "
                "to input {i} is independent of the input. This is not allowed in strict mode. You should ensure "
                "that your function is twice differentiable and that the jacobian depends on the inputs (this "
                "would be violated by a linear function for example).",
}
_UNUSED = {  # a gradient that came back None, by the stage that computed it
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in "
            "strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs when "
                  "using the double backward trick to compute forward mode gradients. This is not allowed in "
                  "strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is not allowed "
                   "in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the "
                         "grad_jacobian. This is not allowed in strict mode as it prevents from using the double "
                         "backward trick to replace forward mode AD.",
}


def _check_strict(values, kind: str, strict: bool) -> None:
    """strict: each of ``values`` (outputs, gradients) must be a tensor that requires grad."""
    if not strict:
        return
    for i, v in enumerate(values):
        if v is None:
            raise RuntimeError(_UNUSED["back"].format(i=i))
        if not v.requires_grad:
            raise RuntimeError(_NOT_REQUIRING[kind].format(i=i))


def _differentiable_grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """autograd.grad over the outputs that require grad only (None for every input when none does)."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return grad([o for o, _ in pairs], inputs, [g for _, g in pairs], retain_graph=retain_graph,
                create_graph=create_graph, allow_unused=True)


def _zeros_for_none(grads, like, strict: bool, create_graph: bool, stage: str) -> tuple:
    """None gradients as zeros (an error in strict mode, as is one without a graph under create_graph)."""
    from .. import _creation  # noqa: PLC0415
    out = []
    for i, (g, x) in enumerate(zip(grads, like)):
        if g is None:
            if strict:
                raise RuntimeError(_UNUSED[stage].format(i=i))
            g = _creation.zeros_like(x)
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}. This is not "
                               "allowed in strict mode when create_graph=True.")
        out.append(g)
    return tuple(out)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """torch.autograd.functional.jacobian: d func(inputs) / d inputs, shaped output.shape + input.shape."""
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
        if strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `strategy=\"forward-mode\"` "
                               "are not supported together (yet). Please either set `strict=False` or "
                               "`strategy=\"reverse-mode\"`.")
    from .. import _creation  # noqa: PLC0415
    with grad_mode.enable_grad():
        inputs_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
        ins = tuple(x.view_as(x) if create_graph and x.requires_grad else x.detach().requires_grad_(True)
                    for x in ins)
        outputs = func(*ins)
        outputs_tuple, outs = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")
        _check_strict(outs, "outputs", strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                               "supported together. Please either set `strict=False` or `vectorize=False`.")
        result = []
        for i, out in enumerate(outs):
            rows = [[] for _ in ins]
            flat = out.reshape(-1)
            for j in range(flat.numel()):
                grads = _differentiable_grad((flat[j],), ins, retain_graph=True, create_graph=create_graph)
                for k, (g, x) in enumerate(zip(grads, ins)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is independent of input "
                                               f"{k}. This is not allowed in strict mode.")
                        g = _creation.zeros_like(x)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError(f"The jacobian of the user-provided function is independent of input "
                                           f"{i}. This is not allowed in strict mode when create_graph=True.")
                    rows[k].append(g)
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
        out = func(*xs)
        _check_strict(_as_tuple(out, "outputs of the user-provided function", "hessian")[1], "outputs", strict)
        return _single_output(out, "hessian").squeeze()

    def jac_func(*xs):
        jac = jacobian(single_output, xs, create_graph=True)
        _check_strict(jac if isinstance(jac, tuple) else (jac,), "jacobian", strict)
        return jac

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


def _final(values, create_graph: bool, is_tuple: bool):
    values = tuple(v if create_graph else v.detach() for v in values)
    return values if is_tuple else values[0]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """torch.autograd.functional.vjp: (func(inputs), v^T J)."""
    with grad_mode.enable_grad():
        inputs_tuple, ins = _prepared(inputs, create_graph, "vjp")
        out_tuple, outs = _as_tuple(func(*ins), "outputs of the user-provided function", "vjp")
        _check_strict(outs, "outputs", strict)
        vs = _vector(v, outs, out_tuple, "vjp", "The vector v can only be None if the user-provided function "
                     "returns a single Tensor with a single element.")
        grads = _differentiable_grad(outs, ins, vs, retain_graph=True, create_graph=create_graph)
    grads = _zeros_for_none(grads, ins, strict, create_graph, "back")
    return _final(outs, create_graph, out_tuple), _final(grads, create_graph, inputs_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """torch.autograd.functional.jvp: (func(inputs), J v), by the double-backward trick."""
    from .. import _creation  # noqa: PLC0415
    with grad_mode.enable_grad():
        inputs_tuple, ins = _prepared(inputs, create_graph, "jvp")
        vs = _vector(v, ins, inputs_tuple, "jvp", "The vector v can only be None if the input to the user-provided "
                     "function is a single Tensor with a single element.")
        out_tuple, outs = _as_tuple(func(*ins), "outputs of the user-provided function", "jvp")
        _check_strict(outs, "outputs", strict)
        dummies = tuple(_creation.zeros_like(o).requires_grad_(True) for o in outs)
        grad_ins = _differentiable_grad(outs, ins, dummies, create_graph=True)
        _check_strict(grad_ins, "grad_inputs", strict)
        jv = _differentiable_grad(grad_ins, dummies, vs, retain_graph=True, create_graph=create_graph)
    jv = _zeros_for_none(jv, outs, strict, create_graph, "back_trick")
    return _final(outs, create_graph, out_tuple), _final(jv, create_graph, out_tuple)


def _second_order(func, inputs, v, create_graph: bool, strict: bool, fn_name: str):
    with grad_mode.enable_grad():
        inputs_tuple, ins = _prepared(inputs, create_graph, fn_name)
        vs = _vector(v, ins, inputs_tuple, fn_name, "The vector v can only be None if the input to the "
                     "user-provided function is a single Tensor with a single element.")
        out = func(*ins)
        _check_strict(_as_tuple(out, "outputs of the user-provided function", fn_name)[1], "outputs", strict)
        outs = (_single_output(out, fn_name),)
        jac = _differentiable_grad(outs, ins, create_graph=True)
        _check_strict(jac, "jacobian", strict)
        hv = _differentiable_grad(jac, ins, vs, retain_graph=True, create_graph=create_graph)
    stage = "double_back" if fn_name == "vhp" else "double_back_trick"
    hv = _zeros_for_none(hv, ins, strict, create_graph, stage)
    return _final(outs, create_graph, False), _final(hv, create_graph, inputs_tuple)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """torch.autograd.functional.vhp: (func(inputs), v^T H) for a function with a single-element output."""
    return _second_order(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """torch.autograd.functional.hvp: (func(inputs), H v); H is symmetric for the twice-differentiable
    functions autograd sees, so H v is computed as v^T H, in one double backward."""
    return _second_order(func, inputs, v, create_graph, strict, "hvp")
