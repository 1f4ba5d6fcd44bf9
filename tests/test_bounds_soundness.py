"""Soundness and tightness of IBP, CROWN and α-CROWN on random networks, against exact arithmetic.

500 random networks (MLPs mixing every elementwise, affine and structural op the engine relaxes,
and small CNNs with conv2d, max/avg/global pooling, batchNorm), each over a random box:

- no bound of any method is violated by the exact rational value of the network (float32 weights,
  real arithmetic; :mod:`bounds_support`) at random points and corners of the box;
- no bound is above the exact recomputation, in rationals, of the same relaxation (same
  intermediate bounds, same lines and α slopes) — for the networks of linear/relu/leakyRelu/add/
  sub/reshape whose relaxation is rational;
- CROWN is never looser than IBP and α-CROWN never looser than CROWN (the engine keeps the tighter
  bound and counts the rows where it had to).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from bounds_support import IRRATIONAL_TOL, Builder, exact_eval, fr, is_irrational, random_cnn, random_mlp
from tlean.verify.bounds import engine as en
from tlean.verify.bounds.engine import AlphaOptions, Engine

N_MLP = 380
N_CNN = 120


def _box(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    c = rng.standard_normal(n)
    r = np.abs(rng.standard_normal(n)) * float(rng.choice([0.001, 0.05, 0.5, 2.0]))
    if rng.random() < 0.1:
        r[rng.integers(n)] = 0.0  # degenerate side
    return c - r, c + r


def _points(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, k: int = 3) -> list[np.ndarray]:
    n = lo.size
    pts = [lo + (hi - lo) * rng.random(n) for _ in range(k)]
    pts += [np.where(rng.random(n) < 0.5, lo, hi) for _ in range(k)]
    return pts


def _check_net(seed: int, graph, params, stats: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(10_000 + seed)
    e = Engine(graph, params)
    lo, hi = _box(rng, e.n_in)
    res = {m: e.run(lo, hi, None, method=m, alpha=AlphaOptions(iters=4)) for m in ("ibp", "crown", "alpha-crown")}
    res["alpha-int"] = e.run(lo, hi, None, method="alpha-crown", alpha=AlphaOptions(iters=3, intermediate=True))
    n = res["ibp"].lower.size // 2
    tol = IRRATIONAL_TOL if is_irrational(graph) else Fraction(0)
    for x in _points(rng, lo, hi):
        y = exact_eval(graph, params, x).reshape(-1)
        for m, r in res.items():
            for j in range(n):
                assert Fraction(float(r.lower[j])) <= y[j] + tol, (seed, m, "lower", j)
                assert Fraction(float(-r.lower[n + j])) >= y[j] - tol, (seed, m, "upper", j)
    assert np.all(res["crown"].lower >= res["ibp"].lower), seed
    assert np.all(res["alpha-crown"].lower >= res["crown"].lower), seed
    assert np.all(res["alpha-int"].lower >= res["crown"].lower), seed
    stats["crown_kept_ibp"] += res["crown"].loosened_rows
    stats["alpha_kept_weaker"] += res["alpha-crown"].loosened_rows
    stats["rows"] += 2 * n


def test_soundness_and_tightness_on_500_random_networks() -> None:
    stats = {"crown_kept_ibp": 0, "alpha_kept_weaker": 0, "rows": 0}
    for seed in range(N_MLP):
        g, p = random_mlp(np.random.default_rng(seed))
        _check_net(seed, g, p, stats)
    for seed in range(N_CNN):
        g, p = random_cnn(np.random.default_rng(50_000 + seed))
        _check_net(50_000 + seed, g, p, stats)
    # The rows where the stronger method lost (and the weaker bound was kept) stay a minority.
    assert stats["crown_kept_ibp"] < stats["rows"] // 4, stats
    print("bound rows", stats)


# ------------------------------------------------------------------------------ exact recomputation


def _rational_mlp(rng: np.random.Generator):  # type: ignore[no-untyped-def]
    n0 = int(rng.integers(2, 5))
    b = Builder((1, n0))
    x, width = 0, n0
    for _ in range(int(rng.integers(1, 4))):
        h = int(rng.integers(2, 6))
        z = b.op("linear", [x, b.param(rng.standard_normal((h, width))), b.param(rng.standard_normal(h))])
        if rng.random() < 0.3:
            z = b.op("sub", [z, b.op("linear", [x, b.param(rng.standard_normal((h, width)))])])
        if rng.random() < 0.3:
            z = b.op("add", [z, b.param(rng.standard_normal((1, h)))])
        x = b.op("leakyRelu", [z], alpha=0.125) if rng.random() < 0.3 else b.op("relu", [z])
        width = h
    out = b.op("linear", [x, b.param(rng.standard_normal((3, width))), b.param(rng.standard_normal(3))])
    return b.graph(out), b.params


def _exact_backward(st: en._State, k_top: int, rows: np.ndarray, alpha: dict[int, np.ndarray] | None) -> list[Fraction]:
    """The CROWN bound with the state's boxes and lines, recomputed in exact rationals."""
    e = st.e
    g = e.graph
    s = rows.shape[0]
    pending: dict[int, np.ndarray] = {k_top: fr(rows).reshape((s,) + tuple(g.nodes[k_top].shape))}
    delta = [Fraction(0)] * s
    for k in range(k_top, -1, -1):
        lam = pending.pop(k, None)
        if lam is None:
            continue
        node = g.nodes[k]
        L = lam.reshape(s, -1)
        if not e.var[k]:
            cb = fr(st.box(k).lo).reshape(-1)
            for r in range(s):
                delta[r] += sum((L[r] * cb).tolist(), Fraction(0))
            continue
        if node.op == "input":
            blo, bhi = fr(st.box(k).lo).reshape(-1), fr(st.box(k).hi).reshape(-1)
            for r in range(s):
                terms = (min(a * lo_, a * hi_) for a, lo_, hi_ in zip(L[r], blo, bhi, strict=True))
                delta[r] += sum(terms, Fraction(0))
            continue
        parts: list[tuple[int, np.ndarray]] = []
        if node.op == "linear":
            w = fr(st.box(node.inputs[1]).lo)
            parts.append((node.inputs[0], lam @ w))
            if len(node.inputs) == 3:
                bb = fr(st.box(node.inputs[2]).lo)
                for r in range(s):
                    delta[r] += sum((L[r] * bb).tolist(), Fraction(0))
        elif node.op in ("add", "sub"):
            sg = [1, 1 if node.op == "add" else -1]
            for i, inp in enumerate(node.inputs):
                if e.var[inp]:
                    parts.append((inp, lam * sg[i]))
                else:
                    cb = np.broadcast_to(fr(st.box(inp).lo), node.shape).reshape(-1)
                    for r in range(s):
                        delta[r] += sg[i] * sum((L[r] * cb).tolist(), Fraction(0))
        elif node.op in ("relu", "leakyRelu"):
            ln = st.lines[k]
            al = np.broadcast_to(ln.al, (s, ln.al.size))
            if alpha is not None and k in alpha and ln.amask is not None:
                al = np.where(ln.amask[None], alpha[k], ln.al[None])
            new = np.empty_like(L)
            for r in range(s):
                for j in range(L.shape[1]):
                    v = L[r, j]
                    if v >= 0:
                        new[r, j] = v * Fraction(float(al[r, j]))
                        delta[r] += v * Fraction(float(ln.cl[j]))
                    else:
                        new[r, j] = v * Fraction(float(ln.au[j]))
                        delta[r] += v * Fraction(float(ln.cu[j]))
            parts.append((node.inputs[0], new.reshape(lam.shape)))
        else:
            raise AssertionError(node.op)
        for i, p in parts:
            pending[i] = pending[i] + p if i in pending else p
    return delta


