"""Parity of tlean's evaluator with a peer runtime: max absolute, relative and ULP error.

An element passes when ``|got - want| <= ATOL + RTOL * |want|`` (``got`` tlean's float32 result,
``want`` the peer's). Outputs whose terms cancel to near zero make that rule fail correct results:
both runtimes then carry a rounding error of the size of the *terms*, not of the result. So when a
float64 run of the same model is available (onnxruntime on the model converted to float64, or the
PyTorch module in double precision), an element also passes when tlean is within
``ATOL + RTOL * |ref| + TERMS_RTOL * terms + 2 * peer_error`` of the float64 result ``ref``, where

- ``terms`` is the magnitude of the terms that make the element (ONNX peer only): the float64 model
  run with every weight and input replaced by its absolute value and every ``Sub``/``Neg`` by
  ``Add``/``Identity``, so a sum of large terms that cancels keeps the size of its terms (for a
  dot product this is exactly the sum of ``|w_i x_i|`` that bounds its rounding error);
- ``peer_error`` is the peer's own largest distance to ``ref`` on that output over all seeds;
- ``TERMS_RTOL`` is 16 float32 unit roundoffs (``16 * 2**-24``): a pairwise or blocked float32 sum
  of up to 65,536 terms stays within it.

So a result that cancels to near zero passes when tlean's error is small relative to the terms
it was computed from, like any float32 rounding error, and a wrong result (an error of the size of
the terms) still fails. Reports say when this rule decided (``float64_rule_used``) and give both
runtimes' distances to the float64 result.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from tlean.evaluate import evaluate
from tlean.onnx_import import ImportedModel

#: Default tolerance: an element passes when |got - want| <= ATOL + RTOL * |want|.
RTOL = 1e-4
ATOL = 1e-5
#: The float64 rule's tolerance relative to the magnitude of the terms (see the module docstring).
TERMS_RTOL = 16 * 2.0**-24


@dataclass
class OutputCheck:
    """The worst disagreement on one output over all seeds."""

    name: str
    shape: list[int]
    max_abs: float = 0.0
    max_rel: float = 0.0
    max_ulp: int = 0
    passed: bool = True
    #: Against the float64 run (``None`` when there was none): tlean's and the peer's largest
    #: distance to it, and whether the float64 rule passed elements the plain rule failed.
    max_abs_vs_float64: float | None = None
    peer_max_abs_vs_float64: float | None = None
    float64_rule_used: bool = False


@dataclass
class CheckReport:
    """``--check``: tlean vs a peer runtime on seeded random inputs."""

    peer: str
    seeds: list[int]
    rtol: float
    atol: float
    outputs: list[OutputCheck] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outputs)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["passed"] = self.passed
        return d


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Number of binary32 values between ``a`` and ``b`` elementwise (0 when equal, ±0 equal)."""

    def ordered(x: np.ndarray) -> np.ndarray:
        i = np.ascontiguousarray(x, dtype=np.float32).view(np.int32).astype(np.int64)
        return np.where(i < 0, -(i & 0x7FFFFFFF), i)

    return np.asarray(np.abs(ordered(a) - ordered(b)), dtype=np.int64)


def random_feeds(imported: ImportedModel, seed: int) -> dict[str, np.ndarray]:
    """Seeded float32 inputs: standard normal values, and for token-id inputs
    (``ImportedModel.integer_inputs``) whole numbers below the smallest embedding table's row
    count, still as float32 (the IR's view of them; see :func:`peer_feeds`)."""
    rng = np.random.default_rng(seed)
    graph = imported.graph
    rows = [graph.nodes[n.inputs[0]].shape[0] for n in graph.nodes if n.op == "embedding" and n.inputs]
    vocab = max(1, min(rows)) if rows else 1
    feeds = {}
    for d in graph.inputs:
        if d.name in imported.integer_inputs:
            feeds[d.name] = rng.integers(0, vocab, size=d.shape).astype(np.float32)
        else:
            feeds[d.name] = rng.standard_normal(d.shape).astype(np.float32)
    return feeds


