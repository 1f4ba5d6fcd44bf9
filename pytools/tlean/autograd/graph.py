"""The graph passes: forward mode (JVP) and reverse mode (VJP) over an IR graph.

Forward mode evaluates the graph over dual numbers: each node carries its value (from
:func:`tlean.evaluate.evaluate_all` in float32, or the same formulas in float64) and a tangent
computed by the op's JVP rule from its arguments' tangents. Reverse mode evaluates the values
once, then walks the node list in reverse order, applying each op's VJP rule to the node's
accumulated cotangent and adding the results into its arguments' cotangents. Nodes that do not
depend on an input or parameter (constant subgraphs) are skipped in both passes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tlean import evaluate, ir
from tlean.autograd.kernels import primal
from tlean.autograd.rules import Array, rule_for
from tlean.errors import EvaluationError

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def output_names(graph: ir.Graph) -> list[str]:
    """The names the result dicts use for the graph's outputs (``output_<i>`` when unnamed)."""
    return list(graph.output_names) or [f"output_{i}" for i in range(len(graph.outputs))]


def _dtype(dtype: Any) -> np.dtype[Any]:
    d: np.dtype[Any] = np.dtype(dtype)
    if d not in _DTYPES:
        raise EvaluationError(f"autograd runs in float32 or float64, not {d}")
    return d


def _bind(
    decls: list[ir.TensorDecl], given: Mapping[str, Any] | None, kind: str, dtype: np.dtype[Any], *, zero: bool
) -> dict[str, Array]:
    """``given`` as ``dtype`` arrays checked against the declared shapes (zeros for missing ones
    when ``zero``; otherwise a missing one is an error)."""
    given = dict(given or {})
    known = {d.name for d in decls}
    unknown = sorted(set(given) - known)
    if unknown:
        raise EvaluationError(f"unknown {kind} {unknown[0]!r} (the graph has {sorted(known) or 'none'})")
    out = {}
    for d in decls:
        if d.name not in given:
            if not zero:
                raise EvaluationError(f"missing {kind} {d.name!r}")
            out[d.name] = np.zeros(d.shape, dtype=dtype)
            continue
        arr = np.asarray(given[d.name], dtype=dtype)
        if tuple(arr.shape) != tuple(d.shape):
            raise EvaluationError(f"{kind} {d.name!r} must have shape {list(d.shape)}, got {list(arr.shape)}")
        out[d.name] = arr
    return out


def forward_values(
    graph: ir.Graph, inputs: Mapping[str, Any], params: Mapping[str, Any] | None, dtype: Any = np.float32
) -> list[Array]:
    """The value of every node, in ``dtype`` (float32: exactly :func:`tlean.evaluate.evaluate_all`)."""
    d = _dtype(dtype)
    xs = _bind(graph.inputs, inputs, "input", d, zero=False)
    ps = _bind(graph.params, params, "parameter", d, zero=False)
    if d == np.float32:
        values = evaluate.evaluate_all(graph, xs, ps)
        return [np.asarray(v) for v in values]
    out: list[Array] = []
    with np.errstate(all="ignore"):
        for node in graph.nodes:
            a = node.typed_attrs()
            if node.op == "input":
                v = xs[graph.inputs[a.index].name]
            elif node.op == "param":
                v = ps[graph.params[a.index].name]
            elif node.op == "const":
                v = ir.bits_to_array(a.bits, node.shape).astype(d)
            else:
                v = primal(node.op, a, [out[i] for i in node.inputs], tuple(node.shape))
            out.append(v)
    return out


def _live(graph: ir.Graph, inputs: bool = True, params: bool = True) -> list[bool]:
    """``live[k]``: node ``k`` depends on a graph input (when ``inputs``) or parameter (``params``)."""
    live = []
    for node in graph.nodes:
        if node.op == "input":
            live.append(inputs)
        elif node.op == "param":
            live.append(params)
        elif node.op == "const":
            live.append(False)
        else:
            live.append(any(live[i] for i in node.inputs))
    return live


