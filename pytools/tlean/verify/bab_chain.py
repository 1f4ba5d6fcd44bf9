"""Batched, outward-rounded CROWN with split constraints and β multipliers on affine/ReLU chains.

Branch and bound (:mod:`tlean.verify.bab`) bounds thousands of sub-problems; the generic engine
(:mod:`tlean.verify.bounds`) handles one box per call. The networks of VNN-COMP's ACAS Xu and
mnistfc are *chains*: ``z_k = W_k h_{k-1} + b_k``, ``h_k = relu(z_k)``, ``y = z_L``, with an
optional elementwise input map (``sub``/``add``/``mul``/``div`` by constants) in front. This
module extracts such a chain from the IR (:func:`extract_chain`; anything else raises
:class:`NotAChain`) and bounds a **batch** of sub-problems at once with PyTorch (float64):

- :func:`intermediate_bounds`: per relu layer, the standard-rule CROWN bounds of its input
  (``α = 1`` if ``u > -l`` else ``0``; upper line ``s (z - l)``), the better of those and IBP,
  then intersected with the sub-problem's split constraints (inactive ``u := min(u, 0)``, active
  ``l := max(l, 0)``) — exactly what ``docs/certificate.md`` ("Split trees") lets a checker
  re-derive;
- :func:`spec_bounds`: lower bounds of spec rows ``C y - d`` with per-row slopes ``α`` and β
  multipliers of the split constraints (``Λ[i] -= β σ_i`` once ``Λ`` is over ``z_k``);
- :func:`optimise`: Adam ascent on ``α ∈ [0, 1]`` and ``β ≥ 0`` (autograd, not rigorous); the
  bound reported is then recomputed rigorously with the slopes found;
- :class:`FirstLayerTable`: on one fixed box, relu layer 1's bounds as the box's linear
  functions plus one rank-one change per split neuron of relu layer 0 (the same CROWN bounds as
  the backward pass; ReLU splitting re-bounds layer 1 after every layer-0 split with it).

**Outward rounding** (``rigorous=True``): every step keeps ``obj ≥ Λ·v + δ`` for all points of
the (constrained) sub-problem with ``δ`` a rigorous lower bound: each floating-point matrix
product is charged Higham's ``γ_n Σ|a_i b_i|`` (valid for any summation order and FMA), bounded
through magnitude bounds of the values it multiplies (``|W| m`` with ``m`` the magnitude bound
of the layer's input), each product by a slope ``2^-52 |Λ'| m``, and every addition into ``δ``
is followed by one ``nextafter`` step down. Underflow is charged ``2^-1000`` per term (generous
even with flush-to-zero). The weights are float32 values, exact in float64; the chain's biases
are exact float64 sums (checked) and ``A``, ``b`` of the spec are rounded so the margin's lower
bound only decreases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tlean import ir

try:  # PyTorch is an optional extra (`pip install -e '.[torch]'`)
    import torch
except ImportError:  # pragma: no cover - exercised only without the extra
    torch = None  # type: ignore[assignment]

F64 = None if torch is None else torch.float64
#: The PyTorch module (``None`` without the extra), for callers.
TORCH: Any = torch
U52 = 2.0**-52
TINY = 2.0**-1000  # per-term underflow allowance (flush-to-zero safe)


class NotAChain(Exception):
    """The graph is not an affine/ReLU chain this fast path handles (the message says where)."""


def gamma(n: int) -> float:
    """``2 γ_n`` for ``n`` roundings (``γ_n = n u / (1 - n u)``, ``u = 2^-53``), a generous bound."""
    nu = (n + 2) * 2.0**-53
    return 2.0 * nu / (1.0 - nu)


@dataclass
class Chain:
    """``x' = pre(x)`` elementwise, ``z_k = W_k h_{k-1} + b_k`` (``h_{-1} = x'``), ``h_k = relu(z_k)``."""

    pre: list[tuple[str, np.ndarray]]  # elementwise ops on the flattened input: (op, const)
    W: list[Any]  # torch float64 [n_k, n_{k-1}]
    b: list[Any]  # torch float64 [n_k]
    relu_nodes: list[int]  # IR ids of the relu nodes (one per hidden layer)
    n_in: int
    absW: list[Any] = field(default_factory=list)
    Wp: list[Any] = field(default_factory=list)
    Wn: list[Any] = field(default_factory=list)
    _cast: dict[str, tuple[list[Any], list[Any], list[Any]]] = field(default_factory=dict, repr=False)

    def weights(self, dtype: Any) -> tuple[list[Any], list[Any], list[Any]]:
        """``(W, b, |W|)`` in ``dtype`` (float64: the exact ones; float32 copies are cached and
        only used where nothing rigorous is computed)."""
        if dtype == F64:
            return self.W, self.b, self.absW
        key = str(dtype)
        if key not in self._cast:
            self._cast[key] = ([w.to(dtype) for w in self.W], [v.to(dtype) for v in self.b],
                               [w.to(dtype) for w in self.absW])
        return self._cast[key]

    @property
    def n_relu(self) -> int:
        return len(self.relu_nodes)

    @property
    def widths(self) -> list[int]:
        return [int(w.shape[0]) for w in self.W]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Float64 forward pass of flattened inputs ``x`` [B, n_in] (for candidate points only)."""
        v = self.pre_point(x)
        t = torch.as_tensor(v, dtype=F64)
        for k in range(len(self.W)):
            t = t @ self.W[k].T + self.b[k]
            if k < self.n_relu:
                t = torch.relu(t)
        return np.asarray(t.numpy())

    def pre_point(self, x: np.ndarray) -> np.ndarray:
        v = np.asarray(x, dtype=np.float64)
        for op, c in self.pre:
            v = _apply(op, v, c)
        return v

    def pre_box(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The outward-rounded image of boxes [B, n_in] under the elementwise input map."""
        lo = np.asarray(lo, dtype=np.float64)
        hi = np.asarray(hi, dtype=np.float64)
        for op, c in self.pre:
            a, b = _apply(op, lo, c), _apply(op, hi, c)
            lo = np.nextafter(np.minimum(a, b), -np.inf)
            hi = np.nextafter(np.maximum(a, b), np.inf)
        return lo, hi


def _apply(op: str, v: np.ndarray, c: np.ndarray) -> np.ndarray:
    if op == "add":
        r = v + c
    elif op == "sub":
        r = v - c
    elif op == "rsub":
        r = c - v
    elif op == "mul":
        r = v * c
    elif op == "div":
        r = v / c
    else:
        raise AssertionError(op)
    return np.asarray(r)


def _exact_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    s = a + b
    bb = s - a
    err = (a - (s - bb)) + (b - bb)
    if np.any(err != 0) or not np.all(np.isfinite(s)):
        raise NotAChain("a bias sum is not exact in float64")
    return np.asarray(s)


def extract_chain(graph: ir.Graph, params: dict[str, np.ndarray]) -> Chain:
    """The chain form of ``graph`` (see the module docstring), or :class:`NotAChain`."""
    if torch is None:
        raise NotAChain("PyTorch is not installed (pip install -e '.[torch]')")
    nodes = graph.nodes
    var = [False] * len(nodes)
    consts: dict[int, np.ndarray] = {}
    for k, n in enumerate(nodes):
        var[k] = n.op == "input" or any(var[i] for i in n.inputs)
        if var[k]:
            continue
        a = n.typed_attrs()
        if n.op == "param":
            consts[k] = np.asarray(params[graph.params[a.index].name], dtype=np.float32).astype(np.float64)
        elif n.op == "const":
            consts[k] = ir.bits_to_array(a.bits, n.shape).astype(np.float64)
        else:
            raise NotAChain(f"node {k}: computed constant ({n.op})")
    if len(graph.outputs) != 1:
        raise NotAChain("the model has several outputs")
    ins = [k for k, n in enumerate(nodes) if n.op == "input"]
    if len(ins) != 1:
        raise NotAChain("the model has several inputs")
    n_in = int(np.prod(nodes[ins[0]].shape))
    pre: list[tuple[str, np.ndarray]] = []
    Ws: list[np.ndarray] = []
    bs: list[np.ndarray] = []
    relus: list[int] = []
    W: np.ndarray | None = None
    b: np.ndarray | None = None
    cur = ins[0]
    for k, n in enumerate(nodes):
        if not var[k] or n.op == "input":
            continue
        vin = [i for i in n.inputs if var[i]]
        if vin != [cur] or n.inputs.count(cur) != 1:
            raise NotAChain(f"node {k} ({n.op}) does not continue a chain")
        size = int(np.prod(n.shape))
        cin = [consts[i] for i in n.inputs if not var[i]]
        if n.op in ("reshape", "identity", "flatten"):
            pass
        elif n.op in ("add", "sub", "mul", "div"):
            c = np.broadcast_to(cin[0], n.shape).reshape(-1).astype(np.float64)
            op: str = n.op
            if op == "sub" and n.inputs[0] != cur:
                op = "rsub"
            if op == "div" and n.inputs[0] != cur:
                raise NotAChain(f"node {k}: division by a variable")
            if W is None:
                if size != n_in:
                    raise NotAChain(f"node {k}: input map changes the size")
                pre.append((op, c.copy()))
            else:
                assert b is not None
                if op == "add":
                    b = _exact_sum(b, c)
                elif op == "sub":
                    b = _exact_sum(b, -c)
                else:
                    raise NotAChain(f"node {k}: {op} after a linear layer")
        elif n.op in ("matmul", "linear"):
            if W is not None:
                raise NotAChain(f"node {k}: two linear layers without a relu between them")
            if n.op == "matmul":
                if n.inputs[0] != cur or cin[0].ndim != 2:
                    raise NotAChain(f"node {k}: matmul is not x @ W")
                W = cin[0].T.copy()
                b = np.zeros(W.shape[0])
            else:
                if n.inputs[0] != cur:
                    raise NotAChain(f"node {k}: linear with a variable weight")
                W = cin[0].copy()
                b = cin[1].reshape(-1).copy() if len(cin) > 1 else np.zeros(W.shape[0])
            if W.shape[1] != (Ws[-1].shape[0] if Ws else n_in) or W.shape[0] != size:
                raise NotAChain(f"node {k}: unexpected shapes")
        elif n.op == "relu":
            if W is None or b is None:
                raise NotAChain(f"node {k}: relu without a linear layer before it")
            Ws.append(W)
            bs.append(b)
            relus.append(k)
            W = b = None
        else:
            raise NotAChain(f"node {k}: op {n.op}")
        cur = k
    if cur != graph.outputs[0] or W is None or b is None:
        raise NotAChain("the output is not an affine layer at the end of the chain")
    Ws.append(W)
    bs.append(b)
    tW = [torch.as_tensor(w, dtype=F64) for w in Ws]
    return Chain(
        pre=pre,
        W=tW,
        b=[torch.as_tensor(v, dtype=F64) for v in bs],
        relu_nodes=relus,
        n_in=n_in,
        absW=[w.abs() for w in tW],
        Wp=[w.clamp(min=0) for w in tW],
        Wn=[w.clamp(max=0) for w in tW],
    )


# ------------------------------------------------------------------------------ rounding helpers


def _down(t: Any) -> Any:
    """A float ``<= t - ulp(t)/2`` for finite ``t``: ``t - (2^-51 |t| + 2^-1020)`` rounded.

    ``2^-51 |t| >= 2 ulp(t)`` for normal ``t`` and ``2^-1020`` exceeds every subnormal ulp, so the
    rounded difference stays at least one ulp below ``t``: the result bounds from below the exact
    value of the one rounded operation that produced ``t`` (what ``nextafter`` does, but cheaper).
    """
    return t - (t.abs() * 2.0**-51 + 2.0**-1020)


def _up(t: Any) -> Any:
    """A float ``>= t + ulp(t)/2`` (mirror of :func:`_down`)."""
    return t + (t.abs() * 2.0**-51 + 2.0**-1020)


def _acc(delta: Any, val: Any, err: Any | None, rigorous: bool) -> Any:
    """``δ + val - err`` rounded down (``err`` a float upper bound computed with slack)."""
    if not rigorous:
        return delta + val
    s = _down(delta + val)
    if err is None:
        return s
    return _down(s - (err * (1.0 + 2.0**-40) + TINY))


@dataclass
class Problems:
    """A batch of sub-problems: input boxes (after the input map) and split constraints.

    ``lo``/``hi``: [B, n_in] (x' space); ``sigma[k]``: [B, n_k] int8 (+1 active, -1 inactive, 0
    none) per relu layer.
    """

    lo: Any
    hi: Any
    sigma: list[Any]

    @property
    def size(self) -> int:
        return int(self.lo.shape[0])


def relax(lz: Any, u: Any, sig: Any) -> tuple[Any, Any, Any, Any]:
    """Masks ``active``, ``inactive``, ``unstable`` and upper slope ``s`` (rigorous, >= u/(u-l))."""
    inactive = (u <= 0) | (sig < 0)
    active = ~inactive & ((lz >= 0) | (sig > 0))
    unstable = ~inactive & ~active
    ul = torch.where(unstable, u, torch.ones_like(u))
    ll = torch.where(unstable, lz, torch.zeros_like(lz))
    den = _down(ul - ll)
    s = _up(ul / den)
    s = torch.where(unstable, s, torch.zeros_like(s))
    return active, inactive, unstable, s


def backward(
    net: Chain,
    lam: Any,
    top: int,
    P: Problems,
    bounds: list[tuple[Any, Any]],
    *,
    alpha: list[Any] | None = None,
    beta: list[Any] | None = None,
    rigorous: bool = True,
    want_input_lam: bool = False,
) -> tuple[Any, Any]:
    """Lower bound of ``Λ · z_top`` (``lam`` [B, R, n_top]) over each sub-problem.

    ``bounds[k]`` = (l, u) [B, n_k] of relu layer ``k``'s input (already intersected with the
    splits); ``alpha[k]`` [B, R, n_k] lower slopes (None: standard rule), ``beta[k]`` [B, R, n_k]
    multipliers (entries where ``sigma`` is 0 are ignored). Returns (bound [B, R], Λ over x').
    """
    B, R = lam.shape[0], lam.shape[1]
    dt = lam.dtype  # float32 only on the non-rigorous path (:func:`optimise`)
    assert dt == F64 or not rigorous
    W_, b_, aW_ = net.weights(dt)
    delta = torch.zeros((B, R), dtype=dt)
    for j in range(top, -1, -1):
        if j < top:  # Λ is over h_j: pass relu j, then β on z_j
            lz, u = bounds[j]
            sig = P.sigma[j]
            active, inactive, unstable, s = relax(lz, u, sig)
            act = active.to(dt)[:, None, :]
            unf = unstable.to(dt)[:, None, :]
            if alpha is not None and alpha[j] is not None:
                cpos = act + unf * alpha[j]
            else:
                cpos = act + unf * (u > -lz).to(dt)[:, None, :]
            cneg = act + unf * s[:, None, :]
            new = lam * torch.where(lam >= 0, cpos, cneg)
            nl = torch.where(unstable, (-lz).clamp(min=0), torch.zeros_like(lz))  # -l >= 0 where it is used
            # intercepts: only negative coefficients of unstable neurons use the upper line
            val = torch.einsum("brn,bn->br", new.clamp(max=0), nl)
            mz = torch.maximum(lz.abs(), u.abs())
            mz = torch.where(torch.isfinite(mz), mz, torch.zeros_like(mz))
            err = None
            labs = None
            if rigorous:
                labs = new.abs()
                err = torch.einsum("brn,bn->br", labs, U52 * 2 * (mz + nl) + gamma(new.shape[2] + 1) * nl)
            delta = _acc(delta, val, err, rigorous)
            lam = new
            if beta is not None and beta[j] is not None:
                sgn = sig.to(dt)[:, None, :]
                lam = lam - beta[j] * sgn
                labs = None
                if rigorous:
                    delta = _acc(delta, torch.zeros_like(delta), U52 * torch.einsum("brn,bn->br", lam.abs(), mz), True)
        else:
            labs = None
        # affine step through layer j: Λ over z_j -> over h_{j-1} (or x')
        W, b, aW = W_[j], b_[j], aW_[j]
        val = torch.einsum("brn,n->br", lam, b)
        # |h_{j-1}| <= max(u, 0); |x'| <= max(|lo|, |hi|)
        m = bounds[j - 1][1].clamp(min=0) if j > 0 else torch.maximum(P.lo.abs(), P.hi.abs())
        err = None
        if rigorous:
            wm = aW @ m.T  # [n_j, B]
            wm = _up(wm * (1 + gamma(aW.shape[1] + 1)))
            la = lam.abs() if labs is None else labs
            g = gamma(lam.shape[2] + 1) + gamma(aW.shape[1] + 1)
            vec = g * (b.abs()[:, None] + wm)  # [n_j, B]
            err = torch.einsum("brn,nb->br", la, vec) + TINY * (aW.shape[1] + 4)
        delta = _acc(delta, val, err, rigorous)
        lam = lam @ W
    # concretise over the input box
    mid = (P.lo + P.hi) * 0.5
    rad = torch.maximum(P.hi - mid, mid - P.lo)
    if rigorous:
        rad = _up(rad)
    val = torch.einsum("brn,bn->br", lam, mid) - torch.einsum("brn,bn->br", lam.abs(), rad)
    err = None
    if rigorous:
        err = gamma(2 * lam.shape[2] + 2) * torch.einsum("brn,bn->br", lam.abs(), mid.abs() + rad)
    delta = _acc(delta, val, err, rigorous)
    return delta, (lam if want_input_lam else None)


def _chunked_backward(
    net: Chain, rows: Any, k: int, P: Problems, bounds: list[tuple[Any, Any]], alpha: list[Any] | None = None,
    rigorous: bool = True,
) -> Any:
    """:func:`backward` over batch chunks of at most ~4M coefficients at the widest layer."""
    width = max([P.lo.shape[1]] + net.widths[:k])
    per = max(1, int(500_000 // max(1, rows.shape[1] * width)))  # cache-sized: 1.2-1.4x faster than 4M
    if per >= P.size:
        return backward(net, rows, k, P, bounds, alpha=alpha, rigorous=rigorous)[0]
    out = []
    for a in range(0, P.size, per):
        sl = slice(a, a + per)
        Pc = Problems(P.lo[sl], P.hi[sl], [s[sl] for s in P.sigma])
        ac = None if alpha is None else [None if x is None else x[sl] for x in alpha]
        out.append(backward(net, rows[sl], k, Pc, [(lo[sl], hi[sl]) for lo, hi in bounds], alpha=ac,
                            rigorous=rigorous)[0])
    return torch.cat(out)


def ibp_layer(net: Chain, j: int, P: Problems, bounds: list[tuple[Any, Any]]) -> tuple[Any, Any]:
    """Rigorous interval image of layer ``j``'s input box (previous relu bounds or the input)."""
    if j == 0:
        lo, hi = P.lo, P.hi
    else:
        lo, hi = bounds[j - 1][0].clamp(min=0), bounds[j - 1][1].clamp(min=0)
        sig = P.sigma[j - 1]
        hi = torch.where(sig < 0, torch.zeros_like(hi), hi)
        lo = torch.where(sig < 0, torch.zeros_like(lo), lo)
    mid = (lo + hi) * 0.5
    rad = _up(torch.maximum(hi - mid, mid - lo))
    Ws, bs, aWs = net.weights(lo.dtype)
    W, aW, b = Ws[j], aWs[j], bs[j]
    zc = mid @ W.T + b
    zr = rad @ aW.T
    n = W.shape[1]
    err = gamma(n + 3) * ((mid.abs() + rad) @ aW.T + b.abs()) + TINY * (n + 4)
    err = _up(err * (1 + 2.0**-40))
    return _down(_down(zc - zr) - err), _up(_up(zc + zr) + err)


def intermediate_bounds(
    net: Chain,
    P: Problems,
    start: Any = 0,
    old: list[tuple[Any, Any]] | None = None,
    inherit: list[tuple[Any, Any]] | None = None,
    slopes: list[list[Any]] | None = None,
    rigorous: bool = True,
    table: FirstLayerTable | None = None,
) -> list[tuple[Any, Any]]:
    """CROWN ∨ IBP bounds of every relu layer's input, intersected with the splits.

    Layers ``< start`` are taken from ``old`` (then re-intersected with the splits); ``start`` is
    an int or a [B] integer tensor (per sub-problem). A re-bounded layer is intersected with
    ``old`` too. ``inherit`` ([B, n_k] per layer): bounds already established on a superset of
    each sub-problem (an ancestor's, ``docs/certificate.md`` "Inherited bounds"); every layer is
    intersected with them. ``slopes[k][j]`` ([2 n_k, n_j]): the lower-line slopes of relu ``j``
    for the lower (rows ``0..n_k-1``) and upper (rows ``n_k..``) bounds of relu ``k``'s input,
    as in a certificate's ``alpha_for``; None (all, or one entry): the standard rule.
    ``rigorous=False`` (with float32 tensors, say): estimates that only rank candidates.
    ``table``: relu 1's bounds from it (:class:`FirstLayerTable`, built with the same ``slopes``)
    where it covers the sub-problems.
    """
    assert P.lo.dtype == F64 or not rigorous, "rigorous bounds need float64"
    B = P.size
    st = torch.as_tensor(start).expand(B) if old is not None else torch.zeros(B, dtype=torch.long)
    bounds: list[tuple[Any, Any]] = []
    for k in range(net.n_relu):
        redo = st <= k
        if old is not None and not bool(redo.any()):
            lz, u = old[k]
        elif bool(redo.all()):
            lz, u = _layer_bounds(net, k, P, bounds, None if old is None else old[k],
                                  None if inherit is None else inherit[k], slopes, rigorous, table)
        else:
            ix = torch.nonzero(redo)[:, 0]
            Ps = Problems(P.lo[ix], P.hi[ix], [s[ix] for s in P.sigma])
            bs = [(a[ix], b[ix]) for a, b in bounds]
            assert old is not None
            nl, nu = _layer_bounds(net, k, Ps, bs, (old[k][0][ix], old[k][1][ix]),
                                   None if inherit is None else (inherit[k][0][ix], inherit[k][1][ix]), slopes,
                                   rigorous, table)
            lz = old[k][0].clone().index_copy_(0, ix, nl)
            u = old[k][1].clone().index_copy_(0, ix, nu)
        if inherit is not None:
            lz, u = torch.maximum(lz, inherit[k][0]), torch.minimum(u, inherit[k][1])
        sig = P.sigma[k]
        u = torch.where(sig < 0, torch.minimum(u, torch.zeros_like(u)), u)
        lz = torch.where(sig > 0, torch.maximum(lz, torch.zeros_like(lz)), lz)
        bounds.append((lz, u))
    return bounds


@dataclass
class FirstLayerTable:
    """Relu layer 1's CROWN bounds as a function of relu layer 0's split phases, on one box.

    With the input box fixed (ReLU splitting), the backward pass of a bound of ``z_1`` meets one
    relu layer only, relu 0, whose bounds are the box's (``l0``, ``u0``, valid on every
    sub-problem) except where a split fixed a neuron. Each neuron ``n`` of relu 0 contributes
    ``c_rn W0[n] x' + const`` to row ``r``'s linear lower bound, and ``c_rn`` depends on ``n``'s
    phase only: the relaxed value (slope ``α`` or the upper line), ``λ_rn`` (fixed active) or 0
    (fixed inactive). So the bound of a sub-problem is the box's linear function plus one
    rank-one change per split neuron of relu 0: ``d`` products of ``n_in`` entries a row instead
    of a pass through ``W0`` (``n0 n_in``). The same CROWN bound as :func:`backward` with the same
    slopes, up to rounding; every rounding is charged to ``err`` (sums of absolute values, phase
    independent), so the result is a rigorous lower bound.

    Rows: ``r < n1`` the lower bound of ``z_1[r]``, ``r = n1 + i`` the lower bound of ``-z_1[i]``
    (as :func:`_layer_bounds` numbers them).
    """

    lo: Any  # [n_in] the box (x' space)
    hi: Any
    Gm: Any  # [2 n1] the box's linear functions at the box's centre: G mid
    Gr: Any  # [2 n1, n_in] their coefficients over x' times the box's radius: G diag(rad)
    K: Any  # [2 n1] and constants
    dpos: Any  # [2 n1, n0] change of row r's coefficient of h_0[n] when n is fixed active
    dneg: Any  # ... fixed inactive
    kpos: Any  # [2 n1, n0] change of the constant, fixed active
    kneg: Any  # ... fixed inactive
    Wm: Any  # [n0] W0 mid
    Wr: Any  # [n0, n_in] W0 diag(rad)
    err: Any  # [2 n1] rounding allowance
    _cast: dict[str, FirstLayerTable] = field(default_factory=dict, repr=False)

    def covers(self, P: Problems, rigorous: bool) -> bool:
        """Sub-problems all on this table's box (float64 if ``rigorous``), else it does not apply."""
        if rigorous and P.lo.dtype != F64:
            return False
        t = self.as_dtype(P.lo.dtype)
        return bool((P.lo == t.lo).all() and (P.hi == t.hi).all())

    def as_dtype(self, dtype: Any) -> FirstLayerTable:
        """This table in ``dtype`` (float32: estimates that only rank candidates; cached)."""
        if dtype == F64:
            return self
        key = str(dtype)
        if key not in self._cast:
            self._cast[key] = FirstLayerTable(**{f: getattr(self, f).to(dtype) for f in (
                "lo", "hi", "Gm", "Gr", "K", "dpos", "dneg", "kpos", "kneg", "Wm", "Wr", "err")})
        return self._cast[key]

    def lower(self, rows: Any, sigma0: Any, rigorous: bool = True) -> Any:
        """Rigorous lower bounds [B, m] of rows ``rows`` [B, m] with relu 0's phases ``sigma0``:
        ``K + G mid - |G| rad`` with ``G`` (times ``rad``) the box's rows plus the changes of the
        split neurons; only ``|G| rad`` needs the [m, n_in] coefficients."""
        nb, m = rows.shape
        n_in = self.Gr.shape[1]
        per = max(1, int(1_000_000 // max(1, m * n_in)))  # cache-sized chunks: 3x faster than 4M
        if nb > per:
            return torch.cat([self.lower(rows[a : a + per], sigma0[a : a + per], rigorous)
                              for a in range(0, nb, per)])
        Gr = self.Gr.index_select(0, rows.reshape(-1)).view(nb, m, n_in)
        val = self.K[rows] + self.Gm[rows]
        fixed = sigma0 != 0
        cnt = fixed.sum(dim=1)
        d = int(cnt.max()) if cnt.numel() else 0
        if d:
            S = torch.argsort((~fixed).to(torch.int8), dim=1, stable=True)[:, :d]  # [B, d]: split first
            ok = torch.arange(d)[None, :] < cnt[:, None]
            pos = (torch.gather(sigma0, 1, S) > 0)[:, None, :]
            ri, ci = rows[:, :, None], S[:, None, :]
            on = ok[:, None, :]
            zero = torch.zeros((), dtype=Gr.dtype)
            dl = torch.where(on, torch.where(pos, self.dpos[ri, ci], self.dneg[ri, ci]), zero)  # [B, m, d]
            dk = torch.where(on, torch.where(pos, self.kpos[ri, ci], self.kneg[ri, ci]), zero)
            Gr = torch.baddbmm(Gr, dl, self.Wr[S])
            val = val + dk.sum(dim=2) + torch.einsum("bmd,bd->bm", dl, self.Wm[S])
        val = val - torch.linalg.vector_norm(Gr, ord=1, dim=2)
        if not rigorous:
            return val
        return _down(_down(val) - self.err[rows])


def first_layer_table(
    net: Chain, lo: Any, hi: Any, l0: Any, u0: Any, alpha: Any | None
) -> FirstLayerTable | None:
    """The :class:`FirstLayerTable` of box ``[lo, hi]`` ([n_in], x' space) given relu 0's bounds
    ``l0``, ``u0`` ([n0], valid on the box) and the lower-line slopes ``alpha`` ([2 n1, n0], a
    certificate's ``alpha_for`` layout; None: the standard rule). None without a relu layer 1 or
    with non-finite bounds.

    Rounding: with ``N = 2 (n0 + n_in) + 16`` terms at most in any one sum (the constant's
    ``n0 + 1`` terms plus ``d <= n0`` changes; a coefficient's ``n0`` products; the concretisation's
    ``2 n_in``), every step's error is at most ``γ_N`` (or ``u <= γ_N``) times a sum of
    ``|λ_rn| a_n`` with ``a_n = |W0[n]| (|mid| + rad) + |b0_n| + |l0_n|`` and ``|b1|``, with
    factors 1 (the relaxed coefficients), 1 (``G``'s product), 2 (the changes), 2 (their
    products), 3 (the sum into ``G``), 3 (the concretisation), 4 (the constants), 3 (the final
    sums), 2 (``G mid`` as the box's part plus the changes' ``(W0 mid)[n]``), 4 (``G diag(rad)``:
    the scaled ``G`` and ``W0``): 25 in all. ``err = 32 · gamma(N) (|b1| + |λ| a)`` (``gamma``
    is ``2 γ_N``: 64 ``γ_N``), each product and sum of it rounded up.
    """
    if net.n_relu < 2:
        return None
    if not (bool(torch.isfinite(l0).all()) and bool(torch.isfinite(u0).all())):
        return None
    W0, b0, W1, b1 = net.W[0], net.b[0], net.W[1], net.b[1]
    n0, n_in = W0.shape
    lam = torch.cat([W1, -W1])  # [2 n1, n0]: rows over h_0 after the affine step through layer 1
    active, inactive, unstable, s = relax(l0[None], u0[None], torch.zeros((1, n0), dtype=torch.int8))
    act, unf = active.to(F64), unstable.to(F64)
    a = (u0 > -l0).to(F64)[None].expand_as(lam) if alpha is None else alpha.to(F64)
    new = lam * torch.where(lam >= 0, act + unf * a, act + unf * s)
    nl = torch.where(unstable, (-l0[None]).clamp(min=0), torch.zeros_like(l0[None]))
    icpt = new.clamp(max=0) * nl  # upper lines' intercepts (0 but for unstable neurons)
    G = new @ W0
    K = torch.cat([b1, -b1]) + new @ b0 + icpt.sum(dim=1)
    # fixed active: λ, but 0 on a neuron inactive at the root (as ``relax`` reads u <= 0 first)
    dpos, dneg = torch.where(inactive, -new, lam - new), -new
    mid = (lo + hi) * 0.5
    rad = _up(torch.maximum(hi - mid, mid - lo))
    an = net.absW[0] @ (mid.abs() + rad) + b0.abs() + l0.abs()
    N = 2 * (n0 + n_in) + 16
    mag = torch.cat([b1, b1]).abs() + (lam.abs() @ _up(an * (1 + gamma(n_in + 2)))) * (1 + gamma(n0 + 2))
    err = _up(_up(32 * gamma(N) * _up(mag)) + TINY * 4 * N)
    return FirstLayerTable(lo=lo, hi=hi, Gm=G @ mid, Gr=G * rad, K=K, dpos=dpos, dneg=dneg,
                           kpos=dpos * b0 - icpt, kneg=dneg * b0 - icpt, Wm=W0 @ mid, Wr=W0 * rad, err=err)


def _layer_bounds(
    net: Chain, k: int, P: Problems, bounds: list[tuple[Any, Any]], old: tuple[Any, Any] | None,
    inherit: tuple[Any, Any] | None, slopes: list[list[Any]] | None, rigorous: bool = True,
    table: FirstLayerTable | None = None,
) -> tuple[Any, Any]:
    """IBP ∩ ``old`` ∩ ``inherit`` of relu ``k``'s input, then a backward pass for the neurons
    still unstable and not split (for ``k = 1`` with a ``table`` of the same box and slopes: its
    rank-``d`` update instead)."""
    lz, u = ibp_layer(net, k, P, bounds)
    # what is already known decides which neurons are worth a backward pass
    for ref in [r for r in (old, inherit) if r is not None]:
        lz, u = torch.maximum(lz, ref[0]), torch.minimum(u, ref[1])
    if k == 0:
        return lz, u
    n = net.widths[k]
    unst = (lz < 0) & (u > 0) & (P.sigma[k] == 0)
    cnt = unst.sum(dim=1)
    m = int(cnt.max()) if cnt.numel() else 0
    if not m:
        return lz, u
    order = torch.argsort((~unst).to(torch.int8), dim=1, stable=True)
    idx = order[:, :m]  # [B, m]: each problem's unstable neurons first
    valid = torch.arange(m)[None, :] < cnt[:, None]
    sel = torch.cat([idx, idx + n], dim=1)  # [B, 2m]
    if k == 1 and table is not None and table.covers(P, rigorous):
        lb = table.as_dtype(lz.dtype).lower(sel, P.sigma[0], rigorous)
    else:
        eye = torch.eye(n, dtype=lz.dtype)[idx]  # [B, m, n]
        rows = torch.cat([eye, -eye], dim=1)
        al = None
        if slopes is not None:
            al = [None if slopes[k][j] is None else slopes[k][j][sel].to(lz.dtype) for j in range(k)]
        lb = _chunked_backward(net, rows, k, P, bounds, alpha=al, rigorous=rigorous)
    l0 = torch.gather(lz, 1, idx)
    u0 = torch.gather(u, 1, idx)
    lz = lz.clone().scatter_(1, idx, torch.where(valid, torch.maximum(l0, lb[:, :m]), l0))
    u = u.clone().scatter_(1, idx, torch.where(valid, torch.minimum(u0, -lb[:, m:]), u0))
    return lz, u


def _concretise(w: Any, c: Any, mid: Any, rad: Any, upper: bool) -> Any:
    """Rigorous min (or max) over the box of ``w · x + c`` (w [B, n, n0], c [B, n])."""
    aw = w.abs()
    lin = torch.einsum("bni,bi->bn", w, mid)
    spread = torch.einsum("bni,bi->bn", aw, rad)
    err = gamma(2 * w.shape[2] + 3) * (torch.einsum("bni,bi->bn", aw, mid.abs() + rad) + c.abs()) + TINY
    err = err * (1.0 + 2.0**-40)
    if upper:
        return _up(_up(lin + spread + c) + err)
    return _down(_down(lin - spread + c) - err)


def intermediate_bounds_fwd(net: Chain, P: Problems) -> list[tuple[Any, Any]]:
    """Forward (symbolic-interval) linear bounds of every relu input, ∨ IBP, with the splits.

    Each ``z_k`` gets a lower and an upper linear function of ``x'`` valid on the sub-problem,
    built from the previous layer's functions through the standard relu lines (``h >= α L(x)``
    with ``α = 1`` if ``u > -l`` else ``0``; ``h <= s (U(x) - l)``); rounding errors go into the
    constants (outward). With the same lines the backward pass (CROWN, what a checker computes)
    is never looser, so a checker accepts these bounds. Cheap for small inputs (ACAS Xu: 5).
    """
    B = P.size
    mid = (P.lo + P.hi) * 0.5
    rad = _up(torch.maximum(P.hi - mid, mid - P.lo))
    mx = torch.maximum(P.lo.abs(), P.hi.abs())
    bounds: list[tuple[Any, Any]] = []
    Lw = Uw = net.W[0][None].expand(B, -1, -1)
    Lc = Uc = net.b[0][None].expand(B, -1)
    for k in range(net.n_relu):
        if k > 0:
            l1, u1 = bounds[k - 1]
            active, inactive, unstable, s = relax(l1, u1, P.sigma[k - 1])
            a = (active | (unstable & (u1 > -l1))).to(F64)  # lower line slope (0 or 1: exact)
            keepu = (active | unstable).to(F64)
            su = torch.where(unstable, s, active.to(F64))
            hLw, hLc = Lw * a[:, :, None], Lc * a
            hUw = Uw * su[:, :, None]
            ucl = torch.where(unstable, _up(Uc - l1), Uc) * keepu
            hUc = _up(ucl * su)
            # rounding of s * Uw: |err| <= 2^-52 |hUw| per coefficient, times |x| <= mx
            hUc = _up(hUc + U52 * torch.einsum("bni,bi->bn", hUw.abs(), mx) * (1 + 2.0**-40) + TINY)
            W, Wp, Wn = net.W[k], net.Wp[k], net.Wn[k]
            nLw = torch.matmul(Wp, hLw) + torch.matmul(Wn, hUw)
            nUw = torch.matmul(Wp, hUw) + torch.matmul(Wn, hLw)
            nLc = hLc @ Wp.T + hUc @ Wn.T + net.b[k]
            nUc = hUc @ Wp.T + hLc @ Wn.T + net.b[k]
            mag = torch.einsum("bni,bi->bn", hLw.abs() + hUw.abs(), mx) + hLc.abs() + hUc.abs()
            e = gamma(W.shape[1] + 3) * (mag @ net.absW[k].T + net.b[k].abs()) * (1 + 2.0**-40) + TINY
            Lw, Uw = nLw, nUw
            Lc, Uc = _down(_down(nLc) - e), _up(_up(nUc) + e)
        lz = _concretise(Lw, Lc, mid, rad, upper=False)
        u = _concretise(Uw, Uc, mid, rad, upper=True)
        il, iu = ibp_layer(net, k, P, bounds)
        lz, u = torch.maximum(lz, il), torch.minimum(u, iu)
        sig = P.sigma[k]
        u = torch.where(sig < 0, torch.minimum(u, torch.zeros_like(u)), u)
        lz = torch.where(sig > 0, torch.maximum(lz, torch.zeros_like(lz)), lz)
        bounds.append((lz, u))
    return bounds


def infeasible(bounds: list[tuple[Any, Any]]) -> Any:
    """[B] bool: some bound pair has ``l > u`` (the constrained sub-problem is empty)."""
    bad = torch.zeros(bounds[0][0].shape[0], dtype=torch.bool)
    for lz, u in bounds:
        bad |= (lz > u).any(dim=1)
    return bad


def spec_rows(C: np.ndarray, d_up: np.ndarray, net: Chain) -> tuple[Any, Any]:
    """Rows ``C`` [R, n_out] (exact float64) and ``d`` rounded up, as tensors."""
    return torch.as_tensor(C, dtype=F64), torch.as_tensor(d_up, dtype=F64)


def spec_bounds(
    net: Chain,
    P: Problems,
    bounds: list[tuple[Any, Any]],
    C: Any,
    d: Any,
    *,
    alpha: list[Any] | None = None,
    beta: list[Any] | None = None,
    rigorous: bool = True,
    want_input_lam: bool = False,
) -> tuple[Any, Any]:
    """Lower bounds [B, R] of ``C y - d`` (with slopes and β), and optionally Λ over x'."""
    lam = C[None].expand(P.size, -1, -1)
    lb, lin = backward(
        net, lam, len(net.W) - 1, P, bounds, alpha=alpha, beta=beta, rigorous=rigorous, want_input_lam=want_input_lam
    )
    if rigorous:
        return _down(lb - d[None]), lin
    return lb - d[None], lin


def optimise(
    net: Chain,
    P: Problems,
    bounds: list[tuple[Any, Any]],
    C: Any,
    d: Any,
    *,
    iters: int = 20,
    lr_alpha: float = 0.1,
    lr_beta: float = 0.05,
    use_beta: bool = True,
    init_alpha: list[Any] | None = None,
    init_beta: list[Any] | None = None,
    dtype: Any = None,
) -> tuple[list[Any], list[Any] | None]:
    """Adam ascent on α (and β where splits exist) for the spec rows; returns the best found.

    The ascent runs in ``dtype`` (default float32: half the memory traffic of float64 and about
    twice the speed on a CPU; only the search direction depends on it). The slopes and
    multipliers come back in float64, for the caller's rigorous pass.
    """
    dt = torch.float32 if dtype is None else dtype
    B, R = P.size, C.shape[0]
    P = Problems(P.lo.to(dt), P.hi.to(dt), P.sigma)
    bounds = [(lz.to(dt), u.to(dt)) for lz, u in bounds]
    C, d = C.to(dt), d.to(dt)
    if init_alpha is not None:
        init_alpha = [a.to(dt) for a in init_alpha]
    if init_beta is not None:
        init_beta = [b.to(dt) for b in init_beta]
    alphas = []
    for k in range(net.n_relu):
        lz, u = bounds[k]
        if init_alpha is not None:
            a0 = init_alpha[k].detach().clone()
        else:
            a0 = (u > -lz).to(dt)[:, None, :].expand(B, R, -1).clone()
        alphas.append(a0.requires_grad_(True))
    betas = None
    if use_beta and any(bool((s != 0).any()) for s in P.sigma):
        betas = []
        for k in range(net.n_relu):
            if init_beta is not None:
                b0 = init_beta[k].detach().clone()
            else:
                b0 = torch.zeros((B, R, net.widths[k]), dtype=dt)
            betas.append(b0.requires_grad_(True))
    groups = [(alphas, lr_alpha)] + ([(betas, lr_beta)] if betas is not None else [])
    mom = [[(torch.zeros_like(t), torch.zeros_like(t)) for t in g] for g, _ in groups]
    b1, b2 = 0.9, 0.999
    best = torch.full((B, R), -math.inf, dtype=dt)
    best_a = [a.detach().clone() for a in alphas]
    best_b = None if betas is None else [b.detach().clone() for b in betas]
    for it in range(1, iters + 1):
        lb, _ = spec_bounds(net, P, bounds, C, d, alpha=alphas, beta=betas, rigorous=False)
        with torch.no_grad():
            imp = lb > best
            if bool(imp.any()):
                best = torch.where(imp, lb, best)
                m = imp[:, :, None]
                for k in range(net.n_relu):
                    best_a[k] = torch.where(m, alphas[k].detach(), best_a[k])
                    if betas is not None and best_b is not None:
                        best_b[k] = torch.where(m, betas[k].detach(), best_b[k])
        if it == iters or bool((best > 0).all()):
            break
        loss = -lb.clamp(max=1.0).sum()  # rows already refuted do not need more
        grads = torch.autograd.grad(loss, [t for g, _ in groups for t in g])
        gi = 0
        with torch.no_grad():
            for (g, lr), ms in zip(groups, mom, strict=True):
                for j, t in enumerate(g):
                    gr = grads[gi]
                    gi += 1
                    m1, m2 = ms[j]
                    m1.mul_(b1).add_(gr, alpha=1 - b1)
                    m2.mul_(b2).addcmul_(gr, gr, value=1 - b2)
                    step = lr * (m1 / (1 - b1**it)) / ((m2 / (1 - b2**it)).sqrt() + 1e-8)
                    t.sub_(step)
            for a in alphas:
                a.clamp_(0.0, 1.0)
            if betas is not None:
                for bt, sg in zip(betas, P.sigma, strict=True):
                    bt.clamp_(min=0.0)
                    bt.mul_((sg != 0).to(dt)[:, None, :])
    return [a.to(F64) for a in best_a], None if best_b is None else [b.to(F64) for b in best_b]
