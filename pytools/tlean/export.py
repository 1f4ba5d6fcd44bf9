"""``tlean export``: an ONNX (or PyTorch) model -> a Lean model module + a pinned payload.

All outputs of one export are written into a temporary directory inside the output directory
and then moved into place; an existing module is replaced only with ``force``. Nothing is
written outside the output directory, and a failed export leaves nothing behind.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tlean.codegen import Provenance, render_model, render_runner
from tlean.codegen.leantext import module_component_problem, module_name, module_path_problem
from tlean.errors import TleanError
from tlean.onnx_import import ImportedModel, import_model
from tlean.onnx_import.loader import DEFAULT_MAX_ELEMENTS
from tlean.payload import write_payload

EXPORT_FORMAT = "tlean.export.v1"
Progress = Callable[[str, int, int], None]


#: Size guidance (see docs/lean-workflow.md, "How large a model"): above these, the generated
#: module's ``graph_check`` (``decide +kernel``) and the Lean evaluator get slow; export says so.
KERNEL_CHECK_NODES = 2_000
LEAN_EVAL_PARAM_ELEMENTS = 5_000_000


class ExportExistsError(TleanError):
    """The target module or payload exists and replacing it was not asked for."""

    code = "export-exists"


class InvalidNameError(TleanError):
    """A module name given for an export is not a valid Lean module name."""

    code = "invalid-name"


def package_root_of(path: Path) -> Path | None:
    """The nearest folder at or above ``path`` holding a ``lakefile.lean``/``lakefile.toml``."""
    p = path.resolve()
    for root in [p, *p.parents]:
        if (root / "lakefile.lean").exists() or (root / "lakefile.toml").exists():
            return root
    return None


def lean_module_name(out_dir: Path, module: str) -> tuple[str, str | None]:
    """The full Lean module name of ``<out_dir>/<module>.lean``, with a note when it is a guess.

    Inside a Lake package it is the file's path from the package root, dot-separated
    (``MyPkg/Models`` + ``Mlp`` -> ``MyPkg.Models.Mlp``), which is how Lean names the module;
    outside any package it is ``NN.Models.<module>`` (tlean's own layout), with a note.
    """
    root = package_root_of(out_dir)
    if root is not None:
        rel = out_dir.resolve().relative_to(root)
        dotted = ".".join([*rel.parts, module])
        why = module_path_problem(dotted)
        if why is None:
            return dotted, None
        return f"NN.Models.{module}", (
            f"the folder {rel.as_posix()!r} (from the Lake package root {str(root)!r}) is not a Lean module "
            f"path ({why}); the module is named NN.Models.{module}: export into a folder whose path "
            "components are identifiers"
        )
    return f"NN.Models.{module}", (
        f"{str(out_dir)!r} is not inside a Lake package (no lakefile above it): the module is named "
        f"NN.Models.{module}; export into your package (see `tlean new`) to get a module name from the location"
    )


def size_notes(n_nodes: int, n_param_elements: int) -> list[str]:
    """Size guidance for a graph this large (empty when it is within the intended range)."""
    notes = []
    if n_nodes > KERNEL_CHECK_NODES:
        notes.append(
            f"{n_nodes} nodes: the module's graph_check is proved by `decide +kernel`, whose cost grows with "
            f"the graph; it is meant for graphs up to about {KERNEL_CHECK_NODES} nodes and may make `lake build` "
            "slow or exhaust memory beyond that (see docs/lean-workflow.md, 'How large a model')"
        )
    if n_param_elements > LEAN_EVAL_PARAM_ELEMENTS:
        notes.append(
            f"{n_param_elements:,} parameter elements: the Lean evaluator (`tlean run --lean`, `--check-lean`) is "
            f"meant for models up to about {LEAN_EVAL_PARAM_ELEMENTS:,}; tlean's NumPy evaluator has no such limit"
        )
    return notes


@dataclass(repr=False)
class ExportResult:
    """What one export wrote: the Lean module (``lean_path``, named ``full_name``), the payload,
    their hashes and sizes; ``check`` holds the parity report when a check was asked for."""

    module: str
    lean_path: Path
    payload_path: Path
    payload_sha256: str
    source_sha256: str
    n_nodes: int
    n_params: int
    n_param_elements: int
    seconds: float
    imported: ImportedModel
    onnx_path: Path | None = None  # the intermediate ONNX of export_torch, when kept
    full_name: str = ""
    main_path: Path | None = None  # the per-model evaluator (``<Name>Main.lean``), when written
    notes: list[str] = field(default_factory=list)
    check: Any = None  # a tlean.check.CheckReport

    def __post_init__(self) -> None:
        if not self.full_name:
            self.full_name = f"NN.Models.{self.module}"

    def __repr__(self) -> str:
        return (
            f"ExportResult(module={self.full_name!r}, lean_path={str(self.lean_path)!r}, "
            f"payload_path={str(self.payload_path)!r}, nodes={self.n_nodes}, params={self.n_params}, "
            f"param_elements={self.n_param_elements})"
        )

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "module": self.full_name,
            "lean": str(self.lean_path),
            "payload": str(self.payload_path),
            "payload_sha256": self.payload_sha256,
            "source_sha256": self.source_sha256,
            "nodes": self.n_nodes,
            "params": self.n_params,
            "param_elements": self.n_param_elements,
            "seconds": round(self.seconds, 3),
            "notes": list(self.notes),
        }
        if self.main_path is not None:
            d["main"] = str(self.main_path)
        if self.check is not None:
            d["check"] = self.check.to_json()
        return d


def _lean_payload_path(out_dir: Path, payload_name: str) -> str:
    """The payload path as the Lean module records it: relative to the Lake package root
    (the nearest parent with a lakefile), else relative to the working directory."""
    out_abs = out_dir.resolve()
    for root in [out_abs, *out_abs.parents]:
        if (root / "lakefile.lean").exists() or (root / "lakefile.toml").exists():
            return (out_abs / payload_name).relative_to(root).as_posix()
    try:
        return (out_abs / payload_name).relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return (out_abs / payload_name).as_posix()


def export_imported(
    imported: ImportedModel,
    module: str,
    out_dir: str | os.PathLike[str],
    *,
    force: bool = False,
    graph_doc: str = "",
    progress: Progress | None = None,
    main: bool = False,
) -> ExportResult:
    """Writes ``<out_dir>/<module>.lean`` and ``<module>.tlp`` for an already imported model
    (and ``<module>Main.lean``, an evaluator with a ``main``, when ``main``)."""
    from tlean.runio import prepare_dir

    t0 = time.perf_counter()
    check_module_name(module)
    out = Path(out_dir)
    lean_path, payload_path = out / f"{module}.lean", out / f"{module}.tlp"
    main_path = out / f"{module}Main.lean"
    targets = (lean_path, payload_path, main_path) if main else (lean_path, payload_path)
    existing = [p for p in targets if p.exists()]
    if existing and not force:
        shown = ", ".join(map(str, existing))
        raise ExportExistsError(
            f"{shown} already exist(s); pass force=True to replace, or choose another name",
            cli_message=f"{shown} already exist(s); pass --force to replace, or --name to pick another name",
        )
    prepare_dir(out, option="--out-dir")
    full_name, location_note = lean_module_name(out, module)
    graph = imported.graph
    names = [p.name for p in graph.params]
    total = len(names)

    def tensors() -> Iterator[tuple[str, np.ndarray]]:
        for k, n in enumerate(names):
            if progress:
                progress("payload", k, total)
            yield n, imported.params[n]
        if progress:
            progress("payload", total, total)

    tmp = Path(tempfile.mkdtemp(dir=out, prefix=".tlean-export-"))
    try:
        sha = write_payload(tmp / payload_path.name, tensors(), shapes=[(p.name, tuple(p.shape)) for p in graph.params])
        prov = Provenance(
            imported.source or "<in-memory model>", imported.sha256, imported.opset, imported.producer, graph_doc
        )
        if progress:
            progress("lean", 0, 1)
        text = render_model(module, graph, prov, _lean_payload_path(out, payload_path.name), sha, full_name)
        (tmp / lean_path.name).write_text(text, encoding="utf-8")
        if main:
            (tmp / main_path.name).write_text(render_runner(module, full_name), encoding="utf-8")
        if progress:
            progress("lean", 1, 1)
        os.replace(tmp / payload_path.name, payload_path)
        os.replace(tmp / lean_path.name, lean_path)
        if main:
            os.replace(tmp / main_path.name, main_path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    n_elements = sum(math.prod(p.shape) for p in graph.params)
    notes = ([location_note] if location_note else []) + size_notes(len(graph.nodes), n_elements)
    return ExportResult(
        module=module,
        lean_path=lean_path,
        payload_path=payload_path,
        payload_sha256=sha,
        source_sha256=imported.sha256,
        n_nodes=len(graph.nodes),
        n_params=len(graph.params),
        n_param_elements=n_elements,
        seconds=time.perf_counter() - t0,
        imported=imported,
        full_name=full_name,
        main_path=main_path if main else None,
        notes=notes,
    )


def check_module_name(name: str) -> None:
    why = module_component_problem(name)
    if why is not None:
        suggestion = module_name(name)
        raise InvalidNameError(
            f"name {name!r} is not a valid Lean module name: {why} (e.g. {suggestion!r})",
            cli_message=f"--name {name!r} is not a valid Lean module name: {why} (e.g. --name {suggestion})",
        )


def export_onnx(
    model: str | os.PathLike[str],
    *,
    name: str | None = None,
    out_dir: str | os.PathLike[str] = "NN/Models",
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    force: bool = False,
    max_elements: int = DEFAULT_MAX_ELEMENTS,
    progress: Progress | None = None,
    check: bool = False,
    main: bool = False,
) -> ExportResult:
    """Imports the ONNX file ``model`` and exports it (see :func:`export_imported`).

    ``name`` is the module's last component (default: from the file name); ``check`` compares
    tlean's evaluator with onnxruntime on seeded inputs (``result.check``), and needs
    onnxruntime, which is checked before anything is written.
    """
    from tlean.errors import require_module

    path = Path(model)
    module = name if name is not None else module_name(path.stem)
    check_module_name(module)
    if check:
        require_module("onnxruntime", "checking against onnxruntime", "check")
    if progress:
        progress("import", 0, 1)
    imported = import_model(path, input_shapes=input_shapes, max_elements=max_elements)
    if progress:
        progress("import", 1, 1)
    import onnx

    doc = onnx.load(str(path), load_external_data=False).doc_string if path.exists() else ""
    result = export_imported(imported, module, out_dir, force=force, graph_doc=doc, progress=progress, main=main)
    if check:
        from tlean.check import check_against_onnxruntime

        result.check = check_against_onnxruntime(path, imported)
    return result
