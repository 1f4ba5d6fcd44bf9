"""``tlean new DIR``: a Lake package of the user's own that depends on tlean.

The package requires tlean's Lean library (``NN``) from a local checkout or a git URL, is pinned
to tlean's Lean toolchain (:data:`LEAN_TOOLCHAIN`, the content of tlean's ``lean-toolchain``),
and holds an exported example model with its evaluator as a ``lake exe``, a lock file for
``tlean gate`` (both sections, ``scan`` and ``audit``) and a CI workflow. See
``docs/lean-workflow.md`` for the whole workflow.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from tlean.codegen.leantext import module_component_problem, module_name
from tlean.errors import OutputPathError, TleanError, UsageError

#: The Lean toolchain tlean's Lean library is written for (same as tlean's ``lean-toolchain``).
LEAN_TOOLCHAIN = "leanprover/lean4:v4.19.0"
NEW_FORMAT = "tlean.new.v1"
EXAMPLE_MODEL = "Example"


class ScaffoldError(TleanError):
    """``tlean new`` cannot create the package (folder not empty, tlean checkout not found)."""

    code = "scaffold"


def tlean_checkout() -> Path | None:
    """The tlean source checkout this package runs from (editable install), if any."""
    root = Path(__file__).resolve().parents[2]
    lakefile = root / "lakefile.lean"
    if lakefile.is_file() and re.search(r"^package\s+tlean\b", lakefile.read_text(encoding="utf-8"), re.M):
        return root
    return None


def _lakefile(pkg: str, lib: str, require: str) -> str:
    exe = EXAMPLE_MODEL.lower()
    return f"""import Lake
open Lake DSL

/-! Lake configuration of `{pkg}`: neural networks exported with tlean (`tlean export`), checked
by Lean against tlean's Lean library `NN` (pinned to the same toolchain in `lean-toolchain`). -/

package {pkg}

{require}

/-- This package's modules: `{lib}.lean` and everything under `{lib}/` (exported models go to
`{lib}/Models/`; `lake build` checks their `graph_check` proofs). -/
@[default_target]
lean_lib {lib} where
  globs := #[.andSubmodules `{lib}]

