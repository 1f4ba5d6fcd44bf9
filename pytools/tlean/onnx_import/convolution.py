"""Convolution: Conv and ConvTranspose (2-D directly, 1-D through a reshape to H = 1)."""

from __future__ import annotations

from tlean.onnx_import.context import NodeCtx, Unsupported, Value
from tlean.onnx_import.registry import register
from tlean.onnx_import.spatial import decode_window


@register("Conv", [1, 11, 22], "convolution")
def conv(ctx: NodeCtx) -> list[Value]:
    x, w = ctx.input(0), ctx.input(1)
    if len(x.shape) not in (3, 4) or len(w.shape) != len(x.shape):
        raise Unsupported(f"Conv input {list(x.shape)} / weight {list(w.shape)}: only 1-D and 2-D")
    win = decode_window(ctx, x.shape[2:], list(w.shape[2:]))
    xid, wid = ctx.node_id(0), ctx.node_id(1)
    if win.one_d:
        n, c, length = x.shape
        xid = ctx.reshape(xid, (n, c, 1, length), name=f"{ctx.name}/x2d")
        wid = ctx.reshape(wid, (w.shape[0], w.shape[1], 1, w.shape[2]), name=f"{ctx.name}/w2d")
    args = [xid, wid]
    if ctx.opt_input(2) is not None:
        args.append(ctx.node_id(2))
    attrs = {
        "strides": win.strides,
        "pads": win.pads,
        "dilations": win.dilations,
        "groups": int(ctx.attr("group", 1)),
    }
    y = ctx.emit("conv2d", args, attrs, name=f"{ctx.name}/2d" if win.one_d else None)
    if not win.one_d:
        return [y]
    assert y.node is not None
    n, m, _, ow = y.shape
    return [Value(shape=(n, m, ow), node=ctx.reshape(y.node, (n, m, ow), name=ctx.name))]


def _transpose_pads(
    ctx: NodeCtx, spatial: tuple[int, ...], k: list[int], s: list[int], d: list[int], op: list[int]
) -> tuple[list[int], list[int]]:
    """Explicit (begin, end) pads of a ConvTranspose, from ``pads``, ``auto_pad`` or ``output_shape``."""
    r = len(spatial)
    auto = ctx.attr("auto_pad", "NOTSET") or "NOTSET"
    out_shape = ctx.attr("output_shape")
    if auto not in ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"):
        raise Unsupported(f"auto_pad {auto!r} is not supported")
    if out_shape is None and auto in ("NOTSET", "VALID"):
        p = list(ctx.attr("pads", [0] * (2 * r))) if auto == "NOTSET" else [0] * (2 * r)
        if len(p) != 2 * r:
            raise Unsupported(f"pads {p} do not match {r} spatial dims")
        return p[:r], p[r:]
    if out_shape is not None:
        target = [int(v) for v in out_shape][-r:]
        if len(target) != r:
            raise Unsupported(f"output_shape {list(out_shape)} does not match {r} spatial dims")
    else:
        target = [spatial[i] * s[i] for i in range(r)]
    begins, ends = [], []
    for i in range(r):
        total = s[i] * (spatial[i] - 1) + op[i] + (k[i] - 1) * d[i] + 1 - target[i]
        if total < 0:
            raise Unsupported(f"output_shape {target} is larger than the full transposed convolution")
        small, big = total // 2, total - total // 2
        begins.append(small if auto == "SAME_UPPER" else big)
        ends.append(big if auto == "SAME_UPPER" else small)
    return begins, ends


@register("ConvTranspose", [1, 11, 22], "convolution")
def conv_transpose(ctx: NodeCtx) -> list[Value]:
    """ConvTranspose (2-D directly, 1-D through a reshape to H = 1) as ``convTranspose2d``."""
    x, w = ctx.input(0), ctx.input(1)
    if len(x.shape) not in (3, 4) or len(w.shape) != len(x.shape):
        raise Unsupported(f"ConvTranspose input {list(x.shape)} / weight {list(w.shape)}: only 1-D and 2-D")
    r = len(x.shape) - 2
    spatial = tuple(x.shape[2:])
    k = [int(v) for v in ctx.attr("kernel_shape", list(w.shape[2:]))]
    if k != list(w.shape[2:]):
        raise Unsupported(f"kernel_shape {k} differs from the weight's {list(w.shape[2:])}")
    s = [int(v) for v in ctx.attr("strides", [1] * r)]
    d = [int(v) for v in ctx.attr("dilations", [1] * r)]
    op = [int(v) for v in ctx.attr("output_padding", [0] * r)]
    if not (len(s) == len(d) == len(op) == r):
        raise Unsupported("strides, dilations and output_padding must have one entry per spatial dim")
    if any(v <= 0 for v in s + d):
        raise Unsupported("strides and dilations must be positive")
    begins, ends = _transpose_pads(ctx, spatial, k, s, d, op)
    if any(v < 0 for v in begins + ends + op):
        raise Unsupported("negative pads or output_padding are not supported")
    xid, wid = ctx.node_id(0), ctx.node_id(1)
    if r == 1:
        n, c, length = x.shape
        xid = ctx.reshape(xid, (n, c, 1, length), name=f"{ctx.name}/x2d")
        wid = ctx.reshape(wid, (w.shape[0], w.shape[1], 1, w.shape[2]), name=f"{ctx.name}/w2d")
        s, d, op = [1, *s], [1, *d], [0, *op]
        pads = [0, begins[0], 0, ends[0]]
    else:
        pads = [begins[0], begins[1], ends[0], ends[1]]
    args = [xid, wid]
    if ctx.opt_input(2) is not None:
        args.append(ctx.node_id(2))
    attrs = {"strides": s, "pads": pads, "outputPadding": op, "dilations": d, "groups": int(ctx.attr("group", 1))}
    try:
        y = ctx.emit("convTranspose2d", args, attrs, name=f"{ctx.name}/2d" if r == 1 else None)
    except ValueError as e:
        raise Unsupported(str(e)) from None
    if r == 2:
        return [y]
    assert y.node is not None
    n, m, _, ow = y.shape
    return [Value(shape=(n, m, ow), node=ctx.reshape(y.node, (n, m, ow), name=ctx.name))]
