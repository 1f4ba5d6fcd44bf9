"""Benchmark of the bound engine on VNN-COMP 2021 (ACAS Xu, mnistfc) and random MLPs.

Per instance: the spec margin's lower bound per method (the smallest, over boxes and violation
polytopes, of the largest row lower bound; > 0 proves the instance) and how many instances the
bounds alone prove; timings of IBP, CROWN, α-CROWN and the exact certificate checker, reported
in one run so that ratios are meaningful. Usage:

    .venv/bin/python scripts/bench_bounds.py [--data ../shared/vnncomp2021] [--json out.json]
        [--limit N] [--alpha-iters 20]

Reference (auto_LiRPA, all VNN-COMP 2021 instances): ACAS Xu 139 unsat — IBP 0, CROWN 15,
α-CROWN 50; mnistfc 49 unsat — CROWN 25. Timing reference: 784-50-10 IBP 0.4 ms, CROWN 1.7 ms;
784-1024x3-10 CROWN 77-93 ms; α-CROWN about 1 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from tlean import ir
from tlean.verify.bounds import BoundedModel
from tlean.verify.bounds.api import split_rows, stack_polytopes
from tlean.verify.bounds.engine import AlphaOptions
from tlean.verify.bounds.fp import sub_down
from tlean.verify.vnnlib import read_vnnlib

METHODS = ("ibp", "crown", "alpha-crown", "alpha-crown+int")
#: Methods whose proofs are written as certificates and checked (+int: with ``alpha_for``).
CERT_METHODS = ("crown", "alpha-crown", "alpha-crown+int")
err = Console(stderr=True)


def _refutes(sizes: list[int], b: np.ndarray) -> Any:
    return lambda lb: all(bool(np.any(p > 0)) for p in split_rows(sub_down(lb, b), sizes))


def instance_margin(bm: BoundedModel, spec: Any, method: str, alpha: AlphaOptions) -> tuple[float, float, list[Any]]:
    """(margin lower bound, seconds, leaves for a certificate)."""
    worst = np.inf
    t0 = time.perf_counter()
    leaves = []
    for box in spec.boxes:
        A, bu, sizes = stack_polytopes(box, bm.n_outputs)
        opts = alpha
        if method.startswith("alpha-crown"):
            opts = AlphaOptions(
                iters=alpha.iters,
                lr=alpha.lr,
                intermediate=method.endswith("+int"),
                stop=_refutes(sizes, bu),
            )
        r = bm.run(box.lower_f32, box.upper_f32, A, method.removesuffix("+int"), alpha=opts)
        m = sub_down(r.lower, bu)
        # a certificate claims what the run's own relaxation gives (cert_lower with intermediate α)
        leaves.append((box, r, m if r.cert_lower is None else sub_down(r.cert_lower, bu), sizes))
        for p in split_rows(m, sizes):
            worst = min(worst, float(np.max(p)))
    return worst, time.perf_counter() - t0, leaves


def run_benchmark(data: Path, name: str, limit: int | None, alpha: AlphaOptions, check: bool) -> dict[str, Any]:
    folder = data / name
    rows = list(csv.reader((folder / f"{name}_instances.csv").open()))
    rows = [r for r in rows if r and not r[0].startswith("#")][: limit or None]
    truth = {}
    with (data / "truth.csv").open() as f:
        for r in csv.DictReader(f):
            if r["benchmark"] == name:
                truth[(Path(r["onnx"]).name, Path(r["vnnlib"]).name)] = r["expected"]
    models: dict[str, BoundedModel] = {}
    out = []
    check_times = []
    int_check_times: list[tuple[float, float, float]] = []
    with Progress(console=err, transient=True) as prog:
        task = prog.add_task(name, total=len(rows))
        for onnx_name, vnn_name, _timeout in rows:
            onnx_p, vnn_p = folder / Path(onnx_name).name, folder / Path(vnn_name).name
            if onnx_name not in models:
                models[onnx_name] = BoundedModel(onnx_p)
            bm = models[onnx_name]
            spec = read_vnnlib(vnn_p)
            rec: dict[str, Any] = {
                "onnx": onnx_p.name,
                "vnnlib": vnn_p.name,
                "expected": truth.get((onnx_p.name, vnn_p.name), "?"),
            }
            for m in METHODS:
                margin, secs, leaves = instance_margin(bm, spec, m, alpha)
                rec[m] = {
                    "margin_lower": margin if np.isfinite(margin) else None,
                    "proved": margin > 0,
                    "seconds": secs,
                }
                if m in CERT_METHODS and margin > 0 and check:
                    from tlean.verify.bounds.results import write_certificate
                    from tlean.verify.checker import check_certificate

                    with tempfile.TemporaryDirectory() as td:
                        cp = Path(td) / "c.json"
                        write_certificate(cp, bm, onnx_p, spec, m.removesuffix("+int"), leaves)
                        t0 = time.perf_counter()
                        res = check_certificate(onnx_p, vnn_p, cp)
                        ct = time.perf_counter() - t0
                    rec[m]["check"] = {
                        "accepted": res.accepted,
                        "seconds": ct,
                        "field": res.field,
                        "message": res.message,
                    }
                    if m == "crown":
                        check_times.append((ct, secs))
                    elif m == "alpha-crown+int":
                        int_check_times.append((ct, rec["crown"]["seconds"], secs))
            out.append(rec)
            prog.advance(task)
    summary = {m: sum(1 for r in out if r[m]["proved"]) for m in METHODS}
    wrong = [r for r in out if any(r[m]["proved"] for m in METHODS) and r["expected"] == "sat"]
    return {
        "benchmark": name,
        "instances": out,
        "proved": summary,
        "unsat_in_truth": sum(1 for r in out if r["expected"] == "unsat"),
        "wrong": len(wrong),
        "median_seconds": {m: statistics.median(r[m]["seconds"] for r in out) for m in METHODS},
        "checker": {
            "certificates": {m: sum(1 for r in out if "check" in r[m]) for m in CERT_METHODS},
            "accepted": {m: sum(1 for r in out if r[m].get("check", {}).get("accepted")) for m in CERT_METHODS},
            "median_seconds": statistics.median(c for c, _ in check_times) if check_times else None,
            "median_ratio_to_crown": statistics.median(c / s for c, s in check_times) if check_times else None,
            # certificates of alpha-crown+int: checker time vs the same instance's CROWN and alpha-crown+int runs
            "int_median_seconds": statistics.median(c for c, _, _ in int_check_times) if int_check_times else None,
            "int_median_ratio_to_crown": (
                statistics.median(c / s for c, s, _ in int_check_times) if int_check_times else None
            ),
            "int_median_ratio_to_own_run": (
                statistics.median(c / s for c, _, s in int_check_times) if int_check_times else None
            ),
        },
    }


def random_mlp(sizes: list[int], seed: int = 0) -> tuple[ir.Graph, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    nodes = [ir.Node(op="input", attrs={"index": 0}, shape=[1, sizes[0]])]
    decls, params = [], {}
    x = 0
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        for nm, v in ((f"w{i}", rng.standard_normal((b, a)) / np.sqrt(a)), (f"b{i}", rng.standard_normal(b) * 0.1)):
            params[nm] = v.astype(np.float32)
            decls.append(ir.TensorDecl(name=nm, shape=list(v.shape)))
            nodes.append(ir.Node(op="param", attrs={"index": len(decls) - 1}, shape=list(v.shape)))
        nodes.append(ir.Node(op="linear", inputs=[x, len(nodes) - 2, len(nodes) - 1], shape=[1, b]))
        x = len(nodes) - 1
        if i < len(sizes) - 2:
            nodes.append(ir.Node(op="relu", inputs=[x], shape=[1, b]))
            x = len(nodes) - 1
    g = ir.Graph(inputs=[ir.TensorDecl(name="x", shape=[1, sizes[0]])], params=decls, nodes=nodes, outputs=[x])
    return g, params


def time_mlp(sizes: list[int], eps: float, alpha: AlphaOptions, reps: int) -> dict[str, Any]:
    g, p = random_mlp(sizes)
    bm = BoundedModel((g, p))
    x = np.random.default_rng(1).random(sizes[0])
    lo, hi = x - eps, x + eps
    A = np.zeros((sizes[-1] - 1, sizes[-1]))
    A[:, 0] = 1.0
    A[np.arange(sizes[-1] - 1), np.arange(1, sizes[-1])] = -1.0
    res: dict[str, Any] = {"net": "-".join(map(str, sizes)), "eps": eps}
    for m in METHODS:
        ts = []
        for _ in range(1 if m == "alpha-crown" else reps):
            t0 = time.perf_counter()
            bm.run(
                lo,
                hi,
                A,
                m.removesuffix("+int"),
                alpha=AlphaOptions(iters=alpha.iters, lr=alpha.lr, intermediate=m.endswith("+int")),
            )
            ts.append(time.perf_counter() - t0)
        res[m + "_ms"] = 1000 * min(ts)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "vnncomp2021")
    ap.add_argument("--json", type=Path, default=None, help="Write the full results (tlean.bench-bounds.v1) here.")
    ap.add_argument("--limit", type=int, default=None, help="First N instances of each benchmark.")
    ap.add_argument("--alpha-iters", type=int, default=20)
    ap.add_argument("--no-check", action="store_true", help="Skip running the certificate checker.")
    ap.add_argument("--bench", action="append", choices=["acasxu", "mnistfc"], help="Only these benchmarks.")
    ap.add_argument("--no-timing", action="store_true", help="Skip the random-MLP timing.")
    ap.add_argument("--timing-only", action="store_true", help="Only the random-MLP timing.")
    ap.add_argument("--alpha-lr", type=float, default=0.5)
    args = ap.parse_args()
    alpha = AlphaOptions(iters=args.alpha_iters, lr=args.alpha_lr)
    doc: dict[str, Any] = {
        "format": "tlean.bench-bounds.v1",
        "alpha_iters": args.alpha_iters,
        "benchmarks": [],
        "timing": [],
    }
    con = Console(width=170)
    if args.timing_only:
        pass
    elif args.data.is_dir():
        for name in args.bench or ("acasxu", "mnistfc"):
            doc["benchmarks"].append(run_benchmark(args.data, name, args.limit, alpha, not args.no_check))
    else:
        err.print(f"{args.data} not found: VNN-COMP part skipped")
    for sizes, eps in () if args.no_timing else (([784, 50, 10], 0.01), ([784, 1024, 1024, 1024, 10], 0.002)):
        doc["timing"].append(time_mlp(sizes, eps, alpha, reps=5))
    for b in doc["benchmarks"]:
        t = Table(title=f"{b['benchmark']}: spec margin lower bound per instance (> 0: proved)")
        for c in ("onnx", "vnnlib", "truth", *METHODS):
            t.add_column(c)
        for r in b["instances"]:
            cells = [f"{r[m]['margin_lower']:.4g}" if r[m]["margin_lower"] is not None else "-inf" for m in METHODS]
            t.add_row(
                r["onnx"].replace("_batch_2000.onnx", "").replace(".onnx", ""), r["vnnlib"], r["expected"], *cells
            )
        con.print(t)
    for b in doc["benchmarks"]:
        t = Table(
            title=f"{b['benchmark']}: instances proved by bounds alone ({len(b['instances'])} instances, "
            f"{b['unsat_in_truth']} unsat in truth.csv, {b['wrong']} wrong)"
        )
        for c in ("method", "proved", "median ms"):
            t.add_column(c)
        for m in METHODS:
            t.add_row(m, str(b["proved"][m]), f"{1000 * b['median_seconds'][m]:.1f}")
        con.print(t)
        ck = b["checker"]
        for m in CERT_METHODS:
            if ck["certificates"][m]:
                con.print(f"checker: {ck['accepted'][m]}/{ck['certificates'][m]} {m} certificates accepted")
        if ck["median_seconds"] is not None:
            con.print(
                f"checker on CROWN certificates: median {1000 * ck['median_seconds']:.1f} ms = "
                f"{ck['median_ratio_to_crown']:.1f}x CROWN (median of per-instance ratios)"
            )
        if ck.get("int_median_seconds") is not None:
            con.print(
                f"checker on alpha-crown+int certificates: median {1000 * ck['int_median_seconds']:.1f} ms = "
                f"{ck['int_median_ratio_to_crown']:.1f}x CROWN, "
                f"{ck['int_median_ratio_to_own_run']:.2f}x the alpha-crown+int run"
            )
    t = Table(title="timing (one run; minimum of repeats)")
    for c in ("net", "IBP ms", "CROWN ms", "α-CROWN ms", "α-CROWN+int ms"):
        t.add_column(c)
    for r in doc["timing"]:
        t.add_row(
            r["net"],
            f"{r['ibp_ms']:.2f}",
            f"{r['crown_ms']:.2f}",
            f"{r['alpha-crown_ms']:.1f}",
            f"{r['alpha-crown+int_ms']:.1f}",
        )
    con.print(t)
    if args.json:
        args.json.write_text(json.dumps(doc, indent=1, default=float) + "\n")
    sys.exit(0)


if __name__ == "__main__":
    main()
