"""Benchmark of ``tlean scan``: lines of Lean per second on one core.

Generates a tree of Lean files (default 2,000 files, about 550,000 lines) in a temporary
folder, with the constructs the tokenizer has to get right (nested comments, doc comments,
strings with escapes, character literals, «quoted» names, attributes, namespaces), scans it
with :func:`tlean.scan.scan_paths` and prints lines per second.

    .venv/bin/python scripts/bench_scan.py [--files N] [--lines-per-file N] [--repeat N]

The target is >= 200,000 lines/s on one core, measured in CPU time of this process (the scan is
single-threaded; wall time, also printed, suffers when other processes share the machine).
Reading files is included.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from tlean.scan import scan_paths

_BLOCKS = [
    "/-- The {i}th lemma; mentions sorry in a doc comment. -/\n"
    "theorem lemma_{i} (a b : Nat) (h : a ≤ b) : a ≤ b + {i} := by\n"
    "  have h' : b ≤ b + {i} := Nat.le_add_right b {i}\n"
    "  exact Nat.le_trans h h'\n",
    "/- a block comment /- nested sorry -/ with axiom inside -/\n"
    'def name_{i} : String := "value {i} with \\"escaped\\" quotes and sorry"\n',
    "def char_{i} : Char := '\"'\ndef «quoted name {i}» : Nat := {i}\n",
    "@[simp, inline]\ndef step_{i} (xs : List Nat) : List Nat :=\n  xs.map (fun x => x * {i} + 1) |>.filter (· > 2)\n",
    "structure Point{i} where\n  x : Float\n  y : Float\n  deriving Repr\n",
    "-- a line comment that says sorry and admit\ninstance : Inhabited (Point{i}) := ⟨⟨0, 0⟩⟩\n",
    "theorem no_sorry_{i} : ({i} : Nat) + 0 = {i} := by\n  simp only [Nat.add_zero]\n",
    "def loop_{i} : Nat → Nat\n  | 0 => 0\n  | n + 1 => loop_{i} n + {i}\n",
]


def make_file(seed: int, target_lines: int) -> str:
    rng = random.Random(seed)
    parts = [f"namespace Bench{seed}\n\n", "open Nat\n\n", "section Inner\n\n"]
    lines = 5
    i = 0
    while lines < target_lines - 4:
        block = rng.choice(_BLOCKS).format(i=i)
        parts.append(block)
        parts.append("\n")
        lines += block.count("\n") + 1
        i += 1
    parts.append("end Inner\n\nend Bench" + str(seed) + "\n")
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--lines-per-file", type=int, default=275)
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tlean-bench-") as tmp:
        root = Path(tmp) / "Bench"
        for k in range(args.files):
            sub = root / f"D{k % 20}"
            sub.mkdir(parents=True, exist_ok=True)
            (sub / f"F{k}.lean").write_text(make_file(k, args.lines_per_file), encoding="utf-8")
        best_wall = best_cpu = float("inf")
        result = None
        for _ in range(args.repeat):
            w0, c0 = time.perf_counter(), time.process_time()
            result = scan_paths([root], base=tmp)
            best_cpu = min(best_cpu, time.process_time() - c0)
            best_wall = min(best_wall, time.perf_counter() - w0)
        assert result is not None
        print(
            f"scanned {result.files} files, {result.lines} lines, {len(result.findings)} findings "
            f"(best of {args.repeat}): {best_cpu:.3f} s CPU = {result.lines / best_cpu:,.0f} "
            f"lines/s on one core; {best_wall:.3f} s wall = {result.lines / best_wall:,.0f} lines/s"
        )
        if result.findings:
            print("unexpected findings:", result.findings[:5], file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
