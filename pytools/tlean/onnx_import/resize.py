"""Resize and Upsample as the IR's ``resize``: coordinate modes resolved into per-axis tables.

For each axis of length ``L`` resized to ``O`` with scale ``s`` (given, or ``O/L`` from
``sizes``), the output index ``o`` maps to an input coordinate ``c(o)`` by the
``coordinate_transformation_mode``, computed in binary32 as onnxruntime does:

- ``half_pixel``: ``(o + 0.5)/s − 0.5``; ``pytorch_half_pixel``: the same when ``O > 1``, else 0;
- ``align_corners``: ``o·(L − 1)/(O − 1)`` (0 when ``O = 1``); ``asymmetric``: ``o/s``;
- ``tf_half_pixel_for_nn``: ``(o + 0.5)/s``; ``half_pixel_symmetric``: centred half_pixel.

``nearest`` rounds ``c`` by ``nearest_mode`` (``round_prefer_floor``, ``round_prefer_ceil``,
``floor``, ``ceil``; opset 10 Resize and Upsample use floor when enlarging, ceil when shrinking)
and clamps to ``[0, L − 1]``; ``linear`` clamps ``c`` to ``[0, L − 1]`` and interpolates between
``floor(c)`` and ``floor(c) + 1`` (clamped) with weights ``1 − λ`` and ``λ``. Cubic modes,
``tf_crop_and_resize``, antialiased downsampling and aspect-ratio policies are refused.
"""

from __future__ import annotations

import math

import numpy as np

from tlean.onnx_import.context import NodeCtx, Unsupported, Value
from tlean.onnx_import.registry import register

F = np.float32


def _coord(mode: str, o: int, length: int, out: int, scale: np.float32) -> np.float32:
    of = F(o)
    if mode == "half_pixel":
        return F((of + F(0.5)) / scale - F(0.5))
    if mode == "pytorch_half_pixel":
        return F((of + F(0.5)) / scale - F(0.5)) if out > 1 else F(0.0)
    if mode == "align_corners":
        return F(0.0) if out == 1 else F(of * F(length - 1) / F(out - 1))
    if mode == "asymmetric":
        return F(of / scale)
    if mode == "tf_half_pixel_for_nn":
        return F((of + F(0.5)) / scale)
    if mode == "half_pixel_symmetric":
        adj = F(F(out) / F(scale * F(length)))
        centre = F(F(length) / F(2.0))
        offset = F(centre * F(F(1.0) - adj))
        return F(offset + (of + F(0.5)) / scale - F(0.5))
    raise Unsupported(f"coordinate_transformation_mode {mode!r} is not supported")


def _nearest(c: np.float32, rounding: str, shrinking: bool) -> int:
    v = float(c)
    if rounding == "round_prefer_floor":
        i = math.ceil(v - 0.5)
    elif rounding == "round_prefer_ceil":
        i = math.floor(v + 0.5)
    elif rounding == "floor":
        i = math.floor(v)
    elif rounding == "ceil":
        i = math.ceil(v)
    elif rounding == "simple":
        i = math.ceil(v) if shrinking else math.floor(v)
    else:
        raise Unsupported(f"nearest_mode {rounding!r} is not supported")
    return i


def axis_tables(
    mode: str, coord: str, rounding: str, length: int, out: int, scale: np.float32
) -> tuple[list[int], list[int], list[float], list[float]]:
    """``(index0, index1, weight0, weight1)`` of one axis (weights empty on a nearest axis)."""
    if out < 1:
        raise Unsupported(f"resize to an empty axis (output size {out})")
    if not math.isfinite(float(scale)) or float(scale) <= 0:
        raise Unsupported(f"resize scale {float(scale)} must be positive and finite")
    if out == length and float(scale) == 1.0:  # an axis that is not resized is copied (as onnxruntime)
        return list(range(out)), [], [], []
    i0: list[int] = []
    i1: list[int] = []
    w0: list[float] = []
    w1: list[float] = []
    for o in range(out):
        c = _coord(coord, o, length, out, scale)
        if mode == "nearest":
            i0.append(min(max(_nearest(c, rounding, float(scale) < 1.0), 0), length - 1))
            continue
        if not math.isfinite(float(c)):
            raise Unsupported("resize coordinate is not finite")
        c = F(min(max(float(c), 0.0), float(length - 1)))
        lo = int(math.floor(float(c)))
        hi = min(lo + 1, length - 1)
        lam = F(c - F(lo))
        if lam == 0 or hi == lo:
            hi, lam = lo, F(0.0)
        i0.append(lo)
        i1.append(hi)
        w0.append(float(F(F(1.0) - lam)))
        w1.append(float(lam))
    if mode == "nearest":
        return i0, [], [], []
    return i0, i1, w0, w1


