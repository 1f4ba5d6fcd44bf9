"""LSTM, GRU and RNN unrolled at import, against onnxruntime (layout 0) and onnx's reference
evaluator (layout 1, which onnxruntime does not implement)."""

from __future__ import annotations

import zlib

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from tests.onnx_helpers import IR_VERSION, assert_matches_ort, random_inputs, run_tlean

S, B, IN, H = 4, 2, 3, 5
GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}


def _model(kind: str, direction: str, layout: int, states: bool, opset: int = 14, **attrs: object) -> onnx.ModelProto:
    rng = np.random.default_rng(zlib.crc32(f"{kind}{direction}{layout}{states}".encode()))
    d = 2 if direction == "bidirectional" else 1
    g = GATES[kind]
    inits = {
        "W": (rng.standard_normal((d, g * H, IN)) * 0.5).astype(np.float32),
        "R": (rng.standard_normal((d, g * H, H)) * 0.5).astype(np.float32),
        "B": (rng.standard_normal((d, 2 * g * H)) * 0.5).astype(np.float32),
    }
    inputs = {"x": [S, B, IN] if layout == 0 else [B, S, IN]}
    names = ["x", "W", "R", "B"]
    if states:
        inputs["h0"] = [d, B, H] if layout == 0 else [B, d, H]
        names += ["", "h0"]
        if kind == "LSTM":
            inputs["c0"] = inputs["h0"]
            inits["P"] = rng.standard_normal((d, 3 * H)).astype(np.float32)
            names += ["c0", "P"]
    outs = ["Y", "Y_h"] + (["Y_c"] if kind == "LSTM" else [])
    node = helper.make_node(kind, names, outs, hidden_size=H, direction=direction, layout=layout, **attrs)
    graph = helper.make_graph(
        [node],
        "rnn",
        [helper.make_tensor_value_info(k, TensorProto.FLOAT, v) for k, v in inputs.items()],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs],
        initializer=[numpy_helper.from_array(v, k) for k, v in inits.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = IR_VERSION
    return model


@pytest.mark.parametrize("states", [False, True])
@pytest.mark.parametrize("direction", ["forward", "reverse", "bidirectional"])
@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_unrolled_against_onnxruntime(kind: str, direction: str, states: bool) -> None:
    assert_matches_ort(_model(kind, direction, 0, states), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("lbr", [0, 1])
def test_gru_linear_before_reset(lbr: int) -> None:
    assert_matches_ort(_model("GRU", "forward", 0, True, linear_before_reset=lbr), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_batch_major_layout_against_reference(kind: str) -> None:
    from onnx.reference import ReferenceEvaluator

    model = _model(kind, "bidirectional", 1, True)
    feeds = random_inputs(model, 3)
    want = ReferenceEvaluator(model).run(None, feeds)
    got = run_tlean(model, feeds)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def test_partial_sequence_lengths_are_refused() -> None:
    from tlean.errors import UnsupportedOpsError
    from tlean.onnx_import import import_model

    model = _model("RNN", "forward", 0, False, opset=14)
    model.graph.node[0].input.append("lens")
    model.graph.initializer.append(numpy_helper.from_array(np.array([S, S - 1], np.int32), "lens"))
    with pytest.raises(UnsupportedOpsError, match="sequence_lens"):
        import_model(model)
