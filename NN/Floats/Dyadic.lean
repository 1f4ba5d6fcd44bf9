/-!
# Dyadic numbers and natural-number helpers

Exact values `man * 2 ^ exp` with an `Int` mantissa and an `Int` exponent. Sums, differences and
products of dyadics are dyadics, so the piecewise-linear fragment of the IR has an exact meaning in
them, and every finite binary32 value is one (`NN.Floats.IEEE32.toDyadic?`).

## Main definitions

* `NN.Floats.bitLen`, `NN.Floats.shiftRightRNE`, `NN.Floats.isqrt`: natural-number helpers of the
  rounding (bit length, right shift rounded to nearest even, integer square root).
* `NN.Floats.Dyadic`: `man * 2 ^ exp`, not normalised.
* `Dyadic.add`, `Dyadic.sub`, `Dyadic.mul`, `Dyadic.neg`, `Dyadic.abs`: exact operations.
* `Dyadic.lt`, `Dyadic.le`, `Dyadic.eqv`: Boolean order and value equality, decided by the sign of
  the mantissa of the exact difference (a comparison of cross-scaled integers).
* `Dyadic.max`, `Dyadic.min`: ties return the second argument (NumPy's rule).
* `Dyadic.normalize`: strips trailing zero bits of the mantissa.
* `Dyadic.divApprox`, `Dyadic.sqrtApprox`: dyadics that round like the exact quotient / square root
  (enough quotient or root bits plus a sticky bit); used by `IEEE32.div` and `IEEE32.sqrt`.

## Main results

None here; see `NN/Proofs/Floats/Core.lean`.

## Implementation notes

Every loop is structural recursion on a `Nat` fuel argument, so everything evaluates with `#eval`,
`#guard` and (on small inputs) `decide`. The Python twin is `tlean.ieee32` (same names in
snake_case, `Dyadic` values as `(man, exp)` pairs with a `dyadic_` prefix).

Trust boundary: these are definitions. `divApprox`/`sqrtApprox` are claimed (and tested, not
proved) to round exactly like the exact quotient / root: the quotient has at least 26 bits and the
root at least 27, so the sticky bit lies below every binary32 rounding position.
-/

namespace NN.Floats

/-! ### Natural-number helpers -/

/-- `bitLen` with an explicit fuel argument (halvings left). -/
def bitLenGo : Nat → Nat → Nat
  | 0, _ => 0
  | fuel + 1, n => if n = 0 then 0 else bitLenGo fuel (n / 2) + 1

/-- The number of binary digits of `n` (`bitLen 0 = 0`); the fuel `n` always suffices. -/
def bitLen (n : Nat) : Nat := bitLenGo n n

/-- `n / 2 ^ k` rounded to nearest, ties to even. -/
def shiftRightRNE (n : Nat) : Nat → Nat
  | 0 => n
  | j + 1 =>
    if 2 ^ j < n % 2 ^ (j + 1) ∨ (n % 2 ^ (j + 1) = 2 ^ j ∧ n / 2 ^ (j + 1) % 2 = 1) then
      n / 2 ^ (j + 1) + 1
    else
      n / 2 ^ (j + 1)

/-- One digit step of `isqrt`: tries to add `2 ^ i` (and then the lower powers) to the root `r`. -/
def isqrtGo (n : Nat) : Nat → Nat → Nat
  | 0, r => if (r + 1) * (r + 1) ≤ n then r + 1 else r
  | i + 1, r =>
    isqrtGo n i (if (r + 2 ^ (i + 1)) * (r + 2 ^ (i + 1)) ≤ n then r + 2 ^ (i + 1) else r)

/-- The integer square root `⌊√n⌋`, decided bit by bit from `2 ^ (bitLen n / 2 + 1)` down. -/
def isqrt (n : Nat) : Nat := isqrtGo n (bitLen n / 2 + 1) 0

/-! ### Dyadic values -/

/-- The exact value `man * 2 ^ exp` (not normalised: `⟨2, 0⟩` and `⟨1, 1⟩` are the same value). -/
structure Dyadic where
  /-- The integer mantissa. -/
  man : Int
  /-- The binary exponent. -/
  exp : Int
  deriving Repr, DecidableEq, Inhabited

namespace Dyadic

/-- The dyadic `0 * 2 ^ 0`. -/
def zero : Dyadic := ⟨0, 0⟩

/-- The integer `n` as a dyadic `n * 2 ^ 0`. -/
def ofInt (n : Int) : Dyadic := ⟨n, 0⟩

/-- Negation (of the mantissa). -/
def neg (a : Dyadic) : Dyadic := ⟨-a.man, a.exp⟩

/-- `m * 2 ^ k` on integers. -/
def scale (m : Int) (k : Nat) : Int := m * ((2 ^ k : Nat) : Int)

/-- The smaller of the two exponents. -/
def minExp (a b : Dyadic) : Int := if a.exp ≤ b.exp then a.exp else b.exp

/-- Absolute value (of the mantissa). -/
def abs (a : Dyadic) : Dyadic := ⟨(a.man.natAbs : Int), a.exp⟩

/-- The exact sum, at the smaller exponent. -/
def add (a b : Dyadic) : Dyadic :=
  ⟨scale a.man (a.exp - minExp a b).toNat + scale b.man (b.exp - minExp a b).toNat, minExp a b⟩

/-- The exact difference `a + (-b)`. -/
def sub (a b : Dyadic) : Dyadic := a.add b.neg

/-- The exact product. -/
def mul (a b : Dyadic) : Dyadic := ⟨a.man * b.man, a.exp + b.exp⟩

/-- `a < b`, decided by the sign of the mantissa of `a - b`. -/
def lt (a b : Dyadic) : Bool := decide ((a.sub b).man < 0)

/-- `a ≤ b`, decided by the sign of the mantissa of `a - b`. -/
def le (a b : Dyadic) : Bool := decide ((a.sub b).man ≤ 0)

/-- Equality of values: the mantissa of `a - b` is zero. -/
def eqv (a b : Dyadic) : Bool := decide ((a.sub b).man = 0)

/-- The Prop-level order: `a - b` has a negative mantissa. -/
def Lt (a b : Dyadic) : Prop := (a.sub b).man < 0

/-- The Prop-level non-strict order. -/
def Le (a b : Dyadic) : Prop := (a.sub b).man ≤ 0

/-- `a` if `b < a`, else `b` (ties return the second argument, as NumPy's `maximum`). -/
def max (a b : Dyadic) : Dyadic := if b.lt a then a else b

/-- `a` if `a < b`, else `b` (ties return the second argument, as NumPy's `minimum`). -/
def min (a b : Dyadic) : Dyadic := if a.lt b then a else b

/-- `normalize` with an explicit fuel argument. -/
def normalizeGo : Nat → Int → Int → Dyadic
  | 0, m, e => ⟨m, e⟩
  | fuel + 1, m, e => if m ≠ 0 ∧ m % 2 = 0 then normalizeGo fuel (m / 2) (e + 1) else ⟨m, e⟩

/-- The same value with the trailing zero bits of the mantissa moved into the exponent. -/
def normalize (a : Dyadic) : Dyadic := normalizeGo a.man.natAbs a.man a.exp

/-- A dyadic that rounds like `a / b` (for `b.man ≠ 0`): with `n = |a.man|`, `d = |b.man|`,
`k = bitLen d + 26`, `q = ⌊n 2^k / d⌋` and `r` its remainder, the mantissa is `±(2q + [r ≠ 0])`
and the exponent `a.exp - b.exp - k - 1`. -/
def divApprox (a b : Dyadic) : Dyadic :=
  ⟨if (decide (a.man < 0) != decide (b.man < 0)) = true then
      -(((2 * (a.man.natAbs * 2 ^ (bitLen b.man.natAbs + 26) / b.man.natAbs) +
        (if a.man.natAbs * 2 ^ (bitLen b.man.natAbs + 26) % b.man.natAbs = 0 then 0 else 1) :
          Nat) : Int))
    else
      ((2 * (a.man.natAbs * 2 ^ (bitLen b.man.natAbs + 26) / b.man.natAbs) +
        (if a.man.natAbs * 2 ^ (bitLen b.man.natAbs + 26) % b.man.natAbs = 0 then 0 else 1) :
          Nat) : Int),
   a.exp - b.exp - ((bitLen b.man.natAbs + 26 : Nat) : Int) - 1⟩

/-- The even-exponent form of a positive dyadic: its mantissa magnitude (doubled when the exponent
is odd). -/
def evenMan (a : Dyadic) : Nat := if a.exp % 2 = 0 then a.man.natAbs else 2 * a.man.natAbs

/-- The even-exponent form of a dyadic: its exponent (decremented when odd). -/
def evenExp (a : Dyadic) : Int := if a.exp % 2 = 0 then a.exp else a.exp - 1

/-- A dyadic that rounds like `√a` (for `a.man > 0`): with `N = evenMan a * 2 ^ 52`,
`s = isqrt N` and `r = N - s²`, the mantissa is `2s + [r ≠ 0]` and the exponent
`(evenExp a - 52) / 2 - 1`. -/
def sqrtApprox (a : Dyadic) : Dyadic :=
  ⟨((2 * isqrt (a.evenMan * 2 ^ 52) +
      (if a.evenMan * 2 ^ 52 - isqrt (a.evenMan * 2 ^ 52) * isqrt (a.evenMan * 2 ^ 52) = 0
        then 0 else 1) : Nat) : Int),
   (a.evenExp - 52) / 2 - 1⟩

end Dyadic

end NN.Floats
