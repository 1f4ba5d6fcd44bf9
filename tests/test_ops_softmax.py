"""Softmax/LogSoftmax: opset 13 semantics and the older coerce-to-2-D semantics."""

from __future__ import annotations

import pytest

from tests.onnx_helpers import assert_matches_ort, one_node


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("opset,axis", [(7, 1), (11, 0), (11, -1), (11, 2), (13, 1), (13, -1), (21, 0)])
def test_softmax(op: str, opset: int, axis: int) -> None:
    assert_matches_ort(one_node(op, {"x": [2, 3, 4]}, opset=opset, axis=axis), rtol=1e-5, atol=1e-6)
