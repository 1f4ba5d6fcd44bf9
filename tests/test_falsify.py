"""Falsification (``tlean.verify.falsify``): confirmed counterexamples on self-built models.

Oracles: onnxruntime on the ONNX file, exact rational comparison of box and polytope, PyTorch's
autograd for the batched backward pass. Helpers here (``mlp``, ``spec_text``) are shared by the
other test files of verification runs.
"""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from tlean.verify.falsify import (
    Batched,
    FalsifyStats,
    confirm,
    exact_row_margins,
    falsify,
    in_exact_box,
    inner_box,
    load_model,
)
from tlean.verify.vnnlib import parse_vnnlib, read_vnnlib

ort = pytest.importorskip("onnxruntime")


# ------------------------------------------------------------------------------ shared helpers


def mlp(path: Path, sizes: tuple[int, ...] = (4, 8, 8, 3), seed: int = 0, act: str = "Relu",
        in_shape: list[int] | None = None) -> Path:
    """A MatMul+Add MLP with ``act`` between layers, saved at ``path`` (opset 13)."""
    rng = np.random.default_rng(seed)
    nodes: list[Any] = []
    inits = []
    prev = "x"
    if in_shape is not None:
        inits.append(numpy_helper.from_array(np.array([1, sizes[0]], dtype=np.int64), "shape0"))
        nodes.append(helper.make_node("Reshape", ["x", "shape0"], ["x2"]))
        prev = "x2"
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        W = (rng.standard_normal((a, b)) / np.sqrt(a)).astype(np.float32)
        B = (0.1 * rng.standard_normal(b)).astype(np.float32)
        inits += [numpy_helper.from_array(W, f"W{i}"), numpy_helper.from_array(B, f"B{i}")]
        nodes += [helper.make_node("MatMul", [prev, f"W{i}"], [f"m{i}"]),
                  helper.make_node("Add", [f"m{i}", f"B{i}"], [f"a{i}"])]
        prev = f"a{i}"
        if i < len(sizes) - 2:
            nodes.append(helper.make_node(act, [prev], [f"r{i}"]))
            prev = f"r{i}"
    nodes.append(helper.make_node("Identity", [prev], ["y"]))
    g = helper.make_graph(
        nodes, "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape or [1, sizes[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, sizes[-1]])],
        inits,
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.save(m, str(path))
    return path


def spec_text(n_in: int, n_out: int, boxes: list[tuple[list[float], list[float]]], out_asserts: list[str]) -> str:
    """VNN-LIB 1.0 text: one box (plain asserts) or several (an ``or`` of ``and`` s), then output asserts."""
    lines = [f"(declare-const X_{i} Real)" for i in range(n_in)] + [f"(declare-const Y_{j} Real)" for j in range(n_out)]
    if len(boxes) == 1:
        lo, hi = boxes[0]
        for i in range(n_in):
            lines += [f"(assert (>= X_{i} {lo[i]!r}))", f"(assert (<= X_{i} {hi[i]!r}))"]
    else:
        parts = []
        for lo, hi in boxes:
            parts.append("(and " + " ".join(f"(>= X_{i} {lo[i]!r}) (<= X_{i} {hi[i]!r})" for i in range(n_in)) + ")")
        lines.append("(assert (or " + " ".join(parts) + "))")
    lines += [f"(assert {a})" for a in out_asserts]
    return "\n".join(lines) + "\n"


def ort_run(model: Path, x: np.ndarray) -> np.ndarray:
    """onnxruntime's outputs for a batch of flattened inputs (one run per row)."""
    sess = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    shape = [d if isinstance(d, int) and d > 0 else 1 for d in inp.shape]
    return np.stack([sess.run(None, {inp.name: np.asarray(r, np.float32).reshape(shape)})[0].reshape(-1) for r in x])


def sat_instance(tmp: Path, seed: int = 0, frac: float = 0.03) -> tuple[Path, Path, float]:
    """An MLP and a spec ``Y_1 <= c`` over [-1, 1]^4 that a few percent of the box violates."""
    model = mlp(tmp / f"sat{seed}.onnx", seed=seed)
    xs = np.random.default_rng(seed + 100).uniform(-1, 1, (2000, 4)).astype(np.float32)
    c = float(np.quantile(ort_run(model, xs)[:, 1], frac))
    spec = tmp / f"sat{seed}.vnnlib"
    spec.write_text(spec_text(4, 3, [([-1.0] * 4, [1.0] * 4)], [f"(<= Y_1 {c!r})"]))
    return model, spec, c


# ------------------------------------------------------------------------------ tests


def _check_witness(model: Path, spec_path: Path, ce: Any) -> None:
    sp = read_vnnlib(spec_path)
    box = sp.boxes[ce.box]
    x = np.asarray(ce.x, dtype=np.float32)
    assert np.array_equal(x.astype(np.float64), np.asarray(ce.x))  # the values are float32s
    assert all(lo <= Fraction(float(v)) <= hi for v, lo, hi in zip(x, box.lower, box.upper, strict=True))
    y = ort_run(model, x[None])[0]
    assert np.array_equal(y, np.asarray(ce.y, dtype=np.float32))
    poly = box.polytopes[ce.polytope]
    assert all(m <= 0 for m in exact_row_margins(poly, y))
    assert all(m <= 0 for m in exact_row_margins(poly, np.asarray(ce.y_tlean, dtype=np.float32)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_finds_a_confirmed_counterexample_quickly(tmp_path: Path, seed: int) -> None:
    model, spec, _ = sat_instance(tmp_path, seed)
    t = time.perf_counter()
    ce = falsify(str(model), read_vnnlib(spec), 5.0)
    assert ce is not None
    assert time.perf_counter() - t < 2.5  # well under a second unloaded; slack for a busy machine
    _check_witness(model, spec, ce)


@pytest.mark.parametrize("seed", [3, 5, 6])
def test_pgd_finds_what_sampling_rarely_hits(tmp_path: Path, seed: int) -> None:
    """Threshold = the least Y_1 of 20000 random points: a handful of random starts miss it, PGD gets there."""
    from tlean.verify.falsify import FalsifyOptions

    model, spec, _ = sat_instance(tmp_path, seed)
    ys = ort_run(model, np.random.default_rng(9).uniform(-1, 1, (20000, 4)).astype(np.float32))[:, 1]
    spec.write_text(spec_text(4, 3, [([-1.0] * 4, [1.0] * 4)], [f"(<= Y_1 {float(ys.min())!r})"]))
    st = FalsifyStats()
    ce = falsify(str(model), read_vnnlib(spec), 10.0, stats=st, options=FalsifyOptions(batch=4))
    assert ce is not None and ce.found_by == "pgd", st
    _check_witness(model, spec, ce)


def test_nothing_to_find_returns_none_within_the_budget(tmp_path: Path) -> None:
    model = mlp(tmp_path / "m.onnx")
    spec = tmp_path / "s.vnnlib"
    spec.write_text(spec_text(4, 3, [([-1.0] * 4, [1.0] * 4)], ["(>= Y_0 1000000.0)"]))
    t = time.perf_counter()
    st = FalsifyStats()
    assert falsify(str(model), read_vnnlib(spec), 0.5, stats=st) is None
    assert time.perf_counter() - t < 2.5
    assert st.points > 1000 and st.best_margin > 0
    assert falsify(str(model), read_vnnlib(spec), 0.0) is None


def test_several_boxes_and_polytopes_report_the_right_indices(tmp_path: Path) -> None:
    model = mlp(tmp_path / "m.onnx", seed=5)
    y_far = ort_run(model, np.full((1, 4), 0.9, np.float32))[0]
    spec = tmp_path / "s.vnnlib"
    spec.write_text(spec_text(
        4, 3,
        [([-1.0, -1.0, -1.0, -1.0], [-0.9, -0.9, -0.9, -0.9]), ([0.85] * 4, [0.95] * 4)],
        [f"(or (and (>= Y_2 1000.0)) (and (<= Y_0 {float(y_far[0]) + 0.5!r}) (<= Y_1 {float(y_far[1]) + 0.5!r})))"],
    ))
    ce = falsify(str(model), read_vnnlib(spec), 5.0)
    assert ce is not None and ce.polytope == 1
    _check_witness(model, spec, ce)


def test_batched_forward_matches_the_evaluator_and_backward_matches_torch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    model = mlp(tmp_path / "m.onnx", sizes=(5, 16, 16, 4), seed=11, act="LeakyRelu", in_shape=[1, 1, 1, 5])
    fm = load_model(model)
    net = Batched(fm)
    x = np.random.default_rng(0).uniform(-2, 2, (32, 5)).astype(np.float32)
    y, vals = net.forward(x)
    ref = np.stack([ort_run(model, x[i : i + 1])[0] for i in range(x.shape[0])])
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)
    g_out = np.random.default_rng(1).standard_normal((32, 4)).astype(np.float32)
    gx = net.backward(vals, g_out)
    # the same network in torch, from the ONNX initialisers
    m = onnx.load(str(model))
    w = {i.name: torch.tensor(numpy_helper.to_array(i)) for i in m.graph.initializer}
    xt = torch.tensor(x, requires_grad=True)
    h = xt
    for i in range(3):
        h = h @ w[f"W{i}"] + w[f"B{i}"]
        if i < 2:
            h = torch.nn.functional.leaky_relu(h, 0.01)
    (h * torch.tensor(g_out)).sum().backward()
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_confirm_rejects_points_outside_the_exact_box_and_non_violations(tmp_path: Path) -> None:
    model = mlp(tmp_path / "m.onnx")
    fm = load_model(model)
    text = spec_text(4, 3, [([0.1] * 4, [0.3] * 4)], ["(<= Y_0 1000000.0)"])  # every output violates
    sp = parse_vnnlib(text)
    lo, hi = inner_box(sp.boxes[0])
    # 0.1 is not a float32: the inner box starts at the first float32 above it, the outer one below
    assert Fraction(float(lo[0])) >= Fraction("0.1") > Fraction(float(np.nextafter(lo[0], np.float32(0))))
    assert Fraction(float(hi[0])) <= Fraction("0.3") < Fraction(float(np.nextafter(hi[0], np.float32(1))))
    assert confirm(fm, sp, lo) is not None
    below = lo.copy()
    below[2] = np.nextafter(lo[2], np.float32(0))
    assert not in_exact_box(below, sp.boxes[0])
    assert confirm(fm, sp, below) is None
    nothing = parse_vnnlib(spec_text(4, 3, [([0.1] * 4, [0.3] * 4)], ["(>= Y_0 1000000.0)"]))
    assert confirm(fm, nothing, lo) is None


def test_models_outside_the_batched_fragment_are_sampled(tmp_path: Path) -> None:
    model = mlp(tmp_path / "t.onnx", act="Tanh", seed=4)
    fm = load_model(model)
    assert not fm.batched
    xs = np.random.default_rng(3).uniform(-1, 1, (500, 4)).astype(np.float32)
    c = float(np.quantile(ort_run(model, xs)[:, 0], 0.2))
    spec = tmp_path / "t.vnnlib"
    spec.write_text(spec_text(4, 3, [([-1.0] * 4, [1.0] * 4)], [f"(<= Y_0 {c!r})"]))
    ce = falsify(fm, read_vnnlib(spec), 5.0)
    assert ce is not None and ce.found_by == "random"
    _check_witness(model, spec, ce)
