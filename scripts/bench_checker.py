"""Time the exact certificate checker against the bound engine's CROWN, and check they agree.

For VNN-COMP 2021 instances (``../shared/vnncomp2021``): run the engine (CROWN, or α-CROWN with
``--method alpha-crown``) on every spec box; when it refutes every polytope, build a
``tlean.cert.v1`` certificate from the run (intermediate bounds of every relu input, α slopes,
margin lower bounds), check it with :func:`tlean.verify.checker.check_certificate`, and print per
instance the engine time, the checker time and their ratio. Every certificate of an engine
``unsat`` must be accepted; a rejection is printed and makes the exit code 1.

    .venv/bin/python scripts/bench_checker.py --bench acasxu --limit 40
    .venv/bin/python scripts/bench_checker.py --bench mnistfc --limit 10

With ``--bab``: run branch and bound (:func:`tlean.verify.bab.bab_verify`, with the instance's
timeout or ``--timeout``) on the instances whose truth (``truth.csv``) is ``unsat``, check the
split-tree certificate of every ``unsat`` and print the search time, the checker time, the
number of leaves and the checker's time per leaf:

    .venv/bin/python scripts/bench_checker.py --bab --bench acasxu --limit 8 --skip 0
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from tlean.onnx_import import import_model
from tlean.verify import cert as C
from tlean.verify.bounds import BoundedModel
from tlean.verify.bounds.api import split_rows, stack_polytopes
from tlean.verify.checker import check_certificate
from tlean.verify.vnnlib import read_vnnlib

ROOT = Path(__file__).resolve().parents[1]
VNN = ROOT.parent / "shared" / "vnncomp2021"


def certificate_from_engine(model: Path, spec_path: Path, method: str) -> tuple[C.Certificate | None, float]:
    """The engine's certificate for ``unsat`` (None when bounds do not prove it) and its time."""
    imp = import_model(model)
    bm = BoundedModel(imp)
    spec = read_vnnlib(spec_path)
    relus = [k for k, n in enumerate(imp.graph.nodes) if n.op == "relu"]
    proofs, seconds = [], 0.0
    for bi, box in enumerate(spec.boxes):
        A, bu, sizes = stack_polytopes(box, bm.n_outputs)
        t = time.perf_counter()
        mb = bm.margin_bounds(box.lower_f32, box.upper_f32, A, bu, method)
        seconds += time.perf_counter() - t
        per_poly = split_rows(mb.lower, sizes)
        if not all(np.any(m > 0) for m in per_poly):
            return None, seconds
        run: Any = mb.run
        entries = []
        for k in relus:
            src = imp.graph.nodes[k].inputs[0]
            b = run.boxes[src]
            alpha = run.alpha.get(k) if run.alpha else None
            entries.append(
                C.ReluBounds(
                    node=k,
                    lower=C.F64Array.of(np.ravel(b.lo)),
                    upper=C.F64Array.of(np.ravel(b.hi)),
                    alpha=None if alpha is None else C.F64Array.of(np.asarray(alpha, dtype=np.float64)),
                )
            )
        leaf = C.BoundsLeaf(
            method=method,
            region=C.Region(lower=C.F64Array.of(box.lower_f32), upper=C.F64Array.of(box.upper_f32)),
            relus=entries,
            polytopes=[C.PolytopeBound(lower=C.F64Array.of(m)) for m in per_poly],
        )
        proofs.append(C.BoxProof(box=bi, proof=leaf))
    cert = C.Certificate(
        model=C.FileRef(sha256=imp.sha256, name=model.name),
        spec=C.FileRef(sha256=spec.sha256, name=spec_path.name),
        boxes=proofs,
        producer="scripts/bench_checker.py",
    )
    return cert, seconds


