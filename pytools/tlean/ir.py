"""The tlean IR: a statically shaped, single-assignment DAG of float32 tensors.

This module is the Python half of the IR contract in ``DESIGN.md``; ``NN/IR`` is the Lean half
and ``tests/test_lean_lockstep.py`` keeps the two in step. A graph has named ``inputs`` and
``params`` (shapes only: parameter values live in the payload), a list of ``nodes`` in
topological order where node ``k`` reads only nodes ``< k``, and ``outputs`` naming node ids.

Every op has exactly one shape rule here (:data:`OPS`), used by :func:`check` and by the ONNX
importer; float attributes are binary32 values (stored as Python floats that are exact
binary32 numbers, or ``None`` where an attribute is optional).

Axis attributes are always normalised to non-negative values at import; per-op conventions:

- ``linear(x, W, b?)``: ``x : [..., in]``, ``W : [out, in]``, ``b : [out]``, result ``[..., out]``.
- ``matmul(a, b)``: both of rank >= 2, NumPy batched matmul with broadcast batch dims.
- ``conv2d(x, W, b?)``: NCHW, ``W : [M, C/groups, kh, kw]``, ``pads = (top, left, bottom, right)``.
- pooling: NCHW, ``pads = (top, left, bottom, right)``; ``ceilMode`` as in ONNX.
- ``slice``: ``starts``/``ends`` already clamped as ONNX specifies, ``steps`` non-zero.
- ``pad``: constant mode, ``pads = [b_0, ..., b_{r-1}, e_0, ..., e_{r-1}]``, all >= 0.
- ``reduce*``: ``axes`` sorted, distinct, non-empty.
- ``convTranspose2d(x, W, b?)``: NCHW, ``W : [C, M/groups, kh, kw]`` (ONNX layout).
- ``resize(x)``: explicit per-axis index/weight tables (coordinate modes resolved at import).
- ``pow(x)``: constant ``exponent``; ``where(c, x, y)``: ``c`` a const 0/1 mask;
  ``embedding(table, idx)``: ``idx`` holds row numbers as float32, NaN rows for non-row values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from tlean.errors import IRCheckError

IR_FORMAT = "tlean.ir.v1"

Shape = tuple[int, ...]
Dim = Annotated[int, Field(ge=0)]
Pos = Annotated[int, Field(ge=1)]
#: A binary32 attribute value; JSON spells the non-finite ones as strings.
F32 = Annotated[
    float,
    WithJsonSchema({"anyOf": [{"type": "number"}, {"enum": ["Infinity", "-Infinity", "NaN"]}]}),
]


def is_f32(value: float) -> bool:
    """True when ``value`` is exactly a binary32 number (NaN and infinities included)."""
    if math.isnan(value) or math.isinf(value):
        return True
    return float(np.float32(value)) == value


def _f32_or_raise(value: float | None) -> float | None:
    if value is not None and not is_f32(value):
        raise ValueError(f"{value!r} is not exactly representable as binary32")
    return value


class _Attrs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, ser_json_inf_nan="strings")


class NoAttrs(_Attrs):
    """Attributes of an op that has none."""


class IndexAttrs(_Attrs):
    """``input``/``param``: position in ``Graph.inputs`` / ``Graph.params``."""

    index: Dim


class ConstAttrs(_Attrs):
    """``const``: the literal value as binary32 bit patterns, row-major (shape = node shape)."""

    bits: list[Annotated[int, Field(ge=0, le=0xFFFFFFFF)]]


class LeakyReluAttrs(_Attrs):
    alpha: F32

    _f32 = field_validator("alpha")(_f32_or_raise)


class ClipAttrs(_Attrs):
    lo: F32 | None = None
    hi: F32 | None = None

    _f32 = field_validator("lo", "hi")(_f32_or_raise)


class Conv2dAttrs(_Attrs):
    strides: tuple[Pos, Pos] = (1, 1)
    pads: tuple[Dim, Dim, Dim, Dim] = (0, 0, 0, 0)
    dilations: tuple[Pos, Pos] = (1, 1)
    groups: Pos = 1


class MaxPool2dAttrs(_Attrs):
    kernel: tuple[Pos, Pos]
    strides: tuple[Pos, Pos] = (1, 1)
    pads: tuple[Dim, Dim, Dim, Dim] = (0, 0, 0, 0)
    ceilMode: bool = False


class AvgPool2dAttrs(MaxPool2dAttrs):
    countIncludePad: bool = False


class BatchNormAttrs(_Attrs):
    epsilon: F32

    _f32 = field_validator("epsilon")(_f32_or_raise)


class LayerNormAttrs(_Attrs):
    epsilon: F32
    axis: Dim

    _f32 = field_validator("epsilon")(_f32_or_raise)


class AxisAttrs(_Attrs):
    """``softmax``, ``logSoftmax`` and ``concat``: one non-negative axis."""

    axis: Dim


class ReshapeAttrs(_Attrs):
    shape: list[Dim]


class TransposeAttrs(_Attrs):
    perm: list[Dim]


class SliceAttrs(_Attrs):
    starts: list[int]
    ends: list[int]
    axes: list[Dim]
    steps: list[int]


class PadAttrs(_Attrs):
    pads: list[Dim]
    value: F32 = 0.0

    _f32 = field_validator("value")(_f32_or_raise)


class ReduceAttrs(_Attrs):
    axes: list[Dim]
    keepDims: bool = True


class ConvTranspose2dAttrs(_Attrs):
    """``convTranspose2d``: ``pads = (top, left, bottom, right)``, ``outputPadding = (h, w)``."""

    strides: tuple[Pos, Pos] = (1, 1)
    pads: tuple[Dim, Dim, Dim, Dim] = (0, 0, 0, 0)
    outputPadding: tuple[Dim, Dim] = (0, 0)
    dilations: tuple[Pos, Pos] = (1, 1)
    groups: Pos = 1


class ResizeAttrs(_Attrs):
    """``resize``: per-axis gather/interpolation tables (see ``docs/operators.md``).

    ``index0[a][o]`` is the input index read for output index ``o`` along axis ``a``; an axis
    whose ``weight0``/``weight1``/``index1`` lists are empty is a nearest (copy) axis, otherwise
    ``out = weight0·t[index0] + weight1·t[index1]`` along that axis. Axes run 0, 1, …, r−1.
    """

    index0: list[list[Dim]]
    index1: list[list[Dim]]
    weight0: list[list[F32]]
    weight1: list[list[F32]]

    @field_validator("weight0", "weight1")
    @classmethod
    def _f32_lists(cls, value: list[list[float]]) -> list[list[float]]:
        for row in value:
            for w in row:
                _f32_or_raise(w)
        return value


class PowAttrs(_Attrs):
    """``pow``: the constant exponent (binary32)."""

    exponent: F32

    _f32 = field_validator("exponent")(_f32_or_raise)


# --------------------------------------------------------------------------------------------
# Shape rules. Each takes the attributes and the input shapes and returns the output shape, or
# raises ValueError with the reason. One rule per op; check() and the importer both use them.
# --------------------------------------------------------------------------------------------


def broadcast_shapes(a: Shape, b: Shape) -> Shape:
    """NumPy broadcasting: right-aligned, size-1 dims stretch; raises ValueError otherwise."""
    n = max(len(a), len(b))
    pa = (1,) * (n - len(a)) + tuple(a)
    pb = (1,) * (n - len(b)) + tuple(b)
    out = []
    for i, (x, y) in enumerate(zip(pa, pb, strict=True)):
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            raise ValueError(f"shapes {list(a)} and {list(b)} do not broadcast (axis {i})")
    return tuple(out)


def _rule_leaf(attrs: Any, ins: list[Shape]) -> Shape:  # pragma: no cover - leaves are special
    raise ValueError("leaf shapes come from the graph, not from a rule")


def _rule_binary(attrs: NoAttrs, ins: list[Shape]) -> Shape:
    return broadcast_shapes(ins[0], ins[1])


def _rule_unary(attrs: Any, ins: list[Shape]) -> Shape:
    return ins[0]


def _rule_linear(attrs: NoAttrs, ins: list[Shape]) -> Shape:
    x, w = ins[0], ins[1]
    if len(x) < 1:
        raise ValueError("linear: input must have rank >= 1")
    if len(w) != 2:
        raise ValueError(f"linear: weight must be [out, in], got {list(w)}")
    if x[-1] != w[1]:
        raise ValueError(f"linear: input features {x[-1]} != weight in-features {w[1]}")
    if len(ins) == 3 and tuple(ins[2]) != (w[0],):
        raise ValueError(f"linear: bias must be [{w[0]}], got {list(ins[2])}")
    return (*x[:-1], w[0])


def _rule_matmul(attrs: NoAttrs, ins: list[Shape]) -> Shape:
    a, b = ins
    if len(a) < 2 or len(b) < 2:
        raise ValueError("matmul: both operands must have rank >= 2")
    if a[-1] != b[-2]:
        raise ValueError(f"matmul: inner dims differ ({list(a)} @ {list(b)})")
    batch = broadcast_shapes(a[:-2], b[:-2])
    return (*batch, a[-2], b[-1])


def pool_out_dim(size: int, k: int, s: int, pb: int, pe: int, dil: int, ceil: bool) -> int:
    """Output length of one spatial axis of a convolution or pooling window (ONNX rule)."""
    span = size + pb + pe - dil * (k - 1) - 1
    if span < 0:
        raise ValueError(f"window of extent {dil * (k - 1) + 1} exceeds padded size {size + pb + pe}")
    if not ceil:
        return span // s + 1
    out = -(-span // s) + 1
    # The last window must start inside the input or the leading padding.
    if (out - 1) * s >= size + pb:
        out -= 1
    return out


def _rule_conv2d(attrs: Conv2dAttrs, ins: list[Shape]) -> Shape:
    x, w = ins[0], ins[1]
    if len(x) != 4 or len(w) != 4:
        raise ValueError(f"conv2d: input and weight must be rank 4, got {list(x)} and {list(w)}")
    n, c, h, wd = x
    m, cg, kh, kw = w
    g = attrs.groups
    if c % g or m % g:
        raise ValueError(f"conv2d: channels {c} and filters {m} must be divisible by groups {g}")
    if cg != c // g:
        raise ValueError(f"conv2d: weight has {cg} input channels per group, expected {c // g}")
    if len(ins) == 3 and tuple(ins[2]) != (m,):
        raise ValueError(f"conv2d: bias must be [{m}], got {list(ins[2])}")
    t, lft, b, r = attrs.pads
    oh = pool_out_dim(h, kh, attrs.strides[0], t, b, attrs.dilations[0], False)
    ow = pool_out_dim(wd, kw, attrs.strides[1], lft, r, attrs.dilations[1], False)
    return (n, m, oh, ow)


def _rule_pool(attrs: MaxPool2dAttrs, ins: list[Shape]) -> Shape:
    x = ins[0]
    if len(x) != 4:
        raise ValueError(f"pooling: input must be rank 4 (NCHW), got {list(x)}")
    n, c, h, w = x
    t, lft, b, r = attrs.pads
    kh, kw = attrs.kernel
    if t >= kh or b >= kh or lft >= kw or r >= kw:
        raise ValueError("pooling: each pad must be smaller than the kernel")
    oh = pool_out_dim(h, kh, attrs.strides[0], t, b, 1, attrs.ceilMode)
    ow = pool_out_dim(w, kw, attrs.strides[1], lft, r, 1, attrs.ceilMode)
    return (n, c, oh, ow)


def _rule_global_pool(attrs: NoAttrs, ins: list[Shape]) -> Shape:
    x = ins[0]
    if len(x) != 4:
        raise ValueError(f"globalAvgPool: input must be rank 4 (NCHW), got {list(x)}")
    return (x[0], x[1], 1, 1)


def _rule_batchnorm(attrs: BatchNormAttrs, ins: list[Shape]) -> Shape:
    x = ins[0]
    if len(x) < 2:
        raise ValueError("batchNorm: input must have rank >= 2 (N, C, ...)")
    for i, name in enumerate(("scale", "bias", "mean", "var"), start=1):
        if tuple(ins[i]) != (x[1],):
            raise ValueError(f"batchNorm: {name} must be [{x[1]}], got {list(ins[i])}")
    return x


def _rule_layernorm(attrs: LayerNormAttrs, ins: list[Shape]) -> Shape:
    x = ins[0]
    if attrs.axis >= len(x):
        raise ValueError(f"layerNorm: axis {attrs.axis} out of range for rank {len(x)}")
    tail = tuple(x[attrs.axis :])
    for i, name in ((1, "scale"), (2, "bias")):
        if i < len(ins) and tuple(ins[i]) != tail:
            raise ValueError(f"layerNorm: {name} must be {list(tail)}, got {list(ins[i])}")
    return x


def _rule_axis(attrs: AxisAttrs, ins: list[Shape]) -> Shape:
    if attrs.axis >= len(ins[0]):
        raise ValueError(f"axis {attrs.axis} out of range for rank {len(ins[0])}")
    return ins[0]


def _rule_reshape(attrs: ReshapeAttrs, ins: list[Shape]) -> Shape:
    if math.prod(attrs.shape) != math.prod(ins[0]):
        raise ValueError(f"reshape: {list(ins[0])} and {attrs.shape} have different sizes")
    return tuple(attrs.shape)


def _rule_transpose(attrs: TransposeAttrs, ins: list[Shape]) -> Shape:
    x = ins[0]
    if sorted(attrs.perm) != list(range(len(x))):
        raise ValueError(f"transpose: perm {attrs.perm} is not a permutation of rank {len(x)}")
    return tuple(x[p] for p in attrs.perm)


def _rule_concat(attrs: AxisAttrs, ins: list[Shape]) -> Shape:
    first = ins[0]
    if attrs.axis >= len(first):
        raise ValueError(f"concat: axis {attrs.axis} out of range for rank {len(first)}")
    total = 0
    for k, s in enumerate(ins):
        if len(s) != len(first) or any(
            a != b for i, (a, b) in enumerate(zip(s, first, strict=True)) if i != attrs.axis
        ):
            raise ValueError(f"concat: operand {k} has shape {list(s)}, incompatible with {list(first)}")
        total += s[attrs.axis]
    return (*first[: attrs.axis], total, *first[attrs.axis + 1 :])


def slice_len(start: int, end: int, step: int) -> int:
    """Number of elements of ``range(start, end, step)`` (the slice output length)."""
    if step > 0:
        return max(0, -(-(end - start) // step))
    return max(0, -(-(start - end) // -step))


def _rule_slice(attrs: SliceAttrs, ins: list[Shape]) -> Shape:
    x = list(ins[0])
    n = len(attrs.axes)
    if not (len(attrs.starts) == len(attrs.ends) == len(attrs.steps) == n):
        raise ValueError("slice: starts, ends, axes and steps must have the same length")
    if len(set(attrs.axes)) != n:
        raise ValueError(f"slice: repeated axis in {attrs.axes}")
    for st, en, ax, sp in zip(attrs.starts, attrs.ends, attrs.axes, attrs.steps, strict=True):
        if ax >= len(x):
            raise ValueError(f"slice: axis {ax} out of range for rank {len(x)}")
        d = x[ax]
        if sp == 0:
            raise ValueError("slice: step 0")
        if sp > 0 and not (0 <= st <= d and 0 <= en <= d):
            raise ValueError(f"slice: start/end {st}:{en} not clamped to [0, {d}] on axis {ax}")
        if sp < 0 and not (0 <= st <= max(d - 1, 0) and -1 <= en <= d - 1):
            raise ValueError(f"slice: start/end {st}:{en} not clamped for a negative step on axis {ax}")
        x[ax] = slice_len(st, en, sp)
    return tuple(x)


def _rule_pad(attrs: PadAttrs, ins: list[Shape]) -> Shape:
    x = ins[0]
    r = len(x)
    if len(attrs.pads) != 2 * r:
        raise ValueError(f"pad: expected {2 * r} pads for rank {r}, got {len(attrs.pads)}")
    return tuple(d + attrs.pads[i] + attrs.pads[i + r] for i, d in enumerate(x))


def _rule_reduce(attrs: ReduceAttrs, ins: list[Shape]) -> Shape:
    x = ins[0]
    axes = attrs.axes
    if not axes or axes != sorted(set(axes)) or axes[-1] >= len(x):
        raise ValueError(f"reduce: axes {axes} must be sorted, distinct, non-empty, < rank {len(x)}")
    if attrs.keepDims:
        return tuple(1 if i in axes else d for i, d in enumerate(x))
    return tuple(d for i, d in enumerate(x) if i not in axes)


def _rule_conv_transpose2d(attrs: ConvTranspose2dAttrs, ins: list[Shape]) -> Shape:
    x, w = ins[0], ins[1]
    if len(x) != 4 or len(w) != 4:
        raise ValueError(f"convTranspose2d: input and weight must be rank 4, got {list(x)} and {list(w)}")
    n, c, h, wd = x
    cw, mg, kh, kw = w
    g = attrs.groups
    if cw != c:
        raise ValueError(f"convTranspose2d: weight has {cw} input channels, input has {c}")
    if c % g:
        raise ValueError(f"convTranspose2d: channels {c} must be divisible by groups {g}")
    m = mg * g
    if len(ins) == 3 and tuple(ins[2]) != (m,):
        raise ValueError(f"convTranspose2d: bias must be [{m}], got {list(ins[2])}")
    t, lft, b, r = attrs.pads
    out = []
    for size, k, s, d, op, pb, pe in (
        (h, kh, attrs.strides[0], attrs.dilations[0], attrs.outputPadding[0], t, b),
        (wd, kw, attrs.strides[1], attrs.dilations[1], attrs.outputPadding[1], lft, r),
    ):
        if op >= max(s, d):
            raise ValueError(f"convTranspose2d: output padding {op} must be smaller than stride or dilation")
        o = s * (size - 1) + op + d * (k - 1) + 1 - pb - pe
        if o < 1:
            raise ValueError(f"convTranspose2d: output size {o} < 1 (pads too large)")
        out.append(o)
    return (n, m, out[0], out[1])


def _rule_resize(attrs: ResizeAttrs, ins: list[Shape]) -> Shape:
    x = ins[0]
    r = len(x)
    if not (len(attrs.index0) == len(attrs.index1) == len(attrs.weight0) == len(attrs.weight1) == r):
        raise ValueError(f"resize: index0/index1/weight0/weight1 must each have one list per axis ({r})")
    out = []
    for a in range(r):
        i0, i1, w0, w1 = attrs.index0[a], attrs.index1[a], attrs.weight0[a], attrs.weight1[a]
        if not i0:
            raise ValueError(f"resize: axis {a} has an empty index table")
        linear = bool(i1 or w0 or w1)
        if linear and not (len(i1) == len(w0) == len(w1) == len(i0)):
            raise ValueError(f"resize: axis {a}: index1, weight0, weight1 must be empty or as long as index0")
        if any(i >= x[a] for i in i0) or any(i >= x[a] for i in i1):
            raise ValueError(f"resize: axis {a}: an index is out of range for size {x[a]}")
        out.append(len(i0))
    return tuple(out)


def _rule_where(attrs: NoAttrs, ins: list[Shape]) -> Shape:
    return broadcast_shapes(broadcast_shapes(ins[0], ins[1]), ins[2])


def _rule_embedding(attrs: NoAttrs, ins: list[Shape]) -> Shape:
    table, idx = ins
    if len(table) < 1 or table[0] < 1:
        raise ValueError(f"embedding: table must have rank >= 1 and at least one row, got {list(table)}")
    return (*idx, *table[1:])


class OpSpec(BaseModel):
    """What the IR knows about one op: family, input arity, attribute model, shape rule."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    name: str
    family: str
    min_inputs: int
    max_inputs: int | None  # None: variadic
    attrs: type[_Attrs]
    rule: Callable[[Any, list[Shape]], Shape]

    def arity_ok(self, n: int) -> bool:
        return n >= self.min_inputs and (self.max_inputs is None or n <= self.max_inputs)

    def arity_text(self) -> str:
        if self.max_inputs is None:
            return f"at least {self.min_inputs}"
        if self.max_inputs == self.min_inputs:
            return str(self.min_inputs)
        return f"{self.min_inputs} to {self.max_inputs}"


