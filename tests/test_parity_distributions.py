"""gradwire.distributions against torch.distributions: shapes, reprs, validation errors, log_prob /
entropy / cdf / kl values and their gradients, and sample statistics (gradwire's random stream is not
torch's, so samples are compared by their moments)."""
from __future__ import annotations

import contextlib
import math

import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(120)


def close(t, expected, tol=1e-4):
    values = t.detach().reshape(-1).tolist()
    assert len(values) == len(expected), (values, expected)
    for v, e in zip(values, expected):
        assert (v == e) if math.isinf(e) else abs(v - e) <= tol * max(1.0, abs(e)), (values, expected)


def gradcheck(gw, fn, inputs):
    """gw.autograd.gradcheck with argument validation off: each evaluation would otherwise wait for the
    server's answer on every parameter check (validation is tested on its own)."""
    with contextlib.ExitStack() as stack:
        gw.distributions.Distribution.set_default_validate_args(False)
        stack.callback(gw.distributions.Distribution.set_default_validate_args, True)
        return gw.autograd.gradcheck(fn, inputs)


# ---- the base class: shapes, repr, validation --------------------------------------------------------

def test_normal_shapes_repr_and_moments(gw):
    out = same_as_torch(gw, """
        D = torch.distributions
        d = D.Normal(torch.tensor([0., 1.]), torch.tensor([1., 2.]))
        print(d, d.batch_shape, d.event_shape, d.mean, d.stddev, d.variance, d.mode)
        print(d.log_prob(torch.tensor([0.5, 1.5])), d.entropy(), d.perplexity())
        print(d.cdf(torch.tensor([0., 1.])), d.icdf(torch.tensor([0.5, 0.75])))
        print(d.sample((3,)).shape, d.rsample().shape, d.sample((4, 5)).shape)
        e = d.expand((3, 2)); print(e, e.batch_shape, e.loc.shape, e._validate_args)
        print(D.Normal(0., 1.), D.Normal(torch.tensor(0.), 1.).batch_shape, D.Normal(torch.tensor([0.]), 1.))
        print(D.Normal(0, 1).loc.dtype, D.Normal(torch.tensor([0.], dtype=torch.float64), 1.).scale.dtype)
        print(d.has_rsample, d.support, D.Normal.arg_constraints, D.Categorical.has_enumerate_support)
    """)
    assert "Normal(loc: torch.Size([2]), scale: torch.Size([2]))" in out and "Normal(loc: 0.0, scale: 1.0)" in out
    d = gw.distributions.Normal(gw.tensor([0., 1.]), gw.tensor([1., 2.]))
    close(d.log_prob(gw.tensor([0.5, 1.5])), [-1.0439385, -1.6433357])
    close(d.entropy(), [1.4189385, 2.1120857])
    close(d.icdf(gw.tensor([0.5, 0.75])), [0.0, 2.3489795])


def test_validation_errors(gw):
    out = same_as_torch(gw, """
        D = torch.distributions
        for make in (lambda: D.Normal(torch.tensor([0., 1.]), torch.tensor([1., -2.])),
                     lambda: D.Normal(0., float('nan')),
                     lambda: D.Normal(torch.tensor([[0., 1.], [2., 3.]]), torch.tensor([-1., 1.])),
                     lambda: D.Normal(0., 1.).log_prob(2.0),
                     lambda: D.Normal(torch.zeros(2, 3), torch.ones(3)).log_prob(torch.zeros(4)),
                     lambda: D.Normal(torch.zeros(2), torch.ones(2)).expand((3,)),
                     lambda: D.Uniform(0., 1.).log_prob(torch.tensor(2.)),
                     lambda: D.Uniform(torch.tensor([0., 2.]), torch.tensor([1., 1.])),
                     lambda: D.Bernoulli(torch.tensor([0.2]), torch.tensor([0.2])),
                     lambda: D.Bernoulli(probs=torch.tensor([1.3, 0.5])),
                     lambda: D.Bernoulli(0.3).log_prob(torch.tensor(0.5)),
                     lambda: D.Categorical(torch.tensor(0.5)),
                     lambda: D.Categorical(torch.tensor([0.5, -0.5])),
                     lambda: D.Categorical(torch.tensor([0.5, 0.5])).log_prob(torch.tensor(2)),
                     lambda: D.Exponential(0.),
                     lambda: D.OneHotCategorical(torch.tensor([0.5, 0.5])).log_prob(torch.tensor([1., 0., 0.])),
                     lambda: D.Independent(D.Normal(torch.zeros(3), torch.ones(3)), 2),
                     lambda: D.MultivariateNormal(torch.zeros(2), torch.tensor([[1., 2.], [2., 1.]])),
                     lambda: D.MultivariateNormal(torch.zeros(2)),
                     lambda: D.MultivariateNormal(torch.tensor(0.), torch.eye(2)),
                     lambda: D.MultivariateNormal(torch.zeros(2), torch.ones(2)),
                     lambda: D.MultivariateNormal(torch.zeros(2), scale_tril=torch.tensor([[1., 1.], [0., 1.]])),
                     lambda: D.Dirichlet(torch.tensor([1., -2.])),
                     lambda: D.Binomial(10, torch.tensor([0.2, 0.7])).log_prob(torch.tensor([11., 2.])),
                     lambda: D.Poisson(2.).rsample(),
                     lambda: D.Categorical(torch.tensor([0.5, 0.5])).cdf(torch.tensor(0)),
                     lambda: D.TransformedDistribution(D.Normal(0., 1.), 3),
                     lambda: D.kl_divergence(D.Normal(0., 1.), D.Bernoulli(0.5))):
            try:
                make()
                print("no error")
            except Exception as e:
                print(type(e).__name__, e)
        print(D.Normal(0., -1., validate_args=False).log_prob(torch.tensor(1.)))
        D.Distribution.set_default_validate_args(False)
        print(D.Normal(0., -1.))
        D.Distribution.set_default_validate_args(True)
    """)
    assert ("ValueError Expected parameter scale (Tensor of shape (2,)) of distribution Normal(loc: torch.Size([2]), "
            "scale: torch.Size([2])) to satisfy the constraint GreaterThan(lower_bound=0.0), but found invalid "
            "values:\ntensor([ 1., -2.])") in out
    with pytest.raises(ValueError, match=r"to be within the support \(GreaterThanEq\(lower_bound=0.0\)\)"):
        gw.distributions.Exponential(1.).log_prob(gw.tensor(-1.))


