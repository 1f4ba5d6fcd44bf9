"""Ops with discrete outputs, refused with a message that says what to do.

The IR is a float32 IR of piecewise-smooth functions: an index (ArgMax, TopK indices), a
one-hot encoding or a scatter of run-time positions has no place in it. Each is registered so
that the refusal names the op's purpose and the usual remedy instead of "no converter".
"""

from __future__ import annotations

from tlean.onnx_import.context import NodeCtx, Unsupported, Value
from tlean.onnx_import.registry import register

#: ONNX op -> (since-versions, what to do).
REFUSED: dict[str, tuple[list[int], str]] = {
    "ArgMax": ([1, 11, 12, 13], "cut the graph before the ArgMax and compare the scores in the property instead"),
    "ArgMin": ([1, 11, 12, 13], "cut the graph before the ArgMin and compare the scores in the property instead"),
    "TopK": ([1, 10, 11, 24], "cut the graph before the TopK (its indices are discrete)"),
    "OneHot": ([9, 11, 28], "feed the one-hot (or embedding) vectors as the model input instead of indices"),
    "ScatterND": ([11, 13, 16, 18], "rewrite the scatter at constant positions as Concat/Slice, or cut the graph"),
}


def _refuse(ctx: NodeCtx) -> list[Value]:
    advice = REFUSED[ctx.node.op_type][1]
    raise Unsupported(f"{ctx.node.op_type} has a discrete (index-valued) result, outside the float32 IR; {advice}")


for _op, (_versions, _advice) in REFUSED.items():
    register(_op, _versions, "discrete")(_refuse)
