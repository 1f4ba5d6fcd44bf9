"""Activations with no IR op of their own, lowered at import into IR ops.

Each lowering is the ONNX defining formula written with IR ops; where the float rounding
differs from the formula evaluated as one expression, the docstring says how:

- ``HardSigmoid``: ``clip(x·α + β, 0, 1)`` — the ONNX formula, same roundings.
- ``HardSwish``: ``x · clip(x·(1/6) + 0.5, 0, 1)`` — the ONNX formula with α = 1/6 in binary32.
- ``Softplus``: ``relu(x) + log(exp(−|x|) + 1)`` — the stable form of ``log(exp(x) + 1)``
  (no overflow above x ≈ 88); equal in real arithmetic, rounded differently.
- ``Elu``: ``relu(x) + α·(exp(min(x, 0)) − 1)``; ``Selu``: ``γ·Elu_α(x)`` — for x > 0 the second
  term is α·0 = 0 and the result is x exactly; only the sign of a zero result can differ.
- ``PRelu``: ``relu(x) + slope·min(x, 0)`` — exact except the sign of a zero result.
- ``Mish``: ``x · tanh(softplus(x))`` with the softplus above.
- ``Gelu`` (opset 20): ``x·0.5·(1 + erf(x·(1/√2)))``; ``approximate="tanh"``:
  ``x·0.5·(1 + tanh(√(2/π)·(x + 0.044715·x·x·x)))``, as the ONNX function body.
"""

from __future__ import annotations

import math

import numpy as np

from tlean.onnx_import.context import NodeCtx, Unsupported, Value
from tlean.onnx_import.registry import register


def _f(v: float) -> np.float32:
    return np.float32(v)


@register("HardSigmoid", [6, 22], "activations")
def hard_sigmoid(ctx: NodeCtx) -> list[Value]:
    x = ctx.node_id(0)
    alpha, beta = _f(ctx.attr("alpha", 0.2)), _f(ctx.attr("beta", 0.5))
    t = ctx.op("mul", [x, ctx.const(alpha)], suffix="scaled")
    t = ctx.op("add", [t, ctx.const(beta)], suffix="shifted")
    return [ctx.emit("clip", [t], {"lo": 0.0, "hi": 1.0})]


@register("HardSwish", [14, 22], "activations")
def hard_swish(ctx: NodeCtx) -> list[Value]:
    x = ctx.node_id(0)
    t = ctx.op("mul", [x, ctx.const(_f(1.0 / 6.0))], suffix="scaled")
    t = ctx.op("add", [t, ctx.const(_f(0.5))], suffix="shifted")
    t = ctx.op("clip", [t], {"lo": 0.0, "hi": 1.0}, suffix="gate")
    return [ctx.emit("mul", [x, t])]


def softplus_of(ctx: NodeCtx, x: int, tag: str) -> int:
    """``relu(x) + log(exp(−|x|) + 1)``: the overflow-free softplus, as IR nodes."""
    pos = ctx.op("relu", [x], suffix=f"{tag}relu")
    a = ctx.op("abs", [x], suffix=f"{tag}abs")
    n = ctx.op("neg", [a], suffix=f"{tag}neg_abs")
    e = ctx.op("exp", [n], suffix=f"{tag}exp")
    s = ctx.op("add", [e, ctx.const(_f(1.0))], suffix=f"{tag}one_plus")
    lg = ctx.op("log", [s], suffix=f"{tag}log")
    return ctx.op("add", [pos, lg], suffix=None if tag == "" else f"{tag}softplus")


@register("Softplus", [1, 22], "activations")
def softplus(ctx: NodeCtx) -> list[Value]:
    return [ctx.value(softplus_of(ctx, ctx.node_id(0), ""))]


@register("Mish", [18, 22], "activations")
def mish(ctx: NodeCtx) -> list[Value]:
    x = ctx.node_id(0)
    sp = softplus_of(ctx, x, "sp_")
    th = ctx.op("tanh", [sp], suffix="tanh")
    return [ctx.emit("mul", [x, th])]