def peer_feeds(imported: ImportedModel, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``feeds`` as the source model takes them: token-id inputs in their ONNX integer type."""
    if not imported.integer_inputs:
        return feeds
    from onnx.helper import tensor_dtype_to_np_dtype

    out = dict(feeds)
    for name in imported.integer_inputs:
        if name in out and name in imported.onnx_dtypes:
            out[name] = out[name].astype(tensor_dtype_to_np_dtype(imported.onnx_dtypes[name]))
    return out


def compare(
    got: Sequence[np.ndarray],
    want: Sequence[np.ndarray],
    rows: list[OutputCheck],
    rtol: float,
    atol: float,
    ref: Sequence[np.ndarray] | None = None,
    peer_error: Sequence[float] | None = None,
    terms: Sequence[np.ndarray] | None = None,
) -> None:
    """Folds one run's disagreement into ``rows`` (one per output); ``ref`` is the float64 run
    and ``peer_error`` the peer's largest distance to it per output (see the module docstring)."""
    for k, (row, g, w) in enumerate(zip(rows, got, want, strict=True)):
        g = np.asarray(g, dtype=np.float32)
        w = np.asarray(w, dtype=np.float32)
        if g.shape != w.shape:
            row.passed = False
            row.max_abs = float("inf")
            continue
        both_nan = np.isnan(g) & np.isnan(w)
        diff = np.where(both_nan, 0.0, np.abs(g.astype(np.float64) - w.astype(np.float64)))
        scale = np.abs(w.astype(np.float64))
        rel = np.where(diff == 0, 0.0, diff / np.maximum(scale, np.finfo(np.float32).tiny))
        ulp = np.where(both_nan, 0, ulp_distance(g, w))
        if diff.size:
            row.max_abs = max(row.max_abs, float(np.nanmax(diff)))
            row.max_rel = max(row.max_rel, float(np.nanmax(rel)))
            row.max_ulp = max(row.max_ulp, int(ulp.max()))
            ok = (diff <= atol + rtol * scale) & ~(np.isnan(diff))
            if not ok.all() and ref is not None and peer_error is not None:
                r = np.asarray(ref[k], dtype=np.float64)
                if r.shape == g.shape:
                    to_ref = np.abs(g.astype(np.float64) - r)
                    mag = np.zeros_like(r)
                    if terms is not None and np.asarray(terms[k]).shape == r.shape:
                        mag = np.abs(np.asarray(terms[k], dtype=np.float64))
                    ok64 = to_ref <= atol + rtol * np.abs(r) + TERMS_RTOL * mag + 2.0 * peer_error[k]
                    row.float64_rule_used = row.float64_rule_used or bool((ok64 & ~ok).any())
                    ok = ok | ok64
            if ref is not None and np.asarray(ref[k]).shape == g.shape:
                r = np.asarray(ref[k], dtype=np.float64)
                mine = float(np.nanmax(np.abs(g.astype(np.float64) - r)))
                theirs = float(np.nanmax(np.abs(w.astype(np.float64) - r)))
                row.max_abs_vs_float64 = max(row.max_abs_vs_float64 or 0.0, mine)
                row.peer_max_abs_vs_float64 = max(row.peer_max_abs_vs_float64 or 0.0, theirs)
            row.passed = row.passed and bool(ok.all())


def new_report(peer: str, imported: ImportedModel, seeds: Sequence[int], rtol: float, atol: float) -> CheckReport:
    """An empty report with one row per graph output."""
    graph = imported.graph
    names = graph.output_names or [f"output_{i}" for i in range(len(graph.outputs))]
    report = CheckReport(peer=peer, seeds=list(seeds), rtol=rtol, atol=atol)
    report.outputs = [OutputCheck(n, list(graph.nodes[o].shape)) for n, o in zip(names, graph.outputs, strict=True)]
    return report


def check_against(
    peer: str,
    run_peer: Callable[[dict[str, np.ndarray]], Sequence[np.ndarray]],
    imported: ImportedModel,
    *,
    seeds: Sequence[int] = (0, 1, 2),
    rtol: float = RTOL,
    atol: float = ATOL,
    run_float64: Callable[[dict[str, np.ndarray]], Sequence[np.ndarray]] | None = None,
    run_terms: Callable[[dict[str, np.ndarray]], Sequence[np.ndarray]] | None = None,
) -> CheckReport:
    """tlean.evaluate against ``run_peer`` (feeds by input name -> outputs) on seeded inputs;
    ``run_float64`` (same feeds, float64 outputs) enables the float64 rule, ``run_terms`` gives
    the magnitude of the terms (see the module docstring)."""
    report = new_report(peer, imported, seeds, rtol, atol)
    runs = []
    for seed in seeds:
        feeds = random_feeds(imported, seed)
        got = evaluate(imported.graph, feeds, imported.params)
        want = run_peer(feeds)
        ref = _safe(run_float64, feeds) if run_float64 is not None else None
        mag = _safe(run_terms, feeds) if run_terms is not None else None
        runs.append((got, want, ref, mag))
    peer_error: list[float] | None = None
    if runs and all(r is not None for _, _, r, _ in runs):
        peer_error = [0.0] * len(report.outputs)
        for _, want, ref, _ in runs:
            assert ref is not None
            for k, (w, r) in enumerate(zip(want, ref, strict=True)):
                w64, r64 = np.asarray(w, dtype=np.float64), np.asarray(r, dtype=np.float64)
                if w64.shape == r64.shape and w64.size:
                    peer_error[k] = max(peer_error[k], float(np.nanmax(np.abs(w64 - r64))))
    for got, want, ref, mag in runs:
        compare(got, want, report.outputs, rtol, atol, ref if peer_error is not None else None, peer_error, mag)
    return report


def _safe(
    run: Callable[[dict[str, np.ndarray]], Sequence[np.ndarray]], feeds: dict[str, np.ndarray]
) -> list[np.ndarray] | None:
    """The float64 run, or ``None`` when the peer cannot run the model in float64."""
    try:
        return [np.asarray(o, dtype=np.float64) for o in run(feeds)]
    except Exception:  # noqa: BLE001 - an op without a float64 kernel: the float64 rule is off
        return None


def float64_model(model_path: str | os.PathLike[str], *, magnitude: bool = False) -> bytes | None:
    """The ONNX model with every float32 tensor, value type and Cast target made float64
    (``None`` when the model cannot be read). With ``magnitude``, float tensors are replaced by
    their absolute values and ``Sub``/``Neg`` by ``Add``/``Identity``: the model of the terms'
    magnitude (feed it absolute inputs)."""
    import onnx
    from onnx import TensorProto, numpy_helper

    try:
        m = onnx.load(str(model_path))
    except Exception:  # noqa: BLE001
        return None

    def fix_tensor(t: onnx.TensorProto) -> None:
        if t.data_type == TensorProto.FLOAT:
            arr = numpy_helper.to_array(t).astype(np.float64)
            t.CopyFrom(numpy_helper.from_array(np.abs(arr) if magnitude else arr, t.name))

    def fix_graph(g: onnx.GraphProto) -> None:
        for t in g.initializer:
            fix_tensor(t)
        for vi in [*g.input, *g.output, *g.value_info]:
            if vi.type.tensor_type.elem_type == TensorProto.FLOAT:
                vi.type.tensor_type.elem_type = TensorProto.DOUBLE
        for node in g.node:
            if magnitude and node.op_type in ("Sub", "Neg") and node.domain in ("", "ai.onnx"):
                node.op_type = "Add" if node.op_type == "Sub" else "Identity"
            for a in node.attribute:
                if a.type == onnx.AttributeProto.TENSOR:
                    fix_tensor(a.t)
                elif a.type == onnx.AttributeProto.GRAPH:
                    fix_graph(a.g)
                elif a.name in ("dtype", "to") and a.type == onnx.AttributeProto.INT and a.i == TensorProto.FLOAT:
                    a.i = TensorProto.DOUBLE

    try:
        fix_graph(m.graph)
        return bytes(m.SerializeToString())
    except Exception:  # noqa: BLE001
        return None


def check_against_onnxruntime(
    model_path: str | os.PathLike[str],
    imported: ImportedModel,
    *,
    seeds: Sequence[int] = (0, 1, 2),
    rtol: float = RTOL,
    atol: float = ATOL,
) -> CheckReport:
    """tlean.evaluate against onnxruntime on the source ONNX model (and onnxruntime on its
    float64 conversion as the float64 reference, when it runs)."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    wanted = imported.graph.output_names or None
    run64 = _ort_float64(float64_model(model_path), wanted, absolute=False, imported=imported)
    terms = _ort_float64(float64_model(model_path, magnitude=True), wanted, absolute=True, imported=imported)
    return check_against(
        f"onnxruntime {ort.__version__}",
        lambda feeds: sess.run(wanted, peer_feeds(imported, feeds)),
        imported,
        seeds=seeds,
        rtol=rtol,
        atol=atol,
        run_float64=run64,
        run_terms=terms if run64 is not None else None,
    )


def _ort_float64(
    blob: bytes | None, wanted: list[str] | None, *, absolute: bool, imported: ImportedModel | None = None
) -> Callable[[dict[str, np.ndarray]], Sequence[np.ndarray]] | None:
    if blob is None:
        return None
    import onnxruntime as ort

    try:
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        sess = ort.InferenceSession(blob, opts, providers=["CPUExecutionProvider"])
    except Exception:  # noqa: BLE001 - some op has no float64 kernel: no float64 reference
        return None

    def run(feeds: dict[str, np.ndarray]) -> Sequence[np.ndarray]:
        f64 = {k: (np.abs(v) if absolute else v).astype(np.float64) for k, v in feeds.items()}
        return list(sess.run(wanted, f64 if imported is None else peer_feeds(imported, f64)))

    return run


def check_against_torch(
    module: Any, imported: ImportedModel, *, seeds: Sequence[int] = (0, 1, 2), rtol: float = RTOL, atol: float = ATOL
) -> CheckReport:
    """tlean.evaluate against the PyTorch module itself (and a float64 copy of it as the
    float64 reference, when it runs in double precision)."""
    import copy

    import torch

    def runner(mod: Any, dtype: Any) -> Callable[[dict[str, np.ndarray]], list[np.ndarray]]:
        def run(feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
            with torch.no_grad():
                out = mod(
                    *[
                        torch.from_numpy(feeds[d.name]).long()
                        if d.name in imported.integer_inputs
                        else torch.from_numpy(feeds[d.name]).to(dtype)
                        for d in imported.graph.inputs
                    ]
                )
            return [t.numpy() for t in (out if isinstance(out, tuple | list) else (out,))]

        return run

    run64 = None
    try:
        run64 = runner(copy.deepcopy(module).double(), torch.float64)
    except Exception:  # noqa: BLE001 - not copyable or no double(): no float64 reference
        run64 = None
    return check_against(
        f"PyTorch {torch.__version__}",
        runner(module, torch.float32),
        imported,
        seeds=seeds,
        rtol=rtol,
        atol=atol,
        run_float64=run64,
    )
