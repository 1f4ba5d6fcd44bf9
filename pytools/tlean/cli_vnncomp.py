"""CLI commands of complete verification runs: ``vnncomp-prepare``, ``vnncomp-run``, ``batch``.

``vnncomp-prepare``/``vnncomp-run`` are what ``scripts/vnncomp/prepare_instance.sh`` and
``run_instance.sh`` call, with the competition's argument order; ``vnncomp-run`` writes the result
file (:mod:`tlean.verify.vnncomp`) and exits 0 whenever it wrote one (the answer is in the file),
2 on a user error (after writing ``error`` into the result file when it can).

``batch`` runs an instance CSV (:mod:`tlean.verify.batch`) with a progress bar on stderr and
writes ``results.csv``, ``summary.json`` and ``report.html``; it exits 1 when an answer
contradicts ``--truth`` (a wrong answer), else 0. ``run_batch_command`` is the same run for a
``verify --instances`` option.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from tlean.cli_common import ExitZeroOpt, JsonOpt, handles_errors, print_json, verdict

_STARTED = time.perf_counter()

VersionArg = Annotated[str, typer.Argument(help="The harness's interface version; must be v1.")]
CategoryArg = Annotated[str, typer.Argument(help="The benchmark category (e.g. acasxu).")]
OnnxArg = Annotated[Path, typer.Argument(help="The ONNX model file.")]
VnnlibArg = Annotated[Path, typer.Argument(help="The VNN-LIB property file.")]


def _check_version(version: str) -> None:
    from tlean.errors import UsageError

    if version != "v1":
        raise UsageError(f"expected the interface version 'v1' as first argument, got {version!r}")


def vnncomp_prepare_cmd(
    version: VersionArg,
    category: CategoryArg,
    onnx: OnnxArg,
    vnnlib: VnnlibArg,
    as_json: JsonOpt = False,
) -> None:
    """VNN-COMP prepare_instance: check that the model imports and the property fits it."""
    from tlean.verify.vnncomp import prepare_instance

    _check_version(version)
    prepare_instance(category, onnx, vnnlib)
    if as_json:
        print_json({"format": "tlean.vnncomp-prepare.v1", "ok": True, "category": category,
                    "onnx": str(onnx), "vnnlib": str(vnnlib)})
    else:
        typer.echo(f"prepared: {onnx} {vnnlib}")


def vnncomp_run_cmd(
    version: VersionArg,
    category: CategoryArg,
    onnx: OnnxArg,
    vnnlib: VnnlibArg,
    result_file: Annotated[Path, typer.Argument(help="Where to write the result (first line: the answer).")],
    timeout: Annotated[float, typer.Argument(min=0, help="The instance's timeout in seconds.")],
    cert: Annotated[Path | None, typer.Option("--cert", help="Also write the certificate of an unsat.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """VNN-COMP run_instance: decide the instance and write the competition's result file."""
    from tlean.verify.vnncomp import run_instance

    _check_version(version)
    text, rep = run_instance(category, onnx, vnnlib, result_file, timeout, started=_STARTED, cert=cert)
    if as_json:
        print_json(rep.model_dump(mode="json"))  # type: ignore[attr-defined]
    else:
        typer.echo(text.split("\n", 1)[0])


