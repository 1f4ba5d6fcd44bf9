"""The state of one import: values known so far, the IR being built, the node being converted.

A :class:`Value` is either a *runtime* value (an IR node id with its static shape) or a
*constant* known at import time (a NumPy array: initializers, ``Constant`` nodes and everything
folded from them). Constants are turned into IR leaves only when an IR op consumes them
(:meth:`Builder.materialize`): initializers become ``param`` nodes (their values go to the
payload), other constants become ``const`` nodes when small and ``param`` nodes when large.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import onnx

from tlean import ir
from tlean.errors import ModelLimitError

#: Constants with at most this many elements become ``const`` literals; larger ones, params.
CONST_MAX_ELEMENTS = 64
#: Largest IR graph an import may build.
MAX_IR_NODES = 1_000_000


class Unsupported(Exception):
    """Raised by a converter when this node (attributes, inputs) falls outside op set v1."""


@dataclass
class Value:
    """An ONNX value during import: a runtime IR node, or a constant array."""

    shape: tuple[int, ...]
    node: int | None = None
    const: np.ndarray | None = None
    is_initializer: bool = False
    name: str = ""
    #: A runtime value holding integers (a token-id input, carried as float32 in the IR).
    integer: bool = False

    @property
    def is_const(self) -> bool:
        return self.const is not None

    def array(self) -> np.ndarray:
        if self.const is None:
            raise Unsupported(f"input {self.name!r} must be a constant known at import time")
        return self.const


@dataclass
class Builder:
    """Accumulates IR nodes, inputs and params; computes every node's shape by its rule."""

    inputs: list[ir.TensorDecl] = field(default_factory=list)
    params: list[ir.TensorDecl] = field(default_factory=list)
    param_values: dict[str, np.ndarray] = field(default_factory=dict)
    nodes: list[ir.Node] = field(default_factory=list)
    _param_names: set[str] = field(default_factory=set)
    #: Largest tensor any node may produce (``--max-elements``) and largest IR graph: a damaged
    #: or hostile file cannot make the import allocate or loop without bound.
    max_elements: int = 2**31
    max_nodes: int = MAX_IR_NODES

    def add_input(self, name: str, shape: tuple[int, ...]) -> Value:
        self.inputs.append(ir.TensorDecl(name=name, shape=list(shape)))
        nid = self._push(ir.Node(op="input", attrs={"index": len(self.inputs) - 1}, shape=list(shape), name=name))
        return Value(shape=shape, node=nid, name=name)

    def add_param(self, name: str, value: np.ndarray) -> int:
        base, k = name, 1
        while name in self._param_names:
            k += 1
            name = f"{base}#{k}"
        self._param_names.add(name)
        arr = np.asarray(value, dtype=np.float32, order="C")  # no copy (ascontiguousarray makes 0-d 1-d)
        self.params.append(ir.TensorDecl(name=name, shape=list(arr.shape)))
        self.param_values[name] = arr
        return self._push(ir.Node(op="param", attrs={"index": len(self.params) - 1}, shape=list(arr.shape), name=name))

    def check_elements(self, shape: tuple[int, ...] | list[int], what: str) -> None:
        """Raises :class:`ModelLimitError` when ``shape`` exceeds the element limit."""
        n = math.prod(int(d) for d in shape)
        if n > self.max_elements:
            raise ModelLimitError(
                f"{what} would create {n:,} elements, over the limit of {self.max_elements:,}; "
                "raise it with --max-elements if the model is genuine"
            )

    def _push(self, node: ir.Node) -> int:
        if len(self.nodes) >= self.max_nodes:
            raise ModelLimitError(
                f"the IR graph would exceed {self.max_nodes:,} nodes (an unrolled recurrence or a "
                "repeated copy this large is not a model tlean can verify)"
            )
        self.nodes.append(node)
        return len(self.nodes) - 1

    def materialize(self, v: Value) -> int:
        """The IR node id of ``v``, creating a ``param``/``const`` leaf for a constant."""
        if v.node is not None:
            return v.node
        arr = v.array()
        if arr.dtype != np.float32:
            if np.issubdtype(arr.dtype, np.floating):
                raise Unsupported(f"tensor {v.name!r} has element type {arr.dtype}; only float32 is supported")
            raise Unsupported(f"tensor {v.name!r} of type {arr.dtype} is used as a float32 operand")
        if v.is_initializer or arr.size > CONST_MAX_ELEMENTS:
            nid = self.add_param(v.name or f"const_{len(self.nodes)}", arr)
        else:
            nid = self._push(ir.Node(op="const", attrs={"bits": ir.f32_bits(arr)}, shape=list(arr.shape), name=v.name))
        v.node = nid  # later uses of the same value share the leaf
        return nid

    def literal(self, arr: np.ndarray, name: str = "") -> int:
        """A ``const`` node holding ``arr`` as float32, whatever its size (``where`` masks)."""
        values = np.asarray(arr, dtype=np.float32)
        return self._push(ir.Node(op="const", attrs={"bits": ir.f32_bits(values)}, shape=list(values.shape), name=name))

    def emit(self, op: str, inputs: list[int], attrs: Any = None, name: str = "") -> Value:
        """Appends an op node; its shape comes from the op's shape rule (ValueError if none)."""
        spec = ir.OPS[op]
        typed = spec.attrs.model_validate(attrs or {})
        shape = ir.infer_shape(op, typed, [tuple(self.nodes[i].shape) for i in inputs])
        self.check_elements(shape, f"{op} node {name!r}")
        nid = self._push(
            ir.Node(op=cast(ir.OpName, op), inputs=inputs, attrs=typed.model_dump(), shape=list(shape), name=name)
        )
        return Value(shape=shape, node=nid, name=name)


