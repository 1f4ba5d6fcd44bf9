"""The CI gate: the trust boundaries of today compared with the committed lock file.

A lock file (``proofs.lock.json``, ``"format": "tlean.lock.v1"``) records the trust boundaries
the project has accepted, in one section per source:

```json
{
  "format": "tlean.lock.v1",
  "allowed_axioms": ["Classical.choice", "Quot.sound", "propext"],
  "audit": {"entries": [{"kind": "sorry", "name": "NN.foo", "detail": "sorryAx", "count": 1}]},
  "scan":  {"entries": [{"kind": "sorry", "name": "NN.foo", "detail": "", "file": "NN/A.lean",
                         "count": 1}]}
}
```

``audit`` entries come from the kernel-level audit (:mod:`tlean.audit`), ``scan`` entries from
the static scan (:mod:`tlean.scan`); an entry is identified by kind, declaration, detail (the
axiom or option) and, for the scan, the file — never by line, so moving code is not a change.

:func:`compare` gives a :class:`GateResult`: entries that are new (a new ``sorry``, a new
``axiom``, a declaration newly depending on a non-standard axiom, a new checking-off option:
these fail), new notices (``extern``/``implemented_by``/``unsafe``/``partial``/``opaque``: shown,
failing only with ``strict``) and removed entries (improvements: they pass, and
``tlean gate --update`` records them). Whether the gate fails is a value; the CLI turns it into
exit code 1.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tlean.audit import (
    FAILING_KINDS,
    STANDARD_AXIOMS,
    Audit,
    trust_boundaries,
)
from tlean.errors import TleanError
from tlean.scan import Finding, ScanResult

LOCK_FORMAT = "tlean.lock.v1"
GATE_FORMAT = "tlean.gate.v1"
Source = Literal["audit", "scan"]

#: Scan finding kinds as gate entry kinds (``admit`` is a ``sorry``; compiler-trusting proofs
#: are ``native`` as in the audit).
_SCAN_KIND = {"admit": "sorry", "native_decide": "native"}


class LockError(TleanError):
    """The lock file is missing, malformed, or has no section for the source being gated."""

    code = "lock"


@dataclass(frozen=True, order=True)
class Entry:
    """One accepted (or new) trust boundary; ``file`` is set for scan entries only."""

    kind: str
    name: str
    detail: str = ""
    file: str = ""

    def to_json(self, count: int) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "name": self.name, "detail": self.detail}
        if self.file:
            d["file"] = self.file
        d["count"] = count
        return d

    def describe(self) -> str:
        who = self.name or "(no declaration)"
        what = f" [{self.detail}]" if self.detail else ""
        where = f" in {self.file}" if self.file else ""
        return f"{self.kind}: {who}{what}{where}"


@dataclass
class Current:
    """The trust boundaries found now, with a source position for display."""

    source: Source
    entries: Counter[Entry]
    locations: dict[Entry, list[str]] = field(default_factory=dict)


def from_audit(audit: Audit, allowed: Iterable[str] = STANDARD_AXIOMS) -> Current:
    """Gate entries of an audit: one per (declaration, boundary)."""
    entries: Counter[Entry] = Counter()
    locs: dict[Entry, list[str]] = {}
    for b, d in trust_boundaries(audit.declarations, allowed):
        e = Entry(b.kind, b.name, b.detail)
        entries[e] += 1
        if d.line is not None:
            locs.setdefault(e, []).append(f"{d.source_file}:{d.line}:{d.column or 1}")
        else:
            locs.setdefault(e, []).append(d.source_file)
    return Current("audit", entries, locs)


def from_scan(result: ScanResult | Sequence[Finding], allowed: Iterable[str] = STANDARD_AXIOMS) -> Current:
    """Gate entries of a static scan: one per finding (several per declaration counted)."""
    findings = result.findings if isinstance(result, ScanResult) else result
    allow = set(allowed)
    entries: Counter[Entry] = Counter()
    locs: dict[Entry, list[str]] = {}
    for f in findings:
        if f.kind == "axiom" and f.name in allow:
            continue
        e = Entry(
            _SCAN_KIND.get(f.kind, f.kind),
            f.name,
            f.detail if f.kind == "set_option" else "",
            f.file,
        )
        entries[e] += 1
        locs.setdefault(e, []).append(f"{f.file}:{f.line}:{f.column}")
    return Current("scan", entries, locs)


# ---------------------------------------------------------------------------------------------
# Lock file.


@dataclass
class Lock:
    """A parsed lock file: the allow-list and the accepted entries of each source."""

    allowed_axioms: list[str] = field(default_factory=lambda: list(STANDARD_AXIOMS))
    sections: dict[str, Counter[Entry]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": LOCK_FORMAT, "allowed_axioms": sorted(self.allowed_axioms)}
        for source in ("audit", "scan"):
            if source in self.sections:
                c = self.sections[source]
                out[source] = {"entries": [e.to_json(c[e]) for e in sorted(c)]}
        return out

    def to_json_text(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _lock_err(path: Path, what: str) -> LockError:
    return LockError(
        f"{path}: {what}; fix the file, or delete it and record the current state with "
        f"`tlean gate --lock {path} --from-scan NN --update` (or --audit-json AUDIT.json instead of --from-scan)"
    )


def parse_lock(text: str, path: Path) -> Lock:
    """Parses lock file text; :class:`LockError` names what is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise _lock_err(path, f"not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    if not isinstance(data, dict):
        raise _lock_err(path, "expected a JSON object")
    if data.get("format") != LOCK_FORMAT:
        raise _lock_err(path, f'"format" is {data.get("format")!r}, expected {LOCK_FORMAT!r}')
    allowed = data.get("allowed_axioms", list(STANDARD_AXIOMS))
    if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
        raise _lock_err(path, '"allowed_axioms" must be a list of axiom names')
    lock = Lock(allowed_axioms=list(allowed))
    for source in ("audit", "scan"):
        if source not in data:
            continue
        sec = data[source]
        if not isinstance(sec, dict) or not isinstance(sec.get("entries"), list):
            raise _lock_err(path, f'"{source}" must be an object with an "entries" list')
        counter: Counter[Entry] = Counter()
        for i, raw in enumerate(sec["entries"]):
            if not isinstance(raw, dict) or not isinstance(raw.get("kind"), str):
                raise _lock_err(path, f'{source}.entries[{i}] must be an object with a "kind"')
            try:
                count = int(raw.get("count", 1))
                entry = Entry(
                    str(raw["kind"]),
                    str(raw.get("name", "")),
                    str(raw.get("detail", "")),
                    str(raw.get("file", "")),
                )
            except (TypeError, ValueError):
                raise _lock_err(path, f"{source}.entries[{i}] is malformed") from None
            if count < 1:
                raise _lock_err(path, f"{source}.entries[{i}].count must be >= 1")
            counter[entry] += count
        lock.sections[source] = counter
    return lock


def load_lock(path: str | Path) -> Lock:
    """Reads a lock file; a missing or malformed file is a :class:`LockError`."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LockError(
            f"{p}: lock file not found; create it from the current state with "
            f"`tlean gate --lock {p} --from-scan NN --update` (static scan) and/or "
            f"`tlean gate --lock {p} --audit-json AUDIT.json --update` (recorded audit), and commit it"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise LockError(f"{p}: cannot be read ({e})") from None
    return parse_lock(text, p)


def write_lock(path: str | Path, lock: Lock) -> None:
    """Writes ``lock`` atomically (temporary file + rename)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tlean-lock-", dir=str(p.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(lock.to_json_text())
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def updated_lock(existing: Lock | None, current: Current, allowed: Sequence[str]) -> Lock:
    """``existing`` with the section of ``current.source`` replaced by the current entries."""
    lock = Lock(allowed_axioms=sorted(set(allowed)), sections=dict(existing.sections) if existing else {})
    lock.sections[current.source] = Counter(current.entries)
    return lock


# ---------------------------------------------------------------------------------------------
# Comparison.


@dataclass(frozen=True)
class Change:
    """An entry whose count went up (``delta > 0``) or down (``delta < 0``)."""

    entry: Entry
    delta: int
    locations: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        d = self.entry.to_json(abs(self.delta))
        d["locations"] = list(self.locations)
        return d


@dataclass(frozen=True)
class GateResult:
    """The outcome of the gate: what is new (failing / notices) and what went away."""

    source: Source
    failures: tuple[Change, ...]
    notices: tuple[Change, ...]
    removed: tuple[Change, ...]
    strict: bool = False

    @property
    def passed(self) -> bool:
        return not self.failures and not (self.strict and self.notices)

    @property
    def up_to_date(self) -> bool:
        return not (self.failures or self.notices or self.removed)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": GATE_FORMAT,
            "source": self.source,
            "passed": self.passed,
            "up_to_date": self.up_to_date,
            "failures": [c.to_json() for c in self.failures],
            "notices": [c.to_json() for c in self.notices],
            "removed": [c.to_json() for c in self.removed],
        }


