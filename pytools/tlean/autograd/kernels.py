"""Forward kernels for the autograd passes, in float32 or float64.

In float32 every op is :func:`tlean.evaluate.apply_op` itself (the reference evaluator, unchanged).
In float64 the ops whose reference kernel is dtype-preserving NumPy (``add``, ``matmul``,
``reshape``, ``maxPool2d``, ...) still run through ``apply_op``; the ones whose reference kernel
rounds to float32 on purpose (``sigmoid``, ``softmax``, ``conv2d``, ...) have a float64 version
here with the same formula. ``tests/test_autograd_rules.py`` checks both halves: every op keeps
float64 and agrees with the float32 evaluator.

The convolution helpers :func:`im2col` and :func:`col2im` are a gather and its adjoint
scatter-add over the same (tap, output position) keys; the convolution rules use them in both
directions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from tlean import evaluate, ir

Array = np.ndarray[Any, Any]


Pair = tuple[int, int]


def im2col(xp: Array, kernel: Pair, strides: Pair, dilations: Pair, out_hw: Pair) -> Array:
    """``buf[n, c, i, j, oy, ox] = xp[n, c, oy·sh + i·dh, ox·sw + j·dw]`` (``xp`` already padded)."""
    n, c = xp.shape[:2]
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, strides, dilations, out_hw
    buf = np.empty((n, c, kh, kw, oh, ow), dtype=xp.dtype)
    for i in range(kh):
        for j in range(kw):
            buf[:, :, i, j] = xp[
                :, :, i * dh : i * dh + sh * (oh - 1) + 1 : sh, j * dw : j * dw + sw * (ow - 1) + 1 : sw
            ]
    return buf


def col2im(buf: Array, hp: int, wp: int, strides: Pair, dilations: Pair) -> Array:
    """The adjoint of :func:`im2col`: scatter-adds ``buf`` into a zero ``[n, c, hp, wp]`` canvas."""
    n, c, kh, kw, oh, ow = buf.shape
    (sh, sw), (dh, dw) = strides, dilations
    out = np.zeros((n, c, hp, wp), dtype=buf.dtype)
    for i in range(kh):
        for j in range(kw):
            # Within one tap the positions are distinct, so a sliced += is a scatter-add.
            out[:, :, i * dh : i * dh + sh * (oh - 1) + 1 : sh, j * dw : j * dw + sw * (ow - 1) + 1 : sw] += buf[
                :, :, i, j
            ]
    return out


def conv2d(a: ir.Conv2dAttrs, x: Array, w: Array, b: Array | None, out: tuple[int, ...]) -> Array:
    """``conv2d`` as im2col + one matrix product batched over groups (any float dtype)."""
    n = x.shape[0]
    m, cg, kh, kw = w.shape
    g = a.groups
    t, lft, bt, r = a.pads
    xp = np.pad(x, ((0, 0), (0, 0), (t, bt), (lft, r))) if any(a.pads) else x
    cols = im2col(xp, (kh, kw), a.strides, a.dilations, (out[2], out[3])).reshape(n, g, cg * kh * kw, -1)
    y = np.matmul(w.reshape(g, m // g, cg * kh * kw), cols).reshape(out)
    return y + b.reshape(1, m, 1, 1) if b is not None else y


def conv_transpose_canvas(a: ir.ConvTranspose2dAttrs, x: Array, w: Array, out: tuple[int, ...]) -> tuple[int, int]:
    """Height and width of the uncropped ``convTranspose2d`` canvas (holds every tap and the crop)."""
    _, _, h, wd = x.shape
    _, _, kh, kw = w.shape
    t, lft, _, _ = a.pads
    hp = max(a.strides[0] * (h - 1) + a.dilations[0] * (kh - 1) + 1, t + out[2])
    wp = max(a.strides[1] * (wd - 1) + a.dilations[1] * (kw - 1) + 1, lft + out[3])
    return hp, wp


def conv_transpose2d(a: ir.ConvTranspose2dAttrs, x: Array, w: Array, b: Array | None, out: tuple[int, ...]) -> Array:
    """``convTranspose2d``: per-group ``Wᵀx`` per tap, scatter-added by :func:`col2im`, cropped."""
    n, c, h, wd = x.shape
    _, mg, kh, kw = w.shape
    g = a.groups
    cg = c // g
    # cols[n, g, mo, ky, kx, iy, ix] = Σ_c W[g·cg + c, mo, ky, kx] · x[n, g·cg + c, iy, ix]
    wg = w.reshape(g, cg, mg * kh * kw).transpose(0, 2, 1)
    cols = np.matmul(wg, x.reshape(n, g, cg, h * wd)).reshape(n, g * mg, kh, kw, h, wd)
    hp, wp = conv_transpose_canvas(a, x, w, out)
    canvas = col2im(cols, hp, wp, a.strides, a.dilations)
    t, lft, _, _ = a.pads
    y = canvas[:, :, t : t + out[2], lft : lft + out[3]]
    return y + b.reshape(1, g * mg, 1, 1) if b is not None else np.ascontiguousarray(y)


def _sigmoid(x: Array) -> Array:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


_ERF = np.frompyfunc(math.erf, 1, 1)


def erf(x: Array) -> Array:
    """Elementwise ``erf`` in float64 (``math.erf``)."""
    return np.asarray(_ERF(x.astype(np.float64)), dtype=np.float64).reshape(x.shape)


def resize(a: ir.ResizeAttrs, x: Array) -> Array:
    t = x
    for ax in range(x.ndim):
        i0 = np.asarray(a.index0[ax], dtype=np.intp)
        if not a.weight0[ax]:
            t = np.take(t, i0, axis=ax)
            continue
        shape = [1] * t.ndim
        shape[ax] = len(i0)
        w0 = np.asarray(a.weight0[ax], dtype=x.dtype).reshape(shape)
        w1 = np.asarray(a.weight1[ax], dtype=x.dtype).reshape(shape)
        t = w0 * np.take(t, i0, axis=ax) + w1 * np.take(t, np.asarray(a.index1[ax], dtype=np.intp), axis=ax)
    return t


def embedding_rows(table: Array, idx: Array) -> tuple[Array, Array]:
    """Row numbers (0 where invalid) and the validity mask of an ``embedding`` lookup."""
    valid = (idx >= 0) & (idx < table.shape[0]) & (np.floor(idx) == idx)
    return np.where(valid, idx, 0).astype(np.intp), valid


def _embedding(table: Array, idx: Array) -> Array:
    k, valid = embedding_rows(table, idx)
    y = np.array(table[k])
    y[~valid] = np.nan
    return y


def pool_counts(a: ir.AvgPool2dAttrs, x: Array, out: tuple[int, ...]) -> Array:
    """``[OH, OW]`` divisors of ``avgPool2d`` (window taps counted as the IR's ``countIncludePad``)."""
    _, _, h, w = x.shape
    t, lft, b, r = a.pads
    kh, kw = a.kernel
    sh, sw = a.strides

    def counts(size: int, k: int, s: int, pb: int, lo: int, hi: int, n_out: int) -> Array:
        starts = np.arange(n_out) * s - pb
        return (np.minimum(starts + k, hi) - np.maximum(starts, lo)).clip(min=0).astype(x.dtype)

    if a.countIncludePad:
        ch, cw = counts(h, kh, sh, t, -t, h + b, out[2]), counts(w, kw, sw, lft, -lft, w + r, out[3])
    else:
        ch, cw = counts(h, kh, sh, t, 0, h, out[2]), counts(w, kw, sw, lft, 0, w, out[3])
    return np.outer(ch, cw)


def pool_padding(a: ir.MaxPool2dAttrs, x: Array, out: tuple[int, ...]) -> tuple[tuple[int, int], tuple[int, int]]:
    """(top, bottom) and (left, right) padding of a pooling input, ceil-mode extra included."""
    _, _, h, w = x.shape
    t, lft, b, r = a.pads
    kh, kw = a.kernel
    sh, sw = a.strides
    xh = max(0, (out[2] - 1) * sh + kh - (h + t + b))
    xw = max(0, (out[3] - 1) * sw + kw - (w + lft + r))
    return (t, b + xh), (lft, r + xw)


def _avg_pool(a: ir.AvgPool2dAttrs, x: Array, out: tuple[int, ...]) -> Array:
    (t, b), (lft, r) = pool_padding(a, x, out)
    xp = np.pad(x, ((0, 0), (0, 0), (t, b), (lft, r)))
    cols = im2col(xp, a.kernel, a.strides, (1, 1), (out[2], out[3]))
    return cols.sum(axis=(2, 3)) / pool_counts(a, x, out)


def channel_shape(x: Array) -> tuple[int, ...]:
    """``(1, C, 1, …)``: how a per-channel vector broadcasts against ``x``."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _batch_norm(a: ir.BatchNormAttrs, x: Array, sc: Array, bi: Array, mu: Array, var: Array) -> Array:
    s = channel_shape(x)
    inv = (sc / np.sqrt(var + a.epsilon)).reshape(s)
    return (x - mu.reshape(s)) * inv + bi.reshape(s)


def _layer_norm(a: ir.LayerNormAttrs, x: Array, sc: Array, bi: Array | None) -> Array:
    axes = tuple(range(a.axis, x.ndim))
    d = x - x.mean(axis=axes, keepdims=True)
    y = d / np.sqrt((d * d).mean(axis=axes, keepdims=True) + a.epsilon) * sc
    return y + bi if bi is not None else y


def _softmax(a: ir.AxisAttrs, x: Array) -> Array:
    e = np.exp(x - x.max(axis=a.axis, keepdims=True))
    return e / e.sum(axis=a.axis, keepdims=True)


def _log_softmax(a: ir.AxisAttrs, x: Array) -> Array:
    z = x - x.max(axis=a.axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=a.axis, keepdims=True))


def _clip(a: ir.ClipAttrs, x: Array) -> Array:
    y = x
    if a.lo is not None:
        y = np.maximum(y, a.lo)
    if a.hi is not None:
        y = np.minimum(y, a.hi)
    return y


def _reduce_max(a: ir.ReduceAttrs, x: Array) -> Array:
    return x.max(axis=tuple(a.axes), keepdims=a.keepDims, initial=-np.inf)


_Wide = Callable[[Any, list[Array], tuple[int, ...]], Array]

#: float64 versions of the reference kernels that round to float32 on purpose.
_WIDE: dict[str, _Wide] = {
    "sigmoid": lambda a, xs, o: _sigmoid(xs[0]),
    "erf": lambda a, xs, o: erf(xs[0]),
    "sin": lambda a, xs, o: np.sin(xs[0]),
    "cos": lambda a, xs, o: np.cos(xs[0]),
    "leakyRelu": lambda a, xs, o: np.where(xs[0] < 0, xs[0] * a.alpha, xs[0]),
    "clip": lambda a, xs, o: _clip(a, xs[0]),
    "pow": lambda a, xs, o: np.power(xs[0], a.exponent),
    "conv2d": lambda a, xs, o: conv2d(a, xs[0], xs[1], xs[2] if len(xs) > 2 else None, o),
    "convTranspose2d": lambda a, xs, o: conv_transpose2d(a, xs[0], xs[1], xs[2] if len(xs) > 2 else None, o),
    "resize": lambda a, xs, o: resize(a, xs[0]),
    "embedding": lambda a, xs, o: _embedding(xs[0], xs[1]),
    "avgPool2d": lambda a, xs, o: _avg_pool(a, xs[0], o),
    "globalAvgPool": lambda a, xs, o: xs[0].mean(axis=(2, 3), keepdims=True),
    "batchNorm": lambda a, xs, o: _batch_norm(a, *xs),
    "layerNorm": lambda a, xs, o: _layer_norm(a, xs[0], xs[1], xs[2] if len(xs) > 2 else None),
    "softmax": lambda a, xs, o: _softmax(a, xs[0]),
    "logSoftmax": lambda a, xs, o: _log_softmax(a, xs[0]),
    "reduceSum": lambda a, xs, o: xs[0].sum(axis=tuple(a.axes), keepdims=a.keepDims),
    "reduceMean": lambda a, xs, o: xs[0].mean(axis=tuple(a.axes), keepdims=a.keepDims),
    "reduceMax": lambda a, xs, o: _reduce_max(a, xs[0]),
}


def primal(op: str, attrs: Any, args: list[Array], out: tuple[int, ...]) -> Array:
    """One op's value: the reference evaluator in float32, the same formula in float64."""
    if args and args[0].dtype == np.float32:
        return np.asarray(evaluate.apply_op(op, attrs, args, out))
    wide = _WIDE.get(op)
    y = wide(attrs, args, out) if wide is not None else evaluate.apply_op(op, attrs, args, out)
    return np.asarray(y, dtype=args[0].dtype)
