"""Defects of issue 10 in the importer, each with the test that failed before its fix:
zero dimensions, and the crash sites the mutation fuzz found (non-UTF-8 names, unknown tensor
types, attributes of the wrong type, outputs a node did not produce)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from tlean import errors
from tlean.onnx_import import import_model

from tests.onnx_helpers import make_model, one_node

ROOT = Path(__file__).resolve().parents[1]


def test_zero_dimension_input_shape_is_refused() -> None:
    model = one_node("Relu", {"x": [1, 4]}, opset=13)
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "N"
    with pytest.raises(errors.UsageError, match="zero dimension"):
        import_model(model, input_shapes={"x": [0, 4]})


def test_empty_output_is_refused() -> None:
    """A Slice that selects nothing: before, --check 'passed' on the empty output."""
    inits = {"s": np.array([3], np.int64), "e": np.array([3], np.int64), "a": np.array([1], np.int64)}
    model = one_node("Slice", {"x": [2, 3]}, opset=13, initializers=inits)
    with pytest.raises(errors.GraphStructureError, match="zero dimension"):
        import_model(model)


def _save(model: onnx.ModelProto, tmp_path: Path) -> Path:
    path = tmp_path / "m.onnx"
    path.write_bytes(model.SerializeToString())
    return path


def test_non_utf8_op_type_is_a_load_error(tmp_path: Path) -> None:
    data = (ROOT / "examples" / "mlp.onnx").read_bytes()
    model = onnx.load_from_string(data)
    op = model.graph.node[0].op_type.encode()
    mutated = data.replace(op, b"\xff" + op[1:], 1)
    path = tmp_path / "bad.onnx"
    path.write_bytes(mutated)
    with pytest.raises(errors.ModelLoadError, match="UTF-8"):
        import_model(path)


def test_unknown_tensor_type_is_a_load_error(tmp_path: Path) -> None:
    model = one_node("Add", {"x": [2]}, opset=13, initializers={"b": np.ones(2, np.float32)})
    model.graph.initializer[0].data_type = 65
    with pytest.raises(errors.ModelLoadError, match="tensor 'b'"):
        import_model(_save(model, tmp_path))


def test_attribute_of_the_wrong_type_names_the_node(tmp_path: Path) -> None:
    model = one_node("Conv", {"x": [1, 1, 3, 3]}, opset=13, initializers={"w": np.ones((1, 1, 2, 2), np.float32)})
    model.graph.node[0].attribute.append(helper.make_attribute("pads", 1.5))
    with pytest.raises(errors.GraphStructureError, match="'pads' has type FLOAT"):
        import_model(model)


def test_malformed_attribute_list_names_the_node() -> None:
    model = one_node(
        "Conv", {"x": [1, 1, 3, 3]}, opset=13, initializers={"w": np.ones((1, 1, 2, 2), np.float32)}, pads=[1]
    )
    with pytest.raises(errors.GraphStructureError, match="malformed"):
        import_model(model)


def test_output_not_produced_by_its_node() -> None:
    """A Dropout declaring three outputs (it has two): the reader of the third gets a clean error."""
    nodes = [
        helper.make_node("Dropout", ["x"], ["d", "mask", "extra"]),
        helper.make_node("Relu", ["extra"], ["y"]),
    ]
    model = make_model(nodes, {"x": [3]}, ["y"], opset=13)
    with pytest.raises(errors.GraphStructureError, match="did not produce"):
        import_model(model)


def test_recurrent_node_with_too_many_outputs() -> None:
    rng = np.random.default_rng(0)
    inits = {
        "W": rng.standard_normal((1, 2, 2)).astype(np.float32),
        "R": rng.standard_normal((1, 2, 2)).astype(np.float32),
    }
    node = helper.make_node("RNN", ["x", "W", "R"], ["Y", "Yh", "extra"], hidden_size=2)
    model = make_model([node], {"x": [3, 1, 2]}, ["Y"], opset=14, initializers=inits)
    with pytest.raises(errors.UnsupportedOpsError, match="RNN has 2 outputs"):
        import_model(model)


def test_huge_opset_is_refused() -> None:
    model = one_node("Relu", {"x": [2]}, opset=13)
    model.opset_import[0].version = 2**40
    with pytest.raises(errors.UnsupportedOpsError, match="newer than any ONNX release"):
        import_model(model)


def test_int64_input_feeding_float_arithmetic_is_a_dtype_error() -> None:
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.INT64, [2])],
        [helper.make_tensor_value_info("y", TensorProto.INT64, [2])],
        initializer=[numpy_helper.from_array(np.zeros(1, np.float32), "unused")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    with pytest.raises(errors.UnsupportedDTypeError, match="'x'"):
        import_model(model)


def test_huge_resize_is_a_limit_error_not_a_hang() -> None:
    """Found by the fuzz: a mutated Resize size made the import build a table of 2^31 entries."""
    node = helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], mode="nearest")
    sizes = np.array([1, 1, 2**31 - 1, 4], np.int64)
    model = make_model([node], {"x": [1, 1, 4, 4]}, ["y"], opset=13, initializers={"sizes": sizes})
    with pytest.raises(errors.ModelLimitError, match="over the limit"):
        import_model(model)


def test_huge_expand_of_a_runtime_value_is_refused() -> None:
    node = helper.make_node("Expand", ["x", "shape"], ["y"])
    model = make_model([node], {"x": [1, 3]}, ["y"], opset=13, initializers={"shape": np.array([10**6, 3], np.int64)})
    with pytest.raises((errors.ModelLimitError, errors.UnsupportedOpsError)):
        import_model(model, max_elements=10**6)


def test_expand_and_tile_of_runtime_values() -> None:
    from tests.onnx_helpers import assert_matches_ort

    node = helper.make_node("Expand", ["x", "shape"], ["y"])
    model = make_model([node], {"x": [3, 1]}, ["y"], opset=13, initializers={"shape": np.array([2, 3, 4], np.int64)})
    assert_matches_ort(model, rtol=0, atol=0)
    node = helper.make_node("Tile", ["x", "reps"], ["y"])
    model = make_model([node], {"x": [2, 3]}, ["y"], opset=13, initializers={"reps": np.array([2, 3], np.int64)})
    assert_matches_ort(model, rtol=0, atol=0)
