"""Writes the binary32 hard-case fixtures ``tests/fixtures/ieee32/<op>.txt``.

One line per case, ``op a [b [c]] -> r``, operands and result as 8-digit hex bit patterns (for the
comparisons ``lt``/``le``/``eq`` the result is ``00000001`` for true, ``00000000`` for false). NaN
results are written as the kernel's quiet NaN ``7fc00000``; ``neg``/``abs`` keep the exact bits.

Expected values come from the external oracles (NumPy's hardware floats, Berkeley SoftFloat,
MPFR; see ``tests/ieee32_oracles.py``), never from tlean's twin; when an op has several oracles
they must all agree or the script fails. The cases are deterministic (fixed seeds): running the
script twice writes identical files (``tests/test_ieee32_oracles.py`` checks it).

    python scripts/gen_ieee32_vectors.py [--out DIR] [--check]

``--check`` writes nothing and exits 1 if a file differs from what would be written.
"""

from __future__ import annotations

import argparse
import struct
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.ieee32_oracles import OPS, U32, as_u32, oracle  # noqa: E402

SIGN = 0x80000000
MAX = 0x7F7FFFFF
INF = 0x7F800000
MIN_NORMAL = 0x00800000
ONE = 0x3F800000

#: Sign-free special magnitudes (each used with both signs).
MAGNITUDES = [
    0x00000000, 0x00000001, 0x00000002, 0x00000003, 0x003FFFFF, 0x00400000, 0x007FFFFF,
    0x00800000, 0x00800001, 0x00FFFFFF, 0x01000000,
    0x33800000, 0x33800001, 0x34000000, 0x3EFFFFFF, 0x3F000000, 0x3F000001, 0x3F7FFFFF,
    0x3F800000, 0x3F800001, 0x3FC00000, 0x3FFFFFFF, 0x40000000, 0x40400000, 0x40490FDB,
    0x4B000000, 0x4B000001, 0x4B7FFFFF, 0x4B800000, 0x7F000000, 0x7F7FFFFE, 0x7F7FFFFF, 0x7F800000,
]
NANS = [0x7FC00000, 0xFFC00000, 0x7F800001, 0xFF800001, 0x7FFFFFFF, 0xFFFFFFFF, 0x7FC00001, 0x7FA00000]
SPECIALS = [m | s for m in MAGNITUDES for s in (0, SIGN)] + NANS
#: A smaller set for triples.
SMALL_SPECIALS = [0x0, SIGN, 0x1, 0x80000001, 0x007FFFFF, MIN_NORMAL, ONE, ONE | SIGN, 0x3F800001,
                  MAX, MAX | SIGN, INF, INF | SIGN, 0x7FC00000, 0x40000000]


def f2b(x: float) -> int:
    """The bit pattern of ``x`` rounded to binary32."""
    return int(struct.unpack("<I", struct.pack("<f", x))[0])


def b2f(b: int) -> float:
    """The value of a binary32 bit pattern."""
    return float(struct.unpack("<f", struct.pack("<I", b))[0])


def nxt(b: int, k: int = 1) -> int:
    """The pattern ``k`` steps further from zero along the same sign (towards zero if ``k < 0``)."""
    mag = b & 0x7FFFFFFF
    mag = min(max(mag + k, 0), INF)
    return (b & SIGN) | mag


def around(b: int, k: int = 3) -> list[int]:
    """``b`` and its ``k`` neighbours on each side (same sign)."""
    return [nxt(b, d) for d in range(-k, k + 1)]


def both_signs(xs: Iterable[int]) -> list[int]:
    return [y for x in xs for y in (x & 0x7FFFFFFF, (x & 0x7FFFFFFF) | SIGN)]


def rand_bits(rng: np.random.Generator, n: int, lo_exp: int, hi_exp: int, signs: bool = True) -> list[int]:
    """``n`` patterns with biased exponent in ``[lo_exp, hi_exp]`` and random fraction."""
    e = rng.integers(lo_exp, hi_exp + 1, n)
    f = rng.integers(0, 1 << 23, n)
    s = rng.integers(0, 2, n) if signs else np.zeros(n, dtype=np.int64)
    return [int((si << 31) | (ei << 23) | fi) for si, ei, fi in zip(s, e, f, strict=True)]


