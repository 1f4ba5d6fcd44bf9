"""``tlean gate`` through the real CLI: new sorry / axiom fail, improvements pass, bad locks."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from tlean.cli import app
from typer.testing import CliRunner

AUDITS = Path(__file__).parent / "fixtures" / "audit"
runner = CliRunner()


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((AUDITS / name).read_text())
    return data


def write(tmp: Path, name: str, doc: dict[str, Any]) -> Path:
    p = tmp / name
    p.write_text(json.dumps(doc))
    return p


def decl(name: str, kind: str = "theorem", axioms: list[str] | None = None, line: int = 7) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind,
        "module": "NN.Proofs.New",
        "file": "NN/Proofs/New.lean",
        "line": line,
        "column": 1,
        "has_doc": True,
        "axioms": axioms or [],
        "extern": False,
        "implemented_by": False,
        "unsafe": False,
        "partial": False,
    }


def gate(*args: str) -> Any:
    return runner.invoke(app, ["gate", *args])


@pytest.fixture
def clean_lock(tmp_path: Path) -> Path:
    lock = tmp_path / "proofs.lock.json"
    res = gate("--lock", str(lock), "--audit-json", str(AUDITS / "clean.json"), "--update")
    assert res.exit_code == 0, res.output
    return lock


def test_update_writes_the_lock(clean_lock: Path) -> None:
    data = json.loads(clean_lock.read_text())
    assert data["format"] == "tlean.lock.v1"
    assert data["allowed_axioms"] == ["Classical.choice", "Quot.sound", "propext"]
    assert data["audit"] == {"entries": []}


def test_unchanged_passes(clean_lock: Path) -> None:
    res = gate("--lock", str(clean_lock), "--audit-json", str(AUDITS / "clean.json"))
    assert res.exit_code == 0, res.output
    assert "up to date" in res.stdout


def test_new_sorry_fails_and_names_the_declaration(clean_lock: Path, tmp_path: Path) -> None:
    doc = load("clean.json")
    doc["declarations"].append(decl("NN.Proofs.new_bound", axioms=["propext", "sorryAx"], line=42))
    res = gate("--lock", str(clean_lock), "--audit-json", str(write(tmp_path, "a.json", doc)))
    assert res.exit_code == 1, res.output
    assert "gate failed" in res.stdout
    assert "sorry: NN.Proofs.new_bound [sorryAx]" in res.stdout
    assert "NN/Proofs/New.lean:42:1" in res.stdout


def test_new_axiom_fails(clean_lock: Path, tmp_path: Path) -> None:
    doc = load("clean.json")
    doc["declarations"].append(decl("NN.Proofs.myAx", kind="axiom", axioms=["NN.Proofs.myAx"]))
    res = gate("--lock", str(clean_lock), "--audit-json", str(write(tmp_path, "a.json", doc)))
    assert res.exit_code == 1, res.output
    assert "axiom: NN.Proofs.myAx" in res.stdout


def test_theorem_newly_using_nonstandard_axiom_fails(tmp_path: Path) -> None:
    lock = tmp_path / "lock.json"
    sample = AUDITS / "sample.json"
    assert gate("--lock", str(lock), "--audit-json", str(sample), "--update").exit_code == 0
    doc = load("sample.json")
    doc["declarations"].append(decl("NN.Proofs.uses_native", axioms=["Lean.ofReduceBool"]))
    doc["declarations"].append(decl("NN.Proofs.uses_ax", axioms=["NN.Floats.roundAx"]))
    res = gate("--lock", str(lock), "--audit-json", str(write(tmp_path, "a.json", doc)))
    assert res.exit_code == 1
    assert "native: NN.Proofs.uses_native [Lean.ofReduceBool]" in res.stdout
    assert "axiom-use: NN.Proofs.uses_ax [NN.Floats.roundAx]" in res.stdout


def test_allow_list_is_configurable(clean_lock: Path, tmp_path: Path) -> None:
    doc = load("clean.json")
    doc["declarations"].append(decl("NN.Proofs.t", axioms=["Lean.ofReduceBool"]))
    p = write(tmp_path, "a.json", doc)
    assert gate("--lock", str(clean_lock), "--audit-json", str(p)).exit_code == 1
    res = gate("--lock", str(clean_lock), "--audit-json", str(p), "--allow-axiom", "Lean.ofReduceBool")
    assert res.exit_code == 0, res.output
    data = json.loads(clean_lock.read_text())
    data["allowed_axioms"].append("Lean.ofReduceBool")
    clean_lock.write_text(json.dumps(data))
    assert gate("--lock", str(clean_lock), "--audit-json", str(p)).exit_code == 0


def test_removed_sorry_passes_with_update_hint(tmp_path: Path) -> None:
    lock = tmp_path / "lock.json"
    assert gate("--lock", str(lock), "--audit-json", str(AUDITS / "sample.json"), "--update").exit_code == 0
    doc = load("sample.json")
    fixed = copy.deepcopy(doc)
    for d in fixed["declarations"]:
        if d["name"] == "NN.Proofs.bound_sound":
            d["axioms"] = ["propext"]
    res = gate("--lock", str(lock), "--audit-json", str(write(tmp_path, "a.json", fixed)))
    assert res.exit_code == 0, res.output
    assert "removed (improvements)" in res.stdout
    assert "sorry: NN.Proofs.bound_sound" in res.stdout
    assert "--update" in res.stdout


def test_new_extern_is_a_notice_unless_strict(clean_lock: Path, tmp_path: Path) -> None:
    doc = load("clean.json")
    d = decl("NN.Runtime.k", kind="def")
    d["extern"] = True
    doc["declarations"].append(d)
    p = write(tmp_path, "a.json", doc)
    res = gate("--lock", str(clean_lock), "--audit-json", str(p))
    assert res.exit_code == 0
    assert "extern: NN.Runtime.k" in res.stdout
    assert gate("--lock", str(clean_lock), "--audit-json", str(p), "--strict").exit_code == 1


def test_json_output(clean_lock: Path, tmp_path: Path) -> None:
    doc = load("clean.json")
    doc["declarations"].append(decl("NN.Proofs.s", axioms=["sorryAx"]))
    res = gate("--lock", str(clean_lock), "--audit-json", str(write(tmp_path, "a.json", doc)), "--json")
    assert res.exit_code == 1
    out = json.loads(res.stdout)
    assert out["format"] == "tlean.gate.v1"
    assert out["passed"] is False
    assert out["failures"][0]["name"] == "NN.Proofs.s"


def test_missing_lock_is_exit_2(tmp_path: Path) -> None:
    res = gate("--lock", str(tmp_path / "nope.json"), "--audit-json", str(AUDITS / "clean.json"))
    assert res.exit_code == 2
    assert "lock file not found" in res.stderr
    assert "--update" in res.stderr


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "expected a JSON object"),
        ('{"format": "tlean.lock.v0"}', "expected 'tlean.lock.v1'"),
        ('{"format": "tlean.lock.v1", "audit": {"entries": [{"name": "x"}]}}', "entries[0]"),
        ('{"format": "tlean.lock.v1", "audit": []}', '"audit" must be an object'),
        (
            '{"format": "tlean.lock.v1", "allowed_axioms": "propext", "audit": {"entries": []}}',
            "allowed_axioms",
        ),
    ],
)
def test_malformed_lock_is_exit_2(tmp_path: Path, text: str, what: str) -> None:
    lock = tmp_path / "lock.json"
    lock.write_text(text)
    res = gate("--lock", str(lock), "--audit-json", str(AUDITS / "clean.json"))
    assert res.exit_code == 2, res.output
    assert what in res.stderr
    # --update refuses to overwrite a malformed lock
    assert gate("--lock", str(lock), "--audit-json", str(AUDITS / "clean.json"), "--update").exit_code == 2


def test_lock_without_the_source_section_is_exit_2(clean_lock: Path) -> None:
    res = gate("--lock", str(clean_lock), "--from-scan", str(Path(__file__).parent / "fixtures" / "lean"))
    assert res.exit_code == 2
    assert 'no "scan" section' in res.stderr


def test_malformed_audit_is_exit_2(clean_lock: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "tlean.audit.v1", "declarations": [{"name": 3}]}')
    res = gate("--lock", str(clean_lock), "--audit-json", str(bad))
    assert res.exit_code == 2
    assert "invalid audit" in res.stderr


def test_from_scan(tmp_path: Path) -> None:
    src = tmp_path / "NN"
    src.mkdir()
    (src / "A.lean").write_text("namespace NN\ntheorem a : True := sorry\nend NN\n")
    lock = tmp_path / "lock.json"
    assert gate("--lock", str(lock), "--from-scan", str(src), "--update").exit_code == 0
    assert gate("--lock", str(lock), "--from-scan", str(src)).exit_code == 0
    (src / "B.lean").write_text("namespace NN\naxiom b : True\nend NN\n")
    res = gate("--lock", str(lock), "--from-scan", str(src))
    assert res.exit_code == 1
    assert "axiom: NN.b" in res.stdout
    (src / "B.lean").unlink()
    (src / "A.lean").write_text("namespace NN\ntheorem a : True := trivial\nend NN\n")
    res = gate("--lock", str(lock), "--from-scan", str(src))
    assert res.exit_code == 0
    assert "removed (improvements)" in res.stdout
