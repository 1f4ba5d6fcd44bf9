import NN.Floats.Dyadic

/-!
# Bit-exact IEEE 754 binary32 arithmetic

`IEEE32` wraps a `UInt32` bit pattern. Every operation decodes its operands to exact dyadic values
(`toDyadic?`), computes the exact result (`add`, `sub`, `mul`, `fma`) or a dyadic that rounds like
it (`div`, `sqrt`: enough quotient/root bits and a sticky bit), rounds once to nearest, ties to even
(`ofDyadic`), and encodes. NaN, ±Inf and ±0 follow IEEE 754 (round-to-nearest mode).

## Main definitions

* `NN.Floats.IEEE32`, `NN.Floats.FpClass`, `IEEE32.classify`, `IEEE32.isNaN`, `IEEE32.isInf`,
  `IEEE32.isFinite`, `IEEE32.isZero`, the fields `signBit`, `expField`, `fracField`.
* `IEEE32.toDyadic?`: the exact value of a finite pattern (`±0 ↦ ⟨0, -149⟩`), `none` otherwise.
* `IEEE32.roundMag`, `IEEE32.ofDyadic`: round to nearest even (subnormals, overflow to ±Inf, exact
  zero to `+0`, a nonzero value that rounds to zero keeps its sign); `IEEE32.ofDyadicSigned` gives an
  exact zero the sign IEEE prescribes for the operation.
* `IEEE32.add`, `sub`, `mul`, `div`, `sqrt`, `fma`, `neg`, `abs`, `minimum`, `maximum`, `lt`, `le`,
  `eq`, `ofNat`, `ofInt`.

## Main results

None here; the bridge theorems are in `NN/Proofs/Floats/Core.lean`.

## Implementation notes

