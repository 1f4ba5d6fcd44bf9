"""``tlean scan``: the tokenizer on tricky fixtures, the CLI outputs, and this repository's NN/."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tlean.cli import app
from tlean.scan import build_index, check_names, mask_noncode, scan_paths, scan_text
from typer.testing import CliRunner

FIXTURES = Path(__file__).parent / "fixtures" / "lean"
REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.name) for f in scan_text(text)]


@pytest.fixture(scope="module")
def tricky() -> list[tuple[int, str, str, str]]:
    res = scan_paths([FIXTURES / "Tricky.lean"], base=FIXTURES)
    return [(f.line, f.kind, f.name, f.detail) for f in res.findings]


def test_tricky_fixture_reports_exactly_the_real_boundaries(
    tricky: list[tuple[int, str, str, str]],
) -> None:
    assert tricky == [
        (25, "sorry", "A.uses_sorry_after_quoted", ""),
        (33, "admit", "A.prime_then_sorry", ""),
        (35, "axiom", "A.inner_axiom", ""),
        (37, "axiom", "A.private_axiom", ""),
        (41, "axiom", "A.B.deep", ""),
        (47, "axiom", "top_level", ""),
        (50, "extern", "externFn", 'extern "c_fn"'),
        (51, "opaque", "externFn", ""),
        (53, "implemented_by", "implFn", "implemented_by A.h'"),
        (55, "set_option", "", "debug.skipKernelTC true"),
        (60, "unsafe", "unsafeFn", ""),
        (62, "partial", "loop", ""),
        (64, "native_decide", "native", "native_decide"),
    ]


def test_interpolation_holes_are_code() -> None:
    """A `sorry` inside an interpolated string's hole is code (it was masked as text once: a
    one-line gate bypass); text parts, escaped braces, and strings, character literals and
    comments inside holes are not."""
    path = FIXTURES / "Interpolated.lean"
    lines = path.read_text().splitlines()
    want = [i for i, line in enumerate(lines, 1) if line.rstrip().endswith("-- FINDING")]
    res = scan_paths([path], base=FIXTURES)
    assert [(f.line, f.kind) for f in res.findings] == [(i, "sorry") for i in want]
    assert len(want) == 5
    [f] = scan_text('def f (n : Nat) : String := s!"value {(sorry : Nat) + n}"\n')
    assert (f.kind, f.name, f.column) == ("sorry", "f", 40)


@pytest.mark.parametrize(
    "src",
    [
        's!"x {n} y"',
        's!"a {s!"b {"c {"} d"} e"} f"',
        's!"\\{ {1} \\\\ "',
        "s!\"{ '\\'' } {'{'}\"",
        's!"{n -- comment }\n} z"',
        's!"unterminated {n',
    ],
)
def test_masking_keeps_offsets(src: str) -> None:
    masked = mask_noncode(src)
    assert len(masked) == len(src) and masked.count("\n") == src.count("\n")


def test_columns_are_one_based_code_points() -> None:
    [f] = scan_text("def «α β» := 1\ntheorem t : True := sorry\n")
    assert (f.line, f.column) == (2, 21)
    [g] = scan_text("def x := «αβγ» sorry\n")
    assert g.column == 16


@pytest.mark.parametrize(
    "src",
    [
        "/- outer /- inner sorry -/ still comment sorry -/\ndef x := 1\n",
        "/-- doc sorry -/\ndef x := 1\n",
        "/-! module doc: axiom a : False -/\n",
        'def s := "sorry"\n',
        'def s := "a \\" sorry \\\\"\n',
        'def c := \'"\'\ndef s := "no sorry here"\n',
        "def no_sorry := 1\ndef sorry_lemma := 2\ndef x := no_sorry + sorry_lemma\n",
        "def n := `sorry\n",
        "def «sorry» := 1\n",
        "-- sorry\ndef x := 1 -- axiom y : False\n",
        'def r := r#"raw "sorry" string"#\n',
        'def r := r"raw \\ sorry"\n',
        'def i := s!"{1 + 1} sorry {"nested"} sorry"\n',
        'macro "x" : tactic => `(tactic| sorry)\n',
        "def f (x : Nat) := x.partial\n",
        "def x := Foo.sorry\n",
    ],
)
def test_not_a_finding(src: str) -> None:
    assert kinds(src) == []


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("theorem t : 1 = 1 := by sorry\n", [("sorry", "t")]),
        ("theorem t : 1 = 1 := by\n  admit\n", [("admit", "t")]),
        (
            "namespace A\nnamespace B\naxiom x : False\nend B\naxiom y : False\nend A\naxiom z : False\n",
            [("axiom", "A.B.x"), ("axiom", "A.y"), ("axiom", "z")],
        ),
        ("namespace A.B\naxiom x : False\nend A.B\n", [("axiom", "A.B.x")]),
        ("namespace A\nsection S\naxiom x : False\nend S\nend A\n", [("axiom", "A.x")]),
        ("namespace A\naxiom _root_.top : False\nend A\n", [("axiom", "top")]),
        ("namespace A\nprivate axiom hidden : False\nend A\n", [("axiom", "A.hidden")]),
        ("namespace A\nnoncomputable section\nopaque o : Nat\nend\nend A\n", [("opaque", "A.o")]),
        ('@[\n  extern "c"]\ndef f : Nat := 0\n', [("extern", "f")]),
        ("@[simp, implemented_by g]\ndef f : Nat := 0\n", [("implemented_by", "f")]),
        ("attribute [implemented_by g] f\n", [("implemented_by", "f")]),
        ("set_option debug.skipKernelTC true\n", [("set_option", "")]),
        (
            "set_option debug.skipKernelTC true in\ntheorem t : True := trivial\n",
            [("set_option", "t")],
        ),
        ("set_option debug.skipKernelTC false\n", []),
        ("theorem t : 2 = 2 := by decide +native\n", [("native_decide", "t")]),
        ("theorem t : x = y := Lean.ofReduceBool _ _ rfl\n", [("native_decide", "t")]),
        ("private unsafe def u : Nat := 0\n", [("unsafe", "u")]),
        ("partial def p : Nat → Nat := p\n", [("partial", "p")]),
        (
            "mutual\ntheorem a : True := sorry\nend\naxiom b : True\n",
            [("sorry", "a"), ("axiom", "b")],
        ),
    ],
)
def test_finding(src: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(src) == expected


def test_mask_keeps_offsets() -> None:
    src = "def a := \"x\ny\" /- c\nd -/ 'q' -- e\n"
    masked = mask_noncode(src)
    assert len(masked) == len(src)
    assert masked.count("\n") == src.count("\n")
    assert masked.startswith("def a := ")


def test_unterminated_comment_and_string_do_not_crash() -> None:
    assert kinds("/- never closed sorry") == []
    assert kinds('def s := "never closed sorry') == []


def test_json_is_sorted_and_deterministic(tmp_path: Path) -> None:
    out1 = runner.invoke(app, ["scan", str(FIXTURES), "--format", "json", "--exit-zero"])
    out2 = runner.invoke(app, ["scan", str(FIXTURES), "--format", "json", "--exit-zero"])
    assert out1.exit_code == 0, out1.output
    assert out1.stdout.encode() == out2.stdout.encode()
    doc = json.loads(out1.stdout)
    assert doc["format"] == "tlean.scan.v1"
    keys = [(f["file"], f["line"], f["column"], f["kind"]) for f in doc["findings"]]
    assert keys == sorted(keys)
    assert doc["counts"]["axiom"] == 4


def test_text_output_and_exit_code() -> None:
    res = runner.invoke(app, ["scan", str(FIXTURES / "Tricky.lean")])
    assert res.exit_code == 1
    assert "Tricky.lean:25:51: sorry in A.uses_sorry_after_quoted" in res.stdout
    clean = runner.invoke(app, ["scan", str(FIXTURES / "Clean.lean")])
    assert clean.exit_code == 0, clean.stdout
    assert "0 finding(s)" in clean.stdout


def test_sarif_output(tmp_path: Path) -> None:
    out = tmp_path / "scan.sarif"
    res = runner.invoke(app, ["scan", str(FIXTURES / "Tricky.lean"), "-f", "sarif", "-o", str(out)])
    assert res.exit_code == 1
    log = json.loads(out.read_text())
    assert log["version"] == "2.1.0"
    results = log["runs"][0]["results"]
    assert len(results) == 13
    first = results[0]
    assert first["ruleId"] == "tlean/sorry"
    assert first["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 25,
        "startColumn": 51,
    }


def test_missing_path_is_a_clean_error() -> None:
    res = runner.invoke(app, ["scan", "does/not/exist"])
    assert res.exit_code == 2
    assert "no such file or directory" in res.stderr


def test_scan_lock_roundtrip(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "A.lean").write_text("theorem a : True := trivial\n")
    lock = tmp_path / "lock.json"
    res = runner.invoke(app, ["scan", str(src), "--lock", str(lock), "--update"])
    assert res.exit_code == 0, res.output
    assert runner.invoke(app, ["scan", str(src), "--lock", str(lock)]).exit_code == 0
    (src / "B.lean").write_text("namespace X\ntheorem b : True := sorry\nend X\n")
    res = runner.invoke(app, ["scan", str(src), "--lock", str(lock)])
    assert res.exit_code == 1
    assert "X.b" in res.stdout


def test_names_index_fields_and_constructors(tmp_path: Path) -> None:
    root = tmp_path / "NN"
    (root / "Spec").mkdir(parents=True)
    (root / "Spec" / "Shape.lean").write_text(
        "namespace NN.Spec\n"
        "structure Dims where\n  rows : Nat\n  cols : Nat := 0\n  deriving Repr\n\n"
        "structure Dims3 extends Dims where\n  depth : Nat\n\n"
        "inductive Op where\n  | add\n  | mul (k : Nat)\n\n"
        "def size (d : Dims) : Nat := d.rows * d.cols\n"
        "end NN.Spec\n"
    )
    (root / "Use.lean").write_text(
        "import NN.Spec.Shape\n"
        "#check NN.Spec.Dims.rows\n#check NN.Spec.Dims3.rows\n#check NN.Spec.Op.mul\n"
        "#check NN.Spec.size\n#check NN.Spec.Dims.mk\n#check NN.Spec.size.eq_1\n"
        "#check NN.Spec.missing\n#check NN.Spec.Op.div\n"
        "-- NN.Spec.inAComment is not a reference\n"
    )
    idx = build_index(root)
    assert {
        "NN.Spec.Dims.rows",
        "NN.Spec.Dims.cols",
        "NN.Spec.Op.add",
        "NN.Spec.Op.mul",
    } <= idx.names
    res = check_names([root], root, base=tmp_path)
    assert [r.name for r in res.unresolved] == ["NN.Spec.missing", "NN.Spec.Op.div"]
    assert res.unresolved[0].file == "NN/Use.lean"


def test_repository_nn_has_zero_findings_and_stable_json() -> None:
    nn = REPO / "NN"
    if not nn.is_dir() or not any(nn.rglob("*.lean")):
        pytest.skip("NN/ does not exist yet in this checkout")
    res = scan_paths([nn], base=REPO)
    assert res.findings == (), "\n".join(f"{f.file}:{f.line}:{f.column}: {f.kind} {f.name}" for f in res.findings)
    cmd = [sys.executable, "-m", "tlean", "scan", "NN", "--format", "json"]
    a = subprocess.run(cmd, cwd=REPO, capture_output=True, check=True).stdout
    b = subprocess.run(cmd, cwd=REPO, capture_output=True, check=True).stdout
    assert a == b
    assert json.loads(a)["findings"] == []


def test_bench_script_runs_on_a_small_tree() -> None:
    bench = REPO / "scripts" / "bench_scan.py"
    cmd = [sys.executable, str(bench), "--files", "20", "--repeat", "1"]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    assert "scanned 20 files" in res.stdout and "lines/s" in res.stdout
