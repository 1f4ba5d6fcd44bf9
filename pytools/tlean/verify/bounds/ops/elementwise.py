"""Elementwise ops: interval rules, affine forms (add/sub/neg, mul/div by constants) and the
linear relaxations of relu, leakyRelu, sigmoid and tanh."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tlean.verify.bounds.fp import (
    ETA,
    Arr,
    add_down,
    add_up,
    down,
    gamma,
    imul,
    mul_down,
    mul_up,
    nan_to,
    sub_down,
    sub_up,
    up,
    widen,
)
from tlean.verify.bounds.ops.common import bcast_terms, const_mid, full, lift, opt_rad, unbroadcast
from tlean.verify.bounds.rules import Affine, Box, Ctx, Lines, Rule, arg, register


def _bbox(c: Ctx, i: int) -> tuple[Arr, Arr]:
    b = c.boxes[i]
    return full(b.lo, c.shape) if b.lo.shape != c.shape else b.lo, full(
        b.hi, c.shape
    ) if b.hi.shape != c.shape else b.hi


# ------------------------------------------------------------------------------ add / sub / neg


@register("add", "sub")
class AddSub(Rule):
    ibp_via_affine = False

    def ibp(self, c: Ctx) -> Box:
        al, ah = _bbox(c, 0)
        bl, bh = _bbox(c, 1)
        if self.op == "add":
            return Box(nan_to(add_down(al, bl), -np.inf), nan_to(add_up(ah, bh), np.inf))
        return Box(nan_to(sub_down(al, bh), -np.inf), nan_to(sub_up(ah, bl), np.inf))

    def affine(self, c: Ctx) -> Affine | None:
        signs = [1.0, 1.0 if self.op == "add" else -1.0]
        out, ins, var = c.shape, c.in_shapes, c.var
        cvec: Arr | None = None
        crad: Arr | None = None
        for i in range(2):
            if not var[i]:
                cm = full(signs[i] * const_mid(c.boxes[i]), out)
                cvec = cm if cvec is None else cvec + cm  # both constant never reaches here
                r = opt_rad(c.boxes[i])
                if r is not None:
                    crad = full(r, out)
        depth = 1 + max(bcast_terms(out, s) for s in ins)

        def back(lam: Arr) -> list[Arr | None]:
            return [
                unbroadcast(signs[i] * lam if signs[i] < 0 else lam, out, ins[i]) if var[i] else None for i in range(2)
            ]

        def fwd(xs: list[Arr | None]) -> Arr:
            y: Arr | None = None
            for i, x in enumerate(xs):
                if x is None:
                    continue
                t = signs[i] * lift(x, ins[i], len(out))
                y = t if y is None else y + t
            assert y is not None
            return np.broadcast_to(y, (y.shape[0],) + out)

        def absfwd(vs: list[Arr | None]) -> Arr:
            y: Arr | None = None
            for i, v in enumerate(vs):
                if v is None:
                    continue
                t = lift(v, ins[i], len(out))
                y = t if y is None else y + t
            assert y is not None
            return np.broadcast_to(y, (y.shape[0],) + out)

        onehot = None
        if all(tuple(s) == out for s, v in zip(ins, var, strict=True) if v):

            def onehot(idx: np.ndarray, coef: Arr) -> list[Arr | None]:
                return [signs[i] * coef if var[i] else None for i in range(2)]

        return Affine(back=back, fwd=fwd, absfwd=absfwd, depth=depth, c=cvec, c_rad=crad, back_onehot=onehot)


@register("neg")
class Neg(Rule):
    ibp_via_affine = False

    def ibp(self, c: Ctx) -> Box:
        return Box(-c.boxes[0].hi, -c.boxes[0].lo)

    def affine(self, c: Ctx) -> Affine | None:
        return Affine(
            back=lambda lam: [-lam],
            fwd=lambda xs: -arg(xs, 0),
            absfwd=lambda vs: arg(vs, 0),
            depth=1,
            back_onehot=lambda idx, coef: [-coef],
        )


# ------------------------------------------------------------------------------ mul / div


def _recip(lo: Arr, hi: Arr) -> tuple[Arr, Arr]:
    """Enclosure of ``1/[lo, hi]`` (everything when the interval contains 0)."""
    with np.errstate(all="ignore"):
        bad = (lo <= 0) & (hi >= 0)
        rl = np.where(bad, -np.inf, down(1.0 / hi))
        rh = np.where(bad, np.inf, up(1.0 / lo))
    return rl, rh


def _scale_affine(c: Ctx, xi: int, kl: Arr, kh: Arr, cvec: Arr | None = None, crad: Arr | None = None) -> Affine | None:
    """``y = x * k`` with ``k`` in the constant interval ``[kl, kh]`` (broadcast), ``+ cvec``."""
    out, xs = c.shape, c.in_shapes[xi]
    if tuple(xs) != out or not (np.all(np.isfinite(kl)) and np.all(np.isfinite(kh))):
        return None
    with np.errstate(all="ignore"):
        km = full(kl * 0.5 + kh * 0.5, out)
        kr = full(up(np.maximum(up(kh - kl * 0.5 - kh * 0.5), 0.0)) * 2.0, out)  # generous radius
    if not np.all(np.isfinite(km)) or not np.all(np.isfinite(kr)):
        return None
    kr_any = bool(np.any(kr > 0))
    ka = np.abs(km)

    def fwd(x: list[Arr | None]) -> Arr:
        return arg(x, 0) * km

    def absfwd(v: list[Arr | None]) -> Arr:
        return arg(v, 0) * ka

    return Affine(
        back=lambda lam: [lam * km],
        fwd=fwd,
        absfwd=absfwd,
        depth=2,
        jrad=(lambda v: arg(v, 0) * kr) if kr_any else None,
        c=cvec,
        c_rad=crad,
        back_onehot=lambda idx, coef: [coef * km.reshape(-1)[idx]],
    )


@register("mul")
class Mul(Rule):
    ibp_via_affine = False

    def ibp(self, c: Ctx) -> Box:
        al, ah = _bbox(c, 0)
        bl, bh = _bbox(c, 1)
        lo, hi = imul(al, ah, bl, bh)
        return Box(lo, hi)

    def affine(self, c: Ctx) -> Affine | None:
        if c.var[0] == c.var[1]:
            return None
        xi, ki = (0, 1) if c.var[0] else (1, 0)
        kb = c.boxes[ki]
        a = _scale_affine(c, xi, kb.lo, kb.hi)
        if a is None:
            return None
        xv = 0 if xi == 0 else 1
        return _reindex(a, xv)


def _reindex(a: Affine, pos: int) -> Affine:
    """Moves a one-input affine form's variable input to position ``pos`` of two."""
    jr, oh = a.jrad, a.back_onehot
    jr, oh = a.jrad, a.back_onehot
    if pos == 0:
        return Affine(
            back=lambda lam: [a.back(lam)[0], None],
            fwd=lambda xs: a.fwd([arg(xs, 0)]),
            absfwd=lambda vs: a.absfwd([arg(vs, 0)]),
            depth=a.depth,
            c=a.c,
            c_rad=a.c_rad,
            jrad=(lambda vs: jr([arg(vs, 0)])) if jr else None,
            back_onehot=(lambda i, k: [oh(i, k)[0], None]) if oh else None,
        )
    return Affine(
        back=lambda lam: [None, a.back(lam)[0]],
        fwd=lambda xs: a.fwd([arg(xs, 1)]),
        absfwd=lambda vs: a.absfwd([arg(vs, 1)]),
        depth=a.depth,
        c=a.c,
        c_rad=a.c_rad,
        jrad=(lambda vs: jr([arg(vs, 1)])) if jr else None,
        back_onehot=(lambda i, k: [None, oh(i, k)[0]]) if oh else None,
    )


