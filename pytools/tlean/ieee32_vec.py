"""Vectorised twin of the bit-exact binary32 kernel, over NumPy ``uint32`` arrays.

Every function here computes, element by element, exactly what the function of the same name in
:mod:`tlean.ieee32` computes on one bit pattern (and hence what ``NN.Floats.IEEE32.<op>`` computes in
Lean): arguments are arrays (or anything :func:`numpy.asarray` accepts) of binary32 bit patterns,
broadcast against each other as NumPy does; results are ``uint32`` arrays (``bool`` arrays for the
comparisons). ``tests/test_ieee32_vec.py`` checks each function against the scalar twin, and
``tests/test_ieee32_oracles.py`` checks both against NumPy's hardware floats, SoftFloat and MPFR.

The arithmetic operations (``add``, ``sub``, ``mul``, ``div``, ``sqrt``, ``fma``) follow the kernel's
decode -> exact value -> round to nearest even -> encode pipeline with 64-bit integer arithmetic:

* a finite nonzero operand decodes to ``m * 2**e`` with ``m < 2**24``;
* each operation produces an integer ``M < 2**62``, an exponent ``E`` and a *sticky* flag, meaning
  that the exact result is ``M * 2**E`` (sticky clear) or lies strictly between ``M * 2**E`` and
  ``(M + 1) * 2**E`` (sticky set); whenever sticky is set, ``M`` has at least 26 significant bits,
  so at least two bits are discarded by the rounding and the exact result is never a rounding
  midpoint;
* :func:`_round_pack` rounds that to nearest even, with subnormals and overflow to infinity.

Rounding an interval ``(M, M + 1) * 2**E`` that contains no midpoint and no representable value
gives the same binary32 as rounding any point in it, so the result equals the correctly rounded
exact result, which is what the scalar twin computes. Where each operation's bound on ``M`` and its
sticky argument come from is written next to it. The elementary functions (``exp``, ``log``, …)
have no such argument here: they call the scalar twin element by element.

NaN results are the quiet NaN ``0x7FC00000`` (:data:`QNAN`), as in the kernel; ``neg`` and ``abs``
only flip or clear the sign bit, NaN included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "QNAN",
    "abs",
    "add",
    "ceil",
    "cos",
    "div",
    "eq",
    "erf",
    "exp",
    "floor",
    "fma",
    "from_float",
    "le",
    "log",
    "lt",
    "maximum",
    "minimum",
    "mul",
    "neg",
    "pow",
    "round",
    "sigmoid",
    "sin",
    "sqrt",
    "sub",
    "tanh",
    "to_float",
]

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

#: The quiet NaN every NaN result is (``IEEE32.qNaN`` in Lean).
QNAN = 0x7FC00000
_SIGN = np.uint32(0x80000000)
_MAG = np.uint32(0x7FFFFFFF)
_INF = np.uint32(0x7F800000)


def _u32(a: Any) -> U32:
    arr = np.asarray(a)
    if arr.dtype == np.uint32:
        return arr
    if arr.dtype.kind in "iu":
        return arr.astype(np.uint32)
    raise TypeError(f"expected an array of binary32 bit patterns (integers), got dtype {arr.dtype}")


def from_float(x: Any) -> U32:
    """The bit patterns of ``x`` rounded to binary32 (NumPy's conversion)."""
    return np.array(x, dtype=np.float32).view(np.uint32)


def to_float(bits: Any) -> npt.NDArray[np.float32]:
    """The binary32 values of the bit patterns ``bits``."""
    return np.array(_u32(bits)).view(np.float32)


# --------------------------------------------------------------------------- decoding


def _is_nan(a: U32) -> B:
    return (a & _MAG) > _INF


def _is_inf(a: U32) -> B:
    return (a & _MAG) == _INF


def _is_zero(a: U32) -> B:
    return (a & _MAG) == 0


def _neg_of(a: U32) -> B:
    return (a >> np.uint32(31)) == 1


def _decode(a: U32) -> tuple[U64, I64]:
    """``(m, e)`` with value ``m * 2**e`` for finite ``a`` (garbage, but in range, elsewhere)."""
    bexp = ((a >> np.uint32(23)) & np.uint32(0xFF)).astype(np.int64)
    frac = (a & np.uint32(0x7FFFFF)).astype(np.uint64)
    m = frac | np.where(bexp != 0, np.uint64(1 << 23), np.uint64(0))
    e = np.maximum(bexp, 1) - 150
    return m, e


def _bitlen(m: U64) -> I64:
    """Number of significant bits of each ``m`` (``m < 2**62``; 0 for 0)."""
    _, k = np.frexp(m.astype(np.float64))
    k = k.astype(np.int64)
    # float64 may round m up to the next power of two; correct that case.
    over = (k > 0) & ((m >> np.maximum(k - 1, 0).astype(np.uint64)) == 0)
    return k - over.astype(np.int64)


def _normalise24(m: U64, e: I64) -> tuple[U64, I64]:
    """The same value with ``2**23 <= m < 2**24`` (``m`` nonzero)."""
    sh = np.maximum(24 - _bitlen(m), 0)
    return m << sh.astype(np.uint64), e - sh


def _round_pack(neg: B, m: U64, e: I64, sticky: B) -> U32:
    """Round ``m * 2**e`` (plus a fraction of ``2**e`` if ``sticky``) to nearest even, and encode.

    Requires ``0 < m < 2**62`` and, where ``sticky``, at least 26 significant bits in ``m``. Results
    beyond the largest finite value become infinities; the sign is ``neg``.
    """
    bl = _bitlen(m)
    top = e + bl - 1  # the exponent of the leading bit
    normal = top >= -126
    shift = np.where(normal, bl - 24, -149 - e)
    left = np.maximum(-shift, 0).astype(np.uint64)
    s = np.clip(shift, 0, 63).astype(np.uint64)
    one = np.uint64(1)
    q = (m >> s) << left
    rem = m & ((one << s) - one)
    half = np.where(s > 0, one << np.maximum(s, one) - one, np.uint64(0))
    odd = (q & one) == 1
    up = (rem > half) | ((rem == half) & (s > 0) & (sticky | odd))
    q = q + up.astype(np.uint64)
    biased = np.maximum(top + 126, 0).astype(np.uint64)
    mag = np.where(normal, (biased << np.uint64(23)) + q, q)
    mag = np.minimum(mag, np.uint64(0x7F800000))
    return (mag.astype(np.uint32)) | np.where(neg, _SIGN, np.uint32(0))


def _signed_zero(neg: B) -> U32:
    return np.where(neg, _SIGN, np.uint32(0))


def _finish(special: B, special_val: np.uint32 | U32, general: U32) -> U32:
    return np.where(special, special_val, general).astype(np.uint32)


# --------------------------------------------------------------------------- sign-bit operations


def neg(a: Any) -> U32:
    """Vectorised :func:`tlean.ieee32.neg`: flips the sign bit (NaN included)."""
    return _u32(a) ^ _SIGN


def abs(a: Any) -> U32:  # noqa: A001 - the kernel's name
    """Vectorised :func:`tlean.ieee32.abs`: clears the sign bit (NaN included)."""
    return _u32(a) & _MAG


# --------------------------------------------------------------------------- comparisons


def _key(a: U32) -> I64:
    """A signed integer that orders non-NaN binary32 values, with ``-0`` and ``+0`` equal."""
    mag = (a & _MAG).astype(np.int64)
    return np.where(_neg_of(a), -mag, mag)


def lt(a: Any, b: Any) -> B:
    """Vectorised :func:`tlean.ieee32.lt`: ``a < b``; false when either is NaN."""
    x, y = np.broadcast_arrays(_u32(a), _u32(b))
    return np.asarray((_key(x) < _key(y)) & ~_is_nan(x) & ~_is_nan(y), dtype=np.bool_)


def le(a: Any, b: Any) -> B:
    """Vectorised :func:`tlean.ieee32.le`: ``a <= b``; false when either is NaN."""
    x, y = np.broadcast_arrays(_u32(a), _u32(b))
    return np.asarray((_key(x) <= _key(y)) & ~_is_nan(x) & ~_is_nan(y), dtype=np.bool_)


def eq(a: Any, b: Any) -> B:
    """Vectorised :func:`tlean.ieee32.eq`: ``a == b`` (``-0 == +0``); false when either is NaN."""
    x, y = np.broadcast_arrays(_u32(a), _u32(b))
    return np.asarray((_key(x) == _key(y)) & ~_is_nan(x) & ~_is_nan(y), dtype=np.bool_)


def maximum(a: Any, b: Any) -> U32:
    """Vectorised :func:`tlean.ieee32.maximum`: NaN if either is NaN, else ``a if b < a else b``."""
    x, y = np.broadcast_arrays(_u32(a), _u32(b))
    r = np.where(_key(y) < _key(x), x, y)
    return _finish(_is_nan(x) | _is_nan(y), np.uint32(QNAN), r)


def minimum(a: Any, b: Any) -> U32:
    """Vectorised :func:`tlean.ieee32.minimum`: NaN if either is NaN, else ``a if a < b else b``."""
    x, y = np.broadcast_arrays(_u32(a), _u32(b))
    r = np.where(_key(x) < _key(y), x, y)
    return _finish(_is_nan(x) | _is_nan(y), np.uint32(QNAN), r)


# --------------------------------------------------------------------------- arithmetic


def add(a: Any, b: Any) -> U32:
    """Vectorised :func:`tlean.ieee32.add`.

    The operand of larger magnitude is ``X``, the other ``Y``. Both mantissas move up 33 bits
    (``< 2**57``); ``Y`` is then shifted right by the exponent difference ``d``. For ``d <= 33``
    nothing is lost; for ``d > 33`` the lost bits form the sticky flag, ``Y`` is below ``2**23`` and
    ``X >= 2**56``, so the sum or difference has at least 55 bits. The sum is below ``2**58``.
    """
    x, y = np.broadcast_arrays(_u32(a), _u32(b))
    swap = (x & _MAG) < (y & _MAG)
    big = np.where(swap, y, x)
    small = np.where(swap, x, y)
    mb, eb = _decode(big)
    ms, es = _decode(small)
    d = (eb - es).astype(np.uint64)  # >= 0: the larger magnitude has the larger exponent
    mb = mb << np.uint64(33)
    ms_up = ms << np.uint64(33)
    dc = np.minimum(d, np.uint64(63))
    shifted = ms_up >> dc
    sticky = (shifted << dc) != ms_up
    same_sign = _neg_of(big) == _neg_of(small)
    total = np.where(same_sign, mb + shifted, mb - shifted - sticky.astype(np.uint64))
    zero = total == 0
    r = _round_pack(_neg_of(big), np.where(zero, np.uint64(1), total), eb - 33, sticky)
    r = np.where(zero, _signed_zero(_neg_of(big) & _neg_of(small)), r)
    # specials: NaN, infinities
    nan = _is_nan(x) | _is_nan(y) | (_is_inf(x) & _is_inf(y) & ~same_sign)
    r = np.where(_is_inf(big), big, r)
    return _finish(nan, np.uint32(QNAN), r)


def sub(a: Any, b: Any) -> U32:
    """Vectorised :func:`tlean.ieee32.sub`: ``add(a, neg(b))`` (a NaN operand gives the quiet NaN)."""
    return add(a, neg(b))


def mul(a: Any, b: Any) -> U32:
    """Vectorised :func:`tlean.ieee32.mul`. The product of two 24-bit mantissas is exact (``< 2**48``)."""
    x, y = np.broadcast_arrays(_u32(a), _u32(b))
    negr = _neg_of(x) != _neg_of(y)
    mx, ex = _decode(x)
    my, ey = _decode(y)
    p = mx * my
    zero = _is_zero(x) | _is_zero(y)
    r = _round_pack(negr, np.where(zero, np.uint64(1), p), ex + ey, np.zeros(p.shape, dtype=bool))
    r = np.where(zero, _signed_zero(negr), r)
    inf = _is_inf(x) | _is_inf(y)
    r = np.where(inf, _INF | _signed_zero(negr), r)
    nan = _is_nan(x) | _is_nan(y) | (_is_inf(x) & _is_zero(y)) | (_is_zero(x) & _is_inf(y))
    return _finish(nan, np.uint32(QNAN), r)


def div(a: Any, b: Any) -> U32:
    """Vectorised :func:`tlean.ieee32.div`.

    Both mantissas are normalised to ``[2**23, 2**24)``; ``(mx << 38) // my`` lies in
    ``(2**37, 2**39)`` (at least 38 bits) and a nonzero remainder is the sticky flag.
    """
    x, y = np.broadcast_arrays(_u32(a), _u32(b))
    negr = _neg_of(x) != _neg_of(y)
    zx, zy = _is_zero(x), _is_zero(y)
    mx, ex = _decode(x)
    my, ey = _decode(y)
    mx, ex = _normalise24(np.where(zx, np.uint64(1), mx), ex)
    my, ey = _normalise24(np.where(zy, np.uint64(1), my), ey)
    num = mx << np.uint64(38)
    q = num // my
    sticky = (q * my) != num
    r = _round_pack(negr, q, ex - ey - 38, sticky)
    ix, iy = _is_inf(x), _is_inf(y)
    r = np.where(zx | iy, _signed_zero(negr), r)
    r = np.where(ix | (zy & ~zx), _INF | _signed_zero(negr), r)
    nan = _is_nan(x) | _is_nan(y) | (zx & zy) | (ix & iy)
    return _finish(nan, np.uint32(QNAN), r)


def sqrt(a: Any) -> U32:
    """Vectorised :func:`tlean.ieee32.sqrt`.

    The mantissa is normalised to ``[2**23, 2**24)`` and, with an even exponent, scaled to
    ``M < 2**53``; ``floor(sqrt(M))`` (float64's correctly rounded square root, then corrected by
    integer comparisons) has 26 or 27 bits, and ``s*s != M`` is the sticky flag.
    """
    x = _u32(a)
    zero = _is_zero(x)
    m, e = _decode(x)
    m, e = _normalise24(np.where(zero, np.uint64(1), m), e)
    odd = (e & 1) == 1
    m = np.where(odd, m << np.uint64(1), m)
    e = np.where(odd, e - 1, e)
    big = m << np.uint64(28)
    s = np.floor(np.sqrt(big.astype(np.float64))).astype(np.uint64)
    s = np.where(s * s > big, s - np.uint64(1), s)
    s = np.where((s + np.uint64(1)) * (s + np.uint64(1)) <= big, s + np.uint64(1), s)
    sticky = s * s != big
    r = _round_pack(np.zeros(x.shape, dtype=bool), s, (e - 28) // 2, sticky)
    r = np.where(zero | (x == _INF), x, r)
    nan = _is_nan(x) | (_neg_of(x) & ~zero)
    return _finish(nan, np.uint32(QNAN), r)


def fma(a: Any, b: Any, c: Any) -> U32:
    """Vectorised :func:`tlean.ieee32.fma`: ``a * b + c`` with one rounding.

    The exact product ``P`` (``< 2**48``) and ``c`` are ordered by the exponent of their leading bit;
    the one with the higher leading bit, ``X``, is shifted to exactly 60 bits, and the other,
    ``Y``, is brought to the same scale (shifted left exactly, or right with a sticky flag). A right
    shift only happens when ``Y``'s leading bit is at least 12 places below ``X``'s, so the result
    keeps at least 59 bits and the sticky flag is never near the rounding position. With equal
    leading bits nothing is lost and the sign of the difference decides the result's sign.
    """
    x, y, z = np.broadcast_arrays(_u32(a), _u32(b), _u32(c))
    negp = _neg_of(x) != _neg_of(y)
    negz = _neg_of(z)
    mx, ex = _decode(x)
    my, ey = _decode(y)
    mz, ez = _decode(z)
    pzero = _is_zero(x) | _is_zero(y)
    zzero = _is_zero(z)
    p = np.where(pzero, np.uint64(0), mx * my)
    ep = ex + ey
    mz = np.where(zzero, np.uint64(0), mz)
    blp, blz = _bitlen(p), _bitlen(mz)
    topp = np.where(pzero, np.iinfo(np.int64).min // 4, ep + blp)
    topz = np.where(zzero, np.iinfo(np.int64).min // 4, ez + blz)
    pfirst = topp >= topz
    mX = np.where(pfirst, p, mz)
    eX = np.where(pfirst, ep, ez)
    blX = np.where(pfirst, blp, blz)
    mY = np.where(pfirst, mz, p)
    eY = np.where(pfirst, ez, ep)
    negX = np.where(pfirst, negp, negz)
    negY = np.where(pfirst, negz, negp)
    upX = (60 - blX).astype(np.uint64)
    X = mX << upX
    eXs = eX - (60 - blX)
    dshift = eXs - eY  # > 0: Y shifts right; <= 0: Y shifts left (exact)
    rs = np.clip(dshift, 0, 63).astype(np.uint64)
    ls = np.clip(-dshift, 0, 63).astype(np.uint64)
    Yr = mY >> rs
    sticky = (Yr << rs) != mY
    Y = Yr << ls
    same = negX == negY
    diff_pos = X >= Y
    total = np.where(
        same,
        X + Y,
        np.where(diff_pos, X - Y - sticky.astype(np.uint64), Y - X),
    )
    negr = np.where(same | diff_pos, negX, negY)
    zero = total == 0
    r = _round_pack(negr, np.where(zero, np.uint64(1), total), eXs, sticky & ~zero)
    r = np.where(zero, _signed_zero(negp & negz), r)
    # only c nonzero: the result is c (exactly representable); only the product: handled above.
    # specials
    infp = _is_inf(x) | _is_inf(y)
    infz = _is_inf(z)
    r = np.where(infz, z, r)
    r = np.where(infp, _INF | _signed_zero(negp), r)
    nan = (
        _is_nan(x)
        | _is_nan(y)
        | _is_nan(z)
        | (_is_inf(x) & _is_zero(y))
        | (_is_zero(x) & _is_inf(y))
        | (infp & infz & (negp != negz))
    )
    return _finish(nan, np.uint32(QNAN), r)


# --------------------------------------------------------------------------- rounding to integers


def _to_integral(a: Any, mode: str) -> U32:
    x = _u32(a)
    m, e = _decode(x)
    bexp = ((x >> np.uint32(23)) & np.uint32(0xFF)).astype(np.int64)
    keep = (bexp >= 150) | _is_zero(x)  # already an integer, or ±Inf/NaN (NaN handled below)
    sh = np.clip(-e, 0, 62).astype(np.uint64)
    one = np.uint64(1)
    n = m >> sh
    rem = m & ((one << sh) - one)
    neg_x = _neg_of(x)
    if mode == "floor":
        up = neg_x & (rem != 0)
    elif mode == "ceil":
        up = ~neg_x & (rem != 0)
    else:  # half to even
        half = one << np.maximum(sh, one) - one
        up = (sh > 0) & ((rem > half) | ((rem == half) & ((n & one) == 1)))
    n = n + up.astype(np.uint64)
    zero = n == 0
    r = _round_pack(neg_x, np.where(zero, one, n), np.zeros(x.shape, dtype=np.int64), np.zeros(x.shape, dtype=bool))
    r = np.where(zero, _signed_zero(neg_x), r)
    r = np.where(keep, x, r)
    return _finish(_is_nan(x), np.uint32(QNAN), r)


def floor(a: Any) -> U32:
    """Vectorised :func:`tlean.ieee32.floor` (``np.floor``; NaN gives the quiet NaN)."""
    return _to_integral(a, "floor")


def ceil(a: Any) -> U32:
    """Vectorised :func:`tlean.ieee32.ceil` (``np.ceil``; NaN gives the quiet NaN)."""
    return _to_integral(a, "ceil")


def round(a: Any) -> U32:  # noqa: A001 - the kernel's name
    """Vectorised :func:`tlean.ieee32.round`: half to even (``np.rint``; NaN gives the quiet NaN)."""
    return _to_integral(a, "even")


# --------------------------------------------------------------------------- elementary functions


def _map(fn: Callable[..., int], *args: Any) -> U32:
    """Apply the scalar twin ``fn`` element by element (no vectorised algorithm with a proof)."""
    arrs = np.broadcast_arrays(*[_u32(x) for x in args])
    shape = arrs[0].shape
    flat = [x.ravel().tolist() for x in arrs]
    count = int(np.prod(shape, dtype=np.int64))
    out = np.fromiter((fn(*t) for t in zip(*flat, strict=True)), dtype=np.uint32, count=count)
    return out.reshape(shape)


def _twin() -> Any:
    from tlean import ieee32

    return ieee32


def exp(a: Any) -> U32:
    """:func:`tlean.ieee32.exp` element by element (scalar twin)."""
    return _map(_twin().exp, a)


def log(a: Any) -> U32:
    """:func:`tlean.ieee32.log` element by element (scalar twin)."""
    return _map(_twin().log, a)


def tanh(a: Any) -> U32:
    """:func:`tlean.ieee32.tanh` element by element (scalar twin)."""
    return _map(_twin().tanh, a)


def sigmoid(a: Any) -> U32:
    """:func:`tlean.ieee32.sigmoid` element by element (scalar twin)."""
    return _map(_twin().sigmoid, a)


def erf(a: Any) -> U32:
    """:func:`tlean.ieee32.erf` element by element (scalar twin)."""
    return _map(_twin().erf, a)


def sin(a: Any) -> U32:
    """:func:`tlean.ieee32.sin` element by element (scalar twin)."""
    return _map(_twin().sin, a)


def cos(a: Any) -> U32:
    """:func:`tlean.ieee32.cos` element by element (scalar twin)."""
    return _map(_twin().cos, a)


def pow(a: Any, b: Any) -> U32:  # noqa: A001 - the kernel's name
    """:func:`tlean.ieee32.pow` element by element (scalar twin)."""
    return _map(_twin().pow, a, b)
