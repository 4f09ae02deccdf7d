"""Array kernels of torch.special's tail: the orthogonal polynomials (recurrences in n, with torch's special
cases), the regularized incomplete gamma functions, ndtri, the Hurwitz zeta function, spherical_bessel_j0,
the Bessel functions J0, J1, Y0, Y1, K0, K1 and Airy's Ai (power series for small arguments, Hankel's expansion
for large ones, and between them their integral representations, by quadratures that converge geometrically on
these analytic integrands).

Each takes the array module ``xp`` and float64 arrays and returns float64 arrays (the caller casts).
"""
from __future__ import annotations

import math

from . import _special_kernels as K

# ---- orthogonal polynomials ------------------------------------------------------------------------------


def _recurrence(xp, x, n, p0, p1, step):
    """P_n(x) by the three-term recurrence ``P_k = step(k, x, P_{k-1}, P_{k-2})`` from P_0 = p0, P_1 = p1,
    elementwise in (x, n) with n an integer array (broadcast together)."""
    x, n = xp.broadcast_arrays(x, n)
    out = xp.where(n == 0, p0, p1) if x.size else xp.zeros(x.shape)
    top = int(n.max()) if n.size else 0
    prev, cur = p0 + 0 * x, p1 + 0 * x
    for k in range(2, top + 1):
        prev, cur = cur, step(k, x, cur, prev)
        out = xp.where(n == k, cur, out)
    return xp.where(n < 0, 0.0, out)


def _sign(xp, n):
    return xp.where(n % 2 == 0, 1.0, -1.0)


def _trig_form(xp, x, n, big, base, value, fallback):
    """Where ``big`` (n past torch's threshold and |base| < 1): ``value(theta)`` with theta = acos(base), or
    ``fallback`` where that form's denominator vanishes (value returns (numerator, denominator))."""
    theta = xp.arccos(xp.clip(base, -1.0, 1.0))
    num, den, bad = value(theta)
    safe = xp.where(bad | ~big, 1.0, den)
    return xp.where(big & ~bad, num / safe, fallback)


def chebyshev_t(xp, x, n, shifted=False):
    b = 2 * x - 1 if shifted else x
    out = _recurrence(xp, b, n, 1.0, b, lambda k, t, q, p: (t + t) * q - p)
    big = (n > 6) & (xp.abs(b) < 1)
    out = xp.where(big, xp.cos(n * xp.arccos(xp.clip(b, -1.0, 1.0))), out)
    if shifted:
        out = xp.where(x == 0, _sign(xp, n), xp.where(x == 1, 1.0, out))
    else:
        out = xp.where(xp.abs(x) == 1, xp.where((x > 0) | (n % 2 == 0), 1.0, -1.0), out)
    return xp.where(n < 0, 0.0, out)


def chebyshev_u(xp, x, n, shifted=False):
    b = 2 * x - 1 if shifted else x
    out = _recurrence(xp, b, n, 1.0, b + b, lambda k, t, q, p: (t + t) * q - p)
    big = (n > (6 if shifted else 8)) & (xp.abs(b) < 1)

    def value(theta):
        s = xp.sin(theta)
        return xp.sin((n + 1) * theta), s, s == 0
    fallback = (n + 1) * xp.cos((n + 1) * xp.arccos(xp.clip(b, -1.0, 1.0))) * b
    out = xp.where(big, _trig_form(xp, x, n, big, b, value, fallback), out)
    if shifted:
        out = xp.where(x == 0, _sign(xp, n) * (n + 1), xp.where(x == 1, n + 1.0, out))
    else:
        out = xp.where(xp.abs(x) == 1, xp.where((x > 0) | (n % 2 == 0), n + 1.0, -(n + 1.0)), out)
    return xp.where(n < 0, 0.0, out)


