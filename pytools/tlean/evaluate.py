"""NumPy float32 reference evaluator of tlean IR graphs.

This is the oracle every parity check uses (``tlean run``, ``tlean export --check``, the ONNX
conformance backend). Everything is computed in float32 and vectorised: convolution is im2col
(one strided slice copy per kernel tap) followed by one matrix product batched over groups;
pooling reduces each window separably (rows, then columns) with one vectorised operation per
kernel tap. There is no Python loop over tensor elements.

The semantics follow the IR conventions documented in :mod:`tlean.ir`. Where float results can
legitimately differ from another runtime (summation order in reductions and matrix products,
``exp``/``log``/``tanh`` from the platform's libm), this evaluator makes no claim beyond float32
arithmetic with NumPy's own ordering.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from tlean import ir
from tlean.errors import EvaluationError

F32 = np.float32
Array = np.ndarray[Any, np.dtype[np.float32]]
Kernel = Callable[[Any, list[Array], tuple[int, ...]], Array]


def _f(x: float) -> np.float32:
    return F32(x)


# ------------------------------------------------------------------------------ elementwise


def _sigmoid(x: Array) -> Array:
    # Split by sign so exp never overflows: s(x) = 1/(1+e^-x) = e^x/(1+e^x).
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, F32(1) / (F32(1) + e), e / (F32(1) + e)).astype(F32)


def _leaky_relu(a: ir.LeakyReluAttrs, x: Array) -> Array:
    # Lean's leakyRelu: `if x < 0 then alpha * x else x` (a NaN passes through unchanged).
    return np.where(x < 0, x * _f(a.alpha), x).astype(F32)


def _clip(a: ir.ClipAttrs, x: Array) -> Array:
    # Lean's clip: `min (max x lo) hi` with the scalar max/min (NumPy's: NaN propagates, ties such
    # as max(-0, +0) return the second argument).
    y = x
    if a.lo is not None:
        y = np.maximum(y, _f(a.lo))
    if a.hi is not None:
        y = np.minimum(y, _f(a.hi))
    return np.asarray(y, dtype=F32)


def _via_f64(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[Array], Array]:
    """A float32 kernel computed in float64 and rounded once (nearly always correctly rounded)."""

    def run(x: Array) -> Array:
        return np.asarray(fn(x.astype(np.float64)), dtype=F32)

    return run


_ERF = np.frompyfunc(math.erf, 1, 1)


def _erf64(x: np.ndarray) -> np.ndarray:
    return np.asarray(_ERF(x), dtype=np.float64).reshape(x.shape)


_UNARY: dict[str, Callable[[Array], Array]] = {
    "neg": np.negative,
    "abs": np.abs,
    "relu": lambda x: np.maximum(x, F32(0)),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "erf": _via_f64(_erf64),
    "sin": _via_f64(np.sin),
    "cos": _via_f64(np.cos),
    "sign": lambda x: np.where(x > 0, F32(1), np.where(x < 0, F32(-1), x)),  # sign(±0) = ±0
    "floor": np.floor,
    "ceil": np.ceil,
    "round": np.rint,
}

_BINARY: dict[str, Callable[[Array, Array], Array]] = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "max": np.maximum,
    "min": np.minimum,
}


# ------------------------------------------------------------------------------ affine


def _linear(x: Array, w: Array, b: Array | None) -> Array:
    y = np.matmul(x, w.T)
    if b is not None:
        y += b
    return y


# ------------------------------------------------------------------------------ convolution


def _taps(xp: Array, i: int, j: int, sh: int, sw: int, oh: int, ow: int) -> Array:
    """The strided view of ``xp`` seen by kernel tap (i, j) for every output position."""
    return xp[:, :, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw]


def _conv2d(a: ir.Conv2dAttrs, x: Array, w: Array, b: Array | None, out: tuple[int, ...]) -> Array:
    n, c, _, _ = x.shape
    m, cg, kh, kw = w.shape
    g = a.groups
    oh, ow = out[2], out[3]
    t, lft, bt, r = a.pads
    sh, sw = a.strides
    dh, dw = a.dilations
    if kh == kw == 1 and sh == sw == 1 and not any(a.pads):
        cols = x.reshape(n, g, cg, oh * ow)
    else:
        xp = np.pad(x, ((0, 0), (0, 0), (t, bt), (lft, r))) if any(a.pads) else x
        # im2col: one strided slice copy per kernel tap into [N, C, kh, kw, OH, OW].
        buf = np.empty((n, c, kh, kw, oh, ow), dtype=F32)
        for i in range(kh):
            for j in range(kw):
                buf[:, :, i, j] = _taps(xp, i * dh, j * dw, sh, sw, oh, ow)
        cols = buf.reshape(n, g, cg * kh * kw, oh * ow)
    wm = w.reshape(g, m // g, cg * kh * kw)
    y = np.matmul(wm, cols).reshape(n, m, oh, ow)
    if b is not None:
        y += b.reshape(1, m, 1, 1)
    return y


def _conv_transpose2d(a: ir.ConvTranspose2dAttrs, x: Array, w: Array, b: Array | None, out: tuple[int, ...]) -> Array:
    """Transposed convolution: each kernel tap scatters one per-group matrix product into a
    full-size buffer (positions ``iy·sh + ky·dh``), which is then cropped by the pads."""
    n, c, h, wd = x.shape
    _, mg, kh, kw = w.shape
    g = a.groups
    cg = c // g
    sh, sw = a.strides
    dh, dw = a.dilations
    t, lft, _, _ = a.pads
    oh, ow = out[2], out[3]
    full_h = max(sh * (h - 1) + dh * (kh - 1) + 1 + a.outputPadding[0], t + oh)
    full_w = max(sw * (wd - 1) + dw * (kw - 1) + 1 + a.outputPadding[1], lft + ow)
    buf = np.zeros((n, g, mg, full_h, full_w), dtype=F32)
    xg = x.reshape(n, g, cg, h * wd)
    wg = w.reshape(g, cg, mg, kh, kw)
    for i in range(kh):
        for j in range(kw):
            tap = np.matmul(wg[:, :, :, i, j].transpose(0, 2, 1), xg).reshape(n, g, mg, h, wd)
            buf[:, :, :, i * dh : i * dh + sh * (h - 1) + 1 : sh, j * dw : j * dw + sw * (wd - 1) + 1 : sw] += tap
    y = buf[:, :, :, t : t + oh, lft : lft + ow].reshape(n, g * mg, oh, ow)
    if b is not None:
        y = y + b.reshape(1, g * mg, 1, 1)
    return np.ascontiguousarray(y, dtype=F32)


# ------------------------------------------------------------------------------ resize, where, embedding


def _resize(a: ir.ResizeAttrs, x: Array) -> Array:
    """Axis by axis (0, 1, …): a gather on nearest axes, ``w0·t[i0] + w1·t[i1]`` on linear ones."""
    t = x
    for ax in range(x.ndim):
        i0 = np.asarray(a.index0[ax], dtype=np.intp)
        if not a.weight0[ax]:
            if not (len(i0) == t.shape[ax] and np.array_equal(i0, np.arange(len(i0)))):
                t = np.take(t, i0, axis=ax)
            continue
        i1 = np.asarray(a.index1[ax], dtype=np.intp)
        shape = [1] * t.ndim
        shape[ax] = len(i0)
        w0 = np.asarray(a.weight0[ax], dtype=F32).reshape(shape)
        w1 = np.asarray(a.weight1[ax], dtype=F32).reshape(shape)
        t = (w0 * np.take(t, i0, axis=ax) + w1 * np.take(t, i1, axis=ax)).astype(F32)
    return np.ascontiguousarray(t, dtype=F32)


def _embedding(table: Array, idx: Array) -> Array:
    """Row ``v`` of ``table`` where ``idx == v`` for a natural ``v`` < rows, else a NaN row."""
    rows = table.shape[0]
    valid = (idx >= 0) & (idx < rows) & (np.floor(idx) == idx)
    k = np.where(valid, idx, F32(0)).astype(np.intp)
    y = table[k]
    if not valid.all():
        y[~valid] = np.nan
    return np.asarray(y, dtype=F32)


def _pow(a: ir.PowAttrs, x: Array) -> Array:
    return np.asarray(np.power(x.astype(np.float64), np.float64(a.exponent)), dtype=F32)


# ------------------------------------------------------------------------------ pooling


def _pool_geometry(a: ir.MaxPool2dAttrs, x: Array, out: tuple[int, ...]) -> tuple[int, int]:
    """Extra trailing padding (h, w) that ceil mode needs so every output window exists."""
    _, _, h, w = x.shape
    t, lft, b, r = a.pads
    kh, kw = a.kernel
    sh, sw = a.strides
    xh = max(0, (out[2] - 1) * sh + kh - (h + t + b))
    xw = max(0, (out[3] - 1) * sw + kw - (w + lft + r))
    return xh, xw


def _separable(
    xp: Array, a: ir.MaxPool2dAttrs, out: tuple[int, ...], fn: Callable[..., Array], width_first: bool = False
) -> Array:
    """Reduces every pooling window with ``fn`` (max or add): rows first, then columns.

    ``width_first`` folds along each window row first, then down the rows: with ``np.maximum``
    (ties return the second argument) that picks the same element as Lean's left-to-right fold
    over the window in row-major order, which decides the sign of a zero result.
    """
    kh, kw = a.kernel
    sh, sw = a.strides
    oh, ow = out[2], out[3]
    if width_first:
        cols = xp[:, :, :, 0 : sw * (ow - 1) + 1 : sw].copy()
        for j in range(1, kw):
            fn(cols, xp[:, :, :, j : j + sw * (ow - 1) + 1 : sw], out=cols)
        acc = cols[:, :, 0 : sh * (oh - 1) + 1 : sh, :].copy()
        for i in range(1, kh):
            fn(acc, cols[:, :, i : i + sh * (oh - 1) + 1 : sh, :], out=acc)
        return acc
    rows = xp[:, :, 0 : sh * (oh - 1) + 1 : sh, :].copy()
    for i in range(1, kh):
        fn(rows, xp[:, :, i : i + sh * (oh - 1) + 1 : sh, :], out=rows)
    acc = rows[:, :, :, 0 : sw * (ow - 1) + 1 : sw].copy()
    for j in range(1, kw):
        fn(acc, rows[:, :, :, j : j + sw * (ow - 1) + 1 : sw], out=acc)
    return acc


def _max_pool(a: ir.MaxPool2dAttrs, x: Array, out: tuple[int, ...]) -> Array:
    t, lft, b, r = a.pads
    xh, xw = _pool_geometry(a, x, out)
    pads = ((0, 0), (0, 0), (t, b + xh), (lft, r + xw))
    xp = np.pad(x, pads, constant_values=-np.inf) if any(p for q in pads for p in q) else x
    return _separable(xp, a, out, np.maximum, width_first=True)


def _window_counts(size: int, k: int, s: int, pb: int, lo: int, hi: int, n_out: int) -> Array:
    """For each output position: how many of its window's taps lie in [lo, hi)."""
    starts = np.arange(n_out) * s - pb
    return (np.minimum(starts + k, hi) - np.maximum(starts, lo)).clip(min=0).astype(F32)


