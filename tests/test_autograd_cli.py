"""``tlean grad``, the losses as IR graphs, the API's edges and the float64 kernels.

Oracles: PyTorch (``F.cross_entropy``, ``F.mse_loss`` and autograd), onnxruntime-independent
facts about the example MLP (its weights read back from the ONNX file), the reference evaluator.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
from tlean import ir
from tlean.autograd import forward_values, jvp, vjp, with_loss
from tlean.autograd.report import grad_schema
from tlean.cli import app
from tlean.errors import EvaluationError, UsageError
from tlean.evaluate import evaluate_all
from tlean.onnx_import import import_model
from typer.testing import CliRunner

torch = pytest.importorskip("torch")
from tests.test_autograd_random import _one_torch_thread  # noqa: E402, F401  (autouse: one PyTorch thread)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mlp.onnx"
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


@pytest.mark.parametrize("fmt", ["tlean.grad.v1", "tlean.bench-grad.v1"])
def test_grad_schemas_are_committed(fmt: str) -> None:
    """docs/schemas/<fmt>.json equals the report model's schema."""
    committed = json.loads((ROOT / "docs" / "schemas" / f"{fmt}.json").read_text())
    assert committed == grad_schema(fmt)


def test_bench_document_validates() -> None:
    """scripts/bench_grad.py's per-model row, on one small model, fits its document's schema."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_grad", ROOT / "scripts" / "bench_grad.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    row = bench.bench_model("squeezenet", 1)
    doc = bench.BenchGradReport.model_validate(
        {"threads": 1, "repeat": 1, "models": [row], "median_tlean_over_torch": 1.0, "max_tlean_over_torch": 1.0}
    )
    jsonschema.validate(doc.model_dump(mode="json"), grad_schema("tlean.bench-grad.v1"))
    assert row["tlean_s"] > 0 and row["torch_s"] > 0 and row["max_rel_diff_input_grad"] < 1e-2


def test_cli_grad_json_matches_pytorch_and_saves(tmp_path: Path) -> None:
    imported = import_model(EXAMPLE)
    g = imported.graph
    rng = np.random.default_rng(0)
    x = rng.standard_normal(g.inputs[0].shape).astype(np.float32)
    w = rng.standard_normal(g.nodes[g.outputs[0]].shape).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "w.npy", w)
    out_name = g.output_names[0]
    code, out = invoke(
        "grad", str(EXAMPLE), "--input", f"{g.inputs[0].name}={tmp_path / 'x.npy'}",
        "--cotangent", f"{out_name}={tmp_path / 'w.npy'}", "--save", str(tmp_path / "g"), "--json",
    )  # fmt: skip
    assert code == 0, out
    doc = json.loads(out)
    jsonschema.validate(doc, grad_schema())
    assert doc["format"] == "tlean.grad.v1" and doc["dtype"] == "float32"
    assert {p["name"] for p in doc["params"]} == set(imported.params)
    # The saved input gradient equals PyTorch autograd (the IR → PyTorch interpreter).
    from tlean.autograd_torch import torch_vjp

    want, _ = torch_vjp(g, {g.inputs[0].name: x}, imported.params, {out_name: w})
    got = np.load(doc["inputs"][0]["saved"])
    np.testing.assert_allclose(got, want[g.inputs[0].name], rtol=1e-4, atol=1e-6)
    assert sorted(p.name for p in (tmp_path / "g" / "params").iterdir()) == sorted(f"{n}.npy" for n in imported.params)


def test_cli_grad_with_loss_and_tables(tmp_path: Path) -> None:
    g = import_model(EXAMPLE).graph
    np.save(tmp_path / "x.npy", np.ones(g.inputs[0].shape, dtype=np.float32))
    np.save(tmp_path / "t.npy", np.array([1]))
    code, out = invoke(
        "grad", str(EXAMPLE), "--input", f"{g.inputs[0].name}={tmp_path / 'x.npy'}",
        "--loss", "cross_entropy", "--target", str(tmp_path / "t.npy"), "--inputs-only",
    )  # fmt: skip
    assert code == 0, out
    assert "input gradients" in out and "parameter gradients" not in out


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--cotangent", "nope=x.npy"], "expected OUTPUT=FILE.npy"),
        (["--loss", "hinge", "--target", "t.npy"], "unknown loss"),
        (["--loss", "mse"], "--loss and --target go together"),
    ],
)
def test_cli_grad_user_errors(tmp_path: Path, extra: list[str], needle: str) -> None:
    g = import_model(EXAMPLE).graph
    np.save(tmp_path / "x.npy", np.ones(g.inputs[0].shape, dtype=np.float32))
    np.save(tmp_path / "t.npy", np.array([1]))
    args = [a.replace("x.npy", str(tmp_path / "x.npy")).replace("t.npy", str(tmp_path / "t.npy")) for a in extra]
    code, out = invoke("grad", str(EXAMPLE), "--input", f"{g.inputs[0].name}={tmp_path / 'x.npy'}", *args, "--json")
    assert code == 2
    assert needle in json.loads(out)["error"]["message"]


def _logits_graph(shape: tuple[int, ...]) -> ir.Graph:
    """``y = x · p`` (a parameter, so the loss has parameter gradients too)."""
    return ir.Graph(
        inputs=[ir.TensorDecl(name="x", shape=list(shape))],
        params=[ir.TensorDecl(name="p", shape=list(shape))],
        nodes=[
            ir.Node(op="input", attrs={"index": 0}, shape=list(shape)),
            ir.Node(op="param", attrs={"index": 0}, shape=list(shape)),
            ir.Node(op="mul", inputs=[0, 1], shape=list(shape)),
        ],
        outputs=[2],
        output_names=["y"],
    )


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4), (5,)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_matches_pytorch(shape: tuple[int, ...], dtype: Any) -> None:
    F = torch.nn.functional
    rng = np.random.default_rng(1)
    x, p = rng.standard_normal(shape), rng.uniform(0.5, 1.5, shape)
    axis = 1 if len(shape) >= 2 else 0
    idx = rng.integers(0, shape[axis], size=shape[:axis] + shape[axis + 1 :])
    g = with_loss(_logits_graph(shape), "cross_entropy", idx)
    assert g.output_names == ["loss"] and g.nodes[g.outputs[0]].shape == []
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    tx = torch.tensor(x, dtype=tdt, requires_grad=True)
    tp = torch.tensor(p, dtype=tdt, requires_grad=True)
    logits = tx * tp
    want = F.cross_entropy(logits, torch.tensor(idx).long())  # unbatched when rank 1
    want.backward()
    value = forward_values(g, {"x": x}, {"p": p}, dtype)[g.outputs[0]]
    gi, gp = vjp(g, {"x": x}, {"p": p}, {"loss": np.ones(())}, dtype=dtype)
    tol = 1e-10 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(value, want.item(), rtol=tol)
    np.testing.assert_allclose(gi["x"], tx.grad.numpy(), rtol=tol * 10, atol=tol)
    np.testing.assert_allclose(gp["p"], tp.grad.numpy(), rtol=tol * 10, atol=tol)
    # Probabilities as the target give PyTorch's soft-label cross-entropy.
    probs = rng.dirichlet(np.ones(shape[axis]), size=int(np.prod(shape)) // shape[axis])
    probs = np.moveaxis(probs.reshape(*shape[:axis], *shape[axis + 1 :], shape[axis]), -1, axis).astype(np.float32)
    g2 = with_loss(_logits_graph(shape), "cross_entropy", probs)
    soft = F.cross_entropy(logits.detach(), torch.tensor(probs, dtype=tdt))
    np.testing.assert_allclose(forward_values(g2, {"x": x}, {"p": p}, dtype)[g2.outputs[0]], soft.item(), rtol=tol)


def test_mse_matches_pytorch() -> None:
    rng = np.random.default_rng(2)
    shape = (3, 4)
    x, p, t = rng.standard_normal(shape), rng.uniform(0.5, 1.5, shape), rng.standard_normal(shape)
    g = with_loss(_logits_graph(shape), "mse", t.astype(np.float32))
    tx = torch.tensor(x, requires_grad=True)
    tp = torch.tensor(p, requires_grad=True)
    want = torch.nn.functional.mse_loss(tx * tp, torch.tensor(t.astype(np.float32), dtype=torch.float64))
    want.backward()
    gi, gp = vjp(g, {"x": x}, {"p": p}, None, dtype=np.float64)
    np.testing.assert_allclose(forward_values(g, {"x": x}, {"p": p}, np.float64)[g.outputs[0]], want.item(), rtol=1e-12)
    np.testing.assert_allclose(gi["x"], tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(gp["p"], tp.grad.numpy(), rtol=1e-10)


def test_with_loss_refuses_bad_targets() -> None:
    g = _logits_graph((2, 3))
    with pytest.raises(UsageError, match="class indices must lie"):
        with_loss(g, "cross_entropy", np.array([0, 3]))
    with pytest.raises(UsageError, match="shape"):
        with_loss(g, "mse", np.zeros((3, 2), dtype=np.float32))
    with pytest.raises(UsageError, match="unknown loss"):
        with_loss(g, "hinge", np.zeros((2, 3)))


def test_api_errors_name_what_is_wrong() -> None:
    g = _logits_graph((2, 3))
    x, p = np.ones((2, 3)), np.ones((2, 3))
    with pytest.raises(EvaluationError, match="missing input 'x'"):
        vjp(g, {}, {"p": p})
    with pytest.raises(EvaluationError, match="unknown output 'z'"):
        vjp(g, {"x": x}, {"p": p}, {"z": np.ones((2, 3))})
    with pytest.raises(EvaluationError, match="must have shape"):
        jvp(g, {"x": x}, {"p": p}, {"x": np.ones(3)})
    with pytest.raises(EvaluationError, match="float32 or float64"):
        vjp(g, {"x": x}, {"p": p}, dtype=np.float16)


def test_missing_tangents_and_cotangents_are_zero() -> None:
    g = _logits_graph((2, 3))
    x, p = np.full((2, 3), 2.0), np.full((2, 3), 3.0)
    assert not jvp(g, {"x": x}, {"p": p})["y"].any()
    np.testing.assert_array_equal(jvp(g, {"x": x}, {"p": p}, {"x": np.ones((2, 3))})["y"], p)
    gi, gp = vjp(g, {"x": x}, {"p": p}, {})
    assert not gi["x"].any() and not gp["p"].any()
    gi, gp = vjp(g, {"x": x}, {"p": p})  # default: ones
    np.testing.assert_array_equal(gi["x"], p)
    np.testing.assert_array_equal(gp["p"], x)


def test_float32_values_are_the_evaluators_and_float64_is_the_same_function() -> None:
    """The float32 forward values are tlean.evaluate's bit for bit; the float64 kernels compute
    the same function (to float32 round-off) and keep float64 on every op."""
    from tests.test_autograd_random import NON_LEAF, random_graph

    for k, op in enumerate(NON_LEAF):
        g, b = random_graph(100 + k, force=op)
        xs32 = {n: v.astype(np.float32) for n, v in b.feeds.items()}
        ps32 = {n: v.astype(np.float32) for n, v in b.values.items()}
        v32 = forward_values(g, xs32, ps32)
        ref = evaluate_all(g, xs32, ps32)
        v64 = forward_values(g, xs32, ps32, np.float64)
        for a, r, w in zip(v32, ref, v64, strict=True):
            assert r is not None
            np.testing.assert_array_equal(a.view(np.uint32), np.asarray(r).view(np.uint32))
            assert w.dtype == np.float64
            np.testing.assert_allclose(
                w, a, rtol=2e-4, atol=2e-5 * max(1.0, float(np.max(np.abs(a))) if a.size else 1.0)
            )
