"""linear and matmul: affine forms when the weight operand is constant, interval products otherwise."""

from __future__ import annotations

import numpy as np

from tlean.verify.bounds.fp import Arr, add_down, add_up, gamma, nan_to, sub_down
from tlean.verify.bounds.ops.common import const_mid, full, opt_rad
from tlean.verify.bounds.rules import Affine, Box, Ctx, Rule, affine_ibp, arg, mid_rad, register


def interval_matmul(a: Box, b: Box) -> Box:
    """``[a] @ [b]`` (NumPy batched matmul) in centre-radius form, rounded outward."""
    am, ar = mid_rad(a)
    bm, br = mid_rad(b)
    n = a.lo.shape[-1]
    with np.errstate(all="ignore"):
        ym = am @ bm
        yr = np.abs(am) @ br + ar @ np.abs(bm) + ar @ br
        e = gamma(n + 3) * (np.abs(am) @ np.abs(bm) + yr) + (n + 3) * 2.0**-1070
        lo = sub_down(sub_down(ym, yr), e)
        hi = add_up(add_up(ym, yr), e)
    return Box(nan_to(lo, -np.inf), nan_to(hi, np.inf))


def _weight_affine(c: Ctx, wt: Arr, wr: Arr | None, bias: Box | None, wt_2d: bool) -> Affine:
    """``y = x @ wt (+ bias)`` with ``x : [..., K]`` variable and ``wt`` constant ``[..., K, N]``."""
    out = c.shape
    k_in = wt.shape[-2]
    n_out = wt.shape[-1]
    wt = np.ascontiguousarray(wt)
    wt_t = np.ascontiguousarray(np.swapaxes(wt, -1, -2))
    wa = np.abs(wt)

    def mm(x: Arr, w: Arr) -> Arr:
        # 2-D weights: one GEMM over all leading axes (NumPy's stacked matmul is far slower)
        if w.ndim == 2:
            return (x.reshape(-1, x.shape[-1]) @ w).reshape(x.shape[:-1] + (w.shape[1],))
        return x @ w

    def back(lam: Arr) -> list[Arr | None]:
        if wt_t.ndim == 2 and lam.shape[0] > 8:
            # rows after a relu are zero on its inactive neurons: multiply only the live columns
            l2 = lam.reshape(-1, lam.shape[-1])
            live = np.flatnonzero(np.any(l2 != 0, axis=0))
            if live.size < 0.75 * l2.shape[1]:
                r = l2[:, live] @ wt_t[live]
                return [r.reshape(lam.shape[:-1] + (wt_t.shape[1],))] + [None] * (len(c.var) - 1)
        return [mm(lam, wt_t)] + [None] * (len(c.var) - 1)

    def fwd(xs: list[Arr | None]) -> Arr:
        return mm(arg(xs, 0), wt)

    def absfwd(vs: list[Arr | None]) -> Arr:
        return mm(arg(vs, 0), wa)

    onehot = None
    if wt_2d:
        in_shape = c.in_shapes[0]
        p_count = int(np.prod(out[:-1], dtype=np.int64))

        def onehot(idx: np.ndarray, coef: Arr) -> list[Arr | None]:
            p, j = np.divmod(idx, n_out)
            r = np.zeros((idx.size, p_count, k_in))
            r[np.arange(idx.size), p] = coef[:, None] * wt_t[j]
            return [r.reshape((idx.size,) + tuple(in_shape))] + [None] * (len(c.var) - 1)

    cvec = crad = None
    if bias is not None:
        cvec = full(const_mid(bias), out)
        r = opt_rad(bias)
        crad = full(r, out) if r is not None else None
    jr = None
    if wr is not None:
        wr_ = wr

        def jr(vs: list[Arr | None]) -> Arr:
            return arg(vs, 0) @ wr_

    return Affine(
        back=back, fwd=fwd, absfwd=absfwd, depth=k_in + n_out + 2, c=cvec, c_rad=crad, jrad=jr, back_onehot=onehot
    )


@register("linear")
class Linear(Rule):
    def ibp(self, c: Ctx) -> Box:
        if c.var[0] and not any(c.var[1:]):
            aff = self.affine(c)
            assert aff is not None
            return affine_ibp(aff, c)
        wt = Box(c.boxes[1].lo.T, c.boxes[1].hi.T)
        y = interval_matmul(c.boxes[0], wt)
        if len(c.boxes) == 3:
            b = c.boxes[2]
            y = Box(nan_to(add_down(y.lo, b.lo), -np.inf), nan_to(add_up(y.hi, b.hi), np.inf))
        return y

    def affine(self, c: Ctx) -> Affine | None:
        if not c.var[0] or any(c.var[1:]):
            return None
        w = c.boxes[1]
        wm = const_mid(w)
        wr = opt_rad(w)
        return _weight_affine(
            c, wm.T, wr.T if wr is not None else None, c.boxes[2] if len(c.boxes) == 3 else None, True
        )


@register("matmul")
class MatMul(Rule):
    def ibp(self, c: Ctx) -> Box:
        aff = self.affine(c)
        if aff is not None:
            return affine_ibp(aff, c)
        return interval_matmul(c.boxes[0], c.boxes[1])

    def affine(self, c: Ctx) -> Affine | None:
        out = c.shape
        if c.var[0] and not c.var[1]:
            if tuple(c.in_shapes[0][:-2]) != tuple(out[:-2]):
                return None
            b = c.boxes[1]
            wr = opt_rad(b)
            return _weight_affine(c, const_mid(b), wr, None, len(c.in_shapes[1]) == 2)
        if c.var[1] and not c.var[0]:
            if tuple(c.in_shapes[1][:-2]) != tuple(out[:-2]):
                return None
            a = c.boxes[0]
            am = const_mid(a)
            ar = opt_rad(a)
            am_t = np.swapaxes(am, -1, -2)
            aa = np.abs(am)
            k_in = am.shape[-1]

            def back(lam: Arr) -> list[Arr | None]:
                return [None, am_t @ lam]

            def fwd(xs: list[Arr | None]) -> Arr:
                return am @ arg(xs, 1)

            def absfwd(vs: list[Arr | None]) -> Arr:
                return aa @ arg(vs, 1)

            jr = None
            if ar is not None:
                ar_ = ar

                def jr(vs: list[Arr | None]) -> Arr:
                    return ar_ @ arg(vs, 1)

            return Affine(back=back, fwd=fwd, absfwd=absfwd, depth=k_in + out[-2] + 2, jrad=jr)
        return None
