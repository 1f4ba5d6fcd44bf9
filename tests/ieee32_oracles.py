"""External oracles and input generators for the binary32 kernel (``tlean.ieee32``).

Shared by ``tests/test_ieee32_oracles.py``, ``scripts/gen_ieee32_vectors.py`` and
``scripts/bench_ieee32.py``. Everything works on NumPy ``uint32`` arrays of bit patterns.

Oracles, each independent of tlean's code:

* ``numpy``: the machine's binary32 arithmetic through NumPy (``np.float32`` add, sub, mul, div,
  sqrt, negative, abs, minimum, maximum, <, <=, ==, floor, ceil, rint);
* ``softfloat``: Berkeley SoftFloat through ``softfloatpy`` (``f32_add`` … ``f32_mul_add``, the
  quiet comparisons, ``f32_roundToInt`` towards -Inf / +Inf / nearest even), round to nearest even;
* ``mpfr``: MPFR through ``gmpy2`` in a binary32 context (precision 24, ``emin=-148``,
  ``emax=128``, subnormalisation, round to nearest), where every function is correctly rounded;
  ``sigmoid`` (no MPFR function) is enclosed at growing precision with directed rounding and
  rounded once to binary32 when both ends of the enclosure agree.

Results are compared bit for bit; an expected NaN (any payload) requires the kernel's quiet NaN
``0x7FC00000``, except for ``neg``/``abs`` which act on the sign bit of every pattern.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gmpy2
import numpy as np
import numpy.typing as npt
import softfloatpy as sf
from tlean import ieee32, ieee32_vec

U32 = npt.NDArray[np.uint32]
QNAN = 0x7FC00000


@dataclass(frozen=True)
class Op:
    """One kernel operation: its name, arity, whether it returns a bool, and its oracles."""

    name: str
    arity: int
    oracles: tuple[str, ...]
    boolean: bool = False
    #: NaN results keep the input's payload (sign-bit operations)
    exact_nan: bool = False


OPS: dict[str, Op] = {
    op.name: op
    for op in [
        Op("add", 2, ("numpy", "softfloat")),
        Op("sub", 2, ("numpy", "softfloat")),
        Op("mul", 2, ("numpy", "softfloat")),
        Op("div", 2, ("numpy", "softfloat")),
        Op("sqrt", 1, ("numpy", "softfloat")),
        Op("fma", 3, ("softfloat", "mpfr")),
        Op("neg", 1, ("numpy",), exact_nan=True),
        Op("abs", 1, ("numpy",), exact_nan=True),
        Op("minimum", 2, ("numpy",)),
        Op("maximum", 2, ("numpy",)),
        Op("lt", 2, ("numpy", "softfloat"), boolean=True),
        Op("le", 2, ("numpy", "softfloat"), boolean=True),
        Op("eq", 2, ("numpy", "softfloat"), boolean=True),
        Op("exp", 1, ("mpfr",)),
        Op("log", 1, ("mpfr",)),
        Op("tanh", 1, ("mpfr",)),
        Op("sigmoid", 1, ("mpfr",)),
        Op("erf", 1, ("mpfr",)),
        Op("sin", 1, ("mpfr",)),
        Op("cos", 1, ("mpfr",)),
        Op("pow", 2, ("mpfr",)),
        Op("floor", 1, ("numpy", "softfloat")),
        Op("ceil", 1, ("numpy", "softfloat")),
        Op("round", 1, ("numpy", "softfloat")),
    ]
}

#: Operations whose vectorised path has its own algorithm (the rest call the scalar twin).
VECTORISED = frozenset(
    ["add", "sub", "mul", "div", "sqrt", "fma", "neg", "abs", "minimum", "maximum", "lt", "le", "eq"]
    + ["floor", "ceil", "round"]
)


# --------------------------------------------------------------------------- conversions


def as_u32(values: Sequence[int] | npt.NDArray[Any]) -> U32:
    """A ``uint32`` array of bit patterns."""
    return np.asarray(values, dtype=np.uint64).astype(np.uint32)


def f32(bits: U32) -> npt.NDArray[np.float32]:
    """The binary32 values of the bit patterns."""
    return np.ascontiguousarray(bits).view(np.float32)


def bits_of(values: npt.NDArray[np.float32]) -> U32:
    """The bit patterns of binary32 values."""
    return np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)


def canonical(bits: U32) -> U32:
    """Every NaN replaced by the kernel's quiet NaN ``0x7FC00000``."""
    nan = (bits & np.uint32(0x7FFFFFFF)) > np.uint32(0x7F800000)
    return np.where(nan, np.uint32(QNAN), bits).astype(np.uint32)