@register("div")
class Div(Rule):
    ibp_via_affine = False

    def ibp(self, c: Ctx) -> Box:
        al, ah = _bbox(c, 0)
        bl, bh = _bbox(c, 1)
        rl, rh = _recip(bl, bh)
        lo, hi = imul(al, ah, rl, rh)
        return Box(lo, hi)

    def affine(self, c: Ctx) -> Affine | None:
        if not c.var[0] or c.var[1]:
            return None
        kb = c.boxes[1]
        rl, rh = _recip(kb.lo, kb.hi)
        a = _scale_affine(c, 0, rl, rh)
        return None if a is None else _reindex(a, 0)


@register("max", "min")
class MaxMin(Rule):
    def ibp(self, c: Ctx) -> Box:
        al, ah = _bbox(c, 0)
        bl, bh = _bbox(c, 1)
        fn = np.maximum if self.op == "max" else np.minimum
        return Box(fn(al, bl), fn(ah, bh))


# ------------------------------------------------------------------------------ monotone functions


def _mono(fn: Any, lo: Arr, hi: Arr, rng: tuple[float, float] = (-np.inf, np.inf)) -> Box:
    with np.errstate(all="ignore"):
        a = fn(lo)
        b = fn(hi)
    a, b = widen(nan_to(a, -np.inf), nan_to(b, np.inf))
    return Box(np.clip(a, rng[0], rng[1]), np.clip(b, rng[0], rng[1]))


