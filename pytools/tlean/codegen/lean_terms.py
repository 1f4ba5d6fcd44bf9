"""IR values as Lean terms (numbers, lists, attribute structures, nodes).

Every term is built from validated IR data (numbers, booleans, op names from the registry);
strings go through :func:`tlean.codegen.leantext.string_literal`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tlean import ir
from tlean.codegen.leantext import string_literal

#: The Lean attribute structure each op's constructor takes (None: the op has no argument).
ATTR_STRUCT: dict[str, str | None] = {
    "leakyRelu": "LeakyReluAttrs", "clip": "ClipAttrs", "conv2d": "Conv2dAttrs",
    "maxPool2d": "MaxPool2dAttrs", "avgPool2d": "AvgPool2dAttrs", "batchNorm": "BatchNormAttrs",
    "layerNorm": "LayerNormAttrs", "softmax": "AxisAttrs", "logSoftmax": "AxisAttrs",
    "reshape": "ReshapeAttrs", "transpose": "TransposeAttrs", "concat": "AxisAttrs",
    "slice": "SliceAttrs", "pad": "PadAttrs", "reduceSum": "ReduceAttrs",
    "reduceMean": "ReduceAttrs", "reduceMax": "ReduceAttrs",
    "convTranspose2d": "ConvTranspose2dAttrs", "resize": "ResizeAttrs", "pow": "PowAttrs",
}  # fmt: skip
#: Attribute fields that hold binary32 values (written as UInt32 bit patterns in Lean).
F32_FIELDS = frozenset({"alpha", "lo", "hi", "epsilon", "value", "exponent"})
#: Attribute fields that hold one list of binary32 values per axis (``List (List UInt32)``).
F32_TABLE_FIELDS = frozenset({"weight0", "weight1"})
#: Attribute fields that hold one list of naturals per axis (``List (List Nat)``).
NAT_TABLE_FIELDS = frozenset({"index0", "index1"})
#: Op names that are Lean keywords: their constructor is written with guillemets.
ESCAPED_CTORS = frozenset({"where"})


def nat_list(xs: Sequence[int]) -> str:
    return "[" + ", ".join(str(int(x)) for x in xs) + "]"


def int_list(xs: Sequence[int]) -> str:
    return "[" + ", ".join(f"({int(x)} : Int)" if int(x) < 0 else str(int(x)) for x in xs) + "]"


def f32_bits_literal(value: float) -> str:
    bits = int(np.array(value, dtype=np.float32).view(np.uint32))
    return f"0x{bits:08X}"


def _field(name: str, value: Any) -> str:
    if name in F32_FIELDS:
        if value is None:
            return "none"
        lit = f32_bits_literal(value)
        return f"some {lit}" if name in ("lo", "hi") else lit
    if name in F32_TABLE_FIELDS:
        return "[" + ", ".join("[" + ", ".join(f32_bits_literal(w) for w in row) + "]" for row in value) + "]"
    if name in NAT_TABLE_FIELDS:
        return "[" + ", ".join(nat_list(row) for row in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        if name in ("starts", "ends", "steps"):
            return int_list(value)
        return nat_list(value)
    raise TypeError(f"unexpected attribute value {value!r} for {name}")  # pragma: no cover


def op_term(node: ir.Node) -> str:
    """``NN.IR.OpKind.<op> …`` for one node."""
    ctor = f"NN.IR.OpKind.«{node.op}»" if node.op in ESCAPED_CTORS else f"NN.IR.OpKind.{node.op}"
    attrs = node.typed_attrs()
    if node.op in ("input", "param"):
        return f"({ctor} {attrs.index})"
    if node.op == "const":
        return f"({ctor} [" + ", ".join(f"0x{b:08X}" for b in attrs.bits) + "])"
    struct = ATTR_STRUCT.get(node.op)
    if struct is None:
        return ctor
    fields = ", ".join(f"{f} := {_field(f, getattr(attrs, f))}" for f in ir.attr_fields(node.op))
    return f"({ctor} ({{ {fields} }} : NN.IR.{struct}))"


def node_term(node: ir.Node) -> str:
    return f"⟨{op_term(node)}, {nat_list(node.inputs)}, {nat_list(node.shape)}⟩"


def decl_term(decl: ir.TensorDecl) -> str:
    return f"⟨{string_literal(decl.name)}, {nat_list(decl.shape)}⟩"
