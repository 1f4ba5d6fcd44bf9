"""Inputs and outputs of ``tlean run``: reading ``.npy`` feeds, summarising and saving results."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from tlean import ir
from tlean.errors import InputFileError, OutputPathError, UsageError

_NPY_MAGIC = b"\x93NUMPY"


def prepare_dir(path: str | os.PathLike[str], *, option: str) -> Path:
    """Creates the folder ``path`` (and its parents) for writing; an :class:`OutputPathError`
    names ``option`` and the reason when that is impossible (a regular file on the way, no
    permission, a read-only or virtual file system such as ``/proc``)."""
    p = Path(path)
    for q in [p, *p.parents]:
        if q.exists() and not q.is_dir():
            raise OutputPathError(f"{option} {str(p)!r}: {str(q)!r} is a file, not a folder; choose another folder")
    try:
        p.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=p, prefix=".tlean-probe-", delete=True)  # noqa: SIM115
        probe.close()
    except OSError as e:
        raise OutputPathError(f"{option} {str(p)!r}: cannot write there ({e.strerror or e})") from None
    return p


def write_text_file(path: str | os.PathLike[str], text: str, *, option: str) -> Path:
    """Writes ``text`` to the file ``path`` atomically (its folder is created); an
    :class:`OutputPathError` names ``option`` when that is impossible."""
    p = Path(path)
    if p.is_dir():
        raise OutputPathError(f"{option} {str(p)!r} is a folder; give a file name")
    prepare_dir(p.parent, option=option)
    try:
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".tlean-out-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, p)
    except OSError as e:
        raise OutputPathError(f"{option} {str(p)!r}: cannot write ({e.strerror or e})") from None
    return p


def npy_shape(path: str | os.PathLike[str], *, name: str) -> list[int]:
    """The shape stored in a ``.npy`` file's header (the data is not read)."""
    p = _check_npy_path(Path(path), name)
    try:
        with p.open("rb") as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, _ = np.lib.format.read_array_header_1_0(f)
            else:
                shape, _, _ = np.lib.format.read_array_header_2_0(f)
    except (ValueError, OSError, EOFError, SyntaxError) as e:
        raise InputFileError(f"--input {name}: {str(p)!r} is not a readable .npy file ({e})") from None
    return [int(d) for d in shape]


def _check_npy_path(p: Path, name: str) -> Path:
    if p.is_dir():
        raise InputFileError(f"--input {name}: {str(p)!r} is a folder; give a .npy file (numpy.save)")
    if not p.exists():
        raise InputFileError(f"--input {name}: file {str(p)!r} not found")
    try:
        with p.open("rb") as f:
            head = f.read(len(_NPY_MAGIC))
    except OSError as e:
        raise InputFileError(f"--input {name}: {str(p)!r} cannot be read ({e.strerror or e})") from None
    if head != _NPY_MAGIC:
        raise InputFileError(
            f"--input {name}: {str(p)!r} is not a readable .npy file (no NumPy header); write the array with "
            "numpy.save(path, array.astype(numpy.float32))"
        )
    return p


def parse_feeds(specs: list[str], names: list[str]) -> dict[str, str]:
    """``NAME=FILE`` specs -> name -> file; a duplicate or an unknown name is a UsageError."""
    out: dict[str, str] = {}
    for spec in specs:
        name, path = _split_feed(spec, names)
        if names and name not in names:
            raise UsageError(f"--input names {name!r}, but the model's inputs are: {', '.join(map(repr, names))}")
        if name in out:
            raise UsageError(f"--input {name} is given twice ({out[name]!r} and {path!r}); give each input once")
        out[name] = path
    return out


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
    """Reads ``NAME=FILE.npy`` feeds and checks them against the graph's declared inputs.

    Arrays must be float32, or of a type every value of which float32 holds exactly (float16,
    8/16-bit integers); float64 and wider integers are refused rather than rounded silently.
    """
    names = [d.name for d in graph.inputs]
    feeds: dict[str, np.ndarray] = {}
    for name, path in parse_feeds(specs, names).items():
        p = _check_npy_path(Path(path), name)
        try:
            arr = np.load(p, allow_pickle=False)
        except ValueError as e:
            if "allow_pickle" in str(e):
                raise InputFileError(
                    f"--input {name}: {path!r} holds Python objects, not numbers; save a float32 array"
                ) from None
            raise InputFileError(f"--input {name}: {path!r} is not a readable .npy file ({e})") from None
        except (OSError, EOFError) as e:
            raise InputFileError(f"--input {name}: {path!r} is not a readable .npy file ({e})") from None
        decl = next(d for d in graph.inputs if d.name == name)
        if arr.dtype != np.float32:
            if arr.dtype.kind in "fiu" and np.can_cast(arr.dtype, np.float32, casting="safe"):
                arr = arr.astype(np.float32)
            else:
                raise InputFileError(
                    f"--input {name}: {path!r} holds {arr.dtype}, expected float32 (the model's type); "
                    f"convert it explicitly, e.g. numpy.save(path, array.astype(numpy.float32))"
                )
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
    prepare_dir(directory, option="--out-dir")
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