def _spec(name: str, family: str, lo: int, hi: int | None, attrs: type[_Attrs], rule: Any) -> OpSpec:
    return OpSpec(name=name, family=family, min_inputs=lo, max_inputs=hi, attrs=attrs, rule=rule)


_SPECS: list[OpSpec] = [
    _spec("input", "leaves", 0, 0, IndexAttrs, _rule_leaf),
    _spec("param", "leaves", 0, 0, IndexAttrs, _rule_leaf),
    _spec("const", "leaves", 0, 0, ConstAttrs, _rule_leaf),
    *[_spec(n, "elementwise", 2, 2, NoAttrs, _rule_binary) for n in ("add", "sub", "mul", "div", "max", "min")],
    *[
        _spec(n, "elementwise", 1, 1, NoAttrs, _rule_unary)
        for n in ("neg", "abs", "relu", "sigmoid", "tanh", "exp", "log", "sqrt")
    ],
    _spec("leakyRelu", "elementwise", 1, 1, LeakyReluAttrs, _rule_unary),
    _spec("clip", "elementwise", 1, 1, ClipAttrs, _rule_unary),
    _spec("linear", "affine", 2, 3, NoAttrs, _rule_linear),
    _spec("matmul", "affine", 2, 2, NoAttrs, _rule_matmul),
    _spec("conv2d", "convolution", 2, 3, Conv2dAttrs, _rule_conv2d),
    _spec("maxPool2d", "pooling", 1, 1, MaxPool2dAttrs, _rule_pool),
    _spec("avgPool2d", "pooling", 1, 1, AvgPool2dAttrs, _rule_pool),
    _spec("globalAvgPool", "pooling", 1, 1, NoAttrs, _rule_global_pool),
    _spec("batchNorm", "normalisation", 5, 5, BatchNormAttrs, _rule_batchnorm),
    _spec("layerNorm", "normalisation", 2, 3, LayerNormAttrs, _rule_layernorm),
    _spec("softmax", "softmax", 1, 1, AxisAttrs, _rule_axis),
    _spec("logSoftmax", "softmax", 1, 1, AxisAttrs, _rule_axis),
    _spec("reshape", "structural", 1, 1, ReshapeAttrs, _rule_reshape),
    _spec("transpose", "structural", 1, 1, TransposeAttrs, _rule_transpose),
    _spec("concat", "structural", 1, None, AxisAttrs, _rule_concat),
    _spec("slice", "structural", 1, 1, SliceAttrs, _rule_slice),
    _spec("pad", "structural", 1, 1, PadAttrs, _rule_pad),
    *[_spec(n, "reductions", 1, 1, ReduceAttrs, _rule_reduce) for n in ("reduceSum", "reduceMean", "reduceMax")],
    # Issue 10 additions (contract: NEW_OPS.md; docs/operators.md).
    _spec("convTranspose2d", "convolution", 2, 3, ConvTranspose2dAttrs, _rule_conv_transpose2d),
    _spec("resize", "structural", 1, 1, ResizeAttrs, _rule_resize),
    *[
        _spec(n, "elementwise", 1, 1, NoAttrs, _rule_unary)
        for n in ("erf", "sin", "cos", "sign", "floor", "ceil", "round")
    ],
    _spec("pow", "elementwise", 1, 1, PowAttrs, _rule_unary),
    _spec("where", "elementwise", 3, 3, NoAttrs, _rule_where),
    _spec("embedding", "affine", 2, 2, NoAttrs, _rule_embedding),
]

