#!/usr/bin/env python3
"""Checks every ``unsat`` certificate of a finished batch run with tlean's exact checker.

Usage::

    python scripts/check_certs.py build/vnncomp/acasxu/summary.json --jobs 2 [--json]

Reads the batch's ``summary.json`` (``tlean verify --instances``, ``tlean batch`` or
``scripts/bench_vnncomp.py --out-dir``), checks each ``unsat`` row's certificate against its
model and spec (paths relative to the instance CSV, as the run resolved them), prints one line
per certificate and the totals, and exits 1 when a certificate is missing or rejected.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "pytools"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("summary", type=Path, help="a batch run's summary.json")
    ap.add_argument("--jobs", type=int, default=1, help="processes checking in parallel")
    ap.add_argument("--json", action="store_true", help="print the totals as one JSON object on stdout")
    args = ap.parse_args(argv)

    from rich.console import Console
    from tlean.verify.batch import BatchSummary, check_batch_certificates

    try:
        summary = BatchSummary.model_validate_json(args.summary.read_text())
    except (OSError, ValueError) as e:
        print(f"{args.summary}: not a readable batch summary: {e}", file=sys.stderr)
        return 2
    con = Console(stderr=True)

    def show(r: object, ok: bool, secs: float, why: str) -> None:
        con.print(f"{r.onnx} {r.vnnlib}: {'accepted' if ok else 'REJECTED ' + why} ({secs:.2f} s)")  # type: ignore[attr-defined]

    out = check_batch_certificates(summary, jobs=args.jobs, on_result=show)
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        print(f"{out['category']}: {out['accepted']}/{out['unsat']} certificates accepted ({out['rejected']} rejected, "
              f"{out['missing']} missing; {out['leaves']} leaves; {out['seconds']:.1f} s)")
    return 1 if out["rejected"] or out["missing"] else 0


if __name__ == "__main__":
    sys.exit(main())
