"""PyTorch -> tlean: through PyTorch's own ONNX exporter, then the ONNX path.

torch is an optional dependency (``pip install torch==2.13.0``). The module is put in eval mode
(inference semantics: dropout off, batch norm on running statistics) and exported with the
TorchScript-based ``torch.onnx.export`` at opset 17 (which has LayerNormalization), into a
temporary file inside the output directory that is removed afterwards.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tlean.errors import TleanError
from tlean.export import ExportResult, Progress, check_module_name, export_onnx

DEFAULT_OPSET = 17


class TorchExportError(TleanError):
    """PyTorch's ONNX exporter failed, or torch is not installed."""

    code = "torch-export"


_NO_TORCH = (
    "PyTorch is not installed; install it with `pip install 'tlean[torch]'` (in a clone: "
    "`pip install -e '.[torch]'`), which pins torch==2.13.0"
)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """PyTorch's exporter and loader warn (deprecations, tracer notes) on stderr; tlean's output
    stays clean: warnings are silenced while they run."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _import_torch() -> Any:
    try:
        import torch
    except ImportError:
        raise TorchExportError(_NO_TORCH) from None
    return torch


def forward_input_names(module: Any) -> list[str] | None:
    """The names of ``module.forward``'s positional parameters (``None`` when unknown)."""
    schema = getattr(getattr(module, "forward", None), "schema", None)
    if schema is not None:  # TorchScript: the first argument is self
        return [a.name for a in schema.arguments[1:]]
    try:
        params = inspect.signature(module.forward).parameters.values()
    except (TypeError, ValueError, AttributeError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in params):
        return None
    return [p.name for p in params if p.kind in kinds]


def _count_outputs(module: Any, args: tuple[Any, ...]) -> int:
    torch = _import_torch()
    try:
        with torch.no_grad(), _quiet():
            out = module(*args)
    except Exception as e:  # noqa: BLE001 - user modules raise anything
        raise TorchExportError(
            f"running {type(module).__name__} on the example inputs failed: {_first_line(e)}"
        ) from None
    return len(out) if isinstance(out, tuple | list) else 1


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return f"{type(e).__name__}: {text.splitlines()[0][:300] if text else ''}"


def torch_to_onnx(
    module: Any,
    example_inputs: Sequence[Any],
    path: str | os.PathLike[str],
    *,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    opset: int = DEFAULT_OPSET,
) -> None:
    """Writes ``module`` (in eval mode) as ONNX to ``path``, with the TorchScript-based exporter
    (``dynamo=False``: the dynamo exporter, PyTorch's default, needs the onnxscript package).

    Inputs are named after ``forward``'s parameters unless ``input_names`` is given; outputs are
    named ``output`` (one) or ``output_0``, ``output_1``, ... unless ``output_names`` is given.
    """
    torch = _import_torch()
    module.eval()
    args = tuple(example_inputs)
    names = list(input_names) if input_names else None
    if names is None:
        fwd = forward_input_names(module)
        names = fwd if fwd is not None and len(fwd) == len(args) else [f"input_{i}" for i in range(len(args))]
    elif len(names) != len(args):
        raise TorchExportError(f"{len(names)} input name(s) for {len(args)} example input(s)")
    fwd = forward_input_names(module)
    if fwd is not None and len(fwd) != len(args):
        raise TorchExportError(
            f"{type(module).__name__}.forward takes {len(fwd)} input(s) ({', '.join(fwd)}), "
            f"but {len(args)} example input(s) were given"
        )
    if output_names is None:
        n_out = _count_outputs(module, args)
        output_names = ["output"] if n_out == 1 else [f"output_{i}" for i in range(n_out)]
    try:
        # Not under no_grad: there, modules such as TransformerEncoderLayer take a fused fast path
        # (aten::_transformer_encoder_layer_fwd) that has no ONNX export.
        with _quiet(), contextlib.redirect_stdout(None):
            torch.onnx.export(
                module,
                args,
                str(path),
                input_names=names,
                output_names=list(output_names),
                opset_version=opset,
                dynamo=False,
                do_constant_folding=False,
            )
    except Exception as e:  # noqa: BLE001 - the exporter raises many kinds; all are user-facing here
        raise TorchExportError(f"torch.onnx.export failed for {type(module).__name__}: {_first_line(e)}") from None