#: The op registry: op name (the Lean constructor name) -> its spec. Op set v1.
OPS: dict[str, OpSpec] = {s.name: s for s in _SPECS}
LEAF_OPS = frozenset({"input", "param", "const"})

OpName = Literal[
    "input", "param", "const",
    "add", "sub", "mul", "div", "max", "min",
    "neg", "abs", "relu", "sigmoid", "tanh", "exp", "log", "sqrt", "leakyRelu", "clip",
    "linear", "matmul", "conv2d", "maxPool2d", "avgPool2d", "globalAvgPool",
    "batchNorm", "layerNorm", "softmax", "logSoftmax",
    "reshape", "transpose", "concat", "slice", "pad",
    "reduceSum", "reduceMean", "reduceMax",
    "convTranspose2d", "resize", "erf", "sin", "cos", "sign", "floor", "ceil", "round",
    "pow", "where", "embedding",
]  # fmt: skip


def attr_fields(op: str) -> list[str]:
    """The attribute field names of ``op``, in declaration order (the Lean field order)."""
    return list(OPS[op].attrs.model_fields)


# --------------------------------------------------------------------------------------------
# Graph models
# --------------------------------------------------------------------------------------------


class TensorDecl(BaseModel):
    """A named, statically shaped float32 tensor (a graph input or a parameter)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    shape: list[Dim]


def _attrs_schema_extra(schema: dict[str, Any]) -> None:
    """Adds one ``if op == X then attrs : XAttrs`` clause per op to the Node JSON Schema."""
    clauses = []
    for spec in OPS.values():
        sub = spec.attrs.model_json_schema()
        sub.pop("title", None)
        clauses.append({"if": {"properties": {"op": {"const": spec.name}}}, "then": {"properties": {"attrs": sub}}})
    schema["allOf"] = clauses


class Node(BaseModel):
    """One SSA value: the op, the ids of the nodes it reads, its attributes and output shape.

    ``name`` is the value's name in the source model (any string), kept for reports and for
    naming things in generated Lean; it has no meaning in the semantics.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra=_attrs_schema_extra)

    op: OpName
    inputs: list[Dim] = Field(default_factory=list)
    attrs: dict[str, Any] = Field(default_factory=dict)
    shape: list[Dim]
    name: str = ""

    @model_validator(mode="after")
    def _canonical_attrs(self) -> Node:
        # Attributes that parse are stored in canonical form (defaults filled in, floats as
        # floats) so that a JSON round trip is the identity; ones that do not parse are kept
        # as given, for check() to report with the node id.
        try:
            typed = OPS[self.op].attrs.model_validate(self.attrs)
        except ValidationError:
            return self
        object.__setattr__(self, "attrs", typed.model_dump())
        return self

    def typed_attrs(self) -> Any:
        """The attributes parsed into the op's attribute model (raises pydantic errors)."""
        return OPS[self.op].attrs.model_validate(self.attrs)


