"""Reading VNN-LIB properties into the normal form of :mod:`tlean.verify.spec`.

Two dialects:

- **VNN-LIB 1.0**, the dialect of every VNN-COMP benchmark 2021–2025, read by this module's own
  parser: ``(declare-const X_i Real)`` / ``(declare-const Y_j Real)``, ``(assert F)`` where ``F`` is
  built from ``and``, ``or`` and comparisons ``<= >= < > =`` between linear terms (numbers in
  every decimal form incl. ``1e-05``, ``-0.5``, ``.5``; variables; ``+``, ``-``, ``*`` by a
  constant, ``/`` by a constant), with ``;`` comments. This includes the 2021–2023 disjunctive
  form ``(assert (or (and …) (and …)))`` whose branches mix input and output constraints.
- **VNN-LIB 2.0** (files starting with ``(vnnlib-version <2.0>)``), read through the official
  ``vnnlib`` package (it parses and type-checks 2.0 syntax only). Its single network must have one
  input and one output; ``X[i,j]`` is element ``(i, j)`` of the input, flattened row-major.

Meaning: the conjunction of all assertions, put in disjunctive normal form, is the violation
region. Each DNF term splits into input atoms, which must be bounds ``X_i <= c`` / ``X_i >= c``
(together a box in which every input is bounded on both sides), and output atoms, linear
inequalities over ``Y`` (a polytope row each). Terms with the same box share it; their output
parts become that box's polytopes, in order of appearance. Numbers are exact fractions of the
decimal text. Nothing is dropped silently: an atom over several inputs, over inputs and outputs,
or over no variable, an unbounded input, an undeclared variable, an empty box, an unknown command:
each is a :class:`~tlean.verify.spec.SpecError` naming file, line, column and the problem.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from tlean.errors import MissingDependencyError
from tlean.verify.spec import InputBox, Polytope, Spec, SpecError

#: Largest number of DNF terms the reader builds before refusing the spec.
MAX_TERMS = 100_000

_TOKEN = re.compile(r";[^\n]*|\(|\)|[^\s();]+")  # whitespace is skipped by finditer
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_VAR = re.compile(r"^([XY])_(0|[1-9]\d*)$")
_IGNORED = frozenset({"set-logic", "set-info", "set-option", "check-sat", "get-model", "exit"})


@dataclass(frozen=True)
class Pos:
    """A place in the spec text (1-based line and column)."""

    line: int
    col: int | None = None

    def __str__(self) -> str:
        return f"{self.line}:{self.col}" if self.col is not None else f"{self.line}"


@dataclass(frozen=True)
class Atom:
    """``Σ coeffs[v] · v + const <= 0`` over variables ``("X", i)`` / ``("Y", j)``."""

    coeffs: tuple[tuple[tuple[str, int], Fraction], ...]
    const: Fraction
    pos: Pos


class _Reader:
    """Error reporting with positions for one file."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def pos(self, offset: int) -> Pos:
        i = bisect.bisect_right(self.line_starts, offset) - 1
        return Pos(i + 1, offset - self.line_starts[i] + 1)

    def error(self, pos: Pos | int | None, message: str) -> SpecError:
        where = self.pos(pos) if isinstance(pos, int) else pos
        return SpecError(f"{self.source}:{where}: {message}" if where is not None else f"{self.source}: {message}")


# An s-expression: an atom (str, offset) or a list (list, offset).
SExpr = tuple[Any, int]


def _parse_sexprs(rd: _Reader) -> list[SExpr]:
    stack: list[tuple[list[SExpr], int]] = []
    top: list[SExpr] = []
    for m in _TOKEN.finditer(rd.text):
        tok = m.group()
        if tok[0] == ";":
            continue
        off = m.start()
        if tok == "(":
            stack.append(([], off))
        elif tok == ")":
            if not stack:
                raise rd.error(off, "unbalanced ')'")
            items, start = stack.pop()
            (stack[-1][0] if stack else top).append((items, start))
        else:
            if not stack:
                raise rd.error(off, f"unexpected {tok!r} outside parentheses")
            stack[-1][0].append((tok, off))
    if stack:
        raise rd.error(stack[-1][1], "unclosed '(' (the file ends inside this expression)")
    return top


def _number(tok: str) -> Fraction | None:
    return Fraction(tok) if _NUMBER.match(tok) else None


