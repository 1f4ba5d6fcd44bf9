"""Inputs and outputs of ``tlean run``: reading ``.npy`` feeds, summarising and saving results."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from tlean import ir
from tlean.errors import InputFileError, UsageError


def _split_feed(spec: str, names: list[str]) -> tuple[str, str]:
    # Input names are arbitrary strings and may contain '=': prefer the longest known name.
    for name in sorted(names, key=len, reverse=True):
        if spec.startswith(name + "="):
            return name, spec[len(name) + 1 :]
    name, sep, path = spec.partition("=")
    if not sep:
        raise UsageError(f"--input {spec!r}: expected NAME=FILE.npy")
    return name, path


def load_inputs(graph: ir.Graph, specs: list[str]) -> dict[str, np.ndarray]:
    """Reads ``NAME=FILE.npy`` feeds and checks them against the graph's declared inputs."""
    names = [d.name for d in graph.inputs]
    feeds: dict[str, np.ndarray] = {}
    for spec in specs:
        name, path = _split_feed(spec, names)
        if name not in names:
            raise UsageError(f"--input names {name!r}, but the model's inputs are: {', '.join(map(repr, names))}")
        p = Path(path)
        if not p.is_file():
            raise InputFileError(f"--input {name}: file {path!r} not found")
        try:
            arr = np.load(p, allow_pickle=False)
        except (ValueError, OSError, EOFError) as e:
            raise InputFileError(f"--input {name}: {path!r} is not a readable .npy file ({e})") from None
        decl = next(d for d in graph.inputs if d.name == name)
        if arr.dtype != np.float32:
            if arr.dtype.kind in "fiu" and np.can_cast(arr.dtype, np.float32, casting="same_kind"):
                arr = arr.astype(np.float32)
            else:
                raise InputFileError(f"--input {name}: {path!r} holds {arr.dtype}, expected float32")
        if list(arr.shape) != decl.shape:
            raise InputFileError(
                f"--input {name}: {path!r} has shape {list(arr.shape)}, the model expects {decl.shape}"
            )
        feeds[name] = arr
    missing = [n for n in names if n not in feeds]
    if missing:
        need = ", ".join(f"{d.name!r} {d.shape}" for d in graph.inputs if d.name in missing)
        raise UsageError(f"missing --input for: {need}")
    return feeds


def _file_stem(name: str, taken: set[str]) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", name).strip("._") or "output"
    base, k = stem, 1
    while stem in taken:
        k += 1
        stem = f"{base}_{k}"
    taken.add(stem)
    return stem


def save_outputs(directory: Path, names: list[str], outputs: list[np.ndarray]) -> dict[str, str]:
    """Writes each output to ``directory/<sanitised name>.npy`` atomically; returns name -> path."""
    directory.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    written: dict[str, str] = {}
    for name, arr in zip(names, outputs, strict=True):
        target = directory / f"{_file_stem(name, taken)}.npy"
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".npy.tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, arr, allow_pickle=False)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written[name] = str(target)
    return written


def output_summaries(names: list[str], outputs: list[np.ndarray], written: dict[str, str]) -> list[dict[str, Any]]:
    """Per output: name, shape, min/max/mean, the values when small, and where it was saved."""
    rows = []
    for name, arr in zip(names, outputs, strict=True):
        finite = arr[np.isfinite(arr)] if arr.size else arr
        row: dict[str, Any] = {
            "name": name,
            "shape": list(arr.shape),
            "min": float(finite.min()) if finite.size else None,
            "max": float(finite.max()) if finite.size else None,
            "mean": float(finite.mean()) if finite.size else None,
        }
        if arr.size <= 32:
            row["values"] = [float(v) for v in arr.ravel()]
        if name in written:
            row["saved"] = written[name]
        rows.append(row)
    return rows
