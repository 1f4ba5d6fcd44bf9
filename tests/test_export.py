"""tlean export: the files it writes, their pins, atomicity, --check, and that generated Lean
uses only names that exist in NN/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from onnx import helper, save
from tlean import ir
from tlean.check import check_against_onnxruntime
from tlean.cli import app
from tlean.export import ExportExistsError, export_onnx
from tlean.payload import read_payload, sha256_file
from tlean.scan import check_names, scan_paths
from typer.testing import CliRunner

from tests.onnx_helpers import make_model

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mlp.onnx"
runner = CliRunner()


def assert_lean_names_exist(lean_file: Path) -> None:
    """Every NN.* name the generated module uses is declared in NN/, and it has no escape hatch."""
    names = check_names([lean_file], ROOT / "NN", base=ROOT)
    own = f"NN.Models.{lean_file.stem}"  # the module's own namespace is declared by the file itself
    unresolved = [r.name for r in names.unresolved if r.name != own and not r.name.startswith(own + ".")]
    assert not unresolved, unresolved
    assert names.references > 10
    ctors = set(re.findall(r"NN\.IR\.OpKind\.(\w+)", lean_file.read_text()))
    assert ctors <= set(ir.OPS)
    assert not scan_paths([lean_file]).findings


def test_cli_export_with_check(tmp_path: Path) -> None:
    res = runner.invoke(app, ["export", str(EXAMPLE), "--out-dir", str(tmp_path), "--check", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["format"] == "tlean.export.v1" and data["module"] == "NN.Models.Mlp"
    assert data["check"]["passed"] and data["check"]["outputs"][0]["max_ulp"] < 64
    lean, tlp = tmp_path / "Mlp.lean", tmp_path / "Mlp.tlp"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Mlp.lean", "Mlp.tlp"]
    text = lean.read_text()
    assert f'def payloadSha256 : String := "{sha256_file(tlp)}"' in text
    assert "theorem graph_check" in text and "NN.Proofs.execGraphOfIR_semantics_eq graph" in text
    params = read_payload(tlp, expected_sha256=sha256_file(tlp))
    assert list(params) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]
    assert_lean_names_exist(lean)


def test_export_is_deterministic(tmp_path: Path) -> None:
    a = export_onnx(EXAMPLE, out_dir=tmp_path / "a")
    b = export_onnx(EXAMPLE, out_dir=tmp_path / "b")
    assert a.lean_path.read_text() == b.lean_path.read_text().replace("/b/", "/a/")
    assert a.payload_path.read_bytes() == b.payload_path.read_bytes()


def test_existing_module_needs_force(tmp_path: Path) -> None:
    export_onnx(EXAMPLE, out_dir=tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(ExportExistsError):
        export_onnx(EXAMPLE, out_dir=tmp_path)
    res = runner.invoke(app, ["export", str(EXAMPLE), "--out-dir", str(tmp_path)])
    assert res.exit_code == 2 and "--force" in res.output
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    export_onnx(EXAMPLE, out_dir=tmp_path, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Mlp.lean", "Mlp.tlp"]


def test_failed_export_leaves_nothing(tmp_path: Path) -> None:
    bad = make_model([helper.make_node("ArgMax", ["x"], ["y"])], {"x": [2]}, ["y"], opset=13)
    save(bad, tmp_path / "bad.onnx")
    out = tmp_path / "out"
    res = runner.invoke(app, ["export", str(tmp_path / "bad.onnx"), "--out-dir", str(out)])
    assert res.exit_code == 2 and "ArgMax" in res.output
    assert not out.exists() or not any(out.iterdir())


def test_bad_module_name_is_refused(tmp_path: Path) -> None:
    res = runner.invoke(app, ["export", str(EXAMPLE), "--out-dir", str(tmp_path), "--name", "my model"])
    assert res.exit_code == 2 and "MyModel" in res.output


def test_check_fails_on_disagreement(tmp_path: Path) -> None:
    result = export_onnx(EXAMPLE, out_dir=tmp_path)
    name = result.imported.graph.params[0].name
    result.imported.params[name] = result.imported.params[name] + np.float32(0.5)
    report = check_against_onnxruntime(EXAMPLE, result.imported)
    assert not report.passed and report.outputs[0].max_abs > 1e-3


def test_check_lean_without_lake_is_an_error_before_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit --check-lean that cannot run is a user error (exit 2) naming the alternative,
    raised before anything is written (it used to be skipped with exit 0)."""
    monkeypatch.setenv("PATH", str(tmp_path))  # no lake on this PATH
    res = runner.invoke(app, ["export", str(EXAMPLE), "--out-dir", str(tmp_path / "o"), "--check-lean", "--json"])
    assert res.exit_code == 2, res.output
    err = json.loads(res.stdout)["error"]
    assert err["code"] == "toolchain-missing" and "lake" in err["message"] and "--check" in err["message"]
    assert not (tmp_path / "o").exists()


