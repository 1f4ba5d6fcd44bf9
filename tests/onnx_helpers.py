"""Building small ONNX models with ``onnx.helper`` and comparing tlean with onnxruntime."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from tlean.evaluate import evaluate
from tlean.onnx_import import import_model

#: onnxruntime 1.31 reads models up to IR version 13; helper.make_model defaults newer.
IR_VERSION = 8


def make_model(
    nodes: Sequence[onnx.NodeProto],
    inputs: dict[str, Sequence[int]],
    outputs: Sequence[str],
    *,
    opset: int,
    initializers: dict[str, np.ndarray] | None = None,
    output_shapes: dict[str, Sequence[int] | None] | None = None,
) -> onnx.ModelProto:
    """A float32 model; outputs get unknown shapes unless given."""
    inits = [numpy_helper.from_array(np.asarray(v), k) for k, v in (initializers or {}).items()]
    graph = helper.make_graph(
        list(nodes),
        "test",
        [helper.make_tensor_value_info(k, TensorProto.FLOAT, list(s)) for k, s in inputs.items()],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, (output_shapes or {}).get(o)) for o in outputs],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = IR_VERSION if opset >= 9 else 3 + (opset >= 7) + (opset >= 8)
    return model


def one_node(
    op: str,
    shapes: dict[str, Sequence[int]],
    *,
    opset: int,
    initializers: dict[str, np.ndarray] | None = None,
    n_out: int = 1,
    **attrs: Any,
) -> onnx.ModelProto:
    names = list(shapes) + list(initializers or {})
    outs = [f"y{i}" for i in range(n_out)]
    node = helper.make_node(op, names, outs, name="node", **attrs)
    return make_model([node], shapes, outs, opset=opset, initializers=initializers)


def random_inputs(model: onnx.ModelProto, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    inits = {t.name for t in model.graph.initializer}
    feeds = {}
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        shape = [d.dim_value for d in vi.type.tensor_type.shape.dim]
        feeds[vi.name] = rng.standard_normal(shape).astype(np.float32)
    return feeds


def run_ort(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    return [np.asarray(o) for o in sess.run(None, feeds)]


def run_tlean(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    imported = import_model(model)
    return evaluate(imported.graph, feeds, imported.params)


def assert_matches_ort(
    model: onnx.ModelProto,
    *,
    seed: int = 0,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    feeds: dict[str, np.ndarray] | None = None,
) -> None:
    """tlean's import + evaluation agrees with onnxruntime on seeded random inputs."""
    feeds = feeds if feeds is not None else random_inputs(model, seed)
    want = run_ort(model, feeds)
    got = run_tlean(model, feeds)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == np.float32
        assert g.shape == w.shape, (g.shape, w.shape)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True)


def assert_matches_reference(model: onnx.ModelProto, *, seed: int = 0, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Like :func:`assert_matches_ort`, against onnx's ReferenceEvaluator (for cases ORT lacks)."""
    from onnx.reference import ReferenceEvaluator

    feeds = random_inputs(model, seed)
    want = ReferenceEvaluator(model).run(None, feeds)
    got = run_tlean(model, feeds)
    for g, w in zip(got, want, strict=True):
        assert g.shape == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)
