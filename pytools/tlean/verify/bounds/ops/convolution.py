"""conv2d with a constant weight: an affine form via per-tap gathers (im2col) and scatters."""

from __future__ import annotations

import numpy as np

from tlean.verify.bounds.fp import Arr
from tlean.verify.bounds.ops.common import const_mid, full, opt_rad, tap_index
from tlean.verify.bounds.rules import Affine, Box, Ctx, NoRuleError, Rule, affine_ibp, arg, register


class ConvGeometry:
    """Gather/scatter between one image ``[C, H, W]`` and its columns ``[C, kh, kw, OH, OW]``."""

    def __init__(
        self,
        in_shape: tuple[int, ...],
        kh: int,
        kw: int,
        strides: tuple[int, int],
        dil: tuple[int, int],
        pads: tuple[int, int, int, int],
        oh: int,
        ow: int,
    ) -> None:
        _, self.c, self.h, self.w = in_shape
        self.kh, self.kw, self.oh, self.ow = kh, kw, oh, ow
        self.idx = tap_index(self.c, self.h, self.w, kh, kw, strides[0], strides[1], dil[0], dil[1], pads, oh, ow)
        self.size = self.c * self.h * self.w

    def cols(self, x: Arr, fill: float = 0.0) -> Arr:
        """``x : [B, C, H, W]`` -> ``[B, C, kh, kw, OH, OW]``."""
        b = x.shape[0]
        flat = np.concatenate([x.reshape(b, self.size), np.full((b, 1), fill)], axis=1)
        j = np.where(self.idx >= 0, self.idx, self.size)
        return flat[:, j]

    def scatter(self, cols: Arr) -> Arr:
        """The transpose of :meth:`cols`: ``[B, C, kh, kw, OH, OW]`` -> ``[B, C, H, W]`` (sums)."""
        b = cols.shape[0]
        out = np.zeros((b, self.size))
        for i in range(self.kh):
            for j in range(self.kw):
                ix = self.idx[:, i, j].reshape(-1)
                ok = ix >= 0
                out[:, ix[ok]] += cols[:, :, i, j].reshape(b, -1)[:, ok]
        return out.reshape(b, self.c, self.h, self.w)


@register("conv2d")
class Conv2d(Rule):
    def ibp(self, c: Ctx) -> Box:
        aff = self.affine(c)
        if aff is None:
            raise NoRuleError("conv2d with a non-constant weight")
        return affine_ibp(aff, c)

    def affine(self, c: Ctx) -> Affine | None:
        if not c.var[0] or any(c.var[1:]):
            return None
        a = c.attrs
        w = c.boxes[1]
        wm = const_mid(w)
        wr = opt_rad(w)
        n, _, _, _ = c.in_shapes[0]
        m, cg, kh, kw = wm.shape
        g = a.groups
        out = c.shape
        oh, ow = out[2], out[3]
        geo = ConvGeometry(c.in_shapes[0], kh, kw, a.strides, a.dilations, a.pads, oh, ow)
        wmat = wm.reshape(g, m // g, cg * kh * kw)
        wabs = np.abs(wmat)
        wrad = wr.reshape(g, m // g, cg * kh * kw) if wr is not None else None

        def apply(x: Arr, wk: Arr) -> Arr:
            s = x.shape[0]
            cols = geo.cols(x.reshape((s * n,) + tuple(c.in_shapes[0][1:])))
            cols = cols.reshape(s * n, g, cg * kh * kw, oh * ow)
            return (wk @ cols).reshape((s,) + out)

        def back(lam: Arr) -> list[Arr | None]:
            s = lam.shape[0]
            lg = lam.reshape(s * n, g, m // g, oh * ow)
            cols = np.swapaxes(wmat, -1, -2) @ lg  # [SN, g, cg*kh*kw, OH*OW]
            x = geo.scatter(cols.reshape(s * n, geo.c, kh, kw, oh, ow))
            return [x.reshape((s,) + tuple(c.in_shapes[0]))] + [None] * (len(c.var) - 1)

        cvec = crad = None
        if len(c.boxes) == 3:
            cvec = full(const_mid(c.boxes[2]).reshape(1, m, 1, 1), out)
            r = opt_rad(c.boxes[2])
            crad = full(r.reshape(1, m, 1, 1), out) if r is not None else None
        jr = None
        if wrad is not None:
            wrad_ = wrad

            def jr(vs: list[Arr | None]) -> Arr:
                return apply(arg(vs, 0), wrad_)

        return Affine(
            back=back,
            fwd=lambda xs: apply(arg(xs, 0), wmat),
            absfwd=lambda vs: apply(arg(vs, 0), wabs),
            depth=cg * kh * kw + (m // g) + kh * kw + 2,
            c=cvec,
            c_rad=crad,
            jrad=jr,
        )
