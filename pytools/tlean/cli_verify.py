"""CLI commands of verification: ``check-cert``, ``bounds``, ``verify`` (registered onto the app).

This module only parses arguments, calls :mod:`tlean.verify` and renders the result. Exit codes
follow :mod:`tlean.cli_common`: ``check-cert`` exits 0 when the certificate is accepted, 1 when
it is rejected (the message names the failing field), 2 when a file cannot be read; ``verify``
(:func:`tlean.verify.instance.verify_instance`) exits 0 for unsat, 1 for a confirmed sat, 3 for
unknown/timeout; ``verify --instances`` is ``batch`` (:mod:`tlean.cli_vnncomp`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tlean.cli_common import ExitZeroOpt, JsonOpt, handles_errors, print_json, verdict

ModelArg = Annotated[Path, typer.Argument(help="The ONNX model file.")]
SpecArg = Annotated[Path, typer.Argument(help="The property, a VNN-LIB file (1.0 or 2.0).")]
CertArg = Annotated[Path, typer.Argument(help="The certificate (tlean.cert.v1 JSON).")]


def check_cert_cmd(
    model: ModelArg,
    spec: SpecArg,
    cert: CertArg,
    as_json: JsonOpt = False,
    exit_zero: ExitZeroOpt = False,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, help="Processes checking the subtrees of a split tree.")
    ] = 1,
) -> None:
    """Check a bound certificate exactly: does it prove the property (unsat) for this model?"""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tlean.verify.cert import CheckCertReport
    from tlean.verify.checker import check_certificate

    with Progress(
        TextColumn("[bold]leaves"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), disable=as_json, transient=True,
    ) as progress:
        bar = progress.add_task("leaves", total=None)
        res = check_certificate(model, spec, cert, jobs=jobs,
                                on_leaves=lambda done, total: progress.update(bar, completed=done, total=total))
    report = CheckCertReport(
        accepted=res.accepted,
        result="unsat" if res.accepted else "rejected",
        field=res.field,
        message=res.message,
        model=str(model),
        spec=str(spec),
        cert=str(cert),
        model_sha256=res.model_sha256,
        spec_sha256=res.spec_sha256,
        boxes=res.boxes,
        polytopes=res.polytopes,
        relu_layers_checked=res.relus_checked,
        seconds=round(res.seconds, 6),
    )
    if as_json:
        print_json(report.model_dump(mode="json"))
    elif res.accepted:
        typer.echo(
            f"accepted: unsat ({res.boxes} box(es), {res.polytopes} polytope(s) refuted, "
            f"{res.relus_checked} relu layer(s) of bounds checked, {res.seconds:.3f} s)"
        )
    else:
        typer.echo(f"rejected: {res.field}: {res.message}")
    verdict(res.accepted, exit_zero=exit_zero)


MethodOpt = Annotated[str, typer.Option("--method", help="Bound method: ibp, crown or alpha-crown.", show_default=True)]
AlphaItersOpt = Annotated[int, typer.Option("--alpha-iters", min=1, help="α-CROWN: gradient steps per bound.")]
AlphaIntOpt = Annotated[
    bool,
    typer.Option("--alpha-intermediate/--no-alpha-intermediate",
                 help="α-CROWN: also optimise the slopes of intermediate bounds "
                 "(tighter, slower; certificates carry them as alpha_for)."),
]


def _method(name: str) -> str:
    from tlean.errors import UsageError

    if name not in ("ibp", "crown", "alpha-crown"):
        raise UsageError(f"--method must be ibp, crown or alpha-crown, not {name!r}")
    return name


def _fmt(x: float | None) -> str:
    return "-inf/+inf" if x is None else f"{x:.6g}"


def bounds_cmd(
    model: ModelArg,
    spec: SpecArg,
    method: MethodOpt = "crown",
    alpha_iters: AlphaItersOpt = 20,
    alpha_intermediate: AlphaIntOpt = True,
    as_json: JsonOpt = False,
) -> None:
    """Bound every output and every spec row's margin over each input box of the property."""
    from rich.console import Console
    from rich.table import Table

    from tlean.verify.bounds.engine import AlphaOptions
    from tlean.verify.bounds.results import bounds_report

    rep = bounds_report(model, spec, _method(method),  # type: ignore[arg-type]
                        AlphaOptions(iters=alpha_iters, intermediate=alpha_intermediate))
    if as_json:
        print_json(rep.model_dump(mode="json"))
        return
    con = Console()
    for b in rep.boxes:
        t = Table(title=f"box {b.box}: outputs ({rep.method}, {b.seconds:.3f} s)")
        t.add_column("output")
        t.add_column("lower", justify="right")
        t.add_column("upper", justify="right")
        for o in b.outputs:
            t.add_row(f"Y_{o.index}", _fmt(o.lower), _fmt(o.upper))
        con.print(t)
        m = Table(title=f"box {b.box}: margins (A y - b; > 0 refutes the polytope)")
        for col in ("polytope", "row"):
            m.add_column(col)
        m.add_column("lower", justify="right")
        m.add_column("upper", justify="right")
        for r in b.margins:
            m.add_row(str(r.polytope), str(r.row), _fmt(r.lower), _fmt(r.upper))
        con.print(m)
        state = "proved" if b.proved else f"{sum(b.refuted)}/{len(b.refuted)} polytopes refuted"
        con.print(f"box {b.box}: {state}")
        if b.fallbacks:
            con.print("IBP fallback at: " + ", ".join(f"node {f.node} ({f.op})" for f in b.fallbacks))
        if b.kept_weaker_rows:
            con.print(f"{b.kept_weaker_rows} row(s) kept the weaker method's (tighter) bound")


