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

import onnx

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
    # Pow is imported only where it is an exact rewrite (constant exponent 1 or 2).
    r"test_pow(_\w+)?|test_operator_pow": "Pow with a runtime exponent is outside op set v1",
    r"test_gelu_tanh_[12]_expanded": "uses Pow with exponent 3, outside op set v1",
    r"test_reduce_log_sum_exp_empty_set_expanded": "casts a runtime tensor to double (float32 IR)",
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

    # In scope: ops that map to op set v1, plus the import-time-only Constant/Shape/Size.
    supported = REGISTRY.op_types() - set(FOLD_ONLY)
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