def _line_valid(ln: en.Lines, lo: np.ndarray, hi: np.ndarray, slope: float) -> None:
    for j in range(lo.size):
        pts = [Fraction(float(lo[j])), Fraction(float(hi[j]))]
        if lo[j] < 0 < hi[j]:
            pts.append(Fraction(0))
        for z in pts:
            f = z if z >= 0 else Fraction(slope) * z
            assert Fraction(float(ln.al[j])) * z + Fraction(float(ln.cl[j])) <= f
            assert Fraction(float(ln.au[j])) * z + Fraction(float(ln.cu[j])) >= f


def test_exact_recomputation_of_the_same_relaxation() -> None:
    for seed in range(120):
        rng = np.random.default_rng(70_000 + seed)
        g, p = _rational_mlp(rng)
        e = Engine(g, p)
        lo, hi = _box(rng, e.n_in)
        K = e.output_node()
        n_out = int(np.prod(g.nodes[K].shape))
        rows = np.concatenate([np.eye(n_out), -np.eye(n_out), rng.standard_normal((2, n_out))])
        st = en._State(e, en.Box(lo.reshape(e.in_shape), hi.reshape(e.in_shape)), {})
        st.forward(K, crown=True)
        # every relaxation line is valid on its box, checked exactly at the kinks and ends
        for k, ln in st.lines.items():
            node = g.nodes[k]
            b = st.box(node.inputs[0])
            _line_valid(ln, b.lo.reshape(-1), b.hi.reshape(-1), 0.125 if node.op == "leakyRelu" else 0.0)
        # final bounds (CROWN and α-CROWN) below their exact recomputation
        got = st.backward(K, rows).delta
        exact = _exact_backward(st, K, rows, None)
        for r in range(rows.shape[0]):
            assert Fraction(float(got[r])) <= exact[r], (seed, r)
        lb, alpha, _ = st.optimise_alpha(K, rows, got, AlphaOptions(iters=4))
        exact_a = _exact_backward(st, K, rows, alpha)
        for r in range(rows.shape[0]):
            assert Fraction(float(lb[r])) <= exact_a[r], (seed, "alpha", r)
        # intermediate CROWN bounds below their exact recomputation too
        for k in st.lines:
            pre = g.nodes[k].inputs[0]
            m = int(np.prod(g.nodes[pre].shape))
            sel = np.arange(m)
            lbk, ubk = st.node_bounds(pre, sel)
            ex = _exact_backward(st, pre, np.concatenate([np.eye(m), -np.eye(m)]), None)
            for j in range(m):
                assert Fraction(float(lbk[j])) <= ex[j], (seed, k, j)
                assert Fraction(float(ubk[j])) >= -ex[m + j], (seed, k, j)