@register("exp")
class Exp(Rule):
    def ibp(self, c: Ctx) -> Box:
        b = _mono(np.exp, c.boxes[0].lo, c.boxes[0].hi, (0.0, np.inf))
        return b


@register("log")
class Log(Rule):
    def ibp(self, c: Ctx) -> Box:
        lo, hi = c.boxes[0].lo, c.boxes[0].hi
        with np.errstate(all="ignore"):
            b = _mono(np.log, np.where(lo > 0, lo, 0.0), np.where(hi > 0, hi, 0.0))
        # Below 0 the real logarithm is undefined (NaN): no finite claim there.
        return Box(np.where(lo > 0, b.lo, -np.inf), np.where(hi > 0, b.hi, np.where(lo > 0, b.hi, np.inf)))


@register("sqrt")
class Sqrt(Rule):
    def ibp(self, c: Ctx) -> Box:
        lo, hi = c.boxes[0].lo, c.boxes[0].hi
        with np.errstate(all="ignore"):
            a = down(np.sqrt(np.maximum(lo, 0.0)))
            b = up(np.sqrt(np.maximum(hi, 0.0)))
        return Box(np.maximum(a, 0.0), nan_to(np.where(hi < 0, np.inf, b), np.inf))


@register("abs")
class Abs(Rule):
    def ibp(self, c: Ctx) -> Box:
        lo, hi = c.boxes[0].lo, c.boxes[0].hi
        m = np.maximum(np.abs(lo), np.abs(hi))
        mn = np.where((lo <= 0) & (hi >= 0), 0.0, np.minimum(np.abs(lo), np.abs(hi)))
        return Box(mn, m)


@register("clip")
class Clip(Rule):
    def ibp(self, c: Ctx) -> Box:
        a = c.attrs
        lo, hi = c.boxes[0].lo, c.boxes[0].hi
        lo2 = np.clip(lo, a.lo if a.lo is not None else -np.inf, a.hi if a.hi is not None else np.inf)
        hi2 = np.clip(hi, a.lo if a.lo is not None else -np.inf, a.hi if a.hi is not None else np.inf)
        return Box(lo2, hi2)


# ------------------------------------------------------------------------------ relu family


def _piecewise_lines(lo: Arr, hi: Arr, slope_neg: float) -> Lines:
    """Lines of ``f(z) = z (z >= 0), a z (z < 0)`` with ``a <= 1`` on ``[lo, hi]`` (flattened).

    Stable elements are exact; unstable ones get the chord ``σ (z - lo) + a lo`` from above with
    ``σ`` rounded up to a multiple of 2^-64 (the certificate checker's rule: it may only be
    tighter) and the lower line ``α z`` with the standard ``α = 1 if hi > -lo else a``."""
    lo = lo.reshape(-1)
    hi = hi.reshape(-1)
    a = slope_neg
    act = lo >= 0
    ina = hi <= 0
    unst = ~(act | ina)
    al = np.where(act, 1.0, a)
    au = al.copy()
    cl = np.zeros_like(lo)
    cu = np.zeros_like(lo)
    if np.any(unst):
        lw, u = lo[unst], hi[unst]
        with np.errstate(all="ignore"):
            d = down(u - lw)
            q = up(u / d) if a == 0.0 else up(sub_up(u, mul_down(a, lw)) / d)
            s = np.ceil(q * 2.0**64) / 2.0**64
            # line through (lw, f(lw)) with slope s >= the chord's: valid on [lw, u]; intercept f(lw) - s lw
            fl_hi = mul_up(a, lw) if a != 0.0 else np.zeros_like(lw)
            ic = up(fl_hi - mul_down(s, lw))
        au[unst] = s
        cu[unst] = ic
        al[unst] = np.where(u > -lw, 1.0, a)
    return Lines(al=al, cl=cl, au=au, cu=cu, amask=unst, amin=np.full(lo.shape, min(a, 1.0)), amax=np.ones(lo.shape))


