"""Derivative rules of the convolution family: ``conv2d`` and ``convTranspose2d``.

Both are bilinear in (input, weight) plus a bias: ``jvp = f(ẋ, W) + f(x, Ẇ) + ḃ`` with the
forward kernel applied to the tangents. The VJPs go through the same gather: ``conv2d`` reads
the padded input through :func:`~.kernels.im2col`, so its input cotangent is the scatter-add
:func:`~.kernels.col2im` of ``Wᵀ·w`` over the same (tap, position) keys, cropped of its padding;
``convTranspose2d`` is that scatter-add in its forward direction, so its VJP is the gather.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tlean.autograd.kernels import col2im, conv_transpose_canvas, im2col, primal
from tlean.autograd.rules import Array, rule


def _bilinear_jvp(op: str) -> Any:
    def jvp(a: Any, args: list[Array], y: Array, ts: list[Array]) -> Array:
        out = tuple(y.shape)
        d = primal(op, a, [ts[0], args[1]], out) + primal(op, a, [args[0], ts[1]], out)
        return d + ts[2].reshape(1, -1, 1, 1) if len(args) > 2 else d

    return jvp


def _conv2d_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    x, w = args[0], args[1]
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    grp = a.groups
    t, lft, bt, r = a.pads
    oh, ow = y.shape[2], y.shape[3]
    gg = g.reshape(n, grp, m // grp, oh * ow)
    wm = w.reshape(grp, m // grp, cg * kh * kw)
    res: list[Array | None] = [None, None]
    if needs[0]:
        cols = np.matmul(wm.transpose(0, 2, 1), gg).reshape(n, c, kh, kw, oh, ow)
        xp = col2im(cols, h + t + bt, wd + lft + r, a.strides, a.dilations)
        res[0] = np.ascontiguousarray(xp[:, :, t : t + h, lft : lft + wd])
    if needs[1]:
        xp = np.pad(x, ((0, 0), (0, 0), (t, bt), (lft, r))) if any(a.pads) else x
        cols = im2col(xp, (kh, kw), a.strides, a.dilations, (oh, ow)).reshape(n, grp, cg * kh * kw, oh * ow)
        gw = np.matmul(gg, cols.transpose(0, 1, 3, 2)).sum(axis=0)
        res[1] = gw.reshape(w.shape)
    if len(args) > 2:
        res.append(g.sum(axis=(0, 2, 3)) if needs[2] else None)
    return res


def _conv_t_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    x, w = args[0], args[1]
    n, c, h, wd = x.shape
    _, mg, kh, kw = w.shape
    grp = a.groups
    cg = c // grp
    t, lft, _, _ = a.pads
    hp, wp = conv_transpose_canvas(a, x, w, tuple(y.shape))
    canvas = np.zeros((n, grp * mg, hp, wp), dtype=g.dtype)
    canvas[:, :, t : t + y.shape[2], lft : lft + y.shape[3]] = g
    # gcols[n, g, (mo, ky, kx), (iy, ix)]: the gather that the forward scatter-add transposes.
    gcols = im2col(canvas, (kh, kw), a.strides, a.dilations, (h, wd)).reshape(n, grp, mg * kh * kw, h * wd)
    res: list[Array | None] = [None, None]
    if needs[0]:
        wg = w.reshape(grp, cg, mg * kh * kw)
        res[0] = np.matmul(wg, gcols).reshape(x.shape)
    if needs[1]:
        xg = x.reshape(n, grp, cg, h * wd)
        res[1] = np.matmul(xg, gcols.transpose(0, 1, 3, 2)).sum(axis=0).reshape(w.shape)
    if len(args) > 2:
        res.append(g.sum(axis=(0, 2, 3)) if needs[2] else None)
    return res


rule("conv2d", _bilinear_jvp("conv2d"), _conv2d_vjp)
rule("convTranspose2d", _bilinear_jvp("convTranspose2d"), _conv_t_vjp)
