"""The binary32 twin ``tlean.ieee32`` against external oracles, bit for bit.

Per op: ``N`` seeded random argument tuples (half uniform bit patterns, half biased to the op's
interesting exponents; :func:`tests.ieee32_oracles.random_inputs`) plus every case of the hard-case
fixture ``tests/fixtures/ieee32/<op>.txt``, compared with each oracle of the op:

* NumPy binary32 (the hardware): add, sub, mul, div, sqrt, neg, abs, minimum, maximum, lt, le, eq,
  floor, ceil, round (``np.rint``);
* Berkeley SoftFloat (``softfloatpy``, round to nearest even): add, sub, mul, div, sqrt, fma, lt,
  le, eq, and floor/ceil/round (``f32_roundToInt`` towards -Inf, +Inf, nearest even);
* MPFR (``gmpy2``, binary32 context): fma, exp, log, tanh, sigmoid, erf, sin, cos, pow.

An expected NaN requires the kernel's quiet NaN ``0x7FC00000`` (neg/abs: the exact bits). The
vectorised path ``tlean.ieee32_vec`` is checked against the same oracles on the same inputs. The
full million per op is ``scripts/bench_ieee32.py``.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from tlean import ieee32

from tests import ieee32_oracles as orc

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "ieee32"
#: Random cases per op (the issue asks for about 10**5 in the suite).
N = int(os.environ.get("TLEAN_IEEE32_N", "100000"))
SEED = 20260513


@cache
def fixture_cases(op: str) -> tuple[tuple[orc.U32, ...], orc.U32]:
    """The fixture's argument columns and expected results."""
    cases = orc.parse_fixture((FIXTURES / f"{op}.txt").read_text())
    assert cases, f"empty fixture {op}"
    assert all(c[0] == op for c in cases)
    cols = tuple(orc.as_u32([c[1][i] for c in cases]) for i in range(orc.OPS[op].arity))
    return cols, orc.as_u32([c[2] for c in cases])


@cache
def inputs(op: str) -> tuple[orc.U32, ...]:
    """Random arguments followed by the fixture's arguments."""
    rand = orc.random_inputs(op, N, SEED)
    fix, _ = fixture_cases(op)
    return tuple(np.concatenate([r, f]) for r, f in zip(rand, fix, strict=True))


@cache
def twin_results(op: str) -> orc.U32:
    return orc.twin(op, *inputs(op))


def _report(op: str, args: tuple[orc.U32, ...], got: orc.U32, want: orc.U32) -> str:
    bad = orc.mismatches(op, got, want)
    rows = [
        f"{op}({', '.join(f'{int(a[i]):#010x}' for a in args)}) = {int(got[i]):#010x}, expected {int(want[i]):#010x}"
        for i in bad[:8]
    ]
    return f"{bad.size} mismatches of {got.size}:\n" + "\n".join(rows)


CASES = [(op.name, which) for op in orc.OPS.values() for which in op.oracles]
VEC_CASES = [(op, which) for op, which in CASES if op in orc.VECTORISED]


@pytest.mark.parametrize(("op", "which"), CASES, ids=[f"{o}-{w}" for o, w in CASES])
def test_twin_matches_oracle(op: str, which: str) -> None:
    args = inputs(op)
    with np.errstate(all="ignore"):
        want = orc.oracle(op, which, *args)
    got = twin_results(op)
    assert orc.mismatches(op, got, want).size == 0, _report(op, args, got, want)


@pytest.mark.parametrize(("op", "which"), VEC_CASES, ids=[f"{o}-{w}" for o, w in VEC_CASES])
def test_vectorised_matches_oracle(op: str, which: str) -> None:
    """The ops with their own vectorised algorithm (the others call the scalar twin)."""
    args = inputs(op)
    with np.errstate(all="ignore"):
        want = orc.oracle(op, which, *args)
    got = orc.vec(op, *args)
    assert orc.mismatches(op, got, want).size == 0, _report(op, args, got, want)


@pytest.mark.parametrize("op", list(orc.OPS))
def test_twin_reproduces_fixture(op: str) -> None:
    cols, want = fixture_cases(op)
    got = orc.twin(op, *cols)
    assert orc.mismatches(op, got, want).size == 0, _report(op, cols, got, want)


def test_fixture_files_are_the_generators_output() -> None:
    """Running the generator again gives the committed files, byte for byte (deterministic)."""
    from scripts.gen_ieee32_vectors import CASES as GEN_CASES
    from scripts.gen_ieee32_vectors import render

    assert set(GEN_CASES) == set(orc.OPS)
    assert sorted(p.stem for p in FIXTURES.glob("*.txt")) == sorted(orc.OPS)
    with np.errstate(all="ignore"):
        for op in orc.OPS:
            first = render(op)
            assert render(op) == first, f"{op}: two runs of the generator differ"
            assert (FIXTURES / f"{op}.txt").read_text() == first, (
                f"tests/fixtures/ieee32/{op}.txt is stale: run python scripts/gen_ieee32_vectors.py"
            )


def test_fixtures_cover_the_hard_classes() -> None:
    """Each fixture contains signed zeros, infinities and NaNs among its arguments."""
    for op in orc.OPS:
        cols, _ = fixture_cases(op)
        first = set(cols[0].tolist())
        assert {0x0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x1, 0x7F7FFFFF} <= first, op
        assert cols[0].size >= 370, op


