"""torch.distributions.GeneralizedPareto."""
from __future__ import annotations

import math

import gradwire as _torch

from . import constraints
from .distribution import Distribution
from .normal import _scalar_batch
from .utils import broadcast_all

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    """The generalized Pareto distribution; concentration 0 is the exponential limit."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        super().__init__(_scalar_batch((loc, scale, concentration), (self.loc,)), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(GeneralizedPareto, batch_shape, _instance, ("loc", "scale", "concentration"))

    def _safe_concentration(self):
        """(where concentration is 0, concentration with those entries set to 1)."""
        eq_zero = _torch.isclose(self.concentration, _torch.zeros_like(self.concentration))
        return eq_zero, _torch.where(eq_zero, _torch.ones_like(self.concentration), self.concentration)

    def rsample(self, sample_shape=_torch.Size()):
        return self.icdf(_torch.rand(self._extended_shape(sample_shape), dtype=self.loc.dtype))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, safe = self._safe_concentration()
        y = 1 / safe + _torch.ones_like(z)
        where_nonzero = _torch.where(y == 0, y, y * _torch.log1p(safe * z))
        return -self.scale.log() - _torch.where(eq_zero, z, where_nonzero)

    def log_survival_function(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, safe = self._safe_concentration()
        return _torch.where(eq_zero, -z, -_torch.log1p(safe * z) / safe)

    def log_cdf(self, value):
        return _torch.log1p(-_torch.exp(self.log_survival_function(value)))

    def cdf(self, value):
        return _torch.exp(self.log_cdf(value))

    def icdf(self, value):
        eq_zero, safe = self._safe_concentration()
        logu = _torch.log1p(-value)
        where_nonzero = self.loc + self.scale / safe * _torch.expm1(-safe * logu)
        return _torch.where(eq_zero, self.loc - self.scale * logu, where_nonzero)

    def _z(self, x):
        return (x - self.loc) / self.scale

    @property
    def mean(self):
        valid = self.concentration < 1
        safe = _torch.where(valid, self.concentration, 0.5)
        return _torch.where(valid, self.loc + self.scale / (1 - safe), math.nan)

    @property
    def variance(self):
        valid = self.concentration < 0.5
        safe = _torch.where(valid, self.concentration, 0.25)
        return _torch.where(valid, self.scale ** 2 / ((1 - safe) ** 2 * (1 - 2 * safe)), math.nan)

    def entropy(self):
        return _torch.broadcast_to(_torch.log(self.scale) + self.concentration + 1, self._batch_shape)

    @property
    def mode(self):
        return self.loc

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        upper = _torch.where(self.concentration < 0, self.loc - self.scale / self.concentration, math.inf)
        return constraints.interval(self.loc, upper)