def few_bits(rng: np.random.Generator, n: int, lo_exp: int, hi_exp: int, bits: int) -> list[int]:
    """Patterns whose significand has at most ``bits`` significant bits (products hit ties)."""
    e = rng.integers(lo_exp, hi_exp + 1, n)
    f = (rng.integers(0, 1 << bits, n) << (23 - bits)) | (1 << (23 - bits))
    f = f & 0x7FFFFF
    s = rng.integers(0, 2, n)
    return [int((si << 31) | (ei << 23) | fi) for si, ei, fi in zip(s, e, f, strict=True)]


def ulp_exp(b: int) -> int:
    """The unbiased exponent of the unit in the last place of a finite nonzero pattern."""
    e = (b >> 23) & 0xFF
    return max(e, 1) - 150


def pattern_of(man: int, exp: int) -> int:
    """The pattern of ``man * 2**exp`` when exactly representable (``man > 0``)."""
    return f2b(man * 2.0**exp)


# --------------------------------------------------------------------------- per-op cases


def pairs(xs: list[int], ys: list[int]) -> list[tuple[int, ...]]:
    return [(x, y) for x in xs for y in ys]


def cases_add(rng: np.random.Generator) -> list[tuple[int, ...]]:
    out = pairs(SPECIALS, SPECIALS)
    # ties: b is half an ulp of a (exactly, slightly more, slightly less), both signs
    for a in rand_bits(rng, 150, 1, 254) + [ONE, 0x3F800001, MAX, MIN_NORMAL, 0x4B7FFFFF]:
        u = ulp_exp(a)
        for m, e in ((1, u - 1), (3, u - 2), (1, u - 2), (5, u - 3), (1, u - 24)):
            if e < -149:
                continue
            b = pattern_of(m, e)
            out += [(a, b), (a, b | SIGN), (b, a), (a | SIGN, b)]
            out += [(a, nxt(b)), (a, nxt(b, -1)), (a, nxt(b) | SIGN)]
    # catastrophic cancellation: a - (a +- k ulps) and near-equal magnitudes
    for a in rand_bits(rng, 150, 1, 254) + [ONE, MIN_NORMAL, 0x00800001, MAX]:
        for k in (0, 1, 2, 3, 7, 1000, 1 << 22):
            out.append((a, nxt(a, k) ^ SIGN))
            out.append((a, nxt(a, -k) ^ SIGN))
    # subnormal boundaries
    subs = [0x1, 0x2, 0x3, 0x7FFFFF, 0x7FFFFE, 0x400000, MIN_NORMAL, 0x800001, 0x1000000]
    out += pairs(both_signs(subs), both_signs(subs))
    # overflow threshold: MAX + half-ulp(MAX) ties to even (up, to Inf); just below stays MAX
    half_max_ulp = pattern_of(1, 103)
    for b in around(half_max_ulp, 2) + [MAX, 0x73000000, 0x72FFFFFF]:
        out += [(MAX, b), (MAX | SIGN, b | SIGN), (b, MAX)]
    # random operands with close exponents
    xs = rand_bits(rng, 400, 1, 254)
    out += [(x, (x & 0xFF800000) ^ int(rng.integers(0, 1 << 24)) & 0x807FFFFF) for x in xs]
    return out


def cases_sub(rng: np.random.Generator) -> list[tuple[int, ...]]:
    return [(a, b ^ SIGN) if i % 2 else (a, b) for i, (a, b) in enumerate(cases_add(rng))]