@dataclass
class NodeCtx:
    """What a converter sees: the ONNX node, its decoded attributes, its input values."""

    node: onnx.NodeProto
    opset: int
    attrs: dict[str, Any]
    inputs: list[Value | None]
    b: Builder

    @property
    def name(self) -> str:
        return self.node.output[0] if self.node.output else self.node.name

    def attr(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)

    def input(self, i: int) -> Value:
        v = self.inputs[i] if i < len(self.inputs) else None
        if v is None:
            raise Unsupported(f"input {i} is required")
        return v

    def opt_input(self, i: int) -> Value | None:
        return self.inputs[i] if i < len(self.inputs) else None

    def node_id(self, i: int) -> int:
        return self.b.materialize(self.input(i))

    def emit(self, op: str, inputs: list[int], attrs: Any = None, name: str | None = None) -> Value:
        return self.b.emit(op, inputs, attrs, self.name if name is None else name)

    def op(self, op: str, inputs: list[int], attrs: Any = None, suffix: str | None = None) -> int:
        """Emits ``op`` and returns its node id; ``suffix`` names an intermediate (``name/suffix``),
        ``None`` gives the node the ONNX output's name (use it for the final node)."""
        v = self.emit(op, inputs, attrs, name=None if suffix is None else f"{self.name}/{suffix}")
        assert v.node is not None
        return v.node

    def value(self, nid: int) -> Value:
        """The runtime :class:`Value` of IR node ``nid``."""
        return Value(shape=tuple(self.b.nodes[nid].shape), node=nid)

    def const(self, values: Any, name: str = "") -> int:
        """A small float32 literal as a ``const`` node."""
        arr = np.asarray(values, dtype=np.float32)
        return self.b.materialize(Value(shape=arr.shape, const=arr, name=name or f"{self.name}/const"))

    def reshape(self, nid: int, shape: tuple[int, ...], name: str | None = None) -> int:
        """``nid`` reshaped to ``shape`` (no node if the shape is already right)."""
        if tuple(self.b.nodes[nid].shape) == tuple(shape):
            return nid
        return self.emit("reshape", [nid], {"shape": list(shape)}, name=name).node  # type: ignore[return-value]


def normalize_axis(axis: int, rank: int, what: str = "axis") -> int:
    """An ONNX axis in ``[-rank, rank)`` as a non-negative axis."""
    if not -rank <= axis < rank:
        raise Unsupported(f"{what} {axis} is out of range for rank {rank}")
    return axis + rank if axis < 0 else axis


def numel(shape: tuple[int, ...] | list[int]) -> int:
    return math.prod(shape)
