"""The exact certificate checker (``tlean check-cert``): accepts sound certificates, rejects tampering.

Certificates are built here by a small float64 CROWN of the test's own (standard slope rule,
claims widened by a margin far above float64 error), independent of the checker and of the bound
engine. Soundness is also checked against onnxruntime: an accepted certificate's property holds
at sampled points, and a certificate claiming a property that onnxruntime shows violated is
rejected.
"""

from __future__ import annotations

import base64
import json
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper
from tlean.cli import app
from tlean.errors import TleanError
from tlean.onnx_import import import_model
from tlean.verify import cert as C
from tlean.verify.checker import check_certificate
from tlean.verify.vnnlib import read_vnnlib
from typer.testing import CliRunner

VNN = Path(__file__).resolve().parents[1].parent / "shared" / "vnncomp2021"
needs_vnn = pytest.mark.skipif(not VNN.is_dir(), reason="VNN-COMP 2021 data (../shared/vnncomp2021) is absent")
SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "schemas" / "tlean.check-cert.v1.json"

# --------------------------------------------------------------------------------------------
# Models and a float64 CROWN of the test's own
# --------------------------------------------------------------------------------------------


def mlp_model(
    sizes: list[int], seed: int, *, style: str = "gemm", std: float = 2.0
) -> tuple[onnx.ModelProto, list[Any]]:
    """A ReLU MLP as ONNX and its layers [(W [out,in], b)] as float64 (exact float32 values).

    ``style``: ``gemm`` (Gemm transB=1), ``matmul`` (MatMul + Add, with an input normalisation
    Sub/Div by ``std`` and a Flatten of a [1,1,n] input).
    """
    rng = np.random.default_rng(seed)
    inits: dict[str, np.ndarray] = {}
    nodes = []
    layers = []
    cur = "x"
    in_shape = [1, sizes[0]]
    pre: list[tuple[str, np.ndarray]] = []
    if style == "matmul":
        in_shape = [1, 1, sizes[0]]
        mean = rng.normal(size=[1, 1, sizes[0]]).astype(np.float32) * np.float32(0.25)
        std = np.full([1, 1, sizes[0]], std, dtype=np.float32)  # 3.0: the exact checker divides by 3
        inits.update(mean=mean, std=std)
        nodes += [
            helper.make_node("Sub", ["x", "mean"], ["xs"]),
            helper.make_node("Div", ["xs", "std"], ["xd"]),
            helper.make_node("Flatten", ["xd"], ["xf"], axis=1),
        ]
        cur = "xf"
        pre = [("mean", mean.ravel()), ("std", std.ravel())]
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        W = (rng.normal(size=[b, a]) / np.sqrt(a)).astype(np.float32)
        bias = (rng.normal(size=[b]) * 0.1).astype(np.float32)
        if style == "gemm":
            inits[f"W{i}"], inits[f"b{i}"] = W, bias
            nodes.append(helper.make_node("Gemm", [cur, f"W{i}", f"b{i}"], [f"z{i}"], transB=1))
        else:
            inits[f"W{i}"], inits[f"b{i}"] = np.ascontiguousarray(W.T), bias
            nodes += [
                helper.make_node("MatMul", [cur, f"W{i}"], [f"m{i}"]),
                helper.make_node("Add", [f"m{i}", f"b{i}"], [f"z{i}"]),
            ]
        layers.append((W.astype(np.float64), bias.astype(np.float64)))
        if i < len(sizes) - 2:
            nodes.append(helper.make_node("Relu", [f"z{i}"], [f"h{i}"]))
            cur = f"h{i}"
    out = f"z{len(sizes) - 2}"
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, sizes[-1]])],
        initializer=[numpy_helper.from_array(v, k) for k, v in inits.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    if pre:  # fold the normalisation into the first layer for the float CROWN: (x - m)/std
        mean, std = pre[0][1].astype(np.float64), pre[1][1].astype(np.float64)
        W0, b0 = layers[0]
        layers[0] = (W0 / std[None, :], b0 - (W0 / std[None, :]) @ mean)
    return model, layers


def _slack(v: np.ndarray) -> np.ndarray:
    return 1e-7 * (1.0 + np.abs(v))


def _relu_pass(lam: np.ndarray, const: np.ndarray, lu: tuple[np.ndarray, np.ndarray], alpha: Any) -> Any:
    lw, u = lu
    active, inactive = lw >= 0, (lw < 0) & (u <= 0)
    unstable = ~active & ~inactive
    s = np.where(unstable, u / np.where(unstable, u - lw, 1.0), 1.0)
    a = np.where(u > -lw, 1.0, 0.0) if alpha is None else alpha
    a = np.broadcast_to(a, lam.shape)
    mult = np.where(unstable, np.where(lam < 0, s, a), np.where(active, 1.0, 0.0))
    const = const + np.where(unstable & (lam < 0), -lam * s * lw, 0.0).sum(axis=1)
    return lam * mult, const


def _concretize(lam: np.ndarray, const: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.where(lam > 0, lam * lo, lam * hi).sum(axis=1) + const


def float_crown(layers: list[Any], lo: np.ndarray, hi: np.ndarray, C_: np.ndarray, d: np.ndarray,
                alphas: list[Any] | None = None) -> tuple[list[Any], np.ndarray]:  # fmt: skip
    """Claimed (widened) intermediate bounds and margin lower bounds of ``C y - d``."""
    bounds: list[tuple[np.ndarray, np.ndarray]] = []

    def lower(k: int, lam: np.ndarray, const: np.ndarray, al: list[Any] | None) -> np.ndarray:
        blo, bhi = (lo, hi) if k == 0 else (np.maximum(bounds[k - 1][0], 0), np.maximum(bounds[k - 1][1], 0))
        ibp = _concretize(lam, const, blo, bhi)
        for j in range(k - 1, -1, -1):
            lam, const = _relu_pass(lam, const, bounds[j], None if al is None else al[j])
            W, b = layers[j]
            const, lam = const + lam @ b, lam @ W
        crown = _concretize(lam, const, lo, hi) if k > 0 else ibp
        return np.maximum(ibp, crown)

    for k in range(len(layers) - 1):
        W, b = layers[k]
        lb = lower(k, np.vstack([W, -W]), np.concatenate([b, -b]), None)
        n = W.shape[0]
        lw, u = lb[:n], -lb[n:]
        bounds.append((lw - _slack(lw), u + _slack(u)))
    W, b = layers[-1]
    m = lower(len(layers) - 1, C_ @ W, C_ @ b - d, alphas)
    return bounds, m - _slack(m)


def relu_ids(model_path: Path) -> list[int]:
    g = import_model(model_path).graph
    return [k for k, n in enumerate(g.nodes) if n.op == "relu"]


def write_spec(path: Path, lo: np.ndarray, hi: np.ndarray, polys: list[list[tuple[dict[int, float], float]]],
               n_out: int = 0) -> None:  # fmt: skip
    """A VNN-LIB 1.0 file: the box and ``(or (and rows…) …)``, each row ``Σ c_j Y_j <= t``."""
    n_out = max(n_out, 1 + max(j for p in polys for row, _ in p for j in row))
    lines = [f"(declare-const X_{i} Real)" for i in range(len(lo))]
    lines += [f"(declare-const Y_{j} Real)" for j in range(n_out)]
    for i, (a, b) in enumerate(zip(lo, hi, strict=True)):
        lines += [f"(assert (>= X_{i} {float(a)!r}))", f"(assert (<= X_{i} {float(b)!r}))"]

    def term(row: dict[int, float]) -> str:
        return "(+ " + " ".join(f"(* {float(c)!r} Y_{j})" for j, c in row.items()) + ")"

    ors = " ".join("(and " + " ".join(f"(<= {term(r)} {float(t)!r})" for r, t in p) + ")" for p in polys)
    lines.append(f"(assert (or {ors}))")
    path.write_text("\n".join(lines) + "\n")


def build_cert(model_path: Path, spec_path: Path, layers: list[Any], alphas: list[Any] | None = None,
               lower_override: Any = None) -> C.Certificate:  # fmt: skip
    """A certificate from the float CROWN above, for every box of the spec."""
    spec = read_vnnlib(spec_path)
    ids = relu_ids(model_path)
    boxes = []
    for bi, box in enumerate(spec.boxes):
        lo, hi = box.lower_f32.astype(np.float64), box.upper_f32.astype(np.float64)
        C_ = np.vstack([p.A_f64() for p in box.polytopes])
        d = np.concatenate([p.b_f64_up() for p in box.polytopes])
        bounds, m = float_crown(layers, lo, hi, C_, d, alphas)
        if lower_override is not None:
            m = lower_override(m)
        relus = [
            C.ReluBounds(node=nid, lower=C.F64Array.of(lw), upper=C.F64Array.of(u),
                         alpha=None if alphas is None or alphas[k] is None else C.F64Array.of(alphas[k]))
            for k, (nid, (lw, u)) in enumerate(zip(ids, bounds, strict=True))
        ]  # fmt: skip
        polys, r0 = [], 0
        for p in box.polytopes:
            polys.append(C.PolytopeBound(lower=C.F64Array.of(m[r0 : r0 + p.rows])))
            r0 += p.rows
        region = C.Region(lower=C.F64Array.of(lo), upper=C.F64Array.of(hi))
        leaf = C.BoundsLeaf(method="crown", region=region, relus=relus, polytopes=polys)
        boxes.append(C.BoxProof(box=bi, proof=leaf))
    return C.Certificate(
        model=C.FileRef(sha256=import_model(model_path).sha256, name=model_path.name),
        spec=C.FileRef(sha256=spec.sha256, name=spec_path.name),
        boxes=boxes,
        producer="tests/test_checker.py",
    )


def onnx_outputs(model_path: Path, xs: np.ndarray) -> np.ndarray:
    sess = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    shape = [d if isinstance(d, int) else 1 for d in inp.shape]
    return np.array([sess.run(None, {inp.name: x.reshape(shape).astype(np.float32)})[0].ravel() for x in xs])


@pytest.fixture(scope="module")
def provable(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A 4-16-16-3 MLP, a box, a spec CROWN proves (2 polytopes), and its certificate."""
    d = tmp_path_factory.mktemp("cert")
    model, layers = mlp_model([4, 16, 16, 3], seed=1)
    mp = d / "net.onnx"
    onnx.save(model, mp)
    lo, hi = np.full(4, -0.1), np.full(4, 0.1)
    # thresholds below CROWN's lower bound of y0 - y1 and of y2: the violation is impossible
    probe = float_crown(layers, lo, hi, np.array([[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]]), np.zeros(2))[1]
    t0, t2 = float(probe[0]) - 0.05, float(probe[1]) - 0.05
    sp = d / "prop.vnnlib"
    write_spec(sp, lo, hi, [[({0: 1.0, 1: -1.0}, t0)], [({2: 1.0}, t2), ({0: 1.0}, 100.0)]])
    cert = build_cert(mp, sp, layers)
    cp = d / "cert.json"
    C.write_cert(cert, cp)
    return {"dir": d, "model": mp, "spec": sp, "cert": cp, "obj": cert, "layers": layers, "lo": lo, "hi": hi}


def _tampered(p: dict[str, Any], tmp_path: Path, edit: Any) -> Path:
    data = json.loads(p["cert"].read_text())
    edit(data)
    out = tmp_path / "tampered.json"
    out.write_text(json.dumps(data))
    return out


def _b64(v: np.ndarray) -> str:
    return base64.b64encode(np.asarray(v, dtype="<f8").tobytes()).decode()


def _set(arr: dict[str, Any], i: int, fn: Any) -> None:
    v = C.F64Array.model_validate(arr).to_numpy()
    v.ravel()[i] = fn(v.ravel()[i])
    arr.update(C.F64Array.of(v).model_dump())


# --------------------------------------------------------------------------------------------
# Acceptance and soundness against onnxruntime
# --------------------------------------------------------------------------------------------


def test_accepts_a_sound_certificate_and_the_property_holds_at_samples(provable: dict[str, Any]) -> None:
    res = check_certificate(provable["model"], provable["spec"], provable["cert"])
    assert res.accepted, (res.field, res.message)
    assert res.boxes == 1 and res.polytopes == 2 and res.relus_checked == 2
    rng = np.random.default_rng(0)
    xs = rng.uniform(provable["lo"], provable["hi"], size=(200, 4))
    ys = onnx_outputs(provable["model"], xs)
    spec = read_vnnlib(provable["spec"])
    for p in spec.boxes[0].polytopes:  # no sampled output lies in a violation polytope
        A, b = p.A_f64(), np.array([float(v) for v in p.b])
        assert not np.any(np.all(ys @ A.T <= b, axis=1))


@pytest.mark.parametrize("seed,style,sizes,std", [(2, "gemm", [3, 8, 8, 8, 2], 2.0),
                                                  (3, "matmul", [5, 12, 6, 2], 2.0),
                                                  (4, "matmul", [2, 6, 2], 3.0)])  # fmt: skip
def test_accepts_random_networks(tmp_path: Path, seed: int, style: str, sizes: list[int], std: float) -> None:
    model, layers = mlp_model(sizes, seed, style=style, std=std)
    mp = tmp_path / "m.onnx"
    onnx.save(model, mp)
    n = sizes[0]
    lo, hi = np.full(n, -0.05), np.full(n, 0.07)
    m = float_crown(layers, lo, hi, np.eye(sizes[-1])[:1], np.zeros(1))[1]
    sp = tmp_path / "p.vnnlib"
    write_spec(sp, lo, hi, [[({0: 1.0}, float(m[0]) - 0.01)]], n_out=sizes[-1])
    cp = tmp_path / "c.json"
    C.write_cert(build_cert(mp, sp, layers), cp)
    res = check_certificate(mp, sp, cp)
    assert res.accepted, (res.field, res.message)


def test_alpha_slopes_are_used_in_the_final_pass(provable: dict[str, Any], tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    R = 3
    alphas = [rng.uniform(0, 1, size=16), rng.uniform(0, 1, size=(R, 16))]
    cert = build_cert(provable["model"], provable["spec"], provable["layers"], alphas=alphas)
    cp = tmp_path / "a.json"
    C.write_cert(cert, cp)
    res = check_certificate(provable["model"], provable["spec"], cp)
    if all(p.lower.to_numpy().max() > 0 for p in cert.boxes[0].proof.polytopes):
        assert res.accepted, (res.field, res.message)
    else:
        assert res.field is not None and "polytopes" in res.field


def test_rejects_a_claim_that_onnxruntime_refutes(provable: dict[str, Any], tmp_path: Path) -> None:
    """A violated property with a certificate claiming a positive margin: rejected."""
    ys = onnx_outputs(provable["model"], np.zeros((1, 4)))
    sp = tmp_path / "sat.vnnlib"
    write_spec(sp, provable["lo"], provable["hi"], [[({0: 1.0}, float(ys[0, 0]) + 0.01)]], n_out=3)
    cert = build_cert(provable["model"], sp, provable["layers"], lower_override=lambda m: np.abs(m) + 0.5)
    cp = tmp_path / "c.json"
    C.write_cert(cert, cp)
    res = check_certificate(provable["model"], sp, cp)
    assert not res.accepted and res.field == "boxes[0].proof.polytopes[0].lower[0]"


# --------------------------------------------------------------------------------------------
# Tampering: each kind of field, the model and the spec
# --------------------------------------------------------------------------------------------

LEAF = "boxes[0].proof"


@pytest.mark.parametrize(
    "edit,field",
    [
        (lambda d: d["model"].update(sha256="0" * 64), "model.sha256"),
        (lambda d: d["spec"].update(sha256="f" * 64), "spec.sha256"),
        (lambda d: _set(d["boxes"][0]["proof"]["region"]["lower"], 2, lambda v: v + 0.01), f"{LEAF}.region.lower[2]"),
        (lambda d: _set(d["boxes"][0]["proof"]["region"]["upper"], 0, lambda v: v - 1e-6), f"{LEAF}.region.upper[0]"),
        (lambda d: _set(d["boxes"][0]["proof"]["relus"][0]["lower"], 3, lambda v: v + 0.01),
         f"{LEAF}.relus[0].lower[3]"),
        (lambda d: _set(d["boxes"][0]["proof"]["relus"][1]["upper"], 5, lambda v: v - 0.01),
         f"{LEAF}.relus[1].upper[5]"),
        (lambda d: _set(d["boxes"][0]["proof"]["polytopes"][1]["lower"], 0, lambda v: v + 0.5),
         f"{LEAF}.polytopes[1].lower[0]"),
        (lambda d: _set(d["boxes"][0]["proof"]["polytopes"][0]["lower"], 0, lambda v: -1.0), f"{LEAF}.polytopes[0]"),
        (lambda d: d["boxes"][0]["proof"]["relus"][1].update(alpha=C.F64Array.of(np.full(16, 1.5)).model_dump()),
         f"{LEAF}.relus[1].alpha[0]"),
        (lambda d: d["boxes"][0]["proof"]["relus"][0].update({"alpha": C.F64Array.of(-np.ones(16)).model_dump()}),
         f"{LEAF}.relus[0].alpha[0]"),
        (lambda d: d["boxes"][0]["proof"]["relus"][0].update({"alpha": C.F64Array.of(np.ones(15)).model_dump()}),
         f"{LEAF}.relus[0].alpha"),
        (lambda d: d["boxes"][0]["proof"]["relus"][0].update(node=99), f"{LEAF}.relus"),
        (lambda d: d["boxes"][0].update(box=1), "boxes"),
        (lambda d: d["boxes"][0]["proof"]["relus"][0]["lower"].update(shape=[15]), f"{LEAF}.relus[0].lower"),
        (lambda d: d["boxes"][0]["proof"]["relus"][0]["lower"].update(data="!!"), f"{LEAF}.relus[0].lower"),
        (lambda d: d["boxes"][0]["proof"]["relus"][0]["upper"].update(data=_b64(np.r_[np.zeros(15), np.inf])),
         f"{LEAF}.relus[0].upper[15]"),
        (lambda d: d["boxes"][0]["proof"].pop("region"), "boxes[0].proof.region"),
        (lambda d: d["boxes"][0]["proof"].update(kind="input-split"), "boxes[0].proof.dim"),
        (lambda d: d["boxes"][0]["proof"].update(kind="max-split"), "boxes[0].proof.kind"),
        (lambda d: d["boxes"][0]["proof"]["polytopes"].pop(), f"{LEAF}.polytopes"),
    ],
)  # fmt: skip
def test_rejects_tampering(provable: dict[str, Any], tmp_path: Path, edit: Any, field: str) -> None:
    res = check_certificate(provable["model"], provable["spec"], _tampered(provable, tmp_path, edit))
    assert not res.accepted
    assert res.field == field, res.message


def test_alpha_that_changes_the_result_is_rejected(provable: dict[str, Any], tmp_path: Path) -> None:
    """Valid slopes in [0, 1] that make the final bound worse than the claim: rejected."""

    def edit(d: dict[str, Any]) -> None:
        for r in d["boxes"][0]["proof"]["relus"]:
            u = C.F64Array.model_validate(r["upper"]).to_numpy()
            lo = C.F64Array.model_validate(r["lower"]).to_numpy()
            r["alpha"] = C.F64Array.of(np.where(u > -lo, 0.0, 1.0)).model_dump()  # the opposite of the rule

    res = check_certificate(provable["model"], provable["spec"], _tampered(provable, tmp_path, edit))
    if res.accepted:  # only possible if no neuron is unstable: then the test proves nothing
        pytest.skip("no unstable neuron")
    assert res.field is not None and res.field.startswith(f"{LEAF}.polytopes")


def test_rejects_another_model_and_another_spec(provable: dict[str, Any], tmp_path: Path) -> None:
    model, _ = mlp_model([4, 16, 16, 3], seed=9)
    other = tmp_path / "other.onnx"
    onnx.save(model, other)
    assert check_certificate(other, provable["spec"], provable["cert"]).field == "model.sha256"
    sp = tmp_path / "other.vnnlib"
    sp.write_text(provable["spec"].read_text() + "\n; changed\n")
    assert check_certificate(provable["model"], sp, provable["cert"]).field == "spec.sha256"


def test_unreadable_files_are_user_errors(provable: dict[str, Any], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(TleanError) as e:
        check_certificate(provable["model"], provable["spec"], bad)
    assert e.value.code == "bad-cert"
    with pytest.raises(TleanError):
        check_certificate(tmp_path / "missing.onnx", provable["spec"], provable["cert"])
    bad.write_text(json.dumps({"format": "tlean.other.v1"}))
    with pytest.raises(TleanError, match="not a tlean.cert.v1"):
        check_certificate(provable["model"], provable["spec"], bad)


@pytest.mark.parametrize(
    "second,why",
    [
        (helper.make_node("Sigmoid", ["z"], ["y"]), "(sigmoid): op not supported"),
        (helper.make_node("Add", ["z", "z"], ["y"]), "(add): reads two non-constant values"),
    ],
)
def test_unsupported_graphs_are_rejected_naming_the_node(tmp_path: Path, second: Any, why: str) -> None:
    W = np.eye(2, dtype=np.float32)
    nodes = [helper.make_node("Gemm", ["x", "W"], ["z"], transB=1), second]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])], initializer=[numpy_helper.from_array(W, "W")],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    mp = tmp_path / "s.onnx"
    onnx.save(model, mp)
    sp = tmp_path / "s.vnnlib"
    write_spec(sp, np.zeros(2), np.ones(2), [[({0: 1.0}, -1.0)]], n_out=2)
    cert = C.Certificate(
        model=C.FileRef(sha256=import_model(mp).sha256), spec=C.FileRef(sha256=read_vnnlib(sp).sha256), boxes=[]
    )
    cp = tmp_path / "c.json"
    C.write_cert(cert, cp)
    res = check_certificate(mp, sp, cp)
    assert res.field == "model" and why in res.message


# --------------------------------------------------------------------------------------------
# CLI and JSON schema
# --------------------------------------------------------------------------------------------


def test_cli_exit_codes_and_json_schema(provable: dict[str, Any], tmp_path: Path) -> None:
    import jsonschema

    runner = CliRunner()
    args = [str(provable["model"]), str(provable["spec"])]
    ok = runner.invoke(app, ["check-cert", *args, str(provable["cert"]), "--json"])
    assert ok.exit_code == 0, ok.output
    doc = json.loads(ok.stdout)
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    assert doc["accepted"] and doc["result"] == "unsat" and doc["format"] == "tlean.check-cert.v1"
    bad = _tampered(provable, tmp_path, lambda d: d["model"].update(sha256="0" * 64))
    rej = runner.invoke(app, ["check-cert", *args, str(bad), "--json"])
    assert rej.exit_code == 1
    doc = json.loads(rej.stdout)
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    assert doc["field"] == "model.sha256" and not doc["accepted"]
    text = runner.invoke(app, ["check-cert", *args, str(bad)])
    assert text.exit_code == 1 and "model.sha256" in text.stdout
    missing = runner.invoke(app, ["check-cert", *args, str(tmp_path / "nope.json"), "--json"])
    assert missing.exit_code == 2 and json.loads(missing.stdout)["error"]["code"] == "bad-cert"


def test_committed_schemas_are_current() -> None:
    root = Path(__file__).resolve().parents[1] / "docs" / "schemas"
    assert json.loads((root / "tlean.cert.v1.json").read_text()) == C.cert_json_schema()
    assert json.loads((root / "tlean.check-cert.v1.json").read_text()) == C.check_cert_json_schema()


def test_certificate_document_matches_its_schema(provable: dict[str, Any]) -> None:
    import jsonschema

    schema = json.loads((SCHEMA.parent / "tlean.cert.v1.json").read_text())
    jsonschema.validate(json.loads(provable["cert"].read_text()), schema)


# --------------------------------------------------------------------------------------------
# ACAS Xu
# --------------------------------------------------------------------------------------------


def _acas_layers(model_path: Path) -> list[Any]:
    imp = import_model(model_path)
    g, P = imp.graph, imp.params
    names = [t.name for t in g.params]
    Ws = [P[n].astype(np.float64) for n in names if P[n].ndim == 2]
    bs = [P[n].astype(np.float64) for n in names if P[n].ndim == 1]
    avg = P[names[0]].astype(np.float64).ravel()
    layers = [(W.T, b) for W, b in zip(Ws, bs, strict=True)]
    W0, b0 = layers[0]
    layers[0] = (W0, b0 - W0 @ avg)
    return layers


@needs_vnn
def test_acas_xu_certificate(tmp_path: Path) -> None:
    """ACAS Xu 1_1 with property 1 restricted to a small sub-box CROWN proves; time measured."""
    mp = VNN / "acasxu" / "ACASXU_run2a_1_1_batch_2000.onnx"
    spec = read_vnnlib(VNN / "acasxu" / "prop_1.vnnlib")
    lo = spec.boxes[0].lower_f32.astype(np.float64)
    hi = lo + (spec.boxes[0].upper_f32.astype(np.float64) - lo) / 8
    sp = tmp_path / "p1_sub.vnnlib"
    write_spec(sp, lo, hi, [[({0: -1.0}, -3.991125645861615)]], n_out=5)
    layers = _acas_layers(mp)
    cert = build_cert(mp, sp, layers)
    assert cert.boxes[0].proof.polytopes[0].lower.to_numpy()[0] > 0
    cp = tmp_path / "c.json"
    C.write_cert(cert, cp)
    t = time.perf_counter()
    res = check_certificate(mp, sp, cp)
    assert res.accepted, (res.field, res.message)
    assert time.perf_counter() - t < 30


@pytest.mark.parametrize("delta,accepted", [(-1e-9, True), (1e-6, False)])
def test_checker_reproduces_crown_tightly(provable: dict[str, Any], tmp_path: Path, delta: float,
                                          accepted: bool) -> None:  # fmt: skip
    """The checker's bound is CROWN's (up to float64 error): claims just below it pass, just above fail."""

    def exact_ish(m: np.ndarray) -> np.ndarray:  # undo the test's widening, then move by delta
        return (m + 1e-7) / (1 - 1e-7 * np.sign(m)) + delta * (1 + np.abs(m))

    cert = build_cert(provable["model"], provable["spec"], provable["layers"], lower_override=exact_ish)
    cp = tmp_path / "c.json"
    C.write_cert(cert, cp)
    res = check_certificate(provable["model"], provable["spec"], cp)
    assert res.accepted == accepted, (res.field, res.message)


def _cnn_model(seed: int) -> onnx.ModelProto:
    rng = np.random.default_rng(seed)
    inits = {
        "W1": (rng.normal(size=[4, 2, 3, 3]) * 0.3).astype(np.float32),
        "b1": (rng.normal(size=[4]) * 0.1).astype(np.float32),
        "W2": (rng.normal(size=[4, 2, 2, 3]) * 0.3).astype(np.float32),
        "W3": (rng.normal(size=[3, 4 * 3 * 2]) * 0.3).astype(np.float32),
        "b3": (rng.normal(size=[3]) * 0.1).astype(np.float32),
    }
    nodes = [
        helper.make_node("Conv", ["x", "W1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "W2"], ["c2"], strides=[2, 2], pads=[0, 1, 1, 0], group=2, dilations=[1, 2]),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("Flatten", ["r2"], ["f"]),
        helper.make_node("Gemm", ["f", "W3", "b3"], ["y"], transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 6, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
        initializer=[numpy_helper.from_array(v, k) for k, v in inits.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


@pytest.mark.parametrize("kind", ["gemm", "matmul", "matmul3", "cnn", "acas"])
def test_exact_layers_evaluate_like_onnxruntime(tmp_path: Path, kind: str) -> None:
    """The checker's exact affine/relu chain, evaluated in rationals, matches onnxruntime."""
    from tlean.verify.checker import network_layers

    if kind == "acas":
        if not VNN.is_dir():
            pytest.skip("VNN-COMP 2021 data (../shared/vnncomp2021) is absent")
        mp = VNN / "acasxu" / "ACASXU_run2a_2_3_batch_2000.onnx"
    else:
        std = 3.0 if kind == "matmul3" else 2.0
        model = _cnn_model(3) if kind == "cnn" else mlp_model([6, 10, 7, 4], 8, style=kind[:6], std=std)[0]
        mp = tmp_path / "m.onnx"
        onnx.save(model, mp)
    imp = import_model(mp)
    layers, n_in = network_layers(imp.graph, imp.params)
    rng = np.random.default_rng(0)
    xs = rng.uniform(-1, 1, size=(3, n_in)).astype(np.float32)
    want = onnx_outputs(mp, xs)
    for x, yw in zip(xs, want, strict=True):
        h = [Fraction(float(v)) for v in x]
        for L in layers:
            z = [(sum((Fraction(int(a)) * hv for a, hv in zip(row, h, strict=True)), Fraction(0)) + int(bb)) / L.D
                 for row, bb in zip(L.A, L.b, strict=True)]  # fmt: skip
            h = [max(v, Fraction(0)) for v in z] if L.relu is not None else z
        np.testing.assert_allclose([float(v) for v in h], yw, rtol=1e-4, atol=1e-5)


@needs_vnn
@pytest.mark.parametrize("method", ["crown", "alpha-crown"])
def test_engine_certificate_for_acas_xu_is_accepted_and_tampering_rejected(tmp_path: Path, method: str) -> None:
    """`tlean verify --cert` (the bound engine's writer) on ACAS Xu 5_9 / property 3, then check-cert."""
    mp, sp = VNN / "acasxu" / "ACASXU_run2a_5_9_batch_2000.onnx", VNN / "acasxu" / "prop_3.vnnlib"
    cp = tmp_path / "cert.json"
    runner = CliRunner()
    out = runner.invoke(app, ["verify", str(mp), str(sp), "--method", method, "--cert", str(cp)])
    assert out.exit_code == 0 and cp.is_file(), out.output
    assert check_certificate(mp, sp, cp).accepted
    data = json.loads(cp.read_text())
    relu = data["boxes"][0]["proof"]["relus"][3]
    _set(relu["lower"], 7, lambda v: v + 1e-3)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    res = check_certificate(mp, sp, bad)
    assert res.field == "boxes[0].proof.relus[3].lower[7]"


def test_random_sweep_accepts_only_true_properties(tmp_path: Path) -> None:
    """15 random networks and boxes: a CROWN certificate of a true property is accepted and the
    property holds at sampled points (onnxruntime); a certificate claiming a property violated at
    a sampled point is rejected."""
    rng = np.random.default_rng(11)
    for seed in range(15):
        sizes = [int(rng.integers(2, 6))] + [int(rng.integers(3, 9)) for _ in range(int(rng.integers(1, 4)))] + [2]
        model, layers = mlp_model(sizes, 100 + seed, style="gemm" if seed % 2 else "matmul")
        mp = tmp_path / f"m{seed}.onnx"
        onnx.save(model, mp)
        c = rng.uniform(-0.5, 0.5, size=sizes[0])
        lo, hi = c - 0.05, c + 0.05
        xs = rng.uniform(lo, hi, size=(64, sizes[0]))
        ys = onnx_outputs(mp, xs)
        m = float_crown(layers, lo, hi, np.array([[1.0, -1.0]]), np.zeros(1))[1][0]
        true_sp = tmp_path / f"t{seed}.vnnlib"  # violation y0 - y1 <= m - 0.01: impossible
        write_spec(true_sp, lo, hi, [[({0: 1.0, 1: -1.0}, m - 0.01)]], n_out=2)
        cp = tmp_path / f"c{seed}.json"
        C.write_cert(build_cert(mp, true_sp, layers), cp)
        assert check_certificate(mp, true_sp, cp).accepted
        assert np.all(ys[:, 0] - ys[:, 1] > m - 0.01)
        false_sp = tmp_path / f"f{seed}.vnnlib"  # violation y0 - y1 <= (a sampled value): violated
        write_spec(false_sp, lo, hi, [[({0: 1.0, 1: -1.0}, float(ys[0, 0] - ys[0, 1]) + 1e-3)]], n_out=2)
        C.write_cert(build_cert(mp, false_sp, layers, lower_override=lambda v: np.abs(v) + 1e-3), cp)
        assert not check_certificate(mp, false_sp, cp).accepted


@pytest.mark.parametrize("seed", range(6))
def test_exact_dot_equals_python_integer_arithmetic(seed: int) -> None:
    """The checker's limb-split float64 products give exactly the Python-int dot product."""
    from tlean.verify.checker import _exact_dot

    rng = np.random.default_rng(seed)
    shapes = [(5, 784, 30), (3, 256, 1), (1, 7, 9), (4, 50, 50)]
    R, N, M = shapes[seed % len(shapes)]
    bits_x, bits_y = [(150, 45), (300, 45), (60, 60), (1, 1), (0, 45), (2000, 30)][seed]

    def big(shape: tuple[int, ...], bits: int) -> np.ndarray:
        vals = [int(rng.integers(-1, 2)) * (int.from_bytes(rng.bytes(bits // 8 + 1), "little") >> (7 - bits % 8))
                for _ in range(int(np.prod(shape)))]
        return np.array(vals, dtype=object).reshape(shape)

    x, y, v = big((R, N), bits_x), big((N, M), bits_y), big((N,), bits_y)
    x[0, :] = -(1 << bits_x) if bits_x else 0  # extremes, and a zero row or column
    if R > 1:
        x[1, :] = (1 << bits_x) - 1  # all digits 0xFFFF: the longest carry chains
    y[:, 0] = 0
    got, want = _exact_dot(x, y), x.dot(y)
    assert got.shape == want.shape and all(int(a) == int(b) for a, b in zip(got.flat, want.flat, strict=True))
    assert all(int(a) == int(b) for a, b in zip(_exact_dot(x, v).flat, x.dot(v).flat, strict=True))


@pytest.mark.parametrize("seed", range(4))
def test_round_down_after_a_relu_is_a_lower_bound_within_its_margin(seed: int) -> None:
    """A backward pass's rounding of ``(Λ · z + const) / den`` over a relu's input ``z >= l``
    never raises it, and lowers it by less than ``2^-ROUND_BITS (Σ max(0, -l) + Σ max(0, z) + 2)``."""
    from fractions import Fraction

    from tlean.verify.checker import ROUND_BITS, _round_down

    rng = np.random.default_rng(seed)
    den = [3**200, 1 << 400, 7 * (1 << 250) + 1, 1 << 100][seed]  # odd, power of two, mixed, small
    n = 12
    bits = den.bit_length() + 8
    lam = np.array([[int(rng.integers(-9, 10)) * (int.from_bytes(rng.bytes(bits // 8), "little") + 1)
                     for _ in range(n)] for _ in range(3)], dtype=object)
    const = np.array([-(den // 3), den // 5 + 1, 0], dtype=object)
    ld = 1 << 20
    ln = np.array([int(rng.integers(-5 * ld, ld)) for _ in range(n)], dtype=object)
    lam2, const2, den2 = _round_down(lam, const, den, ln, ld)
    if den.bit_length() <= ROUND_BITS + 64:
        assert den2 == den and (lam2 == lam).all() and (const2 == const).all()
    else:
        assert den2 == 1 << ROUND_BITS
    for _ in range(20):
        z = [Fraction(int(v), ld) + Fraction(int(rng.integers(0, 1000)), int(rng.integers(1, 1000))) for v in ln]
        z[int(rng.integers(0, n))] = Fraction(int(ln[0]), ld) if int(ln[0]) < 0 else Fraction(0)
        z[0] = Fraction(int(ln[0]), ld)  # at the lower bound
        margin = Fraction(1, 1 << ROUND_BITS) * (
            sum(max(Fraction(0), -Fraction(int(v), ld)) for v in ln) + sum(max(Fraction(0), v) for v in z) + 2)
        for r in range(3):
            exact = (sum(Fraction(int(a)) * v for a, v in zip(lam[r], z, strict=True)) + int(const[r])) / den
            got = (sum(Fraction(int(a)) * v for a, v in zip(lam2[r], z, strict=True)) + int(const2[r])) / den2
            assert got <= exact
            assert exact - got < margin


@pytest.mark.parametrize("seed", range(4))
def test_concretize_product_equals_concretizing_the_python_int_product(seed: int) -> None:
    """The input layer's concretisation from the product's digits gives exactly the minimum
    over the box of the Python-int product (zero, negative and positive entries, boxes across 0)."""
    from tlean.verify.checker import _Box, _concretize, _concretize_product

    rng = np.random.default_rng(seed)
    R, m, n = [(7, 5, 30), (3, 46, 784), (1, 1, 1), (12, 20, 9)][seed]
    bits = [200, 130, 1, 64][seed]

    def big(shape: tuple[int, ...], nbits: int) -> np.ndarray:
        vals = [int(rng.integers(-1, 2)) * (int.from_bytes(rng.bytes(nbits // 8 + 1), "little") >> (7 - nbits % 8))
                for _ in range(int(np.prod(shape)))]
        return np.array(vals, dtype=object).reshape(shape)

    lam, A = big((R, m), bits), big((m, n), 46)
    if R > 1:
        lam[1, :] = 0  # a zero row
        lam[0, :] = (1 << bits) - 1
    lo = np.array([int(v) for v in rng.integers(-(1 << 40), 1 << 40, size=n)], dtype=object)
    hi = lo + np.array([int(v) for v in rng.integers(0, 1 << 41, size=n)], dtype=object)
    box = _Box(lo, hi, 1 << 45)
    const = big((R,), 90)
    den = 3 * (1 << 77)
    assert _concretize_product(lam, A, const, den, box) == _concretize(lam.dot(A), const, den, box)


def test_concretize_product_stays_exact_past_the_float64_limit_of_its_input_sums() -> None:
    """With more than 2^21 inputs a float64 sum of digit-times-limb terms would round (found in
    review): the concretisation then forms the Python-int product and stays exact."""
    from tlean.verify.checker import _Box, _concretize_product

    n = 3 << 20
    lam = np.empty((1, 1), dtype=object)
    lam[0, 0] = 1
    A = np.empty((1, n), dtype=object)
    A[:] = (1 << 48) - 1
    lo = np.empty(n, dtype=object)
    lo[:] = -((1 << 16) - 1)
    hi = np.empty(n, dtype=object)
    hi[:] = 0
    const = np.empty(1, dtype=object)
    const[0] = 0
    got = _concretize_product(lam, A, const, 1, _Box(lo, hi, 1))
    assert got == [-n * ((1 << 48) - 1) * ((1 << 16) - 1)]
