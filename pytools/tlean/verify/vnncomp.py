"""VNN-COMP interface: result files, the instance CSV, the results CSV, prepare/run of one instance.

The competition's harness calls ``prepare_instance.sh v1 CATEGORY ONNX VNNLIB`` then
``run_instance.sh v1 CATEGORY ONNX VNNLIB RESULT_FILE TIMEOUT`` (``scripts/vnncomp/``). The result
file's first line is ``sat``, ``unsat``, ``timeout``, ``unknown`` or ``error``; after ``sat`` comes
the witness as the scorer reads it (VNN-COMP 2022+ ``counterexamples.py``: newlines become spaces,
the outer parentheses are stripped, the rest is split at ``)`` and each ``(NAME VALUE`` part at a
single space, inputs ``X_i`` first then outputs ``Y_j``, both flattened row-major)::

    sat
    ((X_0 0.6)
     (X_1 -0.5)
     (Y_0 -0.0212)
     (Y_1 0.1))

Values are written as the shortest decimal that reads back to the same float32 (via float64):
the scorer parses them with ``float`` and casts inputs to the model's float32, so it replays
exactly the input tlean confirmed. Outputs are onnxruntime's, which the scorer compares with its
own run of onnxruntime.

The results CSV (one row per instance, no header) has the columns of the competition's results
tables: ``category, onnx, vnnlib, prepare_seconds, result, run_seconds``.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tlean.errors import TleanError

RESULTS = ("sat", "unsat", "timeout", "unknown", "error")


class InstancesError(TleanError):
    """An instance CSV is malformed or names files that do not exist."""

    code = "bad-instances"


def fmt_value(v: float) -> str:
    """The shortest decimal text that reads back (``float`` then float32) to the float32 ``v``."""
    f = float(np.float32(v))
    if math.isnan(f) or math.isinf(f):
        raise ValueError(f"non-finite value {v!r} in a witness")
    return repr(f)


def format_assignment(x: Sequence[float], y: Sequence[float]) -> str:
    """The witness block ``((X_0 v)\\n (X_1 v)\\n ... (Y_m v))`` (no trailing newline)."""
    items = [f"(X_{i} {fmt_value(v)})" for i, v in enumerate(x)]
    items += [f"(Y_{j} {fmt_value(v)})" for j, v in enumerate(y)]
    return "(" + "\n ".join(items) + ")"


def result_file_text(result: str, x: Sequence[float] | None = None, y: Sequence[float] | None = None) -> str:
    """The whole result file: the result line and, for ``sat``, the witness."""
    if result not in RESULTS:
        raise ValueError(f"not a VNN-COMP result: {result!r}")
    if result == "sat":
        if x is None or y is None:
            raise ValueError("a sat result needs its witness")
        return f"sat\n{format_assignment(x, y)}\n"
    return f"{result}\n"


def write_result_file(path: str | os.PathLike[str], text: str) -> None:
    """Writes the result file (atomically: a harness reading it never sees half a witness)."""
    from tlean.runio import write_text_file

    write_text_file(Path(path), text, option="RESULT_FILE")


@dataclass
class ParsedResult:
    """A result file read back the way the competition's scorer reads it."""

    result: str
    x: list[float]
    y: list[float]


def parse_result_file(text: str) -> ParsedResult:
    """Reads a result file like the VNN-COMP scorer (raises ``ValueError`` where it would fail)."""
    lines = text.split("\n", 1)
    result = lines[0].strip()
    rest = lines[1] if len(lines) > 1 else ""
    content = rest.replace("\n", " ").strip()
    xs: list[float] = []
    ys: list[float] = []
    if result != "sat":
        return ParsedResult(result, xs, ys)
    if not (content.startswith("(") and content.endswith(")")):
        raise ValueError("witness is not parenthesised")
    for part in content[1:-1].split(")"):
        part = part.strip()
        if not part:
            continue
        if part[0] != "(":
            raise ValueError(f"bad witness item {part!r}")
        name, num = part[1:].split(" ")  # exactly one space, as the scorer requires
        if name.startswith("X_") and int(name[2:]) == len(xs):
            xs.append(float(num))
        elif name.startswith("Y_") and int(name[2:]) == len(ys):
            ys.append(float(num))
        else:
            raise ValueError(f"witness item {name!r} out of order")
    return ParsedResult(result, xs, ys)


# ------------------------------------------------------------------------------ instance CSVs


