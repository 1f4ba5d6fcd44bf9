"""Every op has a bound rule: one-op graphs, bounded by IBP, CROWN and α-CROWN, must contain the
float32 evaluator's outputs at sampled inputs (within float32 rounding), and an op without any
rule is an error naming it. Exactness against rationals is tests/test_bounds_soundness.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from bounds_support import Builder
from tlean import ir
from tlean.errors import BoundsUnsupportedError
from tlean.evaluate import evaluate
from tlean.verify.bounds.engine import AlphaOptions, Engine
from tlean.verify.bounds.rules import REGISTRY, rule_for

N = 6
Case = Callable[[Builder], int]


def _unary(op: str, **attrs: Any) -> Case:
    return lambda b: b.op(op, [0], **attrs)


def _pair(op: str) -> Case:
    def build(b: Builder) -> int:
        a = b.op("slice", [0], starts=[0], ends=[3], axes=[1], steps=[1])
        c = b.op("slice", [0], starts=[3], ends=[6], axes=[1], steps=[1])
        if op == "div":
            c = b.op("add", [b.op("abs", [c]), b.param(np.ones((1, 3)))])
        return b.op(op, [a, c])

    return build


def _matmul_vars(b: Builder) -> int:
    a = b.op("reshape", [b.op("slice", [0], starts=[0], ends=[4], axes=[1], steps=[1])], shape=[2, 2])
    c = b.op("reshape", [b.op("slice", [0], starts=[2], ends=[6], axes=[1], steps=[1])], shape=[2, 2])
    return b.op("matmul", [a, c])


def _where(b: Builder) -> int:
    mask = np.array([[1, 0, 1, 1, 0, 0]], dtype=np.float32)
    b.nodes.append(ir.Node(op="const", attrs={"bits": ir.f32_bits(mask)}, shape=[1, N]))
    cond = len(b.nodes) - 1
    return b.op("where", [cond, 0, b.op("neg", [0])])


def _resize(b: Builder) -> int:
    x = b.op("reshape", [0], shape=[1, 1, 2, 3])
    return b.op(
        "resize",
        [x],
        index0=[[0], [0], [0, 0, 1, 1], [0, 1, 2]],
        index1=[[], [], [0, 1, 1, 1], []],
        weight0=[[], [], [1.0, 0.75, 0.25, 1.0], []],
        weight1=[[], [], [0.0, 0.25, 0.75, 0.0], []],
    )


def _conv_t(b: Builder) -> int:
    x = b.op("reshape", [0], shape=[1, 2, 1, 3])
    w = b.param(np.random.default_rng(0).standard_normal((2, 3, 2, 2)))
    return b.op("convTranspose2d", [x, w, b.param(np.ones(3))], strides=[2, 1], pads=[0, 1, 0, 0])


def _pool(op: str, **attrs: Any) -> Case:
    def build(b: Builder) -> int:
        x = b.op("reshape", [0], shape=[1, 1, 2, 3])
        return b.op(op, [x], **attrs)

    return build


def _layernorm(b: Builder) -> int:
    return b.op(
        "layerNorm", [0, b.param(np.full(N, 1.5)), b.param(np.full(N, 0.25))], epsilon=float(np.float32(1e-5)), axis=1
    )


CASES: dict[str, tuple[Case, tuple[float, float]]] = {
    **{
        op: (_unary(op), (-3.0, 3.0))
        for op in (
            "neg",
            "abs",
            "relu",
            "sigmoid",
            "tanh",
            "exp",
            "erf",
            "sin",
            "cos",
            "sign",
            "floor",
            "ceil",
            "round",
        )
    },
    "log": (_unary("log"), (0.1, 5.0)),
    "sqrt": (_unary("sqrt"), (0.0, 5.0)),
    "leakyRelu": (_unary("leakyRelu", alpha=0.25), (-3.0, 3.0)),
    "clip": (_unary("clip", lo=-0.5, hi=0.75), (-3.0, 3.0)),
    "pow2": (_unary("pow", exponent=2.0), (-3.0, 3.0)),
    "pow3": (_unary("pow", exponent=3.0), (-3.0, 3.0)),
    "pow-1": (_unary("pow", exponent=-1.0), (0.5, 3.0)),
    "pow0.5": (_unary("pow", exponent=0.5), (0.0, 3.0)),
    **{op: (_pair(op), (-3.0, 3.0)) for op in ("add", "sub", "mul", "div", "max", "min")},
    "matmul2": (_matmul_vars, (-2.0, 2.0)),
    "softmax": (_unary("softmax", axis=1), (-3.0, 3.0)),
    "logSoftmax": (_unary("logSoftmax", axis=1), (-3.0, 3.0)),
    "layerNorm": (_layernorm, (-3.0, 3.0)),
    "reduceMax": (_unary("reduceMax", axes=[1], keepDims=True), (-3.0, 3.0)),
    "reduceSum": (_unary("reduceSum", axes=[1], keepDims=False), (-3.0, 3.0)),
    "where": (_where, (-3.0, 3.0)),
    "resize": (_resize, (-3.0, 3.0)),
    "convTranspose2d": (_conv_t, (-2.0, 2.0)),
    "maxPool2d": (_pool("maxPool2d", kernel=[2, 2], strides=[1, 2], pads=[1, 1, 0, 1]), (-3.0, 3.0)),
    "avgPool2d": (_pool("avgPool2d", kernel=[2, 2], strides=[2, 2], pads=[0, 1, 0, 1], ceilMode=True), (-3.0, 3.0)),
    "avgPool2d-incl": (
        _pool("avgPool2d", kernel=[2, 2], strides=[1, 1], pads=[1, 0, 0, 1], countIncludePad=True),
        (-3.0, 3.0),
    ),
    "globalAvgPool": (_pool("globalAvgPool"), (-3.0, 3.0)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bounds_contain_the_evaluator(name: str) -> None:
    build, (a, z) = CASES[name]
    b = Builder((1, N))
    g = b.graph(build(b))
    e = Engine(g, b.params)
    rng = np.random.default_rng(1)
    for _ in range(5):
        c = rng.uniform(a, z, N)
        r = np.abs(rng.standard_normal(N)) * rng.choice([0.01, 0.5, 3.0])
        lo = np.clip(c - r, a, z).astype(np.float32)
        hi = np.clip(c + r, a, z).astype(np.float32)
        xs = (lo + (hi - lo) * rng.random((40, N))).astype(np.float32)
        xs = np.clip(xs, lo, hi)
        ys = np.stack([evaluate(g, [x.reshape(1, N)], b.params)[0].reshape(-1) for x in np.concatenate([xs, [lo, hi]])])
        for m in ("ibp", "crown", "alpha-crown"):
            res = e.run(lo, hi, None, method=m, alpha=AlphaOptions(iters=3))
            n = res.lower.size // 2
            lb, ub = res.lower[:n], -res.lower[n:]
            tol = 1e-5 * (1 + np.abs(ys))
            assert np.all(lb - tol <= ys), (name, m)
            assert np.all(ys <= ub + tol), (name, m)
            assert np.all(lb <= ub)


def test_every_op_of_the_ir_has_a_rule() -> None:
    rule_for("relu")
    missing = [op for op in ir.OPS if op not in ir.LEAF_OPS and op not in REGISTRY]
    assert missing == []


def test_a_node_without_a_rule_is_an_error_naming_it() -> None:
    b = Builder((1, 1, 3, 3))
    out = b.op("conv2d", [0, b.op("reshape", [0], shape=[1, 1, 3, 3])])  # a weight that varies
    with pytest.raises(BoundsUnsupportedError, match="conv2d"):
        Engine(b.graph(out), b.params).run(np.zeros(9), np.ones(9), None, method="ibp")


def test_crown_reports_the_ibp_fallback_at_softmax() -> None:
    b = Builder((1, 4))
    z = b.op("linear", [0, b.param(np.eye(4))])
    s = b.op("softmax", [z], axis=1)
    out = b.op("linear", [b.op("relu", [s]), b.param(np.ones((2, 4)))])
    res = Engine(b.graph(out), b.params).run(-np.ones(4), np.ones(4), None, method="crown")
    assert (s, "softmax") in res.fallbacks