class Graph(BaseModel):
    """An IR graph. Serialises to JSON with ``"format": "tlean.ir.v1"``."""

    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="strings")

    format: Literal["tlean.ir.v1"] = "tlean.ir.v1"
    name: str = "model"
    inputs: list[TensorDecl]
    params: list[TensorDecl] = Field(default_factory=list)
    nodes: list[Node]
    outputs: list[Dim]
    output_names: list[str] = Field(default_factory=list)

    def to_json(self, indent: int | None = None) -> str:
        return self.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls, text: str | bytes) -> Graph:
        try:
            return cls.model_validate_json(text)
        except ValidationError as e:
            raise IRCheckError(f"not a valid tlean IR graph: {_first_error(e)}") from None

    def shape_of(self, node_id: int) -> Shape:
        return tuple(self.nodes[node_id].shape)


def _first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    return f"{loc}: {err['msg']}" + (f" (+{e.error_count() - 1} more)" if e.error_count() > 1 else "")


def ir_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``tlean.ir.v1`` graphs (what ``tlean schema ir`` prints)."""
    schema = Graph.model_json_schema()
    schema["$id"] = "https://tlean.dev/schemas/tlean.ir.v1.json"
    schema["title"] = "tlean IR graph (tlean.ir.v1)"
    return schema


def schema_text() -> str:
    return json.dumps(ir_json_schema(), indent=2, sort_keys=True) + "\n"


# --------------------------------------------------------------------------------------------
# Well-formedness
# --------------------------------------------------------------------------------------------


def infer_shape(op: str, attrs: Any, in_shapes: Sequence[Shape]) -> Shape:
    """The op's output shape from its typed attributes and input shapes (raises ValueError)."""
    spec = OPS[op]
    if not spec.arity_ok(len(in_shapes)):
        raise ValueError(f"{op} takes {spec.arity_text()} input(s), got {len(in_shapes)}")
    return tuple(spec.rule(attrs, [tuple(s) for s in in_shapes]))