def _avg_pool(a: ir.AvgPool2dAttrs, x: Array, out: tuple[int, ...]) -> Array:
    _, _, h, w = x.shape
    t, lft, b, r = a.pads
    kh, kw = a.kernel
    sh, sw = a.strides
    xh, xw = _pool_geometry(a, x, out)
    pads = ((0, 0), (0, 0), (t, b + xh), (lft, r + xw))
    xp = np.pad(x, pads) if any(p for q in pads for p in q) else x
    total = _separable(xp, a, out, np.add)
    if a.countIncludePad:
        ch = _window_counts(h, kh, sh, t, -t, h + b, out[2])
        cw = _window_counts(w, kw, sw, lft, -lft, w + r, out[3])
    else:
        ch = _window_counts(h, kh, sh, t, 0, h, out[2])
        cw = _window_counts(w, kw, sw, lft, 0, w, out[3])
    return (total / np.outer(ch, cw)).astype(F32)


# ------------------------------------------------------------------------------ normalisation


def _batch_norm(a: ir.BatchNormAttrs, x: Array, sc: Array, bi: Array, mu: Array, var: Array) -> Array:
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    inv = (sc / np.sqrt(var + _f(a.epsilon))).reshape(shape)
    return ((x - mu.reshape(shape)) * inv + bi.reshape(shape)).astype(F32)


