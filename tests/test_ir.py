"""The IR models: JSON round trip, the committed JSON Schema, and check()'s rejections."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from tlean import ir
from tlean.errors import IRCheckError
from tlean.onnx_import import import_model

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "docs" / "schemas" / "tlean.ir.v1.json"


def small_graph() -> ir.Graph:
    return ir.Graph(
        name="g",
        inputs=[ir.TensorDecl(name="x ⟨weird⟩ -/ name", shape=[2, 3])],
        params=[ir.TensorDecl(name="w", shape=[4, 3]), ir.TensorDecl(name="b", shape=[4])],
        nodes=[
            ir.Node(op="input", attrs={"index": 0}, shape=[2, 3], name="x"),
            ir.Node(op="param", attrs={"index": 0}, shape=[4, 3], name="w"),
            ir.Node(op="param", attrs={"index": 1}, shape=[4], name="b"),
            ir.Node(op="linear", inputs=[0, 1, 2], shape=[2, 4], name="fc"),
            ir.Node(op="clip", inputs=[3], attrs={"lo": float("-inf"), "hi": 6.0}, shape=[2, 4]),
            ir.Node(op="const", attrs={"bits": [0x3F800000]}, shape=[1]),
            ir.Node(op="add", inputs=[4, 5], shape=[2, 4]),
        ],
        outputs=[6],
        output_names=["y"],
    )


def test_committed_schema_is_current() -> None:
    """docs/schemas/tlean.ir.v1.json must be regenerated (tlean schema ir) when the models change."""
    assert json.loads(SCHEMA_FILE.read_text()) == ir.ir_json_schema()


def test_round_trip_and_schema_validation() -> None:
    g = small_graph()
    ir.check(g)
    text = g.to_json()
    doc = json.loads(text)
    assert doc["format"] == "tlean.ir.v1"
    jsonschema.validate(doc, ir.ir_json_schema())
    assert ir.Graph.from_json(text) == g
    assert doc["nodes"][4]["attrs"] == {"lo": "-Infinity", "hi": 6.0}


def test_schema_rejects_wrong_attrs_for_op() -> None:
    doc = json.loads(small_graph().to_json())
    doc["nodes"][4]["attrs"] = {"alpha": 0.1}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, ir.ir_json_schema())


def test_imported_light_model_validates(light_dir: Path) -> None:
    g = import_model(light_dir / "light_squeezenet.onnx").graph
    doc = json.loads(g.to_json())
    jsonschema.validate(doc, ir.ir_json_schema())
    assert ir.Graph.from_json(g.to_json()) == g


def _mutate(fn) -> ir.Graph:  # type: ignore[no-untyped-def]
    doc = json.loads(small_graph().to_json())
    fn(doc)
    return ir.Graph.model_validate(doc)


@pytest.mark.parametrize(
    "mutation,node,message",
    [
        (lambda d: d["nodes"][3].update(inputs=[0, 1, 5]), 3, "forward reference"),
        (lambda d: d["nodes"][3].update(inputs=[0]), 3, "takes 2 to 3 input"),
        (lambda d: d["nodes"][4].update(attrs={"lo": 0.1}), 4, "binary32"),
        (lambda d: d["nodes"][4].update(attrs={"alpha": 1.0}), 4, "bad attributes"),
        (lambda d: d["nodes"][3].update(shape=[2, 5]), 3, "shape rule gives [2, 4]"),
        (lambda d: d["nodes"][1].update(attrs={"index": 7}), 1, "out of range"),
        (lambda d: d["nodes"][0].update(shape=[3, 2]), 0, "declared [2, 3]"),
        (lambda d: d["nodes"][5].update(attrs={"bits": [1, 2]}), 5, "2 values for shape [1]"),
        (lambda d: d["nodes"][6].update(inputs=[4, 1]), 6, "do not broadcast"),
        (lambda d: d["nodes"][3].update(inputs=[3, 1, 2]), 3, "forward reference"),
    ],
)
def test_check_rejects(mutation, node: int, message: str) -> None:  # type: ignore[no-untyped-def]
    g = _mutate(mutation)
    with pytest.raises(IRCheckError, match=re.escape(message)) as e:
        ir.check(g)
    assert e.value.node == node
    assert f"node {node}:" in str(e.value)


def test_check_rejects_missing_output() -> None:
    g = _mutate(lambda d: d.update(outputs=[99]))
    with pytest.raises(IRCheckError, match="output 99"):
        ir.check(g)


def test_from_json_reports_garbage() -> None:
    with pytest.raises(IRCheckError, match="not a valid tlean IR graph"):
        ir.Graph.from_json('{"format": "tlean.ir.v1", "nodes": 3}')
    with pytest.raises(IRCheckError):
        ir.Graph.from_json(
            '{"format": "tlean.ir.v1", "inputs": [], "nodes": [{"op": "frob", "shape": []}], "outputs": [0]}'
        )


@pytest.mark.parametrize(
    "size,k,s,pb,pe,ceil,want",
    [
        (5, 2, 2, 0, 0, False, 2),
        (5, 2, 2, 0, 0, True, 3),
        (6, 3, 2, 1, 1, True, 4),
        (7, 3, 3, 0, 0, True, 3),
        (2, 1, 2, 0, 1, True, 1),
    ],
)
def test_pool_out_dim(size: int, k: int, s: int, pb: int, pe: int, ceil: bool, want: int) -> None:
    assert ir.pool_out_dim(size, k, s, pb, pe, 1, ceil) == want


def test_every_op_has_one_rule_and_attr_model() -> None:
    assert set(ir.OPS) == set(ir.OpName.__args__)  # type: ignore[attr-defined]
    assert len(ir.OPS) == 49  # op set v1 (37) + the 12 ops of issue 10
