"""Loads every op family's rules (an explicit list, as the importer's ``families`` module)."""

from tlean.autograd import (  # noqa: F401  (each module registers its rules on import)
    affine,
    convolution,
    elementwise,
    normalisation,
    pooling,
    structural,
)
