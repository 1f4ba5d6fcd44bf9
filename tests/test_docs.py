"""Generated documentation stays in step with the registries."""

from __future__ import annotations

from pathlib import Path

from tlean.opdocs import operators_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_operators_doc_is_current() -> None:
    """Regenerate with: python -m tlean.opdocs > docs/operators.md"""
    assert (ROOT / "docs" / "operators.md").read_text() == operators_markdown()


def test_registry_rejects_duplicates() -> None:
    import pytest
    from tlean.onnx_import.registry import Registry

    reg = Registry()
    reg.register("Relu", [6], "elementwise")(lambda ctx: [])
    with pytest.raises(ValueError, match="duplicate"):
        reg.register("Relu", [6, 13], "elementwise")(lambda ctx: [])


def test_resolution_uses_since_version() -> None:
    from tlean.onnx_import import (
        REGISTRY,
        families,  # noqa: F401
    )

    assert REGISTRY.resolve("Relu", "", 15).converter.since_version == 14  # type: ignore[union-attr]
    assert REGISTRY.resolve("Relu", "", 13).converter.since_version == 13  # type: ignore[union-attr]
    assert "outside op set v1" in REGISTRY.resolve("Erf", "", 13).reason
    assert "domain" in REGISTRY.resolve("Relu", "com.microsoft", 1).reason


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    blocks = [b.strip() for b in readme.split("```sh")[1:]]
    commands = [b.split("```")[0].strip() for b in blocks]
    test_cmd = next(c for c in commands if "pytest" in c)
    assert test_cmd in ci


def test_committed_audit_schema_is_current() -> None:
    """Regenerate with: tlean schema audit > docs/schemas/tlean.audit.v1.json"""
    import json

    from tlean.audit import Audit

    committed = json.loads((ROOT / "docs" / "schemas" / "tlean.audit.v1.json").read_text())
    assert committed == Audit.model_json_schema()


def test_lock_gate_passes_on_this_repository() -> None:
    """The committed proofs.lock.json gates a static scan of NN/: a new sorry or axiom in NN/
    fails this test (and CI) even on machines without Lean."""
    from tlean.cli import app
    from typer.testing import CliRunner

    res = CliRunner().invoke(app, ["gate", "--lock", str(ROOT / "proofs.lock.json"), "--from-scan", str(ROOT / "NN")])
    assert res.exit_code == 0, res.output
