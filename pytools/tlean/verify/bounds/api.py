"""Python entry points of the bound engine (the role ``compute_bounds`` plays in auto_LiRPA).

Example::

    import numpy as np
    from tlean.verify.bounds import BoundedModel

    bm = BoundedModel("mnist-net_256x2.onnx")           # or an ImportedModel, or (graph, params)
    x = np.zeros(784, dtype=np.float32)
    lb, ub = bm.bounds(x - 0.03, x + 0.03, method="crown")   # arrays of the output's shape
    margins = bm.margin_bounds(x - 0.03, x + 0.03, A, b, method="alpha-crown")  # lower of A y - b

Every returned bound holds for the exact real-number semantics of the network with its float32
weights, for every real input in the box (``docs/bounds.md``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tlean import ir
from tlean.errors import BoundsInputError
from tlean.verify.bounds.engine import METHODS, AlphaOptions, Engine, RunResult
from tlean.verify.bounds.fp import Arr, down, slack_up, sub_down, up

ModelLike = Any  # str | os.PathLike | ImportedModel | tuple[ir.Graph, dict[str, np.ndarray]]


def _load(model: ModelLike) -> tuple[ir.Graph, dict[str, np.ndarray], str]:
    if isinstance(model, tuple):
        g, p = model
        return g, dict(p), ""
    if isinstance(model, (str, os.PathLike)):
        from tlean.onnx_import import import_model

        model = import_model(model)
    return model.graph, dict(model.params), getattr(model, "sha256", "")


@dataclass
class MarginBounds:
    """Lower bounds of the margins ``(A y - b)_r`` over one box, with the run's details."""

    lower: Arr
    run: RunResult
    upper: Arr | None = None
    notes: list[str] = field(default_factory=list)


class BoundedModel:
    """A model prepared for bounding: rules resolved, constants enclosed (reuse it for many boxes).

    >>> bm = BoundedModel(model)                                    # doctest: +SKIP
    >>> lb, ub = bm.bounds(lower, upper, method="alpha-crown")      # doctest: +SKIP
    """

    def __init__(self, model: ModelLike) -> None:
        self.graph, self.params, self.sha256 = _load(model)
        self.engine = Engine(self.graph, self.params)
        self.n_inputs = self.engine.n_in
        self.out_shape = tuple(self.graph.nodes[self.graph.outputs[0]].shape)
        self.n_outputs = int(np.prod(self.out_shape, dtype=np.int64))

    def bounds(
        self,
        lower: Any,
        upper: Any,
        method: str = "crown",
        *,
        alpha: AlphaOptions | None = None,
        splits: dict[int, np.ndarray] | None = None,
    ) -> tuple[Arr, Arr]:
        """``(lb, ub)`` of every output element (arrays of the output's shape)."""
        r = self.engine.run(lower, upper, None, method=method, alpha=alpha, splits=splits)
        n = self.n_outputs
        return r.lower[:n].reshape(self.out_shape), (-r.lower[n:]).reshape(self.out_shape)

    def run(self, lower: Any, upper: Any, objective: Arr | None, method: str = "crown", **kw: Any) -> RunResult:
        """The engine's full result for lower bounds of ``objective @ y`` (see :class:`Engine`)."""
        return self.engine.run(lower, upper, objective, method=method, **kw)

    def margin_bounds(
        self,
        lower: Any,
        upper: Any,
        A: Any,
        b: Any,
        method: str = "crown",
        *,
        alpha: AlphaOptions | None = None,
        splits: dict[int, np.ndarray] | None = None,
        with_upper: bool = False,
    ) -> MarginBounds:
        """Lower bounds of ``A y - b`` per row (``A`` float64-exact, ``b`` already rounded up).

        ``A`` may be an array or exact Fractions; non-float64 coefficients are accounted for by
        an error term over the output's box. ``b`` must be a rigorous upper bound of the exact
        right-hand side (e.g. :meth:`tlean.verify.spec.Polytope.b_f64_up`).
        """
        Af = np.asarray(A, dtype=np.float64)
        if Af.ndim != 2 or Af.shape[1] != self.n_outputs:
            raise BoundsInputError(f"A must be [rows, {self.n_outputs}], got {list(Af.shape)}")
        bf = np.asarray(b, dtype=np.float64).reshape(-1)
        r = self.engine.run(lower, upper, Af, method=method, alpha=alpha, splits=splits)
        lb = sub_down(r.lower, bf)
        out = MarginBounds(lower=lb, run=r)
        if with_upper:
            ru = self.engine.run(lower, upper, -Af, method=method, alpha=alpha, splits=splits)
            bl = down(bf)  # b_up may exceed the exact b by one step
            out.upper = up(-ru.lower - bl)
        return out


def compute_bounds(model: ModelLike, lower: Any, upper: Any, method: str = "crown", **kw: Any) -> tuple[Arr, Arr]:
    """Lower and upper bounds of every output of ``model`` over the box ``[lower, upper]``.

    ``method`` is ``"ibp"``, ``"crown"`` or ``"alpha-crown"``. Example::

        lb, ub = compute_bounds("net.onnx", x - eps, x + eps, method="crown")
        assert np.all(lb <= ub)
    """
    if method not in METHODS:
        raise BoundsInputError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    return BoundedModel(model).bounds(lower, upper, method, **kw)


def spec_margin_bounds(model: ModelLike, spec: Any, method: str = "crown", **kw: Any) -> list[list[Arr]]:
    """For each box of a :class:`tlean.verify.spec.Spec`: per polytope, the lower bounds of
    ``(A y - b)_r`` (a polytope is refuted when some entry is > 0).

    Example::

        from tlean.verify.vnnlib import read_vnnlib
        spec = read_vnnlib("prop_1.vnnlib")
        per_box = spec_margin_bounds("net.onnx", spec, method="alpha-crown")
        proved = all(np.any(rows > 0) for box in per_box for rows in box)  # every polytope refuted
    """
    bm = model if isinstance(model, BoundedModel) else BoundedModel(model)
    res = []
    for box in spec.boxes:
        A, bu, sizes = stack_polytopes(box, bm.n_outputs)
        mb = bm.margin_bounds(box.lower_f32, box.upper_f32, A, bu, method, **kw)
        res.append(split_rows(mb.lower, sizes))
    return res


def stack_polytopes(box: Any, n_out: int) -> tuple[Arr, Arr, list[int]]:
    """All polytope rows of a spec box stacked: ``(A, b rounded up, rows per polytope)``.

    Coefficients that are not float64 are rejected (VNN-LIB specs use small integers)."""
    As, bs, sizes = [], [], []
    for p in box.polytopes:
        if not p.A_exact():
            raise BoundsInputError("a spec coefficient is not exactly a float64; not supported by the bound engine")
        a = p.A_f64().reshape(p.rows, n_out)
        As.append(a)
        bs.append(p.b_f64_up())
        sizes.append(p.rows)
    if not As:
        return np.zeros((0, n_out)), np.zeros(0), []
    return np.concatenate(As), np.concatenate(bs), sizes


def split_rows(v: Arr, sizes: list[int]) -> list[Arr]:
    out, o = [], 0
    for s in sizes:
        out.append(v[o : o + s])
        o += s
    return out


__all__ = ["BoundedModel", "MarginBounds", "compute_bounds", "spec_margin_bounds", "slack_up"]
