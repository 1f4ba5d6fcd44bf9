"""Convolution: Conv (2-D directly, 1-D through a reshape to H = 1)."""

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
