"""Self-contained HTML report of batch runs: per-instance table and the cactus plot (inline SVG).

No scripts, no fonts or styles from elsewhere: the page is one file that opens offline. The cactus
plot is the one verification tools are compared with: for each run, the k-th fastest solved
instance's time against k (so a curve further right solves more, a lower one solves faster).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf")
_RESULT_COLOUR = {"sat": "#d62728", "unsat": "#2ca02c", "unknown": "#7f7f7f", "timeout": "#ff7f0e", "error": "#000"}


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 5, 10):
        if m * e >= v:
            return float(m * e)
    return float(10 * e)  # pragma: no cover


def cactus_svg(series: Sequence[tuple[str, Sequence[float]]], width: int = 640, height: int = 360) -> str:
    """An SVG cactus plot: one step line per ``(label, sorted solve times)``."""
    left, right, top, bottom = 56, 16, 16, 44
    pw, ph = width - left - right, height - top - bottom
    n_max = max([len(s) for _, s in series] + [1])
    t_max = _nice_max(max([max(s) for _, s in series if s] + [0.0]))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="cactus plot">',
             f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>']

    def sx(k: float) -> float:
        return left + pw * k / n_max

    def sy(t: float) -> float:
        return top + ph * (1 - t / t_max)

    for i in range(6):
        t = t_max * i / 5
        y = sy(t)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{t:g}</text>')
    step = max(1, round(n_max / 8))
    for k in range(0, n_max + 1, step):
        x = sx(k)
        parts.append(f'<text x="{x:.1f}" y="{top + ph + 16}" font-size="11" text-anchor="middle">{k}</text>')
    parts.append(f'<text x="{left + pw / 2}" y="{height - 6}" font-size="12" text-anchor="middle">'
                 "instances solved</text>")
    parts.append(f'<text x="14" y="{top + ph / 2}" font-size="12" text-anchor="middle" '
                 f'transform="rotate(-90 14 {top + ph / 2})">time per instance (s)</text>')
    for j, (label, times) in enumerate(series):
        c = _COLOURS[j % len(_COLOURS)]
        pts = [f"{sx(0):.1f},{sy(0):.1f}"]
        for k, t in enumerate(sorted(times), start=1):
            pts.append(f"{sx(k - 1):.1f},{sy(t):.1f}")
            pts.append(f"{sx(k):.1f},{sy(t):.1f}")
        parts.append(f'<polyline fill="none" stroke="{c}" stroke-width="2" points="{" ".join(pts)}"/>')
        parts.append(f'<text x="{left + 8}" y="{top + 16 + 14 * j}" font-size="12" fill="{c}">'
                     f"{html.escape(label)} ({len(times)} solved)</text>")
    parts.append("</svg>")
    return "".join(parts)


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}
th{background:#f3f3f3}.num{text-align:right}.wrong{background:#fdd}
"""


def render_report(summaries: Sequence[Any], title: str = "tlean verification report") -> str:
    """The whole HTML page for one or more :class:`~tlean.verify.batch.BatchSummary` objects."""
    e = html.escape
    out = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(title)}</title>"
           f"<style>{_CSS}</style></head><body><h1>{e(title)}</h1>"]
    out.append("<h2>Summary</h2><table><tr><th>category</th><th>instances</th><th>solved</th><th>sat</th>"
               "<th>unsat</th><th>unknown</th><th>timeout</th><th>error</th><th>wrong</th>"
               "<th>total s</th><th>median s (solved)</th></tr>")
    for s in summaries:
        med = "" if s.median_seconds is None else f"{s.median_seconds:.3f}"
        out.append(
            f"<tr><td>{e(s.category)}</td><td class=num>{s.count}</td><td class=num>{s.solved}</td>"
            f"<td class=num>{s.sat}</td><td class=num>{s.unsat}</td><td class=num>{s.unknown}</td>"
            f"<td class=num>{s.timeout}</td><td class=num>{s.error}</td>"
            f"<td class=num{' style=color:#c00' if s.wrong else ''}>{s.wrong if s.truth else '-'}</td>"
            f"<td class=num>{s.total_seconds:.2f}</td><td class=num>{med}</td></tr>"
        )
    out.append("</table><h2>Cactus plot</h2>")
    out.append(cactus_svg([(s.category, s.cactus) for s in summaries]))
    for s in summaries:
        out.append(f"<h2>{e(s.category)}: instances</h2><p>{e(s.instances)}"
                   f"{' — truth: ' + e(s.truth) if s.truth else ''}</p>")
        out.append("<table><tr><th>#</th><th>onnx</th><th>vnnlib</th><th>result</th><th>expected</th>"
                   "<th>time s</th><th>timeout s</th><th>method</th><th>certificate</th><th>message</th></tr>")
        for r in s.rows:
            col = _RESULT_COLOUR.get(r.result, "#000")
            out.append(
                f"<tr{' class=wrong' if r.wrong else ''}><td class=num>{r.index}</td><td>{e(r.onnx)}</td>"
                f"<td>{e(r.vnnlib)}</td><td style='color:{col}'><b>{e(r.result)}</b></td>"
                f"<td>{e(r.expected or '')}</td><td class=num>{r.seconds:.3f}</td><td class=num>{r.timeout:g}</td>"
                f"<td>{e(r.method)}</td><td>{e(r.certificate or '')}</td><td>{e(r.message)}</td></tr>"
            )
        out.append("</table>")
    out.append("</body></html>\n")
    return "".join(out)
