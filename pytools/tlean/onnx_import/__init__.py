"""ONNX -> tlean IR import (see :mod:`tlean.onnx_import.importer`)."""

from tlean.onnx_import.importer import ImportedModel, import_model, support_table
from tlean.onnx_import.loader import DEFAULT_MAX_ELEMENTS, load_model_proto
from tlean.onnx_import.registry import REGISTRY

__all__ = [
    "DEFAULT_MAX_ELEMENTS",
    "REGISTRY",
    "ImportedModel",
    "import_model",
    "load_model_proto",
    "support_table",
]
