"""Certificates of α-CROWN with optimised intermediate slopes (``relus[k].alpha_for``).

Oracle: the independent exact checker (:mod:`tlean.verify.checker`) re-derives every claimed
intermediate bound from the certificate's slopes in rational arithmetic; onnxruntime confirms the
claimed bounds at sampled inputs. Certificates written by the engine with
``AlphaOptions(intermediate=True)`` must be accepted, and the same certificates with their
intermediate slopes removed, moved outside ``[0, 1]``, reshaped, re-keyed or changed must be
rejected naming the field. The ACAS Xu case is skipped when ``../shared/vnncomp2021`` is absent.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest
from tlean.verify.bounds.engine import AlphaOptions
from tlean.verify.bounds.results import verify_bounds
from tlean.verify.checker import check_certificate

from tests.bounds_support import onnx_mlp

ROOT = Path(__file__).resolve().parents[1]
VNN = ROOT.parent / "shared" / "vnncomp2021"
INT = AlphaOptions(iters=20, intermediate=True)


def _mlp(tmp: Path, sizes: list[int], seed: int) -> Path:
    return onnx_mlp(tmp, sizes, seed, w_scale=1.2, b_scale=0.2)


def _ort(model: Path, xs: np.ndarray) -> np.ndarray:
    s = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    return np.stack([s.run(None, {"x": x.reshape(1, -1).astype(np.float32)})[0].reshape(-1) for x in xs])


def _spec(tmp: Path, lo: np.ndarray, hi: np.ndarray, n_out: int, target: int, name: str) -> Path:
    """Violation: some other output >= Y_target (one polytope per other output)."""
    lines = [f"(declare-const X_{i} Real)" for i in range(lo.size)]
    lines += [f"(declare-const Y_{j} Real)" for j in range(n_out)]
    for i in range(lo.size):
        lines += [f"(assert (>= X_{i} {float(lo[i])!r}))", f"(assert (<= X_{i} {float(hi[i])!r}))"]
    ors = " ".join(f"(and (>= Y_{j} Y_{target}))" for j in range(n_out) if j != target)
    lines.append(f"(assert (or {ors}))")
    p = tmp / name
    p.write_text("\n".join(lines) + "\n")
    return p


def _proved_by_intermediate_alpha(tmp: Path, seed: int) -> dict[str, Any] | None:
    """A random net and the widest box (of a ladder) that α-CROWN with intermediate slopes proves."""
    model = _mlp(tmp, [5, 16, 16, 16, 3], seed)
    x = np.random.default_rng(100 + seed).uniform(-1, 1, 5)
    target = int(np.argmax(_ort(model, x[None])[0]))
    for eps in (0.3, 0.2, 0.14, 0.1, 0.07, 0.05, 0.035, 0.025, 0.018, 0.012, 0.008):
        spec = _spec(tmp, x - eps, x + eps, 3, target, f"p{seed}.vnnlib")
        cert = tmp / f"c{seed}.json"
        rep = verify_bounds(model, spec, "alpha-crown", cert=cert, alpha=INT)
        if rep.result == "unsat":
            return {"model": model, "spec": spec, "cert": cert, "x": x, "eps": eps}
    return None


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("alpha_int")
    out = [c for seed in range(6) if (c := _proved_by_intermediate_alpha(tmp, seed)) is not None]
    assert len(out) >= 4
    return out


def _doc(case: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(Path(case["cert"]).read_text())
    return doc


def _arr(a: dict[str, Any]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(a["data"]), dtype="<f8").reshape(a["shape"]).copy()


def _enc(v: np.ndarray) -> dict[str, Any]:
    v = np.ascontiguousarray(v, dtype="<f8")
    return {"dtype": "float64-le", "shape": list(v.shape), "data": base64.b64encode(v.tobytes()).decode()}


def _write(tmp: Path, doc: dict[str, Any], name: str = "t.json") -> Path:
    p = tmp / name
    p.write_text(json.dumps(doc))
    return p


def _needs_alpha(case: dict[str, Any], tmp: Path) -> bool:
    """Whether the certificate's intermediate claims need its slopes (rejected without them)."""
    doc = _doc(case)
    for r in doc["boxes"][0]["proof"]["relus"]:
        r.pop("alpha_for", None)
    return not check_certificate(case["model"], case["spec"], _write(tmp, doc, "stripped.json")).accepted


