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
    bad = make_model([helper.make_node("Erf", ["x"], ["y"])], {"x": [2]}, ["y"], opset=13)
    save(bad, tmp_path / "bad.onnx")
    out = tmp_path / "out"
    res = runner.invoke(app, ["export", str(tmp_path / "bad.onnx"), "--out-dir", str(out)])
    assert res.exit_code == 2 and "Erf" in res.output
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


def test_check_lean_skips_without_lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no lake on this PATH
    monkeypatch.delenv("TLEAN_REQUIRE_LEAN", raising=False)
    res = runner.invoke(app, ["export", str(EXAMPLE), "--out-dir", str(tmp_path / "o"), "--check-lean", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["check_lean"]["skipped"]
    monkeypatch.setenv("TLEAN_REQUIRE_LEAN", "1")
    res = runner.invoke(app, ["export", str(EXAMPLE), "--out-dir", str(tmp_path / "p"), "--check-lean"])
    assert res.exit_code == 2 and "TLEAN_REQUIRE_LEAN" in res.output


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