def check(graph: Graph) -> None:
    """Rejects an ill-formed graph with :class:`IRCheckError` naming the node and the reason.

    Checks: leaf indices in range and leaf shapes equal to the declared tensors; every input id
    refers to an earlier node (no forward reference, hence no cycle); arity; attributes parse
    into the op's attribute model; the node's shape equals the one its shape rule computes;
    outputs exist.
    """
    if not graph.nodes:
        raise IRCheckError("graph has no nodes")
    for k, node in enumerate(graph.nodes):
        spec = OPS[node.op]
        try:
            attrs = node.typed_attrs()
        except ValidationError as e:
            raise IRCheckError(f"{node.op}: bad attributes: {_first_error(e)}", k) from None
        if not spec.arity_ok(len(node.inputs)):
            raise IRCheckError(f"{node.op} takes {spec.arity_text()} input(s), got {len(node.inputs)}", k)
        for i in node.inputs:
            if i >= k:
                raise IRCheckError(f"input {i} is not an earlier node (forward reference)", k)
        shape = tuple(node.shape)
        if node.op in ("input", "param"):
            table = graph.inputs if node.op == "input" else graph.params
            if attrs.index >= len(table):
                raise IRCheckError(f"{node.op} index {attrs.index} out of range ({len(table)})", k)
            want = tuple(table[attrs.index].shape)
            if shape != want:
                raise IRCheckError(f"shape {list(shape)} differs from declared {list(want)}", k)
            continue
        if node.op == "const":
            if len(attrs.bits) != math.prod(shape):
                raise IRCheckError(f"const has {len(attrs.bits)} values for shape {list(shape)}", k)
            continue
        if node.op == "where":
            _check_where_mask(graph, node, k)
        try:
            want = infer_shape(node.op, attrs, [graph.shape_of(i) for i in node.inputs])
        except ValueError as e:
            raise IRCheckError(str(e), k) from None
        if shape != want:
            raise IRCheckError(f"{node.op}: declared shape {list(shape)} but the shape rule gives {list(want)}", k)
    if not graph.outputs:
        raise IRCheckError("graph has no outputs")
    for o in graph.outputs:
        if o >= len(graph.nodes):
            raise IRCheckError(f"output {o} is not a node (graph has {len(graph.nodes)})")
    if graph.output_names and len(graph.output_names) != len(graph.outputs):
        raise IRCheckError("output_names and outputs differ in length")


