"""The correctly rounded elementary functions of ``tlean.ieee32_elementary`` against MPFR and NumPy.

MPFR (``gmpy2``) with precision 24, exponent range ``emin=-148, emax=128`` and subnormalisation is
binary32 with correct rounding; its result must equal the twin's bit for bit (NaN compared as "is a
NaN"). Inputs: random bit patterns, random values in the range where the functions vary, and hard
cases (thresholds of overflow, underflow and saturation, subnormals, powers of two, arguments next
to multiples of pi/2, IEEE ``pow`` special cases, exact powers and roots). floor/ceil/round are
checked against NumPy.
"""

from __future__ import annotations

import inspect
import random
import re
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from tlean import ieee32 as core
from tlean import ieee32_elementary as el

gmpy2 = pytest.importorskip("gmpy2")

UNARY = ["exp", "log", "tanh", "sigmoid", "erf", "sin", "cos"]


def _f(b: int) -> float:
    return float(struct.unpack("<f", struct.pack("<I", b))[0])


def _b(x: float) -> int:
    return int(struct.unpack("<I", struct.pack("<f", x))[0])


def _is_nan(b: int) -> bool:
    return (b & 0x7FFFFFFF) > 0x7F800000


@pytest.fixture(scope="module")
def binary32() -> object:
    ctx = gmpy2.context(precision=24, emin=-148, emax=128, subnormalize=True)
    return ctx


def _mpfr_unary(ctx: object, name: str) -> Callable[[int], int]:
    wide = gmpy2.context(precision=1000, emin=-(10**6), emax=10**6)

    def ref(b: int) -> int:
        x = gmpy2.mpfr(_f(b))
        if name == "sigmoid":
            # 1/(1+e^-x) at 1000 bits, then one rounding to binary32 (a double rounding could only
            # differ within 2**-900 relative of a midpoint; no sigmoid value tried is that close)
            with gmpy2.context(wide):
                v = 1 / (1 + gmpy2.exp(-x))
            with gmpy2.context(ctx):
                return _b(float(+v))
        with gmpy2.context(ctx):
            return _b(float(getattr(gmpy2, name)(x)))

    return ref


def _near(b: int, d: int) -> list[int]:
    return [(b + i) & 0xFFFFFFFF for i in range(-d, d + 1)]


def _hard_unary(name: str) -> list[int]:
    out: list[int] = []
    for b in (0, 1, 0x007FFFFF, 0x00800000, 0x3F800000, 0x7F7FFFFF, 0x7F800000, 0x7FC00000, 0x7F800001):
        out += _near(b, 2) + _near(b | 0x80000000, 2)
    for e in range(-149, 128, 3):
        out += _near(_b(2.0**e), 1)
    thresholds = {
        "exp": [88.72283935546875, 89.0, -87.33654, -103.27892, -103.97208, -104.0, 1e-8, -1e-8],
        "sigmoid": [17.32868, 17.4, -87.33654, -103.27892, -103.97208, -104.0, 1e-8, -1e-8],
        "tanh": [9.0, 9.010913, 9.1, 0.5, 1e-4],
        "erf": [3.9, 3.917, 3.92, 4.0, 0.5, 1e-4],
        "log": [1.0, 0.5, 2.0],
        "sin": [],
        "cos": [],
    }[name]
    for t in thresholds:
        out += _near(_b(t), 40) + _near(_b(-t), 40)
    if name in ("sin", "cos"):
        for k in [1, 2, 3, 4, 5, 6, 7, 8, 100, 355, 710, 10**5, 10**7, 12345678, 2**40 + 1, 2**60 - 1]:
            out += _near(_b(k * np.pi / 2), 2)
        out += [0x5AFE4E54, 0x6EF9F2B7, 0x4B7FFFFF, 0x4B800000, 0x7E800000, 0x7EFFFFFF]
    return out


@pytest.mark.parametrize("name", UNARY)
def test_unary_matches_mpfr(binary32: object, name: str) -> None:
    rng = random.Random(20261125 + UNARY.index(name))
    inputs = [rng.getrandbits(32) for _ in range(3000)]
    inputs += [_b(rng.uniform(-20.0, 20.0)) for _ in range(1000)]
    inputs += [_b(rng.uniform(-2.0, 2.0)) for _ in range(500)]
    inputs += _hard_unary(name)
    fn = getattr(el, name)
    ref = _mpfr_unary(binary32, name)
    bad = [(hex(b), hex(fn(b)), hex(ref(b))) for b in inputs if not (_is_nan(fn(b)) and _is_nan(ref(b)))
           and fn(b) != ref(b)]
    assert bad == []


