"""``tlean run --lean``: evaluate a model with its exported Lean module's evaluator.

The module (``<Name>.lean``, written by ``tlean export``) is built with ``lake build``; its
evaluator (``<Name>Main.lean`` when ``tlean export --main`` wrote it, else the same file generated
into a temporary folder) runs with ``lake env lean --run`` from the Lake package root, on the
inputs written as a ``.tlp`` payload; the outputs payload is read back. Needs ``lake`` on PATH.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from tlean.codegen import render_runner
from tlean.errors import TleanError
from tlean.export import lean_module_name, package_root_of
from tlean.lake import lake_build, run_lake
from tlean.onnx_import import ImportedModel
from tlean.payload import read_payload, write_payload


class LeanRunError(TleanError):
    """The exported Lean module is missing, outside a Lake package, or its evaluator failed."""

    code = "lean-run"


def locate_module(module_file: Path) -> tuple[Path, str]:
    """The Lake package root holding ``module_file`` and the module's full name."""
    if module_file.suffix != ".lean" or not module_file.is_file():
        raise LeanRunError(
            f"{module_file}: no exported Lean module there; export the model first (tlean export MODEL "
            "--out-dir DIR) and name the module file"
        )
    root = package_root_of(module_file.parent)
    if root is None:
        raise LeanRunError(f"{module_file} is not inside a Lake package (no lakefile above it); see `tlean new`")
    full_name, note = lean_module_name(module_file.parent, module_file.stem)
    if note is not None:
        raise LeanRunError(f"{module_file}: {note}")
    return root, full_name


def run_with_lean(module_file: Path, imported: ImportedModel, feeds: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    """Builds the module, runs its evaluator on ``feeds``, returns the outputs in graph order."""
    root, full_name = locate_module(module_file)
    lake_build(root, [full_name])
    graph = imported.graph
    main_file = module_file.with_name(f"{module_file.stem}Main.lean")
    work = Path(tempfile.mkdtemp(prefix=".tlean-run-", dir=module_file.parent))
    try:
        runner = main_file
        if not main_file.is_file():
            runner = work / f"{module_file.stem}Main.lean"
            runner.write_text(render_runner(module_file.stem, full_name), encoding="utf-8")
        write_payload(work / "inputs.tlp", [(d.name, np.asarray(feeds[d.name])) for d in graph.inputs])
        res = run_lake(
            ["env", "lean", "--run", str(runner.resolve()), str(work / "inputs.tlp"), str(work / "outputs.tlp")], root
        )
        if not res.ok:
            raise LeanRunError(f"the Lean evaluator failed (exit {res.returncode}):\n{res.stderr or res.stdout}")
        got = read_payload(work / "outputs.tlp")
        return [got[f"output_{i}"] for i in range(len(graph.outputs))]
    finally:
        shutil.rmtree(work, ignore_errors=True)
