"""``tlean inspect``'s op table is the import's own verdict (issue 10 defect).

Before: the table came from the converter registry alone, so Mod (folded at import) showed as
unsupported, Cast/Pow (refused at import for these inputs) as supported, and NonZero downstream
of a refused node was never listed. Each assertion below failed on that table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper
from tlean.inspect import inspect_model

from tests.onnx_helpers import make_model


def _model() -> onnx.ModelProto:
    nodes = [
        helper.make_node("Mod", ["a", "b"], ["m"]),  # int64 constants: folded
        helper.make_node("Cast", ["m"], ["mf"], to=TensorProto.FLOAT),  # folded too
        helper.make_node("Add", ["x", "mf"], ["x1"]),
        helper.make_node("Pow", ["x1", "x"], ["p"]),  # run-time exponent: refused
        helper.make_node("Cast", ["x1"], ["xi"], to=TensorProto.INT64),  # run-time Cast to int: refused
        helper.make_node("NonZero", ["xi"], ["nz"]),  # downstream of the refused Cast
        helper.make_node("Relu", ["p"], ["y"]),  # downstream of the refused Pow
    ]
    inits = {"a": np.array([7, 8, 9], np.int64), "b": np.array([4], np.int64)}
    return make_model(nodes, {"x": [3]}, ["y", "nz"], opset=13, initializers=inits)


def test_op_table_follows_the_import(tmp_path: Path) -> None:
    path = tmp_path / "mixed.onnx"
    onnx.save(_model(), path)
    info = inspect_model(path)
    ops = {o["op_type"]: o for o in info["ops"]}
    assert ops["Mod"]["supported"] and ops["Mod"]["statuses"] == {"folded": 1}
    assert not ops["Pow"]["supported"] and "run time" in ops["Pow"]["reason"]
    assert not ops["Cast"]["supported"] and "float32" in ops["Cast"]["reason"]
    assert ops["Cast"]["statuses"] == {"folded": 1, "refused": 1}
    assert not ops["NonZero"]["supported"] and "refused node" in ops["NonZero"]["reason"]
    relu = next(n for n in info["nodes"] if n["op_type"] == "Relu")
    assert relu["status"] == "downstream" and "'p'" in relu["reason"]
    assert not info["import"]["ok"]
    listed = {n["op_type"] for n in info["import"]["unsupported"]}
    assert listed == {"Pow", "Cast", "NonZero"}


def test_supported_model_table_is_all_converted(tmp_path: Path) -> None:
    path = tmp_path / "ok.onnx"
    model = make_model([helper.make_node("Erf", ["x"], ["y"])], {"x": [2]}, ["y"], opset=13)
    onnx.save(model, path)
    info = inspect_model(path)
    assert info["import"]["ok"] and info["ops"] == [
        {"op_type": "Erf", "count": 1, "supported": True, "reason": "", "statuses": {"converted": 1}}
    ]
