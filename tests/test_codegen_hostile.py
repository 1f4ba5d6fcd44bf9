"""Hostile models: names and doc strings full of Lean syntax never reach Lean unescaped."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save
from tlean.codegen.leantext import LEAN_KEYWORDS, IdentAllocator, doc_text, module_name, string_literal
from tlean.export import export_onnx
from tlean.scan import mask_noncode, scan_paths

HOSTILE = [
    "-/ axiom evil : False /-",
    'quote " and \\ backslash',
    "#eval IO.Process.exit 1",
    "line1\nline2\r\ttab",
    "sorry",
    "end",
    "def",
    "namespace",
    "émoji 🤖 ünïcødé",
    "ctrl\x00\x07\x1b[31m",
    "zero\u200bwidth\u202eRLO",
    "a.b",
    "a_b",
    "",
    "123starts_with_digit",
    "«guillemets»",
    "/-! nested /- comment -/ -/",
    "theorem bad : False := by sorry",
]


def _decode(lit: str) -> str:
    """Decodes a Lean string literal written by string_literal (the escapes it uses)."""
    assert lit[0] == lit[-1] == '"'
    out, i, body = [], 0, lit[1:-1]
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        e = body[i + 1]
        if e in 'n"\\tr':
            out.append({"n": "\n", '"': '"', "\\": "\\", "t": "\t", "r": "\r"}[e])
            i += 2
        elif e == "x":
            out.append(chr(int(body[i + 2 : i + 4], 16)))
            i += 4
        elif e == "u":
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        else:  # pragma: no cover
            raise AssertionError(f"unknown escape {e}")
    return "".join(out)


def test_string_literal_round_trips_and_is_one_token() -> None:
    for text in HOSTILE:
        lit = string_literal(text)
        if "\U0001f916" not in text:
            assert _decode(lit) == text
        assert "\n" not in lit and "\x00" not in lit
        masked = mask_noncode(lit)
        assert masked.strip() == "", masked  # the scanner sees one string and nothing else


def test_doc_text_cannot_break_out() -> None:
    for text in HOSTILE:
        d = doc_text(text)
        assert "-/" not in d and "/-" not in d and "\n" not in d and "`" not in d
        assert not any(ord(c) < 0x20 for c in d)


def test_identifiers_are_valid_distinct_and_not_keywords() -> None:
    alloc = IdentAllocator()
    idents = [alloc.ident(t, "node") for t in HOSTILE + HOSTILE]
    assert len(set(idents)) == len(idents)
    for ident in idents:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", ident), ident
        assert ident not in LEAN_KEYWORDS
    assert module_name("../../etc/passwd") == "EtcPasswd"
    assert module_name("123") == "Model123" and module_name("Type") == "TypeModel"


def _hostile_model(tmp_path: Path) -> Path:
    names = [n for n in HOSTILE if n]
    nodes, prev = [], "x -/ input"
    for k, n in enumerate(names):
        nodes.append(helper.make_node("Relu" if k % 2 else "Neg", [prev], [n], name=f"node {n}", doc_string=n))
        prev = n
    w = numpy_helper.from_array(np.ones(3, np.float32), 'weight -/ #eval "x"')
    nodes.append(helper.make_node("Add", [prev, w.name], ["out -/ end"]))
    graph = helper.make_graph(
        nodes,
        "graph -/ axiom g : False",
        [helper.make_tensor_value_info("x -/ input", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("out -/ end", TensorProto.FLOAT, [3])],
        initializer=[w],
        doc_string="-/ axiom evil : False /- \n #eval 1",
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 13)],
        producer_name="evil -/ producer",
        doc_string="-/ theorem t : False := sorry",
    )
    model.ir_version = 8
    path = tmp_path / 'we"ird -- name.onnx'
    save(model, path)
    return path


def test_hostile_model_exports_safely(tmp_path: Path) -> None:
    result = export_onnx(_hostile_model(tmp_path), out_dir=tmp_path / "out")
    text = result.lean_path.read_text()
    # Our own tokenizer sees no escape hatch (axiom, sorry, #eval outside strings/comments ...).
    assert not scan_paths([result.lean_path]).findings
    # Outside strings and comments, model text survives only as sanitised «identifiers».
    code = re.sub(r"«[A-Za-z][A-Za-z0-9_]*»", "«id»", mask_noncode(text))
    for fragment in ("evil", "#eval", "axiom", "producer", "IO.Process"):
        assert fragment not in code, fragment
    # Every node is named: nodeNames decodes back to each node's source name.
    block = text[text.index("def nodeNames") : text.index("def outputNames")]
    decoded = [_decode(m) for m in re.findall(r'"(?:[^"\\]|\\.)*"', block)]
    assert decoded == [n.name for n in result.imported.graph.nodes]
    assert "-/ axiom evil : False /-" in decoded
    # Every named node has a Lean identifier, all distinct, in «» so no keyword can bite.
    idents = re.findall(r"^def «([^»]+)» : Nat", text, flags=re.M)
    assert len(idents) >= len([n for n in result.imported.graph.nodes if n.name])
    node_section = text[text.index("namespace Node") : text.index("end Node")]
    node_idents = re.findall(r"def «([^»]+)»", node_section)
    assert len(node_idents) == len(set(node_idents))
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", i) for i in idents)
