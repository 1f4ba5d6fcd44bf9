"""Derivative rules of the structural family and the reductions.

``reshape``, ``transpose``, ``concat``, ``slice``, ``pad``, ``resize``, ``reduceSum`` and
``reduceMean`` are linear: the JVP is the op applied to the tangent (``pad`` pads the tangent
with 0, its constant having derivative 0); the VJP is the transpose — the inverse reshape and
permutation, a split, a scatter into zeros at the sliced positions (distinct, so a scatter-add),
a crop, a per-axis scatter-add through the resize tables, a broadcast. ``reduceMax`` is a
selection by the same fold as ``maxPool2d`` over the reduced elements in row-major order: the
last maximal element (a row holding a NaN selects its last element).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tlean.autograd.kernels import primal
from tlean.autograd.rules import Array, rule


def _linear_jvp(op: str) -> Any:
    def jvp(a: Any, args: list[Array], y: Array, ts: list[Array]) -> Array:
        return primal(op, a, ts, tuple(y.shape))

    return jvp


def _reshape_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    return [g.reshape(args[0].shape)]


def _transpose_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    return [g.transpose(np.argsort(a.perm))]


def _concat_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    cuts = np.cumsum([x.shape[a.axis] for x in args])[:-1]
    parts = np.split(g, cuts, axis=a.axis)
    return [p if n else None for p, n in zip(parts, needs, strict=True)]


def _slice_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    gx = np.zeros_like(args[0])
    idx: list[slice] = [slice(None)] * gx.ndim
    for st, en, ax, sp in zip(a.starts, a.ends, a.axes, a.steps, strict=True):
        idx[ax] = slice(st, None if en < 0 else en, sp)
    gx[tuple(idx)] += g
    return [gx]


def _pad_jvp(a: Any, args: list[Array], y: Array, ts: list[Array]) -> Array:
    r = ts[0].ndim
    return np.pad(ts[0], [(a.pads[i], a.pads[i + r]) for i in range(r)])


def _pad_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    x = args[0]
    r = x.ndim
    return [g[tuple(slice(a.pads[i], a.pads[i] + x.shape[i]) for i in range(r))]]


def _resize_matrix(a: Any, ax: int, size: int, dtype: Any) -> Array:
    """``M[o, i]``: the weight of input index ``i`` in output index ``o`` along axis ``ax``."""
    i0 = np.asarray(a.index0[ax], dtype=np.intp)
    m = np.zeros((len(i0), size), dtype=np.float64)
    rows = np.arange(len(i0))
    if not a.weight0[ax]:
        np.add.at(m, (rows, i0), 1.0)
    else:
        np.add.at(m, (rows, i0), np.asarray(a.weight0[ax], dtype=np.float64))
        np.add.at(m, (rows, np.asarray(a.index1[ax], dtype=np.intp)), np.asarray(a.weight1[ax], dtype=np.float64))
    return m.astype(dtype)


def _resize_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    x = args[0]
    t = g
    for ax in reversed(range(x.ndim)):  # the forward runs axis 0 first: the transpose runs it last
        m = _resize_matrix(a, ax, x.shape[ax], g.dtype)
        t = np.moveaxis(np.tensordot(m.T, np.moveaxis(t, ax, 0), axes=(1, 0)), 0, ax)
    return [t]


def _expand(a: Any, x: Array, g: Array) -> Array:
    """``g`` (the reduced shape) broadcast back to ``x``'s shape."""
    if not a.keepDims:
        g = np.expand_dims(g, tuple(a.axes))
    return np.broadcast_to(g, x.shape)


def _sum_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    return [_expand(a, args[0], g).copy()]


def _mean_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    n = math.prod(args[0].shape[i] for i in a.axes)
    return [(_expand(a, args[0], g) / n).astype(args[0].dtype)]


def reduce_argmax(a: Any, x: Array) -> tuple[Array, tuple[int, ...]]:
    """Per kept position, the first maximal flat index over the reduced axes; the moved shape."""
    k = len(a.axes)
    moved = np.moveaxis(x, list(a.axes), list(range(x.ndim - k, x.ndim)))
    flat = moved.reshape(*moved.shape[: x.ndim - k], -1)
    # The fold of smax (a later element wins a tie): the last maximal element; once a NaN is met
    # the running max is NaN and every later element is taken, so a row with a NaN selects its last.
    last = flat.shape[-1] - 1
    best = last - np.argmax(flat[..., ::-1], axis=-1)
    return np.where(np.isnan(flat).any(axis=-1), last, best), moved.shape


def _max_jvp(a: Any, args: list[Array], y: Array, ts: list[Array]) -> Array:
    x = args[0]
    idx, moved_shape = reduce_argmax(a, x)
    k = len(a.axes)
    tm = np.moveaxis(ts[0], list(a.axes), list(range(x.ndim - k, x.ndim))).reshape(*moved_shape[: x.ndim - k], -1)
    return np.take_along_axis(tm, idx[..., None], axis=-1)[..., 0].reshape(y.shape)


def _max_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    x = args[0]
    idx, moved_shape = reduce_argmax(a, x)
    k = len(a.axes)
    gm = np.zeros((*moved_shape[: x.ndim - k], math.prod(moved_shape[x.ndim - k :])), dtype=x.dtype)
    np.put_along_axis(gm, idx[..., None], g.reshape(idx.shape)[..., None], axis=-1)
    back = np.moveaxis(gm.reshape(moved_shape), list(range(x.ndim - k, x.ndim)), list(a.axes))
    return [np.ascontiguousarray(back)]


for _op, _vjp in (
    ("reshape", _reshape_vjp),
    ("transpose", _transpose_vjp),
    ("concat", _concat_vjp),
    ("slice", _slice_vjp),
    ("resize", _resize_vjp),
    ("reduceSum", _sum_vjp),
    ("reduceMean", _mean_vjp),
):
    rule(_op, _linear_jvp(_op), _vjp)
rule("pad", _pad_jvp, _pad_vjp)
rule("reduceMax", _max_jvp, _max_vjp)
