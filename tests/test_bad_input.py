"""Bad input is refused cleanly: a TleanError subclass, a clear message, exit code 2 from the
CLI, no traceback, and nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from tlean import errors
from tlean.onnx_import import import_model

from tests.onnx_helpers import make_model, one_node

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "mlp.onnx"


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tlean", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )


def assert_clean_refusal(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    for n in needles:
        assert n in proc.stderr, proc.stderr


def test_truncated_file(tmp_path: Path) -> None:
    data = EXAMPLE.read_bytes()
    bad = tmp_path / "truncated.onnx"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(errors.ModelLoadError, match="truncated"):
        import_model(bad)
    assert_clean_refusal(cli("inspect", str(bad)), "model-load", "truncated.onnx")


def test_not_onnx(tmp_path: Path) -> None:
    bad = tmp_path / "notes.onnx"
    bad.write_text("just some text, not a protobuf\n" * 20)
    with pytest.raises(errors.ModelLoadError):
        import_model(bad)
    assert_clean_refusal(cli("run", str(bad)), "model-load", "not")


def test_missing_and_empty_file(tmp_path: Path) -> None:
    assert_clean_refusal(cli("inspect", str(tmp_path / "nope.onnx")), "no such file")
    (tmp_path / "empty.onnx").write_bytes(b"")
    assert_clean_refusal(cli("inspect", str(tmp_path / "empty.onnx")), "empty")


def test_cycle(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Add", ["x", "c"], ["a"], name="first"),
        helper.make_node("Relu", ["a"], ["b"], name="second"),
        helper.make_node("Neg", ["b"], ["c"], name="third"),
    ]
    model = make_model(nodes, {"x": [2]}, ["b"], opset=13)
    path = tmp_path / "cycle.onnx"
    onnx.save(model, path)
    with pytest.raises(errors.GraphStructureError, match="cycle") as e:
        import_model(path)
    assert "'first'" in str(e.value) and "'third'" in str(e.value)
    assert_clean_refusal(cli("run", str(path)), "cycle")


def test_dangling_input(tmp_path: Path) -> None:
    nodes = [helper.make_node("Add", ["x", "ghost"], ["y"], name="adder")]
    path = tmp_path / "dangling.onnx"
    onnx.save(make_model(nodes, {"x": [2]}, ["y"], opset=13), path)
    with pytest.raises(errors.GraphStructureError, match="'ghost'"):
        import_model(path)
    assert_clean_refusal(cli("run", str(path)), "dangling", "'adder'")


def test_unknown_ops_are_all_listed(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Relu", ["x"], ["a"], name="ok"),
        helper.make_node("Hardmax", ["a"], ["b"], name="first bad"),
        helper.make_node("Det", ["b"], ["c"], name="second bad"),
        helper.make_node("Frobnicate", ["c"], ["y"], name="third bad", domain="com.example"),
    ]
    model = make_model(nodes, {"x": [2]}, ["y"], opset=13)
    model.opset_import.append(helper.make_opsetid("com.example", 1))
    path = tmp_path / "unknown.onnx"
    onnx.save(model, path)
    with pytest.raises(errors.UnsupportedOpsError) as e:
        import_model(path)
    assert [n.op_type for n in e.value.nodes] == ["Hardmax", "Det", "Frobnicate"]
    assert all(n.reason for n in e.value.nodes)
    proc = cli("run", str(path))
    assert_clean_refusal(proc, "'first bad'", "'second bad'", "'third bad'", "Hardmax", "Det", "Frobnicate", "opset 13")


def test_attribute_level_refusal_names_the_node() -> None:
    model = one_node(
        "Pad", {"x": [2, 3]}, opset=13, initializers={"p": np.array([0, 1, 0, 1], np.int64)}, mode="reflect"
    )
    with pytest.raises(errors.UnsupportedOpsError, match="reflect"):
        import_model(model)


def test_absurd_declared_size_is_refused_before_allocation(tmp_path: Path) -> None:
    # An initializer that declares 10^12 elements but carries no data: nothing may allocate it.
    big = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1_000_000, 1_000_000])
    model = make_model([helper.make_node("Add", ["x", "w"], ["y"])], {"x": [1]}, ["y"], opset=13)
    model.graph.initializer.append(big)
    path = tmp_path / "absurd.onnx"
    onnx.save(model, path)
    with pytest.raises(errors.ModelLimitError, match="1,000,000,000,000"):
        import_model(path)
    assert_clean_refusal(cli("inspect", str(path)), "model-limit", "--max-elements")


def test_constant_of_shape_bomb_is_refused(tmp_path: Path) -> None:
    shape = numpy_helper.from_array(np.array([100000, 100000, 100], np.int64), "s")
    nodes = [
        helper.make_node("ConstantOfShape", ["s"], ["w"], value=numpy_helper.from_array(np.array([1.0], np.float32))),
        helper.make_node("Add", ["x", "w"], ["y"]),
    ]
    model = make_model(nodes, {"x": [1]}, ["y"], opset=13)
    model.graph.initializer.append(shape)
    with pytest.raises(errors.ModelLimitError, match="would create"):
        import_model(model)


def test_element_limit_is_configurable() -> None:
    model = one_node("Add", {"x": [4, 4]}, opset=13, initializers={"w": np.ones((4, 4), np.float32)})
    with pytest.raises(errors.ModelLimitError):
        import_model(model, max_elements=10)
    import_model(model, max_elements=16)


def _external_model(tmp_path: Path, location: str) -> Path:
    w = numpy_helper.from_array(np.ones(4, np.float32), "w")
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", "0"), ("length", "16")):
        entry = w.external_data.add()
        entry.key, entry.value = k, v
    model = make_model([helper.make_node("Add", ["x", "w"], ["y"])], {"x": [4]}, ["y"], opset=13)
    model.graph.initializer.append(w)
    d = tmp_path / "model"
    d.mkdir(exist_ok=True)
    path = d / "m.onnx"
    path.write_bytes(model.SerializeToString())
    return path


@pytest.mark.parametrize("location", ["/etc/passwd", "../secret.bin", "sub/../../secret.bin"])
def test_external_data_outside_model_dir(tmp_path: Path, location: str) -> None:
    (tmp_path / "secret.bin").write_bytes(np.ones(4, np.float32).tobytes())
    path = _external_model(tmp_path, location)
    with pytest.raises(errors.UnsafePathError):
        import_model(path)
    assert_clean_refusal(cli("run", str(path)), "unsafe-path")


def test_external_data_symlink_leading_out(tmp_path: Path) -> None:
    (tmp_path / "secret.bin").write_bytes(np.full(4, 7, np.float32).tobytes())
    path = _external_model(tmp_path, "weights.bin")
    (path.parent / "weights.bin").symlink_to(tmp_path / "secret.bin")
    with pytest.raises(errors.UnsafePathError, match="outside"):
        import_model(path)


def test_external_data_inside_model_dir_is_read(tmp_path: Path) -> None:
    path = _external_model(tmp_path, "weights.bin")
    (path.parent / "weights.bin").write_bytes(np.arange(4, dtype=np.float32).tobytes())
    imported = import_model(path)
    np.testing.assert_array_equal(imported.params["w"], np.arange(4, dtype=np.float32))


def test_external_data_too_short(tmp_path: Path) -> None:
    path = _external_model(tmp_path, "weights.bin")
    (path.parent / "weights.bin").write_bytes(b"\0" * 8)
    with pytest.raises(errors.ModelLoadError, match="outside"):
        import_model(path)


@pytest.mark.parametrize("dtype", [TensorProto.INT64, TensorProto.DOUBLE, TensorProto.FLOAT16])
def test_non_float32_model_input(tmp_path: Path, dtype: int) -> None:
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", dtype, [2])],
        [helper.make_tensor_value_info("y", dtype, [2])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path = tmp_path / "typed.onnx"
    onnx.save(model, path)
    with pytest.raises(errors.UnsupportedDTypeError, match="'x'"):
        import_model(path)
    assert_clean_refusal(cli("run", str(path)), "unsupported-dtype", "float32")


def test_dynamic_dims_need_input_shape(tmp_path: Path) -> None:
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path = tmp_path / "dyn.onnx"
    onnx.save(model, path)
    proc = cli("inspect", str(path))
    assert proc.returncode == 1 and "--input-shape" in proc.stdout
    with pytest.raises(errors.DynamicShapeError, match=r"\[batch,3\]"):
        import_model(path)
    assert_clean_refusal(cli("run", str(path)), "dynamic-shape", "--input-shape x=")
    assert_clean_refusal(cli("run", str(path), "--input-shape", "x=2,4"), "fixed to 3")
    assert_clean_refusal(cli("run", str(path), "--input-shape", "x=two"), "integers")
    assert_clean_refusal(cli("run", str(path), "--input-shape", "nope=1,3"), "model's inputs")
    imported = import_model(path, input_shapes={"x": [5, 3]})
    assert imported.graph.inputs[0].shape == [5, 3]


def test_run_input_file_errors(tmp_path: Path) -> None:
    assert_clean_refusal(cli("run", str(EXAMPLE)), "missing --input", "'x'")
    assert_clean_refusal(cli("run", str(EXAMPLE), "--input", f"x={tmp_path / 'none.npy'}"), "not found")
    (tmp_path / "junk.npy").write_text("junk")
    assert_clean_refusal(cli("run", str(EXAMPLE), "--input", f"x={tmp_path / 'junk.npy'}"), "not a readable")
    np.save(tmp_path / "wrong.npy", np.zeros((2, 8), np.float32))
    assert_clean_refusal(cli("run", str(EXAMPLE), "--input", f"x={tmp_path / 'wrong.npy'}"), "shape [2, 8]")
    assert_clean_refusal(cli("run", str(EXAMPLE), "--input", f"y={tmp_path / 'wrong.npy'}"), "model's inputs")
