"""Training losses as IR graph tails, so ``loss ∘ model`` is one graph.

:func:`with_loss` appends to a copy of the graph, after the chosen output ``y``:

- ``"mse"``: ``reduceMean(mul(d, d))`` over every axis with ``d = sub(y, T)`` — PyTorch's
  ``mse_loss(y, T)`` (mean reduction);
- ``"cross_entropy"``: ``div(neg(reduceSum(mul(logSoftmax(y), T))), n)`` with the class axis 1
  (0 for a rank-1 ``y``) and ``n`` the number of positions (elements of ``y`` / classes) —
  PyTorch's ``cross_entropy(y, target)`` (mean reduction). ``target`` is either the class
  indices (an integer array, the shape of ``y`` without the class axis; turned into a constant
  one-hot ``T``) or class probabilities of ``y``'s shape (``T`` itself).

``T`` and ``n`` are ``const`` nodes; the result has one output, the scalar ``loss`` (shape ``[]``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tlean import ir
from tlean.errors import UsageError

#: The losses :func:`with_loss` knows.
LOSSES = ("mse", "cross_entropy")


def _const(value: np.ndarray, name: str) -> ir.Node:
    arr = np.asarray(value, dtype=np.float32)
    return ir.Node(op="const", attrs={"bits": ir.f32_bits(arr)}, shape=list(arr.shape), name=name)


def _one_hot(target: np.ndarray, shape: tuple[int, ...], axis: int) -> np.ndarray:
    want = shape[:axis] + shape[axis + 1 :]
    if tuple(target.shape) != want:
        raise UsageError(f"class indices must have shape {list(want)} (the output without its class axis)")
    classes = shape[axis]
    if target.size and (target.min() < 0 or target.max() >= classes):
        raise UsageError(f"class indices must lie in [0, {classes})")
    hot = np.eye(classes, dtype=np.float32)[target.astype(np.intp)]  # class axis last
    return np.moveaxis(hot, -1, axis)


def with_loss(graph: ir.Graph, loss: str, target: Any, *, output: str | None = None) -> ir.Graph:
    """A copy of ``graph`` whose single output is ``loss(y, target)`` for the output ``y``
    (the only output, or the one named ``output``)."""
    from tlean.autograd.graph import output_names

    if loss not in LOSSES:
        raise UsageError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    names = output_names(graph)
    if output is None:
        if len(names) != 1:
            raise UsageError(f"the graph has {len(names)} outputs ({names}); name the one the loss reads")
        output = names[0]
    if output not in names:
        raise UsageError(f"no output {output!r} (outputs: {names})")
    g = graph.model_copy(deep=True)
    y = g.outputs[names.index(output)]
    shape = tuple(g.nodes[y].shape)
    nodes = g.nodes

    def push(op: str, inputs: list[int], attrs: dict[str, Any], shp: tuple[int, ...], name: str) -> int:
        nodes.append(ir.Node(op=op, inputs=inputs, attrs=attrs, shape=list(shp), name=name))  # type: ignore[arg-type]
        return len(nodes) - 1

    tgt = np.asarray(target)
    every = {"axes": list(range(len(shape))), "keepDims": False}
    if loss == "mse":
        if tuple(tgt.shape) != shape:
            raise UsageError(f"the mse target must have the output's shape {list(shape)}, got {list(tgt.shape)}")
        nodes.append(_const(tgt, "loss.target"))
        d = push("sub", [y, len(nodes) - 1], {}, shape, "loss.diff")
        sq = push("mul", [d, d], {}, shape, "loss.square")
        out = push("reduceMean", [sq], every, (), "loss") if shape else sq
    else:
        if not shape:
            raise UsageError("cross_entropy needs an output with a class axis (rank >= 1)")
        axis = 1 if len(shape) >= 2 else 0
        if np.issubdtype(tgt.dtype, np.integer):
            tgt = _one_hot(tgt, shape, axis)
        elif tuple(tgt.shape) != shape:
            raise UsageError(
                f"a cross_entropy target is class indices (integers) or probabilities of shape {list(shape)}"
            )
        ls = push("logSoftmax", [y], {"axis": axis}, shape, "loss.logSoftmax")
        nodes.append(_const(tgt, "loss.target"))
        m = push("mul", [ls, len(nodes) - 1], {}, shape, "loss.picked")
        s = push("reduceSum", [m], every, (), "loss.sum")
        ng = push("neg", [s], {}, (), "loss.negsum")
        nodes.append(_const(np.asarray(math.prod(shape) // shape[axis]), "loss.count"))
        out = push("div", [ng, len(nodes) - 1], {}, (), "loss")
    g.outputs = [out]
    g.output_names = ["loss"]
    ir.check(g)
    return g
