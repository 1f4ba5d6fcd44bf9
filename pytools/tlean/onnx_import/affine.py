"""Affine ops: Gemm (as ``linear`` when it is one) and MatMul."""

from __future__ import annotations

import numpy as np

from tlean.onnx_import.context import NodeCtx, Unsupported, Value
from tlean.onnx_import.registry import register


@register("Gemm", [6, 7, 9, 11, 13], "affine")
def gemm(ctx: NodeCtx) -> list[Value]:
    alpha = float(np.float32(ctx.attr("alpha", 1.0)))
    beta = float(np.float32(ctx.attr("beta", 1.0)))
    ta, tb = int(ctx.attr("transA", 0)), int(ctx.attr("transB", 0))
    a, bval, c = ctx.input(0), ctx.input(1), ctx.opt_input(2)
    if len(a.shape) != 2 or len(bval.shape) != 2:
        raise Unsupported("Gemm operands must be matrices")
    n_out = bval.shape[0] if tb else bval.shape[1]
    x = ctx.node_id(0)
    if ta:
        x = ctx.emit("transpose", [x], {"perm": [1, 0]}, name=f"{ctx.name}/A^T").node  # type: ignore[assignment]
    w = ctx.node_id(1)
    # linear wants W : [out, in]; transB = 1 is exactly that layout.
    if not tb:
        w = ctx.emit("transpose", [w], {"perm": [1, 0]}, name=f"{ctx.name}/B^T").node  # type: ignore[assignment]
    bias: int | None = None
    if c is not None and alpha == 1.0 and beta == 1.0:
        if c.shape == (n_out,):
            bias = ctx.node_id(2)
        elif c.is_const and c.array().size == n_out and c.shape in ((1, n_out),):
            bias = ctx.reshape(ctx.node_id(2), (n_out,), name=f"{ctx.name}/bias")
    if alpha == 1.0 and (c is None or bias is not None or beta == 0.0):
        args = [x, w] + ([bias] if bias is not None else [])
        return [ctx.emit("linear", args)]
    y = ctx.emit("linear", [x, w], name=f"{ctx.name}/AB").node
    assert y is not None
    if alpha != 1.0:
        y = ctx.emit("mul", [y, ctx.const(np.float32(alpha))], name=f"{ctx.name}/alphaAB").node
        assert y is not None
    if c is None or beta == 0.0:
        return [Value(shape=tuple(ctx.b.nodes[y].shape), node=y)]
    cid = ctx.node_id(2)
    if beta != 1.0:
        cid = ctx.emit("mul", [cid, ctx.const(np.float32(beta))], name=f"{ctx.name}/betaC").node  # type: ignore[assignment]
    return [ctx.emit("add", [y, cid])]


@register("MatMul", [1, 9, 13], "affine")
def matmul(ctx: NodeCtx) -> list[Value]:
    a, b = ctx.input(0), ctx.input(1)
    ra, rb = len(a.shape), len(b.shape)
    if ra == 0 or rb == 0:
        raise Unsupported("MatMul operands must have rank >= 1")
    x, y = ctx.node_id(0), ctx.node_id(1)
    if ra == 1:
        x = ctx.reshape(x, (1, a.shape[0]), name=f"{ctx.name}/a2d")
    if rb == 1:
        y = ctx.reshape(y, (b.shape[0], 1), name=f"{ctx.name}/b2d")
    out = ctx.emit("matmul", [x, y], name=ctx.name if ra > 1 and rb > 1 else f"{ctx.name}/2d")
    shape = list(out.shape)
    if rb == 1:
        shape.pop(-1)
    if ra == 1:
        shape.pop(-2 if rb > 1 else -1)
    if tuple(shape) == out.shape:
        return [out]
    assert out.node is not None
    rid = ctx.reshape(out.node, tuple(shape), name=ctx.name)
    return [Value(shape=tuple(shape), node=rid)]
