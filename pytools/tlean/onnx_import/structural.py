"""Structural ops: Reshape Flatten Squeeze Unsqueeze Transpose Concat Slice Pad Split, Expand
and Tile (as concats), DepthToSpace/SpaceToDepth (reshape-transpose-reshape), Gather (slices,
or ``embedding`` for token-id indices), and the ops that vanish at inference (Identity,
Dropout, Cast float32 -> float32)."""

from __future__ import annotations

import math

import numpy as np
import onnx

from tlean.onnx_import.context import NodeCtx, Unsupported, Value, normalize_axis
from tlean.onnx_import.registry import register

_NEWER = [21, 23, 24, 25]  # versions that only widened the type lists


def _same(ctx: NodeCtx, v: Value) -> Value:
    return v


def _const_ints(ctx: NodeCtx, i: int, what: str) -> list[int] | None:
    v = ctx.opt_input(i)
    if v is None:
        return None
    if not v.is_const:
        raise Unsupported(f"{what} must be a constant known at import time")
    return [int(x) for x in v.array().ravel()]


def _reshape_to(ctx: NodeCtx, shape: tuple[int, ...]) -> list[Value]:
    x = ctx.input(0)
    if x.is_const and not x.is_initializer:
        return [Value(shape=shape, const=x.array().reshape(shape), name=ctx.name)]
    nid = ctx.node_id(0)
    if tuple(x.shape) == shape:
        return [x]
    return [ctx.emit("reshape", [nid], {"shape": list(shape)})]


@register("Reshape", [5, 13, 14, 19, *_NEWER], "structural")
def reshape(ctx: NodeCtx) -> list[Value]:
    x = ctx.input(0)
    target = _const_ints(ctx, 1, "the target shape")
    if target is None:
        raise Unsupported("Reshape needs a shape")
    allowzero = int(ctx.attr("allowzero", 0))
    out: list[int] = []
    for k, d in enumerate(target):
        if d == 0 and not allowzero:
            if k >= len(x.shape):
                raise Unsupported(f"shape entry 0 at axis {k} copies a dim the input does not have")
            out.append(x.shape[k])
        else:
            out.append(d)
    if out.count(-1) > 1:
        raise Unsupported(f"shape {target} has more than one -1")
    if -1 in out:
        known = math.prod(d for d in out if d != -1)
        if known == 0 or math.prod(x.shape) % known:
            raise Unsupported(f"cannot infer -1 in {target} for an input of shape {list(x.shape)}")
        out[out.index(-1)] = math.prod(x.shape) // known
    if math.prod(out) != math.prod(x.shape) or any(d < 0 for d in out):
        raise Unsupported(f"cannot reshape {list(x.shape)} to {target}")
    return _reshape_to(ctx, tuple(out))


@register("Flatten", [1, 9, 11, 13, *_NEWER], "structural")
def flatten(ctx: NodeCtx) -> list[Value]:
    x = ctx.input(0)
    r = len(x.shape)
    axis = int(ctx.attr("axis", 1))
    axis = axis + r if axis < 0 else axis
    if not 0 <= axis <= r:
        raise Unsupported(f"Flatten axis {axis} out of range for rank {r}")
    return _reshape_to(ctx, (math.prod(x.shape[:axis]), math.prod(x.shape[axis:])))


@register("Squeeze", [1, 11, 13, *_NEWER], "structural")
def squeeze(ctx: NodeCtx) -> list[Value]:
    x = ctx.input(0)
    r = len(x.shape)
    axes = _const_ints(ctx, 1, "axes") if ctx.opset >= 13 else ctx.attr("axes")
    if axes is None:
        norm = {i for i, d in enumerate(x.shape) if d == 1}
    else:
        norm = {normalize_axis(int(a), r) for a in axes}
        bad = [a for a in norm if x.shape[a] != 1]
        if bad:
            raise Unsupported(f"cannot squeeze axes {bad} of size != 1 in {list(x.shape)}")
    return _reshape_to(ctx, tuple(d for i, d in enumerate(x.shape) if i not in norm))


@register("Unsqueeze", [1, 11, 13, *_NEWER], "structural")
def unsqueeze(ctx: NodeCtx) -> list[Value]:
    x = ctx.input(0)
    axes = _const_ints(ctx, 1, "axes") if ctx.opset >= 13 else ctx.attr("axes")
    if not axes:
        raise Unsupported("Unsqueeze needs axes")
    out_rank = len(x.shape) + len(axes)
    norm = sorted({normalize_axis(int(a), out_rank) for a in axes})
    if len(norm) != len(axes):
        raise Unsupported(f"repeated axes in {axes}")
    dims = iter(x.shape)
    shape = tuple(1 if i in norm else next(dims) for i in range(out_rank))
    return _reshape_to(ctx, shape)


