import NN.Proofs.Floats.Encoding

/-!
# Bridge theorems of the binary32 kernel

On the finite path every arithmetic operation of `NN.Floats.IEEE32` is "round the exact result
once": for finite operands with exact values `a`, `b` (`toDyadic? = some a`, `some b`),
`x.add y = ofDyadic (a.add b)` whenever the exact sum is nonzero, and an exact zero result is the
signed zero IEEE 754 prescribes for round-to-nearest; the same for `sub`, `mul` and `fma`.
`div`/`sqrt` round `Dyadic.divApprox`/`Dyadic.sqrtApprox` (enough quotient/root bits plus a sticky
bit). Comparisons agree with the `Dyadic` order and `minimum`/`maximum` with `Dyadic.min`/`max`
on finite values.

## Main results

* `add_of_finite`, `add_eq_ofDyadic`, `add_of_man_eq_zero` (and the same for `sub`, `mul`, `fma`).
* `div_of_finite`, `div_eq_ofDyadic`, `div_zero_of_finite`, `zero_div_of_finite`,
  `zero_div_zero_of_finite`; `sqrt_of_finite`, `sqrt_eq_ofDyadic`, `sqrt_zero_of_finite`,
  `sqrt_neg_of_finite`.
* `isNaN_eq_false_of_toDyadic?`, `lt_of_finite`, `le_of_finite`, `eq_of_finite`,
  `lt_eq_true_iff_of_finite`, `le_eq_true_iff_of_finite`.
