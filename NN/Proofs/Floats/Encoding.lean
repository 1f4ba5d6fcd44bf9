import NN.Floats.IEEE32

/-!
# Encoding facts of the binary32 kernel

What `neg` and `abs` do to the fields of a bit pattern, and through them to the decoded value:
`neg` flips the sign bit and keeps the exponent and fraction fields, so it negates the exact value
of every finite pattern and keeps NaN a NaN; `abs` clears the sign bit.

## Main results

* `NN.Floats.IEEE32.toBitsNat_ofBitsNat`, `toBitsNat_lt`: the pattern of `ofBitsNat k` is
  `k mod 2^32`, and every pattern is below `2^32`.
* `signBit_neg`, `expField_neg`, `fracField_neg`, `isNaN_neg`, `isInf_neg`, `isZero_neg`.
* `signBit_abs`, `expField_abs`, `fracField_abs`, `isNaN_abs`, `toDyadic?_abs`.
* `toDyadic?_neg`: `(neg x).toDyadic? = x.toDyadic?.map Dyadic.neg`.

## Implementation notes

The fields are read from `toBitsNat = bits.toNat % 2^32` with literal divisions and remainders, so
every arithmetic step is closed by `omega`. The only fact about `UInt32` used is that
`(UInt32.ofNat k).toNat` is `k % 2^32` by definition (`rfl`).

Trust boundary: statements about the Lean definitions only.
-/

namespace NN.Floats.IEEE32

/-- The pattern of `ofBitsNat k` is `k mod 2^32`. -/
theorem toBitsNat_ofBitsNat (k : Nat) : (ofBitsNat k).toBitsNat = k % 4294967296 := by
  have h : (UInt32.ofNat k).toNat = k % 4294967296 := rfl
  show (UInt32.ofNat k).toNat % 4294967296 = k % 4294967296
  omega

/-- Every pattern is below `2^32`. -/
theorem toBitsNat_lt (x : IEEE32) : x.toBitsNat < 4294967296 := by
  show x.bits.toNat % 4294967296 < 4294967296
  omega

/-- The pattern of `neg x`. -/
theorem toBitsNat_neg (x : IEEE32) :
    x.neg.toBitsNat = (x.toBitsNat + 2147483648) % 4294967296 := by
  have h := toBitsNat_ofBitsNat ((x.toBitsNat + 2147483648) % 4294967296)
  show (ofBitsNat ((x.toBitsNat + 2147483648) % 4294967296)).toBitsNat = _
  omega

/-- The pattern of `abs x`. -/
theorem toBitsNat_abs (x : IEEE32) : x.abs.toBitsNat = x.toBitsNat % 2147483648 := by
  have h := toBitsNat_ofBitsNat (x.toBitsNat % 2147483648)
  show (ofBitsNat (x.toBitsNat % 2147483648)).toBitsNat = _
  omega

/-! ### `neg` -/

/-- `neg` flips the sign bit. -/
theorem signBit_neg (x : IEEE32) : x.neg.signBit = !x.signBit := by
  have h1 := toBitsNat_neg x
  have h2 := toBitsNat_lt x
  by_cases hs : 2147483648 ≤ x.toBitsNat
  · have e1 : x.signBit = true := decide_eq_true hs
    have e2 : x.neg.signBit = false := by
      show decide (2147483648 ≤ x.neg.toBitsNat) = false
      exact decide_eq_false (by omega)
    exact e2.trans (congrArg (fun s => !s) e1).symm
  · have e1 : x.signBit = false := decide_eq_false hs
    have e2 : x.neg.signBit = true := by
      show decide (2147483648 ≤ x.neg.toBitsNat) = true
      exact decide_eq_true (by omega)
    exact e2.trans (congrArg (fun s => !s) e1).symm

/-- `neg` keeps the exponent field. -/
theorem expField_neg (x : IEEE32) : x.neg.expField = x.expField := by
  have h1 := toBitsNat_neg x
  have h2 := toBitsNat_lt x
  show x.neg.toBitsNat / 8388608 % 256 = x.toBitsNat / 8388608 % 256
  omega

/-- `neg` keeps the fraction field. -/
theorem fracField_neg (x : IEEE32) : x.neg.fracField = x.fracField := by
  have h1 := toBitsNat_neg x
  have h2 := toBitsNat_lt x
  show x.neg.toBitsNat % 8388608 = x.toBitsNat % 8388608
  omega

/-- `neg` keeps NaN a NaN (and a non-NaN a non-NaN). -/
theorem isNaN_neg (x : IEEE32) : x.neg.isNaN = x.isNaN := by
  show decide (x.neg.expField = 255 ∧ x.neg.fracField ≠ 0) =
    decide (x.expField = 255 ∧ x.fracField ≠ 0)
  rw [expField_neg, fracField_neg]

/-- `neg` keeps infinities infinite. -/
theorem isInf_neg (x : IEEE32) : x.neg.isInf = x.isInf := by
  show decide (x.neg.expField = 255 ∧ x.neg.fracField = 0) =
    decide (x.expField = 255 ∧ x.fracField = 0)
  rw [expField_neg, fracField_neg]

/-- `neg` keeps zeros zero. -/
theorem isZero_neg (x : IEEE32) : x.neg.isZero = x.isZero := by
  show decide (x.neg.expField = 0 ∧ x.neg.fracField = 0) =
    decide (x.expField = 0 ∧ x.fracField = 0)
  rw [expField_neg, fracField_neg]

/-- `neg` keeps the significand. -/
theorem decodeMan_neg (x : IEEE32) : x.neg.decodeMan = x.decodeMan := by
  show (if x.neg.expField = 0 then x.neg.fracField else x.neg.fracField + 8388608) =
    (if x.expField = 0 then x.fracField else x.fracField + 8388608)
  rw [expField_neg, fracField_neg]

