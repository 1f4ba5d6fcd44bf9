"""CLI commands about proofs: ``scan``, ``gate``, ``report`` (registered onto the main app).

This module only parses arguments, calls the library (:mod:`tlean.scan`, :mod:`tlean.gate`,
:mod:`tlean.audit`, :mod:`tlean.report`, :mod:`tlean.lake`) and renders with rich. Exit codes:
0 = clean (or only improvements / notices), 1 = the outcome is a failure (the gate found new
trust boundaries; the scan found a ``sorry``/``axiom``/...; unresolved names), 2 = a
:class:`~tlean.errors.TleanError` (bad file, missing lock, ...), mapped by ``handles_errors``.
"""

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tlean.audit import STANDARD_AXIOMS, Audit
from tlean.errors import UsageError

# Options shared by several commands (typer's Annotated style: no calls in defaults).
LockOpt = Annotated[Path, typer.Option("--lock", help="The committed lock file (tlean.lock.v1).")]
AllowOpt = Annotated[
    list[str] | None,
    typer.Option("--allow-axiom", help="An axiom that is allowed besides the lock's (repeatable)."),
]
AuditJsonOpt = Annotated[Path | None, typer.Option("--audit-json", help="Use this audit JSON instead of building.")]
RootOpt = Annotated[list[str] | None, typer.Option("--root", help="Root module(s) to audit [NN].")]
ProjectOpt = Annotated[Path, typer.Option("--project", help="The Lake package folder.")]
NoBuildOpt = Annotated[bool, typer.Option("--no-build", help="Do not run `lake build` first.")]

_SCAN_FAILING = frozenset({"sorry", "admit", "axiom", "native_decide", "set_option"})
_OUTPUT_FORMATS = ("text", "json", "sarif")


def _out() -> Console:
    return Console(soft_wrap=True, highlight=False)


def _err() -> Console:
    return Console(stderr=True, soft_wrap=True, highlight=False)


def _emit(text: str, output: Path | None) -> None:
    """Machine-readable output: to ``output`` when given, else to stdout, byte for byte."""
    import sys

    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _allowed(lock_allowed: Sequence[str] | None, extra: Sequence[str]) -> list[str]:
    base = list(lock_allowed) if lock_allowed is not None else list(STANDARD_AXIOMS)
    return sorted(set(base) | set(extra))


# ---------------------------------------------------------------------------------------------
# Rendering.


def _render_findings(findings: Sequence[Any], files: int, lines: int) -> None:
    out = _out()
    for f in findings:
        who = f" in {f.name}" if f.name else ""
        extra = f" ({f.detail})" if f.detail else ""
        style = "bold red" if f.kind in _SCAN_FAILING else "yellow"
        out.print(f"{f.file}:{f.line}:{f.column}: ", end="", markup=False)
        out.print(f"[{style}]{f.kind}[/]", end="")
        out.print(f"{who}{extra}", markup=False)
    failing = sum(1 for f in findings if f.kind in _SCAN_FAILING)
    summary = f"{len(findings)} finding(s), {failing} failing, in {files} file(s), {lines} line(s)"
    out.print(("[green]" if not findings else "[red]" if failing else "[yellow]") + summary + "[/]")


def _render_gate(result: Any, lock_path: Path) -> None:
    out = _out()
    src = result.source
    if result.passed:
        if result.up_to_date:
            out.print(f"[green]gate passed[/] ({src}): the lock file is up to date")
        else:
            out.print(f"[green]gate passed[/] ({src})")
    else:
        n = len(result.failures) + (len(result.notices) if result.strict else 0)
        out.print(f"[bold red]gate failed[/] ({src}): {n} new trust boundar{'y' if n == 1 else 'ies'}")
    for title, changes, sign, style in (
        ("new (failing)", result.failures, "+", "red"),
        (
            "new notices" + (" (failing: --strict)" if result.strict else ""),
            result.notices,
            "+",
            "yellow",
        ),
        ("removed (improvements)", result.removed, "-", "green"),
    ):
        if not changes:
            continue
        out.print(f"[bold]{title}:[/]")
        for c in changes:
            count = f" ×{abs(c.delta)}" if abs(c.delta) != 1 else ""
            out.print(f"  [{style}]{sign}[/] ", end="")
            out.print(f"{c.entry.describe()}{count}", markup=False)
            for loc in c.locations[:5]:
                out.print(f"      at {loc}", markup=False)
    if result.passed and not result.up_to_date:
        out.print(
            f"[cyan]hint:[/] record the new state with `tlean gate --lock {lock_path} --update` "
            "and commit the lock file",
        )
    elif not result.passed:
        out.print(
            "[cyan]hint:[/] remove the new sorry/axiom, or, if it is intended, accept it with "
            f"`tlean gate --lock {lock_path} --update` (reviewers will see the lock diff)",
        )


