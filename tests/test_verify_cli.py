"""``tlean bounds`` and ``tlean verify`` (full run, ``--bounds-only``, ``--instances``): JSON, exit codes, certificates.

Oracles: onnxruntime (every output at sampled inputs lies inside the printed bounds; a ``sat``
witness replays in it), the independent exact checker (every ``unsat`` certificate is accepted, a
tampered one rejected) and VNN-COMP 2021's truth table (skipped when ``../shared/vnncomp2021`` is
absent).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper
from pydantic import BaseModel
from tlean.cli import app
from tlean.verify.bounds.results import BoundsReport, VerifyReport

from tests.bounds_support import onnx_mlp
from tests.test_falsify import sat_instance, spec_text

ROOT = Path(__file__).resolve().parents[1]
VNN = ROOT.parent / "shared" / "vnncomp2021"
needs_vnn = pytest.mark.skipif(not VNN.is_dir(), reason="VNN-COMP 2021 data (../shared/vnncomp2021) is absent")
SCHEMAS: dict[str, type[BaseModel]] = {"tlean.bounds.v1": BoundsReport, "tlean.verify.v1": VerifyReport}


def _run(args: list[str]) -> tuple[int, str]:
    from typer.testing import CliRunner

    r = CliRunner().invoke(app, args)
    return r.exit_code, r.stdout


def _schema(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((ROOT / "docs" / "schemas" / f"{name}.json").read_text())
    return doc


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schemas_are_current(name: str) -> None:
    """Regenerate with: python -c 'from tlean.verify.bounds.results import *; ...' (see docs/bounds.md)."""
    assert _schema(name) == SCHEMAS[name].model_json_schema()


def _mlp(tmp: Path, sizes: list[int], seed: int) -> Path:
    return onnx_mlp(tmp, sizes, seed)


def _cnn(tmp: Path, seed: int) -> Path:
    """Sub/Div normalisation, Conv (padded, strided), Relu, Conv, Relu, Flatten, Gemm: 1x6x6 -> 3."""
    rng = np.random.default_rng(seed)

    def t(name: str, v: np.ndarray) -> onnx.TensorProto:
        return numpy_helper.from_array(v.astype(np.float32), name)

    inits = [
        t("mean", np.full((1, 1, 1, 1), 0.25)),
        t("std", np.full((1, 1, 1, 1), 0.5)),
        t("W1", rng.standard_normal((3, 1, 3, 3)) / 3),
        t("b1", rng.standard_normal(3) * 0.1),
        t("W2", rng.standard_normal((2, 3, 2, 2)) / 3),
        t("b2", rng.standard_normal(2) * 0.1),
        t("W3", rng.standard_normal((3, 18)) / 4),
        t("b3", rng.standard_normal(3) * 0.1),
    ]
    nodes = [
        helper.make_node("Sub", ["x", "mean"], ["s"]),
        helper.make_node("Div", ["s", "std"], ["d"]),
        helper.make_node("Conv", ["d", "W1", "b1"], ["c1"], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "W2", "b2"], ["c2"], pads=[1, 1, 0, 0]),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("Flatten", ["r2"], ["f"]),
        helper.make_node("Gemm", ["f", "W3", "b3"], ["y"], transB=1),
    ]
    g = helper.make_graph(
        nodes,
        "cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 6, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
        initializer=inits,
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    p = tmp / f"cnn{seed}.onnx"
    onnx.save(m, str(p))
    return p


def _ort(model: Path, xs: np.ndarray) -> np.ndarray:
    s = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    shape = s.get_inputs()[0].shape
    return np.stack([s.run(None, {"x": x.reshape(shape).astype(np.float32)})[0].reshape(-1) for x in xs])


def _spec(tmp: Path, lo: np.ndarray, hi: np.ndarray, n_out: int, target: int, name: str = "p.vnnlib") -> Path:
    """Violation: some other output >= Y_target (one polytope per other output)."""
    lines = [f"(declare-const X_{i} Real)" for i in range(lo.size)] + [
        f"(declare-const Y_{j} Real)" for j in range(n_out)
    ]
    for i in range(lo.size):
        lines += [f"(assert (>= X_{i} {float(lo[i])!r}))", f"(assert (<= X_{i} {float(hi[i])!r}))"]
    ors = " ".join(f"(and (>= Y_{j} Y_{target}))" for j in range(n_out) if j != target)
    lines.append(f"(assert (or {ors}))")
    p = tmp / name
    p.write_text("\n".join(lines) + "\n")
    return p


@pytest.fixture(scope="module")
def provable(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("verify")
    model = _mlp(tmp, [4, 12, 12, 3], seed=5)
    x = np.array([0.3, -0.2, 0.5, 0.1])
    y = _ort(model, x[None])[0]
    target = int(np.argmax(y))
    eps = 0.002
    return {
        "tmp": tmp,
        "model": model,
        "x": x,
        "target": target,
        "spec": _spec(tmp, x - eps, x + eps, 3, target),
        "wide": _spec(tmp, x - 3, x + 3, 3, target, "wide.vnnlib"),
    }


@pytest.mark.parametrize("method", ["ibp", "crown", "alpha-crown"])
def test_bounds_json_matches_schema_and_contains_onnxruntime(provable: dict[str, Any], method: str) -> None:
    code, out = _run(["bounds", str(provable["model"]), str(provable["wide"]), "--method", method, "--json"])
    assert code == 0, out
    doc = json.loads(out)
    jsonschema.validate(doc, _schema("tlean.bounds.v1"))
    assert doc["format"] == "tlean.bounds.v1" and doc["method"] == method
    box = doc["boxes"][0]
    x = provable["x"]
    xs = x + 3 * (2 * np.random.default_rng(0).random((200, 4)) - 1)
    ys = _ort(provable["model"], xs)
    for o in box["outputs"]:
        assert o["lower"] <= ys[:, o["index"]].min() and ys[:, o["index"]].max() <= o["upper"]
    for m in box["margins"]:
        assert m["lower"] <= m["upper"]


def test_python_api_bounds_and_spec_margins(provable: dict[str, Any]) -> None:
    from tlean.verify.bounds import compute_bounds, spec_margin_bounds
    from tlean.verify.vnnlib import read_vnnlib

    x = provable["x"]
    lb, ub = compute_bounds(provable["model"], x - 3, x + 3, method="crown")
    assert lb.shape == ub.shape == (1, 3)
    ys = _ort(provable["model"], x + 3 * (2 * np.random.default_rng(2).random((100, 4)) - 1))
    assert np.all(lb.reshape(-1) <= ys.min(axis=0)) and np.all(ys.max(axis=0) <= ub.reshape(-1))
    per_box = spec_margin_bounds(provable["model"], read_vnnlib(provable["spec"]), method="crown")
    assert len(per_box) == 1 and len(per_box[0]) == 2  # two violation polytopes (one per other class)
    assert all(np.any(rows > 0) for rows in per_box[0])


def test_bounds_text_output_names_outputs_and_margins(provable: dict[str, Any]) -> None:
    code, out = _run(["bounds", str(provable["model"]), str(provable["spec"])])
    assert code == 0
    assert "Y_0" in out and "margins" in out and "proved" in out


@pytest.mark.parametrize("method", ["crown", "alpha-crown"])
def test_verify_unsat_with_a_certificate_the_checker_accepts(provable: dict[str, Any], method: str) -> None:
    from tlean.verify.checker import check_certificate

    cert = provable["tmp"] / f"{method}.cert.json"
    code, out = _run(
        ["verify", str(provable["model"]), str(provable["spec"]), "--method", method, "--cert", str(cert), "--json"]
    )
    doc = json.loads(out)
    jsonschema.validate(doc, _schema("tlean.verify.v1"))
    assert (code, doc["result"], doc["certificate"]) == (0, "unsat", str(cert))
    res = check_certificate(provable["model"], provable["spec"], cert)
    assert res.accepted, (res.field, res.message)
    # one tampered number (a claimed margin raised above what the relaxation gives) is rejected
    d = json.loads(cert.read_text())
    import base64

    arr = np.frombuffer(base64.b64decode(d["boxes"][0]["proof"]["polytopes"][0]["lower"]["data"]), dtype="<f8").copy()
    arr[:] = 1e6
    d["boxes"][0]["proof"]["polytopes"][0]["lower"]["data"] = base64.b64encode(arr.tobytes()).decode()
    bad = provable["tmp"] / "bad.json"
    bad.write_text(json.dumps(d))
    assert not check_certificate(provable["model"], provable["spec"], bad).accepted


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cnn_certificates_are_accepted_and_bounds_contain_onnxruntime(tmp_path: Path, seed: int) -> None:
    """The checker re-derives CROWN/α-CROWN over conv2d, sub/div by constants and flatten exactly."""
    from tlean.verify.bounds.results import bounds_report, verify_bounds
    from tlean.verify.checker import check_certificate

    model = _cnn(tmp_path, seed)
    x = np.random.default_rng(seed).random(36)
    target = int(np.argmax(_ort(model, x[None])[0]))
    proved = 0
    for eps in (0.002, 0.01, 0.03):
        spec = _spec(tmp_path, x - eps, x + eps, 3, target, f"e{eps}.vnnlib")
        rep = bounds_report(model, spec, "crown")
        ys = _ort(model, x + eps * (2 * np.random.default_rng(0).random((100, 36)) - 1))
        for o in rep.boxes[0].outputs:
            assert o.lower <= ys[:, o.index].min() and ys[:, o.index].max() <= o.upper
        for method in ("crown", "alpha-crown"):
            cert = tmp_path / f"{eps}-{method}.json"
            v = verify_bounds(model, spec, method, cert=cert)
            if v.result == "unsat":
                proved += 1
                res = check_certificate(model, spec, cert)
                assert res.accepted, (eps, method, res.field, res.message)
    assert proved >= 2


def test_verify_unknown_exits_3_and_writes_no_certificate(provable: dict[str, Any]) -> None:
    cert = provable["tmp"] / "none.json"
    code, out = _run(
        ["verify", str(provable["model"]), str(provable["wide"]), "--method", "ibp", "--bounds-only",
         "--cert", str(cert), "--json"]
    )
    doc = json.loads(out)
    jsonschema.validate(doc, _schema("tlean.verify.v1"))
    assert (code, doc["result"], doc["certificate"], doc["method"]) == (3, "unknown", None, "ibp")
    assert doc["stages"] == [] and doc["counterexample"] is None  # bounds only: no search ran
    assert not cert.exists()


@pytest.mark.parametrize("extra", [[], ["--bounds-only"]])
def test_timeout_zero_answers_timeout(provable: dict[str, Any], extra: list[str]) -> None:
    code, out = _run(["verify", str(provable["model"]), str(provable["spec"]), "--timeout", "0", "--json", *extra])
    doc = json.loads(out)
    jsonschema.validate(doc, _schema("tlean.verify.v1"))
    assert (code, doc["result"]) == (3, "timeout")


def test_verify_sat_exits_1_with_a_counterexample_that_replays_in_onnxruntime(tmp_path: Path) -> None:
    from fractions import Fraction

    model, spec, c = sat_instance(tmp_path, seed=3)
    code, out = _run(["verify", str(model), str(spec), "--timeout", "30", "--json"])
    doc = json.loads(out)
    jsonschema.validate(doc, _schema("tlean.verify.v1"))
    assert (code, doc["result"], doc["certificate"]) == (1, "sat", None)
    assert doc["method"] in ("falsify", "bab") and doc["stages"][0]["stage"] == "falsify"
    ce = doc["counterexample"]
    x = np.asarray(ce["x"], dtype=np.float32)
    assert np.array_equal(x.astype(np.float64), np.asarray(ce["x"]))  # float32 values, exactly
    assert np.all((x >= -1) & (x <= 1))
    y = _ort(model, x[None])[0]
    assert np.array_equal(y, np.asarray(ce["y"], dtype=np.float32))
    assert Fraction(float(y[1])) <= Fraction(c)  # the violation Y_1 <= c, exactly
    # --exit-zero turns the negative verdict into 0; the text output names inputs and outputs
    code, out = _run(["verify", str(model), str(spec), "--timeout", "30", "--exit-zero"])
    assert code == 0 and out.startswith("sat (decided by ") and "X_0=" in out and "Y_1=" in out


def test_verify_unsat_text_names_method_and_certificate(provable: dict[str, Any]) -> None:
    from tlean.verify.checker import check_certificate

    cert = provable["tmp"] / "text.cert.json"
    code, out = _run(["verify", str(provable["model"]), str(provable["spec"]), "--method", "crown",
                      "--cert", str(cert)])
    assert code == 0 and out.startswith("unsat (decided by crown, ") and f"certificate: {cert}" in out
    assert "falsify: none" in out and "bounds: unsat" in out
    assert check_certificate(provable["model"], provable["spec"], cert).accepted


def test_verify_instances_runs_a_csv_like_batch(provable: dict[str, Any], tmp_path: Path) -> None:
    model, _, _ = sat_instance(tmp_path, seed=3)
    (tmp_path / "sat.vnnlib").write_text((tmp_path / "sat3.vnnlib").read_text())
    (tmp_path / "holds.vnnlib").write_text(spec_text(4, 3, [([-0.1] * 4, [0.1] * 4)], ["(>= Y_0 1000.0)"]))
    inst = tmp_path / "mini_instances.csv"
    inst.write_text(f"{model.name},sat.vnnlib,20\n{model.name},holds.vnnlib,20\n")
    truth = tmp_path / "truth.csv"
    truth.write_text("benchmark,onnx,vnnlib,timeout,expected\n"
                     f"mini,{model.name},sat.vnnlib,20,sat\nmini,{model.name},holds.vnnlib,20,unsat\n")
    out_dir = tmp_path / "out"
    code, out = _run(["verify", "--instances", str(inst), "--out-dir", str(out_dir), "--truth", str(truth), "--json"])
    doc = json.loads(out)
    jsonschema.validate(doc, _schema("tlean.batch.v1"))
    assert (code, doc["count"], doc["sat"], doc["unsat"], doc["wrong"]) == (0, 2, 1, 1, 0)
    assert (out_dir / "results.csv").is_file() and (out_dir / "report.html").is_file()
    # a truth table that says the opposite: both answers are wrong, exit 1 (0 with --exit-zero)
    truth.write_text("benchmark,onnx,vnnlib,timeout,expected\n"
                     f"mini,{model.name},sat.vnnlib,20,unsat\nmini,{model.name},holds.vnnlib,20,sat\n")
    code, out = _run(["verify", "--instances", str(inst), "--truth", str(truth), "--json"])
    assert (code, json.loads(out)["wrong"]) == (1, 2)
    # MODEL SPEC and --instances together, neither, or batch options without --instances: usage errors
    for args in (
        [str(model), str(tmp_path / "sat.vnnlib"), "--instances", str(inst)],
        [],
        [str(model)],
        [str(provable["model"]), str(provable["spec"]), "--truth", str(truth)],
    ):
        code, out = _run(["verify", *args, "--json"])
        assert code == 2 and json.loads(out)["error"]["code"] == "usage", args


def test_alpha_intermediate_is_sound_and_certified(provable: dict[str, Any]) -> None:
    code, out = _run(
        [
            "bounds",
            str(provable["model"]),
            str(provable["wide"]),
            "--method",
            "alpha-crown",
            "--alpha-intermediate",
            "--json",
        ]
    )
    assert code == 0
    box = json.loads(out)["boxes"][0]
    xs = provable["x"] + 3 * (2 * np.random.default_rng(1).random((200, 4)) - 1)
    ys = _ort(provable["model"], xs)
    for o in box["outputs"]:
        assert o["lower"] <= ys[:, o["index"]].min() and ys[:, o["index"]].max() <= o["upper"]
    code, out = _run(
        [
            "verify",
            str(provable["model"]),
            str(provable["spec"]),
            "--method",
            "alpha-crown",
            "--alpha-intermediate",
            "--cert",
            str(provable["tmp"] / "x.json"),
            "--json",
        ]
    )
    from tlean.verify.checker import check_certificate

    assert code == 0 and json.loads(out)["result"] == "unsat"
    assert check_certificate(provable["model"], provable["spec"], provable["tmp"] / "x.json").accepted


def test_bad_method_is_a_usage_error(provable: dict[str, Any]) -> None:
    code, out = _run(["verify", str(provable["model"]), str(provable["spec"]), "--method", "zonotope", "--json"])
    assert code == 2 and json.loads(out)["error"]["code"] == "usage"


def test_spec_that_does_not_fit_the_model_is_an_error(provable: dict[str, Any]) -> None:
    other = _spec(provable["tmp"], np.zeros(3), np.ones(3), 3, 0, "three.vnnlib")
    code, out = _run(["bounds", str(provable["model"]), str(other), "--json"])
    assert code == 2 and "input" in json.loads(out)["error"]["message"]


@needs_vnn
@pytest.mark.parametrize(
    ("bench", "onnx_name", "prop"),
    [
        ("mnistfc", "mnist-net_256x2.onnx", "prop_2_0.03.vnnlib"),
    ],
)
def test_vnncomp_instance_proved_and_certificate_accepted(
    tmp_path: Path, bench: str, onnx_name: str, prop: str
) -> None:
    from tlean.verify.bounds.results import verify_bounds
    from tlean.verify.checker import check_certificate

    model, spec = VNN / bench / onnx_name, VNN / bench / prop
    cert = tmp_path / "c.json"
    rep = verify_bounds(model, spec, "crown", cert=cert)
    assert rep.result == "unsat"
    res = check_certificate(model, spec, cert)
    assert res.accepted, (res.field, res.message)
