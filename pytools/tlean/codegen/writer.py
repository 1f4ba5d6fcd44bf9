"""Renders an imported model to Lean source (jinja2, StrictUndefined)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from tlean import __version__, ir
from tlean.codegen.lean_terms import decl_term, nat_list, node_term
from tlean.codegen.leantext import IdentAllocator, doc_text, string_literal

#: Nodes per ``nodesK`` definition: keeps each list literal small for the elaborator.
CHUNK = 64

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Provenance:
    """Where a model came from (all of it model-supplied text except the hashes)."""

    source_name: str
    source_sha256: str
    opset: int
    producer: str
    graph_doc: str = ""


def _list(items: list[str]) -> str:
    if not items:
        return "[]"
    return "[\n    " + ",\n    ".join(items) + "]"


def _chunked(items: list[str], prefix: str) -> tuple[list[dict[str, Any]], str]:
    """``items`` split into list literals of at most CHUNK elements, and their concatenation."""
    chunks = [
        {"start": s, "stop": min(s + CHUNK, len(items)) - 1, "body": _list(items[s : s + CHUNK])}
        for s in range(0, len(items), CHUNK)
    ]
    return chunks, " ++ ".join(f"{prefix}{i}" for i in range(len(chunks))) or "[]"


def _idents(alloc: IdentAllocator, rows: list[tuple[str, int]], fallback: str) -> list[dict[str, Any]]:
    return [
        {
            "ident": alloc.ident(name, fallback),
            "id": nid,
            "doc": "`" + doc_text(name, 80) + "`" if name else "(unnamed)",
        }
        for name, nid in rows
    ]


def render_model(
    module: str,
    graph: ir.Graph,
    prov: Provenance,
    payload_path: str,
    payload_sha256: str,
    full_name: str | None = None,
) -> str:
    """The Lean module ``full_name`` (default ``NN.Models.<module>``) for ``graph``; its
    namespace is the module name."""
    nodes = graph.nodes
    chunks = [
        {"start": s, "stop": min(s + CHUNK, len(nodes)) - 1, "terms": [node_term(n) for n in nodes[s : s + CHUNK]]}
        for s in range(0, len(nodes), CHUNK)
    ]
    input_ids = {n.typed_attrs().index: k for k, n in enumerate(nodes) if n.op == "input"}
    param_ids = {n.typed_attrs().index: k for k, n in enumerate(nodes) if n.op == "param"}
    out_names = graph.output_names or [f"output_{i}" for i in range(len(graph.outputs))]
    param_chunks, param_concat = _chunked([decl_term(d) for d in graph.params], "params")
    name_chunks, name_concat = _chunked([string_literal(n.name) for n in nodes], "nodeNames")
    ctx = {
        "module": module,
        "full_name": full_name or f"NN.Models.{module}",
        "tlean_version": __version__,
        "source_doc": doc_text(prov.source_name, 120),
        "source_sha256": prov.source_sha256 or "unknown",
        "opset": prov.opset,
        "producer_doc": doc_text(prov.producer, 80) or "unknown",
        "graph_doc": doc_text(prov.graph_doc, 300),
        "n_nodes": len(nodes),
        "n_inputs": len(graph.inputs),
        "n_params": len(graph.params),
        "n_param_elements": f"{sum(math.prod(p.shape) for p in graph.params):,}",
        "n_outputs": len(graph.outputs),
        "payload_name": doc_text(Path(payload_path).name, 120),
        "payload_sha256": payload_sha256,
        "payload_path": "⟨" + string_literal(payload_path) + "⟩",
        "inputs": _list([decl_term(d) for d in graph.inputs]),
        "param_chunks": param_chunks,
        "param_concat": param_concat,
        "node_chunks": chunks,
        "node_concat": " ++ ".join(f"nodes{i}" for i in range(len(chunks))) or "[]",
        "outputs": nat_list(graph.outputs),
        "name_chunks": name_chunks,
        "name_concat": name_concat,
        "output_names": _list([string_literal(n) for n in out_names]),
        "input_idents": _idents(
            IdentAllocator(), [(d.name, input_ids[i]) for i, d in enumerate(graph.inputs) if i in input_ids], "input"
        ),
        "param_idents": _idents(
            IdentAllocator(), [(d.name, param_ids[i]) for i, d in enumerate(graph.params) if i in param_ids], "param"
        ),
        "output_idents": _idents(IdentAllocator(), list(zip(out_names, graph.outputs, strict=True)), "output"),
        "node_idents": _idents(IdentAllocator(), [(n.name, k) for k, n in enumerate(nodes) if n.name], "node"),
    }
    return _ENV.get_template("model.lean.j2").render(**ctx)


def render_runner(module: str, full_name: str | None = None) -> str:
    """The ``main`` that evaluates the model module ``full_name`` (default ``NN.Models.<module>``)
    on an inputs payload (``tlean export --check-lean``, ``tlean run --lean``, the per-model
    ``<Name>Main.lean``)."""
    return _ENV.get_template("runner.lean.j2").render(module=module, full_name=full_name or f"NN.Models.{module}")
