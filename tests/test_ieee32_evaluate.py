"""One ``max``: the NumPy evaluator agrees with the Lean semantics over ``IEEE32`` bit for bit.

The Lean spec (``NN/Spec/Scalar.lean``, ``Ops/Pooling.lean``, ``Ops/Reductions.lean``) defines
``relu x = max x 0``, ``clip = min (max x lo) hi``, ``leakyRelu = if x < 0 then alpha * x else x``,
and max-pooling / ``reduceMax`` as a left-to-right fold of ``max`` over the window (row-major) or
over the reduced axes (in the listed order), where ``max``/``min`` are NumPy's
(:func:`tlean.ieee32.maximum`: NaN if either is NaN, ties return the second argument). The
reference below evaluates exactly that with the twin (through :mod:`tlean.ieee32_vec`) and compares
it with :func:`tlean.evaluate.apply_op` on arrays full of ``±0``, NaN and ``±Inf``. Non-NaN results
must be identical bit patterns (so ``+0``/``-0`` choices count); a NaN must be a NaN.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pytest
from tlean import ieee32_vec as v
from tlean import ir
from tlean.evaluate import apply_op

SPECIALS = np.array(
    [0x00000000, 0x80000000, 0x7FC00000, 0xFFC00000, 0x7F800000, 0xFF800000, 0x3F800000, 0xBF800000,
     0x00000001, 0x80000001, 0x7F7FFFFF, 0xFF7FFFFF],
    dtype=np.uint32,
)
ZERO_HEAVY = np.array([0x00000000, 0x80000000, 0x80000000, 0x00000000, 0xBF800000, 0xFF800000], dtype=np.uint32)


def bits(x: np.ndarray) -> np.ndarray:
    return np.array(x, dtype=np.float32).view(np.uint32)


def floats(b: np.ndarray) -> np.ndarray:
    return np.array(b, dtype=np.uint32).view(np.float32)


def assert_same(got: np.ndarray, want_bits: np.ndarray) -> None:
    g = bits(np.asarray(got, dtype=np.float32))
    assert g.shape == want_bits.shape
    nan_g = np.isnan(floats(g))
    nan_w = np.isnan(floats(want_bits))
    same = (g == want_bits) | (nan_g & nan_w)
    bad = np.flatnonzero(~same.ravel())
    assert bad.size == 0, [
        (int(i), hex(int(g.ravel()[i])), hex(int(want_bits.ravel()[i]))) for i in bad[:8]
    ]


def sample(rng: np.random.Generator, shape: tuple[int, ...], pool: np.ndarray = SPECIALS) -> np.ndarray:
    return rng.choice(pool, size=shape).astype(np.uint32)


@pytest.fixture()
def rng() -> Iterator[np.random.Generator]:
    with np.errstate(all="ignore"):  # as evaluate_all runs the kernels
        yield np.random.default_rng(13)


def test_relu_is_max_with_zero(rng: np.random.Generator) -> None:
    x = sample(rng, (40, 30))
    assert_same(apply_op("relu", None, [floats(x)], x.shape), v.maximum(x, 0))
    assert bits(apply_op("relu", None, [np.float32([-0.0])], (1,)))[0] == 0  # relu(-0) = +0


@pytest.mark.parametrize("op", ["max", "min"])
def test_binary_max_min(op: str, rng: np.random.Generator) -> None:
    a = sample(rng, (50, 1))
    b = sample(rng, (1, 60))
    ref = v.maximum(a, b) if op == "max" else v.minimum(a, b)
    assert_same(apply_op(op, None, [floats(a), floats(b)], (50, 60)), ref)
    pairs = np.array(list(itertools.product(SPECIALS, SPECIALS)), dtype=np.uint32)
    ref2 = v.maximum(pairs[:, 0], pairs[:, 1]) if op == "max" else v.minimum(pairs[:, 0], pairs[:, 1])
    assert_same(apply_op(op, None, [floats(pairs[:, 0]), floats(pairs[:, 1])], (len(pairs),)), ref2)


@pytest.mark.parametrize(
    ("lo", "hi"),
    [(0.0, 6.0), (-0.0, 0.0), (0.0, -0.0), (None, -0.0), (-0.0, None), (-1.0, 1.0), (float("-inf"), float("inf"))],
)
def test_clip(lo: float | None, hi: float | None, rng: np.random.Generator) -> None:
    x = sample(rng, (300,))
    attrs = ir.ClipAttrs(lo=lo, hi=hi)
    ref = x
    if lo is not None:
        ref = v.maximum(ref, v.from_float(np.float32(lo)))
    if hi is not None:
        ref = v.minimum(ref, v.from_float(np.float32(hi)))
    assert_same(apply_op("clip", attrs, [floats(x)], x.shape), ref)


@pytest.mark.parametrize("alpha", [float(np.float32(0.01)), 0.0, -0.5, 2.0])
def test_leaky_relu(alpha: float, rng: np.random.Generator) -> None:
    x = sample(rng, (300,))
    a = v.from_float(np.float32(alpha))
    ref = np.where(v.lt(x, 0), v.mul(a, x), x).astype(np.uint32)
    assert_same(apply_op("leakyRelu", ir.LeakyReluAttrs(alpha=alpha), [floats(x)], x.shape), ref)


def _taps(o: int, k: int, s: int, p: int, size: int) -> list[int]:
    """Lean's ``poolTaps``: the in-bounds input coordinates of window ``o``."""
    return [o * s + t - p for t in range(k) if p <= o * s + t and o * s + t - p < size]


