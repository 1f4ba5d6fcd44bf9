"""The generic bound pass: IBP forward, CROWN backward, α-CROWN slope optimisation.

Nothing here is op-specific: the pass asks each node's :class:`~tlean.verify.bounds.rules.Rule`
for its interval image, its affine form, its lines or its custom backward step
(:mod:`tlean.verify.bounds.rules`). All arithmetic on bounds is rounded outward
(:mod:`tlean.verify.bounds.fp`; the argument is in ``docs/bounds.md``).

Invariant of the backward pass from node ``K`` with row coefficients ``Λ_K``: for every input in
the box and the exact real value ``x_k`` of every node, ``Λ_K x_K >= Σ_{pending k} Λ_k x_k + δ``
(row-wise), where ``δ`` is a float vector maintained as a rigorous lower bound. Each step replaces
a pending node by its inputs and lowers ``δ`` by the rounding error of the step (the node's error
vector times ``|Λ_k|``); pending leaves and fallback nodes are replaced by the minimum of
``Λ_k x_k`` over their box.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tlean import ir
from tlean.errors import BoundsInputError, BoundsUnsupportedError
from tlean.verify.bounds.fp import ETA, Arr, add_down, down, gamma, nan_to, slack_up, up
from tlean.verify.bounds.rules import Affine, Box, Ctx, Lines, NoRuleError, Rule, affine_ibp, rule_for

METHODS = ("ibp", "crown", "alpha-crown")


@dataclass
class OneHot:
    """Rows that each have one non-zero coefficient: ``Λ[s, idx[s]] = coef[s]`` (flattened)."""

    idx: np.ndarray
    coef: Arr

    def dense(self, shape: tuple[int, ...]) -> Arr:
        n = int(np.prod(shape, dtype=np.int64))
        d = np.zeros((self.idx.size, n))
        d[np.arange(self.idx.size), self.idx] = self.coef
        return d.reshape((self.idx.size,) + tuple(shape))


Lam = Arr | OneHot


@dataclass
class BackResult:
    delta: Arr  # rigorous lower constant per row
    lam_input: Arr | None  # coefficients on the graph input [S, n_in] (None: input not reached)
    lams: dict[int, Arr] = field(default_factory=dict)  # recorded Λ per node (α-CROWN)
    fallbacks: set[int] = field(default_factory=set)


@dataclass
class AlphaOptions:
    """α-CROWN settings: Adam ascent on the final bound within ``iters`` steps / ``seconds``."""

    iters: int = 20
    lr: float = 0.5
    seconds: float | None = None
    #: Stops early once the current lower bounds satisfy this (e.g. every polytope refuted).
    stop: Callable[[Arr], bool] | None = None
    #: Also optimise the slopes of every intermediate bound (each bound row on its own). Tighter;
    #: the slopes used are recorded (``RunResult.alpha_for``) and certificates carry them as
    #: ``relus[k].alpha_for`` (``docs/certificate.md``, "Intermediate α").
    intermediate: bool = False


@dataclass
class RunResult:
    """Lower bounds of the objective rows, and what a certificate or a report needs."""

    lower: Arr
    method: str
    boxes: list[Box | None]
    fallbacks: list[tuple[int, str]]
    loosened_rows: int = 0  # rows where the stronger method was looser and the weaker one was kept
    alpha: dict[int, Arr] = field(default_factory=dict)
    alpha_iters: int = 0
    seconds: float = 0.0
    #: Intermediate α-CROWN: ``{relu k: {later relu j: [2 n_j, n_k]}}``, the lower-line slopes of
    #: relu ``k`` used for the lower bounds (rows ``0..n_j-1``) and upper bounds (rows
    #: ``n_j..2n_j-1``, as lower bounds of ``-z_j``) of relu ``j``'s input; standard slopes on
    #: rows that were not optimised. Empty unless ``AlphaOptions(intermediate=True)``.
    alpha_for: dict[int, dict[int, Arr]] = field(default_factory=dict)
    #: With intermediate α: the lower bounds this run's own relaxation gives (final pass with
    #: ``alpha``, or IBP), before the maximum with a plain CROWN run, which ``lower`` also takes
    #: and which a certificate with this run's intermediate bounds cannot reproduce. None otherwise.
    cert_lower: Arr | None = None


class Engine:
    """Bounds of an IR graph with parameter values, over input boxes.

    Construct once per model (rules are resolved and constant subgraphs enclosed here); call
    :meth:`run` per box. ``splits`` (``{relu node id: int8 array over its input}``, +1 active,
    -1 inactive) restricts pre-activations to a sub-domain, for branch and bound.
    """

    def __init__(self, graph: ir.Graph, params: dict[str, np.ndarray]) -> None:
        ir.check(graph)
        self.graph = graph
        self.nodes = graph.nodes
        self.attrs = [n.typed_attrs() for n in graph.nodes]
        ins = [k for k, n in enumerate(graph.nodes) if n.op == "input"]
        if len(graph.inputs) != 1 or not ins:
            raise BoundsInputError(f"the bound engine needs a model with one input, this one has {len(graph.inputs)}")
        self.input_nodes = ins
        self.var = [False] * len(self.nodes)
        for k, n in enumerate(self.nodes):
            self.var[k] = n.op == "input" or any(self.var[i] for i in n.inputs)
        self.rules: list[Rule | None] = [None] * len(self.nodes)
        missing: dict[str, list[int]] = {}
        for k, n in enumerate(self.nodes):
            if n.op in ir.LEAF_OPS:
                continue
            try:
                self.rules[k] = rule_for(n.op)
            except NoRuleError:
                missing.setdefault(n.op, []).append(k)
        if missing:
            parts = [
                f"{op} (node{'s' if len(ks) > 1 else ''} {', '.join(map(str, ks[:5]))})" for op, ks in missing.items()
            ]
            raise BoundsUnsupportedError("no bound rule for op " + "; ".join(parts))
        # constant subgraphs: enclosures of their exact values
        self.const_boxes: dict[int, Box] = {}
        for k, n in enumerate(self.nodes):
            if self.var[k]:
                continue
            a = self.attrs[k]
            if n.op == "param":
                decl = graph.params[a.index]
                if decl.name not in params:
                    raise BoundsInputError(f"missing value of parameter {decl.name!r}")
                v = np.asarray(params[decl.name], dtype=np.float32)
                self.const_boxes[k] = Box.point(v.astype(np.float64).reshape(n.shape))
            elif n.op == "const":
                self.const_boxes[k] = Box.point(ir.bits_to_array(a.bits, n.shape).astype(np.float64))
            else:
                ctx = self._ctx(k, [self.const_boxes[i] for i in n.inputs], all_var=True)
                rule = self.rules[k]
                assert rule is not None
                try:
                    self.const_boxes[k] = rule.ibp(ctx)
                except NoRuleError as e:
                    raise BoundsUnsupportedError(f"no interval rule for {e} (node {k})") from None
        self.in_shape = tuple(self.nodes[ins[0]].shape)
        self.n_in = int(np.prod(self.in_shape, dtype=np.int64))
        # which nodes are relaxed by lines / custom steps: their inputs need CROWN bounds
        self.relaxed: list[bool] = [False] * len(self.nodes)
        for k in range(len(self.nodes)):
            r = self.rules[k]
            if r is None or not self.var[k]:
                continue
            if type(r).lines is not Rule.lines or r.has_custom_back():
                self.relaxed[k] = True
        self._aff_cache: dict[int, Affine | None] = {}
        self.consumers: list[list[int]] = [[] for _ in self.nodes]
        for k, n in enumerate(self.nodes):
            for i in n.inputs:
                self.consumers[i].append(k)

    # ------------------------------------------------------------------------------ helpers

    def _ctx(self, k: int, boxes: list[Box], all_var: bool = False) -> Ctx:
        n = self.nodes[k]
        return Ctx(
            k=k,
            node=n,
            attrs=self.attrs[k],
            shape=tuple(n.shape),
            in_shapes=[tuple(self.nodes[i].shape) for i in n.inputs],
            var=[True] * len(n.inputs) if all_var else [self.var[i] for i in n.inputs],
            boxes=boxes,
        )

    def affine_of(self, k: int, rule: Rule, c: Ctx) -> Affine | None:
        """The node's affine form (cached: it depends only on the constant operands)."""
        if k not in self._aff_cache:
            self._aff_cache[k] = rule.affine(c)
        return self._aff_cache[k]

    def output_node(self, output: int = 0) -> int:
        return self.graph.outputs[output]

    # ------------------------------------------------------------------------------ the run

    def run(
        self,
        lower: Any,
        upper: Any,
        objective: Arr | None = None,
        *,
        method: str = "crown",
        output: int = 0,
        alpha: AlphaOptions | None = None,
        splits: dict[int, np.ndarray] | None = None,
    ) -> RunResult:
        """Lower bounds of ``objective @ y`` (rows over the flattened output ``y``) over the box.

        ``objective=None`` bounds every output: rows ``+e_j`` then ``-e_j`` (negate the second
        half for upper bounds). ``lower``/``upper`` are the input box (any float array of the
        input's size; float32 values are exact in float64).
        """
        if method not in METHODS:
            raise BoundsInputError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
        t0 = time.perf_counter()
        lo = np.asarray(lower, dtype=np.float64).reshape(-1)
        hi = np.asarray(upper, dtype=np.float64).reshape(-1)
        if lo.size != self.n_in or hi.size != self.n_in:
            raise BoundsInputError(
                f"the input box has {lo.size}/{hi.size} bounds; the model's input has {self.n_in} elements"
            )
        if np.any(np.isnan(lo)) or np.any(np.isnan(hi)) or np.any(lo > hi):
            raise BoundsInputError("the input box is empty or has NaN bounds")
        K = self.output_node(output)
        out_shape = tuple(self.nodes[K].shape)
        n_out = int(np.prod(out_shape, dtype=np.int64))
        if objective is None:
            rows: Lam = OneHot(
                np.concatenate([np.arange(n_out)] * 2), np.concatenate([np.ones(n_out), -np.ones(n_out)])
            )
        else:
            obj = np.asarray(objective, dtype=np.float64)
            if obj.ndim != 2 or obj.shape[1] != n_out:
                raise BoundsInputError(f"objective must be [rows, {n_out}], got {list(obj.shape)}")
            rows = obj.reshape((obj.shape[0],) + out_shape)
        st = _State(self, Box(lo.reshape(self.in_shape), hi.reshape(self.in_shape)), splits or {})
        if method == "alpha-crown" and alpha is not None and alpha.intermediate:
            st.alpha_int = AlphaOptions(iters=alpha.iters, lr=alpha.lr, seconds=alpha.seconds)
            if alpha.seconds is not None:  # one budget for the whole run, not per bound
                st.alpha_deadline = t0 + alpha.seconds
        st.forward(K, crown=method != "ibp")
        ibp_lb = st.concretize(rows, st.box(K), out_shape)  # what the output box alone gives
        res = RunResult(lower=ibp_lb, method=method, boxes=st.boxes, fallbacks=[])
        if method != "ibp":
            br = st.backward(K, rows)
            lb = add_down(br.delta, 0.0)
            res.fallbacks = sorted((k, self.nodes[k].op) for k in br.fallbacks | st.fallbacks)
            if method == "alpha-crown" and not (alpha is not None and alpha.stop is not None and alpha.stop(lb)):
                fopt = alpha or AlphaOptions()
                if st.alpha_deadline is not None:
                    left = max(0.0, st.alpha_deadline - time.perf_counter())
                    fopt = AlphaOptions(iters=fopt.iters, lr=fopt.lr, seconds=left, stop=fopt.stop)
                lb2, al, iters = st.optimise_alpha(K, rows, lb, fopt)
                worse = lb2 < lb
                if np.any(worse):
                    # keep the CROWN bound there, with the slopes that give it (certificates)
                    res.loosened_rows += int(np.sum(worse))
                    for k, a in al.items():
                        a[worse] = st.lines[k].al[None]
                res.alpha, res.alpha_iters = al, iters
                lb = np.maximum(lb, lb2)
            worse = lb < ibp_lb
            res.loosened_rows += int(np.sum(worse))
            res.lower = np.maximum(lb, ibp_lb)
            if st.alpha_int is not None:
                res.cert_lower = res.lower.copy()
                res.alpha_for = st.alpha_for_relus()
                # optimised intermediate bounds change the final relaxation: never looser than CROWN
                plain = self.run(lower, upper, objective, method="crown", output=output, splits=splits).lower
                worse = res.lower < plain
                res.loosened_rows += int(np.sum(worse))
                res.lower = np.maximum(res.lower, plain)
        res.seconds = time.perf_counter() - t0
        return res


