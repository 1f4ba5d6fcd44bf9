"""Which of ONNX's own conformance tests tlean runs, and which it excludes (with the reason).

The suite is ``onnx.backend.test`` driven through :class:`tlean.backend.TleanBackend`:

- **node** tests whose every op has a converter in tlean's registry that maps it to op set v1
  (ops that tlean handles only by folding them on constants, such as ``Gather``, are out of
  scope);
- **pytorch-converted** and **pytorch-operator** tests under the same rule;
- the nine **light** real-architecture models (``real`` kind, data shipped in the onnx wheel).

A test in scope but not run is listed in :data:`EXCLUDES` with the reason; this is the one
place where exclusions live. Tests whose outputs are not float32 are out of scope by rule
(the IR is a float32 IR); :func:`select` reports them separately.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import onnx
from pydantic import BaseModel, ConfigDict

#: Excluded in-scope tests (regex on the test name without the device suffix) -> reason.
EXCLUDES: dict[str, str] = {
    # Op set v1 has conv2d/pool2d only (1-D runs as 2-D with H = 1); no 3-D.
    r"test_(Conv3d|AvgPool3d|MaxPool3d)\w*": "3-D convolution/pooling is outside op set v1",
    r"test_(averagepool|maxpool)_3d\w*": "3-D pooling is outside op set v1",
    # Op set v1 pooling has no dilations attribute.
    r"test_(averagepool|maxpool)_2d_dilations": "pooling with dilations is outside op set v1",
    r"test_MaxPool[12]d_stride_padding_dilation": "pooling with dilations is outside op set v1",
    # pad is constant mode only.
    r"test_(ReflectionPad2d|ReplicationPad2d|operator_pad)": "reflect/edge padding is outside op set v1",
    # The IR is an inference IR.
    r"test_batchnorm_\w+_training_mode": "BatchNormalization training mode is outside op set v1",
    r"test_training_dropout\w*": "Dropout training mode is outside op set v1",
    # Pow is imported with a constant exponent only; these tests feed the exponent as an input.
    r"test_pow(_\w+)?|test_operator_pow": "Pow with a run-time exponent (an input) is outside the IR",
    r"test_reduce_log_sum_exp_empty_set_expanded": "casts a runtime tensor to double (float32 IR)",
    # Inputs with a zero dimension are refused at import (an empty tensor has nothing to verify).
    r"test_\w+_empty_set(_\w+)?|test_split_zero_size_splits_opset\d+|test_reshape_allowzero_reordered"
    r"|test_castlike_\w+_to_FLOAT_expanded": "feeds a tensor with a zero dimension, refused at import",
    r"test_slice_start_out_of_bounds": "its output has a zero dimension (empty), refused at import",
    # Transposed convolution: 2-D (and 1-D) only; output_shape beyond the full result needs
    # negative pads, which the IR does not have.
    r"test_convtranspose_3d": "3-D transposed convolution is outside the IR",
    r"test_convtranspose_output_shape": "output_shape larger than the full result (negative pads)",
    # Resize: cubic interpolation, tf_crop_and_resize, antialiased downsampling and the
    # keep-aspect-ratio policies are refused at import (nearest/linear with stretch only).
    r"test_resize_\w*cubic\w*": "cubic interpolation is refused (nearest and linear only)",
    r"test_resize_tf_crop_and_resize\w*": "tf_crop_and_resize is refused",
    r"test_resize_downsample_\w+_antialias": "antialiased downsampling is refused",
    r"test_resize_\w+_not_(larger|smaller)": "keep_aspect_ratio_policy other than stretch is refused",
    r"test_resize_downsample_scales_linear_align_corners": "the expected output divides by the fractional "
    "output length 0.6·4 = 2.4; onnxruntime and tlean use the integer output size 2 "
    "(tests/test_ops_resize.py checks align_corners against onnxruntime)",
    # Test-data quirk: the expected output is stored as a NumPy scalar, which onnx's runner
    # normalises to an empty array; tests/test_import_ops.py checks this case against numpy.
    r"test_matmul_1d_1d": "expected output stored as a NumPy scalar (runner turns it into [])",
}

#: The nine real-architecture models whose weights and outputs ship in the onnx wheel.
LIGHT_MODELS = (
    "test_bvlc_alexnet", "test_densenet121", "test_inception_v1", "test_inception_v2",
    "test_resnet50", "test_shufflenet", "test_squeezenet", "test_vgg19", "test_zfnet512",
)  # fmt: skip

KINDS = ("node", "pytorch-converted", "pytorch-operator")


@dataclass
class Selection:
    """The outcome of scoping: what runs, what is excluded and why, what is out of scope."""

    run: list[str] = field(default_factory=list)
    excluded: dict[str, str] = field(default_factory=dict)
    out_of_scope: dict[str, str] = field(default_factory=dict)


def _ops(model: onnx.ModelProto) -> set[str]:
    ops = {n.op_type for n in model.graph.node}
    for fn in model.functions:
        ops |= {n.op_type for n in fn.node}
    return ops


def _float32_outputs(model: onnx.ModelProto) -> bool:
    return all(
        vi.type.HasField("tensor_type") and vi.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
        for vi in model.graph.output
    )


def _excluded(name: str) -> str | None:
    for pattern, reason in EXCLUDES.items():
        if re.fullmatch(pattern, name):
            return reason
    return None


@lru_cache(maxsize=1)
def select() -> Selection:
    """Scopes every node/pytorch test and adds the light models."""
    import warnings

    from onnx.backend.test.loader import load_model_tests

    from tlean.onnx_import import (
        REGISTRY,
        families,  # noqa: F401
    )
    from tlean.onnx_import.constants import FOLD_ONLY
    from tlean.onnx_import.discrete import REFUSED

    # In scope: ops that map to IR ops, plus the import-time-only Constant/Shape/Size; not the
    # fold-only ops nor the discrete ops that are registered only to be refused with advice.
    supported = REGISTRY.op_types() - set(FOLD_ONLY) - set(REFUSED)
    sel = Selection()
    for kind in KINDS:
        with warnings.catch_warnings():  # onnx's test-case generators warn about casts
            warnings.simplefilter("ignore")
            cases = load_model_tests(kind=kind)
        for case in cases:
            model = case.model
            if model is None and case.model_dir:
                model = onnx.load(os.path.join(case.model_dir, "model.onnx"))
            if model is None:
                continue
            missing = sorted(_ops(model) - supported)
            if missing:
                sel.out_of_scope[case.name] = f"uses {', '.join(missing)} (outside op set v1)"
                continue
            if not _float32_outputs(model):
                sel.out_of_scope[case.name] = "an output is not float32 (the IR is float32 only)"
                continue
            reason = _excluded(case.name)
            if reason:
                sel.excluded[case.name] = reason
            else:
                sel.run.append(case.name)
    for name in LIGHT_MODELS:
        reason = _excluded(name)
        if reason:
            sel.excluded[name] = reason
        else:
            sel.run.append(name)
    sel.run.sort()
    return sel


def include_pattern(names: list[str]) -> str:
    """The regex for ``BackendTest.include`` that selects exactly ``names`` on CPU."""
    return "^(" + "|".join(re.escape(n) for n in names) + ")_cpu$"


# ------------------------------------------------------------------------------ report formats
# The JSON written by scripts/conformance.py, scripts/coverage.py and scripts/fuzz_import.py is
# built from these models, and docs/schemas/ holds their JSON Schemas (tests/test_onnx_conformance.py
# fails when a committed schema differs from the model).


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConformanceResult(_Doc):
    status: Literal["passed", "failed", "skipped"]
    error: str = ""


class ConformanceReport(_Doc):
    """``scripts/conformance.py --json``: per-test results, exclusions and out-of-scope tests."""

    format: Literal["tlean.conformance.v1"] = "tlean.conformance.v1"
    results: dict[str, ConformanceResult]
    excluded: dict[str, str]
    out_of_scope: dict[str, str]


class CoverageResult(_Doc):
    name: str
    imported: bool
    checked: bool = False
    reason: str = ""
    ir_nodes: int = 0
    max_abs_error: float = 0.0
    seconds: float = 0.0


class CoverageReport(_Doc):
    """``scripts/coverage.py --json``: one row per zoo model."""

    format: Literal["tlean.coverage.v1"] = "tlean.coverage.v1"
    results: list[CoverageResult]


class FuzzCrash(_Doc):
    model: str
    mutant: int
    traceback: str


class FuzzReportDoc(_Doc):
    """``scripts/fuzz_import.py --json``: outcome counts and every crash's traceback."""

    format: Literal["tlean.fuzz.v1"] = "tlean.fuzz.v1"
    mutants: int
    imported: int
    refused: dict[str, int]
    crashes: list[FuzzCrash]


REPORT_MODELS: dict[str, type[BaseModel]] = {
    "tlean.conformance.v1": ConformanceReport,
    "tlean.coverage.v1": CoverageReport,
    "tlean.fuzz.v1": FuzzReportDoc,
}


def report_schema(fmt: str) -> dict[str, object]:
    """The JSON Schema of report format ``fmt`` (as committed in ``docs/schemas/<fmt>.json``)."""
    schema = REPORT_MODELS[fmt].model_json_schema()
    schema["$id"] = f"https://tlean.dev/schemas/{fmt}.json"
    return schema
