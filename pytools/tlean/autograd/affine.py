"""Derivative rules of the affine family: ``linear``, ``matmul``, ``embedding``.

``linear`` and ``matmul`` are bilinear: ``jvp = f(ṫx, W) + f(x, Ṫw) (+ ḃ)``, with the forward
kernel itself applied to the tangents; the VJP is the pair of transposed products. ``embedding`` is
a gather of table rows: its VJP scatter-adds the cotangent rows into the table (``np.add.at``
over the same row numbers); the row numbers themselves get derivative 0 (piecewise constant), and
a NaN row (invalid id) is a constant.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tlean.autograd.kernels import embedding_rows
from tlean.autograd.rules import Array, rule, unbroadcast


def _linear_jvp(a: Any, args: list[Array], y: Array, ts: list[Array]) -> Array:
    x, w = args[0], args[1]
    out = np.matmul(ts[0], w.T) + np.matmul(x, ts[1].T)
    return out + ts[2] if len(args) > 2 else out


def _linear_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    x, w = args[0], args[1]
    g2 = g.reshape(-1, g.shape[-1])
    res: list[Array | None] = [
        np.matmul(g, w) if needs[0] else None,
        np.matmul(g2.T, x.reshape(-1, x.shape[-1])) if needs[1] else None,
    ]
    if len(args) > 2:
        res.append(g2.sum(axis=0) if needs[2] else None)
    return res


def _matmul_jvp(a: Any, args: list[Array], y: Array, ts: list[Array]) -> Array:
    return np.matmul(ts[0], args[1]) + np.matmul(args[0], ts[1])


def _matmul_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    x, w = args
    return [
        unbroadcast(np.matmul(g, np.swapaxes(w, -1, -2)), x.shape) if needs[0] else None,
        unbroadcast(np.matmul(np.swapaxes(x, -1, -2), g), w.shape) if needs[1] else None,
    ]


def _embedding_jvp(a: Any, args: list[Array], y: Array, ts: list[Array]) -> Array:
    k, valid = embedding_rows(args[0], args[1])
    out = np.array(ts[0][k])
    out[~valid] = 0
    return out


def _embedding_vjp(a: Any, args: list[Array], y: Array, g: Array, needs: list[bool]) -> list[Array | None]:
    table, idx = args
    gt = None
    if needs[0]:
        k, valid = embedding_rows(table, idx)
        rows = g.reshape((-1, *table.shape[1:]))[valid.ravel()]
        gt = np.zeros_like(table)
        np.add.at(gt, k.ravel()[valid.ravel()], rows)
    return [gt, np.zeros_like(idx) if needs[1] else None]


rule("linear", _linear_jvp, _linear_vjp)
rule("matmul", _matmul_jvp, _matmul_vjp)
rule("embedding", _embedding_jvp, _embedding_vjp)