class _V1:
    """The VNN-LIB 1.0 reader proper."""

    def __init__(self, rd: _Reader) -> None:
        self.rd = rd
        self.declared: dict[tuple[str, int], int] = {}

    def read(self) -> tuple[int, int, list[list[list[Atom]]]]:
        asserts: list[list[list[Atom]]] = []
        for items, off in _parse_sexprs(self.rd):
            if not isinstance(items, list) or not items or not isinstance(items[0][0], str):
                raise self.rd.error(off, "expected a command such as (declare-const …) or (assert …)")
            head = items[0][0]
            if head == "declare-const":
                self._declare(items, off)
            elif head == "assert":
                if len(items) != 2:
                    raise self.rd.error(off, "assert takes exactly one formula")
                asserts.append(self._formula(items[1]))
            elif head in _IGNORED:
                continue
            else:
                raise self.rd.error(off, f"unsupported command {head!r} (VNN-LIB 1.0 has declare-const and assert)")
        n_in = self._count("X")
        n_out = self._count("Y")
        return n_in, n_out, asserts

    def _declare(self, items: list[SExpr], off: int) -> None:
        if len(items) != 3 or not all(isinstance(t, str) for t, _ in items[1:]):
            raise self.rd.error(off, "expected (declare-const NAME Real)")
        name, noff = items[1]
        if items[2][0] != "Real":
            raise self.rd.error(items[2][1], f"{name} has sort {items[2][0]!r}; VNN-LIB 1.0 variables are Real")
        m = _VAR.match(name)
        if not m:
            raise self.rd.error(noff, f"variable {name!r}: VNN-LIB 1.0 names inputs X_i and outputs Y_j")
        key = (m.group(1), int(m.group(2)))
        if key in self.declared:
            raise self.rd.error(
                noff, f"{name} is declared twice (first on line {self.rd.pos(self.declared[key]).line})"
            )
        self.declared[key] = noff

    def _count(self, kind: str) -> int:
        idx = sorted(i for k, i in self.declared if k == kind)
        for want, got in enumerate(idx):
            if want != got:
                raise self.rd.error(None, f"{kind}_{want} is not declared but {kind}_{got} is (indices must be 0..n-1)")
        return len(idx)

    def _formula(self, e: SExpr) -> list[list[Atom]]:
        """The formula in DNF: a list of conjunctions (lists of atoms)."""
        items, off = e
        if not isinstance(items, list) or not items or not isinstance(items[0][0], str):
            raise self.rd.error(off, "expected a formula: (and …), (or …) or a comparison")
        head = items[0][0]
        if head == "and":
            terms: list[list[Atom]] = [[]]
            for sub in items[1:]:
                terms = _product(terms, self._formula(sub), self.rd, off)
            return terms
        if head == "or":
            if len(items) < 2:
                raise self.rd.error(off, "(or) without arguments is false")
            out: list[list[Atom]] = []
            for sub in items[1:]:
                out.extend(self._formula(sub))
            if len(out) > MAX_TERMS:
                raise self.rd.error(off, f"the formula has more than {MAX_TERMS} disjuncts")
            return out
        if head in ("<=", ">=", "<", ">", "="):
            if len(items) != 3:
                raise self.rd.error(off, f"({head} …) takes two terms here")
            pos = self.rd.pos(off)
            fast = self._simple(items[1][0], items[2][0], head, pos)
            if fast is not None:
                return fast
            lhs, rhs = self._term(items[1]), self._term(items[2])
            if head in ("<=", "<"):
                return [[_atom(lhs, rhs, pos)]]
            if head in (">=", ">"):
                return [[_atom(rhs, lhs, pos)]]
            return [[_atom(lhs, rhs, pos), _atom(rhs, lhs, pos)]]
        raise self.rd.error(off, f"unsupported connective or comparison {head!r}")

    def _simple(self, a: Any, b: Any, head: str, pos: Pos) -> list[list[Atom]] | None:
        """``(op VAR NUMBER)`` / ``(op NUMBER VAR)``, the bulk of every spec, without term algebra."""
        if not (isinstance(a, str) and isinstance(b, str)) or head == "=":
            return None
        m, num, sign = _VAR.match(a), _number(b), 1
        if m is None or num is None:
            m, num, sign = _VAR.match(b), _number(a), -1
            if m is None or num is None:
                return None
        key = (m.group(1), int(m.group(2)))
        if key not in self.declared:
            return None  # the general path reports it
        if head in (">=", ">"):
            sign = -sign
        # sign · (var - num) <= 0
        return [[Atom(((key, Fraction(sign)),), -sign * num, pos)]]

    def _term(self, e: SExpr) -> dict[Any, Fraction]:
        """A linear term as {var: coeff, 1: const}."""
        items, off = e
        if isinstance(items, str):
            num = _number(items)
            if num is not None:
                return {1: num}
            m = _VAR.match(items)
            if m:
                key = (m.group(1), int(m.group(2)))
                if key not in self.declared:
                    raise self.rd.error(off, f"variable {items} is used but never declared")
                return {key: Fraction(1)}
            raise self.rd.error(off, f"unknown symbol {items!r} (expected a number, X_i or Y_j)")
        if not items or not isinstance(items[0][0], str):
            raise self.rd.error(off, "expected a term")
        head, args = items[0][0], [self._term(a) for a in items[1:]]
        if head == "+" and args:
            return _lin_sum(args, [1] * len(args))
        if head == "-" and len(args) == 1:
            return _lin_sum(args, [-1])
        if head == "-" and args:
            return _lin_sum(args, [1] + [-1] * (len(args) - 1))
        if head == "*" and args:
            out: dict[Any, Fraction] = {1: Fraction(1)}
            for a in args:
                if set(a) == {1}:
                    out = {k: v * a[1] for k, v in out.items()}
                elif set(out) == {1}:
                    out = {k: v * out[1] for k, v in a.items()}
                else:
                    raise self.rd.error(off, "product of two variable terms is not linear")
            return out
        if head == "/" and len(args) == 2:
            if set(args[1]) != {1} or args[1][1] == 0:
                raise self.rd.error(off, "division only by a nonzero constant")
            return {k: v / args[1][1] for k, v in args[0].items()}
        raise self.rd.error(off, f"unsupported term ({head} …) with {len(args)} argument(s)")


