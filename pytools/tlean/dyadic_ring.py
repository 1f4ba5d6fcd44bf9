"""Normalised dyadic numbers: the twin of the Lean module ``NN/AutogradDyadic/Ring.lean``.

A dyadic is an ``(man, exp)`` int pair with value ``man * 2**exp`` (:mod:`tlean.ieee32`, Lean
``NN.Floats.Dyadic``), not normalised. Its canonical form (:func:`dyadic_canon`, Lean
``NN.Floats.Dyadic.canon``) is ``(0, 0)`` for a zero mantissa and otherwise has an odd
mantissa, so two dyadics have the same value exactly when their canonical forms are equal. The
``dyadicn_*`` functions are the ring operations of ``NN.Floats.DyadicN`` (the raw dyadic
operation followed by ``canon``); ``tests/test_dyadic_ring_twin.py`` checks them against
:class:`fractions.Fraction`.
"""

from __future__ import annotations

from tlean.ieee32 import Dyadic, dyadic_add, dyadic_mul, dyadic_neg, dyadic_normalize


def dyadic_canon(a: Dyadic) -> Dyadic:
    """The canonical form: ``(0, 0)`` for a zero mantissa, else :func:`dyadic_normalize`.

    Lean: NN.Floats.Dyadic.canon.
    """
    return (0, 0) if a[0] == 0 else dyadic_normalize(a)


def dyadicn_of_dyadic(a: Dyadic) -> Dyadic:
    """A dyadic as a normalised dyadic (its canonical form).

    Lean: NN.Floats.DyadicN.ofDyadic.
    """
    return dyadic_canon(a)


#: The normalised zero. Lean: NN.Floats.DyadicN.zero.
DYADICN_ZERO: Dyadic = (0, 0)
#: The normalised one. Lean: NN.Floats.DyadicN.one.
DYADICN_ONE: Dyadic = (1, 0)


def dyadicn_add(a: Dyadic, b: Dyadic) -> Dyadic:
    """Exact sum, canonicalised.

    Lean: NN.Floats.DyadicN.add.
    """
    return dyadic_canon(dyadic_add(a, b))


def dyadicn_mul(a: Dyadic, b: Dyadic) -> Dyadic:
    """Exact product, canonicalised.

    Lean: NN.Floats.DyadicN.mul.
    """
    return dyadic_canon(dyadic_mul(a, b))


def dyadicn_neg(a: Dyadic) -> Dyadic:
    """Negation, canonicalised.

    Lean: NN.Floats.DyadicN.neg.
    """
    return dyadic_canon(dyadic_neg(a))


def dyadicn_sub(a: Dyadic, b: Dyadic) -> Dyadic:
    """Subtraction ``a + (-b)``.

    Lean: NN.Floats.DyadicN.sub.
    """
    return dyadicn_add(a, dyadicn_neg(b))