def cases_mul(rng: np.random.Generator) -> list[tuple[int, ...]]:
    out = pairs(SPECIALS, SPECIALS)
    # ties and near ties: significands with 12-13 bits make 25-bit products
    xs = few_bits(rng, 800, 100, 154, 12)
    ys = few_bits(rng, 800, 100, 154, 13)
    out += list(zip(xs, ys, strict=True))
    # subnormal results, including ties at 2**-150 (to zero) and 1.5 * 2**-150
    for a, b in ((-75, -75), (-74, -76), (-100, -50), (-140, -10), (-149, 0), (-149, -1)):
        for ma in (1, 3, 5, 0xFFFFFF):
            for mb in (1, 3, 7):
                x, y = pattern_of(ma, a - (ma.bit_length() - 1)), pattern_of(mb, b - (mb.bit_length() - 1))
                if x and y:
                    out += [(x, y), (x | SIGN, y), (nxt(x), y), (nxt(x, -1), y)]
    # overflow thresholds: products around 2**128 * (1 - 2**-25)
    for a in around(0x5F800000, 3) + around(0x5F7FFFFF, 2) + [0x5F3504F3, 0x5F3504F4]:
        for b in around(0x5F800000, 3) + around(0x5F3504F3, 2):
            out += [(a, b), (a | SIGN, b)]
    out += [(x, y) for x, y in zip(rand_bits(rng, 300, 0, 30), rand_bits(rng, 300, 60, 130), strict=True)]
    out += [(x, y) for x, y in zip(rand_bits(rng, 300, 1, 254), rand_bits(rng, 300, 1, 254), strict=True)]
    return out


def cases_div(rng: np.random.Generator) -> list[tuple[int, ...]]:
    out = pairs(SPECIALS, SPECIALS)
    # subnormal quotients by powers of two (ties possible there)
    for a in [0x1, 0x3, 0x5, 0x7FFFFF, MIN_NORMAL, 0x800001, 0x00C00001, ONE, 0x3F800003]:
        for k in (1, 2, 3, 23, 24, 25, 126, 127, 128, 149):
            if k <= 127:
                out += [(a, f2b(2.0**k)), (a | SIGN, f2b(2.0**k))]
            out.append((a, f2b(2.0**k) if k <= 127 else MAX))
    # exact quotients and near-exact ones
    xs = few_bits(rng, 400, 100, 154, 12)
    ys = few_bits(rng, 400, 100, 154, 11)
    for x, y in zip(xs, ys, strict=True):
        p = f2b(b2f(x) * b2f(y))
        out += [(p, y), (nxt(p), y), (nxt(p, -1), y)]
    # overflow / underflow thresholds
    for a in around(MAX, 2):
        for b in around(0x3F000000, 2) + around(ONE, 2) + around(0x7E800000, 1):
            out.append((a, b))
    for a in around(MIN_NORMAL, 2) + [0x1, 0x2]:
        for b in around(ONE, 2) + around(0x40000000, 2) + around(0x4B000000, 1):
            out.append((a, b))
    out += list(zip(rand_bits(rng, 500, 1, 254), rand_bits(rng, 500, 1, 254), strict=True))
    return out


def cases_sqrt(rng: np.random.Generator) -> list[tuple[int, ...]]:
    out: list[int] = list(SPECIALS)
    out += [f2b(float(k * k)) for k in range(1, 600)]  # perfect squares
    out += [f2b(float(k * k) * 2.0**-60) for k in range(1, 200)]
    for base in [0x1, 0x2, 0x4, 0x7FFFFF, MIN_NORMAL, ONE, 0x40000000, 0x40800000, MAX, 0x3F7FFFFF]:
        out += around(base, 4)
    out += rand_bits(rng, 600, 0, 254, signs=False)
    out += rand_bits(rng, 100, 0, 254)
    return [(x,) for x in out]


