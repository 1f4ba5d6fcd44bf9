"""Random IR graphs over every op: tlean's VJP against PyTorch autograd, and JVP against VJP.

A graph is grown from one rank-4 input by random op applications on random earlier nodes (so
values fan out and cotangents accumulate), each followed by a "jitter" ``add`` of a random
parameter: every value is then generic, so no selection (``max``, ``maxPool2d``, ``reduceMax``,
``relu``) meets a tie or a kink, where PyTorch's conventions differ from tlean's by design
(``tlean.autograd``, "Conventions"). ``log``/``sqrt``/``pow``/``div`` read ``v² + p`` with a
positive parameter ``p``. The PyTorch side is :mod:`tlean.autograd_torch`, op by op from the
PyTorch operators. Each op is forced into its own graphs so every op is covered.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tlean import ir
from tlean.autograd import jvp, output_names, vjp

torch = pytest.importorskip("torch")
from tlean.autograd_torch import torch_vjp  # noqa: E402

F32_TOL = 1e-4
F64_TOL = 1e-10


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread() -> Any:
    """PyTorch's spinning OpenMP workers and NumPy's BLAS threads starve each other on a small
    shared CPU (measured 10–20× slower passes); one PyTorch thread here, restored afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


class Builder:
    """Grows a random well-formed IR graph (``ir.check`` passes) with parameter values."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.nodes: list[ir.Node] = []
        self.inputs: list[ir.TensorDecl] = []
        self.params: list[ir.TensorDecl] = []
        self.values: dict[str, np.ndarray] = {}
        self.feeds: dict[str, np.ndarray] = {}
        self.ops: set[str] = set()

    def _push(self, node: ir.Node) -> int:
        self.nodes.append(node)
        return len(self.nodes) - 1

    def shape(self, k: int) -> tuple[int, ...]:
        return tuple(self.nodes[k].shape)

    def input(self, shape: tuple[int, ...]) -> int:
        name = f"x{len(self.inputs)}"
        self.inputs.append(ir.TensorDecl(name=name, shape=list(shape)))
        self.feeds[name] = self.rng.standard_normal(shape)
        return self._push(ir.Node(op="input", attrs={"index": len(self.inputs) - 1}, shape=list(shape)))

    def param(self, shape: tuple[int, ...], lo: float | None = None, hi: float = 1.0, scale: float = 1.0) -> int:
        name = f"p{len(self.params)}"
        self.params.append(ir.TensorDecl(name=name, shape=list(shape)))
        if lo is None:
            self.values[name] = self.rng.standard_normal(shape) * scale
        else:
            self.values[name] = self.rng.uniform(lo, hi, shape)
        return self._push(ir.Node(op="param", attrs={"index": len(self.params) - 1}, shape=list(shape)))

    def const(self, arr: np.ndarray) -> int:
        a = np.asarray(arr, dtype=np.float32)
        return self._push(ir.Node(op="const", attrs={"bits": ir.f32_bits(a)}, shape=list(a.shape)))

    def op(self, name: str, inputs: list[int], attrs: dict[str, Any] | None = None, jitter: bool = True) -> int:
        attrs = attrs or {}
        typed = ir.OPS[name].attrs.model_validate(attrs)
        shape = ir.infer_shape(name, typed, [self.shape(i) for i in inputs])
        k = self._push(ir.Node(op=name, inputs=inputs, attrs=attrs, shape=list(shape)))
        self.ops.add(name)
        if jitter and math.prod(shape) > 0:
            k = self._push(ir.Node(op="add", inputs=[k, self.param(shape, scale=0.1)], attrs={}, shape=list(shape)))
        return k

    def pick(self, rank: int | None = None, min_rank: int = 0) -> int:
        ks = [
            k
            for k, n in enumerate(self.nodes)
            if n.op not in ("const",) and (rank is None or len(n.shape) == rank) and len(n.shape) >= min_rank
        ]
        return int(self.rng.choice(ks))

    def positive(self, k: int) -> int:
        sq = self.op("mul", [k, k], jitter=False)
        return self.op("add", [sq, self.param(self.shape(k), lo=0.5, hi=1.0)], jitter=False)

    def graph(self, outputs: list[int]) -> ir.Graph:
        g = ir.Graph(inputs=self.inputs, params=self.params, nodes=self.nodes, outputs=outputs)
        ir.check(g)
        return g


def _f32(x: float) -> float:
    return float(np.float32(x))


def _broadcastable(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[int, ...]:
    s = [d if rng.random() < 0.6 else 1 for d in shape]
    drop = int(rng.integers(0, len(s) + 1)) if s else 0
    return tuple(s[drop:]) if rng.random() < 0.3 else tuple(s)


def _window(rng: np.random.Generator, size: int, dil: int = 1) -> tuple[int, int, int, int, int]:
    """(kernel, stride, pad_begin, pad_end, dilation) with an output of at least 1."""
    while True:
        k = int(rng.integers(1, 4))
        s = int(rng.integers(1, 3))
        pb, pe = int(rng.integers(0, k)), int(rng.integers(0, k))
        d = int(rng.integers(1, dil + 1))
        if size + pb + pe - d * (k - 1) - 1 >= 0:
            return k, s, pb, pe, d


def build_op(b: Builder, op: str) -> int:
    """Applies ``op`` once to random earlier nodes (and new parameters/constants)."""
    rng = b.rng
    if op in ("add", "sub", "mul", "max", "min"):
        x = b.pick()
        same = [k for k, n in enumerate(b.nodes) if tuple(n.shape) == b.shape(x) and k != x and n.op != "const"]
        y = int(rng.choice(same)) if same and rng.random() < 0.5 else b.param(_broadcastable(rng, b.shape(x)))
        return b.op(op, [x, y] if rng.random() < 0.5 else [y, x])
    if op == "div":
        x = b.pick()
        den = b.positive(b.param(_broadcastable(rng, b.shape(x))) if rng.random() < 0.5 else x)
        return b.op("div", [x, den])
    if op in ("log", "sqrt"):
        return b.op(op, [b.positive(b.pick())])
    if op == "pow":
        e = float(rng.choice([0.5, 1.5, 2.0, 3.0, -1.0, -0.5, 0.0]))
        x = b.pick()
        return b.op("pow", [b.positive(x) if e != int(e) or e < 0 else x], {"exponent": e})
    if op in ("neg", "abs", "relu", "sigmoid", "tanh", "exp", "erf", "sin", "cos", "sign", "floor", "ceil", "round"):
        return b.op(op, [b.pick()])
    if op == "leakyRelu":
        return b.op(op, [b.pick()], {"alpha": float(rng.choice([0.125, 0.25, 2.0]))})
    if op == "clip":
        lo, hi = [(-0.5, 0.5), (None, 0.25), (-0.25, None)][int(rng.integers(0, 3))]
        return b.op(op, [b.pick()], {"lo": lo, "hi": hi})
    if op == "where":
        x = b.pick()
        shape = b.shape(x)
        mask = (rng.random(_broadcastable(rng, shape)) < 0.5).astype(np.float32)
        return b.op("where", [b.const(mask), x, b.param(_broadcastable(rng, shape))])
    if op == "linear":
        x = b.pick(min_rank=1)
        n_in, n_out = b.shape(x)[-1], int(rng.integers(1, 5))
        args = [x, b.param((n_out, n_in), scale=1 / math.sqrt(n_in))]
        if rng.random() < 0.5:
            args.append(b.param((n_out,)))
        return b.op("linear", args)
    if op == "matmul":
        x = b.pick(min_rank=2)
        s = b.shape(x)
        other = b.param((*_broadcastable(rng, s[:-2]), s[-1], int(rng.integers(1, 4))), scale=1 / math.sqrt(s[-1]))
        return b.op("matmul", [x, other])
    if op == "embedding":
        table = b.pick(min_rank=1)
        rows = b.shape(table)[0]
        idx = rng.integers(0, rows, size=tuple(int(d) for d in rng.integers(1, 4, size=int(rng.integers(0, 3)))))
        return b.op("embedding", [table, b.const(idx.astype(np.float32))])
    if op in ("conv2d", "convTranspose2d"):
        x = b.pick(rank=4)
        n, c, h, w = b.shape(x)
        g = 2 if c % 2 == 0 and rng.random() < 0.4 else 1
        mg = int(rng.integers(1, 3))
        while True:
            kh, sh, t, bt, dh = _window(rng, h, 2)
            kw, sw, lft, r, dw = _window(rng, w, 2)
            if op == "conv2d":
                attrs = {"strides": [sh, sw], "pads": [t, lft, bt, r], "dilations": [dh, dw], "groups": g}
                wshape = (mg * g, c // g, kh, kw)
                m = mg * g
            else:
                oph = int(rng.integers(0, max(sh, dh)))
                opw = int(rng.integers(0, max(sw, dw)))
                attrs = {"strides": [sh, sw], "pads": [t, lft, bt, r], "outputPadding": [oph, opw],
                         "dilations": [dh, dw], "groups": g}  # fmt: skip
                wshape = (c, mg, kh, kw)
                m = mg * g
            try:
                ir.infer_shape(op, ir.OPS[op].attrs.model_validate(attrs), [(n, c, h, w), wshape])
                break
            except ValueError:
                continue
        args = [x, b.param(wshape, scale=1 / math.sqrt(c * kh * kw / g))]
        if rng.random() < 0.5:
            args.append(b.param((m,)))
        return b.op(op, args, attrs)
    if op in ("maxPool2d", "avgPool2d"):
        x = b.pick(rank=4)
        _, _, h, w = b.shape(x)
        ceil = bool(rng.random() < 0.5)
        while True:
            kh, sh, t, bt, _ = _window(rng, h)
            kw, sw, lft, r, _ = _window(rng, w)
            if ceil:  # PyTorch's ceil mode is defined for symmetric padding of at most half a kernel
                t = bt = min(t, kh // 2)
                lft = r = min(lft, kw // 2)
            attrs: dict[str, Any] = {"kernel": [kh, kw], "strides": [sh, sw], "pads": [t, lft, bt, r], "ceilMode": ceil}
            if op == "avgPool2d":
                attrs["countIncludePad"] = bool(rng.random() < 0.5)
            try:
                ir.infer_shape(op, ir.OPS[op].attrs.model_validate(attrs), [b.shape(x)])
                return b.op(op, [x], attrs)
            except ValueError:
                continue
    if op == "globalAvgPool":
        return b.op(op, [b.pick(rank=4)])
    if op == "batchNorm":
        x = b.pick(min_rank=2)
        c = b.shape(x)[1]
        ps = [b.param((c,), lo=0.5, hi=1.5), b.param((c,)), b.param((c,)), b.param((c,), lo=0.5, hi=1.5)]
        return b.op(op, [x, *ps], {"epsilon": _f32(1e-3)})
    if op == "layerNorm":
        x = b.pick(min_rank=1)
        if math.prod(b.shape(x)) < 2:
            x = 0  # normalising one element is degenerate (d = x − mean is 0 up to round-off)
        s = b.shape(x)
        axis = int(rng.choice([a for a in range(len(s)) if math.prod(s[a:]) >= 2]))
        args = [x, b.param(s[axis:], lo=0.5, hi=1.5)]
        if rng.random() < 0.5:
            args.append(b.param(s[axis:]))
        return b.op(op, args, {"epsilon": _f32(1e-3), "axis": axis})
    if op in ("softmax", "logSoftmax"):
        x = b.pick(min_rank=1)
        return b.op(op, [x], {"axis": int(rng.integers(0, len(b.shape(x))))})
    if op == "reshape":
        x = b.pick(min_rank=1)
        total = math.prod(b.shape(x))
        divs = [d for d in range(1, total + 1) if total % d == 0]
        a = int(rng.choice(divs))
        return b.op(op, [x], {"shape": [a, total // a] if rng.random() < 0.7 else [total]})
    if op == "transpose":
        x = b.pick(min_rank=1)
        return b.op(op, [x], {"perm": [int(p) for p in rng.permutation(len(b.shape(x)))]})
    if op == "concat":
        x = b.pick(min_rank=1)
        s = b.shape(x)
        axis = int(rng.integers(0, len(s)))
        other = list(s)
        other[axis] = int(rng.integers(1, 4))
        parts = [x, b.param(tuple(other))] + ([x] if rng.random() < 0.5 else [])
        return b.op(op, parts, {"axis": axis})
    if op == "slice":
        x = b.pick(min_rank=1)
        s = b.shape(x)
        axes = sorted(int(a) for a in rng.choice(len(s), size=int(rng.integers(1, len(s) + 1)), replace=False))
        starts, ends, steps = [], [], []
        for ax in axes:
            d = s[ax]
            step = int(rng.choice([1, 2, -1, -2]))
            if step > 0:
                st_ = int(rng.integers(0, d))
                en = int(rng.integers(st_ + 1, d + 1))
            else:
                st_ = int(rng.integers(0, d))
                en = int(rng.integers(-1, st_))
            starts.append(st_)
            ends.append(en)
            steps.append(step)
        return b.op(op, [x], {"starts": starts, "ends": ends, "axes": axes, "steps": steps})
    if op == "pad":
        x = b.pick(min_rank=1)  # tlean.evaluate's pad fails on a rank-0 tensor (np.pad of [])
        r = len(b.shape(x))
        pads = [int(p) for p in rng.integers(0, 3, size=2 * r)]
        return b.op(op, [x], {"pads": pads, "value": float(rng.choice([0.0, 1.5]))})
    if op in ("reduceSum", "reduceMean", "reduceMax"):
        x = b.pick(min_rank=1)
        r = len(b.shape(x))
        axes = sorted(int(a) for a in rng.choice(r, size=int(rng.integers(1, r + 1)), replace=False))
        return b.op(op, [x], {"axes": axes, "keepDims": bool(rng.random() < 0.5)})
    if op == "resize":
        x = b.pick(min_rank=1)
        i0s, i1s, w0s, w1s = [], [], [], []
        for d in b.shape(x):
            n_out = int(rng.integers(1, 2 * d + 2))
            i0 = [int(i) for i in rng.integers(0, d, size=n_out)]
            if rng.random() < 0.5:
                i0s.append(i0), i1s.append([]), w0s.append([]), w1s.append([])
                continue
            lam = [_f32(v) for v in rng.random(n_out)]
            i0s.append(i0)
            i1s.append([int(i) for i in rng.integers(0, d, size=n_out)])
            w0s.append([_f32(1 - v) for v in lam])
            w1s.append(lam)
        return b.op(op, [x], {"index0": i0s, "index1": i1s, "weight0": w0s, "weight1": w1s})
    raise AssertionError(f"no builder for {op}")


NON_LEAF = sorted(set(ir.OPS) - ir.LEAF_OPS)


def random_graph(seed: int, force: str | None = None, steps: int = 4) -> tuple[ir.Graph, Builder]:
    """A random graph of ``steps`` random ops (``force`` among them), outputs = last two nodes."""
    rng = np.random.default_rng(seed)
    b = Builder(rng)
    b.input(tuple(int(d) for d in (2, rng.integers(1, 4) * 2, rng.integers(3, 7), rng.integers(3, 7))))
    where = int(rng.integers(0, steps)) if force else -1
    last = 0
    for i in range(steps):
        last = build_op(b, force if i == where else str(rng.choice(NON_LEAF)))
    outs = [last] if rng.random() < 0.5 else [b.pick(), last]
    return b.graph(outs), b


def rel_err(a: np.ndarray, b: np.ndarray, floor: float = 0.0) -> float:
    """max |a − b| / max(max |b|, floor): the relative error in the max norm; ``floor`` keeps
    a gradient that is zero up to round-off (say 1e-17) from being judged relative to itself."""
    scale = max(float(np.max(np.abs(b))) if b.size else 0.0, floor)
    diff = float(np.max(np.abs(a - b))) if b.size else 0.0
    return diff / scale if scale > 0 else diff


def grads_err(ours: dict[str, np.ndarray], ref: dict[str, np.ndarray]) -> float:
    """The worst :func:`rel_err` over a dict of gradients. The floor is a fraction of the largest
    gradient (1e-4 in float64, 1e-2 in float32): a gradient that is zero in exact arithmetic
    (a bias before a logSoftmax over the batch, say) is round-off on both sides, judged against
    the graph's gradient scale rather than against itself."""
    wide = all(v.dtype == np.float64 for v in ref.values())
    frac = 1e-4 if wide else 1e-2
    floor = frac * max((float(np.max(np.abs(v))) for v in ref.values() if v.size), default=0.0)
    return max((rel_err(ours[k], ref[k], floor) for k in ref), default=0.0)


