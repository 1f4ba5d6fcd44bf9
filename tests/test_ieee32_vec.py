"""The vectorised path ``tlean.ieee32_vec`` against the scalar twin ``tlean.ieee32``, bit for bit.

Each op on 20 000 seeded random argument tuples (half uniform, half biased; for the elementary
functions, which call the scalar twin element by element, 2 000) and on every fixture case; plus
NumPy broadcasting, shapes, scalars and the rejection of float arrays.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tlean import ieee32, ieee32_vec

from tests import ieee32_oracles as orc

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ieee32"


def _columns(op: str) -> tuple[orc.U32, ...]:
    n = 20_000 if op in orc.VECTORISED else 2_000
    rand = orc.random_inputs(op, n, 7)
    cases = orc.parse_fixture((FIXTURES / f"{op}.txt").read_text())
    fix = tuple(orc.as_u32([c[1][i] for c in cases]) for i in range(orc.OPS[op].arity))
    return tuple(np.concatenate([r, f]) for r, f in zip(rand, fix, strict=True))


@pytest.mark.parametrize("op", list(orc.OPS))
def test_vectorised_equals_twin(op: str) -> None:
    args = _columns(op)
    got = orc.vec(op, *args)
    want = orc.twin(op, *args)
    bad = orc.mismatches(op, got, want)
    assert bad.size == 0, [
        (tuple(hex(int(a[i])) for a in args), hex(int(got[i])), hex(int(want[i]))) for i in bad[:5]
    ]


def test_every_twin_op_has_a_vectorised_version() -> None:
    for op in orc.OPS:
        assert callable(getattr(ieee32_vec, op)), op
        assert callable(getattr(ieee32, op)), op


def test_broadcasting_and_shapes() -> None:
    a = ieee32_vec.from_float(np.arange(6, dtype=np.float32).reshape(2, 3))
    b = ieee32_vec.from_float(np.float32(0.5))
    r = ieee32_vec.add(a, b)
    assert r.shape == (2, 3) and r.dtype == np.uint32
    np.testing.assert_array_equal(ieee32_vec.to_float(r), np.arange(6, dtype=np.float32).reshape(2, 3) + 0.5)
    col = ieee32_vec.from_float(np.array([[1.0], [-2.0]], dtype=np.float32))
    f = ieee32_vec.fma(a, col, b)
    assert f.shape == (2, 3)
    want = [[ieee32.fma(int(x), int(c[0]), int(b)) for x in row] for row, c in zip(a, col, strict=True)]
    np.testing.assert_array_equal(f, np.array(want, dtype=np.uint32))
    lt = ieee32_vec.lt(a, col)
    assert lt.dtype == np.bool_ and lt.shape == (2, 3)
    assert ieee32_vec.exp(a).shape == (2, 3)
    assert ieee32_vec.pow(a, col).shape == (2, 3)
    assert ieee32_vec.sqrt(np.zeros((0,), dtype=np.uint32)).shape == (0,)
    assert ieee32_vec.exp(np.zeros((0, 2), dtype=np.uint32)).shape == (0, 2)


def test_python_ints_and_quiet_nan() -> None:
    assert int(ieee32_vec.add(0x3F800000, 0x3F800000)) == 0x40000000
    assert int(ieee32_vec.add(0x7F800000, 0xFF800000)) == ieee32_vec.QNAN
    assert int(ieee32_vec.maximum(0x80000000, 0x00000000)) == 0x00000000  # ties -> second argument
    assert int(ieee32_vec.maximum(0x00000000, 0x80000000)) == 0x80000000
    assert int(ieee32_vec.neg(0x7FC00001)) == 0xFFC00001


def test_float_arrays_are_refused() -> None:
    with pytest.raises(TypeError, match="bit patterns"):
        ieee32_vec.add(np.array([1.0]), np.array([2.0]))