def _layer_norm(a: ir.LayerNormAttrs, x: Array, sc: Array, bi: Array | None) -> Array:
    axes = tuple(range(a.axis, x.ndim))
    mu = x.mean(axis=axes, keepdims=True, dtype=F32)
    d = x - mu
    var = (d * d).mean(axis=axes, keepdims=True, dtype=F32)
    y = d / np.sqrt(var + _f(a.epsilon)) * sc
    if bi is not None:
        y = y + bi
    return np.asarray(y, dtype=F32)


def _softmax(a: ir.AxisAttrs, x: Array) -> Array:
    e = np.exp(x - x.max(axis=a.axis, keepdims=True))
    return (e / e.sum(axis=a.axis, keepdims=True, dtype=F32)).astype(F32)


def _log_softmax(a: ir.AxisAttrs, x: Array) -> Array:
    z = x - x.max(axis=a.axis, keepdims=True)
    return (z - np.log(np.exp(z).sum(axis=a.axis, keepdims=True, dtype=F32))).astype(F32)


# ------------------------------------------------------------------------------ structural


def _slice(a: ir.SliceAttrs, x: Array) -> Array:
    idx: list[slice] = [slice(None)] * x.ndim
    for st, en, ax, sp in zip(a.starts, a.ends, a.axes, a.steps, strict=True):
        idx[ax] = slice(st, None if en < 0 else en, sp)
    return x[tuple(idx)]


