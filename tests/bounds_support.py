"""Test support for the bound engine: random IR networks and an exact rational evaluator.

The evaluator computes the exact real-number semantics of a graph with its float32 weights on
``fractions.Fraction`` object arrays. ``sigmoid``, ``tanh`` and the square root of ``batchNorm``
are irrational: they are computed with mpmath at 60 significant digits and compared with a
tolerance of 1e-40 (far below any float64 rounding the engine could get wrong).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
from tlean import ir

mpmath.mp.dps = 60
IRRATIONAL_TOL = Fraction(1, 10**40)


def F(x: float) -> Fraction:
    return Fraction(float(x))


def fr(a: np.ndarray) -> np.ndarray:
    out = np.empty(a.shape, dtype=object)
    for i, v in np.ndenumerate(np.asarray(a, dtype=np.float64)):
        out[i] = Fraction(float(v))
    return out


def _mp(fn: Any, x: Fraction) -> Fraction:
    v = fn(mpmath.mpf(x.numerator) / x.denominator)
    return Fraction(str(mpmath.nstr(v, 55, min_fixed=-1000, max_fixed=1000)))


def _ew(fn: Any, a: np.ndarray) -> np.ndarray:
    out = np.empty(a.shape, dtype=object)
    for i, v in np.ndenumerate(a):
        out[i] = fn(v)
    return out


class Builder:
    """Builds an IR graph node by node with shapes from the IR's own shape rules."""

    def __init__(self, in_shape: tuple[int, ...]) -> None:
        self.nodes: list[ir.Node] = [ir.Node(op="input", attrs={"index": 0}, shape=list(in_shape))]
        self.params: dict[str, np.ndarray] = {}
        self.decls: list[ir.TensorDecl] = []
        self.in_shape = in_shape

    def param(self, v: np.ndarray) -> int:
        name = f"p{len(self.decls)}"
        v = np.asarray(v, dtype=np.float32)
        self.decls.append(ir.TensorDecl(name=name, shape=list(v.shape)))
        self.params[name] = v
        self.nodes.append(ir.Node(op="param", attrs={"index": len(self.decls) - 1}, shape=list(v.shape)))
        return len(self.nodes) - 1

    def op(self, op: str, inputs: list[int], **attrs: Any) -> int:
        typed = ir.OPS[op].attrs.model_validate(attrs)
        shape = ir.infer_shape(op, typed, [tuple(self.nodes[i].shape) for i in inputs])
        self.nodes.append(ir.Node(op=op, inputs=inputs, attrs=attrs, shape=list(shape)))
        return len(self.nodes) - 1

    def shape(self, k: int) -> tuple[int, ...]:
        return tuple(self.nodes[k].shape)

    def graph(self, out: int) -> ir.Graph:
        g = ir.Graph(
            inputs=[ir.TensorDecl(name="x", shape=list(self.in_shape))],
            params=self.decls,
            nodes=self.nodes,
            outputs=[out],
        )
        ir.check(g)
        return g


def _w(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale / np.sqrt(shape[-1] if len(shape) > 1 else 1)).astype(np.float32)


def random_mlp(rng: np.random.Generator) -> tuple[ir.Graph, dict[str, np.ndarray]]:
    """An MLP over ``[1, n]`` mixing every elementwise/affine/structural op the engine relaxes."""
    n0 = int(rng.integers(2, 6))
    b = Builder((1, n0))
    x = 0
    width = n0
    for _ in range(int(rng.integers(1, 4))):
        h = int(rng.integers(2, 7))
        w = b.param(_w(rng, h, width))
        bias = b.param(_w(rng, h))
        z = b.op("linear", [x, w, bias])
        kind = rng.choice(["plain", "residual", "bn", "scale", "struct", "matmul"])
        if kind == "residual":
            w2 = b.param(_w(rng, h, width))
            z2 = b.op("linear", [x, w2])
            z = b.op(str(rng.choice(["add", "sub"])), [z, z2])
        elif kind == "bn":
            z = b.op(
                "batchNorm",
                [
                    z,
                    b.param(_w(rng, h) + 1),
                    b.param(_w(rng, h)),
                    b.param(_w(rng, h)),
                    b.param(np.abs(_w(rng, h)) + 0.5),
                ],
                epsilon=float(np.float32(1e-3)),
            )
        elif kind == "scale":
            c = b.param(_w(rng, 1, h) + 0.1)
            z = b.op(str(rng.choice(["mul", "div"])), [z, c]) if rng.random() < 0.8 else b.op("neg", [z])
        elif kind == "struct":
            t = b.op("reshape", [z], shape=[h, 1])
            t = b.op("transpose", [t], perm=[1, 0])
            z = b.op("pad", [t], pads=[0, 1, 0, 0], value=0.0)
            z = b.op("slice", [z], starts=[1], ends=[h + 1], axes=[1], steps=[1])
            if rng.random() < 0.5:
                z = b.op("concat", [z, z], axis=1)
                h = 2 * h
        elif kind == "matmul":
            m = b.param(_w(rng, h, h))
            z = b.op("matmul", [z, m])
        act = str(rng.choice(["relu", "relu", "leakyRelu", "sigmoid", "tanh"]))
        x = b.op(act, [z], alpha=float(np.float32(0.1))) if act == "leakyRelu" else b.op(act, [z])
        width = h
    w = b.param(_w(rng, int(rng.integers(1, 4)), width))
    out = b.op("linear", [x, w, b.param(_w(rng, b.shape(w)[0]))])
    if rng.random() < 0.2:
        out = b.op("reduceSum" if rng.random() < 0.5 else "reduceMean", [out], axes=[1], keepDims=True)
    return b.graph(out), b.params