def cases_fma(rng: np.random.Generator) -> list[tuple[int, ...]]:
    out = [(a, b, c) for a in SMALL_SPECIALS for b in SMALL_SPECIALS for c in SMALL_SPECIALS[::2]]
    # exact cancellation and near cancellation: c = -(a*b rounded) and neighbours
    xs, ys = rand_bits(rng, 300, 60, 190), rand_bits(rng, 300, 60, 190)
    for x, y in zip(xs, ys, strict=True):
        p = f2b(b2f(x) * b2f(y))
        if (p & 0x7FFFFFFF) >= INF:
            continue
        out += [(x, y, p ^ SIGN), (x, y, nxt(p) ^ SIGN), (x, y, nxt(p, -1) ^ SIGN), (x, y, p)]
    # signed zero results: (+-a) * b + (-+(a*b)) exact, and zero products with zero addends
    for x, y in zip(few_bits(rng, 100, 110, 140, 8), few_bits(rng, 100, 110, 140, 8), strict=True):
        p = f2b(b2f(x) * b2f(y))
        out += [(x, y, p ^ SIGN), (x | SIGN, y, p), (x ^ SIGN, y ^ SIGN, p ^ SIGN)]
    for a in (0, SIGN, ONE, ONE | SIGN):
        for b in (0, SIGN, ONE, ONE | SIGN):
            for c in (0, SIGN):
                out.append((a, b, c))
    # tiny addends next to a product (sticky bits) and products near the subnormal range
    for x, y in zip(few_bits(rng, 150, 120, 135, 12), few_bits(rng, 150, 120, 135, 12), strict=True):
        for c in (0x1, 0x80000001, 0x00800000, 0x2F800000, 0xAF800000):
            out.append((x, y, c))
    for x, y in zip(rand_bits(rng, 150, 40, 90), rand_bits(rng, 150, 40, 90), strict=True):
        out += [(x, y, 0x1), (x, y, 0x80000001), (x, y, 0x0)]
    # overflow region
    for a in around(0x5F800000, 2):
        for c in (MAX, MAX | SIGN, 0x73000000):
            out.append((a, a, c))
    out += list(zip(rand_bits(rng, 300, 1, 254), rand_bits(rng, 300, 1, 254), rand_bits(rng, 300, 1, 254), strict=True))
    return out


def cases_sign_ops(rng: np.random.Generator) -> list[tuple[int, ...]]:
    xs = list(SPECIALS) + NANS + [0xFF800001, 0x7F800001, 0xFFFFFFFF] + rand_bits(rng, 300, 0, 255)
    return [(x,) for x in xs]


def cases_compare(rng: np.random.Generator) -> list[tuple[int, ...]]:
    out = pairs(SPECIALS, SPECIALS)
    xs = rand_bits(rng, 300, 0, 255)
    out += [(x, nxt(x, d)) for x in xs for d in (-1, 0, 1)]
    out += [(x, x ^ SIGN) for x in xs]
    return out


def cases_exp(rng: np.random.Generator) -> list[tuple[int, ...]]:
    out = list(SPECIALS)
    # overflow threshold ln(MAX) ~ 88.7228, underflow to subnormals and to zero
    for t in (88.72283, 88.7228394, 88.0, -87.33654, -87.3365448, -103.27893, -103.972, -104.0, -88.7228):
        out += around(f2b(t), 12)
    out += rand_bits(rng, 100, 133, 133)  # |x| in [64, 128)
    out += [f2b(v) for v in np.linspace(-104.0, 89.0, 400)]
    # tiny arguments: exp(x) = 1, 1 + ulp, 1 - ulp/2 boundaries
    for t in (2.0**-24, 2.0**-25, 2.0**-23, 2.0**-26, 5.96e-8, 1.19e-7):
        out += both_signs(around(f2b(t), 3))
    out += rand_bits(rng, 800, 90, 133)
    out += rand_bits(rng, 200, 0, 89)
    return [(x,) for x in out]


def cases_log(rng: np.random.Generator) -> list[tuple[int, ...]]:
    out = list(SPECIALS)
    out += around(ONE, 40)
    out += around(0x3F7FFFFF, 20)
    out += [f2b(2.0**k) for k in range(-149, 128)]
    for base in (0x1, 0x7FFFFF, MIN_NORMAL, MAX, f2b(2.718281828), f2b(0.36787944)):
        out += around(base, 5)
    out += rand_bits(rng, 1000, 0, 254, signs=False)
    out += rand_bits(rng, 300, 120, 134, signs=False)
    out += rand_bits(rng, 100, 0, 255)
    return [(x,) for x in out]


def cases_tanh(rng: np.random.Generator) -> list[tuple[int, ...]]:
    out = list(SPECIALS)
    for t in (9.010913, 9.0, 8.6, 0.5493061, 1.0, 2.0**-12, 2.0**-11, 0.0004, 0.01):
        out += both_signs(around(f2b(t), 6))
    out += [f2b(v) for v in np.linspace(-10.0, 10.0, 500)]
    out += rand_bits(rng, 800, 90, 131)
    out += rand_bits(rng, 200, 0, 89)
    return [(x,) for x in out]


