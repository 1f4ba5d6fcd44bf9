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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tlean.codegen import Provenance, render_model
from tlean.codegen.leantext import module_name
from tlean.errors import TleanError, UsageError
from tlean.onnx_import import ImportedModel, import_model
from tlean.onnx_import.loader import DEFAULT_MAX_ELEMENTS
from tlean.payload import write_payload

EXPORT_FORMAT = "tlean.export.v1"
Progress = Callable[[str, int, int], None]


class ExportExistsError(TleanError):
    """The target module or payload exists and ``--force`` was not given."""

    code = "export-exists"


@dataclass
class ExportResult:
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

    def to_json(self) -> dict[str, Any]:
        return {
            "format": EXPORT_FORMAT,
            "module": f"NN.Models.{self.module}",
            "lean": str(self.lean_path),
            "payload": str(self.payload_path),
            "payload_sha256": self.payload_sha256,
            "source_sha256": self.source_sha256,
            "nodes": self.n_nodes,
            "params": self.n_params,
            "param_elements": self.n_param_elements,
            "seconds": round(self.seconds, 3),
        }


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
) -> ExportResult:
    """Writes ``NN/Models/<module>.lean`` and ``<module>.tlp`` for an already imported model."""
    t0 = time.perf_counter()
    out = Path(out_dir)
    lean_path, payload_path = out / f"{module}.lean", out / f"{module}.tlp"
    existing = [p for p in (lean_path, payload_path) if p.exists()]
    if existing and not force:
        raise ExportExistsError(
            f"{', '.join(map(str, existing))} already exist(s); pass --force to replace, or --name to pick another name"
        )
    out.mkdir(parents=True, exist_ok=True)
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
        text = render_model(module, graph, prov, _lean_payload_path(out, payload_path.name), sha)
        (tmp / lean_path.name).write_text(text, encoding="utf-8")
        if progress:
            progress("lean", 1, 1)
        os.replace(tmp / payload_path.name, payload_path)
        os.replace(tmp / lean_path.name, lean_path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ExportResult(
        module=module,
        lean_path=lean_path,
        payload_path=payload_path,
        payload_sha256=sha,
        source_sha256=imported.sha256,
        n_nodes=len(graph.nodes),
        n_params=len(graph.params),
        n_param_elements=sum(math.prod(p.shape) for p in graph.params),
        seconds=time.perf_counter() - t0,
        imported=imported,
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
) -> ExportResult:
    """Imports ``model`` and exports it (see :func:`export_imported`)."""
    path = Path(model)
    module = module_name(name or path.stem)
    if name is not None and module != name:
        raise UsageError(f"--name {name!r} is not a valid Lean module name; try {module!r}")
    if progress:
        progress("import", 0, 1)
    imported = import_model(path, input_shapes=input_shapes, max_elements=max_elements)
    if progress:
        progress("import", 1, 1)
    import onnx

    doc = onnx.load(str(path), load_external_data=False).doc_string if path.exists() else ""
    return export_imported(imported, module, out_dir, force=force, graph_doc=doc, progress=progress)