#: The two bit patterns a ``where`` mask may hold: +0.0 and 1.0.
WHERE_MASK_BITS = frozenset({0x00000000, 0x3F800000})


def _check_where_mask(graph: Graph, node: Node, k: int) -> None:
    """``where`` selects with a constant 0/1 mask: input 0 must be a ``const`` of +0.0 / 1.0."""
    c = graph.nodes[node.inputs[0]] if node.inputs and node.inputs[0] < k else None
    if c is None:
        return  # arity / forward reference are reported by the general checks
    if c.op != "const":
        raise IRCheckError(f"where: the condition (node {node.inputs[0]}) must be a const node, not {c.op}", k)
    bits = c.attrs.get("bits", [])
    if any(b not in WHERE_MASK_BITS for b in bits):
        raise IRCheckError("where: the condition const may hold only +0.0 and 1.0", k)


def f32_bits(values: np.ndarray) -> list[int]:
    """Binary32 bit patterns of a float32 array, row-major."""
    return [int(b) for b in np.ascontiguousarray(values, dtype=np.float32).view(np.uint32).ravel()]


def bits_to_array(bits: Sequence[int], shape: Sequence[int]) -> np.ndarray:
    """The float32 array whose bit patterns are ``bits``."""
    return np.asarray(bits, dtype=np.uint32).view(np.float32).reshape(tuple(shape))