class _State:
    """One run: the boxes, the per-node forms, the backward and primal passes."""

    def __init__(self, eng: Engine, in_box: Box, splits: dict[int, np.ndarray]) -> None:
        self.e = eng
        self.boxes: list[Box | None] = [None] * len(eng.nodes)
        self.in_box = in_box
        self.affines: dict[int, Affine] = {}
        self.aff_err: dict[int, Arr] = {}
        self.aff_tiny: dict[int, float] = {}
        self.lines: dict[int, Lines] = {}
        self.fallbacks: set[int] = set()
        self.splits = splits
        self.alpha_int: AlphaOptions | None = None
        #: pre-activation node -> (optimised rows' elements, {relu node: slopes [2 * rows, n]})
        self.int_alpha: dict[int, tuple[np.ndarray, dict[int, Arr]]] = {}
        self.alpha_deadline: float | None = None
        self.split_of_pre: dict[int, list[np.ndarray]] = {}
        for relu, s in splits.items():
            if eng.nodes[relu].op not in ("relu", "leakyRelu"):
                raise BoundsInputError(f"split constraint on node {relu}, which is a {eng.nodes[relu].op}, not a relu")
            self.split_of_pre.setdefault(eng.nodes[relu].inputs[0], []).append(np.asarray(s).reshape(-1))

    def box(self, k: int) -> Box:
        b = self.boxes[k] if self.e.var[k] else self.e.const_boxes[k]
        assert b is not None
        return b

    def ctx(self, k: int) -> Ctx:
        return self.e._ctx(k, [self.box(i) for i in self.e.nodes[k].inputs])

    # ------------------------------------------------------------------------------ forward

    def forward(self, K: int, crown: bool) -> None:
        e = self.e
        for k in range(K + 1):
            n = e.nodes[k]
            if not e.var[k]:
                continue
            if n.op == "input":
                self.boxes[k] = self.in_box
                continue
            rule = e.rules[k]
            assert rule is not None
            c = self.ctx(k)
            try:
                aff0 = e.affine_of(k, rule, c) if rule.ibp_via_affine else None
                b = affine_ibp(aff0, c) if aff0 is not None else rule.ibp(c)
            except NoRuleError as err:
                raise BoundsUnsupportedError(f"no interval rule for {err} (node {k})") from None
            b = Box(
                np.asarray(b.lo, dtype=np.float64).reshape(n.shape), np.asarray(b.hi, dtype=np.float64).reshape(n.shape)
            )
            self.boxes[k] = b
            if crown:
                aff = e.affine_of(k, rule, c)
                if aff is not None:
                    ms = [self.box(i).m[None] if v else None for i, v in zip(n.inputs, c.var, strict=True)]
                    self.aff_err[k] = aff.errvec(ms)
                    # underflow: each of the <= depth roundings of a coefficient may lose 2^-1075
                    with np.errstate(all="ignore"):
                        tot = sum(float(np.sum(m)) for m in ms if m is not None)
                    self.aff_tiny[k] = float(up((aff.depth + 2) * ETA * tot * (1 + 2.0**-40)))
                    self.affines[k] = aff
                elif rule.has_custom_back():
                    pass
                elif type(rule).lines is not Rule.lines:
                    ln = rule.lines(c, self.box(n.inputs[0]))
                    if ln is not None:
                        self.lines[k] = ln
                    else:
                        self.fallbacks.add(k)
                else:
                    self.fallbacks.add(k)
                need = self._crown_rows(k, K)
                if need is not None and need.size:
                    lb, ub = self.node_bounds(k, need)
                    flo, fhi = b.lo.reshape(-1).copy(), b.hi.reshape(-1).copy()
                    flo[need] = np.maximum(flo[need], lb)
                    fhi[need] = np.minimum(fhi[need], ub)
                    self.boxes[k] = Box(flo.reshape(n.shape), fhi.reshape(n.shape))
            if k in self.split_of_pre:
                bb = self.boxes[k]
                assert bb is not None
                flo, fhi = bb.lo.reshape(-1).copy(), bb.hi.reshape(-1).copy()
                for s in self.split_of_pre[k]:
                    flo = np.where(s > 0, np.maximum(flo, 0.0), flo)
                    fhi = np.where(s < 0, np.minimum(fhi, 0.0), fhi)
                self.boxes[k] = Box(flo.reshape(n.shape), fhi.reshape(n.shape))

    def _crown_rows(self, k: int, K: int) -> np.ndarray | None:
        """Which elements of node k get CROWN bounds: those a relaxation depends on."""
        e = self.e
        if k == K:
            return None  # the objective is bounded directly
        cons = [j for j in e.consumers[k] if e.relaxed[j]]
        if not cons:
            return None
        b = self.boxes[k]
        assert b is not None
        if all(e.nodes[j].op in ("relu", "leakyRelu") for j in cons):
            lo, hi = b.lo.reshape(-1), b.hi.reshape(-1)
            return np.nonzero((lo < 0) & (hi > 0))[0]
        return np.arange(b.lo.size)

    def node_bounds(self, k: int, sel: np.ndarray) -> tuple[Arr, Arr]:
        ns = sel.size
        rows = OneHot(np.concatenate([sel, sel]), np.concatenate([np.ones(ns), -np.ones(ns)]))
        br = self.backward(k, rows)
        self.fallbacks |= br.fallbacks
        d = br.delta
        left = None if self.alpha_deadline is None else self.alpha_deadline - time.perf_counter()
        if self.alpha_int is not None and self._alpha_nodes() and (left is None or left > 0):
            opt = self.alpha_int if left is None else AlphaOptions(self.alpha_int.iters, self.alpha_int.lr, left)
            d2, al, _ = self.optimise_alpha(k, rows, d, opt)
            worse = d2 <= d
            for j, a in al.items():  # rows the standard slopes bound better: record those (certificates)
                a[worse] = self.lines[j].al[None]
            d = np.maximum(d, d2)
            self.int_alpha[k] = (sel, al)
        return d[:ns], -d[ns:]

    def alpha_for_relus(self) -> dict[int, dict[int, Arr]]:
        """The recorded intermediate slopes per relu, over all rows of each later relu's input.

        Rows of the certificate's ``alpha_for[j]`` are ``[lower rows; upper rows]`` over every
        element of relu ``j``'s input; elements not optimised (stable, or bounded by IBP) get
        relu ``k``'s standard slopes, as do the neurons of ``k`` that are not α-optimisable.
        """
        out: dict[int, dict[int, Arr]] = {}
        for j, n in enumerate(self.e.nodes):
            if n.op not in ("relu", "leakyRelu") or n.inputs[0] not in self.int_alpha:
                continue
            sel, al = self.int_alpha[n.inputs[0]]
            nj, ns = int(np.prod(n.shape, dtype=np.int64)), sel.size
            for k, a in al.items():
                ln = self.lines[k]
                rows = np.broadcast_to(ln.al, (2 * nj, ln.al.size)).copy()
                a = np.where(ln.amask[None], a, ln.al[None])  # type: ignore[index]
                rows[sel] = a[:ns]
                rows[nj + sel] = a[ns:]
                out.setdefault(k, {})[j] = rows
        return out

    # ------------------------------------------------------------------------------ backward

    def concretize(self, lam: Lam, box: Box, shape: tuple[int, ...]) -> Arr:
        """Rigorous lower bound of ``Λ x`` over ``x`` in ``box``, per row."""
        lo, hi = box.lo.reshape(-1), box.hi.reshape(-1)
        if isinstance(lam, OneHot):
            c = lam.coef
            v = np.where(c > 0, lo[lam.idx], np.where(c < 0, hi[lam.idx], 0.0))
            with np.errstate(all="ignore"):
                r = down(c * v)
            return nan_to(np.where(c == 0, 0.0, r), -np.inf)
        L = lam.reshape(lam.shape[0], -1)
        n = L.shape[1]
        pos, neg = np.maximum(L, 0.0), np.minimum(L, 0.0)
        flo, fhi = np.isfinite(lo), np.isfinite(hi)
        with np.errstate(all="ignore"):
            val = pos @ np.where(flo, lo, 0.0) + neg @ np.where(fhi, hi, 0.0)
            m = np.where(flo & fhi, np.maximum(np.abs(lo), np.abs(hi)), 0.0)
            err = slack_up(np.abs(L) @ m, n) * gamma(n + 1) + (n + 1) * ETA
            r = down(val - err)
        bad: Any = np.zeros(L.shape[0], dtype=bool)
        if not (flo.all() and fhi.all()):
            bad = ((pos > 0) & ~flo[None]).any(axis=1) | ((neg < 0) & ~fhi[None]).any(axis=1)
        return nan_to(np.where(bad, -np.inf, r), -np.inf)

    def _penalty(self, lam: Lam, vec: Arr) -> Arr:
        """Upper bound of ``|Λ| vec`` per row (``vec >= 0``)."""
        if isinstance(lam, OneHot):
            with np.errstate(all="ignore"):
                return up(np.abs(lam.coef) * vec[lam.idx])
        L = lam.reshape(lam.shape[0], -1)
        with np.errstate(all="ignore"):
            return nan_to(slack_up(np.abs(L) @ vec, L.shape[1]), np.inf)

    def _affine_const(self, lam: Lam, aff: Affine, err: Arr, tiny: float) -> Arr:
        """Rigorous lower bound of ``Λ c_exact`` minus the step's rounding allowance."""
        vec = err
        s = lam.idx.size if isinstance(lam, OneHot) else lam.shape[0]
        val = np.zeros(s)
        if aff.c is not None:
            cf = aff.c.reshape(-1)
            with np.errstate(all="ignore"):
                vec = vec + gamma(cf.size + 1) * np.abs(cf)
                if aff.c_rad is not None:
                    vec = vec + aff.c_rad.reshape(-1)
                val = lam.coef * cf[lam.idx] if isinstance(lam, OneHot) else lam.reshape(s, -1) @ cf
        pen = self._penalty(lam, vec)
        with np.errstate(all="ignore"):
            return nan_to(down(down(down(val) - pen) - tiny), -np.inf)

    def backward(self, K: int, rows: Lam, alpha: dict[int, Arr] | None = None, record: bool = False) -> BackResult:
        e = self.e
        pending: dict[int, Lam] = {K: rows}
        s = rows.idx.size if isinstance(rows, OneHot) else rows.shape[0]
        delta = np.zeros(s)
        res = BackResult(delta=delta, lam_input=None)
        for k in range(K, -1, -1):
            lam = pending.pop(k, None)
            if lam is None:
                continue
            n = e.nodes[k]
            shape = tuple(n.shape)
            if record:
                res.lams[k] = lam.dense(shape) if isinstance(lam, OneHot) else lam
            if not e.var[k] or n.op == "input":
                if n.op == "input":
                    res.lam_input = (lam.dense(shape) if isinstance(lam, OneHot) else lam).reshape(s, -1)
                delta = add_down(delta, self.concretize(lam, self.box(k), shape))
                continue
            rule = e.rules[k]
            assert rule is not None
            parts: list[Any]
            if k in self.affines:
                aff = self.affines[k]
                delta = add_down(delta, self._affine_const(lam, aff, self.aff_err[k], self.aff_tiny[k]))
                if isinstance(lam, OneHot) and aff.back_onehot is not None:
                    raw = aff.back_onehot(lam.idx, lam.coef)
                    parts = [OneHot(lam.idx, p) if (p is not None and p.ndim == 1) else p for p in raw]
                else:
                    dl = lam.dense(shape) if isinstance(lam, OneHot) else lam
                    parts = list(aff.back(dl))
            elif k in self.lines:
                dl = lam.dense(shape) if isinstance(lam, OneHot) else lam
                p, d = self._lines_back(k, dl, alpha.get(k) if alpha else None)
                delta = add_down(delta, d)
                parts = [p]
            elif rule.has_custom_back():
                dl = lam.dense(shape) if isinstance(lam, OneHot) else lam
                out = rule.back(self.ctx(k), dl)
                assert out is not None
                parts, d = out
                delta = add_down(delta, d)
            else:
                res.fallbacks.add(k)
                delta = add_down(delta, self.concretize(lam, self.box(k), shape))
                continue
            for i, p in zip(n.inputs, parts, strict=True):
                if p is None:
                    continue
                if i in pending:
                    ishape = tuple(e.nodes[i].shape)
                    a = pending[i]
                    a = a.dense(ishape) if isinstance(a, OneHot) else a
                    b = p.dense(ishape) if isinstance(p, OneHot) else p
                    tot = a + b
                    # one rounding per element of the sum
                    delta = add_down(delta, -up(self._penalty(tot, self.box(i).m.reshape(-1)) * gamma(2)))
                    pending[i] = tot
                else:
                    pending[i] = p
        res.delta = delta
        return res

    def _lines_back(self, k: int, lam: Arr, alpha: Arr | None) -> tuple[Arr, Arr]:
        ln = self.lines[k]
        s = lam.shape[0]
        L = lam.reshape(s, -1)
        al = ln.al if alpha is None or ln.amask is None else np.where(ln.amask[None], alpha, ln.al[None])
        inp = self.e.nodes[k].inputs[0]
        m = self.box(inp).m.reshape(-1)
        with np.errstate(all="ignore"):
            nonneg = L >= 0
            new = L * np.where(nonneg, al, ln.au)  # one rounding per element
            if not np.any(ln.cl) and np.all(np.isfinite(ln.cu)):  # relu-like: only upper intercepts
                neg = np.minimum(L, 0.0)
                d = neg @ ln.cu
                err = slack_up(-(neg @ np.abs(ln.cu)), L.shape[1]) * gamma(L.shape[1] + 1)
            else:
                pos, neg = np.maximum(L, 0.0), np.minimum(L, 0.0)
                terms = pos * ln.cl + neg * ln.cu
                terms = np.where((pos == 0) & (neg == 0), 0.0, terms)
                d = terms.sum(axis=1)
                err = slack_up(np.abs(terms).sum(axis=1), L.shape[1]) * gamma(L.shape[1] + 1)
            err = err + self._penalty(new, m) * gamma(2) + 2 * ETA * float(np.sum(m))
            delta = nan_to(down(down(d) - up(err)), -np.inf)
        ishape = tuple(self.e.nodes[inp].shape)
        return new.reshape((s,) + ishape), delta

    # ------------------------------------------------------------------------------ α-CROWN

    def _alpha_nodes(self) -> list[int]:
        return [k for k, ln in self.lines.items() if ln.amask is not None and bool(np.any(ln.amask))]

    def primal(self, K: int, br: BackResult, alpha: dict[int, Arr]) -> dict[int, Arr]:
        """The minimiser of the relaxed bound, pushed forward through the chosen lines (per row)."""
        e = self.e
        s = br.delta.size
        vals: dict[int, Arr] = {}
        for k in range(K + 1):
            if k not in br.lams or not e.var[k]:
                continue
            n = e.nodes[k]
            lam = br.lams[k].reshape(s, -1)
            rk = e.rules[k]
            custom = rk is not None and rk.has_custom_back()
            if n.op == "input" or (k not in self.affines and k not in self.lines and not custom):
                b = self.box(k)
                lo, hi = b.lo.reshape(-1), b.hi.reshape(-1)
                vals[k] = np.where(lam >= 0, lo[None], hi[None]).reshape((s,) + tuple(n.shape))
                continue
            xs: list[Arr | None] = []
            for i in n.inputs:
                if not e.var[i]:
                    xs.append(None)
                elif i in vals:
                    xs.append(vals[i])
                else:
                    b = self.box(i)
                    xs.append(np.broadcast_to(b.lo, (s,) + b.lo.shape))
            if k in self.affines:
                aff = self.affines[k]
                y = np.asarray(aff.fwd(xs), dtype=np.float64).reshape((s,) + tuple(n.shape))
                if aff.c is not None:
                    y = y + aff.c
                vals[k] = y
            elif k in self.lines:
                ln = self.lines[k]
                z = xs[0]
                assert z is not None
                zf = z.reshape(s, -1)
                al = ln.al[None] if k not in alpha else np.where(ln.amask[None], alpha[k], ln.al[None])  # type: ignore[index]
                y = np.where(lam >= 0, al * zf + ln.cl, ln.au * zf + ln.cu)
                vals[k] = y.reshape((s,) + tuple(n.shape))
            else:
                rule = e.rules[k]
                assert rule is not None
                vals[k] = rule.primal(self.ctx(k), br.lams[k], xs)
        return vals

    def optimise_alpha(self, K: int, rows: Lam, lb0: Arr, opt: AlphaOptions) -> tuple[Arr, dict[int, Arr], int]:
        nodes = self._alpha_nodes()
        s = lb0.size
        if not nodes:
            return lb0, {}, 0
        t0 = time.perf_counter()
        alpha = {k: np.broadcast_to(self.lines[k].al, (s, self.lines[k].al.size)).copy() for k in nodes}
        best = {k: a.copy() for k, a in alpha.items()}
        best_lb = np.full(s, -np.inf)
        m1 = {k: np.zeros_like(a) for k, a in alpha.items()}
        m2 = {k: np.zeros_like(a) for k, a in alpha.items()}
        b1, b2, eps = 0.9, 0.999, 1e-8
        it = 0
        for it in range(1, opt.iters + 1):
            br = self.backward(K, rows, alpha=alpha, record=True)
            lb = br.delta
            better = lb > best_lb
            if np.any(better):
                best_lb = np.where(better, lb, best_lb)
                for k in nodes:
                    best[k][better] = alpha[k][better]
            if it == opt.iters or (opt.seconds is not None and time.perf_counter() - t0 > opt.seconds):
                break
            if opt.stop is not None and opt.stop(best_lb):
                break
            vals = self.primal(K, br, alpha)
            for k in nodes:
                ln = self.lines[k]
                inp = self.e.nodes[k].inputs[0]
                lam = br.lams.get(k)
                if lam is None or inp not in vals:
                    continue
                g = np.maximum(lam.reshape(s, -1), 0.0) * vals[inp].reshape(s, -1)
                g = np.where(ln.amask[None], g, 0.0)  # type: ignore[index]
                m1[k] = b1 * m1[k] + (1 - b1) * g
                m2[k] = b2 * m2[k] + (1 - b2) * g * g
                mh = m1[k] / (1 - b1**it)
                vh = m2[k] / (1 - b2**it)
                alpha[k] = np.clip(alpha[k] + opt.lr * mh / (np.sqrt(vh) + eps), ln.amin[None], ln.amax[None])  # type: ignore[index]
        # the reported bound is recomputed with the slopes it claims
        final = self.backward(K, rows, alpha=best).delta
        return final, best, it
