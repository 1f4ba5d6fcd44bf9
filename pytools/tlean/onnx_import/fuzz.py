"""Byte-mutation fuzzing of the ONNX import: every mutant must end in a clean ``TleanError``
or a successful import, never another exception.

Used by ``tests/test_fuzz_import.py`` (a seeded sample over several small models) and by
``scripts/fuzz_import.py`` (long runs). Mutations act on the serialized bytes: flip bits,
overwrite bytes with boundary values, insert, delete, duplicate or truncate a span, and
overwrite a varint with a large or negative value — the shapes of damage a disk, a transfer
or a hostile file produces; and, for every other mutant, parse the model and set a few of its
number or string fields (dims, type codes, attribute values, op types) to boundary values,
which reaches the importer's deeper layers that byte damage rarely gets past.
"""

from __future__ import annotations

import signal
import tempfile
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from google.protobuf.descriptor import FieldDescriptor

from tlean.errors import TleanError
from tlean.onnx_import.loader import is_repeated

_BOUNDARY = (0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE, 0x3F, 0x40)


def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """One mutant of ``data`` (1 to 4 random edits)."""
    buf = bytearray(data)
    for _ in range(int(rng.integers(1, 5))):
        if not buf:
            break
        kind = int(rng.integers(0, 7))
        pos = int(rng.integers(0, len(buf)))
        if kind == 0:  # flip one bit
            buf[pos] ^= 1 << int(rng.integers(0, 8))
        elif kind == 1:  # boundary byte
            buf[pos] = _BOUNDARY[int(rng.integers(0, len(_BOUNDARY)))]
        elif kind == 2:  # random byte
            buf[pos] = int(rng.integers(0, 256))
        elif kind == 3:  # insert random bytes
            buf[pos:pos] = bytes(rng.integers(0, 256, int(rng.integers(1, 9)), dtype=np.uint8))
        elif kind == 4:  # delete a span
            del buf[pos : pos + int(rng.integers(1, 9))]
        elif kind == 5:  # duplicate a span
            span = bytes(buf[pos : pos + int(rng.integers(1, 17))])
            at = int(rng.integers(0, len(buf) + 1))
            buf[at:at] = span
        else:  # a large varint (e.g. a dim, a type code, a length)
            big = bytes([0xFF] * int(rng.integers(1, 10)) + [int(rng.integers(0, 0x80))])
            buf[pos : pos + 1] = big
    if rng.random() < 0.05 and len(buf) > 1:  # truncation
        del buf[int(rng.integers(1, len(buf))) :]
    return bytes(buf)


_INTS = (0, 1, -1, 2, 3, 7, 65, 1000, 2**31 - 1, -(2**31), 2**62, -(2**62))
_FLOATS = (0.0, -0.0, 1.0, -1.0, 0.5, 1e38, -1e38, float("inf"), float("-inf"), float("nan"), 1e-45)
_STRINGS = (
    "",
    "x",
    "y",
    "Relu",
    "Gather",
    "Resize",
    "LSTM",
    "Where",
    "Pow",
    "ai.onnx",
    "com.x",
    "NOTSET",
    "SAME_UPPER",
    "linear",
    "nearest",
    "cubic",
    "align_corners",
    "bidirectional",
    "\u00e9\u0000",
)


