"""Branch and bound (``tlean.verify.bab``, ``tlean.verify.bab_chain``) on self-built networks.

Oracles: exact rational evaluation of the network (``tests/bounds_support.exact_eval``) for the
soundness of every batched bound (with splits, α and β); the independent exact checker
(``tlean.verify.checker``) for every split-tree certificate; onnxruntime (through
``tlean.verify.falsify.confirm``) for witnesses; VNN-COMP 2021's ``truth.csv`` when the data is
present (skipped otherwise).
"""

from __future__ import annotations

import base64
import json
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

from tlean.verify import bab as B  # noqa: E402
from tlean.verify import bab_chain as bc  # noqa: E402
from tlean.verify.checker import check_certificate  # noqa: E402
from tlean.verify.falsify import load_model  # noqa: E402
from tlean.verify.vnnlib import read_vnnlib  # noqa: E402

from tests.bounds_support import exact_eval  # noqa: E402
from tests.test_falsify import mlp, ort_run, spec_text  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "vnncomp2021"


def _pre_acts(net: bc.Chain, x: np.ndarray) -> list[list[Fraction]]:
    """Exact pre-activations of every layer (relu inputs, then the output) at a float64 point."""
    h = [Fraction(float(v)) for v in net.pre_point(x[None])[0]]
    out = []
    for k in range(len(net.W)):
        W = net.W[k].numpy()
        b = net.b[k].numpy()
        z = [sum((Fraction(float(W[i, j])) * h[j] for j in range(len(h)) if W[i, j]), Fraction(float(b[i])))
             for i in range(W.shape[0])]
        out.append(z)
        h = [max(v, Fraction(0)) for v in z]
    return out


