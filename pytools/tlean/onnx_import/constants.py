"""Import-time constants: Constant, Shape, Size, and ops supported only when folded.

``Shape``/``Size`` of a runtime tensor are constants because every IR shape is static. The
ops in :data:`FOLD_ONLY` are computed at import time when all their inputs are constants
(shape arithmetic, weight creation); on a value computed at run time they are refused.
"""

from __future__ import annotations

import numpy as np
import onnx.defs
from onnx import numpy_helper

from tlean.onnx_import.context import NodeCtx, Unsupported, Value
from tlean.onnx_import.registry import register

FOLD_ONLY = (
    "ConstantOfShape", "Range", "Equal", "GatherElements", "Not", "Less", "Greater", "NonZero",
    "LessOrEqual", "GreaterOrEqual", "And", "Or", "Trilu",
)  # fmt: skip


def _versions(op: str) -> list[int]:
    return sorted(
        {s.since_version for s in onnx.defs.get_all_schemas_with_history() if s.name == op and s.domain == ""}
    )


@register("Constant", _versions("Constant"), "constants")
def constant(ctx: NodeCtx) -> list[Value]:
    a = ctx.attrs
    if "value" in a:
        arr = numpy_helper.to_array(a["value"])
    elif "value_float" in a:
        arr = np.array(a["value_float"], dtype=np.float32)
    elif "value_floats" in a:
        arr = np.array(a["value_floats"], dtype=np.float32)
    elif "value_int" in a:
        arr = np.array(a["value_int"], dtype=np.int64)
    elif "value_ints" in a:
        arr = np.array(a["value_ints"], dtype=np.int64)
    else:
        raise Unsupported(f"Constant with attributes {sorted(a)} is not supported")
    return [Value(shape=arr.shape, const=arr, name=ctx.name)]


@register("Shape", _versions("Shape"), "constants")
def shape(ctx: NodeCtx) -> list[Value]:
    dims = np.array(ctx.input(0).shape, dtype=np.int64)
    r = len(dims)
    start, end = int(ctx.attr("start", 0)), ctx.attr("end")
    end = r if end is None else int(end)
    start = min(max(start + r if start < 0 else start, 0), r)
    end = min(max(end + r if end < 0 else end, 0), r)
    out = dims[start:end]
    return [Value(shape=out.shape, const=out, name=ctx.name)]


@register("Size", _versions("Size"), "constants")
def size(ctx: NodeCtx) -> list[Value]:
    n = np.array(int(np.prod(ctx.input(0).shape)), dtype=np.int64)
    return [Value(shape=(), const=n, name=ctx.name)]


#: Comparisons and logic: on run-time values they make a data-dependent (discrete) condition.
CONDITIONS = frozenset({"Equal", "Less", "Greater", "Not", "LessOrEqual", "GreaterOrEqual", "And", "Or"})


def _fold_only(ctx: NodeCtx) -> list[Value]:
    if ctx.node.op_type in CONDITIONS:
        raise Unsupported(
            f"{ctx.node.op_type} on a value computed at run time makes a data-dependent condition, "
            "outside the float32 IR (Where selects only with a constant mask); cut the graph before "
            "it or rewrite the selection as arithmetic"
        )
    if ctx.node.op_type == "NonZero":
        raise Unsupported(
            "NonZero on a value computed at run time has a data-dependent output shape; the IR is "
            "statically shaped (cut the graph before it)"
        )
    raise Unsupported(
        f"{ctx.node.op_type} on a value computed at run time is outside op set v1 "
        "(it is supported only on constants, where it is folded at import)"
    )


for _op in FOLD_ONLY:
    register(_op, _versions(_op), "constants")(_fold_only)
