"""ReduceSum / ReduceMean / ReduceMax with attribute and input axes, keepdims, defaults."""

from __future__ import annotations

import numpy as np
import pytest

from tests.onnx_helpers import assert_matches_ort, one_node

_AXES_INPUT_FROM = {"ReduceSum": 13, "ReduceMean": 18, "ReduceMax": 18}


@pytest.mark.parametrize("op", ["ReduceSum", "ReduceMean", "ReduceMax"])
@pytest.mark.parametrize("opset", [11, 13, 18, 20, 21])
@pytest.mark.parametrize("axes,keep", [([1], 1), ([0, -1], 0), (None, 1), (None, 0)])
def test_reduce(op: str, opset: int, axes: list[int] | None, keep: int) -> None:
    attrs: dict[str, object] = {"keepdims": keep}
    inits = {}
    if axes is not None:
        if opset >= _AXES_INPUT_FROM[op]:
            inits["axes"] = np.array(axes, np.int64)
        else:
            attrs["axes"] = axes
    model = one_node(op, {"x": [2, 3, 4]}, opset=opset, initializers=inits, **attrs)
    assert_matches_ort(model, rtol=1e-5, atol=1e-6)
