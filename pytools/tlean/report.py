"""The proof report: what is proved, and on what it rests, as JSON, Markdown, HTML and SARIF.

:func:`build_report` turns an audit (:mod:`tlean.audit`) into a ``tlean.report.v1`` document:
counts, the trust boundaries (``sorryAx``, ``Lean.ofReduceBool``, project axioms, non-standard
axioms, ``@[extern]``/``@[implemented_by]``, ``unsafe``, ``partial``) and every theorem grouped by
module with its status. :func:`write_report` writes it as

- ``report.json`` (the document itself),
- ``report.md`` (for pull requests and job summaries),
- ``report.html`` (one self-contained page: inline CSS and script, no external URL; sortable
  tables, boundaries at the top),
- ``report.sarif`` (SARIF 2.1.0, for code-scanning tools),

plus ``audit.json`` (the audit it was made from, for ``tlean gate --audit-json``). Templates are
jinja2 with ``StrictUndefined``; HTML escaping is jinja2's autoescape, Markdown escaping is
:func:`_md`. Writes are atomic.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import jinja2

from tlean import __version__
from tlean.audit import (
    BOUNDARY_TEXT,
    FAILING_KINDS,
    STANDARD_AXIOMS,
    Audit,
    is_generated,
    trust_boundaries,
)
from tlean.errors import TleanError
from tlean.scan import FINDING_KINDS, Finding

REPORT_FORMAT = "tlean.report.v1"
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FORMATS = ("json", "md", "html", "sarif")


class ReportError(TleanError):
    """The report cannot be written (bad output folder, unknown format)."""

    code = "report"


def build_report(audit: Audit, allowed: Iterable[str] = STANDARD_AXIOMS) -> dict[str, Any]:
    """The ``tlean.report.v1`` document of ``audit``."""
    allow = sorted(set(allowed))
    bounds = trust_boundaries(audit.declarations, allow)
    by_decl: dict[str, list[str]] = {}
    for b, _ in bounds:
        by_decl.setdefault(b.name, []).append(b.kind if not b.detail else f"{b.kind}:{b.detail}")
    kinds: dict[str, int] = {}
    for d in audit.declarations:
        kinds[d.kind] = kinds.get(d.kind, 0) + 1
    modules: dict[str, list[dict[str, Any]]] = {m: [] for m in audit.modules}
    theorems = [d for d in audit.declarations if d.kind == "theorem" and not is_generated(d.name)]
    for d in theorems:
        marks = by_decl.get(d.name, [])
        failing = [m for m in marks if m.split(":", 1)[0] in FAILING_KINDS]
        modules.setdefault(d.module, []).append(
            {
                "name": d.name,
                "status": "open" if failing else "proved",
                "axioms": sorted(d.axioms),
                "boundaries": marks,
                "file": d.source_file,
                "line": d.line,
                "column": d.column,
                "has_doc": d.has_doc,
            }
        )
    counts = {b.kind: 0 for b, _ in bounds}
    for b, _ in bounds:
        counts[b.kind] += 1
    proved = sum(1 for ts in modules.values() for t in ts if t["status"] == "proved")
    return {
        "format": REPORT_FORMAT,
        "tool": {"name": "tlean", "version": __version__},
        "lean_version": audit.lean_version,
        "allowed_axioms": allow,
        "summary": {
            "modules": len(audit.modules),
            "declarations": len(audit.declarations),
            "kinds": dict(sorted(kinds.items())),
            "theorems": len(theorems),
            "theorems_proved": proved,
            "theorems_open": len(theorems) - proved,
            "theorems_documented": sum(1 for d in theorems if d.has_doc),
            "boundaries": dict(sorted(counts.items())),
            "failing": sum(1 for b, _ in bounds if b.failing),
        },
        "boundaries": [
            {
                "kind": b.kind,
                "name": b.name,
                "detail": b.detail,
                "failing": b.failing,
                "description": BOUNDARY_TEXT.get(b.kind, b.kind),
                "decl_kind": d.kind,
                "module": d.module,
                "file": d.source_file,
                "line": d.line,
                "column": d.column,
            }
            for b, d in bounds
        ],
        "modules": [
            {"module": m, "theorems": sorted(ts, key=lambda t: t["name"])} for m, ts in sorted(modules.items())
        ],
    }


# ---------------------------------------------------------------------------------------------
# SARIF.


def sarif_log(tool: str, rules: dict[str, str], results: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A SARIF 2.1.0 log of one run. Each result dict has ``kind``, ``level``, ``message``,
    ``file`` and optional ``line``/``column`` (1-based)."""
    rule_ids = sorted(rules)
    out_results = []
    for r in results:
        region: dict[str, int] = {}
        if r.get("line"):
            region["startLine"] = int(r["line"])
            if r.get("column"):
                region["startColumn"] = int(r["column"])
        phys: dict[str, Any] = {"artifactLocation": {"uri": r["file"], "uriBaseId": "%SRCROOT%"}}
        if region:
            phys["region"] = region
        res: dict[str, Any] = {
            "ruleId": f"tlean/{r['kind']}",
            "level": r["level"],
            "message": {"text": r["message"]},
            "locations": [{"physicalLocation": phys}],
        }
        if r["kind"] in rules:
            res["ruleIndex"] = rule_ids.index(r["kind"])
        if r.get("name"):
            res["partialFingerprints"] = {"tleanDeclaration/v1": f"{r['kind']}:{r['name']}:{r.get('detail', '')}"}
        out_results.append(res)
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": tool,
                        "version": __version__,
                        "rules": [
                            {
                                "id": f"tlean/{k}",
                                "shortDescription": {"text": rules[k]},
                                "defaultConfiguration": {
                                    "level": "error"
                                    if k in FAILING_KINDS or k in ("sorry", "admit", "axiom", "native_decide")
                                    else "warning"
                                },
                            }
                            for k in rule_ids
                        ],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": out_results,
            }
        ],
    }


