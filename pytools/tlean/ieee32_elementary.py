"""Correctly rounded elementary functions on binary32 bit patterns (the "elementary" layer).

Twin of ``NN/Floats/Elementary.lean``: the same algorithms on Python ints, one function per Lean
definition (each docstring starts with the Lean name). Public functions take and return binary32
bit patterns as ``int``: :func:`exp`, :func:`log`, :func:`tanh`, :func:`sigmoid`, :func:`erf`,
:func:`sin`, :func:`cos`, :func:`pow`, :func:`floor`, :func:`ceil` and :func:`round` (half to even).
The rounding of a dyadic to binary32 is the core layer's ``IEEE32.ofDyadic``.

Correct rounding (Ziv's strategy)
---------------------------------
Each function has an *evaluator* that, for a working precision ``p`` (bits), returns a rigorous
enclosure ``[lo, hi]`` of the exact real result as two dyadics ``lo_man * 2**e`` and
``hi_man * 2**e``: Taylor or atanh series evaluated on integers with every truncation counted in
the error term, plus an explicit bound on the series' tail; the constants ln 2 (``2 atanh(1/3)``)
and pi (Machin's formula) are computed to the precision asked with their own error bounds and
cached per precision. Rounding is monotone, so if both ends round (round to nearest, ties to even,
with overflow and subnormals) to the same binary32, that binary32 is the correctly rounded result;
otherwise the precision doubles (:func:`_ziv`). The loop ends as soon as the enclosure avoids every
rounding boundary (the midpoints between neighbouring binary32 values, the overflow threshold
``2**128 (1 - 2**-25)`` and ``2**-150``). The exact results that *are* boundaries or representable
values a shrinking enclosure could straddle forever are decided before the loop: ``exp(±0) = 1``,
``log(1) = +0``, ``sin(±0) = ±0``, ``cos(±0) = 1``, ``tanh(±0) = ±0``, ``erf(±0) = ±0``,
``sigmoid(±0) = 1/2`` and the exact cases of :func:`pow` (see there). By Lindemann–Weierstrass the
other values of exp, log, sin, cos, tanh and sigmoid at binary32 arguments are irrational, so the
loop ends. For erf the irrationality of ``erf(x)`` at nonzero rationals is not a known theorem;
the loop has a precision cap (:data:`MAX_PRECISION`) after which the last candidate (the rounding
of the lower end) is returned; the test suite checks against MPFR that this never happens on the
inputs tried. Arguments whose result is decided by a bound are answered before the loop
(``exp(x) = +Inf`` for ``x >= 89``, ``+0`` for ``x <= -104``, ``tanh = ±1`` for ``|x| >= 9.1``,
``sigmoid = 1`` for ``x >= 17.4`` and ``+0`` for ``x <= -104``, ``erf = ±1`` for ``|x| >= 4``),
which keeps every evaluation short.

Trust boundary: correct rounding is tested against MPFR (``tests/test_ieee32_elementary.py``),
not proved. NaN results are the quiet NaN ``0x7FC00000``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from math import isqrt

QNAN = 0x7FC00000
POS_INF = 0x7F800000
NEG_INF = 0xFF800000
SIGN = 0x80000000
ONE = 0x3F800000
NEG_ONE = 0xBF800000
HALF = 0x3F000000

#: First working precision of the Ziv loop (bits).
START_PRECISION = 64
#: Precision after which the Ziv loop stops and returns its last candidate (never reached in tests).
MAX_PRECISION = 1 << 14

__all__ = ["exp", "log", "tanh", "sigmoid", "erf", "sin", "cos", "pow", "floor", "ceil", "round"]


# ---------------------------------------------------------------------------------------------
# Rounding of exact ratios and the Ziv loop (decoding and `ofDyadic` come from the core kernel,
# imported at the end of this module)
# ---------------------------------------------------------------------------------------------


def _decode(b: int) -> tuple[int, int]:
    """Lean: NN.Floats.IEEE32.decodeFinite

    The exact value ``(man, exp)`` of a finite nonzero pattern: the core kernel's decoding.
    """
    return decode_finite(b)


def _round_dyadic(man: int, exp: int) -> int:
    """Lean: NN.Floats.IEEE32.ofDyadic

    The binary32 nearest ``man * 2**exp``: the core kernel's rounding (``tlean.ieee32.of_dyadic``).
    """
    return of_dyadic(man, exp)


def _round_ratio(num: int, den: int, exp: int) -> int:
    """Lean: NN.Floats.Elementary.roundRatio

    The binary32 nearest ``num / den * 2**exp`` for ``num >= 0``, ``den > 0``: a quotient with at
    least 27 bits and a sticky bit for a nonzero remainder rounds like the exact ratio.
    """
    if num == 0:
        return 0
    s = den.bit_length() - num.bit_length() + 27
    if s >= 0:
        q, r = divmod(num << s, den)
    else:
        q, r = divmod(num, den << -s)
    return _round_dyadic(2 * q + (1 if r else 0), exp - s - 1)


def _ziv(evaluate: Callable[[int], tuple[int, int, int]], p0: int = START_PRECISION) -> int:
    """Lean: NN.Floats.Elementary.ziv

    Ziv's loop: evaluate the enclosure at precision ``p``; if both ends round to the same binary32
    return it, else double ``p`` (up to :data:`MAX_PRECISION`, then the rounding of the lower end).
    """
    p = p0
    while True:
        lo, hi, e = evaluate(p)
        a = _round_dyadic(lo, e)
        if a == _round_dyadic(hi, e) or p >= MAX_PRECISION:
            return a
        p *= 2


# ---------------------------------------------------------------------------------------------
# Constants: ln 2, pi, 2/sqrt(pi), each as an enclosure [lo, hi] / 2**g
# ---------------------------------------------------------------------------------------------


def _fix_floor(man: int, exp: int, g: int) -> int:
    """Lean: NN.Floats.Elementary.fixFloor

    ``floor(man * 2**(exp + g))``."""
    s = exp + g
    return man << s if s >= 0 else man >> -s


def _fix_ceil(man: int, exp: int, g: int) -> int:
    """Lean: NN.Floats.Elementary.fixCeil

    ``ceil(man * 2**(exp + g))``."""
    return -_fix_floor(-man, exp, g)


@lru_cache(maxsize=64)
def _ln2(g: int) -> tuple[int, int]:
    """Lean: NN.Floats.Elementary.ln2

    ``[lo, hi]`` with ``lo <= 2**g ln 2 <= hi``: ``ln 2 = sum_k 2 / ((2k+1) 9**k 3)`` on integers
    at ``g + 8`` bits, each truncation below one unit, the tail below the last (zero) term.
    """
    w = g + 8
    t = (2 << w) // 3  # 2 * 3**-(2k+1) * 2**w, truncated
    s = 0
    k = 0
    while t:
        s += t // (2 * k + 1)
        k += 1
        t //= 9
    err = 3 * k + 2
    return (s - err) >> 8, -((-(s + err)) >> 8)


def _atan_inv(n: int, w: int) -> tuple[int, int]:
    """Lean: NN.Floats.Elementary.atanInv

    ``(s, err)`` with ``|2**w atan(1/n) - s| <= err`` (alternating series, truncated terms)."""
    t = (1 << w) // n
    n2 = n * n
    s = 0
    k = 0
    while t:
        term = t // (2 * k + 1)
        s = s - term if k & 1 else s + term
        k += 1
        t //= n2
    return s, 3 * k + 2


@lru_cache(maxsize=256)
def _pi(g: int) -> tuple[int, int]:
    """Lean: NN.Floats.Elementary.pi

    ``[lo, hi]`` with ``lo <= 2**g pi <= hi`` by Machin's ``pi = 16 atan(1/5) - 4 atan(1/239)``."""
    w = g + 10
    a, ea = _atan_inv(5, w)
    b, eb = _atan_inv(239, w)
    s = 16 * a - 4 * b
    err = 16 * ea + 4 * eb
    return (s - err) >> 10, -((-(s + err)) >> 10)