def _print_verify(rep: Any) -> None:
    """Text rendering of a ``tlean.verify.v1`` report."""
    how = "decided by" if rep.result in ("sat", "unsat") else "last stage"
    typer.echo(f"{rep.result} ({how} {rep.method}, {rep.seconds:.3f} s)")
    for st in rep.stages:
        typer.echo(f"  {st.stage}: {st.result} ({st.seconds:.3f} s){'; ' + st.detail if st.detail else ''}")
    ce = rep.counterexample
    if ce is not None:
        typer.echo(f"counterexample (box {ce.box}, polytope {ce.polytope}, found by {ce.found_by}; "
                   "confirmed in onnxruntime and tlean's evaluator):")
        typer.echo("  inputs:  " + " ".join(f"X_{i}={v!r}" for i, v in enumerate(ce.x)))
        typer.echo("  outputs: " + " ".join(f"Y_{i}={v!r}" for i, v in enumerate(ce.y)))
    if rep.certificate:
        typer.echo(f"certificate: {rep.certificate}")
    for n in rep.notes:
        typer.echo(f"note: {n}")


InstancesOpt = Annotated[
    Path | None,
    typer.Option("--instances", help="Verify every row of a VNN-COMP instance CSV (onnx,vnnlib,timeout) "
                 "instead of MODEL SPEC; as `tlean batch`."),
]


