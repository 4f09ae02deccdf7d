"""torch.distributions.utils: parameter broadcasting, probs <-> logits, lazily computed attributes."""
from __future__ import annotations

import functools
import numbers

import gradwire as _torch

__all__ = ["broadcast_all", "logits_to_probs", "clamp_probs", "probs_to_logits", "lazy_property",
           "tril_matrix_to_vec", "vec_to_tril_matrix"]

euler_constant = 0.57721566490153286060  # the Euler-Mascheroni constant


def broadcast_all(*values):
    """The values broadcast to one shape; numbers become tensors of the first tensor's dtype (else the
    default dtype)."""
    if not all(isinstance(v, (_torch.Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of Number, "
                         "torch.Tensor or objects implementing __torch_function__.")
    if not all(isinstance(v, _torch.Tensor) for v in values):
        dtype = next((v.dtype for v in values if isinstance(v, _torch.Tensor)), _torch.get_default_dtype())
        values = [v if isinstance(v, _torch.Tensor) else _torch.tensor(v, dtype=dtype) for v in values]
    return _torch.broadcast_tensors(*values)


def _standard_normal(shape, dtype, device=None):
    return _torch.empty(shape, dtype=dtype).normal_()


def _sum_rightmost(value, dim: int):
    """``value`` summed over its ``dim`` rightmost dims."""
    return value if dim == 0 else value.reshape(value.shape[:-dim] + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary: bool = False):
    return _torch.sigmoid(logits) if is_binary else _torch.nn.functional.softmax(logits, dim=-1)


def clamp_probs(probs):
    eps = _torch.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary: bool = False):
    clamped = clamp_probs(probs)
    if is_binary:
        return _torch.log(clamped) - _torch.log1p(-clamped)
    return _torch.log(clamped)


class lazy_property:
    """Computed on first access (with grad enabled) and then stored on the instance, so that the
    attribute shadows the descriptor afterwards."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        functools.update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with _torch.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """What the class attribute reads as: both a lazy_property and a property (for documentation tools)."""

    def __init__(self, wrapped):
        property.__init__(self, wrapped)


def _tril_mask(n: int, diag: int):
    arange = _torch.arange(n)
    return arange < arange.view(-1, 1) + (diag + 1)


def tril_matrix_to_vec(mat, diag: int = 0):
    """The lower triangle (below diagonal ``diag``) of a (batch of) square matrix, row by row."""
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    return mat[..., _tril_mask(n, diag)]


def vec_to_tril_matrix(vec, diag: int = 0):
    """The inverse of tril_matrix_to_vec: zeros above diagonal ``diag``."""
    n = (-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * vec.shape[-1] + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    if round(n) - n > _torch.finfo(vec.dtype).eps:
        raise ValueError(f"The size of last dimension is {vec.shape[-1]} which cannot be expressed as "
                         "the lower triangular part of a square D x D matrix.")
    n = round(n)
    mat = vec.new_zeros(vec.shape[:-1] + _torch.Size((n, n)))
    mat[..., _tril_mask(n, diag)] = vec
    return mat
