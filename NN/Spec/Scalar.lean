/-!
# Scalar classes

The op semantics is written once over a scalar class and instantiated with exact values (for
proofs and `#guard` tests), with core `Float32` (for execution) and, in `NN/Floats/Scalar.lean`,
with the bit-exact binary32 type `NN.Floats.IEEE32`.

## Main definitions

* `NN.ScalarRing`: zero, one, `add`, `sub`, `mul`, `neg`, a Boolean comparison `lt`, a cast
  `fromNat` for counts, and `max`/`min` with NumPy's `np.maximum`/`np.minimum` semantics (the
  piecewise-linear fragment).
* `NN.Scalar`: extends `ScalarRing` with `div`, `abs`, `exp`, `log`, `sqrt`, `tanh`, `ofBits`
  (binary32 bit pattern → scalar, used for literal constants and float attributes), `erf`,
  `sin`, `cos`, `floor`, `ceil`, `round` (half to even) and `pow`.
* Derived operations: `smax`, `smin` (equal to `ScalarRing.max`/`ScalarRing.min`), `relu`,
  `sign`, `sigmoid`, `leakyRelu`, `clip`, `sumList`, `maxList`.
* `NN.bitsToIntTrunc`: the value of a binary32 bit pattern truncated towards zero, as an `Int`.
* `NN.f32Max`, `NN.f32Min`, `NN.f32RoundHalfEven`, `NN.f32Erf`: the `Float32` versions of the
  fields that core `Float32` does not provide directly.
* Instances: `Scalar Int` (exact; see the caveat below) and `Scalar Float32` (execution).

## Main results

None; the instances are definitions.

## Implementation notes

`lt` is Boolean so that comparisons are plain `if`s on a `Bool`, evaluable by `#guard`, `decide`
and the compiler alike. `max`/`min` are fields (not derived from `lt`) because NumPy's
`np.maximum`/`np.minimum` propagate NaN from either argument, which no `if` on a
false-on-NaN `lt` can express. Their contract, for every instance:

* `max a b`: NaN when `a` or `b` is NaN; otherwise `if lt b a then a else b`;
* `min a b`: NaN when `a` or `b` is NaN; otherwise `if lt a b then a else b`;

so ties (including `max (-0) (+0)` and `max (+0) (-0)`) return the *second* argument, as NumPy
does. `relu x = max x 0` (so `relu (-0) = +0`). `sign x = 1` if `0 < x`, `-1` if `x < 0`, else
`x` itself (so `sign (±0) = ±0` and `sign NaN = NaN`). `round` rounds half to even (ONNX
`Round`, NumPy `np.round`). The Python twins are `pytools/tlean/evaluate.py`'s elementwise
functions.

Trust boundary: the `Int` instance is exact for the piecewise-linear fragment (`add`, `sub`,
`mul`, `neg`, `abs`, `max`, `min`, `relu`, `sign`, structural ops, sums and maxima); `floor`,
`ceil` and `round` are the identity (exact on integers) and `pow x y = x ^ y` for `y ≥ 0`
(`0` for a negative exponent); its `div` is integer division and its `exp`, `log`, `sqrt`,
`tanh`, `erf`, `sin`, `cos` are placeholders returning `0`, so it is not meaningful for ops that
use them (sigmoid, tanh, exp, log, sqrt, erf, sin, cos, softmax, normalisation, mean pooling).
Its `ofBits` truncates towards zero. The `Float32` instance delegates to the C `float`
operations of the Lean runtime (`expf`, `sinf`, `powf`, `floorf`, …); nothing is proved about
them here. Core Lean has no `erf`: `f32Erf` is an approximation written in `Float32`
arithmetic (a Taylor polynomial below 1, the Abramowitz–Stegun 7.1.26 formula on `[1, 4)`, `±1`
beyond), measured within 3 ulp (absolute error below `1.8e-7`) of the exact `erf` on 20 000
random points of `[-5, 5]`; it is not correctly rounded. Bit-exact, correctly rounded versions
of every field are the `IEEE32` instance's (`NN/Floats/Scalar.lean`).
-/

namespace NN

/-- The ring-like fragment of scalars used by piecewise-linear ops. -/
class ScalarRing (α : Type) where
  /-- The additive unit. -/
  zero : α
  /-- The multiplicative unit. -/
  one : α
  /-- Addition. -/
  add : α → α → α
  /-- Subtraction. -/
  sub : α → α → α
  /-- Multiplication. -/
  mul : α → α → α
  /-- Negation. -/
  neg : α → α
  /-- Strict comparison, as a Boolean (`false` when an argument is NaN). -/
  lt : α → α → Bool
  /-- The scalar for a natural number (element counts). -/
  fromNat : Nat → α
  /-- NumPy `np.maximum`: NaN when either argument is NaN, otherwise
  `if lt b a then a else b` (ties return the second argument). -/
  max : α → α → α
  /-- NumPy `np.minimum`: NaN when either argument is NaN, otherwise
  `if lt a b then a else b` (ties return the second argument). -/
  min : α → α → α