def _lin_sum(args: list[dict[Any, Fraction]], signs: list[int]) -> dict[Any, Fraction]:
    out: dict[Any, Fraction] = {}
    for a, s in zip(args, signs, strict=True):
        for k, v in a.items():
            out[k] = out.get(k, Fraction(0)) + s * v
    return out


def _atom(lhs: dict[Any, Fraction], rhs: dict[Any, Fraction], pos: Pos) -> Atom:
    """``lhs <= rhs`` as ``lhs - rhs <= 0``."""
    diff = _lin_sum([lhs, rhs], [1, -1])
    const = diff.pop(1, Fraction(0))
    coeffs = tuple(sorted((k, v) for k, v in diff.items() if v != 0))
    return Atom(coeffs, const, pos)


def _product(a: list[list[Atom]], b: list[list[Atom]], rd: _Reader | None, off: int | None) -> list[list[Atom]]:
    if len(a) * len(b) > MAX_TERMS:
        msg = f"the conjunction expands to more than {MAX_TERMS} disjuncts"
        raise rd.error(off, msg) if rd is not None else SpecError(msg)
    if len(b) == 1:
        return [x + b[0] for x in a]
    return [x + y for x in a for y in b]


class _Part:
    """The box bounds and output rows of a conjunction of atoms (built incrementally)."""

    def __init__(self, n_in: int, n_out: int, where: str) -> None:
        self.lo: list[Fraction | None] = [None] * n_in
        self.hi: list[Fraction | None] = [None] * n_in
        self.rows: list[tuple[Fraction, ...]] = []
        self.rhs: list[Fraction] = []
        self.touched: set[int] = set()
        self.n_out = n_out
        self.where = where

    def copy(self) -> _Part:
        out = _Part(0, self.n_out, self.where)
        out.lo, out.hi, out.rows, out.rhs = list(self.lo), list(self.hi), list(self.rows), list(self.rhs)
        return out

    def add(self, atom: Atom) -> None:
        kinds = {k for (k, _), _ in atom.coeffs}
        if not kinds:
            raise SpecError(f"{self.where}:{atom.pos}: a constraint without variables (constant true or false)")
        if kinds == {"X", "Y"}:
            raise SpecError(
                f"{self.where}:{atom.pos}: a constraint mixing inputs and outputs cannot be expressed as "
                "input box + output polytope"
            )
        if kinds == {"Y"}:
            row = [Fraction(0)] * self.n_out
            for (_, j), c in atom.coeffs:
                row[j] = c
            self.rows.append(tuple(row))
            self.rhs.append(-atom.const)
            return
        if len(atom.coeffs) != 1:
            raise SpecError(
                f"{self.where}:{atom.pos}: a constraint over several inputs is not a box bound "
                "(only X_i <= c and X_i >= c are supported on inputs)"
            )
        (_, i), c = atom.coeffs[0]
        bound = -atom.const / c
        self.touched.add(i)
        if c > 0:  # c·x + k <= 0  ->  x <= -k/c
            old = self.hi[i]
            self.hi[i] = bound if old is None or bound < old else old
        else:
            old = self.lo[i]
            self.lo[i] = bound if old is None or bound > old else old

    def check(self, first: int) -> None:
        for i, (lo, hi) in enumerate(zip(self.lo, self.hi, strict=True)):
            if lo is None or hi is None:
                side = "lower" if lo is None else "upper"
                raise SpecError(
                    f"{self.where}:{first}: input X_{i} has no {side} bound in the disjunct starting on line "
                    f"{first} (every input must be bounded on both sides)"
                )
            if lo > hi:
                raise SpecError(
                    f"{self.where}:{first}: contradictory bounds on X_{i}: lower {lo} > upper {hi} "
                    f"(disjunct starting on line {first})"
                )


