"""Gemm and MatMul against onnxruntime; Gemm becomes ``linear`` only when it is one."""

from __future__ import annotations

import numpy as np
import pytest
from tlean.onnx_import import import_model

from tests.onnx_helpers import assert_matches_ort, one_node, random_inputs, run_tlean

RNG = np.random.default_rng(3)
W = RNG.standard_normal((5, 4)).astype(np.float32)
B = RNG.standard_normal(5).astype(np.float32)


@pytest.mark.parametrize("opset", [7, 9, 11, 13, 21])
def test_gemm_as_linear(opset: int) -> None:
    model = one_node("Gemm", {"x": [3, 4]}, opset=opset, initializers={"w": W, "b": B}, transB=1)
    assert_matches_ort(model)
    ops = [n.op for n in import_model(model).graph.nodes]
    assert "linear" in ops and "add" not in ops and "mul" not in ops


@pytest.mark.parametrize(
    "attrs",
    [dict(alpha=0.5), dict(beta=2.0, transB=1), dict(transA=1, transB=0), dict(alpha=1.5, beta=0.25, transA=1)],
)
def test_gemm_general(attrs: dict[str, float]) -> None:
    a_shape = [4, 3] if attrs.get("transA") else [3, 4]
    w = W if attrs.get("transB") else W.T.copy()
    model = one_node(
        "Gemm",
        {"x": a_shape},
        opset=13,
        initializers={"w": w, "c": RNG.standard_normal((3, 5)).astype(np.float32)},
        **attrs,
    )
    assert_matches_ort(model)


def test_gemm_without_bias_opset11() -> None:
    model = one_node("Gemm", {"x": [2, 4]}, opset=11, initializers={"w": W}, transB=1)
    assert_matches_ort(model)


@pytest.mark.parametrize("opset", [7, 9, 13, 21])
@pytest.mark.parametrize(
    "sa,sb", [([3, 4], [4, 5]), ([2, 3, 4], [4, 5]), ([2, 1, 3, 4], [3, 4, 6]), ([4], [4, 5]), ([2, 3, 4], [4])]
)
def test_matmul(sa: list[int], sb: list[int], opset: int) -> None:
    assert_matches_ort(one_node("MatMul", {"a": sa, "b": sb}, opset=opset))


def test_matmul_vector_dot_is_scalar() -> None:
    model = one_node("MatMul", {"a": [3], "b": [3]}, opset=13)
    feeds = random_inputs(model)
    (y,) = run_tlean(model, feeds)
    assert y.shape == ()
    np.testing.assert_allclose(y, feeds["a"] @ feeds["b"], rtol=1e-6)