* `maximum_of_finite`, `minimum_of_finite`, `toDyadic?_maximum`, `toDyadic?_minimum`.
* `Dyadic.lt_eq_true_iff`, `Dyadic.le_eq_true_iff`: the Boolean order is the Prop order.
* NaN: `toDyadic?_eq_none_of_isNaN`; `lt_of_isNaN_left/right`, `le_of_isNaN_left/right`,
  `eq_of_isNaN_left/right` (IEEE's unordered comparisons are `false`);
  `maximum_of_isNaN_left/right`, `minimum_of_isNaN_left/right` (NaN propagates as `qNaN`).
* `sub_eq_add_neg`: `x.sub y = x.add y.neg` for all patterns.

## Implementation notes

Each operation is defined as a `match` on `toDyadic?` of its operands, so every `_of_finite`
theorem is "unfold, rewrite the decodings, reduce the match"; the rest is `if_pos`/`if_neg` on the
exact-zero test of `ofDyadicSigned`. What `ofDyadic` computes (nearest-even rounding) is stated in
`NN/Proofs/Floats/Round.lean` as far as it is proved; that `divApprox`/`sqrtApprox` round like
the exact quotient/root is tested, not proved.

Trust boundary: statements about the Lean definitions. That `ofDyadic` is IEEE 754's
round-to-nearest-even on every input is tested against NumPy, SoftFloat and MPFR through the Python
twin; core `Float32` is outside every theorem.
-/

namespace NN.Floats

namespace Dyadic

/-- The Boolean order is the Prop-level order. -/
theorem lt_eq_true_iff (a b : Dyadic) : a.lt b = true ↔ a.Lt b :=
  ⟨fun h => (of_decide_eq_true h : (a.sub b).man < 0),
   fun h => (decide_eq_true (h : (a.sub b).man < 0) : decide ((a.sub b).man < 0) = true)⟩

/-- The Boolean non-strict order is the Prop-level one. -/
theorem le_eq_true_iff (a b : Dyadic) : a.le b = true ↔ a.Le b :=
  ⟨fun h => (of_decide_eq_true h : (a.sub b).man ≤ 0),
   fun h => (decide_eq_true (h : (a.sub b).man ≤ 0) : decide ((a.sub b).man ≤ 0) = true)⟩

end Dyadic

namespace IEEE32

variable {x y z : IEEE32} {a b c : Dyadic}

/-! ### Finite operands are not NaN -/

/-- A pattern with an exact value is not a NaN. -/
theorem isNaN_eq_false_of_toDyadic? (hx : x.toDyadic? = some a) : x.isNaN = false := by
  have hf : ¬ x.expField = 255 := by
    intro h
    have e : x.toDyadic? = none := if_pos h
    rw [e] at hx
    cases hx
  show decide (x.expField = 255 ∧ x.fracField ≠ 0) = false
  exact decide_eq_false (fun hc => hf hc.1)

/-! ### Addition and subtraction -/

/-- On finite operands `add` rounds the exact sum, with IEEE's sign for an exact zero. -/
theorem add_of_finite (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b) :
    x.add y = ofDyadicSigned (x.signBit && y.signBit) (a.add b) := by
  unfold IEEE32.add
  rw [hx, hy] <;> rfl

/-- Bridge: a nonzero exact sum of finite operands is rounded once to nearest even. -/
theorem add_eq_ofDyadic (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b)
    (h : (a.add b).man ≠ 0) : x.add y = ofDyadic (a.add b) := by
  rw [add_of_finite hx hy]
  exact if_neg h

/-- An exact zero sum is `-0` when both operands have the sign bit set, else `+0`. -/
theorem add_of_man_eq_zero (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b)
    (h : (a.add b).man = 0) : x.add y = zeroOf (x.signBit && y.signBit) := by
  rw [add_of_finite hx hy]
  exact if_pos h

/-- On finite operands `sub` rounds the exact difference, with IEEE's sign for an exact zero. -/
theorem sub_of_finite (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b) :
    x.sub y = ofDyadicSigned (x.signBit && !y.signBit) (a.sub b) := by
  unfold IEEE32.sub
  rw [hx, hy] <;> rfl

/-- Bridge: a nonzero exact difference of finite operands is rounded once to nearest even. -/
theorem sub_eq_ofDyadic (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b)
    (h : (a.sub b).man ≠ 0) : x.sub y = ofDyadic (a.sub b) := by
  rw [sub_of_finite hx hy]
  exact if_neg h

/-- An exact zero difference is `-0` only for `(-0) - (+0)`-like sign bits, else `+0`. -/
theorem sub_of_man_eq_zero (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b)
    (h : (a.sub b).man = 0) : x.sub y = zeroOf (x.signBit && !y.signBit) := by
  rw [sub_of_finite hx hy]
  exact if_pos h

/-! ### Multiplication and fused multiply-add -/

/-- On finite operands `mul` rounds the exact product; the sign of a zero is the xor. -/
theorem mul_of_finite (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b) :
    x.mul y = ofDyadicSigned (x.signBit != y.signBit) (a.mul b) := by
  unfold IEEE32.mul
  rw [hx, hy] <;> rfl

/-- Bridge: a nonzero exact product of finite operands is rounded once to nearest even. -/
theorem mul_eq_ofDyadic (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b)
    (h : (a.mul b).man ≠ 0) : x.mul y = ofDyadic (a.mul b) := by
  rw [mul_of_finite hx hy]
  exact if_neg h

/-- An exact zero product is the zero whose sign is the xor of the operands' signs. -/
theorem mul_of_man_eq_zero (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b)
    (h : (a.mul b).man = 0) : x.mul y = zeroOf (x.signBit != y.signBit) := by
  rw [mul_of_finite hx hy]
  exact if_pos h

/-- On finite operands `fma` rounds the exact `a * b + c` once. -/
theorem fma_of_finite (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b)
    (hz : z.toDyadic? = some c) :
    x.fma y z = ofDyadicSigned ((x.signBit != y.signBit) && z.signBit) ((a.mul b).add c) := by
  unfold IEEE32.fma
  rw [hx, hy, hz] <;> rfl

/-- Bridge: a nonzero exact `a * b + c` of finite operands is rounded once to nearest even. -/
theorem fma_eq_ofDyadic (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b)
    (hz : z.toDyadic? = some c) (h : ((a.mul b).add c).man ≠ 0) :
    x.fma y z = ofDyadic ((a.mul b).add c) := by
  rw [fma_of_finite hx hy hz]
  exact if_neg h

/-- An exact zero `a * b + c` is `-0` only when the product's sign and `z`'s sign are both
negative. -/
theorem fma_of_man_eq_zero (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b)
    (hz : z.toDyadic? = some c) (h : ((a.mul b).add c).man = 0) :
    x.fma y z = zeroOf ((x.signBit != y.signBit) && z.signBit) := by
  rw [fma_of_finite hx hy hz]
  exact if_pos h

/-! ### Division and square root -/

/-- On finite operands `div` is `divFinite`. -/
theorem div_of_finite (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b) :
    x.div y = divFinite x y a b := by
  unfold IEEE32.div
  rw [hx, hy] <;> rfl

/-- Finite nonzero operands: `div` rounds `a.divApprox b` once. -/
theorem div_eq_ofDyadic (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b)
    (ha : a.man ≠ 0) (hb : b.man ≠ 0) : x.div y = ofDyadic (a.divApprox b) := by
  rw [div_of_finite hx hy]
  show (if b.man = 0 then (if a.man = 0 then qNaN else infOf (x.signBit != y.signBit))
    else if a.man = 0 then zeroOf (x.signBit != y.signBit)
    else ofDyadic (a.divApprox b)) = _
  rw [if_neg hb, if_neg ha]

/-- A finite nonzero number divided by a zero is the infinity with the xor of the signs. -/
theorem div_zero_of_finite (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b)
    (ha : a.man ≠ 0) (hb : b.man = 0) : x.div y = infOf (x.signBit != y.signBit) := by
  rw [div_of_finite hx hy]
  show (if b.man = 0 then (if a.man = 0 then qNaN else infOf (x.signBit != y.signBit))
    else if a.man = 0 then zeroOf (x.signBit != y.signBit)
    else ofDyadic (a.divApprox b)) = _
  rw [if_pos hb, if_neg ha]

/-- A zero divided by a finite nonzero number is the zero with the xor of the signs. -/
theorem zero_div_of_finite (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b)
    (ha : a.man = 0) (hb : b.man ≠ 0) : x.div y = zeroOf (x.signBit != y.signBit) := by
  rw [div_of_finite hx hy]
  show (if b.man = 0 then (if a.man = 0 then qNaN else infOf (x.signBit != y.signBit))
    else if a.man = 0 then zeroOf (x.signBit != y.signBit)
    else ofDyadic (a.divApprox b)) = _
  rw [if_neg hb, if_pos ha]

/-- `0 / 0` is the quiet NaN. -/
theorem zero_div_zero_of_finite (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b)
    (ha : a.man = 0) (hb : b.man = 0) : x.div y = qNaN := by
  rw [div_of_finite hx hy]
  show (if b.man = 0 then (if a.man = 0 then qNaN else infOf (x.signBit != y.signBit))
    else if a.man = 0 then zeroOf (x.signBit != y.signBit)
    else ofDyadic (a.divApprox b)) = _
  rw [if_pos hb, if_pos ha]

/-- On a finite operand `sqrt` is `sqrtFinite`. -/
theorem sqrt_of_finite (hx : x.toDyadic? = some a) : x.sqrt = sqrtFinite x a := by
  unfold IEEE32.sqrt
  rw [hx] <;> rfl

/-- A positive finite operand: `sqrt` rounds `a.sqrtApprox` once. -/
theorem sqrt_eq_ofDyadic (hx : x.toDyadic? = some a) (ha : 0 < a.man) :
    x.sqrt = ofDyadic a.sqrtApprox := by
  have h1 : ¬ a.man = 0 := by omega
  have h2 : ¬ a.man < 0 := by omega
  rw [sqrt_of_finite hx]
  show (if a.man = 0 then x else if a.man < 0 then qNaN else ofDyadic a.sqrtApprox) = _
  rw [if_neg h1, if_neg h2]

/-- The square root of a zero is that zero (`√(-0) = -0`). -/
theorem sqrt_zero_of_finite (hx : x.toDyadic? = some a) (ha : a.man = 0) : x.sqrt = x := by
  rw [sqrt_of_finite hx]
  show (if a.man = 0 then x else if a.man < 0 then qNaN else ofDyadic a.sqrtApprox) = _
  rw [if_pos ha]

/-- The square root of a negative finite number is the quiet NaN. -/
theorem sqrt_neg_of_finite (hx : x.toDyadic? = some a) (ha : a.man < 0) : x.sqrt = qNaN := by
  have h1 : ¬ a.man = 0 := by omega
  rw [sqrt_of_finite hx]
  show (if a.man = 0 then x else if a.man < 0 then qNaN else ofDyadic a.sqrtApprox) = _
  rw [if_neg h1, if_pos ha]

/-! ### Comparisons -/

/-- On finite operands `lt` is the `Dyadic` order of the exact values. -/
theorem lt_of_finite (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b) :
    x.lt y = a.lt b := by
  unfold IEEE32.lt
  rw [hx, hy] <;> rfl

/-- On finite operands `le` is the `Dyadic` order of the exact values. -/
theorem le_of_finite (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b) :
    x.le y = a.le b := by
  unfold IEEE32.le
  rw [hx, hy] <;> rfl

/-- On finite operands `eq` is equality of the exact values (so `-0 == +0`). -/
theorem eq_of_finite (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b) :
    x.eq y = a.eqv b := by
  unfold IEEE32.eq
  rw [hx, hy] <;> rfl

/-- On finite operands `x.lt y` holds exactly when `a < b` in the Prop-level `Dyadic` order. -/
theorem lt_eq_true_iff_of_finite (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b) :
    x.lt y = true ↔ a.Lt b := by
  rw [lt_of_finite hx hy]
  exact Dyadic.lt_eq_true_iff a b

/-- On finite operands `x.le y` holds exactly when `a ≤ b` in the Prop-level `Dyadic` order. -/
theorem le_eq_true_iff_of_finite (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b) :
    x.le y = true ↔ a.Le b := by
  rw [le_of_finite hx hy]
  exact Dyadic.le_eq_true_iff a b

/-! ### Minimum and maximum -/

/-- On finite operands `maximum` picks by the `Dyadic` order, ties to the second argument. -/
theorem maximum_of_finite (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b) :
    x.maximum y = if b.lt a then x else y := by
  unfold IEEE32.maximum
  rw [isNaN_eq_false_of_toDyadic? hx, isNaN_eq_false_of_toDyadic? hy, lt_of_finite hy hx] <;>
    exact if_neg (by decide)

/-- On finite operands `minimum` picks by the `Dyadic` order, ties to the second argument. -/
theorem minimum_of_finite (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b) :
    x.minimum y = if a.lt b then x else y := by
  unfold IEEE32.minimum
  rw [isNaN_eq_false_of_toDyadic? hx, isNaN_eq_false_of_toDyadic? hy, lt_of_finite hx hy] <;>
    exact if_neg (by decide)

/-- The exact value of `maximum` of finite operands is `Dyadic.max` of their values (both zeros
decode to the same dyadic, so the sign of a zero result is not seen here). -/
theorem toDyadic?_maximum (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b) :
    (x.maximum y).toDyadic? = some (a.max b) := by
  rw [maximum_of_finite hx hy]
  show (if b.lt a then x else y).toDyadic? = some (if b.lt a then a else b)
  cases h : b.lt a with
  | false => exact hy
  | true => exact hx

/-- The exact value of `minimum` of finite operands is `Dyadic.min` of their values. -/
theorem toDyadic?_minimum (hx : x.toDyadic? = some a) (hy : y.toDyadic? = some b) :
    (x.minimum y).toDyadic? = some (a.min b) := by
  rw [minimum_of_finite hx hy]
  show (if a.lt b then x else y).toDyadic? = some (if a.lt b then a else b)
  cases h : a.lt b with
  | false => exact hy
  | true => exact hx

/-! ### NaN operands -/

/-- A NaN has no exact value. -/
theorem toDyadic?_eq_none_of_isNaN (h : x.isNaN = true) : x.toDyadic? = none :=
  if_pos (of_decide_eq_true h).1

/-- `ltSpecial` is `false` when the left operand is a NaN. -/
theorem ltSpecial_of_isNaN_left (h : x.isNaN = true) : ltSpecial x y = false := by
  unfold IEEE32.ltSpecial
  rw [h] <;> rfl

/-- `ltSpecial` is `false` when the right operand is a NaN. -/
theorem ltSpecial_of_isNaN_right (h : y.isNaN = true) : ltSpecial x y = false := by
  unfold IEEE32.ltSpecial
  rw [h]
  cases x.isNaN <;> rfl

/-- `leSpecial` is `false` when the left operand is a NaN. -/
theorem leSpecial_of_isNaN_left (h : x.isNaN = true) : leSpecial x y = false := by
  unfold IEEE32.leSpecial
  rw [h] <;> rfl

/-- `leSpecial` is `false` when the right operand is a NaN. -/
theorem leSpecial_of_isNaN_right (h : y.isNaN = true) : leSpecial x y = false := by
  unfold IEEE32.leSpecial
  rw [h]
  cases x.isNaN <;> rfl

/-- `eqSpecial` is `false` when the left operand is a NaN. -/
theorem eqSpecial_of_isNaN_left (h : x.isNaN = true) : eqSpecial x y = false := by
  unfold IEEE32.eqSpecial
  rw [h] <;> rfl

/-- `eqSpecial` is `false` when the right operand is a NaN. -/
theorem eqSpecial_of_isNaN_right (h : y.isNaN = true) : eqSpecial x y = false := by
  unfold IEEE32.eqSpecial
  rw [h]
  cases x.isNaN <;> rfl

/-- IEEE's unordered comparison: `x < y` is `false` when `x` is a NaN. -/
theorem lt_of_isNaN_left (h : x.isNaN = true) : x.lt y = false := by
  have hs := ltSpecial_of_isNaN_left (y := y) h
  unfold IEEE32.lt
  rw [toDyadic?_eq_none_of_isNaN h]
  exact hs

/-- IEEE's unordered comparison: `x < y` is `false` when `y` is a NaN. -/
theorem lt_of_isNaN_right (h : y.isNaN = true) : x.lt y = false := by
  have hs := ltSpecial_of_isNaN_right (x := x) h
  unfold IEEE32.lt
  rw [toDyadic?_eq_none_of_isNaN h]
  cases x.toDyadic? with
  | none => exact hs
  | some a => exact hs

/-- IEEE's unordered comparison: `x ≤ y` is `false` when `x` is a NaN. -/
theorem le_of_isNaN_left (h : x.isNaN = true) : x.le y = false := by
  have hs := leSpecial_of_isNaN_left (y := y) h
  unfold IEEE32.le
  rw [toDyadic?_eq_none_of_isNaN h]
  exact hs

/-- IEEE's unordered comparison: `x ≤ y` is `false` when `y` is a NaN. -/
theorem le_of_isNaN_right (h : y.isNaN = true) : x.le y = false := by
  have hs := leSpecial_of_isNaN_right (x := x) h
  unfold IEEE32.le
  rw [toDyadic?_eq_none_of_isNaN h]
  cases x.toDyadic? with
  | none => exact hs
  | some a => exact hs

/-- IEEE's unordered comparison: `x == y` is `false` when `x` is a NaN (so `NaN ≠ NaN`). -/
theorem eq_of_isNaN_left (h : x.isNaN = true) : x.eq y = false := by
  have hs := eqSpecial_of_isNaN_left (y := y) h
  unfold IEEE32.eq
  rw [toDyadic?_eq_none_of_isNaN h]
  exact hs

/-- IEEE's unordered comparison: `x == y` is `false` when `y` is a NaN. -/
theorem eq_of_isNaN_right (h : y.isNaN = true) : x.eq y = false := by
  have hs := eqSpecial_of_isNaN_right (x := x) h
  unfold IEEE32.eq
  rw [toDyadic?_eq_none_of_isNaN h]
  cases x.toDyadic? with
  | none => exact hs
  | some a => exact hs

/-- NumPy's `maximum` propagates a NaN in the first position (as the quiet NaN). -/
theorem maximum_of_isNaN_left (h : x.isNaN = true) : x.maximum y = qNaN := by
  unfold IEEE32.maximum
  rw [h] <;> rfl

/-- NumPy's `maximum` propagates a NaN in the second position (as the quiet NaN). -/
theorem maximum_of_isNaN_right (h : y.isNaN = true) : x.maximum y = qNaN := by
  unfold IEEE32.maximum
  rw [h]
  cases x.isNaN <;> rfl

/-- NumPy's `minimum` propagates a NaN in the first position (as the quiet NaN). -/
theorem minimum_of_isNaN_left (h : x.isNaN = true) : x.minimum y = qNaN := by
  unfold IEEE32.minimum
  rw [h] <;> rfl

/-- NumPy's `minimum` propagates a NaN in the second position (as the quiet NaN). -/
theorem minimum_of_isNaN_right (h : y.isNaN = true) : x.minimum y = qNaN := by
  unfold IEEE32.minimum
  rw [h]
  cases x.isNaN <;> rfl

/-! ### Subtraction is addition of the negation -/

/-- `x - y = x + (-y)` for every pair of patterns (NaN, infinities and signed zeros included). -/
theorem sub_eq_add_neg (x y : IEEE32) : x.sub y = x.add y.neg := by
  unfold IEEE32.sub IEEE32.add
  rw [toDyadic?_neg]
  cases x.toDyadic? with
  | none =>
    cases y.toDyadic? with
    | none => rfl
    | some b => rfl
  | some a =>
    cases y.toDyadic? with
    | none => rfl
    | some b =>
      show ofDyadicSigned (x.signBit && !y.signBit) (a.sub b) =
        ofDyadicSigned (x.signBit && y.neg.signBit) (a.add b.neg)
      rw [signBit_neg] <;> rfl

end IEEE32

end NN.Floats
