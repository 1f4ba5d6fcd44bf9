"""Reductions: ReduceSum, ReduceMean, ReduceMax (axes as attribute or constant input)."""

from __future__ import annotations

from tlean.onnx_import.context import NodeCtx, Unsupported, Value, normalize_axis
from tlean.onnx_import.registry import register

# The opset from which each op takes ``axes`` as an input instead of an attribute.
_AXES_INPUT_FROM = {"ReduceSum": 13, "ReduceMean": 18, "ReduceMax": 18}
_IR = {"ReduceSum": "reduceSum", "ReduceMean": "reduceMean", "ReduceMax": "reduceMax"}


def _reduce(ctx: NodeCtx) -> list[Value]:
    op = ctx.node.op_type
    x = ctx.input(0)
    r = len(x.shape)
    if ctx.opset >= _AXES_INPUT_FROM[op]:
        a = ctx.opt_input(1)
        if a is not None and not a.is_const:
            raise Unsupported("axes must be a constant known at import time")
        axes = [int(v) for v in a.array().ravel()] if a is not None else []
    else:
        axes = [int(v) for v in ctx.attr("axes", [])]
    keep = bool(ctx.attr("keepdims", 1))
    if not axes:
        if int(ctx.attr("noop_with_empty_axes", 0)):
            return [x]
        axes = list(range(r))
    if r == 0:
        return [x]
    norm = sorted({normalize_axis(v, r, "reduce axis") for v in axes})
    return [ctx.emit(_IR[op], [ctx.node_id(0)], {"axes": norm, "keepDims": keep})]


register("ReduceSum", [1, 11, 13], "reductions")(_reduce)
register("ReduceMean", [1, 11, 13, 18], "reductions")(_reduce)
register("ReduceMax", [1, 11, 12, 13, 18, 20], "reductions")(_reduce)