def jvp(
    graph: ir.Graph,
    inputs: Mapping[str, Any],
    params: Mapping[str, Any] | None = None,
    input_tangents: Mapping[str, Any] | None = None,
    param_tangents: Mapping[str, Any] | None = None,
    *,
    dtype: Any = np.float32,
) -> dict[str, Array]:
    """Forward mode: the output tangents ``J·v`` for the tangents ``v`` of inputs and parameters.

    Dicts are keyed by the graph's input / parameter / output names (:func:`output_names`);
    a tangent not given is zero. ``dtype`` is float32 (default, the evaluator's values) or
    float64."""
    d = _dtype(dtype)
    values = forward_values(graph, inputs, params, d)
    ti = _bind(graph.inputs, input_tangents, "input tangent", d, zero=True)
    tp = _bind(graph.params, param_tangents, "parameter tangent", d, zero=True)
    live = _live(graph)
    tangents: list[Array | None] = [None] * len(graph.nodes)
    with np.errstate(all="ignore"):
        for k, node in enumerate(graph.nodes):
            a = node.typed_attrs()
            if node.op == "input":
                tangents[k] = ti[graph.inputs[a.index].name]
            elif node.op == "param":
                tangents[k] = tp[graph.params[a.index].name]
            elif live[k]:
                ts = [
                    ti if ti is not None else np.zeros_like(values[i])
                    for i, ti in ((i, tangents[i]) for i in node.inputs)
                ]
                args = [values[i] for i in node.inputs]
                tk = np.asarray(rule_for(node.op).jvp(a, args, values[k], ts), dtype=d)
                if tk.shape != values[k].shape:  # pragma: no cover - a rule disagreeing with its op
                    raise AssertionError(f"node {k} ({node.op}): tangent of shape {tk.shape}, value {values[k].shape}")
                tangents[k] = tk
    result = {}
    for name, o in zip(output_names(graph), graph.outputs, strict=True):
        t = tangents[o]
        result[name] = np.zeros_like(values[o]) if t is None else np.array(t, dtype=d)
    return result


def vjp(
    graph: ir.Graph,
    inputs: Mapping[str, Any],
    params: Mapping[str, Any] | None = None,
    cotangents: Mapping[str, Any] | None = None,
    *,
    dtype: Any = np.float32,
    wrt_inputs: bool = True,
    wrt_params: bool = True,
) -> tuple[dict[str, Array], dict[str, Array]]:
    """Reverse mode: ``(input_grads, param_grads)`` = ``Jᵀ·w`` for the output cotangents ``w``.

    ``cotangents`` is keyed by output name; ``None`` means ones for every output (the gradient
    of the sum of all outputs); an output left out of a given dict has cotangent zero.
    ``wrt_inputs``/``wrt_params`` False skips that half (its dict is then empty)."""
    d = _dtype(dtype)
    values = forward_values(graph, inputs, params, d)
    names = output_names(graph)
    if cotangents is None:
        ws = {n: np.ones_like(values[o]) for n, o in zip(names, graph.outputs, strict=True)}
    else:
        unknown = sorted(set(cotangents) - set(names))
        if unknown:
            raise EvaluationError(f"unknown output {unknown[0]!r} in the cotangents (outputs: {names})")
        ws = {}
        for n, o in zip(names, graph.outputs, strict=True):
            if n in cotangents:
                w = np.asarray(cotangents[n], dtype=d)
                if w.shape != values[o].shape:
                    raise EvaluationError(
                        f"cotangent of output {n!r} must have shape {list(values[o].shape)}, got {list(w.shape)}"
                    )
                ws[n] = w
    live = _live(graph, wrt_inputs, wrt_params)
    cts: list[Array | None] = [None] * len(graph.nodes)

    def add(i: int, g: Array) -> None:
        g = np.asarray(g, dtype=d)
        if g.shape != tuple(graph.nodes[i].shape):  # pragma: no cover - a rule disagreeing with its op
            raise AssertionError(f"node {i}: cotangent of shape {g.shape}, node shape {graph.nodes[i].shape}")
        cts[i] = g if cts[i] is None else cts[i] + g

    for n, o in zip(names, graph.outputs, strict=True):
        if n in ws and live[o]:
            add(o, ws[n])
    gin = {x.name: np.zeros(x.shape, dtype=d) for x in graph.inputs} if wrt_inputs else {}
    gpar = {p.name: np.zeros(p.shape, dtype=d) for p in graph.params} if wrt_params else {}
    with np.errstate(all="ignore"):
        for k in range(len(graph.nodes) - 1, -1, -1):
            g = cts[k]
            if g is None:
                continue
            cts[k] = None
            node = graph.nodes[k]
            a = node.typed_attrs()
            if node.op == "input":
                gin[graph.inputs[a.index].name] += g
            elif node.op == "param":
                gpar[graph.params[a.index].name] += g
            else:
                needs = [live[i] for i in node.inputs]
                args = [values[i] for i in node.inputs]
                for i, gi in zip(node.inputs, rule_for(node.op).vjp(a, args, values[k], g, needs), strict=True):
                    if gi is not None and live[i]:
                        add(i, gi)
    return gin, gpar
