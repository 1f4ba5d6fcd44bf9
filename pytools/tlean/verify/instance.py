"""One verification instance decided: falsification first, then bounds (then branch and bound).

:func:`verify_instance` is the single entry point every front end calls (``tlean verify``, the
VNN-COMP wrappers, ``tlean-vnnlib verify``, batch runs):

1. **falsify** (:mod:`tlean.verify.falsify`) for a short share of the budget: a *confirmed*
   counterexample answers ``sat``;
2. **bounds** (:func:`tlean.verify.bounds.results.verify_bounds`, the chosen method): every
   violation polytope of every box refuted answers ``unsat`` (with a ``tlean.cert.v1``
   certificate when asked);
3. **branch and bound** when :mod:`tlean.verify.bab` exists (it decides what bounds alone cannot),
   after a second, longer falsification pass (15 % of the time left, at most 10 s; at most 1 s
   when branch and bound splits the input, a search that screens its sub-boxes itself);
4. **falsify again** with whatever time is left.

Otherwise the answer is ``timeout`` when the budget ran out and ``unknown`` when every stage
finished without deciding. ``unsat`` is only ever the bound engine's (or BaB's) answer and ``sat``
only a confirmed witness's, so no stage's failure can turn into a wrong answer.

Trust boundary: ``unsat`` rests on the bound engine's soundness (checkable independently with
``tlean check-cert`` when a certificate was written); ``sat`` on the replay described in
:mod:`tlean.verify.falsify`.
"""

from __future__ import annotations

import importlib
import os
import time
from pathlib import Path
from typing import Any, Literal

from tlean.errors import TleanError
from tlean.verify.bounds.engine import AlphaOptions
from tlean.verify.bounds.results import DecidedBy, Stage, VerifyReport
from tlean.verify.falsify import Counterexample, FalsifyStats, falsify, load_model

Result = Literal["sat", "unsat", "unknown", "timeout"]
BoundMethod = Literal["ibp", "crown", "alpha-crown"]

#: Share of the budget for the first falsification pass, and its cap in seconds.
FIRST_FALSIFY_SHARE = 0.05
FIRST_FALSIFY_CAP = 0.5
#: Share of the remaining budget, and cap, of the falsification pass before branch and bound.
SECOND_FALSIFY_SHARE = 0.15
#: (Branch and bound screens the bound minimisers of the sub-problems it opens as candidate
#: counterexamples, a search of its own; on mnistfc every sat instance falls to the first pass,
#: and 10 s here were 10 s less for the search on every instance it decided.)
SECOND_FALSIFY_CAP = 2.0
#: The cap when branch and bound splits the input (small inputs): that search screens the
#: centre and the bound minimiser of every sub-box it opens, a counterexample search of its own.
SECOND_FALSIFY_CAP_INPUT_SPLIT = 1.0


#: ``verify_instance``'s report: the one ``tlean.verify.v1`` shape (see ``results.VerifyReport``).
InstanceReport = VerifyReport


def _bab_module() -> Any | None:
    try:
        return importlib.import_module("tlean.verify.bab")
    except ImportError:
        return None


def verify_instance(
    model: str | os.PathLike[str],
    spec: str | os.PathLike[str],
    timeout: float | None = None,
    method: BoundMethod = "alpha-crown",
    cert: str | os.PathLike[str] | None = None,
    *,
    falsify_first: float | None = None,
    use_bab: bool = True,
    alpha: AlphaOptions | None = None,
) -> InstanceReport:
    """Decides one instance within ``timeout`` seconds (``None``: no limit; see the module docstring).

    ``falsify_first`` overrides the length of the first falsification pass; ``use_bab=False``
    skips branch and bound (bounds alone, then falsification); ``alpha`` is passed to
    :func:`~tlean.verify.bounds.results.verify_bounds` (``None``: its default).

    Raises :class:`~tlean.errors.TleanError` subclasses for bad input (unreadable model, malformed
    spec, sizes that do not match); everything else ends in a result.
    """
    from tlean.verify.vnnlib import read_vnnlib

    t0 = time.perf_counter()

    def elapsed() -> float:
        return time.perf_counter() - t0

    def left() -> float | None:
        return None if timeout is None else max(0.0, timeout - elapsed())

    if timeout is not None and timeout < 0:
        from tlean.errors import UsageError

        raise UsageError(f"--timeout must be >= 0 seconds, not {timeout}")
    fm = load_model(model)
    sp = read_vnnlib(spec)
    sp.check_model(fm.n_inputs, fm.n_outputs)
    rep = InstanceReport(
        result="unknown",
        method="falsify",
        model=str(model),
        model_sha256=fm.sha256,
        spec=str(spec),
        spec_sha256=sp.sha256,
        seconds=0.0,
    )

    def done(result: Result, how: DecidedBy) -> InstanceReport:
        rep.result = result
        rep.method = how
        rep.seconds = round(elapsed(), 6)
        return rep

    if timeout == 0:
        rep.notes.append("timeout 0: nothing attempted")
        return done("timeout", "none")
    if not sp.boxes:
        return done("unsat", "spec")  # no input box at all: no input can violate anything
    if fm.ort_session() is None:
        rep.notes.append("onnxruntime is not installed: counterexamples cannot be confirmed "
                         "(pip install -e '.[check]')")

    # 1. falsification, a short first pass
    first = falsify_first
    if first is None:
        first = FIRST_FALSIFY_CAP if timeout is None else min(FIRST_FALSIFY_CAP, FIRST_FALSIFY_SHARE * timeout)
    ce = _falsify_stage(rep, fm, sp, first)
    if ce is not None:
        rep.counterexample = ce
        return done("sat", "falsify")

    # 2. bounds
    budget = left()
    if budget is not None and budget <= 0:
        return done("timeout", "falsify")
    proved = _bounds_stage(rep, model, spec, method, budget, cert, alpha)
    if proved:
        return done("unsat", method)

    # 3. branch and bound, when it exists, after a longer falsification pass (BaB may use all the time left)
    bab = _bab_module() if use_bab else None
    if bab is not None and hasattr(bab, "bab_verify"):
        budget = left()
        cap = SECOND_FALSIFY_CAP
        if fm.n_inputs <= getattr(bab, "INPUT_SPLIT_MAX_DIM", 0):
            cap = SECOND_FALSIFY_CAP_INPUT_SPLIT
        second = cap if budget is None else min(cap, SECOND_FALSIFY_SHARE * budget)
        if second > 0:
            ce = _falsify_stage(rep, fm, sp, second, seed=2)
            if ce is not None:
                rep.counterexample = ce
                return done("sat", "falsify")
        budget = left()
        if budget is None or budget > 0:
            r = _bab_stage(rep, bab, model, spec, method, budget, cert)
            if r == "unsat":
                return done("unsat", "bab")
            if r == "sat" and rep.counterexample is not None:
                return done("sat", "bab")

    # 4. falsification with the rest of the time (without a limit: a bounded second pass)
    budget = left()
    if budget is None:
        budget = 10.0
    if budget > 0:
        ce = _falsify_stage(rep, fm, sp, budget, seed=1)
        if ce is not None:
            rep.counterexample = ce
            return done("sat", "falsify")
    timed_out = timeout is not None and elapsed() >= timeout - 1e-3
    return done("timeout" if timed_out else "unknown", undecided_method(rep.stages, method))


