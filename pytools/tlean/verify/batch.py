"""Batch runs over a VNN-COMP instance CSV: results CSV, JSON summary, HTML report, truth comparison.

:func:`run_batch` runs :func:`tlean.verify.instance.verify_instance` on every row of an
``onnx,vnnlib,timeout`` CSV (paths relative to the CSV) one after the other, and writes into
``out_dir``:

- ``results.csv``: the competition's columns ``category,onnx,vnnlib,prepare_seconds,result,run_seconds``
  (no header; results ``sat``/``unsat``/``timeout``/``unknown``/``error``);
- ``summary.json``: :class:`BatchSummary` (``tlean.batch.v1``), per instance and in total, with the
  cactus data (solved instances against time) and, given a truth table, the wrong answers;
- ``report.html``: a self-contained page (:mod:`tlean.verify.report_html`);
- ``certs/``: the certificate of every ``unsat`` (when ``certs=True``).

A wrong answer is an ``unsat`` where the truth is ``sat`` or a ``sat`` where it is ``unsat``
(a ``sat`` here always carries a witness confirmed by onnxruntime and tlean's evaluator).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tlean.errors import TleanError
from tlean.verify.vnncomp import Instance, read_instances, read_truth, results_csv_rows


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InstanceRow(_M):
    """One instance of a batch run."""

    index: int
    onnx: str = Field(description="The model path as written in the instance CSV.")
    vnnlib: str = Field(description="The spec path as written in the instance CSV.")
    timeout: float
    result: Literal["sat", "unsat", "unknown", "timeout", "error"]
    seconds: float
    prepare_seconds: float
    method: str = Field(description="What decided the result (falsify, a bound method, bab), or what ran last.")
    certificate: str | None = None
    expected: str | None = Field(default=None, description="The truth table's answer, when one was given.")
    wrong: bool = Field(default=False, description="unsat where the truth is sat, or sat where it is unsat.")
    message: str = Field(default="", description="The error message of an 'error' row.")


class BatchSummary(_M):
    """``summary.json`` of a batch run (``tlean verify --instances`` / ``tlean batch``)."""

    format: Literal["tlean.batch.v1"] = "tlean.batch.v1"
    instances: str = Field(description="The instance CSV.")
    category: str
    truth: str | None = None
    count: int
    solved: int = Field(description="sat + unsat answers.")
    sat: int
    unsat: int
    unknown: int
    timeout: int
    error: int
    wrong: int = Field(description="Answers contradicting the truth table (target 0).")
    total_seconds: float = Field(description="Sum of per-instance run times.")
    median_seconds: float | None = Field(description="Median run time of the solved instances.")
    cactus: list[float] = Field(
        description="Run times of the solved instances, ascending: the k-th solved within cactus[k-1] s."
    )
    rows: list[InstanceRow]


def _category(path: Path) -> str:
    stem = path.stem
    return stem[: -len("_instances")] if stem.endswith("_instances") else (path.parent.name or stem)


def run_batch(
    instances: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    truth: str | os.PathLike[str] | None = None,
    category: str | None = None,
    method: Literal["ibp", "crown", "alpha-crown"] = "alpha-crown",
    certs: bool = True,
    timeout_scale: float = 1.0,
    limit: int | None = None,
    select: Callable[[Instance], bool] | None = None,
    on_start: Callable[[int, int, Instance], None] | None = None,
    on_result: Callable[[int, int, InstanceRow], None] | None = None,
) -> BatchSummary:
    """Runs every instance of ``instances``; writes the files when ``out_dir`` is given.

    ``timeout_scale`` multiplies each instance's timeout; ``limit`` keeps the first rows only and
    ``select`` filters rows (for benchmarks on subsets). Per-instance user errors (a model that
    cannot be imported, a malformed spec) become ``error`` rows; a malformed CSV raises.
    """
    from tlean.verify.instance import verify_instance

    p = Path(instances).resolve()  # the summary's paths work from any directory (check_certs.py)
    todo = read_instances(p)
    if select is not None:
        todo = [i for i in todo if select(i)]
    if limit is not None:
        todo = todo[:limit]
    table = read_truth(truth) if truth is not None else None
    cat = category or _category(p)
    out = None
    cert_dir = None
    if out_dir is not None:
        from tlean.runio import prepare_dir

        out = prepare_dir(out_dir, option="--out-dir")
        if certs:
            cert_dir = prepare_dir(out / "certs", option="--out-dir")
    rows: list[InstanceRow] = []
    for k, inst in enumerate(todo):
        if on_start is not None:
            on_start(k, len(todo), inst)
        t_prep = time.perf_counter()
        cert = None
        if cert_dir is not None:
            cert = (cert_dir / f"{k:04d}_{Path(inst.onnx_text).stem}_{Path(inst.vnnlib_text).stem}.cert.json").resolve()
        t0 = time.perf_counter()
        prep = t0 - t_prep
        expected = table.get((inst.onnx.name, inst.vnnlib.name)) if table is not None else None
        try:
            rep = verify_instance(inst.onnx, inst.vnnlib, timeout=inst.timeout * timeout_scale, method=method,
                                  cert=cert)
            row = InstanceRow(
                index=k, onnx=inst.onnx_text, vnnlib=inst.vnnlib_text, timeout=inst.timeout,
                result=rep.result, seconds=round(time.perf_counter() - t0, 6), prepare_seconds=round(prep, 6),
                method=rep.method, certificate=rep.certificate, expected=expected,
            )
        except TleanError as e:
            row = InstanceRow(
                index=k, onnx=inst.onnx_text, vnnlib=inst.vnnlib_text, timeout=inst.timeout, result="error",
                seconds=round(time.perf_counter() - t0, 6), prepare_seconds=round(prep, 6), method="none",
                expected=expected, message=f"{e.code}: {e}",
            )
        row.wrong = (row.result, expected) in (("unsat", "sat"), ("sat", "unsat"))
        rows.append(row)
        if on_result is not None:
            on_result(k, len(todo), row)
    summary = summarise(rows, str(p), cat, None if truth is None else str(truth))
    if out is not None:
        write_outputs(summary, out)
    return summary


def summarise(rows: list[InstanceRow], instances: str, category: str, truth: str | None) -> BatchSummary:
    """The totals, cactus data and wrong-answer count of a list of rows."""
    solved = sorted(r.seconds for r in rows if r.result in ("sat", "unsat"))

    def count(res: str) -> int:
        return sum(r.result == res for r in rows)

    return BatchSummary(
        instances=instances,
        category=category,
        truth=truth,
        count=len(rows),
        solved=len(solved),
        sat=count("sat"),
        unsat=count("unsat"),
        unknown=count("unknown"),
        timeout=count("timeout"),
        error=count("error"),
        wrong=sum(r.wrong for r in rows),
        total_seconds=round(sum(r.seconds for r in rows), 6),
        median_seconds=round(statistics.median(solved), 6) if solved else None,
        cactus=solved,
        rows=rows,
    )


def write_outputs(summary: BatchSummary, out: Path) -> None:
    """Writes ``results.csv``, ``summary.json`` and ``report.html`` into ``out``."""
    import json

    from tlean.runio import write_text_file
    from tlean.verify.report_html import render_report

    csv_text = results_csv_rows(
        (summary.category, r.onnx, r.vnnlib, r.prepare_seconds, r.result, r.seconds) for r in summary.rows
    )
    write_text_file(out / "results.csv", csv_text, option="--out-dir")
    write_text_file(out / "summary.json", json.dumps(summary.model_dump(mode="json"), indent=1) + "\n",
                    option="--out-dir")
    write_text_file(out / "report.html", render_report([summary]), option="--out-dir")


def batch_json_schema() -> dict[str, object]:
    """The JSON Schema of ``summary.json`` (``docs/schemas/tlean.batch.v1.json``)."""
    return BatchSummary.model_json_schema()


class _Inline:
    """``ProcessPoolExecutor``'s ``map`` in this process (one job)."""

    def __enter__(self) -> _Inline:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def map(self, fn: Callable[[tuple[str, str, str]], tuple[bool, float, int, str]],
            it: list[tuple[str, str, str]]) -> Iterator[tuple[bool, float, int, str]]:
        return map(fn, it)


