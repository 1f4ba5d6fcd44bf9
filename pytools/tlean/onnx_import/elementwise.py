"""Elementwise ops: Add Sub Mul Div Max Min Sum Mean, unary math (Erf Sin Cos Sign Floor Ceil
Round included), LeakyRelu, Clip, Pow with a constant exponent, Where with a constant condition."""

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

_UNARY_NEW = {
    "Erf": ("erf", [9, 13]), "Sin": ("sin", [7, 22]), "Cos": ("cos", [7, 22]),
    "Sign": ("sign", [9, 13]), "Floor": ("floor", [6, 13]), "Ceil": ("ceil", [6, 13]),
    "Round": ("round", [11, 22]),
}  # fmt: skip


def _unary_new(ctx: NodeCtx) -> list[Value]:
    return [ctx.emit(_UNARY_NEW[ctx.node.op_type][0], [ctx.node_id(0)])]


for _op, (_ir_op, _versions) in _UNARY_NEW.items():
    register(_op, _versions, "elementwise")(_unary_new)


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
    """``x ** e`` with a constant, uniform exponent ``e``; exact rewrites for 1, 2 and −1.

    ``e = 1`` is ``x``; ``e = 2`` is ``x·x`` and ``e = −1`` is ``1/x`` (both correctly rounded,
    equal to IEEE pow on every input, ±0, ±inf and NaN included). Every other exponent is the
    ``pow`` op: ``0.5`` is not rewritten to ``sqrt`` because pow(−0, 0.5) = +0 ≠ sqrt(−0) = −0
    and pow(−inf, 0.5) = +inf ≠ sqrt(−inf) = NaN.
    """
    e = ctx.input(1)
    x_v = ctx.input(0)
    if not e.is_const:
        raise Unsupported("Pow with an exponent computed at run time is outside the IR (constant exponents only)")
    arr = e.array()
    if arr.size == 0 or not np.issubdtype(arr.dtype, np.number):
        raise Unsupported(f"Pow exponent of type {arr.dtype} and size {arr.size} is not supported")
    flat = np.asarray(arr, dtype=np.float64).ravel()
    if not np.all((flat == flat[0]) | (np.isnan(flat) & np.isnan(flat[0]))):
        raise Unsupported("Pow with an exponent that differs between elements is not supported")
    try:
        if np.broadcast_shapes(x_v.shape, arr.shape) != tuple(x_v.shape):
            raise Unsupported("Pow whose exponent broadcasts the base to a larger shape is not supported")
    except ValueError:
        raise Unsupported(f"Pow exponent shape {list(arr.shape)} does not broadcast to {list(x_v.shape)}") from None
    k32 = np.float32(flat[0])
    if float(k32) != float(flat[0]) and not np.isnan(flat[0]):
        raise Unsupported(f"Pow exponent {flat[0]!r} is not a float32 value")
    k = float(k32)
    x = ctx.node_id(0)
    if k == 1.0:
        return [ctx.value(x)]
    if k == 2.0:
        return [ctx.emit("mul", [x, x])]
    if k == -1.0:
        return [ctx.emit("div", [ctx.const(np.float32(1.0)), x])]
    return [ctx.emit("pow", [x], {"exponent": k})]


@register("Where", [9, 16], "elementwise")
def where(ctx: NodeCtx) -> list[Value]:
    """``Where(c, x, y)`` with ``c`` known at import time: a ``where`` over a const 0/1 mask."""
    c = ctx.input(0)
    if not c.is_const:
        raise Unsupported(
            "Where with a data-dependent condition: the IR only selects with a constant mask; "
            "cut the graph before it or rewrite the selection as arithmetic"
        )
    mask = (np.asarray(c.array()) != 0).astype(np.float32)
    for i in (1, 2):
        v = ctx.input(i)
        if v.is_const and v.array().dtype != np.float32:
            raise Unsupported(f"Where operand {i} has element type {v.array().dtype}; only float32 is supported")
    x, y = ctx.node_id(1), ctx.node_id(2)
    m = ctx.b.literal(mask, name=f"{ctx.name}/mask")
    return [ctx.emit("where", [m, x, y])]


@register("Reciprocal", [6, 13], "elementwise")
def reciprocal(ctx: NodeCtx) -> list[Value]:
    return [ctx.emit("div", [ctx.const(np.float32(1.0)), ctx.node_id(0)])]
