"""The CLI commands on real models: inspect, run, schema, doctor (JSON and tables)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tlean.cli import app
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mlp.onnx"
EXAMPLE_INPUT = ROOT / "examples" / "mlp_input.npy"
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_inspect_json_light_model(light_dir: Path) -> None:
    code, out = invoke("inspect", str(light_dir / "light_inception_v1.onnx"), "--json")
    assert code == 0
    info = json.loads(out)
    assert info["format"] == "tlean.inspect.v1"
    ops = {o["op_type"]: o for o in info["ops"]}
    assert ops["Conv"]["count"] == 57 and ops["LRN"]["supported"]
    assert info["inputs"][0]["shape"] == [1, 3, 224, 224]
    assert info["import"]["ok"] and info["import"]["ir_ops"]["conv2d"] == 57
    assert len(info["nodes"]) == sum(o["count"] for o in info["ops"])


def test_inspect_tables_and_nodes() -> None:
    code, out = invoke("inspect", str(EXAMPLE), "--nodes")
    assert code == 0
    for needle in ("Gemm", "fc1", "probs", "imports into the tlean IR", "linear×3"):
        assert needle in out


def test_inspect_reports_unsupported_per_node(tmp_path: Path) -> None:
    from onnx import helper, save

    from tests.onnx_helpers import make_model

    nodes = [helper.make_node("Relu", ["x"], ["a"], name="r"), helper.make_node("Unique", ["a"], ["y"], name="e")]
    save(make_model(nodes, {"x": [2]}, ["y"], opset=13), tmp_path / "m.onnx")
    code, out = invoke("inspect", str(tmp_path / "m.onnx"), "--json")
    info = json.loads(out)
    assert code == 1  # not importable: the same exit code with and without --json
    assert [n["supported"] for n in info["nodes"]] == [True, False]
    assert not info["import"]["ok"] and info["import"]["unsupported"][0]["op_type"] == "Unique"
    code, out = invoke("inspect", str(tmp_path / "m.onnx"), "--json", "--exit-zero")
    assert code == 0 and not json.loads(out)["import"]["ok"]
    code, out = invoke("inspect", str(tmp_path / "m.onnx"))
    assert code == 1 and "does not import" in out


def test_run_matches_onnxruntime_and_saves(tmp_path: Path) -> None:
    code, out = invoke("run", str(EXAMPLE), "--input", f"x={EXAMPLE_INPUT}", "--save", str(tmp_path / "o"), "--json")
    assert code == 0, out
    result = json.loads(out)
    assert result["format"] == "tlean.run.v1"
    (row,) = result["outputs"]
    saved = np.load(row["saved"])
    want = ort.InferenceSession(str(EXAMPLE)).run(None, {"x": np.load(EXAMPLE_INPUT)})[0]
    np.testing.assert_allclose(saved, want, rtol=1e-6)
    np.testing.assert_allclose(row["values"], want.ravel(), rtol=1e-6)
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["probs.npy"]


def test_run_saves_hostile_output_names_inside_dir(tmp_path: Path) -> None:
    from onnx import helper, save

    from tests.onnx_helpers import make_model

    name = "../../escape/..\\out put"
    save(make_model([helper.make_node("Relu", ["x"], [name])], {"x": [2]}, [name], opset=13), tmp_path / "m.onnx")
    np.save(tmp_path / "x.npy", np.array([-1.0, 2.0], np.float32))
    code, out = invoke(
        "run", str(tmp_path / "m.onnx"), "--input", f"x={tmp_path / 'x.npy'}", "--save", str(tmp_path / "o")
    )
    assert code == 0, out
    files = list((tmp_path / "o").iterdir())
    assert len(files) == 1 and files[0].parent == tmp_path / "o"
    np.testing.assert_array_equal(np.load(files[0]), [0.0, 2.0])
    assert not (tmp_path / "escape").exists()


def test_input_names_with_equals_sign(tmp_path: Path) -> None:
    from onnx import helper, save

    from tests.onnx_helpers import make_model

    save(
        make_model(
            [
                helper.make_node(
                    "Neg",
                    [
                        "a=b",
                    ],
                    ["y"],
                )
            ],
            {"a=b": [2]},
            ["y"],
            opset=13,
        ),
        tmp_path / "m.onnx",
    )
    np.save(tmp_path / "x.npy", np.array([1.0, 2.0], np.float32))
    code, out = invoke("run", str(tmp_path / "m.onnx"), "--input", f"a=b={tmp_path / 'x.npy'}", "--json")
    assert code == 0, out
    assert json.loads(out)["outputs"][0]["values"] == [-1.0, -2.0]


def test_schema_ir_is_json() -> None:
    code, out = invoke("schema", "ir")
    assert code == 0
    assert json.loads(out)["title"].startswith("tlean IR graph")


def test_doctor_json() -> None:
    code, out = invoke("doctor", "--json")
    assert code == 0
    report = json.loads(out)
    names = {c["name"]: c for c in report["components"]}
    assert names["onnx"]["found"] and names["python"]["found"]
    assert {"elan", "lake", "lean"} <= set(names)
    assert report["format"] == "tlean.doctor.v1"
