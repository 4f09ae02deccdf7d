"""The math ops PyTorch users reach for (hyperbolic and inverse trigonometric functions, lgamma / digamma /
polygamma / erfinv / i0, xlogy, logit, sinc, logaddexp, fmod, copysign, nan_to_num, float_power, heaviside,
nansum / nanmean, var_mean / std_mean, logdet, cdist, Tensor.unfold, storage_offset) against PyTorch:
values, dtypes, grad_fn names, gradients at the edge points, and error texts (test_parity_api.same_as_torch),
plus checks of known values that run without PyTorch."""
from __future__ import annotations

import math

import pytest

from test_parity_api import same_as_torch as _same_as_torch

pytestmark = pytest.mark.timeout(120)


def same_as_torch(gw, code: str) -> str:
    out = _same_as_torch(gw, code)
    assert "!! IndentationError" not in out and "!! SyntaxError" not in out and "!! NameError" not in out, out
    return out


EDGES = "[0., 1., -1., float('inf'), -float('inf'), 2., -2., 0.5, float('nan'), -0.]"

UNARY = ["sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan",
         "arcsinh", "arccosh", "arctanh", "lgamma", "digamma", "erfinv", "sinc", "logit", "deg2rad", "rad2deg",
         "i0", "nan_to_num", "square"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_values_grad_fn_and_gradients_at_the_edges(gw, name):
    same_as_torch(gw, f"""
        x = torch.tensor({EDGES}, dtype=torch.float64, requires_grad=True)
        y = torch.{name}(x)
        print(y, y.dtype)
        y.sum().backward()
        print(x.grad)
        print(torch.{name}(torch.tensor([1, 2])), torch.{name}(torch.tensor([0.25, 0.5])))
        print(torch.{name}(torch.tensor([True, False])))
        print(torch.tensor([0.3, 0.7]).{name}())
    """)


def test_methods_special_aliases_and_polygamma(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([0.3, 0.7, 2.], requires_grad=True)
        print(x.lgamma(), x.polygamma(2), torch.polygamma(1, x), torch.polygamma(0, x), x.logit(0.4))
        print(torch.special.gammaln(x), torch.special.psi(x), torch.special.digamma(x), torch.special.i1(x))
        print(torch.special.i0(x), torch.special.polygamma(3, x), torch.special.erfinv(x / 3),
              torch.special.logit(x / 3), torch.special.sinc(x), torch.special.xlogy(x, 2.))
        y = torch.tensor([0.5, -0.5, -1.5, -1., 0., float('inf'), -float('inf')], dtype=torch.float64,
                         requires_grad=True)
        for n in (1, 2, 3):
            p = torch.polygamma(n, y)
            p.sum().backward()
            print(p, y.grad)
            y.grad = None
    """)
    assert "PolygammaBackward0" in out and "SpecialI1Backward0" in out and "LgammaBackward0" in out


def test_xlogy_zero_rule_gradients_and_forms(gw):
    out = same_as_torch(gw, """
        inf, nan = float('inf'), float('nan')
        x = torch.tensor([0., 0., 0., 1., 1., nan, 0.], requires_grad=True)
        y = torch.tensor([0., 1., nan, 0., -1., 0., inf], requires_grad=True)
        z = torch.xlogy(x, y)
        print(z)
        z.sum().backward()
        print(x.grad, y.grad)
        print(torch.xlogy(x, 2.), torch.xlogy(3, y), torch.xlogy(torch.tensor([1, 0]), torch.tensor([2, 0])))
        print(x.xlogy(y))
        print(torch.xlogy(2, 3))
    """)
    assert "XlogyBackward0" in out and "XlogyBackward1" in out and "XlogyBackward2" in out


@pytest.mark.parametrize("fn", ["torch.fmod", "torch.copysign", "torch.logaddexp", "torch.logaddexp2",
                                "torch.float_power"])
def test_binary_values_and_gradients(gw, fn):
    same_as_torch(gw, f"""
        a = torch.tensor([5., -5., 5., 0., 1., -0., float('inf')], requires_grad=True)
        b = torch.tensor([3., 3., -3., 2., 0., -1., float('inf')], requires_grad=True)
        r = {fn}(a, b)
        print(r)
        r.sum().backward()
        print(a.grad, b.grad)
        print({fn}(a.detach().view(7, 1), b.detach()[:3]).shape)
    """)


def test_binary_scalar_forms_dtypes_and_errors(gw):
    same_as_torch(gw, """
        a = torch.tensor([5., -5., 0.5], requires_grad=True)
        print(torch.fmod(a, 3), torch.copysign(a, -0.0), torch.float_power(a, 2), torch.float_power(2, a))
        print(torch.fmod(torch.tensor([5, -7]), 3), torch.fmod(torch.tensor([5]), 2.5))
        print(torch.copysign(torch.tensor([5]), torch.tensor([-3])), torch.float_power(torch.tensor([2]), 2))
        print(a.fmod(2.), a.copysign(a), a.float_power(a), a.logaddexp(a))
        for code in ["torch.fmod(torch.tensor([5]), 0)", "torch.logaddexp(torch.tensor([1]), torch.tensor([2]))",
                     "torch.fmod(2., a)", "torch.float_power(2, 3)", "torch.logaddexp(a, 1.)",
                     "torch.fmod(torch.tensor([True]), torch.tensor([True]))"]:
            try:
                print(eval(code))
            except Exception as e:
                print(type(e).__name__, e)
    """)


def test_heaviside_is_recorded_but_not_differentiable(gw):
    out = same_as_torch(gw, """
        print(torch.heaviside(torch.tensor([1, 0, -1]), torch.tensor([5])))
        print(torch.heaviside(torch.tensor([float('nan'), 0., 3.]), torch.tensor(2.)))
        x = torch.tensor([0.5, -0.5, 0.], requires_grad=True)
        h = torch.heaviside(x, torch.tensor(0.25))
        print(h, h.requires_grad)
        for code in ["torch.heaviside(torch.tensor([1.]), torch.tensor([5]))", "torch.heaviside(x, 1.)"]:
            try:
                print(eval(code))
            except Exception as e:
                print(type(e).__name__, e)
        h.sum().backward()  # last: gradwire may report a server-side error at the next sync point
    """)
    assert "derivative for aten::heaviside is not implemented" in out


def test_nan_to_num(gw):
    same_as_torch(gw, """
        x = torch.tensor([float('nan'), float('inf'), -float('inf'), 1.], requires_grad=True)
        y = torch.nan_to_num(x, 1., 2., -3.)
        print(y)
        y.sum().backward()
        print(x.grad)
        print(torch.nan_to_num(torch.tensor([float('nan'), float('inf')])), torch.nan_to_num(torch.tensor([1, 2])))
        print(torch.nan_to_num(x, posinf=5), x.nan_to_num(neginf=0.))
        print(torch.nan_to_num(torch.tensor([float('inf')], dtype=torch.float64)))
    """)


def test_nansum_nanmean(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., float('nan'), 2., 4.], requires_grad=True)
        s, m = torch.nansum(x), torch.nanmean(x)
        print(s, m)
        (s + m).backward()
        print(x.grad)
        y = torch.tensor([[1., float('nan')], [3., 4.]], requires_grad=True)
        print(torch.nansum(y, 0), torch.nanmean(y, 1, keepdim=True), y.nansum(dtype=torch.float64))
        print(torch.nansum(torch.tensor([1, 2])), torch.nanmean(torch.tensor([float('nan')])), y.nanmean())
        try:
            torch.nanmean(torch.tensor([1, 2]))
        except Exception as e:
            print(type(e).__name__, e)
    """)
    assert "NansumBackward0" in out and "DivBackward0" in out


def test_var_mean_std_mean(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([[1., 2., 3.], [4., 6., 9.]], requires_grad=True)
        v, m = torch.var_mean(x, 1)
        print(v, m)
        (v.sum() + 2 * m.sum()).backward()
        print(x.grad)
        x.grad = None
        s, m = torch.std_mean(x, dim=0, correction=0, keepdim=True)
        print(s, m)
        (s * m).sum().backward()
        print(x.grad)
        print(torch.var_mean(x), torch.std_mean(x, unbiased=False), torch.var_mean(x, (0, 1)), torch.std_mean(x, 1, True))
        c = torch.ones(2, 3, requires_grad=True)
        s, m = torch.std_mean(c, 0)
        s.sum().backward()
        print(c.grad)
        try:
            torch.var_mean(torch.tensor([1, 2]))
        except Exception as e:
            print(type(e).__name__, e)
    """)
    assert "VarMeanBackward0" in out and "StdMeanBackward0" in out


def test_logdet(gw):
    out = same_as_torch(gw, """
        A = torch.tensor([[2., 1.], [1., 4.]], requires_grad=True)
        d = torch.logdet(A)
        print(d)
        d.backward()
        print(A.grad)
        print(torch.logdet(torch.tensor([[1., 2.], [3., 4.]])), torch.logdet(torch.tensor([[1., 2.], [2., 4.]])))
        print(A.logdet(), torch.logdet(torch.tensor([[[1., 2.], [3., 4.]], [[2., 0.], [0., 3.]]])))
        for code in ["torch.logdet(torch.ones(2, 3))", "torch.logdet(torch.ones(3))",
                     "torch.logdet(torch.ones(2, 2, dtype=torch.int64))"]:
            try:
                print(eval(code))
            except Exception as e:
                print(type(e).__name__, e)
    """)
    assert "WhereBackward0" in out and "nan" in out and "-inf" in out


@pytest.mark.parametrize("p", ["2.", "1.", "0.", "3.", "float('inf')", "0.5"])
def test_cdist_values_and_gradients_with_a_zero_distance(gw, p):
    same_as_torch(gw, f"""
        a = torch.tensor([[0., 0.], [1., 1.]], requires_grad=True)
        b = torch.tensor([[0., 0.], [3., 4.], [1., 2.]], requires_grad=True)
        d = torch.cdist(a, b, p={p})
        print(d)
        (d * torch.arange(6.).view(2, 3)).sum().backward()
        print(a.grad, b.grad)
    """)


def test_cdist_batches_and_errors(gw):
    same_as_torch(gw, """
        print(torch.cdist(torch.ones(2, 1, 3, 2), torch.ones(4, 2, 2)).shape)
        print(torch.cdist(torch.ones(0, 2), torch.ones(3, 2)))
        for code in ["torch.cdist(torch.ones(2), torch.ones(2))", "torch.cdist(torch.ones(1, 2), torch.ones(1, 2), p=-1)",
                     "torch.cdist(torch.ones(1, 2, dtype=torch.int64), torch.ones(1, 2, dtype=torch.int64))"]:
            try:
                print(eval(code))
            except Exception as e:
                print(type(e).__name__, e)
    """)


def test_unfold_is_a_view_with_unfold_backward(gw):
    out = same_as_torch(gw, """
        x = torch.arange(10.).requires_grad_()
        u = x.unfold(0, 3, 2)
        print(u, u.shape)
        (u * torch.arange(12.).view(4, 3)).sum().backward()
        print(x.grad)
        y = torch.arange(12.).view(3, 4)
        print(y.unfold(1, 2, 1), y.unfold(0, 2, 1).shape, y.unfold(-1, 4, 4))
        print(torch.tensor(3.).unfold(0, 1, 1), x.unfold(0, 0, 1).shape)
        z = torch.arange(4.)
        z.unfold(0, 2, 2)[1].mul_(10)
        print(z)
        for code in ["torch.arange(4.).unfold(0, 5, 1)", "torch.arange(4.).unfold(0, 1, 0)",
                     "torch.arange(4.).unfold(1, 1, 1)"]:
            try:
                print(eval(code))
            except Exception as e:
                print(type(e).__name__, e)
    """)
    assert "UnfoldBackward0" in out and "tensor([ 0.,  1., 20., 30.])" in out


def test_storage_offset_and_element_size(gw):
    out = same_as_torch(gw, """
        x = torch.arange(10.)
        y = x.view(2, 5)
        print(x.storage_offset(), x[3:].storage_offset(), y[1].storage_offset(), y[:, 2:].t().storage_offset())
        print(x.unfold(0, 2, 3)[1].storage_offset(), x.element_size(), torch.arange(3).element_size())
        print(torch.ones(2, dtype=torch.float64).element_size(), torch.ones(2, dtype=torch.bool).element_size())
    """)
    assert out.splitlines()[0] == "0 3 5 2"


INPLACE = ["sinh_", "cosh_", "asin_", "atan_", "acos_", "asinh_", "atanh_", "arcsin_", "lgamma_", "digamma_",
           "erfinv_", "sinc_", "deg2rad_", "rad2deg_", "logit_", "nan_to_num_", "square_", "i0_", "arctanh_"]


def test_inplace_variants(gw):
    out = same_as_torch(gw, f"""
        x = torch.tensor([0.2, 0.5])
        for n in {INPLACE!r}:
            y = x.clone()
            print(n, getattr(y, n)(), y)
        y = x.clone()
        print(y.polygamma_(1), y.xlogy_(2.), y.fmod_(0.3), y.copysign_(-1.), y.heaviside_(torch.tensor(0.)))
        w = torch.tensor([0.2, 0.5], requires_grad=True).clone()
        w.sinh_()
        print(w)
        w.sum().backward()
        torch.tensor([1, 2]).sinh_()
    """)
    assert "SinhBackward0" in out


def test_argument_errors(gw):
    same_as_torch(gw, """
        for code in ["torch.polygamma(-1, torch.tensor([1.]))", "torch.polygamma(1.5, torch.tensor([1.]))",
                     "torch.polygamma(torch.tensor([1.]), 1)", "torch.logit(torch.tensor([0.5]), 'a')",
                     "torch.sinh('a')", "torch.xlogy(torch.tensor([1.]), 'a')"]:
            try:
                print(eval(code))
            except Exception as e:
                print(type(e).__name__, e)
    """)


def test_known_values_without_torch(gw):
    """Exact or classical values (these run without PyTorch too)."""
    torch = gw
    x = torch.tensor([1.0, 2.0, 0.5, 3.0, -0.5], dtype=torch.float64)
    assert torch.lgamma(x).tolist()[:2] == [0.0, 0.0]
    assert torch.lgamma(x).tolist()[2] == pytest.approx(0.5 * math.log(math.pi), rel=1e-14)
    assert torch.lgamma(x).tolist()[4] == pytest.approx(math.lgamma(-0.5), rel=1e-14)
    euler = 0.5772156649015329
    dg = torch.digamma(x).tolist()
    assert dg[0] == pytest.approx(-euler, rel=1e-14) and dg[3] == pytest.approx(1.5 - euler, rel=1e-14)
    assert dg[2] == pytest.approx(-euler - 2 * math.log(2.0), rel=1e-14)
    assert torch.polygamma(1, x).tolist()[0] == pytest.approx(math.pi ** 2 / 6, rel=1e-14)
    assert torch.erf(torch.erfinv(torch.tensor([0.3, -0.9], dtype=torch.float64))).tolist() == pytest.approx(
        [0.3, -0.9], rel=1e-14)
    assert torch.xlogy(torch.tensor([0.0, 2.0]), torch.tensor([0.0, math.e])).tolist() == pytest.approx([0.0, 2.0])
    v, m = torch.var_mean(torch.tensor([1.0, 2.0, 3.0, 4.0]))
    assert (v.item(), m.item()) == pytest.approx((5 / 3, 2.5))
    a = torch.tensor([[0.0, 0.0], [1.0, 1.0]], requires_grad=True)
    d = torch.cdist(a, torch.tensor([[0.0, 0.0], [3.0, 4.0]]))
    assert sum(d.tolist(), []) == pytest.approx([0.0, 5.0, math.sqrt(2), math.sqrt(13)])
    d.sum().backward()
    assert a.grad.tolist()[0] == pytest.approx([-0.6, -0.8])  # the zero distance contributes nothing
    u = torch.arange(6.0).unfold(0, 2, 2)
    assert u.tolist() == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]] and u.grad_fn is None
    assert torch.arange(6.0)[2:].storage_offset() == 2
    assert torch.logdet(torch.tensor([[2.0, 0.0], [0.0, 3.0]])).item() == pytest.approx(math.log(6.0))


def test_erfc_erfcx_values_and_gradients(gw):
    out = same_as_torch(gw, """
        inf, nan = float('inf'), float('nan')
        x = torch.tensor([0.5, -0.5, 0., 5., 30., -30., inf, -inf, nan], dtype=torch.float64, requires_grad=True)
        for f in [torch.erfc, torch.special.erfcx, torch.special.erfc]:
            y = f(x)
            y.sum().backward()
            print(y, x.grad)
            x.grad = None
            print(f(torch.tensor([1, 2])), f(torch.tensor([True])))
        y = torch.tensor([0.5, 3.])
        print(y.erfc(), y.erfc_(), y)
    """)
    assert "ErfcBackward0" in out and "SpecialErfcxBackward0" in out


def test_fmax_fmin_ignore_nan(gw):
    out = same_as_torch(gw, """
        nan = float('nan')
        a = torch.tensor([1., nan, 2., nan, 0., -0.], requires_grad=True)
        b = torch.tensor([nan, 1., 2., nan, -0., 0.], requires_grad=True)
        for f in [torch.fmax, torch.fmin]:
            r = f(a, b)
            r.sum().backward()
            print(r, a.grad, b.grad)
            a.grad = None
            b.grad = None
        print(torch.fmax(torch.tensor([1, 5]), torch.tensor([3, 2])), torch.fmin(torch.tensor([1, 5]), torch.tensor([3., 2.])))
        print(a.fmax(b.detach()), torch.fmax(torch.tensor([True]), torch.tensor([False])))
        try:
            torch.fmax(a, 1.)
        except Exception as e:
            print(type(e).__name__, e)
    """)
    assert "FmaxBackward0" in out and "FminBackward0" in out


def test_sign_tests_ldexp_mvlgamma_and_aliases(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([0.5, -0.5, 0., float('inf'), -float('inf'), float('nan'), -0.])
        print(torch.isposinf(x), torch.isneginf(x), torch.signbit(x), x.signbit(), x.isneginf())
        print(torch.signbit(torch.tensor([-1, 2])), torch.isposinf(torch.tensor([1])))
        w = torch.tensor([1., 2.], requires_grad=True)
        l = torch.ldexp(w, torch.tensor([1, 2]))
        print(l, torch.ldexp(torch.tensor([1, 2]), torch.tensor([1, 2])))
        l.sum().backward()
        print(w.grad)
        m = torch.mvlgamma(torch.tensor([2.5, 3.], requires_grad=True), 2)
        print(m, torch.special.multigammaln(torch.tensor([2.5, 3.]), 3), torch.mvlgamma(torch.tensor([3, 4]), 1))
        x = torch.tensor([0.5, -2.], requires_grad=True)
        print(torch.negative(x), torch.multiply(x, 2), torch.subtract(x, 2, alpha=2), torch.divide(x, 2, rounding_mode='floor'))
        print(x.negative(), x.positive() is x, x.multiply(x), x.subtract(1), x.divide(2))
        y = x.detach().clone()
        print(y.negative_(), y.multiply_(3), y.subtract_(1, alpha=2), y.divide_(2), y.ldexp_(torch.tensor([1.])))
        torch.tensor([True]).positive()
    """)
    assert "LdexpBackward0" in out and "MvlgammaBackward0" in out and "DivBackward2" in out


def test_cdist_through_a_matrix_product_for_many_rows(gw):
    out = same_as_torch(gw, """
        a = torch.linspace(0, 1, 90).view(30, 3).requires_grad_()
        d = torch.cdist(a, a)
        print(d.grad_fn.name(), d[0, :4], d.diagonal()[:3])
        d.sum().backward()
        print(a.grad[:2])
        b = torch.linspace(-1, 1, 12).view(2, 2, 3)
        for mode in ['use_mm_for_euclid_dist', 'donot_use_mm_for_euclid_dist']:
            e = torch.cdist(b, b.flip(1), compute_mode=mode)
            print(e, e.grad_fn)
        print(torch.cdist(a, a, compute_mode='donot_use_mm_for_euclid_dist').grad_fn.name())
    """)
    assert "ViewBackward0" in out and "CdistBackward0" in out


def test_special_xlog1py_entr_i0e_i1e(gw):
    out = same_as_torch(gw, """
        inf, nan = float('inf'), float('nan')
        x = torch.tensor([0., 1., -1., 0.5, inf, -inf, nan, 2.], dtype=torch.float64, requires_grad=True)
        y = torch.tensor([0., -1., nan, 0.5, inf, 1., 0., -2.], dtype=torch.float64, requires_grad=True)
        r = torch.special.xlog1py(x, y)
        print(r)
        r.sum().backward()
        print(x.grad, y.grad)
        x.grad = None
        print(torch.special.xlog1py(x, 2.), torch.special.xlog1py(2., y), torch.special.xlog1py(torch.tensor([1]), torch.tensor([1])))
        for f in [torch.special.entr, torch.special.i0e, torch.special.i1e]:
            z = f(x)
            z.sum().backward()
            print(z, x.grad)
            x.grad = None
            print(f(torch.tensor([0, 1, 2])), f(torch.tensor([40., -800.])))
        d = torch.tensor([2., 3.], dtype=torch.float64)
        print(d.float_power_(2), d.float_power_(torch.tensor([1., 2.])))
        torch.tensor([2., 3.]).float_power_(2)
    """)
    assert "SpecialXlog1PyBackward0" in out and "SpecialEntrBackward0" in out and "SpecialI1EBackward0" in out


def test_logcumsumexp(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([[0.5, 1., -2., -1e3], [3., float('-inf'), 1., 1e3]], dtype=torch.float64, requires_grad=True)
        y = torch.logcumsumexp(x, 1)
        g = torch.tensor([[1., -2., 0.5, 1.], [0., 1., -1., 2.]], dtype=torch.float64)
        (y * g).sum().backward()
        print(y, x.grad)
        print(torch.logcumsumexp(torch.tensor(2.), 0), torch.tensor([[1., 2.]]).logcumsumexp(-1), torch.logcumsumexp(x, 0))
        print(torch.logcumsumexp(torch.tensor([float('inf'), 1.]), 0), torch.logcumsumexp(torch.ones(0), 0))
        for c in ["torch.logcumsumexp(torch.tensor([1, 2]), 0)", "torch.logcumsumexp(torch.ones(2, 3), 2)"]:
            try:
                print(eval(c))
            except Exception as e:
                print(type(e).__name__, e)
    """)
    assert "LogcumsumexpBackward0" in out and "1.0000e+03" in out


def test_nextafter(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2., 0.], requires_grad=True)
        y = torch.tensor([2., 0., -1.], requires_grad=True)
        r = torch.nextafter(x, y)
        print(r.grad_fn.name(), (r - x).tolist())
        r.sum().backward()
        print(x.grad, y.grad)
        d = torch.nextafter(torch.tensor([1.], dtype=torch.float64), torch.tensor([2.]))
        print(d.dtype, x.nextafter(y).dtype, (d - 1).item())
        for c in ["torch.nextafter(torch.tensor([1]), torch.tensor([2]))", "torch.nextafter(x, 2.)",
                  "torch.cdist(torch.ones(2, 2), torch.ones(2, 2, dtype=torch.float64))"]:
            try:
                print(eval(c))
            except Exception as e:
                print(type(e).__name__, e)
    """)
    assert "NextafterBackward0" in out and "2.220446049250313e-16" in out


def test_special_ndtr_and_log_ndtr(gw):
    out = same_as_torch(gw, """
        inf, nan = float('inf'), float('nan')
        x = torch.tensor([0., 1., -1., -10., -40., 40., inf, -inf, nan, 8.], dtype=torch.float64, requires_grad=True)
        for f in [torch.special.ndtr, torch.special.log_ndtr]:
            y = f(x)
            print(y, y.grad_fn.name())
            y.sum().backward()
            print(x.grad)
            x.grad = None
            print(f(torch.tensor([1, 2])), f(torch.tensor([True])), f(torch.tensor([-3., 0.5])))
        y = torch.special.ndtr(x)
        print(y.grad_fn.next_functions[0][0].name(), y.grad_fn.next_functions[0][0].next_functions[0][0].name())
    """)
    assert "SpecialLogNdtrBackward0" in out and "-8.0461e+02" in out
