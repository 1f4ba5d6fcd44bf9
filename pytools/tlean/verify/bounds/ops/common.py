"""Shared array plumbing of the rules: broadcasting with a leading row axis, gathers, taps."""

from __future__ import annotations

import math

import numpy as np

from tlean.verify.bounds.fp import Arr
from tlean.verify.bounds.rules import Affine, Box


def lift(x: Arr, in_shape: tuple[int, ...], out_rank: int) -> Arr:
    """``x : [S, *in_shape]`` reshaped to rank ``1 + out_rank`` (NumPy right alignment)."""
    return x.reshape((x.shape[0],) + (1,) * (out_rank - len(in_shape)) + tuple(in_shape))


def unbroadcast(lam: Arr, out_shape: tuple[int, ...], in_shape: tuple[int, ...]) -> Arr:
    """The transpose of broadcasting ``in_shape`` to ``out_shape`` on rows ``lam : [S, *out]``."""
    if tuple(in_shape) == tuple(out_shape):
        return lam
    pad = (1,) * (len(out_shape) - len(in_shape)) + tuple(in_shape)
    axes = tuple(1 + i for i, (a, b) in enumerate(zip(pad, out_shape, strict=True)) if a == 1 and b != 1)
    r = lam.sum(axis=axes, keepdims=True) if axes else lam
    return r.reshape((lam.shape[0],) + tuple(in_shape))


def bcast_terms(out_shape: tuple[int, ...], in_shape: tuple[int, ...]) -> int:
    """How many output elements one input element is broadcast to (terms of a transposed sum)."""
    return max(1, math.prod(out_shape) // max(1, math.prod(in_shape)))


def full(c: Arr, shape: tuple[int, ...]) -> Arr:
    return np.ascontiguousarray(np.broadcast_to(c, shape), dtype=np.float64)


def opt_rad(box: Box) -> Arr | None:
    """The radius array of a constant's enclosure, ``None`` when it is a point."""
    if box.is_point():
        return None
    from tlean.verify.bounds.rules import mid_rad

    return mid_rad(box)[1]


def const_mid(box: Box) -> Arr:
    if box.is_point():
        return box.lo
    from tlean.verify.bounds.rules import mid_rad

    return mid_rad(box)[0]


# ------------------------------------------------------------------------------------ gathers


def gather_affine(
    sizes: list[int],
    var: list[bool],
    idx: np.ndarray,
    out_shape: tuple[int, ...],
    in_shapes: list[tuple[int, ...]],
    consts: list[Arr | None],
    fill: float = 0.0,
) -> Affine:
    """``y.flat[j] = X[idx[j]]`` where ``X`` is the inputs flattened and concatenated (``-1``:
    the constant ``fill``). ``idx`` must be injective on its non-negative entries (data movement)."""
    offs = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    n_out = idx.size
    valid = idx >= 0
    owner = np.searchsorted(offs, np.where(valid, idx, 0), side="right") - 1
    cvec = np.zeros(n_out)
    if fill != 0.0:
        cvec[~valid] = fill
    has_const = fill != 0.0
    var_pos: list[tuple[np.ndarray, np.ndarray]] = []  # per input: (out positions, local positions)
    for i in range(len(sizes)):
        sel = np.nonzero(valid & (owner == i))[0]
        local = idx[sel] - offs[i]
        var_pos.append((sel, local))
        if not var[i]:
            cv = consts[i]
            assert cv is not None
            cvec[sel] = cv.reshape(-1)[local]
            has_const = has_const or bool(sel.size)

    def back(lam: Arr) -> list[Arr | None]:
        s = lam.shape[0]
        flat = lam.reshape(s, n_out)
        res: list[Arr | None] = []
        for i in range(len(sizes)):
            if not var[i]:
                res.append(None)
                continue
            sel, local = var_pos[i]
            r = np.zeros((s, sizes[i]))
            r[:, local] = flat[:, sel]
            res.append(r.reshape((s,) + in_shapes[i]))
        return res

    def fwd(xs: list[Arr | None]) -> Arr:
        s = next(x.shape[0] for x in xs if x is not None)
        y = np.zeros((s, n_out))
        for i, x in enumerate(xs):
            if x is None:
                continue
            sel, local = var_pos[i]
            y[:, sel] = x.reshape(s, -1)[:, local]
        return y.reshape((s,) + out_shape)

    return Affine(
        back=back,
        fwd=fwd,
        absfwd=fwd,
        depth=1,
        c=cvec.reshape(out_shape) if has_const else None,
    )


def gather_box(boxes: list[Box], idx: np.ndarray, out_shape: tuple[int, ...], fill: float = 0.0) -> Box:
    """Exact interval image of a data-movement op."""
    lo = np.concatenate([b.lo.reshape(-1) for b in boxes] + [np.array([fill])])
    hi = np.concatenate([b.hi.reshape(-1) for b in boxes] + [np.array([fill])])
    j = np.where(idx >= 0, idx, lo.size - 1)
    return Box(lo[j].reshape(out_shape), hi[j].reshape(out_shape))


# ------------------------------------------------------------------------------------ window taps


def tap_index(
    c: int,
    h: int,
    w: int,
    kh: int,
    kw: int,
    sh: int,
    sw: int,
    dh: int,
    dw: int,
    pads: tuple[int, int, int, int],
    oh: int,
    ow: int,
) -> np.ndarray:
    """``[C, kh, kw, OH, OW]`` flat positions (within one image ``[C, H, W]``) read by each
    kernel tap at each output position; ``-1`` where the tap falls in the padding."""
    t, lft = pads[0], pads[1]
    ys = np.arange(oh)[None, :] * sh + np.arange(kh)[:, None] * dh - t  # [kh, OH]
    xs = np.arange(ow)[None, :] * sw + np.arange(kw)[:, None] * dw - lft  # [kw, OW]
    yv = (ys >= 0) & (ys < h)
    xv = (xs >= 0) & (xs < w)
    pos = ys[:, None, :, None] * w + xs[None, :, None, :]  # [kh, kw, OH, OW]
    ok = yv[:, None, :, None] & xv[None, :, None, :]
    base = (np.arange(c) * h * w)[:, None, None, None, None]
    return np.where(ok[None], base + pos[None], -1)
