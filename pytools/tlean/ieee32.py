"""Bit-exact IEEE 754 binary32 arithmetic on Python ints: the twin of the Lean kernel ``NN/Floats``.

Every public function mirrors one Lean declaration (its docstring names it) and follows the same
algorithm: decode a bit pattern to an exact dyadic value ``man * 2**exp``, compute the exact result
(``add``/``sub``/``mul``/``fma``), or enough quotient/root bits plus a sticky bit (``div``/``sqrt``),
round once to nearest, ties to even (:func:`of_dyadic`), and encode. Bit patterns are ints in
``[0, 2**32)``; comparisons return ``bool``. Every NaN result is the quiet NaN ``0x7FC00000``.

Dyadic values are plain ``(man, exp)`` int pairs (Lean: ``NN.Floats.Dyadic``), not normalised.

The elementary functions (exp, log, tanh, sigmoid, ...) live in ``tlean.ieee32_elementary``.
"""

from __future__ import annotations

import struct

Dyadic = tuple[int, int]

#: +0.0
POS_ZERO = 0x00000000
#: -0.0
NEG_ZERO = 0x80000000
#: +Inf
POS_INF = 0x7F800000
#: -Inf
NEG_INF = 0xFF800000
#: The quiet NaN every NaN result is.
QNAN = 0x7FC00000

_SIGN = 0x80000000
_MASK32 = 0xFFFFFFFF

# ---------------------------------------------------------------------------------------------
# Conversions with Python floats (not part of the Lean kernel)
# ---------------------------------------------------------------------------------------------


def from_float(x: float) -> int:
    """The binary32 bit pattern of ``x`` rounded by the hardware (``struct``'s ``'<f'``).

    Lean: NN.Floats.IEEE32 (no Lean twin: a Python convenience; values outside binary32's range
    become ±Inf, as C's double→float conversion does).
    """
    try:
        return int(struct.unpack("<I", struct.pack("<f", x))[0])
    except OverflowError:
        return NEG_INF if x < 0 else POS_INF


def to_float(b: int) -> float:
    """The value of the bit pattern ``b`` as a Python float (exact: every binary32 is a double).

    Lean: NN.Floats.IEEE32 (no Lean twin: a Python convenience).
    """
    return float(struct.unpack("<f", struct.pack("<I", b & _MASK32))[0])


def _nat_abs(n: int) -> int:
    # The module defines its own ``abs`` (the binary32 one); this is the integer one.
    return -n if n < 0 else n


# ---------------------------------------------------------------------------------------------
# Natural-number helpers
# ---------------------------------------------------------------------------------------------


def bit_len(n: int) -> int:
    """The number of binary digits of ``n >= 0`` (``bit_len(0) = 0``).

    Lean: NN.Floats.bitLen (which halves ``n`` until it is 0; ``int.bit_length`` is the same number).
    """
    return n.bit_length()


def shift_right_rne(n: int, k: int) -> int:
    """``n / 2**k`` rounded to nearest, ties to even (``n, k >= 0``).

    Lean: NN.Floats.shiftRightRNE.
    """
    if k == 0:
        return n
    q = n >> k
    r = n - (q << k)
    h = 1 << (k - 1)
    if h < r or (r == h and q % 2 == 1):
        return q + 1
    return q


def isqrt(n: int) -> int:
    """The integer square root ``floor(sqrt(n))``, bit by bit from the top.

    Lean: NN.Floats.isqrt.
    """
    i = bit_len(n) // 2 + 1
    r = 0
    while i > 0:
        c = r + (1 << i)
        if c * c <= n:
            r = c
        i -= 1
    if (r + 1) * (r + 1) <= n:
        r = r + 1
    return r


# ---------------------------------------------------------------------------------------------
# Dyadic values
# ---------------------------------------------------------------------------------------------


def dyadic_of_int(n: int) -> Dyadic:
    """The dyadic ``n * 2**0``.

    Lean: NN.Floats.Dyadic.ofInt.
    """
    return (n, 0)


def dyadic_neg(a: Dyadic) -> Dyadic:
    """Negation.

    Lean: NN.Floats.Dyadic.neg.
    """
    return (-a[0], a[1])


