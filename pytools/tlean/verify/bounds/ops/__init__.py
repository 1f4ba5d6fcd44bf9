"""Bound rules, one module per op family (registered from this explicit list)."""

from tlean.verify.bounds.ops import (  # noqa: F401
    affine,
    convolution,
    elementwise,
    extra,
    normalisation,
    pooling,
    reductions,
    softmax,
    structural,
)
