"""The independent exact checker of ``tlean.cert.v1`` bound certificates.

**The claim it checks.** When :func:`check_certificate` accepts ``(MODEL, SPEC, CERT)``: for every
input box ``B`` of SPEC's normal form (read by :mod:`tlean.verify.vnnlib`) and every *real* input
``x ∈ B``, the output ``y`` of MODEL under the exact real-number semantics of its IR graph (as
imported by :func:`tlean.onnx_import.import_model`) with the model's float32 weights read as the
dyadic rationals their bit patterns denote, lies in **none** of the box's violation polytopes
``A y <= b``. That is ``unsat``: the property holds. The certificate's hashes must match the
SHA-256 of the MODEL and SPEC files.

**Split trees.** A box's proof is a tree: ``input-split`` nodes cut the path region at
``x[d] = v`` into two closed boxes (computed here from ``v``'s bits, never read from the
children, so they tile the parent), ``relu-split`` nodes add ``z_k[i] <= 0`` / ``z_k[i] >= 0``
to the two children's path constraints (every input satisfies one), and every leaf must show that
no input of its path region satisfying its path constraints reaches a violation polytope (or that
no such input exists). By induction over the tree the leaves' sets cover the spec box, which gives
the claim above.

**How.** The graph is read as a chain of affine maps separated by ``relu`` nodes; each maximal
affine run is composed exactly into ``z_k = (A_k h_{k-1} + b_k) / D_k`` (integer matrices, one
positive integer denominator). Every number of the certificate is decoded from its binary64 bits
into an exact dyadic. For each relu in order, each claimed pre-activation bound is compared with
a bound the checker derives itself from the region and the bounds it has already verified:
the better of IBP, a CROWN backward pass with the standard slope rule and, where the leaf gives
them (``relus[j].alpha_for``, checked to lie in ``[0, 1]``), one with the leaf's slopes. Finally each claimed
lower bound of a spec row's margin ``(A y - b)_r`` is compared the same way (CROWN with the
certificate's α slopes, checked to lie in ``[0, 1]``), and every polytope must have a row whose
verified lower bound is ``> 0``. In a leaf under relu splits, a constrained neuron is relaxed by
its phase (``h = 0`` / ``h = z``), its derived bounds are clipped by the constraint, and the final
pass bounds ``(A y - b)_r - Σ_j β[r, j] σ_j z_{k_j}[i_j]`` with the leaf's multipliers
``β >= 0`` (``σ`` = +1 active, -1 inactive), which is ``<= (A y - b)_r`` on the leaf's set.
``docs/certificate.md`` states the relaxation and the tree rules exactly. Every rejection names
the certificate field and tree path that failed (``boxes[0].proof.children[1].polytopes[0]``).

**Arithmetic.** Exact integers (NumPy object arrays of ``int`` for vectorised loops) and
:class:`fractions.Fraction` for single comparisons, so that the Lean checker can mirror it with
``Int``/``Nat``. The one use of floating point is speed: integer matrix products are computed
as float64 matrix products of small integer limbs (:func:`_dot_sums`), every partial sum an
integer below ``2^53``, which IEEE-754 binary64 (and so the BLAS it runs on) represents exactly
whatever the order of summation; the result is exactly the integer product. Every derived bound
is a rational lower bound of the true minimum; the two roundings (the upper lines' intercepts,
rounded down to the pass's denominator, and the coefficients after each relu pass,
:func:`_round_down`) lower it further and so keep it a lower bound. Nothing is imported from the
bound engine; :mod:`tlean.verify.cert` is used for the document's data models only.

**Scope.** The piecewise-linear fragment of the VNN-COMP 2021 networks: ``input``, ``param``,
``const``, ``reshape``, ``transpose``, ``neg``, ``linear``, ``matmul`` with one constant operand,
``conv2d`` with constant weights, ``add``/``sub``/``mul`` with a constant, ``div`` by a constant,
``relu``; every node reads at most one non-constant value. Anything else is a rejection naming
the node and op.
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing as mp
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from tlean.errors import ModelLoadError
from tlean.verify.cert import FORMAT, CertError, Certificate, F64Array
from tlean.verify.spec import Spec

#: The upper relaxation slope of an unstable relu is ``ceil(2^SLOPE_BITS · u/(u-l)) / 2^SLOPE_BITS``.
SLOPE_BITS = 64

#: How many derived intermediate bound vectors :func:`check_proof` remembers across leaves.
MEMO_SIZE = 256

IntArray = np.ndarray  # NumPy arrays of dtype object holding Python ints


class Rejected(Exception):
    """The certificate does not prove the claim; ``field`` names the part that failed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass
class CheckResult:
    """The outcome of a check: accepted, or rejected with the failing field."""

    accepted: bool
    field: str | None = None
    message: str = ""
    boxes: int = 0
    polytopes: int = 0
    relus_checked: int = 0
    leaves: int = 0
    empty_leaves: int = 0
    seconds: float = 0.0
    model_sha256: str = ""
    spec_sha256: str = ""


# --------------------------------------------------------------------------------------------
# Exact numbers
# --------------------------------------------------------------------------------------------


def _decode_bits(bits: np.ndarray, exp_bits: int, frac_bits: int) -> tuple[IntArray, int, int]:
    """IEEE-754 bit patterns (``exp_bits``/``frac_bits`` wide) as exact dyadics over one ``2^k``.

    A pattern with sign ``s``, exponent field ``E`` and fraction ``F`` denotes
    ``(-1)^s · F · 2^(1 - bias - frac_bits)`` when ``E = 0`` (subnormal) and
    ``(-1)^s · (F + 2^frac_bits) · 2^(E - bias - frac_bits)`` otherwise. Returns
    ``(nums, 2^k, first)`` where ``first`` is the index of the first Inf/NaN, or -1.
    Integer operations only (the arrays hold bit patterns, never floats).
    """
    bits = bits.astype(np.uint64)
    top = np.uint64((1 << exp_bits) - 1)
    ex = (bits >> np.uint64(frac_bits)) & top
    bad = np.flatnonzero(ex == top)
    if bad.size:
        return np.empty(0, dtype=object), 1, int(bad[0])
    frac = (bits & np.uint64((1 << frac_bits) - 1)).astype(np.int64)
    neg = (bits >> np.uint64(exp_bits + frac_bits)) != 0
    ex = ex.astype(np.int64)
    m = np.where(ex == 0, frac, frac | (1 << frac_bits))
    e = np.where(ex == 0, 1, ex) - ((1 << (exp_bits - 1)) - 1) - frac_bits
    nz = m != 0
    k = max(0, int(-e[nz].min())) if nz.any() else 0
    shift = np.where(nz, e + k, 0)
    nums = m.astype(object) << shift.astype(object)
    nums[neg] = -nums[neg]
    return nums, 1 << k, -1


def decode_f64(arr: F64Array, where: str, shape: list[int] | None = None) -> tuple[IntArray, int]:
    """A certificate array as exact integers over a power-of-two denominator (flattened)."""
    import base64

    if shape is not None and list(arr.shape) != list(shape):
        raise Rejected(where, f"shape {list(arr.shape)} but {list(shape)} expected")
    try:
        raw = base64.b64decode(arr.data, validate=True)
    except ValueError:
        raise Rejected(where, "data is not valid base64") from None
    n = math.prod(arr.shape)
    if len(raw) != 8 * n:
        raise Rejected(where, f"{len(raw)} bytes of data for {n} float64 values")
    nums, den, bad = _decode_bits(np.frombuffer(raw, dtype="<u8"), 11, 52)
    if bad >= 0:
        raise Rejected(f"{where}[{bad}]", "not a finite number")
    return nums, den


def _decode_f32_array(a: np.ndarray) -> tuple[IntArray, int]:
    """A float32 NumPy array (by its bit patterns) as exact integers over ``2^k``, flattened."""
    nums, den, bad = _decode_bits(np.ascontiguousarray(a, dtype="<f4").view("<u4").ravel(), 8, 23)
    if bad >= 0:
        raise Rejected("model", "a weight is Inf or NaN")
    return nums, den


def _zeros(n: int) -> IntArray:
    out = np.empty(n, dtype=object)
    out[:] = 0
    return out


def _eye(n: int, s: int = 1) -> IntArray:
    out = np.empty((n, n), dtype=object)
    out[:] = 0
    for i in range(n):
        out[i, i] = s
    return out