def export_torch(
    module: Any,
    example_inputs: Sequence[Any],
    *,
    name: str,
    out_dir: str | os.PathLike[str] = "NN/Models",
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    opset: int = DEFAULT_OPSET,
    force: bool = False,
    progress: Progress | None = None,
    check: bool = False,
    main: bool = False,
) -> ExportResult:
    """Exports a ``torch.nn.Module`` (or TorchScript module) like ``tlean export`` exports an
    ONNX file; inputs and outputs are named as in :func:`torch_to_onnx`.

    ``check`` compares tlean's evaluator with the module itself on seeded inputs
    (``result.check``). The intermediate ONNX file is deleted unless ``TLEAN_KEEP_ONNX=1``, in
    which case it is kept next to the module and its path is ``result.onnx_path``.
    """
    from tlean.runio import prepare_dir

    check_module_name(name)
    out = prepare_dir(out_dir, option="--out-dir")
    tmp = Path(tempfile.mkdtemp(dir=out, prefix=".tlean-torch-"))
    try:
        onnx_path = tmp / f"{name}.onnx"
        torch_to_onnx(
            module, example_inputs, onnx_path, input_names=input_names, output_names=output_names, opset=opset
        )
        result = export_onnx(onnx_path, name=name, out_dir=out, force=force, progress=progress, main=main)
        if os.environ.get("TLEAN_KEEP_ONNX") == "1":
            result.onnx_path = out / f"{name}.onnx"
            shutil.move(str(onnx_path), result.onnx_path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if check:
        from tlean.check import check_against_torch

        result.check = check_against_torch(module, result.imported)
    return result


#: File suffixes read as TorchScript (``.pt2`` is refused with advice).
TORCHSCRIPT_SUFFIXES = (".pt", ".pth", ".ts", ".torchscript", ".pt2")


def load_torchscript(path: str | os.PathLike[str]) -> Any:
    """A TorchScript module saved with ``torch.jit.save``.

    A ``torch.save`` checkpoint (a pickled module or state dict) and a ``.pt2`` ExportedProgram
    are refused with what to do instead: they hold no graph tlean can export without the Python
    class that made them.
    """
    p = Path(path)
    advice = (
        "save the model as TorchScript with torch.jit.save(torch.jit.trace(model.eval(), example), "
        f"{p.name!r}), or export it to ONNX with torch.onnx.export(model, example, 'model.onnx', dynamo=False), "
        "then run tlean on that file"
    )
    if p.suffix == ".pt2":
        raise TorchExportError(f"{p}: .pt2 (torch.export) files are not supported; {advice}")
    if not p.is_file():
        raise TorchExportError(f"{p}: no such file")
    if _is_checkpoint(p):
        raise TorchExportError(
            f"{p} is a torch.save checkpoint (pickled weights or module), not a TorchScript file; {advice}"
        )
    torch = _import_torch()
    try:
        with _quiet():
            return torch.jit.load(str(p), map_location="cpu")
    except Exception as e:  # noqa: BLE001 - torch raises RuntimeError/ValueError/... for bad files
        raise TorchExportError(f"{p}: not a TorchScript file ({_first_line(e)[:200]}); {advice}") from None


def _is_checkpoint(p: Path) -> bool:
    """A ``torch.save`` file: a zip with ``data.pkl`` and no TorchScript ``code/``, or a bare pickle."""
    try:
        if zipfile.is_zipfile(p):
            with zipfile.ZipFile(p) as z:
                names = z.namelist()
            has_code = any("/code/" in n for n in names)
            return not has_code and any(n.endswith("data.pkl") for n in names)
        with p.open("rb") as f:
            head = f.read(2)
        return head[:1] == b"\x80"  # pickle protocol 2+ (legacy torch.save)
    except (OSError, zipfile.BadZipFile):
        return False


def torchscript_to_onnx(path: Path, shapes: dict[str, list[int]], out_dir: Path) -> tuple[Any, Path]:
    """Loads a TorchScript file and writes it as ONNX into ``out_dir`` for ``inspect``/``run``:
    one shape per input, in ``forward``'s order (names from ``shapes``)."""
    module = load_torchscript(path)
    torch = _import_torch()
    fwd = forward_input_names(module)
    if not shapes:
        names = ", ".join(fwd) if fwd else "its inputs"
        raise TorchExportError(
            f"{path.name} is a TorchScript file: give the shape of each input of forward ({names}), in order",
            cli_message=(
                f"{path.name} is a TorchScript file: give the shape of each input of forward ({names}), in "
                "order, with --input-shape NAME=D1,D2,..."
            ),
        )
    if fwd is not None and len(fwd) != len(shapes):
        raise TorchExportError(
            f"{path.name}: forward takes {len(fwd)} input(s) ({', '.join(fwd)}), but {len(shapes)} shape(s) were given",
            cli_message=(
                f"{path.name}: forward takes {len(fwd)} input(s) ({', '.join(fwd)}), but {len(shapes)} "
                "--input-shape option(s) were given; give one per input, in order"
            ),
        )
    if fwd is not None and set(fwd) == set(shapes):
        shapes = {n: shapes[n] for n in fwd}  # forward's order when the names are forward's
    example = [torch.randn(*dims) for dims in shapes.values()]
    onnx_path = out_dir / f"{path.stem}.onnx"
    torch_to_onnx(module, example, onnx_path, input_names=list(shapes))
    return module, onnx_path
