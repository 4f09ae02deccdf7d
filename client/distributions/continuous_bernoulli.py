"""torch.distributions.ContinuousBernoulli: the density proportional to p^x (1 - p)^(1 - x) on [0, 1].
Near p = 1/2 (inside ``lims``) its normalizer and moments use Taylor expansions, where the closed
forms lose precision."""
from __future__ import annotations

import math
import numbers

import gradwire as _torch

from . import constraints
from .bernoulli import _one_parametrization, _ProbsOrLogits
from .exp_family import ExponentialFamily
from .utils import broadcast_all, clamp_probs, lazy_property, logits_to_probs

__all__ = ["ContinuousBernoulli"]


class ContinuousBernoulli(_ProbsOrLogits, ExponentialFamily):
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    _mean_carrier_measure = 0
    has_rsample = True

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args=None):
        _one_parametrization(probs, logits)
        given = probs if probs is not None else logits
        (param,) = broadcast_all(given)
        if probs is not None:
            if validate_args is not None and not self.arg_constraints["probs"].check(param).all():
                raise ValueError("The parameter probs has invalid values")
            self.probs = param = clamp_probs(param)
        else:
            self.logits = param
        self._param = param
        self._lims = lims
        super().__init__(_torch.Size() if isinstance(given, numbers.Number) else param.size(),
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_probs_or_logits(ContinuousBernoulli, batch_shape, _instance)
        new._lims = self._lims
        return new

    @lazy_property
    def probs(self):
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    def _outside_unstable_region(self):
        return _torch.max(_torch.le(self.probs, self._lims[0]), _torch.gt(self.probs, self._lims[1]))

    def _cut_probs(self):
        return _torch.where(self._outside_unstable_region(), self.probs, self._lims[0] * _torch.ones_like(self.probs))

    def _stable(self, exact, taylor):
        return _torch.where(self._outside_unstable_region(), exact, taylor)

    def _cont_bern_log_norm(self):
        cut = self._cut_probs()
        below_half = _torch.where(_torch.le(cut, 0.5), cut, _torch.zeros_like(cut))
        above_half = _torch.where(_torch.ge(cut, 0.5), cut, _torch.ones_like(cut))
        log_norm = _torch.log(_torch.abs(_torch.log1p(-cut) - _torch.log(cut))) - _torch.where(
            _torch.le(cut, 0.5), _torch.log1p(-2.0 * below_half), _torch.log(2.0 * above_half - 1.0))
        x = _torch.pow(self.probs - 0.5, 2)
        return self._stable(log_norm, math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x)

    @property
    def mean(self):
        cut = self._cut_probs()
        mus = cut / (2.0 * cut - 1.0) + 1.0 / (_torch.log1p(-cut) - _torch.log(cut))
        x = self.probs - 0.5
        return self._stable(mus, 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * _torch.pow(x, 2)) * x)

    @property
    def stddev(self):
        return _torch.sqrt(self.variance)

    @property
    def variance(self):
        cut = self._cut_probs()
        variances = (cut * (cut - 1.0) / _torch.pow(1.0 - 2.0 * cut, 2)
                     + 1.0 / _torch.pow(_torch.log1p(-cut) - _torch.log(cut), 2))
        x = _torch.pow(self.probs - 0.5, 2)
        return self._stable(variances, 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x)

    def sample(self, sample_shape=_torch.Size()):
        u = _torch.rand(self._extended_shape(sample_shape), dtype=self.probs.dtype)
        with _torch.no_grad():
            return self.icdf(u)

    def rsample(self, sample_shape=_torch.Size()):
        return self.icdf(_torch.rand(self._extended_shape(sample_shape), dtype=self.probs.dtype))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        bce = _torch.nn.functional.binary_cross_entropy_with_logits(logits, value, reduction="none")
        return -bce + self._cont_bern_log_norm()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        cut = self._cut_probs()
        cdfs = (_torch.pow(cut, value) * _torch.pow(1.0 - cut, 1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        unbounded = self._stable(cdfs, value)
        return _torch.where(_torch.le(value, 0.0), _torch.zeros_like(value),
                            _torch.where(_torch.ge(value, 1.0), _torch.ones_like(value), unbounded))

    def icdf(self, value):
        cut = self._cut_probs()
        exact = ((_torch.log1p(-cut + value * (2.0 * cut - 1.0)) - _torch.log1p(-cut))
                 / (_torch.log(cut) - _torch.log1p(-cut)))
        return self._stable(exact, value)

    def entropy(self):
        log_probs0 = _torch.log1p(-self.probs)
        log_probs1 = _torch.log(self.probs)
        return self.mean * (log_probs0 - log_probs1) - self._cont_bern_log_norm() - log_probs0

    @property
    def _natural_params(self):
        return (self.logits,)

    def _log_normalizer(self, x):
        outside = _torch.max(_torch.le(x, self._lims[0] - 0.5), _torch.gt(x, self._lims[1] - 0.5))
        cut = _torch.where(outside, x, (self._lims[0] - 0.5) * _torch.ones_like(x))
        log_norm = _torch.log(_torch.abs(_torch.special.expm1(cut))) - _torch.log(_torch.abs(cut))
        taylor = 0.5 * x + _torch.pow(x, 2) / 24.0 - _torch.pow(x, 4) / 2880.0
        return _torch.where(outside, log_norm, taylor)
