"""Normalisation: BatchNormalization (inference), LayerNormalization, LRN and
InstanceNormalization (decomposed)."""

from __future__ import annotations

import numpy as np

from tlean.onnx_import.context import NodeCtx, Unsupported, Value, normalize_axis
from tlean.onnx_import.registry import register


def _extra_outputs(ctx: NodeCtx, what: str) -> None:
    if len([o for o in ctx.node.output[1:] if o]) > 0:
        raise Unsupported(f"the {what} outputs are outside op set v1 (inference only)")


@register("BatchNormalization", [6, 7, 9, 14, 15], "normalisation")
def batch_norm(ctx: NodeCtx) -> list[Value]:
    if int(ctx.attr("training_mode", 0)):
        raise Unsupported("training_mode=1 is outside op set v1 (inference only)")
    if ctx.opset < 7 and not int(ctx.attr("is_test", 0)):
        raise Unsupported("is_test=0 (training) is outside op set v1 (inference only)")
    if ctx.opset < 9 and int(ctx.attr("spatial", 1)) != 1:
        raise Unsupported("spatial=0 is outside op set v1")
    _extra_outputs(ctx, "running mean/var")
    x = ctx.input(0)
    if len(x.shape) < 2:
        raise Unsupported("BatchNormalization needs rank >= 2")
    eps = float(np.float32(ctx.attr("epsilon", 1e-5)))
    return [ctx.emit("batchNorm", [ctx.node_id(i) for i in range(5)], {"epsilon": eps})]


def _layer_norm_stats(ctx: NodeCtx, axis: int, eps: float) -> list[Value]:
    """The optional Mean and InvStdDev outputs, written with v1 ops (reduceMean, sqrt, div)."""
    x = ctx.node_id(0)
    axes = list(range(axis, len(ctx.input(0).shape)))
    names = [o or f"{ctx.name}/unused{k}" for k, o in enumerate(ctx.node.output)]
    mean = ctx.emit("reduceMean", [x], {"axes": axes, "keepDims": True}, name=names[1])
    assert mean.node is not None
    if len(names) < 3:
        return [mean]
    d = ctx.emit("sub", [x, mean.node], name=f"{names[2]}/centred").node
    assert d is not None
    sq = ctx.emit("mul", [d, d], name=f"{names[2]}/squares").node
    var = ctx.emit("reduceMean", [sq], {"axes": axes, "keepDims": True}, name=f"{names[2]}/var").node  # type: ignore[list-item]
    shifted = ctx.emit("add", [var, ctx.const(np.float32(eps))], name=f"{names[2]}/var_eps").node  # type: ignore[list-item]
    std = ctx.emit("sqrt", [shifted], name=f"{names[2]}/std").node  # type: ignore[list-item]
    inv = ctx.emit("div", [ctx.const(np.float32(1.0)), std], name=names[2])  # type: ignore[list-item]
    return [mean, inv]


@register("LayerNormalization", [17], "normalisation")
def layer_norm(ctx: NodeCtx) -> list[Value]:
    x = ctx.input(0)
    axis = normalize_axis(int(ctx.attr("axis", -1)), len(x.shape))
    tail = x.shape[axis:]
    args = [ctx.node_id(0)]
    for i, what in ((1, "Scale"), (2, "B")):
        v = ctx.opt_input(i)
        if v is None:
            if i == 1:
                raise Unsupported("Scale is required")
            continue
        if v.shape != tail:
            if not v.is_const:
                raise Unsupported(f"{what} of shape {list(v.shape)} must equal {list(tail)}")
            try:  # broadcasting a constant is pure data movement
                arr = np.ascontiguousarray(np.broadcast_to(v.array(), tail))
            except ValueError:
                raise Unsupported(f"{what} of shape {list(v.shape)} does not broadcast to {list(tail)}") from None
            v = Value(shape=tail, const=arr, is_initializer=v.is_initializer, name=v.name)
        args.append(ctx.b.materialize(v))
    eps = float(np.float32(ctx.attr("epsilon", 1e-5)))
    if int(ctx.attr("stash_type", 1)) != 1:
        raise Unsupported("stash_type other than float32 is outside op set v1")
    y = ctx.emit("layerNorm", args, {"epsilon": eps, "axis": axis})
    if len(ctx.node.output) > 1:
        return [y, *_layer_norm_stats(ctx, axis, eps)]
    return [y]


