"""Resize (opset 10–19) and Upsample against onnxruntime: nearest with every rounding mode and
linear with every coordinate-transformation mode PyTorch and TensorFlow exporters emit."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from tests.onnx_helpers import assert_matches_ort, make_model

COORDS = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"]
SCALES = [[1, 1, 2, 2], [1, 1, 0.5, 0.5], [1, 1, 1.5, 2.5], [1, 1, 3, 1]]


def _resize(opset: int, scales: list[float] | None = None, sizes: list[int] | None = None, **attrs: object):
    inits: dict[str, np.ndarray] = {}
    if scales is not None:
        inits["scales"] = np.array(scales, np.float32)
    if sizes is not None:
        inits["sizes"] = np.array(sizes, np.int64)
    names = ["x", "", "scales" if scales is not None else "", "sizes" if sizes is not None else ""]
    while names[-1] == "":
        names.pop()
    node = helper.make_node("Resize", names, ["y"], **attrs)
    return make_model([node], {"x": [1, 2, 4, 5]}, ["y"], opset=opset, initializers=inits)


@pytest.mark.parametrize("scales", SCALES)
@pytest.mark.parametrize("coord", COORDS)
@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_resize_scales(mode: str, coord: str, scales: list[float]) -> None:
    model = _resize(13, scales, mode=mode, coordinate_transformation_mode=coord)
    assert_matches_ort(model, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("rounding", ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"])
@pytest.mark.parametrize("coord", ["half_pixel", "asymmetric", "tf_half_pixel_for_nn"])
def test_resize_nearest_sizes(rounding: str, coord: str) -> None:
    model = _resize(18, sizes=[1, 2, 7, 3], mode="nearest", nearest_mode=rounding, coordinate_transformation_mode=coord)
    assert_matches_ort(model)


@pytest.mark.parametrize("opset", [13, 19])
def test_resize_linear_sizes(opset: int) -> None:
    model = _resize(opset, sizes=[1, 2, 9, 3], mode="linear", coordinate_transformation_mode="align_corners")
    assert_matches_ort(model, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_resize_opset10(mode: str) -> None:
    node = helper.make_node("Resize", ["x", "scales"], ["y"], mode=mode)
    model = make_model(
        [node], {"x": [1, 2, 3, 3]}, ["y"], opset=10, initializers={"scales": np.array([1, 1, 2, 3], np.float32)}
    )
    assert_matches_ort(model, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("opset", [7, 9])
def test_upsample(opset: int) -> None:
    if opset < 9:
        node = helper.make_node("Upsample", ["x"], ["y"], mode="nearest", scales=[1.0, 1.0, 2.0, 3.0])
        inits = {}
    else:
        node = helper.make_node("Upsample", ["x", "scales"], ["y"], mode="linear")
        inits = {"scales": np.array([1, 1, 2, 2], np.float32)}
    model = make_model([node], {"x": [1, 2, 3, 3]}, ["y"], opset=opset, initializers=inits)
    assert_matches_ort(model, rtol=1e-5, atol=1e-5)


def test_resize_cubic_is_refused() -> None:
    from tlean.errors import UnsupportedOpsError
    from tlean.onnx_import import import_model

    with pytest.raises(UnsupportedOpsError, match="nearest and linear only"):
        import_model(_resize(13, [1, 1, 2, 2], mode="cubic"))


def test_resize_tables_are_plain_gathers() -> None:
    """Nearest axes carry only index0; identity axes are the identity table."""
    from tlean.onnx_import import import_model

    g = import_model(_resize(13, [1, 1, 2, 2], mode="nearest", coordinate_transformation_mode="asymmetric")).graph
    node = next(n for n in g.nodes if n.op == "resize")
    assert node.attrs["index0"][0] == [0] and node.attrs["index0"][2] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert node.attrs["weight0"] == [[], [], [], []]