# ---- one distribution at a time: values and gradients --------------------------------------------------

def test_bernoulli_and_categorical(gw):
    same_as_torch(gw, """
        D = torch.distributions
        d = D.Bernoulli(probs=torch.tensor([0.3, 0.5]))
        print(d, d.logits, d.mean, d.variance, d.mode, d.entropy(), d.param_shape)
        print(d.log_prob(torch.tensor([1., 0.])), d.enumerate_support(), d.enumerate_support(False))
        p = torch.tensor([0.3, 0.6], requires_grad=True)
        l = D.Bernoulli(probs=p).log_prob(torch.tensor([1., 0.]))
        l.sum().backward(); print(l, p.grad)
        lg = torch.tensor([0.3, -1.6], requires_grad=True)
        d = D.Bernoulli(logits=lg)
        l = d.log_prob(torch.tensor([1., 0.])) + d.entropy()
        l.sum().backward(); print(l, d.probs, lg.grad)
        d = D.Categorical(torch.tensor([[1., 2., 1.], [1., 1., 2.]]))
        print(d, d.probs, d.logits, d.batch_shape, d.event_shape, d.param_shape, d.support, d.mean, d.variance)
        print(d.log_prob(torch.tensor([1, 2])), d.log_prob(torch.tensor([[1], [0]])), d.entropy(), d.mode)
        print(d.sample().shape, d.sample((3,)).shape, d.sample().dtype, d.enumerate_support(False))
        print(d.expand((4, 2)).batch_shape, D.Categorical(probs=torch.tensor([0.0, 0.5, 0.5])).entropy())
        logits = torch.tensor([1., 2., 3.], requires_grad=True)
        lp = D.Categorical(logits=logits).log_prob(torch.tensor([0, 1, 2, 2]))
        (-lp.mean()).backward(); print(lp, logits.grad)
        d = D.OneHotCategorical(logits=torch.tensor([[1., 2., 3.], [0., 0., 0.]]))
        print(d, d.batch_shape, d.event_shape, d.probs, d.mean, d.mode, d.variance, d.entropy(), d.support)
        print(d.sample().shape, d.sample((4,)).shape, d.log_prob(torch.tensor([[0., 1., 0.], [1., 0., 0.]])))
        print(d.enumerate_support().shape, D.OneHotCategoricalStraightThrough(torch.tensor([0.2, 0.8])).has_rsample)
    """)
    d = gw.distributions.Categorical(logits=gw.tensor([1., 2., 3.], dtype=gw.float64, requires_grad=True))
    close(d.entropy(), [0.8323955])
    close(gw.distributions.Bernoulli(gw.tensor([0.3])).entropy(), [0.6108643])
    x = gw.tensor([0.3, -1.6, 2.0], dtype=gw.float64, requires_grad=True)
    value = gw.tensor([1., 0., 1.], dtype=gw.float64)
    assert gradcheck(gw, lambda lg: gw.distributions.Bernoulli(logits=lg).log_prob(value), (x,))
    assert gradcheck(gw, lambda lg: gw.distributions.Categorical(logits=lg).entropy(), (x,))


def test_continuous_univariate(gw):
    same_as_torch(gw, """
        D = torch.distributions
        d = D.Uniform(0., 2.)
        print(d, d.mean, d.variance, d.stddev, d.entropy(), d.support, d.arg_constraints, d.mode)
        print(d.log_prob(torch.tensor(1.)), d.cdf(torch.tensor(1.5)), d.icdf(torch.tensor(0.25)))
        d = D.Uniform(torch.tensor([0., 2.]), torch.tensor([1., 3.]), validate_args=False)
        print(d.log_prob(torch.tensor([1.5, 2.5])), d.cdf(torch.tensor([1.5, 2.5])))
        lo = torch.tensor(1., requires_grad=True); hi = torch.tensor(3., requires_grad=True)
        d = D.Uniform(lo, hi)
        (d.entropy() + d.log_prob(torch.tensor(2.))).backward(); print(lo.grad, hi.grad, d.rsample((5,)).requires_grad)
        d = D.Exponential(torch.tensor([1., 2.]))
        print(d, d.mean, d.mode, d.variance, d.stddev, d.entropy(), d.support)
        print(d.log_prob(torch.tensor([0., 1.])), d.cdf(torch.tensor([0., 1.])), d.icdf(torch.tensor([0., 0.5])))
        d = D.Laplace(0., 1.)
        print(d, d.mean, d.mode, d.variance, d.stddev, d.entropy(), d.log_prob(torch.tensor([0., 2.])))
        print(d.cdf(torch.tensor([-1., 0., 1.])), d.icdf(torch.tensor([0.25, 0.5, 0.75])))
        d = D.Gamma(torch.tensor([1., 2.5]), torch.tensor([2., 0.5]))
        print(d, d.mean, d.mode, d.variance, d.entropy(), d.support, d.has_rsample, d.log_prob(torch.tensor([0.5, 3.])))
        c = torch.tensor([1., 2.5], requires_grad=True); r = torch.tensor([2., 0.5], requires_grad=True)
        d = D.Gamma(c, r)
        (d.log_prob(torch.tensor([0.5, 3.])).sum() + d.entropy().sum()).backward(); print(c.grad, r.grad)
        d = D.Poisson(torch.tensor([1., 4.]))
        print(d, d.mean, d.mode, d.variance, d.support, d.log_prob(torch.tensor([0., 3.])), d.has_rsample)
        d = D.Binomial(10, torch.tensor([0.2, 0.5]))
        print(d, d.mean, d.mode, d.variance, d.support, d.log_prob(torch.tensor([2., 5.])), d.entropy())
        print(d.enumerate_support().shape, d.total_count, D.Binomial(3, logits=torch.tensor(0.)).entropy())
        d = D.LogNormal(torch.tensor([0., 1.]), torch.tensor([1., 0.5]))
        print(d, d.mean, d.mode, d.entropy(), d.support, d.has_rsample, d.batch_shape, d.event_shape)
        print(d.log_prob(torch.tensor([1., 2.])), d.cdf(torch.tensor([1., 2.])), d.icdf(torch.tensor([0.5, 0.2])))
    """)
    f64 = gw.float64
    x = gw.tensor([0.3, 1.2, 4.0], dtype=f64)
    a = gw.tensor([0.7, 2.0, 3.5], dtype=f64, requires_grad=True)
    b = gw.tensor([1.5, 0.5, 2.0], dtype=f64, requires_grad=True)
    D = gw.distributions
    for make in (D.Normal, D.Laplace, D.Gamma, D.LogNormal):
        assert gradcheck(gw, lambda p, q: make(p, q).log_prob(x), (a, b))
        assert gradcheck(gw, lambda p, q: make(p, q).entropy(), (a, b))
    assert gradcheck(gw, lambda r: D.Exponential(r).log_prob(x) + D.Exponential(r).cdf(x), (b,))
    assert gradcheck(gw, lambda r: D.Poisson(r).log_prob(gw.tensor([0., 2., 5.], dtype=f64)), (b,))
    close(D.Gamma(gw.tensor([2.5]), gw.tensor([0.5])).log_prob(gw.tensor([3.])), [-1.8696324])
    close(D.Poisson(gw.tensor([4.])).log_prob(gw.tensor([3.])), [-1.6328728])