@pytest.mark.parametrize("seed", range(4))
def test_batched_bounds_with_splits_alpha_beta_hold_exactly(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    model = mlp(tmp_path / "m.onnx", sizes=(3, 7, 6, 5, 2), seed=seed)
    fm = load_model(model)
    net = bc.extract_chain(fm.graph, fm.params)
    nb = 4
    c = rng.uniform(-1, 1, (nb, 3))
    w = rng.uniform(0.05, 0.6, (nb, 3))
    lo, hi = c - w, c + w
    # random split constraints on the first two relu layers
    sig = [np.zeros((nb, n), dtype=np.int8) for n in net.widths[:-1]]
    for k in range(2):
        for b in range(nb):
            i = rng.integers(net.widths[k])
            sig[k][b, i] = rng.choice([-1, 1])
    P = bc.Problems(torch.as_tensor(lo), torch.as_tensor(hi), [torch.as_tensor(s) for s in sig])
    with torch.no_grad():
        bounds = bc.intermediate_bounds(net, P)
        fwd = bc.intermediate_bounds_fwd(net, P)
        # re-bounding from a per-problem layer with arbitrary intermediate slopes in [0, 1]
        slopes = [[torch.as_tensor(rng.uniform(0, 1, (2 * net.widths[k], net.widths[j]))) for j in range(k)]
                  for k in range(net.n_relu)]
        starts = torch.as_tensor(rng.integers(0, net.n_relu + 1, nb))
        loose = [(lz - 1.0, u + 1.0) for lz, u in bounds]  # what the re-bounded layers start from
        refined = bc.intermediate_bounds(net, P, start=starts, old=loose, slopes=slopes)
    C = torch.as_tensor(rng.choice([-1.0, 0.0, 1.0], (3, 2)))
    d = torch.as_tensor(rng.uniform(-0.5, 0.5, 3))
    R = 3
    alpha = [torch.as_tensor(rng.uniform(0, 1, (nb, R, n))) for n in net.widths[:-1]]
    beta = [torch.as_tensor(rng.uniform(0, 2, (nb, R, n))) for n in net.widths[:-1]]
    with torch.no_grad():
        lb, _ = bc.spec_bounds(net, P, bounds, C, d, alpha=alpha, beta=beta)
    checked = 0
    for b in range(nb):
        xs = rng.uniform(lo[b], hi[b], (200, 3))
        xs = np.concatenate([xs, np.array([lo[b], hi[b]])])
        for x in xs:
            z = _pre_acts(net, x)
            if any((s > 0 and z[k][i] < 0) or (s < 0 and z[k][i] > 0)
                   for k in range(net.n_relu) for i, s in enumerate(sig[k][b])):
                continue  # outside the constrained set
            checked += 1
            for k in range(net.n_relu):
                for i in range(net.widths[k]):
                    for bl in (bounds, fwd, refined):
                        assert Fraction(float(bl[k][0][b, i])) <= z[k][i] <= Fraction(float(bl[k][1][b, i]))
            y = z[-1]
            for r in range(R):
                exact = sum((Fraction(float(C[r, j])) * y[j] for j in range(2)), Fraction(0)) - Fraction(float(d[r]))
                assert Fraction(float(lb[b, r])) <= exact
    assert checked > 20


def _exact_first_layer_bound(
    net: bc.Chain, r: int, lo: np.ndarray, hi: np.ndarray, l0: np.ndarray, u0: np.ndarray, alpha: np.ndarray,
    s: np.ndarray, sig0: np.ndarray,
) -> Fraction:
    """The CROWN lower bound of row ``r`` of relu 1's input (``r < n1``: ``z_1[r]``, else
    ``-z_1[r - n1]``) in exact rationals: relu 0 relaxed with slopes ``alpha[r]`` and upper
    slopes ``s`` on the neurons unstable in ``[l0, u0]`` and not split, exact where split."""
    W0, b0, W1, b1 = (t.numpy() for t in (net.W[0], net.b[0], net.W[1], net.b[1]))
    n1 = W1.shape[0]
    sgn, i = (1, r) if r < n1 else (-1, r - n1)
    F = Fraction
    const = sgn * F(float(b1[i]))
    coef = [F(0)] * W0.shape[1]
    for n in range(W0.shape[0]):
        lam = sgn * F(float(W1[i, n]))
        if sig0[n] < 0 or u0[n] <= 0:  # as `relax` reads it: inactive first
            new = F(0)
        elif sig0[n] > 0 or l0[n] >= 0:
            new = lam
        else:
            new = lam * (F(float(alpha[r, n])) if lam >= 0 else F(float(s[n])))
            if new < 0:
                const += new * -F(float(l0[n]))
        const += new * F(float(b0[n]))
        for j in range(W0.shape[1]):
            coef[j] += new * F(float(W0[n, j]))
    return const + sum((min(c * F(float(a)), c * F(float(b))) for c, a, b in zip(coef, lo, hi, strict=True)),
                       F(0))


@pytest.mark.parametrize("seed", range(3))
def test_first_layer_table_is_the_backward_pass_and_below_the_exact_crown_bound(tmp_path: Path, seed: int) -> None:
    """Relu 1's re-bounding as a rank-d update (:class:`bab_chain.FirstLayerTable`): the same
    bounds as the backward pass with the same slopes (up to its rounding allowance), never
    above the exact rational CROWN bound, and sound at sampled points of each sub-problem."""
    rng = np.random.default_rng(seed)
    model = mlp(tmp_path / "m.onnx", sizes=(5, 14, 9, 2), seed=seed)
    fm = load_model(model)
    net = bc.extract_chain(fm.graph, fm.params)
    c = rng.uniform(-1, 1, 5)
    lo, hi = c - 0.6, c + 0.6
    tlo, thi = torch.as_tensor(lo), torch.as_tensor(hi)
    n0, n1 = net.widths[0], net.widths[1]
    P1 = bc.Problems(tlo[None], thi[None], [torch.zeros((1, w), dtype=torch.int8) for w in net.widths[:-1]])
    with torch.no_grad():
        root = bc.intermediate_bounds(net, P1)
    l0, u0 = root[0][0][0], root[0][1][0]
    unst = np.nonzero(((l0 < 0) & (u0 > 0)).numpy())[0]
    assert len(unst) >= 4
    alpha = torch.as_tensor(rng.uniform(0, 1, (2 * n1, n0)))
    slopes = [[], [alpha]]
    table = bc.first_layer_table(net, tlo, thi, l0, u0, alpha)
    assert table is not None
    nb = 6
    sig0 = np.zeros((nb, n0), dtype=np.int8)
    for b in range(1, nb):  # sub-problem 0: no split
        ch = rng.choice(unst, rng.integers(1, len(unst) + 1), replace=False)
        sig0[b, ch] = rng.choice([-1, 1], len(ch))
    sig = [torch.as_tensor(sig0), torch.zeros((nb, n1), dtype=torch.int8)]
    P = bc.Problems(tlo.expand(nb, -1), thi.expand(nb, -1), sig)
    loose = [(root[0][0].expand(nb, -1), root[0][1].expand(nb, -1)),
             (root[1][0].expand(nb, -1) - 10.0, root[1][1].expand(nb, -1) + 10.0)]  # every neuron re-bounded
    rows = torch.arange(2 * n1).expand(nb, -1)
    with torch.no_grad():
        via_table = table.lower(rows, P.sigma[0])
        back = bc.intermediate_bounds(net, P, start=1, old=loose, slopes=slopes)
        used = bc.intermediate_bounds(net, P, start=1, old=loose, slopes=slopes, table=table)
        eye = torch.eye(n1, dtype=torch.float64)
        back_lb = bc._chunked_backward(net, torch.cat([eye, -eye])[None].expand(nb, -1, -1), 1, P, back,
                                       alpha=[alpha[None].expand(nb, -1, -1)])
    assert torch.allclose(via_table, back_lb, rtol=0, atol=float(table.err.max()) * 2 + 1e-12)
    tol = float(table.err.max()) * 2 + 1e-12
    assert torch.allclose(used[1][0], back[1][0], rtol=0, atol=tol)  # the search's path through the table
    assert torch.allclose(used[1][1], back[1][1], rtol=0, atol=tol)
    _, _, _, s = bc.relax(l0[None], u0[None], torch.zeros((1, n0), dtype=torch.int8))
    for b in range(nb):
        for r in range(2 * n1):
            exact = _exact_first_layer_bound(net, r, lo, hi, l0.numpy(), u0.numpy(), alpha.numpy(), s[0].numpy(),
                                             sig0[b])
            assert Fraction(float(via_table[b, r])) <= exact
            assert float(exact) - float(via_table[b, r]) <= 1e-9 * (1 + abs(float(exact)))
    # sound on the sub-problems' sets (sampled points satisfying the splits)
    xs = rng.uniform(lo, hi, (3000, 5))
    z0 = xs @ net.W[0].numpy().T + net.b[0].numpy()
    z1 = np.maximum(z0, 0) @ net.W[1].numpy().T + net.b[1].numpy()
    for b in range(nb):
        ok = np.all((sig0[b] == 0) | ((sig0[b] > 0) & (z0 >= 0)) | ((sig0[b] < 0) & (z0 <= 0)), axis=1)
        if ok.any():
            assert (z1[ok] >= via_table[b, :n1].numpy() - 1e-12).all()
            assert (-z1[ok] >= via_table[b, n1:].numpy() - 1e-12).all()


def test_first_layer_table_applies_only_to_its_own_box(tmp_path: Path) -> None:
    model = mlp(tmp_path / "m.onnx", sizes=(3, 6, 5, 2), seed=2)
    fm = load_model(model)
    net = bc.extract_chain(fm.graph, fm.params)
    lo, hi = torch.full((3,), -1.0, dtype=torch.float64), torch.full((3,), 1.0, dtype=torch.float64)
    zeros = [torch.zeros((2, w), dtype=torch.int8) for w in net.widths[:-1]]
    P = bc.Problems(lo.expand(2, -1), hi.expand(2, -1), zeros)
    with torch.no_grad():
        b = bc.intermediate_bounds(net, P)
    table = bc.first_layer_table(net, lo, hi, b[0][0][0], b[0][1][0], None)
    assert table is not None and table.covers(P, True)
    other = bc.Problems(torch.stack([lo, lo * 0.5]), hi.expand(2, -1), zeros)
    assert not table.covers(other, True)
    f32 = bc.Problems(P.lo.float(), P.hi.float(), zeros)
    assert table.covers(f32, False) and not table.covers(f32, True)
    # a chain with one relu layer has no layer 1 to tabulate
    one = bc.extract_chain(*(lambda m: (m.graph, m.params))(load_model(mlp(tmp_path / "o.onnx", sizes=(3, 4, 2)))))
    assert bc.first_layer_table(one, lo, hi, b[0][0][0][:4], b[0][1][0][:4], None) is None


def test_chain_matches_the_exact_evaluator(tmp_path: Path) -> None:
    model = mlp(tmp_path / "m.onnx", sizes=(4, 8, 3), seed=3, in_shape=[1, 4, 1])
    fm = load_model(model)
    net = bc.extract_chain(fm.graph, fm.params)
    x = np.random.default_rng(0).uniform(-1, 1, (5, 4)).astype(np.float32)
    for row in x:
        ex = exact_eval(fm.graph, fm.params, row.reshape(fm.in_shape))
        assert [Fraction(v) for v in np.asarray(ex).reshape(-1)] == _pre_acts(net, row.astype(np.float64))[-1]


def _unsat_spec(model: Path, n_in: int, lo: float, hi: float, slack: float, path: Path) -> tuple[Path, float]:
    """``Y_0 >= t`` violations with ``t`` just above the sampled maximum of ``Y_0`` (likely unsat)."""
    xs = np.random.default_rng(7).uniform(lo, hi, (4000, n_in)).astype(np.float32)
    corners = np.array(np.meshgrid(*[[lo, hi]] * n_in)).reshape(n_in, -1).T.astype(np.float32)
    xs = np.concatenate([xs, corners])
    t = float(ort_run(model, xs)[:, 0].max()) + slack
    path.write_text(spec_text(n_in, 2, [([lo] * n_in, [hi] * n_in)], [f"(>= Y_0 {t!r})"]))
    return path, t


def test_input_splitting_proves_what_bounds_alone_cannot_and_the_checker_accepts(tmp_path: Path) -> None:
    model = mlp(tmp_path / "m.onnx", sizes=(2, 16, 16, 2), seed=11)
    spec, _ = _unsat_spec(model, 2, -1.0, 1.0, 0.02, tmp_path / "p.vnnlib")
    fm = load_model(model)
    net = bc.extract_chain(fm.graph, fm.params)
    # CROWN over the whole box does not prove it (else the test would not exercise splitting)
    P = bc.Problems(torch.full((1, 2), -1.0, dtype=torch.float64), torch.full((1, 2), 1.0, dtype=torch.float64),
                    [torch.zeros((1, w), dtype=torch.int8) for w in net.widths[:-1]])
    rows = B._rows(read_vnnlib(spec).boxes[0], 2)
    assert rows is not None
    with torch.no_grad():
        lb0, _ = bc.spec_bounds(net, P, bc.intermediate_bounds(net, P), rows.C, rows.d)
    assert float(lb0.max()) <= 0
    cert = tmp_path / "c.json"
    r = B.bab_verify(model, spec, timeout=60, cert=cert)
    assert r.result == "unsat", r
    assert r.stats["boxes"][0]["mode"] == "input" and r.stats["boxes"][0]["leaves"] > 1
    doc = json.loads(cert.read_text())
    assert doc["boxes"][0]["proof"]["kind"] == "input-split"
    res = check_certificate(model, spec, cert)
    assert res.accepted, (res.field, res.message)
    # a leaf whose region no longer covers its part of the split tree is rejected
    leaf = doc["boxes"][0]["proof"]
    while leaf["kind"] != "bounds":
        leaf = leaf["children"][0]
    up = np.frombuffer(base64.b64decode(leaf["region"]["upper"]["data"]), dtype="<f8") - 0.25
    leaf["region"]["upper"]["data"] = base64.b64encode(up.astype("<f8").tobytes()).decode()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    res = check_certificate(model, spec, bad)
    assert not res.accepted and "region" in f"{res.field} {res.message}"


def test_relu_splitting_with_beta_proves_and_the_checker_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(B, "INPUT_SPLIT_MAX_DIM", 0)  # force ReLU splitting
    model = mlp(tmp_path / "m.onnx", sizes=(6, 12, 12, 2), seed=5)
    spec, _ = _unsat_spec(model, 6, -0.3, 0.3, 0.01, tmp_path / "p.vnnlib")
    cert = tmp_path / "c.json"
    r = B.bab_verify(model, spec, timeout=60, cert=cert)
    assert r.result == "unsat", r
    st = r.stats["boxes"][0]
    assert st["mode"] == "relu"
    res = check_certificate(model, spec, cert)
    assert res.accepted, (res.field, res.message)
    doc = json.loads(cert.read_text())
    if st.get("leaves", 1) > 1:
        assert doc["boxes"][0]["proof"]["kind"] == "relu-split"
        # flipping a split's phase order (children swapped) breaks the leaves' constraints
        node = doc["boxes"][0]["proof"]
        node["children"] = node["children"][::-1]
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(doc))
        assert not check_certificate(model, spec, bad).accepted


