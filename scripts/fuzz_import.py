"""Long byte/field-mutation fuzz of the ONNX import; every mutant must end in a TleanError or
a successful import. Prints the counts, then one traceback per distinct crash site.

    python scripts/fuzz_import.py [--mutants 100000] [--seed 1] [--json FILE]

The mutators and the models are those of tests/test_fuzz_import.py (which runs a seeded
sample in the default suite). Exit status 1 when any mutant crashed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tlean.conformance import FuzzReportDoc  # noqa: E402
from tlean.onnx_import.fuzz import FuzzReport, fuzz  # noqa: E402

from tests.test_fuzz_import import fuzz_models  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mutants", type=int, default=100_000, help="total mutants (spread over the models)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="write the report as JSON (tlean.fuzz.v1)")
    args = ap.parse_args()
    models = fuzz_models()
    per_model = max(1, args.mutants // len(models))
    report = FuzzReport()
    t0 = time.monotonic()
    chunk = 1000
    for start in range(0, per_model, chunk):
        n = min(chunk, per_model - start)
        fuzz(models, n, seed=args.seed * 1_000_003 + start, report=report)
        print(
            f"{report.mutants} mutants, {report.imported} imported, {sum(report.refused.values())} refused, "
            f"{len(report.crashes)} crashed ({time.monotonic() - t0:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
    sites: dict[str, tuple[str, int, str]] = {}
    for name, k, tb in report.crashes:
        sites.setdefault(tb.strip().splitlines()[-1][:120], (name, k, tb))
    for name, k, tb in sites.values():
        print(f"--- {name} mutant {k}\n{tb}")
    if args.json:
        doc = FuzzReportDoc.model_validate(
            {
                "mutants": report.mutants,
                "imported": report.imported,
                "refused": report.refused,
                "crashes": [{"model": n, "mutant": k, "traceback": tb} for n, k, tb in report.crashes],
            }
        )
        Path(args.json).write_text(json.dumps(doc.model_dump(), indent=2) + "\n")
    print(
        f"{report.mutants} mutants: {report.imported} imported, {sum(report.refused.values())} refused "
        f"cleanly, {len(report.crashes)} crashed ({len(sites)} distinct sites)"
    )
    return 1 if report.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