def compare(lock: Lock, current: Current, strict: bool = False, update_hint: str | None = None) -> GateResult:
    """Compares the current entries with the lock's section for the same source.

    ``update_hint`` is the command that records the current state (named in the error when the
    lock has no section for this source)."""
    if current.source not in lock.sections:
        other = ", ".join(sorted(lock.sections)) or "none"
        how = (
            f"`{update_hint}`"
            if update_hint
            else (
                "`tlean gate --lock LOCK --from-scan PATH --update`"
                if current.source == "scan"
                else "`tlean gate --lock LOCK --audit-json AUDIT.json --update`"
            )
        )
        raise LockError(
            f'the lock file has no "{current.source}" section (it has: {other}); record the current '
            f"{current.source} state with {how}, review the entries it lists, and commit the lock file"
        )
    locked = lock.sections[current.source]
    failures: list[Change] = []
    notices: list[Change] = []
    removed: list[Change] = []
    for e in sorted(set(locked) | set(current.entries)):
        delta = current.entries.get(e, 0) - locked.get(e, 0)
        if delta > 0:
            c = Change(e, delta, tuple(current.locations.get(e, ())))
            (failures if e.kind in FAILING_KINDS else notices).append(c)
        elif delta < 0:
            removed.append(Change(e, delta))
    return GateResult(current.source, tuple(failures), tuple(notices), tuple(removed), strict)