def _f64(values: list[float]) -> dict[str, object]:
    arr = np.asarray(values, dtype="<f8")
    return {"dtype": "float64-le", "shape": [arr.size], "data": base64.b64encode(arr.tobytes()).decode()}


def _decoded(a: dict[str, object]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(str(a["data"])), dtype="<f8").copy()


def test_root_bounds_are_checked_once_and_inherited_by_the_whole_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The root split carries α-CROWN bounds (with ``alpha_for``); leaves claim them ∩ splits."""
    monkeypatch.setattr(B, "INPUT_SPLIT_MAX_DIM", 0)
    model = mlp(tmp_path / "m.onnx", sizes=(6, 12, 12, 2), seed=5)
    spec, _ = _unsat_spec(model, 6, -0.3, 0.3, 0.01, tmp_path / "p.vnnlib")
    cert = tmp_path / "c.json"
    r = B.bab_verify(model, spec, timeout=60, cert=cert)
    assert r.result == "unsat", r
    assert check_certificate(model, spec, cert).accepted
    doc = json.loads(cert.read_text())
    root = doc["boxes"][0]["proof"]
    assert root["kind"] == "relu-split" and root.get("bounds") is not None
    relus = root["bounds"]["relus"]
    assert relus[1].get("alpha_for") is None and relus[0].get("alpha_for"), "layer 1's bounds use α slopes"
    assert all(e.get("alpha") is None for e in relus)

    def rejected(mutate: object) -> tuple[str | None, str | None]:
        d = json.loads(cert.read_text())
        mutate(d["boxes"][0]["proof"])  # type: ignore[operator]
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(d))
        res = check_certificate(model, spec, bad)
        assert not res.accepted
        return res.field, res.message

    # a node bound tighter than provable
    def tighten(p: dict) -> None:  # type: ignore[type-arg]
        lo = _decoded(p["bounds"]["relus"][1]["lower"])
        hi = _decoded(p["bounds"]["relus"][1]["upper"])
        lo[0] = hi[0] - 1e-9
        p["bounds"]["relus"][1]["lower"] = _f64(list(lo))

    field, _ = rejected(tighten)
    assert field == "boxes[0].proof.bounds.relus[1].lower[0]"
    # final-pass slopes do not belong to node bounds
    field, _ = rejected(lambda p: p["bounds"]["relus"][0].update(alpha=_f64([0.5] * 12)))
    assert field == "boxes[0].proof.bounds.relus[0].alpha"
    # a region that does not contain the path region
    def shrink(p: dict) -> None:  # type: ignore[type-arg]
        lo = _decoded(p["bounds"]["region"]["lower"])
        lo[2] += 0.1
        p["bounds"]["region"]["lower"] = _f64(list(lo))

    field, _ = rejected(shrink)
    assert field == "boxes[0].proof.bounds.region.lower[2]"


def _relu_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    """A small relu-split ``unsat`` (model, spec, certificate) the tests below mutate."""
    monkeypatch.setattr(B, "INPUT_SPLIT_MAX_DIM", 0)
    model = mlp(tmp_path / "m.onnx", sizes=(6, 12, 12, 2), seed=5)
    spec, _ = _unsat_spec(model, 6, -0.3, 0.3, 0.01, tmp_path / "p.vnnlib")
    cert = tmp_path / "c.json"
    assert B.bab_verify(model, spec, timeout=60, cert=cert).result == "unsat"
    return model, spec, cert


def test_leaves_relying_on_inherited_bounds_are_rejected_without_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inheritance is what makes the leaves' claims provable: drop the node bounds and the same
    leaves fail at a leaf's relu claims (this network's α root bounds beat the standard rule)."""
    model, spec, cert = _relu_tree(tmp_path, monkeypatch)
    d = json.loads(cert.read_text())
    root = d["boxes"][0]["proof"]
    std = B.bab_verify(model, spec, timeout=60, cert=tmp_path / "std.json",
                       options=B.BabOptions(root_alpha=False))
    assert std.result == "unsat"
    # the α root bounds are tighter somewhere than the standard rule's: leaves inherit that
    nb = root["bounds"]["relus"][1]
    width_alpha = float(np.sum(_decoded(nb["upper"]) - _decoded(nb["lower"])))
    leaf = json.loads((tmp_path / "std.json").read_text())["boxes"][0]["proof"]
    while leaf["kind"] != "bounds":
        leaf = leaf["children"][0]
    assert width_alpha <= float(np.sum(_decoded(leaf["relus"][1]["upper"]) - _decoded(leaf["relus"][1]["lower"])))
    del root["bounds"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(d))
    res = check_certificate(model, spec, bad)
    assert not res.accepted
    assert res.field is not None and ".relus[" in res.field and res.field.startswith("boxes[0].proof.children")