def _scalar_fields(msg: Any, out: list[tuple[Any, Any, int]]) -> None:
    """Every (message, field descriptor, index or -1) holding a number or a string, recursively."""
    for fd, value in msg.ListFields():
        repeated = is_repeated(fd)
        if fd.type == FieldDescriptor.TYPE_MESSAGE:
            for item in value if repeated else [value]:
                _scalar_fields(item, out)
        elif fd.type != FieldDescriptor.TYPE_BYTES:
            if repeated:
                n = len(value)
                for k in {0, n - 1, n // 2} if n else ():
                    out.append((msg, fd, k))
            else:
                out.append((msg, fd, -1))


def mutate_fields(data: bytes, rng: np.random.Generator) -> bytes:
    """A structural mutant: parse, set 1–3 scalar fields to boundary values, serialize."""
    import onnx

    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except Exception:  # noqa: BLE001 - not parseable: fall back to byte edits
        return mutate(data, rng)
    fields: list[tuple[Any, Any, int]] = []
    _scalar_fields(model, fields)
    for _ in range(int(rng.integers(1, 4))):
        if not fields:
            break
        msg, fd, k = fields[int(rng.integers(0, len(fields)))]
        if fd.type == FieldDescriptor.TYPE_STRING:
            v: Any = _STRINGS[int(rng.integers(0, len(_STRINGS)))]
        elif fd.type in (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE):
            v = _FLOATS[int(rng.integers(0, len(_FLOATS)))]
        elif fd.type == FieldDescriptor.TYPE_BOOL:
            v = bool(rng.integers(0, 2))
        else:
            v = _INTS[int(rng.integers(0, len(_INTS)))]
            if fd.type in (
                FieldDescriptor.TYPE_UINT32,
                FieldDescriptor.TYPE_UINT64,
                FieldDescriptor.TYPE_FIXED32,
                FieldDescriptor.TYPE_FIXED64,
            ):
                v = abs(v) % 2**32
            elif fd.type in (
                FieldDescriptor.TYPE_INT32,
                FieldDescriptor.TYPE_ENUM,
                FieldDescriptor.TYPE_SINT32,
                FieldDescriptor.TYPE_SFIXED32,
            ):
                v = int(np.int32(v % 2**32 - 2**32 if v % 2**32 >= 2**31 else v % 2**32))
        try:
            if k < 0:
                setattr(msg, fd.name, v)
            else:
                getattr(msg, fd.name)[k] = v
        except (TypeError, ValueError):
            continue
    try:
        return bytes(model.SerializeToString())
    except Exception:  # noqa: BLE001 - an unserializable mutant: use the bytes mutator instead
        return mutate(data, rng)


@dataclass
class FuzzReport:
    """Outcome counts and the tracebacks of mutants that ended in a non-``TleanError``."""

    mutants: int = 0
    imported: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    crashes: list[tuple[str, int, str]] = field(default_factory=list)  # (model, mutant seed, traceback)


def import_bytes(data: bytes, workdir: Path) -> None:
    """Imports ``data`` as an ONNX file (written under ``workdir``, as the CLI reads a path)."""
    from tlean.onnx_import import import_model

    path = workdir / "mutant.onnx"
    path.write_bytes(data)
    import_model(path, max_elements=1 << 22)


class MutantTimeout(Exception):
    """A mutant whose import ran longer than the fuzz's per-mutant time limit (a hang)."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise MutantTimeout("import did not finish within the time limit")


def fuzz(
    models: dict[str, bytes], n: int, seed: int, report: FuzzReport | None = None, timeout: float = 20.0
) -> FuzzReport:
    """Runs ``n`` mutants per model; mutant ``k`` of a model uses the seed ``(seed, k)``.

    A mutant whose import takes longer than ``timeout`` seconds is reported as a crash (on
    platforms with ``SIGALRM``, from the main thread).
    """
    report = report or FuzzReport()
    use_alarm = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGALRM, _on_alarm) if use_alarm else None
    try:
        _fuzz(models, n, seed, report, timeout if use_alarm else 0.0)
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    return report


def _fuzz(models: dict[str, bytes], n: int, seed: int, report: FuzzReport, timeout: float) -> None:
    with tempfile.TemporaryDirectory(prefix="tlean-fuzz-") as tmp:
        work = Path(tmp)
        for name, data in models.items():
            for k in range(n):
                rng = np.random.default_rng([seed, k, len(data)])
                mutant = mutate_fields(data, rng) if k % 2 else mutate(data, rng)
                report.mutants += 1
                try:
                    if timeout:
                        signal.setitimer(signal.ITIMER_REAL, timeout, timeout)  # repeats if swallowed
                    try:
                        import_bytes(mutant, work)
                    finally:
                        if timeout:
                            signal.setitimer(signal.ITIMER_REAL, 0)
                except TleanError as e:
                    report.refused[e.code] = report.refused.get(e.code, 0) + 1
                except RecursionError:  # pragma: no cover - reported like any crash
                    report.crashes.append((name, k, traceback.format_exc(limit=-8)))
                except Exception:  # noqa: BLE001 - the point: any non-TleanError is a finding
                    report.crashes.append((name, k, traceback.format_exc(limit=-8)))
                else:
                    report.imported += 1
