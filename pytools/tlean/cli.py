"""The ``tlean`` command line: parses arguments, calls the library, renders with rich.

The library never prints and never exits. Every command follows the conventions of
:mod:`tlean.cli_common` (``--json``, ``-o/--output``, ``--out-dir``, ``--exit-zero``, exit codes
0/1/2/3/70, JSON errors); the contract test (``tests/test_cli_contract.py``) checks them on
every command of this app, including the ones registered by other modules.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from tlean import __version__, render
from tlean.cli_common import (
    ExitZeroOpt,
    JsonOpt,
    handles_errors,
    print_json,
    run_main,
    verdict,
)
from tlean.errors import ToolchainMissingError, UsageError
from tlean.onnx_import.loader import DEFAULT_MAX_ELEMENTS

__all__ = ["app", "handles_errors", "main", "parse_input_shapes"]

app = typer.Typer(
    name="tlean",
    help=(
        "Verified neural networks in Lean 4: import, evaluate, export and audit models.\n\n"
        "Every command takes --json (the result, or the error, as JSON on stdout). Exit codes: 0 success, "
        "1 negative verdict, 2 user error, 3 no verdict (unknown/timeout), 70 internal error."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: boolean flags render as flags (no `<bool>` metavar)
)
schema_app = typer.Typer(
    help="Print the JSON Schemas of tlean's file formats.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(schema_app, name="schema")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"tlean {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", help="Print tlean's version and exit.", callback=_version, is_eager=True),
    ] = False,
) -> None:
    """Verified neural networks in Lean 4: import, evaluate, export and audit models.

    Exit codes: 0 success, 1 negative verdict, 2 user error, 3 no verdict, 70 internal error.
    """


@schema_app.command("ir")
@handles_errors
def schema_ir(as_json: JsonOpt = False) -> None:
    """Print the JSON Schema of tlean.ir.v1 graphs (always JSON; --json is accepted)."""
    from tlean.ir import schema_text

    sys.stdout.write(schema_text())


@schema_app.command("audit")
@handles_errors
def schema_audit(as_json: JsonOpt = False) -> None:
    """Print the JSON Schema of tlean.audit.v1, the output of `lake exe tlean_audit` (always JSON)."""
    from tlean.audit import Audit

    sys.stdout.write(json.dumps(Audit.model_json_schema(), indent=2, sort_keys=True) + "\n")


ModelArg = Annotated[
    Path,
    typer.Argument(
        help="ONNX model file, or TorchScript (.pt, .pth, .ts; saved with torch.jit.save; needs one "
        "--input-shape per input of forward, in order)."
    ),
]
InputShapeOpt = Annotated[
    list[str] | None,
    typer.Option("--input-shape", help="Fix an input's dims: NAME=D1,D2,... (repeatable)."),
]
MaxElementsOpt = Annotated[
    int,
    typer.Option("--max-elements", min=1, help="Refuse any declared tensor with more elements than this."),
]


def _is_torchscript(model: Path) -> bool:
    from tlean.torch_export import TORCHSCRIPT_SUFFIXES

    return model.suffix.lower() in TORCHSCRIPT_SUFFIXES


def _onnx_of(model: Path, shapes: dict[str, list[int]], work: Path) -> tuple[Path, Any]:
    """``model`` itself (ONNX), or a TorchScript file exported to ONNX inside ``work``."""
    if not _is_torchscript(model):
        return model, None
    from tlean.torch_export import torchscript_to_onnx

    module, onnx_path = torchscript_to_onnx(model, shapes, work)
    return onnx_path, module


@app.command()
@handles_errors
def inspect(
    model: ModelArg,
    nodes: Annotated[bool, typer.Option("--nodes", help="List every node with its support.")] = False,
    input_shape: InputShapeOpt = None,
    max_elements: MaxElementsOpt = DEFAULT_MAX_ELEMENTS,
    as_json: JsonOpt = False,
    exit_zero: ExitZeroOpt = False,
) -> None:
    """Show a model's ops, parameters, inputs/outputs and what tlean supports.

    Exit 1 when the model does not import into the tlean IR (with or without --json)."""
    from tlean.inspect import inspect_model

    shapes = parse_input_shapes(input_shape)
    with tempfile.TemporaryDirectory(prefix="tlean-inspect-") as work:
        onnx_path, _ = _onnx_of(model, shapes, Path(work))
        info = inspect_model(onnx_path, input_shapes=None if onnx_path != model else shapes, max_elements=max_elements)
    if as_json:
        print_json(info)
    else:
        render.inspect_tables(out, info, show_nodes=nodes)
    verdict(bool(info["import"]["ok"]), exit_zero=exit_zero)


def _import_for_run(onnx_path: Path, shapes: dict[str, list[int]], feeds: dict[str, str], max_elements: int) -> Any:
    """Imports ``onnx_path``; dynamic input dims not given by --input-shape come from the
    headers of the ``--input`` .npy files."""
    from tlean.errors import DynamicShapeError
    from tlean.onnx_import import import_model
    from tlean.runio import npy_shape

    try:
        return import_model(onnx_path, input_shapes=shapes, max_elements=max_elements)
    except DynamicShapeError:
        dynamic = _dynamic_inputs(onnx_path)
        extra = {n: npy_shape(f, name=n) for n, f in feeds.items() if n in dynamic and n not in shapes}
        if not extra:
            raise
        return import_model(onnx_path, input_shapes={**shapes, **extra}, max_elements=max_elements)


def _dynamic_inputs(onnx_path: Path) -> set[str]:
    import onnx

    g = onnx.load(str(onnx_path), load_external_data=False).graph
    inits = {t.name for t in g.initializer}
    names = set()
    for vi in g.input:
        if vi.name in inits:
            continue
        shape = vi.type.tensor_type.shape
        if not vi.type.tensor_type.HasField("shape") or any(not d.HasField("dim_value") for d in shape.dim):
            names.add(vi.name)
    return names


@app.command()
@handles_errors
def run(
    model: ModelArg,
    input: Annotated[
        list[str] | None, typer.Option("--input", help="NAME=FILE.npy for each model input (repeatable).")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", "--save", help="Write each output to DIR/<name>.npy.")
    ] = None,
    lean: Annotated[
        bool,
        typer.Option(
            "--lean",
            help="Evaluate with the exported Lean module's evaluator (needs lake) instead of tlean's NumPy evaluator.",
        ),
    ] = False,
    lean_module: Annotated[
        Path | None,
        typer.Option("--lean-module", help="--lean: the exported module [NN/Models/<Name>.lean from MODEL's name]."),
    ] = None,
    input_shape: InputShapeOpt = None,
    max_elements: MaxElementsOpt = DEFAULT_MAX_ELEMENTS,
    as_json: JsonOpt = False,
) -> None:
    """Import a model into the IR and evaluate it with tlean's NumPy evaluator (or, with --lean,
    with the exported Lean module's evaluator).

    Dynamic input dimensions are taken from the --input .npy files when --input-shape does not
    give them."""
    from tlean.evaluate import evaluate
    from tlean.runio import load_inputs, output_summaries, parse_feeds, prepare_dir, save_outputs

    shapes = parse_input_shapes(input_shape)
    if lean:
        _require_lake("tlean run --lean", "run without --lean to use tlean's NumPy evaluator")
    if out_dir is not None:
        prepare_dir(out_dir, option="--out-dir")
    feeds_spec = parse_feeds(input or [], [])
    if _is_torchscript(model) and not shapes:
        from tlean.runio import npy_shape

        shapes = {n: npy_shape(f, name=n) for n, f in feeds_spec.items()}  # TorchScript: shapes from the .npy
    with tempfile.TemporaryDirectory(prefix="tlean-run-") as work:
        onnx_path, _ = _onnx_of(model, shapes, Path(work))
        imported = _import_for_run(onnx_path, {} if onnx_path != model else shapes, feeds_spec, max_elements)
    feeds = load_inputs(imported.graph, input or [])
    names = imported.graph.output_names or [f"output_{i}" for i in range(len(imported.graph.outputs))]
    evaluator = "tlean.evaluate (NumPy, float32)"
    if lean:
        from tlean.codegen.leantext import module_name
        from tlean.lean_run import run_with_lean

        module_file = lean_module or Path("NN/Models") / f"{module_name(model.stem)}.lean"
        outputs = run_with_lean(module_file, imported, feeds)
        evaluator = f"Lean ({module_file})"
    else:
        outputs = evaluate(imported.graph, feeds, imported.params)
    written = save_outputs(out_dir, names, outputs) if out_dir is not None else {}
    summary = output_summaries(names, outputs, written)
    if as_json:
        print_json({"format": "tlean.run.v1", "model": model.name, "evaluator": evaluator, "outputs": summary})
        return
    render.run_tables(out, summary)


def _require_lake(what: str, alternative: str) -> None:
    from tlean.lake import lake_available

    if not lake_available():
        raise ToolchainMissingError(
            f"{what} needs the Lean toolchain, but `lake` is not on PATH (install it with elan, see README); "
            f"{alternative}"
        )


@app.command()
@handles_errors
def export(
    model: ModelArg,
    name: Annotated[
        str | None,
        typer.Option("--name", help="The module's name, e.g. Mlp or Held_cnn (default: from the file name)."),
    ] = None,
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out-dir",
            help="Where the .lean module and .tlp payload go; inside a Lake package the module name is the "
            "path from the package root (NN/Models -> NN.Models.<Name>).",
        ),
    ] = Path("NN/Models"),
    input_shape: InputShapeOpt = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Compare tlean.evaluate with onnxruntime (TorchScript: with PyTorch) on seeded inputs."
        ),
    ] = False,
    check_lean: Annotated[
        bool, typer.Option("--check-lean", help="Build the module and compare the Lean evaluator (needs lake).")
    ] = False,
    main: Annotated[
        bool,
        typer.Option("--main", help="Also write <Name>Main.lean, the model's evaluator (a `main` for lake exe)."),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing module and payload.")] = False,
    max_elements: MaxElementsOpt = DEFAULT_MAX_ELEMENTS,
    as_json: JsonOpt = False,
    exit_zero: ExitZeroOpt = False,
) -> None:
    """Export a model to a Lean module (<out-dir>/<Name>.lean) and a pinned payload (.tlp).

    MODEL is an ONNX file, or a TorchScript file (.pt, .pth, .ts; needs torch and one
    --input-shape per input, in order), which goes through PyTorch's ONNX exporter. Exit 1 when
    a requested check fails."""
    from tlean.errors import require_module
    from tlean.export import export_onnx

    shapes = parse_input_shapes(input_shape)
    torchscript = _is_torchscript(model)
    # Every requirement is checked before anything is written.
    if check:
        if torchscript:
            require_module("torch", "--check on a TorchScript model", "torch")
        else:
            require_module("onnxruntime", "--check (compares with onnxruntime)", "check")
    if check_lean:
        _require_lake("--check-lean", "leave out --check-lean (use --check to compare with onnxruntime)")
    with render.progress(err, enabled=not as_json) as progress:
        if torchscript:
            result = _export_torchscript(model, name, out_dir, shapes, force, check, main)
        else:
            result = export_onnx(
                model,
                name=name,
                out_dir=out_dir,
                input_shapes=shapes,
                force=force,
                max_elements=max_elements,
                progress=progress,
                check=check,
                main=main,
            )
    data: dict[str, Any] = result.to_json()
    failed = result.check is not None and not result.check.passed
    if check_lean:
        data["check_lean"] = _check_lean(result, quiet=as_json)
        failed |= data["check_lean"].get("passed") is False
    if as_json:
        print_json(data)
    else:
        render.export_summary(out, data)
        for note in data["notes"]:
            err.print(f"[yellow]note[/]: {note}", highlight=False)
        if result.main_path is not None:
            _print_main_hint(result)
    verdict(not failed, exit_zero=exit_zero)


def _print_main_hint(result: Any) -> None:
    exe = result.module[:1].lower() + result.module[1:]
    out.print(
        f"  evaluator {result.main_path}: from the package root run `lake env lean --run {result.main_path} "
        "IN.tlp OUT.tlp`, or add to the lakefile:",
        highlight=False,
    )
    out.print(f"    lean_exe {exe} where\n      root := `{result.full_name}Main", markup=False, highlight=False)


def _export_torchscript(
    path: Path, name: str | None, out_dir: Path, shapes: dict[str, list[int]], force: bool, check: bool, main: bool
) -> Any:
    from tlean.codegen.leantext import module_name
    from tlean.torch_export import TorchExportError, export_torch, forward_input_names, load_torchscript

    module = load_torchscript(path)
    fwd = forward_input_names(module)
    if not shapes or (fwd is not None and len(fwd) != len(shapes)):
        want = f"{len(fwd)} input(s) ({', '.join(fwd)})" if fwd is not None else "its inputs"
        raise TorchExportError(
            f"{path.name} is a TorchScript file whose forward takes {want}: give one --input-shape "
            f"NAME=D1,D2,... per input, in order ({len(shapes)} given)"
        )
    import torch

    example = [torch.randn(*dims) for dims in shapes.values()]
    return export_torch(
        module,
        example,
        name=name or module_name(path.stem),
        out_dir=out_dir,
        input_names=list(shapes),
        force=force,
        check=check,
        main=main,
    )


def _check_lean(result: Any, *, quiet: bool) -> dict[str, Any]:
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
        print_json(report)
        return
    render.doctor_table(out, report)


@app.command("new")
@handles_errors
def new_cmd(
    directory: Annotated[Path, typer.Argument(help="The folder of the new Lake package (created; must be empty).")],
    name: Annotated[
        str | None, typer.Option("--name", help="The package's Lean name (default: from the folder name).")
    ] = None,
    tlean_path: Annotated[
        Path | None,
        typer.Option("--tlean-path", help="Require tlean from this local checkout [the one this tlean runs from]."),
    ] = None,
    tlean_git: Annotated[
        str | None, typer.Option("--tlean-git", help="Require tlean from this git URL instead of a local path.")
    ] = None,
    rev: Annotated[str, typer.Option("--rev", help="--tlean-git: the git revision to pin.")] = "main",
    as_json: JsonOpt = False,
) -> None:
    """Create a Lake package that requires tlean (same Lean toolchain), with an exported example
    model, its evaluator as a `lake exe`, a lock file and a CI workflow."""
    from tlean.scaffold import new_package

    result = new_package(directory, name=name, tlean_path=tlean_path, tlean_git=tlean_git, rev=rev)
    if as_json:
        print_json(result)
        return
    out.print(f"[green]created[/] Lake package {result['package']} in {result['directory']}", highlight=False)
    for f in result["files"]:
        out.print(f"  {f}", markup=False, highlight=False)
    out.print("next (needs the Lean toolchain, see README):", highlight=False)
    for step in result["next"]:
        out.print(f"  {step}", markup=False, highlight=False)


def parse_input_shapes(specs: list[str] | None) -> dict[str, list[int]]:
    """``["x=1,3,224,224"]`` -> ``{"x": [1, 3, 224, 224]}`` (UsageError when malformed)."""
    shapes: dict[str, list[int]] = {}
    for spec in specs or []:
        name, sep, dims = spec.rpartition("=")
        if not sep or not name:
            raise UsageError(f"--input-shape {spec!r}: expected NAME=D1,D2,... (e.g. x=1,3,32,32)")
        if name in shapes:
            raise UsageError(f"--input-shape {name} is given twice; give each input once")
        try:
            shapes[name] = [int(d) for d in dims.split(",")] if dims.strip() else []
        except ValueError:
            raise UsageError(f"--input-shape {spec!r}: dimensions must be integers, e.g. x=1,3,32,32") from None
        if any(d < 1 for d in shapes[name]):
            raise UsageError(f"--input-shape {spec!r}: every dimension must be at least 1")
    return shapes


def _register_extensions() -> None:
    from tlean import cli_proofs

    cli_proofs.register(app, handles_errors)
    import importlib
    import importlib.util

    # The verification commands (bounds, verify, check-cert, ...), when that module exists.
    if importlib.util.find_spec("tlean.cli_verify") is not None:
        importlib.import_module("tlean.cli_verify").register(app)
    importlib.import_module("tlean.cli_grad").register(app)  # tlean grad (autograd, issue 11)


_register_extensions()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point (exit codes and JSON errors as in :mod:`tlean.cli_common`)."""
    run_main(app, argv)
