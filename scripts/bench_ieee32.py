"""The binary32 twin against its oracles on a million random bit patterns per op, with speeds.

For every op of ``tlean.ieee32`` (or those given with ``--ops``): ``--n`` seeded random argument
tuples (half uniform bit patterns, half biased; see ``tests/ieee32_oracles.py``) plus the hard-case
fixtures, evaluated by the scalar twin, by the vectorised path ``tlean.ieee32_vec`` and by each
oracle of the op (NumPy's hardware floats, Berkeley SoftFloat, MPFR). Prints per op: cases,
mismatches of the twin against each oracle and of the vectorised path against the twin (target 0),
and ops/s of the twin, the vectorised path and each oracle (with the ratio twin / oracle).

    .venv/bin/python scripts/bench_ieee32.py [--n 1000000] [--ops add,exp] [--json FILE]

Exit code 1 when any mismatch is found. ``--json`` writes ``"format": "tlean.bench-ieee32.v1"``
(schema: ``docs/schemas/tlean.bench-ieee32.v1.json``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests import ieee32_oracles as orc  # noqa: E402

FORMAT = "tlean.bench-ieee32.v1"
FIXTURES = ROOT / "tests" / "fixtures" / "ieee32"


def _fixture_columns(op: str) -> tuple[orc.U32, ...]:
    path = FIXTURES / f"{op}.txt"
    if not path.exists():
        return tuple(np.zeros(0, dtype=np.uint32) for _ in range(orc.OPS[op].arity))
    cases = orc.parse_fixture(path.read_text())
    return tuple(orc.as_u32([c[1][i] for c in cases]) for i in range(orc.OPS[op].arity))


def _timed(fn: Any, *args: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    r = fn(*args)
    return r, time.perf_counter() - t0


def bench_op(op: str, n: int, seed: int, chunk: int, progress: Progress, task: Any) -> dict[str, Any]:
    """Runs one op over ``n`` random cases (in chunks) plus its fixture."""
    oracles = orc.OPS[op].oracles
    mism = {w: 0 for w in oracles}
    o_time = {w: 0.0 for w in oracles}
    t_twin = t_vec = 0.0
    vec_mism = 0
    cases = 0
    examples: list[str] = []
    starts = list(range(0, n, chunk))
    batches = [orc.random_inputs(op, min(chunk, n - s), seed + k) for k, s in enumerate(starts)]
    batches.append(_fixture_columns(op))
    for args in batches:
        m = int(args[0].size)
        if m == 0:
            continue
        with np.errstate(all="ignore"):
            twin, dt = _timed(orc.twin, op, *args)
            t_twin += dt
            vec, dt = _timed(orc.vec, op, *args)
            t_vec += dt
            bad = orc.mismatches(op, vec, twin)
            vec_mism += int(bad.size)
            for w in oracles:
                want, dt = _timed(orc.oracle, op, w, *args)
                o_time[w] += dt
                bad = orc.mismatches(op, twin, want)
                mism[w] += int(bad.size)
                for i in bad[: max(0, 3 - len(examples))]:
                    operands = ", ".join(f"{int(a[i]):#010x}" for a in args)
                    examples.append(f"{op}({operands}) = {int(twin[i]):#010x}, {w} {int(want[i]):#010x}")
        cases += m
        progress.advance(task, m)
    return {
        "op": op,
        "cases": cases,
        "mismatches": mism,
        "vec_mismatches": vec_mism,
        "twin_ops_per_s": cases / t_twin if t_twin else None,
        "vec_ops_per_s": cases / t_vec if t_vec else None,
        "vectorised": op in orc.VECTORISED,
        "oracle_ops_per_s": {w: (cases / o_time[w] if o_time[w] else None) for w in oracles},
        "examples": examples,
    }


def _rate(x: float | None) -> str:
    if x is None:
        return "-"
    if x >= 1e6:
        return f"{x / 1e6:.1f}M"
    return f"{x / 1e3:.0f}k"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="random cases per op (default 10**6)")
    ap.add_argument("--ops", default="", help="comma-separated ops (default: all)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chunk", type=int, default=100_000, help="cases per batch")
    ap.add_argument("--json", help="write the results as JSON (tlean.bench-ieee32.v1)")
    args = ap.parse_args(argv)
    ops = [o for o in args.ops.split(",") if o] or list(orc.OPS)
    unknown = [o for o in ops if o not in orc.OPS]
    if unknown:
        ap.error(f"unknown ops: {', '.join(unknown)} (known: {', '.join(orc.OPS)})")
    out = Console(width=max(Console().width, 120))
    err = Console(stderr=True)
    results = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        overall = progress.add_task("all ops", total=len(ops))
        for op in ops:
            total = args.n + sum(int(c.size) for c in _fixture_columns(op)[:1])
            task = progress.add_task(op, total=total)
            results.append(bench_op(op, args.n, args.seed, args.chunk, progress, task))
            progress.remove_task(task)
            progress.advance(overall)
    table = Table(title=f"tlean.ieee32: {args.n} random cases per op + fixtures")
    heads = ("op", "cases", "vec≠twin", "twin ops/s", "vec ops/s")
    heads += ("oracle", "mismatches", "oracle ops/s", "twin/oracle")
    for col in heads:
        table.add_column(col, justify="left" if col in ("op", "oracle") else "right")
    for r in results:
        vec = _rate(r["vec_ops_per_s"]) + ("" if r["vectorised"] else " (twin)")
        for k, (w, x) in enumerate(r["oracle_ops_per_s"].items()):
            head = [r["op"], str(r["cases"]), str(r["vec_mismatches"]), _rate(r["twin_ops_per_s"]), vec]
            ratio = f"{r['twin_ops_per_s'] / x:.3f}" if x and r["twin_ops_per_s"] else "-"
            table.add_row(*(head if k == 0 else [""] * 5), w, str(r["mismatches"][w]), _rate(x), ratio)
    out.print(table)
    total_mismatches = sum(sum(r["mismatches"].values()) + r["vec_mismatches"] for r in results)
    for r in results:
        for e in r["examples"]:
            out.print(f"[red]mismatch[/red] {e}")
    out.print(f"total mismatches: {total_mismatches}")
    if args.json:
        doc = {
            "format": FORMAT,
            "n": args.n,
            "seed": args.seed,
            "machine": {"python": platform.python_version(), "numpy": np.__version__, "platform": platform.platform()},
            "ops": results,
            "total_mismatches": total_mismatches,
        }
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")
    return 1 if total_mismatches else 0


if __name__ == "__main__":
    raise SystemExit(main())