def _pad(a: ir.PadAttrs, x: Array) -> Array:
    r = x.ndim
    if r == 0:  # a scalar has nothing to pad (np.pad rejects an empty width list)
        return x.copy()
    widths = [(a.pads[i], a.pads[i + r]) for i in range(r)]
    return np.pad(x, widths, constant_values=_f(a.value))


def _reduce(fn: Callable[..., Array]) -> Callable[[ir.ReduceAttrs, Array], Array]:
    def run(a: ir.ReduceAttrs, x: Array) -> Array:
        return np.asarray(fn(x, axis=tuple(a.axes), keepdims=a.keepDims), dtype=F32)

    return run


def _reduce_sum(x: Array, axis: tuple[int, ...], keepdims: bool) -> Array:
    return x.sum(axis=axis, keepdims=keepdims, dtype=F32)


def _reduce_mean(x: Array, axis: tuple[int, ...], keepdims: bool) -> Array:
    return x.mean(axis=axis, keepdims=keepdims, dtype=F32)


def _reduce_max(x: Array, axis: tuple[int, ...], keepdims: bool) -> Array:
    m = x.max(axis=axis, keepdims=keepdims, initial=-np.inf)  # max of nothing is -inf
    # Lean folds `max` left to right over the reduced axes (in the listed order), so a zero result
    # is the last zero in that order; NumPy's reduction order is unspecified: fix the zero's sign.
    k = len(axis)
    flat = np.moveaxis(x, list(axis), list(range(x.ndim - k, x.ndim)))
    flat = flat.reshape(*flat.shape[: x.ndim - k], -1)
    if flat.shape[-1] == 0 or not (m == 0).any():
        return m
    last = flat.shape[-1] - 1 - np.argmax((flat == 0)[..., ::-1], axis=-1)
    neg = np.signbit(np.take_along_axis(flat, last[..., None], axis=-1)[..., 0])
    return np.where(m == 0, np.where(neg, F32(-0.0), F32(0.0)).reshape(m.shape), m)


_REDUCE = {
    "reduceSum": _reduce(_reduce_sum),
    "reduceMean": _reduce(_reduce_mean),
    "reduceMax": _reduce(_reduce_max),
}


def _opt(args: list[Array], i: int) -> Array | None:
    return args[i] if i < len(args) else None


def apply_op(op: str, attrs: Any, args: list[Array], out: tuple[int, ...]) -> Array:
    """Evaluates one non-leaf op on float32 arrays; ``out`` is the node's (checked) shape."""
    if op in _BINARY:
        return _BINARY[op](args[0], args[1])
    if op in _UNARY:
        return _UNARY[op](args[0])
    if op in _REDUCE:
        return _REDUCE[op](attrs, args[0])
    if op == "leakyRelu":
        return _leaky_relu(attrs, args[0])
    if op == "clip":
        return _clip(attrs, args[0])
    if op == "linear":
        return _linear(args[0], args[1], _opt(args, 2))
    if op == "matmul":
        return np.matmul(args[0], args[1])
    if op == "conv2d":
        return _conv2d(attrs, args[0], args[1], _opt(args, 2), out)
    if op == "convTranspose2d":
        return _conv_transpose2d(attrs, args[0], args[1], _opt(args, 2), out)
    if op == "resize":
        return _resize(attrs, args[0])
    if op == "pow":
        return _pow(attrs, args[0])
    if op == "where":
        return np.where(args[0] > 0, args[1], args[2])
    if op == "embedding":
        return _embedding(args[0], args[1])
    if op == "maxPool2d":
        return _max_pool(attrs, args[0], out)
    if op == "avgPool2d":
        return _avg_pool(attrs, args[0], out)
    if op == "globalAvgPool":
        return args[0].mean(axis=(2, 3), keepdims=True, dtype=F32)
    if op == "batchNorm":
        return _batch_norm(attrs, *args)
    if op == "layerNorm":
        return _layer_norm(attrs, args[0], args[1], _opt(args, 2))
    if op == "softmax":
        return _softmax(attrs, args[0])
    if op == "logSoftmax":
        return _log_softmax(attrs, args[0])
    if op == "reshape":
        return args[0].reshape(attrs.shape)
    if op == "transpose":
        return args[0].transpose(attrs.perm)
    if op == "concat":
        return np.concatenate(args, axis=attrs.axis)
    if op == "slice":
        return _slice(attrs, args[0])
    if op == "pad":
        return _pad(attrs, args[0])
    raise AssertionError(f"evaluator has no kernel for op {op!r}")  # registry and evaluator disagree


