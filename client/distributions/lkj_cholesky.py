"""torch.distributions.LKJCholesky: Cholesky factors of LKJ-distributed correlation matrices."""
from __future__ import annotations

import math

import gradwire as _torch

from . import constraints
from .beta import Beta
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim: int, concentration=1.0, validate_args=None):
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        # the onion method: row i's squared off-diagonal norm is Beta(i/2, concentration + (dim - 2 - i)/2)
        marginal = self.concentration + 0.5 * (self.dim - 2)
        offset = _torch.arange(self.dim - 1, dtype=self.concentration.dtype)
        offset = _torch.cat([offset.new_zeros((1,)), offset])
        self._beta = Beta(offset + 0.5, marginal.unsqueeze(-1) - 0.5 * offset)
        super().__init__(self.concentration.size(), _torch.Size((dim, dim)), validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LKJCholesky, _instance)
        batch_shape = _torch.Size(batch_shape)
        new.dim = self.dim
        new.concentration = self.concentration.expand(batch_shape)
        new._beta = self._beta.expand(batch_shape + (self.dim,))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape=_torch.Size()):
        y = self._beta.sample(sample_shape).unsqueeze(-1)
        u = _torch.randn(self._extended_shape(sample_shape), dtype=y.dtype).tril(-1)
        u = u / u.norm(dim=-1, keepdim=True)
        u[..., 0, :] = 0.0  # the first row has no off-diagonal part (its norm was 0/0)
        w = _torch.sqrt(y) * u
        diagonal = _torch.clamp(1 - _torch.sum(w ** 2, dim=-1), min=_torch.finfo(w.dtype).tiny).sqrt()
        return w + _torch.diag_embed(diagonal)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        diag_elems = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = _torch.arange(2, self.dim + 1)
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalized = _torch.sum(order * diag_elems.log(), dim=-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        normalize = 0.5 * dm1 * math.log(math.pi) + _torch.mvlgamma(alpha - 0.5, dm1) - _torch.lgamma(alpha) * dm1
        return unnormalized - normalize