@register("Transpose", [1, 13, *_NEWER], "structural")
def transpose(ctx: NodeCtx) -> list[Value]:
    x = ctx.input(0)
    r = len(x.shape)
    perm = [int(p) for p in ctx.attr("perm", list(range(r))[::-1])]
    perm = [p + r if p < 0 else p for p in perm]
    return [ctx.emit("transpose", [ctx.node_id(0)], {"perm": perm})]


@register("Concat", [4, 11, 13], "structural")
def concat(ctx: NodeCtx) -> list[Value]:
    present = [
        i
        for i, v in enumerate(ctx.inputs)
        if v is not None and math.prod(v.shape) > 0 or (v is not None and len(ctx.inputs) == 1)
    ]
    if not present:
        raise Unsupported("Concat of empty tensors only")
    r = len(ctx.input(present[0]).shape)
    axis = normalize_axis(int(ctx.attr("axis")), r)
    ids = [ctx.node_id(i) for i in present]
    if len(ids) == 1:
        return [ctx.input(present[0])]
    return [ctx.emit("concat", ids, {"axis": axis})]


def clamp_slice(start: int, end: int, step: int, dim: int) -> tuple[int, int]:
    """ONNX's normalisation of one slice axis (negative indices, then clamping)."""
    if start < 0:
        start += dim
    if end < 0:
        end += dim
    if step > 0:
        return min(max(start, 0), dim), min(max(end, 0), dim)
    return min(max(start, 0), max(dim - 1, 0)), min(max(end, -1), dim - 1)


def _emit_slice(
    ctx: NodeCtx,
    nid: int,
    shape: tuple[int, ...],
    starts: list[int],
    ends: list[int],
    axes: list[int],
    steps: list[int],
    name: str | None = None,
) -> Value:
    r = len(shape)
    if not (len(starts) == len(ends) == len(axes) == len(steps)):
        raise Unsupported("starts, ends, axes and steps differ in length")
    na = [normalize_axis(a, r) for a in axes]
    if len(set(na)) != len(na):
        raise Unsupported(f"repeated axes in {axes}")
    if any(s == 0 for s in steps):
        raise Unsupported("slice step 0")
    cs, ce = [], []
    for st, en, ax, sp in zip(starts, ends, na, steps, strict=True):
        a, e = clamp_slice(st, en, sp, shape[ax])
        cs.append(a)
        ce.append(e)
    return ctx.emit("slice", [nid], {"starts": cs, "ends": ce, "axes": na, "steps": steps}, name=name)


@register("Slice", [1, 10, 11, 13], "structural")
def slice_(ctx: NodeCtx) -> list[Value]:
    x = ctx.input(0)
    if ctx.opset < 10:
        starts = [int(v) for v in ctx.attr("starts")]
        ends = [int(v) for v in ctx.attr("ends")]
        axes = [int(v) for v in ctx.attr("axes", range(len(starts)))]
        steps = [1] * len(starts)
    else:
        starts = _const_ints(ctx, 1, "starts") or []
        ends = _const_ints(ctx, 2, "ends") or []
        axes = _const_ints(ctx, 3, "axes") or list(range(len(starts)))
        steps = _const_ints(ctx, 4, "steps") or [1] * len(starts)
    if x.is_const and not x.is_initializer:  # data movement on a literal: fold
        idx = [slice(None)] * len(x.shape)
        for st, en, ax, sp in zip(starts, ends, axes, steps, strict=True):
            idx[ax] = slice(st, en, sp)
        arr = np.ascontiguousarray(x.array()[tuple(idx)])
        return [Value(shape=arr.shape, const=arr, name=ctx.name)]
    return [_emit_slice(ctx, ctx.node_id(0), x.shape, starts, ends, axes, steps)]


