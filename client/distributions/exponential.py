"""torch.distributions.Exponential."""
from __future__ import annotations

import numbers

import gradwire as _torch

from . import constraints
from .exp_family import ExponentialFamily
from .utils import broadcast_all

__all__ = ["Exponential"]


def _standard_exponential(shape, dtype):
    """Exp(1) draws, as torch's distributions draw them (exponential_ on a new tensor)."""
    return _torch.empty(shape, dtype=dtype).exponential_()


class Exponential(ExponentialFamily):
    """The exponential distribution with rate ``rate``."""
    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        batch_shape = _torch.Size() if isinstance(rate, numbers.Number) else self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Exponential, batch_shape, _instance, ("rate",))

    @property
    def mean(self):
        return self.rate.reciprocal()

    @property
    def mode(self):
        return _torch.zeros_like(self.rate)

    @property
    def stddev(self):
        return self.rate.reciprocal()

    @property
    def variance(self):
        return self.rate.pow(-2)

    def rsample(self, sample_shape=_torch.Size()):
        with _torch.no_grad():
            draws = _standard_exponential(self._extended_shape(sample_shape), self.rate.dtype)
        return draws / self.rate

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 1 - _torch.exp(-self.rate * value)

    def icdf(self, value):
        return -_torch.log1p(-value) / self.rate

    def entropy(self):
        return 1.0 - _torch.log(self.rate)

    @property
    def _natural_params(self):
        return (-self.rate,)

    def _log_normalizer(self, x):
        return -_torch.log(-x)
