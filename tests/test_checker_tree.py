"""The exact checker on split trees: input splits, relu splits, β multipliers, empty leaves.

The trees are built here, not by the branch-and-bound code: a small exact CROWN of the test's own
(Python ``Fraction`` loops, the relaxation of ``docs/certificate.md`` with the exact upper slope
``u/(u-l)``, path constraints and β terms as the document states) computes every leaf's bounds,
and the claims written are those exact bounds widened by ``1e-9 (1 + |v|)`` and rounded outward
to float64. The spec's thresholds are then set between the root's bound and the leaves' worst
bound, so the tree is needed: the same spec with the root leaf alone is rejected. Soundness is
also checked against onnxruntime at sampled inputs. Tampering with each kind of tree field is
rejected with the failing path named.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from test_checker import mlp_model, onnx_outputs, relu_ids, write_spec
from tlean.errors import TleanError
from tlean.onnx_import import import_model
from tlean.verify import cert as C
from tlean.verify.checker import check_certificate
from tlean.verify.vnnlib import read_vnnlib

VNN = Path(__file__).resolve().parents[1].parent / "shared" / "vnncomp2021"

# --------------------------------------------------------------------------------------------
# An exact CROWN with path constraints and β, of the test's own
# --------------------------------------------------------------------------------------------

Vec = list[Fraction]


def down(q: Fraction) -> float:
    """The largest float64 <= q."""
    f = float(q)
    return f if Fraction(f) <= q else math.nextafter(f, -math.inf)


def up(q: Fraction) -> float:
    f = float(q)
    return f if Fraction(f) >= q else math.nextafter(f, math.inf)


def widen_down(q: Fraction) -> float:
    return down(q - Fraction(1, 10**9) * (1 + abs(q)))


def widen_up(q: Fraction) -> float:
    return up(q + Fraction(1, 10**9) * (1 + abs(q)))


@dataclass
class Net:
    W: list[list[Vec]]  # W[k][o][i], exact values of the float32 weights
    b: list[Vec]

    @classmethod
    def of(cls, layers: list[Any]) -> Net:
        return cls([[[Fraction(float(v)) for v in row] for row in W] for W, _ in layers],
                   [[Fraction(float(v)) for v in bb] for _, bb in layers])  # fmt: skip


@dataclass
class Leaf:
    """One leaf's exact results: claimed intermediate bounds (floats) and per-row margin bounds."""

    lo: list[float]
    hi: list[float]
    splits: list[tuple[int, int, int]]  # (relu layer, neuron, sigma)
    relus: list[tuple[list[float], list[float]]] = field(default_factory=list)
    empty: bool = False
    cy: Vec = field(default_factory=list)  # exact lower bounds of (C y)_r (with beta)
    cy0: Vec = field(default_factory=list)  # the same without beta
    beta: list[list[float]] | None = None
    path: str = ""


def _phase(splits: list[tuple[int, int, int]], k: int, i: int) -> int:
    s = [sg for kk, ii, sg in splits if (kk, ii) == (k, i)]
    return -1 if -1 in s else (1 if s else 0)


def _concretize(lam: list[Vec], const: Vec, lo: Vec, hi: Vec) -> Vec:
    return [c + sum((a * (lo[i] if a > 0 else hi[i]) for i, a in enumerate(row)), Fraction(0))
            for row, c in zip(lam, const, strict=True)]  # fmt: skip


def exact_lower(net: Net, leaf: Leaf, k: int, lam: list[Vec], const: Vec,
                beta: list[list[Fraction]] | None = None) -> Vec:  # fmt: skip
    """Lower bounds of rows ``lam · z_k + const`` on the leaf's set: max of IBP and CROWN."""
    box_lo = [Fraction(v) for v in leaf.lo]
    box_hi = [Fraction(v) for v in leaf.hi]
    # IBP: h_{k-1} in its box, then through layer k
    if k == 0:
        h_lo, h_hi = box_lo, box_hi
    else:
        lw, uw = leaf.relus[k - 1]
        h_lo = [Fraction(0) if _phase(leaf.splits, k - 1, i) < 0 else max(Fraction(v), Fraction(0))
                for i, v in enumerate(lw)]  # fmt: skip
        h_hi = [Fraction(0) if _phase(leaf.splits, k - 1, i) < 0 else max(Fraction(v), Fraction(0))
                for i, v in enumerate(uw)]  # fmt: skip
    W, b = net.W[k], net.b[k]
    lam_h = [[sum((r[o] * W[o][i] for o in range(len(W))), Fraction(0)) for i in range(len(W[0]))] for r in lam]
    c_h = [c + sum((r[o] * b[o] for o in range(len(W))), Fraction(0)) for r, c in zip(lam, const, strict=True)]
    ibp = _concretize(lam_h, c_h, h_lo, h_hi)
    if k == 0:
        return ibp
    # CROWN: backward from h_{k-1}
    lam, const = lam_h, c_h
    for j in range(k - 1, -1, -1):
        lw, uw = leaf.relus[j]
        new_lam, new_const = [], []
        for r, (row, c) in enumerate(zip(lam, const, strict=True)):
            out = []
            for i, a in enumerate(row):
                ph, l_, u_ = _phase(leaf.splits, j, i), Fraction(lw[i]), Fraction(uw[i])
                if ph < 0 or (ph == 0 and l_ < 0 and u_ <= 0):
                    out.append(Fraction(0))
                elif ph > 0 or l_ >= 0:
                    out.append(a)
                elif a >= 0:
                    out.append(a if u_ > -l_ else Fraction(0))
                else:
                    s = u_ / (u_ - l_)
                    out.append(a * s)
                    c -= a * s * l_
            if beta is not None:  # β terms: - beta[r][m] · sigma_m · z_j[i_m] for constraints on relu j
                for m, (kk, i, sg) in enumerate(leaf.splits):
                    if kk == j:
                        out[i] -= beta[r][m] * sg
            new_lam.append(out)
            new_const.append(c)
        W, b = net.W[j], net.b[j]
        const = [c + sum((r[o] * b[o] for o in range(len(W))), Fraction(0)) for r, c in zip(new_lam, new_const,
                                                                                        strict=True)]  # fmt: skip
        lam = [[sum((r[o] * W[o][i] for o in range(len(W))), Fraction(0)) for i in range(len(W[0]))]
               for r in new_lam]  # fmt: skip
    crown = _concretize(lam, const, box_lo, box_hi)
    return [max(p, q) for p, q in zip(ibp, crown, strict=True)]


