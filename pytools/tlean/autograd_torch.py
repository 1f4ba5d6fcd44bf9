"""An IR → PyTorch interpreter: the independent oracle of :mod:`tlean.autograd`'s gradients.

Each IR op is written with PyTorch's own operators from the op's ONNX/PyTorch meaning
(``F.conv2d``, ``F.conv_transpose2d``, ``F.max_pool2d``, ``F.layer_norm``, ``torch.log_softmax``,
...), not from tlean's NumPy kernels, so PyTorch's autograd differentiates an implementation that
shares no code with tlean's rules. Used by ``tests/test_autograd*.py`` and
``scripts/bench_grad.py``; needs the ``torch`` extra.

Where the IR is more general than a PyTorch operator (asymmetric pads, pads larger than half a
kernel, negative slice steps), the interpreter pads or indexes explicitly first. The
``resize`` op is the one op whose PyTorch side reads the IR's own tables (the importer resolved
ONNX's coordinate modes into them); it gathers and interpolates with ``index_select``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from tlean import ir
from tlean.errors import MissingDependencyError


def _torch() -> Any:
    try:
        import torch
    except ImportError:  # pragma: no cover - depends on the environment
        raise MissingDependencyError("the PyTorch oracle needs torch: pip install -e '.[torch]'") from None
    return torch


def _pool_native(a: Any) -> bool:
    t, lft, b, r = a.pads
    kh, kw = a.kernel
    return bool(t == b and lft == r and 2 * t <= kh and 2 * lft <= kw)


def _op(op: str, a: Any, xs: list[Any], shape: tuple[int, ...]) -> Any:
    torch = _torch()
    F = torch.nn.functional
    x: Any = xs[0] if xs else None
    simple = {
        "add": lambda: xs[0] + xs[1], "sub": lambda: xs[0] - xs[1], "mul": lambda: xs[0] * xs[1],
        "div": lambda: xs[0] / xs[1], "max": lambda: torch.maximum(xs[0], xs[1]),
        "min": lambda: torch.minimum(xs[0], xs[1]), "neg": lambda: -x, "abs": lambda: torch.abs(x),
        "relu": lambda: torch.relu(x), "sigmoid": lambda: torch.sigmoid(x), "tanh": lambda: torch.tanh(x),
        "exp": lambda: torch.exp(x), "log": lambda: torch.log(x), "sqrt": lambda: torch.sqrt(x),
        "erf": lambda: torch.erf(x), "sin": lambda: torch.sin(x), "cos": lambda: torch.cos(x),
        "sign": lambda: torch.sign(x), "floor": lambda: torch.floor(x), "ceil": lambda: torch.ceil(x),
        "round": lambda: torch.round(x), "matmul": lambda: torch.matmul(xs[0], xs[1]),
    }  # fmt: skip
    if op in simple:
        return simple[op]()
    if op == "leakyRelu":
        return F.leaky_relu(x, a.alpha)
    if op == "clip":
        return torch.clamp(x, a.lo, a.hi)
    if op == "pow":
        return torch.pow(x, a.exponent)
    if op == "where":
        return torch.where(xs[0] > 0, xs[1], xs[2])
    if op == "embedding":
        return xs[0][xs[1].long()]  # ONNX Gather on axis 0 (PyTorch advanced indexing)
    if op == "linear":
        return F.linear(x, xs[1], xs[2] if len(xs) > 2 else None)
    if op == "conv2d":
        t, lft, b, r = a.pads
        return F.conv2d(F.pad(x, (lft, r, t, b)), xs[1], xs[2] if len(xs) > 2 else None,
                        stride=a.strides, dilation=a.dilations, groups=a.groups)  # fmt: skip
    if op == "convTranspose2d":
        full = F.conv_transpose2d(x, xs[1], None, stride=a.strides, groups=a.groups, dilation=a.dilations)
        t, lft, _, _ = a.pads
        oh, ow = shape[2], shape[3]
        full = F.pad(full, (0, max(0, lft + ow - full.shape[3]), 0, max(0, t + oh - full.shape[2])))
        y = full[:, :, t : t + oh, lft : lft + ow]
        return y + xs[2].reshape(1, -1, 1, 1) if len(xs) > 2 else y
    if op == "maxPool2d":
        if _pool_native(a):
            return F.max_pool2d(x, a.kernel, a.strides, (a.pads[0], a.pads[1]), ceil_mode=a.ceilMode)
        t, lft, b, r = a.pads
        return F.max_pool2d(F.pad(x, (lft, r, t, b), value=-math.inf), a.kernel, a.strides, ceil_mode=a.ceilMode)
    if op == "avgPool2d":
        if _pool_native(a):
            return F.avg_pool2d(x, a.kernel, a.strides, (a.pads[0], a.pads[1]), ceil_mode=a.ceilMode,
                                count_include_pad=a.countIncludePad)  # fmt: skip
        return _avg_pool_explicit(a, x, shape)
    if op == "globalAvgPool":
        return x.mean(dim=(2, 3), keepdim=True)
    if op == "batchNorm":
        s = (1, -1) + (1,) * (x.dim() - 2)
        sc, bi, mu, var = (v.reshape(s) for v in xs[1:])
        return (x - mu) / torch.sqrt(var + a.epsilon) * sc + bi
    if op == "layerNorm":
        return F.layer_norm(x, tuple(x.shape[a.axis :]), xs[1], xs[2] if len(xs) > 2 else None, a.epsilon)
    if op == "softmax":
        return torch.softmax(x, a.axis)
    if op == "logSoftmax":
        return torch.log_softmax(x, a.axis)
    if op == "reshape":
        return x.reshape(a.shape)
    if op == "transpose":
        return x.permute(*a.perm)
    if op == "concat":
        return torch.cat(xs, dim=a.axis)
    if op == "slice":
        y = x
        for st, en, ax, sp in zip(a.starts, a.ends, a.axes, a.steps, strict=True):
            y = y.index_select(ax, torch.tensor(list(range(st, en, sp)), dtype=torch.long))
        return y
    if op == "pad":
        r = x.dim()
        flat: list[int] = []
        for i in reversed(range(r)):
            flat += [a.pads[i], a.pads[i + r]]
        return F.pad(x, tuple(flat), value=a.value)
    if op == "reduceSum":
        return torch.sum(x, dim=tuple(a.axes), keepdim=a.keepDims)
    if op == "reduceMean":
        return torch.mean(x, dim=tuple(a.axes), keepdim=a.keepDims)
    if op == "reduceMax":
        return torch.amax(x, dim=tuple(a.axes), keepdim=a.keepDims)
    if op == "resize":
        y = x
        for ax in range(x.dim()):
            i0 = torch.tensor(a.index0[ax], dtype=torch.long)
            if not a.weight0[ax]:
                y = y.index_select(ax, i0)
                continue
            view = [1] * y.dim()
            view[ax] = len(a.index0[ax])
            w0 = torch.tensor(a.weight0[ax], dtype=y.dtype).reshape(view)
            w1 = torch.tensor(a.weight1[ax], dtype=y.dtype).reshape(view)
            i1 = torch.tensor(a.index1[ax], dtype=torch.long)
            y = w0 * y.index_select(ax, i0) + w1 * y.index_select(ax, i1)
        return y
    raise AssertionError(f"no PyTorch rendering of op {op!r}")


def _avg_pool_explicit(a: Any, x: Any, shape: tuple[int, ...]) -> Any:
    """Average pooling by window sums over explicitly padded input, divided by the ONNX count."""
    torch = _torch()
    F = torch.nn.functional
    t, lft, b, r = a.pads
    kh, kw = a.kernel
    sh, sw = a.strides
    oh, ow = shape[2], shape[3]
    h, w = x.shape[2], x.shape[3]
    eh = max(0, (oh - 1) * sh + kh - (h + t + b))
    ew = max(0, (ow - 1) * sw + kw - (w + lft + r))
    sums = F.avg_pool2d(F.pad(x, (lft, r + ew, t, b + eh)), a.kernel, a.strides) * (kh * kw)

    def count(size: int, k: int, s: int, pb: int, pe: int, n: int) -> list[float]:
        lo, hi = (-pb, size + pe) if a.countIncludePad else (0, size)
        return [float(max(0, min(o * s - pb + k, hi) - max(o * s - pb, lo))) for o in range(n)]

    ch = torch.tensor(count(h, kh, sh, t, b, oh), dtype=x.dtype)
    cw = torch.tensor(count(w, kw, sw, lft, r, ow), dtype=x.dtype)
    return sums / (ch[:, None] * cw[None, :])


class TorchGraph:
    """The graph as a PyTorch function of named input and parameter tensors."""

    def __init__(self, graph: ir.Graph, selections: Mapping[int, np.ndarray] | None = None) -> None:
        self.graph = graph
        self.attrs = [n.typed_attrs() for n in graph.nodes]
        self.selections = dict(selections or {})

    def __call__(self, inputs: Mapping[str, Any], params: Mapping[str, Any]) -> list[Any]:
        torch = _torch()
        g = self.graph
        vals: list[Any] = []
        dtype = next(iter(inputs.values())).dtype if inputs else torch.float32
        for k, (node, a) in enumerate(zip(g.nodes, self.attrs, strict=True)):
            if node.op == "input":
                vals.append(inputs[g.inputs[a.index].name])
            elif node.op == "param":
                vals.append(params[g.params[a.index].name])
            elif node.op == "const":
                vals.append(torch.from_numpy(ir.bits_to_array(a.bits, node.shape).astype(np.float64)).to(dtype))
            elif k in self.selections and node.op == "relu":  # the given mask of positive elements
                mask = torch.from_numpy(np.asarray(self.selections[k], dtype=bool))
                vals.append(vals[node.inputs[0]] * mask.to(vals[node.inputs[0]].dtype))
            elif k in self.selections:  # a maxPool2d whose selected elements are given
                x = vals[node.inputs[0]]
                idx = torch.from_numpy(np.asarray(self.selections[k], dtype=np.int64))
                flat = x.reshape(x.shape[0], x.shape[1], -1)
                vals.append(flat.gather(2, idx.reshape(x.shape[0], x.shape[1], -1)).reshape(tuple(node.shape)))
            else:
                vals.append(_op(node.op, a, [vals[i] for i in node.inputs], tuple(node.shape)))
        return [vals[o] for o in g.outputs]


def torch_vjp(
    graph: ir.Graph,
    inputs: Mapping[str, np.ndarray],
    params: Mapping[str, np.ndarray],
    cotangents: Mapping[str, np.ndarray],
    *,
    dtype: Any = np.float32,
    wrt_params: bool = True,
    selections: Mapping[int, np.ndarray] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """PyTorch autograd's ``(input_grads, param_grads)`` of the graph for output cotangents.

    ``selections`` fixes the discontinuous decisions of some nodes: for a ``maxPool2d`` node,
    ``[N, C, OH, OW]`` flat indices into each ``H·W`` plane (the node gathers those elements
    instead of running ``F.max_pool2d``; PyTorch's autograd still does the scatter-add); for a
    ``relu`` node, the boolean mask of the elements that pass (the node multiplies by it). A
    float32 comparison uses it to make both sides take the same side of every kink (see
    ``tests/test_autograd_models.py``)."""
    torch = _torch()
    tdt = torch.float64 if np.dtype(dtype) == np.float64 else torch.float32
    from tlean.autograd import output_names

    xs = {k: torch.tensor(np.asarray(v, dtype=dtype), dtype=tdt, requires_grad=True) for k, v in inputs.items()}
    ps = {k: torch.tensor(np.asarray(v, dtype=dtype), dtype=tdt, requires_grad=wrt_params) for k, v in params.items()}
    outs = TorchGraph(graph, selections)(xs, ps)
    names = output_names(graph)
    pairs = [(o, torch.tensor(np.asarray(cotangents[n], dtype=dtype), dtype=tdt))
             for o, n in zip(outs, names, strict=True) if n in cotangents and o.requires_grad]  # fmt: skip
    leaves = list(xs.values()) + (list(ps.values()) if wrt_params else [])
    grads = torch.autograd.grad([o for o, _ in pairs], leaves, [w for _, w in pairs], allow_unused=True)

    def np_of(t: Any, like: Any) -> np.ndarray:
        return np.zeros(tuple(like.shape), dtype=dtype) if t is None else t.detach().numpy()

    gi = {k: np_of(gr, xs[k]) for k, gr in zip(xs, grads[: len(xs)], strict=True)}
    gp = {k: np_of(gr, ps[k]) for k, gr in zip(ps, grads[len(xs) :], strict=True)} if wrt_params else {}
    return gi, gp


def random_parameters(graph: ir.Graph, params: dict[str, np.ndarray], seed: int = 1) -> dict[str, np.ndarray]:
    """Fresh random float32 parameter values by role (the op and argument position reading them).

    Weights of ``conv2d``/``linear``: normal with scale 1/√fan-in; ``batchNorm`` scales and
    variances and ``mul`` factors: uniform in [0.5, 1.5]; everything else: normal × 0.1. Used on
    the light models, whose shipped weights are all 0.02 (identical channels, logits of 1e10–1e31),
    by ``tests/test_autograd_models.py`` and ``scripts/bench_grad.py``."""
    rng = np.random.default_rng(seed)
    role: dict[str, tuple[str, int]] = {}
    for n in graph.nodes:
        for pos, i in enumerate(n.inputs):
            src = graph.nodes[i]
            if src.op == "param":
                role.setdefault(graph.params[src.typed_attrs().index].name, (n.op, pos))
    out = {}
    for name, v in params.items():
        op, pos = role.get(name, ("", 0))
        if op in ("conv2d", "linear") and pos == 1:
            scale = np.float32(1 / math.sqrt(max(math.prod(v.shape[1:]), 1)))
            out[name] = rng.standard_normal(v.shape, dtype=np.float32) * scale
        elif (op == "batchNorm" and pos in (1, 4)) or op == "mul":
            out[name] = rng.uniform(0.5, 1.5, v.shape).astype(np.float32)
        else:
            out[name] = rng.standard_normal(v.shape, dtype=np.float32) * np.float32(0.1)
    return out
