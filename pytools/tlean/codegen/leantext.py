"""Everything that turns model-supplied text into Lean source goes through this module.

Model files carry arbitrary strings (node names, doc strings, producer names). They reach
generated Lean only as (1) string literals, escaped by :func:`string_literal`; (2) doc-comment
text, neutralised by :func:`doc_text`; or (3) identifiers, rebuilt from scratch by
:class:`IdentAllocator` (ASCII, never a keyword, deduplicated). Nothing else from a model is
interpolated into a template.
"""

from __future__ import annotations

import re
import unicodedata

#: Lean 4 keywords and command words that cannot be plain identifiers.
LEAN_KEYWORDS = frozenset(
    [
        "abbrev",
        "axiom",
        "axioms",
        "at",
        "attribute",
        "by",
        "calc",
        "class",
        "def",
        "deriving",
        "do",
        "else",
        "end",
        "example",
        "export",
        "extends",
        "fun",
        "for",
        "from",
        "have",
        "if",
        "import",
        "in",
        "include",
        "inductive",
        "infix",
        "infixl",
        "infixr",
        "instance",
        "let",
        "local",
        "macro",
        "macro_rules",
        "match",
        "mutual",
        "namespace",
        "noncomputable",
        "notation",
        "opaque",
        "open",
        "partial",
        "postfix",
        "prefix",
        "private",
        "protected",
        "renaming",
        "return",
        "section",
        "set_option",
        "show",
        "structure",
        "syntax",
        "termination_by",
        "then",
        "theorem",
        "universe",
        "unsafe",
        "variable",
        "where",
        "with",
        "decreasing_by",
        "nomatch",
        "nofun",
        "omit",
        "unif_hint",
        "elab",
        "elab_rules",
        "initialize",
        "builtin_initialize",
        "scoped",
        "lemma",
        "sorry",
        "admit",
        "Type",
        "Prop",
        "Sort",
        "this",
        "true",
        "false",
    ]
)


def string_literal(text: str) -> str:
    """A Lean string literal denoting exactly ``text`` (quotes included)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code > 0x7F and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append(f"\\u{code:04X}" if code <= 0xFFFF else "\\uFFFD")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def doc_text(text: str, limit: int = 300) -> str:
    """``text`` made safe inside a ``/-- … -/`` or ``/-! … -/`` comment.

    Control and format characters become spaces, whitespace runs collapse to one space, and no
    ``/-`` (which would open a nested comment) or ``-/`` (which would close it) survives;
    backticks are replaced so the text cannot end a code span early.
    """
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") else ch for ch in text
    )
    cleaned = re.sub(r"\s+", " ", cleaned).strip().replace("`", "'")
    while "/-" in cleaned or "-/" in cleaned:
        cleaned = cleaned.replace("/-", "/ -").replace("-/", "- /")
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return cleaned


def module_name(text: str) -> str:
    """An UpperCamelCase ASCII Lean module/namespace component derived from ``text``."""
    parts = re.findall(r"[A-Za-z0-9]+", text)
    name = "".join(p[:1].upper() + p[1:] for p in parts)
    if not name or not name[0].isalpha():
        name = "Model" + name
    if name in LEAN_KEYWORDS:
        name += "Model"
    return name[:64]


class IdentAllocator:
    """Gives each source name a distinct lowerCamel-ish ASCII identifier that is not a keyword."""

    def __init__(self, reserved: set[str] | None = None) -> None:
        self._taken: set[str] = set(reserved or ())

    def ident(self, text: str, fallback: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", text)
        base = re.sub(r"_+", "_", base).strip("_")[:48] or fallback
        if base[0].isdigit():
            base = f"{fallback}_{base}"
        if base in LEAN_KEYWORDS or base.lower() in ("sorry", "admit"):
            base += "_"
        name, k = base, 1
        while name in self._taken:
            k += 1
            name = f"{base}_{k}"
        self._taken.add(name)
        return name


_MODULE_COMPONENT_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def module_component_problem(text: str) -> str | None:
    """Why ``text`` cannot be one component of a generated Lean module name (``None`` if it can).

    Accepted: an ASCII letter, then ASCII letters, digits and ``_`` (e.g. ``Mlp``, ``Held_cnn``,
    ``resnet18``), at most 64 characters, not a Lean keyword. Lean accepts more (Unicode letters,
    ``«quoted»`` names), but a component is also a file name, so tlean keeps to this portable set.
    """
    if not _MODULE_COMPONENT_RE.fullmatch(text):
        return "it must start with an ASCII letter and hold only ASCII letters, digits and _"
    if len(text) > 64:
        return "it is longer than 64 characters"
    if text in LEAN_KEYWORDS:
        return "it is a Lean keyword"
    return None


def module_path_problem(dotted: str) -> str | None:
    """Why ``dotted`` (e.g. ``MyPkg.Models.Mlp``) is not a valid module name (``None`` if it is)."""
    for comp in dotted.split("."):
        why = module_component_problem(comp)
        if why is not None:
            return f"component {comp!r}: {why}"
    return None
