"""Imports every converter module so that its converters register (explicit list, no star)."""

from tlean.onnx_import import (  # noqa: F401
    affine,
    constants,
    convolution,
    elementwise,
    normalisation,
    pooling,
    reductions,
    softmax,
    structural,
)