def dyadic_abs(a: Dyadic) -> Dyadic:
    """Absolute value.

    Lean: NN.Floats.Dyadic.abs.
    """
    return (_nat_abs(a[0]), a[1])


def dyadic_add(a: Dyadic, b: Dyadic) -> Dyadic:
    """Exact sum, at the smaller of the two exponents.

    Lean: NN.Floats.Dyadic.add.
    """
    e = min(a[1], b[1])
    return ((a[0] << (a[1] - e)) + (b[0] << (b[1] - e)), e)


def dyadic_sub(a: Dyadic, b: Dyadic) -> Dyadic:
    """Exact difference ``a + (-b)``.

    Lean: NN.Floats.Dyadic.sub.
    """
    return dyadic_add(a, dyadic_neg(b))


def dyadic_mul(a: Dyadic, b: Dyadic) -> Dyadic:
    """Exact product.

    Lean: NN.Floats.Dyadic.mul.
    """
    return (a[0] * b[0], a[1] + b[1])


def dyadic_lt(a: Dyadic, b: Dyadic) -> bool:
    """``a < b``: the mantissa of ``a - b`` is negative.

    Lean: NN.Floats.Dyadic.lt.
    """
    return dyadic_sub(a, b)[0] < 0


def dyadic_le(a: Dyadic, b: Dyadic) -> bool:
    """``a <= b``.

    Lean: NN.Floats.Dyadic.le.
    """
    return dyadic_sub(a, b)[0] <= 0


def dyadic_eqv(a: Dyadic, b: Dyadic) -> bool:
    """Equality of values (``(1, 1)`` and ``(2, 0)`` are equal).

    Lean: NN.Floats.Dyadic.eqv.
    """
    return dyadic_sub(a, b)[0] == 0


def dyadic_max(a: Dyadic, b: Dyadic) -> Dyadic:
    """``a`` if ``b < a``, else ``b`` (ties return the second argument).

    Lean: NN.Floats.Dyadic.max.
    """
    return a if dyadic_lt(b, a) else b


def dyadic_min(a: Dyadic, b: Dyadic) -> Dyadic:
    """``a`` if ``a < b``, else ``b`` (ties return the second argument).

    Lean: NN.Floats.Dyadic.min.
    """
    return a if dyadic_lt(a, b) else b


def dyadic_normalize(a: Dyadic) -> Dyadic:
    """The same value with the trailing zero bits of the mantissa moved into the exponent.

    Lean: NN.Floats.Dyadic.normalize.
    """
    m, e = a
    fuel = _nat_abs(m)
    while fuel > 0 and m != 0 and m % 2 == 0:
        m //= 2
        e += 1
        fuel -= 1
    return (m, e)


def dyadic_div_approx(a: Dyadic, b: Dyadic) -> Dyadic:
    """A dyadic that rounds like ``a / b`` (``b`` nonzero): ``2q + sticky`` at scale ``2**(ea-eb-k-1)``.

    ``q = floor(|ma| * 2**k / |mb|)`` with ``k = bit_len(|mb|) + 26`` has at least 26 bits, so the
    sticky bit lies below every binary32 rounding position and one rounding is exact.

    Lean: NN.Floats.Dyadic.divApprox.
    """
    n = _nat_abs(a[0])
    d = _nat_abs(b[0])
    k = bit_len(d) + 26
    q = (n << k) // d
    r = (n << k) % d
    m = 2 * q + (0 if r == 0 else 1)
    neg = (a[0] < 0) != (b[0] < 0)
    return (-m if neg else m, a[1] - b[1] - k - 1)


def dyadic_even_man(a: Dyadic) -> int:
    """``|man|``, doubled when the exponent is odd.

    Lean: NN.Floats.Dyadic.evenMan.
    """
    return _nat_abs(a[0]) if a[1] % 2 == 0 else 2 * _nat_abs(a[0])


def dyadic_even_exp(a: Dyadic) -> int:
    """The exponent, decremented when odd.

    Lean: NN.Floats.Dyadic.evenExp.
    """
    return a[1] if a[1] % 2 == 0 else a[1] - 1