@register("Pad", [2, 11, 13, 18, 19, *_NEWER], "structural")
def pad(ctx: NodeCtx) -> list[Value]:
    x = ctx.input(0)
    r = len(x.shape)
    mode = ctx.attr("mode", "constant")
    if mode != "constant":
        raise Unsupported(f"Pad mode {mode!r} is outside op set v1 (constant only)")
    if ctx.opset < 11:
        pads = [int(p) for p in ctx.attr("pads")]
        value = float(ctx.attr("value", 0.0))
        axes = list(range(r))
    else:
        pads = _const_ints(ctx, 1, "pads") or []
        cv = ctx.opt_input(2)
        if cv is not None and not cv.is_const:
            raise Unsupported("constant_value must be a constant known at import time")
        value = float(cv.array().reshape(-1)[0]) if cv is not None and cv.array().size else 0.0
        axes = _const_ints(ctx, 3, "axes") or list(range(r))
    axes = [normalize_axis(a, r) for a in axes]
    if len(pads) != 2 * len(axes):
        raise Unsupported(f"{len(pads)} pads for {len(axes)} axes")
    full = [0] * (2 * r)
    for k, a in enumerate(axes):
        full[a], full[a + r] = pads[k], pads[k + len(axes)]
    nid = ctx.node_id(0)
    shape = x.shape
    if any(p < 0 for p in full):  # negative pads crop: a slice first (pure data movement)
        crop = [(i, -min(full[i], 0), shape[i] + min(full[i + r], 0)) for i in range(r)]
        crop = [c for c in crop if c[1] > 0 or c[2] < shape[c[0]]]
        sl = _emit_slice(
            ctx,
            nid,
            shape,
            [c[1] for c in crop],
            [c[2] for c in crop],
            [c[0] for c in crop],
            [1] * len(crop),
            name=f"{ctx.name}/crop",
        )
        assert sl.node is not None
        nid, shape = sl.node, sl.shape
        full = [max(p, 0) for p in full]
        if not any(full):
            return [sl]
    value32 = float(np.float32(value))
    return [ctx.emit("pad", [nid], {"pads": full, "value": value32})]


