"""The rule interface the generic bound pass drives, and the registry of rules per op.

Every op has one :class:`Rule` holding its interval (IBP) rule and, where it has one, its linear
relaxation for CROWN, side by side. There are three kinds of relaxation and the generic pass in
:mod:`tlean.verify.bounds.engine` knows only these kinds, never an op:

- :class:`Affine` (``Rule.affine``): the node is an affine map of its variable inputs,
  ``y = Σ_i J_i x_i + c``, with float ``J_i``/``c`` and rigorous radii for what floats cannot hold
  exactly. IBP, the backward step and the primal (forward) step all derive from it.
- :class:`Lines` (``Rule.lines``): an elementwise function of one input with, per element, a lower
  line ``al z + cl <= f(z)`` and an upper line ``f(z) <= au z + cu`` valid on the input's box (in
  exact real arithmetic: the rule makes the intercepts rigorous).
- custom ``Rule.back`` / ``Rule.primal`` (max pooling).

A rule without a relaxation is bounded by its IBP box where the backward pass meets it
(reported as a fallback). An op without a rule at all is an explicit error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tlean import ir
from tlean.verify.bounds.fp import ETA, Arr, abs_max, gamma


class NoRuleError(Exception):
    """Internal: an op has no bound rule (turned into :class:`BoundsUnsupportedError`)."""


@dataclass
class Box:
    """An interval enclosure of a node's exact value (float64 arrays of the node's shape)."""

    lo: Arr
    hi: Arr

    @property
    def m(self) -> Arr:
        return abs_max(self.lo, self.hi)

    @staticmethod
    def point(v: Arr) -> Box:
        a = np.asarray(v, dtype=np.float64)
        return Box(a, a.copy())

    def is_point(self) -> bool:
        return bool(np.array_equal(self.lo, self.hi))


@dataclass
class Ctx:
    """What a rule sees of one node: the node, typed attributes, shapes, which inputs vary."""

    k: int
    node: ir.Node
    attrs: Any
    shape: tuple[int, ...]
    in_shapes: list[tuple[int, ...]]
    var: list[bool]
    boxes: list[Box]  # boxes of the inputs (constants: their enclosure)

    @property
    def n(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


@dataclass
class Affine:
    """``y = Σ_i J_i x_i + c`` over the node's variable inputs.

    ``back(Λ)`` maps row coefficients ``Λ : [S, *out]`` to ``[S, *in_i]`` per input (``None`` for
    constant inputs); ``fwd(xs)`` applies ``J`` (no constant) to batched ``xs[i] : [S, *in_i]``;
    ``absfwd(vs)`` applies ``|J|`` to non-negative ``vs``. ``depth`` bounds the number of roundings
    any term of ``fwd``/``back``/``absfwd`` goes through (for ``γ_depth``). ``jrad(vs)`` bounds
    ``|J_exact - J| vs`` when ``J`` is not exact (``None``: exact). ``c``/``c_rad``: the float
    constant (node shape, or ``None``) and a bound of its distance from the exact one.
    """

    back: Callable[[Arr], list[Arr | None]]
    fwd: Callable[[list[Arr | None]], Arr]
    absfwd: Callable[[list[Arr | None]], Arr]
    depth: int
    c: Arr | None = None
    c_rad: Arr | None = None
    jrad: Callable[[list[Arr | None]], Arr] | None = None
    #: Optional fast path for one-hot rows: (flat index, coefficient) -> per input Λ or None.
    back_onehot: Callable[[np.ndarray, Arr], list[Arr | None]] | None = None

    def errvec(self, ms: list[Arr | None]) -> Arr:
        """``2γ |J| m + |J_exact - J| m`` (flattened): bounds ``|(Λ J)_exact - fl(Λ J)| m`` per
        unit of ``|Λ|`` (the engine multiplies by ``|Λ|``)."""
        with np.errstate(all="ignore"):
            e = gamma(self.depth) * self.absfwd(ms)
            if self.jrad is not None:
                e = e + self.jrad(ms) * (1.0 + gamma(4))
        return np.asarray(e, dtype=np.float64).reshape(-1)


@dataclass
class Lines:
    """Per element (flattened): ``al z + cl <= f(z) <= au z + cu`` for ``z`` in the input box.

    ``amask``/``amin``/``amax``: elements whose lower slope may be any value in
    ``[amin, amax]`` with intercept 0 (ReLU-like: the α of α-CROWN); ``None`` when none.
    """

    al: Arr
    cl: Arr
    au: Arr
    cu: Arr
    amask: np.ndarray | None = None
    amin: Arr | None = None
    amax: Arr | None = None


class Rule:
    """The bound rules of one op (override what the op has)."""

    op: str = ""
    #: The interval rule is the affine form's image (the engine then reuses its cached form).
    ibp_via_affine: bool = True

    def ibp(self, c: Ctx) -> Box:
        aff = self.affine(c)
        if aff is None:
            raise NoRuleError(self.op)
        return affine_ibp(aff, c)

    def affine(self, c: Ctx) -> Affine | None:
        return None

    def lines(self, c: Ctx, box: Box) -> Lines | None:
        return None

    #: Custom backward step (Λ : [S, *out]) -> (per-input Λ or None, lower constant per row).
    def back(self, c: Ctx, lam: Arr) -> tuple[list[Arr | None], Arr] | None:
        return None

    #: Custom primal step for α-CROWN: inputs' primal values, Λ at the node -> the node's value.
    def primal(self, c: Ctx, lam: Arr, xs: list[Arr | None]) -> Arr:
        raise NotImplementedError

    def has_custom_back(self) -> bool:
        return type(self).back is not Rule.back


def arg(xs: list[Arr | None], i: int = 0) -> Arr:
    """The ``i``-th operand of an affine form's batched arguments (present: a variable input)."""
    x = xs[i]
    assert x is not None
    return x