@lru_cache(maxsize=64)
def _two_over_sqrt_pi(g: int) -> tuple[int, int]:
    """Lean: NN.Floats.Elementary.twoOverSqrtPi

    ``[lo, hi]`` with ``lo <= 2**g * 2/sqrt(pi) <= hi``, from :func:`_pi` and integer square roots."""
    plo, phi = _pi(g)
    slo = isqrt(plo << g)  # <= 2**g sqrt(pi)
    shi = isqrt(phi << g) + 1  # >= 2**g sqrt(pi)
    return (2 << (2 * g)) // shi, -((-(2 << (2 * g))) // slo)


# ---------------------------------------------------------------------------------------------
# Series kernels (fixed point at scale 2**g)
# ---------------------------------------------------------------------------------------------


def _exp_taylor(r: int, g: int) -> tuple[int, int]:
    """Lean: NN.Floats.Elementary.expTaylor

    ``(s, err)`` with ``|2**g exp(r / 2**g) - s| <= err`` for ``|r| <= 2**(g-1)``: Taylor terms
    truncated towards zero (each term's error stays below 2 units since ``|r| <= 1/2``), stopped at
    the first zero term (the tail is then below 3 units).
    """
    a = -r if r < 0 else r
    neg = r < 0
    t = 1 << g
    s = t
    n = 0
    while t:
        n += 1
        t = (t * a) // (n << g)
        s = s - t if (neg and n & 1) else s + t
    return s, 2 * n + 8