/-- Scalars with division, elementary functions, rounding and binary32 literals. -/
class Scalar (α : Type) extends ScalarRing α where
  /-- Division. -/
  div : α → α → α
  /-- Absolute value. -/
  abs : α → α
  /-- Exponential. -/
  exp : α → α
  /-- Natural logarithm. -/
  log : α → α
  /-- Square root. -/
  sqrt : α → α
  /-- Hyperbolic tangent. -/
  tanh : α → α
  /-- The scalar denoted by a binary32 bit pattern. -/
  ofBits : UInt32 → α
  /-- The error function. -/
  erf : α → α
  /-- Sine (radians). -/
  sin : α → α
  /-- Cosine (radians). -/
  cos : α → α
  /-- Largest integer not above the argument. -/
  floor : α → α
  /-- Smallest integer not below the argument. -/
  ceil : α → α
  /-- Nearest integer, ties to even (ONNX `Round`, NumPy `np.round`). -/
  round : α → α
  /-- Power `x ^ y` (IEEE `pow`). -/
  pow : α → α → α

section Derived

variable {α : Type}

/-- The larger of two scalars: `ScalarRing.max` (NumPy `np.maximum`). -/
def smax [ScalarRing α] (a b : α) : α := ScalarRing.max a b

/-- The smaller of two scalars: `ScalarRing.min` (NumPy `np.minimum`). -/
def smin [ScalarRing α] (a b : α) : α := ScalarRing.min a b

/-- Rectified linear unit: `max x 0` (so `relu (-0) = +0` and `relu NaN = NaN`). -/
def relu [ScalarRing α] (x : α) : α := ScalarRing.max x ScalarRing.zero

/-- Sign: `1` when `0 < x`, `-1` when `x < 0`, else `x` itself (`±0 ↦ ±0`, `NaN ↦ NaN`). -/
def sign [ScalarRing α] (x : α) : α :=
  if ScalarRing.lt ScalarRing.zero x then ScalarRing.one
  else if ScalarRing.lt x ScalarRing.zero then ScalarRing.neg ScalarRing.one
  else x

/-- Logistic sigmoid `1 / (1 + exp (-x))`. -/
def sigmoid [Scalar α] (x : α) : α :=
  Scalar.div ScalarRing.one (ScalarRing.add ScalarRing.one (Scalar.exp (ScalarRing.neg x)))

/-- Leaky ReLU with slope `alpha` for negative inputs. -/
def leakyRelu [ScalarRing α] (alpha x : α) : α :=
  if ScalarRing.lt x ScalarRing.zero then ScalarRing.mul alpha x else x

/-- Clip to `[lo, hi]`: `min (max x lo) hi`; a missing bound is no bound. -/
def clip [ScalarRing α] (lo hi : Option α) (x : α) : α :=
  let y : α := (match lo with | some l => smax x l | none => x)
  match hi with
  | some h => smin y h
  | none => y

/-- Left-to-right sum starting from zero: `((0 + a₀) + a₁) + …`. -/
def sumList [ScalarRing α] (l : List α) : α := l.foldl ScalarRing.add ScalarRing.zero

/-- Left-to-right maximum `max (max a₀ a₁) a₂ …`; `0` for the empty list. -/
def maxList [ScalarRing α] : List α → α
  | [] => ScalarRing.zero
  | a :: l => l.foldl smax a

end Derived

/-! ### Binary32 bit patterns as integers -/

/-- The value of the binary32 bit pattern `b`, truncated towards zero, as an integer
(NaN and infinities give `0`). -/
def bitsToIntTrunc (b : UInt32) : Int :=
  let n := b.toNat
  let sign := n / 2 ^ 31
  let e := (n / 2 ^ 23) % 256
  let m := n % 2 ^ 23
  let mag : Nat :=
    if e == 0 || e == 255 then 0
    else if 150 ≤ e then (m + 2 ^ 23) * 2 ^ (e - 150)
    else (m + 2 ^ 23) / 2 ^ (150 - e)
  if sign == 1 then -(Int.ofNat mag) else Int.ofNat mag

/-! ### `Float32` helpers -/

/-- NumPy `np.maximum` on `Float32`: a NaN argument is returned (the first one when both are
NaN); otherwise `if b < a then a else b`. -/
def f32Max (a b : Float32) : Float32 :=
  if Float32.isNaN a then a
  else if Float32.isNaN b then b
  else if decide (b < a) then a else b

/-- NumPy `np.minimum` on `Float32`: a NaN argument is returned (the first one when both are
NaN); otherwise `if a < b then a else b`. -/
def f32Min (a b : Float32) : Float32 :=
  if Float32.isNaN a then a
  else if Float32.isNaN b then b
  else if decide (a < b) then a else b

