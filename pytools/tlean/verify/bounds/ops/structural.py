"""Data movement (reshape, transpose, concat, slice, pad): exact gathers of the inputs."""

from __future__ import annotations

import numpy as np

from tlean.verify.bounds.ops.common import gather_affine, gather_box
from tlean.verify.bounds.rules import Affine, Box, Ctx, Rule, register


def _index(c: Ctx) -> tuple[np.ndarray, float]:
    op, a = c.node.op, c.attrs
    sizes = [int(np.prod(s, dtype=np.int64)) for s in c.in_shapes]
    base = np.arange(sizes[0], dtype=np.int64).reshape(c.in_shapes[0])
    if op == "reshape":
        return base.reshape(-1), 0.0
    if op == "transpose":
        return base.transpose(a.perm).reshape(-1), 0.0
    if op == "slice":
        idx: list[slice] = [slice(None)] * base.ndim
        for st, en, ax, sp in zip(a.starts, a.ends, a.axes, a.steps, strict=True):
            idx[ax] = slice(st, None if en < 0 else en, sp)
        return base[tuple(idx)].reshape(-1), 0.0
    if op == "pad":
        r = base.ndim
        widths = [(a.pads[i], a.pads[i + r]) for i in range(r)]
        return np.pad(base, widths, constant_values=-1).reshape(-1), float(a.value)
    if op == "concat":
        offs = np.concatenate([[0], np.cumsum(sizes)])
        parts = [np.arange(sizes[i], dtype=np.int64).reshape(s) + offs[i] for i, s in enumerate(c.in_shapes)]
        return np.concatenate(parts, axis=a.axis).reshape(-1), 0.0
    raise AssertionError(op)


@register("reshape", "transpose", "slice", "pad", "concat")
class Structural(Rule):
    ibp_via_affine = False

    def ibp(self, c: Ctx) -> Box:
        idx, fill = _index(c)
        return gather_box(c.boxes, idx, c.shape, fill)

    def affine(self, c: Ctx) -> Affine | None:
        idx, fill = _index(c)
        sizes = [int(np.prod(s, dtype=np.int64)) for s in c.in_shapes]
        consts = [None if v else b.lo for v, b in zip(c.var, c.boxes, strict=True)]
        if not all(v or b.is_point() for v, b in zip(c.var, c.boxes, strict=True)):
            return None
        aff = gather_affine(sizes, c.var, idx, c.shape, c.in_shapes, consts, fill)
        if c.node.op == "reshape":
            aff.back_onehot = lambda i, k: [k]
        return aff