def _elu(ctx: NodeCtx, x: int, alpha: np.float32, last: bool) -> int:
    pos = ctx.op("relu", [x], suffix="pos")
    neg = ctx.op("min", [x, ctx.const(_f(0.0))], suffix="neg_part")
    e = ctx.op("exp", [neg], suffix="exp")
    em1 = ctx.op("sub", [e, ctx.const(_f(1.0))], suffix="expm1")
    sc = ctx.op("mul", [ctx.const(alpha), em1], suffix="scaled")
    return ctx.op("add", [pos, sc], suffix=None if last else "elu")


@register("Elu", [6, 22], "activations")
def elu(ctx: NodeCtx) -> list[Value]:
    return [ctx.value(_elu(ctx, ctx.node_id(0), _f(ctx.attr("alpha", 1.0)), True))]


@register("Selu", [6, 22], "activations")
def selu(ctx: NodeCtx) -> list[Value]:
    alpha = _f(ctx.attr("alpha", 1.67326319217681884765625))
    gamma = _f(ctx.attr("gamma", 1.05070102214813232421875))
    e = _elu(ctx, ctx.node_id(0), alpha, False)
    return [ctx.emit("mul", [ctx.const(gamma), e])]


@register("PRelu", [6, 7, 9, 16], "activations")
def prelu(ctx: NodeCtx) -> list[Value]:
    x_v, s_v = ctx.input(0), ctx.input(1)
    if ctx.opset < 7 and len(s_v.shape) == 1 and len(x_v.shape) >= 2 and s_v.shape[0] == x_v.shape[1] > 1:
        # PRelu-6: a 1-D slope holds one value per channel (axis 1), not NumPy-aligned.
        view = (s_v.shape[0],) + (1,) * (len(x_v.shape) - 2)
        s_v = Value(shape=view, node=ctx.reshape(ctx.node_id(1), view, name=f"{ctx.name}/slope_view"))
    try:
        if np.broadcast_shapes(x_v.shape, s_v.shape) != tuple(x_v.shape):
            raise Unsupported(f"PRelu slope {list(s_v.shape)} must broadcast to the input {list(x_v.shape)}")
    except ValueError:
        raise Unsupported(f"PRelu slope {list(s_v.shape)} does not broadcast to {list(x_v.shape)}") from None
    x, slope = ctx.node_id(0), ctx.b.materialize(s_v)
    pos = ctx.op("relu", [x], suffix="pos")
    neg = ctx.op("min", [x, ctx.const(_f(0.0))], suffix="neg_part")
    sc = ctx.op("mul", [slope, neg], suffix="scaled")
    return [ctx.emit("add", [pos, sc])]


@register("Gelu", [20], "activations")
def gelu(ctx: NodeCtx) -> list[Value]:
    x = ctx.node_id(0)
    mode = ctx.attr("approximate", "none")
    if mode == "none":
        t = ctx.op("mul", [x, ctx.const(_f(1.0 / math.sqrt(2.0)))], suffix="scaled")
        t = ctx.op("erf", [t], suffix="erf")
    elif mode == "tanh":
        x2 = ctx.op("mul", [x, x], suffix="x2")
        x3 = ctx.op("mul", [x2, x], suffix="x3")
        c = ctx.op("mul", [x3, ctx.const(_f(0.044715))], suffix="cubic")
        inner = ctx.op("add", [x, c], suffix="inner")
        t = ctx.op("mul", [inner, ctx.const(_f(math.sqrt(2.0 / math.pi)))], suffix="scaled")
        t = ctx.op("tanh", [t], suffix="tanh")
    else:
        raise Unsupported(f"Gelu approximate={mode!r} is not supported (only 'none' and 'tanh')")
    one = ctx.op("add", [t, ctx.const(_f(1.0))], suffix="one_plus")
    half = ctx.op("mul", [x, ctx.const(_f(0.5))], suffix="half_x")
    return [ctx.emit("mul", [half, one])]
