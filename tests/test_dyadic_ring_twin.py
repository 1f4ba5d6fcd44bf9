"""The Python twin of ``NN/AutogradDyadic/Ring.lean`` against exact rationals.

``tlean.dyadic_ring.dyadic_canon`` (Lean ``NN.Floats.Dyadic.canon``) and the ``DyadicN`` ring
operations are checked against :class:`fractions.Fraction` (the oracle) on random dyadics
(mantissas of every sign including zero, exponents in ``[-60, 60]``): canon keeps the value, is
canonical (``(0, 0)`` or an odd mantissa), is idempotent and unique (equal values give equal
canonical forms, including values written with different exponents), and every field of the
Lean class ``NN.Autograd.RingLaws`` holds for ``DyadicN`` as an *equality of pairs* (the
property the Lean instance proves).
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tlean.dyadic_ring import (
    DYADICN_ONE,
    DYADICN_ZERO,
    dyadic_canon,
    dyadicn_add,
    dyadicn_mul,
    dyadicn_neg,
    dyadicn_of_dyadic,
    dyadicn_sub,
)
from tlean.ieee32 import Dyadic

EXP = st.integers(min_value=-60, max_value=60)
MAN = st.one_of(
    st.just(0),
    st.integers(min_value=-8, max_value=8),
    st.integers(min_value=-(2**70), max_value=2**70),
    # mantissas with many trailing zero bits
    st.builds(lambda m, k: m << k, st.integers(min_value=-(2**20), max_value=2**20), st.integers(0, 40)),
)
DYADIC = st.tuples(MAN, EXP)
#: A normalised dyadic (a ``DyadicN`` value).
NORM = DYADIC.map(dyadicn_of_dyadic)

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def value(a: Dyadic) -> Fraction:
    """The exact value ``man * 2**exp``."""
    m, e = a
    return Fraction(m) * Fraction(2) ** e


def is_canonical(a: Dyadic) -> bool:
    """``(0, 0)``, or an odd mantissa."""
    return a == (0, 0) or a[0] % 2 == 1


# --- canon ------------------------------------------------------------------------------------


def test_canon_examples() -> None:
    """The `#guard` examples of the Lean module."""
    assert dyadic_canon((12, 0)) == (3, 2)
    assert dyadic_canon((0, 5)) == (0, 0)
    assert dyadic_canon((-40, -3)) == (-5, 0)
    assert dyadic_canon((1, -1)) == (1, -1)
    assert dyadicn_add(dyadic_canon((1, -1)), dyadic_canon((1, -1))) == (1, 0)
    assert dyadicn_mul(dyadic_canon((3, -2)), dyadic_canon((4, 1))) == (3, 1)
    assert dyadicn_sub(dyadic_canon((6, 0)), dyadic_canon((3, 1))) == (0, 0)
    assert dyadicn_neg(dyadic_canon((2, -3))) == (-1, -2)
    assert dyadicn_sub(dyadic_canon((1, -2)), dyadic_canon((3, -3))) == (-1, -3)


@SETTINGS
@given(DYADIC)
def test_canon_keeps_value_and_is_canonical(a: Dyadic) -> None:
    c = dyadic_canon(a)
    assert value(c) == value(a)
    assert is_canonical(c)
    assert dyadic_canon(c) == c


@SETTINGS
@given(DYADIC, st.integers(0, 80))
def test_canon_unique_under_lifting(a: Dyadic, k: int) -> None:
    """``canon (m * 2**k, e - k) = canon (m, e)`` (Lean ``canon_lift``)."""
    m, e = a
    assert dyadic_canon((m << k, e - k)) == dyadic_canon(a)


@SETTINGS
@given(DYADIC, DYADIC)
def test_canon_unique(a: Dyadic, b: Dyadic) -> None:
    """Equal values have equal canonical forms, unequal values different ones."""
    assert (dyadic_canon(a) == dyadic_canon(b)) == (value(a) == value(b))


# --- the operations are exact -----------------------------------------------------------------


@SETTINGS
@given(NORM, NORM)
def test_operations_exact(a: Dyadic, b: Dyadic) -> None:
    for r, v in (
        (dyadicn_add(a, b), value(a) + value(b)),
        (dyadicn_mul(a, b), value(a) * value(b)),
        (dyadicn_sub(a, b), value(a) - value(b)),
        (dyadicn_neg(a), -value(a)),
    ):
        assert value(r) == v
        assert is_canonical(r)


# --- every field of NN.Autograd.RingLaws, as equalities of pairs -----------------------------


@SETTINGS
@given(NORM, NORM, NORM)
def test_ring_laws(a: Dyadic, b: Dyadic, c: Dyadic) -> None:
    add, mul, neg, sub = dyadicn_add, dyadicn_mul, dyadicn_neg, dyadicn_sub
    zero, one = DYADICN_ZERO, DYADICN_ONE
    assert add(add(a, b), c) == add(a, add(b, c))  # add_assoc
    assert add(a, b) == add(b, a)  # add_comm
    assert add(zero, a) == a  # zero_add
    assert add(a, zero) == a  # add_zero
    assert add(neg(a), a) == zero  # add_left_neg
    assert sub(a, b) == add(a, neg(b))  # sub_eq_add_neg
    assert mul(mul(a, b), c) == mul(a, mul(b, c))  # mul_assoc
    assert mul(a, b) == mul(b, a)  # mul_comm
    assert mul(one, a) == a  # one_mul
    assert mul(a, one) == a  # mul_one
    assert mul(a, add(b, c)) == add(mul(a, b), mul(a, c))  # mul_add
    assert mul(zero, a) == zero  # zero_mul
    assert mul(a, zero) == zero  # mul_zero
    assert mul(neg(one), a) == neg(a)  # neg_one_mul


def test_raw_dyadics_are_not_a_ring() -> None:
    """Why the Lean side needs the normalised type: on raw pairs ``0 + a = a`` fails (the sum is
    taken at the smaller exponent), although it holds on values and after ``canon``."""
    from tlean.ieee32 import dyadic_add

    assert dyadic_add((0, 0), (1, 1)) == (2, 0) != (1, 1)
    assert dyadic_canon(dyadic_add((0, 0), (1, 1))) == (1, 1)