def solve_leaf(net: Net, leaf: Leaf, Cy: list[Vec], betas: tuple[float, ...] = (0.0,), clip: bool = True) -> Leaf:
    """Fills the leaf's claimed intermediate bounds and its best exact bounds of ``C y`` over β choices.

    ``clip=False`` writes a split neuron's bounds without the path constraint (still valid, looser).
    """
    n_relu = len(net.W) - 1
    for k in range(n_relu):
        n = len(net.W[k])
        eye = [[Fraction(int(i == o)) for i in range(n)] for o in range(n)]
        best = exact_lower(net, leaf, k, eye + [[-v for v in r] for r in eye], [Fraction(0)] * (2 * n))
        lo_k, hi_k = best[:n], [-v for v in best[n:]]
        for kk, i, sg in leaf.splits if clip else []:
            if kk == k and sg > 0:
                lo_k[i] = max(lo_k[i], Fraction(0))
            elif kk == k:
                hi_k[i] = min(hi_k[i], Fraction(0))
        lw, uw = [widen_down(v) for v in lo_k], [widen_up(v) for v in hi_k]
        leaf.relus.append((lw, uw))
        if any(a > c for a, c in zip(lw, uw, strict=True)):
            leaf.empty = True
            return leaf
    R, S = len(Cy), len(leaf.splits)
    if S == 0:
        leaf.cy = leaf.cy0 = exact_lower(net, leaf, n_relu, Cy, [Fraction(0)] * R)
        return leaf
    # β: per row, the best of a small grid of per-constraint values (rows are independent)
    per_row: list[tuple[Fraction, tuple[float, ...]]] = []
    for combo in itertools.product(betas, repeat=S):
        beta = [[Fraction(v) for v in combo]] * R
        cy = exact_lower(net, leaf, n_relu, Cy, [Fraction(0)] * R, beta)
        cand = [(q, combo) for q in cy]
        per_row = cand if not per_row else [o if o[0] >= c[0] else c for o, c in zip(per_row, cand, strict=True)]
    leaf.cy = [q for q, _ in per_row]
    leaf.beta = [list(c) for _, c in per_row]
    leaf.cy0 = exact_lower(net, leaf, n_relu, Cy, [Fraction(0)] * R)
    return leaf


# --------------------------------------------------------------------------------------------
# Trees: ("leaf",) | ("in", dim, [low, high]) | ("relu", layer, neuron, [inactive, active])
# --------------------------------------------------------------------------------------------


def build(net: Net, plan: Any, lo: list[float], hi: list[float], splits: list[tuple[int, int, int]],
          Cy: list[Vec], leaves: list[Leaf], betas: tuple[float, ...],
          path: str = "boxes[0].proof") -> Any:  # fmt: skip
    """Walks the plan; returns the tree with every leaf solved exactly (leaves collected in order)."""
    if plan[0] == "leaf":
        leaf = solve_leaf(net, Leaf(list(lo), list(hi), list(splits), path=path), Cy, betas)
        leaves.append(leaf)
        return leaf
    c0, c1 = f"{path}.children[0]", f"{path}.children[1]"
    if plan[0] == "in":
        d, kids = plan[1], plan[2]
        v = (lo[d] + hi[d]) / 2  # a float64 value, written exactly
        low = build(net, kids[0], lo, hi[:d] + [v] + hi[d + 1 :], splits, Cy, leaves, betas, c0)
        high = build(net, kids[1], lo[:d] + [v] + lo[d + 1 :], hi, splits, Cy, leaves, betas, c1)
        return ("in", d, v, [low, high])
    k, i, kids = plan[1], plan[2], plan[3]
    off = build(net, kids[0], lo, hi, splits + [(k, i, -1)], Cy, leaves, betas, c0)
    on = build(net, kids[1], lo, hi, splits + [(k, i, 1)], Cy, leaves, betas, c1)
    return ("relu", k, i, [off, on])


