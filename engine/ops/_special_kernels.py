"""Special functions on arrays (numpy has none of them): lgamma, digamma, polygamma, erfinv, erfc, erfcx,
log_ndtr, i0, i1, i0e, i1e.

Each takes the array module ``xp`` and a floating array and returns float64 results (the caller casts).
Special values follow torch's CPU kernels (lgamma(0) = inf, digamma(-0.) = inf, digamma(-n) = nan,
polygamma(n >= 2, -n) = +-inf, ...); away from them the results are accurate to about 1e-15 relative
(lgamma near its negative zeros and the tails of erfinv have the conditioning of the functions).
"""
from __future__ import annotations

import math

from ._util import erf_array

_PI = math.pi
_LOG_PI = math.log(math.pi)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _bernoulli_even(n: int) -> list:
    """B_2, B_4, ..., B_2n as floats (exact rationals through the Akiyama-Tanigawa recurrence)."""
    from fractions import Fraction  # noqa: PLC0415
    out = []
    a = []
    for m in range(2 * n + 1):
        a.append(Fraction(1, m + 1))
        for j in range(m, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
        if m >= 2 and m % 2 == 0:
            out.append(float(a[0]))
    return out


_B2K = _bernoulli_even(12)  # B_2 .. B_24
# Stirling's series of lgamma: sum_k B_2k / (2k (2k-1) x^(2k-1)); digamma's: sum_k B_2k / (2k x^2k)
_STIRLING = [b / (2 * k * (2 * k - 1)) for k, b in enumerate(_B2K[:10], 1)]
_PSI_ASYM = [b / (2 * k) for k, b in enumerate(_B2K[:10], 1)]
_SHIFT = 10.0  # the asymptotic series are used from here up (error below 1e-17 with 10 terms)


def _poly(coef, z):
    """sum_k coef[k] z^k (Horner)."""
    r = coef[-1]
    for c in coef[-2::-1]:
        r = r * z + c
    return r


def _as_f64(xp, x):
    return x.astype(xp.float64) if x.dtype != xp.float64 else x


def _shift_up(xp, x, terms):
    """Moves x (> 0) up by whole steps until x >= _SHIFT; ``terms(xs, keep)`` accumulates each step's term."""
    n = int(xp.ceil(xp.max(_SHIFT - x))) if x.size else 0
    for _ in range(max(n, 0)):
        keep = x < _SHIFT
        terms(x, keep)
        x = xp.where(keep, x + 1.0, x)
    return x


# ---- lgamma --------------------------------------------------------------------------------

def _lgamma_pos(xp, x):
    """lgamma for finite x > 0: a fit on [1/2, 3] (it keeps the roots 1 and 2 exact), reached by
    lgamma(x) = lgamma(x + 1) - log(x) from below and lgamma(x) = lgamma(x - 1) + log(x - 1) from above;
    Stirling's series from _SHIFT up."""
    out = xp.empty_like(x)
    small = x < _SHIFT
    if small.any():
        xs = x[small]
        below = xs < 0.5
        acc = -xp.log(xp.where(below, xs, 1.0))
        t = xp.where(below, xs + 1.0, xs)
        prod = xp.ones_like(t)
        while True:
            above = t > 3.0
            if not above.any():
                break
            t = xp.where(above, t - 1.0, t)
            prod = xp.where(above, prod * t, prod)
        out[small] = (acc + xp.log(prod)) + _lgamma_fitted(xp, t)
    big = ~small
    if big.any():
        xb = x[big]
        series = _poly(_STIRLING, 1.0 / (xb * xb)) / xb
        out[big] = (xb - 0.5) * xp.log(xb) - xb + _HALF_LOG_2PI + series
    return out


_EULER = 0.5772156649015329
_FIT_LO, _FIT_HI = 0.5, 3.0


def _lgamma_fit():
    from ._util import _cheb_fit  # noqa: PLC0415

    def f(t):  # lgamma(t) / ((t - 1)(t - 2)), smooth: its values at 1 and 2 are psi(1) / -1 and psi(2)
        if t in (1.0, 2.0):
            return _EULER if t == 1.0 else 1.0 - _EULER
        return math.lgamma(t) / ((t - 1.0) * (t - 2.0))
    return _cheb_fit(f, _FIT_LO, _FIT_HI, n=64, tol=1e-18)


_LGAMMA_FIT = _lgamma_fit()


def _lgamma_fitted(xp, t):
    from ._util import _clenshaw  # noqa: PLC0415
    u = (2.0 * t - (_FIT_LO + _FIT_HI)) / (_FIT_HI - _FIT_LO)
    return _clenshaw(_LGAMMA_FIT, u) * ((t - 1.0) * (t - 2.0))


def _sinpi_abs(xp, x):
    """|sin(pi x)| with the argument reduced exactly (x - round(x) is exact)."""
    return xp.abs(xp.sin(_PI * (x - xp.rint(x))))


def lgamma(xp, x):
    x = _as_f64(xp, x)
    out = xp.full(x.shape, xp.inf)
    pos = (x > 0) & (x < xp.inf)
    if pos.any():
        out[pos] = _lgamma_pos(xp, x[pos])
    neg = (x < 0) & (x != xp.floor(x))  # -inf and negative integers: inf
    if neg.any():
        xn = x[neg]
        # reflection: lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x)
        out[neg] = _LOG_PI - xp.log(_sinpi_abs(xp, xn)) - _lgamma_pos(xp, 1.0 - xn)
    nan = xp.isnan(x)
    if nan.any():
        out[nan] = xp.nan
    return out


# ---- digamma and polygamma -------------------------------------------------------------------

def _digamma_pos(xp, x):
    acc = xp.zeros_like(x)

    def step(xs, keep):
        nonlocal acc
        acc = xp.where(keep, acc - 1.0 / xs, acc)
    x = _shift_up(xp, x, step)
    z = 1.0 / (x * x)
    return acc + xp.log(x) - 0.5 / x - z * _poly(_PSI_ASYM, z)


def digamma(xp, x):
    x = _as_f64(xp, x)
    out = xp.full(x.shape, xp.nan)
    pos = x > 0
    if pos.any():
        xp_ = x[pos]
        fin = xp_ < xp.inf
        r = xp.full(xp_.shape, xp.inf)
        r[fin] = _digamma_pos(xp, xp_[fin])
        out[pos] = r
    zero = x == 0
    if zero.any():  # torch: -inf at +0, +inf at -0
        out[zero] = xp.copysign(xp.inf, -x[zero])
    neg = (x < 0) & (x != xp.floor(x))  # negative integers and -inf: nan
    if neg.any():
        xn = x[neg]
        # reflection: psi(x) = psi(1 - x) - pi / tan(pi x), tan's argument reduced exactly
        out[neg] = _digamma_pos(xp, 1.0 - xn) - _PI / xp.tan(_PI * (xn - xp.trunc(xn)))
    return out


def _zeta_tail(xp, s: int, q):
    """Hurwitz zeta(s, q) for q >= _SHIFT: Euler-Maclaurin from q."""
    r = q ** (1 - s) / (s - 1) + 0.5 * q ** (-s)
    # sum_j B_2j / (2j)! * s (s+1) ... (s+2j-2) q^(-s-2j+1)
    rising = float(s)
    fact = 2.0
    qp = q ** (-s - 1)
    inv2 = 1.0 / (q * q)
    for j, b in enumerate(_B2K[:10], 1):
        r = r + (b / fact * rising) * qp
        rising *= (s + 2 * j - 1) * (s + 2 * j)
        fact *= (2 * j + 1) * (2 * j + 2)
        qp = qp * inv2
    return r


def _hurwitz(xp, s: int, q):
    """zeta(s, q) = sum_k (q + k)^-s for integer s >= 2 and finite q that is not 0 or a negative integer."""
    acc = xp.zeros_like(q)

    def step(qs, keep):
        nonlocal acc
        acc = xp.where(keep, acc + qs ** (-s), acc)
    q = _shift_up(xp, q, step)
    return acc + _zeta_tail(xp, s, q)


def polygamma(xp, n: int, x):
    x = _as_f64(xp, x)
    if n == 0:
        return digamma(xp, x)
    if n == 1:
        return _trigamma(xp, x)
    # (-1)^(n+1) n! zeta(n + 1, x); torch: +-inf at 0, the negative integers and -inf, nan at +inf
    pole = (x <= 0) & (x == xp.floor(x))
    ok = ~pole & (x < xp.inf)
    z = xp.full(x.shape, xp.nan)
    z[pole] = xp.inf
    if ok.any():
        z[ok] = _hurwitz(xp, n + 1, x[ok])
    return z * ((-1.0) ** (n + 1) * math.factorial(n))


def _trigamma(xp, x):
    """psi'(x). Below 1/2 torch reflects with sin(pi x) of the unreduced argument, so at the negative
    integers it gives a large finite number (pi^2 / sin(pi x)^2), not inf: kept, to agree with it."""
    out = xp.full(x.shape, xp.nan)
    refl = x < 0.5
    fin = ~refl & (x < xp.inf)
    if fin.any():
        out[fin] = _hurwitz(xp, 2, x[fin])
    out[x == xp.inf] = 0.0
    if refl.any():
        xr = x[refl]
        s = xp.sin(_PI * xr)
        r = (_PI * _PI) / (s * s)
        one_minus = 1.0 - xr
        t = xp.full(xr.shape, xp.nan)
        f = one_minus < xp.inf
        t[f] = _hurwitz(xp, 2, one_minus[f])
        out[refl] = r - t
    return out


# ---- erfinv ----------------------------------------------------------------------------------

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def erfinv(xp, y):
    """Halley's method from a starting point within a few percent: on erf(x) = |y| near 0, on
    erfc(x) = 1 - |y| (exact) in the tails, where erf's rounding near 1 would limit the result."""
    y = _as_f64(xp, y)
    a = xp.abs(y)
    out = xp.full(y.shape, xp.nan)
    one = a == 1.0
    out[one] = xp.copysign(xp.inf, y[one])
    ok = a < 1.0
    if not ok.any():
        return out
    yo = y[ok]
    ao = a[ok]
    w = -xp.log((1.0 - ao) * (1.0 + ao))
    tail = w >= 2.5  # |y| above ~0.958: x above ~1.4
    x = xp.where(tail, _erfinv_tail(xp, w), _erfinv_center(xp, w, ao))
    c = 1.0 - ao
    for _ in range(3):
        # the Newton step e / erf'(x), from erf near 0, from erfcx(x) = exp(x^2) erfc(x) in the tails
        near = erf_array(xp, x) - ao
        far = (c * xp.exp(x * x) - _erfcx(xp, xp.maximum(x, 1.0))) * (math.sqrt(_PI) / 2.0)
        step = xp.where(tail, far, near / (_TWO_OVER_SQRT_PI * xp.exp(-x * x)))
        x = x - step / (1.0 + x * step)  # Halley: erf'' / erf' = -2x
    out[ok] = xp.copysign(x, yo)
    return out


def _erfcx_pieces():
    from ._util import _cheb_fit  # noqa: PLC0415
    return tuple(_cheb_fit(lambda t: math.exp(t * t) * math.erfc(t), float(k), float(k + 1), n=40, tol=1e-17)
                 for k in range(1, 8))


_ERFCX = _erfcx_pieces()


def _erfcx(xp, x):
    """exp(x^2) erfc(x) for x >= 1: fits on [k, k + 1), k = 1..7; the asymptotic series from 8 on."""
    from ._util import _clenshaw  # noqa: PLC0415
    out = xp.empty_like(x)
    idx = xp.floor(xp.minimum(x, 8.0))
    t = (x - idx) * 2.0 - 1.0
    for k, coef in enumerate(_ERFCX, 1):
        sel = idx == k
        if sel.any():
            out[sel] = _clenshaw(coef, t[sel])
    big = idx >= 8
    if big.any():
        xb = x[big]
        inv = 1.0 / (2.0 * xb * xb)
        term = xp.ones_like(xb)
        total = term.copy()
        for k in range(1, 21):  # sum_k (-1)^k (2k-1)!! / (2x^2)^k
            term = term * (-(2 * k - 1) * inv)
            total = total + term
        out[big] = total / (xb * math.sqrt(_PI))
    return out


def _erfinv_center(xp, w, a):
    # erfinv(a) = sqrt(pi)/2 (a + pi/12 a^3 + 7 pi^2/480 a^5 + 127 pi^3/40320 a^7 + ...): good to ~1e-3 here,
    # and within the radius where the Halley steps converge
    u = (math.sqrt(math.pi) / 2.0) * a
    u2 = u * u
    return u * (1.0 + u2 * (1.0 / 3.0 + u2 * (7.0 / 30.0 + u2 * (127.0 / 630.0 + u2 * (4369.0 / 22680.0)))))


def _erfinv_tail(xp, w):
    # 1 - a ~ exp(-x^2) / (x sqrt(pi)), so with w = -log((1 - a)(1 + a)) ~ -log(2 (1 - a)):
    # x^2 ~ w + log 2 - log(x sqrt(pi)), iterated from x^2 = w
    x = xp.sqrt(w)
    for _ in range(3):
        x = xp.sqrt(xp.maximum(w + math.log(2.0) - xp.log(x * math.sqrt(math.pi)), 0.25))
    return x


def _exp_minus_square(xp, x):
    """exp(-x^2) without the rounding error of x^2 (which exp would scale by x^2): x = hi + lo, hi^2 exact."""
    x = xp.where(xp.isinf(x), 1e300, x)  # exp(-inf) = 0 without inf - inf on the way
    hi = xp.trunc(x * 4096.0) / 4096.0
    return xp.exp(-hi * hi) * xp.exp(-(x - hi) * (x + hi))


def erfc(xp, x):
    """1 - erf(x) with relative accuracy in the right tail (erfcx there)."""
    x = _as_f64(xp, x)
    a = xp.abs(x)
    out = 1.0 - erf_array(xp, x)
    tail = a >= 1.0
    if tail.any():
        at = a[tail]
        right = _erfcx(xp, at) * _exp_minus_square(xp, at)  # erfc(|x|)
        out[tail] = xp.where(x[tail] > 0, right, 2.0 - right)
    return out


def erfcx(xp, x):
    """exp(x^2) erfc(x): the fits and series of _erfcx from 1 up; inf once exp(x^2) overflows (x < -26.6)."""
    x = _as_f64(xp, x)
    out = xp.empty_like(x)
    right = x >= 1.0
    if right.any():
        out[right] = _erfcx(xp, x[right])
    left = ~right
    if left.any():
        xl = x[left]
        out[left] = xp.exp(xl * xl) * erfc(xp, xl)
    return out


def log_ndtr(xp, x):
    """log of the standard normal CDF: log(erfcx(z) / 2) - x^2 / 2 (z = -x / sqrt 2) in the left tail,
    where the CDF itself underflows; log1p(-erfc(x / sqrt 2) / 2) elsewhere."""
    x = _as_f64(xp, x)
    out = xp.empty_like(x)
    left = x < -1.0
    if left.any():
        xl = x[left]
        out[left] = xp.log(erfcx(xp, -xl * _SQRT1_2) * 0.5) - 0.5 * xl * xl
    right = ~left
    if right.any():
        out[right] = xp.log1p(-0.5 * erfc(xp, x[right] * _SQRT1_2))
    return out


_SQRT1_2 = 1.0 / math.sqrt(2.0)


# ---- modified Bessel functions I0, I1 ---------------------------------------------------------

_BESSEL_SERIES_MAX = 30.0


def _bessel_series(xp, x, order: int):
    """sum_k (x/2)^(2k+order) / (k! (k+order)!): every term positive, so accurate for |x| <= 30."""
    h = 0.5 * x
    q = h * h
    term = xp.ones_like(x) if order == 0 else h.copy()
    total = term.copy()
    for k in range(1, 90):
        term = term * q / (k * (k + order))
        total = total + term
    return total


def _bessel_asym(xp, x, order: int, scaled: bool = False):
    """e^x / sqrt(2 pi x) * sum_k (-1)^k prod_{j<=k} (4 order^2 - (2j-1)^2) / (k! (8x)^k), x > 30."""
    mu = 4.0 * order * order
    term = xp.ones_like(x)
    total = term.copy()
    for k in range(1, 25):
        term = term * -(mu - (2 * k - 1) ** 2) / (k * 8.0 * x)
        total = total + term
    if scaled:  # e^-x I(x)
        return total / xp.sqrt(2.0 * _PI * x)
    return xp.exp(x) * total / xp.sqrt(2.0 * _PI * x)  # inf once e^x overflows, as torch's


def _bessel(xp, x, order: int, scaled: bool = False):
    """I0 / I1 of x; ``scaled``: e^-|x| times it (i0e, i1e)."""
    x = _as_f64(xp, x)
    a = xp.abs(x)
    out = xp.empty_like(a)
    small = a <= _BESSEL_SERIES_MAX
    if small.any():
        out[small] = _bessel_series(xp, a[small], order) * (xp.exp(-a[small]) if scaled else 1.0)
    big = ~small & ~xp.isnan(a)
    if big.any():
        out[big] = _bessel_asym(xp, a[big], order, scaled)
    out[xp.isnan(a)] = xp.nan
    if order == 1:
        out = xp.where(x < 0, -out, out)  # I1 is odd (and i1(-0.) is +0., as torch's)
    return out


def i0(xp, x):
    return _bessel(xp, x, 0)


def i1(xp, x):
    return _bessel(xp, x, 1)


def i0e(xp, x):
    return _bessel(xp, x, 0, scaled=True)


def i1e(xp, x):
    return _bessel(xp, x, 1, scaled=True)