def test_beta_and_dirichlet(gw):
    same_as_torch(gw, """
        D = torch.distributions
        d = D.Beta(torch.tensor([1., 2.5]), torch.tensor([2., 0.5]))
        print(d, d.mean, d.variance, d.entropy(), d.support, d.has_rsample, d.concentration1, d.concentration0)
        print(d.log_prob(torch.tensor([0.5, 0.3])), d.sample((3,)).shape, d.batch_shape, d.mode)
        d = D.Beta(2., 3.)
        print(d, d.batch_shape, d.mean, d.log_prob(torch.tensor(0.2)), d.entropy(), d.concentration1)
        a = torch.tensor([2., 3.], requires_grad=True)
        d = D.Beta(a, torch.tensor([1., 4.]))
        (d.log_prob(torch.tensor([0.3, 0.6])).sum() + d.entropy().sum()).backward(); print(a.grad)
        d = D.Dirichlet(torch.tensor([[1., 2., 3.], [0.5, 0.5, 2.]]))
        print(d, d.batch_shape, d.event_shape, d.mean, d.variance, d.entropy(), d.support, d.mode)
        print(d.log_prob(torch.tensor([0.2, 0.3, 0.5])), d.sample((4,)).shape, d.expand((5, 2)).batch_shape)
    """)
    D = gw.distributions
    c = gw.tensor([1.5, 2.0, 3.5], dtype=gw.float64, requires_grad=True)
    v = gw.tensor([0.2, 0.3, 0.5], dtype=gw.float64)
    assert gradcheck(gw, lambda k: D.Dirichlet(k).log_prob(v) + D.Dirichlet(k).entropy(), (c,))
    close(D.Dirichlet(gw.tensor([1., 2., 3.])).log_prob(gw.tensor([0.2, 0.3, 0.5])), [1.5040774])


def test_multivariate_normal(gw):
    same_as_torch(gw, """
        D = torch.distributions
        d = D.MultivariateNormal(torch.zeros(2), torch.eye(2))
        print(d, d.batch_shape, d.event_shape, d.mean, d.variance, d.stddev, d.mode)
        print(d.log_prob(torch.tensor([1., 0.])), d.entropy(), d.sample().shape, d.sample((3,)).shape)
        cov = torch.tensor([[2., 0.5], [0.5, 1.]])
        d = D.MultivariateNormal(torch.tensor([1., -1.]), covariance_matrix=cov)
        print(d.log_prob(torch.tensor([[0., 0.], [1., 1.], [2., -1.]])), d.entropy(), d.scale_tril, d.variance)
        d = D.MultivariateNormal(torch.tensor([1., -1.]), precision_matrix=cov)
        print(d, d.log_prob(torch.tensor([[0., 0.], [1., 1.], [2., -1.]])), d.entropy(), d.scale_tril)
        L = torch.tensor([[2., 0.], [0.5, 1.]])
        d = D.MultivariateNormal(torch.zeros(3, 2), scale_tril=L)
        print(d, d.batch_shape, d.log_prob(torch.zeros(2)), d.entropy(), d.covariance_matrix.shape)
        print(d.expand((4, 3)).batch_shape, d.expand((4, 3)).scale_tril.shape)
        loc = torch.tensor([1., 2.], requires_grad=True)
        A = torch.tensor([[2., 0.], [0.5, 1.]], requires_grad=True)
        lp = D.MultivariateNormal(loc, scale_tril=A).log_prob(torch.tensor([0., 0.]))
        lp.backward(); print(lp, loc.grad, A.grad)
    """)
    D = gw.distributions
    loc = gw.tensor([1., -1.], dtype=gw.float64, requires_grad=True)
    L = gw.tensor([[1.5, 0.], [0.3, 0.8]], dtype=gw.float64, requires_grad=True)
    x = gw.tensor([[0., 0.], [1., 2.]], dtype=gw.float64)
    assert gradcheck(gw, lambda m, s: D.MultivariateNormal(m, scale_tril=s.tril()).log_prob(x), (loc, L))
    cov = gw.tensor([[2., 0.5], [0.5, 1.]], dtype=gw.float64)
    close(D.MultivariateNormal(gw.zeros(2, dtype=gw.float64), cov).log_prob(gw.tensor([1., 1.], dtype=gw.float64)),
          [-2.6891135])