def to_proof(tree: Any, ids: list[int], spec_box: Any, sizes: list[int]) -> Any:
    """The certificate's proof node for a built tree (margins: ``C y - b`` of the spec's rows)."""
    if isinstance(tree, Leaf):
        b = [q for p in spec_box.polytopes for q in p.b]
        # an empty leaf stops at the relu whose bounds cross; later relus get unchecked filler
        claims = tree.relus + [([-1e308] * n, [1e308] * n) for n in sizes[len(tree.relus) :]]
        relus = [C.ReluBounds(node=nid, lower=C.F64Array.of(lw), upper=C.F64Array.of(uw))
                 for nid, (lw, uw) in zip(ids, claims, strict=True)]  # fmt: skip
        polys, r0 = [], 0
        for p in spec_box.polytopes:
            # an empty leaf refutes nothing: its margins are written as (provable) huge negatives
            m = [-1.7e308] * p.rows if tree.empty else [widen_down(tree.cy[r0 + r] - b[r0 + r]) for r in range(p.rows)]
            polys.append(C.PolytopeBound(lower=C.F64Array.of(m)))
            r0 += p.rows
        region = C.Region(lower=C.F64Array.of(tree.lo), upper=C.F64Array.of(tree.hi))
        beta = None if tree.beta is None else C.F64Array.of(np.array(tree.beta, dtype=np.float64))
        return C.BoundsLeaf(method="crown", region=region, relus=relus, polytopes=polys, beta=beta)
    if tree[0] == "in":
        return C.InputSplit(dim=tree[1], value=C.F64Array.of([tree[2]]),
                            children=[to_proof(c, ids, spec_box, sizes) for c in tree[3]])  # fmt: skip
    kids = [to_proof(c, ids, spec_box, sizes) for c in tree[3]]
    return C.ReluSplit(node=ids[tree[1]], index=tree[2], children=kids)


# --------------------------------------------------------------------------------------------
# The scenario: a 2-8-8-2 network, a tree, thresholds the tree proves and the root does not
# --------------------------------------------------------------------------------------------

CY = [[Fraction(1), Fraction(0)], [Fraction(0), Fraction(1)], [Fraction(1), Fraction(-1)]]  # y0 | y1, y0 - y1
LO, HI = [-0.5, -0.25], [0.25, 0.5]


def _unstable(net: Net, lo: list[float], hi: list[float], splits: list[tuple[int, int, int]]) -> list[int]:
    leaf = solve_leaf(net, Leaf(lo, hi, splits), CY)
    lw, uw = leaf.relus[0]
    return [i for i in range(len(lw)) if lw[i] < 0 < uw[i] and _phase(splits, 0, i) == 0]


def _relu_plan(net: Net, lo: list[float], hi: list[float], splits: list[tuple[int, int, int]], depth: int) -> Any:
    """Splits the first unstable neuron of relu layer 0, ``depth`` levels."""
    cand = _unstable(net, lo, hi, splits)
    if depth == 0 or not cand:
        return ("leaf",)
    i = cand[0]
    return ("relu", 0, i, [_relu_plan(net, lo, hi, splits + [(0, i, s)], depth - 1) for s in (-1, 1)])


def _input_plan(depth: int, d: int = 0) -> Any:
    if depth == 0:
        return ("leaf",)
    return ("in", d, [_input_plan(depth - 1, 1 - d), _input_plan(depth - 1, 1 - d)])


def _plan(net: Net, kind: str) -> Any:
    if kind == "input":
        return _input_plan(3)
    if kind == "relu":
        return _relu_plan(net, LO, HI, [], 2)
    # mixed: an input split, then relu splits in each half
    v = (LO[0] + HI[0]) / 2
    return ("in", 0, [_relu_plan(net, LO, [v, HI[1]], [], 2), _relu_plan(net, [v, LO[1]], HI, [], 1)])


