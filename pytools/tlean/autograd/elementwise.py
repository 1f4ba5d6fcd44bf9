"""Derivative rules of the elementwise family (binary arithmetic, activations, ``pow``, ``where``).

A unary op with derivative ``f'(x)`` has ``jvp = f'(x)·t`` and ``vjp = f'(x)·w``: the map is a
diagonal scaling, its own transpose. The binary ops' VJPs sum over broadcast axes
(:func:`~.rules.unbroadcast`, the adjoint of broadcasting). The conventions at non-smooth points
are the ones of :mod:`tlean.autograd` (module docstring, table "Conventions").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from tlean.autograd.rules import Array, rule, unbroadcast, zeros_like_args

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _pos(x: Array) -> Array:
    """``lt 0 x`` elementwise (False for ±0 and NaN)."""
    return np.asarray(x > 0)


def _diag(op: str, slope: Callable[[Any, Array, Array], Array]) -> None:
    """Registers a unary op whose derivative at ``x`` (value ``y``) is ``slope(attrs, x, y)``."""

    def jvp(a: Any, args: list[Array], y: Array, ts: list[Array]) -> Array:
        return slope(a, args[0], y) * ts[0]

    def vjp(a: Any, args: list[Array], y: Array, w: Array, needs: list[bool]) -> list[Array | None]:
        return [slope(a, args[0], y) * w]

    rule(op, jvp, vjp)


def _zero(op: str) -> None:
    """Registers a piecewise-constant unary op (derivative 0 everywhere, by convention)."""

    def jvp(a: Any, args: list[Array], y: Array, ts: list[Array]) -> Array:
        return np.zeros_like(y)

    def vjp(a: Any, args: list[Array], y: Array, w: Array, needs: list[bool]) -> list[Array | None]:
        return zeros_like_args(args, needs)

    rule(op, jvp, vjp)


def _select(op: str, first: Callable[[Array, Array], Array]) -> None:
    """``max``/``min``: the derivative is that of the argument the forward formula returns
    (``first(a, b)`` true → ``a``, else ``b``; ties and NaN → ``b``)."""

    def jvp(a: Any, args: list[Array], y: Array, ts: list[Array]) -> Array:
        m = first(args[0], args[1])
        return np.broadcast_to(np.where(m, ts[0], ts[1]), y.shape).astype(y.dtype)

    def vjp(a: Any, args: list[Array], y: Array, w: Array, needs: list[bool]) -> list[Array | None]:
        m = np.broadcast_to(first(args[0], args[1]), y.shape)
        return [
            unbroadcast(np.where(m, w, 0), args[0].shape) if needs[0] else None,
            unbroadcast(np.where(m, 0, w), args[1].shape) if needs[1] else None,
        ]

    rule(op, jvp, vjp)


def _bin(op: str, jvp: Callable[[Array, Array, Array, Array], Array],
         vjp: Callable[[Array, Array, Array], tuple[Callable[[], Array], Callable[[], Array]]]) -> None:  # fmt: skip
    """Registers a smooth binary op: ``jvp(a, b, ta, tb)``; ``vjp(a, b, w)`` gives two thunks."""

    def j(attrs: Any, args: list[Array], y: Array, ts: list[Array]) -> Array:
        return np.broadcast_to(jvp(args[0], args[1], ts[0], ts[1]), y.shape)

    def v(attrs: Any, args: list[Array], y: Array, w: Array, needs: list[bool]) -> list[Array | None]:
        ga, gb = vjp(args[0], args[1], w)
        return [
            unbroadcast(np.broadcast_to(ga(), y.shape), args[0].shape) if needs[0] else None,
            unbroadcast(np.broadcast_to(gb(), y.shape), args[1].shape) if needs[1] else None,
        ]

    rule(op, j, v)


_bin("add", lambda a, b, ta, tb: ta + tb, lambda a, b, w: (lambda: w, lambda: w))
_bin("sub", lambda a, b, ta, tb: ta - tb, lambda a, b, w: (lambda: w, lambda: -w))
_bin("mul", lambda a, b, ta, tb: ta * b + a * tb, lambda a, b, w: (lambda: w * b, lambda: w * a))
_bin(
    "div",
    lambda a, b, ta, tb: ta / b - tb * a / (b * b),
    lambda a, b, w: (lambda: w / b, lambda: -w * a / (b * b)),
)
_select("max", lambda a, b: b < a)
_select("min", lambda a, b: a < b)

_diag("neg", lambda a, x, y: np.full_like(x, -1))
_diag("abs", lambda a, x, y: _sign(x))
_diag("relu", lambda a, x, y: _pos(x).astype(x.dtype))
_diag("leakyRelu", lambda a, x, y: np.where(x < 0, a.alpha, 1).astype(x.dtype))
_diag("sigmoid", lambda a, x, y: y * (1 - y))
_diag("tanh", lambda a, x, y: 1 - y * y)
_diag("exp", lambda a, x, y: y)
_diag("log", lambda a, x, y: 1 / x)
_diag("sqrt", lambda a, x, y: 1 / (2 * y))
_diag("erf", lambda a, x, y: _TWO_OVER_SQRT_PI * np.exp(-(x * x)))
_diag("sin", lambda a, x, y: np.cos(x))
_diag("cos", lambda a, x, y: -np.sin(x))


def _clip_slope(a: Any, x: Array, y: Array) -> Array:
    """``clip = min(max(x, lo), hi)`` with the max/min rules: 1 where the forward pass returns
    ``x`` itself — strictly inside ``(lo, hi)`` (``lt lo x`` and ``lt (max x lo) hi``); 0 at the
    bounds (the bound wins the tie), outside, and for NaN."""
    inside = np.ones(x.shape, dtype=bool)
    m = x
    if a.lo is not None:
        inside &= a.lo < x
        m = np.maximum(x, a.lo)
    if a.hi is not None:
        inside &= m < a.hi
    return inside.astype(x.dtype)


def _sign(x: Array) -> Array:
    """``sign x`` as the IR defines it: ``1``, ``−1``, or ``x`` itself at ``±0`` and NaN."""
    return np.where(x > 0, 1, np.where(x < 0, -1, x)).astype(x.dtype)


def _sign_slope(a: Any, x: Array, y: Array) -> Array:
    """``sign`` returns ``x`` itself at ``±0`` and NaN: derivative 1 there, 0 elsewhere."""
    return ((x <= 0) & (x >= 0) | np.isnan(x)).astype(x.dtype)


def _pow_slope(a: Any, x: Array, y: Array) -> Array:
    """``e·x^(e−1)`` as computed (for ``e = 0`` at ``x = 0``: ``0·inf = NaN`` in floats)."""
    e = a.exponent
    with np.errstate(all="ignore"):
        return (e * np.power(x, e - 1)).astype(x.dtype)


_diag("clip", _clip_slope)
_diag("pow", _pow_slope)
_diag("sign", _sign_slope)
for _op in ("floor", "ceil", "round"):
    _zero(_op)


def _where_jvp(a: Any, args: list[Array], y: Array, ts: list[Array]) -> Array:
    return np.broadcast_to(np.where(args[0] > 0, ts[1], ts[2]), y.shape).astype(y.dtype)


def _where_vjp(a: Any, args: list[Array], y: Array, w: Array, needs: list[bool]) -> list[Array | None]:
    m = np.broadcast_to(args[0] > 0, y.shape)
    return [
        None,  # the condition is a constant mask (ir.check): no cotangent
        unbroadcast(np.where(m, w, 0), args[1].shape) if needs[1] else None,
        unbroadcast(np.where(m, 0, w), args[2].shape) if needs[2] else None,
    ]


rule("where", _where_jvp, _where_vjp)
