"""Pooling: MaxPool, AveragePool (1-D and 2-D), GlobalAveragePool, GlobalMaxPool."""

from __future__ import annotations

from tlean.onnx_import.context import NodeCtx, Unsupported, Value
from tlean.onnx_import.registry import register
from tlean.onnx_import.spatial import decode_window


def _pool(ctx: NodeCtx, op: str) -> list[Value]:
    x = ctx.input(0)
    if len(x.shape) not in (3, 4):
        raise Unsupported(f"{ctx.node.op_type} on rank {len(x.shape)}: only 1-D and 2-D pooling")
    if len([o for o in ctx.node.output if o]) > 1:
        raise Unsupported("the Indices output of MaxPool is outside op set v1")
    win = decode_window(ctx, x.shape[2:], None)
    if win.dilations != (1, 1):
        raise Unsupported(f"pooling dilations {list(win.dilations)} are outside op set v1")
    attrs: dict[str, object] = {
        "kernel": win.kernel,
        "strides": win.strides,
        "pads": win.pads,
        "ceilMode": bool(ctx.attr("ceil_mode", 0)),
    }
    if op == "avgPool2d":
        attrs["countIncludePad"] = bool(ctx.attr("count_include_pad", 0))
    xid = ctx.node_id(0)
    if win.one_d:
        n, c, length = x.shape
        xid = ctx.reshape(xid, (n, c, 1, length), name=f"{ctx.name}/x2d")
    try:
        y = ctx.emit(op, [xid], attrs, name=f"{ctx.name}/2d" if win.one_d else None)
    except ValueError as e:
        raise Unsupported(str(e)) from None
    if not win.one_d:
        return [y]
    assert y.node is not None
    n, c, _, ow = y.shape
    return [Value(shape=(n, c, ow), node=ctx.reshape(y.node, (n, c, ow), name=ctx.name))]


@register("MaxPool", [1, 8, 10, 11, 12, 22], "pooling")
def max_pool(ctx: NodeCtx) -> list[Value]:
    return _pool(ctx, "maxPool2d")


@register("AveragePool", [1, 7, 10, 11, 19, 22], "pooling")
def avg_pool(ctx: NodeCtx) -> list[Value]:
    return _pool(ctx, "avgPool2d")


@register("GlobalAveragePool", [1, 22], "pooling")
def global_avg_pool(ctx: NodeCtx) -> list[Value]:
    x = ctx.input(0)
    if len(x.shape) == 4:
        return [ctx.emit("globalAvgPool", [ctx.node_id(0)])]
    if len(x.shape) < 3:
        raise Unsupported("GlobalAveragePool needs rank >= 3")
    axes = list(range(2, len(x.shape)))
    return [ctx.emit("reduceMean", [ctx.node_id(0)], {"axes": axes, "keepDims": True})]


@register("GlobalMaxPool", [1, 22], "pooling")
def global_max_pool(ctx: NodeCtx) -> list[Value]:
    x = ctx.input(0)
    if len(x.shape) < 3:
        raise Unsupported("GlobalMaxPool needs rank >= 3")
    axes = list(range(2, len(x.shape)))
    return [ctx.emit("reduceMax", [ctx.node_id(0)], {"axes": axes, "keepDims": True})]
