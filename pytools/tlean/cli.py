"""The ``tlean`` command line: parses arguments, calls the library, renders with rich.

The library never prints and never exits; this module maps :class:`~tlean.errors.TleanError`
to exit code 2 with the message and no traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from tlean import render
from tlean.errors import TleanError, UsageError
from tlean.onnx_import.loader import DEFAULT_MAX_ELEMENTS

app = typer.Typer(
    name="tlean",
    help="Verified neural networks in Lean 4: import, evaluate, export and audit models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
schema_app = typer.Typer(help="Print the JSON Schemas of tlean's file formats.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])


def handles_errors(fn: F) -> F:
    """Turns a TleanError raised by ``fn`` into a clean message on stderr and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TleanError as e:
            err.print(f"[bold red]error[/] [dim]({e.code})[/]: ", end="")
            err.print(str(e), markup=False, highlight=False)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


@schema_app.command("ir")
@handles_errors
def schema_ir() -> None:
    """Print the JSON Schema of tlean.ir.v1 graphs."""
    from tlean.ir import schema_text

    sys.stdout.write(schema_text())


@schema_app.command("audit")
@handles_errors
def schema_audit() -> None:
    """Print the JSON Schema of tlean.audit.v1 (the output of `lake exe tlean_audit`)."""
    from tlean.audit import Audit

    sys.stdout.write(json.dumps(Audit.model_json_schema(), indent=2, sort_keys=True) + "\n")