# --------------------------------------------------------------------------------------------
# The network as a chain of exact affine maps and relus
# --------------------------------------------------------------------------------------------


@dataclass
class Layer:
    """``z = (A h + b) / D``; ``relu`` is the IR id of the relu applied to ``z`` (None: output)."""

    A: IntArray
    b: IntArray
    D: int
    relu: int | None
    #: ``A``'s 24-bit limbs (:func:`_limbs`, the right operand of :func:`_dot_sums`), made on first use
    A_limbs: list[np.ndarray] | None = field(default=None, repr=False, compare=False)

    def limbs(self, rows: np.ndarray) -> list[np.ndarray]:
        """The limbs of ``A[rows]``."""
        if self.A_limbs is None:
            self.A_limbs = _limbs(self.A, _Y_LIMB)
        return [x[rows] for x in self.A_limbs]


@dataclass
class _Const:
    num: IntArray  # flattened
    den: int
    shape: tuple[int, ...]


@dataclass
class _Aff:
    """``(M h + c) / D`` over the current layer variable ``h``; ``M is None`` means ``s · I``."""

    M: IntArray | None
    s: int
    c: IntArray
    D: int
    shape: tuple[int, ...]

    def matrix(self, n_h: int) -> IntArray:
        return _eye(n_h, self.s) if self.M is None else self.M

    def scaled(self, f: int) -> _Aff:
        return _Aff(None if self.M is None else self.M * f, self.s * f, self.c * f, self.D * f, self.shape)


def _reject_node(k: int, op: str, why: str) -> Rejected:
    return Rejected("model", f"node {k} ({op}): {why}; the checker accepts the piecewise-linear fragment only")


def network_layers(graph: Any, params: dict[str, np.ndarray]) -> tuple[list[Layer], int]:
    """The graph as exact layers ``z_k = (A_k h_{k-1} + b_k)/D_k`` and the input size."""
    vals: dict[int, _Const | _Aff] = {}
    layer_of: dict[int, int] = {}  # the layer of every non-constant value
    layers: list[Layer] = []
    n_h = 0
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise Rejected("model", "the checker needs a model with one input and one output")
    for k, node in enumerate(graph.nodes):
        op, shape = node.op, tuple(node.shape)
        attrs = node.attrs
        if op == "input":
            if layers or layer_of:
                raise _reject_node(k, op, "the input is read after other computation started")
            n_h = math.prod(shape)
            vals[k] = _Aff(None, 1, _zeros(n_h), 1, shape)
            layer_of[k] = 0
            continue
        if op == "param":
            num, den = _decode_f32_array(params[graph.params[attrs["index"]].name])
            vals[k] = _Const(num, den, shape)
            continue
        if op == "const":
            num, den, bad = _decode_bits(np.array(attrs["bits"], dtype=np.uint64), 8, 23)
            if bad >= 0:
                raise _reject_node(k, op, "a constant is Inf or NaN")
            vals[k] = _Const(num, den, shape)
            continue
        ins = [vals[i] for i in node.inputs]
        var = [i for i, v in enumerate(ins) if isinstance(v, _Aff)]
        if len(var) > 1:
            raise _reject_node(k, op, "reads two non-constant values (not a chain)")
        if not var:
            if op == "reshape" and isinstance(ins[0], _Const):
                vals[k] = _Const(ins[0].num, ins[0].den, shape)
                continue
            raise _reject_node(k, op, "arithmetic on constants only")
        x = ins[var[0]]
        assert isinstance(x, _Aff)
        if layer_of[node.inputs[var[0]]] != len(layers):
            raise _reject_node(k, op, "reads a value from before an earlier relu (not a chain)")
        if op == "reshape":
            vals[k] = _Aff(x.M, x.s, x.c, x.D, shape)
        elif op == "transpose":
            idx = np.arange(math.prod(x.shape)).reshape(x.shape).transpose(attrs["perm"]).ravel()
            vals[k] = _Aff(x.matrix(n_h)[idx], 1, x.c[idx], x.D, shape)
        elif op == "neg":
            vals[k] = _Aff(None if x.M is None else -x.M, -x.s, -x.c, x.D, shape)
        elif op in ("add", "sub"):
            cst = ins[1 - var[0]]
            assert isinstance(cst, _Const)
            vals[k] = _add_const(x, cst, shape, n_h, negate_var=(op == "sub" and var[0] == 1),
                                 negate_const=(op == "sub" and var[0] == 0))  # fmt: skip
        elif op in ("mul", "div"):
            cst = ins[1 - var[0]]
            assert isinstance(cst, _Const)
            if op == "div" and var[0] == 1:
                raise _reject_node(k, op, "division by a non-constant value")
            vals[k] = _scale(x, cst, shape, n_h, invert=(op == "div"), where=(k, op))
        elif op == "linear":
            if var[0] != 0 or len(ins) < 2:
                raise _reject_node(k, op, "weights must be constants")
            W, bias = ins[1], ins[2] if len(ins) > 2 else None
            assert isinstance(W, _Const)
            lead = math.prod(x.shape[:-1])
            Wn = W.num.reshape(W.shape)
            y = _apply(x, np.kron(_eye(lead), Wn), W.den, shape, n_h)
            if bias is not None:
                assert isinstance(bias, _Const)
                y = _add_const(y, bias, shape, n_h)
            vals[k] = y
        elif op == "matmul":
            W = ins[1 - var[0]]
            assert isinstance(W, _Const)
            if len(x.shape) != 2 or len(W.shape) != 2:
                raise _reject_node(k, op, "only 2-D matmul with a constant is supported")
            Wn = W.num.reshape(W.shape)
            # X[p,k] @ W[k,q] or W[p,k] @ X[k,q], as a matrix on the flattened X
            K = np.kron(_eye(x.shape[0]), Wn.T) if var[0] == 0 else np.kron(Wn, _eye(x.shape[1]))
            vals[k] = _apply(x, K, W.den, shape, n_h)
        elif op == "conv2d":
            W, bias = ins[1], ins[2] if len(ins) > 2 else None
            if var[0] != 0 or not isinstance(W, _Const) or (bias is not None and not isinstance(bias, _Const)):
                raise _reject_node(k, op, "weights must be constants")
            K = _conv_matrix(W.num.reshape(W.shape), x.shape, shape, attrs)
            y = _apply(x, K, W.den, shape, n_h)
            if bias is not None:
                y = _add_const(y, _Const(bias.num, bias.den, (1, shape[1], 1, 1)), shape, n_h)
            vals[k] = y
        elif op == "relu":
            layers.append(_finish(x, n_h, k))
            n_h = math.prod(shape)
            vals[k] = _Aff(None, 1, _zeros(n_h), 1, shape)
        else:
            raise _reject_node(k, op, "op not supported by the checker")
        layer_of[k] = len(layers)
    out = vals[graph.outputs[0]]
    if not isinstance(out, _Aff):
        raise Rejected("model", "the output does not depend on the input")
    if layer_of[graph.outputs[0]] != len(layers):
        raise Rejected("model", "the output is not computed from the last relu (not a chain)")
    layers.append(_finish(out, n_h, None))
    n_in = math.prod(graph.inputs[0].shape)
    return layers, n_in


def _finish(x: _Aff, n_h: int, relu: int | None) -> Layer:
    A, b, D = x.matrix(n_h), x.c, x.D
    g = math.gcd(D, *A.ravel().tolist(), *b.tolist())
    if g > 1:
        A, b, D = A // g, b // g, D // g
    return Layer(A, b, D, relu)


def _bcast_rows(x: _Aff, shape: tuple[int, ...], n_h: int) -> _Aff:
    if x.shape == shape:
        return x
    idx = np.broadcast_to(np.arange(math.prod(x.shape)).reshape(x.shape), shape).ravel()
    return _Aff(x.matrix(n_h)[idx], 1, x.c[idx], x.D, shape)


def _bcast_const(c: _Const, shape: tuple[int, ...]) -> IntArray:
    return np.broadcast_to(c.num.reshape(c.shape), shape).ravel()


