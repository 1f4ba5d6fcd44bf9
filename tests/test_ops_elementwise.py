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


# ---------------------------------------------------------------- issue 10: new unary ops, Pow, Where

SPECIALS = np.array([-0.0, 0.0, np.nan, np.inf, -np.inf, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.7, -3.7], np.float32)


@pytest.mark.parametrize(
    "op,opset",
    [("Erf", 9), ("Erf", 13), ("Sin", 7), ("Cos", 7), ("Sin", 22), ("Sign", 9), ("Sign", 13),
     ("Floor", 6), ("Floor", 13), ("Ceil", 13), ("Round", 11), ("Round", 22)],
)  # fmt: skip
def test_new_unary(op: str, opset: int) -> None:
    model = one_node(op, {"x": [3, 5]}, opset=opset)
    x = np.random.default_rng(3).uniform(-6, 6, (3, 5)).astype(np.float32)
    assert_matches_ort(model, feeds={"x": x}, rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("op", ["Sign", "Floor", "Ceil", "Round"])
def test_new_unary_specials_are_exact(op: str) -> None:
    """Ties, ±0, ±inf and NaN: the values agree with onnxruntime and the sign of zero with SCALAR.md."""
    model = one_node(op, {"x": [SPECIALS.size]}, opset=13 if op != "Round" else 11)
    from tests.onnx_helpers import run_ort, run_tlean

    got = run_tlean(model, {"x": SPECIALS})[0]
    want = run_ort(model, {"x": SPECIALS})[0]
    np.testing.assert_array_equal(got, want)
    ref = {"Sign": None, "Floor": np.floor, "Ceil": np.ceil, "Round": np.rint}[op]
    if ref is not None:
        assert np.array_equal(np.signbit(got), np.signbit(ref(SPECIALS)))
    else:  # sign(±0) = ±0
        assert np.signbit(got[0]) and not np.signbit(got[1])


def test_erf_sin_cos_extremes() -> None:
    x = np.array([-1e30, -10, -1e-30, 0, 1e-30, 3, 1e6, 1e30], np.float32)
    for op in ("Erf", "Sin", "Cos"):
        assert_matches_ort(
            one_node(op, {"x": [x.size]}, opset=13 if op == "Erf" else 7), feeds={"x": x}, rtol=2e-6, atol=1e-7
        )


@pytest.mark.parametrize("opset", [7, 13, 15])
@pytest.mark.parametrize("exponent", [3.0, 0.5, -0.5, 1.5, 0.0, -2.0])
def test_pow_constant_exponent(opset: int, exponent: float) -> None:
    model = one_node("Pow", {"x": [3, 4]}, opset=opset, initializers={"e": np.array(exponent, np.float32)})
    x = np.random.default_rng(5).uniform(0.1, 4.0, (3, 4)).astype(np.float32)
    assert_matches_ort(model, feeds={"x": x}, rtol=2e-6)


@pytest.mark.parametrize("exponent,ir_op", [(1.0, None), (2.0, "mul"), (-1.0, "div"), (0.5, "pow"), (3.0, "pow")])
def test_pow_rewrites_only_where_exact(exponent: float, ir_op: str | None) -> None:
    from tlean.onnx_import import import_model

    model = one_node("Pow", {"x": [4]}, opset=15, initializers={"e": np.array(exponent, np.float32)})
    g = import_model(model).graph
    ops = [n.op for n in g.nodes if n.op not in ("input", "param", "const")]
    assert ops == ([] if ir_op is None else [ir_op])
    x = np.array([-0.0, 0.0, -np.inf, np.inf, np.nan, -2.0, 3.0], np.float32)
    model = one_node("Pow", {"x": [x.size]}, opset=15, initializers={"e": np.array(exponent, np.float32)})
    from tests.onnx_helpers import run_tlean

    got = run_tlean(model, {"x": x})[0]
    with np.errstate(all="ignore"):
        want = np.power(x.astype(np.float64), exponent).astype(np.float32)  # C pow on every special
    np.testing.assert_array_equal(got, want)
    assert np.array_equal(np.signbit(got[~np.isnan(got)]), np.signbit(want[~np.isnan(want)]))


def test_pow_runtime_or_mixed_exponent_is_refused() -> None:
    from tlean.errors import UnsupportedOpsError
    from tlean.onnx_import import import_model

    with pytest.raises(UnsupportedOpsError, match="run time"):
        import_model(one_node("Pow", {"x": [3], "e": [3]}, opset=15))
    with pytest.raises(UnsupportedOpsError, match="differs between elements"):
        import_model(one_node("Pow", {"x": [3]}, opset=15, initializers={"e": np.array([1, 2, 3], np.float32)}))


@pytest.mark.parametrize("opset", [9, 16])
def test_where_constant_condition(opset: int) -> None:
    cond = np.tril(np.ones((4, 4), dtype=bool))
    node = helper.make_node("Where", ["c", "x", "y"], ["o"])
    model = make_model(
        [node], {"x": [2, 1, 4, 4]}, ["o"], opset=opset, initializers={"c": cond, "y": np.array(-1e9, np.float32)}
    )
    assert_matches_ort(model)


def test_where_data_dependent_condition_is_refused() -> None:
    from tlean.errors import UnsupportedOpsError
    from tlean.onnx_import import import_model

    nodes = [
        helper.make_node("Greater", ["x", "z"], ["c"]),
        helper.make_node("Where", ["c", "x", "z"], ["o"]),
    ]
    model = make_model(nodes, {"x": [3]}, ["o"], opset=16, initializers={"z": np.zeros(3, np.float32)})
    with pytest.raises(UnsupportedOpsError, match="data-dependent condition"):
        import_model(model)
