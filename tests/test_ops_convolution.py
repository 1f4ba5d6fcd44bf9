"""Conv (2-D and 1-D, pads, strides, dilations, groups, auto_pad) against onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

from tests.onnx_helpers import assert_matches_ort, one_node

RNG = np.random.default_rng(7)


def _w(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("opset", [7, 11, 21])
@pytest.mark.parametrize(
    "attrs",
    [
        {},
        {"pads": [1, 1, 1, 1]},
        {"pads": [0, 1, 2, 1], "strides": [2, 1]},
        {"strides": [2, 2], "dilations": [2, 1], "pads": [2, 1, 0, 1]},
        {"auto_pad": "SAME_UPPER", "strides": [2, 2]},
        {"auto_pad": "SAME_LOWER", "strides": [1, 2]},
        {"auto_pad": "VALID"},
    ],
)
def test_conv2d(attrs: dict[str, object], opset: int) -> None:
    model = one_node("Conv", {"x": [2, 3, 9, 8]}, opset=opset, initializers={"w": _w(4, 3, 3, 3), "b": _w(4)}, **attrs)
    assert_matches_ort(model, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("groups,cin,cout", [(2, 4, 6), (4, 4, 4), (3, 6, 3)])
def test_grouped_and_depthwise(groups: int, cin: int, cout: int) -> None:
    model = one_node(
        "Conv",
        {"x": [1, cin, 7, 7]},
        opset=13,
        initializers={"w": _w(cout, cin // groups, 3, 3)},
        group=groups,
        pads=[1, 1, 1, 1],
    )
    assert_matches_ort(model, rtol=1e-5, atol=1e-5)


def test_pointwise_conv_fast_path() -> None:
    model = one_node("Conv", {"x": [2, 5, 4, 6]}, opset=13, initializers={"w": _w(3, 5, 1, 1), "b": _w(3)})
    assert_matches_ort(model, rtol=1e-5, atol=1e-5)


def test_conv_weight_from_graph_input() -> None:
    model = one_node("Conv", {"x": [1, 2, 5, 5], "w": [3, 2, 2, 2]}, opset=13, strides=[2, 2])
    assert_matches_ort(model, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("attrs", [{}, {"pads": [2, 1], "strides": [2], "dilations": [2]}])
def test_conv1d_through_2d(attrs: dict[str, object]) -> None:
    model = one_node("Conv", {"x": [2, 3, 11]}, opset=13, initializers={"w": _w(4, 3, 3), "b": _w(4)}, **attrs)
    assert_matches_ort(model, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- ConvTranspose (issue 10)


@pytest.mark.parametrize("opset", [11, 22])
@pytest.mark.parametrize(
    "attrs",
    [
        {},
        {"strides": [2, 2]},
        {"strides": [2, 2], "pads": [1, 1, 1, 1], "output_padding": [1, 1]},
        {"strides": [3, 2], "pads": [0, 1, 2, 0], "dilations": [1, 2]},
        {"strides": [2, 2], "output_shape": [10, 11]},
        {"strides": [2, 2], "auto_pad": "SAME_UPPER"},
        {"strides": [2, 1], "auto_pad": "SAME_LOWER"},
    ],
)
def test_conv_transpose(attrs: dict[str, object], opset: int) -> None:
    model = one_node(
        "ConvTranspose", {"x": [2, 4, 5, 5]}, opset=opset, initializers={"w": _w(4, 3, 3, 3), "b": _w(3)}, **attrs
    )
    assert_matches_ort(model, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("groups,cin,cout_per_group", [(2, 4, 3), (4, 4, 1)])
def test_conv_transpose_groups(groups: int, cin: int, cout_per_group: int) -> None:
    model = one_node(
        "ConvTranspose",
        {"x": [1, cin, 4, 6]},
        opset=11,
        initializers={"w": _w(cin, cout_per_group, 2, 3)},
        group=groups,
        strides=[2, 2],
    )
    assert_matches_ort(model, rtol=1e-5, atol=1e-5)


def test_conv_transpose_1d() -> None:
    model = one_node(
        "ConvTranspose", {"x": [1, 3, 7]}, opset=11, initializers={"w": _w(3, 2, 4)}, strides=[2], pads=[1, 2]
    )
    assert_matches_ort(model, rtol=1e-5, atol=1e-5)


def test_conv_transpose_output_padding_rule_is_checked() -> None:
    from tlean import ir

    with pytest.raises(ValueError, match="output padding"):
        ir.infer_shape(
            "convTranspose2d",
            ir.ConvTranspose2dAttrs(strides=(2, 2), outputPadding=(2, 0)),
            [(1, 2, 3, 3), (2, 1, 3, 3)],
        )
