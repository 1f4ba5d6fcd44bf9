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
from tlean.cli_common import ExitZeroOpt, JsonOpt, OutputOpt, emit, print_json, verdict
from tlean.errors import ToolchainMissingError, UsageError

# Options shared by several commands (typer's Annotated style: no calls in defaults).
LockOpt = Annotated[Path, typer.Option("--lock", help="The committed lock file (tlean.lock.v1).")]
AllowOpt = Annotated[
    list[str] | None,
    typer.Option("--allow-axiom", help="An axiom that is allowed besides the lock's (repeatable)."),
]
AuditJsonOpt = Annotated[Path | None, typer.Option("--audit-json", help="Use this audit JSON instead of building.")]
RootOpt = Annotated[list[str] | None, typer.Option("--root", help="Root module(s) to audit [NN] (repeatable).")]
ProjectOpt = Annotated[Path, typer.Option("--project", help="The Lake package folder.")]
NoBuildOpt = Annotated[bool, typer.Option("--no-build", help="Do not run `lake build` first.")]

_SCAN_FAILING = frozenset({"sorry", "admit", "axiom", "native_decide", "set_option"})
_OUTPUT_FORMATS = ("text", "json", "sarif")


def _out() -> Console:
    return Console(soft_wrap=True, highlight=False)


def _err() -> Console:
    return Console(stderr=True, soft_wrap=True, highlight=False)


def _emit(text: str, output: Path | None) -> None:
    emit(text, output)


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


def _render_gate(result: Any, update_cmd: str) -> None:
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
    _render_changes(result)
    if result.passed and not result.up_to_date:
        out.print(f"[cyan]hint:[/] record the new state with `{update_cmd}` and commit the lock file")
    elif not result.passed:
        out.print(
            "[cyan]hint:[/] remove the new sorry/axiom, or, if it is intended, accept it with "
            f"`{update_cmd}` (reviewers will see the lock diff)",
        )


