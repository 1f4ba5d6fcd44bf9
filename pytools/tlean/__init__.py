"""tlean: verified neural networks in Lean 4, driven from Python.

The main entry points: :func:`tlean.import_onnx` (ONNX -> IR), ``tlean.evaluate.evaluate``
(the NumPy reference evaluator), :func:`tlean.export_onnx` and :func:`tlean.export_torch`
(model -> Lean module + payload). They and the submodules (``tlean.evaluate``, ``tlean.ir``,
``tlean.check``, ...) are imported lazily on first use, so ``import tlean`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "import_onnx": ("tlean.onnx_import", "import_model"),
    "export_onnx": ("tlean.export", "export_onnx"),
    "export_torch": ("tlean.torch_export", "export_torch"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    if not name.startswith("_"):
        try:
            return importlib.import_module(f"tlean.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"tlean.{name}":
                raise
    raise AttributeError(f"module 'tlean' has no attribute {name!r}")


__all__ = ["__version__", "export_onnx", "export_torch", "import_onnx"]
