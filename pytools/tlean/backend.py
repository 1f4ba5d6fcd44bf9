"""An ONNX backend (``onnx.backend.base.Backend``) that runs models through the tlean IR.

``prepare`` imports the model into the IR (:func:`tlean.onnx_import.import_model`) and ``run``
evaluates it with :func:`tlean.evaluate.evaluate`. This is how tlean is measured against ONNX's
own conformance data (``onnx.backend.test``).

Model inputs that are not float32 (shapes, axes, indices fed as inputs), and float inputs that
only reach positions where the IR needs an import-time constant (Clip bounds, a Pad value, a
Pow exponent), are bound as constants: their values are known only at ``run``, so such models
are imported at ``run`` with those values (and cached per distinct value). Likewise a model
whose inputs have dynamic dimensions is imported at ``run`` with the shapes of the arrays fed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from onnx.backend.base import Backend, BackendRep

from tlean.evaluate import evaluate
from tlean.onnx_import import ImportedModel, import_model

#: (op type, input position) pairs where the IR needs a constant known at import time.
CONSTANT_POSITIONS = frozenset(
    {("Clip", 1), ("Clip", 2), ("Pad", 2), ("Pow", 1), ("Reshape", 1), ("Slice", 1), ("Slice", 2),
     ("Slice", 3), ("Slice", 4), ("Pad", 1), ("Pad", 3), ("Squeeze", 1), ("Unsqueeze", 1),
     ("ReduceSum", 1), ("ReduceMean", 1), ("ReduceMax", 1), ("Split", 1), ("Dropout", 1),
     ("Dropout", 2), ("CastLike", 1),
     # issue 10: resize tables and recurrent weights are import-time constants
     ("Resize", 1), ("Resize", 2), ("Resize", 3), ("Upsample", 1),
     *((rnn, k) for rnn in ("LSTM", "GRU", "RNN") for k in (1, 2, 3, 4, 7))}
)  # fmt: skip


def constant_inputs(model: onnx.ModelProto) -> list[str]:
    """The model inputs this backend binds as constants (see the module docstring)."""
    g = model.graph
    inits = {t.name for t in g.initializer}
    uses: dict[str, set[tuple[str, int]]] = {}
    for node in g.node:
        for k, name in enumerate(node.input):
            uses.setdefault(name, set()).add((node.op_type, k))
    out = []
    for vi in g.input:
        if vi.name in inits:
            continue
        if (
            vi.type.tensor_type.elem_type != onnx.TensorProto.FLOAT
            or uses.get(vi.name)
            and uses[vi.name] <= CONSTANT_POSITIONS
        ):
            out.append(vi.name)
    return out


class TleanRep(BackendRep):
    """A prepared model: the IR (imported now, or at run time when inputs are bound)."""

    def __init__(self, model: onnx.ModelProto) -> None:
        self.model = model
        g = model.graph
        inits = {t.name for t in g.initializer}
        self.input_names = [vi.name for vi in g.input if vi.name not in inits]
        self.bound = constant_inputs(model)
        self.dynamic = [
            vi.name
            for vi in g.input
            if vi.name not in inits
            and vi.name not in self.bound
            and not all(d.HasField("dim_value") and d.dim_value > 0 for d in vi.type.tensor_type.shape.dim)
        ]
        self._cache: dict[bytes, ImportedModel] = {}
        self.imported = None if self.bound or self.dynamic else import_model(model)

    def _import_for(self, feeds: dict[str, np.ndarray]) -> ImportedModel:
        consts = {n: np.asarray(feeds[n]) for n in self.bound}
        shapes = {n: list(np.shape(feeds[n])) for n in self.dynamic if n in feeds}
        key = repr(sorted(shapes.items())).encode() + b"".join(
            n.encode() + str(a.dtype).encode() + str(a.shape).encode() + a.tobytes() for n, a in sorted(consts.items())
        )
        if key not in self._cache:
            self._cache[key] = import_model(self.model, constants=consts, input_shapes=shapes)
        return self._cache[key]

    def run(self, inputs: Any, **kwargs: Any) -> tuple[np.ndarray, ...]:
        if isinstance(inputs, dict):
            feeds = {k: np.asarray(v) for k, v in inputs.items()}
        else:
            seq: Sequence[Any] = inputs if isinstance(inputs, list | tuple) else [inputs]
            feeds = {n: np.asarray(v) for n, v in zip(self.input_names, seq, strict=False)}
        imported = self.imported or self._import_for(feeds)
        runtime = {d.name: feeds[d.name] for d in imported.graph.inputs}
        return tuple(evaluate(imported.graph, runtime, imported.params))


class TleanBackend(Backend):
    """ONNX backend running models through tlean's IR and NumPy evaluator (CPU only)."""

    @classmethod
    def prepare(cls, model: onnx.ModelProto, device: str = "CPU", **kwargs: Any) -> TleanRep:
        super().prepare(model, device, **kwargs)
        return TleanRep(model)

    @classmethod
    def run_model(
        cls, model: onnx.ModelProto, inputs: Any, device: str = "CPU", **kwargs: Any
    ) -> tuple[np.ndarray, ...]:
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def supports_device(cls, device: str) -> bool:
        return device == "CPU"
