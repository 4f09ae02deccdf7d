"""torch.func's remaining entry points: stack_module_state (model ensembling), linearize, functionalize."""
from __future__ import annotations

from ._eager import jvp


def stack_module_state(models) -> tuple[dict, dict]:
    """The models' parameters and buffers stacked along a new first dim, by name (for vmap over
    functional_call). Stacked parameters are new leaves that require grad, as torch's."""
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    first = type(models[0])
    if any(type(m) is not first for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    from .. import stack  # noqa: PLC0415

    def stacked(tensors):
        out = stack([t.detach() for t in tensors])
        return out.requires_grad_() if all(t.requires_grad for t in tensors) else out

    params = {k: stacked([dict(m.named_parameters())[k] for m in models]) for k, _ in models[0].named_parameters()}
    buffers = {k: stack([dict(m.named_buffers())[k] for m in models]) for k, _ in models[0].named_buffers()}
    return params, buffers


def linearize(func, *primals) -> tuple:
    """(func(*primals), jvp_fn): jvp_fn(*tangents) is the Jacobian-vector product of func at primals."""
    output = func(*primals)

    def jvp_fn(*tangents):
        if len(tangents) != len(primals):
            raise RuntimeError(f"Expected the tangents to have the same argspec as the primals: {len(primals)} "
                               f"primals, {len(tangents)} tangents")
        for i, (t, p) in enumerate(zip(tangents, primals)):
            if tuple(t.shape) != tuple(p.shape):
                raise RuntimeError(f"tangent:{i} with shape {t.shape} in flattened pytree doesn't match the shape "
                                   f"{p.shape} of the corresponding primal.")
        return jvp(func, primals, tangents)[1]
    return output, jvp_fn


def functionalize(func, *, remove: str = "mutations"):
    """Runs ``func`` as it is: gradwire's results are the same with or without functionalization."""
    if remove not in ("mutations", "mutations_and_views"):
        raise RuntimeError(f"functionalize(f, remove='mutations'): received invalid argument for remove={remove}. "
                           "Valid options are:\n     remove='mutations': all inplace and out= operators will be "
                           "removed from the program, and replaced with their out-of-place equivalents.\n     "
                           "remove='mutations_and_views': In addition to the above, all aliasing operators {view} "
                           "will be replaced with their non-aliasing counterparts, {view}_copy.\n")
    return func