/-- Round half to even on `Float32`, from C `roundf` (`Float32.round`, half away from zero).
`r = roundf x`; `x` is a tie exactly when `|x - r| = 0.5` (the subtraction is exact: for
`|x| ≥ 0.5` by Sterbenz's lemma, below that `r = ±0`); on a tie with `r` odd (`r / 2` not an
integer) the result moves one towards zero, keeping the sign of `x` (`-0.5 ↦ -0`). NaN and
infinities give `roundf x` (the tie test is false for them). -/
def f32RoundHalfEven (x : Float32) : Float32 :=
  let r := Float32.round x
  let half := Float32.ofBits 0x3F000000
  let one := Float32.ofBits 0x3F800000
  if Float32.abs (Float32.sub x r) == half then
    let h := Float32.mul r half
    if Float32.floor h == h then r
    else if decide (x < Float32.ofBits 0) then
      Float32.neg (Float32.sub (Float32.neg r) one)
    else Float32.sub r one
  else r

/-- Coefficients of the Taylor series of `erf x / x` in `x²`, lowest degree first:
`2/√π · (-1)ⁿ / (n! (2n+1))` for `n = 0 … 11`, as binary32 bit patterns. -/
def erfTaylorBits : List UInt32 :=
  [0x3F906EBB, 0xBEC093A3, 0x3DE71791, 0xBCDC1672, 0x3BAB2DE7, 0xBA6016DA, 0x38FCD193,
   0xB77A692E, 0x35DCF365, 0xB42FBA17, 0x327E62B9, 0xB0A8EB8C]

/-- Coefficients `a₁ … a₅` of the Abramowitz–Stegun 7.1.26 approximation
`erf x ≈ 1 - (a₁t + a₂t² + a₃t³ + a₄t⁴ + a₅t⁵) e^{-x²}`, `t = 1 / (1 + p x)`, as binary32 bits. -/
def erfAsBits : List UInt32 := [0x3E827906, 0xBE91A98E, 0x3FB5F0E3, 0xBFBA00E3, 0x3F87DC22]

/-- Horner evaluation `c₀ + z (c₁ + z (c₂ + …))` of binary32 coefficients, in `Float32`. -/
def f32Horner (z : Float32) : List UInt32 → Float32
  | [] => Float32.ofBits 0
  | [c] => Float32.ofBits c
  | c :: cs => Float32.add (Float32.mul (f32Horner z cs) z) (Float32.ofBits c)

/-- An approximation of `erf` in `Float32` arithmetic (core Lean has no `erf`): NaN is returned
as is; for `|x| < 1` the Taylor polynomial `x · P(x²)` of degree 23; for `1 ≤ |x| < 4` the
Abramowitz–Stegun 7.1.26 formula (`p = 0.3275911`) with the sign of `x`; `±1` beyond (where
`erf` rounds to `±1` in binary32). Measured within 3 ulp of the exact value (see the module
docstring); not correctly rounded. -/
def f32Erf (x : Float32) : Float32 :=
  if Float32.isNaN x then x
  else
    let one := Float32.ofBits 0x3F800000
    let a := Float32.abs x
    let neg := decide (x < Float32.ofBits 0)
    if decide (a < one) then
      Float32.mul x (f32Horner (Float32.mul x x) erfTaylorBits)
    else if decide (a < Float32.ofBits 0x40800000) then
      let t := Float32.div one (Float32.add one (Float32.mul (Float32.ofBits 0x3EA7BA05) a))
      let poly := Float32.mul (f32Horner t erfAsBits) t
      let r := Float32.sub one (Float32.mul poly (Float32.exp (Float32.neg (Float32.mul a a))))
      if neg then Float32.neg r else r
    else if neg then Float32.neg one else one

/-! ### Instances -/

/-- Exact integer scalars (see the trust boundary in the module docstring for the caveats). -/
instance instScalarInt : Scalar Int where
  zero := 0
  one := 1
  add a b := a + b
  sub a b := a - b
  mul a b := a * b
  neg a := -a
  lt a b := decide (a < b)
  fromNat n := Int.ofNat n
  max a b := if decide (b < a) then a else b
  min a b := if decide (a < b) then a else b
  div a b := a / b
  abs a := if a < 0 then -a else a
  exp _ := 0
  log _ := 0
  sqrt _ := 0
  tanh _ := 0
  ofBits := bitsToIntTrunc
  erf _ := 0
  sin _ := 0
  cos _ := 0
  floor a := a
  ceil a := a
  round a := a
  pow a b := if decide (0 ≤ b) then a ^ b.toNat else 0

/-- IEEE binary32 scalars executed by the Lean runtime (C `float`). -/
instance instScalarFloat32 : Scalar Float32 where
  zero := Float32.ofBits 0
  one := Float32.ofBits 0x3F800000
  add := Float32.add
  sub := Float32.sub
  mul := Float32.mul
  neg := Float32.neg
  lt a b := decide (a < b)
  fromNat n := UInt64.toFloat32 (UInt64.ofNat n)
  max := f32Max
  min := f32Min
  div := Float32.div
  abs := Float32.abs
  exp := Float32.exp
  log := Float32.log
  sqrt := Float32.sqrt
  tanh := Float32.tanh
  ofBits := Float32.ofBits
  erf := f32Erf
  sin := Float32.sin
  cos := Float32.cos
  floor := Float32.floor
  ceil := Float32.ceil
  round := f32RoundHalfEven
  pow := Float32.pow

end NN
