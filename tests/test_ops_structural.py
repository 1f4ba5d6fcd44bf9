"""Reshape Flatten Squeeze Unsqueeze Transpose Concat Slice Pad Split Identity Dropout Cast."""

from __future__ import annotations

import numpy as np
import onnx
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
        ([2], [3], [1], [1]),  # an empty slice output is refused: tests/test_import_defects.py
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


# ---------------------------------------------------------------- embeddings (issue 10)


def _embedding_model(dtype: int, idx_shape: list[int], via_reshape: bool = False) -> onnx.ModelProto:
    from onnx import TensorProto, numpy_helper

    from tests.onnx_helpers import IR_VERSION

    table = np.random.default_rng(8).standard_normal((10, 4)).astype(np.float32)
    nodes = []
    idx = "ids"
    if via_reshape:
        nodes.append(helper.make_node("Reshape", ["ids", "flat"], ["ids_flat"]))
        idx = "ids_flat"
    nodes.append(helper.make_node("Gather", ["table", idx], ["emb"], axis=0))
    nodes.append(helper.make_node("Relu", ["emb"], ["y"]))
    inits = [numpy_helper.from_array(table, "table"), numpy_helper.from_array(np.array([-1], np.int64), "flat")]
    graph = helper.make_graph(
        nodes,
        "emb",
        [helper.make_tensor_value_info("ids", dtype, idx_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = IR_VERSION
    return model


@pytest.mark.parametrize("via_reshape", [False, True])
@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_gather_with_token_ids_is_an_embedding(dtype: str, via_reshape: bool) -> None:
    from onnx import TensorProto
    from tlean.evaluate import evaluate
    from tlean.onnx_import import import_model

    from tests.onnx_helpers import run_ort

    model = _embedding_model(getattr(TensorProto, dtype.upper()), [2, 3], via_reshape)
    ids = np.array([[0, 9, 3], [3, 1, 7]], dtype=dtype)
    want = run_ort(model, {"ids": ids})[0]
    imported = import_model(model)
    assert any(n.op == "embedding" for n in imported.graph.nodes)
    got = evaluate(imported.graph, {"ids": ids.astype(np.float32)}, imported.params)[0]
    np.testing.assert_array_equal(got, want)


def test_embedding_rows_outside_the_table_are_nan() -> None:
    from onnx import TensorProto
    from tlean.evaluate import evaluate
    from tlean.onnx_import import import_model

    imported = import_model(_embedding_model(TensorProto.INT64, [6]))
    ids = np.array([0, 10, -1, 2.5, np.nan, 9], np.float32)
    got = evaluate(imported.graph, {"ids": ids}, imported.params)[0]
    assert np.isnan(got[1:5]).all() and not np.isnan(got[[0, 5]]).any()


def test_integer_input_used_as_data_is_refused() -> None:
    from onnx import TensorProto, numpy_helper
    from tlean.errors import UnsupportedDTypeError
    from tlean.onnx_import import import_model

    from tests.onnx_helpers import IR_VERSION

    graph = helper.make_graph(
        [helper.make_node("Add", ["ids", "one"], ["y"])],
        "bad",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, [3])],
        [helper.make_tensor_value_info("y", TensorProto.INT64, None)],
        initializer=[numpy_helper.from_array(np.array(1, np.int64), "one")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = IR_VERSION
    with pytest.raises(UnsupportedDTypeError, match="integer model input 'ids'"):
        import_model(model)


def test_token_ids_sliced_by_constant_gather_stay_token_ids() -> None:
    """``ids[:, -1]`` (Gather with a constant index on the integer input) then an embedding."""
    from onnx import TensorProto, numpy_helper
    from tlean.evaluate import evaluate
    from tlean.onnx_import import import_model

    from tests.onnx_helpers import IR_VERSION, run_ort

    table = np.random.default_rng(9).standard_normal((6, 3)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["ids", "last"], ["ids_last"], axis=1),
            helper.make_node("Gather", ["table", "ids_last"], ["y"], axis=0),
        ],
        "g",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, [2, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(table, "table"), numpy_helper.from_array(np.array(-1, np.int64), "last")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = IR_VERSION
    ids = np.array([[1, 2, 3, 4], [5, 0, 1, 2]], np.int64)
    imported = import_model(model)
    got = evaluate(imported.graph, {"ids": ids.astype(np.float32)}, imported.params)[0]
    np.testing.assert_array_equal(got, run_ort(model, {"ids": ids})[0])


def test_pad_of_a_scalar_is_the_scalar():
    """A rank-0 `pad` has no widths; the evaluator used to crash in np.pad on an empty list."""
    import numpy as np
    from tlean import ir
    from tlean.evaluate import evaluate

    g = ir.Graph(
        inputs=[ir.TensorDecl(name="x", shape=[])],
        nodes=[
            ir.Node(op="input", attrs={"index": 0}, shape=[]),
            ir.Node(op="pad", inputs=[0], attrs={"pads": [], "value": 0.0}, shape=[]),
        ],
        outputs=[1],
    )
    ir.check(g)
    (y,) = evaluate(g, {"x": np.float32(2.5)}, {})
    assert y.shape == () and y == np.float32(2.5)
