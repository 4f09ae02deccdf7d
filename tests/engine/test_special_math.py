"""The special functions' array kernels (engine/ops/_special_kernels.py): accuracy against references
that need no PyTorch (math.lgamma, math.erf, recurrences, classical values), torch's special values,
and, where PyTorch is installed, torch itself over a wide range (1e-12 relative)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import gradwire.engine as E
from gradwire.engine.ops import _special_kernels as K

pytestmark = [pytest.mark.timeout(60), pytest.mark.filterwarnings("ignore::RuntimeWarning")]  # inf / nan results

RNG = np.random.default_rng(0)
WIDE = np.concatenate([RNG.uniform(-50, 50, 2000), RNG.uniform(0, 3, 1000), 10 ** RNG.uniform(-300, 300, 500),
                       -RNG.uniform(0, 20, 500)])
EULER = 0.5772156649015329


def close(mine, ref, rtol=1e-12, atol=0.0):
    np.testing.assert_allclose(mine, ref, rtol=rtol, atol=atol, equal_nan=True)


def test_lgamma_against_math_lgamma():
    x = WIDE[(WIDE != np.floor(WIDE)) | (WIDE > 0)]
    ref = np.array([math.lgamma(v) if v < 1e300 else math.inf for v in x])
    close(K.lgamma(np, x), ref, rtol=1e-13, atol=1e-14)  # atol: the zeros of lgamma on the negative axis


def test_lgamma_special_values():
    x = np.array([1.0, 2.0, 0.0, -0.0, -1.0, -2.0, np.inf, -np.inf, np.nan, 0.5, 1e-300, 1e306])
    out = K.lgamma(np, x)
    assert out[0] == 0.0 and out[1] == 0.0  # exactly, as torch prints them
    assert np.all(np.isposinf(out[[2, 3, 4, 5, 6, 7, 11]])) and np.isnan(out[8])
    assert out[9] == pytest.approx(0.5 * math.log(math.pi), rel=1e-15)
    assert out[10] == pytest.approx(-math.log(1e-300), rel=1e-15)


def test_digamma_recurrence_reflection_and_special_values():
    x = np.concatenate([RNG.uniform(0.1, 40, 500), -RNG.uniform(0.01, 30, 500)])
    x = x[np.abs(x - np.rint(x)) > 1e-3]
    # psi(x + 1) = psi(x) + 1/x
    close(K.digamma(np, x + 1), K.digamma(np, x) + 1 / x, rtol=1e-12, atol=1e-13)
    n = np.arange(1, 30)
    harmonic = np.cumsum(np.concatenate([[0.0], 1.0 / n[:-1]]))
    close(K.digamma(np, n.astype(float)), harmonic - EULER, rtol=1e-14, atol=1e-16)
    assert K.digamma(np, np.array([0.5]))[0] == pytest.approx(-EULER - 2 * math.log(2), rel=1e-15)
    special = K.digamma(np, np.array([0.0, -0.0, -1.0, -3.0, np.inf, -np.inf, np.nan]))
    assert special[0] == -np.inf and special[1] == np.inf and special[4] == np.inf
    assert np.isnan(special[[2, 3, 5, 6]]).all()


def test_polygamma_values():
    assert K.polygamma(np, 1, np.array([1.0]))[0] == pytest.approx(math.pi ** 2 / 6, rel=1e-15)
    assert K.polygamma(np, 1, np.array([0.5]))[0] == pytest.approx(math.pi ** 2 / 2, rel=1e-15)
    zeta3 = 1.2020569031595942
    assert K.polygamma(np, 2, np.array([1.0]))[0] == pytest.approx(-2 * zeta3, rel=1e-15)
    assert K.polygamma(np, 3, np.array([1.0]))[0] == pytest.approx(math.pi ** 4 / 15, rel=1e-15)
    x = RNG.uniform(-10, 10, 300)
    x = x[np.abs(x - np.rint(x)) > 0.1]
    for n in (1, 2, 4):  # psi^(n)(x + 1) = psi^(n)(x) + (-1)^n n! / x^(n+1)
        close(K.polygamma(np, n, x + 1), K.polygamma(np, n, x) + (-1) ** n * math.factorial(n) / x ** (n + 1),
              rtol=1e-10, atol=1e-11)
    # torch's values at the poles: +-inf for n >= 2, a large finite number for n = 1 at negative integers
    p2 = K.polygamma(np, 2, np.array([0.0, -1.0, -np.inf, np.inf]))
    assert p2[0] == -np.inf and p2[1] == -np.inf and p2[2] == -np.inf and np.isnan(p2[3])
    p1 = K.polygamma(np, 1, np.array([0.0, -1.0, np.inf]))
    assert p1[0] == np.inf and 1e32 < p1[1] < np.inf and p1[2] == 0.0


def test_erfinv_inverts_erf():
    y = np.concatenate([RNG.uniform(-1, 1, 2000), 1 - 10 ** RNG.uniform(-15, -1, 300), [1e-300, -0.3]])
    x = K.erfinv(np, y)
    close(np.array([math.erf(v) for v in x]), y, rtol=2e-15, atol=1e-300)
    # in the tails, against erfc (1 - y is exact there)
    tail = y > 0.99
    close(np.array([math.erfc(v) for v in x[tail]]), 1 - y[tail], rtol=1e-13)
    special = K.erfinv(np, np.array([1.0, -1.0, 1.5, np.nan, 0.0, -0.0]))
    assert special[0] == np.inf and special[1] == -np.inf and np.isnan(special[2:4]).all()
    assert special[4] == 0.0 and math.copysign(1, special[5]) == -1


def test_i0_i1_series_and_asymptotic_agree_at_the_switch():
    x = np.array([30.0, 32.5, 35.0])
    for order in (0, 1):
        close(K._bessel_series(np, x, order), K._bessel_asym(np, x, order), rtol=1e-14)
    assert K.i0(np, np.array([0.0]))[0] == 1.0 and K.i1(np, np.array([-0.0]))[0] == 0.0
    assert K.i0(np, np.array([1.0]))[0] == pytest.approx(1.2660658777520082, rel=1e-15)
    assert K.i1(np, np.array([-1.0]))[0] == pytest.approx(-0.5651591039924851, rel=1e-15)
    assert np.isinf(K.i0(np, np.array([720.0])))[0]  # e^x overflows first, as in torch


def test_against_torch_over_a_wide_range():
    torch = pytest.importorskip("torch")
    t = torch.tensor(WIDE)
    close(K.lgamma(np, WIDE), torch.lgamma(t).numpy(), rtol=1e-12, atol=1e-15)
    close(K.digamma(np, WIDE), torch.digamma(t).numpy(), rtol=1e-12, atol=1e-13)
    small = WIDE[np.abs(WIDE) < 1e6]
    for n in (2, 3, 5):
        close(K.polygamma(np, n, small), torch.polygamma(n, torch.tensor(small)).numpy(), rtol=1e-12)
    # torch's trigamma stops its series early (about 1e-9 relative); ours is exact to ~1e-15
    close(K.polygamma(np, 1, small), torch.polygamma(1, torch.tensor(small)).numpy(), rtol=1e-8)
    y = np.concatenate([RNG.uniform(-1, 1, 2000), 1 - 10 ** RNG.uniform(-15, 0, 300)])
    close(K.erfinv(np, y), torch.erfinv(torch.tensor(y)).numpy(), rtol=1e-12)
    xi = np.concatenate([RNG.uniform(-40, 40, 1000), RNG.uniform(-700, 700, 200)])
    close(K.i0(np, xi), torch.i0(torch.tensor(xi)).numpy(), rtol=1e-12)
    close(K.i1(np, xi), torch.special.i1(torch.tensor(xi)).numpy(), rtol=1e-12)


def test_erfc_and_log_ndtr_in_the_tails():
    x = np.array([0.5, 3.0, 10.0, 26.0, -2.0, -30.0, -200.0])
    ref = np.array([math.erfc(v) for v in x])
    close(K.erfc(np, x), ref, rtol=1e-14)
    close(K.erfcx(np, x[:4]), np.exp(x[:4] ** 2) * ref[:4], rtol=1e-13)
    # log_ndtr(x) for x << 0: -x^2/2 - log(-x) - log(2 pi)/2 + log(1 - 1/x^2 + 3/x^4 - ...)
    v = K.log_ndtr(np, np.array([-200.0]))[0]
    asym = -20000.0 - math.log(200.0) - 0.5 * math.log(2 * math.pi) + math.log1p(-1 / 200 ** 2 + 3 / 200 ** 4)
    assert v == pytest.approx(asym, rel=1e-14)
    assert K.log_ndtr(np, np.array([0.0]))[0] == pytest.approx(math.log(0.5), rel=1e-15)


def test_engine_ops_keep_float32_and_promote_integers():
    x32 = E.tensor([0.5, 2.0], dtype=E.float32)
    for f in (E.lgamma, E.digamma, E.erfinv, E.i0, E.sinh, E.asin, E.sinc):
        assert f(x32).dtype is E.float32
        assert f(E.tensor([0, 1])).dtype is E.float32
    assert E.polygamma(2, E.tensor([1, 2])).dtype is E.float32
    assert E.float_power(x32, 2).dtype is E.float64
    assert E.sinc(x32)[1].item() == pytest.approx(0.0, abs=1e-6)


def test_unfold_shares_memory():
    x = E.arange(6.0)
    u = E.OPS["unfold"](x, 0, 2, 2)
    u[1].mul_(10)
    assert x.tolist() == [0.0, 1.0, 20.0, 30.0, 4.0, 5.0]
    assert E.OPS["storage_offset"](u[2]) == 4
    assert E.OPS["unfold"](x, 0, 3, 1)[2].tolist() == [20.0, 30.0, 4.0]