def test_engine_certificates_with_intermediate_alpha_are_accepted(cases: list[dict[str, Any]]) -> None:
    assert sum(any("alpha_for" in r for r in _doc(c)["boxes"][0]["proof"]["relus"]) for c in cases) >= 3
    for c in cases:
        res = check_certificate(c["model"], c["spec"], c["cert"])
        assert res.accepted, (res.field, res.message)
        relus = _doc(c)["boxes"][0]["proof"]["relus"]
        for k, r in enumerate(relus):
            for j, a in r.get("alpha_for", {}).items():
                v = _arr(a)
                later = next(i for i, q in enumerate(relus) if q["node"] == int(j))
                assert later > k and v.shape == (2 * len(_arr(relus[later]["lower"])), len(_arr(r["lower"])))
                assert np.all((v >= 0) & (v <= 1))
        # the claimed margin lower bounds hold at sampled inputs (onnxruntime): Y_t - Y_j >= claim
        x, eps = c["x"], c["eps"]
        ys = _ort(c["model"], x + eps * (2 * np.random.default_rng(0).random((200, x.size)) - 1))
        t = int(np.argmax(_ort(c["model"], x[None])[0]))
        others = [j for j in range(3) if j != t]
        for p, j in zip(_doc(c)["boxes"][0]["proof"]["polytopes"], others, strict=True):
            assert _arr(p["lower"])[0] > 0 and np.all(ys[:, t] - ys[:, j] >= _arr(p["lower"])[0] - 1e-5)


def test_intermediate_alpha_is_what_makes_the_claims_provable(cases: list[dict[str, Any]], tmp_path: Path) -> None:
    """On at least one net the claims exceed what the standard slopes give: without them, rejected."""
    needed = [c for c in cases if _needs_alpha(c, tmp_path)]
    assert needed
    doc = _doc(needed[0])
    for r in doc["boxes"][0]["proof"]["relus"]:
        r.pop("alpha_for", None)
    res = check_certificate(needed[0]["model"], needed[0]["spec"], _write(tmp_path, doc))
    assert not res.accepted and ".relus[" in (res.field or "") and (res.field or "").endswith("]")
    assert "provable" in res.message


def _with_slopes(cases: list[dict[str, Any]]) -> dict[str, Any]:
    return next(c for c in cases if "alpha_for" in _doc(c)["boxes"][0]["proof"]["relus"][0])


def _first_slopes(doc: dict[str, Any]) -> tuple[dict[str, Any], str]:
    r0 = doc["boxes"][0]["proof"]["relus"][0]
    key = sorted(r0["alpha_for"], key=int)[0]
    return r0["alpha_for"], key


@pytest.mark.parametrize("value", [1.5, -0.25, 1.0000000000000002])
def test_slopes_outside_unit_interval_are_rejected_naming_the_field(
    cases: list[dict[str, Any]], tmp_path: Path, value: float
) -> None:
    c = _with_slopes(cases)
    doc = _doc(c)
    af, key = _first_slopes(doc)
    v = _arr(af[key])
    v[1, 2] = value
    af[key] = _enc(v)
    res = check_certificate(c["model"], c["spec"], _write(tmp_path, doc))
    assert not res.accepted
    assert res.field == f"boxes[0].proof.relus[0].alpha_for.{key}[1, 2]" and "[0, 1]" in res.message


def test_wrong_shape_and_wrong_key_are_rejected(cases: list[dict[str, Any]], tmp_path: Path) -> None:
    c = _with_slopes(cases)
    doc = _doc(c)
    af, key = _first_slopes(doc)
    af[key] = _enc(_arr(af[key])[:-1])
    res = check_certificate(c["model"], c["spec"], _write(tmp_path, doc))
    assert not res.accepted and res.field == f"boxes[0].proof.relus[0].alpha_for.{key}" and "shape" in res.message
    # a key that is not a later relu: the relu itself
    doc = _doc(c)
    r0 = doc["boxes"][0]["proof"]["relus"][0]
    af, key = _first_slopes(doc)
    af[str(r0["node"])] = af.pop(key)
    res = check_certificate(c["model"], c["spec"], _write(tmp_path, doc))
    assert not res.accepted and res.field == f"boxes[0].proof.relus[0].alpha_for.{r0['node']}"


