"""Directed rounding helpers: every bound the engine returns is rounded outward with these.

NumPy's float64 ``+ - * / sqrt`` are correctly rounded (IEEE 754, round to nearest), so the
exact result of one such operation lies within one step of the computed one: :func:`down` and
:func:`up` (one ``nextafter`` step) turn a computed value into a rigorous lower / upper bound of
the exact one. Sums and products of many terms (matrix products) are bounded a posteriori with
Higham's ``γ_n = n u / (1 - n u)`` (``u = 2^-53``): for any summation order, with or without
FMA, ``|fl(Σ a_i b_i) - Σ a_i b_i| <= γ_n Σ |a_i b_i|`` when ``n`` bounds the number of roundings a
term goes through, plus an absolute term for underflow (:data:`ETA` per term). The derivation
is in ``docs/bounds.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Arr = np.ndarray[Any, np.dtype[np.float64]]

U = 2.0**-53
#: Absolute error allowance per rounding for underflow (twice the smallest subnormal, generous).
ETA = 2.0**-1070
INF = np.inf


def gamma(n: int) -> float:
    """``γ_n = n u / (1 - n u)`` rounded up generously (valid for ``n u < 1/2``)."""
    n = max(int(n), 1)
    nu = n * U
    if nu >= 0.25:
        raise ValueError("gamma: too many terms for a rounding-error bound")
    return float(np.nextafter(2.0 * nu / (1.0 - nu), INF))  # factor 2: slack for computing the bound itself


def down(x: Any) -> Arr:
    """One step towards -inf (a lower bound of the exact result of one rounded operation)."""
    with np.errstate(all="ignore"):
        r: Arr = np.nextafter(np.asarray(x, dtype=np.float64), -INF)
    return r


def up(x: Any) -> Arr:
    """One step towards +inf."""
    with np.errstate(all="ignore"):
        r: Arr = np.nextafter(np.asarray(x, dtype=np.float64), INF)
    return r


def add_down(a: Any, b: Any) -> Arr:
    with np.errstate(all="ignore"):
        return down(np.add(a, b))


def add_up(a: Any, b: Any) -> Arr:
    with np.errstate(all="ignore"):
        return up(np.add(a, b))


def sub_down(a: Any, b: Any) -> Arr:
    with np.errstate(all="ignore"):
        return down(np.subtract(a, b))


def sub_up(a: Any, b: Any) -> Arr:
    with np.errstate(all="ignore"):
        return up(np.subtract(a, b))


def mul_down(a: Any, b: Any) -> Arr:
    with np.errstate(all="ignore"):
        r = np.multiply(a, b)
    return down(np.where(np.isnan(r), -INF, r))


def mul_up(a: Any, b: Any) -> Arr:
    with np.errstate(all="ignore"):
        r = np.multiply(a, b)
    return up(np.where(np.isnan(r), INF, r))


def imul(al: Arr, ah: Arr, bl: Arr, bh: Arr) -> tuple[Arr, Arr]:
    """Interval product ``[al, ah] * [bl, bh]``, rounded outward (``0 * inf`` counts as 0)."""
    with np.errstate(all="ignore"):
        ps = [np.multiply(al, bl), np.multiply(al, bh), np.multiply(ah, bl), np.multiply(ah, bh)]
    ps = [np.where(np.isnan(p), 0.0, p) for p in ps]
    lo = np.minimum(np.minimum(ps[0], ps[1]), np.minimum(ps[2], ps[3]))
    hi = np.maximum(np.maximum(ps[0], ps[1]), np.maximum(ps[2], ps[3]))
    return down(lo), up(hi)


def nan_to(x: Arr, value: float) -> Arr:
    """Replaces NaN (from ``inf - inf`` or ``0 * inf``) by ``value`` (the trivially sound bound)."""
    return np.where(np.isnan(x), value, x)


def abs_max(lo: Arr, hi: Arr) -> Arr:
    """``max(|lo|, |hi|)``: the magnitude bound of a value in ``[lo, hi]`` (exact)."""
    return np.maximum(np.abs(lo), np.abs(hi))


def slack_up(x: Arr, n: int) -> Arr:
    """An upper bound of the exact value of a non-negative sum of ``n`` non-negative terms whose
    float result is ``x`` (each term itself one rounding away from exact)."""
    with np.errstate(all="ignore"):
        return up(x * (1.0 + gamma(n + 2)) + (n + 2) * ETA)


def widen(lo: Arr, hi: Arr, rel: float = 2.0**-44) -> tuple[Arr, Arr]:
    """Widens an enclosure computed with a library function (libm ``exp``/``log``/``tanh``/...)
    by a relative ``rel`` (2^-44 = 512 ulps: far beyond any libm's error) plus an absolute
    underflow allowance."""
    with np.errstate(all="ignore"):
        lo2 = down(lo - np.abs(lo) * rel - ETA)
        hi2 = up(hi + np.abs(hi) * rel + ETA)
    return lo2, hi2