def random_cnn(rng: np.random.Generator) -> tuple[ir.Graph, dict[str, np.ndarray]]:
    c0, hw = int(rng.integers(1, 3)), int(rng.integers(4, 7))
    b = Builder((1, c0, hw, hw))
    m = int(rng.integers(1, 4))
    k = int(rng.integers(2, 4))
    pad = int(rng.integers(0, 2))
    x = b.op(
        "conv2d",
        [0, b.param(_w(rng, m, c0, k, k)), b.param(_w(rng, m))],
        strides=[1, 1],
        pads=[pad, pad, pad, pad],
        groups=1,
    )
    act = str(rng.choice(["relu", "relu", "leakyRelu", "tanh"]))
    x = b.op(act, [x], alpha=0.25) if act == "leakyRelu" else b.op(act, [x])
    pool = str(rng.choice(["maxPool2d", "avgPool2d", "none"]))
    if pool != "none" and min(b.shape(x)[2:]) >= 2:
        x = b.op(pool, [x], kernel=[2, 2], strides=[1, 1], pads=[0, 0, 0, 0])
    if rng.random() < 0.5:
        x = b.op(
            "batchNorm",
            [x, b.param(_w(rng, m) + 1), b.param(_w(rng, m)), b.param(_w(rng, m)), b.param(np.abs(_w(rng, m)) + 0.5)],
            epsilon=float(np.float32(1e-3)),
        )
    if rng.random() < 0.5:
        x = b.op("conv2d", [x, b.param(_w(rng, m, m, 2, 2))], strides=[1, 1], pads=[0, 0, 1, 1], groups=1)
        x = b.op(str(rng.choice(["relu", "sigmoid"])), [x])
    if rng.random() < 0.4:
        x = b.op("globalAvgPool", [x])
    s = b.shape(x)
    n = int(np.prod(s))
    x = b.op("reshape", [x], shape=[1, n])
    out = b.op("linear", [x, b.param(_w(rng, 2, n)), b.param(_w(rng, 2))])
    return b.graph(out), b.params


# ------------------------------------------------------------------------------ exact evaluation


def _conv(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None, a: ir.Conv2dAttrs, out: tuple[int, ...]) -> np.ndarray:
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    t, lft, bt, r = a.pads
    xp = np.full((n, c, h + t + bt, wd + lft + r), Fraction(0), dtype=object)
    xp[:, :, t : t + h, lft : lft + wd] = x
    y = np.empty(out, dtype=object)
    sh, sw = a.strides
    for oy in range(out[2]):
        for ox in range(out[3]):
            patch = xp[:, :, oy * sh : oy * sh + kh, ox * sw : ox * sw + kw].reshape(n, -1)
            y[:, :, oy, ox] = patch.dot(w.reshape(m, -1).T)
    if bias is not None:
        y = y + bias.reshape(1, m, 1, 1)
    return y


def _pool(x: np.ndarray, a: Any, out: tuple[int, ...], kind: str) -> np.ndarray:
    kh, kw = a.kernel
    sh, sw = a.strides
    y = np.empty(out, dtype=object)
    for oy in range(out[2]):
        for ox in range(out[3]):
            win = x[:, :, oy * sh : oy * sh + kh, ox * sw : ox * sw + kw]
            if kind == "max":
                y[:, :, oy, ox] = win.max(axis=(2, 3))
            else:
                y[:, :, oy, ox] = win.sum(axis=(2, 3)) / (win.shape[2] * win.shape[3])
    return y


