"""The normal form of a property: input boxes, each with a disjunction of violation polytopes.

A :class:`Spec` says: the property is violated iff some input ``x`` of some :class:`InputBox`
gives an output ``y`` inside some of that box's :class:`Polytope`\\ s ``A y <= b``. ``unsat`` (no
such ``x``) means the property holds. Input ``i`` is element ``i`` of the model's single input
flattened in row-major order; output ``j`` likewise.

Numbers are exact :class:`~fractions.Fraction`\\ s parsed from the spec's decimal text. Each box
also offers the float32 box rounded *outward* (:attr:`InputBox.lower_f32` rounded down,
:attr:`InputBox.upper_f32` rounded up): it contains the real box, so bounds computed over it are
bounds over the spec. Strict comparisons are read as non-strict (the closure of the violation
region): proving the closure empty proves the strict one empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import numpy as np

from tlean.errors import TleanError


class SpecError(TleanError):
    """A specification is malformed or does not fit the model; the message names file, line, column."""

    code = "bad-spec"


_F32_MAX = Fraction(float(np.finfo(np.float32).max))


def _f32_down(q: Fraction) -> np.float32:
    """The largest float32 that is <= q (-inf below the float32 range)."""
    if q >= _F32_MAX:
        return np.float32(np.finfo(np.float32).max)
    if q < -_F32_MAX:
        return np.float32(-np.inf)
    x = np.float32(float(q))  # nearest float32 (double rounding is corrected below)
    while Fraction(float(x)) > q:
        x = np.nextafter(x, np.float32(-np.inf))
    while True:
        nxt = np.nextafter(x, np.float32(np.inf))
        if np.isfinite(nxt) and Fraction(float(nxt)) <= q:
            x = nxt
        else:
            return np.float32(x)


def _f32_up(q: Fraction) -> np.float32:
    return np.float32(-_f32_down(-q))


def _f64_down(q: Fraction) -> float:
    x = float(q)
    while Fraction(x) > q:
        x = float(np.nextafter(x, -np.inf))
    return x


def _f64_up(q: Fraction) -> float:
    return -_f64_down(-q)


@dataclass(frozen=True)
class Polytope:
    """A violation region ``A y <= b`` over the flattened output (``A``: rows × outputs)."""

    A: tuple[tuple[Fraction, ...], ...]
    b: tuple[Fraction, ...]

    @property
    def rows(self) -> int:
        return len(self.b)

    def A_f64(self) -> np.ndarray:
        """``A`` as float64 (exact when every coefficient is a float64, e.g. ±1; see :meth:`A_exact`)."""
        return np.array([[float(c) for c in row] for row in self.A], dtype=np.float64).reshape(self.rows, -1)

    def A_exact(self) -> bool:
        """Whether every coefficient of ``A`` is exactly a float64."""
        return all(Fraction(float(c)) == c for row in self.A for c in row)

    def b_f64_down(self) -> np.ndarray:
        """``b`` rounded down to float64 (``A y - b <= A y - b_down``: for upper bounds of margins)."""
        return np.array([_f64_down(v) for v in self.b], dtype=np.float64)

    def b_f64_up(self) -> np.ndarray:
        """``b`` rounded up to float64 (``A y - b >= A y - b_up``: for sound lower bounds of margins)."""
        return np.array([_f64_up(v) for v in self.b], dtype=np.float64)


@dataclass(frozen=True)
class InputBox:
    """An input box ``lower <= x <= upper`` (exact) and its violation polytopes (a disjunction)."""

    lower: tuple[Fraction, ...]
    upper: tuple[Fraction, ...]
    polytopes: tuple[Polytope, ...]

    @cached_property
    def lower_f32(self) -> np.ndarray:
        """The lower bounds rounded down to float32."""
        return np.array([_f32_down(v) for v in self.lower], dtype=np.float32)

    @cached_property
    def upper_f32(self) -> np.ndarray:
        """The upper bounds rounded up to float32."""
        return np.array([_f32_up(v) for v in self.upper], dtype=np.float32)

    @property
    def total_rows(self) -> int:
        return sum(p.rows for p in self.polytopes)


@dataclass(frozen=True)
class Spec:
    """A property in normal form: a disjunction over boxes of (box ∧ disjunction of polytopes)."""

    n_inputs: int
    n_outputs: int
    boxes: tuple[InputBox, ...]
    source: str = ""
    sha256: str = ""
    notes: tuple[str, ...] = field(default=())

    def check_model(self, n_inputs: int, n_outputs: int) -> None:
        """Raises :class:`SpecError` when the spec's variables do not match the model's sizes."""
        where = f"{self.source}: " if self.source else ""
        if self.n_inputs != n_inputs:
            raise SpecError(
                f"{where}the spec declares {self.n_inputs} input variables X_0..X_{self.n_inputs - 1} "
                f"but the model's input has {n_inputs} elements"
            )
        if self.n_outputs != n_outputs:
            raise SpecError(
                f"{where}the spec declares {self.n_outputs} output variables Y_0..Y_{self.n_outputs - 1} "
                f"but the model's output has {n_outputs} elements"
            )