def _as_f32(value: Any, what: str, shape: Sequence[int]) -> Array:
    arr = np.asarray(value)
    if arr.dtype != np.float32:
        raise EvaluationError(f"{what} must be float32, got {arr.dtype}")
    if tuple(arr.shape) != tuple(shape):
        raise EvaluationError(f"{what} must have shape {list(shape)}, got {list(arr.shape)}")
    return arr


def _lookup(table: Mapping[str, Any] | Sequence[Any], decls: list[ir.TensorDecl], i: int, kind: str) -> Any:
    if isinstance(table, Mapping):
        name = decls[i].name
        if name not in table:
            raise EvaluationError(f"missing {kind} {name!r}")
        return table[name]
    if i >= len(table):
        raise EvaluationError(f"missing {kind} #{i} ({decls[i].name!r})")
    return table[i]


def evaluate_all(
    graph: ir.Graph,
    inputs: Mapping[str, Any] | Sequence[Any],
    params: Mapping[str, Any] | Sequence[Any] | None = None,
    *,
    keep: set[int] | None = None,
) -> list[Array | None]:
    """The value table of every node (the analogue of Lean's ``Graph.denoteAll``).

    ``inputs``/``params`` are given by name or by position. The graph is assumed to have passed
    :func:`tlean.ir.check`. Values no longer needed are dropped as evaluation proceeds unless
    their id is in ``keep`` (``None`` keeps all), so memory stays bounded on deep networks.
    """
    params = params if params is not None else {}
    nodes = graph.nodes
    last_use = list(range(len(nodes)))
    for k, node in enumerate(nodes):
        for i in node.inputs:
            last_use[i] = k
    values: list[Array | None] = [None] * len(nodes)
    with np.errstate(all="ignore"):
        for k, node in enumerate(nodes):
            attrs = node.typed_attrs()
            shape = tuple(node.shape)
            if node.op == "input":
                decl = graph.inputs[attrs.index]
                v = _as_f32(_lookup(inputs, graph.inputs, attrs.index, "input"), f"input {decl.name!r}", shape)
            elif node.op == "param":
                decl = graph.params[attrs.index]
                v = _as_f32(_lookup(params, graph.params, attrs.index, "parameter"), f"parameter {decl.name!r}", shape)
            elif node.op == "const":
                v = ir.bits_to_array(attrs.bits, shape)
            else:
                args = [values[i] for i in node.inputs]
                v = np.asarray(apply_op(node.op, attrs, args, shape), dtype=F32)  # type: ignore[arg-type]
                if v.shape != shape:  # pragma: no cover - a kernel disagreeing with its shape rule
                    raise AssertionError(f"node {k} ({node.op}): kernel gave {v.shape}, rule {shape}")
            values[k] = v
            if keep is not None:
                for i in node.inputs:
                    if last_use[i] == k and i not in keep:
                        values[i] = None
    return values


def evaluate(
    graph: ir.Graph,
    inputs: Mapping[str, Any] | Sequence[Any],
    params: Mapping[str, Any] | Sequence[Any] | None = None,
) -> list[Array]:
    """The graph's outputs, in ``graph.outputs`` order, as float32 arrays."""
    keep = set(graph.outputs)
    values = evaluate_all(graph, inputs, params, keep=keep)
    outs = []
    for o in graph.outputs:
        v = values[o]
        assert v is not None
        outs.append(v if v.flags.c_contiguous else v.copy(order="C"))  # keeps 0-d arrays 0-d
    return outs


def count_parameters(graph: ir.Graph) -> int:
    """Total number of parameter elements declared by the graph."""
    return sum(math.prod(p.shape) for p in graph.params)