#: Certificates of at least this size are checked one at a time on all of a batch check's
#: processes (:func:`check_batch_certificates`).
BIG_CERT_BYTES = 50_000_000


def _check_one(args: tuple[str, str, str], jobs: int = 1) -> tuple[bool, float, int, str]:
    from tlean.verify.checker import check_certificate

    res = check_certificate(*args, jobs=jobs)
    why = "" if res.accepted else f"{res.field}: {res.message}"
    return res.accepted, res.seconds, res.leaves, why


def check_batch_certificates(
    summary: BatchSummary,
    jobs: int = 1,
    on_result: Callable[[InstanceRow, bool, float, str], None] | None = None,
) -> dict[str, object]:
    """Checks the certificate of every ``unsat`` row of a batch with the exact checker.

    Paths are resolved like the batch run did (relative to the instance CSV's folder). ``jobs``
    processes check in parallel: each certificate on its own, except those of at least
    :data:`BIG_CERT_BYTES`, checked afterwards one at a time with their trees split between the
    ``jobs`` processes (one such certificate would otherwise hold one process while the others
    idle: 256x4 ``prop_10_0.05`` checks in 387 s alone, 175 s on 2 processes). Returns counts
    (``unsat``, ``accepted``, ``rejected``, ``missing``), the wall-clock ``seconds`` and the
    ``rejections``.
    """
    base = Path(summary.instances).parent
    rows = [r for r in summary.rows if r.result == "unsat"]
    todo = [r for r in rows if r.certificate]
    out: dict[str, object] = {"category": summary.category, "unsat": len(rows), "accepted": 0, "rejected": 0,
                              "missing": len(rows) - len(todo), "seconds": 0.0, "leaves": 0}
    rejections: list[str] = []
    t0 = time.perf_counter()
    args = [(str(base / r.onnx), str(base / r.vnnlib), str(r.certificate)) for r in todo]
    from concurrent.futures import ProcessPoolExecutor

    def size(path: str) -> int:
        try:
            return os.path.getsize(path)
        except OSError:
            return 0  # the checker reports the unreadable file

    big = [i for i, a in enumerate(args) if jobs > 1 and size(a[2]) >= BIG_CERT_BYTES]
    small = [i for i in range(len(args)) if i not in big]
    done: dict[int, tuple[bool, float, int, str]] = {}
    with ProcessPoolExecutor(max_workers=max(1, jobs)) if jobs > 1 and len(small) > 1 else _Inline() as ex:
        for i, res in zip(small, ex.map(_check_one, [args[i] for i in small]), strict=True):
            done[i] = res
            if on_result is not None:
                on_result(todo[i], res[0], res[1], res[3])
    for i in big:
        done[i] = res = _check_one(args[i], jobs)
        if on_result is not None:
            on_result(todo[i], res[0], res[1], res[3])
    pairs = [(todo[i], done[i]) for i in range(len(todo))]
    for r, (ok, _secs, leaves, why) in pairs:
        out["leaves"] = int(out["leaves"]) + leaves  # type: ignore[call-overload]
        if ok:
            out["accepted"] = int(out["accepted"]) + 1  # type: ignore[call-overload]
        else:
            out["rejected"] = int(out["rejected"]) + 1  # type: ignore[call-overload]
            rejections.append(f"{r.onnx} {r.vnnlib}: {why}")
    out["seconds"] = round(time.perf_counter() - t0, 3)
    out["rejections"] = rejections
    return out
