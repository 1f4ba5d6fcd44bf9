"""reduceSum / reduceMean (affine forms) and reduceMax (interval rule)."""

from __future__ import annotations

import numpy as np

from tlean.verify.bounds.fp import Arr
from tlean.verify.bounds.rules import Affine, Box, Ctx, Rule, arg, register


@register("reduceSum", "reduceMean")
class ReduceLinear(Rule):
    def affine(self, c: Ctx) -> Affine | None:
        a = c.attrs
        ins = c.in_shapes[0]
        cnt = int(np.prod([ins[i] for i in a.axes]))
        mean = self.op == "reduceMean"
        k = 1.0 / cnt if mean else 1.0
        k_rad = k * 2.0**-52 if mean else 0.0
        axes = tuple(1 + i for i in a.axes)
        keep = tuple(1 if i in a.axes else d for i, d in enumerate(ins))

        def red(x: Arr, kk: float) -> Arr:
            return x.sum(axis=axes).reshape((x.shape[0],) + c.shape) * kk

        def back(lam: Arr) -> list[Arr | None]:
            s = lam.shape[0]
            return [np.ascontiguousarray(np.broadcast_to(lam.reshape((s,) + keep) * k, (s,) + ins))]

        return Affine(
            back=back,
            fwd=lambda xs: red(arg(xs, 0), k),
            absfwd=lambda vs: red(arg(vs, 0), k),
            depth=cnt + 2,
            jrad=(lambda vs: red(arg(vs, 0), k_rad)) if mean else None,
        )


@register("reduceMax")
class ReduceMax(Rule):
    def ibp(self, c: Ctx) -> Box:
        a = c.attrs
        b = c.boxes[0]
        ax = tuple(a.axes)
        return Box(
            b.lo.max(axis=ax, keepdims=a.keepDims).reshape(c.shape),
            b.hi.max(axis=ax, keepdims=a.keepDims).reshape(c.shape),
        )