def compare_with_torch(g: ir.Graph, b: Builder, dtype: Any, seed: int) -> float:
    rng = np.random.default_rng(seed + 1)
    xs = {k: v.astype(dtype) for k, v in b.feeds.items()}
    ps = {k: v.astype(dtype) for k, v in b.values.items()}
    ws = {
        n: rng.standard_normal(g.nodes[o].shape).astype(dtype) for n, o in zip(output_names(g), g.outputs, strict=True)
    }
    gi, gp = vjp(g, xs, ps, ws, dtype=dtype)
    ti, tp = torch_vjp(g, xs, ps, ws, dtype=dtype)
    return grads_err({**gi, **gp}, {**ti, **tp})


def adjoint_gap(g: ir.Graph, b: Builder, seed: int) -> float:
    """|⟨w, J·v⟩ − ⟨Jᵀ·w, v⟩| / (|⟨w, J·v⟩| + ‖w‖‖J·v‖·ε-scale) in float64."""
    rng = np.random.default_rng(seed + 2)
    ws = {n: rng.standard_normal(g.nodes[o].shape) for n, o in zip(output_names(g), g.outputs, strict=True)}
    vi = {k: rng.standard_normal(v.shape) for k, v in b.feeds.items()}
    vp = {k: rng.standard_normal(v.shape) for k, v in b.values.items()}
    jv = jvp(g, b.feeds, b.values, vi, vp, dtype=np.float64)
    gi, gp = vjp(g, b.feeds, b.values, ws, dtype=np.float64)
    lhs = sum(float(np.sum(ws[n] * jv[n])) for n in ws)
    rhs = sum(float(np.sum(gi[k] * vi[k])) for k in gi) + sum(float(np.sum(gp[k] * vp[k])) for k in gp)
    # Scale: the sum of |terms| on either side, so the gap is relative to the round-off of the sums.
    scale = sum(float(np.sum(np.abs(ws[n] * jv[n]))) for n in ws) + 1e-300
    return abs(lhs - rhs) / scale