def expected_form(op: str, bits: U32) -> U32:
    """An oracle's result as the kernel must return it (canonical NaN unless ``neg``/``abs``)."""
    return bits if OPS[op].exact_nan or OPS[op].boolean else canonical(bits)


# --------------------------------------------------------------------------- NumPy (hardware)


def _np_bool(fn: Callable[[Any, Any], Any]) -> Callable[[U32, U32], U32]:
    def run(a: U32, b: U32) -> U32:
        return np.asarray(fn(f32(a), f32(b)), dtype=np.uint32)

    return run


def _np_bits(fn: Callable[..., Any]) -> Callable[..., U32]:
    def run(*args: U32) -> U32:
        with np.errstate(all="ignore"):
            return bits_of(fn(*[f32(a) for a in args]))

    return run


NUMPY: dict[str, Callable[..., U32]] = {
    "add": _np_bits(np.add),
    "sub": _np_bits(np.subtract),
    "mul": _np_bits(np.multiply),
    "div": _np_bits(np.divide),
    "sqrt": _np_bits(np.sqrt),
    "neg": _np_bits(np.negative),
    "abs": _np_bits(np.abs),
    "minimum": _np_bits(np.minimum),
    "maximum": _np_bits(np.maximum),
    "lt": _np_bool(np.less),
    "le": _np_bool(np.less_equal),
    "eq": _np_bool(np.equal),
    "floor": _np_bits(np.floor),
    "ceil": _np_bits(np.ceil),
    "round": _np_bits(np.rint),
}


# --------------------------------------------------------------------------- SoftFloat


def _sf(bits: int) -> Any:
    return sf.Float32.from_bytes(bits.to_bytes(4, "big"))


def _sf_bits(x: Any) -> int:
    return int.from_bytes(x.to_bytes(), "big")


def _sf_run(fn: Callable[..., Any], boolean: bool) -> Callable[..., U32]:
    def run(*args: U32) -> U32:
        sf.set_rounding_mode(sf.RoundingMode.NEAR_EVEN)
        cols = [a.tolist() for a in args]
        if boolean:
            out = [int(fn(*[_sf(v) for v in t])) for t in zip(*cols, strict=True)]
        else:
            out = [_sf_bits(fn(*[_sf(v) for v in t])) for t in zip(*cols, strict=True)]
        return as_u32(out)

    return run


SOFTFLOAT: dict[str, Callable[..., U32]] = {
    "add": _sf_run(sf.f32_add, False),
    "sub": _sf_run(sf.f32_sub, False),
    "mul": _sf_run(sf.f32_mul, False),
    "div": _sf_run(sf.f32_div, False),
    "sqrt": _sf_run(sf.f32_sqrt, False),
    "fma": _sf_run(sf.f32_mul_add, False),
    "floor": _sf_run(lambda x: sf.f32_round_to_int(x, sf.RoundingMode.MIN, False), False),
    "ceil": _sf_run(lambda x: sf.f32_round_to_int(x, sf.RoundingMode.MAX, False), False),
    "round": _sf_run(lambda x: sf.f32_round_to_int(x, sf.RoundingMode.NEAR_EVEN, False), False),
    "lt": _sf_run(sf.f32_lt_quiet, True),
    "le": _sf_run(sf.f32_le_quiet, True),
    "eq": _sf_run(sf.f32_eq, True),
}


# --------------------------------------------------------------------------- MPFR

#: binary32 as an MPFR context: 24 bits, exponents of binary32 (MPFR's mantissa is in [1/2, 1)).
BINARY32 = gmpy2.context(
    precision=24, emin=-148, emax=128, subnormalize=True, round=gmpy2.RoundToNearest
)


def _mpfr_bits(x: Any) -> int:
    """The bit pattern of an MPFR value that is a binary32 value."""
    return int(struct.unpack("<I", struct.pack("<f", float(x)))[0])