@register("relu")
class Relu(Rule):
    def ibp(self, c: Ctx) -> Box:
        b = c.boxes[0]
        return Box(np.maximum(b.lo, 0.0), np.maximum(b.hi, 0.0))

    def lines(self, c: Ctx, box: Box) -> Lines | None:
        return _piecewise_lines(box.lo, box.hi, 0.0)


@register("leakyRelu")
class LeakyRelu(Rule):
    def ibp(self, c: Ctx) -> Box:
        a = float(c.attrs.alpha)
        lo, hi = c.boxes[0].lo, c.boxes[0].hi
        fl_lo = np.where(lo >= 0, lo, mul_down(a, lo))
        fl_hi = np.where(lo >= 0, lo, mul_up(a, lo))
        fh_lo = np.where(hi >= 0, hi, mul_down(a, hi))
        fh_hi = np.where(hi >= 0, hi, mul_up(a, hi))
        inside = (lo < 0) & (hi > 0)
        mn = np.minimum(fl_lo, fh_lo)
        mx = np.maximum(fl_hi, fh_hi)
        return Box(np.where(inside, np.minimum(mn, 0.0), mn), np.where(inside, np.maximum(mx, 0.0), mx))

    def lines(self, c: Ctx, box: Box) -> Lines | None:
        a = float(c.attrs.alpha)
        if not 0.0 <= a <= 1.0:
            return None  # not convex: no relaxation here (IBP fallback)
        return _piecewise_lines(box.lo, box.hi, a)


# ------------------------------------------------------------------------------ sigmoid / tanh


class _SShape:
    """Rigorous value/derivative enclosures and line intercepts of an S-shaped function
    (odd-symmetric around (0, mid), concave on [0, inf), convex on (-inf, 0])."""

    fmax_d: float  # the derivative's maximum (at 0)
    f0: float
    rng: tuple[float, float]

    def f(self, x: Arr) -> Arr:
        raise NotImplementedError

    def f_enc(self, x: Arr) -> tuple[Arr, Arr]:
        with np.errstate(all="ignore"):
            y = self.f(x)
        lo, hi = widen(y, y)
        return np.clip(lo, *self.rng), np.clip(hi, *self.rng)

    def d_enc(self, x: Arr) -> tuple[Arr, Arr]:
        raise NotImplementedError

    def zstar(self, s: Arr) -> Arr:
        """An approximation of the z >= 0 with f'(z) = s (any value works; accuracy = tightness)."""
        raise NotImplementedError

    def sup_gap(self, s: Arr, lo: Arr, hi: Arr) -> Arr:
        """A rigorous upper bound of ``sup_{z in [lo, hi]} f(z) - s z`` for ``s >= 0``."""
        fl_lo, fl_hi = self.f_enc(lo)
        fh_lo, fh_hi = self.f_enc(hi)
        g_l = sub_up(fl_hi, mul_down(s, lo))
        g_u = sub_up(fh_hi, mul_down(s, hi))
        best = np.maximum(g_l, g_u)
        # a zero crossing: g(0) = f(0)
        cross = (lo < 0) & (hi > 0)
        best = np.where(cross, np.maximum(best, self.f0), best)
        # on the concave part [a, hi] (a = max(lo, 0)) the max is near z*: tangent bound at t
        conc = hi > 0
        if np.any(conc):
            a = np.maximum(lo, 0.0)
            with np.errstate(all="ignore"):
                t = np.clip(np.nan_to_num(self.zstar(s), nan=0.0, posinf=0.0), a, hi)
            ft_lo, ft_hi = self.f_enc(t)
            dl, dh = self.d_enc(t)
            # f(z) - s z <= f(t) - s t + (f'(t) - s)(z - t)  for z, t in the concave part
            kl, kh = sub_down(dl, s), sub_up(dh, s)
            zl, zh = sub_down(a, t), sub_up(hi, t)
            _, ph = imul(kl, kh, zl, zh)
            bound = add_up(sub_up(ft_hi, mul_down(s, t)), ph)
            best = np.where(conc, np.maximum(best, bound), best)
        return nan_to(best, np.inf)

    def lines(self, lo: Arr, hi: Arr) -> Lines:
        lo = lo.reshape(-1).astype(np.float64)
        hi = hi.reshape(-1).astype(np.float64)
        fl, _ = self.f_enc(lo)
        fh, _ = self.f_enc(hi)
        with np.errstate(all="ignore"):
            chord = np.where(hi > lo, (fh - fl) / (hi - lo), 0.0)
            mid = lo * 0.5 + hi * 0.5
            dm = self.d_enc(mid)[0]
        chord = np.clip(nan_to(chord, 0.0), 0.0, self.fmax_d)
        dm = np.clip(nan_to(dm, 0.0), 0.0, self.fmax_d)
        # upper slope: tangent at the middle where concave, the chord where convex, else the chord
        su = np.where(lo >= 0, dm, chord)
        sl = np.where(hi <= 0, dm, chord)
        cu = self.sup_gap(su, lo, hi)
        # lower: f(z) - s z >= -sup(-f(z) + s z); -f(z) = f(-z) - 2 f0  (odd around (0, f0))
        cl = -add_up(self.sup_gap(sl, -hi, -lo), -2.0 * self.f0)
        cl = down(cl)
        ok = np.isfinite(lo) & np.isfinite(hi)
        # non-finite boxes: constant lines at the range
        sl = np.where(ok, sl, 0.0)
        su = np.where(ok, su, 0.0)
        cl = np.where(ok, cl, self.rng[0])
        cu = np.where(ok, cu, self.rng[1])
        return Lines(al=sl, cl=nan_to(cl, -np.inf), au=su, cu=cu)