def normal_form(n_in: int, n_out: int, asserts: Sequence[list[list[Atom]]], source: str, sha256: str) -> Spec:
    """Builds the :class:`Spec` of the conjunction of ``asserts`` (each already in DNF).

    The assertions with one disjunct form a common part, folded once; each term of the product of
    the others is applied to a copy of it. Terms whose input atoms give the same bounds share a box.
    """
    where = source or "<spec>"
    base = _Part(n_in, n_out, where)
    first_common = 0
    disjunctive: list[list[list[Atom]]] = []
    for a in asserts:
        if len(a) == 1:
            for atom in a[0]:
                base.add(atom)
                first_common = first_common or atom.pos.line
        else:
            disjunctive.append(a)
    terms: list[list[Atom]] = [[]]
    for d in disjunctive:
        terms = _product(terms, d, None, None)
    boxes: dict[Any, tuple[_Part, list[Polytope]]] = {}
    for term in terms:
        part = base.copy()
        for atom in term:
            part.add(atom)
        first = min([a.pos.line for a in term] + ([first_common] if first_common else [])) if term else first_common
        if not boxes or part.touched:
            part.check(first or 1)
        key = tuple((i, part.lo[i], part.hi[i]) for i in sorted(part.touched))
        entry = boxes.setdefault(key, (part, []))
        entry[1].append(Polytope(tuple(part.rows), tuple(part.rhs)))
    return Spec(
        n_inputs=n_in,
        n_outputs=n_out,
        boxes=tuple(
            InputBox(tuple(p.lo), tuple(p.hi), tuple(polys))  # type: ignore[arg-type]  # checked: no None
            for p, polys in boxes.values()
        ),
        source=source,
        sha256=sha256,
    )


def _is_v2(text: str) -> bool:
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok[0] == ";" or tok == "(":
            continue
        return tok == "vnnlib-version"
    return False


