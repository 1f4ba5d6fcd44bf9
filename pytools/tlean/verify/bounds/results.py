"""``tlean bounds`` and ``tlean verify`` as library calls: JSON models, the run, the certificate.

``bounds_report`` bounds every output and every spec row's margin per input box
(``tlean.bounds.v1``); ``verify_bounds`` answers ``unsat`` when the bounds alone refute every
violation polytope of every box, else ``unknown`` (``timeout`` when the budget ran out first),
and writes a ``tlean.cert.v1`` certificate for an ``unsat`` (``tlean.verify.v1``).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from tlean.verify.bounds.api import BoundedModel, split_rows, stack_polytopes
from tlean.verify.bounds.engine import AlphaOptions, RunResult
from tlean.verify.bounds.fp import Arr, down, sub_down, up
from tlean.verify.falsify import Counterexample

Method = Literal["ibp", "crown", "alpha-crown"]


def _num(x: float) -> float | None:
    """JSON number of a bound; ``None`` (null) for an infinite one."""
    return float(x) if math.isfinite(x) else None


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Fallback(_M):
    """A node CROWN could not relax: bounded by its interval (IBP) box instead."""

    node: int
    op: str


class OutputBound(_M):
    index: int = Field(description="Output element, flattened row-major (Y_index).")
    lower: float | None = Field(description="Lower bound; null when unbounded.")
    upper: float | None = Field(description="Upper bound; null when unbounded.")


class MarginBound(_M):
    polytope: int
    row: int
    lower: float | None = Field(description="Lower bound of (A y - b)_row; > 0 refutes the polytope.")
    upper: float | None = Field(description="Upper bound of (A y - b)_row.")


class BoxBounds(_M):
    box: int
    outputs: list[OutputBound]
    margins: list[MarginBound]
    refuted: list[bool] = Field(description="Per violation polytope: proved impossible by these bounds.")
    proved: bool = Field(description="Every polytope of the box refuted.")
    fallbacks: list[Fallback]
    kept_weaker_rows: int = Field(
        0, description="Rows where the stronger method was looser and the weaker bound was kept."
    )
    alpha_iterations: int = 0
    seconds: float


class BoundsReport(_M):
    """``tlean bounds --json``."""

    format: Literal["tlean.bounds.v1"] = "tlean.bounds.v1"
    model: str
    model_sha256: str
    spec: str
    spec_sha256: str
    method: Method
    boxes: list[BoxBounds]
    seconds: float


class BoxVerdict(_M):
    box: int
    proved: bool
    refuted: list[bool]
    best_margin_lower: list[float | None] = Field(description="Per polytope: the largest margin lower bound.")
    fallbacks: list[Fallback]
    seconds: float


class Stage(_M):
    """One stage of a full run (:func:`tlean.verify.instance.verify_instance`): its answer and time."""

    stage: Literal["falsify", "bounds", "bab"]
    result: str
    seconds: float
    detail: str = ""


#: What decided a ``tlean.verify.v1`` answer: a bound method, ``falsify`` (a confirmed witness),
#: ``bab`` (branch and bound), ``spec`` (a spec without input boxes), ``none`` (nothing ran).
DecidedBy = Literal["ibp", "crown", "alpha-crown", "falsify", "bab", "spec", "none"]


class VerifyReport(_M):
    """``tlean verify --json``: one shape for the full run and for ``--bounds-only``.

    A bounds-only report (:func:`verify_bounds`) leaves ``counterexample``, ``stages`` and
    ``notes`` empty; :func:`tlean.verify.instance.verify_instance` fills them."""

    format: Literal["tlean.verify.v1"] = "tlean.verify.v1"
    result: Literal["sat", "unsat", "unknown", "timeout"]
    method: DecidedBy = Field(
        description="What decided the answer; for unknown/timeout the strongest stage that ran "
        "(bab, else the bounds method, else falsify)."
    )
    model: str
    model_sha256: str
    spec: str
    spec_sha256: str
    boxes: list[BoxVerdict] = Field(default_factory=list, description="Bounds per input box (empty before bounding).")
    certificate: str | None = Field(default=None, description="Path of the certificate written for an unsat answer.")
    counterexample: Counterexample | None = Field(default=None, description="The confirmed witness of a sat answer.")
    stages: list[Stage] = Field(default_factory=list, description="Stages of a full run, in order.")
    notes: list[str] = Field(default_factory=list)
    seconds: float


def _load(model: str | os.PathLike[str], spec: str | os.PathLike[str]) -> tuple[BoundedModel, Any]:
    from tlean.verify.vnnlib import read_vnnlib

    bm = BoundedModel(model)
    sp = read_vnnlib(spec)
    sp.check_model(bm.n_inputs, bm.n_outputs)
    return bm, sp


def _fallbacks(r: RunResult) -> list[Fallback]:
    return [Fallback(node=k, op=op) for k, op in r.fallbacks]


def bounds_report(
    model: str | os.PathLike[str],
    spec: str | os.PathLike[str],
    method: Method = "crown",
    alpha: AlphaOptions | None = None,
) -> BoundsReport:
    """Per spec box: bounds of every output and of every margin row (one engine run per box).

    ``alpha=None``: α-CROWN optimises intermediate slopes too (as :func:`verify_bounds`)."""
    t0 = time.perf_counter()
    bm, sp = _load(model, spec)
    n = bm.n_outputs
    boxes = []
    for bi, box in enumerate(sp.boxes):
        A, bu, sizes = stack_polytopes(box, n)
        eye = np.eye(n)
        obj = np.concatenate([eye, -eye, A, -A])
        r = bm.run(box.lower_f32, box.upper_f32, obj, method, alpha=alpha or AlphaOptions(intermediate=True))
        lo = r.lower
        olo, ohi = lo[:n], -lo[n : 2 * n]
        m = A.shape[0]
        mlo = sub_down(lo[2 * n : 2 * n + m], bu)
        mhi = up(-lo[2 * n + m :] - down(bu))
        margins, refuted = [], []
        for pi, (pl, ph) in enumerate(zip(split_rows(mlo, sizes), split_rows(mhi, sizes), strict=True)):
            margins += [
                MarginBound(polytope=pi, row=j, lower=_num(a), upper=_num(b))
                for j, (a, b) in enumerate(zip(pl, ph, strict=True))
            ]
            refuted.append(bool(np.any(pl > 0)))
        boxes.append(
            BoxBounds(
                box=bi,
                outputs=[OutputBound(index=j, lower=_num(olo[j]), upper=_num(ohi[j])) for j in range(n)],
                margins=margins,
                refuted=refuted,
                proved=all(refuted),
                fallbacks=_fallbacks(r),
                kept_weaker_rows=r.loosened_rows,
                alpha_iterations=r.alpha_iters,
                seconds=round(r.seconds, 6),
            )
        )
    return BoundsReport(
        model=str(model),
        model_sha256=bm.sha256,
        spec=str(spec),
        spec_sha256=sp.sha256,
        method=method,
        boxes=boxes,
        seconds=round(time.perf_counter() - t0, 6),
    )


def verify_bounds(
    model: str | os.PathLike[str],
    spec: str | os.PathLike[str],
    method: Method = "crown",
    *,
    timeout: float | None = None,
    cert: str | os.PathLike[str] | None = None,
    alpha: AlphaOptions | None = None,
) -> VerifyReport:
    """``unsat`` when the bounds refute every polytope of every box, else ``unknown``/``timeout``.

    ``alpha=None`` with ``method="alpha-crown"`` optimises the intermediate slopes too
    (``AlphaOptions(intermediate=True)``, as auto_LiRPA's α-CROWN); pass ``AlphaOptions()`` for
    final-pass slopes only. ``timeout`` bounds the whole α optimisation of the run. A certificate
    (``cert``) claims only what its own relaxation gives (``RunResult.cert_lower``).
    """
    t0 = time.perf_counter()
    bm, sp = _load(model, spec)
    n = bm.n_outputs
    verdicts, leaves = [], []
    timed_out = False
    for bi, box in enumerate(sp.boxes):
        if timeout is not None and time.perf_counter() - t0 > timeout:
            timed_out = True
            break
        A, bu, sizes = stack_polytopes(box, n)
        opts = alpha or AlphaOptions(intermediate=True)  # default: intermediate slopes too (certified)
        if method == "alpha-crown":
            left = None if timeout is None else max(0.0, timeout - (time.perf_counter() - t0))
            secs = left if opts.seconds is None else (opts.seconds if left is None else min(opts.seconds, left))
            opts = AlphaOptions(
                iters=opts.iters,
                lr=opts.lr,
                seconds=secs,
                intermediate=opts.intermediate,
                stop=_stopper(sizes, bu),
            )
        r = bm.run(box.lower_f32, box.upper_f32, A, method, alpha=opts)
        mlo = sub_down(r.lower, bu)
        if cert is not None and r.cert_lower is not None:
            # claim only what this run's own relaxation gives (a certificate must reproduce it)
            mlo = sub_down(r.cert_lower, bu)
            if not _all_refuted(mlo, sizes) and _all_refuted(sub_down(r.lower, bu), sizes):
                # only the plain-CROWN rows refute: certify with final-pass slopes instead
                opts.intermediate = False
                r2 = bm.run(box.lower_f32, box.upper_f32, A, method, alpha=opts)
                m2 = sub_down(r2.lower, bu)
                if _all_refuted(m2, sizes):
                    r, mlo = r2, m2
        parts = split_rows(mlo, sizes)
        refuted = [bool(np.any(p > 0)) for p in parts]
        verdicts.append(
            BoxVerdict(
                box=bi,
                proved=all(refuted),
                refuted=refuted,
                best_margin_lower=[_num(float(np.max(p))) if p.size else None for p in parts],
                fallbacks=_fallbacks(r),
                seconds=round(r.seconds, 6),
            )
        )
        leaves.append((box, r, mlo, sizes))
        if not all(refuted):
            break  # one unproved box decides: unknown
    proved = len(verdicts) == len(sp.boxes) and all(v.proved for v in verdicts)
    result: Literal["unsat", "unknown", "timeout"] = (
        "unsat"
        if proved
        else ("timeout" if timed_out or (timeout is not None and time.perf_counter() - t0 > timeout) else "unknown")
    )
    cert_path = None
    if proved and cert is not None:
        write_certificate(cert, bm, model, sp, method, leaves)
        cert_path = str(cert)
    return VerifyReport(
        result=result,
        method=method,
        model=str(model),
        model_sha256=bm.sha256,
        spec=str(spec),
        spec_sha256=sp.sha256,
        boxes=verdicts,
        certificate=cert_path,
        seconds=round(time.perf_counter() - t0, 6),
    )


def _stopper(sizes: list[int], b: Arr) -> Callable[[Arr], bool]:
    return lambda lb: _all_refuted(sub_down(lb, b), sizes)


def _all_refuted(margins: Arr, sizes: list[int]) -> bool:
    return all(bool(np.any(p > 0)) for p in split_rows(margins, sizes))


def _finite(a: Arr, fill: float) -> Arr:
    return np.where(np.isfinite(a), a, fill)


def certificate_leaf(bm: BoundedModel, box: Any, r: RunResult, margins: Arr, sizes: list[int], method: str) -> Any:
    """The ``tlean.cert.v1`` bounds leaf of one box: region, relu pre-activation bounds, α, margins.

    ``margins`` are the claimed lower bounds of ``A y - b`` per row; after a run with
    intermediate α they must come from ``r.cert_lower`` (what the written relaxation gives),
    not from ``r.lower``. The intermediate slopes ``r.alpha_for`` go to ``relus[k].alpha_for``.
    """
    from tlean.verify.cert import BoundsLeaf, F64Array, PolytopeBound, Region, ReluBounds

    relus = []
    for k, node in enumerate(bm.graph.nodes):
        if node.op != "relu":
            continue
        b = r.boxes[node.inputs[0]]
        if b is None:
            continue
        al = r.alpha.get(k)
        af = r.alpha_for.get(k)
        relus.append(
            ReluBounds(
                node=k,
                lower=F64Array.of(_finite(b.lo.reshape(-1), -1e308)),
                upper=F64Array.of(_finite(b.hi.reshape(-1), 1e308)),
                alpha=F64Array.of(al) if al is not None else None,
                alpha_for={j: F64Array.of(a) for j, a in sorted(af.items())} if af else None,
            )
        )
    return BoundsLeaf(
        method=method,  # type: ignore[arg-type]
        region=Region(
            lower=F64Array.of(np.asarray(box.lower_f32, dtype=np.float64)),
            upper=F64Array.of(np.asarray(box.upper_f32, dtype=np.float64)),
        ),
        relus=relus,
        polytopes=[PolytopeBound(lower=F64Array.of(_finite(p, -1e308))) for p in split_rows(margins, sizes)],
        beta=None,
    )


def write_certificate(
    path: str | os.PathLike[str],
    bm: BoundedModel,
    model: str | os.PathLike[str],
    sp: Any,
    method: str,
    leaves: list[tuple[Any, RunResult, Arr, list[int]]],
) -> None:
    from tlean import __version__
    from tlean.verify.cert import BoxProof, Certificate, FileRef, write_cert

    cert = Certificate(
        model=FileRef(sha256=bm.sha256, name=Path(model).name),
        spec=FileRef(sha256=sp.sha256, name=Path(sp.source).name if sp.source else ""),
        boxes=[
            BoxProof(box=i, proof=certificate_leaf(bm, box, r, m, s, method)) for i, (box, r, m, s) in enumerate(leaves)
        ],
        producer=f"tlean {__version__}",
    )
    write_cert(cert, path)
