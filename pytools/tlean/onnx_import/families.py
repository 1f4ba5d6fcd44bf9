"""Imports every converter module so that its converters register (explicit list, no star)."""

from tlean.onnx_import import (  # noqa: F401
    activations,
    affine,
    constants,
    convolution,
    discrete,
    elementwise,
    normalisation,
    pooling,
    recurrent,
    reductions,
    resize,
    softmax,
    structural,
)