LIGHT = [
    "bvlc_alexnet",
    "densenet121",
    "inception_v1",
    "inception_v2",
    "resnet50",
    "shufflenet",
    "squeezenet",
    "vgg19",
    "zfnet512",
]


@pytest.mark.slow
@pytest.mark.parametrize("model", LIGHT)
def test_light_models_export_and_check(model: str, light_dir: Path, tmp_path: Path) -> None:
    result = export_onnx(light_dir / f"light_{model}.onnx", out_dir=tmp_path)
    report = check_against_onnxruntime(light_dir / f"light_{model}.onnx", result.imported, seeds=(0,))
    assert report.passed, report.to_json()
    assert_lean_names_exist(result.lean_path)
    assert sha256_file(result.payload_path) == result.payload_sha256


def test_committed_example_module_is_current() -> None:
    """NN/Models/Mlp.lean and .tlp are what README's main-job command writes."""
    lean, tlp = ROOT / "NN" / "Models" / "Mlp.lean", ROOT / "NN" / "Models" / "Mlp.tlp"
    fresh = export_onnx(EXAMPLE, out_dir=ROOT / "build" / "example-check", force=True)
    try:
        assert tlp.read_bytes() == fresh.payload_path.read_bytes()
        want = fresh.lean_path.read_text().replace("build/example-check/Mlp.tlp", "NN/Models/Mlp.tlp")
        assert lean.read_text() == want
        assert_lean_names_exist(lean)
    finally:
        for p in (fresh.lean_path, fresh.payload_path):
            p.unlink()


def test_issue10_ops_export_with_lean_names(tmp_path: Path) -> None:
    """Every op added for issue 10 reaches the generated Lean module with its attributes, under
    names that exist in NN/ (`where` as the escaped constructor `«where»`)."""
    rng = np.random.default_rng(0)
    nodes = [
        helper.make_node("Erf", ["x"], ["e"]),
        helper.make_node("Sin", ["e"], ["s"]),
        helper.make_node("Cos", ["s"], ["c"]),
        helper.make_node("Sign", ["c"], ["g"]),
        helper.make_node("Add", ["g", "x"], ["gx"]),
        helper.make_node("Floor", ["gx"], ["f"]),
        helper.make_node("Ceil", ["x"], ["ce"]),
        helper.make_node("Round", ["x"], ["r"]),
        helper.make_node("Add", ["f", "ce"], ["a1"]),
        helper.make_node("Add", ["a1", "r"], ["a2"]),
        helper.make_node("Pow", ["a2", "p"], ["pw"]),
        helper.make_node(
            "ConvTranspose", ["pw", "W", "b"], ["ct"], strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1]
        ),
        helper.make_node(
            "Resize", ["ct", "", "sc"], ["rs"], mode="linear", coordinate_transformation_mode="half_pixel"
        ),
        helper.make_node("Where", ["cond", "rs", "zero"], ["y"]),
    ]
    inits = {
        "W": rng.standard_normal((2, 3, 3, 3)).astype(np.float32),
        "b": rng.standard_normal(3).astype(np.float32),
        "p": np.array(3.0, np.float32),
        "sc": np.array([1, 1, 2, 2], np.float32),
        "cond": (np.arange(144).reshape(1, 1, 12, 12) % 3 > 0),
        "zero": np.zeros((1,), np.float32),
    }
    model = make_model(nodes, {"x": [1, 2, 3, 3]}, ["y"], opset=13, initializers=inits)
    save(model, tmp_path / "newops.onnx")
    result = export_onnx(tmp_path / "newops.onnx", out_dir=tmp_path / "out")
    ops = {n.op for n in result.imported.graph.nodes}
    assert {"erf", "sin", "cos", "sign", "floor", "ceil", "round", "pow", "convTranspose2d", "resize", "where"} <= ops
    text = result.lean_path.read_text()
    assert "NN.IR.OpKind.«where»" in text
    assert "outputPadding := [1, 1]" in text and "exponent := 0x40400000" in text
    assert re.search(r"weight0 := \[\[\], \[\], \[0x[0-9A-F]{8}", text)
    assert_lean_names_exist(result.lean_path)


def test_codegen_knows_every_attribute_structure() -> None:
    """Every op with attributes has its Lean structure in the code generator's table, and that
    structure exists in NN/IR/OpKind.lean; every float field is written as bit patterns."""
    from tlean.codegen import lean_terms

    opkind = (ROOT / "NN" / "IR" / "OpKind.lean").read_text()
    for op, spec in ir.OPS.items():
        fields = ir.attr_fields(op)
        if op in ir.LEAF_OPS or not fields:
            assert lean_terms.ATTR_STRUCT.get(op) is None, op
            continue
        struct = lean_terms.ATTR_STRUCT[op]
        assert struct is not None and f"structure {struct} where" in opkind, op
        for name, info in spec.attrs.model_fields.items():
            if "float" in str(info.annotation):
                assert name in lean_terms.F32_FIELDS | lean_terms.F32_TABLE_FIELDS, (op, name)