def chebyshev_v(xp, x, n, shifted=False):
    b = 2 * x - 1 if shifted else x
    out = _recurrence(xp, b, n, 1.0, b + b - 1, lambda k, t, q, p: (t + t) * q - p)
    big = (n > (6 if shifted else 8)) & (xp.abs(b) < 1)
    odd_even = _sign(xp, n) * (n + n + 1.0)

    def value(theta):
        return xp.cos((n + 0.5) * theta), xp.cos(theta / 2), xp.sin(theta / 2) == 1
    out = xp.where(big, _trig_form(xp, x, n, big, b, value, _sign(xp, n) * (n + 1.0)), out)
    if shifted:
        out = xp.where(x == 0, odd_even, xp.where(x == 1, 1.0, out))
    else:
        out = xp.where(xp.abs(x) == 1, xp.where(x > 0, 1.0, odd_even), out)
    return xp.where(n < 0, 0.0, out)


def chebyshev_w(xp, x, n, shifted=False):
    b = 2 * x - 1 if shifted else x
    out = _recurrence(xp, b, n, 1.0, b + b + 1, lambda k, t, q, p: (t + t) * q - p)
    big = (n > (4 if shifted else 8)) & (xp.abs(b) < 1)

    def value(theta):
        return xp.sin((n + 0.5) * theta), xp.sin(theta / 2), xp.cos(theta / 2) == 1
    fallback = xp.where(b > 0, n + n + 1.0, _sign(xp, n))
    out = xp.where(big, _trig_form(xp, x, n, big, b, value, fallback), out)
    if shifted:
        out = xp.where(x == 0, _sign(xp, n), xp.where(x == 1, n + n + 1.0, out))
    else:
        out = xp.where(xp.abs(x) == 1, xp.where(x > 0, n + n + 1.0, _sign(xp, n)), out)
    return xp.where(n < 0, 0.0, out)


def hermite_h(xp, x, n):
    return _recurrence(xp, x, n, 1.0, x + x, lambda k, t, q, p: (t + t) * q - (2 * (k - 1)) * p)


def hermite_he(xp, x, n):
    return _recurrence(xp, x, n, 1.0, x, lambda k, t, q, p: t * q - (k - 1) * p)


def laguerre_l(xp, x, n):
    out = _recurrence(xp, x, n, 1.0, 1.0 - x, lambda k, t, q, p: ((2 * (k - 1) + (1.0 - t)) * q - (k - 1) * p) / k)
    return xp.where(n < 0, 0.0, xp.where(x == 0, 1.0, out))


def legendre_p(xp, x, n):
    out = _recurrence(xp, x, n, 1.0, x, lambda k, t, q, p: ((2 * k - 1) * t * q - (k - 1) * p) / k)
    out = xp.where(xp.abs(x) == 1, xp.where((x > 0) | (n == 0), 1.0, _sign(xp, n)), out)
    return xp.where(n < 0, 0.0, out)


POLYNOMIALS = {
    "chebyshev_polynomial_t": chebyshev_t, "chebyshev_polynomial_u": chebyshev_u,
    "chebyshev_polynomial_v": chebyshev_v, "chebyshev_polynomial_w": chebyshev_w,
    "shifted_chebyshev_polynomial_t": lambda xp, x, n: chebyshev_t(xp, x, n, True),
    "shifted_chebyshev_polynomial_u": lambda xp, x, n: chebyshev_u(xp, x, n, True),
    "shifted_chebyshev_polynomial_v": lambda xp, x, n: chebyshev_v(xp, x, n, True),
    "shifted_chebyshev_polynomial_w": lambda xp, x, n: chebyshev_w(xp, x, n, True),
    "hermite_polynomial_h": hermite_h, "hermite_polynomial_he": hermite_he,
    "laguerre_polynomial_l": laguerre_l, "legendre_polynomial_p": legendre_p,
}


# ---- regularized incomplete gamma ------------------------------------------------------------------------

_EPS = 2.220446049250313e-16


def _log_prefactor(xp, a, x):
    """log(x^a e^-x / Gamma(a))."""
    return a * xp.log(x) - x - K.lgamma(xp, a)


def _gamma_series(xp, a, x):
    """P(a, x) by its power series (x < a + 1)."""
    term = xp.ones_like(x) / a
    total = term.copy()
    ap = a.copy()
    for _ in range(2000):
        ap = ap + 1
        term = term * x / ap
        total = total + term
        if not bool(xp.any(xp.abs(term) > xp.abs(total) * _EPS)):
            break
    return total * xp.exp(_log_prefactor(xp, a, x))


