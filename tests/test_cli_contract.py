"""The command-line contract, on every command of the live typer app.

For each command, with and without ``--json``: the exit code (0 success or positive verdict,
1 negative verdict, 2 user error; see ``tlean.cli_common``) does not depend on ``--json``;
with ``--json`` stdout is one JSON object (``{"error": {"code", "message"}}`` on exit 2); nothing
prints a traceback. Commands are found by walking the app, so a command added later (``bounds``,
``verify``, ``check-cert``, ``grad``, ...) is held to the generic part of the contract
automatically: it must take ``--json``, render flags as flags, and answer a missing file and an
unknown option with exit 2 and a JSON error.
"""

from __future__ import annotations

import json
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from onnx import helper, save
from tlean.cli import app
from tlean.cli_common import run_main

from tests.onnx_helpers import make_model

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mlp.onnx"
EXAMPLE_INPUT = ROOT / "examples" / "mlp_input.npy"
AUDIT_SAMPLE = ROOT / "tests" / "fixtures" / "audit" / "clean.json"


def commands() -> Iterator[tuple[list[str], Any]]:
    """Every leaf command of the app as (path of names, click command)."""
    root = typer.main.get_command(app)

    def walk(prefix: list[str], cmd: Any) -> Iterator[tuple[list[str], Any]]:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in sorted(subs.items()):
                yield from walk([*prefix, name], sub)
        else:
            yield prefix, cmd

    yield from walk([], root)


COMMANDS = list(commands())
COMMAND_IDS = [" ".join(p) for p, _ in COMMANDS]
WITH_REQUIRED = [(p, c) for p, c in COMMANDS if any(q.required for q in c.params)]


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    def no_traceback(self) -> None:
        assert "Traceback" not in self.out + self.err, self.out + self.err


def call(capsys: pytest.CaptureFixture[str], args: list[str]) -> Outcome:
    with pytest.raises(SystemExit) as exc:
        run_main(app, [str(a) for a in args])
    captured = capsys.readouterr()
    code = exc.value.code
    return Outcome(code if isinstance(code, int) else (0 if code is None else 1), captured.out, captured.err)


def both(capsys: pytest.CaptureFixture[str], args: list[str], want: int) -> tuple[Outcome, Outcome]:
    """Runs ``args`` without and with ``--json``; checks the contract; returns both outcomes."""
    plain = call(capsys, args)
    js = call(capsys, [*args, "--json"])
    for o in (plain, js):
        o.no_traceback()
    assert plain.code == want, (args, plain)
    assert js.code == want, (args, js)
    doc = json.loads(js.out)
    assert isinstance(doc, dict)
    if want == 2:
        assert set(doc) == {"error"} and set(doc["error"]) == {"code", "message"}, doc
        assert doc["error"]["code"] and doc["error"]["message"]
        assert plain.err.strip() and "error" in plain.err.lower()
    else:
        assert "error" not in doc
    return plain, js


# ---------------------------------------------------------------------------------------------
# Generic: every command, found in the live app.