def sigmoid_mpfr(x: float) -> int:
    """The binary32 nearest ``1 / (1 + exp(-x))`` (one rounding), as a bit pattern.

    The value is enclosed with directed rounding at ``prec`` bits, ``prec`` doubling until both ends
    of the enclosure round to the same binary32. For nonzero finite ``x`` the value is
    transcendental, hence never a rounding midpoint, so the loop ends.
    """
    if x != x:
        return QNAN
    if x == 0:
        return 0x3F000000
    if x == float("inf"):
        return 0x3F800000
    if x == float("-inf"):
        return 0
    prec = 64
    while True:
        down = gmpy2.context(precision=prec, round=gmpy2.RoundDown)
        up = gmpy2.context(precision=prec, round=gmpy2.RoundUp)
        mx = -gmpy2.mpfr(x, 53)
        e_lo, e_hi = down.exp(mx), up.exp(mx)
        s_lo = down.div(1, up.add(1, e_hi))
        s_hi = up.div(1, down.add(1, e_lo))
        lo, hi = _mpfr_bits(BINARY32.plus(s_lo)), _mpfr_bits(BINARY32.plus(s_hi))
        if lo == hi:
            return lo
        prec *= 2


def _mpfr_run(name: str) -> Callable[..., U32]:
    fn = getattr(BINARY32, name)

    def run(*args: U32) -> U32:
        with np.errstate(invalid="ignore"):  # signalling NaNs become quiet NaNs
            cols = [f32(a).astype(np.float64).tolist() for a in args]
        mp = gmpy2.mpfr
        return as_u32([_mpfr_bits(fn(*[mp(v, 53) for v in t])) for t in zip(*cols, strict=True)])

    return run


def _mpfr_sigmoid(a: U32) -> U32:
    with np.errstate(invalid="ignore"):
        values = f32(a).astype(np.float64).tolist()
    return as_u32([sigmoid_mpfr(v) for v in values])


MPFR: dict[str, Callable[..., U32]] = {
    "fma": _mpfr_run("fma"),
    "exp": _mpfr_run("exp"),
    "log": _mpfr_run("log"),
    "tanh": _mpfr_run("tanh"),
    "sigmoid": _mpfr_sigmoid,
    "erf": _mpfr_run("erf"),
    "sin": _mpfr_run("sin"),
    "cos": _mpfr_run("cos"),
    "pow": _mpfr_run("pow"),
}

ORACLES: dict[str, dict[str, Callable[..., U32]]] = {"numpy": NUMPY, "softfloat": SOFTFLOAT, "mpfr": MPFR}


def oracle(op: str, which: str, *args: U32) -> U32:
    """The oracle ``which``'s results for ``op`` on the argument arrays, in the kernel's form."""
    return expected_form(op, ORACLES[which][op](*args))


# --------------------------------------------------------------------------- the twin


def twin(op: str, *args: U32) -> U32:
    """The scalar twin ``tlean.ieee32.<op>`` element by element."""
    fn = getattr(ieee32, op)
    cols = [a.tolist() for a in args]
    return as_u32([int(fn(*t)) for t in zip(*cols, strict=True)])


def vec(op: str, *args: U32) -> U32:
    """The vectorised path ``tlean.ieee32_vec.<op>``."""
    return np.asarray(getattr(ieee32_vec, op)(*args)).astype(np.uint32)


def mismatches(op: str, got: U32, expected: U32) -> npt.NDArray[np.intp]:
    """Indices where ``got`` differs from ``expected`` (both already in the kernel's form)."""
    return np.flatnonzero(np.asarray(got, dtype=np.uint32) != np.asarray(expected, dtype=np.uint32))


# --------------------------------------------------------------------------- inputs

_SPECIAL_EXPS = np.array([0, 1, 2, 23, 24, 103, 104, 126, 127, 128, 149, 150, 151, 253, 254, 255], dtype=np.uint32)
_SPECIAL_FRACS = np.array(
    [0, 1, 2, 3, 0x7FFFFF, 0x7FFFFE, 0x400000, 0x400001, 0x3FFFFF, 0x200000, 0x000800, 0x7FF800],
    dtype=np.uint32,
)

#: The biased-exponent range where each op's results are interesting (not all 0, 1 or Inf).
_CENTRE: dict[str, tuple[int, int]] = {
    "exp": (100, 134),
    "sigmoid": (100, 134),
    "tanh": (100, 132),
    "erf": (100, 130),
    "log": (0, 255),
    "sin": (100, 170),
    "cos": (100, 170),
    "floor": (120, 152),
    "ceil": (120, 152),
    "round": (120, 152),
    "pow": (115, 135),
}


def _compose(sign: U32, bexp: U32, frac: U32) -> U32:
    return ((sign << np.uint32(31)) | (bexp << np.uint32(23)) | frac).astype(np.uint32)


