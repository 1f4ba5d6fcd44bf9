"""``--check``'s tolerance on outputs that cancel to near zero (see ``tlean.check``).

An output that is a sum of large terms cancelling to ~0 carries a float32 rounding error of the
size of its terms in any runtime; judged relative to the output alone, tlean's correct result was
rejected. The float64 rule judges it relative to the terms' magnitude (the oracle: onnxruntime on
the model converted to float64), and still rejects a result that is wrong by a small fraction of
the terms.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from tlean.check import _ort_float64, check_against, check_against_onnxruntime, float64_model
from tlean.onnx_import import import_model


def cancelling_model(path: Path, delta: float = 0.0) -> None:
    """y = sum(h[:n/2]) - sum(h[n/2:]) with h's halves equal: exactly 0 in exact arithmetic,
    from 256 terms of size ~1e3 (plus ``delta`` times the first term, to make it wrong)."""
    rng = np.random.default_rng(0)
    n = 512
    w1 = rng.standard_normal((n, 16)).astype(np.float32) * 100
    w1[n // 2 :] = w1[: n // 2]
    w2 = np.concatenate([np.ones((1, n // 2)), -np.ones((1, n // 2))], axis=1).astype(np.float32)
    w2[0, 0] += delta
    nodes = [
        helper.make_node("Gemm", ["x", "w1"], ["h"], transB=1),
        helper.make_node("Gemm", ["h", "w2"], ["y"], transB=1),
    ]
    g = helper.make_graph(
        nodes,
        "cancel",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 1])],
        initializer=[numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")],
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.save(m, str(path))


def test_cancelling_output_passes_with_the_float64_rule(tmp_path: Path) -> None:
    cancelling_model(tmp_path / "c.onnx")
    imported = import_model(tmp_path / "c.onnx")
    report = check_against_onnxruntime(tmp_path / "c.onnx", imported)
    (row,) = report.outputs
    assert report.passed and row.float64_rule_used
    assert row.max_abs > 1e-5  # the plain |got - want| <= atol + rtol |want| rule fails here
    assert row.max_abs_vs_float64 is not None and row.max_abs_vs_float64 < 1e-2


@pytest.mark.parametrize("delta", [1e-2, 1e-3])
def test_a_wrong_result_still_fails(tmp_path: Path, delta: float) -> None:
    """tlean evaluates a model whose first weight is off by ``delta`` (an error of ~delta * 1e3,
    a small fraction of the terms); compared with the right model, the check fails."""
    cancelling_model(tmp_path / "right.onnx")
    cancelling_model(tmp_path / "wrong.onnx", delta=delta)
    import onnxruntime as ort

    wrong = import_model(tmp_path / "wrong.onnx")
    sess = ort.InferenceSession(str(tmp_path / "right.onnx"))
    report = check_against(
        "onnxruntime (right model)",
        lambda feeds: sess.run(None, feeds),
        wrong,
        run_float64=_ort_float64(float64_model(tmp_path / "right.onnx"), None, absolute=False),
        run_terms=_ort_float64(float64_model(tmp_path / "right.onnx", magnitude=True), None, absolute=True),
    )
    assert not report.passed