def test_the_app_has_the_known_commands() -> None:
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"inspect", "run", "export", "doctor", "new", "scan", "gate", "report", "schema ir"} <= names


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=COMMAND_IDS)
def test_every_command_takes_json_and_renders_flags_as_flags(
    path: list[str], cmd: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
    assert "--json" in opts, f"tlean {' '.join(path)} has no --json option (see tlean.cli_common.JsonOpt)"
    for p in cmd.params:
        if getattr(p, "is_flag", False):
            assert not getattr(p, "secondary_opts", None) or all(o.startswith("--no-") for o in p.secondary_opts)
    res = call(capsys, [*path, "--help"])
    res.no_traceback()
    assert res.code == 0 and "Usage:" in res.out
    assert "<bool>" not in res.out, res.out
    assert (cmd.help or "").strip(), f"tlean {' '.join(path)} has no docstring"


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=COMMAND_IDS)
def test_every_command_unknown_option_is_a_json_usage_error(
    path: list[str], cmd: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    both(capsys, [*path, "--no-such-option"], 2)


@pytest.mark.parametrize(("path", "cmd"), WITH_REQUIRED, ids=[" ".join(p) for p, _ in WITH_REQUIRED])
def test_every_command_missing_files_are_user_errors(
    path: list[str], cmd: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each required argument and option gets a path that does not exist: exit 2, never 70."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))  # no lake: toolchain-free paths only
    args = list(path)
    required = [p for p in cmd.params if p.required]
    for p in required:
        value = str(tmp_path / "missing" / f"{p.name}.onnx")
        if p.param_type_name == "argument":
            args.append(value)
        else:
            args += [p.opts[0], value]
    if path == ["new"]:
        (tmp_path / "missing").write_text("a file where the folder would go")
    both(capsys, args, 2)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from tlean import __version__

    res = call(capsys, ["--version"])
    assert res.code == 0 and res.out.strip() == f"tlean {__version__}"


# ---------------------------------------------------------------------------------------------
# Per command: success, negative verdicts and each class of user error.


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("not a folder")
    np.save(tmp_path / "x64.npy", np.load(EXAMPLE_INPUT).astype(np.float64))
    (tmp_path / "notnpy.txt").write_text("1 2 3 4")
    (tmp_path / "adir").mkdir()
    (tmp_path / "truncated.onnx").write_bytes(EXAMPLE.read_bytes()[:200])
    return tmp_path


def test_inspect(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, js = both(capsys, ["inspect", EXAMPLE], 0)
    assert json.loads(js.out)["import"]["ok"]
    bad = work / "unsupported.onnx"
    save(make_model([helper.make_node("Unique", ["x"], ["y"])], {"x": [3]}, ["y"], opset=13), bad)
    _, js = both(capsys, ["inspect", bad], 1)  # not importable: 1, with and without --json
    assert not json.loads(js.out)["import"]["ok"]
    both(capsys, ["inspect", bad, "--exit-zero"], 0)
    both(capsys, ["inspect", work / "nope.onnx"], 2)
    both(capsys, ["inspect", work / "truncated.onnx"], 2)
    both(capsys, ["inspect", EXAMPLE, "--max-elements", "-1"], 2)
    both(capsys, ["inspect", EXAMPLE, "--input-shape", "x=1,,3"], 2)


def test_run(work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    feed = f"x={EXAMPLE_INPUT}"
    _, js = both(capsys, ["run", EXAMPLE, "--input", feed], 0)
    assert json.loads(js.out)["format"] == "tlean.run.v1"
    for out_dir, what in ((work / "afile", "is a file"), (work / "afile" / "sub", "is a file"), ("/proc/x", "")):
        plain, js = both(capsys, ["run", EXAMPLE, "--input", feed, "--out-dir", out_dir], 2)
        assert json.loads(js.out)["error"]["code"] == "output-path" and what in plain.err
    plain, _ = both(capsys, ["run", EXAMPLE, "--input", feed, "--save", work / "afile"], 2)
    cases = {
        f"x={work / 'adir'}": "is a folder",
        f"x={work / 'nope.npy'}": "not found",
        f"x={work / 'notnpy.txt'}": "not a readable .npy file",
        f"x={work / 'x64.npy'}": "float64",
    }
    for spec, needle in cases.items():
        plain, _ = both(capsys, ["run", EXAMPLE, "--input", spec], 2)
        assert needle in plain.err and "allow_pickle" not in plain.err, plain.err
    plain, _ = both(capsys, ["run", EXAMPLE, "--input", feed, "--input", feed], 2)
    assert "twice" in plain.err
    plain, _ = both(capsys, ["run", EXAMPLE], 2)
    assert "missing --input" in plain.err
    monkeypatch.setenv("PATH", str(work))
    plain, js = both(capsys, ["run", EXAMPLE, "--input", feed, "--lean"], 2)
    assert json.loads(js.out)["error"]["code"] == "toolchain-missing" and "without --lean" in plain.err


def test_run_takes_dynamic_dims_from_the_npy(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A dynamic model runs on the .npy's shape without --input-shape; without inputs, the
    suggested --input-shape keeps the model's own fixed dims (not 1,3,224,224)."""
    import onnxruntime as ort

    model = work / "dyn.onnx"
    save(make_model([helper.make_node("Relu", ["x"], ["y"])], {"x": ["N", 1, 28, 28]}, ["y"], opset=13), model)
    x = np.random.default_rng(0).standard_normal((2, 1, 28, 28)).astype(np.float32)
    np.save(work / "x.npy", x)
    _, js = both(capsys, ["run", model, "--input", f"x={work / 'x.npy'}"], 0)
    (row,) = json.loads(js.out)["outputs"]
    want = ort.InferenceSession(str(model)).run(None, {"x": x})[0]
    assert row["shape"] == [2, 1, 28, 28] and np.isclose(row["max"], want.max())
    plain, _ = both(capsys, ["run", model], 2)
    assert "x=1,1,28,28" in plain.err and "224" not in plain.err
    plain, js = both(capsys, ["inspect", model], 1)  # inspect: "does not import" is its negative verdict
    assert "x=1,1,28,28" in js.out and "224" not in js.out


def test_export(work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _, js = both(capsys, ["export", EXAMPLE, "--out-dir", work / "o", "--check", "--force"], 0)
    data = json.loads(js.out)
    assert data["check"]["passed"] and data["module"] == "NN.Models.Mlp"
    plain, js = both(capsys, ["export", EXAMPLE, "--out-dir", work / "o"], 2)
    assert "--force" in plain.err and json.loads(js.out)["error"]["code"] == "export-exists"
    _, js = both(capsys, ["export", EXAMPLE, "--out-dir", work / "o", "--name", "Held_cnn", "--force"], 0)
    assert json.loads(js.out)["module"] == "NN.Models.Held_cnn" and (work / "o" / "Held_cnn.lean").is_file()
    for bad in ("9lives", "my-net", "theorem", "Ünï"):
        plain, js = both(capsys, ["export", EXAMPLE, "--out-dir", work / "o", "--name", bad], 2)
        assert json.loads(js.out)["error"]["code"] == "invalid-name" and "--name" in plain.err
    for out_dir in (work / "afile" / "models", "/proc/tlean-x"):
        plain, js = both(capsys, ["export", EXAMPLE, "--out-dir", out_dir], 2)
        assert json.loads(js.out)["error"]["code"] == "output-path"
    both(capsys, ["export", work / "nope.onnx", "--out-dir", work / "p"], 2)
    both(capsys, ["export", EXAMPLE, "--out-dir", work / "p", "--max-elements", "0"], 2)
    monkeypatch.setenv("PATH", str(work))  # no lake
    plain, js = both(capsys, ["export", EXAMPLE, "--out-dir", work / "q", "--check-lean"], 2)
    assert json.loads(js.out)["error"]["code"] == "toolchain-missing"
    assert not (work / "q").exists()  # checked before anything is written


def test_export_check_without_onnxruntime_fails_before_writing(tmp_path: Path) -> None:
    """After a plain `pip install -e .` (no onnxruntime), --check names the extra to install and
    writes nothing (it used to die on ModuleNotFoundError after writing the module)."""
    import subprocess

    code = (
        "import sys\n"
        "sys.modules['onnxruntime'] = None  # as if it were not installed\n"
        "from tlean.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    out = tmp_path / "o"
    for extra in ([], ["--json"]):
        res = subprocess.run(
            [sys.executable, "-c", code, "export", str(EXAMPLE), "--out-dir", str(out), "--check", *extra],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert res.returncode == 2, res.stderr
        assert "Traceback" not in res.stdout + res.stderr
        text = json.loads(res.stdout)["error"]["message"] if extra else res.stderr
        assert "onnxruntime" in text and "[check]" in text
        assert not out.exists()


def test_torchscript_errors_are_short_and_say_what_to_do(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    torch = pytest.importorskip("torch")

    class Two(torch.nn.Module):
        def forward(self, x: Any) -> Any:
            return torch.relu(x) * 2.0

    model = Two().eval()
    ts = work / "two.pt"
    torch.jit.save(torch.jit.trace(model, torch.randn(1, 3)), str(ts))
    ckpt = work / "ckpt.pt"
    torch.save(model.state_dict(), ckpt)
    assert zipfile.is_zipfile(ckpt)
    for cmd in (["inspect", ckpt], ["run", ckpt, "--input-shape", "x=1,3"], ["export", ckpt, "--out-dir", work]):
        plain, _ = both(capsys, cmd, 2)
        assert "torch.save checkpoint" in plain.err and "torch.jit.save" in plain.err and "ONNX" in plain.err
    plain, _ = both(capsys, ["export", ts, "--input-shape", "x=1,3", "--input-shape", "y=1,3", "--out-dir", work], 2)
    assert len(plain.err.splitlines()) <= 3 and "graph(" not in plain.err and "forward takes 1 input" in plain.err
    plain, _ = both(capsys, ["inspect", ts], 2)
    assert "TorchScript" in plain.err and "truncated" not in plain.err
    x = np.full((1, 3), -0.5, np.float32)
    np.save(work / "x.npy", x)
    _, js = both(capsys, ["run", ts, "--input", f"x={work / 'x.npy'}"], 0)  # shapes from the .npy
    (row,) = json.loads(js.out)["outputs"]
    assert row["name"] == "output" and row["values"] == [0.0, 0.0, 0.0]
    plain, js = both(capsys, ["export", ts, "--input-shape", "x=1,3", "--out-dir", work / "t", "--check", "--force"], 0)
    data = json.loads(js.out)
    assert data["check"]["passed"] and data["check"]["peer"].startswith("PyTorch")
    assert "Warning" not in plain.err and "warn" not in plain.err.lower()
    text = (work / "t" / "Two.lean").read_text()
    assert '"output"' in text and '"x"' in text


def test_scan(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = work / "Clean.lean"
    clean.write_text("theorem t : 1 = 1 := rfl\n")
    dirty = work / "Dirty.lean"
    dirty.write_text('def f (n : Nat) : String := s!"value {(sorry : Nat) + n}"\n')
    _, js = both(capsys, ["scan", clean], 0)
    assert json.loads(js.out)["format"] == "tlean.scan.v1"
    _, js = both(capsys, ["scan", dirty], 1)
    assert [f["kind"] for f in json.loads(js.out)["findings"]] == ["sorry"]
    both(capsys, ["scan", dirty, "--exit-zero"], 0)
    both(capsys, ["scan", work / "nope"], 2)
    res = call(capsys, ["scan", dirty, "--format", "sarif", "-o", work / "r.sarif"])
    assert res.code == 1 and json.loads((work / "r.sarif").read_text())["version"] == "2.1.0"
    res = call(capsys, ["scan", dirty, "--format", "json", "-o", work / "afile" / "r.json"])
    res.no_traceback()  # --format json is --json: the error is JSON on stdout too
    assert res.code == 2 and json.loads(res.out)["error"]["code"] == "output-path"
    both(capsys, ["scan", clean, "--format", "yaml"], 2)


def test_gate_and_update(work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(work))  # no lake
    src = work / "src"
    src.mkdir()
    (src / "A.lean").write_text("theorem t : 1 = 1 := rfl\n")
    lock = work / "lock.json"
    plain, js = both(capsys, ["gate", "--lock", lock, "--from-scan", src], 2)
    assert "--from-scan" in plain.err and "--update" in plain.err
    res = call(capsys, ["gate", "--lock", lock, "--from-scan", src, "--update"])
    assert res.code == 0
    both(capsys, ["gate", "--lock", lock, "--from-scan", src], 0)
    # Without lake and without a toolchain-free mode: exit 2 naming both modes.
    plain, js = both(capsys, ["gate", "--lock", lock], 2)
    assert json.loads(js.out)["error"]["code"] == "toolchain-missing"
    assert "--from-scan" in plain.err and "--audit-json" in plain.err
    # A new sorry fails; the hint repeats the same (scan) mode for --update.
    (src / "B.lean").write_text("theorem u : 2 = 2 := by sorry\n")
    plain, js = both(capsys, ["gate", "--lock", lock, "--from-scan", src], 1)
    assert json.loads(js.out)["passed"] is False
    assert f"tlean gate --lock {lock} --from-scan {src} --update" in plain.out
    both(capsys, ["gate", "--lock", lock, "--from-scan", src, "--exit-zero"], 0)
    # --update accepting it names it.
    res = call(capsys, ["gate", "--lock", lock, "--from-scan", src, "--update"])
    assert res.code == 0 and "sorry: u" in res.out and "B.lean" in res.out and "accepted" in res.out
    res = call(capsys, ["gate", "--lock", lock, "--from-scan", src, "--update", "--json"])
    assert res.code == 0 and json.loads(res.out)["accepted"] == []
    # The audit section is missing from this lock: the error says how to record it.
    plain, _ = both(capsys, ["gate", "--lock", lock, "--audit-json", AUDIT_SAMPLE], 2)
    assert f"--audit-json {AUDIT_SAMPLE} --update" in plain.err


def test_report(work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(work))
    _, js = both(capsys, ["report", "--audit-json", AUDIT_SAMPLE, "--out-dir", work / "r", "--format", "json,md"], 0)
    assert sorted(json.loads(js.out)["written"]) == ["audit", "json", "md"] or "json" in json.loads(js.out)["written"]
    both(capsys, ["report", "--audit-json", AUDIT_SAMPLE, "--out-dir", work / "afile"], 2)
    both(capsys, ["report", "--audit-json", work / "nope.json", "--out-dir", work / "r"], 2)
    plain, _ = both(capsys, ["report", "--out-dir", work / "r"], 2)
    assert "--audit-json" in plain.err


def test_schema_and_doctor(capsys: pytest.CaptureFixture[str]) -> None:
    for path in (["schema", "ir"], ["schema", "audit"], ["doctor"]):
        both(capsys, path, 0)


# ---------------------------------------------------------------------------------------------
# `tlean new` and the gate of its workflow.


def _workflow_gate_commands(package: Path) -> list[list[str]]:
    text = (package / ".github" / "workflows" / "lean.yml").read_text()
    cmds = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("run: .venv/bin/tlean gate"):
            cmds.append(line.removeprefix("run: .venv/bin/tlean ").split())
    return cmds


def test_new_package_passes_its_workflow_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gate steps of a fresh `tlean new` package pass: scan mode as is, audit mode on a
    recorded audit JSON of the package; the example module is named from its location."""
    monkeypatch.setenv("PATH", str(tmp_path))  # no lake
    pkg = tmp_path / "demo"
    js = call(capsys, ["new", pkg, "--name", "Demo", "--json"])
    assert js.code == 0, js
    data = json.loads(js.out)
    assert data["module"] == "Demo.Models.Example"
    assert (pkg / "lean-toolchain").read_text().strip() == (ROOT / "lean-toolchain").read_text().strip()
    lakefile = (pkg / "lakefile.lean").read_text()
    assert "require tlean from" in lakefile and "root := `Demo.Models.ExampleMain" in lakefile
    example = (pkg / "Demo" / "Models" / "Example.lean").read_text()
    assert "namespace Demo.Models.Example" in example
    assert 'def payloadPath : System.FilePath := ⟨"Demo/Models/Example.tlp"⟩' in example
    main = (pkg / "Demo" / "Models" / "ExampleMain.lean").read_text()
    assert main.startswith("import Demo.Models.Example\n") and "def main" in main
    assert (pkg / "Demo.lean").read_text().startswith("import Demo.Models.Example\n")
    gates = _workflow_gate_commands(pkg)
    assert [g[-2] for g in gates] == ["--from-scan", "--audit-json"]
    monkeypatch.chdir(pkg)
    scan_mode, audit_mode = gates
    res = call(capsys, scan_mode)
    assert res.code == 0, res.out + res.err
    audit_mode[-1] = str(ROOT / "tests" / "fixtures" / "audit" / "new_package.json")
    res = call(capsys, audit_mode)
    assert res.code == 0 and "gate passed (audit)" in res.out, res.out + res.err
    from tlean.lean_run import locate_module

    assert locate_module(pkg / "Demo" / "Models" / "Example.lean") == (pkg.resolve(), "Demo.Models.Example")
    # A second `new` into the same folder is refused.
    both(capsys, ["new", pkg], 2)


def test_new_package_from_git(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pkg = tmp_path / "g"
    res = call(capsys, ["new", pkg, "--tlean-git", "https://example.org/tlean.git", "--rev", "v0.1.0"])
    assert res.code == 0, res.err
    assert 'require tlean from git\n  "https://example.org/tlean.git" @ "v0.1.0"' in (pkg / "lakefile.lean").read_text()
    assert "pip install -q -e .lake/packages/tlean" in (pkg / ".github" / "workflows" / "lean.yml").read_text()
    both(capsys, ["new", tmp_path / "h", "--name", "not-a-name"], 2)


def test_new_package_runs_its_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The example model and its input work with tlean's evaluator (and match onnxruntime)."""
    import onnxruntime as ort

    pkg = tmp_path / "p"
    assert call(capsys, ["new", pkg]).code == 0
    x = np.load(pkg / "models" / "example_x.npy")
    feed = f"x={pkg / 'models' / 'example_x.npy'}"
    res = call(capsys, ["run", pkg / "models" / "example.onnx", "--input", feed, "--json"])
    assert res.code == 0
    (row,) = json.loads(res.out)["outputs"]
    want = ort.InferenceSession(str(pkg / "models" / "example.onnx")).run(None, {"x": x})[0]
    np.testing.assert_allclose(row["values"], want.ravel(), rtol=1e-6)


def test_export_names_the_module_from_the_package_location(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "lakefile.lean").write_text("import Lake\nopen Lake DSL\npackage p\n")
    res = call(capsys, ["export", EXAMPLE, "--out-dir", tmp_path / "Pkg" / "Nets", "--json", "--main"])
    assert res.code == 0, res.out
    data = json.loads(res.out)
    assert data["module"] == "Pkg.Nets.Mlp" and data["notes"] == []
    text = (tmp_path / "Pkg" / "Nets" / "Mlp.lean").read_text()
    assert "namespace Pkg.Nets.Mlp" in text and '⟨"Pkg/Nets/Mlp.tlp"⟩' in text
    assert (tmp_path / "Pkg" / "Nets" / "MlpMain.lean").read_text().startswith("import Pkg.Nets.Mlp\n")
    res = call(capsys, ["export", EXAMPLE, "--out-dir", tmp_path / "my-nets", "--json"])
    assert res.code == 0 and json.loads(res.out)["notes"]


def test_size_guidance_note_for_large_graphs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tlean.export import KERNEL_CHECK_NODES

    n = KERNEL_CHECK_NODES + 1
    nodes = [helper.make_node("Relu", [f"v{i}"], [f"v{i + 1}"]) for i in range(n)]
    model = tmp_path / "deep.onnx"
    save(make_model(nodes, {"v0": [2]}, [f"v{n}"], opset=13), model)
    res = call(capsys, ["export", model, "--out-dir", tmp_path / "o", "--json"])
    assert res.code == 0
    notes = json.loads(res.out)["notes"]
    assert any("decide +kernel" in note and str(KERNEL_CHECK_NODES) in note for note in notes)
    res = call(capsys, ["export", model, "--out-dir", tmp_path / "o", "--force"])
    assert res.code == 0 and "decide +kernel" in res.err


# ---------------------------------------------------------------------------------------------
# Python API.


def test_python_api(tmp_path: Path) -> None:
    import tlean

    g = tlean.import_onnx(EXAMPLE)
    (y,) = tlean.evaluate.evaluate(g.graph, {"x": np.load(EXAMPLE_INPUT)}, g.params)
    assert y.shape == (1, 4)
    res = tlean.export_onnx(EXAMPLE, out_dir=tmp_path, check=True)
    assert res.check.passed
    text = repr(res)
    assert len(text) < 300 and "NN.Models.Mlp" in text and "array" not in text
    from tlean.errors import TleanError

    with pytest.raises(TleanError) as e:
        tlean.export_onnx(EXAMPLE, out_dir=tmp_path)
    assert "--" not in e.value.message and "force=True" in e.value.message
    with pytest.raises(TleanError) as e:
        tlean.export_onnx(EXAMPLE, out_dir=tmp_path, name="bad-name")
    assert "--" not in e.value.message


def test_python_export_torch_names_and_check(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(3, 2)

        def forward(self, image: Any) -> Any:
            return self.fc(image).relu()

    import tlean

    res = tlean.export_torch(Net(), [torch.randn(1, 3)], name="Net", out_dir=tmp_path, check=True)
    assert res.check.passed and res.imported.graph.inputs[0].name == "image"
    assert res.imported.graph.output_names == ["output"]


# ---------------------------------------------------------------------------------------------
# The JSON documents introduced by these commands match their committed schemas.


def _schema(name: str) -> dict[str, Any]:
    return dict(json.loads((ROOT / "docs" / "schemas" / f"{name}.json").read_text()))


def test_json_outputs_match_committed_schemas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import jsonschema

    res = call(capsys, ["new", tmp_path / "pkg", "--json"])
    jsonschema.validate(json.loads(res.out), _schema("tlean.new.v1"))
    src = tmp_path / "src"
    src.mkdir()
    (src / "A.lean").write_text("theorem t : 1 = 1 := by sorry\n")
    res = call(capsys, ["gate", "--lock", tmp_path / "l.json", "--from-scan", src, "--update", "--json"])
    doc = json.loads(res.out)
    jsonschema.validate(doc, _schema("tlean.gate-update.v1"))
    assert [c["kind"] for c in doc["accepted"]] == ["sorry"]
    res = call(capsys, ["report", "--audit-json", AUDIT_SAMPLE, "--out-dir", tmp_path / "r", "--json"])
    jsonschema.validate(json.loads(res.out), _schema("tlean.report-summary.v1"))
    res = call(capsys, ["inspect", tmp_path / "nope.onnx", "--json"])
    jsonschema.validate(json.loads(res.out), _schema("tlean.error.v1"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"error": {"code": "Bad Code", "message": "x"}}, _schema("tlean.error.v1"))