def _biased(rng: np.random.Generator, n: int, centre: tuple[int, int]) -> U32:
    """Patterns with exponents near ``centre`` or at binary32's boundaries, and special fractions."""
    sign = rng.integers(0, 2, n).astype(np.uint32)
    pick = rng.random(n)
    bexp = np.where(
        pick < 0.6,
        rng.integers(centre[0], centre[1] + 1, n),
        np.where(pick < 0.85, rng.choice(_SPECIAL_EXPS, n), rng.integers(0, 256, n)),
    ).astype(np.uint32)
    frac = np.where(
        rng.random(n) < 0.8, rng.integers(0, 1 << 23, n), rng.choice(_SPECIAL_FRACS, n)
    ).astype(np.uint32)
    return _compose(sign, bexp, frac)


def _uniform(rng: np.random.Generator, n: int) -> U32:
    return rng.integers(0, 1 << 32, n, dtype=np.uint64).astype(np.uint32)


def _near(rng: np.random.Generator, a: U32, spread: int) -> U32:
    """Patterns whose exponent is within ``spread`` of ``a``'s, random sign and fraction."""
    bexp = ((a >> np.uint32(23)) & np.uint32(0xFF)).astype(np.int64)
    bexp = np.clip(bexp + rng.integers(-spread, spread + 1, a.shape[0]), 0, 254).astype(np.uint32)
    frac = rng.integers(0, 1 << 23, a.shape[0]).astype(np.uint32)
    # half of them also share a's leading fraction bits (deeper cancellation)
    keep = rng.integers(0, 24, a.shape[0]).astype(np.uint32)
    mask = (np.uint32(0x7FFFFF) >> keep) ^ np.uint32(0x7FFFFF)
    share = rng.random(a.shape[0]) < 0.5
    frac = np.where(share, (a & mask) | (frac & ~mask & np.uint32(0x7FFFFF)), frac).astype(np.uint32)
    sign = rng.integers(0, 2, a.shape[0]).astype(np.uint32)
    return _compose(sign, bexp, frac)


def random_inputs(op: str, n: int, seed: int) -> tuple[U32, ...]:
    """``n`` seeded argument tuples for ``op``: half uniform bit patterns, half biased.

    Biased: exponents near the op's interesting range or binary32's boundaries, special
    fractions; for binary ops the second operand's exponent is near the first's (cancellation,
    ties); for ``fma`` the addend is near ``-(a*b)``; for ``pow`` the exponent is often a small
    integer or half-integer.
    """
    rng = np.random.default_rng([seed, sum(op.encode())])
    arity = OPS[op].arity
    half = n // 2
    centre = _CENTRE.get(op, (90, 165))
    a = np.concatenate([_uniform(rng, half), _biased(rng, n - half, centre)])
    if arity == 1:
        if op in ("log", "sqrt"):
            # mostly positive arguments
            pos = rng.random(n) < 0.8
            a = np.where(pos, a & np.uint32(0x7FFFFFFF), a).astype(np.uint32)
        return (a,)
    if op == "pow":
        ints = rng.integers(-12, 13, n).astype(np.float32)
        halves = ints + np.float32(0.5)
        kind = rng.random(n)
        b_bias = _biased(rng, n, (110, 135))
        b = np.where(kind < 0.3, bits_of(ints), np.where(kind < 0.45, bits_of(halves), b_bias)).astype(np.uint32)
        b[:half] = np.where(rng.random(half) < 0.5, _uniform(rng, half), b[:half])
        return (a, b)
    b = np.concatenate([_uniform(rng, half), _near(rng, a[half:], 30)])
    if arity == 2:
        return (a, b)
    with np.errstate(all="ignore"):
        prod = bits_of(f32(a) * f32(b))
    c_near = _near(rng, prod, 2) ^ np.uint32(0x80000000)
    exact_neg = prod ^ np.uint32(0x80000000)
    kind = rng.random(n)
    c = np.where(kind < 0.25, _uniform(rng, n), np.where(kind < 0.5, exact_neg, c_near)).astype(np.uint32)
    return (a, b, c)


# --------------------------------------------------------------------------- fixtures


FIXTURE_DIR = "tests/fixtures/ieee32"


def parse_fixture(text: str) -> list[tuple[str, tuple[int, ...], int]]:
    """The cases of a fixture file: ``op a [b [c]] -> r`` per line (hex), ``#`` comments."""
    cases = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        lhs, rhs = line.split("->")
        words = lhs.split()
        cases.append((words[0], tuple(int(w, 16) for w in words[1:]), int(rhs.strip(), 16)))
    return cases