def mid_rad(box: Box) -> tuple[Arr, Arr]:
    """A float centre and a rigorous radius with ``[lo, hi] ⊆ [mid - rad, mid + rad]``."""
    from tlean.verify.bounds.fp import up

    with np.errstate(all="ignore"):
        mid = box.lo * 0.5 + box.hi * 0.5
        mid = np.where(np.isfinite(mid), mid, 0.0)
        rad = up(np.maximum(up(box.hi - mid), up(mid - box.lo)))
    return mid, rad


def affine_ibp(aff: Affine, c: Ctx) -> Box:
    """The interval image of the input boxes under ``aff`` (centre-radius form, outward)."""
    from tlean.verify.bounds.fp import add_down, add_up, nan_to, sub_down

    mids: list[Arr | None] = []
    rads: list[Arr | None] = []
    vs: list[Arr | None] = []
    for v, b in zip(c.var, c.boxes, strict=True):
        if not v:
            mids.append(None)
            rads.append(None)
            vs.append(None)
            continue
        mid, rad = mid_rad(b)
        mids.append(mid[None])
        rads.append(rad[None])
        vs.append((np.abs(mid) + rad)[None])
    with np.errstate(all="ignore"):
        ym = np.asarray(aff.fwd(mids), dtype=np.float64).reshape(c.shape)
        yr = np.asarray(aff.absfwd(rads), dtype=np.float64).reshape(c.shape)
        e = aff.errvec(vs).reshape(c.shape)
        if aff.c is not None:
            e = e + gamma(2) * np.abs(aff.c)
            if aff.c_rad is not None:
                e = e + aff.c_rad
        e = e * (1.0 + gamma(4)) + 2 * (aff.depth + 2) * ETA  # + underflow of the products
        lo = sub_down(sub_down(ym, yr), e)
        hi = add_up(add_up(ym, yr), e)
        if aff.c is not None:
            lo = add_down(lo, aff.c)
            hi = add_up(hi, aff.c)
    return Box(nan_to(lo, -np.inf), nan_to(hi, np.inf))


REGISTRY: dict[str, Rule] = {}


def register(*ops: str) -> Callable[[type[Rule]], type[Rule]]:
    """Class decorator: one instance of the rule class serves each of ``ops``."""

    def deco(cls: type[Rule]) -> type[Rule]:
        for op in ops:
            if op in REGISTRY:
                raise ValueError(f"duplicate bound rule for {op}")
            inst = cls()
            inst.op = op
            REGISTRY[op] = inst
        return cls

    return deco


def rule_for(op: str) -> Rule:
    from tlean.verify.bounds import ops  # noqa: F401  (fills the registry)

    if op not in REGISTRY:
        raise NoRuleError(op)
    return REGISTRY[op]
