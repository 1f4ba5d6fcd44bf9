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
    assert "outside op set v1" in REGISTRY.resolve("Unique", "", 13).reason
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


# ---------------------------------------------------------------------------------------------
# README and docs cite only what exists: commands and options (read from the live typer app),
# Python names, and Lean declarations under NN/.

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: Commands README announces as being written by other work in progress; the lead empties this
#: set when they land (a name here that exists is checked like any other).
IN_PROGRESS: set[str] = set()


def _code_segments(text: str) -> list[str]:
    """Fenced code blocks (line by line) and inline code spans."""
    import re

    segments: list[str] = []
    blocks = re.split(r"^```[^\n]*\n", text, flags=re.M)
    for k, part in enumerate(blocks):
        if k % 2 == 1:  # inside a fence
            code, _, rest = part.partition("```")
            segments += code.splitlines()
            part = rest
        segments += re.findall(r"`([^`\n]+)`", part)
    return segments


def _app_options() -> dict[tuple[str, ...], set[str]]:
    import typer
    from tlean.cli import app

    out: dict[tuple[str, ...], set[str]] = {}

    def walk(prefix: tuple[str, ...], cmd: object) -> None:
        subs = getattr(cmd, "commands", None)
        opts = {o for p in getattr(cmd, "params", []) for o in [*p.opts, *getattr(p, "secondary_opts", [])]}
        out[prefix] = opts | {"--help"}
        for name, sub in (subs or {}).items():
            walk((*prefix, name), sub)

    walk((), typer.main.get_command(app))
    return out


def test_docs_cite_only_existing_commands_and_options() -> None:
    import re

    commands = _app_options()
    all_options = set().union(*commands.values())
    bad: list[str] = []
    cited = 0
    for doc in DOCS:
        for seg in _code_segments(doc.read_text()):
            seg = seg.split(" # ")[0]
            for m in re.finditer(r"(?:^|[\s/(])(?<!require )tlean((?:\s+[a-z][a-z0-9-]*)+)", seg):
                words = m.group(1).split()
                path: tuple[str, ...] = ()
                for w in words:
                    if (*path, w) in commands:
                        path = (*path, w)
                    else:
                        break
                if not path:
                    if words[0] not in IN_PROGRESS:
                        bad.append(f"{doc.name}: `tlean {words[0]}` is not a command ({seg!r})")
                    continue
                cited += 1
                rest = seg[m.end() :].split(" | ")[0].split(" # ")[0].split(" && ")[0]
                for opt in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-z])\b", rest):
                    if opt not in commands[path] and opt not in commands[()]:
                        bad.append(f"{doc.name}: `tlean {' '.join(path)}` has no option {opt} ({seg!r})")
            for opt in re.findall(r"^(--[a-z][a-z0-9-]*)$", seg.strip()):
                if opt not in all_options:
                    bad.append(f"{doc.name}: no command has the option {opt}")
    assert not bad, "\n".join(bad)
    assert cited > 30


def test_docs_cite_only_existing_python_names() -> None:
    import importlib
    import re

    bad = []
    for doc in DOCS:
        for seg in _code_segments(doc.read_text()):
            for name in re.findall(r"(?<![\w./])tlean(?:\.[A-Za-z_][A-Za-z0-9_]*)+", seg):
                if re.search(r"\.v\d+$", name):
                    continue  # a format name (tlean.ir.v1), not a Python name
                parts = name.split(".")
                obj: object = importlib.import_module("tlean")
                for k, part in enumerate(parts[1:], 1):
                    try:
                        obj = getattr(obj, part)
                    except AttributeError:
                        try:
                            obj = importlib.import_module(".".join(parts[: k + 1]))
                        except ImportError:
                            bad.append(f"{doc.name}: {name}")
                            break
    assert not bad, bad


def test_docs_cite_only_existing_lean_declarations() -> None:
    import re

    from tlean.scan import build_index

    index = build_index(ROOT / "NN")
    modules = {".".join(p.relative_to(ROOT).with_suffix("").parts) for p in (ROOT / "NN").rglob("*.lean")}
    known = index.names | index.namespaces | modules
    bad = []
    for doc in DOCS:
        for seg in _code_segments(doc.read_text()):
            for name in re.findall(r"(?<![\w.])NN(?:\.[A-Za-z_][A-Za-z0-9_']*)+", seg):
                name = name.rstrip(".")
                if name.startswith("NN.Models."):
                    continue  # exported models: generated into the user's tree
                if name not in known:
                    bad.append(f"{doc.name}: {name}")
    assert not bad, bad


def test_workflow_gate_steps_work_without_lean(tmp_path: Path) -> None:
    """The gate invocations of this repository's workflow are valid commands; the audit one
    passes on a clean recorded audit with the committed lock (its audit section exists)."""
    import re

    from tlean.cli import app
    from typer.testing import CliRunner

    text = (ROOT / ".github" / "workflows" / "lean.yml").read_text()
    gates = re.findall(r"run: \.venv/bin/tlean (gate [^\n]+)", text)
    assert any("--audit-json" in g for g in gates) and any("--from-scan" in g for g in gates)
    for g in gates:
        args = g.split()
        if "--audit-json" in args:
            args[args.index("--audit-json") + 1] = str(ROOT / "tests" / "fixtures" / "audit" / "clean.json")
        args = [str(ROOT / a) if a in ("proofs.lock.json", "NN") else a for a in args]
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, (g, res.output)