def _gamma_cfrac(xp, a, x):
    """Q(a, x) by its continued fraction (modified Lentz; x >= a + 1)."""
    tiny = 1e-300
    b = x + 1 - a
    c = xp.full_like(x, 1 / tiny)
    d = 1 / b
    h = d.copy()
    for i in range(1, 2000):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = xp.where(xp.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = xp.where(xp.abs(c) < tiny, tiny, c)
        d = 1 / d
        delta = d * c
        h = h * delta
        if not bool(xp.any(xp.abs(delta - 1) > _EPS)):
            break
    return h * xp.exp(_log_prefactor(xp, a, x))


def gammainc(xp, a, x, upper=False):
    """P(a, x) (Q(a, x) with ``upper``), with torch's special values."""
    a, x = xp.broadcast_arrays(a, x)
    out = xp.full(a.shape, xp.nan)
    ok = (a > 0) & (x > 0) & xp.isfinite(a) & xp.isfinite(x)
    series = ok & (x < a + 1)
    frac = ok & ~series
    if series.any():
        p = _gamma_series(xp, a[series], x[series])
        out[series] = 1 - p if upper else p
    if frac.any():
        q = _gamma_cfrac(xp, a[frac], x[frac])
        out[frac] = q if upper else 1 - q
    lo, hi = (1.0, 0.0) if upper else (0.0, 1.0)
    out = xp.where((x == 0) & (a > 0), lo, out)
    out = xp.where((a == 0) & (x > 0), hi, out)
    out = xp.where(xp.isinf(x) & (x > 0) & xp.isfinite(a) & (a >= 0), hi, out)
    out = xp.where(xp.isinf(a) & (a > 0) & xp.isfinite(x) & (x >= 0), lo, out)
    return xp.where((a < 0) | (x < 0) | xp.isnan(a) | xp.isnan(x), xp.nan, out)


# ---- ndtri -----------------------------------------------------------------------------------------------

def _ndtr(xp, z):
    return 0.5 * K.erfc(xp, -z / math.sqrt(2.0))


def ndtri(xp, p):
    """The standard normal quantile: a rational first guess (Acklam's), then Halley steps on erfc."""
    a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
         -3.066479806614716e+01, 2.506628277459239e+00]
    b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
         -1.328068155288572e+01]
    c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
         4.374664141464968e+00, 2.938163982698783e+00]
    d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    inside = (p > 0) & (p < 1)
    q = xp.where(inside, p, 0.5)
    low = q < 0.02425
    high = q > 1 - 0.02425
    t = xp.sqrt(-2 * xp.log(xp.where(low, q, xp.where(high, 1 - q, 0.5))))
    tail = (((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5]) / \
        ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1)
    r = (q - 0.5) ** 2
    mid = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * (q - 0.5) / \
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    z = xp.where(low, tail, xp.where(high, -tail, mid))
    for _ in range(3):  # Halley on the side whose tail probability is small (no cancellation)
        upper = z > 0
        err = xp.where(upper, (1 - q) - 0.5 * K.erfc(xp, z / math.sqrt(2.0)), _ndtr(xp, z) - q)
        u = err * math.sqrt(2 * math.pi) * xp.exp(z * z / 2)
        z = z - u / (1 + z * u / 2)
    out = xp.where(inside, z, xp.nan)
    out = xp.where(p == 0, -xp.inf, out)
    return xp.where(p == 1, xp.inf, out)


# ---- Hurwitz zeta ----------------------------------------------------------------------------------------

_ZETA_B = [12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
           -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
           1.8152105401943546773e17, -7.1661652561756670113e18]


def zeta(xp, s, q):
    """zeta(s, q) = sum_k (k + q)^-s: Euler-Maclaurin after N terms (as Cephes; torch's special values)."""
    s, q = xp.broadcast_arrays(s, q)
    s = s.astype(xp.float64)
    q = q.astype(xp.float64)
    total = q ** -s
    a = q.copy()
    n_terms = 9
    for _ in range(n_terms):
        a = a + 1
        total = total + a ** -s
    w = a
    total = total + w ** (1 - s) / (s - 1) - 0.5 * w ** -s
    fac = 1.0
    k = 0.0
    ak = w ** -s
    corr = xp.zeros_like(total)
    for j in range(12):
        fac = fac * (s + k)
        ak = ak / w
        corr = corr + fac * ak / _ZETA_B[j]
        k += 1
        fac = fac * (s + k)
        ak = ak / w
        k += 1
    total = total + corr
    out = xp.where(s == 1, xp.inf, total)
    out = xp.where(s < 1, xp.nan, out)
    bad_q = (q <= 0) & ((q == xp.floor(q)) | (s != xp.floor(s)))
    out = xp.where(bad_q & (q == xp.floor(q)) & (q <= 0), xp.inf, out)
    out = xp.where((q <= 0) & (q != xp.floor(q)) & (s != xp.floor(s)), xp.nan, out)
    return out