def dyadic_sqrt_approx(a: Dyadic) -> Dyadic:
    """A dyadic that rounds like ``sqrt(a)`` (``a`` positive): ``2s + sticky`` with ``s`` of at least 27 bits.

    Lean: NN.Floats.Dyadic.sqrtApprox.
    """
    e = dyadic_even_exp(a)
    big = dyadic_even_man(a) * 2**52
    s = isqrt(big)
    r = big - s * s
    m = 2 * s + (0 if r == 0 else 1)
    return (m, (e - 52) // 2 - 1)


# ---------------------------------------------------------------------------------------------
# Fields and classification
# ---------------------------------------------------------------------------------------------


def sign_bit(x: int) -> bool:
    """Whether the sign bit is set.

    Lean: NN.Floats.IEEE32.signBit.
    """
    return x >= _SIGN


def exp_field(x: int) -> int:
    """The biased exponent field (8 bits).

    Lean: NN.Floats.IEEE32.expField.
    """
    return x // 2**23 % 256


def frac_field(x: int) -> int:
    """The fraction field (23 bits).

    Lean: NN.Floats.IEEE32.fracField.
    """
    return x % 2**23


def is_nan(x: int) -> bool:
    """Whether ``x`` is a NaN (any payload, either sign).

    Lean: NN.Floats.IEEE32.isNaN.
    """
    return exp_field(x) == 255 and frac_field(x) != 0


def is_inf(x: int) -> bool:
    """Whether ``x`` is ±Inf.

    Lean: NN.Floats.IEEE32.isInf.
    """
    return exp_field(x) == 255 and frac_field(x) == 0


def is_finite(x: int) -> bool:
    """Whether ``x`` is finite (zero, subnormal or normal).

    Lean: NN.Floats.IEEE32.isFinite.
    """
    return exp_field(x) != 255


def is_zero(x: int) -> bool:
    """Whether ``x`` is ±0.

    Lean: NN.Floats.IEEE32.isZero.
    """
    return exp_field(x) == 0 and frac_field(x) == 0


def classify(x: int) -> str:
    """One of ``nan posInf negInf posZero negZero subnormal normal``.

    Lean: NN.Floats.IEEE32.classify.
    """
    e = exp_field(x)
    f = frac_field(x)
    s = sign_bit(x)
    if e == 255:
        if f != 0:
            return "nan"
        return "negInf" if s else "posInf"
    if e == 0:
        if f == 0:
            return "negZero" if s else "posZero"
        return "subnormal"
    return "normal"


def signed(s: bool, m: int) -> int:
    """``-m`` if ``s``, else ``m``.

    Lean: NN.Floats.IEEE32.signed.
    """
    return -m if s else m


def decode_man(x: int) -> int:
    """The integer significand of a finite pattern (with the hidden bit when normal).

    Lean: NN.Floats.IEEE32.decodeMan.
    """
    return frac_field(x) if exp_field(x) == 0 else frac_field(x) + 2**23


def decode_exp(x: int) -> int:
    """The exponent of the significand's last bit: ``-149`` for subnormals and zeros, else ``e - 150``.

    Lean: NN.Floats.IEEE32.decodeExp.
    """
    return -149 if exp_field(x) == 0 else exp_field(x) - 150


def decode_finite(x: int) -> Dyadic:
    """The exact value of a finite pattern: ``±f * 2**-149`` (``e = 0``) or ``±(2**23 + f) * 2**(e-150)``.

    Lean: NN.Floats.IEEE32.decodeFinite.
    """
    return (signed(sign_bit(x), decode_man(x)), decode_exp(x))


def to_dyadic(x: int) -> Dyadic | None:
    """The exact value of a finite pattern (±0 ↦ ``(0, -149)``), ``None`` for ±Inf and NaN.

    Lean: NN.Floats.IEEE32.toDyadic?.
    """
    if exp_field(x) == 255:
        return None
    return decode_finite(x)


# ---------------------------------------------------------------------------------------------
# Rounding
# ---------------------------------------------------------------------------------------------


def quantum(n: int, e: int) -> int:
    """The quantum exponent of ``n * 2**e``: ``max(bit_len(n) - 24 + e, -149)``.

    Lean: NN.Floats.IEEE32.quantum.
    """
    q0 = bit_len(n) - 24 + e
    return -149 if q0 <= -149 else q0


def rounded_sig(n: int, e: int) -> int:
    """The integer significand ``n * 2**(e - q)`` rounded to nearest even, ``q = quantum(n, e)``.

    Lean: NN.Floats.IEEE32.roundedSig.
    """
    q = quantum(n, e)
    if q <= e:
        return n << (e - q)
    return shift_right_rne(n, q - e)


def round_mag(n: int, e: int) -> int:
    """The magnitude bits of ``n * 2**e`` (``n > 0``) rounded to nearest even, ``POS_INF`` on overflow.

    The encoding is ``(q + 149) * 2**23 + m`` (uniform across subnormals and normals), a carry
    ``m = 2**24`` renormalised to ``2**23`` at ``q + 1``, clamped at Inf.

    Lean: NN.Floats.IEEE32.roundMag.
    """
    q = quantum(n, e)
    m = rounded_sig(n, e)
    bits = (q + 150) * 2**23 + 2**23 if m == 2**24 else (q + 149) * 2**23 + m
    return bits if bits <= POS_INF else POS_INF


def of_dyadic(man: int, exp: int) -> int:
    """The binary32 nearest ``man * 2**exp`` (ties to even; overflow to ±Inf; exact zero ↦ +0;
    a nonzero value that rounds to zero keeps its sign).

    Lean: NN.Floats.IEEE32.ofDyadic.
    """
    if man == 0:
        return POS_ZERO
    return (_SIGN if man < 0 else 0) + round_mag(_nat_abs(man), exp)


def of_dyadic_signed(neg: bool, man: int, exp: int) -> int:
    """Like :func:`of_dyadic`, but an exact zero becomes ``-0`` when ``neg``, ``+0`` otherwise.

    Lean: NN.Floats.IEEE32.ofDyadicSigned.
    """
    if man == 0:
        return zero_of(neg)
    return of_dyadic(man, exp)


def inf_of(neg: bool) -> int:
    """``NEG_INF`` if ``neg``, else ``POS_INF``.

    Lean: NN.Floats.IEEE32.infOf.
    """
    return NEG_INF if neg else POS_INF


def zero_of(neg: bool) -> int:
    """``NEG_ZERO`` if ``neg``, else ``POS_ZERO``.

    Lean: NN.Floats.IEEE32.zeroOf.
    """
    return NEG_ZERO if neg else POS_ZERO


# ---------------------------------------------------------------------------------------------
# Operations
# ---------------------------------------------------------------------------------------------


def neg(x: int) -> int:
    """Flips the sign bit (also of NaN).

    Lean: NN.Floats.IEEE32.neg.
    """
    return (x + _SIGN) % 2**32


def abs(x: int) -> int:  # noqa: A001 - the twin of IEEE32.abs
    """Clears the sign bit (also of NaN).

    Lean: NN.Floats.IEEE32.abs.
    """
    return x % 2**31


def add_special(x: int, y: int) -> int:
    """``x + y`` when one operand is not finite: NaN in → qNaN; Inf + (-Inf) → qNaN; else the Inf.

    Lean: NN.Floats.IEEE32.addSpecial.
    """
    if is_nan(x) or is_nan(y):
        return QNAN
    if is_inf(x):
        if is_inf(y) and sign_bit(x) != sign_bit(y):
            return QNAN
        return x
    return y


def add(x: int, y: int) -> int:
    """Sum: exact dyadic sum rounded once; an exact zero is -0 only when both operands are -0.

    Lean: NN.Floats.IEEE32.add.
    """
    a = to_dyadic(x)
    b = to_dyadic(y)
    if a is not None and b is not None:
        return of_dyadic_signed(sign_bit(x) and sign_bit(y), *dyadic_add(a, b))
    return add_special(x, y)


def sub(x: int, y: int) -> int:
    """Difference: exact dyadic difference rounded once; an exact zero is -0 only for (-0) - (+0).

    Lean: NN.Floats.IEEE32.sub.
    """
    a = to_dyadic(x)
    b = to_dyadic(y)
    if a is not None and b is not None:
        return of_dyadic_signed(sign_bit(x) and not sign_bit(y), *dyadic_sub(a, b))
    return add_special(x, neg(y))


def mul(x: int, y: int) -> int:
    """Product: exact dyadic product rounded once; the sign is the xor of the signs (also of zeros).

    Lean: NN.Floats.IEEE32.mul.
    """
    s = sign_bit(x) != sign_bit(y)
    a = to_dyadic(x)
    b = to_dyadic(y)
    if a is not None and b is not None:
        return of_dyadic_signed(s, *dyadic_mul(a, b))
    return mul_special(x, y)


def mul_special(x: int, y: int) -> int:
    """``x * y`` when an operand is not finite: NaN in or Inf * 0 → qNaN, else a signed Inf.

    Lean: NN.Floats.IEEE32.mulSpecial.
    """
    if is_nan(x) or is_nan(y):
        return QNAN
    if is_zero(x) or is_zero(y):
        return QNAN
    return inf_of(sign_bit(x) != sign_bit(y))


def div(x: int, y: int) -> int:
    """Quotient: ``of_dyadic(dyadic_div_approx)`` on finite nonzero operands; IEEE special cases.

    Lean: NN.Floats.IEEE32.div.
    """
    a = to_dyadic(x)
    b = to_dyadic(y)
    if a is not None and b is not None:
        return div_finite(x, y, a, b)
    return div_special(x, y)


def div_finite(x: int, y: int, a: Dyadic, b: Dyadic) -> int:
    """``x / y`` on finite operands with values ``a``, ``b``.

    Lean: NN.Floats.IEEE32.divFinite.
    """
    s = sign_bit(x) != sign_bit(y)
    if b[0] == 0:
        return QNAN if a[0] == 0 else inf_of(s)
    if a[0] == 0:
        return zero_of(s)
    return of_dyadic(*dyadic_div_approx(a, b))


def div_special(x: int, y: int) -> int:
    """``x / y`` when an operand is not finite.

    Lean: NN.Floats.IEEE32.divSpecial.
    """
    s = sign_bit(x) != sign_bit(y)
    if is_nan(x) or is_nan(y):
        return QNAN
    if is_inf(x):
        return QNAN if is_inf(y) else inf_of(s)
    return zero_of(s)


def sqrt(x: int) -> int:
    """Square root: ``of_dyadic(dyadic_sqrt_approx)`` on positive finite values; sqrt(±0) = ±0;
    negative or NaN → qNaN; sqrt(+Inf) = +Inf.

    Lean: NN.Floats.IEEE32.sqrt.
    """
    a = to_dyadic(x)
    if a is not None:
        return sqrt_finite(x, a)
    if is_nan(x) or sign_bit(x):
        return QNAN
    return x


def sqrt_finite(x: int, a: Dyadic) -> int:
    """``sqrt(x)`` on a finite operand with value ``a``.

    Lean: NN.Floats.IEEE32.sqrtFinite.
    """
    if a[0] == 0:
        return x
    if a[0] < 0:
        return QNAN
    return of_dyadic(*dyadic_sqrt_approx(a))


def fma_special(x: int, y: int, z: int) -> int:
    """``x * y + z`` when an operand is not finite.

    Lean: NN.Floats.IEEE32.fmaSpecial.
    """
    if is_nan(x) or is_nan(y) or is_nan(z):
        return QNAN
    if (is_inf(x) and is_zero(y)) or (is_zero(x) and is_inf(y)):
        return QNAN
    ps = sign_bit(x) != sign_bit(y)
    if is_inf(x) or is_inf(y):
        if is_inf(z) and sign_bit(z) != ps:
            return QNAN
        return inf_of(ps)
    return z


def fma(x: int, y: int, z: int) -> int:
    """Fused multiply-add ``x * y + z`` with one rounding; an exact zero is -0 only when the
    product's sign and ``z``'s sign are both negative.

    Lean: NN.Floats.IEEE32.fma.
    """
    a = to_dyadic(x)
    b = to_dyadic(y)
    c = to_dyadic(z)
    if a is not None and b is not None and c is not None:
        ps = sign_bit(x) != sign_bit(y)
        return of_dyadic_signed(ps and sign_bit(z), *dyadic_add(dyadic_mul(a, b), c))
    return fma_special(x, y, z)


def lt(x: int, y: int) -> bool:
    """``x < y`` (IEEE: false when either is NaN).

    Lean: NN.Floats.IEEE32.lt.
    """
    a = to_dyadic(x)
    b = to_dyadic(y)
    if a is not None and b is not None:
        return dyadic_lt(a, b)
    return lt_special(x, y)


def lt_special(x: int, y: int) -> bool:
    """``lt`` when an operand is not finite (``False`` with a NaN).

    Lean: NN.Floats.IEEE32.ltSpecial.
    """
    if is_nan(x) or is_nan(y):
        return False
    return (x == NEG_INF and y != NEG_INF) or (y == POS_INF and x != POS_INF)


def le(x: int, y: int) -> bool:
    """``x <= y`` (IEEE: false when either is NaN).

    Lean: NN.Floats.IEEE32.le.
    """
    a = to_dyadic(x)
    b = to_dyadic(y)
    if a is not None and b is not None:
        return dyadic_le(a, b)
    return le_special(x, y)


def le_special(x: int, y: int) -> bool:
    """``le`` when an operand is not finite (``False`` with a NaN).

    Lean: NN.Floats.IEEE32.leSpecial.
    """
    if is_nan(x) or is_nan(y):
        return False
    return x == NEG_INF or y == POS_INF


def eq(x: int, y: int) -> bool:
    """``x == y`` (IEEE: +0 == -0; false when either is NaN).

    Lean: NN.Floats.IEEE32.eq.
    """
    a = to_dyadic(x)
    b = to_dyadic(y)
    if a is not None and b is not None:
        return dyadic_eqv(a, b)
    return eq_special(x, y)


def eq_special(x: int, y: int) -> bool:
    """``eq`` when an operand is not finite (``False`` with a NaN).

    Lean: NN.Floats.IEEE32.eqSpecial.
    """
    if is_nan(x) or is_nan(y):
        return False
    return x == y


def maximum(x: int, y: int) -> int:
    """NumPy's ``maximum``: qNaN if either is NaN, else ``x`` if ``y < x``, else ``y`` (ties → ``y``).

    Lean: NN.Floats.IEEE32.maximum.
    """
    if is_nan(x) or is_nan(y):
        return QNAN
    return x if lt(y, x) else y


def minimum(x: int, y: int) -> int:
    """NumPy's ``minimum``: qNaN if either is NaN, else ``x`` if ``x < y``, else ``y`` (ties → ``y``).

    Lean: NN.Floats.IEEE32.minimum.
    """
    if is_nan(x) or is_nan(y):
        return QNAN
    return x if lt(x, y) else y


def of_int(n: int) -> int:
    """The binary32 nearest the integer ``n`` (ties to even; 0 ↦ +0).

    Lean: NN.Floats.IEEE32.ofInt.
    """
    return of_dyadic(n, 0)


def of_nat(n: int) -> int:
    """The binary32 nearest the natural number ``n``.

    Lean: NN.Floats.IEEE32.ofNat.
    """
    return of_dyadic(n, 0)


# The elementary layer (correctly rounded exp, log, tanh, sigmoid, erf, sin, cos, pow, floor, ceil, round)
# lives in tlean.ieee32_elementary; re-exported here so that `tlean.ieee32` is the whole kernel.
from tlean.ieee32_elementary import ceil as ceil  # noqa: E402
from tlean.ieee32_elementary import cos as cos  # noqa: E402
from tlean.ieee32_elementary import erf as erf  # noqa: E402
from tlean.ieee32_elementary import exp as exp  # noqa: E402
from tlean.ieee32_elementary import floor as floor  # noqa: E402
from tlean.ieee32_elementary import log as log  # noqa: E402
from tlean.ieee32_elementary import pow as pow  # noqa: E402
from tlean.ieee32_elementary import round as round  # noqa: E402
from tlean.ieee32_elementary import sigmoid as sigmoid  # noqa: E402
from tlean.ieee32_elementary import sin as sin  # noqa: E402
from tlean.ieee32_elementary import tanh as tanh  # noqa: E402