InputShapeOpt = Annotated[
    list[str] | None,
    typer.Option("--input-shape", help="Fix an input's dims: NAME=D1,D2,... (repeatable)."),
]
MaxElementsOpt = Annotated[
    int,
    typer.Option("--max-elements", help="Refuse any declared tensor with more elements than this."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


@app.command()
@handles_errors
def inspect(
    model: Annotated[Path, typer.Argument(help="ONNX model file.")],
    nodes: Annotated[bool, typer.Option("--nodes", help="List every node with its support.")] = False,
    input_shape: InputShapeOpt = None,
    max_elements: MaxElementsOpt = DEFAULT_MAX_ELEMENTS,
    as_json: JsonOpt = False,
) -> None:
    """Show a model's ops, parameters, inputs/outputs and what tlean supports."""
    from tlean.inspect import inspect_model

    info = inspect_model(model, input_shapes=parse_input_shapes(input_shape), max_elements=max_elements)
    if as_json:
        _print_json(info)
        return
    render.inspect_tables(out, info, show_nodes=nodes)
    if not info["import"]["ok"]:
        raise typer.Exit(1)


@app.command()
@handles_errors
def run(
    model: Annotated[Path, typer.Argument(help="ONNX model file.")],
    input: Annotated[
        list[str] | None, typer.Option("--input", help="NAME=FILE.npy for each model input (repeatable).")
    ] = None,
    save: Annotated[Path | None, typer.Option("--save", help="Write each output to DIR/<name>.npy.")] = None,
    input_shape: InputShapeOpt = None,
    max_elements: MaxElementsOpt = DEFAULT_MAX_ELEMENTS,
    as_json: JsonOpt = False,
) -> None:
    """Import a model into the IR and evaluate it with tlean's NumPy evaluator."""
    from tlean.evaluate import evaluate
    from tlean.onnx_import import import_model
    from tlean.runio import load_inputs, output_summaries, save_outputs

    imported = import_model(model, input_shapes=parse_input_shapes(input_shape), max_elements=max_elements)
    feeds = load_inputs(imported.graph, input or [])
    outputs = evaluate(imported.graph, feeds, imported.params)
    names = imported.graph.output_names or [f"output_{i}" for i in range(len(outputs))]
    written = save_outputs(save, names, outputs) if save is not None else {}
    summary = output_summaries(names, outputs, written)
    if as_json:
        _print_json({"format": "tlean.run.v1", "model": model.name, "outputs": summary})
        return
    render.run_tables(out, summary)


@app.command()
@handles_errors
def export(
    model: Annotated[Path, typer.Argument(help="ONNX model file.")],
    name: Annotated[str | None, typer.Option("--name", help="Lean module name (default: from the file name).")] = None,
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Where the .lean module and .tlp payload go.")] = Path(
        "NN/Models"
    ),
    input_shape: InputShapeOpt = None,
    check: Annotated[bool, typer.Option("--check", help="Compare tlean.evaluate with onnxruntime.")] = False,
    check_lean: Annotated[
        bool, typer.Option("--check-lean", help="Build the module and compare the Lean evaluator (needs lake).")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing module and payload.")] = False,
    max_elements: MaxElementsOpt = DEFAULT_MAX_ELEMENTS,
    as_json: JsonOpt = False,
) -> None:
    """Export a model to a Lean module (NN/Models/<Name>.lean) and a pinned payload (.tlp).

    MODEL is an ONNX file, or a TorchScript file (.pt, .pth, .ts; needs torch and one
    --input-shape per input, in order), which goes through PyTorch's ONNX exporter."""
    from tlean.codegen.leantext import module_name
    from tlean.export import export_onnx
    from tlean.torch_export import TORCHSCRIPT_SUFFIXES

    shapes = parse_input_shapes(input_shape)
    torch_module = None
    with render.progress(err, enabled=not as_json) as progress:
        if model.suffix in (*TORCHSCRIPT_SUFFIXES, ".pt2"):
            torch_module, result = _export_torchscript(model, name or module_name(model.stem), out_dir, shapes, force)
        else:
            result = export_onnx(
                model,
                name=name,
                out_dir=out_dir,
                input_shapes=shapes,
                force=force,
                max_elements=max_elements,
                progress=progress,
            )
    data: dict[str, Any] = result.to_json()
    failed = False
    if check:
        from tlean.check import check_against_onnxruntime, check_against_torch

        if torch_module is not None:
            report = check_against_torch(torch_module, result.imported)
        else:
            report = check_against_onnxruntime(model, result.imported)
        data["check"] = report.to_json()
        failed |= not report.passed
    if check_lean:
        data["check_lean"] = _check_lean(result, quiet=as_json)
        failed |= data["check_lean"].get("passed") is False
    if as_json:
        _print_json(data)
    else:
        render.export_summary(out, data)
    if failed:
        raise typer.Exit(1)


def _export_torchscript(
    path: Path, name: str, out_dir: Path, shapes: dict[str, list[int]], force: bool
) -> tuple[Any, Any]:
    from tlean.torch_export import export_torch, load_torchscript

    module = load_torchscript(path)
    if not shapes:
        raise UsageError(
            f"{path.name} is a TorchScript file: give each input's shape, in order, with --input-shape "
            "NAME=D1,D2,... (e.g. --input-shape x=1,3,224,224)"
        )
    import torch

    example = [torch.randn(*dims) for dims in shapes.values()]
    return module, export_torch(module, example, name=name, out_dir=out_dir, input_names=list(shapes), force=force)


def _check_lean(result: Any, *, quiet: bool) -> dict[str, Any]:
    import os

    from tlean.lake import lake_available

    if not lake_available():
        reason = "`lake` is not on PATH (install the toolchain with elan, see README)"
        if os.environ.get("TLEAN_REQUIRE_LEAN") == "1":
            raise UsageError(reason + "; TLEAN_REQUIRE_LEAN=1 makes this an error")
        return {"skipped": True, "reason": reason}
    from tlean.lean_check import check_with_lean

    report = check_with_lean(result, on_line=None if quiet else (lambda line: err.print(line, markup=False)))
    return report.to_json()


@app.command()
@handles_errors
def doctor(as_json: JsonOpt = False) -> None:
    """Report Python, onnx, onnxruntime and the Lean toolchain: found or not, with versions."""
    from tlean.doctor import diagnose

    report = diagnose()
    if as_json:
        _print_json(report)
        return
    render.doctor_table(out, report)


def parse_input_shapes(specs: list[str] | None) -> dict[str, list[int]]:
    """``["x=1,3,224,224"]`` -> ``{"x": [1, 3, 224, 224]}`` (UsageError when malformed)."""
    shapes: dict[str, list[int]] = {}
    for spec in specs or []:
        name, sep, dims = spec.rpartition("=")
        if not sep or not name:
            raise UsageError(f"--input-shape {spec!r}: expected NAME=D1,D2,... (e.g. x=1,3,224,224)")
        try:
            shapes[name] = [int(d) for d in dims.split(",")] if dims.strip() else []
        except ValueError:
            raise UsageError(f"--input-shape {spec!r}: dimensions must be integers, e.g. x=1,3,224,224") from None
    return shapes


def _register_extensions() -> None:
    from tlean import cli_proofs

    cli_proofs.register(app, handles_errors)


_register_extensions()


def main() -> None:
    """Console-script entry point."""
    app()