/-- `neg` keeps the exponent of the significand. -/
theorem decodeExp_neg (x : IEEE32) : x.neg.decodeExp = x.decodeExp := by
  show (if x.neg.expField = 0 then (-149 : Int) else (x.neg.expField : Int) - 150) =
    (if x.expField = 0 then (-149 : Int) else (x.expField : Int) - 150)
  rw [expField_neg]

/-- Flipping the sign flag negates the signed integer. -/
theorem signed_not (s : Bool) (m : Nat) : signed (!s) m = -(signed s m) := by
  cases s with
  | false => rfl
  | true =>
    show (m : Int) = -(-(m : Int))
    omega

/-- `neg` negates the value read as finite. -/
theorem decodeFinite_neg (x : IEEE32) : x.neg.decodeFinite = x.decodeFinite.neg := by
  show (⟨signed x.neg.signBit x.neg.decodeMan, x.neg.decodeExp⟩ : Dyadic) =
    ⟨-(signed x.signBit x.decodeMan), x.decodeExp⟩
  rw [signBit_neg, decodeMan_neg, decodeExp_neg, signed_not]

/-- `neg` negates the exact value of a finite pattern and keeps non-finite patterns
non-finite. -/
theorem toDyadic?_neg (x : IEEE32) : x.neg.toDyadic? = x.toDyadic?.map Dyadic.neg := by
  show (if x.neg.expField = 255 then none else some x.neg.decodeFinite) =
    Option.map Dyadic.neg (if x.expField = 255 then none else some x.decodeFinite)
  rw [expField_neg, decodeFinite_neg]
  by_cases h : x.expField = 255
  · rw [if_pos h, if_pos h] <;> rfl
  · rw [if_neg h, if_neg h] <;> rfl

/-! ### `abs` -/

/-- `abs` clears the sign bit. -/
theorem signBit_abs (x : IEEE32) : x.abs.signBit = false := by
  have h := toBitsNat_abs x
  show decide (2147483648 ≤ x.abs.toBitsNat) = false
  exact decide_eq_false (by omega)

/-- `abs` keeps the exponent field. -/
theorem expField_abs (x : IEEE32) : x.abs.expField = x.expField := by
  have h1 := toBitsNat_abs x
  have h2 := toBitsNat_lt x
  show x.abs.toBitsNat / 8388608 % 256 = x.toBitsNat / 8388608 % 256
  omega

/-- `abs` keeps the fraction field. -/
theorem fracField_abs (x : IEEE32) : x.abs.fracField = x.fracField := by
  have h1 := toBitsNat_abs x
  show x.abs.toBitsNat % 8388608 = x.toBitsNat % 8388608
  omega

/-- `abs` keeps NaN a NaN. -/
theorem isNaN_abs (x : IEEE32) : x.abs.isNaN = x.isNaN := by
  show decide (x.abs.expField = 255 ∧ x.abs.fracField ≠ 0) =
    decide (x.expField = 255 ∧ x.fracField ≠ 0)
  rw [expField_abs, fracField_abs]

/-- `abs` keeps the significand. -/
theorem decodeMan_abs (x : IEEE32) : x.abs.decodeMan = x.decodeMan := by
  show (if x.abs.expField = 0 then x.abs.fracField else x.abs.fracField + 8388608) =
    (if x.expField = 0 then x.fracField else x.fracField + 8388608)
  rw [expField_abs, fracField_abs]

/-- `abs` keeps the exponent of the significand. -/
theorem decodeExp_abs (x : IEEE32) : x.abs.decodeExp = x.decodeExp := by
  show (if x.abs.expField = 0 then (-149 : Int) else (x.abs.expField : Int) - 150) =
    (if x.expField = 0 then (-149 : Int) else (x.expField : Int) - 150)
  rw [expField_abs]

/-- The value of `abs x` read as finite: the significand with a clear sign. -/
theorem decodeFinite_abs (x : IEEE32) :
    x.abs.decodeFinite = ⟨signed false x.decodeMan, x.decodeExp⟩ := by
  show (⟨signed x.abs.signBit x.abs.decodeMan, x.abs.decodeExp⟩ : Dyadic) = _
  rw [signBit_abs, decodeMan_abs, decodeExp_abs]

/-- The magnitude of a signed integer. -/
theorem natAbs_signed (s : Bool) (m : Nat) : ((signed s m).natAbs : Int) = signed false m := by
  cases s with
  | false =>
    show (((m : Int)).natAbs : Int) = (m : Int)
    omega
  | true =>
    show ((-(m : Int)).natAbs : Int) = (m : Int)
    omega

/-- `abs` takes the absolute value of the exact value of a finite pattern and keeps non-finite
patterns non-finite. -/
theorem toDyadic?_abs (x : IEEE32) : x.abs.toDyadic? = x.toDyadic?.map Dyadic.abs := by
  show (if x.abs.expField = 255 then none else some x.abs.decodeFinite) =
    Option.map Dyadic.abs (if x.expField = 255 then none else some x.decodeFinite)
  rw [expField_abs]
  by_cases h : x.expField = 255
  · rw [if_pos h, if_pos h] <;> rfl
  · rw [if_neg h, if_neg h, decodeFinite_abs]
    show some (⟨signed false x.decodeMan, x.decodeExp⟩ : Dyadic) =
      some ⟨((signed x.signBit x.decodeMan).natAbs : Int), x.decodeExp⟩
    rw [natAbs_signed]

end NN.Floats.IEEE32