def test_independent_and_transforms(gw):
    same_as_torch(gw, """
        D = torch.distributions
        T = D.transforms
        d = D.Independent(D.Normal(torch.zeros(3, 2), torch.ones(3, 2)), 1)
        print(d, d.batch_shape, d.event_shape, d.log_prob(torch.zeros(3, 2)), d.entropy(), d.support)
        print(d.has_rsample, d.has_enumerate_support, d.sample((4,)).shape, d.expand((5, 3)).batch_shape)
        t = T.ExpTransform()
        print(t, t.inv, t.inv.inv is t, t.domain, t.codomain, t.sign, t.event_dim, t(torch.tensor([0., 1.])))
        print(t == T.ExpTransform(), t.inv == T.ExpTransform().inv, t.log_abs_det_jacobian(torch.tensor(1.), None))
        t = T.AffineTransform(1., 2.)
        print(t, t.inv, t.sign, t(torch.tensor([0., 1.])), t.inv(torch.tensor([1., 2.])), t == T.AffineTransform(1., 2.))
        t2 = T.AffineTransform(torch.tensor([0., 1.]), torch.tensor([[1., -2.]]), event_dim=1)
        print(t2.forward_shape((3, 2)), t2.log_abs_det_jacobian(torch.ones(2), None), t2.sign, t2.domain)
        x = torch.tensor([-1., 0., 2.])
        for t in (T.SigmoidTransform(), T.TanhTransform(), T.ComposeTransform([T.AffineTransform(0., 2.), T.ExpTransform()])):
            print(t, t(x), t.inv(t(x)), t.log_abs_det_jacobian(x, t(x)), t.codomain)
        d = D.TransformedDistribution(D.Normal(torch.zeros(2), torch.ones(2)), [T.AffineTransform(1., 2.), T.SigmoidTransform()])
        print(d, d.batch_shape, d.event_shape, d.support, d.has_rsample, d.sample((3,)).shape)
        print(d.log_prob(torch.tensor([0.3, 0.8])), d.cdf(torch.tensor([0.3, 0.8])), d.icdf(torch.tensor([0.3, 0.8])))
        d = D.TransformedDistribution(D.Uniform(0., 1.), T.AffineTransform(1., -2.))
        print(d.support, d.log_prob(torch.tensor(0.)), d.cdf(torch.tensor(0.)), d.icdf(torch.tensor(0.25)))
    """)
    D = gw.distributions
    T = D.transforms
    base = D.Normal(gw.tensor(0.5), gw.tensor(2.0))
    d = D.TransformedDistribution(base, [T.AffineTransform(1., 2.), T.ExpTransform()])
    # log p(y) = log N(((log y) - 1) / 2) - log 2 - log y, at y = e^2: (log y - 1)/2 = 0.5
    close(d.log_prob(gw.tensor(math.exp(2.0))), [-1.6120857 - math.log(2.0) - 2.0])


def test_kl_divergence(gw):
    same_as_torch(gw, """
        D = torch.distributions
        print(D.kl_divergence(D.Normal(0., 1.), D.Normal(1., 2.)))
        print(D.kl.kl_divergence(D.Normal(torch.tensor([0., 1.]), torch.tensor([1., 1.])), D.Normal(1., 2.)))
        print(D.kl_divergence(D.Bernoulli(torch.tensor([0.3, 0., 1.])), D.Bernoulli(torch.tensor([0., 0.5, 0.5]))))
        print(D.kl_divergence(D.Categorical(torch.tensor([0.2, 0.8])), D.Categorical(torch.tensor([0.5, 0.5]))))
        print(D.kl_divergence(D.Categorical(torch.tensor([0.2, 0.8])), D.Categorical(torch.tensor([1., 0.]))))
        print(D.kl_divergence(D.Uniform(0., 1.), D.Uniform(-1., 2.)), D.kl_divergence(D.Uniform(-1., 2.), D.Uniform(0., 1.)))
        print(D.kl_divergence(D.Exponential(2.), D.Exponential(0.5)))
        p = D.MultivariateNormal(torch.tensor([1., 0.]), torch.tensor([[2., 0.5], [0.5, 1.]]))
        q = D.MultivariateNormal(torch.tensor([0., 1.]), torch.tensor([[1., 0.], [0., 3.]]))
        print(D.kl_divergence(p, q), D.kl_divergence(q, p))
        print(D.kl_divergence(D.Normal(0., 1.), D.Uniform(0., 1.)), D.kl_divergence(D.Normal(0., 1.), D.Laplace(0., 1.)))
        print(D.kl_divergence(D.Gamma(2., 1.), D.Gamma(3., 2.)), D.kl_divergence(D.Beta(2., 1.), D.Beta(3., 2.)))
        print(D.kl_divergence(D.Dirichlet(torch.tensor([1., 2.])), D.Dirichlet(torch.tensor([2., 2.]))))
        print(D.kl_divergence(D.Poisson(2.), D.Poisson(3.)), D.kl_divergence(D.Laplace(0., 1.), D.Laplace(1., 2.)))
        print(D.kl_divergence(D.Independent(D.Normal(torch.zeros(2), torch.ones(2)), 1), D.Independent(D.Normal(torch.ones(2), torch.ones(2)), 1)))
        print(D.kl_divergence(D.LogNormal(0., 1.), D.LogNormal(1., 1.)))
        print(D.kl_divergence(D.OneHotCategorical(torch.tensor([0.2, 0.8])), D.OneHotCategorical(torch.tensor([0.5, 0.5]))))
        print(D.kl_divergence(D.Binomial(5, torch.tensor(0.2)), D.Binomial(5, torch.tensor(0.5))))
        m = torch.tensor([0., 1.], requires_grad=True); s = torch.tensor([1., 2.], requires_grad=True)
        kl = D.kl_divergence(D.Normal(m, s), D.Normal(0., 1.)).sum()
        kl.backward(); print(kl, m.grad, s.grad)
    """)
    D = gw.distributions
    f64 = gw.float64
    close(D.kl_divergence(D.Normal(0., 1.), D.Normal(1., 2.)), [0.4431472])
    close(D.kl_divergence(D.Categorical(gw.tensor([0.2, 0.8])), D.Categorical(gw.tensor([1., 0.]))), [math.inf])
    a = gw.tensor([0.2, 1.0], dtype=f64, requires_grad=True)
    b = gw.tensor([1.5, 0.7], dtype=f64, requires_grad=True)
    c = gw.tensor([0.9, 2.0], dtype=f64)  # q's parameters: constants (gradcheck moves a and b)
    assert gradcheck(gw, lambda m, s: D.kl_divergence(D.Normal(m, s), D.Normal(c, c + 1)), (a, b))
    assert gradcheck(gw, lambda p: D.kl_divergence(D.Bernoulli(logits=p), D.Bernoulli(logits=c)), (a,))
    assert gradcheck(gw, lambda p: D.kl_divergence(D.Categorical(logits=p), D.Categorical(logits=c)), (a,))
    assert gradcheck(gw, lambda r: D.kl_divergence(D.Exponential(r), D.Exponential(c)), (b,))
    Lp = gw.tensor([[1.5, 0.], [0.3, 0.8]], dtype=f64, requires_grad=True)
    q = D.MultivariateNormal(gw.tensor([0., 1.], dtype=f64), gw.tensor([[1., 0.2], [0.2, 3.]], dtype=f64))
    assert gradcheck(gw, lambda m, s: D.kl_divergence(D.MultivariateNormal(m, scale_tril=s.tril()), q), (b, Lp))