def _exp_fix(alo: int, ahi: int, g: int) -> tuple[int, int, int]:
    """Lean: NN.Floats.Elementary.expFix

    Enclosure ``[lo, hi] * 2**e`` of ``exp`` over ``[alo, ahi] / 2**g``: ``x = k ln 2 + r``,
    ``exp(x) = 2**k exp(r)``, the width of ``r`` (from ``[alo, ahi]`` and ln 2's error times ``k``)
    added through ``|exp' | <= 3/2`` on ``|r| <= 1/2``.
    """
    lim = 200 << g
    if alo > lim:
        return 1, 1, 200
    if ahi < -lim:
        return 1, 1, -300
    llo, lhi = _ln2(g)
    mid = (alo + ahi) >> 1
    k = (2 * mid + llo) // (2 * llo)
    if k >= 0:
        rlo, rhi = alo - k * lhi, ahi - k * llo
    else:
        rlo, rhi = alo - k * llo, ahi - k * lhi
    rm = (rlo + rhi) >> 1
    h = rhi - rm
    if h > (1 << (g - 4)) or abs(rm) + h > (1 << (g - 1)):
        return 0, 1, 300  # too wide: an enclosure that never decides
    s, err = _exp_taylor(rm, g)
    err += 3 * h + 1
    return s - err, s + err, k - g


def _sin_series(u: int, g: int) -> tuple[int, int]:
    """Lean: NN.Floats.Elementary.sinSeries

    ``(s, err)`` with ``|2**g F(u / 2**g) - s| <= err``, ``F(u) = sum (-1)**k u**k / (2k+1)!``
    (so ``sin x = x F(x**2)``), for ``0 <= u <= 2**g``.
    """
    t = 1 << g
    s = t
    k = 0
    while t:
        k += 1
        t = (t * u) // ((2 * k) * (2 * k + 1) << g)
        s = s - t if k & 1 else s + t
    return s, 2 * k + 4


def _cos_series(u: int, g: int) -> tuple[int, int]:
    """Lean: NN.Floats.Elementary.cosSeries

    ``(s, err)`` with ``|2**g cos(sqrt(u / 2**g)) - s| <= err`` for ``0 <= u <= 2**g``."""
    t = 1 << g
    s = t
    k = 0
    while t:
        k += 1
        t = (t * u) // ((2 * k - 1) * (2 * k) << g)
        s = s - t if k & 1 else s + t
    return s, 2 * k + 4


