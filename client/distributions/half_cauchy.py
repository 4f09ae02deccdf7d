"""torch.distributions.HalfCauchy: |X| for X a centered Cauchy."""
from __future__ import annotations

import math

import gradwire as _torch

from .cauchy import Cauchy
from .half_normal import _Folded

__all__ = ["HalfCauchy"]


class HalfCauchy(_Folded):
    _base = Cauchy

    @property
    def mean(self):
        return _torch.full(self._extended_shape(), math.inf, dtype=self.scale.dtype)

    @property
    def variance(self):
        return self.base_dist.variance
