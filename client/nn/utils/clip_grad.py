"""torch.nn.utils.clip_grad: gradient clipping, one server command for all parameters."""
from __future__ import annotations

from ... import _dispatch
from ...tensor import Tensor

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_"]


def _params(parameters):
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach=None):
    """Scales the gradients so their total norm is at most max_norm; returns the total norm (a 0-d tensor)."""
    params = _params(parameters)
    if not params:
        from ... import tensor  # noqa: PLC0415
        return tensor(0.0)
    kwargs = {"error_if_nonfinite": True} if error_if_nonfinite else {}
    return _dispatch.call("clip_grad_norm_", params, float(max_norm), float(norm_type), **kwargs)


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None):
    import warnings  # noqa: PLC0415
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """The ``norm_type`` norm of all of ``tensors`` together (the norm of their norms)."""
    from ... import linalg, stack, tensor  # noqa: PLC0415
    tensors = _params(tensors)
    if not tensors:
        return tensor(0.0)
    norm_type = float(norm_type)
    total = linalg.vector_norm(stack([linalg.vector_norm(t, norm_type) for t in tensors]), norm_type)
    if error_if_nonfinite and not bool(total.isfinite()):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters, max_norm: float, total_norm, foreach=None) -> None:
    """Scales the gradients by max_norm / (total_norm + 1e-6), when that is below 1."""
    from ...grad_mode import no_grad  # noqa: PLC0415
    grads = [p.grad for p in _params(parameters) if p.grad is not None]
    if not grads:
        return
    coef = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
    with no_grad():
        for g in grads:
            g.mul_(coef.to(g.dtype))


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    params = _params(parameters)
    if params:
        params[0]._conn.submit("clip_grad_value_", (params, float(clip_value)), handle_of=_dispatch._handle_of)