def _nodes(proof: dict) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    """Every node of a proof tree with its certificate path, depth first."""
    out, stack = [], [("boxes[0].proof", proof)]
    while stack:
        where, node = stack.pop()
        out.append((where, node))
        for c, child in enumerate(node.get("children", [])):
            stack.append((f"{where}.children[{c}]", child))
    return out


def test_refined_bounds_sit_on_split_nodes_and_leaves_inherit_the_root_slopes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-bounding after a split (``refine``) with the root's ``alpha_for`` slopes: every split
    node below the root carries the bounds it was re-bounded to, without slopes; the checker
    takes the slopes from the root and the bounds from the ancestors, and needs both."""
    monkeypatch.setattr(B, "INPUT_SPLIT_MAX_DIM", 0)
    model = mlp(tmp_path / "m.onnx", sizes=(6, 12, 12, 12, 2), seed=1)
    spec, _ = _unsat_spec(model, 6, -0.3, 0.3, 0.05, tmp_path / "p.vnnlib")
    plain = B.bab_verify(model, spec, timeout=60, options=B.BabOptions(refine=False))
    cert = tmp_path / "c.json"
    r = B.bab_verify(model, spec, timeout=60, cert=cert, options=B.BabOptions(refine=True))
    assert plain.result == r.result == "unsat"
    # tighter sub-problems: fewer of them (measured 1123 against 2991)
    assert r.stats["boxes"][0]["bounded"] < plain.stats["boxes"][0]["bounded"]
    res = check_certificate(model, spec, cert)
    assert res.accepted, (res.field, res.message)
    doc = json.loads(cert.read_text())
    nodes = _nodes(doc["boxes"][0]["proof"])
    inner = [(w, n) for w, n in nodes if n["kind"] == "relu-split" and w != "boxes[0].proof"]
    inner = [(w, n) for w, n in inner if n.get("bounds") is not None]
    assert len(inner) > 10
    assert all(e.get("alpha_for") is None for _, n in inner for e in n["bounds"]["relus"])
    leaves = [n for w, n in nodes if n["kind"] == "bounds"]
    assert all(e.get("alpha_for") is None for n in leaves for e in n["relus"])

    def verdict(mutate: object) -> tuple[bool, str | None]:
        d = json.loads(cert.read_text())
        mutate(d["boxes"][0]["proof"])  # type: ignore[operator]
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(d))
        out = check_certificate(model, spec, bad)
        return out.accepted, out.field

    def drop_inner_bounds(p: dict) -> None:  # type: ignore[type-arg]
        for _, n in _nodes(p):
            if n is not p and n["kind"] == "relu-split":
                n.pop("bounds", None)

    ok, field = verdict(drop_inner_bounds)
    assert not ok and field is not None and ".relus[" in field

    def drop_root_slopes(p: dict) -> None:  # type: ignore[type-arg]
        for e in p["bounds"]["relus"]:
            e.pop("alpha_for", None)

    ok, field = verdict(drop_root_slopes)
    assert not ok and field is not None and ".relus[" in field

    # one inner node's bound made tighter than provable is rejected at that node
    where, node = max(inner, key=lambda wn: len(wn[0]))
    path = where.split(".children")

    def tighten(p: dict) -> None:  # type: ignore[type-arg]
        n = p
        for part in path[1:]:
            n = n["children"][int(part.strip("[]"))]
        e = n["bounds"]["relus"][2]
        lo, hi = _decoded(e["lower"]), _decoded(e["upper"])
        i = int(np.argmax(hi - lo))
        lo[i] = hi[i]
        e["lower"] = _f64(list(lo))

    ok, field = verdict(tighten)
    assert not ok and field is not None and field.startswith(where + ".bounds.relus[2].lower[")


def _sampled_child_minima(
    net: bc.Chain, rows: B.Rows, d: B.Domain, k: int, i: int, xs: np.ndarray
) -> tuple[float, float]:
    """Per child of splitting ``(k, i)`` in ``d`` (inactive, active): the least spec value over
    the sampled inputs ``xs`` that satisfy its splits (``inf`` when none does)."""
    h = net.pre_point(xs)
    ok_in = ok_act = np.ones(len(xs), dtype=bool)
    for j in range(len(net.W)):
        z = h @ net.W[j].numpy().T + net.b[j].numpy()
        if j < net.n_relu:
            s = d.sigma[j]
            keep = np.all((s[None] == 0) | ((s[None] > 0) & (z >= 0)) | ((s[None] < 0) & (z <= 0)), axis=1)
            ok_in, ok_act = ok_in & keep, ok_act & keep
            if j == k:
                ok_in, ok_act = ok_in & (z[:, i] <= 0), ok_act & (z[:, i] >= 0)
            h = np.maximum(z, 0)
        else:
            h = z
    val = B._value(h @ rows.C.numpy().T - rows.d.numpy()[None], rows)
    return (float(val[ok_in].min()) if ok_in.any() else np.inf, float(val[ok_act].min()) if ok_act.any() else np.inf)


@pytest.mark.parametrize("deep", [False, True])
def test_lookahead_judgements_bound_each_sampled_child_from_below(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deep: bool
) -> None:
    """The split choice bounds both children of each candidate (on deep networks with the
    layers after the split re-bounded): each value must be a lower bound of that child's spec
    value, checked against sampled inputs that satisfy the child's splits (a swapped side shows
    up as a value above the sampled minimum)."""
    monkeypatch.setattr(B, "INPUT_SPLIT_MAX_DIM", 0)
    monkeypatch.setattr(B, "DEEP_RELU_LAYERS", 3 if deep else 4)  # this network has 3 relu layers
    model = mlp(tmp_path / "m.onnx", sizes=(6, 12, 12, 12, 2), seed=1)
    # a small box: few unstable neurons, bounds within ~0.01 of the sampled minima, which differ
    # between the two children by as much
    spec, _ = _unsat_spec(model, 6, -0.05, 0.05, 0.002, tmp_path / "p.vnnlib")
    seen: list[tuple[object, ...]] = []
    judge = B._judge

    def spy(net, parents, cands, rows, tlo, thi, slopes, table=None):  # type: ignore[no-untyped-def]
        out = judge(net, parents, cands, rows, tlo, thi, slopes, table)
        if len(seen) < 6:
            seen.append((net, parents, cands, rows, slopes, out))
        return out

    monkeypatch.setattr(B, "_judge", spy)
    assert B.bab_verify(model, spec, timeout=60).result == "unsat"
    assert {s[4] is None for s in seen} == {not deep}  # re-bounded judgements on deep networks
    xs = np.random.default_rng(3).uniform(-0.05, 0.05, (40_000, 6))
    checked = 0
    for net, parents, cands, rows, _, out in seen:
        for (p, c), (v_in, v_act) in out.items():  # type: ignore[attr-defined]
            k, i = cands[p][c]  # type: ignore[index]
            m_in, m_act = _sampled_child_minima(net, rows, parents[p], k, i, xs)  # type: ignore[arg-type, index]
            for v, m in ((v_in, m_in), (v_act, m_act)):
                if np.isfinite(m):
                    assert v <= m + 1e-4 * (1 + abs(m)), (k, i, v, m)
                    checked += 1
    assert checked > 50


def test_search_threads_follow_the_environment_else_a_measurement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(B.THREADS_ENV, "3")
    assert B.search_threads() == 3
    monkeypatch.setenv(B.THREADS_ENV, "not a number")  # ignored: measured instead
    import os

    n = B.search_threads()
    assert 1 <= n <= min(8, len(os.sched_getaffinity(0)))
    monkeypatch.delenv(B.THREADS_ENV)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})  # one usable core: one thread
    assert B.search_threads() == 1


@pytest.mark.parametrize("force_relu", [False, True])
def test_sat_instances_end_with_a_confirmed_witness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     force_relu: bool) -> None:
    if force_relu:
        monkeypatch.setattr(B, "INPUT_SPLIT_MAX_DIM", 0)
    model = mlp(tmp_path / "m.onnx", sizes=(3, 10, 10, 2), seed=2)
    xs = np.random.default_rng(1).uniform(-1, 1, (4000, 3)).astype(np.float32)
    ys = ort_run(model, xs)[:, 0]
    # input splitting homes in on a handful of sampled points; ReLU splitting's candidates (the
    # minimisers of its linear bounds) need a larger violating region
    t = float(np.quantile(ys, 0.9)) if force_relu else float(np.sort(ys)[-3])
    spec = tmp_path / "p.vnnlib"
    spec.write_text(spec_text(3, 2, [([-1.0] * 3, [1.0] * 3)], [f"(>= Y_0 {t!r})"]))
    r = B.bab_verify(model, spec, timeout=60)
    assert r.result == "sat", r
    y = ort_run(model, np.asarray(r.x, dtype=np.float32)[None])[0]
    assert Fraction(float(y[0])) >= Fraction(t)
    assert all(-1 <= v <= 1 for v in r.x)


def test_timeout_and_unsupported_networks(tmp_path: Path) -> None:
    model = mlp(tmp_path / "m.onnx", sizes=(2, 16, 16, 2), seed=11)
    spec, _ = _unsat_spec(model, 2, -1.0, 1.0, 0.001, tmp_path / "p.vnnlib")
    assert B.bab_verify(model, spec, timeout=0).result == "timeout"
    tanh = mlp(tmp_path / "t.onnx", sizes=(2, 4, 2), act="Tanh")
    spec2 = tmp_path / "q.vnnlib"
    spec2.write_text(spec_text(2, 2, [([-1.0] * 2, [1.0] * 2)], ["(>= Y_0 100.0)"]))
    r = B.bab_verify(tanh, spec2, timeout=5)
    assert r.result == "unknown" and "chain" in r.notes[0]


def _truth() -> dict[tuple[str, str], str]:
    out = {}
    for line in (DATA / "truth.csv").read_text().splitlines()[1:]:
        _, onnx_name, vnnlib_name, _, expected = line.split(",")
        out[(onnx_name, vnnlib_name)] = expected
    return out


@pytest.mark.skipif(not (DATA / "truth.csv").is_file(), reason="VNN-COMP 2021 data not present")
def test_acasxu_instance_decided_against_truth_with_an_accepted_certificate(tmp_path: Path) -> None:
    onnx_name, prop = "ACASXU_run2a_1_9_batch_2000.onnx", "prop_1.vnnlib"
    model, spec = DATA / "acasxu" / onnx_name, DATA / "acasxu" / prop
    cert = tmp_path / "c.json"
    r = B.bab_verify(model, spec, timeout=116, cert=cert)
    assert r.result == _truth()[(onnx_name, prop)] == "unsat"
    res = check_certificate(model, spec, cert)
    assert res.accepted, (res.field, res.message)


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "truth.csv").is_file(), reason="VNN-COMP 2021 data not present")
def test_mnistfc_instance_decided_against_truth_with_an_accepted_certificate(tmp_path: Path) -> None:
    onnx_name, prop = "mnist-net_256x2.onnx", "prop_0_0.03.vnnlib"
    model, spec = DATA / "mnistfc" / onnx_name, DATA / "mnistfc" / prop
    cert = tmp_path / "c.json"
    r = B.bab_verify(model, spec, timeout=120, cert=cert)
    assert r.result == _truth()[(onnx_name, prop)] == "unsat"
    res = check_certificate(model, spec, cert)
    assert res.accepted, (res.field, res.message)


def test_an_undecided_answer_names_the_strongest_stage_that_ran() -> None:
    """A timeout after branch and bound says ``bab`` although a falsification pass ran last."""
    from tlean.verify.bounds.results import Stage
    from tlean.verify.instance import undecided_method

    def st(name: str) -> Stage:
        return Stage(stage=name, result="none", seconds=1.0)  # type: ignore[arg-type]

    assert undecided_method([st("falsify"), st("bounds"), st("falsify"), st("bab"), st("falsify")], "crown") == "bab"
    assert undecided_method([st("falsify"), st("bounds"), st("falsify")], "alpha-crown") == "alpha-crown"
    assert undecided_method([st("falsify")], "crown") == "falsify"
    assert undecided_method([], "crown") == "none"


def test_checking_on_two_processes_gives_the_same_verdict_and_first_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check-cert --jobs 2`` splits the tree between processes; it must accept and reject
    exactly as the sequential check, naming the same first failure in depth-first order."""
    model, spec, cert = _relu_tree(tmp_path, monkeypatch)
    doc = json.loads(cert.read_text())
    leaves = [(w, n) for w, n in _nodes(doc["boxes"][0]["proof"]) if n["kind"] == "bounds"]
    assert len(leaves) >= 4, "the test needs a tree worth splitting"

    def both(d: dict) -> tuple[object, ...]:  # type: ignore[type-arg]
        p = tmp_path / "x.json"
        p.write_text(json.dumps(d))
        one, two = check_certificate(model, spec, p), check_certificate(model, spec, p, jobs=2)
        keys = ("accepted", "field", "message", "leaves", "relus_checked", "empty_leaves")
        if one.accepted:
            assert [getattr(one, k) for k in keys] == [getattr(two, k) for k in keys]
        else:
            assert [getattr(one, k) for k in keys[:3]] == [getattr(two, k) for k in keys[:3]]
        return one.accepted, one.field

    assert both(doc) == (True, None)
    for jobs in (1, 2):  # progress: every leaf once, ending at the total
        seen: list[tuple[int, int]] = []
        res = check_certificate(model, spec, cert, jobs=jobs, on_leaves=lambda d, t, out=seen: out.append((d, t)))
        assert res.accepted
        assert seen[0] == (0, len(leaves)) and seen[-1] == (len(leaves), len(leaves))
        assert [d for d, _ in seen] == list(range(len(leaves) + 1))

    def lift(leaf: dict) -> None:  # type: ignore[type-arg]
        leaf["polytopes"][0]["lower"] = _f64([1e6])

    # two bad leaves: the one first in depth-first order is named
    d = json.loads(cert.read_text())
    bad = [(w, n) for w, n in _nodes(d["boxes"][0]["proof"]) if n["kind"] == "bounds"]
    lift(bad[1][1])
    lift(bad[-1][1])
    order = sorted([bad[1][0], bad[-1][0]], key=lambda w: [int(c) for c in re.findall(r"children\[(\d)\]", w)])
    ok, field = both(d)
    assert not ok and field == f"{order[0]}.polytopes[0].lower[0]"
    # no inherited root bounds: many leaves fail at once
    d = json.loads(cert.read_text())
    del d["boxes"][0]["proof"]["bounds"]
    assert not both(d)[0]


