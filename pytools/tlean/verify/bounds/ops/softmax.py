"""softmax and logSoftmax: interval rules (no relaxation: IBP fallback in CROWN)."""

from __future__ import annotations

import numpy as np

from tlean.verify.bounds.fp import Arr, add_down, add_up, down, nan_to, slack_up, sub_down, sub_up, up, widen
from tlean.verify.bounds.rules import Box, Ctx, Rule, register


def _exp_enc(x: Arr) -> tuple[Arr, Arr]:
    with np.errstate(all="ignore"):
        y = np.exp(x)
    return widen(y, y)


@register("softmax")
class Softmax(Rule):
    def ibp(self, c: Ctx) -> Box:
        ax = c.attrs.axis
        lo, hi = c.boxes[0].lo, c.boxes[0].hi
        n = lo.shape[ax]
        with np.errstate(all="ignore"):
            m = np.max(hi, axis=ax, keepdims=True)
            m = np.where(np.isfinite(m), m, 0.0)
            el_lo = np.maximum(_exp_enc(sub_down(lo, m))[0], 0.0)
            el_hi = _exp_enc(sub_up(lo, m))[1]
            eh_lo = np.maximum(_exp_enc(sub_down(hi, m))[0], 0.0)
            eh_hi = _exp_enc(sub_up(hi, m))[1]
            tot_hi = slack_up(eh_hi.sum(axis=ax, keepdims=True), n)
            tot_lo = down(el_lo.sum(axis=ax, keepdims=True) * (1.0 - 2.0**-40))
            oth_hi = up(tot_hi - eh_lo)  # Σ_{j≠i} exp(hi_j - m) <= ...
            oth_lo = np.maximum(down(tot_lo - el_hi), 0.0)
            y_lo = down(el_lo / add_up(el_lo, oth_hi))
            y_hi = up(eh_hi / add_down(eh_hi, oth_lo))
        return Box(np.clip(nan_to(y_lo, 0.0), 0.0, 1.0), np.clip(nan_to(y_hi, 1.0), 0.0, 1.0))


@register("logSoftmax")
class LogSoftmax(Rule):
    def ibp(self, c: Ctx) -> Box:
        ax = c.attrs.axis
        lo, hi = c.boxes[0].lo, c.boxes[0].hi
        n = lo.shape[ax]
        with np.errstate(all="ignore"):
            mh = np.max(hi, axis=ax, keepdims=True)
            ml = np.max(lo, axis=ax, keepdims=True)
            _, eh = _exp_enc(sub_up(hi, mh))
            el, _ = _exp_enc(sub_down(lo, ml))
            lse_hi = add_up(mh, widen(*(np.log(slack_up(eh.sum(axis=ax, keepdims=True), n)),) * 2)[1])
            lse_lo = add_down(ml, widen(*(np.log(down(el.sum(axis=ax, keepdims=True) * (1.0 - 2.0**-40))),) * 2)[0])
            y_lo = sub_down(lo, lse_hi)
            y_hi = np.minimum(sub_up(hi, lse_lo), 0.0)
        return Box(nan_to(y_lo, -np.inf), nan_to(y_hi, 0.0))
