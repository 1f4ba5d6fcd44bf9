"""PyTorch -> tlean: through PyTorch's own ONNX exporter, then the ONNX path.

torch is an optional dependency (``pip install torch==2.13.0``). The module is put in eval mode
(inference semantics: dropout off, batch norm on running statistics) and exported with the
TorchScript-based ``torch.onnx.export`` at opset 17 (which has LayerNormalization), into a
temporary file inside the output directory that is removed afterwards.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tlean.errors import TleanError
from tlean.export import ExportResult, Progress, export_onnx

DEFAULT_OPSET = 17


class TorchExportError(TleanError):
    """PyTorch's ONNX exporter failed, or torch is not installed."""

    code = "torch-export"


def torch_to_onnx(
    module: Any,
    example_inputs: Sequence[Any],
    path: str | os.PathLike[str],
    *,
    input_names: Sequence[str] | None = None,
    opset: int = DEFAULT_OPSET,
) -> None:
    """Writes ``module`` (in eval mode) as ONNX to ``path``."""
    try:
        import torch
    except ImportError:
        raise TorchExportError("PyTorch is not installed; install it with: pip install torch==2.13.0") from None
    module.eval()
    args = tuple(example_inputs)
    names = list(input_names) if input_names else [f"input_{i}" for i in range(len(args))]
    try:
        # Not under no_grad: there, modules such as TransformerEncoderLayer take a fused fast path
        # (aten::_transformer_encoder_layer_fwd) that has no ONNX export.
        torch.onnx.export(
            module, args, str(path), input_names=names, opset_version=opset, dynamo=False, do_constant_folding=False
        )
    except Exception as e:  # noqa: BLE001 - the exporter raises many kinds; all are user-facing here
        raise TorchExportError(f"torch.onnx.export failed for {type(module).__name__}: {e}") from None


def export_torch(
    module: Any,
    example_inputs: Sequence[Any],
    *,
    name: str,
    out_dir: str | os.PathLike[str] = "NN/Models",
    input_names: Sequence[str] | None = None,
    opset: int = DEFAULT_OPSET,
    force: bool = False,
    progress: Progress | None = None,
) -> ExportResult:
    """Exports a ``torch.nn.Module`` like ``tlean export`` exports an ONNX file.

    The intermediate ONNX file is deleted unless ``TLEAN_KEEP_ONNX=1``, in which case it is kept
    next to the module and its path is ``result.onnx_path``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out, prefix=".tlean-torch-"))
    try:
        onnx_path = tmp / f"{name}.onnx"
        torch_to_onnx(module, example_inputs, onnx_path, input_names=input_names, opset=opset)
        result = export_onnx(onnx_path, name=name, out_dir=out, force=force, progress=progress)
        if os.environ.get("TLEAN_KEEP_ONNX") == "1":
            result.onnx_path = out / f"{name}.onnx"
            shutil.move(str(onnx_path), result.onnx_path)
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


TORCHSCRIPT_SUFFIXES = (".pt", ".pth", ".ts", ".torchscript")


def load_torchscript(path: str | os.PathLike[str]) -> Any:
    """A TorchScript module saved with ``torch.jit.save`` (``.pt2`` ExportedPrograms are refused:
    exporting them needs PyTorch's dynamo exporter and its onnxscript dependency)."""
    p = Path(path)
    if p.suffix == ".pt2":
        raise TorchExportError(
            f"{p}: .pt2 (torch.export) files are not supported; save the module with torch.jit.save "
            "(TorchScript) or export it to ONNX, then run tlean export on that"
        )
    try:
        import torch
    except ImportError:
        raise TorchExportError("PyTorch is not installed; install it with: pip install torch==2.13.0") from None
    if not p.is_file():
        raise TorchExportError(f"{p}: no such file")
    try:
        return torch.jit.load(str(p), map_location="cpu")  # type: ignore[no-untyped-call]
    except Exception as e:  # noqa: BLE001 - torch raises RuntimeError/ValueError/... for bad files
        raise TorchExportError(
            f"{p}: not a TorchScript file ({type(e).__name__}: {str(e).splitlines()[0][:200]})"
        ) from None
