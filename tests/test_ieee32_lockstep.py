"""Lockstep between the Python twin (``tlean.ieee32``, ``tlean.ieee32_elementary``) and ``NN/Floats``.

Every ``Lean: NN.Floats.X`` named in a docstring of the twin modules (public and private functions)
must be a declaration (``def``/``theorem``/``structure``/``inductive``/``instance``/..., with its
namespace) in ``NN/Floats/*.lean``, read with :func:`tlean.scan.build_index` (no toolchain needed);
and every public function of the twin must name its Lean declaration. The negative tests feed the
checker a docstring naming a missing declaration and a function without a ``Lean:`` line. The
``lake test`` fixture check (``NN/Tests/IEEE32Fixtures.lean``) must cover every fixture file with
the ``IEEE32`` op of the same name. (That the fixtures agree with the twin is
``tests/test_ieee32_oracles.py::test_twin_reproduces_fixture``.)
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from tlean import ieee32, ieee32_elementary
from tlean.scan import DeclaredIndex, build_index

ROOT = Path(__file__).resolve().parents[1]
FLOATS = ROOT / "NN" / "Floats"
LEAN_REF = re.compile(r"Lean:\s*(NN\.Floats\.[A-Za-z0-9_.?!']*[A-Za-z0-9_?!'])")
MODULES = (ieee32, ieee32_elementary)


def lean_names(doc: str | None) -> list[str]:
    """The ``NN.Floats.…`` names a docstring gives after ``Lean:``."""
    return LEAN_REF.findall(doc or "")


def own_functions(module: ModuleType) -> list[tuple[str, Callable[..., Any]]]:
    """The functions defined in ``module`` itself (not re-exported ones)."""
    return [
        (name, fn)
        for name, fn in vars(module).items()
        if inspect.isfunction(fn) and fn.__module__ == module.__name__
    ]


def problems(functions: Iterable[tuple[str, Callable[..., Any]]], index: DeclaredIndex) -> list[str]:
    """Missing Lean declarations and public functions without a ``Lean:`` line."""
    out = []
    for name, fn in functions:
        refs = lean_names(fn.__doc__)
        if not name.startswith("_") and not refs:
            out.append(f"{fn.__module__}.{name}: no 'Lean: NN.Floats.…' line in its docstring")
        for ref in refs:
            if ref not in index.names and not index.resolves(ref):
                out.append(f"{fn.__module__}.{name}: names {ref}, which NN/Floats does not declare")
    return out


@pytest.fixture(scope="module")
def index() -> DeclaredIndex:
    if not FLOATS.is_dir():
        pytest.fail("NN/Floats is missing")
    return build_index(FLOATS)


def test_twin_names_existing_lean_declarations(index: DeclaredIndex) -> None:
    found = [f for m in MODULES for f in own_functions(m)]
    assert len(found) > 40
    assert problems(found, index) == []


def test_every_kernel_operation_is_public_and_named(index: DeclaredIndex) -> None:
    """The issue's public operations exist in the twin and name ``NN.Floats.IEEE32.<op>``."""
    ops = ["add", "sub", "mul", "div", "sqrt", "fma", "neg", "abs", "minimum", "maximum", "lt", "le", "eq"]
    ops += ["exp", "log", "tanh", "sigmoid"]
    ops += ["erf", "sin", "cos", "pow", "floor", "ceil", "round"]
    for op in ops:
        fn = getattr(ieee32, op)
        assert f"NN.Floats.IEEE32.{op}" in lean_names(fn.__doc__), op
        assert f"NN.Floats.IEEE32.{op}" in index.names, op


def test_checker_flags_missing_declaration_and_missing_line(index: DeclaredIndex) -> None:
    def named_missing() -> None:
        """Lean: NN.Floats.IEEE32.noSuchDeclaration."""

    def unnamed() -> None:
        """A public function without its Lean twin."""

    def _private_unnamed() -> None:
        """Private helpers may omit the line."""

    found = problems([("named_missing", named_missing), ("unnamed", unnamed), ("_p", _private_unnamed)], index)
    assert len(found) == 2
    assert "NN.Floats.IEEE32.noSuchDeclaration" in found[0]
    assert "no 'Lean:" in found[1]


def test_name_pattern_strips_sentence_punctuation() -> None:
    assert lean_names("x.\n\n    Lean: NN.Floats.IEEE32.toDyadic?.\n") == ["NN.Floats.IEEE32.toDyadic?"]
    assert lean_names("Lean: NN.Floats.Dyadic.add.") == ["NN.Floats.Dyadic.add"]


def test_lean_fixture_check_covers_every_fixture_file(index: DeclaredIndex) -> None:
    """``NN/Tests/IEEE32Fixtures.lean``'s table names one ``IEEE32`` op per fixture file."""
    src = (ROOT / "NN" / "Tests" / "IEEE32Fixtures.lean").read_text()
    table = src[src.index("def table") : src.index("/-! ### Reporting")]
    entries = re.findall(r'\("([a-z]+)", (?:unary|binary|ternary|predicate) IEEE32\.([A-Za-z]+)\)', table)
    files = sorted(p.stem for p in (ROOT / "tests" / "fixtures" / "ieee32").glob("*.txt"))
    assert sorted(name for name, _ in entries) == files
    for name, decl in entries:
        assert name == decl
        assert f"NN.Floats.IEEE32.{decl}" in index.names, decl
    main = (ROOT / "NN" / "Tests" / "Main.lean").read_text()
    assert "import NN.Tests.IEEE32Fixtures" in main and "IEEE32Fixtures.fixturesOk" in main
