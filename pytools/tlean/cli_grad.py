"""CLI command ``tlean grad``: gradients of a model with tlean's reverse mode (:mod:`tlean.autograd`).

This module only parses arguments, calls the library and renders the result; exit codes follow
:mod:`tlean.cli_common` (0 done, 2 user error, 70 internal error — there is no verdict).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from tlean.cli_common import JsonOpt, handles_errors, print_json
from tlean.errors import InputFileError, UsageError

ModelArg = Annotated[Path, typer.Argument(help="The model: ONNX, or a TorchScript file (.pt/.pth).")]


def _load_cotangents(specs: list[str], shapes: dict[str, tuple[int, ...]]) -> dict[str, tuple[np.ndarray, str]]:
    """``NAME=FILE.npy`` cotangents checked against the output names and shapes."""
    out: dict[str, tuple[np.ndarray, str]] = {}
    for spec in specs:
        # Output names may contain '=': prefer the longest known name, as --input does.
        name = next((n for n in sorted(shapes, key=len, reverse=True) if spec.startswith(n + "=")), None)
        if name is None:
            raise UsageError(
                f"--cotangent {spec!r}: expected OUTPUT=FILE.npy with OUTPUT one of {', '.join(map(repr, shapes))}"
            )
        if name in out:
            raise UsageError(f"--cotangent {name} is given twice; give each output once")
        path = spec[len(name) + 1 :]
        try:
            arr = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as e:
            raise InputFileError(f"--cotangent {name}: {path!r} is not a readable .npy file of numbers ({e})") from None
        if arr.dtype.kind not in "fiu":
            raise InputFileError(f"--cotangent {name}: {path!r} holds {arr.dtype}, expected floats")
        if tuple(arr.shape) != shapes[name]:
            raise InputFileError(
                f"--cotangent {name}: {path!r} has shape {list(arr.shape)}, the output has {list(shapes[name])}"
            )
        out[name] = (arr, path)
    return out


def _table(title: str, rows: list[Any]) -> Any:
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for col in ("name", "shape", "min", "max", "mean", "L2", "saved"):
        t.add_column(col)

    def f(v: float | None) -> str:
        return "-" if v is None else f"{v:.6g}"

    for r in rows:
        t.add_row(r.name, str(r.shape), f(r.min), f(r.max), f(r.mean), f(r.l2), r.saved or "")
    return t


def register(app: typer.Typer) -> None:
    """Adds ``grad`` to the ``tlean`` app."""

    @app.command("grad")
    @handles_errors
    def grad_cmd(
        model: ModelArg,
        input: Annotated[
            list[str] | None, typer.Option("--input", help="NAME=FILE.npy for each model input (repeatable).")
        ] = None,
        cotangent: Annotated[
            list[str] | None,
            typer.Option(
                "--cotangent",
                help="NAME=FILE.npy: the cotangent of an output (repeatable; default: ones for every output).",
            ),
        ] = None,
        loss: Annotated[
            str | None,
            typer.Option("--loss", help="Differentiate loss(model(x), target) instead: mse or cross_entropy."),
        ] = None,
        target: Annotated[
            Path | None,
            typer.Option(
                "--target",
                help="--loss: the target .npy (class indices as integers, or an array of the output's shape).",
            ),  # fmt: skip
        ] = None,
        save: Annotated[
            Path | None,
            typer.Option("--save", "--out-dir", help="Write DIR/inputs/<name>.npy and DIR/params/<name>.npy."),
        ] = None,
        inputs_only: Annotated[bool, typer.Option("--inputs-only", help="Skip the parameter gradients.")] = False,
        float64: Annotated[
            bool, typer.Option("--float64", help="Differentiate in float64 (default: float32, the evaluator's values).")
        ] = False,
        input_shape: Annotated[
            list[str] | None, typer.Option("--input-shape", help="Fix an input's dims: NAME=D1,D2,... (repeatable).")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Gradients of a model w.r.t. its inputs and parameters (tlean's reverse mode).

        The cotangent of each output is ones unless --cotangent gives it, so the default is the
        gradient of the sum of the outputs; with --loss it is the gradient of the loss."""
        from tlean import cli as base
        from tlean.autograd import output_names, vjp, with_loss
        from tlean.autograd.report import GradReport, summarise
        from tlean.onnx_import.loader import DEFAULT_MAX_ELEMENTS
        from tlean.runio import load_inputs, parse_feeds, prepare_dir, save_outputs

        if (loss is None) != (target is None):
            raise UsageError("--loss and --target go together")
        if loss is not None and cotangent:
            raise UsageError("--cotangent does not apply with --loss (the loss's cotangent is 1)")
        if save is not None:
            prepare_dir(save, option="--save")
        shapes = base.parse_input_shapes(input_shape)
        feeds_spec = parse_feeds(input or [], [])
        if base._is_torchscript(model) and not shapes:
            from tlean.runio import npy_shape

            shapes = {n: npy_shape(f, name=n) for n, f in feeds_spec.items()}
        with tempfile.TemporaryDirectory(prefix="tlean-grad-") as work:
            onnx_path, _ = base._onnx_of(model, shapes, Path(work))
            imported = base._import_for_run(
                onnx_path, {} if onnx_path != model else shapes, feeds_spec, DEFAULT_MAX_ELEMENTS
            )
        graph = imported.graph
        feeds = load_inputs(graph, input or [])
        if loss is not None:
            assert target is not None
            try:
                tgt = np.load(target, allow_pickle=False)
            except (OSError, ValueError, EOFError) as e:
                raise InputFileError(f"--target: {str(target)!r} is not a readable .npy file ({e})") from None
            graph = with_loss(graph, loss, tgt)
        names = output_names(graph)
        out_shapes = {n: tuple(graph.nodes[o].shape) for n, o in zip(names, graph.outputs, strict=True)}
        given = _load_cotangents(cotangent or [], out_shapes)
        dtype = np.float64 if float64 else np.float32
        cts = {n: (given[n][0] if n in given else np.ones(out_shapes[n])) for n in names}
        gin, gpar = vjp(graph, feeds, imported.params, cts, dtype=dtype, wrt_params=not inputs_only)
        saved_in = save_outputs(save / "inputs", list(gin), list(gin.values())) if save is not None else {}
        saved_p = save_outputs(save / "params", list(gpar), list(gpar.values())) if save is not None and gpar else {}
        report = GradReport(
            model=model.name,
            dtype="float64" if float64 else "float32",
            loss=loss,  # type: ignore[arg-type]
            cotangents={n: (given[n][1] if n in given else "ones") for n in names},
            inputs=[summarise(k, v, saved_in.get(k)) for k, v in gin.items()],
            params=[summarise(k, v, saved_p.get(k)) for k, v in gpar.items()],
        )
        if as_json:
            print_json(report.model_dump(mode="json"))
            return
        base.out.print(_table("input gradients", report.inputs))
        if report.params:
            base.out.print(_table(f"parameter gradients ({len(report.params)})", report.params))
