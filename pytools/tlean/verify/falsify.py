"""Falsification: random sampling and PGD on the spec margin, with confirmed counterexamples.

``falsify(model, spec, time_budget)`` looks for an input ``x`` of some input box of the spec whose
output ``y`` lies in one of that box's violation polytopes ``A y <= b``. Search runs vectorised
over many points at once: a batched float32 forward pass and its hand-written backward pass over
the piecewise-linear fragment of the IR (``input``, ``param``, ``const``, ``linear``, ``matmul``,
``add``/``sub``/``mul``/``div``, ``relu``, ``leakyRelu``, ``reshape``, ``flatten``-style reshapes,
``neg``, ``identity``). A graph with other ops is searched by random sampling only, one point at a
time on :func:`tlean.evaluate.evaluate`.

The objective of a point is the *violation margin* ``min_p max_r (A_p y - b_p)_r`` over the box's
polytopes ``p``: the point violates the property iff it is ``<= 0``. PGD takes signed-gradient
steps on it from random starts inside the box, projecting back onto the box after each step.

A counterexample is reported only once **confirmed** (:func:`confirm`):

1. ``x`` is a float32 vector whose exact value lies in the spec's exact (rational) box;
2. the output of onnxruntime running the original ONNX file on ``x`` satisfies every row of some
   polytope ``A y <= b`` of that box, checked in exact rational arithmetic;
3. the output of tlean's evaluator (:func:`tlean.evaluate.evaluate`) satisfies the same polytope,
   also checked exactly.

The VNN-COMP scorer replays witnesses with onnxruntime (with a tolerance); tlean's check has none.
Without onnxruntime installed no witness can be confirmed and ``falsify`` returns ``None``.

Trust boundary: a ``None`` answer says nothing (the search is incomplete); only a returned
:class:`Counterexample` is a claim, and it is one about the two runtimes named above, on the
float32 input it carries.
"""

from __future__ import annotations

import functools
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from tlean import ir
from tlean.verify.spec import InputBox, Polytope, Spec

F32 = np.float32
Arr = np.ndarray

#: Ops the batched forward/backward pass handles (everything else: sampling on the evaluator).
BATCHED_OPS = frozenset(
    {"input", "param", "const", "linear", "matmul", "add", "sub", "mul", "div", "relu", "leakyRelu",
     "reshape", "neg", "identity"}
)


class Counterexample(BaseModel):
    """A confirmed witness: ``x`` in box ``box`` gives an output in polytope ``polytope``."""

    model_config = ConfigDict(extra="forbid")

    box: int = Field(description="Index of the spec's input box that contains x.")
    polytope: int = Field(description="Index (within the box) of the violation polytope A y <= b that y satisfies.")
    x: list[float] = Field(description="The input, flattened row-major; float32 values.")
    y: list[float] = Field(description="onnxruntime's output on x, flattened row-major; float32 values.")
    y_tlean: list[float] = Field(description="tlean's evaluator's output on x, flattened row-major.")
    max_row_margin: float = Field(description="max_r (A y - b)_r under onnxruntime (<= 0: every row holds).")
    found_by: str = Field(description="Search that found it: 'random', 'pgd' or 'given'.")


# ------------------------------------------------------------------------------ model access


@dataclass
class FalsifyModel:
    """An imported model with what falsification needs: graph, params, ONNX path, a runtime session."""

    graph: ir.Graph
    params: dict[str, Arr]
    path: str
    sha256: str
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    _ort: Any = None

    @property
    def n_inputs(self) -> int:
        return math.prod(self.in_shape)

    @property
    def n_outputs(self) -> int:
        return math.prod(self.out_shape)

    @property
    def batched(self) -> bool:
        """Whether every node has a batched forward/backward rule (else sampling only)."""
        return all(n.op in BATCHED_OPS for n in self.graph.nodes)

    def ort_session(self) -> Any | None:
        """An onnxruntime session on the original file (``None`` without onnxruntime)."""
        if self._ort is None:
            try:
                import onnxruntime as ort
            except ImportError:
                return None
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = 1
            opts.inter_op_num_threads = 1
            self._ort = ort.InferenceSession(self.path, sess_options=opts, providers=["CPUExecutionProvider"])
        return self._ort


