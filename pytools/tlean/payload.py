"""The ``.tlp`` payload: weights (and run inputs/outputs) as binary32 bit patterns.

Format: ``docs/payload.md``. The writer streams one tensor at a time and hashes while it writes;
the reader checks every structural rule of the format before returning anything.
"""

from __future__ import annotations

import hashlib
import math
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from tlean.errors import TleanError

MAGIC = b"TLEANPAY"
VERSION = 1
ALIGN = 64


class PayloadError(TleanError):
    """A payload file is missing, malformed, truncated or not the one a model pins."""

    code = "payload"


@dataclass(frozen=True)
class Entry:
    """One tensor of the table: name, shape, where its bytes are."""

    name: str
    shape: tuple[int, ...]
    offset: int
    nbytes: int


def _align(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


def _entry_bytes(name: str, shape: tuple[int, ...], offset: int, nbytes: int) -> bytes:
    raw = name.encode("utf-8")
    return (
        struct.pack("<I", len(raw))
        + raw
        + struct.pack("<I", len(shape))
        + b"".join(struct.pack("<Q", d) for d in shape)
        + struct.pack("<QQ", offset, nbytes)
    )


def layout(tensors: Iterable[tuple[str, tuple[int, ...]]]) -> tuple[bytes, list[Entry], int]:
    """The header bytes (padded to ``data_start``), the entries, and the total file size."""
    items = [(n, tuple(int(d) for d in s)) for n, s in tensors]
    table_len = sum(len(_entry_bytes(n, s, 0, 0)) for n, s in items)
    data_start = _align(24 + table_len)
    entries, pos = [], data_start
    for name, shape in items:
        nbytes = 4 * math.prod(shape)
        entries.append(Entry(name, shape, pos, nbytes))
        pos = _align(pos + nbytes)
    header = MAGIC + struct.pack("<IIQ", VERSION, len(items), data_start)
    header += b"".join(_entry_bytes(e.name, e.shape, e.offset, e.nbytes) for e in entries)
    header += b"\0" * (data_start - len(header))
    return header, entries, pos


def write_payload(
    path: str | os.PathLike[str],
    tensors: Iterable[tuple[str, np.ndarray]] | dict[str, np.ndarray],
    *,
    shapes: list[tuple[str, tuple[int, ...]]] | None = None,
) -> str:
    """Writes ``tensors`` (name, float32 array) to ``path``; returns the file's SHA-256 (hex).

    With ``shapes`` given up front, ``tensors`` may be a generator producing one array at a time
    (so a large model never needs all its weights in memory at once)."""
    items: Iterable[tuple[str, np.ndarray]] = tensors.items() if isinstance(tensors, dict) else tensors
    if shapes is None:
        items = list(items)
        shapes = [(n, tuple(a.shape)) for n, a in items]
    header, entries, total = layout(shapes)
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        f.write(header)
        digest.update(header)
        pos = len(header)
        count = 0
        for entry, (name, arr) in zip(entries, items, strict=True):
            if name != entry.name or tuple(arr.shape) != entry.shape:
                raise ValueError(
                    f"tensor {name!r} {arr.shape} does not match the declared {entry.name!r} {entry.shape}"
                )
            data = memoryview(np.ascontiguousarray(arr, dtype="<f4").reshape(-1).view(np.uint8))  # type: ignore[arg-type]  # no copy
            pad = b"\0" * (_align(pos + len(data)) - pos - len(data))
            for chunk in (data, pad):
                f.write(chunk)
                digest.update(chunk)
            pos += len(data) + len(pad)
            count += 1
        if count != len(entries):
            raise ValueError(f"{len(entries)} tensors declared, {count} written")
        assert pos == total
    return digest.hexdigest()


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _read_exact(f: BinaryIO, n: int, what: str, path: Path) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise PayloadError(f"{path}: truncated while reading {what}")
    return data


def read_table(path: str | os.PathLike[str]) -> list[Entry]:
    """Parses and checks the header of a payload (every rule of docs/payload.md)."""
    p = Path(path)
    if not p.is_file():
        raise PayloadError(f"{p}: payload file not found")
    size = p.stat().st_size
    with p.open("rb") as f:
        head = _read_exact(f, 24, "the header", p)
        if head[:8] != MAGIC:
            raise PayloadError(f"{p}: not a tlean payload (bad magic {head[:8]!r})")
        version, count, data_start = struct.unpack("<IIQ", head[8:])
        if version != VERSION:
            raise PayloadError(f"{p}: payload version {version}, this tlean reads version {VERSION}")
        if data_start % ALIGN or data_start > size:
            raise PayloadError(f"{p}: data start {data_start} is not 64-aligned or lies past the end ({size} bytes)")
        if 24 + 24 * count > data_start:  # an entry takes at least 24 bytes
            raise PayloadError(f"{p}: a table of {count} tensors runs past the data start {data_start}")
        entries: list[Entry] = []
        pos = 24
        expect = data_start
        for k in range(count):
            if pos + 4 > data_start:
                raise PayloadError(f"{p}: tensor table entry {k} runs past the data start")
            (nlen,) = struct.unpack("<I", _read_exact(f, 4, f"entry {k}", p))
            if pos + 8 + nlen > data_start:
                raise PayloadError(f"{p}: tensor table entry {k} runs past the data start")
            try:
                name = _read_exact(f, nlen, f"entry {k} name", p).decode("utf-8")
            except UnicodeDecodeError:
                raise PayloadError(f"{p}: entry {k} has a name that is not UTF-8") from None
            (rank,) = struct.unpack("<I", _read_exact(f, 4, f"entry {k} rank", p))
            if pos + 8 + nlen + 8 * rank + 16 > data_start:
                raise PayloadError(f"{p}: tensor table entry {k} runs past the data start")
            dims = struct.unpack(f"<{rank}Q", _read_exact(f, 8 * rank, f"entry {k} dims", p))
            offset, nbytes = struct.unpack("<QQ", _read_exact(f, 16, f"entry {k} offsets", p))
            pos += 4 + nlen + 4 + 8 * rank + 16
            if nbytes != 4 * math.prod(dims):
                raise PayloadError(f"{p}: tensor {name!r} has {nbytes} bytes for shape {list(dims)}")
            if offset != expect:
                raise PayloadError(f"{p}: tensor {name!r} at offset {offset}, expected {expect}")
            if offset + nbytes > size:
                raise PayloadError(f"{p}: tensor {name!r} runs past the end of the file (truncated?)")
            entries.append(Entry(name, tuple(dims), offset, nbytes))
            expect = _align(offset + nbytes)
        if data_start != _align(pos):
            raise PayloadError(f"{p}: data start {data_start} is not the table's end {pos} rounded up to 64")
        if size != expect:
            raise PayloadError(f"{p}: file is {size} bytes, the table says {expect} (truncated or extended?)")
    return entries


def read_payload(path: str | os.PathLike[str], *, expected_sha256: str | None = None) -> dict[str, np.ndarray]:
    """All tensors of a payload as float32 arrays, after checking the table (and the hash)."""
    entries = read_table(path)
    if expected_sha256 is not None:
        got = sha256_file(path)
        if got != expected_sha256.lower():
            raise PayloadError(f"{path}: SHA-256 {got} differs from the pinned {expected_sha256}")
    out: dict[str, np.ndarray] = {}
    with open(path, "rb") as f:
        for e in entries:
            f.seek(e.offset)
            data = f.read(e.nbytes)
            out[e.name] = np.frombuffer(data, dtype="<f4").astype(np.float32).reshape(e.shape)
    return out


def iter_arrays(params: dict[str, np.ndarray], names: list[str]) -> Iterator[tuple[str, np.ndarray]]:
    for n in names:
        yield n, params[n]