def cases_sigmoid(rng: np.random.Generator) -> list[tuple[int, ...]]:
    out = list(SPECIALS)
    for t in (16.635532, 17.32868, 15.942385, -87.33654, -103.27893, -103.972, -104.0, -88.7228, 2.0**-24, 2.0**-23):
        out += both_signs(around(f2b(t), 6))
    out += [f2b(v) for v in np.linspace(-105.0, 20.0, 500)]
    out += rand_bits(rng, 800, 90, 134)
    out += rand_bits(rng, 200, 0, 89)
    return [(x,) for x in out]


def cases_erf(rng: np.random.Generator) -> list[tuple[int, ...]]:
    out = list(SPECIALS)
    for t in (3.9192059, 3.8, 2.0**-12, 1e-20, 0.5, 0.4769363):
        out += both_signs(around(f2b(t), 6))
    out += both_signs([0x1, 0x2, 0x3, 0x7FFFFF, MIN_NORMAL])
    out += [f2b(v) for v in np.linspace(-4.5, 4.5, 500)]
    out += rand_bits(rng, 800, 90, 130)
    out += rand_bits(rng, 200, 0, 89)
    return [(x,) for x in out]


def cases_trig(rng: np.random.Generator) -> list[tuple[int, ...]]:
    out = list(SPECIALS)
    # near multiples of pi/2 (small and large), huge arguments
    for k in list(range(1, 40)) + [100, 1000, 10**4, 10**5, 10**6, 2**20, 2**23]:
        out += both_signs(around(f2b(k * np.pi / 2), 2))
    out += both_signs(around(MAX, 5))
    out += rand_bits(rng, 600, 127, 254)
    out += rand_bits(rng, 600, 100, 140)
    out += rand_bits(rng, 100, 0, 99)
    for t in (2.0**-12, 2.0**-11, 0.000244, 0.0004, 0.01):
        out += both_signs(around(f2b(t), 3))
    return [(x,) for x in out]


def cases_pow(rng: np.random.Generator) -> list[tuple[int, ...]]:
    xs = SPECIALS + [f2b(v) for v in (-1.0, 1.0, -2.0, 2.0, 0.5, -0.5, 3.0, -3.0, 4.0, 10.0, 0.1)]
    ys = [0x0, SIGN, ONE, ONE | SIGN, INF, INF | SIGN, 0x7FC00000, 0xFFC00000, 0x7F800001] + [
        f2b(v) for v in (2.0, -2.0, 3.0, -3.0, 0.5, -0.5, 1.5, -1.5, 127.0, 128.0, -149.0, -150.0, 1e10, -1e10,
                         0.3333333, 2.5, 8388609.0, 16777216.0, 3.4028234663852886e38, -3.4028234663852886e38)
    ]
    out = pairs(xs, ys)
    # exact results: small integers and powers of two to integer powers
    for b in range(-8, 9):
        for k in range(-12, 13):
            out.append((f2b(float(b)), f2b(float(k))))
    for k in (-150, -149, -148, -127, -126, 64, 127, 128):
        out += [(f2b(2.0), f2b(float(k))), (f2b(0.5), f2b(float(-k))), (f2b(-2.0), f2b(float(k)))]
    out += [(f2b(4.0), f2b(0.5)), (f2b(9.0), f2b(0.5)), (f2b(0.25), f2b(-0.5)), (f2b(8.0), f2b(1.0 / 3.0))]
    # near overflow/underflow, bases near 1
    for x in around(ONE, 6) + around(0x3F7FFFFF, 3):
        for y in (f2b(1e7), f2b(-1e7), f2b(8388608.0), f2b(-8388608.0), f2b(2.0**30), f2b(-(2.0**30))):
            out.append((x, y))
    bx = [f2b(v) for v in np.linspace(0.05, 20.0, 60)]
    for x in bx:
        for y in [f2b(v) for v in (-40.5, -7.25, -1.0 / 3.0, 0.7, 5.5, 29.5, 41.0)]:
            out += [(x, y), (x | SIGN, y)]
    out += list(zip(rand_bits(rng, 600, 115, 135), rand_bits(rng, 600, 110, 135), strict=True))
    out += list(zip(rand_bits(rng, 200, 0, 254, signs=False), rand_bits(rng, 200, 100, 131), strict=True))
    return out