def _pow_inputs(rng: random.Random) -> list[tuple[int, int]]:
    specials = [0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001, 0x3F800000, 0xBF800000, 1,
                0x80000001, 0x7F7FFFFF, 0x3F000000, 0xBF000000, 0x40000000, 0xC0000000, 0x3F7FFFFF, 0x3F800001]

    def gx() -> int:
        r = rng.random()
        if r < 0.15:
            return rng.choice(specials)
        if r < 0.3:
            return _b(float(rng.randint(-40, 40)))
        if r < 0.4:
            return _b(rng.choice([1.0, -1.0]) * 2.0 ** rng.randint(-149, 127))
        if r < 0.5:  # perfect squares, fourth powers, ... times powers of two: exact roots
            return _b(float(rng.randint(1, 60)) ** rng.choice([2, 4, 8]) * 2.0 ** (8 * rng.randint(-8, 8)))
        if r < 0.6:
            return _b(rng.uniform(0.9, 1.1))
        return rng.getrandbits(32)

    def gy() -> int:
        r = rng.random()
        if r < 0.15:
            return rng.choice(specials)
        if r < 0.35:
            return _b(float(rng.randint(-70, 70)))
        if r < 0.5:
            return _b(rng.randint(-70, 70) / rng.choice([2, 4, 8, 16, 32, 64, 128]))
        if r < 0.6:
            return _b(rng.uniform(-200.0, 200.0))
        if r < 0.65:
            return _b(float(rng.randint(-(2**30), 2**30)))
        return rng.getrandbits(32)

    pairs = [(gx(), gy()) for _ in range(4000)]
    extra = [_b(v) for v in (2.0, -2.0, 3.0, -3.0, 0.5, -0.5, 1.5, -1.5, 2.0**24, -(2.0**24), 2.0**25 + 2)]
    return pairs + [(x, y) for x in specials + extra for y in specials + extra]


def test_pow_matches_mpfr(binary32: object) -> None:
    rng = random.Random(7)
    pairs = _pow_inputs(rng)
    # exact results and midpoints: 9**0.5, 2**-149 ** 0.5 (not exact), 16**-0.25, (-8)**3, (2**-75)**2
    pairs += [(_b(9.0), _b(0.5)), (1, _b(0.5)), (_b(16.0), _b(-0.25)), (_b(-8.0), _b(3.0)),
              (_b(2.0**-75), _b(2.0)), (_b(2.0**64), _b(2.0)), (_b(3.0), _b(-1.0)), (_b(0.1), _b(-3.0)),
              (_b(16777215.0), _b(2.0)), (_b(4097.0), _b(2.0)), (_b(2.0**-74), _b(2.0))]
    bad = []
    for x, y in pairs:
        got = el.pow(x, y)
        with gmpy2.context(binary32):
            want = _b(float(gmpy2.mpfr(_f(x)) ** gmpy2.mpfr(_f(y))))
        if not (_is_nan(got) and _is_nan(want)) and got != want:
            bad.append((hex(x), hex(y), hex(got), hex(want)))
    assert bad == []


@pytest.mark.parametrize(("name", "ref"), [("floor", np.floor), ("ceil", np.ceil), ("round", np.round)])
def test_rounding_to_integers_matches_numpy(name: str, ref: Callable[[np.ndarray], np.ndarray]) -> None:
    rng = random.Random(11)
    bits = [rng.getrandbits(32) for _ in range(3000)] + [_b(rng.uniform(-10, 10)) for _ in range(2000)]
    bits += [_b(k / 2) for k in range(-41, 42)] + [0, 0x80000000, 1, 0x80000001, 0x4B000000, 0x4AFFFFFF]
    arr = np.array(bits, dtype=np.uint32)
    with np.errstate(invalid="ignore"):
        want = ref(arr.view(np.float32)).view(np.uint32).tolist()
    fn = getattr(el, name)
    bad = [(hex(b), hex(fn(b)), hex(w)) for b, w in zip(bits, want, strict=True)
           if not (_is_nan(fn(b)) and _is_nan(w)) and fn(b) != w]
    assert bad == []


def test_round_dyadic_is_the_core_rounding() -> None:
    rng = random.Random(5)
    for _ in range(3000):
        man = rng.getrandbits(rng.randint(1, 80)) * rng.choice([1, -1])
        exp = rng.randint(-260, 160)
        assert el._round_dyadic(man, exp) == core.of_dyadic(man, exp)


def test_reexported_from_core_module() -> None:
    for name in ["exp", "log", "tanh", "sigmoid", "erf", "sin", "cos", "pow", "floor", "ceil", "round"]:
        assert getattr(core, name) is getattr(el, name)


def test_nan_results_are_the_quiet_nan() -> None:
    assert el.log(_b(-1.0)) == el.QNAN
    assert el.sin(0x7F800000) == el.QNAN
    assert el.exp(0xFFC12345) == el.QNAN
    assert el.pow(_b(-2.0), _b(0.5)) == el.QNAN
    assert el.floor(0x7F800001) == el.QNAN


def test_lean_twins_exist() -> None:
    """Every ``Lean: NN.Floats.<Decl>`` named by a docstring of the twin is defined in ``NN/Floats``."""
    root = Path(__file__).resolve().parents[1] / "NN" / "Floats"
    lean = "\n".join(p.read_text(encoding="utf-8") for p in sorted(root.glob("*.lean")))
    named = []
    for _, obj in inspect.getmembers(el, inspect.isfunction):
        m = re.match(r"Lean: NN\.Floats\.([\w.?]+)", inspect.getdoc(obj) or "")
        if m:
            named.append(m.group(1))
    assert len(named) >= 35
    missing = [n for n in named if not re.search(rf"^def {re.escape(n.split('.')[-1])}\b", lean, re.M)]
    assert missing == []
