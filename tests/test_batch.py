"""Batch runs and the orchestration of one instance (``verify_instance``), including bad input.

Oracles: onnxruntime (the sat instances are built from its outputs), the truth table written by
the test, the committed JSON Schemas, and the bound engine's own report (``verify_bounds``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
from tlean.errors import TleanError
from tlean.verify.batch import BatchSummary, run_batch
from tlean.verify.instance import InstanceReport, verify_instance

from tests.test_falsify import mlp, sat_instance, spec_text

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "vnncomp2021"


def _schema(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "docs" / "schemas" / f"{name}.json").read_text())


def test_committed_batch_schema_is_current() -> None:
    """Regenerate with the command in docs/verification.md ("Schemas")."""
    assert _schema("tlean.batch.v1") == BatchSummary.model_json_schema()


def test_instance_report_is_a_superset_of_the_verify_schema() -> None:
    """``verify_instance``'s JSON keeps every field of the committed tlean.verify.v1 schema, with the same meaning."""
    ours = InstanceReport.model_json_schema()
    theirs = _schema("tlean.verify.v1")
    assert set(theirs["required"]) <= set(ours["properties"])
    for name, prop in theirs["properties"].items():
        assert name in ours["properties"], name
        if name not in ("method", "boxes"):  # method: a wider set of values; boxes: the same $ref
            assert ours["properties"][name].get("type") == prop.get("type"), name


def _suite(tmp: Path) -> tuple[Path, Path]:
    """Three instances (sat, unsat, error) in a CSV with relative paths, and their truth table."""
    d = tmp / "bench"
    (d / "onnx").mkdir(parents=True)
    (d / "vnnlib").mkdir()
    model, spec, _ = sat_instance(d / "onnx", 0)
    spec.rename(d / "vnnlib" / "sat.vnnlib")
    (d / "vnnlib" / "holds.vnnlib").write_text(spec_text(4, 3, [([-0.1] * 4, [0.1] * 4)], ["(>= Y_0 1000.0)"]))
    (d / "vnnlib" / "bad.vnnlib").write_text(spec_text(4, 3, [([-0.1] * 4, [0.1] * 4)], ["(>= Y_9 1.0)"]))
    inst = d / "mini_instances.csv"
    inst.write_text(f"onnx/{model.name},vnnlib/sat.vnnlib,20\nonnx/{model.name},vnnlib/holds.vnnlib,20\n"
                    f"onnx/{model.name},vnnlib/bad.vnnlib,5\n")
    truth = tmp / "truth.csv"
    truth.write_text("benchmark,onnx,vnnlib,timeout,expected\n"
                     f"mini,{model.name},sat.vnnlib,20,sat\nmini,{model.name},holds.vnnlib,20,unsat\n")
    return inst, truth


