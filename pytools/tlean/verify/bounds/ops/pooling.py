"""Pooling: average pooling as an affine form; max pooling by its interval rule and the standard
relaxation (lower: the input with the largest lower bound; upper: the window's largest upper
bound, or exact when one input dominates the window)."""

from __future__ import annotations

import numpy as np

from tlean.verify.bounds.fp import Arr, down, gamma, mul_down, mul_up, slack_up, up
from tlean.verify.bounds.ops.convolution import ConvGeometry
from tlean.verify.bounds.rules import Affine, Box, Ctx, Rule, arg, register


def _geometry(c: Ctx) -> ConvGeometry:
    a = c.attrs
    return ConvGeometry(c.in_shapes[0], a.kernel[0], a.kernel[1], a.strides, (1, 1), a.pads, c.shape[2], c.shape[3])


def _counts(c: Ctx, geo: ConvGeometry) -> Arr:
    a = c.attrs
    t, lft, b, r = a.pads
    kh, kw = a.kernel
    sh, sw = a.strides
    _, _, h, w = c.in_shapes[0]
    lo_h, hi_h, lo_w, hi_w = (-t, h + b, -lft, w + r) if a.countIncludePad else (0, h, 0, w)
    ys = np.arange(c.shape[2])[None, :] * sh + np.arange(kh)[:, None] - t
    xs = np.arange(c.shape[3])[None, :] * sw + np.arange(kw)[:, None] - lft
    ch = ((ys >= lo_h) & (ys < hi_h)).sum(axis=0)
    cw = ((xs >= lo_w) & (xs < hi_w)).sum(axis=0)
    return np.outer(ch, cw).astype(np.float64)


def _mean_affine(c: Ctx, geo: ConvGeometry, cnt: Arr) -> Affine:
    inv = 1.0 / cnt  # one rounding: |inv - 1/cnt| <= 2^-53 inv
    inv_rad = inv * 2.0**-52
    n = c.in_shapes[0][0]
    out = c.shape
    taps = geo.kh * geo.kw

    def pool(x: Arr, k: Arr) -> Arr:
        s = x.shape[0]
        cols = geo.cols(x.reshape((s * n,) + tuple(c.in_shapes[0][1:])))
        return (cols.sum(axis=(2, 3)) * k).reshape((s,) + out)

    def back(lam: Arr) -> list[Arr | None]:
        s = lam.shape[0]
        g = (lam.reshape(s * n, out[1], out[2], out[3]) * inv)[:, :, None, None]
        cols = np.broadcast_to(g, (s * n, out[1], geo.kh, geo.kw, out[2], out[3]))
        return [geo.scatter(np.ascontiguousarray(cols)).reshape((s,) + tuple(c.in_shapes[0]))]

    return Affine(
        back=back,
        fwd=lambda xs: pool(arg(xs, 0), inv),
        absfwd=lambda vs: pool(arg(vs, 0), inv),
        depth=2 * taps + 2,
        jrad=lambda vs: pool(arg(vs, 0), inv_rad),
    )


@register("avgPool2d")
class AvgPool(Rule):
    def affine(self, c: Ctx) -> Affine | None:
        geo = _geometry(c)
        return _mean_affine(c, geo, _counts(c, geo))


@register("globalAvgPool")
class GlobalAvgPool(Rule):
    def affine(self, c: Ctx) -> Affine | None:
        _, ch, h, w = c.in_shapes[0]
        inv = 1.0 / (h * w)
        inv_rad = inv * 2.0**-52
        ins = c.in_shapes[0]

        def pool(x: Arr, k: float) -> Arr:
            return x.sum(axis=(3, 4), keepdims=True).reshape((x.shape[0],) + c.shape) * k

        def back(lam: Arr) -> list[Arr | None]:
            return [np.ascontiguousarray(np.broadcast_to(lam * inv, (lam.shape[0],) + ins))]

        return Affine(
            back=back,
            fwd=lambda xs: pool(arg(xs, 0), inv),
            absfwd=lambda vs: pool(arg(vs, 0), inv),
            depth=h * w + 2,
            jrad=lambda vs: pool(arg(vs, 0), inv_rad),
        )


