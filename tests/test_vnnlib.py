"""VNN-LIB reading: every VNN-COMP 2021 property, the 2.0 dialect, and each error."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from tlean.verify.spec import SpecError
from tlean.verify.vnnlib import parse_vnnlib, read_vnnlib

VNN = Path(__file__).resolve().parents[1].parent / "shared" / "vnncomp2021"
needs_vnn = pytest.mark.skipif(not VNN.is_dir(), reason="VNN-COMP 2021 data (../shared/vnncomp2021) is absent")
ALL = sorted(VNN.rglob("*.vnnlib")) if VNN.is_dir() else []

HEAD = "(declare-const X_0 Real)\n(declare-const X_1 Real)\n(declare-const Y_0 Real)\n(declare-const Y_1 Real)\n"
BOX = "(assert (>= X_0 -1))\n(assert (<= X_0 1))\n(assert (>= X_1 0))\n(assert (<= X_1 0.5))\n"


def _independent_counts(text: str) -> tuple[int, list[int]]:
    """Boxes and rows per polytope by a plain textual reading of the 2021 forms.

    Each top-level ``assert`` is cut out by balancing parentheses; an ``(or …)`` assert over
    inputs multiplies the boxes by its number of ``(and`` branches; over outputs it gives one
    polytope per branch, with as many rows as comparisons; plain output asserts are rows of a
    polytope shared by all branches.
    """
    text = re.sub(r";[^\n]*", "", text)
    asserts, i = [], text.find("(assert")
    while i >= 0:
        depth, j = 0, i
        while True:
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            j += 1
            if depth == 0:
                break
        asserts.append(text[i:j])
        i = text.find("(assert", j)
    boxes, common_rows, polys = 1, 0, [0]
    for a in asserts:
        if "(or" in a:
            branches = [re.findall(r"\((?:<=|>=|<|>)\s[^()]*\)", b) for b in a.split("(and")[1:]]
            if all(any("Y_" in c for c in br) for br in branches):  # output rows (maybe with a box)
                xparts = [tuple(sorted(c for c in br if "X_" in c)) for br in branches]
                boxes *= len(set(xparts))
                polys = [sum("Y_" in c for c in br) for br in branches][: len(branches) // len(set(xparts))]
            else:
                boxes *= len(branches)
        elif "Y_" in a:
            common_rows += 1
    return boxes, [p + common_rows for p in polys]


@needs_vnn
@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_vnncomp2021_property_parses(path: Path) -> None:
    spec = read_vnnlib(path)
    text = path.read_text()
    boxes, rows = _independent_counts(text)
    assert len(spec.boxes) == boxes
    for box in spec.boxes:
        assert [p.rows for p in box.polytopes] == rows
        # the float32 box contains the exact box and is the tightest such float32 box
        for q, f in zip(box.lower, box.lower_f32, strict=True):
            assert Fraction(float(f)) <= q < Fraction(float(np.nextafter(f, np.float32(np.inf))))
        for q, f in zip(box.upper, box.upper_f32, strict=True):
            assert Fraction(float(np.nextafter(f, np.float32(-np.inf)))) < q <= Fraction(float(f))
    assert spec.n_inputs == len(re.findall(r"declare-const X_", text))
    assert spec.n_outputs == len(re.findall(r"declare-const Y_", text))


@needs_vnn
def test_bounds_are_the_exact_decimals() -> None:
    spec = read_vnnlib(VNN / "acasxu" / "prop_1.vnnlib")
    box = spec.boxes[0]
    assert box.upper[0] == Fraction("0.679857769") and box.lower[4] == Fraction("-0.5")
    (poly,) = box.polytopes
    # (>= Y_0 3.991125645861615) is the violation: -Y_0 <= -3.991125645861615
    assert poly.A == ((-1, 0, 0, 0, 0),) and poly.b == (Fraction("-3.991125645861615"),)
    mn = read_vnnlib(VNN / "mnistfc" / "prop_0_0.03.vnnlib")
    assert mn.n_inputs == 784 and len(mn.boxes[0].polytopes) == 9
    assert all(u - lo <= Fraction("0.0600001") for lo, u in zip(mn.boxes[0].lower, mn.boxes[0].upper, strict=True))


@needs_vnn
def test_disjunctive_inputs_give_boxes_times_polytopes() -> None:
    spec = read_vnnlib(VNN / "acasxu" / "prop_6.vnnlib")
    assert len(spec.boxes) == 2 and all(len(b.polytopes) == 4 for b in spec.boxes)
    assert spec.boxes[0].lower[1] == Fraction("0.11140846") and spec.boxes[1].upper[1] == Fraction("-0.11140846")


def test_numbers_in_every_form_and_linear_terms() -> None:
    text = HEAD + (
        "(assert (>= X_0 -1.5e-3)) (assert (<= X_0 2E+2)) (assert (>= X_1 .5)) (assert (<= X_1 +7))\n"
        "(assert (or (and (<= (+ Y_0 (* 2 Y_1)) 3.25) (> (- Y_0 Y_1) (/ 1 3))) (and (= Y_1 (- 4)))))"
    )
    spec = parse_vnnlib(text)
    (box,) = spec.boxes
    assert box.lower == (Fraction(-3, 2000), Fraction(1, 2)) and box.upper == (Fraction(200), Fraction(7))
    p0, p1 = box.polytopes
    assert p0.A == ((1, 2), (-1, 1)) and p0.b == (Fraction(13, 4), Fraction(-1, 3))
    assert p1.A == ((0, 1), (0, -1)) and p1.b == (-4, 4)


def test_disjunction_mixing_inputs_and_outputs_in_branches() -> None:
    """The 2021–2023 form: each (and …) of an (or …) has its own box and output rows."""
    text = HEAD + (
        "(assert (or (and (>= X_0 0) (<= X_0 1) (>= X_1 0) (<= X_1 1) (<= Y_0 Y_1))\n"
        "            (and (>= X_0 0) (<= X_0 1) (>= X_1 0) (<= X_1 1) (<= Y_1 0))\n"
        "            (and (>= X_0 2) (<= X_0 3) (>= X_1 0) (<= X_1 1) (<= Y_1 0))))"
    )
    spec = parse_vnnlib(text)
    assert [len(b.polytopes) for b in spec.boxes] == [2, 1]
    assert spec.boxes[1].lower == (2, 0)


def test_vnnlib_2_through_the_official_package(tmp_path: Path) -> None:
    p = tmp_path / "q.vnnlib"
    p.write_text(
        "(vnnlib-version <2.0>)\n(declare-network acc\n  (declare-input X float32 [1, 3])\n"
        "  (declare-output Y float32 [2])\n)\n; comment\n"
        "(assert (and (<= X[0,0] 0.5) (>= X[0,0] -0.5) (<= X[0,1] 0.001) (>= X[0,1] 0.0) (<= X[0,2] 1.0) "
        "(>= X[0,2] 0.25)))\n(assert (or (and (<= Y[0] Y[1]) (>= (+ Y[0] (* 2.0 Y[1])) 0.1)) (<= Y[1] -3.0)))\n"
    )
    spec = read_vnnlib(p)
    assert spec.n_inputs == 3 and spec.n_outputs == 2
    (box,) = spec.boxes
    assert box.upper == (Fraction(1, 2), Fraction(1, 1000), 1) and box.lower[2] == Fraction(1, 4)
    p0, p1 = box.polytopes
    assert p0.A == ((1, -1), (-1, -2)) and p0.b == (0, Fraction(-1, 10))
    assert p1.A == ((0, 1),) and p1.b == (-3,)
    bad = tmp_path / "bad.vnnlib"
    bad.write_text(p.read_text().replace("0.25", "1"))  # an integer literal for a float32: a type error
    with pytest.raises(SpecError, match="VNN-LIB 2.0"):
        read_vnnlib(bad)


def test_strict_comparisons_are_read_as_their_closure() -> None:
    spec = parse_vnnlib(HEAD + BOX + "(assert (< Y_0 1))")
    assert spec.boxes[0].polytopes[0].b == (1,)


def test_reading_is_cached(tmp_path: Path) -> None:
    p = tmp_path / "s.vnnlib"
    p.write_text(HEAD + BOX + "(assert (<= Y_0 1))")
    assert read_vnnlib(p) is read_vnnlib(p)
    p.write_text(HEAD + BOX + "(assert (<= Y_0 2))")
    assert read_vnnlib(p).boxes[0].polytopes[0].b == (2,)


@pytest.mark.parametrize(
    "body,where,problem",
    [
        (BOX + "(assert (<= Y_0 1)", "9:1", "unclosed"),
        (BOX + "(assert (<= Y_0 1)))", "9:20", "unbalanced"),
        (BOX + "(assert (<= Y_2 1))", "9:13", "Y_2 is used but never declared"),
        (BOX + "(assert (<= Z 1))", "9:13", "unknown symbol"),
        (
            "(assert (>= X_0 -1))\n(assert (<= X_0 1))\n(assert (<= X_1 1))\n(assert (<= Y_0 0))",
            "5",
            "X_1 has no lower bound",
        ),
        ("(assert (<= Y_0 0))", "5", "X_0 has no lower bound"),
        (BOX + "(assert (<= X_0 Y_0))", "9:9", "mixing inputs and outputs"),
        (BOX + "(assert (<= X_0 X_1))", "9:9", "several inputs"),
        (BOX + "(assert (<= 1 2))", "9:9", "without variables"),
        (BOX + "(assert (>= X_1 0.75)) (assert (<= Y_0 0))", "5", "contradictory bounds on X_1"),
        (BOX + "(assert (<= (* Y_0 Y_1) 0))", "9:13", "not linear"),
        (BOX + "(assert (distinct Y_0 Y_1))", "9:9", "unsupported connective"),
        (BOX + "(push 1)", "9:1", "unsupported command"),
        ("(declare-const X_0 Real)\n" + BOX, "5:16", "declared twice"),
        ("(declare-const X_3 Real)\n" + BOX, "", "X_2 is not declared but X_3 is"),
        ("(declare-const Q Real)\n" + BOX, "5:16", "names inputs X_i"),
        ("(declare-const Y_2 Int)\n" + BOX, "5:20", "sort 'Int'"),
        (BOX + "(assert (<= Y_0 (/ 1 0)))", "9:17", "nonzero constant"),
        (BOX + "(assert (or))", "9:9", "without arguments"),
    ],
)
def test_errors_name_file_line_column_and_problem(body: str, where: str, problem: str) -> None:
    with pytest.raises(SpecError) as e:
        parse_vnnlib(HEAD + body, source="p.vnnlib")
    assert e.value.code == "bad-spec"
    assert str(e.value).startswith(f"p.vnnlib:{where}") and problem in str(e.value)


def test_sizes_are_checked_against_the_model(tmp_path: Path) -> None:
    spec = parse_vnnlib(HEAD + BOX + "(assert (<= Y_1 0))", source="p.vnnlib")
    spec.check_model(2, 2)
    with pytest.raises(SpecError, match="model's output has 1 elements"):
        spec.check_model(2, 1)
    with pytest.raises(SpecError, match="model's input has 3 elements"):
        spec.check_model(3, 2)
    with pytest.raises(SpecError, match="cannot read"):
        read_vnnlib(tmp_path / "missing.vnnlib")
    (tmp_path / "bin.vnnlib").write_bytes(b"\xff\xfe(")
    with pytest.raises(SpecError, match="not UTF-8"):
        read_vnnlib(tmp_path / "bin.vnnlib")
