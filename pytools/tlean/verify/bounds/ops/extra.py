"""Interval rules of the ops added after op set v1's first release: erf, sin, cos, sign, floor,
ceil, round, pow, where, resize, embedding, convTranspose2d (``where`` and ``convTranspose2d``
also as affine forms)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tlean.verify.bounds.fp import Arr, add_down, add_up, imul, nan_to, widen
from tlean.verify.bounds.ops.common import bcast_terms, full, lift, unbroadcast
from tlean.verify.bounds.ops.convolution import ConvGeometry
from tlean.verify.bounds.rules import Affine, Box, Ctx, NoRuleError, Rule, affine_ibp, arg, register

_erf = np.frompyfunc(math.erf, 1, 1)


def _enc(fn: Any, lo: Arr, hi: Arr, rng: tuple[float, float]) -> Box:
    with np.errstate(all="ignore"):
        a = np.asarray(fn(lo), dtype=np.float64)
        b = np.asarray(fn(hi), dtype=np.float64)
    a, b = widen(nan_to(a, -np.inf), nan_to(b, np.inf))
    return Box(np.clip(a, *rng), np.clip(b, *rng))


@register("erf")
class Erf(Rule):
    def ibp(self, c: Ctx) -> Box:
        return _enc(_erf, c.boxes[0].lo, c.boxes[0].hi, (-1.0, 1.0))


@register("sin", "cos")
class Trig(Rule):
    def ibp(self, c: Ctx) -> Box:
        lo, hi = c.boxes[0].lo, c.boxes[0].hi
        fn = np.sin if self.op == "sin" else np.cos
        ph = math.pi / 2 if self.op == "sin" else 0.0  # position of a maximum
        with np.errstate(all="ignore"):
            a, b = fn(lo), fn(hi)
        mn, mx = widen(np.minimum(a, b), np.maximum(a, b))
        slack = 1e-9 + 1e-12 * np.maximum(np.abs(lo), np.abs(hi))
        two = 2 * math.pi

        def contains(p: float) -> Any:
            k = np.ceil((lo - slack - p) / two)
            return (k * two + p <= hi + slack) | ~np.isfinite(k)

        big = ~np.isfinite(lo) | ~np.isfinite(hi) | (hi - lo >= two)
        mx = np.where(big | contains(ph), 1.0, np.minimum(mx, 1.0))
        mn = np.where(big | contains(ph + math.pi), -1.0, np.maximum(mn, -1.0))
        return Box(mn, mx)


@register("sign", "floor", "ceil", "round")
class Step(Rule):
    def ibp(self, c: Ctx) -> Box:
        fn: Any = {"sign": np.sign, "floor": np.floor, "ceil": np.ceil, "round": np.round}[self.op]
        return Box(fn(c.boxes[0].lo), fn(c.boxes[0].hi))  # monotone, exact on floats


@register("pow")
class Pow(Rule):
    def ibp(self, c: Ctx) -> Box:
        e = float(c.attrs.exponent)
        lo, hi = c.boxes[0].lo, c.boxes[0].hi
        if e == 0.0:
            return Box(np.ones_like(lo), np.ones_like(hi))
        with np.errstate(all="ignore"):
            pl, ph = np.power(lo, e), np.power(hi, e)
            if float(e).is_integer():
                if e > 0 and int(e) % 2 == 0:
                    a = np.where((lo <= 0) & (hi >= 0), 0.0, np.minimum(np.abs(lo), np.abs(hi)))
                    m = np.maximum(np.abs(lo), np.abs(hi))
                    r = widen(np.power(a, e), np.power(m, e))
                    return Box(np.maximum(r[0], 0.0), nan_to(r[1], np.inf))
                zero = (lo <= 0) & (hi >= 0)
                r = widen(np.minimum(pl, ph), np.maximum(pl, ph))
                return Box(
                    np.where(zero & (e < 0), -np.inf, nan_to(r[0], -np.inf)),
                    np.where(zero & (e < 0), np.inf, nan_to(r[1], np.inf)),
                )
            # non-integer exponent: defined for x >= 0 (x < 0 gives NaN: no claim)
            neg = lo < 0
            r = widen(np.minimum(pl, ph), np.maximum(pl, ph))
        return Box(np.where(neg, -np.inf, nan_to(r[0], -np.inf)), np.where(neg, np.inf, nan_to(r[1], np.inf)))


@register("where")
class Where(Rule):
    ibp_via_affine = False

    def ibp(self, c: Ctx) -> Box:
        m = c.boxes[0].lo > 0
        return Box(np.where(m, c.boxes[1].lo, c.boxes[2].lo), np.where(m, c.boxes[1].hi, c.boxes[2].hi))

    def affine(self, c: Ctx) -> Affine | None:
        if c.var[0]:
            return None
        out = c.shape
        mask = full((c.boxes[0].lo > 0).astype(np.float64), out)
        sel: list[Arr] = [mask, mask, 1.0 - mask]
        cvec = np.zeros(out)
        for i in (1, 2):
            if not c.var[i]:
                if not c.boxes[i].is_point():
                    return None
                cvec = cvec + full(c.boxes[i].lo, out) * sel[i]
        ins = c.in_shapes

        def back(lam: Arr) -> list[Arr | None]:
            return [None] + [unbroadcast(lam * sel[i], out, ins[i]) if c.var[i] else None for i in (1, 2)]

        def fwd(xs: list[Arr | None]) -> Arr:
            y = np.zeros((next(x for x in xs if x is not None).shape[0],) + out)
            for i in (1, 2):
                x = xs[i]
                if x is not None:
                    y = y + lift(x, ins[i], len(out)) * sel[i]
            return y

        return Affine(
            back=back,
            fwd=fwd,
            absfwd=fwd,
            depth=1 + max(bcast_terms(out, s) for s in ins[1:]),
            c=cvec if np.any(cvec) else None,
        )


@register("resize")
class Resize(Rule):
    def ibp(self, c: Ctx) -> Box:
        a = c.attrs
        lo, hi = c.boxes[0].lo, c.boxes[0].hi
        for ax in range(lo.ndim):
            i0 = np.asarray(a.index0[ax], dtype=np.intp)
            if not a.weight0[ax]:
                lo, hi = np.take(lo, i0, axis=ax), np.take(hi, i0, axis=ax)
                continue
            i1 = np.asarray(a.index1[ax], dtype=np.intp)
            shape = [1] * lo.ndim
            shape[ax] = len(i0)
            w0 = np.asarray(a.weight0[ax], dtype=np.float64).reshape(shape)
            w1 = np.asarray(a.weight1[ax], dtype=np.float64).reshape(shape)
            p0 = imul(w0, w0, np.take(lo, i0, axis=ax), np.take(hi, i0, axis=ax))
            p1 = imul(w1, w1, np.take(lo, i1, axis=ax), np.take(hi, i1, axis=ax))
            lo, hi = add_down(p0[0], p1[0]), add_up(p0[1], p1[1])
        return Box(nan_to(lo, -np.inf), nan_to(hi, np.inf))


@register("embedding")
class Embedding(Rule):
    def ibp(self, c: Ctx) -> Box:
        tab = c.boxes[0]
        idx = c.boxes[1]
        v = tab.lo.shape[0]
        lo_i, hi_i = idx.lo.reshape(-1), idx.hi.reshape(-1)
        exact = (lo_i == hi_i) & (np.floor(lo_i) == lo_i) & (lo_i >= 0) & (lo_i < v)
        k = np.where(exact, lo_i, 0).astype(np.intp)
        row = tab.lo[0].shape
        lo = tab.lo[k].copy()
        hi = tab.hi[k].copy()
        lo[~exact] = -np.inf  # a non-integer id is in the box: NaN rows, no finite claim
        hi[~exact] = np.inf
        return Box(lo.reshape(c.shape), hi.reshape(c.shape)) if row is not None else Box(lo, hi)


@register("convTranspose2d")
class ConvTranspose(Rule):
    def ibp(self, c: Ctx) -> Box:
        aff = self.affine(c)
        if aff is None:
            raise NoRuleError("convTranspose2d with a non-constant weight or groups > 1")
        return affine_ibp(aff, c)

    def affine(self, c: Ctx) -> Affine | None:
        a = c.attrs
        if not c.var[0] or any(c.var[1:]) or a.groups != 1 or not c.boxes[1].is_point():
            return None
        w = c.boxes[1].lo  # [C, M, kh, kw]
        cin, m, kh, kw = w.shape
        n, _, h, wd = c.in_shapes[0]
        out = c.shape
        # y is the adjoint of a convolution reading y-images: tap (ky, kx) of input pixel (iy, ix)
        # lands at (iy*sh + ky*dh - top, ix*sw + kx*dw - left).
        geo = ConvGeometry((n, m, out[2], out[3]), kh, kw, a.strides, a.dilations, a.pads, h, wd)
        wm = np.transpose(w, (1, 2, 3, 0)).reshape(m * kh * kw, cin)  # [(m,ky,kx), c]
        wa = np.abs(wm)

        def apply(x: Arr, k: Arr) -> Arr:
            s = x.shape[0]
            xs = x.reshape(s * n, cin, h * wd)
            cols = (k @ xs).reshape(s * n, m, kh, kw, h, wd)
            return geo.scatter(cols).reshape((s,) + out)

        def back(lam: Arr) -> list[Arr | None]:
            s = lam.shape[0]
            cols = geo.cols(lam.reshape((s * n, m, out[2], out[3]))).reshape(s * n, m * kh * kw, h * wd)
            return [(wm.T @ cols).reshape((s,) + tuple(c.in_shapes[0]))] + [None] * (len(c.var) - 1)

        cvec = None
        if len(c.boxes) == 3:
            if not c.boxes[2].is_point():
                return None
            cvec = full(c.boxes[2].lo.reshape(1, m, 1, 1), out)
        return Affine(
            back=back,
            fwd=lambda xs: apply(arg(xs, 0), wm),
            absfwd=lambda vs: apply(arg(vs, 0), wa),
            depth=cin + m * kh * kw + kh * kw + 2,
            c=cvec,
        )
