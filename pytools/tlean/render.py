"""Rich rendering of command results (tables); the data comes from the library as dicts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text


def _shape(dims: list[Any]) -> str:
    return "[" + ", ".join(str(d) for d in dims) + "]"


def _yes(ok: bool) -> Text:
    return Text("yes", style="green") if ok else Text("no", style="bold red")


def inspect_tables(out: Console, info: dict[str, Any], *, show_nodes: bool) -> None:
    """Header, inputs/outputs, op counts with support, optionally every node, import outcome."""
    head = Table.grid(padding=(0, 2))
    for key in ("file", "opset", "ir_version", "producer", "sha256"):
        head.add_row(Text(key, style="bold"), Text(str(info[key])))
    params = info["parameters"]
    head.add_row(
        Text("parameters", style="bold"), Text(f"{params['tensors']} tensors, {params['elements']:,} elements")
    )
    out.print(head)

    io = Table(title="Inputs and outputs", title_justify="left")
    for col in ("kind", "name", "shape", "dtype"):
        io.add_column(col)
    for kind in ("inputs", "outputs"):
        for row in info[kind]:
            io.add_row(kind[:-1], Text(row["name"]), _shape(row["shape"]), row["dtype"])
    out.print(io)

    ops = Table(title="Ops", title_justify="left")
    ops.add_column("op type")
    ops.add_column("count", justify="right")
    ops.add_column("supported")
    ops.add_column("why not")
    for row in info["ops"]:
        ops.add_row(row["op_type"], str(row["count"]), _yes(row["supported"]), Text(row["reason"]))
    out.print(ops)

    if show_nodes:
        nodes = Table(title="Nodes", title_justify="left")
        for col in ("#", "name", "op type", "outputs", "supported", "why not"):
            nodes.add_column(col)
        for row in info["nodes"]:
            nodes.add_row(
                str(row["index"]),
                Text(row["name"]),
                row["op_type"],
                Text(", ".join(row["outputs"])),
                _yes(row["supported"]),
                Text(row["reason"]),
            )
        out.print(nodes)

    imp = info["import"]
    if imp["ok"]:
        ir_ops = ", ".join(f"{k}×{v}" for k, v in imp["ir_ops"].items())
        out.print(
            f"[green]imports into the tlean IR[/]: {imp['ir_nodes']} nodes, {imp['ir_params']} params "
            f"({imp['ir_param_elements']:,} elements), {imp['folded']} ONNX nodes folded at import"
        )
        out.print(Text(f"IR ops: {ir_ops}", style="dim"))
    else:
        out.print("[bold red]does not import[/]: ", end="")
        out.print(Text(imp["error"]))


def run_tables(out: Console, rows: list[dict[str, Any]]) -> None:
    table = Table(title="Outputs", title_justify="left")
    for col in ("name", "shape", "min", "max", "mean", "values / saved"):
        table.add_column(col)

    def fmt(v: float | None) -> str:
        return "—" if v is None else f"{v:.6g}"

    for r in rows:
        extra = r.get("saved") or (" ".join(f"{v:.6g}" for v in r["values"]) if "values" in r else "")
        table.add_row(Text(r["name"]), _shape(r["shape"]), fmt(r["min"]), fmt(r["max"]), fmt(r["mean"]), Text(extra))
    out.print(table)


def doctor_table(out: Console, report: dict[str, Any]) -> None:
    table = Table(title="tlean doctor", title_justify="left")
    for col in ("component", "found", "version", "path", "needed for"):
        table.add_column(col)
    for r in report["components"]:
        need = "core" if r["required"] else ("Lean steps" if r["name"] in ("elan", "lake", "lean") else "optional")
        found = (
            Text("found", style="green") if r["found"] else Text("missing", style="red" if r["required"] else "yellow")
        )
        table.add_row(r["name"], found, r["version"] or "—", Text(r["path"] or ""), need)
    out.print(table)
    if not any(r["found"] for r in report["components"] if r["name"] == "lake"):
        out.print(
            "[yellow]lake not found[/]: Lean steps (export --check-lean, run --lean, report and gate without "
            "--audit-json) stop with an error, and tests that need Lean are skipped; gate --from-scan and "
            "--audit-json work without it. Install the toolchain with elan (see README)."
        )


@contextmanager
def progress(console: Console, *, enabled: bool = True) -> Iterator[Callable[[str, int, int], None] | None]:
    """A rich progress bar fed by the library's ``(stage, done, total)`` callbacks."""
    if not enabled:
        yield None
        return
    labels = {"import": "importing", "payload": "writing payload", "lean": "writing Lean"}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=max(total, 1))
            bar.update(tasks[stage], completed=done, total=max(total, 1))

        yield update


def export_summary(out: Console, data: dict[str, Any]) -> None:
    """What was written, and the parity checks as a table."""
    out.print(
        f"[green]exported[/] {data['module']}: {data['nodes']} nodes, {data['params']} parameter tensors "
        f"({data['param_elements']:,} elements) in {data['seconds']:.2f} s"
    )
    out.print(Text(f"  module  {data['lean']}"))
    out.print(Text(f"  payload {data['payload']} (SHA-256 {data['payload_sha256']})"))
    for key, title in (("check", "--check"), ("check_lean", "--check-lean")):
        rep = data.get(key)
        if rep is None:
            continue
        if rep.get("skipped"):
            out.print(f"[yellow]{title} skipped[/]: {rep['reason']}")
            continue
        table = Table(
            title=f"{title}: tlean vs {rep['peer']} (seeds {rep['seeds']}; pass: |Δ| ≤ {rep['atol']:g} + "
            f"{rep['rtol']:g}·|want|)",
            title_justify="left",
        )
        for col in ("output", "shape", "max abs err", "max rel err", "max ULP", "result"):
            table.add_column(col)
        for o in rep["outputs"]:
            table.add_row(
                Text(o["name"]),
                _shape(o["shape"]),
                f"{o['max_abs']:.3g}",
                f"{o['max_rel']:.3g}",
                str(o["max_ulp"]),
                _pass(o["passed"]),
            )
        out.print(table)


def _pass(ok: bool) -> Text:
    return Text("pass", style="green") if ok else Text("FAIL", style="bold red")
