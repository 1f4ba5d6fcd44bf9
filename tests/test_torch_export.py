"""tlean.export_torch on the model kinds users bring, checked against onnxruntime and PyTorch."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch not installed (pip install torch==2.13.0)")

from tlean.check import OutputCheck, compare  # noqa: E402
from tlean.evaluate import evaluate  # noqa: E402
from tlean.torch_export import export_torch  # noqa: E402

from tests import torch_models  # noqa: E402
from tests.test_export import assert_lean_names_exist  # noqa: E402


@pytest.mark.parametrize("name", list(torch_models.MODELS))
def test_export_torch_matches_pytorch(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module, args = torch_models.build(name)
    monkeypatch.setenv("TLEAN_KEEP_ONNX", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = export_torch(module, args, name=name, out_dir=tmp_path)
    onnx_path = result.onnx_path
    assert onnx_path is not None and onnx_path.exists()
    imported = result.imported
    ops = {n.op for n in imported.graph.nodes}
    expected = {
        "TorchMlp": {"linear", "relu", "tanh"},
        "TorchCnn": {"conv2d", "batchNorm", "maxPool2d", "avgPool2d"},
        "TorchResNet": {"conv2d", "batchNorm", "add", "globalAvgPool"},
        "TorchEncoder": {"layerNorm", "softmax", "matmul"},
    }[name]
    assert expected <= ops, ops
    # tlean vs PyTorch itself, and vs onnxruntime on the exported ONNX.
    from tlean.check import check_against_onnxruntime

    feeds = [a.detach().numpy() for a in args]
    got = evaluate(imported.graph, feeds, imported.params)
    with torch.no_grad():
        want = module(*args).numpy()
    row = [OutputCheck("y", list(want.shape))]
    compare(got, [want], row, rtol=1e-4, atol=1e-5)
    assert row[0].passed, row
    assert check_against_onnxruntime(onnx_path, imported).passed
    assert_lean_names_exist(result.lean_path)


def test_export_torch_removes_intermediate_onnx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TLEAN_KEEP_ONNX", raising=False)
    module, args = torch_models.build("TorchMlp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = export_torch(module, args, name="TorchMlp", out_dir=tmp_path)
    assert result.onnx_path is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["TorchMlp.lean", "TorchMlp.tlp"]
    assert np.isfinite(result.imported.params[result.imported.graph.params[0].name]).all()


def test_cli_exports_torchscript_file_and_checks_against_torch(tmp_path: Path) -> None:
    import json

    from tlean.cli import app
    from typer.testing import CliRunner

    module, args = torch_models.build("TorchCnn")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.trace(module, args).save(str(tmp_path / "cnn.pt"))
    runner = CliRunner()
    out = tmp_path / "out"
    res = runner.invoke(
        app,
        [
            "export",
            str(tmp_path / "cnn.pt"),
            "--out-dir",
            str(out),
            "--input-shape",
            "x=2,3,16,16",
            "--check",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["module"] == "NN.Models.Cnn" and data["check"]["passed"] and data["check"]["peer"].startswith("PyTorch")
    assert sorted(p.name for p in out.iterdir()) == ["Cnn.lean", "Cnn.tlp"]
    res = runner.invoke(app, ["export", str(tmp_path / "cnn.pt"), "--out-dir", str(tmp_path / "o2")])
    assert res.exit_code == 2 and "--input-shape" in res.output and not (tmp_path / "o2").exists()
    (tmp_path / "m.pt2").write_bytes(b"zip")
    res = runner.invoke(app, ["export", str(tmp_path / "m.pt2"), "--out-dir", str(tmp_path / "o3")])
    assert res.exit_code == 2 and "torch.jit.save" in res.output
    (tmp_path / "junk.pt").write_bytes(b"not torchscript")
    res = runner.invoke(
        app, ["export", str(tmp_path / "junk.pt"), "--out-dir", str(tmp_path / "o4"), "--input-shape", "x=1"]
    )
    assert res.exit_code == 2 and "not a TorchScript file" in res.output