# ---- sampling: shapes, reproducibility, moments, reparameterized gradients --------------------------------

def test_sampling_moments(gw):
    D = gw.distributions
    gw.manual_seed(0)
    n = 20000
    cases = [(D.Normal(gw.tensor([0., 2.]), gw.tensor([1., 3.])), [0, 2], [1, 9]),
             (D.Bernoulli(gw.tensor([0.2, 0.9])), [0.2, 0.9], [0.16, 0.09]),
             (D.Uniform(gw.tensor([0., 2.]), gw.tensor([1., 5.])), [0.5, 3.5], [1 / 12, 0.75]),
             (D.Exponential(gw.tensor([0.5, 4.])), [2, 0.25], [4, 1 / 16]),
             (D.Laplace(gw.tensor([0., 2.]), gw.tensor([1., 3.])), [0, 2], [2, 18]),
             (D.Gamma(gw.tensor([0.3, 2.5, 50.]), gw.tensor([1., 2., 0.5])), [0.3, 1.25, 100], [0.3, 0.625, 200]),
             (D.Beta(gw.tensor([0.5, 2.]), gw.tensor([0.5, 5.])), [0.5, 2 / 7], [0.125, 10 / 392]),
             (D.Poisson(gw.tensor([0.5, 3., 40.])), [0.5, 3, 40], [0.5, 3, 40]),
             (D.Binomial(gw.tensor([5., 20.]), gw.tensor([0.3, 0.6])), [1.5, 12], [1.05, 4.8])]
    for d, mean, var in cases:
        s = d.sample((n,))
        assert s.shape == (n,) + tuple(d.batch_shape) and not s.requires_grad
        close(s.mean(0), mean, tol=0.05)
        close(s.var(0), var, tol=0.1)
    counts = gw.bincount(D.Categorical(gw.tensor([0.2, 0.3, 0.5])).sample((n,)), minlength=3).float() / n
    close(counts, [0.2, 0.3, 0.5], tol=0.02)
    s = D.Dirichlet(gw.tensor([1., 2., 3.])).sample((n,))
    close(s.mean(0), [1 / 6, 1 / 3, 1 / 2], tol=0.02)
    close(s.sum(-1).min().reshape(1), [1.0], tol=1e-5)
    for kw in ({"covariance_matrix": gw.tensor([[2., 0.5], [0.5, 1.]])},
               {"precision_matrix": gw.tensor([[4 / 7, -2 / 7], [-2 / 7, 8 / 7]])}):
        s = D.MultivariateNormal(gw.tensor([1., -1.]), **kw).sample((n,))
        close(s.mean(0), [1., -1.], tol=0.05)
        close(gw.cov(s.T), [2., 0.5, 0.5, 1.], tol=0.1)
    gw.manual_seed(3)
    a = D.Normal(0., 1.).sample((4,))
    gw.manual_seed(3)
    assert D.Normal(0., 1.).sample((4,)).tolist() == a.tolist()


def test_rsample_gradients(gw):
    D = gw.distributions
    gw.manual_seed(1)
    mu = gw.tensor([1., 2.], requires_grad=True)
    sd = gw.tensor([1., 3.], requires_grad=True)
    x = D.Normal(mu, sd).rsample((5,))
    x.sum().backward()
    close(mu.grad, [5., 5.])
    eps = (x.detach() - mu.detach()) / sd.detach()
    close(sd.grad, eps.sum(0).tolist())
    # gamma: d E[x] / d concentration = 1 / rate, through the implicit reparameterization
    c = gw.tensor([0.5, 3.], requires_grad=True)
    D.Gamma(c, gw.tensor([1., 2.])).rsample((5000,)).mean(0).sum().backward()
    close(c.grad, [1.0, 0.5], tol=0.06)
    from gradwire.distributions.gamma import _gamma_sample_grad
    grad = _gamma_sample_grad(gw.tensor([0.05, 1.0, 3.0, 80.]), gw.tensor([0.3, 2.0, 2.5, 90.]))
    close(grad, [0.4947110, 0.7507453, 1.1692165, 0.9440080], tol=1e-3)  # torch._standard_gamma_grad's
    k = gw.tensor([1., 2., 3.], requires_grad=True)
    s = D.Dirichlet(k).rsample((4,))
    s.sum().backward()  # each sample sums to 1: no gradient
    close(k.grad, [0., 0., 0.], tol=1e-4)
    p = gw.tensor([0.2, 0.3, 0.5], requires_grad=True)
    r = D.OneHotCategoricalStraightThrough(p).rsample()
    (r * gw.tensor([1., 2., 3.])).sum().backward()
    close(p.grad, [-1.3, -0.3, 0.7])  # through the normalization of probs