def report_to_sarif(report: dict[str, Any]) -> dict[str, Any]:
    """SARIF results for every trust boundary of a report."""
    results = []
    for b in report["boundaries"]:
        what = f" ({b['detail']})" if b["detail"] else ""
        results.append(
            {
                "kind": b["kind"],
                "level": "error" if b["failing"] else "note",
                "message": f"`{b['name']}` {b['description']}{what}",
                "file": b["file"],
                "line": b["line"],
                "column": b["column"],
                "name": b["name"],
                "detail": b["detail"],
            }
        )
    return sarif_log("tlean report", BOUNDARY_TEXT, results)


def findings_to_sarif(findings: Iterable[Finding]) -> dict[str, Any]:
    """SARIF results for the findings of ``tlean scan``."""
    results = []
    for f in findings:
        where = f" in `{f.name}`" if f.name else ""
        extra = f" ({f.detail})" if f.detail else ""
        results.append(
            {
                "kind": f.kind,
                "level": "error" if f.kind in ("sorry", "admit", "axiom", "native_decide", "set_option") else "warning",
                "message": f"{FINDING_KINDS.get(f.kind, f.kind)}{where}{extra}",
                "file": f.file,
                "line": f.line,
                "column": f.column,
                "name": f.name,
                "detail": f.detail,
            }
        )
    return sarif_log("tlean scan", FINDING_KINDS, results)


# ---------------------------------------------------------------------------------------------
# Markdown and HTML.


def _md(text: Any) -> str:
    """Escapes text for a Markdown table cell."""
    s = "" if text is None else str(text)
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("`", "\\`")