def _read_v2(path: Path, source: str, sha: str) -> Spec:
    try:
        import vnnlib
    except ImportError:  # pragma: no cover - a main dependency
        raise MissingDependencyError("reading VNN-LIB 2.0 needs the 'vnnlib' package: pip install vnnlib") from None
    try:
        query = vnnlib.parse_query_file(str(path))
    except vnnlib.VNNLibException as e:
        raise SpecError(f"{source}: VNN-LIB 2.0 parser: {e}") from None
    if len(query.networks) != 1:
        raise SpecError(f"{source}: {len(query.networks)} networks declared; tlean verifies one network at a time")
    net = query.networks[0]
    if len(net.inputs) != 1 or len(net.outputs) != 1 or len(net.hidden) != 0:
        raise SpecError(
            f"{source}: network {net.name!r} declares {len(net.inputs)} input(s), {len(net.outputs)} output(s) "
            f"and {len(net.hidden)} hidden node(s); tlean supports exactly one input and one output"
        )
    shapes = {"X": list(net.inputs[0].shape), "Y": list(net.outputs[0].shape)}
    names = {net.inputs[0].name: "X", net.outputs[0].name: "Y"}

    def flat(var: Any) -> tuple[str, int]:
        kind = names[var.name]
        idx, shape = list(var.indices), shapes[kind]
        flat_i = 0
        for i, d in zip(idx, shape, strict=True):
            flat_i = flat_i * d + i
        return kind, flat_i

    def term(e: Any) -> dict[Any, Fraction]:
        if isinstance(e, vnnlib.Var):
            return {flat(e): Fraction(1)}
        if isinstance(e, vnnlib.Literal):
            return {1: Fraction(e.lexeme)}
        if isinstance(e, vnnlib.Negate):
            return _lin_sum([term(e.expr)], [-1])
        if isinstance(e, vnnlib.Plus):
            return _lin_sum([term(a) for a in e.args], [1] * len(e.args))
        if isinstance(e, vnnlib.Minus):
            return _lin_sum([term(e.head)] + [term(a) for a in e.rest], [1] + [-1] * len(e.rest))
        if isinstance(e, vnnlib.Multiply):
            out: dict[Any, Fraction] = {1: Fraction(1)}
            for a in (term(x) for x in e.args):
                if set(a) == {1}:
                    out = {k: v * a[1] for k, v in out.items()}
                elif set(out) == {1}:
                    out = {k: v * out[1] for k, v in a.items()}
                else:
                    raise SpecError(f"{source}: product of two variable terms is not linear: {e}")
            return out
        raise SpecError(f"{source}: unsupported term {e}")

    asserts: list[list[list[Atom]]] = []
    for a in query.assertions:
        dnf: list[list[Atom]] = []
        for conj in a.expr.to_dnf():
            atoms: list[Atom] = []
            for c in conj:
                line = next((t.var.line for t in c.lhs.to_linear_expr().terms), None)
                line = line or next((t.var.line for t in c.rhs.to_linear_expr().terms), 0)
                pos = Pos(line)
                lhs, rhs = term(c.lhs), term(c.rhs)
                if isinstance(c, vnnlib.LessEqual | vnnlib.LessThan):
                    atoms.append(_atom(lhs, rhs, pos))
                elif isinstance(c, vnnlib.GreaterEqual | vnnlib.GreaterThan):
                    atoms.append(_atom(rhs, lhs, pos))
                elif isinstance(c, vnnlib.Equal):
                    atoms += [_atom(lhs, rhs, pos), _atom(rhs, lhs, pos)]
                else:
                    raise SpecError(f"{source}:{pos}: unsupported comparison {c} (not convex)")
            dnf.append(atoms)
        asserts.append(dnf)
    n_in = _prod(shapes["X"])
    n_out = _prod(shapes["Y"])
    return normal_form(n_in, n_out, asserts, source, sha)


def _prod(xs: Iterable[int]) -> int:
    out = 1
    for x in xs:
        out *= x
    return out


_CACHE: dict[str, Spec] = {}


def read_vnnlib(path: str | os.PathLike[str]) -> Spec:
    """Reads a VNN-LIB 1.0 or 2.0 file into a :class:`~tlean.verify.spec.Spec` (cached by SHA-256)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise SpecError(f"{p}: cannot read the spec: {e.strerror or e}") from None
    sha = hashlib.sha256(raw).hexdigest()
    source = str(p)
    key = f"{sha}:{source}"
    if key in _CACHE:
        return _CACHE[key]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SpecError(f"{p}: not UTF-8 text (byte {e.start})") from None
    spec = _read_v2(p, source, sha) if _is_v2(text) else parse_vnnlib(text, source=source, sha256=sha)
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[key] = spec
    return spec


def parse_vnnlib(text: str, *, source: str = "<string>", sha256: str = "") -> Spec:
    """Parses VNN-LIB 1.0 text (see the module docstring)."""
    rd = _Reader(text, source)
    n_in, n_out, asserts = _V1(rd).read()
    if n_in == 0:
        raise rd.error(None, "no input variables X_i are declared")
    if n_out == 0:
        raise rd.error(None, "no output variables Y_j are declared")
    return normal_form(n_in, n_out, asserts, source, sha256)
