"""``--check`` on a token model: the ids input is int64 in ONNX and float32 in the IR."""

from __future__ import annotations

import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from tlean import import_onnx
from tlean.check import check_against_onnxruntime, peer_feeds, random_feeds
from tlean.cli import app
from typer.testing import CliRunner


def _token_model(path: str, vocab: int = 7, dim: int = 3) -> None:
    table = np.arange(vocab * dim, dtype=np.float32).reshape(vocab, dim) / 4
    w = np.linspace(-1, 1, dim * 2, dtype=np.float32).reshape(dim, 2)
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["table", "ids"], ["emb"], axis=0),
            helper.make_node("MatMul", ["emb", "w"], ["y"]),
        ],
        "tokens",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 2])],
        [numpy_helper.from_array(table, "table"), numpy_helper.from_array(w, "w")],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


def test_random_feeds_draw_ids_below_the_table_size(tmp_path):
    path = str(tmp_path / "tokens.onnx")
    _token_model(path)
    imported = import_onnx(path)
    assert imported.integer_inputs == ["ids"]
    feeds = random_feeds(imported, 0)
    ids = feeds["ids"]
    assert ids.dtype == np.float32 and np.all(ids == np.round(ids)) and ids.min() >= 0 and ids.max() < 7
    assert peer_feeds(imported, feeds)["ids"].dtype == np.int64


def test_check_passes_on_a_token_model(tmp_path):
    path = str(tmp_path / "tokens.onnx")
    _token_model(path)
    report = check_against_onnxruntime(path, import_onnx(path))
    assert report.passed, report.to_json()


def test_export_check_on_a_token_model_cli(tmp_path):
    path = str(tmp_path / "tokens.onnx")
    _token_model(path)
    res = CliRunner().invoke(app, ["export", path, "--out-dir", str(tmp_path / "out"), "--check", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["check"]["passed"] is True