def load_model(model: Any) -> FalsifyModel:
    """A :class:`FalsifyModel` from an ONNX path (or an already loaded one, returned as is)."""
    if isinstance(model, FalsifyModel):
        return model
    from tlean.onnx_import import import_model

    path = os.fspath(model)
    m = import_model(path)
    g = m.graph
    if len(g.inputs) != 1 or len(g.outputs) != 1:
        from tlean.errors import UsageError

        raise UsageError(
            f"{path}: the model has {len(g.inputs)} input(s) and {len(g.outputs)} output(s); "
            "verification supports exactly one of each"
        )
    return FalsifyModel(
        graph=g,
        params={k: np.asarray(v, dtype=F32) for k, v in m.params.items()},
        path=path,
        sha256=m.sha256,
        in_shape=tuple(g.inputs[0].shape),
        out_shape=tuple(g.nodes[g.outputs[0]].shape),
    )


# ------------------------------------------------------------------------------ batched forward/backward


def _expand(v: Arr, rank: int) -> Arr:
    """A batched value ``(B,)+s`` with ones inserted after the batch axis up to ``1 + rank`` axes."""
    extra = rank - (v.ndim - 1)
    return v.reshape(v.shape[:1] + (1,) * extra + v.shape[1:]) if extra > 0 else v