def exact_eval(graph: ir.Graph, params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """The exact value of the graph's first output at ``x`` (Fractions; irrational ops via mpmath)."""
    vals: list[Any] = []
    for node in graph.nodes:
        a = node.typed_attrs()
        shape = tuple(node.shape)
        args = [vals[i] for i in node.inputs]
        op = node.op
        if op == "input":
            v = fr(np.asarray(x, dtype=np.float64).reshape(shape))
        elif op == "param":
            v = fr(params[graph.params[a.index].name])
        elif op == "const":
            v = fr(ir.bits_to_array(a.bits, shape))
        elif op in ("add", "sub", "mul", "div"):
            fn = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}[op]
            v = fn(args[0], args[1])
        elif op == "neg":
            v = -args[0]
        elif op == "relu":
            v = _ew(lambda t: t if t > 0 else Fraction(0), args[0])
        elif op == "leakyRelu":
            al = F(a.alpha)
            v = _ew(lambda t, al=al: t if t >= 0 else al * t, args[0])
        elif op == "sigmoid":
            v = _ew(lambda t: _mp(lambda z: 1 / (1 + mpmath.exp(-z)), t), args[0])
        elif op == "tanh":
            v = _ew(lambda t: _mp(mpmath.tanh, t), args[0])
        elif op == "linear":
            v = args[0].dot(args[1].T)
            if len(args) == 3:
                v = v + args[2]
        elif op == "matmul":
            v = np.matmul(args[0], args[1])
        elif op == "conv2d":
            v = _conv(args[0], args[1], args[2] if len(args) == 3 else None, a, shape)
        elif op == "maxPool2d":
            v = _pool(args[0], a, shape, "max")
        elif op == "avgPool2d":
            v = _pool(args[0], a, shape, "avg")
        elif op == "globalAvgPool":
            v = args[0].sum(axis=(2, 3), keepdims=True) / (args[0].shape[2] * args[0].shape[3])
        elif op == "batchNorm":
            xx, sc, bi, mu, var = args
            eps = F(a.epsilon)
            inv = _ew(lambda t, eps=eps: _mp(lambda z: 1 / mpmath.sqrt(z), t + eps), var)
            r = (1, -1) + (1,) * (xx.ndim - 2)
            v = (xx - mu.reshape(r)) * (sc * inv).reshape(r) + bi.reshape(r)
        elif op == "reshape":
            v = args[0].reshape(a.shape)
        elif op == "transpose":
            v = args[0].transpose(a.perm)
        elif op == "concat":
            v = np.concatenate(args, axis=a.axis)
        elif op == "slice":
            idx: list[slice] = [slice(None)] * args[0].ndim
            for st, en, ax, sp in zip(a.starts, a.ends, a.axes, a.steps, strict=True):
                idx[ax] = slice(st, None if en < 0 else en, sp)
            v = args[0][tuple(idx)]
        elif op == "pad":
            r = args[0].ndim
            v = np.full(shape, F(a.value), dtype=object)
            sl = tuple(slice(a.pads[i], a.pads[i] + args[0].shape[i]) for i in range(r))
            v[sl] = args[0]
        elif op in ("reduceSum", "reduceMean"):
            v = args[0].sum(axis=tuple(a.axes), keepdims=a.keepDims)
            if op == "reduceMean":
                v = v / int(np.prod([args[0].shape[i] for i in a.axes]))
        else:
            raise NotImplementedError(op)
        vals.append(np.asarray(v, dtype=object).reshape(shape))
    return vals[graph.outputs[0]]


def is_irrational(graph: ir.Graph) -> bool:
    return any(n.op in ("sigmoid", "tanh", "batchNorm") for n in graph.nodes)


def onnx_mlp(tmp: Any, sizes: list[int], seed: int, *, w_scale: float = 1.0, b_scale: float = 0.1) -> Any:
    """An ONNX Gemm/Relu MLP with seeded weights (``W ~ N(0,1)·w_scale/√in``, ``b ~ N(0,1)·b_scale``)
    saved as ``tmp/mlp<seed>.onnx``; returns the path."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    nodes, inits, cur = [], [], "x"
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        inits += [
            numpy_helper.from_array((rng.standard_normal((b, a)) * w_scale / np.sqrt(a)).astype(np.float32), f"W{i}"),
            numpy_helper.from_array((rng.standard_normal(b) * b_scale).astype(np.float32), f"b{i}"),
        ]
        nodes.append(helper.make_node("Gemm", [cur, f"W{i}", f"b{i}"], [f"z{i}"], transB=1))
        cur = f"z{i}"
        if i < len(sizes) - 2:
            nodes.append(helper.make_node("Relu", [cur], [f"h{i}"]))
            cur = f"h{i}"
    g = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, sizes[0]])],
        [helper.make_tensor_value_info(cur, TensorProto.FLOAT, [1, sizes[-1]])],
        initializer=inits,
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    p = tmp / f"mlp{seed}.onnx"
    onnx.save(m, str(p))
    return p