Every operation is literally "match on `toDyadic?` of the operands; on the finite path round the
exact result once; otherwise a `...Special` function handles NaN and infinities", so the bridge
theorems are unfolding plus case analysis. Every NaN result is the quiet NaN `0x7FC00000`
(`IEEE32.qNaN`), whatever the NaN inputs were (IEEE leaves the payload open; NumPy propagates an
input payload; the tests compare NaNs as "is a NaN"). `neg` and `abs` only flip / clear the sign
bit, also on NaN. The rounding computes the quantum exponent `q = max(bitLen n - 24 + e, -149)`,
the integer significand `m = round(n 2^(e-q))` (at most `2^24`, a carry renormalised), and encodes
`(q + 149) 2^23 + m` uniformly for subnormals and normals, clamped at `+Inf`.
`minimum`/`maximum` are NumPy's: NaN if either operand is NaN, otherwise `maximum x y = if y < x
then x else y` and `minimum x y = if x < y then x else y` (ties, such as `±0`, return the second
argument). The Python twin is `tlean.ieee32`.

Trust boundary: these are definitions. Their agreement with IEEE 754 on every input is tested
(NumPy, SoftFloat, MPFR) through the twin, not proved; the proved statements are the bridge
theorems listed in `NN/Floats/README.md`. Core `Float32` is outside every theorem.
-/

namespace NN.Floats

/-- The IEEE 754 classes of a binary32 value. -/
inductive FpClass
  | nan
  | posInf
  | negInf
  | posZero
  | negZero
  | subnormal
  | normal
  deriving Repr, DecidableEq

/-- A binary32 value as its 32-bit pattern. -/
structure IEEE32 where
  /-- The bit pattern (sign, 8 exponent bits, 23 fraction bits). -/
  bits : UInt32
  deriving Repr, DecidableEq

namespace IEEE32

/-! ### Encoding -/

/-- The pattern whose bits are `n mod 2 ^ 32`. -/
def ofBitsNat (n : Nat) : IEEE32 := ⟨UInt32.ofNat n⟩

/-- The bit pattern as a natural number below `2 ^ 32`. -/
def toBitsNat (x : IEEE32) : Nat := x.bits.toNat % 4294967296

/-- `+0`. -/
def posZero : IEEE32 := ofBitsNat 0
/-- `-0`. -/
def negZero : IEEE32 := ofBitsNat 2147483648
/-- `+Inf`. -/
def posInf : IEEE32 := ofBitsNat 2139095040
/-- `-Inf`. -/
def negInf : IEEE32 := ofBitsNat 4286578688
/-- The quiet NaN `0x7FC00000`, the result of every operation that returns NaN. -/
def qNaN : IEEE32 := ofBitsNat 2143289344

/-- `-Inf` if `neg`, else `+Inf`. -/
def infOf (neg : Bool) : IEEE32 := if neg then negInf else posInf

/-- `-0` if `neg`, else `+0`. -/
def zeroOf (neg : Bool) : IEEE32 := if neg then negZero else posZero

/-! ### Fields and classification -/

/-- Whether the sign bit is set. -/
def signBit (x : IEEE32) : Bool := decide (2147483648 ≤ x.toBitsNat)

/-- The biased exponent field (8 bits). -/
def expField (x : IEEE32) : Nat := x.toBitsNat / 8388608 % 256

/-- The fraction field (23 bits). -/
def fracField (x : IEEE32) : Nat := x.toBitsNat % 8388608

/-- Whether `x` is a NaN (any payload, either sign). -/
def isNaN (x : IEEE32) : Bool := decide (x.expField = 255 ∧ x.fracField ≠ 0)

/-- Whether `x` is `±Inf`. -/
def isInf (x : IEEE32) : Bool := decide (x.expField = 255 ∧ x.fracField = 0)

/-- Whether `x` is finite (zero, subnormal or normal). -/
def isFinite (x : IEEE32) : Bool := decide (x.expField ≠ 255)

/-- Whether `x` is `±0`. -/
def isZero (x : IEEE32) : Bool := decide (x.expField = 0 ∧ x.fracField = 0)

/-- The IEEE class of `x`. -/
def classify (x : IEEE32) : FpClass :=
  if x.expField = 255 then
    if x.fracField = 0 then (if x.signBit then .negInf else .posInf) else .nan
  else if x.expField = 0 then
    if x.fracField = 0 then (if x.signBit then .negZero else .posZero) else .subnormal
  else .normal

/-! ### Decoding -/

/-- `-m` if `s`, else `m`, as an integer. -/
def signed (s : Bool) (m : Nat) : Int := if s then -(m : Int) else (m : Int)

/-- The integer significand of a finite pattern: the fraction, with the hidden bit when normal. -/
def decodeMan (x : IEEE32) : Nat := if x.expField = 0 then x.fracField else x.fracField + 8388608

/-- The exponent of the significand's last bit: `-149` for subnormals and zeros, else `e - 150`. -/
def decodeExp (x : IEEE32) : Int := if x.expField = 0 then -149 else (x.expField : Int) - 150

/-- The exact value of a pattern read as finite. -/
def decodeFinite (x : IEEE32) : Dyadic := ⟨signed x.signBit x.decodeMan, x.decodeExp⟩

/-- The exact value of a finite pattern (`±0 ↦ ⟨0, -149⟩`); `none` for `±Inf` and NaN. -/
def toDyadic? (x : IEEE32) : Option Dyadic :=
  if x.expField = 255 then none else some x.decodeFinite

/-! ### Rounding -/

/-- The quantum exponent of `n * 2 ^ e`: `max (bitLen n - 24 + e) (-149)`. -/
def quantum (n : Nat) (e : Int) : Int :=
  if (bitLen n : Int) - 24 + e ≤ -149 then -149 else (bitLen n : Int) - 24 + e

/-- The integer significand `n * 2 ^ (e - q)` rounded to nearest even, `q = quantum n e`. -/
def roundedSig (n : Nat) (e : Int) : Nat :=
  if quantum n e ≤ e then n * 2 ^ (e - quantum n e).toNat
  else shiftRightRNE n (quantum n e - e).toNat

/-- The magnitude bits (sign bit clear) of `n * 2 ^ e` rounded to nearest even, `+Inf` on
overflow: `(q + 149) * 2 ^ 23 + m`, with a carry `m = 2 ^ 24` renormalised to `2 ^ 23, q + 1`. -/
def roundMag (n : Nat) (e : Int) : Nat :=
  if roundedSig n e = 16777216 then
    (if (quantum n e + 150).toNat * 8388608 + 8388608 ≤ 2139095040 then
      (quantum n e + 150).toNat * 8388608 + 8388608 else 2139095040)
  else
    (if (quantum n e + 149).toNat * 8388608 + roundedSig n e ≤ 2139095040 then
      (quantum n e + 149).toNat * 8388608 + roundedSig n e else 2139095040)

/-- The binary32 nearest `d` (ties to even; overflow to `±Inf`; an exact zero to `+0`; a nonzero
value that rounds to zero keeps its sign). -/
def ofDyadic (d : Dyadic) : IEEE32 :=
  if d.man = 0 then posZero
  else ofBitsNat ((if d.man < 0 then 2147483648 else 0) + roundMag d.man.natAbs d.exp)

/-- `ofDyadic d`, except that an exact zero becomes `-0` when `neg` and `+0` otherwise. -/
def ofDyadicSigned (neg : Bool) (d : Dyadic) : IEEE32 :=
  if d.man = 0 then zeroOf neg else ofDyadic d

/-! ### Sign operations -/

/-- Flips the sign bit (also of NaN). -/
def neg (x : IEEE32) : IEEE32 := ofBitsNat ((x.toBitsNat + 2147483648) % 4294967296)

/-- Clears the sign bit (also of NaN). -/
def abs (x : IEEE32) : IEEE32 := ofBitsNat (x.toBitsNat % 2147483648)

/-! ### Arithmetic -/

/-- `x + y` when an operand is not finite: NaN in → `qNaN`; `Inf + (-Inf)` → `qNaN`; otherwise
the infinite operand. -/
def addSpecial (x y : IEEE32) : IEEE32 :=
  if x.isNaN || y.isNaN then qNaN
  else if x.isInf then (if y.isInf && (x.signBit != y.signBit) then qNaN else x)
  else y

/-- `x + y`: the exact sum rounded once; an exact zero is `-0` only when both operands are `-0`. -/
def add (x y : IEEE32) : IEEE32 :=
  match x.toDyadic?, y.toDyadic? with
  | some a, some b => ofDyadicSigned (x.signBit && y.signBit) (a.add b)
  | _, _ => addSpecial x y

/-- `x - y`: the exact difference rounded once; an exact zero is `-0` only for `(-0) - (+0)`. -/
def sub (x y : IEEE32) : IEEE32 :=
  match x.toDyadic?, y.toDyadic? with
  | some a, some b => ofDyadicSigned (x.signBit && !y.signBit) (a.sub b)
  | _, _ => addSpecial x y.neg

/-- `x * y` when an operand is not finite: NaN in or `Inf * 0` → `qNaN`, else an infinity with
the xor of the signs. -/
def mulSpecial (x y : IEEE32) : IEEE32 :=
  if x.isNaN || y.isNaN then qNaN
  else if x.isZero || y.isZero then qNaN
  else infOf (x.signBit != y.signBit)

/-- `x * y`: the exact product rounded once; the sign of a zero is the xor of the signs. -/
def mul (x y : IEEE32) : IEEE32 :=
  match x.toDyadic?, y.toDyadic? with
  | some a, some b => ofDyadicSigned (x.signBit != y.signBit) (a.mul b)
  | _, _ => mulSpecial x y

/-- `x / y` on finite operands with values `a`, `b`: `0/0` → `qNaN`, `x/0` → signed infinity,
`0/y` → signed zero, else `ofDyadic (a.divApprox b)`. -/
def divFinite (x y : IEEE32) (a b : Dyadic) : IEEE32 :=
  if b.man = 0 then (if a.man = 0 then qNaN else infOf (x.signBit != y.signBit))
  else if a.man = 0 then zeroOf (x.signBit != y.signBit)
  else ofDyadic (a.divApprox b)

/-- `x / y` when an operand is not finite: NaN in or `Inf/Inf` → `qNaN`; `Inf/y` → signed
infinity; `x/Inf` → signed zero. -/
def divSpecial (x y : IEEE32) : IEEE32 :=
  if x.isNaN || y.isNaN then qNaN
  else if x.isInf then (if y.isInf then qNaN else infOf (x.signBit != y.signBit))
  else zeroOf (x.signBit != y.signBit)

/-- `x / y`, correctly rounded. -/
def div (x y : IEEE32) : IEEE32 :=
  match x.toDyadic?, y.toDyadic? with
  | some a, some b => divFinite x y a b
  | _, _ => divSpecial x y

/-- `√x` on a finite operand with value `a`: `±0 ↦ ±0`, negative → `qNaN`, else
`ofDyadic a.sqrtApprox`. -/
def sqrtFinite (x : IEEE32) (a : Dyadic) : IEEE32 :=
  if a.man = 0 then x
  else if a.man < 0 then qNaN
  else ofDyadic a.sqrtApprox

/-- `√x`, correctly rounded; `√(+Inf) = +Inf`; NaN and `-Inf` → `qNaN`. -/
def sqrt (x : IEEE32) : IEEE32 :=
  match x.toDyadic? with
  | some a => sqrtFinite x a
  | none => if x.isNaN || x.signBit then qNaN else x

/-- `x * y + z` when an operand is not finite. -/
def fmaSpecial (x y z : IEEE32) : IEEE32 :=
  if x.isNaN || y.isNaN || z.isNaN then qNaN
  else if (x.isInf && y.isZero) || (x.isZero && y.isInf) then qNaN
  else if x.isInf || y.isInf then
    (if z.isInf && (z.signBit != (x.signBit != y.signBit)) then qNaN
     else infOf (x.signBit != y.signBit))
  else z

/-- `x * y + z` with one rounding; an exact zero is `-0` only when the product's sign and `z`'s
sign are both negative. -/
def fma (x y z : IEEE32) : IEEE32 :=
  match x.toDyadic?, y.toDyadic?, z.toDyadic? with
  | some a, some b, some c =>
    ofDyadicSigned ((x.signBit != y.signBit) && z.signBit) ((a.mul b).add c)
  | _, _, _ => fmaSpecial x y z

/-! ### Comparisons -/

/-- `x < y` when an operand is not finite: `false` with a NaN; else `x = -Inf < y` or
`x < +Inf = y`. -/
def ltSpecial (x y : IEEE32) : Bool :=
  if x.isNaN || y.isNaN then false
  else (x.isInf && x.signBit && !(y.isInf && y.signBit)) ||
    (y.isInf && !y.signBit && !(x.isInf && !x.signBit))

/-- `x < y` (IEEE: `false` when either is NaN). -/
def lt (x y : IEEE32) : Bool :=
  match x.toDyadic?, y.toDyadic? with
  | some a, some b => a.lt b
  | _, _ => ltSpecial x y

/-- `x ≤ y` when an operand is not finite. -/
def leSpecial (x y : IEEE32) : Bool :=
  if x.isNaN || y.isNaN then false
  else (x.isInf && x.signBit) || (y.isInf && !y.signBit)

/-- `x ≤ y` (IEEE: `false` when either is NaN). -/
def le (x y : IEEE32) : Bool :=
  match x.toDyadic?, y.toDyadic? with
  | some a, some b => a.le b
  | _, _ => leSpecial x y

/-- `x == y` when an operand is not finite: `false` with a NaN, else the patterns are equal. -/
def eqSpecial (x y : IEEE32) : Bool :=
  if x.isNaN || y.isNaN then false else decide (x.toBitsNat = y.toBitsNat)

/-- `x == y` (IEEE: `+0 == -0`; `false` when either is NaN). -/
def eq (x y : IEEE32) : Bool :=
  match x.toDyadic?, y.toDyadic? with
  | some a, some b => a.eqv b
  | _, _ => eqSpecial x y

/-- NumPy's `maximum`: `qNaN` if either is NaN, else `x` if `y < x`, else `y`. -/
def maximum (x y : IEEE32) : IEEE32 :=
  if x.isNaN || y.isNaN then qNaN else if y.lt x then x else y

/-- NumPy's `minimum`: `qNaN` if either is NaN, else `x` if `x < y`, else `y`. -/
def minimum (x y : IEEE32) : IEEE32 :=
  if x.isNaN || y.isNaN then qNaN else if x.lt y then x else y

/-! ### Conversions -/

/-- The binary32 nearest the natural number `n`. -/
def ofNat (n : Nat) : IEEE32 := ofDyadic ⟨(n : Int), 0⟩

/-- The binary32 nearest the integer `n` (`0 ↦ +0`). -/
def ofInt (n : Int) : IEEE32 := ofDyadic ⟨n, 0⟩

end IEEE32

end NN.Floats