/-- The example model's evaluator: `lake exe {exe} INPUTS.tlp OUTPUTS.tlp` (from this folder). -/
lean_exe {exe} where
  root := `{lib}.Models.{EXAMPLE_MODEL}Main
"""


def _workflow(lib: str, tlean_src: str) -> str:
    return f"""# CI for this package: build the Lean, then gate its trust boundaries with tlean.
name: lean

on:
  push:
  pull_request:

jobs:
  proofs:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4

      - name: Install elan (the toolchain in lean-toolchain is fetched on first use)
        run: |
          curl -sSfL https://raw.githubusercontent.com/leanprover/elan/master/elan-init.sh \\
            | sh -s -- -y --default-toolchain none
          echo "$HOME/.elan/bin" >> "$GITHUB_PATH"

      - name: lake build
        run: lake build

      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"

      - name: Install tlean (the Python side of the tlean dependency)
        run: python -m venv .venv && .venv/bin/pip install -q -e {tlean_src}

      - name: tlean gate, scan mode (no toolchain needed)
        run: .venv/bin/tlean gate --lock proofs.lock.json --from-scan {lib}

      - name: tlean report (the kernel-level axiom audit)
        run: .venv/bin/tlean report --no-build --root {lib} --out-dir out/proofs

      - name: tlean gate, audit mode
        run: .venv/bin/tlean gate --lock proofs.lock.json --audit-json out/proofs/audit.json
"""


def _example_onnx(path: Path) -> None:
    """A small seeded MLP (4 -> 8 -> 3, ReLU), written as ONNX: the package's example model."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    w1 = rng.standard_normal((8, 4)).astype(np.float32) * 0.5
    b1 = rng.standard_normal(8).astype(np.float32) * 0.1
    w2 = rng.standard_normal((3, 8)).astype(np.float32) * 0.5
    b2 = rng.standard_normal(3).astype(np.float32) * 0.1
    nodes = [
        helper.make_node("Gemm", ["x", "fc1.weight", "fc1.bias"], ["h"], name="fc1", transB=1),
        helper.make_node("Relu", ["h"], ["r"], name="relu"),
        helper.make_node("Gemm", ["r", "fc2.weight", "fc2.bias"], ["y"], name="fc2", transB=1),
    ]
    inits = [
        numpy_helper.from_array(w1, "fc1.weight"),
        numpy_helper.from_array(b1, "fc1.bias"),
        numpy_helper.from_array(w2, "fc2.weight"),
        numpy_helper.from_array(b2, "fc2.bias"),
    ]
    graph = helper.make_graph(
        nodes,
        "example",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="tlean new")
    model.ir_version = 8
    onnx.save(model, str(path))


def new_package(
    directory: Path,
    *,
    name: str | None = None,
    tlean_path: Path | None = None,
    tlean_git: str | None = None,
    rev: str = "main",
) -> dict[str, Any]:
    """Creates the package in ``directory`` (which must not exist or be empty); returns a
    ``tlean.new.v1`` summary (files written, next steps)."""
    from tlean.export import export_onnx
    from tlean.gate import Lock, write_lock
    from tlean.runio import prepare_dir

    lib = name if name is not None else module_name(directory.resolve().name)
    why = module_component_problem(lib)
    if why is not None:
        raise UsageError(f"package name {lib!r} is not a valid Lean name: {why}")
    if tlean_path is not None and tlean_git is not None:
        raise UsageError("give either a local tlean checkout or a git URL, not both")
    if tlean_git is not None:
        require = f'require tlean from git\n  "{tlean_git}" @ "{rev}"'
        tlean_src = ".lake/packages/tlean"
    else:
        src = tlean_path if tlean_path is not None else tlean_checkout()
        if src is None:
            raise ScaffoldError(
                "this tlean is not installed from a source checkout, so the package cannot require it by path; "
                "give the git URL of tlean (and a revision) instead",
                cli_message="this tlean is not installed from a source checkout; give --tlean-git URL (and --rev)",
            )
        if not (src / "lakefile.lean").is_file():
            raise ScaffoldError(f"{src} is not a tlean checkout (no lakefile.lean)")
        rel = os.path.relpath(src.resolve(), directory.resolve())
        require = f'require tlean from "{Path(rel).as_posix()}"'
        tlean_src = Path(rel).as_posix()
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ScaffoldError(f"{directory} exists and is not an empty folder; choose a new folder")
    root = prepare_dir(directory, option="DIR")
    files: list[str] = []

    def write(rel: str, text: str) -> None:
        p = root / rel
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
        except OSError as e:
            raise OutputPathError(f"{p}: cannot write ({e.strerror or e})") from None
        files.append(rel)

    write("lean-toolchain", LEAN_TOOLCHAIN + "\n")
    write("lakefile.lean", _lakefile(lib.lower() if lib.lower() != "nn" else f"{lib.lower()}_pkg", lib, require))
    write(".gitignore", ".lake/\n.venv/\nout/\n")
    write(
        f"{lib}.lean",
        f"import {lib}.Models.{EXAMPLE_MODEL}\n\n"
        f"/-! # {lib}\n\nRoot module of the package: imports the exported models. -/\n",
    )
    (root / "models").mkdir(exist_ok=True)
    _example_onnx(root / "models" / "example.onnx")
    files.append("models/example.onnx")
    x = np.random.default_rng(1).standard_normal((1, 4)).astype(np.float32)
    np.save(root / "models" / "example_x.npy", x)
    files.append("models/example_x.npy")
    result = export_onnx(root / "models" / "example.onnx", name=EXAMPLE_MODEL, out_dir=root / lib / "Models", main=True)
    for p in (result.lean_path, result.payload_path, result.main_path):
        assert p is not None
        files.append(p.relative_to(root).as_posix())
    write(".github/workflows/lean.yml", _workflow(lib, tlean_src))
    from tlean.gate import from_scan, updated_lock
    from tlean.scan import scan_paths

    current = from_scan(scan_paths([root / lib]))
    lock = updated_lock(Lock(), current, list(Lock().allowed_axioms))
    lock.sections["audit"] = lock.sections["scan"].__class__()  # an accepted audit with no boundary
    write_lock(root / "proofs.lock.json", lock)
    files.append("proofs.lock.json")
    write("README.md", _readme(lib))
    return {
        "format": NEW_FORMAT,
        "package": lib,
        "directory": str(root),
        "module": result.full_name,
        "require": require,
        "toolchain": LEAN_TOOLCHAIN,
        "files": sorted(files),
        "next": [
            f"cd {directory}",
            "lake build",
            f"lake exe {EXAMPLE_MODEL.lower()} IN.tlp OUT.tlp   # or: tlean run --lean models/example.onnx "
            f"--lean-module {lib}/Models/{EXAMPLE_MODEL}.lean --input x=models/example_x.npy",
            f"tlean export MODEL.onnx --out-dir {lib}/Models --main   # your own model",
        ],
    }


def _readme(lib: str) -> str:
    return f"""# {lib}

A Lake package made by `tlean new`: neural networks exported with tlean, checked by Lean.

- `{lib}/Models/{EXAMPLE_MODEL}.lean`: an exported example model (from `models/example.onnx`), its
  weights in `{EXAMPLE_MODEL}.tlp`, and `{EXAMPLE_MODEL}Main.lean`, its evaluator (`lake exe example`).
- `lake build` checks every model's `graph_check` proof and the executor-correctness facts.
- `tlean run --lean models/example.onnx --lean-module {lib}/Models/{EXAMPLE_MODEL}.lean --input x=models/example_x.npy`
  evaluates the model with its Lean evaluator (run it from this folder).
- `tlean export MODEL.onnx --out-dir {lib}/Models --main` adds your own model as `{lib}.Models.<Name>`.
- `tlean gate --lock proofs.lock.json --from-scan {lib}` fails on a new `sorry`/`axiom` (CI does this).
"""
