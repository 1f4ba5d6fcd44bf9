"""The ``tlean grad --json`` document (``tlean.grad.v1``) and its JSON Schema.

``docs/schemas/tlean.grad.v1.json`` (and ``tlean.bench-grad.v1.json``, the output of
``scripts/bench_grad.py --json``) are :func:`grad_schema` committed; ``tests/test_autograd_cli.py``
fails when a model and its schema differ.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

GRAD_FORMAT = "tlean.grad.v1"


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GradSummary(_Doc):
    """One gradient array: its name, shape, min/max/mean, L2 norm, values when small, file."""

    name: str
    shape: list[int]
    min: float | None
    max: float | None
    mean: float | None
    l2: float | None
    values: list[float] | None = None
    saved: str | None = None


class GradReport(_Doc):
    """``tlean grad --json``: the gradients of a model w.r.t. its inputs (and parameters)."""

    format: Literal["tlean.grad.v1"] = "tlean.grad.v1"
    model: str
    dtype: Literal["float32", "float64"]
    loss: Literal["mse", "cross_entropy"] | None = None
    #: Per output (the loss output with --loss): "ones" or the .npy file the cotangent came from.
    cotangents: dict[str, str]
    inputs: list[GradSummary]
    params: list[GradSummary]


class BenchGradRow(_Doc):
    """One model of ``scripts/bench_grad.py``: median seconds per side and their ratio."""

    model: str
    nodes: int
    parameters: int
    tlean_s: float
    torch_s: float
    tlean_over_torch: float
    max_rel_diff_input_grad: float


class BenchGradReport(_Doc):
    """``scripts/bench_grad.py --json``: tlean's ``vjp`` against PyTorch's backward."""

    format: Literal["tlean.bench-grad.v1"] = "tlean.bench-grad.v1"
    threads: int
    repeat: int
    models: list[BenchGradRow]
    median_tlean_over_torch: float
    max_tlean_over_torch: float


def summarise(name: str, arr: np.ndarray, saved: str | None = None) -> GradSummary:
    """The :class:`GradSummary` of one gradient (statistics over its finite elements)."""
    finite = arr[np.isfinite(arr)] if arr.size else arr
    has = bool(finite.size)
    return GradSummary(
        name=name,
        shape=list(arr.shape),
        min=float(finite.min()) if has else None,
        max=float(finite.max()) if has else None,
        mean=float(finite.mean()) if has else None,
        l2=float(np.sqrt(np.sum(np.square(finite, dtype=np.float64)))) if has else None,
        values=[float(v) for v in arr.ravel()] if arr.size <= 32 else None,
        saved=saved,
    )


#: The documents of this module: format tag -> (model, title).
SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    GRAD_FORMAT: (GradReport, "tlean grad result (tlean.grad.v1)"),
    "tlean.bench-grad.v1": (BenchGradReport, "scripts/bench_grad.py result (tlean.bench-grad.v1)"),
}


def grad_schema(fmt: str = GRAD_FORMAT) -> dict[str, Any]:
    """The JSON Schema of ``fmt`` documents (``tlean.grad.v1`` or ``tlean.bench-grad.v1``)."""
    model, title = SCHEMAS[fmt]
    schema = model.model_json_schema()
    schema["$id"] = f"https://tlean.dev/schemas/{fmt}.json"
    schema["title"] = title
    return schema


def grad_schema_text(fmt: str = GRAD_FORMAT) -> str:
    return json.dumps(grad_schema(fmt), indent=2, sort_keys=True) + "\n"