def _add_const(
    x: _Aff, c: _Const, shape: tuple[int, ...], n_h: int, *, negate_var: bool = False, negate_const: bool = False
) -> _Aff:
    x = _bcast_rows(x, shape, n_h)
    L = math.lcm(x.D, c.den)
    y = x.scaled(L // x.D)
    cn = _bcast_const(c, shape) * (L // c.den)
    if negate_var:
        y = _Aff(None if y.M is None else -y.M, -y.s, -y.c, y.D, shape)
    return _Aff(y.M, y.s, y.c - cn if negate_const else y.c + cn, L, shape)


def _scale(x: _Aff, c: _Const, shape: tuple[int, ...], n_h: int, *, invert: bool, where: tuple[int, str]) -> _Aff:
    x = _bcast_rows(x, shape, n_h)
    num = _bcast_const(c, shape)
    if invert:
        if any(v == 0 for v in num):
            raise _reject_node(*where, "division by zero")
        q = math.lcm(*[abs(int(v)) for v in num])
        p = np.array([(1 if v > 0 else -1) * c.den * (q // abs(int(v))) for v in num], dtype=object)
    else:
        q, p = c.den, num
    M = x.matrix(n_h) * p[:, None]
    return _Aff(M, 1, x.c * p, x.D * q, shape)


def _conv_matrix(W: IntArray, xs: tuple[int, ...], ys: tuple[int, ...], attrs: dict[str, Any]) -> IntArray:
    """conv2d (NCHW, weights ``[M, C/g, kh, kw]``) as a matrix from the flattened input to the output."""
    (n, c, h, w), (_, m, oh, ow) = xs, ys
    (sh, sw), (pt, pl, _, _), (dh, dw), g = attrs["strides"], attrs["pads"], attrs["dilations"], attrs["groups"]
    K = np.empty((m * oh * ow, c * h * w), dtype=object)
    K[:] = 0
    oy, ox = np.meshgrid(np.arange(oh), np.arange(ow), indexing="ij")
    cg, mg = c // g, m // g
    for f in range(m):
        rows = (f * oh + oy) * ow + ox
        for ci in range(cg):
            ch = (f // mg) * cg + ci
            for ky in range(W.shape[2]):
                for kx in range(W.shape[3]):
                    iy, ix = oy * sh - pt + ky * dh, ox * sw - pl + kx * dw
                    ok = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)
                    cols = (ch * h + iy[ok]) * w + ix[ok]
                    K[rows[ok], cols] = K[rows[ok], cols] + W[f, ci, ky, kx]
    return np.kron(_eye(n), K) if n > 1 else K


def _apply(x: _Aff, K: IntArray, den: int, shape: tuple[int, ...], n_h: int) -> _Aff:
    M = K * x.s if x.M is None else K.dot(x.M)
    return _Aff(M, 1, K.dot(x.c), x.D * den, shape)


# --------------------------------------------------------------------------------------------
# Bounds: IBP and the CROWN backward pass, exact
# --------------------------------------------------------------------------------------------


@dataclass
class _Box:
    """``lo/den <= v <= hi/den`` elementwise."""

    lo: IntArray
    hi: IntArray
    den: int


def _concretize(lam: IntArray, const: IntArray, den: int, box: _Box) -> list[Fraction]:
    """Per row, the minimum of ``(lam · v + const) / den`` over ``v`` in the box."""
    sel = np.where(lam > 0, box.lo[None, :], box.hi[None, :])
    nums = (lam * sel).sum(axis=1) + const * box.den
    d = den * box.den
    return [Fraction(int(v), d) for v in nums]


@dataclass
class _Relu:
    """The verified claimed bounds ``[lower, upper]`` of one relu's input ``z`` and the path's phases.

    ``phase[i]``: 0 free, +1 the path constrains ``z[i] >= 0`` (active), -1 ``z[i] <= 0``
    (inactive; it wins when both are on the path: the set is then ``z[i] = 0``, where ``h = 0``).
    """

    lower: tuple[IntArray, int]
    upper: tuple[IntArray, int]
    phase: np.ndarray


def _relu_box(r: _Relu) -> _Box:
    """The box of ``relu(z)`` for ``z`` in ``[lower, upper]`` (over one common denominator)."""
    (ln, ld), (un, ud) = r.lower, r.upper
    d = math.lcm(ld, ud)
    lo = np.array([max(int(v), 0) * (d // ld) for v in ln], dtype=object)
    hi = np.array([max(int(v), 0) * (d // ud) for v in un], dtype=object)
    lo[r.phase < 0] = 0
    hi[r.phase < 0] = 0
    return _Box(lo, hi, d)


def _relu_pass(
    lam: IntArray, const: IntArray, den: int, r: _Relu, alpha: tuple[IntArray, int] | None
) -> tuple[IntArray, IntArray, int, np.ndarray]:
    """Replaces ``lam · relu(z)`` by a linear lower bound ``lam' · z + const'`` (see the doc).

    A neuron constrained by the path is inactive (``h = 0``) or active (``h = z``) whatever its
    bounds. Returns the new coefficients over ``den · Q`` and the mask of inactive neurons.
    """
    (ln, ld), (un, ud) = r.lower, r.upper
    d = math.lcm(ld, ud)
    l_ = ln * (d // ld)
    u_ = un * (d // ud)
    forced_off = r.phase < 0
    active = ~forced_off & ((r.phase > 0) | (l_ >= 0))
    inactive = forced_off | (~active & (u_ <= 0))
    unstable = ~active & ~inactive
    one = 1 << SLOPE_BITS
    # upper slope s = sn / 2^SLOPE_BITS >= u / (u - l) on unstable neurons (1 elsewhere, unused)
    width = np.where(unstable, u_ - l_, 1)
    sn = -((-one * u_) // width)
    if alpha is None:
        an, ad = np.array([1 if u > -v else 0 for u, v in zip(u_, l_, strict=True)], dtype=object), 1
    else:
        an, ad = alpha
    Q = math.lcm(ad, one)
    neg = lam < 0
    # the multiplier of each coefficient, over the denominator Q: active Q, inactive 0,
    # unstable: the upper slope where the coefficient is negative, else alpha
    keep = np.empty(len(l_), dtype=object)
    keep[:] = 0
    keep[active] = Q
    low = np.broadcast_to(an * (Q // ad), lam.shape)
    mult = np.where(unstable[None, :], np.where(neg, (sn * (Q // one))[None, :], low), keep[None, :])
    new_lam = lam * mult
    # intercept of the upper line: lam_i · s_i · (z_i - l_i) contributes -lam_i · s_i · l_i, a
    # multiple of 1/(den · Q · d); rounded down to a multiple of 1/(den · Q), which only lowers
    # the bound (by less than 1/(den · Q)) and keeps the numerators from growing by d each layer
    use_upper = unstable[None, :] & neg
    icpt = np.where(use_upper, -lam * sn * l_, 0).sum(axis=1) * (Q // one)
    new_const = const * Q + icpt // d
    return new_lam, new_const, den * Q, inactive


def _limbs(a: IntArray, width: int = 2) -> list[np.ndarray]:
    """``a`` (integers) as float64 arrays ``L_t`` with ``a = Σ_t L_t 2^(8 width t)`` and ``|L_t| <
    2^(8 width)`` (the sign of each entry on all of its limbs; ``width``: 2 or 3 bytes): every limb
    value is an exact float64. Each magnitude is written out as little-endian bytes once and read
    back ``width`` bytes a limb."""
    if a.size == 0:
        return [np.zeros(a.shape)]
    mag = np.abs(a)
    bits = 8 * width
    nbytes = width * max(1, (int(mag.max()).bit_length() + bits - 1) // bits)
    buf = b"".join(int(v).to_bytes(nbytes, "little") for v in mag.flat)
    raw = np.frombuffer(buf, dtype=np.uint8).reshape(a.shape + (nbytes // width, width))
    v = raw[..., 0].astype(np.uint32) | (raw[..., 1].astype(np.uint32) << 8)
    if width == 3:
        v |= raw[..., 2].astype(np.uint32) << 16
    d = v.astype(np.float64)  # one float64 a limb (not a byte)
    d[a < 0] *= -1.0
    return list(np.ascontiguousarray(np.moveaxis(d, -1, 0)))


def _exact_dot(x: IntArray, y: IntArray, y_limbs: list[np.ndarray] | None = None) -> IntArray:
    """``x.dot(y)`` for arrays of Python ints, exactly (:func:`_dot_sums`, :func:`_from_digits`)."""
    acc = _dot_sums(x, y, y_limbs)
    return np.asarray(x.dot(y), dtype=object) if acc is None else _from_digits(acc)


#: Limb widths of :func:`_dot_sums`, in bytes: 16-bit limbs of the left operand, 24-bit limbs of
#: the right one (the weights: float32 mantissas over a layer's common denominator, 2 limbs).
_X_LIMB, _Y_LIMB = 2, 3


def _dot_sums(x: IntArray, y: IntArray, y_limbs: list[np.ndarray] | None = None) -> list[np.ndarray] | None:
    """``x.dot(y) = Σ_t S_t 2^(16 t)`` with int64 arrays ``S_t`` (``|S_t| < 2^62``), through
    float64 matrix products of limbs (16-bit ones of ``x``, 24-bit ones of ``y``); None when the
    limbs do not apply (then use ``x.dot(y)`` on Python ints). ``y_limbs``: ``y``'s 24-bit limbs
    when already known.

    With ``n`` terms per sum, each limb product's entries are sums of ``n`` integers below
    ``2^40`` in magnitude; ``n 2^40 <= 2^53`` makes every partial sum an integer float64
    represents exactly, whatever the order of summation (or FMA) the matrix product uses. Limb
    ``i`` of ``x`` times limb ``j`` of ``y`` sits at ``2^(8 s)``, ``s = 2 i + 3 j``; the products are
    added in int64 per ``t = ⌊s / 2⌋``, an odd ``s`` times ``2^8``, which stays below ``2^62`` when
    ``n (c_even + 2^8 c_odd) < 2^22`` for the counts ``c`` of products per ``t`` (checked)."""
    n = int(x.shape[-1])
    if x.size == 0 or y.size == 0 or n == 0 or n * 2**40 > 2**53:
        return None
    yl = _limbs(y, _Y_LIMB) if y_limbs is None else y_limbs
    xl = _limbs(x, _X_LIMB)
    T = (2 * (len(xl) - 1) + 3 * (len(yl) - 1)) // 2 + 1
    weight = [0] * T
    for i in range(len(xl)):
        for j in range(len(yl)):
            s = 2 * i + 3 * j
            weight[s // 2] += 256 if s % 2 else 1
    if n * max(weight) >= 2**22:
        return None
    acc: dict[int, np.ndarray] = {}
    for i, xi in enumerate(xl):
        for j, yj in enumerate(yl):
            s = 2 * i + 3 * j
            p = np.matmul(xi, yj).astype(np.int64)
            if s % 2:
                p = p << 8
            acc[s // 2] = p if s // 2 not in acc else acc[s // 2] + p
    zero = np.zeros_like(next(iter(acc.values())))
    return [acc.get(t, zero) for t in range(T)]


def _carry(acc: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``Σ_t acc[t] · 2^(16 t)`` (int64 arrays, ``|acc[t]| < 2^62``) as base-``2^16`` digits
    ``[..., T]`` (each in ``[0, 2^16)``) and a final carry of 0 or -1: the value is
    ``Σ_t digit_t 2^(16 t) + carry · 2^(16 T)``. Carries are propagated in int64; four more
    digits than terms take the carry out (``|carry| < 2^47`` after the last term, below 1 four
    digits on)."""
    shape = acc[0].shape
    T = len(acc) + 4
    digits = np.empty(shape + (T,), dtype="<u2")
    carry = np.zeros(shape, dtype=np.int64)
    for t in range(T):
        d = carry + acc[t] if t < len(acc) else carry
        digits[..., t] = d & 0xFFFF
        carry = d >> 16  # floor: the digit is the non-negative remainder
    if not np.all((carry == 0) | (carry == -1)):
        raise AssertionError("exact dot: carry out of range")  # cannot happen under the bounds above
    return digits, carry


def _from_digits(acc: list[np.ndarray]) -> IntArray:
    """``Σ_t acc[t] · 2^(16 t)`` as Python ints: each entry's digits (:func:`_carry`) read as one
    little-endian integer, minus ``2^(16 T)`` where the carry is -1."""
    digits, carry = _carry(acc)
    shape, T = carry.shape, digits.shape[-1]
    buf = digits.tobytes()
    w = 2 * T
    flat = np.empty(int(np.prod(shape, dtype=np.int64)), dtype=object)
    flat[:] = [int.from_bytes(buf[i * w : (i + 1) * w], "little") for i in range(flat.size)]
    neg = carry.reshape(-1) < 0
    if neg.any():
        flat[neg] = flat[neg] - (1 << (16 * T))
    return flat.reshape(shape)


def _concretize_product(
    lam: IntArray, A: IntArray, const: IntArray, den: int, box: _Box, A_limbs: list[np.ndarray] | None = None
) -> list[Fraction]:
    """:func:`_concretize` of ``lam · A`` (``[R, m] x [m, n]``) without forming the product as
    Python ints: with ``P = lam · A`` as digits (:func:`_carry`), ``Σ_j P_j sel_j = Σ_j P_j hi_j
    + Σ_{j: P_j > 0} P_j (lo_j - hi_j)``; the first is ``lam · (A · hi)``, the second a float64
    product of the positive entries' digits with 16-bit limbs of ``lo - hi`` (exact while the
    ``n`` inputs satisfy ``n (2^16 - 1)^2 <= 2^53``, else the Python-int product is formed), added
    in int64 per shift."""
    acc = None if lam.shape[0] == 0 or A.shape[1] * (2**16 - 1) ** 2 > 2**53 else _dot_sums(lam, A, A_limbs)
    if acc is None:
        return _concretize(np.asarray(lam.dot(A), dtype=object), const, den, box)
    digits, carry = _carry(acc)  # [R, n, T], [R, n]
    pos = (carry == 0) & digits.any(axis=-1)
    AT_limbs = None if A_limbs is None else [x.T for x in A_limbs]
    base = _exact_dot(lam, _exact_dot(box.hi[None, :], A.T, AT_limbs)[0])  # [R]: lam · (A · hi)
    wl = _limbs(box.lo - box.hi)  # [n] each, 16-bit like the digits
    dm = np.where(pos[..., None], digits, 0).astype(np.float64)  # [R, n, T]
    T = dm.shape[-1]
    sums: dict[int, np.ndarray] = {}
    for u, w in enumerate(wl):
        x = np.einsum("rjt,j->rt", dm, w).astype(np.int64)  # n terms below 2^32, n 2^32 <= 2^53: exact
        for t in range(T):
            sums[t + u] = x[:, t] if t + u not in sums else sums[t + u] + x[:, t]
    extra = _from_digits([sums[s] for s in range(T + len(wl) - 1)])
    nums = base + extra + const * box.den
    d = den * box.den
    return [Fraction(int(v), d) for v in nums]


#: Fraction bits a backward pass keeps after each relu (:func:`_round_down`).
ROUND_BITS = 96


def _round_down(lam: IntArray, const: IntArray, den: int, ln: IntArray, ld: int) -> tuple[IntArray, IntArray, int]:
    """``(lam · z + const) / den`` with ``z >= ln / ld`` (a relu's verified input bounds, of the
    columns of ``lam``) as a lower bound over the denominator ``2^ROUND_BITS``, when ``den >=
    2^(ROUND_BITS + 64)`` (else unchanged): ``lam`` is rounded down, ``lam = lam' + e`` with ``0 <=
    e < 2^-ROUND_BITS``, and ``e · z >= -e · max(0, -l) >= -2^-ROUND_BITS max(0, -l)`` per neuron,
    which the constant (rounded down too) pays. Lower by less than ``2^-ROUND_BITS (Σ max(0, -l) +
    Σ max(0, z) + 2)``. Without it the numerators grow by every layer's denominators (and the
    slopes' own, up to ``2^1074`` for a tiny float64 slope)."""
    if den.bit_length() <= ROUND_BITS + 64:
        return lam, const, den
    neg = int(np.where(ln < 0, -ln, 0).sum()) if ln.size else 0
    pay = -((-neg) // ld)  # ceil(Σ max(0, -l))
    if den & (den - 1) == 0:  # a power of two: a shift
        s = den.bit_length() - 1 - ROUND_BITS
        return lam >> s, (const >> s) - pay, 1 << ROUND_BITS
    return (lam << ROUND_BITS) // den, (const << ROUND_BITS) // den - pay, 1 << ROUND_BITS


#: The derived bound of a row :func:`_derive` was not asked for (below every float claim).
_NEG = Fraction(-(2**1100))


def _rows_of(alphas: list[tuple[IntArray, int] | None], rows: list[int]) -> list[tuple[IntArray, int] | None]:
    """Per-row slopes (``[rows, n_j]`` numerators) restricted to ``rows``."""
    return [None if a is None else (a[0][rows], a[1]) for a in alphas]


def _lower_bounds(
    layers: list[Layer],
    k: int,
    lam: IntArray,
    const: IntArray,
    den: int,
    region: _Box,
    bounds: list[_Relu],
    alphas: list[tuple[IntArray, int] | None] | None,
    betas: list[tuple[IntArray, int] | None] | None = None,
) -> list[Fraction]:
    """Lower bounds of ``(lam · h_{k-1} + const)/den`` rows: the better of IBP and CROWN.

    ``betas[j]``, when given, is ``(G, g)``: the rows' extra coefficients ``G / g`` on ``z_j``
    (the β terms of split constraints, already signed), added right after relu ``j``'s pass.
    """
    box = region if k == 0 else _relu_box(bounds[k - 1])
    ibp = _concretize(lam, const, den, box)
    crown = ibp
    if k > 0:
        j = k - 1
        while True:
            a = alphas[j] if alphas is not None else None
            lam, const, den, inactive = _relu_pass(lam, const, den, bounds[j], a)
            bt = betas[j] if betas is not None else None
            if bt is not None:
                G, g = bt
                e = math.lcm(den, g)
                lam, const, den = lam * (e // den) + G * (e // g), const * (e // den), e
                inactive = inactive & ~np.any(G != 0, axis=0)
            live = np.flatnonzero(~inactive)  # inactive neurons contribute nothing further back
            lam = lam[:, live]
            lam, const, den = _round_down(lam, const, den, bounds[j].lower[0][live], bounds[j].lower[1])
            L = layers[j]
            const = const * L.D + _exact_dot(lam, L.b[live])
            if j == 0:  # the input layer: concretised over the region straight from the digits
                crown = _concretize_product(lam, L.A[live], const, den * L.D, region, L.limbs(live))
                break
            lam = _exact_dot(lam, L.A[live], L.limbs(live))
            den = den * L.D
            j -= 1
    return [max(p, q) for p, q in zip(ibp, crown, strict=True)]


# --------------------------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------------------------


def _frac_list(nums: IntArray, den: int) -> list[Fraction]:
    return [Fraction(int(v), den) for v in nums]


@dataclass(frozen=True)
class PathState:
    """What the path from a box's root to a node establishes: the region and the split constraints.

    ``lower``/``upper``: the path region (exact rationals; the spec box narrowed by the input
    splits above). ``splits``: the relu-split constraints root to leaf, ``(k, i, sigma)`` meaning
    ``sigma · z_k[i] >= 0`` for the ``k``-th relu's input (``sigma`` +1 active, -1 inactive).
    """

    lower: tuple[Fraction, ...]
    upper: tuple[Fraction, ...]
    splits: tuple[tuple[int, int, int], ...] = ()
    #: per relu layer, bounds ``(lower, upper)`` of its input verified at an ancestor split node
    #: (``bounds``) and so valid on this node's set; empty: none
    inherited: tuple[tuple[tuple[Fraction, ...], tuple[Fraction, ...]] | None, ...] = ()
    #: per relu layer ``k``, the intermediate slopes (``alpha_for``, decoded as
    #: :func:`_intermediate_alphas` returns them) of the nearest ancestor node bounds that carry
    #: any: used for an owner whose own relus carry none; empty: none
    slopes: tuple[Any, ...] = ()


def _phases(path: PathState, layers: list[Layer]) -> list[np.ndarray]:
    """Per relu layer, each neuron's phase on the path: 0 free, +1 active, -1 inactive (wins)."""
    ph = [np.zeros(L.A.shape[0], dtype=np.int8) for L in layers[:-1]]
    for k, i, sigma in path.splits:
        if ph[k][i] >= 0:
            ph[k][i] = sigma
    return ph


def _path_region(reg: Any, where: str, n_in: int, path: PathState) -> _Box:
    """The decoded ``region`` of a leaf or node bounds, checked to contain the path region."""
    lo, lo_d = decode_f64(reg.lower, f"{where}.region.lower", [n_in])
    hi, hi_d = decode_f64(reg.upper, f"{where}.region.upper", [n_in])
    d = math.lcm(lo_d, hi_d)
    region = _Box(lo * (d // lo_d), hi * (d // hi_d), d)
    for i in range(n_in):
        if region.lo[i] > region.hi[i]:
            raise Rejected(f"{where}.region", f"input {i}: lower > upper")
        if Fraction(int(region.lo[i]), d) > path.lower[i]:
            raise Rejected(f"{where}.region.lower[{i}]", "the region does not contain the path region (lower too high)")
        if Fraction(int(region.hi[i]), d) < path.upper[i]:
            raise Rejected(f"{where}.region.upper[{i}]", "the region does not contain the path region (upper too low)")
    return region


def _known(path: PathState, k: int, n: int) -> tuple[list[Fraction], list[Fraction]] | None:
    """Bounds of relu ``k``'s input already established on the path: inherited ∩ split constraints.

    None when the path has neither for layer ``k``. Unbounded sides are ``None`` entries.
    """
    inh = path.inherited[k] if k < len(path.inherited) else None
    cons = [(i, sigma) for kk, i, sigma in path.splits if kk == k]
    if inh is None and not cons:
        return None
    lo: list[Fraction | None] = list(inh[0]) if inh is not None else [None] * n
    up: list[Fraction | None] = list(inh[1]) if inh is not None else [None] * n
    zero = Fraction(0)
    for i, sigma in cons:
        if sigma > 0:
            a = lo[i]
            lo[i] = zero if a is None or a < zero else a
        else:
            b = up[i]
            up[i] = zero if b is None or b > zero else b
    return lo, up  # type: ignore[return-value]


def _check_relus(
    owner: Any, where: str, layers: list[Layer], region: _Box, path: PathState, memo: dict[Any, Any] | None
) -> tuple[list[_Relu], bool]:
    """Verifies ``owner.relus`` (a leaf's or a split node's bounds) under the path.

    Per relu ``k``: the claims must be implied by the path's established bounds (inherited from
    ancestors' node bounds, and the split constraints) or by those combined with the bounds the
    checker derives (standard rule ∨ ``alpha_for`` slopes ∨ IBP, through the earlier relus'
    verified claims). Returns the verified bounds and whether they show the set is empty.
    """
    relus = [L.relu for L in layers[:-1]]
    if [r.node for r in owner.relus] != relus:
        raise Rejected(f"{where}.relus", f"relu nodes {[r.node for r in owner.relus]} but the model has {relus}")
    phases = _phases(path, layers)
    bounds: list[_Relu] = []
    for k, entry in enumerate(owner.relus):
        L = layers[k]
        n = L.A.shape[0]
        w = f"{where}.relus[{k}]"
        lower = decode_f64(entry.lower, f"{w}.lower", [n])
        upper = decode_f64(entry.upper, f"{w}.upper", [n])
        cls, cus = _frac_list(*lower), _frac_list(*upper)
        known = _known(path, k, n)
        if known is not None and all(
            kl is not None and cl <= kl for cl, kl in zip(cls, known[0], strict=True)
        ) and all(ku is not None and cu >= ku for cu, ku in zip(cus, known[1], strict=True)):
            pass  # every claim is implied by what the path already established
        else:
            need = [i for i, c in enumerate(cls) if known is None or known[0][i] is None or c > known[0][i]]
            need += [n + i for i, c in enumerate(cus) if known is None or known[1][i] is None or c < known[1][i]]
            best = _derive(owner, where, k, layers, region, bounds, path, phases, memo, lower, upper, need)
            if known is not None:
                for i in range(n):
                    kl, ku = known[0][i], known[1][i]
                    if kl is not None and kl > best[i]:
                        best[i] = kl
                    if ku is not None and -ku > best[n + i]:
                        best[n + i] = -ku
            for i, (cl, cu) in enumerate(zip(cls, cus, strict=True)):
                if cl > best[i]:
                    raise Rejected(f"{w}.lower[{i}]", f"claimed {float(cl)!r} but only {float(best[i])!r} is provable")
                if cu < -best[n + i]:
                    raise Rejected(
                        f"{w}.upper[{i}]", f"claimed {float(cu)!r} but only {float(-best[n + i])!r} is provable"
                    )
        bounds.append(_Relu(lower, upper, phases[k]))
        if any(cl > cu for cl, cu in zip(cls, cus, strict=True)):
            return bounds, True  # verified lower > verified upper: no input reaches this set
    return bounds, False


def _derive(
    owner: Any, where: str, k: int, layers: list[Layer], region: _Box, bounds: list[_Relu], path: PathState,
    phases: list[np.ndarray], memo: dict[Any, Any] | None, lower: tuple[IntArray, int], upper: tuple[IntArray, int],
    need: list[int],
) -> list[Fraction]:
    """The checker's lower bounds of ``[z_k; -z_k]`` on the path's set (before inherited bounds).

    Only the rows ``need`` are derived (the claims the path's known bounds do not imply); the
    others get :data:`_NEG`, below every claim, and the caller's known bounds decide them.
    """
    L = layers[k]
    n = L.A.shape[0]
    ialphas = _intermediate_alphas(owner, where, k, layers)
    if ialphas is None and k < len(path.slopes):
        ialphas = path.slopes[k]  # the nearest ancestor node bounds' alpha_for
    best: list[Fraction] = [_NEG] * (2 * n)
    if not need:
        return best
    lam = np.concatenate([L.A, -L.A])[need]
    const = np.concatenate([L.b, -L.b])[need]
    key = (k, tuple(need), owner.region.lower.data, owner.region.upper.data) + tuple(
        (e.lower.data, e.upper.data, phases[j].tobytes()) for j, e in enumerate(owner.relus[:k])
    )
    if ialphas is not None:
        # the certificate's slopes for these bounds (alpha_for), and the standard rule only for
        # the rows they do not verify: accepts exactly when the better of the two (and IBP) does
        inherited = k < len(path.slopes) and ialphas is path.slopes[k]
        akey = ("alpha_for",) + key
        hit = memo.get(akey) if inherited and memo is not None else None
        if hit is not None and hit[0] is ialphas:  # the same inherited slopes (not just equal keys)
            sub = list(hit[1])
        else:
            sub = _lower_bounds(layers, k, lam, const, L.D, region, bounds, _rows_of(ialphas, need))
            if inherited and memo is not None:
                if len(memo) >= MEMO_SIZE:
                    memo.pop(next(iter(memo)))
                memo[akey] = (ialphas, tuple(sub))  # keeps the slopes alive: their id is not reused
        claims = _frac_list(*lower) + [-v for v in _frac_list(*upper)]
        redo = [r for r, (i, v) in enumerate(zip(need, sub, strict=True)) if claims[i] > v]
        if redo:
            std = _lower_bounds(layers, k, lam[redo], const[redo], L.D, region, bounds, None)
            for r, v in zip(redo, std, strict=True):
                sub[r] = max(sub[r], v)
    elif memo is not None and key in memo:
        sub = list(memo[key])
    else:
        sub = _lower_bounds(layers, k, lam, const, L.D, region, bounds, None)
        if memo is not None:
            if len(memo) >= MEMO_SIZE:
                memo.pop(next(iter(memo)))  # the oldest entry
            memo[key] = tuple(sub)
    for i, v in zip(need, sub, strict=True):
        best[i] = v
    for kk, i, sigma in path.splits:
        if kk != k:
            continue
        if sigma > 0:  # z_k[i] >= 0 on the path's set: lower bound max(., 0)
            best[i] = max(best[i], Fraction(0))
        else:  # z_k[i] <= 0: upper bound min(., 0), i.e. the negated row's lower max(., 0)
            best[n + i] = max(best[n + i], Fraction(0))
    return best


def check_leaf(
    leaf: Any,
    where: str,
    layers: list[Layer],
    n_in: int,
    polys: Any,
    path: PathState,
    memo: dict[Any, Any] | None = None,
) -> tuple[int, bool]:
    """Checks one bounds leaf under its path; returns (relu layers checked, the leaf's set is empty).

    ``memo`` (optional) remembers the derived bounds of relu ``k``'s input by everything they are
    a function of: ``k``, the region's bits and, for every earlier relu, its claimed bounds' bits
    and phases. Leaves of relu-split trees share a region and often their first layers' claims,
    so they derive those once. It only saves work: a hit returns the same numbers.
    """
    region = _path_region(leaf.region, where, n_in, path)
    bounds, empty = _check_relus(leaf, where, layers, region, path, memo)
    if empty:
        return len(bounds), True
    # the final pass: every spec row of the box, polytopes concatenated
    if len(leaf.polytopes) != len(polys):
        raise Rejected(f"{where}.polytopes", f"{len(leaf.polytopes)} entries for {len(polys)} polytopes")
    for j, p in enumerate(polys):
        if p.rows == 0:
            raise Rejected(f"{where}.polytopes[{j}]", "a polytope without rows (all outputs) cannot be refuted")
    rows = [(row, bb) for p in polys for row, bb in zip(p.A, p.b, strict=True)]
    R = len(rows)
    if R == 0:
        return len(bounds), False  # a box without violation polytopes: nothing to refute
    last = layers[-1]
    alphas = _final_alphas(leaf, where, R, layers)
    betas = _final_betas(leaf, where, R, layers, path)
    cd = math.lcm(*[q.denominator for row, bb in rows for q in (*row, bb)])
    C = np.array([[int(q * cd) for q in row] for row, _ in rows], dtype=object)
    cb = np.array([int(-bb * cd) for _, bb in rows], dtype=object)
    lam = C.dot(last.A)
    const = C.dot(last.b) + cb * last.D
    best = _lower_bounds(layers, len(layers) - 1, lam, const, cd * last.D, region, bounds, alphas, betas)
    r0 = 0
    for j, (p, entry) in enumerate(zip(polys, leaf.polytopes, strict=True)):
        claimed = _frac_list(*decode_f64(entry.lower, f"{where}.polytopes[{j}].lower", [p.rows]))
        for r, cl in enumerate(claimed):
            if cl > best[r0 + r]:
                raise Rejected(
                    f"{where}.polytopes[{j}].lower[{r}]",
                    f"claimed {float(cl)!r} but only {float(best[r0 + r])!r} is provable",
                )
        if not any(cl > 0 for cl in claimed):
            raise Rejected(f"{where}.polytopes[{j}]", "no row with a positive lower bound: the polytope is not refuted")
        r0 += p.rows
    return len(bounds), False


def _final_betas(
    leaf: Any, where: str, R: int, layers: list[Layer], path: PathState
) -> list[tuple[IntArray, int] | None] | None:
    """Per relu layer ``k``, the β terms' coefficients on ``z_k`` for every spec row (None: none).

    Path constraint ``j = (k, i, sigma)`` with multiplier ``beta[r, j] >= 0`` adds
    ``-beta[r, j] · sigma`` to row ``r``'s coefficient of ``z_k[i]``: the pass then bounds
    ``(A y - b)_r - Σ_j beta[r, j] · sigma_j · z_{k_j}[i_j]``, which is ``<= (A y - b)_r`` wherever
    the path's constraints hold.
    """
    if leaf.beta is None:
        return None
    S = len(path.splits)
    w = f"{where}.beta"
    bn, bd = decode_f64(leaf.beta, w, [R, S])
    for idx, v in enumerate(bn):
        if v < 0:
            raise Rejected(f"{w}[{idx // S}, {idx % S}]", "multiplier < 0")
    bn = bn.reshape(R, S)
    out: list[tuple[IntArray, int] | None] = [None] * (len(layers) - 1)
    for j, (k, i, sigma) in enumerate(path.splits):
        if out[k] is None:
            G = np.empty((R, layers[k].A.shape[0]), dtype=object)
            G[:] = 0
            out[k] = (G, bd)
        G = out[k][0]  # type: ignore[index]
        G[:, i] = G[:, i] - sigma * bn[:, j]
    return out


def _final_alphas(leaf: Any, where: str, R: int, layers: list[Layer]) -> list[tuple[IntArray, int] | None]:
    """The α slopes of each relu for the final pass (None: the standard rule), checked in [0, 1]."""
    out: list[tuple[IntArray, int] | None] = []
    for k, entry in enumerate(leaf.relus):
        if entry.alpha is None:
            out.append(None)
            continue
        n = layers[k].A.shape[0]
        w = f"{where}.relus[{k}].alpha"
        if list(entry.alpha.shape) not in ([n], [R, n]):
            raise Rejected(w, f"shape {entry.alpha.shape} but [{n}] or [{R}, {n}] expected")
        an, ad = decode_f64(entry.alpha, w)
        for i, v in enumerate(an):
            if v < 0 or v > ad:
                raise Rejected(f"{w}[{i}]", "slope outside [0, 1]")
        out.append((an.reshape(entry.alpha.shape), ad))
    return out


def _intermediate_alphas(
    leaf: Any, where: str, k: int, layers: list[Layer]
) -> list[tuple[IntArray, int] | None] | None:
    """The slopes of relus ``0..k-1`` for bounding relu ``k``'s input (their ``alpha_for``), checked.

    ``relus[j].alpha_for[node_k]`` has shape ``[2 n_k, n_j]``: rows ``0..n_k-1`` are the lower-line
    slopes for the lower bounds of ``z_k``, rows ``n_k..2n_k-1`` for the lower bounds of ``-z_k``
    (the upper bounds), values in ``[0, 1]``. Returns, per relu ``j < k``, ``(num [2 n_k, n_j], den)``
    or None (the standard rule); None when no slopes are given for relu ``k``. At ``k = 0`` every
    ``alpha_for`` key is checked to name a later relu node.
    """
    if k == 0:
        later = {L.relu: m for m, L in enumerate(layers[:-1])}
        for j, e in enumerate(leaf.relus):
            for node in e.alpha_for or {}:
                if later.get(node, -1) <= j:
                    raise Rejected(f"{where}.relus[{j}].alpha_for.{node}", f"node {node} is not a later relu node")
    node_k, n = layers[k].relu, layers[k].A.shape[0]
    out: list[tuple[IntArray, int] | None] = []
    for j, e in enumerate(leaf.relus[:k]):
        arr = (e.alpha_for or {}).get(node_k)
        if arr is None:
            out.append(None)
            continue
        m = layers[j].A.shape[0]
        w = f"{where}.relus[{j}].alpha_for.{node_k}"
        an, ad = decode_f64(arr, w, [2 * n, m])
        bad = np.flatnonzero((an < 0) | (an > ad))
        if bad.size:
            raise Rejected(f"{w}[{int(bad[0]) // m}, {int(bad[0]) % m}]", "slope outside [0, 1]")
        out.append((an.reshape(2 * n, m), ad))
    return None if all(o is None for o in out) else out


_KINDS = ("bounds", "input-split", "relu-split")


def _node_bounds(
    nb: Any, where: str, layers: list[Layer], n_in: int, path: PathState, memo: dict[Any, Any] | None
) -> PathState:
    """Checks a split node's ``bounds``; returns the path state its subtree inherits them in."""
    for j, e in enumerate(nb.relus):
        if e.alpha is not None:
            raise Rejected(f"{where}.relus[{j}].alpha", "final-pass slopes belong to leaves, not to node bounds")
    region = _path_region(nb.region, where, n_in, path)
    _check_relus(nb, where, layers, region, path, memo)
    inh: list[tuple[tuple[Fraction, ...], tuple[Fraction, ...]] | None] = []
    for k, e in enumerate(nb.relus):
        n = layers[k].A.shape[0]
        lo = _frac_list(*decode_f64(e.lower, f"{where}.relus[{k}].lower", [n]))
        up = _frac_list(*decode_f64(e.upper, f"{where}.relus[{k}].upper", [n]))
        old = path.inherited[k] if k < len(path.inherited) else None
        if old is not None:
            lo = [max(a, b) for a, b in zip(lo, old[0], strict=True)]
            up = [min(a, b) for a, b in zip(up, old[1], strict=True)]
        inh.append((tuple(lo), tuple(up)))
    slopes = path.slopes
    if any(e.alpha_for for e in nb.relus):
        slopes = tuple(_intermediate_alphas(nb, where, k, layers) for k in range(len(nb.relus)))
    return PathState(path.lower, path.upper, path.splits, tuple(inh), slopes)


def check_proof(
    proof: Any, where: str, layers: list[Layer], n_in: int, spec_box: Any, res: CheckResult, jobs: int = 1,
    tick: Callable[[], None] | None = None,
) -> None:
    """Checks one box's proof tree, depth first, children in order; the first failure rejects.

    Input split ``(dim d, value v)``: ``v`` within the path region's ``[lower[d], upper[d]]``;
    children [LOW, HIGH] get ``upper[d] := v`` / ``lower[d] := v`` (the two closed boxes cover the
    parent). Relu split ``(node, index i)``: children [INACTIVE, ACTIVE] get the constraint
    ``z[i] <= 0`` / ``z[i] >= 0`` (every input satisfies one). Leaves: :func:`check_leaf`.
    ``jobs > 1``: subtrees are checked in that many processes (:func:`_check_parallel`), with the
    same verdict and the same first failure. ``tick``: called as leaves are checked (progress).
    """
    if jobs > 1 and "fork" in mp.get_all_start_methods():
        _check_parallel(proof, where, layers, n_in, spec_box, res, jobs, tick)
        return
    _walk(proof, where, PathState(tuple(spec_box.lower), tuple(spec_box.upper)), layers, n_in, spec_box, res,
          tick)


def _walk(
    node: Any, where: str, path: PathState, layers: list[Layer], n_in: int, spec_box: Any, res: CheckResult,
    tick: Callable[[], None] | None = None,
) -> None:
    """Checks the subtree at ``node`` depth first, children in order (:func:`_visit` per node)."""
    stack = [(node, where, path)]
    memo: dict[Any, Any] = {}
    while stack:
        nd, w, p = stack.pop()
        kids = _visit(nd, w, p, layers, n_in, spec_box, res, memo)
        if not kids and tick is not None:
            tick()
        for c in (1, 0):
            if kids:
                stack.append((nd.children[c], f"{w}.children[{c}]", kids[c]))


def _visit(
    node: Any, w: str, path: PathState, layers: list[Layer], n_in: int, spec_box: Any, res: CheckResult,
    memo: dict[Any, Any],
) -> list[PathState]:
    """Checks one node of a proof tree (a leaf, or a split's own bounds and constraint); returns
    the children's path states (none for a leaf)."""
    if node.kind == "bounds":
        n, empty = check_leaf(node, w, layers, n_in, spec_box.polytopes, path, memo)
        res.relus_checked += n
        res.leaves += 1
        res.empty_leaves += empty
        return []
    if node.kind not in _KINDS:
        raise Rejected(f"{w}.kind", f"unsupported proof node {node.kind!r}")
    if len(node.children) != 2:
        raise Rejected(f"{w}.children", f"{len(node.children)} children; a split has exactly 2")
    if node.bounds is not None:
        path = _node_bounds(node.bounds, f"{w}.bounds", layers, n_in, path, memo)
        res.relus_checked += len(layers) - 1
    if node.kind == "input-split":
        d = node.dim
        if d >= n_in:
            raise Rejected(f"{w}.dim", f"input {d} but the model has {n_in} inputs")
        vn, vd = decode_f64(node.value, f"{w}.value", [1])
        v = Fraction(int(vn[0]), vd)
        if not path.lower[d] <= v <= path.upper[d]:
            raise Rejected(f"{w}.value", f"{float(v)!r} is outside the path region's bounds of input {d}")
        up = path.upper[:d] + (v,) + path.upper[d + 1 :]
        lo = path.lower[:d] + (v,) + path.lower[d + 1 :]
        return [PathState(path.lower, up, path.splits, path.inherited, path.slopes),
                PathState(lo, path.upper, path.splits, path.inherited, path.slopes)]
    k = {L.relu: k for k, L in enumerate(layers[:-1])}.get(node.node)
    if k is None:
        raise Rejected(f"{w}.node", f"node {node.node} is not a relu node of the model")
    if node.index >= layers[k].A.shape[0]:
        raise Rejected(f"{w}.index", f"neuron {node.index} but relu node {node.node} has {layers[k].A.shape[0]}")
    return [
        PathState(path.lower, path.upper, path.splits + ((k, node.index, sigma),), path.inherited, path.slopes)
        for sigma in (-1, 1)
    ]


#: What a worker of :func:`_check_parallel` checks (set before the processes fork).
_SHARED: dict[str, Any] = {}


def _leaf_counts(proof: Any) -> dict[int, int]:
    """Leaves under every node of a proof tree, by the node's ``id``."""
    out: dict[int, int] = {}
    stack = [(proof, False)]
    while stack:
        node, done = stack.pop()
        kids = node.children if node.kind in ("input-split", "relu-split") and len(node.children) == 2 else []
        if not kids:
            out[id(node)] = 1
        elif done:
            out[id(node)] = out[id(kids[0])] + out[id(kids[1])]
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in kids)
    return out


def _subtree_task(task: tuple[tuple[int, ...], str, PathState]) -> tuple[tuple[int, ...], tuple[int, int, int], Any]:
    """A worker: checks the subtree at child indices ``key`` (depth first, as :func:`check_proof`);
    returns the counts and the first failure (``(field, message)``) or None."""
    key, w, path = task
    node = _SHARED["proof"]
    for c in key:
        node = node.children[c]
    res = CheckResult(False)
    try:
        _walk(node, w, path, _SHARED["layers"], _SHARED["n_in"], _SHARED["box"], res)
    except Rejected as r:
        return key, (0, 0, 0), (r.field, r.message)
    return key, (res.relus_checked, res.leaves, res.empty_leaves), None


def _check_parallel(
    proof: Any, where: str, layers: list[Layer], n_in: int, spec_box: Any, res: CheckResult, jobs: int,
    tick: Callable[[], None] | None = None,
) -> None:
    """:func:`check_proof` on ``jobs`` processes.

    This process checks the nodes above the subtrees it hands out, splitting the subtree with the
    most leaves until each holds at most a ``1 / (4 jobs)`` share (or ``16 jobs`` subtrees are
    out); the subtrees are checked in forked workers. Every failure is placed by its node's
    position in depth-first order (a node before its subtree, the inactive/low child's subtree
    before the other's), and the earliest one is raised: the failure a sequential check reports.
    """
    counts = _leaf_counts(proof)
    share = max(1, counts[id(proof)] // (4 * jobs))
    memo: dict[Any, Any] = {}
    pending: list[tuple[tuple[int, ...], Any, str, PathState]] = [
        ((), proof, where, PathState(tuple(spec_box.lower), tuple(spec_box.upper)))
    ]
    tasks: list[tuple[tuple[int, ...], str, PathState]] = []
    failure: tuple[tuple[int, ...], Rejected] | None = None
    while pending:
        pending.sort(key=lambda t: counts[id(t[1])])
        key, node, w, path = pending.pop()  # the subtree with the most leaves
        if counts[id(node)] <= share or len(pending) + len(tasks) >= 16 * jobs:
            tasks.append((key, w, path))
            continue
        try:
            kids = _visit(node, w, path, layers, n_in, spec_box, res, memo)
        except Rejected as r:
            failure = (key, r)
            break
        if not kids and tick is not None:
            tick()
        for c in (0, 1):
            if kids:
                pending.append((key + (c,), node.children[c], f"{w}.children[{c}]", kids[c]))
    tasks += [(key, w, path) for key, _, w, path in pending]
    if failure is not None:  # the subtrees before the failing node in depth-first order still count
        tasks = [t for t in tasks if t[0] < failure[0]]
    tasks.sort(key=lambda t: t[0])
    _SHARED.update(proof=proof, layers=layers, n_in=n_in, box=spec_box)
    pool: ProcessPoolExecutor | None = None
    try:
        if len(tasks) <= 1:  # nothing to share out (a single leaf, say): no processes
            results: Any = map(_subtree_task, tasks)
        else:  # an executor (not multiprocessing.Pool): a worker that dies raises here, never hangs
            pool = ProcessPoolExecutor(min(jobs, len(tasks)), mp_context=mp.get_context("fork"))
            results = pool.map(_subtree_task, tasks)
        for _key, (n, leaves, empty), bad in results:
            if bad is not None:
                raise Rejected(*bad)
            res.relus_checked += n
            res.leaves += leaves
            res.empty_leaves += empty
            if tick is not None:
                for _ in range(leaves):
                    tick()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        _SHARED.clear()
    if failure is not None:
        raise failure[1]


def check_certificate(
    model: str | os.PathLike[str], spec_path: str | os.PathLike[str], cert_path: str | os.PathLike[str],
    jobs: int = 1,
    on_leaves: Callable[[int, int], None] | None = None,
) -> CheckResult:
    """Checks CERT for (MODEL, SPEC); a rejection is a result, unreadable files raise TleanError.
    ``jobs``: processes checking the subtrees of a split tree (the verdict does not depend on it);
    ``on_leaves(done, total)``: called as leaves are checked (progress)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _check_certificate(model, spec_path, cert_path, jobs, on_leaves)


def _check_certificate(
    model: str | os.PathLike[str], spec_path: str | os.PathLike[str], cert_path: str | os.PathLike[str],
    jobs: int, on_leaves: Callable[[int, int], None] | None,
) -> CheckResult:
    """:func:`check_certificate` with BLAS on one thread: the exact passes' matrix products are
    small (e.g. [512, 46] x [46, 784]) and, beside any other load, threads made a 256x4
    certificate's check about 2x slower, and 2 processes of 2 threads each slower still."""
    from tlean.onnx_import import import_model
    from tlean.verify.vnnlib import read_vnnlib

    t0 = time.perf_counter()
    raw = _read_cert_json(cert_path)
    spec: Spec = read_vnnlib(spec_path)
    try:
        model_sha = hashlib.sha256(Path(model).read_bytes()).hexdigest()
    except OSError as e:
        raise ModelLoadError(f"{model}: cannot read the model: {e.strerror or e}") from None
    res = CheckResult(False, model_sha256=model_sha, spec_sha256=spec.sha256)
    try:
        try:
            cert = Certificate.model_validate(raw)
        except ValidationError as e:
            err = e.errors()[0]
            tags = [x for x in err["loc"] if x not in _KINDS]  # drop the union's discriminator tags
            if err["type"] == "union_tag_invalid":
                tags.append("kind")
            msg = f"malformed: {err['msg']}"
            if err["type"] == "recursion_depth_exceeded":  # pydantic's nesting limit: 252 split levels
                tags, msg = tags[:3], "the split tree is nested too deeply for the reader (at most 252 levels)"
            loc = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in tags).lstrip(".")
            raise Rejected(loc or "<root>", msg) from None
        if cert.model.sha256 != model_sha:
            raise Rejected("model.sha256", "the certificate is for another model (SHA-256 differs)")
        if cert.spec.sha256 != spec.sha256:
            raise Rejected("spec.sha256", "the certificate is for another spec (SHA-256 differs)")
        imported = import_model(model)
        layers, n_in = network_layers(imported.graph, imported.params)
        n_out = layers[-1].A.shape[0]
        if spec.n_inputs != n_in or spec.n_outputs != n_out:
            raise Rejected(
                "spec", f"the spec has {spec.n_inputs}/{spec.n_outputs} inputs/outputs, the model {n_in}/{n_out}"
            )
        if [b.box for b in cert.boxes] != list(range(len(spec.boxes))):
            raise Rejected("boxes", f"boxes {[b.box for b in cert.boxes]} but the spec has {len(spec.boxes)} box(es)")
        tick = None
        if on_leaves is not None:
            total = sum(_leaf_counts(bp.proof)[id(bp.proof)] for bp in cert.boxes)
            done = [0]
            on_leaves(0, total)

            def tick() -> None:
                done[0] += 1
                on_leaves(done[0], total)

        for i, (bp, sbox) in enumerate(zip(cert.boxes, spec.boxes, strict=True)):
            check_proof(bp.proof, f"boxes[{i}].proof", layers, n_in, sbox, res, jobs, tick)
            res.polytopes += len(sbox.polytopes)
        res.boxes = len(spec.boxes)
        res.accepted = True
    except Rejected as r:
        res.field, res.message = r.field, r.message
    res.seconds = time.perf_counter() - t0
    return res


def _read_cert_json(path: str | os.PathLike[str]) -> Any:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise CertError(f"{p}: cannot read certificate: {e}") from None
    except json.JSONDecodeError as e:
        raise CertError(f"{p}: not JSON: {e}") from None
    except RecursionError:
        raise CertError(f"{p}: the JSON is nested too deeply to read") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        got = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise CertError(f"{p}: not a {FORMAT} document (format: {got!r})")
    return data