def _fold_max(values: list[int]) -> int:
    acc = values[0]
    for x in values[1:]:
        acc = int(v.maximum(acc, x))
    return acc


def max_pool_reference(x: np.ndarray, a: ir.MaxPool2dAttrs, out: tuple[int, ...]) -> np.ndarray:
    n, c, h, w = x.shape
    kh, kw = a.kernel
    sh, sw = a.strides
    t, lft, _, _ = a.pads
    y = np.zeros(out, dtype=np.uint32)
    for i, j, oh, ow in itertools.product(range(n), range(c), range(out[2]), range(out[3])):
        window = [int(x[i, j, ih, iw]) for ih in _taps(oh, kh, sh, t, h) for iw in _taps(ow, kw, sw, lft, w)]
        y[i, j, oh, ow] = _fold_max(window)
    return y


POOLS = [
    dict(kernel=(2, 2), strides=(2, 2)),
    dict(kernel=(3, 3), strides=(1, 1)),
    dict(kernel=(3, 2), strides=(2, 1), pads=(1, 0, 1, 1)),
    dict(kernel=(2, 3), strides=(2, 2), pads=(0, 1, 0, 1), ceilMode=True),
    dict(kernel=(1, 4), strides=(1, 3)),
]


@pytest.mark.parametrize("kw", POOLS, ids=[str(i) for i in range(len(POOLS))])
@pytest.mark.parametrize("pool", ["specials", "zeros"])
def test_max_pool(kw: dict[str, object], pool: str, rng: np.random.Generator) -> None:
    x = sample(rng, (2, 3, 7, 8), SPECIALS if pool == "specials" else ZERO_HEAVY)
    a = ir.MaxPool2dAttrs(**kw)  # type: ignore[arg-type]
    out = tuple(ir.infer_shape("maxPool2d", a, [list(x.shape)]))
    assert_same(apply_op("maxPool2d", a, [floats(x)], out), max_pool_reference(x, a, out))


def reduce_max_reference(x: np.ndarray, axes: list[int], keep: bool) -> np.ndarray:
    rest = [d for d in range(x.ndim) if d not in axes]
    moved = np.moveaxis(x, [*rest, *axes], list(range(x.ndim)))  # reduced axes last, in listed order
    outer = moved.shape[: len(rest)]
    flat = moved.reshape(*outer, -1)
    y = np.zeros(outer, dtype=np.uint32)
    for idx in itertools.product(*[range(s) for s in outer]):
        y[idx] = _fold_max([int(e) for e in flat[idx]])
    if keep:
        y = y.reshape([1 if d in axes else x.shape[d] for d in range(x.ndim)])
    return y


@pytest.mark.parametrize(("axes", "keep"), [([1], True), ([2, 0], False), ([0, 1, 2], False), ([2, 1], True)])
@pytest.mark.parametrize("pool", ["specials", "zeros"])
def test_reduce_max(axes: list[int], keep: bool, pool: str, rng: np.random.Generator) -> None:
    x = sample(rng, (4, 5, 6), SPECIALS if pool == "specials" else ZERO_HEAVY)
    a = ir.ReduceAttrs(axes=axes, keepDims=keep)
    want = reduce_max_reference(x, axes, keep)
    assert_same(apply_op("reduceMax", a, [floats(x)], want.shape), want)
