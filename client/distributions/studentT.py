"""torch.distributions.StudentT."""
from __future__ import annotations

import math

import gradwire as _torch

from . import constraints
from .chi2 import Chi2
from .distribution import Distribution
from .utils import _standard_normal, broadcast_all

__all__ = ["StudentT"]


class StudentT(Distribution):
    """Student's t with ``df`` degrees of freedom, location ``loc`` and scale ``scale``."""
    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        super().__init__(self.df.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_params(StudentT, batch_shape, _instance, ("df", "loc", "scale"))
        new._chi2 = self._chi2.expand(batch_shape)
        return new

    @property
    def mean(self):
        m = self.loc.clone()
        m[self.df <= 1] = _torch.nan
        return m

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        m = self.df.clone()
        finite = self.df > 2
        m[finite] = self.scale[finite].pow(2) * self.df[finite] / (self.df[finite] - 2)
        m[(self.df <= 2) & (self.df > 1)] = _torch.inf
        m[self.df <= 1] = _torch.nan
        return m

    def rsample(self, sample_shape=_torch.Size()):
        X = _standard_normal(self._extended_shape(sample_shape), dtype=self.df.dtype)
        Z = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * (X * _torch.rsqrt(Z / self.df))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        Z = (self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi) + _torch.lgamma(0.5 * self.df)
             - _torch.lgamma(0.5 * (self.df + 1.0)))
        return -0.5 * (self.df + 1.0) * _torch.log1p(y ** 2.0 / self.df) - Z

    def entropy(self):
        lbeta = _torch.lgamma(0.5 * self.df) + math.lgamma(0.5) - _torch.lgamma(0.5 * (self.df + 1))
        return (self.scale.log()
                + 0.5 * (self.df + 1) * (_torch.digamma(0.5 * (self.df + 1)) - _torch.digamma(0.5 * self.df))
                + 0.5 * self.df.log() + lbeta)