def cases_integral(rng: np.random.Generator) -> list[tuple[int, ...]]:
    out = list(SPECIALS)
    out += both_signs([f2b(k + 0.5) for k in range(0, 40)])
    out += both_signs([f2b(v) for v in (0.49999997, 0.50000006, 1.4999999, 2.5000002, 0.1, 0.9)])
    for base in (0x4B000000, 0x4AFFFFFF, 0x4A800000, 0x4B800000, 0x3F000000, ONE):
        out += both_signs(around(base, 4))
    out += rand_bits(rng, 1000, 110, 152)
    out += rand_bits(rng, 200, 0, 255)
    return [(x,) for x in out]


CASES = {
    "add": cases_add,
    "sub": cases_sub,
    "mul": cases_mul,
    "div": cases_div,
    "sqrt": cases_sqrt,
    "fma": cases_fma,
    "neg": cases_sign_ops,
    "abs": cases_sign_ops,
    "minimum": cases_compare,
    "maximum": cases_compare,
    "lt": cases_compare,
    "le": cases_compare,
    "eq": cases_compare,
    "exp": cases_exp,
    "log": cases_log,
    "tanh": cases_tanh,
    "sigmoid": cases_sigmoid,
    "erf": cases_erf,
    "sin": cases_trig,
    "cos": cases_trig,
    "pow": cases_pow,
    "floor": cases_integral,
    "ceil": cases_integral,
    "round": cases_integral,
}


def expected(op: str, args: tuple[U32, ...]) -> U32:
    """The oracles' results; every oracle of ``op`` must agree."""
    results = [oracle(op, which, *args) for which in OPS[op].oracles]
    for which, r in zip(OPS[op].oracles[1:], results[1:], strict=True):
        bad = np.flatnonzero(r != results[0])
        if bad.size:
            i = int(bad[0])
            raise SystemExit(
                f"{op}: oracles {OPS[op].oracles[0]} and {which} disagree on "
                f"{[hex(int(a[i])) for a in args]}: {int(results[0][i]):#010x} vs {int(r[i]):#010x}"
            )
    return results[0]


def render(op: str) -> str:
    """The text of ``<op>.txt``."""
    rng = np.random.default_rng([2026, sum(op.encode()), len(op)])
    seen: set[tuple[int, ...]] = set()
    cases: list[tuple[int, ...]] = []
    for case in CASES[op](rng):
        case = tuple(int(v) & 0xFFFFFFFF for v in case)
        if case not in seen:
            seen.add(case)
            cases.append(case)
    arity = OPS[op].arity
    assert all(len(c) == arity for c in cases), op
    cols = tuple(as_u32([c[i] for c in cases]) for i in range(arity))
    res = expected(op, cols).tolist()
    lines = [
        f"# {op}: {len(cases)} cases; expected values from {', '.join(OPS[op].oracles)} "
        "(scripts/gen_ieee32_vectors.py)"
    ]
    lines += [f"{op} {' '.join(f'{v:08x}' for v in c)} -> {r:08x}" for c, r in zip(cases, res, strict=True)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "tests" / "fixtures" / "ieee32"), help="output directory")
    ap.add_argument("--check", action="store_true", help="compare with the files instead of writing")
    ap.add_argument("ops", nargs="*", help="only these ops (default: all)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stale = []
    with np.errstate(all="ignore"):
        for op in args.ops or list(CASES):
            text = render(op)
            path = out / f"{op}.txt"
            if args.check:
                if not path.exists() or path.read_text() != text:
                    stale.append(op)
            else:
                path.write_text(text)
                print(f"{path}: {text.count(chr(10)) - 1} cases")
    if stale:
        print(f"out of date: {' '.join(stale)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