def bab_bench(folder: Path, rows: list[list[str]], timeout: float | None) -> int:
    """Branch and bound on every truth-``unsat`` instance; checks each split-tree certificate."""
    from tlean.verify.bab import bab_verify

    truth = {(r[1].strip(), r[2].strip()): r[4].strip() for r in csv.reader((VNN / "truth.csv").open()) if len(r) > 4}
    done, rejected, per_leaf = 0, 0, []
    with tempfile.TemporaryDirectory() as tmp:
        for onnx_name, vnnlib_name, limit, *_ in rows:
            if truth.get((onnx_name.strip(), vnnlib_name.strip())) != "unsat":
                continue
            model, spec = folder / onnx_name.strip(), folder / vnnlib_name.strip()
            cp = Path(tmp) / "cert.json"
            t = time.perf_counter()
            r = bab_verify(model, spec, timeout=timeout or float(limit), cert=cp)
            search = time.perf_counter() - t
            if r.result != "unsat":
                print(f"{model.name:40s} {spec.name:22s} bab {r.result} after {search:.1f} s")
                continue
            done += 1
            res = check_certificate(model, spec, cp)
            status = "accepted" if res.accepted else f"REJECTED {res.field}: {res.message}"
            rejected += not res.accepted
            per_leaf.append(res.seconds / max(res.leaves, 1))
            print(f"{model.name:40s} {spec.name:22s} bab {search:7.1f} s  checker {res.seconds:7.1f} s  "
                  f"leaves {res.leaves:6d} (empty {res.empty_leaves})  {1e3 * per_leaf[-1]:6.1f} ms/leaf  "
                  f"x{res.seconds / search:5.2f}  {status}")  # fmt: skip
    if per_leaf:
        print(f"{done} unsat by bab; checker ms/leaf: median {1e3 * np.median(per_leaf):.1f}, "
              f"max {1e3 * max(per_leaf):.1f}; rejected {rejected}")  # fmt: skip
    return 1 if rejected else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", choices=["acasxu", "mnistfc"], default="acasxu")
    ap.add_argument("--method", choices=["crown", "alpha-crown"], default="crown")
    ap.add_argument("--limit", type=int, default=0, help="at most this many instances (0: all)")
    ap.add_argument("--skip", type=int, default=0, help="skip this many instances first")
    ap.add_argument("--bab", action="store_true", help="branch and bound split-tree certificates")
    ap.add_argument("--timeout", type=float, default=None, help="--bab: seconds per instance (default: the csv's)")
    args = ap.parse_args()
    folder = VNN / args.bench
    if not folder.is_dir():
        print(f"{folder} is absent", file=sys.stderr)
        return 2
    rows = list(csv.reader((folder / f"{args.bench}_instances.csv").open()))[args.skip :]
    if args.limit:
        rows = rows[: args.limit]
    if args.bab:
        return bab_bench(folder, rows, args.timeout)
    proved, rejected, ratios = 0, 0, []
    with tempfile.TemporaryDirectory() as tmp:
        for onnx_name, vnnlib_name, *_ in rows:
            model, spec = folder / onnx_name.strip(), folder / vnnlib_name.strip()
            cert, eng = certificate_from_engine(model, spec, args.method)
            if cert is None:
                continue
            proved += 1
            cp = Path(tmp) / "cert.json"
            C.write_cert(cert, cp)
            t = time.perf_counter()
            res = check_certificate(model, spec, cp)
            chk = time.perf_counter() - t
            ratios.append(chk / eng)
            status = "accepted" if res.accepted else f"REJECTED {res.field}: {res.message}"
            rejected += not res.accepted
            print(f"{model.name:40s} {spec.name:22s} engine {eng * 1e3:8.1f} ms  checker {chk * 1e3:8.1f} ms  "
                  f"x{chk / eng:6.1f}  {status}")  # fmt: skip
    if ratios:
        print(f"{proved} proved by {args.method}; checker/engine time ratio: median {np.median(ratios):.1f}, "
              f"max {max(ratios):.1f}; rejected {rejected}")  # fmt: skip
    else:
        print(f"no instance of {len(rows)} proved by {args.method} alone")
    return 1 if rejected else 0


if __name__ == "__main__":
    sys.exit(main())
