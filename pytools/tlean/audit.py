"""The proof audit: what ``NN/Audit`` (``lake exe tlean_audit``) says about every declaration.

The audit executable prints one JSON document (``"format": "tlean.audit.v1"``) with, for every
declaration of the audited modules, its kind, module, source position, whether it has a
docstring, the axioms it depends on (``Lean.collectAxioms``, the collection behind
``#print axioms``) and its compiler-level flags (``@[extern]``, ``@[implemented_by]``,
``unsafe``, ``partial``). :func:`load_audit` reads such a file, :func:`run_audit` runs the
executable, :func:`trust_boundaries` lists what the report and the gate care about:

- ``sorry``: depends on ``sorryAx``;
- ``native``: depends on ``Lean.ofReduceBool`` / ``Lean.ofReduceNat`` / ``Lean.trustCompiler``
  (``native_decide``, ``bv_decide``);
- ``axiom``: a project ``axiom`` declaration;
- ``axiom-use``: depends on any other axiom outside the allow-list (standard axioms by
  default);
- ``extern``, ``implemented_by``, ``unsafe``, ``partial``: compiled code that is not the logical
  definition (shown, not failing by default).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from tlean.errors import TleanError

AUDIT_FORMAT = "tlean.audit.v1"

#: The axioms of Lean's standard foundations; allowed unless the lock file says otherwise.
STANDARD_AXIOMS: tuple[str, ...] = ("Classical.choice", "Quot.sound", "propext")
SORRY_AXIOM = "sorryAx"
#: Axioms through which a proof trusts the compiler (``native_decide`` and friends).
NATIVE_AXIOMS: frozenset[str] = frozenset({"Lean.ofReduceBool", "Lean.ofReduceNat", "Lean.trustCompiler"})

#: Boundary kinds that fail the gate when new, and those only shown.
FAILING_KINDS: frozenset[str] = frozenset({"sorry", "native", "axiom", "axiom-use", "set_option"})
NOTICE_KINDS: frozenset[str] = frozenset({"extern", "implemented_by", "unsafe", "partial", "opaque"})

BOUNDARY_TEXT: dict[str, str] = {
    "sorry": "depends on `sorryAx` (a `sorry` somewhere in its proof or its dependencies)",
    "native": "trusts the compiler (`native_decide` / `Lean.ofReduceBool`)",
    "axiom": "project `axiom`: an unproved assumption",
    "axiom-use": "depends on a non-standard axiom",
    "set_option": "switches checking off with `set_option`",
    "extern": "`@[extern]`: compiled code is native code",
    "implemented_by": "`@[implemented_by]`: compiled code is another definition",
    "unsafe": "`unsafe` declaration",
    "partial": "`partial def`: opaque to the logic",
    "opaque": "`opaque` declaration",
}


#: Last name components of declarations Lean generates next to a user declaration.
_GENERATED_RE = re.compile(
    r"(?:proof|match|eq|_private)_\d+|eq_def|sizeOf_spec|injEq|inj|ext_iff|induct|mutual_induct"
    r"|below|brecOn|binductionOn|ibelow|rec|recOn|casesOn|noConfusion|noConfusionType|fun_cases"
    r"|_.*"
)


def is_generated(name: str) -> bool:
    """True for names Lean generates next to a declaration (``foo.proof_1``, ``Foo.rec``,
    ``Foo.mk.injEq``, ``foo.eq_1``, ...)."""
    last = name.rsplit(".", 1)[-1]
    return "." in name and _GENERATED_RE.fullmatch(last) is not None


class AuditError(TleanError):
    """The audit JSON is missing or malformed, or the audit executable failed."""

    code = "audit"


class Declaration(BaseModel):
    """One declaration as the audit reports it (``line``/``column`` 1-based, may be null)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str
    kind: str
    module: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    has_doc: bool = False
    axioms: list[str] = []
    extern: bool = False
    implemented_by: bool = False
    unsafe: bool = False
    partial: bool = False

    @property
    def source_file(self) -> str:
        """The declaration's file, or its module's path when Lean recorded no range."""
        return self.file or self.module.replace(".", "/") + ".lean"