def test_changed_slopes_so_a_claim_no_longer_follows_are_rejected(cases: list[dict[str, Any]], tmp_path: Path) -> None:
    """Flipping every optimised slope s to 1 - s (still in [0, 1]) breaks a claimed bound."""
    c = next(c for c in cases if _needs_alpha(c, tmp_path))
    doc = _doc(c)
    for r in doc["boxes"][0]["proof"]["relus"]:
        for j, a in r.get("alpha_for", {}).items():
            r["alpha_for"][j] = _enc(1.0 - _arr(a))
    res = check_certificate(c["model"], c["spec"], _write(tmp_path, doc))
    assert not res.accepted and ".relus[" in (res.field or "") and "provable" in res.message


def test_old_certificates_without_intermediate_slopes_stay_valid(cases: list[dict[str, Any]], tmp_path: Path) -> None:
    c = cases[0]
    cert = tmp_path / "final_only.json"
    rep = verify_bounds(c["model"], c["spec"], "crown", cert=cert)
    if rep.result == "unsat":
        assert "alpha_for" not in cert.read_text()
        assert check_certificate(c["model"], c["spec"], cert).accepted


def test_cli_verify_writes_a_certificate_with_intermediate_alpha(cases: list[dict[str, Any]], tmp_path: Path) -> None:
    from tlean.cli import app
    from typer.testing import CliRunner

    c = _with_slopes(cases)
    cert = tmp_path / "cli.json"
    args = ["verify", str(c["model"]), str(c["spec"]), "--method", "alpha-crown", "--alpha-intermediate"]
    r = CliRunner().invoke(app, [*args, "--cert", str(cert), "--json"])
    assert r.exit_code == 0, r.stdout
    assert json.loads(r.stdout)["result"] == "unsat" and "alpha_for" in cert.read_text()
    ck = CliRunner().invoke(app, ["check-cert", str(c["model"]), str(c["spec"]), str(cert)])
    assert ck.exit_code == 0, ck.stdout


@pytest.mark.skipif(not VNN.is_dir(), reason="VNN-COMP 2021 data (../shared/vnncomp2021) is absent")
def test_acas_xu_instance_proved_only_with_intermediate_slopes(tmp_path: Path) -> None:
    model = VNN / "acasxu" / "ACASXU_run2a_1_4_batch_2000.onnx"
    spec = VNN / "acasxu" / "prop_3.vnnlib"
    final_only = verify_bounds(model, spec, "alpha-crown", alpha=AlphaOptions(iters=20))
    assert final_only.result == "unknown"
    cert = tmp_path / "acas.json"
    rep = verify_bounds(model, spec, "alpha-crown", cert=cert, alpha=INT)
    assert rep.result == "unsat"
    res = check_certificate(model, spec, cert)
    assert res.accepted, (res.field, res.message)
    doc = json.loads(cert.read_text())
    d2 = copy.deepcopy(doc)
    for r in d2["boxes"][0]["proof"]["relus"]:
        r.pop("alpha_for", None)
    stripped = check_certificate(model, spec, _write(tmp_path, d2))
    assert not stripped.accepted and (stripped.field or "").startswith("boxes[0].proof.relus[")


def test_default_is_intermediate_alpha_and_the_flag_turns_it_off(cases: list[dict[str, Any]], tmp_path: Path) -> None:
    from tlean.cli import app
    from typer.testing import CliRunner

    c = _with_slopes(cases)
    for flag, has in (([], True), (["--no-alpha-intermediate"], False)):
        cert = tmp_path / f"d{len(flag)}.json"
        args = ["verify", str(c["model"]), str(c["spec"]), "--method", "alpha-crown", *flag, "--cert", str(cert)]
        r = CliRunner().invoke(app, [*args, "--json"])
        if json.loads(r.stdout)["result"] == "unsat":
            assert ("alpha_for" in cert.read_text()) == has
            assert check_certificate(c["model"], c["spec"], cert).accepted
        else:
            assert not has  # the default proves every case of the fixture


def test_a_spent_budget_keeps_standard_intermediate_slopes(cases: list[dict[str, Any]]) -> None:
    """With no time left, no intermediate layer is optimised (nothing to certify) and bounds stay >= CROWN."""
    from tlean.verify.bounds import BoundedModel

    c = cases[0]
    bm = BoundedModel(c["model"])
    x, eps = c["x"], c["eps"]
    A = np.eye(3)
    r = bm.run(x - eps, x + eps, A, "alpha-crown", alpha=AlphaOptions(intermediate=True, seconds=0.0))
    assert r.alpha_for == {}
    plain = bm.run(x - eps, x + eps, A, "crown")
    assert np.all(r.lower >= plain.lower)