class _Sigmoid(_SShape):
    fmax_d = 0.25
    f0 = 0.5
    rng = (0.0, 1.0)

    def f(self, x: Arr) -> Arr:
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def d_enc(self, x: Arr) -> tuple[Arr, Arr]:
        sl, sh = self.f_enc(x)
        return imul(sl, sh, sub_down(1.0, sh), sub_up(1.0, sl))

    def zstar(self, s: Arr) -> Arr:
        r = np.sqrt(np.clip(1.0 - 4.0 * s, 0.0, 1.0))
        p = np.clip((1.0 + r) / 2.0, 0.5, 1.0 - 1e-16)
        return np.log(p / (1.0 - p))


class _Tanh(_SShape):
    fmax_d = 1.0
    f0 = 0.0
    rng = (-1.0, 1.0)

    def f(self, x: Arr) -> Arr:
        return np.tanh(x)

    def d_enc(self, x: Arr) -> tuple[Arr, Arr]:
        tl, th = self.f_enc(x)
        al = np.where((tl <= 0) & (th >= 0), 0.0, np.minimum(np.abs(tl), np.abs(th)))
        ah = np.maximum(np.abs(tl), np.abs(th))
        ql, qh = mul_down(al, al), mul_up(ah, ah)
        return sub_down(1.0, qh), sub_up(1.0, ql)

    def zstar(self, s: Arr) -> Arr:
        return np.arctanh(np.clip(np.sqrt(np.clip(1.0 - s, 0.0, 1.0)), 0.0, 1.0 - 1e-16))


_SIG = _Sigmoid()
_TANH = _Tanh()


@register("sigmoid", "tanh")
class SShaped(Rule):
    def _fn(self) -> _SShape:
        return _SIG if self.op == "sigmoid" else _TANH

    def ibp(self, c: Ctx) -> Box:
        f = self._fn()
        lo, _ = f.f_enc(c.boxes[0].lo)
        _, hi = f.f_enc(c.boxes[0].hi)
        return Box(lo, hi)

    def lines(self, c: Ctx, box: Box) -> Lines | None:
        return self._fn().lines(box.lo, box.hi)


__all__ = ["ETA", "gamma", "math"]