def undecided_method(stages: list[Stage], method: BoundMethod) -> DecidedBy:
    """The ``method`` of an undecided answer: the strongest stage that ran (``bab``, else the
    bounds ``method``, else ``falsify``; ``none`` when nothing ran). A final falsification pass
    runs after branch and bound's timeout, but branch and bound is what could not decide."""
    ran = {s.stage for s in stages}
    if "bab" in ran:
        return "bab"
    if "bounds" in ran:
        return method
    return "falsify" if ran else "none"


def _falsify_stage(rep: InstanceReport, fm: Any, sp: Any, budget: float, seed: int = 0) -> Counterexample | None:
    from tlean.verify.falsify import FalsifyOptions

    t = time.perf_counter()
    st = FalsifyStats()
    ce = falsify(fm, sp, budget, options=FalsifyOptions(seed=seed), stats=st)
    rep.stages.append(
        Stage(
            stage="falsify",
            result="sat" if ce is not None else "none",
            seconds=round(time.perf_counter() - t, 6),
            detail=f"{st.points} points, best margin {st.best_margin:.6g}",
        )
    )
    return ce


def _bounds_stage(
    rep: InstanceReport,
    model: Any,
    spec: Any,
    method: BoundMethod,
    budget: float | None,
    cert: Any,
    alpha: AlphaOptions | None = None,
) -> bool:
    from tlean.verify.bounds.results import verify_bounds

    t = time.perf_counter()
    try:
        r = verify_bounds(model, spec, method, timeout=budget, cert=cert, alpha=alpha)
    except TleanError as e:
        rep.stages.append(Stage(stage="bounds", result="error", seconds=round(time.perf_counter() - t, 6),
                                detail=f"{e.code}: {e}"))
        rep.notes.append(f"bounds: {e}")
        return False
    rep.boxes = r.boxes
    rep.stages.append(Stage(stage="bounds", result=r.result, seconds=round(time.perf_counter() - t, 6),
                            detail=method))
    for b in r.boxes:
        for f in b.fallbacks:
            rep.notes.append(f"box {b.box}: IBP fallback at node {f.node} ({f.op})")
    if r.result == "unsat":
        rep.certificate = r.certificate
        return True
    return False


def _bab_stage(
    rep: InstanceReport,
    bab: Any,
    model: Any,
    spec: Any,
    method: BoundMethod,
    budget: float | None,
    cert: Any,
) -> str:
    t = time.perf_counter()
    try:
        r = bab.bab_verify(model, spec, method=method, timeout=budget, cert=cert)
    except TleanError as e:
        rep.stages.append(Stage(stage="bab", result="error", seconds=round(time.perf_counter() - t, 6),
                                detail=f"{e.code}: {e}"))
        rep.notes.append(f"bab: {e}")
        return "unknown"
    result = str(getattr(r, "result", "unknown"))
    stats = getattr(r, "stats", None) or {}
    detail = ", ".join(f"{k} {v}" for k, v in stats.items() if isinstance(v, (int, float, str)))
    rep.stages.append(Stage(stage="bab", result=result, seconds=round(time.perf_counter() - t, 6), detail=detail))
    rep.notes += [f"bab: {n}" for n in getattr(r, "notes", None) or []]
    if result == "unsat":
        c = getattr(r, "certificate", None)
        rep.certificate = str(c) if c else (str(cert) if cert is not None and Path(cert).exists() else None)
    elif result == "sat":
        x = getattr(r, "x", None) or getattr(getattr(r, "counterexample", None), "x", None)
        if x is not None:
            from tlean.verify.falsify import confirm

            rep.counterexample = confirm(load_model(model), _spec(spec), x, "bab")
            if rep.counterexample is None:
                rep.notes.append("bab reported sat but its witness was not confirmed; ignored")
                return "unknown"
    return result


def _spec(spec: Any) -> Any:
    from tlean.verify.vnnlib import read_vnnlib

    return read_vnnlib(spec)
