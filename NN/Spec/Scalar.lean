/-!
# Scalar classes

The op semantics is written once over a scalar class and instantiated with exact values (for
proofs and `#guard` tests) and with core `Float32` (for execution).

## Main definitions

* `NN.ScalarRing`: zero, one, `add`, `sub`, `mul`, `neg`, a Boolean comparison `lt` and a
  cast `fromNat` for counts (the piecewise-linear fragment).
* `NN.Scalar`: extends `ScalarRing` with `div`, `abs`, `exp`, `log`, `sqrt`, `tanh` and `ofBits`
  (binary32 bit pattern → scalar, used for literal constants and float attributes).
* Derived operations: `smax`, `smin`, `relu`, `sigmoid`, `leakyRelu`, `clip`, `sumList`,
  `maxList`.
* `NN.bitsToIntTrunc`: the value of a binary32 bit pattern truncated towards zero, as an `Int`.
* Instances: `Scalar Int` (exact; see the caveat below) and `Scalar Float32` (execution).

## Main results

None; the instances are definitions.

## Implementation notes

`lt` is Boolean so that `smax`/`smin` are plain `if`s on a `Bool`, evaluable by `#guard`,
`decide` and the compiler alike. `smax a b = if lt a b then b else a`.

Trust boundary: the `Int` instance is exact for the piecewise-linear fragment (`add`, `sub`,
`mul`, `neg`, `abs`, `max`, `min`, `relu`, structural ops, sums and maxima); its `div` is integer
division and its `exp`, `log`, `sqrt`, `tanh` are placeholders returning `0`, so it is not
meaningful for ops that use them (sigmoid, tanh, exp, log, sqrt, softmax, normalisation, mean
pooling). Its `ofBits` truncates towards zero. The `Float32` instance delegates to the C
`float` operations of the Lean runtime; nothing is proved about them here.
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
  /-- Strict comparison, as a Boolean. -/
  lt : α → α → Bool
  /-- The scalar for a natural number (element counts). -/
  fromNat : Nat → α

/-- Scalars with division, transcendental functions and binary32 literals. -/
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

section Derived

variable {α : Type}

/-- The larger of two scalars (`b` when `a < b`, else `a`). -/
def smax [ScalarRing α] (a b : α) : α := if ScalarRing.lt a b then b else a

/-- The smaller of two scalars (`b` when `b < a`, else `a`). -/
def smin [ScalarRing α] (a b : α) : α := if ScalarRing.lt b a then b else a

/-- Rectified linear unit: `max x 0`. -/
def relu [ScalarRing α] (x : α) : α := smax x ScalarRing.zero

/-- Logistic sigmoid `1 / (1 + exp (-x))`. -/
def sigmoid [Scalar α] (x : α) : α :=
  Scalar.div ScalarRing.one (ScalarRing.add ScalarRing.one (Scalar.exp (ScalarRing.neg x)))

/-- Leaky ReLU with slope `alpha` for negative inputs. -/
def leakyRelu [ScalarRing α] (alpha x : α) : α :=
  if ScalarRing.lt x ScalarRing.zero then ScalarRing.mul alpha x else x

/-- Clip to `[lo, hi]`; a missing bound is no bound. -/
def clip [ScalarRing α] (lo hi : Option α) (x : α) : α :=
  let y : α := (match lo with | some l => smax x l | none => x)
  match hi with
  | some h => smin y h
  | none => y

/-- Left-to-right sum starting from zero: `((0 + a₀) + a₁) + …`. -/
def sumList [ScalarRing α] (l : List α) : α := l.foldl ScalarRing.add ScalarRing.zero

/-- Left-to-right maximum; `0` for the empty list. -/
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
  div a b := a / b
  abs a := if a < 0 then -a else a
  exp _ := 0
  log _ := 0
  sqrt _ := 0
  tanh _ := 0
  ofBits := bitsToIntTrunc

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
  div := Float32.div
  abs := Float32.abs
  exp := Float32.exp
  log := Float32.log
  sqrt := Float32.sqrt
  tanh := Float32.tanh
  ofBits := Float32.ofBits

end NN