class Audit(BaseModel):
    """A whole ``tlean.audit.v1`` document."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    format: Literal["tlean.audit.v1"]
    lean_version: str = ""
    modules: list[str] = []
    declarations: list[Declaration] = []

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def parse_audit(text: str, source: str = "audit JSON") -> Audit:
    """Parses and checks an audit document; :class:`AuditError` says what is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise AuditError(f"{source}: not JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    if not isinstance(data, dict):
        raise AuditError(f'{source}: expected a JSON object with "format": "{AUDIT_FORMAT}"')
    fmt = data.get("format")
    if fmt != AUDIT_FORMAT:
        raise AuditError(
            f'{source}: "format" is {fmt!r}, expected {AUDIT_FORMAT!r} '
            "(produce it with `lake exe tlean_audit` or `tlean report`)"
        )
    try:
        audit = Audit.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise AuditError(f"{source}: invalid audit at {where}: {first['msg']}") from None
    ordered = sorted(audit.declarations, key=lambda d: d.name)
    if ordered != audit.declarations:
        audit = audit.model_copy(update={"declarations": ordered})
    return audit


def load_audit(path: str | Path) -> Audit:
    """Reads an audit JSON file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AuditError(f"{p}: no such audit file (write one with `tlean report`)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise AuditError(f"{p}: cannot be read ({e})") from None
    return parse_audit(text, str(p))


def run_audit(
    cwd: str | Path,
    roots: Sequence[str] = ("NN",),
    timeout: float | None = None,
    on_line: Callable[[str], None] | None = None,
) -> Audit:
    """Runs ``lake exe tlean_audit ROOTS`` in ``cwd`` and parses what it prints."""
    from tlean.lake import run_lake

    result = run_lake(["exe", "tlean_audit", *roots], cwd, timeout=timeout)
    if on_line is not None:
        for line in result.stderr.splitlines():
            on_line(line)
    if not result.ok:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise AuditError(
            f"`lake exe tlean_audit` failed (exit code {result.returncode}); is the package "
            f"built (`lake build`)?\n{tail}"
        )
    doc = next((ln for ln in reversed(result.stdout.splitlines()) if ln.startswith("{")), None)
    if doc is None:
        raise AuditError("`lake exe tlean_audit` printed no JSON document")
    return parse_audit(doc, "`lake exe tlean_audit` output")


@dataclass(frozen=True, order=True)
class Boundary:
    """One trust boundary of one declaration (``detail``: the axiom, when there is one)."""

    kind: str
    name: str
    detail: str = ""

    @property
    def failing(self) -> bool:
        return self.kind in FAILING_KINDS


def trust_boundaries(
    declarations: Iterable[Declaration], allowed: Iterable[str] = STANDARD_AXIOMS
) -> list[tuple[Boundary, Declaration]]:
    """Every trust boundary of ``declarations`` with its declaration, sorted.

    Declarations Lean generates next to another one that is listed (``foo.proof_1``,
    ``Foo.mk.injEq``) are left out: they inherit its boundaries and would only repeat them."""
    allow = set(allowed)
    decls = list(declarations)
    names = {d.name for d in decls}
    out: list[tuple[Boundary, Declaration]] = []
    for d in decls:
        if is_generated(d.name) and d.name.rsplit(".", 1)[0] in names:
            continue  # reported through the declaration it was generated for
        axs = set(d.axioms)
        if SORRY_AXIOM in axs and SORRY_AXIOM not in allow:
            out.append((Boundary("sorry", d.name, SORRY_AXIOM), d))
        for a in sorted((axs & NATIVE_AXIOMS) - allow):
            out.append((Boundary("native", d.name, a), d))
        if d.kind == "axiom" and d.name not in allow:
            out.append((Boundary("axiom", d.name), d))
        for a in sorted(axs - allow - NATIVE_AXIOMS - {SORRY_AXIOM, d.name}):
            out.append((Boundary("axiom-use", d.name, a), d))
        for flag in ("extern", "implemented_by", "unsafe", "partial"):
            if getattr(d, flag):
                out.append((Boundary(flag, d.name), d))
    out.sort(key=lambda bd: bd[0])
    return out