_MD_ENV = jinja2.Environment(
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_MD_ENV.filters["md"] = _md
_HTML_ENV = jinja2.Environment(
    undefined=jinja2.StrictUndefined,
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

_MD_TEMPLATE = """\
# Proof report

Lean {{ r.lean_version or "(unknown version)" }} · tlean {{ r.tool.version }} · allowed axioms: \
{{ r.allowed_axioms | join(", ") }}

| | count |
|---|---:|
| modules | {{ r.summary.modules }} |
| declarations | {{ r.summary.declarations }} |
| theorems | {{ r.summary.theorems }} |
| theorems proved on allowed axioms | {{ r.summary.theorems_proved }} |
| theorems open (sorry / non-standard axiom) | {{ r.summary.theorems_open }} |
| theorems with a docstring | {{ r.summary.theorems_documented }} |

## Trust boundaries

{% if r.boundaries %}
| | kind | declaration | detail | where |
|---|---|---|---|---|
{% for b in r.boundaries %}
| {{ "❌" if b.failing else "⚠️" }} | {{ b.kind }} | `{{ b.name | md }}` | {#
#}{{ b.detail | md }} | {{ b.file | md }}{% if b.line %}:{{ b.line }}{% endif %} |
{% endfor %}
{% else %}
None: every declaration rests on the allowed axioms only.
{% endif %}

## Theorems by module

{% for m in r.modules if m.theorems %}
<details><summary><code>{{ m.module }}</code> — {{ m.theorems | length }} theorem(s)</summary>

| theorem | status | axioms |
|---|---|---|
{% for t in m.theorems %}
| `{{ t.name | md }}` | {{ "✅ proved" if t.status == "proved" else "❌ open" }} | {#
#}{{ t.axioms | join(", ") | md }} |
{% endfor %}

</details>
{% endfor %}
"""

_HTML_TEMPLATE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tlean proof report</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #1b1f24; }
h1, h2 { font-weight: 600; } code { font: 12px ui-monospace, monospace; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1.5em; }
th, td { border-bottom: 1px solid #d0d7de; padding: .3em .6em; text-align: left;
  vertical-align: top; }
th { background: #f6f8fa; cursor: pointer; user-select: none; white-space: nowrap; }
th[aria-sort=ascending]::after { content: " \\25B2"; }
th[aria-sort=descending]::after { content: " \\25BC"; }
.cards { display: flex; flex-wrap: wrap; gap: .8em; margin: 1em 0; }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: .6em 1em; min-width: 9em; }
.card b { display: block; font-size: 1.6em; }
.bad { color: #cf222e; } .warn { color: #9a6700; } .ok { color: #1a7f37; }
.pill { display: inline-block; border-radius: 1em; padding: 0 .6em; font-size: 12px;
  margin: 0 .2em .2em 0; }
.pill.bad { background: #ffebe9; } .pill.warn { background: #fff8c5; }
.pill.ok { background: #dafbe1; }
details { margin: .3em 0; } summary { cursor: pointer; }
</style>
</head>
<body>
<h1>Proof report</h1>
<p>Lean {{ r.lean_version or "(unknown version)" }} &middot; tlean {{ r.tool.version }} &middot;
allowed axioms: {% for a in r.allowed_axioms %}<code>{{ a }}</code>{#
#}{% if not loop.last %}, {% endif %}{% endfor %}</p>

<div class="cards">
  <div class="card"><b>{{ r.summary.theorems }}</b>theorems</div>
  <div class="card ok"><b>{{ r.summary.theorems_proved }}</b>proved on allowed axioms</div>
  <div class="card {{ 'bad' if r.summary.theorems_open else 'ok' }}">{#
#}<b>{{ r.summary.theorems_open }}</b>open</div>
  <div class="card"><b>{{ r.summary.declarations }}</b>declarations</div>
  <div class="card"><b>{{ r.summary.modules }}</b>modules</div>
{% for kind, n in r.summary.boundaries.items() %}
  <div class="card {{ 'bad' if kind in failing_kinds else 'warn' }}"><b>{{ n }}</b>{{ kind }}</div>
{% endfor %}
</div>

<h2>Trust boundaries</h2>
{% if r.boundaries %}
<table class="sortable" id="boundaries">
<thead><tr><th>kind</th><th>declaration</th><th>detail</th><th>what it means</th>
<th>where</th></tr></thead>
<tbody>
{% for b in r.boundaries %}
<tr><td><span class="pill {{ 'bad' if b.failing else 'warn' }}">{{ b.kind }}</span></td>
<td><code>{{ b.name }}</code></td><td><code>{{ b.detail }}</code></td><td>{{ b.description }}</td>
<td><code>{{ b.file }}{% if b.line %}:{{ b.line }}{% endif %}</code></td></tr>
{% endfor %}
</tbody>
</table>
{% else %}
<p class="ok">None: every declaration rests on the allowed axioms only.</p>
{% endif %}

<h2>Theorems by module</h2>
{% for m in r.modules if m.theorems %}
<details{% if m.theorems | selectattr("status", "equalto", "open") | list %} open{% endif %}>
<summary><code>{{ m.module }}</code> &mdash; {{ m.theorems | length }} theorem(s)</summary>
<table class="sortable">
<thead><tr><th>theorem</th><th>status</th><th>axioms</th><th>doc</th><th>line</th></tr></thead>
<tbody>
{% for t in m.theorems %}
<tr><td><code>{{ t.name }}</code></td>
<td><span class="pill {{ 'ok' if t.status == 'proved' else 'bad' }}">{{ t.status }}</span></td>
<td>{% for a in t.axioms %}<code>{{ a }}</code> {% endfor %}</td>
<td>{{ "yes" if t.has_doc else "no" }}</td>
<td data-sort="{{ t.line or 0 }}">{{ t.line or "" }}</td></tr>
{% endfor %}
</tbody>
</table>
</details>
{% endfor %}

<script>
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      function key(r) {
        var c = r.cells[col];
        var v = c.getAttribute("data-sort") || c.textContent.trim();
        return /^-?\\d+(\\.\\d+)?$/.test(v) ? parseFloat(v) : v.toLowerCase();
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
</script>
</body>
</html>
"""


def render_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown."""
    return _MD_ENV.from_string(_MD_TEMPLATE).render(r=report)


def render_html(report: dict[str, Any]) -> str:
    """The report as one self-contained HTML page (autoescaped)."""
    tmpl = _HTML_ENV.from_string(_HTML_TEMPLATE)
    return tmpl.render(r=report, failing_kinds=sorted(FAILING_KINDS))


def _json_text(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(
    audit: Audit,
    out_dir: str | Path,
    formats: Sequence[str] = FORMATS,
    allowed: Iterable[str] = STANDARD_AXIOMS,
) -> dict[str, Path]:
    """Writes the report of ``audit`` into ``out_dir`` in ``formats``; returns format → path
    (``audit`` → the audit JSON it was made from)."""
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ReportError(f"unknown report format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ReportError(f"{out}: cannot create the output folder ({e.strerror})") from None
    report = build_report(audit, allowed)
    written: dict[str, Path] = {}
    texts: dict[str, tuple[str, Callable[[], str]]] = {
        "json": ("report.json", lambda: _json_text(report)),
        "md": ("report.md", lambda: render_markdown(report)),
        "html": ("report.html", lambda: render_html(report)),
        "sarif": ("report.sarif", lambda: _json_text(report_to_sarif(report))),
    }
    for fmt in formats:
        name, make = texts[fmt]
        path = out / name
        _write_atomic(path, make())
        written[fmt] = path
    audit_path = out / "audit.json"
    _write_atomic(audit_path, _json_text(audit.to_json()))
    written["audit"] = audit_path
    return written
