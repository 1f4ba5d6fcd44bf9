"""The core of the binary32 twin (``tlean.ieee32``) against the hardware (NumPy float32) and MPFR.

Small and fast: hand-picked special cases (signed zeros, subnormals, ties, overflow, NaN, Inf) and
a few thousand random bit patterns per operation. The million-pattern sweeps are in
``scripts/bench_ieee32.py``. NaN results must be exactly the quiet NaN ``0x7FC00000``.
"""

from __future__ import annotations

from collections.abc import Callable

import gmpy2
import numpy as np
import pytest
from tlean import ieee32 as F

SPECIAL = [
    0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x00000002, 0x00000003, 0x007FFFFF, 0x807FFFFF,
    0x00800000, 0x80800000, 0x00800001, 0x3F000000, 0x3F800000, 0xBF800000, 0x3F800001, 0x3FC00000,
    0x40000000, 0x40400000, 0x4B7FFFFF, 0x4B800000, 0x4B800001, 0x33800000, 0x34000000, 0x7F7FFFFF,
    0xFF7FFFFF, 0x7F000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F800001, 0x7FBFFFFF,
    0x3DCCCCCD, 0x3E4CCCCD, 0x0C000000, 0x1A800000, 0x26800000,
]


def _patterns(n: int, seed: int) -> np.ndarray:
    """Random patterns: half uniform over all 2^32, half with exponents near each other (cancellation, ties)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
    near = rng.integers(0, 2**32, n // 2, dtype=np.uint64).astype(np.uint32)
    near = (near & np.uint32(0x83FFFFFF)) | np.uint32(0x3C000000)
    a[: n // 2] = near
    return a


def _f32(bits: np.ndarray) -> np.ndarray:
    return bits.view(np.float32)


def _bits(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float32).view(np.uint32)


def _check_same(got: int, expected: int, what: str) -> None:
    if F.is_nan(expected):
        assert got == F.QNAN, f"{what}: expected the quiet NaN, got {got:#010x}"
    else:
        assert got == expected, f"{what}: got {got:#010x}, NumPy {expected:#010x}"


BINARY: list[tuple[str, Callable[[int, int], int], Callable[[np.ndarray, np.ndarray], np.ndarray]]] = [
    ("add", F.add, np.add),
    ("sub", F.sub, np.subtract),
    ("mul", F.mul, np.multiply),
    ("div", F.div, np.divide),
    ("maximum", F.maximum, np.maximum),
    ("minimum", F.minimum, np.minimum),
]


@pytest.mark.parametrize(("name", "op", "ref"), BINARY, ids=[b[0] for b in BINARY])
def test_binary_special_cases_match_numpy(
    name: str, op: Callable[[int, int], int], ref: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> None:
    xs = np.array([a for a in SPECIAL for _ in SPECIAL], dtype=np.uint32)
    ys = np.array([b for _ in SPECIAL for b in SPECIAL], dtype=np.uint32)
    with np.errstate(all="ignore"):
        expected = _bits(ref(_f32(xs), _f32(ys)))
    for x, y, e in zip(xs.tolist(), ys.tolist(), expected.tolist(), strict=True):
        _check_same(op(x, y), e, f"{name}({x:#010x}, {y:#010x})")


@pytest.mark.parametrize(("name", "op", "ref"), BINARY, ids=[b[0] for b in BINARY])
def test_binary_random_patterns_match_numpy(
    name: str, op: Callable[[int, int], int], ref: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> None:
    xs = _patterns(4000, 1)
    ys = _patterns(4000, 2)
    with np.errstate(all="ignore"):
        expected = _bits(ref(_f32(xs), _f32(ys)))
    for x, y, e in zip(xs.tolist(), ys.tolist(), expected.tolist(), strict=True):
        _check_same(op(x, y), e, f"{name}({x:#010x}, {y:#010x})")


def test_unary_ops_match_numpy() -> None:
    xs = np.concatenate([np.array(SPECIAL, dtype=np.uint32), _patterns(4000, 3)])
    with np.errstate(all="ignore"):
        root = _bits(np.sqrt(_f32(xs)))
        root_abs = _bits(np.sqrt(np.abs(_f32(xs))))
        negated = _bits(np.negative(_f32(xs)))
        absolute = _bits(np.abs(_f32(xs)))
    for i, x in enumerate(xs.tolist()):
        _check_same(F.sqrt(x), int(root[i]), f"sqrt({x:#010x})")
        _check_same(F.sqrt(F.abs(x)), int(root_abs[i]), f"sqrt(abs({x:#010x}))")
        # neg/abs act on the sign bit only, NaN included (NumPy does the same).
        assert F.neg(x) == int(negated[i])
        assert F.abs(x) == int(absolute[i])


def test_comparisons_match_numpy() -> None:
    xs = np.concatenate([np.repeat(np.array(SPECIAL, dtype=np.uint32), len(SPECIAL)), _patterns(4000, 4)])
    ys = np.concatenate([np.tile(np.array(SPECIAL, dtype=np.uint32), len(SPECIAL)), _patterns(4000, 5)])
    # Equal values in both positions, so ties and equality are exercised.
    ys[-1000:] = xs[-1000:]
    fx, fy = _f32(xs), _f32(ys)
    with np.errstate(all="ignore"):
        lt, le, eq = fx < fy, fx <= fy, fx == fy
    for i, (x, y) in enumerate(zip(xs.tolist(), ys.tolist(), strict=True)):
        assert F.lt(x, y) == bool(lt[i]), f"lt({x:#010x}, {y:#010x})"
        assert F.le(x, y) == bool(le[i]), f"le({x:#010x}, {y:#010x})"
        assert F.eq(x, y) == bool(eq[i]), f"eq({x:#010x}, {y:#010x})"


def test_signed_zero_and_tie_rules() -> None:
    one, neg_one = 0x3F800000, 0xBF800000
    assert F.add(F.NEG_ZERO, F.NEG_ZERO) == F.NEG_ZERO
    assert F.add(F.NEG_ZERO, F.POS_ZERO) == F.POS_ZERO
    assert F.add(one, neg_one) == F.POS_ZERO
    assert F.sub(F.NEG_ZERO, F.POS_ZERO) == F.NEG_ZERO
    assert F.mul(F.NEG_ZERO, one) == F.NEG_ZERO
    assert F.div(F.POS_ZERO, neg_one) == F.NEG_ZERO
    assert F.sqrt(F.NEG_ZERO) == F.NEG_ZERO
    assert F.fma(F.NEG_ZERO, one, F.NEG_ZERO) == F.NEG_ZERO
    assert F.fma(one, one, neg_one) == F.POS_ZERO
    # A nonzero value that rounds to zero keeps its sign.
    assert F.mul(0x80000001, 0x3F000000) == F.NEG_ZERO
    # NumPy's maximum/minimum: ties return the second argument.
    assert F.maximum(F.NEG_ZERO, F.POS_ZERO) == F.POS_ZERO
    assert F.maximum(F.POS_ZERO, F.NEG_ZERO) == F.NEG_ZERO
    assert F.minimum(F.POS_ZERO, F.NEG_ZERO) == F.NEG_ZERO
    # Every NaN result is the quiet NaN, whatever the payload of the input.
    assert F.add(0xFFC00123, one) == F.QNAN
    assert F.maximum(one, 0x7F800001) == F.QNAN
    # Conversions round to nearest even.
    assert F.of_int(2**24 + 1) == 0x4B800000
    assert F.of_int(2**24 + 3) == 0x4B800002
    assert F.of_int(-(2**128)) == F.NEG_INF
    assert F.of_int(0) == F.POS_ZERO
    assert F.of_nat(3) == 0x40400000


def test_of_int_matches_numpy() -> None:
    rng = np.random.default_rng(6)
    values = [int(v) for v in rng.integers(-(2**62), 2**62, 3000)] + list(range(-2000, 2000))
    for n in values:
        # Only integers that are exact doubles, so NumPy's float32 conversion rounds once.
        if abs(n) >= 2**53 and n % 2 ** (abs(n).bit_length() - 53) != 0:
            continue
        assert F.of_int(n) == int(_bits(np.float32(float(n)))), n


def test_to_dyadic_is_exact() -> None:
    for x in SPECIAL + _patterns(2000, 7).tolist():
        d = F.to_dyadic(x)
        if not F.is_finite(x):
            assert d is None
            continue
        assert d is not None
        man, exp = d
        assert float(man) * 2.0**exp == F.to_float(x)
        # Decode/encode round trip (the Lean theorem IEEE32.toBitsNat_ofDyadic_of_toDyadic?).
        if man != 0:
            assert F.of_dyadic(man, exp) == x


def test_fma_matches_mpfr() -> None:
    ctx = gmpy2.context(precision=24, emin=-148, emax=128, subnormalize=True, round=gmpy2.RoundToNearest)
    xs, ys, zs = _patterns(3000, 8), _patterns(3000, 9), _patterns(3000, 10)
    with ctx:
        for x, y, z in zip(xs.tolist(), ys.tolist(), zs.tolist(), strict=True):
            if not (F.is_finite(x) and F.is_finite(y) and F.is_finite(z)):
                continue
            r = gmpy2.fma(gmpy2.mpfr(F.to_float(x)), gmpy2.mpfr(F.to_float(y)), gmpy2.mpfr(F.to_float(z)))
            _check_same(F.fma(x, y, z), F.from_float(float(r)), f"fma({x:#010x}, {y:#010x}, {z:#010x})")
    # Cancellation to an exact zero: +0 unless both the product and z are negative.
    assert F.fma(0x3F800000, 0x40000000, 0xC0000000) == F.POS_ZERO
    assert F.fma(0xBF800000, 0x80000000, 0x80000000) == F.POS_ZERO
    assert F.fma(0xBF800000, 0x00000000, 0x80000000) == F.NEG_ZERO


def test_special_value_rules() -> None:
    inf, ninf, one = F.POS_INF, F.NEG_INF, 0x3F800000
    assert F.add(inf, ninf) == F.QNAN
    assert F.mul(inf, F.NEG_ZERO) == F.QNAN
    assert F.div(F.POS_ZERO, F.NEG_ZERO) == F.QNAN
    assert F.div(inf, inf) == F.QNAN
    assert F.div(one, F.NEG_ZERO) == ninf
    assert F.div(0xBF800000, inf) == F.NEG_ZERO
    assert F.sqrt(ninf) == F.QNAN
    assert F.sqrt(inf) == inf
    assert F.fma(inf, F.POS_ZERO, F.QNAN) == F.QNAN
    assert F.fma(inf, one, ninf) == F.QNAN
    assert F.fma(one, one, ninf) == ninf
    assert F.fma(ninf, 0xBF800000, one) == inf
    assert F.mul(0x7F7FFFFF, 0x40000000) == inf
    assert F.lt(F.QNAN, one) is False and F.le(one, F.QNAN) is False and F.eq(F.QNAN, F.QNAN) is False
    assert F.eq(F.NEG_ZERO, F.POS_ZERO) is True
    assert F.classify(F.NEG_ZERO) == "negZero" and F.classify(1) == "subnormal" and F.classify(F.QNAN) == "nan"


def test_nat_helpers() -> None:
    import math

    for n in list(range(300)) + [2**52 + 12345, 2**80 - 1, 10**30]:
        assert F.bit_len(n) == n.bit_length()
        assert F.isqrt(n) == math.isqrt(n)
    for n in range(64):
        for k in range(6):
            q, r = divmod(n, 2**k)
            expected = q + 1 if (2 * r > 2**k or (2 * r == 2**k and q % 2 == 1)) else q
            assert F.shift_right_rne(n, k) == expected


def test_lean_guards_agree_with_the_twin() -> None:
    """The expected values of ``NN/Tests/FloatsCore.lean``'s ``#guard``s are what the twin computes.

    The Lean checks run with ``lake test``; this reads them as text so a wrong expectation is
    caught without a toolchain.
    """
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "NN" / "Tests" / "FloatsCore.lean").read_text()
    ops: dict[str, Callable[..., int | bool]] = {
        "add": F.add, "sub": F.sub, "mul": F.mul, "div": F.div, "sqrt": F.sqrt, "fma": F.fma,
        "maximum": F.maximum, "minimum": F.minimum, "lt": F.lt, "le": F.le, "eq": F.eq,
    }
    pattern = re.compile(
        r"#guard \(?IEEE32\.(\w+) ((?:\(b (?:0x[0-9A-F]+|0)\) ?)+)\)?(?:\.toBitsNat)? == (0x[0-9A-F]+|0|true|false)"
    )
    checked = 0
    for m in pattern.finditer(text):
        args = [int(a, 0) for a in re.findall(r"\(b (0x[0-9A-F]+|0)\)", m.group(2))]
        got = ops[m.group(1)](*args)
        lit = m.group(3)
        want: int | bool = lit == "true" if lit in ("true", "false") else int(lit, 0)
        assert got == want, m.group(0)
        checked += 1
    for m in re.finditer(r"#guard \(IEEE32\.ofInt \(?(-?\d+)\)?\)\.toBitsNat == (0x[0-9A-F]+)", text):
        assert F.of_int(int(m.group(1))) == int(m.group(2), 16), m.group(0)
        checked += 1
    assert checked == len(re.findall(r"^#guard \(?IEEE32\.", text, flags=re.M))