# ---- Bessel functions ------------------------------------------------------------------------------------

def spherical_j0(xp, x):
    small = xp.abs(x) < 0.5
    xs = xp.where(small | ~xp.isfinite(x), 1.0, x)
    x2 = x * x
    series = 1 - x2 / 6 * (1 - x2 / 20 * (1 - x2 / 42 * (1 - x2 / 72 * (1 - x2 / 110 * (1 - x2 / 156)))))
    return xp.where(small, series, xp.where(xp.isinf(x), 0.0, xp.where(xp.isnan(x), xp.nan, xp.sin(xs) / xs)))


def _chunks(xp, x, fn, rows=4096):
    flat = x.reshape(-1)
    out = xp.empty_like(flat)
    for i in range(0, flat.size, rows):
        out[i:i + rows] = fn(flat[i:i + rows])
    return out.reshape(x.shape)


def _k_scaled(xp, x, order):
    """e^x K_order(x) for x > 0: integral of exp(-x (cosh t - 1)) cosh(order t) over t > 0, by the trapezoid
    rule (the integrand is analytic and even: the error falls like exp(-pi^2 / h) for a step h resolving its
    width, about 1 / sqrt(x))."""
    def part(v):
        h = 0.05 * xp.minimum(1.0, 4.0 / xp.sqrt(v))
        top = xp.arccosh(1 + 745.0 / v)
        steps = int(float((top / h).max())) + 2
        t = h[:, None] * xp.arange(steps)[None, :]
        integrand = xp.exp(-v[:, None] * (xp.cosh(t) - 1)) * xp.cosh(order * t)
        integrand = xp.where(t <= top[:, None] + h[:, None], integrand, 0.0)
        return h * (integrand.sum(axis=1) - 0.5 * integrand[:, 0])
    return _chunks(xp, x, part, 64)


def bessel_k(xp, x, order, scaled):
    pos = (x > 0) & xp.isfinite(x)
    xs = xp.where(pos, x, 1.0)
    v = _k_scaled(xp, xs, order)
    v = v if scaled else v * xp.exp(-xs)
    return xp.where(pos, v, xp.where(x == 0, xp.inf, xp.where(xp.isinf(x) & (x > 0), 0.0, xp.nan)))


def _legendre_nodes(xp, m):
    from .. import backend  # noqa: PLC0415 - the nodes are computed on the host
    t, w = backend.array_module("cpu").polynomial.legendre.leggauss(m)
    return xp.asarray(t), xp.asarray(w)


_HANKEL_FROM = 25.0


def _hankel(xp, x, order):
    """(J, Y) of ``order`` for x >= _HANKEL_FROM from Hankel's asymptotic expansion."""
    mu = 4.0 * order * order
    z = 1.0 / (8.0 * x)
    p = xp.ones_like(x)
    q = xp.zeros_like(x)
    term = xp.ones_like(x)
    for k in range(1, 60):
        term = term * (mu - (2 * k - 1) ** 2) * z / k
        if k % 2:
            q = q + (term if k % 4 == 1 else -term)
        else:
            p = p + (term if k % 4 == 0 else -term)
    chi = x - (order / 2 + 0.25) * math.pi
    amp = xp.sqrt(2.0 / (math.pi * x))
    return amp * (p * xp.cos(chi) - q * xp.sin(chi)), amp * (p * xp.sin(chi) + q * xp.cos(chi))