@register("LRN", [1, 13], "normalisation")
def lrn(ctx: NodeCtx) -> list[Value]:
    """LRN is not in op set v1; it is imported as its defining formula in v1 ops.

    ``y = x / (bias + alpha/size * S)^beta`` with ``S`` the sum of squares over a window of
    ``size`` channels: ``S/size`` is an ``avgPool2d`` (count_include_pad) over the channel axis
    of ``x*x`` viewed as ``[N, 1, C, H*W]``, and ``t^beta = exp(beta * log t)``. The result is
    the mathematical LRN; its float rounding differs from a fused kernel by a few ulps.
    """
    x = ctx.input(0)
    if len(x.shape) < 3:
        raise Unsupported("LRN needs rank >= 3 (N, C, ...)")
    size = int(ctx.attr("size"))
    alpha = np.float32(ctx.attr("alpha", 1e-4))
    beta = np.float32(ctx.attr("beta", 0.75))
    bias = np.float32(ctx.attr("bias", 1.0))
    n, c = x.shape[0], x.shape[1]
    rest = int(np.prod(x.shape[2:]))
    xid = ctx.node_id(0)
    nm = ctx.name
    sq = ctx.emit("mul", [xid, xid], name=f"{nm}/sq").node
    assert sq is not None
    view = ctx.reshape(sq, (n, 1, c, rest), name=f"{nm}/sq_view")
    lo, hi = (size - 1) // 2, size - 1 - (size - 1) // 2
    pool = {"kernel": (size, 1), "strides": (1, 1), "pads": (lo, 0, hi, 0), "ceilMode": False, "countIncludePad": True}
    avg = ctx.emit("avgPool2d", [view], pool, name=f"{nm}/window_mean").node
    assert avg is not None
    back = ctx.reshape(avg, x.shape, name=f"{nm}/window_mean_view")
    t = ctx.emit("mul", [back, ctx.const(alpha)], name=f"{nm}/scaled").node
    s = ctx.emit("add", [t, ctx.const(bias)], name=f"{nm}/base").node  # type: ignore[list-item]
    lg = ctx.emit("log", [s], name=f"{nm}/log").node  # type: ignore[list-item]
    e = ctx.emit("mul", [lg, ctx.const(beta)], name=f"{nm}/beta_log").node  # type: ignore[list-item]
    d = ctx.emit("exp", [e], name=f"{nm}/denominator").node  # type: ignore[list-item]
    return [ctx.emit("div", [xid, d])]  # type: ignore[list-item]


@register("InstanceNormalization", [6, 22], "normalisation")
def instance_norm(ctx: NodeCtx) -> list[Value]:
    """``y = (x − mean) / sqrt(var + ε) · scale + B`` over the spatial axes, per (n, c).

    Written with IR ops: ``reduceMean`` of ``x`` and of the squared deviations (population
    variance, as ONNX), ``sqrt``, ``div``, then ``mul``/``add`` with scale and bias reshaped to
    ``[C, 1, …]``. GroupNorm as PyTorch exports it (Reshape → InstanceNormalization → Reshape
    → Mul → Add) comes through here.
    """
    x = ctx.input(0)
    r = len(x.shape)
    if r < 3:
        raise Unsupported("InstanceNormalization needs rank >= 3 (N, C, spatial...)")
    c = x.shape[1]
    eps = np.float32(ctx.attr("epsilon", 1e-5))
    axes = list(range(2, r))
    xid = ctx.node_id(0)
    mean = ctx.op("reduceMean", [xid], {"axes": axes, "keepDims": True}, suffix="mean")
    d = ctx.op("sub", [xid, mean], suffix="centred")
    sq = ctx.op("mul", [d, d], suffix="squares")
    var = ctx.op("reduceMean", [sq], {"axes": axes, "keepDims": True}, suffix="var")
    ve = ctx.op("add", [var, ctx.const(eps)], suffix="var_eps")
    std = ctx.op("sqrt", [ve], suffix="std")
    norm = ctx.op("div", [d, std], suffix="normalised")
    view = (c,) + (1,) * (r - 2)
    ids = []
    for i, what in ((1, "scale"), (2, "B")):
        v = ctx.input(i)
        if v.shape != (c,):
            raise Unsupported(f"InstanceNormalization {what} must be [{c}], got {list(v.shape)}")
        ids.append(ctx.reshape(ctx.node_id(i), view, name=f"{ctx.name}/{what}_view"))
    scaled = ctx.op("mul", [norm, ids[0]], suffix="scaled")
    return [ctx.emit("add", [scaled, ids[1]])]