@pytest.mark.parametrize("fn", ["sigmoid", "tanh"])
def test_s_shaped_lines_are_valid(fn: str) -> None:
    import mpmath
    from tlean.verify.bounds.ops.elementwise import _SIG, _TANH

    f = _SIG if fn == "sigmoid" else _TANH
    rng = np.random.default_rng(3)
    c = rng.standard_normal(300) * 3
    r = np.abs(rng.standard_normal(300)) * rng.choice([1e-6, 0.1, 1.0, 5.0], 300)
    lo, hi = c - r, c + r
    ln = f.lines(lo, hi)
    exact = (lambda z: 1 / (1 + mpmath.exp(-z))) if fn == "sigmoid" else mpmath.tanh
    mpmath.mp.dps = 40
    for j in range(lo.size):
        for t in np.linspace(0, 1, 9):
            z = mpmath.mpf(float(lo[j])) + (mpmath.mpf(float(hi[j])) - mpmath.mpf(float(lo[j]))) * t
            v = exact(z)
            assert mpmath.mpf(float(ln.al[j])) * z + mpmath.mpf(float(ln.cl[j])) <= v
            assert mpmath.mpf(float(ln.au[j])) * z + mpmath.mpf(float(ln.cu[j])) >= v


def test_relu_split_constraints_are_sound_on_their_sub_domains() -> None:
    """Branch and bound passes ``splits``: bounds must hold for inputs whose pre-activation has
    the split's sign (checked exactly). (They need not be tighter than the unsplit ones: CROWN is
    not monotone in its intermediate bounds; a caller may keep the elementwise maximum.)"""
    hits = 0
    for seed in range(40):
        rng = np.random.default_rng(90_000 + seed)
        g, p = _rational_mlp(rng)
        e = Engine(g, p)
        lo, hi = _box(rng, e.n_in)
        base = e.run(lo, hi, None, method="crown")
        relus = [k for k, n in enumerate(g.nodes) if n.op in ("relu", "leakyRelu")]
        k = relus[0]
        pre = g.nodes[k].inputs[0]
        b = base.boxes[pre]
        unstable = np.nonzero((b.lo.reshape(-1) < 0) & (b.hi.reshape(-1) > 0))[0]
        if unstable.size == 0:
            continue
        j = int(unstable[0])
        g_pre = g.model_copy(update={"outputs": [pre]})
        n = base.lower.size // 2
        for sign in (1, -1):
            s = np.zeros(b.lo.size, dtype=np.int8)
            s[j] = sign
            r = e.run(lo, hi, None, method="crown", splits={k: s})
            for x in _points(rng, lo, hi, 6):
                z = exact_eval(g_pre, p, x).reshape(-1)[j]
                if (z >= 0) != (sign > 0) and z != 0:
                    continue
                hits += 1
                y = exact_eval(g, p, x).reshape(-1)
                for t in range(n):
                    assert Fraction(float(r.lower[t])) <= y[t] <= Fraction(float(-r.lower[n + t])), (seed, sign)
    assert hits > 50


def test_rounding_helpers_enclose_exact_results() -> None:
    from tlean.verify.bounds.fp import down, gamma, imul, up

    rng = np.random.default_rng(4)
    a = rng.standard_normal(2000) * 10.0 ** rng.integers(-300, 300, 2000)
    b = rng.standard_normal(2000) * 10.0 ** rng.integers(-20, 20, 2000)
    with np.errstate(all="ignore"):
        p = a * b
    lo, hi = down(p), up(p)
    for i in range(a.size):
        if np.isfinite(p[i]):
            e = Fraction(float(a[i])) * Fraction(float(b[i]))
            assert Fraction(float(lo[i])) <= e <= Fraction(float(hi[i]))
    # a dot product's error is within gamma(n) * sum |a_i b_i| (gamma already carries a factor 2)
    for n in (3, 50, 700):
        x, y = rng.standard_normal(n), rng.standard_normal(n)
        exact = sum((Fraction(float(u)) * Fraction(float(v)) for u, v in zip(x, y, strict=True)), Fraction(0))
        bound = Fraction(gamma(n)) * sum(
            (abs(Fraction(float(u)) * Fraction(float(v))) for u, v in zip(x, y, strict=True)), Fraction(0)
        )
        assert abs(Fraction(float(x @ y)) - exact) <= bound / 2
    al, ah, bl, bh = (np.array([v]) for v in (-1.5, 2.0, -3.0, 0.5))
    ql, qh = imul(al, ah, bl, bh)
    assert ql[0] <= -6.0 and qh[0] >= 4.5
