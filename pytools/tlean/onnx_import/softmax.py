"""Softmax and LogSoftmax (before opset 13: on the input coerced to 2-D at ``axis``)."""

from __future__ import annotations

import math

from tlean.onnx_import.context import NodeCtx, Value, normalize_axis
from tlean.onnx_import.registry import register


def _softmax(ctx: NodeCtx, op: str) -> list[Value]:
    x = ctx.input(0)
    r = len(x.shape)
    if ctx.opset < 13:
        axis = normalize_axis(int(ctx.attr("axis", 1)), r)
        if axis != r - 1:
            # Old semantics: flatten to [prod(:axis), prod(axis:)] and normalise the rows.
            rows, cols = math.prod(x.shape[:axis]), math.prod(x.shape[axis:])
            flat = ctx.reshape(ctx.node_id(0), (rows, cols), name=f"{ctx.name}/2d")
            y = ctx.emit(op, [flat], {"axis": 1}, name=f"{ctx.name}/rows").node
            assert y is not None
            return [Value(shape=x.shape, node=ctx.reshape(y, x.shape, name=ctx.name))]
    else:
        axis = normalize_axis(int(ctx.attr("axis", -1)), r)
    return [ctx.emit(op, [ctx.node_id(0)], {"axis": axis})]


@register("Softmax", [1, 11, 13], "softmax")
def softmax(ctx: NodeCtx) -> list[Value]:
    return _softmax(ctx, "softmax")


@register("LogSoftmax", [1, 11, 13], "softmax")
def log_softmax(ctx: NodeCtx) -> list[Value]:
    return _softmax(ctx, "logSoftmax")
