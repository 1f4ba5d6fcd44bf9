"""Derivative rules of ``batchNorm``, ``layerNorm``, ``softmax`` and ``logSoftmax``.

``batchNorm`` (inference form ``(x − μ)·s/√(σ² + ε) + b``) is differentiated in all five
arguments, so the running statistics, when they are parameters, get gradients too.
``layerNorm`` normalises over the axes ``axis…r−1`` with ``xhat = (x − mean)·r``,
``r = 1/√(var + ε)``; its VJP is ``r·(ĝ − mean ĝ − xhat·mean(ĝ·xhat))`` with ``ĝ = w·scale``.
``softmax``: ``jvp = y·(ẋ − Σ y·ẋ)``, ``vjp = y·(w − Σ w·y)`` (the Jacobian is symmetric);
``logSoftmax``: ``jvp = ẋ − Σ p·ẋ``, ``vjp = w − p·Σ w`` with ``p = exp y``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tlean.autograd.kernels import channel_shape
from tlean.autograd.rules import Array, rule


def _bn_parts(a: Any, args: list[Array]) -> tuple[tuple[int, ...], tuple[int, ...], Array, Array]:
    x, _, _, mu, var = args
    s = channel_shape(x)
    inv = 1 / np.sqrt(var + a.epsilon)
    return s, tuple(i for i in range(x.ndim) if i != 1), inv, x - mu.reshape(s)


def _bn_jvp(a: Any, args: list[Array], y: Array, ts: list[Array]) -> Array:
    s, _, inv, xc = _bn_parts(a, args)
    sc = args[1]
    dx, dsc, dbi, dmu, dvar = ts
    dinv = -0.5 * inv**3 * dvar
    return (dx - dmu.reshape(s)) * (inv * sc).reshape(s) + xc * (dinv * sc + inv * dsc).reshape(s) + dbi.reshape(s)


def _bn_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    s, red, inv, xc = _bn_parts(a, args)
    sc = args[1]
    gsum = g.sum(axis=red)
    gxc = (g * xc).sum(axis=red)
    return [
        g * (inv * sc).reshape(s) if needs[0] else None,
        gxc * inv if needs[1] else None,
        gsum if needs[2] else None,
        -gsum * inv * sc if needs[3] else None,
        gxc * sc * (-0.5 * inv**3) if needs[4] else None,
    ]


def _ln_parts(a: Any, x: Array) -> tuple[tuple[int, ...], Array, Array, Array]:
    axes = tuple(range(a.axis, x.ndim))
    d = x - x.mean(axis=axes, keepdims=True)
    r = 1 / np.sqrt((d * d).mean(axis=axes, keepdims=True) + a.epsilon)
    return axes, d, r, d * r


def _ln_jvp(a: Any, args: list[Array], y: Array, ts: list[Array]) -> Array:
    x, sc = args[0], args[1]
    axes, d, r, xh = _ln_parts(a, x)
    dd = ts[0] - ts[0].mean(axis=axes, keepdims=True)
    dr = -(r**3) * (d * dd).mean(axis=axes, keepdims=True)
    out = (dd * r + d * dr) * sc + xh * ts[1]
    return out + ts[2] if len(args) > 2 else out


def _ln_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    x, sc = args[0], args[1]
    axes, _, r, xh = _ln_parts(a, x)
    lead = tuple(range(a.axis))
    res: list[Array | None] = [None, None]
    if needs[0]:
        gh = g * sc
        res[0] = r * (gh - gh.mean(axis=axes, keepdims=True) - xh * (gh * xh).mean(axis=axes, keepdims=True))
    if needs[1]:
        res[1] = (g * xh).sum(axis=lead)
    if len(args) > 2:
        res.append(g.sum(axis=lead) if needs[2] else None)
    return res


def _sm_jvp(a: Any, args: list[Array], y: Array, ts: list[Array]) -> Array:
    return y * (ts[0] - (y * ts[0]).sum(axis=a.axis, keepdims=True))


def _sm_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    return [y * (g - (g * y).sum(axis=a.axis, keepdims=True))]


def _lsm_jvp(a: Any, args: list[Array], y: Array, ts: list[Array]) -> Array:
    return ts[0] - (np.exp(y) * ts[0]).sum(axis=a.axis, keepdims=True)


def _lsm_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    return [g - np.exp(y) * g.sum(axis=a.axis, keepdims=True)]


rule("batchNorm", _bn_jvp, _bn_vjp)
rule("layerNorm", _ln_jvp, _ln_vjp)
rule("softmax", _sm_jvp, _sm_vjp)
rule("logSoftmax", _lsm_jvp, _lsm_vjp)
