"""The audit against real Lean (skipped without ``lake``), plus the parts that run anywhere:
the Lean audit program and the Python reader agree on the format, ``lake`` log parsing, and
the skip-or-fail logic of ``tests/lean_support.py``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from lean_support import REPO_ROOT, lean, require_lean_project
from tlean.audit import AUDIT_FORMAT, Declaration, run_audit
from tlean.cli import app
from tlean.lake import lake_build, parse_lake_log, parse_lean_json, parse_progress, toolchain
from typer.testing import CliRunner

MAIN = REPO_ROOT / "NN" / "Audit" / "Main.lean"
runner = CliRunner()


# --- runs everywhere ------------------------------------------------------------------------


def test_lean_audit_program_emits_the_fields_python_reads() -> None:
    src = MAIN.read_text(encoding="utf-8")
    assert f'"{AUDIT_FORMAT}"' in src
    emitted = set(re.findall(r'\("([a-z_]+)", ', src))
    assert set(Declaration.model_fields) <= emitted
    assert {"format", "lean_version", "modules", "declarations"} <= emitted


def test_lean_audit_program_has_no_trust_boundaries() -> None:
    from tlean.scan import scan_paths

    assert scan_paths([MAIN]).findings == ()


def test_parse_lake_log() -> None:
    log = textwrap.dedent(
        """\
        ⚠ [3/7] Built NN.Spec.Tensor
        warning: ././NN/Spec/Tensor.lean:12:8: declaration uses 'sorry'
        ✖ [4/7] Building NN.IR.Graph
        error: NN/IR/Graph.lean:40:2: type mismatch
          h
        has type
          Nat
        error: Lean exited with code 1
        NN/IR/Other.lean:3:0: error: unknown identifier 'x'
        """
    ).splitlines()
    diags = parse_lake_log(log)
    assert [(d.severity, d.file, d.line, d.column) for d in diags] == [
        ("warning", "NN/Spec/Tensor.lean", 12, 9),
        ("error", "NN/IR/Graph.lean", 40, 3),
        ("error", "NN/IR/Other.lean", 3, 1),
    ]
    assert diags[1].message.splitlines()[0] == "type mismatch"
    assert "has type" in diags[1].message
    p = parse_progress(log[0])
    assert p is not None and (p.done, p.total, p.what) == (3, 7, "Built NN.Spec.Tensor")


def test_parse_lean_json() -> None:
    line = json.dumps(
        {
            "severity": "warning",
            "fileName": "./NN/A.lean",
            "pos": {"line": 3, "column": 0},
            "endPos": {"line": 3, "column": 7},
            "data": "declaration uses 'sorry'",
            "caption": "",
        }
    )
    [d] = parse_lean_json(["not json", line])
    assert (d.severity, d.file, d.line, d.column, d.end_column) == ("warning", "NN/A.lean", 3, 1, 8)


def test_toolchain_lookup_reports_missing_tools_as_values() -> None:
    tools = toolchain()
    assert set(tools) == {"elan", "lake", "lean"}
    for t in tools.values():
        assert t.found == (t.path is not None)


def _run_probe(tmp_path: Path, require: bool) -> subprocess.CompletedProcess[str]:
    probe = tmp_path / "test_probe.py"
    probe.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from lean_support import require_lean\n\n"
        "def test_needs_lean():\n    require_lean()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TLEAN_REQUIRE_LEAN"}
    env["PATH"] = str(tmp_path / "empty-bin")  # no lake here
    if require:
        env["TLEAN_REQUIRE_LEAN"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(probe)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_without_lake_the_test_is_skipped_with_the_reason(tmp_path: Path) -> None:
    res = _run_probe(tmp_path, require=False)
    assert res.returncode == 0, res.stdout
    assert "1 skipped" in res.stdout
    assert "`lake` is not on PATH" in res.stdout


def test_require_lean_turns_the_skip_into_a_failure(tmp_path: Path) -> None:
    res = _run_probe(tmp_path, require=True)
    assert res.returncode == 1, res.stdout
    assert "1 failed" in res.stdout
    assert "TLEAN_REQUIRE_LEAN=1" in res.stdout


# --- needs lake -----------------------------------------------------------------------------


@lean
def test_real_audit_report_and_gate(tmp_path: Path) -> None:
    root = require_lean_project()
    lake_build(root)  # `lake exe tlean_audit` builds the executable, not the NN modules
    audit = run_audit(root, ["NN"])
    assert audit.format == AUDIT_FORMAT
    assert audit.declarations, "the audit listed no declarations"
    names = [d.name for d in audit.declarations]
    assert names == sorted(names)
    audit_json = tmp_path / "audit.json"
    audit_json.write_text(json.dumps(audit.to_json()))
    res = runner.invoke(app, ["report", "--audit-json", str(audit_json), "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    lock = tmp_path / "lock.json"
    assert runner.invoke(app, ["gate", "--lock", str(lock), "--audit-json", str(audit_json), "--update"]).exit_code == 0
    res = runner.invoke(app, ["gate", "--lock", str(lock), "--audit-json", str(audit_json)])
    assert res.exit_code == 0, res.output


@lean
def test_real_build_then_report_through_the_cli(tmp_path: Path) -> None:
    root = require_lean_project()
    res = runner.invoke(app, ["report", "--project", str(root), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "report.html").exists()


def test_parse_lake_log_strips_ansi_and_carriage_returns() -> None:
    log = [
        "\x1b[33mwarning:\x1b[0m NN/A.lean:1:0: declaration uses 'sorry'",
        "[1/2] x\r[2/2] Built NN.A",
    ]
    [d] = parse_lake_log(log)
    assert (d.severity, d.file, d.line) == ("warning", "NN/A.lean", 1)
    p = parse_progress(log[1])
    assert p is not None and (p.done, p.total) == (2, 2)