def _pos_series(ulo: int, uhi: int, g: int, kind: int) -> tuple[int, int]:
    """Lean: NN.Floats.Elementary.posSeries

    Lower and upper bounds (scale ``2**g``) of a series with positive terms in ``u`` over
    ``u in [ulo, uhi] / 2**g`` (``ulo >= 0``), computed with floors for the lower and ceilings for
    the upper sequence. ``kind`` 0: ``sum u**k/(2k+1)!`` (sinh x / x), 1: ``sum u**k/(2k)!``
    (cosh x), 2: ``sum (2u)**k / (2k+1)!!`` (erf's series). Stops once the ratio of consecutive
    terms is at most 1/2 and the upper term is at most one unit; the tail is then at most one unit.
    """
    lo = hi = 1 << g
    slo = shi = lo
    k = 0
    while True:
        k += 1
        if kind == 0:
            d = (2 * k) * (2 * k + 1)
            num = 1
        elif kind == 1:
            d = (2 * k - 1) * (2 * k)
            num = 1
        else:
            d = 2 * k + 1
            num = 2
        lo = (lo * ulo * num) // (d << g)
        hi = -((-(hi * uhi * num)) // (d << g))
        slo += lo
        shi += hi
        # ratio of the next term: num * u / d' with d' >= d; at most 1/2 once 2 * num * uhi <= d * 2**g
        if hi <= 1 and 2 * num * uhi <= (d << g):
            return slo, shi + 1


# ---------------------------------------------------------------------------------------------
# Evaluators: (man, exp) of the argument, precision p -> enclosure (lo, hi, e)
# ---------------------------------------------------------------------------------------------


def _exp_eval(man: int, ex: int, p: int) -> tuple[int, int, int]:
    """Lean: NN.Floats.Elementary.expEval

    Enclosure of ``exp(man * 2**ex)`` at precision ``p``."""
    g = p + 16
    return _exp_fix(_fix_floor(man, ex, g), _fix_ceil(man, ex, g), g)


def _log_eval(man: int, ex: int, p: int) -> tuple[int, int, int]:
    """Lean: NN.Floats.Elementary.logEval

    Enclosure of ``log(man * 2**ex)`` (``man > 0``) at precision ``p``: ``x = f * 2**e`` with
    ``f in [1/sqrt 2, sqrt 2]``, ``log f = 2 atanh z``, ``z = (f-1)/(f+1)`` exact rational,
    ``|z| <= 0.172``; absolute precision ``p + 40`` (``|log x| >= 2**-25`` for ``x != 1``).
    """
    g = p + 40
    n = man.bit_length()
    one = 1 << (n - 1)
    e = ex + n - 1
    if man * man > 2 * one * one:  # f > sqrt 2: use f / 2
        one <<= 1
        e += 1
    num = man - one
    den = man + one
    neg = num < 0
    a = -num if neg else num
    a2 = a * a
    d2 = den * den
    t = (a << g) // den
    s = 0
    k = 0
    while t:
        s += t // (2 * k + 1)
        k += 1
        t = (t * a2) // d2
    err = 2 * (3 * k + 3)
    s2 = -2 * s if neg else 2 * s
    llo, lhi = _ln2(g)
    if e >= 0:
        base_lo, base_hi = e * llo, e * lhi
    else:
        base_lo, base_hi = e * lhi, e * llo
    return base_lo + s2 - err, base_hi + s2 + err, -g


def _trig_eval(man: int, ex: int, p: int, want_cos: bool) -> tuple[int, int, int]:
    """Lean: NN.Floats.Elementary.trigEval

    Enclosure of ``sin`` or ``cos`` of ``x = man * 2**ex``. For ``|x| < 1/2``: ``sin x = x F(x**2)``
    (relative precision) and ``cos x = G(x**2)``. Otherwise ``x = k pi/2 + r`` with pi to
    ``p + 16 + bits(k)`` bits, so the reduction of any binary32 (up to ``2**128``) is exact up to
    the counted error; then ``sin r``/``cos r`` by series, the width of ``r`` added (both are
    1-Lipschitz), and the quadrant ``k mod 4`` selects the sign and the function.
    """
    g = p + 16
    a = -man if man < 0 else man
    if a.bit_length() + ex <= -1:
        u_lo = _fix_floor(a * a, 2 * ex, g)
        if want_cos:
            s, err = _cos_series(u_lo, g)
            return s - err - 1, s + err + 1, -g
        s, err = _sin_series(u_lo, g)
        lo, hi = a * (s - err - 1), a * (s + err + 1)
        return (lo, hi, ex - g) if man > 0 else (-hi, -lo, ex - g)
    # argument reduction
    kb = max(0, a.bit_length() + ex + 1)
    w = g + kb + 4
    plo, phi = _pi(w)  # pi/2 in [plo, phi] / 2**(w+1)
    xw = _fix_floor(man, ex, w + 1)  # exact: ex >= -24 > -(w+1)
    k = (2 * xw + plo) // (2 * plo)
    if k >= 0:
        rlo, rhi = xw - k * phi, xw - k * plo
    else:
        rlo, rhi = xw - k * plo, xw - k * phi
    # back to scale g
    rlo = rlo >> (w + 1 - g)
    rhi = -((-rhi) >> (w + 1 - g))
    rm = (rlo + rhi) >> 1
    h = rhi - rm + 1
    ar = -rm if rm < 0 else rm
    if ar > (1 << g):
        return 0, 1, 300
    u = (ar * ar) >> g
    q = k & 3
    if want_cos:
        q = (q + 1) & 3
    # sin(x + q pi/2): q=0 sin r, 1 cos r, 2 -sin r, 3 -cos r
    if q & 1:
        s, err = _cos_series(u, g)
        err += 2
    else:
        f, err0 = _sin_series(u, g)
        s = (rm * f) >> g
        err = err0 + 2
    err += h
    if q >= 2:
        return -s - err, -s + err, -g
    return s - err, s + err, -g


def _tanh_eval(man: int, ex: int, p: int) -> tuple[int, int, int]:
    """Lean: NN.Floats.Elementary.tanhEval

    Enclosure of ``tanh(x)``: ``x S(x**2) / C(x**2)`` with the positive series of ``sinh x / x`` and
    ``cosh x`` for ``|x| < 1/2``, else ``(E - 1)/(E + 1)`` with ``E = exp(2|x|)`` enclosed.
    """
    g = p + 16
    a = -man if man < 0 else man
    if a.bit_length() + ex <= -1:
        ulo = _fix_floor(a * a, 2 * ex, g)
        uhi = _fix_ceil(a * a, 2 * ex, g)
        slo, shi = _pos_series(ulo, uhi, g, 0)
        clo, chi = _pos_series(ulo, uhi, g, 1)
        qlo = (slo << g) // chi
        qhi = -((-(shi << g)) // clo)
        lo, hi = a * qlo, a * qhi
    else:
        elo, ehi, e = _exp_eval(a, ex + 1, p)
        one = 1 << (-e)  # e < 0 here
        qlo = ((elo - one) << g) // (elo + one)
        qhi = -((-((ehi - one) << g)) // (ehi + one))
        lo, hi, ex = qlo, qhi, 0
    return (lo, hi, ex - g) if man > 0 else (-hi, -lo, ex - g)


def _quot_lo_hi(nlo: int, dhi: int, nhi: int, dlo: int, g: int) -> tuple[int, int, int]:
    """Lean: NN.Floats.Elementary.quotEnclosure

    ``[nlo/dhi, nhi/dlo]`` (positive integers) as dyadics with relative precision ``2**-g``."""
    s = dhi.bit_length() - nlo.bit_length() + g
    if s < 0:
        s = 0
    return (nlo << s) // dhi, -((-(nhi << s)) // dlo), -s


def _sigmoid_eval(man: int, ex: int, p: int) -> tuple[int, int, int]:
    """Lean: NN.Floats.Elementary.sigmoidEval

    Enclosure of ``1 / (1 + exp(-x))``: ``exp(-x)`` enclosed as ``[elo, ehi] * 2**e``, then the
    decreasing map ``E -> 1/(1+E)`` on the ends, as one quotient of integers (one rounding overall).
    """
    g = p + 16
    elo, ehi, e = _exp_eval(-man, ex, p)
    if e >= 0:
        return _quot_lo_hi(1, 1 + (ehi << e), 1, 1 + (elo << e), g)
    one = 1 << (-e)
    return _quot_lo_hi(one, one + ehi, one, one + elo, g)


def _erf_eval(man: int, ex: int, p: int) -> tuple[int, int, int]:
    """Lean: NN.Floats.Elementary.erfEval

    Enclosure of ``erf(x)`` for ``0 < |x| < 4``:
    ``erf x = (2/sqrt pi) x exp(-x**2) sum_k (2x**2)**k / (2k+1)!!`` (all terms positive, so the
    relative error stays small; the terms peak near ``exp(x**2) <= 2**24``, hence 32 guard bits).
    """
    g = p + 32
    a = -man if man < 0 else man
    ulo = _fix_floor(a * a, 2 * ex, g)
    uhi = _fix_ceil(a * a, 2 * ex, g)
    plo, phi = _pos_series(ulo, uhi, g, 2)
    elo, ehi, e = _exp_eval(-(a * a), 2 * ex, p + 8)
    clo, chi = _two_over_sqrt_pi(g)
    lo = a * clo * max(elo, 0) * plo
    hi = a * chi * ehi * phi
    e2 = ex + e - 2 * g
    return (lo, hi, e2) if man > 0 else (-hi, -lo, e2)


def _pow_eval(man: int, ex: int, yman: int, yex: int, p: int) -> tuple[int, int, int]:
    """Lean: NN.Floats.Elementary.powEval

    Enclosure of ``x**y = exp(y log x)`` for ``x = man * 2**ex > 0``: ``log x`` to an absolute
    precision raised by the bits of ``|y|`` so ``y log x`` is known to ``2**-(p+16)``.
    """
    g = p + 16
    yb = max(0, yman.bit_length() + yex)
    llo, lhi, le = _log_eval(man, ex, g + yb)
    if yman > 0:
        zlo, zhi = yman * llo, yman * lhi
    else:
        zlo, zhi = yman * lhi, yman * llo
    return _exp_fix(_fix_floor(zlo, yex + le, g), _fix_ceil(zhi, yex + le, g), g)


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------


def _is_nan(b: int) -> bool:
    return (b & 0x7FFFFFFF) > POS_INF


def exp(b: int) -> int:
    """Lean: NN.Floats.IEEE32.exp

    Correctly rounded ``e**x``. NaN to qNaN, ``+Inf`` to ``+Inf``, ``-Inf`` to ``+0``, ``±0`` to 1,
    ``x >= 89`` overflows to ``+Inf``, ``x <= -104`` underflows to ``+0``.
    """
    if _is_nan(b):
        return QNAN
    if b == POS_INF:
        return POS_INF
    if b == NEG_INF:
        return 0
    if b & 0x7FFFFFFF == 0:
        return ONE
    if b < SIGN and b >= 0x42B20000:  # 89.0
        return POS_INF
    if b >= 0xC2D00000:  # -104.0 and below
        return 0
    man, ex = _decode(b)
    return _ziv(lambda p: _exp_eval(man, ex, p))


def log(b: int) -> int:
    """Lean: NN.Floats.IEEE32.log

    Correctly rounded natural logarithm. NaN and negative arguments (``-Inf`` too) give qNaN,
    ``±0`` gives ``-Inf``, ``+Inf`` gives ``+Inf``, ``1`` gives ``+0``.
    """
    if _is_nan(b):
        return QNAN
    if b & 0x7FFFFFFF == 0:
        return NEG_INF
    if b & SIGN:
        return QNAN
    if b == POS_INF:
        return POS_INF
    if b == ONE:
        return 0
    man, ex = _decode(b)
    return _ziv(lambda p: _log_eval(man, ex, p))


def sin(b: int) -> int:
    """Lean: NN.Floats.IEEE32.sin

    Correctly rounded sine (argument reduced with pi to as many bits as the argument needs).
    NaN and ``±Inf`` give qNaN, ``±0`` gives ``±0``.
    """
    if (b & 0x7FFFFFFF) >= POS_INF:
        return QNAN
    if b & 0x7FFFFFFF == 0:
        return b
    man, ex = _decode(b)
    return _ziv(lambda p: _trig_eval(man, ex, p, False))


def cos(b: int) -> int:
    """Lean: NN.Floats.IEEE32.cos

    Correctly rounded cosine. NaN and ``±Inf`` give qNaN, ``±0`` gives 1.
    """
    if (b & 0x7FFFFFFF) >= POS_INF:
        return QNAN
    if b & 0x7FFFFFFF == 0:
        return ONE
    man, ex = _decode(b)
    return _ziv(lambda p: _trig_eval(man, ex, p, True))


def tanh(b: int) -> int:
    """Lean: NN.Floats.IEEE32.tanh

    Correctly rounded hyperbolic tangent. NaN to qNaN, ``±Inf`` to ``±1``, ``±0`` to ``±0``,
    ``|x| >= 9.1`` to ``±1`` (then ``1 - tanh|x| < 2 e**(-2|x|) < 2**-25``).
    """
    if _is_nan(b):
        return QNAN
    sign = b & SIGN
    a = b & 0x7FFFFFFF
    if a == 0:
        return b
    if a >= 0x4111999A:  # 9.1 (rounded up) and +Inf
        return sign | ONE
    man, ex = _decode(b)
    return _ziv(lambda p: _tanh_eval(man, ex, p))


def sigmoid(b: int) -> int:
    """Lean: NN.Floats.IEEE32.sigmoid

    Correctly rounded ``1 / (1 + e**-x)`` (one rounding, not a composition). NaN to qNaN, ``+Inf`` to
    1, ``-Inf`` to ``+0``, ``±0`` to 1/2, ``x >= 17.4`` to 1 (``1 - s(x) < e**-x < 2**-25``),
    ``x <= -104`` to ``+0`` (``s(x) < e**x < 2**-150``).
    """
    if _is_nan(b):
        return QNAN
    if b & 0x7FFFFFFF == 0:
        return HALF
    if b < SIGN and b >= 0x418B3333:  # 17.4, and +Inf
        return ONE
    if b >= 0xC2D00000:  # -104 and below, and -Inf
        return 0
    man, ex = _decode(b)
    return _ziv(lambda p: _sigmoid_eval(man, ex, p))


def erf(b: int) -> int:
    """Lean: NN.Floats.IEEE32.erf

    Correctly rounded error function. NaN to qNaN, ``±Inf`` to ``±1``, ``±0`` to ``±0``, ``|x| >= 4`` to
    ``±1`` (``erfc x < e**-x**2 / (x sqrt pi) < 1.6e-8 < 2**-25``).
    """
    if _is_nan(b):
        return QNAN
    sign = b & SIGN
    a = b & 0x7FFFFFFF
    if a == 0:
        return b
    if a >= 0x40800000:  # 4.0 and +Inf
        return sign | ONE
    man, ex = _decode(b)
    return _ziv(lambda p: _erf_eval(man, ex, p))


def _int_class(man: int, ex: int) -> int:
    """Lean: NN.Floats.Elementary.intClass

    For a finite nonzero ``man * 2**ex``: 0 if not an integer, 1 if an odd integer, 2 if even."""
    if ex > 0:
        return 2
    if ex == 0:
        return 1 if man & 1 else 2
    a = -man if man < 0 else man
    if a & ((1 << -ex) - 1):
        return 0
    return 1 if (a >> -ex) & 1 else 2


def _odd_part(man: int, ex: int) -> tuple[int, int]:
    """Lean: NN.Floats.Elementary.oddPart

    ``(m, e)`` with ``m`` odd and ``m * 2**e = man * 2**ex`` (``man != 0``)."""
    while not man & 1:
        man >>= 1
        ex += 1
    return man, ex


def _pow_pos(xb: int, yb: int) -> int:
    """Lean: NN.Floats.Elementary.powPos

    ``x**y`` correctly rounded for finite ``x > 0``, ``x != 1`` and finite ``y != 0``.

    Exact cases. Write ``y = m / 2**k`` with ``m`` odd (``k = 0`` for an integer). If ``x**y`` is
    rational then so is ``t = x**(1/2**k)`` (with ``a m + b 2**k = 1``, ``t = (x**y)**a x**b``), and
    for ``x = mx 2**ex`` (``mx`` odd) that holds iff ``mx`` is a perfect ``2**k``-th power and
    ``2**k`` divides ``ex`` (unique factorisation), decided by ``k`` integer square roots; then
    ``x**y = t**m``. If ``t = 2**et`` the value is the power of two ``2**(et m)``, rounded once. If
    ``t``'s odd part is at least 3 and ``|m| <= 64`` the value is computed exactly (a dyadic power,
    or for ``m < 0`` a ratio rounded by :func:`_round_ratio`) and rounded once. If ``|m| > 64``
    the odd part of ``t**m`` exceeds ``3**65 > 2**25`` (or ``t**m`` is not dyadic), so ``x**y`` is
    neither a binary32 nor a rounding boundary, and Ziv's loop on ``exp(y log x)`` ends; the same
    holds when ``x**y`` is irrational. ``|y| >= 2**34`` gives ``|y log x| > 900``: ``+Inf`` or ``+0``.
    """
    xm, xe = _odd_part(*_decode(xb))
    ym, ye = _odd_part(*_decode(yb))
    if ym.bit_length() + ye > 34:
        return POS_INF if (xm.bit_length() + xe > 0) == (ym > 0) else 0
    tm, te, m = xm, xe, ym
    exact = True
    if ye > 0:
        m = ym << ye
    elif ye < 0:
        for _ in range(-ye):
            r = isqrt(tm)
            if r * r != tm or te & 1:
                exact = False
                break
            tm, te = r, te >> 1
    if exact:
        if tm == 1:
            e = te * m
            if e > 200:
                return POS_INF
            if e < -200:
                return 0
            return _round_dyadic(1, e)
        if abs(m) <= 64:
            if m > 0:
                return _round_dyadic(tm**m, te * m)
            return _round_ratio(1, tm ** (-m), te * m)
    return _ziv(lambda p: _pow_eval(xm, xe, ym, ye, p))


def pow(x: int, y: int) -> int:
    """Lean: NN.Floats.IEEE32.pow

    Correctly rounded ``x**y`` with the special cases of IEEE 754 ``pow`` (C99 F.9.4.4):
    ``pow(x, ±0) = 1`` and ``pow(1, y) = 1`` even for NaN; otherwise NaN in gives qNaN;
    ``pow(-1, ±Inf) = 1``; ``pow(x, -Inf)`` is ``+Inf`` for ``|x| < 1`` and ``+0`` for ``|x| > 1``
    (``pow(x, +Inf)`` the reverse); ``pow(±0, y)`` is ``±Inf``/``±0`` for odd integer ``y < 0``/``> 0``
    and ``+Inf``/``+0`` otherwise; ``pow(±Inf, y)`` is ``pow(±0, -y)``'s mirror; a finite negative
    base with a non-integer finite ``y`` gives qNaN, with an integer ``y`` it gives ``±|x|**y``
    (sign from the parity of ``y``). See :func:`_pow_pos` for the finite positive case.
    """
    ya = y & 0x7FFFFFFF
    xa = x & 0x7FFFFFFF
    if ya == 0 or x == ONE:
        return ONE
    if _is_nan(x) or _is_nan(y):
        return QNAN
    ysign = bool(y & SIGN)
    if ya == POS_INF:
        if xa == ONE:
            return ONE
        return POS_INF if (xa < ONE) == ysign else 0
    ymanex = _decode(y)
    cls = _int_class(*ymanex)
    xneg = bool(x & SIGN)
    if xa == 0 or xa == POS_INF:
        big = xa == POS_INF
        # |x|**y is +0 or +Inf; the sign is x's for odd integer y
        inf = ysign != big
        sign = SIGN if (xneg and cls == 1) else 0
        return sign | (POS_INF if inf else 0)
    if xneg:
        if cls == 0:
            return QNAN
        r = _pow_pos(xa, y) if xa != ONE else ONE
        return r | SIGN if cls == 1 else r
    return _pow_pos(x, y)


def _round_int(b: int, mode: int) -> int:
    """Lean: NN.Floats.Elementary.roundInt

    Round to an integer: ``mode`` 0 floor, 1 ceil, 2 nearest with ties to even. NaN gives qNaN,
    infinities and integers (``|x| >= 2**23``) are returned unchanged, a zero result keeps ``x``'s sign.
    """
    if _is_nan(b):
        return QNAN
    a = b & 0x7FFFFFFF
    if a == 0 or a >= 0x4B000000:
        return b
    man, ex = _decode(b)
    sign = b & SIGN
    m = -man if man < 0 else man
    sh = -ex
    q = m >> sh
    frac = m & ((1 << sh) - 1)
    half = 1 << (sh - 1)
    if mode == 2:
        up = frac > half or (frac == half and q & 1 == 1)
    elif mode == 0:
        up = frac != 0 and sign != 0
    else:
        up = frac != 0 and sign == 0
    if up:
        q += 1
    if q == 0:
        return sign
    return sign | _round_dyadic(q, 0)


def floor(b: int) -> int:
    """Lean: NN.Floats.IEEE32.floor

    The largest integer not above ``x`` (``floor(-0.5) = -1``, ``floor(-0) = -0``)."""
    return _round_int(b, 0)


def ceil(b: int) -> int:
    """Lean: NN.Floats.IEEE32.ceil

    The smallest integer not below ``x`` (``ceil(-0.5) = -0``)."""
    return _round_int(b, 1)


def round(b: int) -> int:  # noqa: A001 - the twin of IEEE32.round
    """Lean: NN.Floats.IEEE32.round

    Round to the nearest integer, ties to even (ONNX ``Round``): ``round(2.5) = 2``, ``round(-0.5) = -0``."""
    return _round_int(b, 2)


# The core kernel's decoding and rounding, the ones the Lean layer calls (`IEEE32.decodeFinite`,
# `IEEE32.ofDyadic`). Imported at the end of the module because `tlean.ieee32` re-exports this
# module's functions at the end of its own: either module can then be imported first.
from tlean.ieee32 import decode_finite, of_dyadic  # noqa: E402
