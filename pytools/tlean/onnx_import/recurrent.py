"""Recurrent layers (LSTM, GRU, RNN) with a static sequence length, unrolled at import.

Each time step becomes IR nodes: the input projection ``linear(X, W, Wb)`` is computed once
for the whole sequence and sliced per step; the recurrence ``linear(H, R, Rb)`` is one node
per step; gates are slices of the ``[batch, k·H]`` pre-activations. Biases ``Wb`` and ``Rb`` stay
separate terms (no arithmetic on weights is folded), so each gate is
``(x·Wᵀ + Wb) + (h·Rᵀ + Rb)`` as in the ONNX equations. Directions ``forward``, ``reverse``
and ``bidirectional``, both layouts, initial states and LSTM peepholes are supported; the
weights must be constants (initializers). ``sequence_lens`` is accepted only when every entry
equals the sequence length; ``clip``, ``input_forget`` and activations other than
Sigmoid/Tanh/Relu are refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tlean.onnx_import.context import NodeCtx, Unsupported, Value
from tlean.onnx_import.registry import register

_ACT = {"Sigmoid": "sigmoid", "Tanh": "tanh", "Relu": "relu"}
_DEFAULT_ACTS = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"], "RNN": ["Tanh"]}
_GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}
#: Longest sequence unrolled at import (each step is about fifteen IR nodes per direction).
MAX_STEPS = 4096


@dataclass
class _Layer:
    seq: int
    batch: int
    hidden: int
    dirs: int
    x: int  # X as [seq, batch, input]


def _const_array(ctx: NodeCtx, i: int, what: str) -> np.ndarray | None:
    v = ctx.opt_input(i)
    if v is None:
        return None
    if not v.is_const:
        raise Unsupported(f"{ctx.node.op_type} {what} must be a constant (initializer)")
    arr = v.array()
    if arr.dtype != np.float32:
        raise Unsupported(f"{ctx.node.op_type} {what} has element type {arr.dtype}; only float32")
    return arr


def _param(ctx: NodeCtx, arr: np.ndarray, what: str) -> int:
    v = Value(shape=tuple(arr.shape), const=np.ascontiguousarray(arr), is_initializer=True, name=f"{ctx.name}/{what}")
    return ctx.b.materialize(v)


def _setup(ctx: NodeCtx) -> tuple[_Layer, list[str]]:
    kind = ctx.node.op_type
    x = ctx.input(0)
    if len(x.shape) != 3:
        raise Unsupported(f"{kind} input must be rank 3, got {list(x.shape)}")
    layout = int(ctx.attr("layout", 0))
    if ctx.attr("clip") is not None:
        raise Unsupported(f"{kind} with clip is not supported")
    if int(ctx.attr("input_forget", 0)):
        raise Unsupported("LSTM with input_forget=1 is not supported")
    direction = str(ctx.attr("direction", "forward"))
    if direction not in ("forward", "reverse", "bidirectional"):
        raise Unsupported(f"direction {direction!r} is not supported")
    dirs = 2 if direction == "bidirectional" else 1
    hidden = int(ctx.attr("hidden_size", 0)) or ctx.input(2).shape[-1]
    acts = [str(a) for a in (ctx.attr("activations") or _DEFAULT_ACTS[kind] * dirs)]
    if ctx.attr("activation_alpha") or ctx.attr("activation_beta"):
        raise Unsupported(f"{kind} activation_alpha/activation_beta are not supported")
    if len(acts) != len(_DEFAULT_ACTS[kind]) * dirs or any(a not in _ACT for a in acts):
        raise Unsupported(f"{kind} activations {acts} are not supported (Sigmoid, Tanh, Relu)")
    xid = ctx.node_id(0)
    if layout == 1:
        xid = ctx.op("transpose", [xid], {"perm": [1, 0, 2]}, suffix="x_seq_major")
        batch, seq = x.shape[0], x.shape[1]
    else:
        seq, batch = x.shape[0], x.shape[1]
    lens = ctx.opt_input(4)
    if lens is not None and (not lens.is_const or np.any(np.asarray(lens.array()).ravel() != seq)):
        raise Unsupported(f"{kind} with sequence_lens other than the full length {seq} is not supported")
    if seq > MAX_STEPS:
        raise Unsupported(f"{kind} with {seq} time steps: unrolling is limited to {MAX_STEPS} steps")
    direction_list = ["forward", "reverse"] if dirs == 2 else [direction]
    return _Layer(seq, batch, hidden, dirs, xid), acts + direction_list


def _gate(ctx: NodeCtx, g: int, k: int, hidden: int, tag: str) -> int:
    return ctx.op(
        "slice", [g], {"starts": [k * hidden], "ends": [(k + 1) * hidden], "axes": [1], "steps": [1]}, suffix=tag
    )


def _initial(ctx: NodeCtx, i: int, d: int, L: _Layer, what: str) -> int | None:
    v = ctx.opt_input(i)
    if v is None:
        return None
    layout = int(ctx.attr("layout", 0))
    nid = ctx.node_id(i)
    ax = 0 if layout == 0 else 1
    sl = ctx.op("slice", [nid], {"starts": [d], "ends": [d + 1], "axes": [ax], "steps": [1]}, suffix=f"{what}{d}")
    return ctx.reshape(sl, (L.batch, L.hidden), name=f"{ctx.name}/{what}{d}_view")


def _unroll(ctx: NodeCtx, kind: str) -> list[Value]:
    L, meta = _setup(ctx)
    n_acts = len(_DEFAULT_ACTS[kind])
    acts, directions = meta[: n_acts * L.dirs], meta[n_acts * L.dirs :]
    ng = _GATES[kind]
    H = L.hidden
    W = _const_array(ctx, 1, "W")
    R = _const_array(ctx, 2, "R")
    B = _const_array(ctx, 3, "B")
    P = _const_array(ctx, 7, "P") if kind == "LSTM" else None
    assert W is not None and R is not None
    if W.shape[0] != L.dirs or W.shape[1] != ng * H or R.shape != (L.dirs, ng * H, H):
        raise Unsupported(f"{kind} weights W {list(W.shape)} / R {list(R.shape)} do not match hidden_size {H}")
    lbr = int(ctx.attr("linear_before_reset", 0)) if kind == "GRU" else 0
    ys: list[list[int]] = []  # per direction: H_t for t = 0..seq-1 (time order)
    finals_h: list[int] = []
    finals_c: list[int] = []
    for d, direction in enumerate(directions):
        a = [_ACT[n] for n in acts[d * n_acts : (d + 1) * n_acts]]
        bias = B[d] if B is not None else np.zeros(2 * ng * H, np.float32)
        wb, rb = bias[: ng * H], bias[ng * H :]
        w_id = _param(ctx, W[d], f"W{d}")
        r_id = _param(ctx, R[d], f"R{d}")
        wb_id = _param(ctx, wb, f"Wb{d}")
        rb_id = _param(ctx, rb, f"Rb{d}")
        xp = ctx.op("linear", [L.x, w_id, wb_id], suffix=f"d{d}/x_proj")
        h = _initial(ctx, 5, d, L, "h0_")
        c = _initial(ctx, 6, d, L, "c0_") if kind == "LSTM" else None
        zero = ctx.const(np.zeros((L.batch, H), np.float32), name=f"{ctx.name}/zeros")
        if h is None:
            h = zero
        if kind == "LSTM" and c is None:
            c = zero
        peep = None
        if P is not None:
            peep = [_param(ctx, P[d, k * H : (k + 1) * H], f"P{d}_{k}") for k in range(3)]
        outs: dict[int, int] = {}
        steps = range(L.seq) if direction == "forward" else range(L.seq - 1, -1, -1)
        for t in steps:
            tag = f"d{d}/t{t}/"
            xs = ctx.op("slice", [xp], {"starts": [t], "ends": [t + 1], "axes": [0], "steps": [1]}, suffix=tag + "x")
            xt = ctx.reshape(xs, (L.batch, ng * H), name=f"{ctx.name}/{tag}x_view")
            if kind == "GRU":
                hr = ctx.op("linear", [h, r_id, rb_id], suffix=tag + "h_proj")
                xz, xr, xh = (_gate(ctx, xt, k, H, f"{tag}x{k}") for k in range(3))
                hz, hrr, hh = (_gate(ctx, hr, k, H, f"{tag}h{k}") for k in range(3))
                z = ctx.op(a[0], [ctx.op("add", [xz, hz], suffix=tag + "z_pre")], suffix=tag + "z")
                r = ctx.op(a[0], [ctx.op("add", [xr, hrr], suffix=tag + "r_pre")], suffix=tag + "r")
                if lbr:
                    rh = ctx.op("mul", [r, hh], suffix=tag + "r_h")
                else:
                    rhid = ctx.op("mul", [r, h], suffix=tag + "r_hprev")
                    rh_full = ctx.op("linear", [rhid, r_id, rb_id], suffix=tag + "rh_proj")
                    rh = _gate(ctx, rh_full, 2, H, f"{tag}rh")
                n = ctx.op(a[1], [ctx.op("add", [xh, rh], suffix=tag + "n_pre")], suffix=tag + "n")
                one_minus = ctx.op("sub", [ctx.const(np.float32(1.0)), z], suffix=tag + "1mz")
                h = ctx.op(
                    "add",
                    [ctx.op("mul", [one_minus, n], suffix=tag + "new"), ctx.op("mul", [z, h], suffix=tag + "keep")],
                    suffix=tag + "h",
                )
            else:
                hr = ctx.op("linear", [h, r_id, rb_id], suffix=tag + "h_proj")
                g = ctx.op("add", [xt, hr], suffix=tag + "pre")
                if kind == "RNN":
                    h = ctx.op(a[0], [g], suffix=tag + "h")
                else:
                    assert c is not None
                    gi, go, gf, gc = (_gate(ctx, g, k, H, f"{tag}g{k}") for k in range(4))
                    if peep is not None:
                        gi = ctx.op("add", [gi, ctx.op("mul", [peep[0], c], suffix=tag + "pi")], suffix=tag + "gi")
                        gf = ctx.op("add", [gf, ctx.op("mul", [peep[2], c], suffix=tag + "pf")], suffix=tag + "gf")
                    i_ = ctx.op(a[0], [gi], suffix=tag + "i")
                    f_ = ctx.op(a[0], [gf], suffix=tag + "f")
                    cc = ctx.op(a[1], [gc], suffix=tag + "cand")
                    c = ctx.op(
                        "add",
                        [ctx.op("mul", [f_, c], suffix=tag + "fc"), ctx.op("mul", [i_, cc], suffix=tag + "ic")],
                        suffix=tag + "c",
                    )
                    if peep is not None:
                        go = ctx.op("add", [go, ctx.op("mul", [peep[1], c], suffix=tag + "po")], suffix=tag + "go")
                    o_ = ctx.op(a[0], [go], suffix=tag + "o")
                    h = ctx.op("mul", [o_, ctx.op(a[2], [c], suffix=tag + "hc")], suffix=tag + "h")
            outs[t] = h
        ys.append([outs[t] for t in range(L.seq)])
        finals_h.append(h)
        if c is not None:
            finals_c.append(c)
    return _outputs(ctx, L, ys, finals_h, finals_c)


def _stack(ctx: NodeCtx, ids: list[int], shape: tuple[int, ...], axis: int, tag: str) -> int:
    views = [ctx.reshape(i, shape, name=f"{ctx.name}/{tag}{k}_view") for k, i in enumerate(ids)]
    if len(views) == 1:
        return views[0]
    return ctx.op("concat", views, {"axis": axis}, suffix=tag)


def _outputs(ctx: NodeCtx, L: _Layer, ys: list[list[int]], hs: list[int], cs: list[int]) -> list[Value]:
    layout = int(ctx.attr("layout", 0))
    names = list(ctx.node.output)
    most = 3 if cs else 2
    if len(names) > most:
        raise Unsupported(f"{ctx.node.op_type} has {most} outputs, the node declares {len(names)}")
    results: list[Value] = []
    want = [bool(names[k]) if k < len(names) else False for k in range(3)]
    if want[0]:
        per_t = [
            _stack(ctx, [ys[d][t] for d in range(L.dirs)], (1, 1, L.batch, L.hidden), 1, f"y{t}_dirs")
            for t in range(L.seq)
        ]
        y = _stack(ctx, per_t, (1, L.dirs, L.batch, L.hidden), 0, "Y")
        if layout == 1:
            y = ctx.op("transpose", [y], {"perm": [2, 0, 1, 3]}, suffix="Y_batch_major")
        results.append(ctx.value(y))
    else:
        results.append(ctx.value(hs[0]))
    for k, finals in ((1, hs), (2, cs)):
        if k >= len(names):
            break
        if not want[k] or not finals:
            results.append(ctx.value(hs[0]))
            continue
        st = _stack(ctx, finals, (1, L.batch, L.hidden), 0, f"final{k}")
        if layout == 1:
            st = ctx.op("transpose", [st], {"perm": [1, 0, 2]}, suffix=f"final{k}_batch_major")
        results.append(ctx.value(st))
    return results


@register("LSTM", [7, 14, 22], "recurrent")
def lstm(ctx: NodeCtx) -> list[Value]:
    return _unroll(ctx, "LSTM")


@register("GRU", [7, 14, 22], "recurrent")
def gru(ctx: NodeCtx) -> list[Value]:
    return _unroll(ctx, "GRU")


@register("RNN", [7, 14, 22], "recurrent")
def rnn(ctx: NodeCtx) -> list[Value]:
    return _unroll(ctx, "RNN")