def test_more_families(gw):
    same_as_torch(gw, """
        D = torch.distributions
        T = D.transforms
        d = D.Cauchy(torch.tensor([0., 1.]), torch.tensor([1., 2.]))
        print(d, d.mean, d.variance, d.entropy(), d.log_prob(torch.tensor([0.5, 3.])), d.cdf(torch.tensor([0.5, 3.])))
        d = D.HalfNormal(torch.tensor([1., 2.]))
        print(d, d.mean, d.variance, d.entropy(), d.log_prob(torch.tensor([0.5, 3.])), d.icdf(torch.tensor([0.25, 0.6])))
        d = D.HalfCauchy(1.)
        print(d, d.mean, d.entropy(), d.log_prob(torch.tensor([0.5, 3.])), d.cdf(torch.tensor(0.5)), d.support)
        d = D.Geometric(torch.tensor([0.2, 0.5]))
        print(d, d.mean, d.variance, d.entropy(), d.log_prob(torch.tensor([0., 3.])), d.sample((3,)).shape)
        d = D.Chi2(torch.tensor([1., 4.]))
        print(d, d.df, d.mean, d.variance, d.entropy(), d.log_prob(torch.tensor([0.5, 3.])), d.expand((3, 2)).df.shape)
        d = D.StudentT(torch.tensor([1., 2.5, 5.]))
        print(d, d.mean, d.variance, d.entropy(), d.log_prob(torch.tensor([0.5, 3., -1.])), d.rsample((3,)).shape)
        d = D.Gumbel(torch.tensor([0., 1.]), torch.tensor([1., 2.]))
        print(d, d.mean, d.variance, d.entropy(), d.log_prob(torch.tensor([0.5, 3.])), d.cdf(torch.tensor([0.5, 3.])))
        d = D.Pareto(torch.tensor([1., 2.]), torch.tensor([3., 1.5]))
        print(d, d.mean, d.variance, d.entropy(), d.log_prob(torch.tensor([1.5, 3.])), d.support)
        d = D.Weibull(torch.tensor([1., 2.]), torch.tensor([3., 1.5]))
        print(d, d.mean, d.variance, d.entropy(), d.log_prob(torch.tensor([1.5, 3.])), d.cdf(torch.tensor([1.5, 3.])))
        d = D.Multinomial(10, torch.tensor([0.2, 0.3, 0.5]))
        print(d, d.mean, d.variance, d.log_prob(torch.tensor([2., 3., 5.])), d.entropy(), d.sample((4,)).shape, d.sample().sum())
        g = D.MixtureSameFamily(D.Categorical(torch.tensor([0.3, 0.7])), D.Normal(torch.tensor([-1., 2.]), torch.tensor([0.5, 1.])))
        print(g, g.mean, g.variance, g.log_prob(torch.tensor([0., 1., 2.])), g.cdf(torch.tensor([0., 1.])), g.sample((5,)).shape)
        gmm = D.MixtureSameFamily(D.Categorical(torch.ones(5)), D.Independent(D.Normal(torch.zeros(5, 2), torch.ones(5, 2)), 1))
        print(gmm.batch_shape, gmm.event_shape, gmm.sample((3,)).shape, gmm.log_prob(torch.zeros(4, 2)), gmm.expand((3,)).batch_shape)
        d = D.RelaxedOneHotCategorical(torch.tensor(0.5), probs=torch.tensor([0.2, 0.3, 0.5]))
        print(d, d.temperature, d.logits, d.rsample((4,)).shape, d.event_shape, d.log_prob(torch.tensor([0.2, 0.3, 0.5])))
        d = D.RelaxedBernoulli(torch.tensor(0.5), probs=torch.tensor([0.2, 0.7]))
        print(d, d.logits, d.rsample((4,)).shape, d.log_prob(torch.tensor([0.2, 0.7])), d.expand((3, 2)).batch_shape)
        x = torch.tensor([0.5, 2.])
        for t in (T.AbsTransform(), T.PowerTransform(torch.tensor(2.)), T.SoftplusTransform(), T.SoftmaxTransform(),
                  T.IndependentTransform(T.ExpTransform(), 1)):
            print(t, t(x), t.inv(t(x)), t.domain, t.codomain, t.bijective)
    """)
    D = gw.distributions
    f64 = gw.float64
    x = gw.tensor([0.3, 1.2, 4.0], dtype=f64)
    a = gw.tensor([0.7, 2.0, 3.5], dtype=f64, requires_grad=True)
    b = gw.tensor([1.5, 0.5, 2.0], dtype=f64, requires_grad=True)
    for make in (D.Cauchy, D.Gumbel, D.Weibull, lambda p, q: D.StudentT(p + 2, q, q)):
        assert gradcheck(gw, lambda p, q: make(p, q).log_prob(x), (a, b))
    mix = lambda w, m: D.MixtureSameFamily(D.Categorical(logits=w), D.Normal(m, gw.ones(3, dtype=f64)))
    assert gradcheck(gw, lambda w, m: mix(w, m).log_prob(x.reshape(3, 1)), (a, b))
    close(D.StudentT(gw.tensor([2.5])).log_prob(gw.tensor([3.])), [-3.6872381])
    close(D.Multinomial(10, gw.tensor([0.2, 0.3, 0.5])).log_prob(gw.tensor([2., 3., 5.])), [-2.4645160])
    gw.manual_seed(0)
    s = D.MixtureSameFamily(D.Categorical(gw.tensor([0.3, 0.7])), D.Normal(gw.tensor([-1., 2.]), gw.tensor([0.1, 0.1]))).sample((4000,))
    close((s < 0.5).float().mean().reshape(1), [0.3], tol=0.03)
    counts = D.Multinomial(10, gw.tensor([0.2, 0.3, 0.5])).sample((4000,))
    close(counts.mean(0), [2., 3., 5.], tol=0.03)
    close(D.Geometric(gw.tensor([0.25])).sample((20000,)).mean(0), [3.0], tol=0.05)