def test_deep_networks_restart_screened_when_the_careful_search_does_not_decide(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deep network's first search (the careful split choice) gets ``lookahead_screen_after``
    seconds; undecided, a fresh screened search decides, and its certificate is accepted."""
    monkeypatch.setattr(B, "INPUT_SPLIT_MAX_DIM", 0)
    model = mlp(tmp_path / "m.onnx", sizes=(6, 12, 12, 12, 2), seed=1)
    spec, _ = _unsat_spec(model, 6, -0.3, 0.3, 0.05, tmp_path / "p.vnnlib")
    screened: list[int] = []
    look = B._lookahead

    def spy(*a, **k):  # type: ignore[no-untyped-def]
        screened.append(a[10])  # the screen argument
        return look(*a, **k)

    monkeypatch.setattr(B, "_lookahead", spy)
    cert = tmp_path / "c.json"
    r = B.bab_verify(model, spec, timeout=60, cert=cert, options=B.BabOptions(lookahead_screen_after=0.0))
    assert r.result == "unsat", r
    st = r.stats["boxes"][0]
    assert "careful_bounded" in st and st["bounded"] > 1  # the first search stopped, the second decided
    assert screened and set(screened) == {1}  # every split chosen by the screened judgement
    res = check_certificate(model, spec, cert)
    assert res.accepted, (res.field, res.message)
    # without the restart, the careful search alone decides too, and never screens
    screened.clear()
    plain = B.bab_verify(model, spec, timeout=60, options=B.BabOptions(lookahead_screen=0))
    assert plain.result == "unsat" and "careful_bounded" not in plain.stats["boxes"][0]
    assert set(screened) <= {0}
