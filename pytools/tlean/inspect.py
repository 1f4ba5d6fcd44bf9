"""What ``tlean inspect`` reports about an ONNX model (the data; the CLI renders it)."""

from __future__ import annotations

import hashlib
import math
import os
from collections import Counter
from pathlib import Path
from typing import Any

import onnx

from tlean.errors import TleanError, UnsupportedOpsError
from tlean.onnx_import import load_model_proto, support_table
from tlean.onnx_import.importer import import_model
from tlean.onnx_import.loader import DEFAULT_MAX_ELEMENTS, check_declared_sizes

INSPECT_FORMAT = "tlean.inspect.v1"


def _shape_text(vi: onnx.ValueInfoProto) -> list[int | str]:
    out: list[int | str] = []
    for d in vi.type.tensor_type.shape.dim:
        out.append(int(d.dim_value) if d.HasField("dim_value") else (d.dim_param or "?"))
    return out


def _dtype(vi: onnx.ValueInfoProto) -> str:
    et = vi.type.tensor_type.elem_type
    return onnx.TensorProto.DataType.Name(et).lower() if et else "undefined"


def inspect_model(
    path: str | os.PathLike[str],
    *,
    input_shapes: dict[str, list[int]] | None = None,
    max_elements: int = DEFAULT_MAX_ELEMENTS,
) -> dict[str, Any]:
    """A JSON-ready summary: header, inputs, outputs, parameters, ops, per-node support and
    the outcome of a full import (which finds attribute-level limits a static look cannot)."""
    p = Path(path)
    model = load_model_proto(p)
    check_declared_sizes(model, max_elements)
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    rows = support_table(model)
    reasons: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for node, reason in rows:
        counts[node.op_type] += 1
        if reason:
            reasons.setdefault(node.op_type, reason)
    opset = next((int(i.version) for i in model.opset_import if i.domain in ("", "ai.onnx")), 0)
    result: dict[str, Any] = {
        "format": INSPECT_FORMAT,
        "file": p.name,
        "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
        "ir_version": int(model.ir_version),
        "opset": opset,
        "producer": f"{model.producer_name} {model.producer_version}".strip(),
        "graph_name": g.name,
        "inputs": [
            {"name": vi.name, "shape": _shape_text(vi), "dtype": _dtype(vi)} for vi in g.input if vi.name not in inits
        ],
        "outputs": [{"name": vi.name, "shape": _shape_text(vi), "dtype": _dtype(vi)} for vi in g.output],
        "parameters": {
            "tensors": len(inits),
            "elements": sum(math.prod(t.dims) for t in inits.values()),
        },
        "ops": [
            {"op_type": op, "count": n, "supported": op not in reasons, "reason": reasons.get(op, "")}
            for op, n in sorted(counts.items())
        ],
        "nodes": [
            {
                "index": i,
                "name": node.name,
                "op_type": node.op_type,
                "outputs": list(node.output),
                "supported": not reason,
                "reason": reason,
            }
            for i, (node, reason) in enumerate(rows)
        ],
    }
    try:
        imported = import_model(p, input_shapes=input_shapes, max_elements=max_elements)
    except UnsupportedOpsError as e:
        result["import"] = {
            "ok": False,
            "code": e.code,
            "error": str(e),
            "unsupported": [n.__dict__ for n in e.nodes],
        }
        by_label = {n.name: n.reason for n in e.nodes}
        for row in result["nodes"]:
            label = row["name"] or (row["outputs"][0] if row["outputs"] else "")
            if label in by_label and row["supported"]:
                row["supported"], row["reason"] = False, by_label[label]
    except TleanError as e:
        result["import"] = {"ok": False, "code": e.code, "error": str(e)}
    else:
        gr = imported.graph
        ir_ops = Counter(n.op for n in gr.nodes)
        result["import"] = {
            "ok": True,
            "ir_nodes": len(gr.nodes),
            "ir_params": len(gr.params),
            "ir_param_elements": sum(math.prod(t.shape) for t in gr.params),
            "folded": imported.folded,
            "ir_ops": dict(sorted(ir_ops.items())),
        }
    return result