def _unbroadcast(g: Arr, shape: tuple[int, ...]) -> Arr:
    """Sums ``g`` (batched, ``(B,)+out``) down to the batched shape ``(B,)+shape``."""
    lead = g.ndim - 1 - len(shape)
    if lead > 0:
        g = g.sum(axis=tuple(range(1, 1 + lead)))
    axes = tuple(i + 1 for i, d in enumerate(shape) if d == 1 and g.shape[i + 1] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape((g.shape[0],) + shape)


class Batched:
    """Batched float32 forward pass over the fragment, with the backward pass of a row vector."""

    def __init__(self, fm: FalsifyModel) -> None:
        self.fm = fm
        self.nodes = fm.graph.nodes
        self.params = [np.asarray(fm.params[p.name], dtype=F32).reshape(p.shape) for p in fm.graph.params]
        self.consts: dict[int, Arr] = {}
        self.is_var = [False] * len(self.nodes)
        for k, n in enumerate(self.nodes):
            if n.op == "const":
                self.consts[k] = ir.bits_to_array(n.typed_attrs().bits, tuple(n.shape))
            elif n.op == "param":
                self.consts[k] = self.params[n.typed_attrs().index]
            elif n.op == "input":
                self.is_var[k] = True
            else:
                self.is_var[k] = any(self.is_var[i] for i in n.inputs)

    def forward(self, x: Arr) -> tuple[Arr, list[Any]]:
        """Outputs ``(B, n_out)`` for inputs ``(B, n_in)``, and every node's value (for backward)."""
        B = x.shape[0]
        vals: list[Any] = [None] * len(self.nodes)
        with np.errstate(all="ignore"):
            for k, n in enumerate(self.nodes):
                if not self.is_var[k]:
                    if n.op not in ("param", "const", "input"):
                        vals[k] = self._const_op(k)
                    else:
                        vals[k] = self.consts.get(k)
                    continue
                shape = tuple(n.shape)
                a = [vals[i] for i in n.inputs]
                v = [self.is_var[i] for i in n.inputs]
                op = n.op
                if op == "input":
                    y = x.reshape((B,) + shape)
                elif op in ("relu",):
                    y = np.maximum(a[0], F32(0))
                elif op == "leakyRelu":
                    al = F32(n.typed_attrs().alpha)
                    y = np.where(a[0] < 0, a[0] * al, a[0])
                elif op in ("reshape", "identity"):
                    y = a[0].reshape((B,) + shape)
                elif op == "neg":
                    y = -a[0]
                elif op in ("add", "sub", "mul", "div"):
                    r = len(shape)
                    p = _expand(a[0], r) if v[0] else a[0]
                    q = _expand(a[1], r) if v[1] else a[1]
                    if op == "add":
                        y = p + q
                    elif op == "sub":
                        y = p - q
                    elif op == "mul":
                        y = p * q
                    else:
                        y = p / q
                elif op == "linear":
                    y = np.matmul(a[0], a[1].T) if not v[1] else np.matmul(a[0], np.swapaxes(a[1], -1, -2))
                    if len(a) > 2:
                        y = y + a[2]
                elif op == "matmul":
                    y = np.matmul(a[0], a[1])
                else:  # pragma: no cover - guarded by FalsifyModel.batched
                    raise AssertionError(op)
                vals[k] = np.asarray(y, dtype=F32).reshape((B,) + shape)
        out = vals[self.fm.graph.outputs[0]]
        assert out is not None
        return out.reshape(B, -1), vals

    def _const_op(self, k: int) -> Arr:
        from tlean.evaluate import apply_op

        n = self.nodes[k]
        args = [self.consts[i] for i in n.inputs]
        out = np.asarray(apply_op(n.op, n.typed_attrs(), args, tuple(n.shape)), dtype=F32)
        self.consts[k] = out
        return out

    def backward(self, vals: list[Any], g_out: Arr) -> Arr:
        """Gradient w.r.t. the input ``(B, n_in)`` of ``sum_b <g_out[b], y[b]>``."""
        B = g_out.shape[0]
        out = self.fm.graph.outputs[0]
        grads: dict[int, Arr] = {out: g_out.reshape((B,) + tuple(self.nodes[out].shape))}
        gx: Arr | None = None
        for k in range(len(self.nodes) - 1, -1, -1):
            if k not in grads:
                continue
            g = grads.pop(k)
            n = self.nodes[k]
            op = n.op
            ins = n.inputs
            if op == "input":
                gx = g if gx is None else gx + g
                continue

            def push(i: int, gi: Arr) -> None:
                if not self.is_var[i]:
                    return
                sh = (B,) + tuple(self.nodes[i].shape)
                gi = _unbroadcast(gi, tuple(self.nodes[i].shape)) if gi.shape != sh else gi
                grads[i] = grads[i] + gi if i in grads else gi

            a: list[Any] = [vals[i] for i in ins]
            if op == "relu":
                push(ins[0], g * (a[0] > 0))
            elif op == "leakyRelu":
                al = F32(n.typed_attrs().alpha)
                push(ins[0], np.where(a[0] < 0, g * al, g))
            elif op in ("reshape", "identity"):
                push(ins[0], g.reshape((B,) + tuple(self.nodes[ins[0]].shape)))
            elif op == "neg":
                push(ins[0], -g)
            elif op == "add":
                push(ins[0], g)
                push(ins[1], g)
            elif op == "sub":
                push(ins[0], g)
                push(ins[1], -g)
            elif op == "mul":
                push(ins[0], g * self._b(a[1], ins[1], len(n.shape)))
                push(ins[1], g * self._b(a[0], ins[0], len(n.shape)))
            elif op == "div":
                q = self._b(a[1], ins[1], len(n.shape))
                push(ins[0], g / q)
                push(ins[1], -g * self._b(a[0], ins[0], len(n.shape)) / (q * q))
            elif op == "linear":
                w = a[1]
                if self.is_var[ins[0]]:
                    push(ins[0], np.matmul(g, w))
                if self.is_var[ins[1]]:
                    push(ins[1], np.matmul(np.swapaxes(g, -1, -2), a[0]))
                if len(ins) > 2:
                    push(ins[2], g)
            elif op == "matmul":
                p, q = a[0], a[1]
                if self.is_var[ins[0]]:
                    push(ins[0], np.matmul(g, np.swapaxes(q, -1, -2)))
                if self.is_var[ins[1]]:
                    push(ins[1], np.matmul(np.swapaxes(p, -1, -2), g))
            else:  # pragma: no cover
                raise AssertionError(op)
        assert gx is not None
        return gx.reshape(B, -1)

    def _b(self, v: Arr | None, i: int, rank: int) -> Arr:
        assert v is not None
        return _expand(v, rank) if self.is_var[i] else v


# ------------------------------------------------------------------------------ spec helpers


def inner_box(box: InputBox) -> tuple[Arr, Arr]:
    """The float32 box rounded *inward*: every float32 in it lies in the exact box.

    ``None`` bounds never occur (the spec reader requires both bounds); an empty float32 box
    (no float32 inside the exact interval) has ``lo > hi`` somewhere.
    """
    lo = box.lower_f32.copy()
    hi = box.upper_f32.copy()
    for i, (ql, qh) in enumerate(zip(box.lower, box.upper, strict=True)):
        if np.isfinite(lo[i]) and Fraction(float(lo[i])) < ql:
            lo[i] = np.nextafter(lo[i], F32(np.inf))
        if np.isfinite(hi[i]) and Fraction(float(hi[i])) > qh:
            hi[i] = np.nextafter(hi[i], F32(-np.inf))
    return lo.astype(F32), hi.astype(F32)


def in_exact_box(x: Arr, box: InputBox) -> bool:
    """Whether the float32 vector ``x`` lies in the exact box (rational comparison)."""
    x = np.asarray(x, dtype=F32).reshape(-1)
    if x.size != len(box.lower) or not np.all(np.isfinite(x)):
        return False
    return all(ql <= Fraction(float(v)) <= qh for v, ql, qh in zip(x, box.lower, box.upper, strict=True))


def exact_row_margins(poly: Polytope, y: Arr) -> list[Fraction]:
    """``(A y - b)_r`` for every row, exactly (``y`` as float32 values, ``A``, ``b`` rationals)."""
    yq = [Fraction(float(v)) for v in np.asarray(y, dtype=F32).reshape(-1)]
    return [sum((c * yv for c, yv in zip(row, yq, strict=True) if c), Fraction(0)) - b
            for row, b in zip(poly.A, poly.b, strict=True)]


def violates(poly: Polytope, y: Arr) -> bool:
    """Whether ``y`` (finite float32 values) satisfies every row ``A y <= b`` exactly."""
    yf = np.asarray(y, dtype=F32).reshape(-1)
    if not np.all(np.isfinite(yf)):
        return False
    return all(m <= 0 for m in exact_row_margins(poly, yf))


def _stack(box: InputBox, n_out: int) -> tuple[Arr, Arr, list[int]]:
    rows = [p.A_f64() for p in box.polytopes]
    A = np.concatenate(rows) if rows else np.zeros((0, n_out))
    b = np.concatenate([np.array([float(v) for v in p.b]) for p in box.polytopes]) if rows else np.zeros(0)
    return A.astype(np.float64), b, [p.rows for p in box.polytopes]


def _margin(y: Arr, A: Arr, b: Arr, sizes: list[int]) -> tuple[Arr, Arr, Arr]:
    """Per point: the violation margin, the polytope attaining it, and the row attaining its max."""
    m = y.astype(np.float64) @ A.T - b  # (B, R)
    B = y.shape[0]
    best = np.full(B, np.inf)
    which = np.zeros(B, dtype=np.int64)
    row = np.zeros(B, dtype=np.int64)
    start = 0
    for p, s in enumerate(sizes):
        if s == 0:  # an empty polytope: every output violates
            mv = np.full(B, -np.inf)
            rv = np.full(B, -1)
        else:
            blk = m[:, start : start + s]
            rv = np.argmax(blk, axis=1)
            mv = blk[np.arange(B), rv]
            rv = rv + start
        upd = mv < best
        best = np.where(upd, mv, best)
        which = np.where(upd, p, which)
        row = np.where(upd, rv, row)
        start += s
    return best, which, row


# ------------------------------------------------------------------------------ confirmation


def run_onnxruntime(fm: FalsifyModel, x: Arr) -> Arr | None:
    """onnxruntime's output on ``x`` (flattened); ``None`` when onnxruntime is unavailable."""
    sess = fm.ort_session()
    if sess is None:
        return None
    inp = sess.get_inputs()[0]
    shape = [d if isinstance(d, int) and d > 0 else 1 for d in inp.shape]
    xin = np.asarray(x, dtype=F32).reshape(shape)
    out = sess.run(None, {inp.name: xin})[0]
    return np.asarray(out, dtype=F32).reshape(-1)


def run_tlean(fm: FalsifyModel, x: Arr) -> Arr:
    """tlean's evaluator's output on ``x`` (flattened)."""
    from tlean.evaluate import evaluate

    out = evaluate(fm.graph, [np.asarray(x, dtype=F32).reshape(fm.in_shape)], fm.params)[0]
    return np.asarray(out, dtype=F32).reshape(-1)


def confirm(fm: FalsifyModel, spec: Spec, x: Arr, found_by: str = "given") -> Counterexample | None:
    """The :class:`Counterexample` of ``x`` if it is confirmed (see the module docstring), else ``None``."""
    x = np.asarray(x, dtype=F32).reshape(-1)
    for bi, box in enumerate(spec.boxes):
        if not in_exact_box(x, box):
            continue
        y_ort = run_onnxruntime(fm, x)
        if y_ort is None:
            return None
        y_tl = run_tlean(fm, x)
        for pi, poly in enumerate(box.polytopes):
            if violates(poly, y_ort) and violates(poly, y_tl):
                marg = exact_row_margins(poly, y_ort)
                return Counterexample(
                    box=bi,
                    polytope=pi,
                    x=[float(v) for v in x],
                    y=[float(v) for v in y_ort],
                    y_tlean=[float(v) for v in y_tl],
                    max_row_margin=float(max(marg)) if marg else 0.0,
                    found_by=found_by,
                )
    return None


# ------------------------------------------------------------------------------ search


@dataclass
class FalsifyOptions:
    """Search sizes: points per batch, PGD steps per restart, and the seed."""

    batch: int = 256
    pgd_steps: int = 60
    seed: int = 0
    max_confirm: int = 8  # candidates replayed per round (each costs one onnxruntime + tlean run)


@dataclass
class FalsifyStats:
    """What the search did (for reports)."""

    points: int = 0
    rounds: int = 0
    candidates: int = 0
    best_margin: float = math.inf
    seconds: float = 0.0


def falsify(
    model: Any,
    spec: Spec,
    time_budget: float,
    *,
    options: FalsifyOptions | None = None,
    stats: FalsifyStats | None = None,
    deadline: Callable[[], bool] | None = None,
) -> Counterexample | None:
    """A confirmed counterexample found within ``time_budget`` seconds, or ``None``.

    ``model`` is an ONNX path or a :class:`FalsifyModel`; ``spec`` the normal form of
    :func:`tlean.verify.vnnlib.read_vnnlib` (already checked against the model's sizes).
    """
    t0 = time.perf_counter()
    opt = options or FalsifyOptions()
    st = stats if stats is not None else FalsifyStats()
    fm = load_model(model)
    spec.check_model(fm.n_inputs, fm.n_outputs)
    if time_budget <= 0 or fm.ort_session() is None:
        st.seconds = time.perf_counter() - t0
        return None
    rng = np.random.default_rng(opt.seed)
    net = Batched(fm) if fm.batched else None
    boxes = []
    for bi, box in enumerate(spec.boxes):
        lo, hi = inner_box(box)
        if np.any(lo > hi) or not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
            continue  # no float32 point inside (or an unbounded box): nothing to sample
        A, b, sizes = _stack(box, fm.n_outputs)
        boxes.append((bi, lo, hi, A, b, sizes))
    if not boxes:
        st.seconds = time.perf_counter() - t0
        return None

    def out_of_time() -> bool:
        return time.perf_counter() - t0 > time_budget or (deadline is not None and deadline())

    def forward(x: Arr) -> Arr:
        if net is not None:
            return net.forward(x)[0]
        return np.stack([run_tlean(fm, xi) for xi in x])

    def try_confirm(x: Arr, marg: Arr, how: str, lo: Arr, hi: Arr) -> Counterexample | None:
        """Replays the best few candidates (those with a margin <= ~0) until one is confirmed."""
        order = np.argsort(marg)
        for j in order[: opt.max_confirm]:
            if marg[j] > 1e-3 * (1 + abs(marg[j])) and marg[j] > 0:
                break
            st.candidates += 1
            ce = confirm(fm, spec, np.clip(np.asarray(x[j], dtype=F32), lo, hi), how)
            if ce is not None:
                return ce
        return None

    # Round 0: the box centres, corners and random points; then rounds of fresh random points, PGD from
    # them, PGD from the best points so far with small steps, and a local search around those.
    elites = [_Elite(64) for _ in boxes]
    rnd = 0
    while True:
        for (_bi, lo, hi, A, b, sizes), elite in zip(boxes, elites, strict=True):
            if out_of_time():
                st.seconds = time.perf_counter() - t0
                return None
            n = opt.batch if net is not None else max(4, opt.batch // 32)
            wide = 16 if (net is not None and rnd > 0 and lo.size <= 16) else 1
            x = _sample(rng, lo, hi, n * wide, first=rnd == 0)
            y = forward(x)
            marg, _, _ = _margin(y, A, b, sizes)
            st.points += x.shape[0]
            st.best_margin = min(st.best_margin, float(np.min(marg)))
            ce = try_confirm(x, marg, "random", lo, hi)
            if ce is not None:
                st.seconds = time.perf_counter() - t0
                return ce
            if net is None:
                continue
            elite.add(x, marg)
            starts = x[np.argsort(marg)[:n]] if wide > 1 else x
            found = functools.partial(try_confirm, how="pgd", lo=lo, hi=hi)
            # every other round, spread the starts over the polytopes (a target each) rather than
            # letting each point chase the polytope it happens to be nearest to
            tg = np.arange(starts.shape[0]) % len(sizes) if len(sizes) > 1 and rnd % 2 == 1 else None
            ce, xe, me = _pgd(net, starts, lo, hi, A, b, sizes, opt.pgd_steps, st, out_of_time, found, targets=tg)
            if ce is None and elite.x is not None:
                elite.add(xe, me)
                ce, xe, me = _pgd(net, elite.x, lo, hi, A, b, sizes, 2 * opt.pgd_steps, st, out_of_time, found,
                                  first=0.05, last=1e-3)
            if ce is None and elite.x is not None:
                elite.add(xe, me)
                ce, xe, me = _refine(net, elite.x[:16], n, lo, hi, A, b, sizes, rng, st, out_of_time, found)
                elite.add(xe, me)
            if ce is not None:
                st.seconds = time.perf_counter() - t0
                return ce
        rnd += 1
        st.rounds = rnd


def _sample(rng: np.random.Generator, lo: Arr, hi: Arr, n: int, first: bool) -> Arr:
    w = (hi.astype(np.float64) - lo.astype(np.float64))
    u = rng.random((n, lo.size))
    if first:
        u[0] = 0.5
        # a share of corner points: piecewise-linear networks often reach extremes at vertices
        k = n // 4
        u[1 : 1 + k] = np.round(u[1 : 1 + k])
    x = lo.astype(np.float64) + u * w
    return np.clip(x.astype(F32), lo, hi)


def _soft_grad(y: Arr, A: Arr, b: Arr, sizes: list[int], which: Arr) -> Arr:
    """Gradient w.r.t. ``y`` of a smooth max (log-sum-exp) of the rows of each point's best polytope.

    The hard max moves one row at a time and oscillates between rows; the smooth one pushes all
    nearly-active rows down together.
    """
    m = y.astype(np.float64) @ A.T - b
    g = np.zeros((y.shape[0], A.shape[1]))
    start = 0
    for p, s in enumerate(sizes):
        sel = which == p
        if s and np.any(sel):
            blk = m[sel, start : start + s]
            scale = np.maximum(np.abs(blk).max(axis=1, keepdims=True), 1e-6) / 8.0
            e = np.exp((blk - blk.max(axis=1, keepdims=True)) / scale)
            wts = e / e.sum(axis=1, keepdims=True)
            g[sel] = wts @ A[start : start + s]
        start += s
    return g


def _pgd(
    net: Batched,
    x0: Arr,
    lo: Arr,
    hi: Arr,
    A: Arr,
    b: Arr,
    sizes: list[int],
    steps: int,
    st: FalsifyStats,
    out_of_time: Callable[[], bool],
    try_confirm: Callable[[Arr, Arr], Counterexample | None],
    *,
    first: float = 0.25,
    last: float = 0.005,
    targets: Arr | None = None,
) -> tuple[Counterexample | None, Arr, Arr]:
    """Signed-gradient descent on the violation margin from ``x0``, projected onto the box.

    Step sizes (fractions of the box width) fall geometrically from ``first`` to ``last``. Each
    point descends towards the polytope of ``targets`` (one index per point) when given, else
    towards the polytope it is currently closest to. Returns the counterexample if one was
    confirmed, and the end points with their margins.
    """
    lo64, hi64 = lo.astype(np.float64), hi.astype(np.float64)
    w = hi64 - lo64
    x = x0.astype(np.float64)
    ratio = (last / first) ** (1.0 / max(1, steps - 1))
    for t in range(steps):
        if out_of_time():
            break
        xf = np.clip(x.astype(F32), lo, hi)
        y, vals = net.forward(xf)
        marg, which, _ = _margin(y, A, b, sizes)
        st.points += x.shape[0]
        st.best_margin = min(st.best_margin, float(np.min(marg)))
        if np.min(marg) <= 0:
            ce = try_confirm(xf, marg)
            if ce is not None:
                return ce, x, marg
        g_out = _soft_grad(y, A, b, sizes, which if targets is None else targets).astype(F32)
        gx = net.backward(vals, g_out).astype(np.float64)
        x = np.clip(x - first * ratio**t * w * np.sign(gx), lo64, hi64)
    xf = np.clip(x.astype(F32), lo, hi)
    y, _ = net.forward(xf)
    marg, _, _ = _margin(y, A, b, sizes)
    st.best_margin = min(st.best_margin, float(np.min(marg)))
    return try_confirm(xf, marg), x, marg


def _refine(
    net: Batched,
    elite: Arr,
    n: int,
    lo: Arr,
    hi: Arr,
    A: Arr,
    b: Arr,
    sizes: list[int],
    rng: np.random.Generator,
    st: FalsifyStats,
    out_of_time: Callable[[], bool],
    try_confirm: Callable[[Arr, Arr], Counterexample | None],
) -> tuple[Counterexample | None, Arr, Arr]:
    """Random perturbations of the elite points with a shrinking radius (a local search)."""
    lo64, hi64 = lo.astype(np.float64), hi.astype(np.float64)
    w = hi64 - lo64
    xs_all, m_all = [elite], [np.full(elite.shape[0], np.inf)]
    for r in (0.05, 0.01, 0.002, 0.0004, 0.0001):
        if out_of_time():
            break
        base = elite[rng.integers(0, elite.shape[0], n)]
        xs = np.clip(base + r * w * rng.standard_normal(base.shape), lo64, hi64)
        xf = np.clip(xs.astype(F32), lo, hi)
        y, _ = net.forward(xf)
        marg, _, _ = _margin(y, A, b, sizes)
        st.points += n
        st.best_margin = min(st.best_margin, float(np.min(marg)))
        ce = try_confirm(xf, marg)
        if ce is not None:
            return ce, xs, marg
        elite = xs[np.argsort(marg)[: elite.shape[0]]]
        xs_all.append(xs)
        m_all.append(marg)
    return None, np.concatenate(xs_all), np.concatenate(m_all)


class _Elite:
    """The best points seen so far in one box (lowest margins), for restarts and local search."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.x: Arr | None = None
        self.m: Arr | None = None

    def add(self, x: Arr, m: Arr) -> None:
        x = np.asarray(x, dtype=np.float64)
        if self.x is not None and self.m is not None:
            x = np.concatenate([self.x, x])
            m = np.concatenate([self.m, m])
        keep = np.argsort(m, kind="stable")[: self.size]
        self.x, self.m = x[keep], m[keep]
