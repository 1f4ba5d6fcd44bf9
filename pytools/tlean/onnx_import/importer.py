"""ONNX -> tlean IR.

The import walks the ONNX graph in topological order with a table of :class:`Value`s. Shape
arithmetic and pure data movement on constants are folded (``Shape``, ``ConstantOfShape``,
``Gather`` on shapes, ``Unsqueeze`` of an initializer, …); float arithmetic is never folded.
Every other node goes to the converter registered for its op at the model's opset. Nodes that
cannot be converted are collected, and the import fails once with all of them listed.
"""

from __future__ import annotations

import heapq
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import helper

from tlean import ir
from tlean.errors import (
    DynamicShapeError,
    GraphStructureError,
    ModelLimitError,
    TleanError,
    UnsupportedDTypeError,
    UnsupportedNode,
    UnsupportedOpsError,
    UsageError,
)
from tlean.onnx_import.context import Builder, NodeCtx, Unsupported, Value
from tlean.onnx_import.loader import (
    DEFAULT_MAX_ELEMENTS,
    check_declared_sizes,
    load_model_proto,
    tensor_to_array,
)
from tlean.onnx_import.registry import MIN_OPSET, REGISTRY
from tlean.payload import sha256_file

#: Ops that only move or create data: folded even when their constant inputs are float.
DATA_MOVEMENT = frozenset(
    {
        "Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Gather",
        "Slice", "Cast", "CastLike", "ConstantOfShape", "Constant", "Expand", "Split", "Tile",
        "Shape", "Size", "Range", "Where", "Dropout", "GatherElements", "GatherND", "Trilu",
    }
)  # fmt: skip
#: Ops whose result on float constants is exact (comparisons and logic: a boolean, no rounding),
#: so they are folded like data movement (causal masks: ``Equal(Slice(mask), 0)``).
EXACT_ON_FLOATS = frozenset(
    {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf"}
)
#: Ops never folded (not deterministic).
NEVER_FOLD = frozenset(
    {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli"}
)


@dataclass
class ImportedModel:
    """The result of an import: the IR graph, parameter values and provenance."""

    graph: ir.Graph
    params: dict[str, np.ndarray]
    opset: int
    producer: str = ""
    source: str = ""
    sha256: str = ""
    folded: int = 0
    onnx_ops: dict[str, int] = field(default_factory=dict)
    #: Graph inputs that were int32/int64 in the ONNX model (token ids): the IR carries them as
    #: float32; a caller feeding a peer runtime must give it integers (``onnx_dtypes`` has them).
    integer_inputs: list[str] = field(default_factory=list)
    onnx_dtypes: dict[str, int] = field(default_factory=dict)


#: Element types of model inputs accepted as integer inputs (token ids for Gather).
INTEGER_INPUT_TYPES = (onnx.TensorProto.INT64, onnx.TensorProto.INT32)
#: Ops that pass an integer runtime value through unchanged (its values stay integers).
INTEGER_CARRIERS = frozenset({"Reshape", "Unsqueeze", "Squeeze", "Flatten", "Identity", "Transpose", "Slice"})
#: Ops that may read an integer runtime value, and at which input positions.
INTEGER_READERS: dict[str, frozenset[int]] = {
    "Gather": frozenset({0, 1}),
    "Shape": frozenset({0}),
    "Size": frozenset({0}),
    "Cast": frozenset({0}),
    **{op: frozenset({0}) for op in INTEGER_CARRIERS},
}


def _refuses_runtime(op_type: str, family: str) -> bool:
    """True for converters that refuse every node whose inputs are not all constants."""
    from tlean.onnx_import.constants import FOLD_ONLY

    return op_type in FOLD_ONLY or family == "discrete"


def _downstream_reason(op_type: str, origin: str) -> str:
    return (
        f"{op_type} is supported only on values known at import time, and its input depends on the "
        f"refused node {origin!r}"
    )


def _dtype_name(elem_type: int) -> str:
    try:
        return onnx.TensorProto.DataType.Name(elem_type) if elem_type else "undefined"
    except ValueError:
        return f"unknown type {elem_type}"


def _integer_use(node: onnx.NodeProto, ins: list[Value | None]) -> str:
    """Why ``node`` may not read an integer model input (token ids), or ``""``."""
    positions = {k for k, v in enumerate(ins) if v is not None and v.integer}
    if not positions:
        return ""
    allowed = INTEGER_READERS.get(node.op_type, frozenset())
    if positions <= allowed:
        return ""
    names = ", ".join(repr(ins[k].name) for k in sorted(positions) if ins[k] is not None)  # type: ignore[union-attr]
    return (
        f"{node.op_type} reads the integer model input {names}; tlean imports float32 inputs, and "
        "int32/int64 inputs only as Gather indices (embeddings), possibly after "
        "Reshape/Unsqueeze/Squeeze/Slice or a Cast to float32"
    )


def _opset_of(model: onnx.ModelProto) -> int:
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            return int(imp.version)
    return 1 if model.ir_version < 3 else 0


def _decode_attrs(node: onnx.NodeProto) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode("utf-8", errors="replace")
        elif isinstance(v, list) and v and all(isinstance(x, bytes) for x in v):
            v = [x.decode("utf-8", errors="replace") for x in v]
        out[a.name] = v
    return out


def topo_order(nodes: Sequence[onnx.NodeProto], known: set[str]) -> list[int]:
    """Node indices in an order where each node's inputs are defined before it.

    Raises :class:`GraphStructureError` for a value that nothing defines (dangling input) or a
    cycle, naming the nodes involved.
    """
    producer: dict[str, int] = {}
    for i, n in enumerate(nodes):
        for o in n.output:
            if o:
                if o in producer or o in known:
                    raise GraphStructureError(
                        f"value {o!r} is defined twice (node {_label(n)} and an earlier definition)"
                    )
                producer[o] = i
    deps: list[set[int]] = []
    for n in nodes:
        d = set()
        for name in n.input:
            if not name or name in known:
                continue
            if name not in producer:
                raise GraphStructureError(
                    f"node {_label(n)} reads {name!r}, which is neither a graph input, an "
                    "initializer nor the output of any node (dangling input)"
                )
            d.add(producer[name])
        deps.append(d)
    users: list[list[int]] = [[] for _ in nodes]
    for i, d in enumerate(deps):
        for j in d:
            users[j].append(i)
    remaining = [len(d) for d in deps]
    ready = [i for i, r in enumerate(remaining) if r == 0]
    heapq.heapify(ready)  # smallest index first: the file's order wherever it is valid
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for u in users[i]:
            remaining[u] -= 1
            if remaining[u] == 0:
                heapq.heappush(ready, u)
    if len(order) != len(nodes):
        stuck = [_label(nodes[i]) for i in range(len(nodes)) if remaining[i] > 0]
        raise GraphStructureError(
            "the graph has a cycle; nodes on or after it: "
            + ", ".join(stuck[:12])
            + (f" (+{len(stuck) - 12} more)" if len(stuck) > 12 else "")
        )
    return order


#: Opsets above this are not ONNX releases (a damaged file); the schema lookup needs a C int.
MAX_OPSET = 1000


def _attribute_type_error(node: onnx.NodeProto, opset: int) -> str:
    """Why an attribute of ``node`` does not have the type its ONNX schema declares, or ``""``."""
    try:
        schema = onnx.defs.get_schema(node.op_type, opset, "" if node.domain == "ai.onnx" else node.domain)
    except (onnx.defs.SchemaError, TypeError, ValueError, OverflowError):
        return ""
    for a in node.attribute:
        decl = schema.attributes.get(a.name)
        if decl is None:
            continue
        want = int(getattr(decl.type, "value", -1))  # pybind enum; the stubs omit .value
        if a.type != want:
            want_name = onnx.AttributeProto.AttributeType.Name(want)
            got = onnx.AttributeProto.AttributeType.Name(a.type) if a.type in _ATTR_TYPES else str(a.type)
            return f"attribute {a.name!r} has type {got}, but {node.op_type} declares {want_name}"
    return ""


_ATTR_TYPES = frozenset(onnx.AttributeProto.AttributeType.values())


def _label(n: onnx.NodeProto) -> str:
    nm = n.name or (n.output[0] if n.output else "?")
    return f"{nm!r} ({n.op_type})"


def _static_shape(vi: onnx.ValueInfoProto) -> tuple[list[int | None], list[str]]:
    dims: list[int | None] = []
    names: list[str] = []
    for d in vi.type.tensor_type.shape.dim:
        if d.HasField("dim_value") and d.dim_value > 0:
            dims.append(int(d.dim_value))
            names.append(str(d.dim_value))
        else:
            dims.append(None)
            names.append(d.dim_param or "?")
    return dims, names


def _fold(node: onnx.NodeProto, opset: int, ins: list[Value | None], max_elements: int) -> list[Value] | None:
    """Evaluates ``node`` on constant inputs, or returns None when it must not be folded."""
    if node.op_type in NEVER_FOLD or node.domain not in ("", "ai.onnx"):
        return None
    arrays = [v.const if v is not None else None for v in ins]
    has_float_in = any(a is not None and np.issubdtype(a.dtype, np.floating) for a in arrays)
    if has_float_in and node.op_type not in DATA_MOVEMENT and node.op_type not in EXACT_ON_FLOATS:
        return None
    if node.op_type in ("ConstantOfShape", "Expand", "Tile") and arrays and arrays[-1] is not None:
        shape_arg = arrays[1] if node.op_type != "ConstantOfShape" else arrays[0]
        if shape_arg is not None and shape_arg.size and np.issubdtype(shape_arg.dtype, np.integer):
            if node.op_type == "Tile":
                base = arrays[0].shape if arrays[0] is not None else ()
                want = math.prod(int(d) for d in base) * math.prod(int(r) for r in shape_arg)
            else:
                want = math.prod(max(int(d), 1) for d in shape_arg.ravel())
            if want > max_elements:
                raise ModelLimitError(
                    f"node {_label(node)} would create {want:,} elements, over the limit of "
                    f"{max_elements:,}; raise it with --max-elements if the model is genuine"
                )
    from onnx.reference import ReferenceEvaluator

    feeds: dict[str, np.ndarray] = {}
    inputs: list[str] = []
    for k, a in enumerate(arrays):
        if a is None:
            inputs.append("")
        else:
            inputs.append(f"i{k}")
            feeds[f"i{k}"] = a
    outs = [f"o{k}" for k in range(len(node.output))]
    clone = helper.make_node(node.op_type, inputs, outs)
    clone.attribute.extend(node.attribute)
    try:
        results = ReferenceEvaluator(clone, opsets={"": opset}).run(None, feeds)
    except Exception:  # noqa: BLE001 - any failure means: do not fold, convert normally
        return None
    values: list[Value] = []
    for name, r in zip(node.output, results, strict=False):
        arr = np.asarray(r)
        if arr.size > max_elements:
            raise ModelLimitError(f"node {_label(node)} creates {arr.size:,} elements, over the limit")
        if np.issubdtype(arr.dtype, np.floating) and node.op_type not in DATA_MOVEMENT:
            return None
        values.append(Value(shape=tuple(arr.shape), const=arr, name=name))
    return values


def import_model(
    model: onnx.ModelProto | str | os.PathLike[str],
    *,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    max_elements: int = DEFAULT_MAX_ELEMENTS,
    name: str | None = None,
    constants: Mapping[str, np.ndarray] | None = None,
    trace: dict[int, tuple[str, str]] | None = None,
) -> ImportedModel:
    """Imports an ONNX model (a path or a loaded ``ModelProto``) into the tlean IR.

    ``input_shapes`` fixes dynamic input dimensions (``{"x": [1, 3, 224, 224]}``).
    ``constants`` binds model inputs to values known at import time (they are treated like
    initializers that are not parameters: e.g. a shape fed as an input). Raises a
    :class:`~tlean.errors.TleanError` subclass for anything that cannot be imported.

    ``trace``, when given, is filled with the outcome of every ONNX node the walk reaches, keyed
    by the node's index in the file: ``(status, detail)`` with status ``"converted"``,
    ``"folded"`` (computed at import time), ``"refused"`` (detail: the reason) or
    ``"downstream"`` (detail: the refused node whose output it reads). ``tlean inspect`` builds
    its op table from it, so the table is the import's own verdict.
    """
    from tlean.onnx_import import families  # noqa: F401  (registers the converters)

    source, sha, model_dir = "", "", None
    if not isinstance(model, onnx.ModelProto):
        path = Path(model)
        source = path.name
        proto = load_model_proto(path)
        sha = sha256_file(path)  # streamed: the file may be large
        model_dir = path.parent
    else:
        proto = model
    check_declared_sizes(proto, max_elements)
    opset = _opset_of(proto)
    if opset < MIN_OPSET:
        raise UnsupportedOpsError(
            [UnsupportedNode("<model>", "<opset>", "", opset, f"opset {opset} is older than {MIN_OPSET}")]
        )
    if opset > MAX_OPSET:
        raise UnsupportedOpsError(
            [UnsupportedNode("<model>", "<opset>", "", opset, f"opset {opset} is newer than any ONNX release")]
        )
    g = proto.graph
    b = Builder(max_elements=max_elements)
    env: dict[str, Value] = {}

    for t in g.sparse_initializer:
        raise UnsupportedDTypeError(f"sparse initializer {t.values.name!r} is not supported")
    inits = {t.name: t for t in g.initializer}
    for t in g.initializer:
        arr = tensor_to_array(t, model_dir)
        env[t.name] = Value(shape=tuple(arr.shape), const=arr, is_initializer=True, name=t.name)

    bound = dict(constants or {})
    graph_inputs = {vi.name for vi in g.input}
    for cname, carr in bound.items():
        if cname not in graph_inputs:
            raise UsageError(f"constant binding names {cname!r}, which is not a model input")
        arr = np.asarray(carr)
        env[cname] = Value(shape=tuple(arr.shape), const=arr, name=cname)

    # Graph inputs that are not initializers (nor bound) are the model's real inputs.
    overrides = dict(input_shapes or {})
    real_inputs = [vi for vi in g.input if vi.name not in inits and vi.name not in bound]
    unknown = set(overrides) - {vi.name for vi in real_inputs}
    if unknown:
        names = ", ".join(repr(vi.name) for vi in real_inputs)
        raise UsageError(f"--input-shape names {sorted(unknown)}, but the model's inputs are: {names}")
    dynamic: list[str] = []
    examples: list[str] = []  # a suggestion built from the model's own fixed dims (unknown -> 1)
    for vi in real_inputs:
        tt = vi.type.tensor_type
        if not vi.type.HasField("tensor_type"):
            raise UnsupportedDTypeError(f"model input {vi.name!r} is not a tensor")
        if tt.elem_type not in (onnx.TensorProto.FLOAT, *INTEGER_INPUT_TYPES):
            tname = _dtype_name(tt.elem_type)
            raise UnsupportedDTypeError(
                f"model input {vi.name!r} has element type {tname}; tlean imports float32 inputs "
                "(and int32/int64 inputs used as Gather indices, e.g. token ids)"
            )
        dims, labels = _static_shape(vi)
        if vi.name in overrides:
            want = [int(d) for d in overrides[vi.name]]
            if len(want) != len(dims) and tt.HasField("shape"):
                raise UsageError(f"--input-shape {vi.name}: rank {len(want)} but the model declares rank {len(dims)}")
            for k, (d, w) in enumerate(zip(dims, want, strict=False)):
                if d is not None and d != w:
                    raise UsageError(f"--input-shape {vi.name}: axis {k} is fixed to {d} by the model, not {w}")
            if any(w < 1 for w in want):
                raise UsageError(
                    f"--input-shape {vi.name}: every dimension must be >= 1 (a tensor with a zero "
                    f"dimension is empty), got {want}"
                )
            shape = tuple(want)
        elif not tt.HasField("shape") or any(d is None for d in dims):
            shown = ",".join(labels) if tt.HasField("shape") else "<unknown rank>"
            dynamic.append(f"  - {vi.name!r}: [{shown}]")
            if not examples:
                dims_ex = ",".join(str(d) if d is not None else "1" for d in dims) if dims else "1"
                examples.append(f"{vi.name}={dims_ex}")
            continue
        else:
            shape = tuple(d for d in dims if d is not None)
        if math.prod(shape) > max_elements:
            raise ModelLimitError(f"model input {vi.name!r} has {math.prod(shape):,} elements, over the limit")
        env[vi.name] = b.add_input(vi.name, shape)
        env[vi.name].integer = tt.elem_type in INTEGER_INPUT_TYPES
    if dynamic:
        raise DynamicShapeError(
            "these model inputs have dimensions that are not fixed:\n"
            + "\n".join(dynamic)
            + f"\nfix each with --input-shape NAME=D1,D2,... (e.g. --input-shape {examples[0]})"
        )

    order = topo_order(list(g.node), set(env) | {vi.name for vi in g.input})
    unsupported: list[UnsupportedNode] = []
    poisoned: dict[str, str] = {}  # value name -> label of the refused node it descends from
    status: dict[int, tuple[str, str]] = trace if trace is not None else {}
    ops_count: dict[str, int] = {}
    folded = 0
    for idx in order:
        node = g.node[idx]
        ops_count[node.op_type] = ops_count.get(node.op_type, 0) + 1
        label = node.name or (node.output[0] if node.output else f"#{idx}")
        node_opset = opset if node.domain in ("", "ai.onnx") else 0
        resolution = REGISTRY.resolve(node.op_type, node.domain, opset)
        origin = next((poisoned[i] for i in node.input if i in poisoned), None)
        if origin is not None:
            if resolution.converter is None or _refuses_runtime(node.op_type, resolution.converter.family):
                # No converter, or one that refuses every run-time input (fold-only, discrete):
                # refused whatever the refused node upstream would have produced.
                reason = resolution.reason or _downstream_reason(node.op_type, origin)
                unsupported.append(UnsupportedNode(label, node.op_type, node.domain, node_opset, reason))
                status[idx] = ("refused", reason)
            else:
                status[idx] = ("downstream", origin)
            poisoned.update((o, origin) for o in node.output if o)
            continue
        missing = next((i for i in node.input if i and i not in env), None)
        if missing is not None:
            raise GraphStructureError(
                f"node {_label(node)} reads {missing!r}, which the node defining it did not produce"
            )
        ins = [env[i] if i else None for i in node.input]
        all_const = all(v is None or v.is_const for v in ins)
        if (all_const and len(node.input) > 0) or node.op_type == "Constant":
            outs = _fold(node, opset, ins, max_elements)
            if outs is not None:
                for o, v in zip(node.output, outs, strict=False):
                    if o:
                        env[o] = v
                folded += 1
                status[idx] = ("folded", "")
                continue
        if resolution.converter is None:
            unsupported.append(UnsupportedNode(label, node.op_type, node.domain, node_opset, resolution.reason))
            status[idx] = ("refused", resolution.reason)
            poisoned.update((o, label) for o in node.output if o)
            continue
        int_reason = _integer_use(node, ins)
        if int_reason:
            status[idx] = ("refused", int_reason)
            raise UnsupportedDTypeError(f"node {_label(node)}: {int_reason}")
        attrs = _decode_attrs(node)
        bad_attr = _attribute_type_error(node, opset)
        if bad_attr:
            raise GraphStructureError(f"node {_label(node)}: {bad_attr}")
        ctx = NodeCtx(node=node, opset=opset, attrs=attrs, inputs=ins, b=b)
        try:
            outs = resolution.converter.fn(ctx)
        except Unsupported as e:
            unsupported.append(UnsupportedNode(label, node.op_type, node.domain, node_opset, str(e)))
            status[idx] = ("refused", str(e))
            poisoned.update((o, label) for o in node.output if o)
            continue
        except ValueError as e:
            raise GraphStructureError(f"node {_label(node)}: {e}") from None
        except TleanError:
            raise
        except (TypeError, IndexError, KeyError, AttributeError, ArithmeticError, AssertionError) as e:
            # A converter met a node shaped unlike any valid ONNX node (attribute lists of the
            # wrong length, inputs missing): the model is malformed; say which node and why.
            raise GraphStructureError(
                f"node {_label(node)} is malformed (its attributes or inputs do not fit "
                f"{node.op_type}-{resolution.converter.since_version}): {type(e).__name__}: {e}"
            ) from None
        status[idx] = ("converted", "")
        carries = (any(v is not None and v.integer for v in ins) and node.op_type in INTEGER_CARRIERS) or (
            node.op_type == "Gather" and ins[0] is not None and ins[0].integer
        )
        for o, v in zip(node.output, outs, strict=False):
            if o:
                v.name = v.name or o
                if carries and not v.is_const:
                    v = Value(shape=v.shape, node=v.node, name=v.name, integer=True)
                env[o] = v
    if unsupported:
        raise UnsupportedOpsError(unsupported)

    outputs: list[int] = []
    out_names: list[str] = []
    for vi in g.output:
        if vi.name not in env:
            raise GraphStructureError(f"graph output {vi.name!r} is not produced by any node")
        v = env[vi.name]
        if v.is_const and v.const is not None and v.const.dtype != np.float32:
            raise UnsupportedDTypeError(f"graph output {vi.name!r} has element type {v.const.dtype}")
        if 0 in v.shape:
            raise GraphStructureError(
                f"graph output {vi.name!r} has shape {list(v.shape)}: a tensor with a zero dimension is "
                "empty, so there is nothing to compute or verify"
            )
        try:
            outputs.append(b.materialize(v))
        except Unsupported as e:
            raise UnsupportedDTypeError(f"graph output {vi.name!r}: {e}") from None
        out_names.append(vi.name)
    graph = ir.Graph(
        name=name or g.name or "model",
        inputs=b.inputs,
        params=b.params,
        nodes=b.nodes,
        outputs=outputs,
        output_names=out_names,
    )
    ir.check(graph)
    return ImportedModel(
        graph=graph,
        params=b.param_values,
        opset=opset,
        producer=f"{proto.producer_name} {proto.producer_version}".strip(),
        source=source,
        sha256=sha,
        folded=folded,
        onnx_ops=ops_count,
        integer_inputs=[d.name for d in b.inputs if env.get(d.name) is not None and env[d.name].integer],
        onnx_dtypes={vi.name: int(vi.type.tensor_type.elem_type) for vi in real_inputs},
    )


def support_table(model: onnx.ModelProto) -> list[tuple[onnx.NodeProto, str]]:
    """For each node: ``""`` when a converter exists for it at the model's opset, else why not.

    A static view for ``tlean inspect``; attribute-level limits are found only by importing.
    """
    from tlean.onnx_import import families  # noqa: F401

    opset = _opset_of(model)
    rows = []
    for node in model.graph.node:
        r = REGISTRY.resolve(node.op_type, node.domain, opset)
        rows.append((node, "" if r.converter else r.reason))
    return rows
