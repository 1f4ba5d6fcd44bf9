"""MaxPool / AveragePool (pads, strides, ceil mode, count_include_pad, 1-D) and global pools."""

from __future__ import annotations

import pytest

from tests.onnx_helpers import assert_matches_ort, one_node

CASES = [
    {"kernel_shape": [2, 2]},
    {"kernel_shape": [3, 3], "strides": [2, 2]},
    {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]},
    {"kernel_shape": [3, 2], "strides": [2, 3], "pads": [1, 0, 2, 1], "ceil_mode": 1},
    {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1},
    {"kernel_shape": [2, 2], "auto_pad": "SAME_UPPER", "strides": [2, 2]},
]


@pytest.mark.parametrize("opset", [10, 12, 21])
@pytest.mark.parametrize("attrs", CASES)
def test_max_pool(attrs: dict[str, object], opset: int) -> None:
    assert_matches_ort(one_node("MaxPool", {"x": [2, 3, 9, 10]}, opset=opset, **attrs))


@pytest.mark.parametrize("include_pad", [0, 1])
@pytest.mark.parametrize("opset", [10, 11, 19, 21])
@pytest.mark.parametrize("attrs", CASES)
def test_avg_pool(attrs: dict[str, object], opset: int, include_pad: int) -> None:
    model = one_node("AveragePool", {"x": [2, 3, 9, 10]}, opset=opset, count_include_pad=include_pad, **attrs)
    assert_matches_ort(model, rtol=1e-5)


def test_pool_opset7_has_no_ceil_mode() -> None:
    assert_matches_ort(one_node("MaxPool", {"x": [1, 2, 6, 6]}, opset=7, kernel_shape=[2, 2], strides=[2, 2]))
    assert_matches_ort(one_node("AveragePool", {"x": [1, 2, 6, 6]}, opset=7, kernel_shape=[3, 3], pads=[1, 1, 1, 1]))


@pytest.mark.parametrize("op", ["MaxPool", "AveragePool"])
def test_pool_1d(op: str) -> None:
    assert_matches_ort(one_node(op, {"x": [2, 3, 13]}, opset=13, kernel_shape=[3], strides=[2], pads=[1, 1]))


@pytest.mark.parametrize("op", ["GlobalAveragePool", "GlobalMaxPool"])
@pytest.mark.parametrize("shape", [[2, 3, 5, 4], [2, 3, 7]])
def test_global_pools(op: str, shape: list[int]) -> None:
    assert_matches_ort(one_node(op, {"x": shape}, opset=13), rtol=1e-5)