def test_batch_writes_results_csv_summary_and_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tlean.verify.checker import check_certificate

    inst, truth = _suite(tmp_path)
    out = tmp_path / "out"
    s = run_batch(inst, out, truth=truth)
    assert (s.count, s.sat, s.unsat, s.error, s.wrong, s.solved) == (3, 1, 1, 1, 0, 2)
    assert s.category == "mini" and len(s.cactus) == 2 and s.cactus == sorted(s.cactus)
    rows = list(csv.reader((out / "results.csv").read_text().splitlines()))
    assert [r[4] for r in rows] == ["sat", "unsat", "error"]
    assert all(len(r) == 6 and r[0] == "mini" for r in rows)
    assert rows[0][1:3] == ["onnx/sat0.onnx", "vnnlib/sat.vnnlib"]
    float(rows[0][3]), float(rows[0][5])
    doc = json.loads((out / "summary.json").read_text())
    jsonschema.validate(doc, _schema("tlean.batch.v1"))
    assert "bad-spec" in doc["rows"][2]["message"]
    unsat = s.rows[1]
    assert unsat.certificate and Path(unsat.certificate).is_file()
    res = check_certificate(inst.parent / unsat.onnx, inst.parent / unsat.vnnlib, unsat.certificate)
    assert res.accepted, (res.field, res.message)
    # the whole batch's certificates, in this process and in two; then one tampered
    import tlean.verify.batch as batch_mod
    from tlean.verify.batch import check_batch_certificates

    seen: list[str] = []
    for jobs, big in ((1, None), (2, None), (2, 0)):  # big=0: every certificate on both processes
        if big is not None:
            monkeypatch.setattr(batch_mod, "BIG_CERT_BYTES", big)
        c = check_batch_certificates(s, jobs=jobs, on_result=lambda r, ok, t, why, out=seen: out.append(r.vnnlib))
        assert (c["unsat"], c["accepted"], c["rejected"], c["missing"]) == (1, 1, 0, 0), c
    assert seen == ["vnnlib/holds.vnnlib"] * 3
    cert = json.loads(Path(unsat.certificate).read_text())
    cert["model"]["sha256"] = "0" * 64
    Path(unsat.certificate).write_text(json.dumps(cert))
    c = check_batch_certificates(s, jobs=2)
    assert (c["accepted"], c["rejected"]) == (0, 1) and "model.sha256" in c["rejections"][0]  # type: ignore[index]
    page = (out / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "<polyline" in page
    for external in ("<script", "<link", "src=", "@import", "https://"):
        assert external not in page
    assert "sat.vnnlib" in page and "holds.vnnlib" in page
    import re
    import xml.etree.ElementTree as ET

    svg = ET.fromstring(re.search(r"<svg.*?</svg>", page, re.S).group(0))  # type: ignore[union-attr]
    lines = [e for e in svg.iter() if e.tag.endswith("polyline")]
    assert len(lines) == 1 and len(lines[0].attrib["points"].split()) == 1 + 2 * s.solved


def test_batch_summary_paths_work_from_another_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch run with relative paths, its certificates checked from elsewhere (as
    ``scripts/check_certs.py`` does, from the summary file alone)."""
    from tlean.verify.batch import check_batch_certificates

    inst, truth = _suite(tmp_path)
    monkeypatch.chdir(inst.parent)
    run_batch(inst.name, "out", truth=truth)
    monkeypatch.chdir(tmp_path)
    s = BatchSummary.model_validate_json((inst.parent / "out" / "summary.json").read_text())
    c = check_batch_certificates(s)
    assert (c["unsat"], c["accepted"], c["missing"]) == (1, 1, 0), c


def test_batch_counts_wrong_answers_and_the_command_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tlean.cli import app
    from tlean.cli_common import run_main

    inst, truth = _suite(tmp_path)
    text = truth.read_text().replace("sat.vnnlib,20,sat", "sat.vnnlib,20,unsat")
    truth.write_text(text)
    with pytest.raises(SystemExit) as e:
        run_main(app, ["batch", str(inst), "--truth", str(truth), "--limit", "2", "--no-certs", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert e.value.code == 1 and doc["wrong"] == 1 and doc["count"] == 2
    assert doc["rows"][0]["wrong"] and not doc["rows"][1]["wrong"]


def test_batch_bad_csv_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tlean.cli import app
    from tlean.cli_common import run_main

    bad = tmp_path / "i.csv"
    bad.write_text("a.onnx,b.vnnlib\n")
    with pytest.raises(SystemExit) as e:
        run_main(app, ["batch", str(bad), "--json"])
    assert e.value.code == 2 and json.loads(capsys.readouterr().out)["error"]["code"] == "bad-instances"


# ------------------------------------------------------------------------------ verify_instance


def test_verify_instance_sat_unsat_timeout(tmp_path: Path) -> None:
    model, spec, _ = sat_instance(tmp_path, 1)
    r = verify_instance(model, spec, timeout=20)
    assert (r.result, r.method) == ("sat", "falsify") and r.counterexample is not None
    assert r.stages[0].stage == "falsify"
    holds = tmp_path / "h.vnnlib"
    holds.write_text(spec_text(4, 3, [([-0.1] * 4, [0.1] * 4)], ["(>= Y_0 1000.0)"]))
    cert = tmp_path / "c.json"
    r = verify_instance(model, holds, timeout=20, method="crown", cert=cert)
    assert (r.result, r.method, r.certificate) == ("unsat", "crown", str(cert)) and r.counterexample is None
    r = verify_instance(model, holds, timeout=0)
    assert r.result == "timeout" and not r.stages


def test_verify_instance_undecided_is_unknown_or_timeout_never_wrong(tmp_path: Path) -> None:
    """The property holds (threshold under α-CROWN's certified bound) but IBP cannot show it: unknown/timeout."""
    from tlean.verify.bounds import compute_bounds

    model = mlp(tmp_path / "m.onnx", sizes=(4, 32, 32, 3), seed=3)
    lo, hi = np.full(4, -1, np.float32), np.full(4, 1, np.float32)
    lb_alpha = float(compute_bounds(str(model), lo, hi, method="alpha-crown")[0].reshape(-1)[0])
    lb_ibp = float(compute_bounds(str(model), lo, hi, method="ibp")[0].reshape(-1)[0])
    t = lb_alpha - 1e-3
    if not lb_ibp < t:
        pytest.skip("IBP is already tight on this network")
    spec = tmp_path / "s.vnnlib"
    spec.write_text(spec_text(4, 3, [([-1.0] * 4, [1.0] * 4)], [f"(<= Y_0 {t!r})"]))
    r = verify_instance(model, spec, timeout=1.0, method="ibp", use_bab=False)
    assert r.result in ("unknown", "timeout") and r.counterexample is None
    assert r.seconds < 3.0
    r = verify_instance(model, spec, timeout=1.0, method="ibp")  # with branch and bound, when it exists
    assert r.result in ("unsat", "unknown", "timeout") and r.counterexample is None
    r = verify_instance(model, spec, timeout=10.0, method="alpha-crown")
    assert r.result == "unsat"


@pytest.mark.parametrize(
    ("case", "code"),
    [("no-input-constraint", "bad-spec"), ("contradictory", "bad-spec"), ("out-of-range", "bad-spec"),
     ("size-mismatch", "bad-spec"), ("negative-timeout", "usage")],
)
def test_verify_instance_bad_input_is_a_clear_error(tmp_path: Path, case: str, code: str) -> None:
    model = mlp(tmp_path / "m.onnx")
    spec = tmp_path / "s.vnnlib"
    decl = "\n".join([f"(declare-const X_{i} Real)" for i in range(4)]
                     + [f"(declare-const Y_{j} Real)" for j in range(3)])
    box = [([-1.0] * 4, [1.0] * 4)]
    timeout = 5.0
    if case == "no-input-constraint":
        spec.write_text(decl + "\n(assert (<= Y_0 Y_1))\n")
    elif case == "contradictory":
        spec.write_text(spec_text(4, 3, box, ["(<= Y_0 Y_1)", "(>= X_0 2.0)"]))
    elif case == "out-of-range":
        spec.write_text(spec_text(4, 3, box, ["(<= Y_0 Y_3)"]))
    elif case == "size-mismatch":
        spec.write_text(spec_text(5, 3, [([-1.0] * 5, [1.0] * 5)], ["(<= Y_0 Y_1)"]))
    else:
        spec.write_text(spec_text(4, 3, box, ["(<= Y_0 Y_1)"]))
        timeout = -1.0
    with pytest.raises(TleanError) as e:
        verify_instance(model, spec, timeout=timeout)
    assert e.value.code == code, str(e.value)
    assert str(e.value)


def test_ops_without_a_relaxation_fall_back_and_stay_sound(tmp_path: Path) -> None:
    """Sin has no CROWN relaxation: the engine bounds it by IBP (reported); answers stay right."""
    model = mlp(tmp_path / "s.onnx", act="Sin", seed=2)
    holds = tmp_path / "h.vnnlib"
    holds.write_text(spec_text(4, 3, [([-0.1] * 4, [0.1] * 4)], ["(>= Y_0 1000.0)"]))
    r = verify_instance(model, holds, timeout=20)
    assert r.result == "unsat" and any("fallback" in n for n in r.notes)


@pytest.mark.skipif(not DATA.is_dir(), reason="the VNN-COMP 2021 data (../shared/vnncomp2021) is not present")
def test_vnncomp_test_instances_against_truth(tmp_path: Path) -> None:
    s = run_batch(DATA / "test" / "test_instances.csv", tmp_path / "out", truth=DATA / "truth.csv", certs=False)
    assert s.wrong == 0 and s.error == 0 and s.solved == 5