_SETTINGS = settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


@pytest.mark.parametrize("op", NON_LEAF)
@_SETTINGS
@given(seed=st.integers(0, 2**31 - 1))
def test_vjp_matches_torch_on_random_graphs(op: str, seed: int) -> None:
    g, b = random_graph(seed, force=op)
    assert op in b.ops
    e64 = compare_with_torch(g, b, np.float64, seed)
    assert e64 <= F64_TOL, f"float64 relative error {e64:.3g}"
    e32 = compare_with_torch(g, b, np.float32, seed)
    assert e32 <= F32_TOL, f"float32 relative error {e32:.3g}"


@pytest.mark.parametrize("op", NON_LEAF)
@_SETTINGS
@given(seed=st.integers(0, 2**31 - 1))
def test_adjoint_identity_on_random_graphs(op: str, seed: int) -> None:
    """⟨w, J·v⟩ = ⟨Jᵀ·w, v⟩ to float64 round-off (tlean's JVP against tlean's VJP)."""
    g, b = random_graph(seed, force=op, steps=5)
    assert adjoint_gap(g, b, seed) <= 1e-12


def test_every_op_has_a_builder_and_rules() -> None:
    from tlean.autograd.rules import rule_for

    for op in NON_LEAF:
        rule_for(op)
        g, b = random_graph(7, force=op)
        assert op in b.ops