def _emit(ctx: NodeCtx, mode: str, coord: str, rounding: str, out_shape: list[int], scales: list[np.float32]) -> Value:
    x = ctx.input(0)
    if any(d < 1 for d in out_shape):
        raise Unsupported(f"resize to the empty shape {out_shape}")
    ctx.b.check_elements(out_shape, f"Resize {ctx.name!r}")
    if mode not in ("nearest", "linear", "bilinear"):
        raise Unsupported(f"resize mode {mode!r} is not supported (nearest and linear only)")
    mode = "linear" if mode == "bilinear" else mode
    tables = [axis_tables(mode, coord, rounding, x.shape[a], out_shape[a], scales[a]) for a in range(len(x.shape))]
    attrs = {
        "index0": [t[0] for t in tables],
        "index1": [t[1] for t in tables],
        "weight0": [t[2] for t in tables],
        "weight1": [t[3] for t in tables],
    }
    return ctx.emit("resize", [ctx.node_id(0)], attrs)


def _const_floats(ctx: NodeCtx, i: int, what: str) -> np.ndarray | None:
    v = ctx.opt_input(i)
    if v is None:
        return None
    if not v.is_const:
        raise Unsupported(f"Resize {what} must be a constant known at import time")
    arr = v.array()
    return None if arr.size == 0 else arr.ravel()


@register("Resize", [10, 11, 13, 18, 19], "structural")
def resize(ctx: NodeCtx) -> list[Value]:
    x = ctx.input(0)
    r = len(x.shape)
    mode = str(ctx.attr("mode", "nearest"))
    if ctx.opset < 11:
        coord, rounding = "asymmetric", "simple"
        scales_arr, sizes_arr = _const_floats(ctx, 1, "scales"), None
    else:
        coord = str(ctx.attr("coordinate_transformation_mode", "half_pixel"))
        rounding = str(ctx.attr("nearest_mode", "round_prefer_floor"))
        scales_arr, sizes_arr = _const_floats(ctx, 2, "scales"), _const_floats(ctx, 3, "sizes")
    if coord == "tf_crop_and_resize":
        raise Unsupported("coordinate_transformation_mode 'tf_crop_and_resize' is not supported")
    if str(ctx.attr("keep_aspect_ratio_policy", "stretch")) != "stretch":
        raise Unsupported("keep_aspect_ratio_policy other than 'stretch' is not supported")
    axes = ctx.attr("axes")
    axes_l = list(range(r)) if axes is None else [a + r if a < 0 else a for a in (int(v) for v in axes)]
    if sorted(set(axes_l)) != sorted(axes_l) or any(not 0 <= a < r for a in axes_l):
        raise Unsupported(f"Resize axes {axes} are not valid for rank {r}")
    out_shape = list(x.shape)
    scales = [F(1.0)] * r
    if sizes_arr is not None:
        if len(sizes_arr) != len(axes_l):
            raise Unsupported(f"Resize sizes {list(sizes_arr)} do not match the axes {axes_l}")
        for a, sz in zip(axes_l, sizes_arr, strict=True):
            out_shape[a] = int(sz)
            scales[a] = F(F(int(sz)) / F(x.shape[a])) if x.shape[a] else F(1.0)
    elif scales_arr is not None:
        if len(scales_arr) != len(axes_l):
            raise Unsupported(f"Resize scales {list(scales_arr)} do not match the axes {axes_l}")
        for a, sc in zip(axes_l, scales_arr, strict=True):
            scales[a] = F(sc)
            out_shape[a] = int(math.floor(float(x.shape[a]) * float(F(sc))))
    else:
        raise Unsupported("Resize needs scales or sizes")
    if int(ctx.attr("antialias", 0)) and mode != "nearest" and any(float(s) < 1.0 for s in scales):
        raise Unsupported("antialiased downsampling is not supported")
    return [_emit(ctx, mode, coord, rounding, out_shape, scales)]


@register("Upsample", [7, 9], "structural")
def upsample(ctx: NodeCtx) -> list[Value]:
    x = ctx.input(0)
    if ctx.opset < 9:
        sc = ctx.attr("scales")
        if sc is None:
            raise Unsupported("Upsample needs scales")
        scales_arr = np.asarray(sc, dtype=np.float32)
    else:
        arr = _const_floats(ctx, 1, "scales")
        if arr is None:
            raise Unsupported("Upsample needs scales")
        scales_arr = arr
    if len(scales_arr) != len(x.shape):
        raise Unsupported(f"Upsample scales {list(scales_arr)} do not match rank {len(x.shape)}")
    scales = [F(s) for s in scales_arr]
    out_shape = [int(math.floor(float(d) * float(s))) for d, s in zip(x.shape, scales, strict=True)]
    return [_emit(ctx, str(ctx.attr("mode", "nearest")), "asymmetric", "simple", out_shape, scales)]