def _render_changes(result: Any, titles: tuple[str, str, str] | None = None) -> None:
    out = _out()
    t_fail, t_notice, t_removed = titles or (
        "new (failing)",
        "new notices" + (" (failing: --strict)" if result.strict else ""),
        "removed (improvements)",
    )
    for title, changes, sign, style in (
        (t_fail, result.failures, "+", "red"),
        (t_notice, result.notices, "+", "yellow"),
        (t_removed, result.removed, "-", "green"),
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


def _update_command(lock: Path, *, from_scan: Sequence[Path] | None = None, audit_json: Path | None = None) -> str:
    """The ``--update`` command for the same mode as the gate that ran (scan, audit JSON, build)."""
    if from_scan:
        src = " ".join(f"--from-scan {p}" for p in from_scan)
    elif audit_json is not None:
        src = f"--audit-json {audit_json}"
    else:
        src = ""
    return " ".join(x for x in ("tlean gate --lock", str(lock), src, "--update") if x)


def _write_update(lock: Path, existing: Any, current: Any, allowed: list[str], as_json: bool) -> None:
    """``--update``: writes the lock and names every entry it accepts or drops."""
    from tlean.gate import Lock, compare, updated_lock, write_lock

    base = existing if existing is not None else Lock(allowed_axioms=allowed)
    if current.source not in base.sections:
        base = updated_lock(base, current.__class__(current.source, current.entries.__class__()), allowed)
    diff = compare(base, current)
    write_lock(lock, updated_lock(existing, current, allowed))
    n = sum(current.entries.values())
    accepted = [*diff.failures, *diff.notices]
    if as_json:
        data = diff.to_json()
        data.update(
            {
                "format": "tlean.gate-update.v1",
                "lock": str(lock),
                "entries": n,
                "allowed_axioms": allowed,
                "accepted": [c.to_json() for c in accepted],
            }
        )
        print_json(data)
        return
    out = _out()
    out.print(
        f"[green]wrote[/] {lock} ({current.source}: {n} entr{'y' if n == 1 else 'ies'}; "
        f"allowed axioms: {', '.join(allowed)})",
        highlight=False,
    )
    _render_changes(
        diff,
        (
            "accepted, new trust boundaries now in the lock (failing kinds!)",
            "accepted, new notices",
            "removed from the lock (improvements)",
        ),
    )
    if diff.failures:
        out.print(
            f"[bold yellow]warning:[/] {len(diff.failures)} new sorry/axiom/native entr"
            f"{'y' if len(diff.failures) == 1 else 'ies'} accepted; the lock diff shows them to reviewers"
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
        as_json: JsonOpt = False,
        output: OutputOpt = None,
        lock: Annotated[Path | None, typer.Option("--lock", help="Gate the findings against this lock file.")] = None,
        update: Annotated[bool, typer.Option("--update", help="With --lock: record the findings in the lock.")] = False,
        names: Annotated[bool, typer.Option("--names", help="Check that every NN.* name used is declared.")] = False,
        decl_root: Annotated[
            Path, typer.Option("--decl-root", help="--names: folder whose declarations count.")
        ] = Path("NN"),
        prefix: Annotated[str, typer.Option("--prefix", help="--names: the qualified-name prefix to check.")] = "NN",
        allow_axiom: AllowOpt = None,
        exit_zero: ExitZeroOpt = False,
    ) -> None:
        """Static pre-flight of Lean sources; needs no toolchain.

        Reports sorry, admit, axiom, native_decide, the extern and implemented_by attributes,
        unsafe, partial, opaque and checking-off set_options with file:line:column. Exit 1 when a
        sorry/admit/axiom/native_decide/set_option is found (with --lock: when the gate fails).
        --json is --format json.
        """
        from tlean.report import findings_to_sarif
        from tlean.scan import check_names, scan_paths

        if fmt not in _OUTPUT_FORMATS:
            raise UsageError(f"--format must be one of {', '.join(_OUTPUT_FORMATS)}, not {fmt!r}")
        if as_json and fmt not in ("text", "json"):
            raise UsageError(f"--json is --format json; it cannot be combined with --format {fmt}")
        if as_json:
            fmt = "json"
        if fmt not in _OUTPUT_FORMATS:
            raise UsageError(f"--format must be one of {', '.join(_OUTPUT_FORMATS)}, not {fmt!r}")
        if names:
            nres = check_names(paths, decl_root, prefix)
            if fmt != "text":
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
            verdict(not nres.unresolved, exit_zero=exit_zero)
            return
        result = scan_paths(paths)
        if lock is not None:
            _gate_scan(result, paths, lock, update, allow_axiom or [], fmt == "json", exit_zero)
            return
        if fmt == "json":
            _emit(result.to_json_text(), output)
        elif fmt == "sarif":
            sarif = findings_to_sarif(result.findings)
            _emit(json.dumps(sarif, indent=2, sort_keys=True) + "\n", output)
        else:
            _render_findings(result.findings, result.files, result.lines)
        verdict(not any(f.kind in _SCAN_FAILING for f in result.findings), exit_zero=exit_zero)

    def _gate_scan(
        result: Any, paths: list[Path], lock: Path, update: bool, allow_axiom: list[str], as_json: bool, exit_zero: bool
    ) -> None:
        from tlean.gate import compare, from_scan, load_lock

        existing = _lock_or_none(lock) if update else load_lock(lock)
        allowed = _allowed(existing.allowed_axioms if existing else None, allow_axiom)
        current = from_scan(result, allowed)
        if update:
            _write_update(lock, existing, current, allowed, as_json)
            return
        gres = compare(existing, current, update_hint=_update_command(lock, from_scan=paths))
        if as_json:
            print_json(gres.to_json())
        else:
            _render_gate(gres, _update_command(lock, from_scan=paths))
        verdict(gres.passed, exit_zero=exit_zero)

    @app.command("gate")
    @handles_errors
    def gate_cmd(
        lock: LockOpt,
        audit_json: AuditJsonOpt = None,
        from_scan: Annotated[
            list[Path] | None,
            typer.Option("--from-scan", help="Gate a static scan of this path (repeatable); needs no toolchain."),
        ] = None,
        update: Annotated[
            bool, typer.Option("--update", help="Write the current state into the lock file (lists what it accepts).")
        ] = False,
        allow_axiom: AllowOpt = None,
        strict: Annotated[
            bool, typer.Option("--strict", help="New extern/implemented_by/unsafe/partial fail.")
        ] = False,
        as_json: JsonOpt = False,
        output: OutputOpt = None,
        root: RootOpt = None,
        project: ProjectOpt = Path("."),
        no_build: NoBuildOpt = False,
        exit_zero: ExitZeroOpt = False,
    ) -> None:
        """Compares the trust boundaries with the committed lock file.

        Three modes: --from-scan PATH (static scan, no toolchain), --audit-json FILE (a recorded
        `lake exe tlean_audit` / `tlean report` audit, no toolchain), or neither (runs lake build
        and the audit: needs lake). A new sorry, a new axiom or a declaration newly depending on a
        non-standard axiom fails (exit 1) with the difference; improvements pass (exit 0) and
        suggest --update, which names every entry it accepts.
        """
        from tlean.audit import load_audit
        from tlean.gate import compare, from_audit, load_lock
        from tlean.gate import from_scan as gate_from_scan
        from tlean.lake import lake_available
        from tlean.scan import scan_paths

        if audit_json is not None and from_scan:
            raise UsageError("give either --audit-json or --from-scan, not both")
        if audit_json is None and not from_scan and not lake_available():
            raise ToolchainMissingError(
                "`lake` is not on PATH, so the gate cannot build and audit the proofs; without the toolchain, "
                f"gate a static scan (`tlean gate --lock {lock} --from-scan NN`) or a recorded audit "
                f"(`tlean gate --lock {lock} --audit-json out/proofs/audit.json`, written by `tlean report`)"
            )
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
            _write_update(lock, existing, current, allowed, as_json)
            return
        hint = _update_command(lock, from_scan=from_scan, audit_json=audit_json)
        result = compare(existing, current, strict=strict, update_hint=hint)
        if as_json or output is not None:
            text = json.dumps(result.to_json(), indent=2, sort_keys=True) + "\n"
            if as_json:
                _emit(text, None)
            if output is not None:
                _emit(text, output)
        if not as_json:
            _render_gate(result, hint)
        verdict(result.passed, exit_zero=exit_zero)

    @app.command("report")
    @handles_errors
    def report_cmd(
        audit_json: Annotated[
            Path | None, typer.Option("--audit-json", help="Render this audit JSON (no build).")
        ] = None,
        out_dir: Annotated[Path, typer.Option("--out-dir", "--out", help="Output folder.")] = Path("out/proofs"),
        formats: Annotated[
            str, typer.Option("--format", "--formats", help="Comma-separated: json,md,html,sarif.")
        ] = "json,md,html,sarif",
        lock: Annotated[Path | None, typer.Option("--lock", help="Take the allowed axioms from this lock.")] = None,
        allow_axiom: AllowOpt = None,
        root: RootOpt = None,
        project: ProjectOpt = Path("."),
        no_build: NoBuildOpt = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Builds (lake build), audits and writes the proof report: JSON, Markdown, HTML, SARIF.

        With --audit-json no toolchain is needed. The report is not a verdict (exit 0); the gate
        is."""
        from tlean.audit import load_audit
        from tlean.gate import load_lock
        from tlean.lake import lake_available
        from tlean.report import build_report, write_report
        from tlean.runio import prepare_dir

        fmts = [f.strip() for f in formats.split(",") if f.strip()]
        unknown = sorted(set(fmts) - {"json", "md", "html", "sarif"})
        if unknown or not fmts:
            raise UsageError(
                f"--format: unknown report format {', '.join(unknown) or '(none given)'}; "
                "choose among json, md, html, sarif (comma-separated)"
            )
        lock_allowed = load_lock(lock).allowed_axioms if lock is not None else None
        allowed = _allowed(lock_allowed, allow_axiom or [])
        if audit_json is None and not lake_available():
            raise ToolchainMissingError(
                "`lake` is not on PATH, so the report cannot build and audit the proofs; render a recorded "
                "audit instead with --audit-json FILE"
            )
        prepare_dir(out_dir, option="--out-dir")
        if audit_json is not None:
            audit = load_audit(audit_json)
        else:
            audit = _build_and_audit(project, root or ["NN"], not no_build)
        written = write_report(audit, out_dir, fmts, allowed)
        s = build_report(audit, allowed)["summary"]
        if as_json:
            print_json(
                {
                    "format": "tlean.report-summary.v1",
                    "summary": s,
                    "written": {k: str(v) for k, v in written.items()},
                }
            )
        else:
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