@dataclass
class Instance:
    """One row of an instance CSV, with paths resolved against the CSV's folder."""

    onnx: Path
    vnnlib: Path
    timeout: float
    onnx_text: str
    vnnlib_text: str


def read_instances(path: str | os.PathLike[str], *, check_files: bool = True) -> list[Instance]:
    """Reads VNN-COMP's ``onnx,vnnlib,timeout`` CSV (paths relative to the CSV's folder)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise InstancesError(f"{p}: cannot read the instance list: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise InstancesError(f"{p}: not UTF-8 text") from None
    out = []
    for ln, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or all(not c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        if len(row) != 3:
            raise InstancesError(f"{p}:{ln}: expected 3 columns onnx,vnnlib,timeout, found {len(row)}")
        o, v, t = (c.strip() for c in row)
        try:
            timeout = float(t)
        except ValueError:
            if ln == 1:
                continue  # a header row
            raise InstancesError(f"{p}:{ln}: timeout {t!r} is not a number") from None
        if not math.isfinite(timeout) or timeout < 0:
            raise InstancesError(f"{p}:{ln}: timeout {t!r} must be a finite number >= 0")
        onnx, vnn = p.parent / o, p.parent / v
        if check_files:
            for f in (onnx, vnn):
                if not f.is_file():
                    raise InstancesError(f"{p}:{ln}: {f} does not exist")
        out.append(Instance(onnx, vnn, timeout, o, v))
    if not out:
        raise InstancesError(f"{p}: no instances")
    return out


def results_csv_rows(rows: Iterable[tuple[str, str, str, float, str, float]]) -> str:
    """The results CSV text: ``category,onnx,vnnlib,prepare_seconds,result,run_seconds`` rows."""
    lines = []
    for cat, onnx, vnn, prep, res, run in rows:
        lines.append(f"{cat},{onnx},{vnn},{prep:.6f},{res},{run:.6f}")
    return "".join(f"{ln}\n" for ln in lines)


def read_truth(path: str | os.PathLike[str]) -> dict[tuple[str, str], str]:
    """``truth.csv`` (``benchmark,onnx,vnnlib,timeout,expected``) keyed by (onnx name, vnnlib name)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise InstancesError(f"{p}: cannot read the truth table: {e.strerror or e}") from None
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or not {"onnx", "vnnlib", "expected"} <= set(rows[0]):
        raise InstancesError(f"{p}: expected a CSV with columns onnx, vnnlib, expected")
    return {(Path(r["onnx"]).name, Path(r["vnnlib"]).name): r["expected"].strip() for r in rows}


# ------------------------------------------------------------------------------ prepare / run


def prepare_instance(category: str, onnx: str | os.PathLike[str], vnnlib: str | os.PathLike[str]) -> None:
    """Checks that the instance can be run: the model imports and the spec fits it (raises otherwise)."""
    from tlean.verify.falsify import load_model
    from tlean.verify.vnnlib import read_vnnlib

    fm = load_model(onnx)
    sp = read_vnnlib(vnnlib)
    sp.check_model(fm.n_inputs, fm.n_outputs)


#: Seconds kept back from the harness's timeout for start-up and writing the result.
TIMEOUT_MARGIN = 1.0


def run_instance(
    category: str,
    onnx: str | os.PathLike[str],
    vnnlib: str | os.PathLike[str],
    result_file: str | os.PathLike[str] | None,
    timeout: float,
    *,
    started: float | None = None,
    cert: str | os.PathLike[str] | None = None,
) -> tuple[str, object]:
    """Runs one instance and writes its result file; returns ``(text, report)``.

    A user error (model that cannot be imported, malformed spec, sizes that do not fit) writes
    ``error`` and re-raises. ``started`` is the process's start (``time.perf_counter()``) so the
    budget counts import time too.
    """
    import time

    from tlean.verify.instance import verify_instance

    t0 = started if started is not None else time.perf_counter()
    budget = max(0.0, timeout - TIMEOUT_MARGIN - (time.perf_counter() - t0)) if timeout > 0 else 0.0
    try:
        rep = verify_instance(onnx, vnnlib, timeout=budget, cert=cert)
    except TleanError:
        if result_file is not None:
            write_result_file(result_file, result_file_text("error"))
        raise
    if rep.result == "sat" and rep.counterexample is not None:
        text = result_file_text("sat", rep.counterexample.x, rep.counterexample.y)
    else:
        text = result_file_text("unknown" if rep.result == "sat" else rep.result)
    if result_file is not None:
        write_result_file(result_file, text)
    return text, rep