def _first_integral(xp, x, order, trig):
    """(1/pi) integral_0^pi trig(order t - x sin t) dt by 80-point Gauss-Legendre (x < _HANKEL_FROM)."""
    t, w = _legendre_nodes(xp, 80)
    theta = (t + 1) * (math.pi / 2)
    return (trig(order * theta[None, :] - x[:, None] * xp.sin(theta)[None, :]) * w[None, :]).sum(axis=1) / 2


_SERIES_BELOW = 2.0
_EULER = 0.5772156649015329


def _j_series(xp, x, order):
    """J0 / J1 for small x: sum_k (-x^2/4)^k / (k! (k + order)!) times (x/2)^order."""
    y = x * x / 4
    term = x / 2 if order else xp.ones_like(x)
    total = term.copy()
    for k in range(1, 30):
        term = term * (-y) / (k * (k + order))
        total = total + term
    return total


def _y_series(xp, x, order):
    """Y0 / Y1 for small x from their power series (the logarithmic term times J, plus the harmonic sums)."""
    y = x * x / 4
    log_term = xp.log(x / 2)
    term = xp.ones_like(x)
    if order == 0:  # Y0 = 2/pi [(ln(x/2) + gamma) J0 - sum_{k>=1} (-1)^k H_k y^k / (k!)^2]
        total = xp.zeros_like(x)
        harmonic = 0.0
        for k in range(1, 40):
            term = term * (-y) / (k * k)
            harmonic += 1.0 / k
            total = total + harmonic * term
        return (2 / math.pi) * ((log_term + _EULER) * _j_series(xp, x, 0) - total)
    # Y1 = -2/(pi x) + 2/pi ln(x/2) J1 - 1/pi sum_k (-1)^k (psi(k+1) + psi(k+2)) (x/2)^(2k+1) / (k! (k+1)!)
    term = x / 2
    harmonic = 0.0
    total = (-2 * _EULER + 1) * term
    for k in range(1, 40):
        term = term * (-y) / (k * (k + 1))
        harmonic_next = harmonic + 1.0 / k
        total = total + (2 * (-_EULER) + harmonic_next + harmonic_next + 1.0 / (k + 1)) * term
        harmonic = harmonic_next
    return -2 / (math.pi * x) + (2 / math.pi) * log_term * _j_series(xp, x, 1) - total / math.pi


def _second_integral(xp, x, order):
    """(1/pi) integral_0^inf (e^{n u} + (-1)^n e^{-n u}) e^{-x sinh u} du for x >= _SERIES_BELOW, as an integral
    over s = x sinh u of g(s) e^{-s}: 40-point Gauss-Legendre on unit pieces up to s = 45."""
    t, w = _legendre_nodes(xp, 40)
    total = xp.zeros_like(x)
    for j in range(45):
        half = 0.5
        s = j + (t[None, :] + 1) * half + 0 * x[:, None]
        u = xp.arcsinh(s / x[:, None])
        g = (xp.exp(order * u) + (-1) ** order * xp.exp(-order * u)) / xp.sqrt(x[:, None] ** 2 + s * s)
        total = total + (g * xp.exp(-s) * w[None, :]).sum(axis=1) * half
    return total / math.pi


def _by_region(xp, v, series, integral, hankel):
    """Each of ``series`` (below _SERIES_BELOW), ``integral`` (up to _HANKEL_FROM) and ``hankel`` (from there)
    on the elements of ``v`` where it holds."""
    big = v >= _HANKEL_FROM
    small = v < _SERIES_BELOW
    out = xp.empty_like(v)
    for where, method in ((small, series), (~big & ~small, integral), (big, hankel)):
        if where.any():
            out[where] = method(v[where])
    return out


def bessel_j(xp, x, order):
    """J_order(x): (1/pi) integral_0^pi cos(order t - x sin t) dt below _HANKEL_FROM, Hankel's expansion above."""
    ax = xp.abs(x)
    finite = xp.isfinite(ax)
    out = _by_region(xp, xp.where(finite, ax, 1.0), lambda u: _j_series(xp, u, order),
                     lambda u: _chunks(xp, u, lambda c: _first_integral(xp, c, order, xp.cos), 2048),
                     lambda u: _hankel(xp, u, order)[0])
    if order == 1:
        out = xp.where(xp.signbit(x), -out, out)
    return xp.where(finite, out, xp.nan)  # torch: nan at +-inf too