def verify_cmd(
    model: Annotated[Path | None, typer.Argument(help="The ONNX model file (not with --instances).")] = None,
    spec: Annotated[
        Path | None, typer.Argument(help="The property, a VNN-LIB file, 1.0 or 2.0 (not with --instances).")
    ] = None,
    method: Annotated[
        str, typer.Option("--method", help="Bound method of the proving stage: ibp, crown or alpha-crown.")
    ] = "alpha-crown",
    cert: Annotated[
        Path | None, typer.Option("--cert", help="Write a tlean.cert.v1 certificate for an unsat answer.")
    ] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", min=0, help="Time budget in seconds.")] = None,
    bounds_only: Annotated[
        bool, typer.Option("--bounds-only", help="Bounds by --method alone: unsat or unknown, no search.")
    ] = False,
    alpha_iters: AlphaItersOpt = 20,
    alpha_intermediate: AlphaIntOpt = True,
    instances: InstancesOpt = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="With --instances: write results.csv, summary.json, report.html.")
    ] = None,
    truth: Annotated[
        Path | None, typer.Option("--truth", help="With --instances: truth.csv; count answers that contradict it.")
    ] = None,
    timeout_scale: Annotated[
        float, typer.Option("--timeout-scale", help="With --instances: multiply every instance timeout by this.")
    ] = 1.0,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="With --instances: run only the first N instances.")
    ] = None,
    no_certs: Annotated[
        bool, typer.Option("--no-certs", help="With --instances: do not write certificates of unsat answers.")
    ] = False,
    as_json: JsonOpt = False,
    exit_zero: ExitZeroOpt = False,
) -> None:
    """Decide a property: falsify, bound, branch and bound; exit 0 unsat, 1 sat, 3 unknown/timeout.

    With --instances, verify every instance of a CSV instead (as `tlean batch`; exit 1 only for
    an answer that contradicts --truth)."""
    from tlean.cli_common import no_verdict
    from tlean.errors import UsageError
    from tlean.verify.bounds.engine import AlphaOptions

    if instances is not None:
        if model is not None or spec is not None:
            raise UsageError("give either MODEL SPEC or --instances FILE.csv, not both")
        _verify_instances(instances, out_dir, truth, method, timeout_scale, limit, no_certs, as_json, exit_zero)
        return
    if model is None or spec is None:
        raise UsageError("give MODEL and SPEC (or --instances FILE.csv)")
    batch_only = [name for name, given in (("--out-dir", out_dir is not None), ("--truth", truth is not None),
                                           ("--timeout-scale", timeout_scale != 1.0), ("--limit", limit is not None),
                                           ("--no-certs", no_certs)) if given]
    if batch_only:
        raise UsageError(f"{', '.join(batch_only)} only apply with --instances")
    alpha = AlphaOptions(iters=alpha_iters, intermediate=alpha_intermediate)
    if bounds_only:
        from tlean.verify.bounds.results import verify_bounds

        rep: Any = verify_bounds(model, spec, _method(method), timeout=timeout, cert=cert,  # type: ignore[arg-type]
                                 alpha=alpha)
    else:
        from tlean.verify.instance import verify_instance

        rep = verify_instance(model, spec, timeout=timeout, method=_method(method),  # type: ignore[arg-type]
                              cert=cert, alpha=alpha)
    if as_json:
        print_json(rep.model_dump(mode="json"))
    else:
        _print_verify(rep)
    if rep.result == "sat":
        verdict(False, exit_zero=exit_zero)
    elif rep.result != "unsat":
        no_verdict()


def _verify_instances(
    instances: Path,
    out_dir: Path | None,
    truth: Path | None,
    method: str,
    timeout_scale: float,
    limit: int | None,
    no_certs: bool,
    as_json: bool,
    exit_zero: bool,
) -> None:
    from tlean.cli_vnncomp import print_batch_summary, run_batch_command

    s = run_batch_command(instances, out_dir, truth, method, timeout_scale, limit, not no_certs and out_dir is not None)
    print_batch_summary(s, out_dir, truth, as_json=as_json, exit_zero=exit_zero)


def register(app: typer.Typer) -> None:
    """Adds the verification commands to the ``tlean`` app."""
    app.command("check-cert")(handles_errors(check_cert_cmd))
    app.command("bounds")(handles_errors(bounds_cmd))
    if "verify" not in {c.name for c in app.registered_commands}:
        app.command("verify")(handles_errors(verify_cmd))
    from tlean import cli_vnncomp  # vnncomp-prepare, vnncomp-run, batch (issue 9; see /work/coord/VERIFY.md)

    cli_vnncomp.register(app)