def test_third_batch_registry_and_cross_kl(gw):
    same_as_torch(gw, """
        D = torch.distributions
        C = D.constraints
        d = D.NegativeBinomial(torch.tensor([3., 5.]), torch.tensor([0.3, 0.6]))
        print(d, d.mean, d.mode, d.variance, d.log_prob(torch.tensor([0., 4.])), d.sample((3,)).shape)
        d = D.InverseGamma(torch.tensor([3., 1.5]), torch.tensor([2., 1.]))
        print(d, d.mean, d.mode, d.variance, d.entropy(), d.log_prob(torch.tensor([0.5, 4.])), d.sample((3,)).shape)
        d = D.Kumaraswamy(torch.tensor([3., 0.5]), torch.tensor([2., 1.]))
        print(d, d.mean, d.mode, d.variance, d.entropy(), d.log_prob(torch.tensor([0.5, 0.2])))
        d = D.FisherSnedecor(torch.tensor([3., 5.]), torch.tensor([2., 10.]))
        print(d, d.mean, d.mode, d.variance, d.log_prob(torch.tensor([0.5, 4.])), d.rsample((3,)).shape)
        d = D.LogisticNormal(torch.tensor([0., 1.]), torch.tensor([1., 2.]))
        print(d, d.batch_shape, d.event_shape, d.log_prob(torch.tensor([0.2, 0.3, 0.5])), d.sample((3,)).shape)
        W = torch.tensor([[1., 0.], [0.5, 1.], [0., 2.]])
        p = D.LowRankMultivariateNormal(torch.tensor([1., 0., -1.]), W, torch.tensor([1., 2., 0.5]))
        print(p, p.variance, p.log_prob(torch.tensor([0., 1., 0.])), p.entropy(), p.covariance_matrix, p.scale_tril)
        q = D.LowRankMultivariateNormal(torch.zeros(3), W * 0.5, torch.tensor([2., 1., 1.]))
        m = D.MultivariateNormal(torch.ones(3), torch.tensor([[2., 0.5, 0.], [0.5, 1., 0.2], [0., 0.2, 3.]]))
        print(D.kl_divergence(p, q), D.kl_divergence(p, m), D.kl_divergence(m, p))
        for c in (C.real, C.positive, C.greater_than(2.), C.less_than(1.), C.unit_interval, C.interval(-1., 1.),
                  C.simplex, C.independent(C.positive, 1)):
            print(c, D.biject_to(c), D.transform_to(c))
        x = torch.tensor([0.5, -1., 2.])
        t = D.biject_to(C.simplex)
        print(t(x), t.inv(t(x)), t.log_abs_det_jacobian(x, t(x)), D.transform_to(C.simplex)(x))
        K = D.kl_divergence
        print(K(D.Cauchy(0., 1.), D.Cauchy(1., 2.)), K(D.Geometric(torch.tensor(0.3)), D.Geometric(torch.tensor(0.6))))
        print(K(D.Gumbel(0., 1.), D.Gumbel(1., 2.)), K(D.HalfNormal(1.), D.HalfNormal(2.)), K(D.Bernoulli(0.3), D.Poisson(2.)))
        print(K(D.Pareto(torch.tensor([1., 2.]), torch.tensor([3., 1.5])), D.Pareto(torch.tensor([1.5, 1.]), torch.tensor([2., 2.]))))
        print(K(D.Gumbel(0., 1.), D.Normal(1., 2.)), K(D.Normal(0., 1.), D.Gumbel(1., 2.)), K(D.Exponential(1.), D.Normal(1., 2.)))
        print(K(D.Gamma(2., 1.), D.Normal(1., 2.)), K(D.Beta(2., 1.), D.Gamma(2., 3.)), K(D.Uniform(0.2, 0.5), D.Beta(2., 3.)))
        print(K(D.Uniform(0.2, 0.5), D.Gamma(2., 3.)), K(D.Laplace(0.2, 0.5), D.Normal(0., 3.)), K(D.Normal(0., 1.), D.Pareto(1., 1.)))
    """)
    D = gw.distributions
    f64 = gw.float64
    W = gw.tensor([[1., 0.], [0.5, 1.], [0., 2.]], dtype=f64, requires_grad=True)
    diag = gw.tensor([1., 2., 0.5], dtype=f64, requires_grad=True)
    x = gw.tensor([0., 1., 0.], dtype=f64)
    assert gradcheck(gw, lambda w, s: D.LowRankMultivariateNormal(gw.zeros(3, dtype=f64), w, s).log_prob(x),
                                 (W, diag))
    cov = (W @ W.mT + gw.diag_embed(diag)).detach()
    close(D.LowRankMultivariateNormal(gw.zeros(3, dtype=f64), W, diag).log_prob(x),
          [D.MultivariateNormal(gw.zeros(3, dtype=f64), cov).log_prob(x).item()], tol=1e-9)
    gw.manual_seed(0)
    close(D.NegativeBinomial(gw.tensor([3.]), gw.tensor([0.4])).sample((20000,)).mean(0), [2.0], tol=0.05)