@pytest.fixture(scope="module", params=["input", "relu", "mixed"])
def scenario(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    kind = request.param
    d = tmp_path_factory.mktemp(f"tree-{kind}")
    model, layers = mlp_model([2, 8, 8, 2], seed=7)
    mp = d / "net.onnx"
    onnx.save(model, mp)
    net = Net.of(layers)
    ids = relu_ids(mp)
    root = solve_leaf(net, Leaf(LO, HI, []), CY)
    leaves: list[Leaf] = []
    tree = build(net, _plan(net, kind), LO, HI, [], CY, leaves, betas=(0.0, 0.02, 0.1, 0.3))
    worst = [min(lf.cy[r] for lf in leaves if not lf.empty) for r in range(3)]
    # thresholds halfway between what the root alone proves and what every leaf proves
    t = [down((root.cy[r] + worst[r]) / 2 if worst[r] > root.cy[r] else worst[r] - Fraction(1, 100))
         for r in range(2)] + [1000.0]  # fmt: skip
    sp = d / "prop.vnnlib"
    # violation: y0 <= t0  or  (y1 <= t1 and y0 - y1 <= 1000); the last row never refutes
    write_spec(sp, np.array(LO), np.array(HI), [[({0: 1.0}, t[0])], [({1: 1.0}, t[1]), ({0: 1.0, 1: -1.0}, t[2])]])
    spec = read_vnnlib(sp)
    box = spec.boxes[0]
    sizes = [len(W) for W in net.W[:-1]]
    proof = to_proof(tree, ids, box, sizes)
    cert = C.Certificate(model=C.FileRef(sha256=import_model(mp).sha256), spec=C.FileRef(sha256=spec.sha256),
                         boxes=[C.BoxProof(box=0, proof=proof)], producer="tests/test_checker_tree.py")  # fmt: skip
    cp = d / "cert.json"
    C.write_cert(cert, cp)
    root_cert = C.Certificate(model=cert.model, spec=cert.spec, producer="root only",
                              boxes=[C.BoxProof(box=0, proof=to_proof(root, ids, box, sizes))])  # fmt: skip
    rp = d / "root.json"
    C.write_cert(root_cert, rp)
    return {"kind": kind, "model": mp, "spec": sp, "cert": cp, "root": rp, "proof": proof, "root_cy": root.cy,
            "worst": worst, "leaves": leaves, "t": t, "ids": ids}  # fmt: skip


def _edit(sc: dict[str, Any], tmp_path: Path, fn: Any) -> Any:
    data = json.loads(sc["cert"].read_text())
    fn(data["boxes"][0]["proof"])
    out = tmp_path / "t.json"
    out.write_text(json.dumps(data))
    return check_certificate(sc["model"], sc["spec"], out)


def _arr_set(arr: dict[str, Any], idx: Any, fn: Any) -> None:
    v = C.F64Array.model_validate(arr).to_numpy()
    v[idx] = fn(v[idx])
    arr.update(C.F64Array.of(v).model_dump())


def _nodes(node: dict[str, Any], path: str = "boxes[0].proof") -> list[tuple[dict[str, Any], str]]:
    """Every node of a JSON proof tree with its path, depth first, children in order."""
    out = [(node, path)]
    for c, ch in enumerate(node.get("children", [])):
        out += _nodes(ch, f"{path}.children[{c}]")
    return out


# --------------------------------------------------------------------------------------------
# Acceptance
# --------------------------------------------------------------------------------------------


def test_tree_is_accepted_and_needed(scenario: dict[str, Any]) -> None:
    res = check_certificate(scenario["model"], scenario["spec"], scenario["cert"])
    assert res.accepted, (res.field, res.message)
    assert res.leaves == len(scenario["leaves"]) >= 3
    # the root alone does not prove the spec: a threshold lies above its bound
    assert any(scenario["root_cy"][r] < scenario["worst"][r] for r in range(2))
    root = check_certificate(scenario["model"], scenario["spec"], scenario["root"])
    assert not root.accepted and root.field is not None and root.field.startswith("boxes[0].proof.polytopes[")


def test_property_holds_under_onnxruntime(scenario: dict[str, Any]) -> None:
    rng = np.random.default_rng(1)
    xs = rng.uniform(LO, HI, size=(400, 2))
    ys = onnx_outputs(scenario["model"], xs).astype(np.float64)
    t = scenario["t"]
    violated = (ys[:, 0] <= t[0]) | ((ys[:, 1] <= t[1]) & (ys[:, 0] - ys[:, 1] <= t[2]))
    assert not violated.any()


def test_beta_is_used_with_the_documented_sign(scenario: dict[str, Any], tmp_path: Path) -> None:
    """The claims were computed with β; without β the checker must fail exactly where β helped."""
    helped = [(lf.path, r) for lf in scenario["leaves"] if not lf.empty
              for r in range(3) if lf.cy0[r] + Fraction(1, 10**6) < lf.cy[r]]  # fmt: skip
    if scenario["kind"] == "input":
        assert not helped
        return
    assert helped, "beta > 0 never helps in this tree"

    def drop(p: dict[str, Any]) -> None:
        for node, _ in _nodes(p):
            node.pop("beta", None)

    res = _edit(scenario, tmp_path, drop)
    path, r = helped[0]
    want = f"{path}.polytopes[0].lower[0]" if r == 0 else f"{path}.polytopes[1].lower[{r - 1}]"
    assert not res.accepted and res.field == want, (res.field, res.message)


# --------------------------------------------------------------------------------------------
# Tampering with each kind of tree field
# --------------------------------------------------------------------------------------------


def _first(p: dict[str, Any], kind: str) -> tuple[dict[str, Any], str]:
    for node, path in _nodes(p):
        if node["kind"] == kind:
            return node, path
    pytest.skip(f"no {kind} node in this tree")


def test_missing_child_is_rejected(scenario: dict[str, Any], tmp_path: Path) -> None:
    proof = json.loads(scenario["cert"].read_text())["boxes"][0]["proof"]
    for kind in ("input-split", "relu-split"):
        if not any(n["kind"] == kind for n, _ in _nodes(proof)):
            continue
        _, path = _first(proof, kind)
        for c in (0, 1):
            res = _edit(scenario, tmp_path, lambda p, c=c, path=path: _at(p, path)["children"].pop(c))
            assert not res.accepted and res.field == f"{path}.children", (res.field, res.message)


def _at(p: dict[str, Any], path: str) -> dict[str, Any]:
    return dict((q, n) for n, q in _nodes(p))[path]


def test_input_split_value_changed_by_one_ulp_is_rejected(scenario: dict[str, Any], tmp_path: Path) -> None:
    proof = json.loads(scenario["cert"].read_text())["boxes"][0]["proof"]
    node, path = _first(proof, "input-split")
    # up by one ulp: the LOW side grows past its leaves' regions (a gap on the HIGH side is the same
    # thing seen from the other child); down by one ulp: the HIGH side grows
    for step, child in ((math.inf, 0), (-math.inf, 1)):
        res = _edit(scenario, tmp_path, lambda p, s=step: _arr_set(_at(p, path)["value"], 0,
                                                                   lambda v: math.nextafter(v, s)))  # fmt: skip
        d = node["dim"]
        side = "upper" if child == 0 else "lower"
        assert not res.accepted
        assert res.field is not None and res.field.startswith(f"{path}.children[{child}]"), res.field
        assert res.field.endswith(f".region.{side}[{d}]"), res.field


def test_gapped_and_outside_input_splits_are_rejected(scenario: dict[str, Any], tmp_path: Path) -> None:
    proof = json.loads(scenario["cert"].read_text())["boxes"][0]["proof"]
    node, path = _first(proof, "input-split")
    d = node["dim"]
    # a gap: the first leaf under LOW stops short of its path region's upper bound of dim d
    leaf_path = _first_leaf_path_json(_at(proof, path)["children"][0], f"{path}.children[0]")
    res = _edit(scenario, tmp_path, lambda p: _arr_set(_at(p, leaf_path)["region"]["upper"], d,
                                                       lambda v: v - 1e-3))  # fmt: skip
    assert not res.accepted and res.field == f"{leaf_path}.region.upper[{d}]", res.field
    # a split value outside the path region
    res = _edit(scenario, tmp_path, lambda p: _at(p, path)["value"].update(C.F64Array.of([5.0]).model_dump()))
    assert not res.accepted and res.field == f"{path}.value", res.field
    res = _edit(scenario, tmp_path, lambda p: _at(p, path).update(dim=2))
    assert not res.accepted and res.field == f"{path}.dim", res.field


def _first_leaf_path_json(node: dict[str, Any], path: str) -> str:
    while node["kind"] != "bounds":
        node, path = node["children"][0], f"{path}.children[0]"
    return path


def test_relu_split_flipped_or_moved_is_rejected(scenario: dict[str, Any], tmp_path: Path) -> None:
    proof = json.loads(scenario["cert"].read_text())["boxes"][0]["proof"]
    node, path = _first(proof, "relu-split")
    res = _edit(scenario, tmp_path, lambda p: _at(p, path)["children"].reverse())
    assert not res.accepted and res.field is not None and res.field.startswith(f"{path}.children[0]"), res.field
    res = _edit(scenario, tmp_path, lambda p: _at(p, path).update(index=(node["index"] + 1) % 8))
    assert not res.accepted and res.field is not None and res.field.startswith(path), res.field
    res = _edit(scenario, tmp_path, lambda p: _at(p, path).update(index=8))
    assert not res.accepted and res.field == f"{path}.index", res.field
    res = _edit(scenario, tmp_path, lambda p: _at(p, path).update(node=0))
    assert not res.accepted and res.field == f"{path}.node", res.field


def _beta_leaf(scenario: dict[str, Any]) -> tuple[str, tuple[int, int]]:
    proof = json.loads(scenario["cert"].read_text())["boxes"][0]["proof"]
    for node, path in _nodes(proof):
        if node["kind"] == "bounds" and "beta" in node:
            b = C.F64Array.model_validate(node["beta"]).to_numpy()
            if b.size and b.max() > 0:
                r, j = np.unravel_index(int(np.argmax(b)), b.shape)
                return path, (int(r), int(j))
    pytest.skip("no leaf with beta > 0")


def test_beta_negative_or_changed_is_rejected(scenario: dict[str, Any], tmp_path: Path) -> None:
    path, (r, j) = _beta_leaf(scenario)
    res = _edit(scenario, tmp_path, lambda p: _arr_set(_at(p, path)["beta"], (r, j), lambda v: -v))
    assert not res.accepted and res.field == f"{path}.beta[{r}, {j}]", res.field
    res = _edit(scenario, tmp_path, lambda p: _arr_set(_at(p, path)["beta"], (r, j), lambda v: 1000.0))
    assert not res.accepted and res.field is not None and res.field.startswith(f"{path}.polytopes["), res.field
    res = _edit(scenario, tmp_path, lambda p: _at(p, path)["beta"].update(shape=[1, 1], data=C.F64Array.of(
        [[0.0]]).data))  # fmt: skip
    assert not res.accepted and res.field == f"{path}.beta", res.field


@pytest.mark.parametrize("what", ["relu-lower", "relu-upper", "margin", "missing-polytope", "region"])
def test_leaf_tampering_is_rejected_at_its_path(scenario: dict[str, Any], tmp_path: Path, what: str) -> None:
    proof = json.loads(scenario["cert"].read_text())["boxes"][0]["proof"]
    leaves = [(n, q) for n, q in _nodes(proof) if n["kind"] == "bounds" and n["polytopes"][0]["lower"]]
    live = [(n, q) for n, q in leaves if C.F64Array.model_validate(n["polytopes"][0]["lower"]).to_numpy()[0] > -1e300]
    node, path = live[-1]  # the last non-empty leaf: every leaf before it must pass first
    if what == "relu-lower":
        res = _edit(scenario, tmp_path, lambda p: _arr_set(_at(p, path)["relus"][1]["lower"], 3, lambda v: v + 1e-3))
        want = f"{path}.relus[1].lower[3]"
    elif what == "relu-upper":
        res = _edit(scenario, tmp_path, lambda p: _arr_set(_at(p, path)["relus"][0]["upper"], 5, lambda v: v - 1e-3))
        want = f"{path}.relus[0].upper[5]"
    elif what == "margin":
        res = _edit(scenario, tmp_path, lambda p: _arr_set(_at(p, path)["polytopes"][1]["lower"], 0,
                                                           lambda v: v + 1e-3))  # fmt: skip
        want = f"{path}.polytopes[1].lower[0]"
    elif what == "missing-polytope":
        res = _edit(scenario, tmp_path, lambda p: _at(p, path)["polytopes"].pop())
        want = f"{path}.polytopes"
    else:
        res = _edit(scenario, tmp_path, lambda p: _arr_set(_at(p, path)["region"]["lower"], 1, lambda v: v + 1e-3))
        want = f"{path}.region.lower[1]"
    assert not res.accepted and res.field == want, (res.field, res.message)


# --------------------------------------------------------------------------------------------
# Empty leaves: a relu split on a neuron that is stable over the box
# --------------------------------------------------------------------------------------------


def test_empty_leaf_is_accepted_only_when_its_bounds_verify(tmp_path: Path) -> None:
    model, layers = mlp_model([2, 8, 8, 2], seed=7)
    mp = tmp_path / "net.onnx"
    onnx.save(model, mp)
    net, ids = Net.of(layers), relu_ids(mp)
    root = solve_leaf(net, Leaf(LO, HI, []), CY)
    lw, uw = root.relus[0]
    stable = [(i, -1) for i in range(8) if lw[i] > 1e-6] + [(i, 1) for i in range(8) if uw[i] < -1e-6]
    assert stable, "no stable neuron in relu layer 0"
    i, empty_side = stable[0]  # the child whose constraint contradicts the neuron's phase
    leaves: list[Leaf] = []
    tree = build(net, ("relu", 0, i, [("leaf",), ("leaf",)]), LO, HI, [], CY, leaves, betas=(0.0,))
    empty = leaves[0 if empty_side < 0 else 1]
    assert empty.empty and not leaves[1 if empty_side < 0 else 0].empty
    t = [down(root.cy[0] - Fraction(1, 100)), down(root.cy[1] - Fraction(1, 100)), 1000.0]
    sp = tmp_path / "p.vnnlib"
    write_spec(sp, np.array(LO), np.array(HI), [[({0: 1.0}, t[0])], [({1: 1.0}, t[1]), ({0: 1.0, 1: -1.0}, t[2])]])
    spec = read_vnnlib(sp)
    proof = to_proof(tree, ids, spec.boxes[0], [8, 8])
    cert = C.Certificate(model=C.FileRef(sha256=import_model(mp).sha256), spec=C.FileRef(sha256=spec.sha256),
                         boxes=[C.BoxProof(box=0, proof=proof)])  # fmt: skip
    cp = tmp_path / "c.json"
    C.write_cert(cert, cp)
    res = check_certificate(mp, sp, cp)
    assert res.accepted and res.empty_leaves == 1 and res.leaves == 2, (res.field, res.message)
    # the emptiness rests on the verified bounds: widen the crossing claim and the (not refuting) polytopes fail
    c = 0 if empty_side < 0 else 1
    sc = {"model": mp, "spec": sp, "cert": cp}
    path = f"boxes[0].proof.children[{c}]"
    if empty_side < 0:  # z <= 0 imposed on a neuron with z >= lw > 0: lower the claimed lower below 0
        res = _edit(sc, tmp_path, lambda p: _arr_set(_at(p, path)["relus"][0]["lower"], i, lambda v: -1.0))
    else:
        res = _edit(sc, tmp_path, lambda p: _arr_set(_at(p, path)["relus"][0]["upper"], i, lambda v: 1.0))
    assert not res.accepted and res.field == f"{path}.polytopes[0]", (res.field, res.message)
    # a crossing claim that is not provable is rejected at that claim
    if empty_side < 0:
        res = _edit(sc, tmp_path, lambda p: _arr_set(_at(p, path)["relus"][0]["upper"], i, lambda v: -1.0))
        assert not res.accepted and res.field == f"{path}.relus[0].upper[{i}]", (res.field, res.message)
    else:
        res = _edit(sc, tmp_path, lambda p: _arr_set(_at(p, path)["relus"][0]["lower"], i, lambda v: 1.0))
        assert not res.accepted and res.field == f"{path}.relus[0].lower[{i}]", (res.field, res.message)


# --------------------------------------------------------------------------------------------
# Certificates written by the branch-and-bound code
# --------------------------------------------------------------------------------------------


def _bab_case(tmp_path: Path, n_in: int, width: int, frac: float) -> dict[str, Any]:
    """A network and a spec between CROWN's bound and the sampled minimum of y0 - y1."""
    model, layers = mlp_model([n_in, width, width, 2], seed=0)
    mp = tmp_path / "net.onnx"
    onnx.save(model, mp)
    lo, hi = np.full(n_in, -0.1), np.full(n_in, 0.1)
    net = Net.of(layers)
    crown = float(solve_leaf(net, Leaf(list(lo), list(hi), []), [[Fraction(1), Fraction(-1)]]).cy[0])
    xs = np.random.default_rng(0).uniform(lo, hi, size=(5000, n_in))
    ys = onnx_outputs(mp, xs).astype(np.float64)
    smin = float((ys[:, 0] - ys[:, 1]).min())
    t = crown + frac * (smin - crown)
    sp = tmp_path / "p.vnnlib"
    write_spec(sp, lo, hi, [[({0: 1.0, 1: -1.0}, t)]])
    return {"model": mp, "spec": sp, "cert": tmp_path / "c.json"}


@pytest.mark.parametrize("n_in,width,frac,mode", [(3, 12, 0.5, "input"), (20, 12, 0.4, "relu")])
def test_branch_and_bound_certificate_is_accepted(tmp_path: Path, n_in: int, width: int, frac: float,
                                                  mode: str) -> None:  # fmt: skip
    bab = pytest.importorskip("tlean.verify.bab")
    pytest.importorskip("torch")
    sc = _bab_case(tmp_path, n_in, width, frac)
    opts = bab.BabOptions(alpha_iters_root=5, alpha_iters=3)
    r = bab.bab_verify(sc["model"], sc["spec"], timeout=60, cert=sc["cert"], options=opts)
    assert r.result == "unsat" and r.stats["boxes"][0]["mode"] == mode, (r.result, r.stats, r.notes)
    res = check_certificate(sc["model"], sc["spec"], sc["cert"])
    assert res.accepted, (res.field, res.message)
    assert res.leaves >= 2, "the instance should need a split"
    # and a tampered margin in the last leaf is rejected, naming that leaf
    proof = json.loads(sc["cert"].read_text())["boxes"][0]["proof"]
    leaves = [n for n, _ in _nodes(proof) if n["kind"] == "bounds"]
    # input splitting optimises α on the spec rows of sub-boxes CROWN leaves open: such leaves
    # carry their slopes and the checker accepted them above
    assert any(any(e.get("alpha") for e in n["relus"]) for n in leaves)
    node, path = [(n, q) for n, q in _nodes(proof) if n["kind"] == "bounds"][-1]
    res = _edit(sc, tmp_path, lambda p: _arr_set(_at(p, path)["polytopes"][0]["lower"], 0, lambda v: v + 1.0))
    assert not res.accepted and res.field == f"{path}.polytopes[0].lower[0]", (res.field, res.message)


def test_neuron_split_twice_on_a_path(tmp_path: Path) -> None:
    """Both phases of one neuron on a path: the set is z = 0 (not empty); inactive wins, h = 0."""
    model, layers = mlp_model([2, 8, 8, 2], seed=7)
    mp = tmp_path / "net.onnx"
    onnx.save(model, mp)
    net, ids = Net.of(layers), relu_ids(mp)
    i = _unstable(net, LO, HI, [])[0]
    leaves: list[Leaf] = []
    plan = ("relu", 0, i, [("relu", 0, i, [("leaf",), ("leaf",)]), ("leaf",)])
    tree = build(net, plan, LO, HI, [], CY, leaves, betas=(0.0, 0.1))
    both = leaves[1]  # constraints z <= 0 then z >= 0
    assert [s for _, _, s in both.splits] == [-1, 1] and not both.empty
    assert both.relus[0][0][i] <= 0 <= both.relus[0][1][i] and both.relus[0][1][i] < 1e-6
    worst = [min(lf.cy[r] for lf in leaves) for r in range(2)]
    t = [down(worst[0] - Fraction(1, 100)), down(worst[1] - Fraction(1, 100)), 1000.0]
    sp = tmp_path / "p.vnnlib"
    write_spec(sp, np.array(LO), np.array(HI), [[({0: 1.0}, t[0])], [({1: 1.0}, t[1]), ({0: 1.0, 1: -1.0}, t[2])]])
    spec = read_vnnlib(sp)
    proof = to_proof(tree, ids, spec.boxes[0], [8, 8])
    cert = C.Certificate(model=C.FileRef(sha256=import_model(mp).sha256), spec=C.FileRef(sha256=spec.sha256),
                         boxes=[C.BoxProof(box=0, proof=proof)])  # fmt: skip
    cp = tmp_path / "c.json"
    C.write_cert(cert, cp)
    res = check_certificate(mp, sp, cp)
    assert res.accepted and res.leaves == 3 and res.empty_leaves == 0, (res.field, res.message)
    # clipping both ways gives exactly [0, 0] at best: a claimed lower above 0 is not provable
    path = "boxes[0].proof.children[0].children[1]"
    sc = {"model": mp, "spec": sp, "cert": cp}
    res = _edit(sc, tmp_path, lambda p: _arr_set(_at(p, path)["relus"][0]["lower"], i, lambda v: 1e-3))
    assert not res.accepted and res.field == f"{path}.relus[0].lower[{i}]", (res.field, res.message)


@pytest.mark.parametrize("scenario", ["relu"], indirect=True)
def test_too_deep_trees_are_clear_rejections_or_errors(scenario: dict[str, Any], tmp_path: Path) -> None:
    data = json.loads(scenario["cert"].read_text())
    leaf = data["boxes"][0]["proof"]["children"][0]
    while leaf["kind"] != "bounds":
        leaf = leaf["children"][0]
    for depth, rejected in ((260, True), (700, False)):
        node = leaf
        for _ in range(depth):
            node = {"kind": "relu-split", "node": scenario["ids"][0], "index": 0, "children": [node, leaf]}
        data["boxes"][0]["proof"] = node
        out = tmp_path / "deep.json"
        # json.dumps itself recurses; raise the limit for writing only
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(10_000)
        try:
            out.write_text(json.dumps(data))
        finally:
            sys.setrecursionlimit(limit)
        if rejected:
            res = check_certificate(scenario["model"], scenario["spec"], out)
            assert not res.accepted and res.field == "boxes[0].proof" and "deeply" in res.message
        else:
            with pytest.raises(TleanError, match="nested too deeply"):
                check_certificate(scenario["model"], scenario["spec"], out)


def test_phases_are_part_of_what_a_leaf_derives(tmp_path: Path) -> None:
    """Siblings with the same region and the same (unclipped) claims for relu 0 but opposite phases
    derive different bounds for relu 1: claims valid only under the other phase are rejected."""
    model, layers = mlp_model([2, 8, 8, 2], seed=7)
    mp = tmp_path / "net.onnx"
    onnx.save(model, mp)
    net, ids = Net.of(layers), relu_ids(mp)
    i = _unstable(net, LO, HI, [])[0]
    off = solve_leaf(net, Leaf(LO, HI, [(0, i, -1)]), CY, clip=False)
    on = solve_leaf(net, Leaf(LO, HI, [(0, i, 1)]), CY, clip=False)
    assert off.relus[0] == on.relus[0]  # the same claims for relu 0 in both children
    worst = [min(off.cy[r], on.cy[r]) for r in range(2)]
    t = [down(worst[0] - Fraction(1, 100)), down(worst[1] - Fraction(1, 100)), 1000.0]
    sp = tmp_path / "p.vnnlib"
    write_spec(sp, np.array(LO), np.array(HI), [[({0: 1.0}, t[0])], [({1: 1.0}, t[1]), ({0: 1.0, 1: -1.0}, t[2])]])
    spec = read_vnnlib(sp)
    proof = to_proof(("relu", 0, i, [off, on]), ids, spec.boxes[0], [8, 8])
    cert = C.Certificate(model=C.FileRef(sha256=import_model(mp).sha256), spec=C.FileRef(sha256=spec.sha256),
                         boxes=[C.BoxProof(box=0, proof=proof)])  # fmt: skip
    cp = tmp_path / "c.json"
    C.write_cert(cert, cp)
    sc = {"model": mp, "spec": sp, "cert": cp}
    res = check_certificate(mp, sp, cp)
    assert res.accepted, (res.field, res.message)
    # give the ACTIVE child the INACTIVE child's relu-1 claims: some are not provable under z >= 0
    bad = [j for j in range(8) if off.relus[1][0][j] > on.relus[1][0][j] + 1e-6]
    bad_up = [j for j in range(8) if off.relus[1][1][j] < on.relus[1][1][j] - 1e-6]
    assert bad or bad_up
    path = "boxes[0].proof.children[1]"

    def swap(p: dict[str, Any]) -> None:
        src = _at(p, "boxes[0].proof.children[0]")["relus"][1]
        _at(p, path)["relus"][1].update(lower=src["lower"], upper=src["upper"])

    res = _edit(sc, tmp_path, swap)
    first = min([(j, "lower") for j in bad] + [(j, "upper") for j in bad_up])
    assert not res.accepted and res.field == f"{path}.relus[1].{first[1]}[{first[0]}]", (res.field, res.message)


def test_overlapping_leaf_region_is_sound_and_checked_over_its_own_region(tmp_path: Path) -> None:
    """A leaf region larger than its path region (overlapping its sibling) is accepted when its
    claims hold over it; its claims are derived over its own region, not its sibling's."""
    model, layers = mlp_model([2, 8, 8, 2], seed=7)
    mp = tmp_path / "net.onnx"
    onnx.save(model, mp)
    net, ids = Net.of(layers), relu_ids(mp)
    v = (LO[0] + HI[0]) / 2
    low = solve_leaf(net, Leaf(LO, [v, HI[1]], []), CY)
    high = solve_leaf(net, Leaf(LO, HI, []), CY)  # the whole box: same lower corner as LOW
    worst = [min(low.cy[r], high.cy[r]) for r in range(2)]
    t = [down(worst[0] - Fraction(1, 100)), down(worst[1] - Fraction(1, 100)), 1000.0]
    sp = tmp_path / "p.vnnlib"
    write_spec(sp, np.array(LO), np.array(HI), [[({0: 1.0}, t[0])], [({1: 1.0}, t[1]), ({0: 1.0, 1: -1.0}, t[2])]])
    spec = read_vnnlib(sp)
    proof = to_proof(("in", 0, v, [low, high]), ids, spec.boxes[0], [8, 8])
    cert = C.Certificate(model=C.FileRef(sha256=import_model(mp).sha256), spec=C.FileRef(sha256=spec.sha256),
                         boxes=[C.BoxProof(box=0, proof=proof)])  # fmt: skip
    cp = tmp_path / "c.json"
    C.write_cert(cert, cp)
    res = check_certificate(mp, sp, cp)
    assert res.accepted and res.leaves == 2, (res.field, res.message)
    # the LOW leaf's tighter relu-0 claims do not hold over the larger region
    tighter = [(j, "lower") for j in range(8) if low.relus[0][0][j] > high.relus[0][0][j] + 1e-6]
    tighter += [(j, "upper") for j in range(8) if low.relus[0][1][j] < high.relus[0][1][j] - 1e-6]
    assert tighter
    path = "boxes[0].proof.children[1]"

    def copy_low(p: dict[str, Any]) -> None:
        src = _at(p, "boxes[0].proof.children[0]")["relus"][0]
        _at(p, path)["relus"][0].update(lower=src["lower"], upper=src["upper"])

    res = _edit({"model": mp, "spec": sp, "cert": cp}, tmp_path, copy_low)
    j, side = min(tighter)
    assert not res.accepted and res.field == f"{path}.relus[0].{side}[{j}]", (res.field, res.message)
