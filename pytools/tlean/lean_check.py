"""``tlean export --check-lean``: build the exported module and run it through Lean.

The generated runner (``render_runner``) evaluates the model with the compiled Lean executor
(`NN.Runtime.runModelMain`, binary32 arithmetic) on inputs given as a ``.tlp`` payload and
writes the outputs as a ``.tlp``; they are compared with :mod:`tlean.evaluate` on the same
inputs. Needs ``lake`` on PATH and an output directory inside the Lake package.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from tlean.check import CheckReport, compare, new_report, random_feeds
from tlean.codegen import render_runner
from tlean.errors import TleanError
from tlean.evaluate import evaluate
from tlean.export import ExportResult
from tlean.lake import lake_build, run_lake
from tlean.payload import read_payload, write_payload


class LeanCheckError(TleanError):
    """The exported module could not be built or run by Lean."""

    code = "lean-check"


def package_root(path: Path) -> Path:
    for root in [path.resolve(), *path.resolve().parents]:
        if (root / "lakefile.lean").exists():
            return root
    raise LeanCheckError(f"{path} is not inside a Lake package (no lakefile.lean above it)")


def check_with_lean(
    result: ExportResult,
    *,
    seeds: Sequence[int] = (0,),
    rtol: float = 1e-4,
    atol: float = 1e-5,
    on_line: Callable[[str], None] | None = None,
) -> CheckReport:
    """Builds the exported module (``result.full_name``), runs it on seeded inputs, compares with tlean.evaluate."""
    root = package_root(result.lean_path.parent)
    module = result.full_name
    lake_build(root, [module], on_line=on_line)
    imported = result.imported
    graph = imported.graph
    report = new_report("Lean (NN.Runtime.runModelMain, Float32)", imported, seeds, rtol, atol)
    work = Path(tempfile.mkdtemp(dir=result.lean_path.parent, prefix=".tlean-check-"))
    try:
        runner = work / f"Run{result.module}.lean"
        runner.write_text(render_runner(result.module, result.full_name), encoding="utf-8")
        for seed in seeds:
            feeds = random_feeds(imported, seed)
            write_payload(work / "inputs.tlp", [(d.name, feeds[d.name]) for d in graph.inputs])
            run = run_lake(
                ["env", "lean", "--run", str(runner), str(work / "inputs.tlp"), str(work / "outputs.tlp")], root
            )
            if not run.ok:
                raise LeanCheckError(f"the Lean runner failed (exit {run.returncode}):\n{run.stderr or run.stdout}")
            lean_out = read_payload(work / "outputs.tlp")
            got = [lean_out[f"output_{i}"] for i in range(len(graph.outputs))]
            want = evaluate(graph, feeds, imported.params)
            compare(got, want, report.outputs, rtol, atol)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report
