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
    }
    trace: dict[int, tuple[str, str]] = {}
    try:
        imported = import_model(p, input_shapes=input_shapes, max_elements=max_elements, trace=trace)
    except UnsupportedOpsError as e:
        result["import"] = {
            "ok": False,
            "code": e.code,
            "error": str(e),
            "unsupported": [n.__dict__ for n in e.nodes],
        }
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
    result["nodes"] = node_rows(model, trace)
    result["ops"] = op_rows(result["nodes"])
    return result


def node_rows(model: onnx.ModelProto, trace: dict[int, tuple[str, str]]) -> list[dict[str, Any]]:
    """One row per ONNX node with the import's verdict on it.

    ``status`` is the importer's own (``converted``, ``folded``, ``refused``, ``downstream``: not
    imported because it reads the output of a refused node); a node the import did not reach
    (it stopped earlier, e.g. on a dynamic input shape) gets ``static``: only the converter
    registry was consulted, so attribute-level limits are not known for it.
    """
    static = support_table(model)
    rows = []
    for i, (node, static_reason) in enumerate(static):
        status, detail = trace.get(i, ("static", static_reason))
        if status == "downstream":
            reason = f"not imported: reads the output of the refused node {detail!r}"
            supported = not static_reason
        elif status == "static":
            reason, supported = static_reason, not static_reason
        else:
            reason, supported = detail, status != "refused"
        rows.append(
            {
                "index": i,
                "name": node.name,
                "op_type": node.op_type,
                "outputs": list(node.output),
                "status": status,
                "supported": supported,
                "reason": reason,
            }
        )
    return rows


def op_rows(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The op table, aggregated from the node rows: an op is supported when none of its nodes
    is refused; ``reason`` is the first refusal; counts per status are listed."""
    by_op: dict[str, list[dict[str, Any]]] = {}
    for row in nodes:
        by_op.setdefault(row["op_type"], []).append(row)
    out = []
    for op, rows in sorted(by_op.items()):
        bad = [r for r in rows if not r["supported"]]
        out.append(
            {
                "op_type": op,
                "count": len(rows),
                "supported": not bad,
                "reason": bad[0]["reason"] if bad else "",
                "statuses": dict(sorted(Counter(r["status"] for r in rows).items())),
            }
        )
    return out