@register("Split", [2, 11, 13, 18], "structural")
def split(ctx: NodeCtx) -> list[Value]:
    x = ctx.input(0)
    r = len(x.shape)
    axis = normalize_axis(int(ctx.attr("axis", 0)), r)
    n_out = len(ctx.node.output)
    sizes = _const_ints(ctx, 1, "split") if ctx.opset >= 13 else ctx.attr("split")
    dim = x.shape[axis]
    if not sizes:
        chunk = -(-dim // n_out)
        sizes = [min(chunk, dim - k * chunk) for k in range(n_out)]
    if sum(sizes) != dim or len(sizes) != n_out:
        raise Unsupported(f"split sizes {sizes} do not cover axis {axis} of size {dim}")
    outs, start, nid = [], 0, ctx.node_id(0)
    for k, s in enumerate(sizes):
        name = ctx.node.output[k] or f"{ctx.name}/{k}"
        outs.append(_emit_slice(ctx, nid, x.shape, [start], [start + s], [axis], [1], name=name))
        start += s
    return outs


@register("Identity", [1, 13, 14, 16, 19, *_NEWER], "structural")
def identity(ctx: NodeCtx) -> list[Value]:
    return [ctx.input(0)]


@register("Dropout", [6, 7, 10, 12, 13, 22], "structural")
def dropout(ctx: NodeCtx) -> list[Value]:
    if ctx.opset < 7 and not int(ctx.attr("is_test", 0)):
        raise Unsupported("Dropout with is_test=0 (training) is outside op set v1")
    if ctx.opset >= 12:
        tm = ctx.opt_input(2)
        if tm is not None and (not tm.is_const or bool(tm.array().reshape(-1)[0])):
            raise Unsupported("Dropout in training mode is outside op set v1")
    x = ctx.input(0)
    outs = [x]
    if len(ctx.node.output) > 1 and ctx.node.output[1]:
        outs.append(Value(shape=x.shape, const=np.ones(x.shape, dtype=bool), name=ctx.node.output[1]))
    return outs


@register("Cast", [6, 9, 13, 19, *_NEWER, 28], "structural")
def cast(ctx: NodeCtx) -> list[Value]:
    x = ctx.input(0)
    to = int(ctx.attr("to", 0))
    if x.integer and to in (onnx.TensorProto.INT64, onnx.TensorProto.INT32):
        return [x]  # token ids stay token ids
    if to != onnx.TensorProto.FLOAT:
        raise Unsupported(
            "Cast of a run-time tensor to a type other than float32 (a discrete output) is outside "
            "the float32 IR; cut the graph before the Cast"
        )
    if x.integer:  # integer token ids read as float32: the same values (exact below 2^24)
        return [Value(shape=x.shape, node=ctx.node_id(0))]
    return [x]


@register("CastLike", [15, 19, 21, *_NEWER[1:]], "structural")
def cast_like(ctx: NodeCtx) -> list[Value]:
    like = ctx.input(1)
    dtype = like.const.dtype if like.const is not None else np.dtype(np.float32)
    if dtype != np.float32:
        raise Unsupported("CastLike of a runtime tensor to a type other than float32 is outside op set v1")
    return [ctx.input(0)]


def _embedding(ctx: NodeCtx, x: Value, idx: Value) -> Value:
    """Gather of rows (axis 0) at run-time indices from an integer model input: ``embedding``."""
    if not idx.integer:
        raise Unsupported(
            "Gather with indices computed at run time is supported only when the indices are an "
            "integer model input (token ids), not a computed value"
        )
    if x.integer:
        raise Unsupported("Gather from an integer model input at run-time indices is outside the float32 IR")
    axis = normalize_axis(int(ctx.attr("axis", 0)), len(x.shape))
    if axis != 0:
        raise Unsupported(f"Gather with run-time indices on axis {axis}: only axis 0 (embedding rows)")
    if x.is_const and x.array().dtype != np.float32:
        raise Unsupported(f"Gather table of type {x.array().dtype}: only float32 tables")
    return ctx.emit("embedding", [ctx.node_id(0), ctx.node_id(1)])


@register("Gather", [1, 11, 13], "structural")
def gather(ctx: NodeCtx) -> list[Value]:
    """Gather with constant indices is data movement: slices (and a reshape or a concat).

    A scalar index becomes a one-element slice with the axis dropped; a 1-D index list becomes
    one strided slice when it is an arithmetic progression, else a concat of one-element slices;
    k-D indices are the 1-D gather of the flattened indices, reshaped.
    """
    x = ctx.input(0)
    idx_v = ctx.input(1)
    if not idx_v.is_const:
        return [_embedding(ctx, x, idx_v)]
    idx = idx_v.array()
    r = len(x.shape)
    axis = normalize_axis(int(ctx.attr("axis", 0)), r)
    dim = x.shape[axis]
    flat = [int(i) + dim if int(i) < 0 else int(i) for i in idx.ravel()]
    if any(not 0 <= i < dim for i in flat):
        raise Unsupported(f"Gather index out of range for axis {axis} of size {dim}")
    nid = ctx.node_id(0)
    if idx.ndim == 0:
        sl = _emit_slice(ctx, nid, x.shape, [flat[0]], [flat[0] + 1], [axis], [1], name=f"{ctx.name}/slice")
        assert sl.node is not None
        shape = x.shape[:axis] + x.shape[axis + 1 :]
        return [Value(shape=shape, node=ctx.reshape(sl.node, shape, name=ctx.name))]
    if not flat:
        raise Unsupported("Gather with no indices")
    final = x.shape[:axis] + tuple(idx.shape) + x.shape[axis + 1 :]
    name = ctx.name if idx.ndim == 1 else f"{ctx.name}/flat"
    step = flat[1] - flat[0] if len(flat) > 1 else 1
    if step != 0 and all(b - a == step for a, b in zip(flat, flat[1:], strict=False)):
        end = flat[-1] + step
        out = _emit_slice(ctx, nid, x.shape, [flat[0]], [end if end >= 0 else -dim - 1], [axis], [step], name=name)
    else:
        parts = [
            _emit_slice(ctx, nid, x.shape, [i], [i + 1], [axis], [1], name=f"{ctx.name}/pick{k}").node
            for k, i in enumerate(flat)
        ]
        out = ctx.emit("concat", parts, {"axis": axis}, name=name)  # type: ignore[arg-type]
    if idx.ndim == 1:
        return [out]
    assert out.node is not None
    return [Value(shape=final, node=ctx.reshape(out.node, final, name=ctx.name))]


#: Expand/Tile of a run-time value become concats; at most this many copies along one axis.
MAX_COPIES = 4096


def _repeat_axis(ctx: NodeCtx, nid: int, shape: tuple[int, ...], axis: int, times: int, tag: str) -> int:
    """``times`` copies of ``nid`` side by side along ``axis`` (a concat: pure data movement)."""
    if times == 1:
        return nid
    return ctx.op("concat", [nid] * times, {"axis": axis}, suffix=tag)


@register("Expand", [8, 13], "structural")
def expand(ctx: NodeCtx) -> list[Value]:
    """Expand of a run-time tensor: NumPy broadcast to the target shape, as copies (concat)."""
    x = ctx.input(0)
    target = _const_ints(ctx, 1, "Expand shape")
    assert target is not None
    try:
        out = tuple(int(d) for d in np.broadcast_shapes(tuple(x.shape), tuple(target)))
    except ValueError:
        raise Unsupported(f"Expand: {list(x.shape)} does not broadcast to {target}") from None
    ctx.b.check_elements(out, f"Expand {ctx.name!r}")
    if any(w > MAX_COPIES for w in out):
        raise Unsupported(f"Expand to {list(out)}: more than {MAX_COPIES} copies along one axis")
    lifted = (1,) * (len(out) - len(x.shape)) + tuple(x.shape)
    nid = ctx.reshape(ctx.node_id(0), lifted, name=f"{ctx.name}/lifted")
    shape = list(lifted)
    for axis, (have, want) in enumerate(zip(lifted, out, strict=True)):
        if have != want:
            nid = _repeat_axis(ctx, nid, tuple(shape), axis, want, f"axis{axis}")
            shape[axis] = want
    return [ctx.value(nid)]


@register("Tile", [6, 13], "structural")
def tile(ctx: NodeCtx) -> list[Value]:
    """Tile of a run-time tensor: ``repeats[a]`` copies along each axis (concat)."""
    x = ctx.input(0)
    reps = _const_ints(ctx, 1, "Tile repeats")
    assert reps is not None
    if len(reps) != len(x.shape) or any(r < 1 for r in reps):
        raise Unsupported(f"Tile repeats {reps} must be >= 1, one per axis of {list(x.shape)}")
    ctx.b.check_elements([*x.shape, *reps], f"Tile {ctx.name!r}")
    if any(r > MAX_COPIES for r in reps):
        raise Unsupported(f"Tile repeats {reps}: more than {MAX_COPIES} copies along one axis")
    nid = ctx.node_id(0)
    for axis, r in enumerate(reps):
        nid = _repeat_axis(ctx, nid, x.shape, axis, r, f"axis{axis}")
    return [ctx.value(nid)]


@register("DepthToSpace", [1, 11, 13, 28], "structural")
def depth_to_space(ctx: NodeCtx) -> list[Value]:
    """DepthToSpace (DCR or CRD) as reshape → transpose → reshape (PyTorch's pixel_shuffle)."""
    x = ctx.input(0)
    if len(x.shape) != 4:
        raise Unsupported("DepthToSpace needs a rank-4 input")
    n, c, h, w = x.shape
    b = int(ctx.attr("blocksize"))
    if b < 1 or c % (b * b):
        raise Unsupported(f"DepthToSpace: channels {c} not divisible by blocksize² ({b}²)")
    mode = str(ctx.attr("mode", "DCR"))
    if mode == "DCR":
        six, perm = (n, b, b, c // (b * b), h, w), [0, 3, 4, 1, 5, 2]
    elif mode == "CRD":
        six, perm = (n, c // (b * b), b, b, h, w), [0, 1, 4, 2, 5, 3]
    else:
        raise Unsupported(f"DepthToSpace mode {mode!r} is not supported")
    v = ctx.reshape(ctx.node_id(0), six, name=f"{ctx.name}/split")
    t = ctx.op("transpose", [v], {"perm": perm}, suffix="interleave")
    return [ctx.value(ctx.reshape(t, (n, c // (b * b), h * b, w * b), name=ctx.name))]


@register("SpaceToDepth", [1, 13, 28], "structural")
def space_to_depth(ctx: NodeCtx) -> list[Value]:
    x = ctx.input(0)
    if len(x.shape) != 4:
        raise Unsupported("SpaceToDepth needs a rank-4 input")
    n, c, h, w = x.shape
    b = int(ctx.attr("blocksize"))
    if b < 1 or h % b or w % b:
        raise Unsupported(f"SpaceToDepth: {h}x{w} not divisible by blocksize {b}")
    mode = str(ctx.attr("mode", "DCR"))
    if mode not in ("DCR", "CRD"):
        raise Unsupported(f"SpaceToDepth mode {mode!r} is not supported")
    perm = [0, 3, 5, 1, 2, 4] if mode == "DCR" else [0, 1, 3, 5, 2, 4]
    v = ctx.reshape(ctx.node_id(0), (n, c, h // b, b, w // b, b), name=f"{ctx.name}/split")
    t = ctx.op("transpose", [v], {"perm": perm}, suffix="gather")
    return [ctx.value(ctx.reshape(t, (n, c * b * b, h // b, w // b), name=ctx.name))]
