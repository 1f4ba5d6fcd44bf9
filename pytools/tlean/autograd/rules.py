"""The per-op rule registry: one JVP rule and one VJP rule per IR op.

A :class:`Rule` holds

- ``jvp(attrs, args, y, tangents) -> tangent`` — the op's derivative applied to the tangents of
  its arguments (``args`` are the argument values, ``y`` the op's value);
- ``vjp(attrs, args, y, cotangent, needs) -> [cotangent of each argument]`` — the transpose of
  that linear map; ``needs[k]`` is False when argument ``k`` does not depend on any input or
  parameter (its entry may then be ``None``).

Op-family modules (:mod:`.elementwise`, :mod:`.affine`, :mod:`.convolution`, ...) register their
rules with :func:`rule`; :func:`rule_for` is what the graph passes use. ``tests/test_autograd_rules.py``
checks that every non-leaf op of :data:`tlean.ir.OPS` has a rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]
Jvp = Callable[[Any, list[Array], Array, list[Array]], Array]
Vjp = Callable[[Any, list[Array], Array, Array, list[bool]], list["Array | None"]]


@dataclass(frozen=True)
class Rule:
    """The forward (JVP) and reverse (VJP) derivative rules of one op."""

    op: str
    jvp: Jvp
    vjp: Vjp


RULES: dict[str, Rule] = {}


def rule(op: str, jvp: Jvp, vjp: Vjp) -> None:
    """Registers the rules of ``op`` (raises on a duplicate)."""
    if op in RULES:
        raise AssertionError(f"autograd rule for {op!r} registered twice")
    RULES[op] = Rule(op, jvp, vjp)


def rule_for(op: str) -> Rule:
    """The rules of ``op``; the family modules are loaded on first use."""
    import tlean.autograd.families  # noqa: F401  (registers the rules)

    return RULES[op]


def unbroadcast(g: Array, shape: tuple[int, ...] | list[int]) -> Array:
    """The adjoint of NumPy broadcasting ``shape`` up to ``g.shape``: sums the stretched axes."""
    shape = tuple(shape)
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(shape) if d == 1 and g.shape[lead + i] != 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape) if axes else g.reshape(shape)


def zeros_like_args(args: list[Array], needs: list[bool]) -> list[Array | None]:
    """Zero cotangents for the arguments that need one (ops whose derivative is zero)."""
    return [np.zeros_like(a) if n else None for a, n in zip(args, needs, strict=True)]
