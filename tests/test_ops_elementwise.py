"""Elementwise converters against onnxruntime, at several opsets."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from tests.onnx_helpers import assert_matches_ort, make_model, one_node


@pytest.mark.parametrize("opset", [7, 13, 14, 21])
@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div"])
def test_binary_broadcasting(op: str, opset: int) -> None:
    assert_matches_ort(one_node(op, {"a": [2, 3, 4], "b": [3, 1]}, opset=opset))


@pytest.mark.parametrize("opset", [8, 12, 13, 21])
@pytest.mark.parametrize("op", ["Max", "Min", "Sum", "Mean"])
def test_variadic_chains(op: str, opset: int) -> None:
    assert_matches_ort(one_node(op, {"a": [2, 3], "b": [3], "c": [1, 3]}, opset=opset))


@pytest.mark.parametrize("opset", [7, 13, 21])
@pytest.mark.parametrize("op", ["Neg", "Abs", "Relu", "Sigmoid", "Tanh", "Exp", "Reciprocal"])
def test_unary(op: str, opset: int) -> None:
    assert_matches_ort(one_node(op, {"x": [3, 5]}, opset=opset), rtol=2e-6)


@pytest.mark.parametrize("op", ["Log", "Sqrt"])
def test_unary_positive_domain(op: str) -> None:
    model = one_node(op, {"x": [4, 4]}, opset=13)
    x = np.random.default_rng(1).uniform(0.01, 9.0, (4, 4)).astype(np.float32)
    assert_matches_ort(model, feeds={"x": x}, rtol=2e-6)


def test_sigmoid_extremes_do_not_overflow() -> None:
    model = one_node("Sigmoid", {"x": [6]}, opset=13)
    x = np.array([-1000, -90, -1, 0, 90, 1000], dtype=np.float32)
    assert_matches_ort(model, feeds={"x": x})


@pytest.mark.parametrize("opset", [7, 16, 21])
def test_leaky_relu(opset: int) -> None:
    assert_matches_ort(one_node("LeakyRelu", {"x": [4, 5]}, opset=opset, alpha=0.2))


@pytest.mark.parametrize("opset", [7, 10])
def test_clip_attributes(opset: int) -> None:
    assert_matches_ort(one_node("Clip", {"x": [4, 5]}, opset=opset, min=-0.5, max=0.7))


@pytest.mark.parametrize("opset", [11, 12, 13, 21])
def test_clip_constant_inputs(opset: int) -> None:
    inits = {"lo": np.array(-0.25, np.float32), "hi": np.array(0.5, np.float32)}
    assert_matches_ort(one_node("Clip", {"x": [4, 5]}, opset=opset, initializers=inits))


def test_clip_missing_bound() -> None:
    node = helper.make_node("Clip", ["x", "", "hi"], ["y"])
    model = make_model([node], {"x": [6]}, ["y"], opset=13, initializers={"hi": np.array(0.1, np.float32)})
    assert_matches_ort(model)


def test_pow_two_is_exact_square() -> None:
    model = one_node("Pow", {"x": [3, 3]}, opset=15, initializers={"e": np.array(2.0, np.float32)})
    assert_matches_ort(model, rtol=0, atol=0)


def test_opset6_legacy_broadcast_with_axis() -> None:
    model = one_node(
        "Add", {"a": [2, 3, 4, 5]}, opset=6, initializers={"b": np.arange(3, dtype=np.float32)}, broadcast=1, axis=1
    )
    from tests.onnx_helpers import run_tlean

    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)
    (y,) = run_tlean(model, {"a": x})
    np.testing.assert_array_equal(y, x + np.arange(3, dtype=np.float32).reshape(1, 3, 1, 1))
