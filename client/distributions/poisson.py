"""torch.distributions.Poisson."""
from __future__ import annotations

import math
import numbers

import gradwire as _torch

from . import constraints
from .exp_family import ExponentialFamily
from .exponential import _standard_exponential
from .utils import broadcast_all

__all__ = ["Poisson"]


def _draw_poisson(rate):
    """Poisson(rate) draws (no gradient): the number of Exp(1) inter-arrival times whose running sum stays
    below rate, with enough arrivals drawn at once that every element's sum passes its rate (more are
    drawn in the rare case one does not)."""
    with _torch.no_grad():
        rate = rate.detach()
        count = _torch.zeros_like(rate)
        elapsed = _torch.zeros_like(rate)
        top = float(rate.max()) if rate.numel() else 0.0
        while True:
            k = int(top + 6 * math.sqrt(top) + 10)
            arrivals = elapsed + _torch.cumsum(_standard_exponential((k,) + tuple(rate.shape), rate.dtype), 0)
            count = count + (arrivals < rate).sum(0).to(rate.dtype)
            elapsed = arrivals[-1]
            remaining = (rate - elapsed).clamp(min=0)
            if not bool((elapsed < rate).any()):
                return count
            top = float(remaining.max())


class Poisson(ExponentialFamily):
    """The Poisson distribution with mean ``rate``."""
    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        batch_shape = _torch.Size() if isinstance(rate, numbers.Number) else self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Poisson, batch_shape, _instance, ("rate",))

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate

    def sample(self, sample_shape=_torch.Size()):
        return _draw_poisson(self.rate.expand(self._extended_shape(sample_shape)))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()

    @property
    def _natural_params(self):
        return (_torch.log(self.rate),)

    def _log_normalizer(self, x):
        return _torch.exp(x)
