"""Static pre-flight scan of Lean sources: trust boundaries found without a toolchain.

The scan reads ``.lean`` files and reports what a later ``lake build`` + audit would reveal as
trust boundaries, with ``file:line:column``:

- ``sorry`` / ``admit`` (a proof left open),
- ``axiom`` declarations (fully qualified, following ``namespace``/``section``/``end``),
- ``native_decide`` / ``decide +native`` / ``bv_decide`` / direct ``Lean.ofReduceBool`` (proofs
  that trust the compiler),
- ``@[extern]`` and ``@[implemented_by]`` (also through ``attribute [...]``),
- ``unsafe``, ``partial`` and ``opaque``,
- ``set_option`` of an option that switches checking off (``debug.skipKernelTC true``, ...).

How it works. Phase one *masks* everything that is not code: nested block comments, doc comments
(``/-- -/`` and ``/-! -/``), string literals with escapes, interpolated strings (``s!"…"``),
raw strings (``r#"…"#``) and character literals (``'"'``) are replaced by spaces, newlines kept,
so every offset still points at the same line and column. Phase two runs one compiled master
regular expression over the masked text and looks only at the tokens that matter (keywords,
``@[``, ``«quoted»`` names, name literals and syntax quotations, which are skipped). Both phases
are single passes driven by :mod:`re`, which is what makes the scan fast (see
``scripts/bench_scan.py``).

The scan is a pre-flight, not the audit: it cannot see that a theorem depends on an axiom through
another file. ``tlean report`` runs the kernel-level audit (``NN/Audit``).

``--names`` mode (:func:`check_names`) builds an index of the names declared under a root folder
(namespaces; def/theorem/lemma/abbrev/instance/structure/class/inductive/axiom/opaque names;
structure fields; inductive constructors) and lists every ``NN.``-qualified reference that is
declared nowhere.

The library never prints: results are values (:class:`ScanResult`, :class:`NamesResult`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tlean.errors import TleanError

SCAN_FORMAT = "tlean.scan.v1"
NAMES_FORMAT = "tlean.names.v1"


class ScanError(TleanError):
    """A path given to ``tlean scan`` is missing or a file is not readable UTF-8 text."""

    code = "scan"


# ---------------------------------------------------------------------------------------------
# Lean's identifier characters (Lean core ``Init/Meta.lean``: ``isLetterLike``,
# ``isSubScriptAlnum``, ``isIdFirst``, ``isIdRest``).

_LETTER_LIKE = (
    "\u03b1-\u03ba\u03bc-\u03c9"  # lower Greek without lambda
    "\u0391-\u039f\u03a1\u03a2\u03a4-\u03a9"  # upper Greek without Pi and Sigma
    "\u03ca-\u03fb"  # Coptic
    "\u1f00-\u1ffe"  # polytonic Greek
    "\u2100-\u214f"  # letterlike symbols
    "\U0001d49c-\U0001d59f"  # script, double-struck, Fraktur
)
_SUBSCRIPT = "\u2080-\u2089\u2090-\u209c\u1d62-\u1d6a"
_ID_FIRST = "A-Za-z_" + _LETTER_LIKE
_ID_REST = _ID_FIRST + "0-9'!?" + _SUBSCRIPT
_ID_PART = f"(?:«[^»\n]*»|[{_ID_FIRST}][{_ID_REST}]*)"
_NAME = f"{_ID_PART}(?:\\.{_ID_PART})*"
_ID_CHARS = frozenset("_'!?»0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

NAME_RE = re.compile(_NAME)


def _is_id_char(c: str) -> bool:
    return c in _ID_CHARS or (c > "\x7f" and c.isalpha())


# ---------------------------------------------------------------------------------------------
# Phase one: mask comments, strings and character literals.

#: Phase one's master expression. Every alternative starts with a literal character, which
#: lets Python's ``re`` skip all other characters in C; a prime inside an identifier (``h'``)
#: fails the character-literal alternative in C too. Raw and interpolated strings are told
#: apart from plain ones in Python by the characters before the quote.
_MASK_RE = re.compile(
    r"/-"  # block or doc comment (nesting handled in Python)
    r"|--[^\n]*"  # line comment
    r'|"(?:[^"\\]|\\.)*"'  # string literal with escapes
    r'|"'  # ... or one that is never closed (runs to the end of the file)
    r"|'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]{1,6}\}|.)|[^\\'\n])'"  # char literal
    r"|«[^»\n]*»",  # «quoted» name part: kept as it is
    re.DOTALL,
)
_COMMENT_DELIM_RE = re.compile(r"/-|-/")
_INTERP_RE = re.compile(r'[\\"{]')


def _blank(span: str) -> str:
    if "\n" not in span:
        return " " * len(span)
    return "\n".join(" " * len(part) for part in span.split("\n"))


def _end_of_block_comment(text: str, start: int) -> int:
    """Offset just past the ``-/`` closing the comment opened at ``start`` (nesting counted)."""
    depth = 1
    pos = start + 2
    # ``/--/`` and ``/-!-/`` style edge cases: the opener's own dash must not close it.
    while depth:
        m = _COMMENT_DELIM_RE.search(text, pos)
        if m is None:
            return len(text)
        if m.group() == "/-":
            depth += 1
        else:
            depth -= 1
        pos = m.end()
    return pos


_CHAR_LIT_RE = re.compile(r"'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]{1,6}\}|.)|[^\\'\n])'")
_HOLE_SPECIAL_RE = re.compile(r"[\"'{}]|/-|--")


def _is_interp_prefix(text: str, quote: int) -> bool:
    """Whether the ``"`` at ``quote`` opens an interpolated string (``s!"``, ``m!"``, ``f!"``)."""
    return (
        quote > 1
        and text[quote - 1] == "!"
        and text[quote - 2] in "smf"
        and (quote == 2 or not _is_id_char(text[quote - 3]))
    )


def _end_of_plain_string(text: str, quote: int) -> int:
    pos = quote + 1
    n = len(text)
    while pos < n:
        c = text[pos]
        if c == "\\":
            pos += 2
        elif c == '"':
            return pos + 1
        else:
            pos += 1
    return n


def _end_of_hole(text: str, pos: int) -> int:
    """Offset of the ``}`` closing the interpolation hole whose code starts at ``pos`` (``len``
    when unterminated). Holes are code: braces nest, and strings (plain and interpolated, with
    their own holes), character literals and comments inside are skipped as Lean lexes them."""
    depth = 1
    n = len(text)
    while pos < n:
        m = _HOLE_SPECIAL_RE.search(text, pos)
        if m is None:
            return n
        tok = m.group()
        at = m.start()
        if tok == "{":
            depth += 1
            pos = at + 1
        elif tok == "}":
            depth -= 1
            if depth == 0:
                return at
            pos = at + 1
        elif tok == '"':
            pos = _interpolated_string(text, at)[0] if _is_interp_prefix(text, at) else _end_of_plain_string(text, at)
        elif tok == "'":
            c = _CHAR_LIT_RE.match(text, at)
            pos = c.end() if c is not None and not (at > 0 and _is_id_char(text[at - 1])) else at + 1
        elif tok == "/-":
            pos = _end_of_block_comment(text, at)
        else:  # "--": a line comment
            nl = text.find("\n", at)
            pos = n if nl < 0 else nl
    return n


def _interpolated_string(text: str, quote: int) -> tuple[int, list[tuple[int, int]]]:
    """End offset of the interpolated string whose opening quote is at ``quote``, and the
    ``(start, end)`` spans of its holes' code (between ``{`` and ``}``). ``\\{`` and other
    escapes are literal text, not holes."""
    pos = quote + 1
    n = len(text)
    holes: list[tuple[int, int]] = []
    while pos < n:
        m = _INTERP_RE.search(text, pos)
        if m is None:
            return n, holes
        c = m.group()
        if c == "\\":
            pos = m.end() + 1
        elif c == '"':
            return m.end(), holes
        else:  # "{": a hole of code
            end = _end_of_hole(text, m.end())
            holes.append((m.end(), end))
            pos = end + 1
    return n, holes


def mask_noncode(text: str) -> str:
    """``text`` with comments, strings and character literals replaced by spaces.

    Newlines are kept and nothing moves, so an offset into the result is an offset into
    ``text`` (same line, same column). ``«quoted»`` name parts are kept as they are.
    """
    parts: list[str] = []
    last = 0
    pos = 0
    search = _MASK_RE.search
    n = len(text)
    while pos < n:
        m = search(text, pos)
        if m is None:
            break
        start = m.start()
        end = m.end()
        c = text[start]
        if c == "«":
            pos = end
            continue
        if c == "'":
            if start > 0 and _is_id_char(text[start - 1]):
                pos = start + 1  # a prime inside an identifier such as ``h'a'``
                continue
        elif c == "/":
            end = _end_of_block_comment(text, start)
        elif c == '"':
            # raw (r"..", r#".."#) or interpolated (s!"..", m!"..", f!"..") string?
            j = start
            while j > 0 and text[j - 1] == "#":
                j -= 1
            hashes = start - j
            if j > 0 and text[j - 1] == "r" and (j == 1 or not _is_id_char(text[j - 2])):
                closing = '"' + "#" * hashes
                found = text.find(closing, start + 1)
                end = n if found < 0 else found + len(closing)
                start = j - 1
            elif _is_interp_prefix(text, start):
                # The literal parts are blanked; the holes are code, masked recursively.
                end, holes = _interpolated_string(text, start)
                parts.append(text[last : start - 2])
                cursor = start - 2
                for hs, he in holes:
                    parts.append(_blank(text[cursor:hs]))
                    parts.append(mask_noncode(text[hs:he]))
                    cursor = he
                parts.append(_blank(text[cursor:end]))
                last = pos = end
                continue
            elif end == start + 1:
                end = n  # an unterminated string
        parts.append(text[last:start])
        parts.append(_blank(text[start:end]))
        last = pos = end
    parts.append(text[last:])
    return "".join(parts)


# ---------------------------------------------------------------------------------------------
# Phase two: the tokens that matter, on masked text.

#: Options whose ``true`` value switches part of the checking off.
CHECK_OFF_OPTIONS: frozenset[str] = frozenset(
    {
        "debug.skipKernelTC",  # Lean/Environment.lean: the kernel does not check
        "debug.byAsSorry",  # Lean/Elab/Term.lean: `by` blocks become `sorry`
        "debug.Meta.Match.MatchEqs.grindAsSorry",
        "bootstrap.inductiveCheckResultingUniverse",
    }
)
#: Options whose ``false`` value switches checking off.
CHECK_OFF_WHEN_FALSE: frozenset[str] = frozenset({"bootstrap.inductiveCheckResultingUniverse"})

_DECL_KEYWORDS = (
    "def",
    "theorem",
    "lemma",
    "abbrev",
    "instance",
    "structure",
    "class",
    "inductive",
    "axiom",
    "opaque",
    "example",
)
_KEYWORDS = (
    "sorry",
    "admit",
    "native_decide",
    "bv_decide",
    "ofReduceBool",
    "ofReduceNat",
    "decide",
    "unsafe",
    "partial",
    "set_option",
    "namespace",
    "section",
    "end",
    "mutual",
    "attribute",
    "deriving",
    *_DECL_KEYWORDS,
)

#: Phase two's master expression: keywords and the three symbols that start something to
#: skip or parse (`` ` `` quotations and name literals, ``«`` quoted names, ``@[`` attributes).
#: Only literals, longest first, so ``re`` can skip the rest fast; word boundaries are checked
#: in Python.
_TOKEN_RE = re.compile("|".join(re.escape(k) for k in sorted((*_KEYWORDS, "`", "«", "@["), key=len, reverse=True)))
_WS_NAME_RE = re.compile(r"\s*(" + _NAME + ")")
_SECTION_NAME_RE = re.compile(r"[ \t]+(" + _NAME + ")")
_SET_OPTION_RE = re.compile(r"\s+(" + _NAME + r")\s+([^\s]+)")
_IN_RE = re.compile(r"\s+in(?![" + _ID_REST + r"])")
_NATIVE_CONFIG_RE = re.compile(r"\s*\+native\b")
_INSTANCE_PRIO_RE = re.compile(r"\s*\(\s*priority\s*:=[^)]*\)")
_MODIFIERS = r"(?:private|protected|noncomputable|unsafe|partial|nonrec|scoped|local)"
_HEADER_AHEAD_RE = re.compile(
    r"(?:\s*(?:@\[[^\]]*\]|" + _MODIFIERS + r"(?![" + _ID_REST + r"])))*\s*"
    r"(?P<kw>" + "|".join(_DECL_KEYWORDS) + r")(?![" + _ID_REST + r"])"
)
_ATTR_NAME_RE = re.compile(r"\s*(?:(?:scoped|local)\s+)?-?\s*(" + _NAME + r")")
_BRACKET_RE = re.compile(r"[\[\]()]")
_DERIVING_INSTANCE_RE = re.compile(r"\s*instance\b")
_OPEN_BRACKET_RE = re.compile(r"\s*\[")


@dataclass(frozen=True, order=True)
class Finding:
    """One trust boundary found in a Lean source file.

    ``name`` is the fully qualified declaration it belongs to (the declared name for ``axiom``
    and ``opaque``; the enclosing or following declaration otherwise; ``""`` when there is none,
    e.g. inside ``example``). ``line`` and ``column`` are 1-based (column in code points).
    """

    file: str
    line: int
    column: int
    kind: str
    name: str = ""
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "kind": self.kind,
            "name": self.name,
            "detail": self.detail,
        }


#: Every finding kind with a one-line description (also the SARIF rule list).
FINDING_KINDS: dict[str, str] = {
    "sorry": "`sorry`: a proof or value left open (depends on `sorryAx`)",
    "admit": "`admit`: a proof left open (depends on `sorryAx`)",
    "axiom": "project `axiom` declaration: an unproved assumption",
    "native_decide": "compiler-trusting proof (`native_decide`, `decide +native`, `bv_decide`, `Lean.ofReduceBool`)",
    "extern": "`@[extern]`: compiled code replaced by native code",
    "implemented_by": "`@[implemented_by]`: compiled code replaced by another definition",
    "unsafe": "`unsafe` declaration or term",
    "partial": "`partial def`: no termination proof, opaque to the logic",
    "opaque": "`opaque` declaration: its value is hidden from the logic",
    "set_option": "`set_option` that switches checking off",
}


def _matching_bracket(masked: str, pos: int) -> int:
    """Offset just past the bracket that closes the one just before ``pos`` (masked text)."""
    depth = 1
    n = len(masked)
    while depth and pos < n:
        m = _BRACKET_RE.search(masked, pos)
        if m is None:
            return n
        depth += 1 if m.group() in "[(" else -1
        pos = m.end()
    return pos


def _split_top_level(s: str) -> list[tuple[int, str]]:
    """Splits an attribute list at top-level commas: (offset, piece) pairs."""
    out: list[tuple[int, str]] = []
    depth = 0
    start = 0
    for i, c in enumerate(s):
        if c in "[(":
            depth += 1
        elif c in "])":
            depth -= 1
        elif c == "," and depth == 0:
            out.append((start, s[start:i]))
            start = i + 1
    out.append((start, s[start:]))
    return out


class _Scopes:
    """``namespace``/``section``/``mutual`` scopes, as Lean opens and closes them."""

    def __init__(self) -> None:
        self.stack: list[tuple[str, str]] = []  # (kind, one name component or "")
        self._ns = ""

    def open(self, kind: str, name: str) -> None:
        if name:
            for comp in _components(name):
                self.stack.append((kind, comp))
        else:
            self.stack.append((kind, ""))
        self._ns = self._compute()

    def close(self, name: str) -> None:
        count = len(_components(name)) if name else 1
        del self.stack[max(0, len(self.stack) - count) :]
        self._ns = self._compute()

    def _compute(self) -> str:
        return ".".join(c for k, c in self.stack if k == "namespace" and c)

    def namespace(self) -> str:
        return self._ns

    def qualify(self, name: str) -> str:
        return _qualify(self._ns, name)


def _qualify(ns: str, name: str) -> str:
    if name.startswith("_root_."):
        return name[len("_root_.") :]
    return f"{ns}.{name}" if ns else name


def _components(name: str) -> list[str]:
    return [m.group() for m in re.finditer(_ID_PART, name)]


@dataclass
class _FileScan:
    path: str
    text: str
    masked: str
    findings: list[Finding] = field(default_factory=list)
    declared: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, name, offset)
    namespaces: set[str] = field(default_factory=set)


def _position(text: str, offset: int, cache: list[int]) -> tuple[int, int]:
    """(line, column), both 1-based, of ``offset``; ``cache`` = [last offset, last line]."""
    last_off, last_line = cache
    if offset < last_off:  # findings come sorted by offset; restart otherwise
        last_off, last_line = 0, 1
    line = last_line + text.count("\n", last_off, offset)
    cache[0], cache[1] = offset, line
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _scan_text(path: str, text: str, collect: bool = False) -> _FileScan:
    """Scans one file; ``collect`` also records every declared name (for ``--names``)."""
    masked = mask_noncode(text)
    fs = _FileScan(path, text, masked)
    scopes = _Scopes()
    # The enclosing declaration, named lazily (findings are rare, declarations are not):
    # [(keyword, offset after it, namespace) or None, its qualified name once computed]
    cur: list[Any] = [None, ""]

    def current() -> str:
        if cur[1] is None:
            word, after, ns = cur[0]
            nm = _decl_name(word, after)
            cur[1] = _qualify(ns, nm) if nm else ""
        name: str = cur[1]
        return name

    skip_until = 0
    pos_cache = [0, 1]
    raw: list[tuple[int, str, str, str]] = []  # (offset, kind, name, detail)

    def header_decl(after: int) -> str | None:
        """The name declared by the declaration header that starts right at ``after``."""
        m = _HEADER_AHEAD_RE.match(masked, after)
        if m is None:
            return None
        if m.group("kw") in ("example",):
            return ""
        nm = _decl_name(m.group("kw"), m.end())
        return scopes.qualify(nm) if nm else ""

    def _decl_name(kw: str, after: int) -> str:
        if kw == "instance":
            p = _INSTANCE_PRIO_RE.match(masked, after)
            if p:
                after = p.end()
        if kw == "class":
            nxt = _WS_NAME_RE.match(masked, after)
            if nxt and nxt.group(1) == "inductive":
                after = nxt.end()
        nm = _WS_NAME_RE.match(masked, after)
        if nm is None:
            return ""
        name = nm.group(1)
        if name in ("extends", "where", "with"):
            return ""
        return name

    n = len(masked)
    for m in _TOKEN_RE.finditer(masked):
        start = m.start()
        if start < skip_until:
            continue
        word = m.group()
        if word == "`":
            after = m.end()
            while after < n and masked[after] == "`":
                after += 1
            if after < n and masked[after] == "(":
                # syntax quotation `(...) / `(tactic| ...): code that is built, not run
                skip_until = _matching_bracket(masked, after + 1)
            else:
                nm = NAME_RE.match(masked, after)  # name literal `foo / ``foo
                if nm:
                    skip_until = nm.end()
            continue
        if word == "«":
            close = masked.find("»", start + 1)
            if close > 0:
                skip_until = close + 1
            continue
        if word == "@[":
            end = _matching_bracket(masked, m.end())
            skip_until = end
            body_start = m.end()
            body = masked[body_start : end - 1]
            if "extern" not in body and "implemented_by" not in body:
                continue
            target = header_decl(end)
            for off, piece in _split_top_level(body):
                an = _ATTR_NAME_RE.match(piece)
                if an and an.group(1) in ("extern", "implemented_by"):
                    a = an.group(1)
                    detail_src = text[body_start + off : body_start + off + len(piece)]
                    detail = " ".join(detail_src.split())
                    at = body_start + off + an.start(1)
                    raw.append((at, a, target if target is not None else current(), detail))
            continue
        end_kw = m.end()
        if end_kw < n:
            nxt = masked[end_kw]
            if nxt in _ID_CHARS or (nxt > "\x7f" and nxt.isalpha()):
                continue
        if start > 0:
            prev = masked[start - 1]
            if (
                prev in _ID_CHARS
                or prev == "`"
                or (prev > "\x7f" and prev.isalpha())
                or (prev == "." and word not in ("ofReduceBool", "ofReduceNat"))
            ):
                continue
        if word in ("sorry", "admit"):
            raw.append((start, word, current(), ""))
        elif word in ("native_decide", "bv_decide"):
            raw.append((start, "native_decide", current(), word))
        elif word in ("ofReduceBool", "ofReduceNat"):
            raw.append((start, "native_decide", current(), f"Lean.{word}"))
        elif word == "decide":
            if _NATIVE_CONFIG_RE.match(masked, m.end()):
                raw.append((start, "native_decide", current(), "decide +native"))
        elif word in ("unsafe", "partial"):
            target = header_decl(m.end())
            raw.append((start, word, target if target is not None else current(), ""))
        elif word == "set_option":
            so = _SET_OPTION_RE.match(masked, m.end())
            if so:
                opt, val = so.group(1), so.group(2)
                off = (val == "false") if opt in CHECK_OFF_WHEN_FALSE else (val == "true")
                if opt in CHECK_OFF_OPTIONS and off:
                    owner: str | None = current()
                    in_kw = _IN_RE.match(masked, so.end())
                    if in_kw is not None:
                        owner = header_decl(in_kw.end())
                    elif start == 0 or masked[start - 1] == "\n":
                        owner = ""  # a command of its own: applies to the rest of the file
                    raw.append((start, "set_option", owner or "", f"{opt} {val}"))
        elif word == "namespace":
            cur[0], cur[1] = None, ""
            nm = _WS_NAME_RE.match(masked, m.end())
            if nm:
                scopes.open("namespace", nm.group(1))
                fs.namespaces.add(scopes.namespace())
        elif word == "section":
            cur[0], cur[1] = None, ""
            nm = _SECTION_NAME_RE.match(masked, m.end())
            scopes.open("section", nm.group(1) if nm else "")
        elif word == "mutual":
            scopes.open("mutual", "")
        elif word == "end":
            cur[0], cur[1] = None, ""
            nm = _SECTION_NAME_RE.match(masked, m.end())
            scopes.close(nm.group(1) if nm else "")
        elif word == "attribute":
            br = _OPEN_BRACKET_RE.match(masked, m.end())
            if br is None:
                continue
            end = _matching_bracket(masked, br.end())
            skip_until = end
            body = masked[br.end() : end - 1]
            targets = [t.group() for t in NAME_RE.finditer(masked, end, _line_end(masked, end))]
            for off, piece in _split_top_level(body):
                an = _ATTR_NAME_RE.match(piece)
                if an and an.group(1) in ("extern", "implemented_by"):
                    a = an.group(1)
                    at = br.end() + off + an.start(1)
                    src = " ".join(text[br.end() + off : br.end() + off + len(piece)].split())
                    for t in targets or [""]:
                        raw.append((at, a, scopes.qualify(t) if t else "", src))
        elif word == "deriving":
            inst = _DERIVING_INSTANCE_RE.match(masked, m.end())
            if inst:
                skip_until = inst.end()
        else:  # declaration keyword
            if word == "class":
                follow = _WS_NAME_RE.match(masked, m.end())
                if follow is not None and follow.group(1) == "inductive":
                    skip_until = follow.end()
            if word == "example":
                cur[0], cur[1] = None, ""
                continue
            cur[0], cur[1] = (word, m.end(), scopes.namespace()), None
            if collect or word in ("axiom", "opaque"):
                qualified = current()
                if collect and qualified:
                    fs.declared.append((word, qualified, start))
                if word in ("axiom", "opaque"):
                    raw.append((start, word, qualified, ""))

    for off, kind, name, detail in raw:
        line, col = _position(text, off, pos_cache)
        fs.findings.append(Finding(path, line, col, kind, name, detail))
    fs.findings.sort()
    return fs


def _line_end(s: str, pos: int) -> int:
    e = s.find("\n", pos)
    return len(s) if e < 0 else e


# ---------------------------------------------------------------------------------------------
# Files and results.


@dataclass(frozen=True)
class ScanResult:
    """The findings of one scan, sorted, with what was scanned."""

    findings: tuple[Finding, ...]
    files: int
    lines: int
    roots: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f.kind] = counts.get(f.kind, 0) + 1
        return {
            "format": SCAN_FORMAT,
            "roots": list(self.roots),
            "files": self.files,
            "lines": self.lines,
            "counts": dict(sorted(counts.items())),
            "findings": [f.to_json() for f in self.findings],
        }

    def to_json_text(self) -> str:
        """Deterministic JSON text (sorted keys, sorted findings, trailing newline)."""
        return json.dumps(self.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def iter_lean_files(paths: Sequence[str | Path], suffixes: tuple[str, ...] = (".lean",)) -> list[Path]:
    """Every file with one of ``suffixes`` under ``paths`` (files are taken as given), sorted."""
    out: set[Path] = set()
    for p in paths:
        path = Path(p)
        if path.is_file():
            out.add(path)
        elif path.is_dir():
            for suffix in suffixes:
                for f in path.rglob(f"*{suffix}"):
                    if f.is_file() and not any(part.startswith(".") for part in f.parts[-6:-1]):
                        out.add(f)
        else:
            raise ScanError(f"{path}: no such file or directory; give Lean files or folders to scan")
    return sorted(out)


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ScanError(f"{path}: cannot be read ({e.strerror})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScanError(f"{path}: not UTF-8 text (byte {e.start}); Lean sources must be UTF-8") from None


def _display(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def scan_text(text: str, path: str = "<text>") -> list[Finding]:
    """The findings of one Lean source text (sorted)."""
    return _scan_text(path, text).findings


def scan_paths(paths: Sequence[str | Path], base: str | Path | None = None) -> ScanResult:
    """Scans every ``.lean`` file under ``paths``; file names are shown relative to ``base``."""
    b = Path(base) if base is not None else Path.cwd()
    findings: list[Finding] = []
    lines = 0
    files = iter_lean_files(paths)
    for f in files:
        text = _read(f)
        lines += text.count("\n") + (0 if text.endswith("\n") or not text else 1)
        findings.extend(_scan_text(_display(f, b), text).findings)
    findings.sort()
    return ScanResult(tuple(findings), len(files), lines, tuple(str(p) for p in paths))


# ---------------------------------------------------------------------------------------------
# --names: every NN.-qualified reference is declared somewhere.

#: Names Lean generates next to a declaration (recursors, equation lemmas, projections ...).
AUTO_SUFFIXES: frozenset[str] = frozenset(
    {
        "mk",
        "rec",
        "recOn",
        "casesOn",
        "noConfusion",
        "noConfusionType",
        "below",
        "brecOn",
        "binductionOn",
        "ibelow",
        "inj",
        "injEq",
        "sizeOf_spec",
        "ext",
        "ext_iff",
        "eq_def",
        "induct",
        "mutual_induct",
        "fun_cases",
        "proof_1",
        "ctorIdx",
        "toCtorIdx",
        "ofNat",
        "toNat",
        "mk.injEq",
    }
)
_AUTO_PREFIXES = ("eq_", "proof_", "match_", "_")

_WHERE_RE = re.compile(r"\bwhere\b")
_EXTENDS_RE = re.compile(r"\bextends\b([^\n]*?)(?:\bwhere\b|:=|$)", re.MULTILINE)
_CTOR_RE = re.compile(r"^\s*\|\s*(" + _ID_PART + ")", re.MULTILINE)
_FIELD_LINE_RE = re.compile(
    r"^[ \t]+(?:\(\s*)?((?:" + _ID_PART + r"[ \t]+)*" + _ID_PART + r")\s*(?::(?!=)|:=|\))",
    re.MULTILINE,
)
_CUSTOM_CTOR_RE = re.compile(r"^[ \t]+(" + _ID_PART + r")\s*::", re.MULTILINE)
_TOP_LEVEL_RE = re.compile(r"^(?=[^\s|])", re.MULTILINE)


@dataclass(frozen=True, order=True)
class NameRef:
    """One ``NN.``-qualified name that is declared nowhere under the declaration root."""

    file: str
    line: int
    column: int
    name: str

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "name": self.name}


@dataclass
class DeclaredIndex:
    """Names declared under a folder: declarations, namespaces, fields and constructors."""

    names: set[str] = field(default_factory=set)
    namespaces: set[str] = field(default_factory=set)
    modules: set[str] = field(default_factory=set)
    parents: dict[str, list[str]] = field(default_factory=dict)

    def resolves(self, name: str, _depth: int = 0) -> bool:
        if _depth > 8:
            return False
        if name in self.names or name in self.namespaces or name in self.modules:
            return True
        prefix, _, last = name.rpartition(".")
        if not prefix:
            return False
        owner_ok = prefix in self.names or prefix in self.namespaces
        if owner_ok and (last in AUTO_SUFFIXES or last.startswith(_AUTO_PREFIXES)):
            return True
        # a field inherited through ``extends``
        for parent in self.parents.get(prefix, []):
            # ``extends Parent`` names Parent relative to the structure's namespace
            scope = prefix.split(".")[:-1]
            for i in range(len(scope), -1, -1):
                full = ".".join([*scope[:i], parent])
                if full != prefix and full in self.names and self.resolves(f"{full}.{last}", _depth + 1):
                    return True
        # ``Foo.mk.injEq`` and friends
        head, _, mid = prefix.rpartition(".")
        return bool(head) and head in self.names and f"{mid}.{last}" in AUTO_SUFFIXES


def _body_end(masked: str, start: int) -> int:
    m = _TOP_LEVEL_RE.search(masked, start + 1)
    return len(masked) if m is None else m.start()


def _index_file(fs: _FileScan, index: DeclaredIndex) -> None:
    masked = fs.masked
    index.namespaces |= fs.namespaces
    for ns in list(fs.namespaces):
        parts = ns.split(".")
        for i in range(1, len(parts)):
            index.namespaces.add(".".join(parts[:i]))
    for kind, name, off in fs.declared:
        index.names.add(name)
        if kind not in ("structure", "class", "inductive"):
            continue
        line_start = masked.rfind("\n", 0, off) + 1
        end = _body_end(masked, line_start)
        body = masked[off:end]
        if kind == "inductive" or (kind == "class" and re.match(r"class\s+inductive", body)):
            for c in _CTOR_RE.finditer(body):
                index.names.add(f"{name}.{c.group(1)}")
            continue
        ext = _EXTENDS_RE.search(body)
        w = _WHERE_RE.search(body)
        if ext and (w is None or ext.start() < w.start()):
            parents = [p.strip() for p in re.split(r",", ext.group(1)) if p.strip()]
            resolved = []
            for p in parents:
                head = NAME_RE.match(p.split()[0]) if p.split() else None
                if head:
                    resolved.append(head.group())
            index.parents[name] = resolved
        if w is None:
            continue
        fields_src = body[w.end() :]
        for c in _CUSTOM_CTOR_RE.finditer(fields_src):
            index.names.add(f"{name}.{c.group(1)}")
        for fm in _FIELD_LINE_RE.finditer(fields_src):
            for comp in fm.group(1).split():
                index.names.add(f"{name}.{comp}")


def build_index(root: str | Path) -> DeclaredIndex:
    """The declared-name index of every ``.lean`` file under ``root``."""
    index = DeclaredIndex()
    base = Path(root).parent
    for f in iter_lean_files([root]):
        _index_file(_scan_text(str(f), _read(f), collect=True), index)
        # the module itself: ``NN/Spec/Shape.lean`` declares module ``NN.Spec.Shape``
        rel = f.relative_to(base).with_suffix("")
        index.modules.add(".".join(rel.parts))
    # a declaration's name is also a namespace for dot notation
    for name in list(index.names):
        parts = name.split(".")
        for i in range(1, len(parts)):
            index.namespaces.add(".".join(parts[:i]))
    return index


@dataclass(frozen=True)
class NamesResult:
    """References to ``prefix.``-qualified names that are declared nowhere."""

    unresolved: tuple[NameRef, ...]
    files: int
    references: int
    declared: int
    prefix: str

    def to_json(self) -> dict[str, Any]:
        return {
            "format": NAMES_FORMAT,
            "prefix": self.prefix,
            "files": self.files,
            "references": self.references,
            "declared": self.declared,
            "unresolved": [r.to_json() for r in self.unresolved],
        }

    def to_json_text(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _references(text: str, masked: str, prefix: str) -> Iterator[tuple[int, str]]:
    ref_re = re.compile(re.escape(prefix) + r"\." + _NAME)
    for m in ref_re.finditer(masked):
        s = m.start()
        if s > 0 and (_is_id_char(masked[s - 1]) or masked[s - 1] == "."):
            continue
        name = m.group().rstrip(".")
        yield s, name


def check_names(
    paths: Sequence[str | Path],
    decl_root: str | Path,
    prefix: str = "NN",
    base: str | Path | None = None,
) -> NamesResult:
    """Lists every ``prefix.``-qualified name referenced under ``paths`` and declared nowhere
    under ``decl_root``. Lean files and jinja templates of Lean files (``.lean.j2``) are read."""
    root = Path(decl_root)
    if not root.is_dir():
        raise ScanError(f"{root}: the declaration root is not a folder (use --decl-root)")
    index = build_index(root)
    b = Path(base) if base is not None else Path.cwd()
    files = iter_lean_files(paths, (".lean", ".lean.j2"))
    bad: list[NameRef] = []
    count = 0
    for f in files:
        text = _read(f)
        masked = mask_noncode(text)
        cache = [0, 1]
        for off, name in _references(text, masked, prefix):
            count += 1
            if not index.resolves(name):
                line, col = _position(text, off, cache)
                bad.append(NameRef(_display(f, b), line, col, name))
    bad.sort()
    return NamesResult(tuple(bad), len(files), count, len(index.names), prefix)
