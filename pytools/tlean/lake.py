"""Finding and running the Lean toolchain (``elan``, ``lake``, ``lean``) as subprocesses.

- :func:`find_tool` / :func:`toolchain`: where ``lake``/``lean``/``elan`` are on ``PATH`` and
  which versions they report.
- :func:`run_lake`: runs ``lake`` with a line callback (for progress display) and returns a
  :class:`LakeResult` with the diagnostics parsed out of its log.
- :func:`parse_lean_json`: Lean's own structured messages (``lean --json``, one JSON object per
  line), the preferred source of diagnostics wherever a command can emit them.

``lake build`` has no JSON output (``--json`` only applies to ``lake query``), so its log is
parsed by *structure*: a diagnostic is a line ``[severity: ]FILE:LINE:COL: [severity: ]TEXT``
and the indented lines after it; progress lines are ``[i/n] ...``. Message text is never
matched.

The library never prints; failures to start a tool are :class:`LakeError`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tlean.errors import TleanError


class LakeError(TleanError):
    """``lake`` (or ``lean``) is missing, cannot be started, or timed out."""

    code = "lake"


class LakeBuildError(TleanError):
    """``lake build`` failed; the message lists the errors Lean reported."""

    code = "lake-build"

    def __init__(self, message: str, result: LakeResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class Tool:
    """One toolchain executable: its path on ``PATH`` (or ``None``) and reported version."""

    name: str
    path: str | None
    version: str | None

    @property
    def found(self) -> bool:
        return self.path is not None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "version": self.version}


def find_tool(name: str, timeout: float = 20.0) -> Tool:
    """Looks ``name`` up on ``PATH`` and asks it for ``--version`` (first output line)."""
    path = shutil.which(name)
    if path is None:
        return Tool(name, None, None)
    try:
        proc = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return Tool(name, path, None)
    text = (proc.stdout or proc.stderr).strip()
    return Tool(name, path, text.splitlines()[0] if text else None)


def toolchain() -> dict[str, Tool]:
    """``elan``, ``lake`` and ``lean`` as found on ``PATH``."""
    return {n: find_tool(n) for n in ("elan", "lake", "lean")}


def lake_available() -> bool:
    """True when a ``lake`` executable is on ``PATH``."""
    return shutil.which("lake") is not None


# ---------------------------------------------------------------------------------------------
# Diagnostics.


@dataclass(frozen=True)
class Diagnostic:
    """One message Lean reported about a source position (lines 1-based, columns 1-based)."""

    severity: str
    file: str
    line: int
    column: int
    message: str
    end_line: int | None = None
    end_column: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "message": self.message,
        }


_SEVERITIES = ("error", "warning", "info", "information")
_DIAG_RE = re.compile(
    r"^(?:(?P<sev1>error|warning|info|information): )?"
    r"(?P<file>[^\s:][^:\n]*\.lean):(?P<line>\d+):(?P<col>\d+)"
    r"(?:-(?P<eline>\d+):(?P<ecol>\d+))?: "
    r"(?:(?P<sev2>error|warning|info|information): )?(?P<msg>.*)$"
)
_ENTRY_START_RE = re.compile(
    r"^(?:(?:error|warning|info|information|trace)\b|\S*\s*\[\d+/\d+\]"
    r"|Build completed|Some required builds)"
)
_PROGRESS_RE = re.compile(r"^\S*\s*\[(?P<i>\d+)/(?P<n>\d+)\]\s+(?P<what>.*)$")


_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _clean_line(line: str) -> str:
    """A log line without ANSI escapes; of a ``\\r``-overwritten line, the last state."""
    line = _ANSI_RE.sub("", line.rstrip("\n"))
    return line.rsplit("\r", 1)[-1] if "\r" in line else line


def _norm_severity(s: str | None) -> str:
    if s in ("info", "information"):
        return "info"
    return s or "error"


def _clean_path(p: str) -> str:
    while p.startswith("./"):
        p = p[2:]
    return p


def parse_lake_log(lines: Iterable[str]) -> list[Diagnostic]:
    """Diagnostics in a ``lake build`` / ``lean`` text log, with continuation lines joined."""
    out: list[Diagnostic] = []
    cur: dict[str, Any] | None = None
    msg_lines: list[str] = []

    def flush() -> None:
        if cur is not None:
            out.append(Diagnostic(message="\n".join(msg_lines).rstrip(), **cur))

    for raw in lines:
        line = _clean_line(raw)
        m = _DIAG_RE.match(line)
        if m:
            flush()
            cur = {
                "severity": _norm_severity(m.group("sev1") or m.group("sev2")),
                "file": _clean_path(m.group("file")),
                "line": int(m.group("line")),
                "column": int(m.group("col")) + 1,
                "end_line": int(m.group("eline")) if m.group("eline") else None,
                "end_column": int(m.group("ecol")) + 1 if m.group("ecol") else None,
            }
            msg_lines = [m.group("msg")]
        elif cur is not None and not _ENTRY_START_RE.match(line):
            # Lean prints multi-line messages as they are; a line belongs to the current
            # diagnostic until the next log entry (severity prefix, progress line, summary)
            msg_lines.append(line)
        else:
            flush()
            cur = None
            msg_lines = []
    flush()
    return out


def parse_lean_json(lines: Iterable[str]) -> list[Diagnostic]:
    """Diagnostics from Lean's ``--json`` output (one message object per line).

    Each object has ``severity``, ``fileName``, ``pos`` (``line`` 1-based, ``column`` 0-based),
    optional ``endPos`` and ``data`` (the message); lines that are not JSON objects are skipped.
    """
    out: list[Diagnostic] = []
    for raw in lines:
        raw = raw.strip()
        if not raw.startswith("{"):
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if not isinstance(obj, dict) or "pos" not in obj:
            continue
        pos = obj.get("pos") or {}
        end = obj.get("endPos") or {}
        out.append(
            Diagnostic(
                severity=_norm_severity(obj.get("severity")),
                file=_clean_path(str(obj.get("fileName", ""))),
                line=int(pos.get("line", 0)),
                column=int(pos.get("column", 0)) + 1,
                message=str(obj.get("data", "")),
                end_line=int(end["line"]) if "line" in end else None,
                end_column=int(end["column"]) + 1 if "column" in end else None,
            )
        )
    return out


@dataclass(frozen=True)
class Progress:
    """One ``[i/n] what`` progress line of ``lake build``."""

    done: int
    total: int
    what: str


def parse_progress(line: str) -> Progress | None:
    """The progress counter of a ``lake build`` log line, or ``None``."""
    m = _PROGRESS_RE.match(_clean_line(line).strip())
    if m is None:
        return None
    return Progress(int(m.group("i")), int(m.group("n")), m.group("what"))


# ---------------------------------------------------------------------------------------------
# Running lake.


@dataclass(frozen=True)
class LakeResult:
    """The outcome of one ``lake`` run."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    diagnostics: tuple[Diagnostic, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def run_lake(
    args: Sequence[str],
    cwd: str | Path,
    on_line: Callable[[str], None] | None = None,
    timeout: float | None = None,
    lake: str | None = None,
) -> LakeResult:
    """Runs ``lake ARGS`` in ``cwd``; stdout is kept apart, stderr and stdout log lines are
    passed to ``on_line`` as they arrive and parsed into diagnostics at the end."""
    exe = lake or shutil.which("lake")
    if exe is None:
        raise LakeError(
            "`lake` is not on PATH; install the toolchain with elan "
            "(https://github.com/leanprover/elan) and run from the repository root"
        )
    cmd = [exe, *args]
    env = dict(os.environ)
    env.setdefault("NO_COLOR", "1")
    try:
        proc = subprocess.Popen(
            cmd,
            cwd=str(cwd),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if on_line is not None else subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=env,
        )
    except OSError as e:
        raise LakeError(f"cannot start {exe}: {e.strerror}") from None
    if on_line is not None:
        # merged stream: every line is shown; stdout is the whole log
        log: list[str] = []
        assert proc.stdout is not None
        for line in proc.stdout:
            log.append(line)
            on_line(line.rstrip("\n"))
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise LakeError(f"`lake {' '.join(args)}` timed out after {timeout} s") from None
        stdout, stderr = "".join(log), ""
    else:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise LakeError(f"`lake {' '.join(args)}` timed out after {timeout} s") from None
        rc = proc.returncode
    text = stdout + "\n" + stderr
    diags = tuple(parse_lake_log(text.splitlines()))
    return LakeResult(tuple(args), rc, stdout, stderr, diags)


def lake_build(
    cwd: str | Path,
    targets: Sequence[str] = (),
    on_line: Callable[[str], None] | None = None,
    timeout: float | None = None,
) -> LakeResult:
    """``lake build [TARGETS]``; a failed build raises :class:`LakeBuildError` listing the
    errors (each as ``file:line:col``)."""
    result = run_lake(["build", *targets], cwd, on_line=on_line, timeout=timeout)
    if not result.ok:
        errs = result.errors
        lines = [f"`lake build {' '.join(targets)}` failed (exit code {result.returncode})"]
        if errs:
            lines.append(f"{len(errs)} error(s):")
            lines += [f"  {d.file}:{d.line}:{d.column}: {d.message.splitlines()[0]}" for d in errs]
        else:
            tail = (result.stdout + result.stderr).strip().splitlines()[-15:]
            lines += ["last lines of the log:", *("  " + t for t in tail)]
        raise LakeBuildError("\n".join(lines), result)
    return result
