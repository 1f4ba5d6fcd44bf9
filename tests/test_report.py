"""``tlean report --audit-json``: JSON, Markdown, self-contained HTML and SARIF from a fixture."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from tlean.audit import AuditError, load_audit, parse_audit
from tlean.cli import app
from tlean.report import build_report, write_report
from typer.testing import CliRunner

AUDITS = Path(__file__).parent / "fixtures" / "audit"
SAMPLE = AUDITS / "sample.json"
runner = CliRunner()


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("report")
    res = runner.invoke(app, ["report", "--audit-json", str(SAMPLE), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "3/6 theorem(s) proved" in res.stdout
    return {p.name: p for p in out.iterdir()}


def test_all_formats_written(written: dict[str, Path]) -> None:
    assert sorted(written) == [
        "audit.json",
        "report.html",
        "report.json",
        "report.md",
        "report.sarif",
    ]


def test_json_report(written: dict[str, Path]) -> None:
    r: dict[str, Any] = json.loads(written["report.json"].read_text())
    assert r["format"] == "tlean.report.v1"
    s = r["summary"]
    assert (s["theorems"], s["theorems_proved"], s["theorems_open"]) == (6, 3, 3)
    assert s["boundaries"] == {
        "axiom": 1,
        "axiom-use": 1,
        "extern": 1,
        "implemented_by": 1,
        "native": 1,
        "partial": 1,
        "sorry": 1,
    }
    flagged = {(b["kind"], b["name"], b["detail"], b["failing"]) for b in r["boundaries"]}
    assert ("sorry", "NN.Proofs.bound_sound", "sorryAx", True) in flagged
    assert ("native", "NN.Floats.native_fact", "Lean.ofReduceBool", True) in flagged
    assert ("axiom", "NN.Floats.roundAx", "", True) in flagged
    assert ("axiom-use", "NN.Floats.uses_round", "NN.Floats.roundAx", True) in flagged
    assert ("extern", "NN.Runtime.kernelAdd", "", False) in flagged
    assert ("implemented_by", "NN.Runtime.fastLoop", "", False) in flagged
    mods = {m["module"]: [t["name"] for t in m["theorems"]] for m in r["modules"]}
    assert mods["NN.Proofs.IRExec"] == ["NN.Proofs.compile_correct"]


def test_markdown(written: dict[str, Path]) -> None:
    md = written["report.md"].read_text()
    assert md.startswith("# Proof report")
    assert "| ❌ | sorry | `NN.Proofs.bound_sound` | sorryAx |" in md
    assert "<code>NN.Spec.Tensor</code>" in md


def test_html_is_self_contained_and_escaped(written: dict[str, Path]) -> None:
    html = written["report.html"].read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"https?://", html)
    assert not re.search(r"<(link|img|iframe)\b", html)
    assert not re.search(r"<script[^>]*\bsrc=", html)
    assert "x&lt;script&gt;y" in html and "x<script>y" not in html
    assert html.count("<script>") == 1  # the inline table sorter
    assert 'class="sortable"' in html
    for kind in ("sorry", "native", "axiom", "extern", "implemented_by"):
        assert f'">{kind}</span>' in html


def test_sarif_shape(written: dict[str, Path]) -> None:
    log = json.loads(written["report.sarif"].read_text())
    assert log["version"] == "2.1.0"
    assert "$schema" in log
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "tlean report"
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    results = run["results"]
    assert len(results) == 7
    for res in results:
        assert res["ruleId"] in rule_ids
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        assert res["message"]["text"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"].endswith(".lean")
        assert loc["region"]["startLine"] >= 1
    sorry = next(r for r in results if r["ruleId"] == "tlean/sorry")
    assert sorry["level"] == "error"
    assert sorry["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 77,
        "startColumn": 1,
    }


def test_audit_copy_roundtrips(written: dict[str, Path]) -> None:
    assert load_audit(written["audit.json"]) == load_audit(SAMPLE)


def test_declaration_without_range_uses_module_path() -> None:
    audit = load_audit(SAMPLE)
    mk = next(d for d in audit.declarations if d.name == "NN.Spec.Tensor.mk")
    assert mk.line is None and mk.source_file == "NN/Spec/Tensor.lean"


def test_clean_audit_has_no_boundaries(tmp_path: Path) -> None:
    paths = write_report(load_audit(AUDITS / "clean.json"), tmp_path, ["md", "sarif"])
    assert "None: every declaration rests on the allowed axioms only." in paths["md"].read_text()
    assert json.loads(paths["sarif"].read_text())["runs"][0]["results"] == []


def test_allowed_axioms_change_the_report() -> None:
    audit = load_audit(SAMPLE)
    r = build_report(audit, ["propext", "Quot.sound", "Classical.choice", "NN.Floats.roundAx"])
    kinds = {b["kind"] for b in r["boundaries"]}
    assert "axiom" not in kinds and "axiom-use" not in kinds


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("nope", "not JSON"),
        ('{"format": "tlean.scan.v1"}', "expected 'tlean.audit.v1'"),
        ('{"format": "tlean.audit.v1", "declarations": [{"name": "x"}]}', "invalid audit"),
    ],
)
def test_bad_audit(text: str, what: str) -> None:
    with pytest.raises(AuditError, match=re.escape(what)):
        parse_audit(text)


def test_cli_bad_audit_path_is_exit_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["report", "--audit-json", str(tmp_path / "missing.json"), "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "no such audit file" in res.stderr


def test_cli_unknown_format_is_exit_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["report", "--audit-json", str(SAMPLE), "--out", str(tmp_path), "--formats", "pdf"])
    assert res.exit_code == 2
    assert "unknown report format" in res.stderr


def test_generated_declarations_are_not_counted_twice() -> None:
    r = build_report(load_audit(SAMPLE))
    names = [b["name"] for b in r["boundaries"]]
    assert "NN.Proofs.bound_sound.proof_1" not in names
    assert "NN.Proofs.bound_sound" in names
    listed = [t["name"] for m in r["modules"] for t in m["theorems"]]
    assert "NN.Proofs.bound_sound.proof_1" not in listed
    assert r["summary"]["declarations"] == 12
