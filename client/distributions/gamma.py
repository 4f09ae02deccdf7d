"""torch.distributions.Gamma, and the standard gamma sampler that Dirichlet and Beta build on."""
from __future__ import annotations

import math

import gradwire as _torch

from . import constraints
from .exp_family import ExponentialFamily
from .normal import _scalar_batch
from .utils import broadcast_all

__all__ = ["Gamma"]


def _draw_standard_gamma(alpha):
    """Gamma(alpha, 1) draws of alpha's shape (no gradient), drawn on the server as torch's sampler draws them."""
    from .._dispatch import call  # noqa: PLC0415
    with _torch.no_grad():
        return call("standard_gamma_draw", alpha.detach())


def _series_terms(a, x, chunk: int = 128):
    """The terms x^(a+n) e^-x / Gamma(a+n+1) of the regularized lower incomplete gamma P(a, x) = sum_n
    of them, ``chunk`` values of n at a time (as (n, log term) with n along a new dim 0): about
    x + 10 sqrt(x) terms reach the dtype's precision."""
    top = float(x.detach().max()) if x.numel() else 0.0
    n_terms = int(top + 10 * math.sqrt(max(top, 0.0)) + 40)
    log_x = x.log()
    for start in range(0, n_terms, chunk):
        n = _torch.arange(start, min(start + chunk, n_terms), dtype=x.dtype).view((-1,) + (1,) * x.dim())
        yield n, (a + n) * log_x - x - _torch.lgamma(a + n + 1)


def _regularized_gamma_p(a, x):
    """torch.special.gammainc(a, x), summed as its series in float64 (differentiable in a and x)."""
    a64, x64 = _torch.broadcast_tensors(a.double(), x.double())
    total = sum(log_terms.exp().sum(0) for _, log_terms in _series_terms(a64, x64))
    return total.to(_torch.promote_types(a.dtype, x.dtype))


def _gamma_sample_grad(x, alpha):
    """d x / d alpha for x ~ Gamma(alpha, 1) held at a fixed quantile (implicit reparameterization):
    -(dP(alpha, x)/d alpha) / pdf(x), the derivative of P's series taken term by term, in float64."""
    with _torch.no_grad():
        x64, a64 = x.double(), alpha.double()
        log_x = x64.log()
        dP = sum((log_terms.exp() * (log_x - _torch.digamma(a64 + n + 1))).sum(0)
                 for n, log_terms in _series_terms(a64, x64))
        log_pdf = (a64 - 1) * log_x - x64 - _torch.lgamma(a64)
        return (-dP / log_pdf.exp()).to(x.dtype)


def _standard_gamma(alpha):
    """Gamma(alpha, 1) draws that carry alpha's gradient (the implicit one, as torch's)."""
    x = _draw_standard_gamma(alpha)
    if not (alpha.requires_grad and _torch.is_grad_enabled()):
        return x
    grad = _gamma_sample_grad(x, alpha)
    return x + (alpha - alpha.detach()) * grad


class Gamma(ExponentialFamily):
    """The gamma distribution with shape ``concentration`` and ``rate``."""
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(_scalar_batch((concentration, rate), (self.concentration,)), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Gamma, batch_shape, _instance, ("concentration", "rate"))

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=_torch.Size()):
        shape = self._extended_shape(sample_shape)
        value = _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        return value

    def log_prob(self, value):
        value = _torch.as_tensor(value, dtype=self.rate.dtype)
        if self._validate_args:
            self._validate_sample(value)
        return (_torch.xlogy(self.concentration, self.rate) + _torch.xlogy(self.concentration - 1, value)
                - self.rate * value - _torch.lgamma(self.concentration))

    def entropy(self):
        return (self.concentration - _torch.log(self.rate) + _torch.lgamma(self.concentration)
                + (1.0 - self.concentration) * _torch.digamma(self.concentration))

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return _regularized_gamma_p(self.concentration, self.rate * value)

    @property
    def _natural_params(self):
        return self.concentration - 1, -self.rate

    def _log_normalizer(self, x, y):
        return _torch.lgamma(x + 1) + (x + 1) * _torch.log(-y.reciprocal())
