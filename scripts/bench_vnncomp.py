#!/usr/bin/env python3
"""Runs the VNN-COMP 2021 instance sets (ACAS Xu 186, mnistfc 60) with tlean and scores them.

Usage::

    python scripts/bench_vnncomp.py                      # both sets, the instances' own timeouts
    python scripts/bench_vnncomp.py --only sat           # only the instances whose truth is sat
    python scripts/bench_vnncomp.py --sets acasxu --limit 20 --timeout-scale 0.25
    python scripts/bench_vnncomp.py --out-dir build/vnncomp --json
    python scripts/bench_vnncomp.py --out-dir build/vnncomp --check-certs   # and check every certificate

Per set it prints solved counts (sat/unsat), wrong answers against ``truth.csv`` (target 0),
median and total time and the cactus data (solved-instance times, ascending), and, with
``--out-dir``, writes each set's ``results.csv``/``summary.json``/``report.html`` plus a combined
``report.html``. ``--json`` prints one ``tlean.bench-vnncomp.v1`` object on stdout.

Data: ``../shared/vnncomp2021/`` beside the repository (``--data`` to point elsewhere). Results
are ``sat`` only with a witness replayed in onnxruntime and tlean's evaluator, and ``unsat`` only
from the bound engine (or branch and bound), so a wrong answer means a soundness bug.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "pytools"))

SETS = {"acasxu": "acasxu/acasxu_instances.csv", "mnistfc": "mnistfc/mnistfc_instances.csv"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "vnncomp2021")
    ap.add_argument("--sets", nargs="+", choices=sorted(SETS), default=sorted(SETS))
    ap.add_argument("--only", choices=["sat", "unsat", "unknown"], help="only instances with this truth")
    ap.add_argument("--limit", type=int, help="first N instances of each set")
    ap.add_argument("--every", type=int, default=1, help="only every N-th instance of each set (a sample)")
    ap.add_argument("--offset", type=int, default=0, help="with --every: start at this instance")
    ap.add_argument("--timeout-scale", type=float, default=1.0, help="multiply each instance timeout")
    ap.add_argument("--method", default="alpha-crown", choices=["ibp", "crown", "alpha-crown"])
    ap.add_argument("--out-dir", type=Path)
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ap.add_argument("--check-certs", action="store_true",
                    help="with --out-dir: check every unsat's certificate with tlean's exact checker")
    ap.add_argument("--check-jobs", type=int, default=1, help="processes checking certificates in parallel")
    args = ap.parse_args(argv)
    if args.check_certs and args.out_dir is None:
        print("--check-certs needs --out-dir (certificates are written there)", file=sys.stderr)
        return 2

    from rich.console import Console
    from tlean.verify.batch import run_batch
    from tlean.verify.report_html import render_report
    from tlean.verify.vnncomp import read_truth

    truth_path = args.data / "truth.csv"
    if not truth_path.is_file():
        print(f"no VNN-COMP data at {args.data} (expected truth.csv there)", file=sys.stderr)
        return 2
    truth = read_truth(truth_path)
    con = Console(stderr=True)
    summaries = []
    checks: list[dict[str, object]] = []
    for name in args.sets:
        csv_path = args.data / SETS[name]

        seen = [0]

        def pick(inst: object, _t: dict[tuple[str, str], str] = truth, _seen: list[int] = seen) -> bool:
            _seen[0] += 1
            if (_seen[0] - 1 - args.offset) % max(1, args.every) != 0 or _seen[0] - 1 < args.offset:
                return False
            if args.only is None:
                return True
            return _t.get((inst.onnx.name, inst.vnnlib.name)) == args.only  # type: ignore[attr-defined]

        def progress(k: int, n: int, row: object, _name: str = name) -> None:
            r = row  # InstanceRow
            mark = " WRONG" if r.wrong else ""  # type: ignore[attr-defined]
            con.print(f"[{_name} {k + 1}/{n}] {r.onnx} {r.vnnlib}: {r.result} "  # type: ignore[attr-defined]
                      f"({r.method}, {r.seconds:.2f} s; truth {r.expected}){mark}")  # type: ignore[attr-defined]

        out = None if args.out_dir is None else args.out_dir / name
        s = run_batch(csv_path, out, truth=truth_path, category=name, method=args.method, certs=out is not None,
                      timeout_scale=args.timeout_scale, limit=args.limit, select=pick, on_result=progress)
        summaries.append(s)
        if args.check_certs:
            checks.append(_check_certs(s, args.check_jobs, con))
    if args.out_dir is not None:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        (args.out_dir / "report.html").write_text(render_report(summaries, "tlean on VNN-COMP 2021"))
    doc = {
        "format": "tlean.bench-vnncomp.v1",
        "method": args.method,
        "timeout_scale": args.timeout_scale,
        "only": args.only,
        "sets": [
            {k: getattr(s, k) for k in ("category", "count", "solved", "sat", "unsat", "unknown", "timeout", "error",
                                        "wrong", "total_seconds", "median_seconds", "cactus")}
            for s in summaries
        ],
    }
    if args.check_certs:
        for entry, c in zip(doc["sets"], checks, strict=True):  # type: ignore[arg-type]
            entry["certificates"] = c
    if args.json:
        print(json.dumps(doc, indent=1))
    else:
        for s in summaries:
            med = "-" if s.median_seconds is None else f"{s.median_seconds:.3f}"
            print(f"{s.category}: {s.solved}/{s.count} solved (sat {s.sat}, unsat {s.unsat}, unknown {s.unknown}, "
                  f"timeout {s.timeout}, error {s.error}); wrong {s.wrong}; total {s.total_seconds:.1f} s; "
                  f"median (solved) {med} s")
            print(f"  cactus: {[round(t, 3) for t in s.cactus]}")
        for c in checks:
            print(f"{c['category']}: certificates {c['accepted']}/{c['unsat']} accepted by the checker "
                  f"({c['missing']} missing, {c['rejected']} rejected; {c['seconds']:.1f} s)")
    bad_cert = any(c["rejected"] or c["missing"] for c in checks)
    return 1 if any(s.wrong for s in summaries) or bad_cert else 0


def _check_certs(summary: object, jobs: int, con: object) -> dict[str, object]:
    """Checks every unsat row's certificate of one set; counts and the rejections."""
    from tlean.verify.batch import check_batch_certificates

    def show(r: object, ok: bool, secs: float, why: str) -> None:
        con.print(f"[check] {r.onnx} {r.vnnlib}: {'accepted' if ok else 'REJECTED ' + why} "  # type: ignore[attr-defined]
                  f"({secs:.2f} s)")

    return check_batch_certificates(summary, jobs=jobs, on_result=show)  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main())