def run_batch_command(
    instances: Path,
    out_dir: Path | None,
    truth: Path | None,
    method: str,
    timeout_scale: float,
    limit: int | None,
    certs: bool,
    quiet: bool = False,
) -> Any:
    """Runs :func:`tlean.verify.batch.run_batch` with a rich progress bar on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tlean.errors import UsageError
    from tlean.verify.batch import run_batch

    if method not in ("ibp", "crown", "alpha-crown"):
        raise UsageError(f"--method must be ibp, crown or alpha-crown, not {method!r}")
    if timeout_scale <= 0:
        raise UsageError(f"--timeout-scale must be > 0, not {timeout_scale}")
    console = Console(stderr=True)
    counts: dict[str, int] = {}
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[tally]}"),
        console=console,
        disable=quiet,
        transient=False,
    ) as progress:
        task = progress.add_task("verify", total=None, tally="")

        def on_start(k: int, n: int, inst: Any) -> None:
            progress.update(task, total=n, description=f"{Path(inst.onnx_text).stem} {Path(inst.vnnlib_text).stem}")

        def on_result(k: int, n: int, row: Any) -> None:
            counts[row.result] = counts.get(row.result, 0) + 1
            tally = " ".join(f"{key} {v}" for key, v in sorted(counts.items()))
            progress.update(task, advance=1, tally=tally)

        return run_batch(
            instances,
            out_dir,
            truth=truth,
            method=method,  # type: ignore[arg-type]
            certs=certs,
            timeout_scale=timeout_scale,
            limit=limit,
            on_start=on_start,
            on_result=on_result,
        )


InstancesArg = Annotated[
    Path, typer.Argument(help="VNN-COMP instance CSV: onnx,vnnlib,timeout (paths relative to it).")
]
OutDirOpt = Annotated[Path | None, typer.Option("--out-dir", help="Write results.csv, summary.json, report.html here.")]
TruthOpt = Annotated[
    Path | None,
    typer.Option("--truth", help="truth.csv (benchmark,onnx,vnnlib,timeout,expected): count wrong answers."),
]
TimeoutScaleOpt = Annotated[float, typer.Option("--timeout-scale", help="Multiply every instance timeout by this.")]


def batch_cmd(
    instances: InstancesArg,
    out_dir: OutDirOpt = None,
    truth: TruthOpt = None,
    method: Annotated[str, typer.Option("--method", help="Bound method: ibp, crown or alpha-crown.")] = "alpha-crown",
    timeout_scale: TimeoutScaleOpt = 1.0,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Run only the first N instances.")] = None,
    no_certs: Annotated[bool, typer.Option("--no-certs", help="Do not write certificates of unsat answers.")] = False,
    as_json: JsonOpt = False,
    exit_zero: ExitZeroOpt = False,
) -> None:
    """Verify every instance of a VNN-COMP instance CSV; write results CSV, JSON summary and HTML report.

    The same run as ``tlean verify --instances FILE.csv`` (kept as an alias)."""
    s = run_batch_command(instances, out_dir, truth, method, timeout_scale, limit, not no_certs and out_dir is not None)
    print_batch_summary(s, out_dir, truth, as_json=as_json, exit_zero=exit_zero)


def print_batch_summary(s: Any, out_dir: Path | None, truth: Path | None, *, as_json: bool, exit_zero: bool) -> None:
    """Prints a batch run's summary (text or JSON) and exits 1 when an answer contradicts the truth."""
    if as_json:
        print_json(s.model_dump(mode="json"))
    else:
        med = "-" if s.median_seconds is None else f"{s.median_seconds:.3f} s"
        typer.echo(
            f"{s.category}: {s.solved}/{s.count} solved (sat {s.sat}, unsat {s.unsat}, unknown {s.unknown}, "
            f"timeout {s.timeout}, error {s.error}); total {s.total_seconds:.1f} s, median solved {med}"
            + (f"; wrong answers: {s.wrong}" if truth is not None else "")
        )
        if out_dir is not None:
            typer.echo(f"wrote {out_dir / 'results.csv'}, {out_dir / 'summary.json'}, {out_dir / 'report.html'}")
    verdict(s.wrong == 0, exit_zero=exit_zero)


def register(app: typer.Typer) -> None:
    """Adds ``vnncomp-prepare``, ``vnncomp-run`` and ``batch`` to the ``tlean`` app."""
    names = {c.name for c in app.registered_commands}
    for name, fn in (("vnncomp-prepare", vnncomp_prepare_cmd), ("vnncomp-run", vnncomp_run_cmd),
                     ("batch", batch_cmd)):
        if name not in names:
            app.command(name)(handles_errors(fn))