def test_continuous_bernoulli_von_mises_and_gamma_cdf(gw):
    same_as_torch(gw, """
        D = torch.distributions
        d = D.ContinuousBernoulli(torch.tensor([0.2, 0.5, 0.8]))
        print(d, d.mean, d.variance, d.entropy(), d.log_prob(torch.tensor([0.3, 0.5, 0.9])))
        print(d.cdf(torch.tensor([0.3, 0.5, 0.9])), d.icdf(torch.tensor([0.3, 0.5, 0.9])), d.rsample((3,)).shape)
        q = D.ContinuousBernoulli(torch.tensor([0.6, 0.1, 0.8]))
        print(D.kl_divergence(d, q), D.kl_divergence(D.Beta(2., 3.), D.ContinuousBernoulli(0.3)))
        print(D.kl_divergence(d, D.Normal(0., 1.)), D.kl_divergence(d, D.Uniform(-1., 2.)))
        d = D.VonMises(torch.tensor([0., 1.]), torch.tensor([0.5, 5.]))
        print(d, d.mean, d.variance, d.log_prob(torch.tensor([0.3, 2.])), d.sample((3,)).shape, d.expand((2, 2)))
        d = D.Gamma(torch.tensor([0.5, 2.5, 30.]), torch.tensor([2., 0.5, 1.]))
        print(d.cdf(torch.tensor([0.3, 4., 25.])), D.Chi2(torch.tensor([3.])).cdf(torch.tensor([2.])))
    """)
    D = gw.distributions
    f64 = gw.float64
    p = gw.tensor([0.2, 0.7, 0.4], dtype=f64, requires_grad=True)
    v = gw.tensor([0.3, 0.6, 0.9], dtype=f64)
    assert gradcheck(gw, lambda q: D.ContinuousBernoulli(q).log_prob(v) + D.ContinuousBernoulli(q).entropy(), (p,))
    a = gw.tensor([0.5, 2.5, 7.0], dtype=f64, requires_grad=True)
    x = gw.tensor([0.3, 4.0, 6.0], dtype=f64, requires_grad=True)
    assert gradcheck(gw, lambda c, y: D.Gamma(c, gw.ones(3, dtype=f64)).cdf(y), (a, x))
    close(D.Gamma(gw.tensor([2.]), gw.tensor([1.])).cdf(gw.tensor([1.])), [1 - 2 / math.e])
    gw.manual_seed(0)
    s = D.VonMises(gw.tensor([1.]), gw.tensor([4.])).sample((5000,))
    close(s.mean(0), [1.0], tol=0.05)


def test_generalized_pareto_and_piecewise_transforms(gw):
    same_as_torch(gw, """
        D = torch.distributions
        T = D.transforms
        C = D.constraints
        d = D.GeneralizedPareto(torch.tensor([0., 1., 0.]), torch.tensor([1., 2., 1.]), torch.tensor([0.3, 0., -0.5]))
        print(d, d.mean, d.variance, d.entropy(), d.log_prob(torch.tensor([0.5, 2., 1.])), d.support)
        print(d.cdf(torch.tensor([0.5, 2., 1.])), d.icdf(torch.tensor([0.5, 0.2, 0.7])), d.rsample((3,)).shape)
        t = T.CatTransform([T.ExpTransform(), T.AffineTransform(0., 2.)], dim=0, lengths=[1, 2])
        x = torch.tensor([0.5, 1., -1.])
        print(t(x), t.inv(t(x)), t.log_abs_det_jacobian(x, t(x)), t.domain, t.codomain, t.event_dim)
        t = T.StackTransform([T.ExpTransform(), T.AffineTransform(0., 2.)], dim=0)
        x = torch.tensor([[0.5, 1.], [-1., 2.]])
        print(t(x), t.inv(t(x)), t.log_abs_det_jacobian(x, t(x)), t.domain)
        print(D.biject_to(C.cat([C.real, C.positive], 0, [1, 2])), D.transform_to(C.stack([C.real, C.positive], 0)))
        t = T.CumulativeDistributionTransform(D.Normal(0., 1.))
        print(t(torch.tensor([0.5, -1.])), t.inv(torch.tensor([0.5, 0.2])), t.domain, t.codomain)
    """)
    D = gw.distributions
    f64 = gw.float64
    s = gw.tensor([1.0, 2.0], dtype=f64, requires_grad=True)
    c = gw.tensor([0.3, -0.2], dtype=f64, requires_grad=True)
    x = gw.tensor([0.5, 1.0], dtype=f64)
    assert gradcheck(gw, lambda a, b: D.GeneralizedPareto(gw.zeros(2, dtype=f64), a, b).log_prob(x), (s, c))
    close(D.GeneralizedPareto(0., 1., 0.).log_prob(gw.tensor(0.5)), [-0.5])


def test_wishart_lkj_and_corr_cholesky(gw):
    same_as_torch(gw, """
        D = torch.distributions
        S = torch.tensor([[2., 0.5], [0.5, 1.]])
        d = D.Wishart(torch.tensor(4.), S)
        print(d, d.batch_shape, d.event_shape, d.mean, d.mode, d.variance, d.entropy())
        print(d.log_prob(torch.tensor([[3., 1.], [1., 2.]])), d.rsample((3,)).shape, d.precision_matrix)
        d = D.Wishart(torch.tensor([3., 4.]), precision_matrix=S)
        print(d, d.batch_shape, d.log_prob(torch.eye(2)), d.expand((3, 2)).batch_shape)
        print(D.kl_divergence(D.Wishart(torch.tensor(4.), torch.eye(2)), D.Wishart(torch.tensor(5.), torch.eye(2) * 2)))
        d = D.LKJCholesky(3, torch.tensor([0.5, 2.]))
        L = torch.tensor([[1., 0., 0.], [0.6, 0.8, 0.], [0., 0.6, 0.8]])
        print(d, d.batch_shape, d.event_shape, d.sample((4,)).shape, d.support, d.log_prob(L))
        t = D.transforms.CorrCholeskyTransform()
        x = torch.tensor([0.5, -1., 2.])
        print(t(x), t.inv(t(x)), t.log_abs_det_jacobian(x, t(x)), D.biject_to(D.constraints.corr_cholesky))
    """)
    D = gw.distributions
    gw.manual_seed(0)
    S = gw.tensor([[2., 0.5], [0.5, 1.]])
    close(D.Wishart(gw.tensor(6.), S).sample((4000,)).mean(0), (6 * S).reshape(-1).tolist(), tol=0.05)
    assert bool(D.constraints.corr_cholesky.check(D.LKJCholesky(4, 1.5).sample((50,))).all())
    x = gw.tensor([0.5, -1., 2.], dtype=gw.float64, requires_grad=True)
    t = D.transforms.CorrCholeskyTransform()
    assert gradcheck(gw, lambda v: t.log_abs_det_jacobian(v, t(v)), (x,))
