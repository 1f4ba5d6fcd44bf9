"""batchNorm (an affine form with interval coefficients) and layerNorm (interval rule only)."""

from __future__ import annotations

import numpy as np

from tlean.verify.bounds.fp import Arr, add_down, add_up, down, imul, nan_to, slack_up, sub_down, sub_up, up
from tlean.verify.bounds.ops.elementwise import _recip, _scale_affine
from tlean.verify.bounds.rules import Affine, Box, Ctx, Rule, register


def _chan(v: Arr, rank: int) -> Arr:
    return v.reshape((1, -1) + (1,) * (rank - 2))


def _isqrt(lo: Arr, hi: Arr) -> tuple[Arr, Arr]:
    """Enclosure of ``1 / sqrt([lo, hi])`` (everything when ``lo <= 0``)."""
    with np.errstate(all="ignore"):
        sl = down(np.sqrt(np.maximum(lo, 0.0)))
        sh = up(np.sqrt(np.maximum(hi, 0.0)))
    return _recip(np.where(lo > 0, sl, 0.0), sh)


def _bn_coeffs(c: Ctx) -> tuple[tuple[Arr, Arr], tuple[Arr, Arr]]:
    """``y = x a + d`` with ``a = scale / sqrt(var + eps)``, ``d = bias - mean a`` (enclosures)."""
    sc, bi, mu, var = c.boxes[1:5]
    eps = float(c.attrs.epsilon)
    vl, vh = add_down(var.lo, eps), add_up(var.hi, eps)
    rl, rh = _isqrt(vl, vh)
    al, ah = imul(sc.lo, sc.hi, rl, rh)
    ml, mh = imul(mu.lo, mu.hi, al, ah)
    dl, dh = sub_down(bi.lo, mh), sub_up(bi.hi, ml)
    r = len(c.shape)
    return (_chan(al, r), _chan(ah, r)), (_chan(dl, r), _chan(dh, r))


@register("batchNorm")
class BatchNorm(Rule):
    ibp_via_affine = False

    def ibp(self, c: Ctx) -> Box:
        (al, ah), (dl, dh) = _bn_coeffs(c)
        x = c.boxes[0]
        pl, ph = imul(x.lo, x.hi, al, ah)
        return Box(nan_to(add_down(pl, dl), -np.inf), nan_to(add_up(ph, dh), np.inf))

    def affine(self, c: Ctx) -> Affine | None:
        if not c.var[0] or any(c.var[1:]):
            return None
        (al, ah), (dl, dh) = _bn_coeffs(c)
        with np.errstate(all="ignore"):
            dm = dl * 0.5 + dh * 0.5
            dr = up(np.maximum(up(dh - dm), up(dm - dl)))
        if not (np.all(np.isfinite(dm)) and np.all(np.isfinite(dr))):
            return None
        cvec = np.ascontiguousarray(np.broadcast_to(dm, c.shape), dtype=np.float64)
        crad = np.ascontiguousarray(np.broadcast_to(dr, c.shape), dtype=np.float64)
        a = _scale_affine(c, 0, np.broadcast_to(al, c.shape), np.broadcast_to(ah, c.shape), cvec, crad)
        if a is None:
            return None
        oh = a.back_onehot
        return Affine(
            back=lambda lam: a.back(lam) + [None] * 4,
            fwd=a.fwd,
            absfwd=a.absfwd,
            depth=a.depth,
            c=a.c,
            c_rad=a.c_rad,
            jrad=a.jrad,
            back_onehot=(lambda i, k: oh(i, k) + [None] * 4) if oh else None,
        )


@register("layerNorm")
class LayerNorm(Rule):
    def ibp(self, c: Ctx) -> Box:
        x = c.boxes[0]
        ax = tuple(range(c.attrs.axis, len(c.shape)))
        cnt = int(np.prod([c.shape[i] for i in ax]))
        with np.errstate(all="ignore"):
            ml = down(
                x.lo.sum(axis=ax, keepdims=True) / cnt
                - slack_up(np.abs(x.lo).sum(axis=ax, keepdims=True), cnt) * 2.0**-40
            )
            mh = up(
                x.hi.sum(axis=ax, keepdims=True) / cnt
                + slack_up(np.abs(x.hi).sum(axis=ax, keepdims=True), cnt) * 2.0**-40
            )
            dl, dh = sub_down(x.lo, mh), sub_up(x.hi, ml)
            al = np.where((dl <= 0) & (dh >= 0), 0.0, np.minimum(np.abs(dl), np.abs(dh)))
            ah = np.maximum(np.abs(dl), np.abs(dh))
            ql, qh = down(al * al), up(ah * ah)
            vl = down(ql.sum(axis=ax, keepdims=True) / cnt * (1 - 2.0**-40))
            vh = up(qh.sum(axis=ax, keepdims=True) / cnt * (1 + 2.0**-40))
            eps = float(c.attrs.epsilon)
            rl, rh = _isqrt(add_down(vl, eps), add_up(vh, eps))
            yl, yh = imul(dl, dh, rl, rh)
            sc = c.boxes[1]
            yl, yh = imul(yl, yh, sc.lo, sc.hi)
            if len(c.boxes) == 3:
                yl, yh = add_down(yl, c.boxes[2].lo), add_up(yh, c.boxes[2].hi)
        return Box(nan_to(yl, -np.inf), nan_to(yh, np.inf))