# --------------------------------------------------------------------------- the oracles themselves


def test_mpfr_context_is_binary32() -> None:
    """Subnormal rounding, ties to even at 2**-150 and overflow in the MPFR context."""
    import gmpy2

    hp = gmpy2.context(precision=200)
    tiny = hp.exp2(gmpy2.mpfr(-150, 200))
    assert orc._mpfr_bits(orc.BINARY32.plus(tiny)) == 0  # tie between 0 and 2**-149: even is 0
    assert orc._mpfr_bits(orc.BINARY32.plus(hp.mul(3, tiny))) == 0x2  # 1.5 * 2**-149 -> 2 * 2**-149
    assert orc._mpfr_bits(orc.BINARY32.exp(gmpy2.mpfr(89))) == 0x7F800000
    assert orc._mpfr_bits(orc.BINARY32.exp(gmpy2.mpfr(-100))) == ieee32.from_float(float(np.float32(np.exp(-100.0))))


def test_sigmoid_oracle_known_values() -> None:
    assert orc.sigmoid_mpfr(0.0) == 0x3F000000
    assert orc.sigmoid_mpfr(2.0) == ieee32.from_float(1.0 / (1.0 + np.exp(-2.0)))
    assert orc.sigmoid_mpfr(-100.0) == ieee32.from_float(float(np.float32(np.exp(-100.0))))
    assert orc.sigmoid_mpfr(50.0) == 0x3F800000
    assert orc.sigmoid_mpfr(-3.0e38) == 0


def test_harness_detects_a_wrong_kernel() -> None:
    """Negative self-test: the comparison flags a kernel that rounds towards zero."""
    args = inputs("mul")
    want = orc.oracle("mul", "softfloat", *args)
    import softfloatpy as sf

    sf.set_rounding_mode(sf.RoundingMode.MIN_MAG)
    try:
        cols = [a[:2000].tolist() for a in args]
        truncated = orc.as_u32([orc._sf_bits(sf.f32_mul(orc._sf(x), orc._sf(y))) for x, y in zip(*cols, strict=True)])
    finally:
        sf.set_rounding_mode(sf.RoundingMode.NEAR_EVEN)
    assert orc.mismatches("mul", orc.expected_form("mul", truncated), want[:2000]).size > 100
    assert orc.mismatches("sub", orc.twin("add", *[a[:2000] for a in inputs("sub")]),
                          orc.oracle("sub", "numpy", *[a[:2000] for a in inputs("sub")])).size > 100


def test_bench_script_json_matches_schema(tmp_path: Path) -> None:
    """``scripts/bench_ieee32.py`` on a few cases: exit 0, JSON valid against its committed schema."""
    import json

    import jsonschema

    from scripts.bench_ieee32 import main as bench_main

    out = tmp_path / "bench.json"
    assert bench_main(["--n", "300", "--ops", "add,exp,lt", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    schema = json.loads((ROOT / "docs" / "schemas" / "tlean.bench-ieee32.v1.json").read_text())
    jsonschema.validate(doc, schema)
    assert doc["format"] == "tlean.bench-ieee32.v1" and doc["total_mismatches"] == 0
    assert [r["op"] for r in doc["ops"]] == ["add", "exp", "lt"]
    assert doc["ops"][0]["cases"] > 300 and set(doc["ops"][0]["mismatches"]) == {"numpy", "softfloat"}
    doc["ops"][0]["extra"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


def _is_tie(man: int, exp: int) -> bool:
    """Whether ``man * 2**exp`` lies exactly halfway between two neighbouring binary32 values."""
    n = abs(man)
    if n == 0:
        return False
    q = max(n.bit_length() - 24 + exp, -149)
    return q > exp and n % 2 ** (q - exp) == 2 ** (q - exp - 1)


def _exact(op: str, args: tuple[int, ...]) -> tuple[int, int] | None:
    """The exact result of ``op`` on finite operands as a dyadic (``None`` if not finite or inexact)."""
    found = [ieee32.to_dyadic(a) for a in args]
    ds = [d for d in found if d is not None]
    if len(ds) != len(found):
        return None
    if op == "add":
        return ieee32.dyadic_add(ds[0], ds[1])
    if op == "sub":
        return ieee32.dyadic_sub(ds[0], ds[1])
    if op == "mul":
        return ieee32.dyadic_mul(ds[0], ds[1])
    if op == "fma":
        return ieee32.dyadic_add(ieee32.dyadic_mul(ds[0], ds[1]), ds[2])
    if op == "div" and ds[1][0] != 0:
        num = ds[0][0] * 2**200
        if num % ds[1][0]:
            return None
        return (num // ds[1][0], ds[0][1] - ds[1][1] - 200)
    return None


@pytest.mark.parametrize(("op", "least"), [("add", 300), ("sub", 300), ("mul", 200), ("fma", 30), ("div", 20)])
def test_fixtures_contain_exact_ties(op: str, least: int) -> None:
    """The fixtures exercise round-half-even: exact results exactly halfway between two floats."""
    cols, _ = fixture_cases(op)
    ties = 0
    for case in zip(*[c.tolist() for c in cols], strict=True):
        d = _exact(op, case)
        if d is not None and _is_tie(*d):
            ties += 1
    assert ties >= least, ties
