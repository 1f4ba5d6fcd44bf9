"""Lockstep between the Lean IR (``NN/IR``) and the Python IR (``tlean.ir.OPS``).

No Lean toolchain is needed: the Lean sources are read as text (comments stripped) and compared
one to one with the Python registry:

- ``OpTag`` constructors (and ``OpTag.all``) against ``OPS`` names;
- ``OpKind`` constructors and their attribute field names, in order, against
  ``tlean.ir.attr_fields(op)``;
- ``OpTag.minArity`` / ``OpTag.maxArity`` against ``min_inputs`` / ``max_inputs``.

A change on either side (an op or a field gained, lost or renamed, an arity changed) makes this
test fail; the negative tests below check that on mutated copies of both sides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tlean.ir import OPS, attr_fields

ROOT = Path(__file__).resolve().parents[1]
OPTAG = ROOT / "NN" / "IR" / "OpTag.lean"
OPKIND = ROOT / "NN" / "IR" / "OpKind.lean"

IDENT = r"[A-Za-z_][A-Za-z0-9_']*"
#: A constructor name, plain or escaped with guillemets (``«where»``: ``where`` is a keyword).
CTOR = rf"(?:{IDENT}|«{IDENT}»)"


def unescape(name: str) -> str:
    """``«where»`` -> ``where``; plain identifiers unchanged."""
    return name[1:-1] if name.startswith("«") and name.endswith("»") else name


def strip_comments(text: str) -> str:
    """Removes Lean comments: nested ``/- … -/`` blocks (docstrings included) and ``--`` lines.

    String literals are kept intact (a ``--`` or ``/-`` inside a string is not a comment).
    Newlines inside removed block comments are kept so that line structure survives.
    """
    out: list[str] = []
    i, n, depth = 0, len(text), 0
    in_string = False
    while i < n:
        c = text[i]
        two = text[i : i + 2]
        if depth > 0:
            if two == "/-":
                depth += 1
                i += 2
            elif two == "-/":
                depth -= 1
                i += 2
            else:
                if c == "\n":
                    out.append("\n")
                i += 1
            continue
        if in_string:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if c == '"':
                in_string = False
            i += 1
            continue
        if c == '"':
            in_string = True
            out.append(c)
            i += 1
        elif two == "/-":
            depth = 1
            i += 2
        elif two == "--":
            j = text.find("\n", i)
            i = n if j < 0 else j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _block(text: str, header: str) -> str:
    """The indented block that follows the line matching ``header`` (a regex)."""
    m = re.search(header, text, flags=re.M)
    if not m:
        raise AssertionError(f"no match for {header!r}")
    lines = text[m.end() :].split("\n")
    body: list[str] = []
    for line in lines[1:]:
        if line.strip() == "":
            if body:
                # a blank line ends a block only when the next non-blank line is not indented
                body.append(line)
            continue
        if not line.startswith((" ", "\t")):
            break
        body.append(line)
    return "\n".join(body)


@dataclass
class LeanModel:
    tags: list[str] = field(default_factory=list)
    all_list: list[str] = field(default_factory=list)
    kinds: dict[str, list[str]] = field(default_factory=dict)  # op -> attribute field names
    min_arity: dict[str, int] = field(default_factory=dict)
    max_arity: dict[str, int | None] = field(default_factory=dict)


def parse_lean(optag_text: str, opkind_text: str) -> LeanModel:
    """Reads op tags, arities, attribute structures and OpKind constructors from the sources."""
    tag_src = strip_comments(optag_text)
    kind_src = strip_comments(opkind_text)
    model = LeanModel()

    tag_block = _block(tag_src, r"^inductive\s+OpTag\s+where")
    model.tags = [unescape(t) for t in re.findall(rf"^\s*\|\s*({CTOR})\s*$", tag_block, flags=re.M)]

    m = re.search(r"def\s+all\s*:\s*List\s+OpTag\s*:=\s*\[(.*?)\]", tag_src, flags=re.S)
    assert m, "OpTag.all not found"
    model.all_list = [unescape(t.strip().lstrip(".")) for t in m.group(1).split(",") if t.strip()]

    for name, target in (("minArity", model.min_arity), ("maxArity", model.max_arity)):
        block = _block(tag_src, rf"^def\s+{name}\s*:")
        for tag, rhs in re.findall(rf"^\s*\|\s*\.?({CTOR})\s*=>\s*(.+?)\s*$", block, flags=re.M):
            tag = unescape(tag)
            if rhs == "none":
                target[tag] = None
            else:
                num = re.fullmatch(r"(?:some\s+)?(\d+)", rhs)
                assert num, f"{name}: cannot read arm {tag} => {rhs}"
                target[tag] = int(num.group(1))

    structures: dict[str, list[str]] = {}
    for sm in re.finditer(rf"^structure\s+({IDENT})\s+where\s*$", kind_src, flags=re.M):
        body = _block(kind_src[sm.start() :], rf"^structure\s+{sm.group(1)}\s+where")
        fields = []
        for line in body.split("\n"):
            if line.strip().startswith("deriving"):
                break
            fm = re.match(rf"^\s+({IDENT})\s*:", line)
            if fm:
                fields.append(fm.group(1))
        structures[sm.group(1)] = fields

    kind_block = _block(kind_src, r"^inductive\s+OpKind\s+where")
    for line in kind_block.split("\n"):
        cm = re.match(rf"^\s*\|\s*({CTOR})(.*)$", line)
        if not cm:
            continue
        ctor, rest = unescape(cm.group(1)), cm.group(2)
        binders = re.findall(rf"\(\s*({IDENT})\s*:\s*([^)]+?)\s*\)", rest)
        if len(binders) == 1 and binders[0][1] in structures:
            model.kinds[ctor] = list(structures[binders[0][1]])
        else:
            model.kinds[ctor] = [b[0] for b in binders]
    return model


def python_model() -> dict[str, tuple[list[str], int, int | None]]:
    """op -> (attribute fields, min inputs, max inputs) from ``tlean.ir``."""
    return {op: (attr_fields(op), s.min_inputs, s.max_inputs) for op, s in OPS.items()}


def compare(lean: LeanModel, py: dict[str, tuple[list[str], int, int | None]]) -> list[str]:
    """Every disagreement between the Lean and Python sides, as readable messages."""
    problems: list[str] = []
    names = list(py)
    if sorted(lean.tags) != sorted(names) or len(set(lean.tags)) != len(lean.tags):
        problems.append(f"OpTag constructors {lean.tags} != ir.OPS {names}")
    if sorted(lean.all_list) != sorted(names) or len(set(lean.all_list)) != len(lean.all_list):
        problems.append(f"OpTag.all {lean.all_list} != ir.OPS {names}")
    if sorted(lean.kinds) != sorted(names):
        problems.append(f"OpKind constructors {sorted(lean.kinds)} != ir.OPS {sorted(names)}")
    for op, (fields, lo, hi) in py.items():
        if op in lean.kinds and lean.kinds[op] != fields:
            problems.append(f"{op}: Lean attribute fields {lean.kinds[op]} != Python {fields}")
        if lean.min_arity.get(op, -1) != lo:
            problems.append(f"{op}: Lean minArity {lean.min_arity.get(op)} != Python {lo}")
        if op not in lean.max_arity or lean.max_arity[op] != hi:
            problems.append(f"{op}: Lean maxArity {lean.max_arity.get(op, '?')} != Python {hi}")
    for extra in set(lean.min_arity) - set(py):
        problems.append(f"minArity has an arm for unknown op {extra}")
    for extra in set(lean.max_arity) - set(py):
        problems.append(f"maxArity has an arm for unknown op {extra}")
    return problems


@pytest.fixture(scope="module")
def sources() -> tuple[str, str]:
    return OPTAG.read_text(encoding="utf-8"), OPKIND.read_text(encoding="utf-8")


def test_lean_and_python_ir_agree(sources: tuple[str, str]) -> None:
    lean = parse_lean(*sources)
    assert lean.tags, "no OpTag constructors parsed"
    assert compare(lean, python_model()) == []


def test_strip_comments_handles_nesting_and_strings() -> None:
    text = 'a /- x /- y -/ z -/ b -- c\n"--/-" d /-- doc -/ e'
    assert strip_comments(text).split() == ["a", "b", '"--/-"', "d", "e"]


@pytest.mark.parametrize(
    ("where", "old", "new"),
    [
        ("kind", "  | pad (attrs : PadAttrs)", "  | padding (attrs : PadAttrs)"),
        ("kind", "  dilations : List Nat\n", ""),
        ("kind", "  keepDims : Bool", "  keepdims : Bool"),
        ("kind", "  | globalAvgPool\n", "  | globalAvgPool (attrs : AxisAttrs)\n"),
        ("tag", "  | .linear => some 3", "  | .linear => some 2"),
        ("tag", "  | .concat => none", "  | .concat => some 4"),
        ("tag", "  | reduceMax\n", ""),
        ("tag", "  | relu\n", "  | relu\n  | gelu\n"),
        ("tag", "  | «where»\n", ""),
        ("tag", "  | .«where» => 3", "  | .«where» => 2"),
        ("kind", "  weight1 : List (List UInt32)\n", ""),
        ("kind", "  | pow (attrs : PowAttrs)", "  | pow"),
    ],
)
def test_lean_side_mutation_is_caught(
    sources: tuple[str, str], where: str, old: str, new: str
) -> None:
    tag_text, kind_text = sources
    if where == "tag":
        assert old in tag_text
        tag_text = tag_text.replace(old, new, 1)
    else:
        assert old in kind_text
        kind_text = kind_text.replace(old, new, 1)
    assert compare(parse_lean(tag_text, kind_text), python_model()) != []


def test_python_side_mutation_is_caught(sources: tuple[str, str]) -> None:
    lean = parse_lean(*sources)
    base = python_model()
    gained = dict(base, gelu=([], 1, 1))
    lost = {k: v for k, v in base.items() if k != "softmax"}
    renamed = dict(base)
    fields, lo, hi = renamed["conv2d"]
    renamed["conv2d"] = (["stride", *fields[1:]], lo, hi)
    arity = dict(base)
    arity["batchNorm"] = (base["batchNorm"][0], 4, 5)
    for mutated in (gained, lost, renamed, arity):
        assert compare(lean, mutated) != []
