"""Parity of tlean's evaluator with onnxruntime: max absolute, relative and ULP error."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from tlean.evaluate import evaluate
from tlean.onnx_import import ImportedModel

#: Default tolerance: an element passes when |got - want| <= ATOL + RTOL * |want|.
RTOL = 1e-4
ATOL = 1e-5


@dataclass
class OutputCheck:
    """The worst disagreement on one output over all seeds."""

    name: str
    shape: list[int]
    max_abs: float = 0.0
    max_rel: float = 0.0
    max_ulp: int = 0
    passed: bool = True


@dataclass
class CheckReport:
    """``--check``: tlean vs a peer runtime on seeded random inputs."""

    peer: str
    seeds: list[int]
    rtol: float
    atol: float
    outputs: list[OutputCheck] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outputs)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["passed"] = self.passed
        return d


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Number of binary32 values between ``a`` and ``b`` elementwise (0 when equal, ±0 equal)."""

    def ordered(x: np.ndarray) -> np.ndarray:
        i = np.ascontiguousarray(x, dtype=np.float32).view(np.int32).astype(np.int64)
        return np.where(i < 0, -(i & 0x7FFFFFFF), i)

    return np.asarray(np.abs(ordered(a) - ordered(b)), dtype=np.int64)


def random_feeds(imported: ImportedModel, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {d.name: rng.standard_normal(d.shape).astype(np.float32) for d in imported.graph.inputs}


def compare(
    got: Sequence[np.ndarray], want: Sequence[np.ndarray], rows: list[OutputCheck], rtol: float, atol: float
) -> None:
    """Folds one run's disagreement into ``rows`` (one per output)."""
    for row, g, w in zip(rows, got, want, strict=True):
        g = np.asarray(g, dtype=np.float32)
        w = np.asarray(w, dtype=np.float32)
        if g.shape != w.shape:
            row.passed = False
            row.max_abs = float("inf")
            continue
        both_nan = np.isnan(g) & np.isnan(w)
        diff = np.where(both_nan, 0.0, np.abs(g.astype(np.float64) - w.astype(np.float64)))
        scale = np.abs(w.astype(np.float64))
        rel = np.where(diff == 0, 0.0, diff / np.maximum(scale, np.finfo(np.float32).tiny))
        ulp = np.where(both_nan, 0, ulp_distance(g, w))
        if diff.size:
            row.max_abs = max(row.max_abs, float(np.nanmax(diff)))
            row.max_rel = max(row.max_rel, float(np.nanmax(rel)))
            row.max_ulp = max(row.max_ulp, int(ulp.max()))
            ok = (diff <= atol + rtol * scale) & ~(np.isnan(diff))
            row.passed = row.passed and bool(ok.all())


def new_report(peer: str, imported: ImportedModel, seeds: Sequence[int], rtol: float, atol: float) -> CheckReport:
    """An empty report with one row per graph output."""
    graph = imported.graph
    names = graph.output_names or [f"output_{i}" for i in range(len(graph.outputs))]
    report = CheckReport(peer=peer, seeds=list(seeds), rtol=rtol, atol=atol)
    report.outputs = [OutputCheck(n, list(graph.nodes[o].shape)) for n, o in zip(names, graph.outputs, strict=True)]
    return report


def check_against(
    peer: str,
    run_peer: Callable[[dict[str, np.ndarray]], Sequence[np.ndarray]],
    imported: ImportedModel,
    *,
    seeds: Sequence[int] = (0, 1, 2),
    rtol: float = RTOL,
    atol: float = ATOL,
) -> CheckReport:
    """tlean.evaluate against ``run_peer`` (feeds by input name -> outputs) on seeded inputs."""
    report = new_report(peer, imported, seeds, rtol, atol)
    for seed in seeds:
        feeds = random_feeds(imported, seed)
        compare(evaluate(imported.graph, feeds, imported.params), run_peer(feeds), report.outputs, rtol, atol)
    return report


def check_against_onnxruntime(
    model_path: str | os.PathLike[str],
    imported: ImportedModel,
    *,
    seeds: Sequence[int] = (0, 1, 2),
    rtol: float = RTOL,
    atol: float = ATOL,
) -> CheckReport:
    """tlean.evaluate against onnxruntime on the source ONNX model."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    wanted = imported.graph.output_names or None
    return check_against(
        f"onnxruntime {ort.__version__}",
        lambda feeds: sess.run(wanted, feeds),
        imported,
        seeds=seeds,
        rtol=rtol,
        atol=atol,
    )


def check_against_torch(
    module: Any, imported: ImportedModel, *, seeds: Sequence[int] = (0, 1, 2), rtol: float = RTOL, atol: float = ATOL
) -> CheckReport:
    """tlean.evaluate against the PyTorch module itself."""
    import torch

    def run(feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        with torch.no_grad():
            out = module(*[torch.from_numpy(feeds[d.name]) for d in imported.graph.inputs])
        return [t.numpy() for t in (out if isinstance(out, tuple | list) else (out,))]

    return check_against(f"PyTorch {torch.__version__}", run, imported, seeds=seeds, rtol=rtol, atol=atol)
