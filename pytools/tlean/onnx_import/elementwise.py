"""Elementwise ops: Add Sub Mul Div Max Min Sum Mean, unary math, LeakyRelu, Clip, Pow(2)."""

from __future__ import annotations

import numpy as np

from tlean.onnx_import.context import NodeCtx, Unsupported, Value
from tlean.onnx_import.registry import register

_BINARY = {"Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div"}
_UNARY = {
    "Neg": "neg", "Abs": "abs", "Sigmoid": "sigmoid", "Tanh": "tanh",
    "Exp": "exp", "Log": "log", "Sqrt": "sqrt",
}  # fmt: skip


def _binary(ctx: NodeCtx) -> list[Value]:
    op = _BINARY[ctx.node.op_type]
    a, b = ctx.node_id(0), ctx.node_id(1)
    if ctx.opset < 7 and int(ctx.attr("broadcast", 0)) and "axis" in ctx.attrs:
        # Legacy (opset <= 6) broadcasting: B's dims line up with A's starting at ``axis``.
        ra, bshape = len(ctx.input(0).shape), ctx.input(1).shape
        axis = int(ctx.attr("axis"))
        axis = axis + ra if axis < 0 else axis
        if axis + len(bshape) > ra:
            raise Unsupported(f"legacy broadcast of {list(bshape)} at axis {axis} exceeds rank {ra}")
        aligned = (1,) * axis + tuple(bshape) + (1,) * (ra - axis - len(bshape))
        b = ctx.reshape(b, aligned, name=f"{ctx.name}/B_aligned")
    return [ctx.emit(op, [a, b])]


for _op in _BINARY:
    register(_op, [6, 7, 13, 14], "elementwise")(_binary)


def _unary(ctx: NodeCtx) -> list[Value]:
    return [ctx.emit(_UNARY[ctx.node.op_type], [ctx.node_id(0)])]


for _op in _UNARY:
    register(_op, [6, 13], "elementwise")(_unary)


@register("Relu", [6, 13, 14], "elementwise")
def relu(ctx: NodeCtx) -> list[Value]:
    return [ctx.emit("relu", [ctx.node_id(0)])]


@register("LeakyRelu", [6, 16], "elementwise")
def leaky_relu(ctx: NodeCtx) -> list[Value]:
    alpha = float(np.float32(ctx.attr("alpha", 0.01)))
    return [ctx.emit("leakyRelu", [ctx.node_id(0)], {"alpha": alpha})]


def _chain(ctx: NodeCtx, op: str) -> Value:
    ids = [ctx.node_id(i) for i in range(len(ctx.inputs))]
    if not ids:
        raise Unsupported("needs at least one input")
    acc = ids[0]
    if len(ids) == 1:
        return Value(shape=tuple(ctx.b.nodes[acc].shape), node=acc)
    for k, nid in enumerate(ids[1:], start=1):
        last = k == len(ids) - 1
        acc = ctx.emit(op, [acc, nid], name=None if last else f"{ctx.name}/{op}{k}").node  # type: ignore[assignment]
    return Value(shape=tuple(ctx.b.nodes[acc].shape), node=acc)


@register("Sum", [6, 8, 13], "elementwise")
def sum_(ctx: NodeCtx) -> list[Value]:
    return [_chain(ctx, "add")]


@register("Max", [6, 8, 12, 13], "elementwise")
def max_(ctx: NodeCtx) -> list[Value]:
    return [_chain(ctx, "max")]


@register("Min", [6, 8, 12, 13], "elementwise")
def min_(ctx: NodeCtx) -> list[Value]:
    return [_chain(ctx, "min")]


@register("Mean", [6, 8, 13], "elementwise")
def mean(ctx: NodeCtx) -> list[Value]:
    n = len(ctx.inputs)
    total = _chain(ctx, "add")
    if n == 1:
        return [total]
    assert total.node is not None
    return [ctx.emit("div", [total.node, ctx.const(np.float32(n))])]


@register("Clip", [6, 11, 12, 13], "elementwise")
def clip(ctx: NodeCtx) -> list[Value]:
    if ctx.opset < 11:
        lo: float | None = float(np.float32(ctx.attr("min", -3.4028234663852886e38)))
        hi: float | None = float(np.float32(ctx.attr("max", 3.4028234663852886e38)))
    else:
        lo = hi = None
        for i, which in ((1, "min"), (2, "max")):
            v = ctx.opt_input(i)
            if v is None:
                continue
            if not v.is_const:
                raise Unsupported(f"Clip {which} must be a constant known at import time")
            arr = v.array()
            if arr.size != 1:
                raise Unsupported(f"Clip {which} must be a scalar")
            val = float(np.float32(arr.reshape(())))
            lo, hi = (val, hi) if i == 1 else (lo, val)
    return [ctx.emit("clip", [ctx.node_id(0)], {"lo": lo, "hi": hi})]


@register("Pow", [1, 7, 12, 13, 15], "elementwise")
def pow_(ctx: NodeCtx) -> list[Value]:
    e = ctx.input(1)
    if not e.is_const or e.array().size != 1:
        raise Unsupported("Pow is supported only with a constant scalar exponent 1 or 2")
    k = float(e.array().reshape(()))
    x = ctx.node_id(0)
    if k == 2.0:  # x*x is exactly pow(x, 2): both are the correctly rounded square
        return [ctx.emit("mul", [x, x])]
    if k == 1.0:
        return [Value(shape=tuple(ctx.b.nodes[x].shape), node=x)]
    raise Unsupported(f"Pow with exponent {k} is outside op set v1 (only 1 and 2 are exact rewrites)")


@register("Reciprocal", [6, 13], "elementwise")
def reciprocal(ctx: NodeCtx) -> list[Value]:
    return [ctx.emit("div", [ctx.const(np.float32(1.0)), ctx.node_id(0)])]