# ---------------------------------------------------------------------------------------------
# Shared steps.


def _build_and_audit(project: Path, roots: Sequence[str], build: bool) -> Audit:
    """``lake build`` with a progress bar and parsed diagnostics, then the audit executable."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from tlean.audit import run_audit
    from tlean.lake import lake_build, parse_progress

    err = _err()
    if build:
        with Progress(
            TextColumn("[bold]lake build[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task("", total=None)

            def on_line(line: str) -> None:
                p = parse_progress(line)
                if p is not None:
                    progress.update(task, completed=p.done, total=p.total, description=p.what)

            result = lake_build(project, on_line=on_line)
        warnings = [d for d in result.diagnostics if d.severity == "warning"]
        if warnings:
            table = Table("where", "warning", title=f"{len(warnings)} warning(s) from lake build")
            for d in warnings[:50]:
                table.add_row(f"{d.file}:{d.line}:{d.column}", d.message.splitlines()[0])
            err.print(table)
        err.print("[green]lake build[/] done")
    with err.status("running `lake exe tlean_audit` ..."):
        return run_audit(project, roots)


def _lock_or_none(path: Path) -> Any:
    from tlean.gate import load_lock

    return load_lock(path) if path.exists() else None


def register(app: typer.Typer, handles_errors: Callable[[Any], Any]) -> None:
    """Adds the proof commands to ``app``; ``handles_errors`` wraps each command."""

    @app.command("scan")
    @handles_errors
    def scan_cmd(
        paths: Annotated[list[Path], typer.Argument(help="Lean files or folders to scan.")],
        fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or sarif.")] = "text",
        output: Annotated[Path | None, typer.Option("--output", "-o", help="Write json/sarif to this file.")] = None,
        lock: Annotated[Path | None, typer.Option("--lock", help="Gate the findings against this lock file.")] = None,
        update: Annotated[bool, typer.Option("--update", help="With --lock: record the findings in the lock.")] = False,
        names: Annotated[bool, typer.Option("--names", help="Check that every NN.* name used is declared.")] = False,
        decl_root: Annotated[
            Path, typer.Option("--decl-root", help="--names: folder whose declarations count.")
        ] = Path("NN"),
        prefix: Annotated[str, typer.Option("--prefix", help="--names: the qualified-name prefix to check.")] = "NN",
        allow_axiom: AllowOpt = None,
        exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when there are findings.")] = False,
    ) -> None:
        """Static pre-flight of Lean sources; needs no toolchain.

        Reports sorry, admit, axiom, native_decide, the extern and implemented_by attributes,
        unsafe, partial, opaque and checking-off set_options with file:line:column. Exit 1 when a
        sorry/admit/axiom/native_decide/set_option is found (with --lock: when the gate fails).
        """
        from tlean.report import findings_to_sarif
        from tlean.scan import check_names, scan_paths

        if fmt not in _OUTPUT_FORMATS:
            raise UsageError(f"--format must be one of {', '.join(_OUTPUT_FORMATS)}, not {fmt!r}")
        if names:
            nres = check_names(paths, decl_root, prefix)
            if fmt == "json":
                _emit(nres.to_json_text(), output)
            else:
                out = _out()
                for r in nres.unresolved:
                    out.print(f"{r.file}:{r.line}:{r.column}: undeclared name {r.name}", markup=False)
                style = "green" if not nres.unresolved else "red"
                out.print(
                    f"[{style}]{len(nres.unresolved)} undeclared of {nres.references} reference(s) "
                    f"to {prefix}.* in {nres.files} file(s); {nres.declared} name(s) declared "
                    f"under {decl_root}[/]"
                )
            if nres.unresolved and not exit_zero:
                raise typer.Exit(1)
            return
        result = scan_paths(paths)
        if lock is not None:
            _gate_scan(result, lock, update, allow_axiom or [])
            return
        if fmt == "json":
            _emit(result.to_json_text(), output)
        elif fmt == "sarif":
            sarif = findings_to_sarif(result.findings)
            _emit(json.dumps(sarif, indent=2, sort_keys=True) + "\n", output)
        else:
            _render_findings(result.findings, result.files, result.lines)
        if not exit_zero and any(f.kind in _SCAN_FAILING for f in result.findings):
            raise typer.Exit(1)

    def _gate_scan(result: Any, lock: Path, update: bool, allow_axiom: list[str]) -> None:
        from tlean.gate import compare, from_scan, load_lock, updated_lock, write_lock

        existing = _lock_or_none(lock) if update else load_lock(lock)
        allowed = _allowed(existing.allowed_axioms if existing else None, allow_axiom)
        current = from_scan(result, allowed)
        if update:
            write_lock(lock, updated_lock(existing, current, allowed))
            n = sum(current.entries.values())
            _out().print(f"[green]wrote[/] {lock} (scan: {n} entr{'y' if n == 1 else 'ies'})")
            return
        gres = compare(existing, current)
        _render_gate(gres, lock)
        if not gres.passed:
            raise typer.Exit(1)

    @app.command("gate")
    @handles_errors
    def gate_cmd(
        lock: LockOpt,
        audit_json: AuditJsonOpt = None,
        from_scan: Annotated[
            list[Path] | None,
            typer.Option("--from-scan", help="Gate a static scan of this path (repeatable)."),
        ] = None,
        update: Annotated[bool, typer.Option("--update", help="Write the current state into the lock file.")] = False,
        allow_axiom: AllowOpt = None,
        strict: Annotated[
            bool, typer.Option("--strict", help="New extern/implemented_by/unsafe/partial fail.")
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
        root: RootOpt = None,
        project: ProjectOpt = Path("."),
        no_build: NoBuildOpt = False,
    ) -> None:
        """Compares the trust boundaries with the committed lock file.

        A new sorry, a new axiom or a declaration newly depending on a non-standard axiom fails
        (exit 1) with the difference; improvements pass (exit 0) and suggest --update.
        """
        from tlean.audit import load_audit
        from tlean.gate import compare, from_audit, load_lock, updated_lock, write_lock
        from tlean.gate import from_scan as gate_from_scan
        from tlean.scan import scan_paths

        if audit_json is not None and from_scan:
            raise UsageError("give either --audit-json or --from-scan, not both")
        existing = _lock_or_none(lock) if update else load_lock(lock)
        allowed = _allowed(existing.allowed_axioms if existing else None, allow_axiom or [])
        if from_scan:
            current = gate_from_scan(scan_paths(from_scan), allowed)
        else:
            if audit_json is not None:
                audit = load_audit(audit_json)
            else:
                audit = _build_and_audit(project, root or ["NN"], not no_build)
            current = from_audit(audit, allowed)
        if update:
            write_lock(lock, updated_lock(existing, current, allowed))
            n = sum(current.entries.values())
            _out().print(
                f"[green]wrote[/] {lock} ({current.source}: {n} entr{'y' if n == 1 else 'ies'}; "
                f"allowed axioms: {', '.join(allowed)})"
            )
            return
        result = compare(existing, current, strict=strict)
        if as_json:
            _emit(json.dumps(result.to_json(), indent=2, sort_keys=True) + "\n", None)
        else:
            _render_gate(result, lock)
        if not result.passed:
            raise typer.Exit(1)

    @app.command("report")
    @handles_errors
    def report_cmd(
        audit_json: Annotated[
            Path | None, typer.Option("--audit-json", help="Render this audit JSON (no build).")
        ] = None,
        out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out/proofs"),
        formats: Annotated[
            str, typer.Option("--formats", help="Comma-separated: json,md,html,sarif.")
        ] = "json,md,html,sarif",
        lock: Annotated[Path | None, typer.Option("--lock", help="Take the allowed axioms from this lock.")] = None,
        allow_axiom: AllowOpt = None,
        root: RootOpt = None,
        project: ProjectOpt = Path("."),
        no_build: NoBuildOpt = False,
    ) -> None:
        """Builds (lake build), audits and writes the proof report: JSON, Markdown, HTML, SARIF."""
        from tlean.audit import load_audit
        from tlean.gate import load_lock
        from tlean.report import build_report, write_report

        fmts = [f.strip() for f in formats.split(",") if f.strip()]
        lock_allowed = load_lock(lock).allowed_axioms if lock is not None else None
        allowed = _allowed(lock_allowed, allow_axiom or [])
        if audit_json is not None:
            audit = load_audit(audit_json)
        else:
            audit = _build_and_audit(project, root or ["NN"], not no_build)
        written = write_report(audit, out_dir, fmts, allowed)
        s = build_report(audit, allowed)["summary"]
        out = _out()
        style = "green" if not s["failing"] else "red"
        bounds = ", ".join(f"{k} {v}" for k, v in s["boundaries"].items()) or "none"
        out.print(
            f"[{style}]{s['theorems_proved']}/{s['theorems']} theorem(s) proved on allowed "
            f"axioms[/], {s['declarations']} declaration(s) in {s['modules']} module(s); "
            f"trust boundaries: {bounds}"
        )
        for fmt, path in written.items():
            out.print(f"  {fmt:6} {path}", markup=False)
