"""Shared decoding of convolution/pooling attributes: kernel, strides, pads, auto_pad, 1-D."""

from __future__ import annotations

from dataclasses import dataclass

from tlean.onnx_import.context import NodeCtx, Unsupported


@dataclass
class Window:
    """2-D window geometry in IR conventions (pads = top, left, bottom, right)."""

    kernel: tuple[int, int]
    strides: tuple[int, int]
    pads: tuple[int, int, int, int]
    dilations: tuple[int, int]
    one_d: bool  # the ONNX op was 1-D; it runs as 2-D with H = 1


def _same_pads(size: int, k: int, s: int, d: int, upper: bool) -> tuple[int, int]:
    out = -(-size // s)
    total = max(0, (out - 1) * s + (k - 1) * d + 1 - size)
    small = total // 2
    return (small, total - small) if upper else (total - small, small)


def decode_window(ctx: NodeCtx, spatial: tuple[int, ...], kernel: list[int] | None) -> Window:
    """Reads ``kernel_shape``/``strides``/``pads``/``dilations``/``auto_pad`` for 1-D or 2-D."""
    r = len(spatial)
    if r not in (1, 2):
        raise Unsupported(f"{r}-D {ctx.node.op_type} is outside op set v1 (1-D and 2-D only)")
    k = list(ctx.attr("kernel_shape", kernel or []))
    if len(k) != r:
        raise Unsupported(f"kernel_shape {k} does not match {r} spatial dims")
    s = list(ctx.attr("strides", [1] * r))
    d = list(ctx.attr("dilations", [1] * r))
    auto = ctx.attr("auto_pad", "NOTSET")
    if auto in ("NOTSET", ""):
        p = list(ctx.attr("pads", [0] * (2 * r)))
        begins, ends = p[:r], p[r:]
    elif auto == "VALID":
        begins, ends = [0] * r, [0] * r
    elif auto in ("SAME_UPPER", "SAME_LOWER"):
        pairs = [_same_pads(spatial[i], k[i], s[i], d[i], auto == "SAME_UPPER") for i in range(r)]
        begins, ends = [a for a, _ in pairs], [b for _, b in pairs]
    else:
        raise Unsupported(f"auto_pad {auto!r} is not supported")
    if any(x < 0 for x in begins + ends):
        raise Unsupported("negative pads are not supported")
    if any(x <= 0 for x in s + d + k):
        raise Unsupported("kernel, strides and dilations must be positive")
    if r == 1:
        return Window((1, k[0]), (1, s[0]), (0, begins[0], 0, ends[0]), (1, d[0]), True)
    return Window((k[0], k[1]), (s[0], s[1]), (begins[0], begins[1], ends[0], ends[1]), (d[0], d[1]), False)
