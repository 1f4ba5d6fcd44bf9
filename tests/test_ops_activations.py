"""Activations lowered at import (HardSigmoid, HardSwish, Softplus, Elu, Selu, PRelu, Mish, Gelu)
and the discrete ops refused with advice, against onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

from tests.onnx_helpers import assert_matches_ort, one_node

X = np.concatenate([np.random.default_rng(2).uniform(-8, 8, 40), [-100.0, -20.0, -0.0, 0.0, 20.0, 100.0]]).astype(
    np.float32
)


@pytest.mark.parametrize(
    "op,opset,attrs",
    [
        ("HardSigmoid", 7, {}), ("HardSigmoid", 22, {"alpha": 0.25, "beta": 0.4}),
        ("HardSwish", 14, {}), ("HardSwish", 22, {}),
        ("Softplus", 7, {}), ("Softplus", 22, {}),
        ("Elu", 7, {}), ("Elu", 22, {"alpha": 0.3}),
        ("Selu", 7, {}), ("Selu", 22, {"alpha": 1.5, "gamma": 1.1}),
        ("Mish", 18, {}), ("Mish", 22, {}),
        ("Gelu", 20, {}), ("Gelu", 20, {"approximate": "tanh"}),
    ],
)  # fmt: skip
def test_lowered_activation(op: str, opset: int, attrs: dict[str, object]) -> None:
    model = one_node(op, {"x": [X.size]}, opset=opset, **attrs)
    assert_matches_ort(model, feeds={"x": X}, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("opset", [7, 9, 16])
@pytest.mark.parametrize("slope_shape", [(3, 1, 1), (1,), (4,)])
def test_prelu(opset: int, slope_shape: tuple[int, ...]) -> None:
    slope = np.random.default_rng(4).uniform(-0.5, 0.5, slope_shape).astype(np.float32)
    assert_matches_ort(one_node("PRelu", {"x": [2, 3, 4, 4]}, opset=opset, initializers={"s": slope}))


def test_softplus_does_not_overflow() -> None:
    """log(1 + exp(x)) overflows for x > 88 in float32; the stable lowering does not."""
    from tests.onnx_helpers import run_tlean

    x = np.array([89.0, 1000.0, 3e38], np.float32)
    got = run_tlean(one_node("Softplus", {"x": [3]}, opset=22), {"x": x})[0]
    np.testing.assert_array_equal(got, x)


@pytest.mark.parametrize("op,opset", [("ArgMax", 13), ("ArgMin", 13), ("TopK", 11), ("OneHot", 11), ("ScatterND", 16)])
def test_discrete_ops_refused_with_advice(op: str, opset: int) -> None:
    from onnx import TensorProto, helper
    from tlean.errors import UnsupportedOpsError
    from tlean.onnx_import import import_model

    from tests.onnx_helpers import make_model

    inits: dict[str, np.ndarray] = {}
    names = ["x"]
    if op == "TopK":
        inits = {"k": np.array([2], np.int64)}
    elif op == "OneHot":
        inits = {"depth": np.array(3, np.int64), "values": np.array([0, 1], np.float32)}
    elif op == "ScatterND":
        inits = {"i": np.array([[0]], np.int64), "u": np.zeros((1, 4), np.float32)}
    names += list(inits)
    node = helper.make_node(op, names, ["y"])
    model = make_model([node], {"x": [3, 4]}, ["y"], opset=opset, initializers=inits)
    model.graph.output[0].type.tensor_type.elem_type = TensorProto.INT64
    with pytest.raises(UnsupportedOpsError, match="discrete"):
        import_model(model)
