"""torch.distributions.Categorical."""
from __future__ import annotations

import gradwire as _torch

from . import constraints
from .bernoulli import _ProbsOrLogits, _enumerate, _one_parametrization
from .distribution import Distribution

__all__ = ["Categorical"]


class Categorical(_ProbsOrLogits, Distribution):
    """One of ``K`` categories (0 .. K-1), with (unnormalized) ``probs`` or ``logits`` along the last dim."""
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True
    _binary = False

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_parametrization(probs, logits)
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = self._param = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = self._param = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._num_events = self._param.size()[-1]
        batch_shape = self._param.size()[:-1] if self._param.ndimension() > 1 else _torch.Size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_probs_or_logits(Categorical, batch_shape, _instance,
                                           event_shape=_torch.Size((self._num_events,)))
        new._num_events = self._num_events
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def mean(self):
        return _torch.full(self._extended_shape(), _torch.nan, dtype=self.probs.dtype)

    @property
    def mode(self):
        return self.probs.argmax(dim=-1)

    @property
    def variance(self):
        return _torch.full(self._extended_shape(), _torch.nan, dtype=self.probs.dtype)

    def sample(self, sample_shape=_torch.Size()):
        if not isinstance(sample_shape, _torch.Size):
            sample_shape = _torch.Size(sample_shape)
        flat = self.probs.reshape(-1, self._num_events)
        with _torch.no_grad():
            samples = _torch.multinomial(flat, sample_shape.numel(), True).T
        return samples.reshape(self._extended_shape(sample_shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value, log_pmf = _torch.broadcast_tensors(value.long().unsqueeze(-1), self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self):
        logits = _torch.clamp(self.logits, min=_torch.finfo(self.logits.dtype).min)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        return _enumerate(_torch.arange(self._num_events, dtype=_torch.long), self._batch_shape, expand)
