"""Derivative rules of the pooling family: ``maxPool2d``, ``avgPool2d``, ``globalAvgPool``.

``maxPool2d`` is a selection: per output element the derivative flows to ONE input element, the
one the spec's ``maxList`` (a left fold of ``smax`` over the window's elements in row-major order,
padding left out) returns: ``smax acc v`` returns ``v`` unless ``lt v acc``, so a later element
wins a tie, and after a NaN (the running max is then NaN) every later element is taken — the
LAST maximal element, where PyTorch's ``max_pool2d`` takes the first. Its JVP gathers the tangent
at the selected positions, its VJP scatter-adds the cotangent there (``np.bincount`` over the
same flat indices). The two average pools are linear: the JVP is the
pool of the tangent, the VJP spreads ``w / count`` back over each window
(:func:`~.kernels.col2im`, the adjoint of the window gather).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tlean.autograd.kernels import col2im, pool_counts, pool_padding, primal
from tlean.autograd.rules import Array, rule


def max_pool_argmax(a: Any, x: Array, out: tuple[int, ...]) -> Array:
    """``[N, C, OH, OW]`` flat indices (into each ``H·W`` plane) of the selected input elements."""
    n, c, h, w = x.shape
    (t, b), (lft, r) = pool_padding(a, x, out)
    kh, kw = a.kernel
    sh, sw = a.strides
    oh, ow = out[2], out[3]
    best = np.full((n, c, oh, ow), -np.inf, dtype=x.dtype)  # the running max (NaN propagates)
    idx = np.full((n, c, oh, ow), -1, dtype=np.intp)
    xp = np.pad(x, ((0, 0), (0, 0), (t, b), (lft, r)), constant_values=-np.inf)
    for i in range(kh):
        rows = np.arange(oh) * sh + i - t
        for j in range(kw):
            cols = np.arange(ow) * sw + j - lft
            inside = ((rows >= 0) & (rows < h))[:, None] & ((cols >= 0) & (cols < w))[None, :]
            v = xp[:, :, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw]
            # smax acc v returns v unless lt v acc: the first real element, then every element
            # not below the running max (ties and NaN go to the later element).
            take = inside & ((idx < 0) | ~(v < best))
            pos = (rows[:, None] * w + cols[None, :]).clip(0, h * w - 1)
            best = np.where(inside & (idx >= 0), np.maximum(best, v), np.where(take, v, best))
            idx = np.where(take, pos, idx)
    return idx


def _max_jvp(a: Any, args: list[Array], y: Array, ts: list[Array]) -> Array:
    n, c, h, w = args[0].shape
    idx = max_pool_argmax(a, args[0], tuple(y.shape)).reshape(n, c, -1)
    return np.take_along_axis(ts[0].reshape(n, c, h * w), idx, axis=2).reshape(y.shape)


def _max_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    x = args[0]
    n, c, h, w = x.shape
    idx = max_pool_argmax(a, x, tuple(y.shape)).reshape(n * c, -1)
    flat = (idx + (np.arange(n * c) * (h * w))[:, None]).ravel()
    gx = np.bincount(flat, weights=g.ravel().astype(np.float64), minlength=n * c * h * w)
    return [gx.astype(x.dtype).reshape(x.shape)]


def _linear_jvp(op: str) -> Any:
    def jvp(a: Any, args: list[Array], y: Array, ts: list[Array]) -> Array:
        return primal(op, a, [ts[0]], tuple(y.shape))

    return jvp


def _avg_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    x = args[0]
    n, c, h, w = x.shape
    (t, b), (lft, r) = pool_padding(a, x, tuple(y.shape))
    share = (g / pool_counts(a, x, tuple(y.shape))).astype(x.dtype)
    kh, kw = a.kernel
    buf = np.broadcast_to(share[:, :, None, None], (n, c, kh, kw, *share.shape[2:]))
    xp = col2im(buf, h + t + b, w + lft + r, a.strides, (1, 1))
    return [np.ascontiguousarray(xp[:, :, t : t + h, lft : lft + w])]


def _gap_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    x = args[0]
    return [np.broadcast_to(g / (x.shape[2] * x.shape[3]), x.shape).astype(x.dtype)]


rule("maxPool2d", _max_jvp, _max_vjp)
rule("avgPool2d", _linear_jvp("avgPool2d"), _avg_vjp)
rule("globalAvgPool", _linear_jvp("globalAvgPool"), _gap_vjp)
