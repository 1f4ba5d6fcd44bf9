"""BatchNormalization, LayerNormalization (with its optional outputs) and LRN (decomposed)."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from tests.onnx_helpers import assert_matches_ort, make_model, one_node, random_inputs, run_tlean

RNG = np.random.default_rng(11)


def _bn_params(c: int) -> dict[str, np.ndarray]:
    return {
        "scale": RNG.standard_normal(c).astype(np.float32),
        "bias": RNG.standard_normal(c).astype(np.float32),
        "mean": RNG.standard_normal(c).astype(np.float32),
        "var": RNG.uniform(0.5, 2.0, c).astype(np.float32),
    }


@pytest.mark.parametrize("opset", [7, 9, 14, 15, 21])
@pytest.mark.parametrize("shape", [[2, 3, 4, 5], [4, 3]])
def test_batch_norm(opset: int, shape: list[int]) -> None:
    model = one_node("BatchNormalization", {"x": shape}, opset=opset, initializers=_bn_params(3), epsilon=1e-3)
    assert_matches_ort(model, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("axis", [-1, -2, 1])
def test_layer_norm(axis: int) -> None:
    shape = [2, 3, 4]
    tail = shape[axis:] if axis < 0 else shape[axis:]
    inits = {"s": RNG.standard_normal(tail).astype(np.float32), "b": RNG.standard_normal(tail).astype(np.float32)}
    model = one_node("LayerNormalization", {"x": shape}, opset=17, initializers=inits, axis=axis, epsilon=1e-4)
    assert_matches_ort(model, rtol=1e-4, atol=1e-5)


def test_layer_norm_mean_and_inv_std_outputs() -> None:
    inits = {"s": RNG.standard_normal(4).astype(np.float32)}
    node = helper.make_node("LayerNormalization", ["x", "s"], ["y", "mean", "istd"], axis=-1)
    model = make_model([node], {"x": [3, 4]}, ["y", "mean", "istd"], opset=17, initializers=inits)
    assert_matches_ort(model, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("opset", [7, 13])
@pytest.mark.parametrize("size", [3, 4, 5])
def test_lrn_decomposition_matches(size: int, opset: int) -> None:
    model = one_node("LRN", {"x": [2, 7, 4, 3]}, opset=opset, size=size, alpha=1e-2, beta=0.75, bias=2.0)
    if size % 2:
        assert_matches_ort(model, rtol=1e-5, atol=1e-6)
        return
    # onnxruntime implements odd sizes only, and onnx's reference LRN loops over the batch axis
    # instead of the channels; check even sizes against the formula of the ONNX spec itself.
    feeds = random_inputs(model)
    x = feeds["x"].astype(np.float64)
    lo, hi = (size - 1) // 2, size - 1 - (size - 1) // 2
    sq = np.zeros_like(x)
    for c in range(x.shape[1]):
        sq[:, c] = (x[:, max(0, c - lo) : min(x.shape[1], c + hi + 1)] ** 2).sum(axis=1)
    want = x / (2.0 + 1e-2 / size * sq) ** 0.75
    (got,) = run_tlean(model, feeds)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("opset", [6, 22])
@pytest.mark.parametrize("shape", [[2, 3, 4, 5], [2, 3, 7]])
def test_instance_norm(opset: int, shape: list[int]) -> None:
    inits = {"s": RNG.standard_normal(3).astype(np.float32), "b": RNG.standard_normal(3).astype(np.float32)}
    model = one_node("InstanceNormalization", {"x": shape}, opset=opset, initializers=inits, epsilon=1e-3)
    assert_matches_ort(model, rtol=1e-4, atol=1e-5)


def test_group_norm_as_pytorch_exports_it() -> None:
    """Reshape → InstanceNormalization (unit scale) → Reshape → Mul → Add, as torch.onnx emits."""
    n, c, h, w, groups = 2, 6, 3, 4, 3
    nodes = [
        helper.make_node("Reshape", ["x", "grouped"], ["xg"]),
        helper.make_node("InstanceNormalization", ["xg", "ones", "zeros"], ["ng"], epsilon=1e-5),
        helper.make_node("Reshape", ["ng", "full"], ["nf"]),
        helper.make_node("Mul", ["nf", "gamma"], ["scaled"]),
        helper.make_node("Add", ["scaled", "beta"], ["y"]),
    ]
    inits = {
        "grouped": np.array([n, groups, -1], np.int64),
        "ones": np.ones(groups, np.float32),
        "zeros": np.zeros(groups, np.float32),
        "full": np.array([n, c, h, w], np.int64),
        "gamma": RNG.standard_normal((c, 1, 1)).astype(np.float32),
        "beta": RNG.standard_normal((c, 1, 1)).astype(np.float32),
    }
    model = make_model(nodes, {"x": [n, c, h, w]}, ["y"], opset=17, initializers=inits)
    assert_matches_ort(model, rtol=1e-4, atol=1e-5)