def bessel_y(xp, x, order):
    """Y_order(x) for x > 0: (1/pi) integral_0^pi sin(x sin t - order t) dt minus _second_integral below
    _HANKEL_FROM, Hankel's expansion above."""
    pos = (x > 0) & xp.isfinite(x)
    out = _by_region(xp, xp.where(pos, x, 1.0), lambda u: _y_series(xp, u, order),
                     lambda u: _chunks(xp, u, lambda c: -_first_integral(xp, c, order, xp.sin)
                                       - _second_integral(xp, c, order), 512),
                     lambda u: _hankel(xp, u, order)[1])
    return xp.where(pos, out, xp.where(x == 0, -xp.inf, xp.nan))  # torch: nan at +inf too


def modified_i(xp, x, order):
    return K.i0(xp, x) if order == 0 else K.i1(xp, x)


# ---- Airy Ai ---------------------------------------------------------------------------------------------

_AI0, _AIP0 = 0.3550280538878172, -0.2588194037928068  # Ai(0), Ai'(0)


def _airy_series(xp, x):
    """Ai from its Maclaurin series Ai(0) f(x) + Ai'(0) g(x) (for moderate |x|)."""
    x3 = x * x * x
    f = xp.ones_like(x)
    g = x.copy()
    tf, tg = f.copy(), g.copy()
    for k in range(1, 60):
        tf = tf * x3 / ((3 * k - 1) * (3 * k))
        tg = tg * x3 / ((3 * k) * (3 * k + 1))
        f = f + tf
        g = g + tg
    return _AI0 * f + _AIP0 * g


def _j_third_sum(xp, z):
    """J_{1/3}(z) + J_{-1/3}(z) for 5 <= z < _HANKEL_FROM: the two Bessel integrals (Schlaefli's form)."""
    cos_part = _first_integral(xp, z, 1 / 3, xp.cos) + _first_integral(xp, z, -1 / 3, xp.cos)
    t, w = _legendre_nodes(xp, 40)
    total = xp.zeros_like(z)
    for j in range(45):  # s = z sinh u on unit pieces: the integrand 2 sinh(u / 3) e^{-s} / sqrt(z^2 + s^2)
        s = j + (t[None, :] + 1) / 2 + 0 * z[:, None]
        u = xp.arcsinh(s / z[:, None])
        g = 2 * xp.sinh(u / 3) / xp.sqrt(z[:, None] ** 2 + s * s)
        total = total + (g * xp.exp(-s) * w[None, :]).sum(axis=1) / 2
    return cos_part + math.sin(math.pi / 3) / math.pi * total


def airy_ai(xp, x):
    finite = xp.isfinite(x)
    v = xp.where(finite, x, 0.0)
    out = xp.empty_like(v)
    series = (v > -4.0) & (v <= 2.0)
    right = v > 2.0
    left = v <= -4.0
    if series.any():
        out[series] = _airy_series(xp, v[series])
    if right.any():  # Ai(x) = sqrt(x / 3) K_{1/3}(zeta) / pi, zeta = 2/3 x^(3/2)
        xr = v[right]
        zeta_r = 2.0 / 3.0 * xr * xp.sqrt(xr)
        out[right] = xp.sqrt(xr / 3) / math.pi * _chunks(xp, zeta_r, lambda c: _k_scaled(xp, c, 1 / 3), 64) \
            * xp.exp(-zeta_r)
    if left.any():  # Ai(-x) = sqrt(x) / 3 (J_{1/3}(zeta) + J_{-1/3}(zeta))
        xl = -v[left]
        zeta_l = 2.0 / 3.0 * xl * xp.sqrt(xl)
        big = zeta_l >= _HANKEL_FROM
        s = xp.empty_like(xl)
        if big.any():
            s[big] = _hankel(xp, zeta_l[big], 1 / 3)[0] + _hankel(xp, zeta_l[big], -1 / 3)[0]
        if (~big).any():
            s[~big] = _chunks(xp, zeta_l[~big], lambda c: _j_third_sum(xp, c), 512)
        out[left] = xp.sqrt(xl) / 3 * s
    return xp.where(finite, out, xp.nan)  # torch: nan at +-inf
