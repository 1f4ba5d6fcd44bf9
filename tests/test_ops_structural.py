"""Reshape Flatten Squeeze Unsqueeze Transpose Concat Slice Pad Split Identity Dropout Cast."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from tests.onnx_helpers import assert_matches_ort, make_model, one_node

I64 = np.int64


@pytest.mark.parametrize("opset", [7, 13, 14, 21])
@pytest.mark.parametrize("target", [[6, 4], [0, -1], [-1], [2, 0, 2, 2]])
def test_reshape(opset: int, target: list[int]) -> None:
    model = one_node("Reshape", {"x": [2, 3, 4]}, opset=opset, initializers={"s": np.array(target, I64)})
    assert_matches_ort(model, rtol=0, atol=0)


@pytest.mark.parametrize("opset", [7, 11, 13, 21])
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_flatten(opset: int, axis: int) -> None:
    assert_matches_ort(one_node("Flatten", {"x": [2, 3, 4]}, opset=opset, axis=axis), rtol=0, atol=0)


def test_squeeze_unsqueeze_attr_and_input_forms() -> None:
    assert_matches_ort(one_node("Squeeze", {"x": [1, 3, 1, 2]}, opset=11, axes=[0, -2]), rtol=0, atol=0)
    assert_matches_ort(
        one_node("Squeeze", {"x": [1, 3, 1, 2]}, opset=13, initializers={"a": np.array([2], I64)}), rtol=0, atol=0
    )
    assert_matches_ort(one_node("Squeeze", {"x": [1, 3, 1, 2]}, opset=13), rtol=0, atol=0)
    assert_matches_ort(one_node("Unsqueeze", {"x": [3, 2]}, opset=11, axes=[0, 3]), rtol=0, atol=0)
    assert_matches_ort(
        one_node("Unsqueeze", {"x": [3, 2]}, opset=21, initializers={"a": np.array([-1, 1], I64)}), rtol=0, atol=0
    )


@pytest.mark.parametrize("perm", [None, [0, 2, 1], [2, 0, 1]])
def test_transpose(perm: list[int] | None) -> None:
    attrs = {} if perm is None else {"perm": perm}
    assert_matches_ort(one_node("Transpose", {"x": [2, 3, 4]}, opset=13, **attrs), rtol=0, atol=0)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat(axis: int) -> None:
    shapes = {"a": [2, 3, 4], "b": [2, 3, 4]}
    if axis == 0:
        shapes["b"] = [1, 3, 4]
    assert_matches_ort(one_node("Concat", shapes, opset=13, axis=axis), rtol=0, atol=0)


@pytest.mark.parametrize(
    "starts,ends,axes,steps",
    [
        ([1], [3], [0], [1]),
        ([0, -3], [100, -1], [1, 2], [2, 1]),
        ([-1], [-100], [1], [-1]),
        ([3, 0], [0, 5], [2, 0], [-2, 2]),
        ([2], [2], [1], [1]),
    ],
)
@pytest.mark.parametrize("opset", [10, 13, 21])
def test_slice(starts: list[int], ends: list[int], axes: list[int], steps: list[int], opset: int) -> None:
    inits = {k: np.array(v, I64) for k, v in (("s", starts), ("e", ends), ("a", axes), ("t", steps))}
    assert_matches_ort(one_node("Slice", {"x": [3, 5, 6]}, opset=opset, initializers=inits), rtol=0, atol=0)


def test_slice_opset7_attributes() -> None:
    model = one_node("Slice", {"x": [4, 6]}, opset=7, starts=[1, -4], ends=[3, 1000], axes=[0, 1])
    assert_matches_ort(model, rtol=0, atol=0)


@pytest.mark.parametrize("opset", [11, 13, 18, 21])
@pytest.mark.parametrize("pads", [[0, 1, 2, 0, 3, 1], [1, 0, 0, 1, 0, 2], [0, -1, 1, 0, 2, -2]])
def test_pad_constant(opset: int, pads: list[int]) -> None:
    inits = {"p": np.array(pads, I64), "v": np.array(1.5, np.float32)}
    assert_matches_ort(one_node("Pad", {"x": [2, 4, 5]}, opset=opset, initializers=inits), rtol=0, atol=0)


def test_pad_opset7_attribute_form() -> None:
    model = one_node("Pad", {"x": [2, 3]}, opset=7, pads=[1, 0, 0, 2], value=-2.0)
    assert_matches_ort(model, rtol=0, atol=0)


@pytest.mark.parametrize("opset", [11, 13, 18])
def test_split(opset: int) -> None:
    if opset >= 13:
        node = helper.make_node("Split", ["x", "s"], ["y0", "y1", "y2"], axis=1)
        model = make_model(
            [node], {"x": [2, 7]}, ["y0", "y1", "y2"], opset=opset, initializers={"s": np.array([1, 4, 2], I64)}
        )
    else:
        node = helper.make_node("Split", ["x"], ["y0", "y1", "y2"], axis=1, split=[1, 4, 2])
        model = make_model([node], {"x": [2, 7]}, ["y0", "y1", "y2"], opset=opset)
    assert_matches_ort(model, rtol=0, atol=0)


def test_identity_dropout_cast_vanish() -> None:
    nodes = [
        helper.make_node("Identity", ["x"], ["a"]),
        helper.make_node("Dropout", ["a"], ["b"]),
        helper.make_node("Cast", ["b"], ["c"], to=1),
        helper.make_node("Relu", ["c"], ["y"]),
    ]
    model = make_model(nodes, {"x": [3, 4]}, ["y"], opset=13)
    assert_matches_ort(model, rtol=0, atol=0)
    from tlean.onnx_import import import_model

    assert [n.op for n in import_model(model).graph.nodes] == ["input", "relu"]
