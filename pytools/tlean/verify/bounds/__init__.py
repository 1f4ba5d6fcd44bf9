"""Certified bounds of IR graphs: IBP, CROWN and α-CROWN, sound for the exact real semantics.

See :mod:`tlean.verify.bounds.api` for the entry points and ``docs/bounds.md`` for the design.
"""

from tlean.verify.bounds.api import BoundedModel, compute_bounds, spec_margin_bounds

__all__ = ["BoundedModel", "compute_bounds", "spec_margin_bounds"]
