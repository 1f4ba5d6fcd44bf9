"""Speed of tlean.evaluate against onnxruntime and onnx.reference.ReferenceEvaluator.

Runs the nine light real-architecture models of the onnx wheel, same inputs for all three
runtimes, warm-up excluded, median of repeated runs; prints per-model times and ratios, then
the medians, as a table and (with --json FILE) as JSON.

    python scripts/bench_evaluate.py [--repeat N] [--reference-repeat N] [--json FILE]

Targets: median tlean/onnxruntime <= 4, median ReferenceEvaluator/tlean >= 10.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx.reference import ReferenceEvaluator
from rich.console import Console
from rich.table import Table
from tlean.evaluate import evaluate
from tlean.onnx_import import import_model

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"


def timed(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--reference-repeat", type=int, default=1)
    ap.add_argument("--json")
    args = ap.parse_args()
    console = Console()
    rows = []
    for path in sorted(LIGHT.glob("light_*.onnx")):
        name = path.stem.removeprefix("light_")
        model = onnx.load(path)
        imported = import_model(path)
        g = imported.graph
        feeds = {d.name: np.random.default_rng(0).standard_normal(d.shape).astype(np.float32) for d in g.inputs}
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        ref = ReferenceEvaluator(model)
        with console.status(f"{name}: tlean"):
            t_tlean = timed(lambda g=g, f=feeds, p=imported.params: evaluate(g, f, p), args.repeat)
        with console.status(f"{name}: onnxruntime"):
            t_ort = timed(lambda s=sess, f=feeds: s.run(None, f), args.repeat)
        with console.status(f"{name}: ReferenceEvaluator"):
            t_ref = timed(lambda r=ref, f=feeds: r.run(None, f), args.reference_repeat)
        ours = evaluate(g, feeds, imported.params)[0]
        theirs = sess.run(None, feeds)[0]
        err = float(np.max(np.abs(ours - theirs)))
        rows.append(
            {
                "model": name,
                "tlean_s": t_tlean,
                "onnxruntime_s": t_ort,
                "reference_s": t_ref,
                "tlean_over_ort": t_tlean / t_ort,
                "reference_over_tlean": t_ref / t_tlean,
                "max_abs_diff_vs_ort": err,
            }
        )
    table = Table(title="tlean.evaluate vs onnxruntime vs ReferenceEvaluator (median seconds)")
    for col in ("model", "tlean", "onnxruntime", "reference", "tlean/ort", "reference/tlean", "max |Δ| vs ort"):
        table.add_column(col, justify="right" if col != "model" else "left")
    for r in rows:
        table.add_row(
            r["model"],
            f"{r['tlean_s']:.4f}",
            f"{r['onnxruntime_s']:.4f}",
            f"{r['reference_s']:.3f}",
            f"{r['tlean_over_ort']:.2f}×",
            f"{r['reference_over_tlean']:.1f}×",
            f"{r['max_abs_diff_vs_ort']:.2e}",
        )
    console.print(table)
    med_ort = statistics.median(r["tlean_over_ort"] for r in rows)
    med_ref = statistics.median(r["reference_over_tlean"] for r in rows)
    console.print(
        f"median tlean/onnxruntime = {med_ort:.2f}× (target ≤ 4×); "
        f"median ReferenceEvaluator/tlean = {med_ref:.1f}× (target ≥ 10×)"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "format": "tlean.bench.evaluate.v1",
                    "models": rows,
                    "median_tlean_over_ort": med_ort,
                    "median_reference_over_tlean": med_ref,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
