"""Speed of tlean's reverse mode (``tlean.autograd.vjp``) against PyTorch's backward.

Runs the nine light real-architecture models of the onnx wheel (random parameters, see
``tlean.autograd_torch.random_parameters``), float32, gradients w.r.t. the input and every
parameter, a random output cotangent. Both sides include their forward pass: tlean's ``vjp``
evaluates the values then runs the backward pass; PyTorch runs the graph (the IR → PyTorch
interpreter ``tlean.autograd_torch.TorchGraph``, one PyTorch op per IR node) then
``torch.autograd.grad``. Warm-up excluded, median of repeated runs; per-model times, the ratio
tlean/PyTorch and the max relative difference of the input gradients (informational: in float32
a max-pool window or ReLU input within rounding of a kink may be decided differently by the two
sides; ``tests/test_autograd_models.py`` fixes those decisions and checks ≤ 1e-4), as a table
and (with ``--json FILE``) as JSON (``tlean.bench-grad.v1``, schema in ``docs/schemas/``).

    python scripts/bench_grad.py [--repeat N] [--threads N] [--models a,b] [--json FILE]

``--threads`` (default 1) fixes PyTorch's and the BLAS library's thread counts, so that both sides
use the same CPU (on a shared machine, PyTorch's spinning workers and NumPy's BLAS threads
otherwise starve each other). Target: median tlean/PyTorch ≤ 5×.
"""

from __future__ import annotations

import os
import sys


def _threads_from_argv() -> str:
    argv = sys.argv[1:]
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return "1"


# The BLAS thread count is read when NumPy loads: set it before the imports below.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads_from_argv()

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import Progress  # noqa: E402
from rich.table import Table  # noqa: E402
from tlean.autograd import output_names, vjp  # noqa: E402
from tlean.autograd.report import BenchGradReport  # noqa: E402
from tlean.autograd_torch import TorchGraph, random_parameters  # noqa: E402
from tlean.onnx_import import import_model  # noqa: E402

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
MODELS = (
    "bvlc_alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50",
    "shufflenet", "squeezenet", "vgg19", "zfnet512",
)  # fmt: skip


def timed(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_model(name: str, repeat: int) -> dict[str, Any]:
    imported = import_model(LIGHT / f"light_{name}.onnx")
    g = imported.graph
    params = random_parameters(g, imported.params)
    rng = np.random.default_rng(0)
    xs = {d.name: rng.random(d.shape, dtype=np.float32) for d in g.inputs}
    ws = {
        n: rng.standard_normal(g.nodes[o].shape).astype(np.float32)
        for n, o in zip(output_names(g), g.outputs, strict=True)
    }

    def ours() -> dict[str, np.ndarray]:
        gi, _ = vjp(g, xs, params, ws)
        return gi

    tg = TorchGraph(g)
    tx = {k: torch.from_numpy(v).requires_grad_(True) for k, v in xs.items()}
    tp = {k: torch.from_numpy(v).requires_grad_(True) for k, v in params.items()}
    tw = [torch.from_numpy(ws[n]) for n in output_names(g)]
    leaves = list(tx.values()) + list(tp.values())

    def theirs() -> dict[str, np.ndarray]:
        outs = tg(tx, tp)
        grads = torch.autograd.grad(outs, leaves, tw, allow_unused=True)
        return {k: gr.numpy() for k, gr in zip(tx, grads[: len(tx)], strict=True)}

    t_ours = timed(ours, repeat)
    t_torch = timed(theirs, repeat)
    a, b = ours(), theirs()
    err = max(float(np.max(np.abs(a[k] - b[k])) / max(float(np.max(np.abs(b[k]))), 1e-30)) for k in a)
    return {
        "model": name,
        "nodes": len(g.nodes),
        "parameters": int(sum(v.size for v in params.values())),
        "tlean_s": t_ours,
        "torch_s": t_torch,
        "tlean_over_torch": t_ours / t_torch,
        "max_rel_diff_input_grad": err,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per side (median; default 3)")
    ap.add_argument("--threads", type=int, default=1, help="PyTorch and BLAS threads (default 1)")
    ap.add_argument("--models", help="comma-separated subset of the light models")
    ap.add_argument("--json", help="write the results as JSON to this file")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    names = args.models.split(",") if args.models else list(MODELS)
    unknown = sorted(set(names) - set(MODELS))
    if unknown:
        ap.error(f"unknown model(s) {unknown}; choose among {', '.join(MODELS)}")
    console = Console(stderr=True)
    rows = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("vjp vs PyTorch backward", total=len(names))
        for name in names:
            progress.update(task, description=f"{name}")
            rows.append(bench_model(name, args.repeat))
            progress.advance(task)
    table = Table(title=f"tlean vjp vs PyTorch backward, float32, {args.threads} thread(s) (median seconds)")
    for col in ("model", "nodes", "params", "tlean", "PyTorch", "tlean/PyTorch", "max rel Δ ∂x"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for r in rows:
        table.add_row(
            r["model"], str(r["nodes"]), f"{r['parameters'] / 1e6:.1f} M", f"{r['tlean_s']:.3f}",
            f"{r['torch_s']:.3f}", f"{r['tlean_over_torch']:.2f}×", f"{r['max_rel_diff_input_grad']:.1e}",
        )  # fmt: skip
    out = Console(width=110)
    out.print(table)
    med = statistics.median(r["tlean_over_torch"] for r in rows)
    worst = max(r["tlean_over_torch"] for r in rows)
    out.print(f"median tlean/PyTorch = {med:.2f}×, worst {worst:.2f}× (target ≤ 5×)")
    if args.json:
        doc = BenchGradReport.model_validate(
            {
                "threads": args.threads,
                "repeat": args.repeat,
                "models": rows,
                "median_tlean_over_torch": med,
                "max_tlean_over_torch": worst,
            }
        )
        Path(args.json).write_text(json.dumps(doc.model_dump(mode="json"), indent=2) + "\n")


if __name__ == "__main__":
    main()