@register("maxPool2d")
class MaxPool(Rule):
    def _windows(self, c: Ctx) -> tuple[np.ndarray, int]:
        """``[N*C*OH*OW, kh*kw]`` flat input positions of each window (-1: padding)."""
        geo = _geometry(c)
        n = c.in_shapes[0][0]
        idx = geo.idx  # [C, kh, kw, OH, OW]
        cc, kh, kw, oh, ow = idx.shape
        win = np.moveaxis(idx.reshape(cc, kh * kw, oh, ow), 1, -1).reshape(cc * oh * ow, kh * kw)
        per = geo.size
        allw = np.concatenate([np.where(win >= 0, win + b * per, -1) for b in range(n)], axis=0)
        return allw, n * per

    def ibp(self, c: Ctx) -> Box:
        win, size = self._windows(c)
        lo = np.append(c.boxes[0].lo.reshape(-1), -np.inf)
        hi = np.append(c.boxes[0].hi.reshape(-1), -np.inf)
        j = np.where(win >= 0, win, size)
        return Box(lo[j].max(axis=1).reshape(c.shape), hi[j].max(axis=1).reshape(c.shape))

    def _relax(self, c: Ctx) -> tuple[np.ndarray, np.ndarray, Arr]:
        win, size = self._windows(c)
        lo = np.append(c.boxes[0].lo.reshape(-1), -np.inf)
        hi = np.append(c.boxes[0].hi.reshape(-1), -np.inf)
        j = np.where(win >= 0, win, size)
        wl, wh = lo[j], hi[j]
        best = np.argmax(wl, axis=1)
        rows = np.arange(win.shape[0])
        sel = j[rows, best]
        top = wh.max(axis=1)
        others = wh.copy()
        others[rows, best] = -np.inf
        exact = lo[sel] >= others.max(axis=1)
        return sel, exact, top

    def back(self, c: Ctx, lam: Arr) -> tuple[list[Arr | None], Arr]:
        sel, exact, top = self._relax(c)
        s = lam.shape[0]
        flat = lam.reshape(s, -1)
        pos = np.maximum(flat, 0.0)
        neg = np.minimum(flat, 0.0)
        to_x = pos + np.where(exact, neg, 0.0)
        k = c.in_shapes[0]
        size = int(np.prod(k))
        out = np.zeros((s, size + 1))
        np.add.at(out, (slice(None), sel), to_x)  # type: ignore[arg-type]
        lam_x = out[:, :size]
        kmax = int(np.bincount(sel).max()) if sel.size else 1
        # δ = Σ (Λ⁻ top) over non-exact outputs, rounded down, minus the scatter's rounding
        negc = np.where(exact, 0.0, neg)
        with np.errstate(all="ignore"):
            prod = negc * np.where(np.isfinite(top), top, 0.0)
            d = prod.sum(axis=1)
            err = slack_up(np.abs(prod).sum(axis=1), flat.shape[1]) * gamma(flat.shape[1] + 1)
            err = err + slack_up(np.abs(lam_x) @ c.boxes[0].m.reshape(-1), size) * gamma(kmax + 1)
            delta = down(down(d) - up(err))
            inf_top = np.any((negc < 0) & ~np.isfinite(top), axis=1)
        delta = np.where(inf_top, -np.inf, delta)
        return [lam_x.reshape((s,) + tuple(k))], delta

    def primal(self, c: Ctx, lam: Arr, xs: list[Arr | None]) -> Arr:
        sel, exact, top = self._relax(c)
        x = arg(xs, 0)
        assert x is not None
        s = x.shape[0]
        xf = np.concatenate([x.reshape(s, -1), np.zeros((s, 1))], axis=1)
        v = xf[:, sel]
        flat = lam.reshape(s, -1)
        y = np.where((flat >= 0) | exact, v, top)
        return y.reshape((s,) + c.shape)


__all__ = ["mul_down", "mul_up"]
