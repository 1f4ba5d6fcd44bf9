import NN.Proofs.Floats.Encoding

/-!
# Facts about the rounding `IEEE32.ofDyadic`

What is proved of the one rounding function every operation calls: the bit length it reads, the
range of the magnitude it encodes, the sign of a rounded nonzero value, sign symmetry, and that
rounding the exact value of a finite nonzero pattern gives back that pattern (decode/encode round
trip).

## Main results

* `NN.Floats.bitLen_le`, `NN.Floats.bitLen_eq`: `bitLen n ≤ k` when `n < 2^k`, and
  `bitLen n = k + 1` when `2^k ≤ n < 2^(k+1)`.
* `IEEE32.roundMag_le`: the magnitude is at most the pattern of `+Inf`.
* `IEEE32.roundMag_of_exact`: when the quantum is the value's own exponent, no rounding happens.
* `IEEE32.toBitsNat_ofDyadic`: the pattern of a rounded nonzero value (sign bit + magnitude).
* `IEEE32.signBit_ofDyadic`: a nonzero value rounds to a pattern with its sign (also when it
  rounds to a zero or an infinity).
* `IEEE32.ofDyadic_neg`: `ofDyadic (-d) = -(ofDyadic d)` for `d ≠ 0` (sign symmetry).
* `IEEE32.toBitsNat_ofDyadic_decodeFinite`, `IEEE32.toBitsNat_ofDyadic_of_toDyadic?`: the round
  trip: rounding the exact value of a finite nonzero pattern gives back its bit pattern.

## Implementation notes

The round trip is stated on bit patterns (`toBitsNat`); equality of `IEEE32` values from equal
patterns would need a `UInt32` extensionality lemma, which this file avoids.

Trust boundary: not proved here (tested through the twin against NumPy, SoftFloat and MPFR):
that `ofDyadic` returns the nearest binary32 with ties to even on every input, and its
monotonicity. Zeros round to `+0` by definition (`ofDyadic` with `man = 0`), so the round trip
excludes `-0`; `ofDyadicSigned` handles signed zeros.
-/

namespace NN.Floats

/-! ### Bit length -/

/-- `2 ^ k` is positive. -/
theorem one_le_two_pow : ∀ k : Nat, 1 ≤ 2 ^ k
  | 0 => by decide
  | k + 1 => by
    have h := one_le_two_pow k
    have e : 2 ^ (k + 1) = 2 ^ k * 2 := rfl
    omega

/-- The bit length of `0` is `0`, whatever the fuel. -/
theorem bitLenGo_zero (fuel : Nat) : bitLenGo fuel 0 = 0 := by
  cases fuel with
  | zero => rfl
  | succ f => rfl

/-- Below `2 ^ k` the bit length is at most `k`. -/
theorem bitLenGo_le (k : Nat) : ∀ (fuel n : Nat), n < 2 ^ k → bitLenGo fuel n ≤ k := by
  induction k with
  | zero =>
    intro fuel n h
    have e : 2 ^ 0 = 1 := rfl
    have hn : n = 0 := by omega
    subst hn
    have := bitLenGo_zero fuel
    omega
  | succ k ih =>
    intro fuel n h
    cases fuel with
    | zero =>
      show 0 ≤ k + 1
      omega
    | succ f =>
      show (if n = 0 then 0 else bitLenGo f (n / 2) + 1) ≤ k + 1
      by_cases hn : n = 0
      · rw [if_pos hn]
        omega
      · rw [if_neg hn]
        have e : 2 ^ (k + 1) = 2 ^ k * 2 := rfl
        have := ih f (n / 2) (by omega)
        omega

/-- Between `2 ^ k` and `2 ^ (k+1)` the bit length is `k + 1` (given enough fuel). -/
theorem bitLenGo_spec (k : Nat) :
    ∀ (fuel n : Nat), 2 ^ k ≤ n → n < 2 ^ (k + 1) → n ≤ fuel → bitLenGo fuel n = k + 1 := by
  induction k with
  | zero =>
    intro fuel n h1 h2 h3
    have e0 : 2 ^ 0 = 1 := rfl
    have e1 : 2 ^ (0 + 1) = 2 := rfl
    have hn : n = 1 := by omega
    subst hn
    cases fuel with
    | zero => omega
    | succ f =>
      show (if 1 = 0 then 0 else bitLenGo f (1 / 2) + 1) = 0 + 1
      have h10 : ¬ (1 : Nat) = 0 := by decide
      rw [if_neg h10]
      show bitLenGo f 0 + 1 = 0 + 1
      rw [bitLenGo_zero]
  | succ k ih =>
    intro fuel n h1 h2 h3
    have hp := one_le_two_pow k
    have e1 : 2 ^ (k + 1) = 2 ^ k * 2 := rfl
    have e2 : 2 ^ (k + 1 + 1) = 2 ^ (k + 1) * 2 := rfl
    cases fuel with
    | zero => omega
    | succ f =>
      have hn0 : ¬ n = 0 := by omega
      show (if n = 0 then 0 else bitLenGo f (n / 2) + 1) = k + 1 + 1
      rw [if_neg hn0, ih f (n / 2) (by omega) (by omega) (by omega)]

/-- Below `2 ^ k` the bit length is at most `k`. -/
theorem bitLen_le (k n : Nat) (h : n < 2 ^ k) : bitLen n ≤ k :=
  bitLenGo_le k n n h

/-- Between `2 ^ k` and `2 ^ (k+1)` the bit length is `k + 1`. -/
theorem bitLen_eq (k n : Nat) (h1 : 2 ^ k ≤ n) (h2 : n < 2 ^ (k + 1)) : bitLen n = k + 1 :=
  bitLenGo_spec k n n h1 h2 (by omega)

namespace IEEE32

/-! ### The magnitude -/

/-- The magnitude never exceeds the pattern of `+Inf`. -/
theorem roundMag_le (n : Nat) (e : Int) : roundMag n e ≤ 2139095040 := by
  unfold roundMag
  split
  · split <;> omega
  · split <;> omega

/-- A value with at most 24 bits whose exponent is the subnormal quantum keeps it. -/
theorem quantum_of_sub (n : Nat) (hb : bitLen n ≤ 24) : quantum n (-149) = -149 := by
  have h : (bitLen n : Int) - 24 + -149 ≤ -149 := by omega
  show (if (bitLen n : Int) - 24 + -149 ≤ -149 then -149 else (bitLen n : Int) - 24 + -149) = -149
  rw [if_pos h]

/-- A 24-bit significand at a normal exponent is its own quantum. -/
theorem quantum_of_norm (n : Nat) (e : Int) (hb : bitLen n = 24) (he : -149 ≤ e) :
    quantum n e = e := by
  show (if (bitLen n : Int) - 24 + e ≤ -149 then -149 else (bitLen n : Int) - 24 + e) = e
  by_cases h : (bitLen n : Int) - 24 + e ≤ -149
  · rw [if_pos h]
    omega
  · rw [if_neg h]
    omega

/-- When the quantum is the value's own exponent nothing is rounded off: the magnitude is
`(e + 149) * 2^23 + n` (below the `+Inf` pattern). -/
theorem roundMag_of_exact {n : Nat} {e : Int} (hq : quantum n e = e) (hn : n ≠ 16777216)
    (hb : (e + 149).toNat * 8388608 + n ≤ 2139095040) :
    roundMag n e = (e + 149).toNat * 8388608 + n := by
  have hs : roundedSig n e = n := by
    have hle : quantum n e ≤ e := by omega
    have h0 : (e - quantum n e).toNat = 0 := by omega
    show (if quantum n e ≤ e then n * 2 ^ (e - quantum n e).toNat
      else shiftRightRNE n (quantum n e - e).toNat) = n
    rw [if_pos hle, h0]
    omega
  show (if roundedSig n e = 16777216 then
      (if (quantum n e + 150).toNat * 8388608 + 8388608 ≤ 2139095040 then
        (quantum n e + 150).toNat * 8388608 + 8388608 else 2139095040)
    else
      (if (quantum n e + 149).toNat * 8388608 + roundedSig n e ≤ 2139095040 then
        (quantum n e + 149).toNat * 8388608 + roundedSig n e else 2139095040)) = _
  rw [hs, hq, if_neg hn, if_pos hb]

/-! ### Sign -/

/-- The pattern of a rounded nonzero value: the sign bit of its mantissa plus the magnitude. -/
theorem toBitsNat_ofDyadic {d : Dyadic} (h : d.man ≠ 0) :
    (ofDyadic d).toBitsNat =
      ((if d.man < 0 then 2147483648 else 0) + roundMag d.man.natAbs d.exp) % 4294967296 := by
  show (if d.man = 0 then posZero
    else ofBitsNat ((if d.man < 0 then 2147483648 else 0) + roundMag d.man.natAbs d.exp)).toBitsNat
      = _
  rw [if_neg h, toBitsNat_ofBitsNat]

/-- A nonzero value rounds to a pattern with its own sign (also when the result is a zero or
an infinity). -/
theorem signBit_ofDyadic {d : Dyadic} (h : d.man ≠ 0) :
    (ofDyadic d).signBit = decide (d.man < 0) := by
  have hb := toBitsNat_ofDyadic h
  have hR := roundMag_le d.man.natAbs d.exp
  by_cases hs : d.man < 0
  · rw [decide_eq_true hs]
    show decide (2147483648 ≤ (ofDyadic d).toBitsNat) = true
    apply decide_eq_true
    rw [hb, if_pos hs]
    omega
  · rw [decide_eq_false hs]
    show decide (2147483648 ≤ (ofDyadic d).toBitsNat) = false
    apply decide_eq_false
    rw [hb, if_neg hs]
    omega

/-- Sign symmetry: rounding `-d` gives the negation of rounding `d` (`d ≠ 0`). -/
theorem ofDyadic_neg {d : Dyadic} (h : d.man ≠ 0) : ofDyadic d.neg = (ofDyadic d).neg := by
  have h1 : ¬ (-d.man = 0) := by omega
  have hn : (-d.man).natAbs = d.man.natAbs := by omega
  have hR := roundMag_le d.man.natAbs d.exp
  show (if -d.man = 0 then posZero
    else ofBitsNat ((if -d.man < 0 then 2147483648 else 0) + roundMag (-d.man).natAbs d.exp)) =
      ofBitsNat (((ofDyadic d).toBitsNat + 2147483648) % 4294967296)
  rw [if_neg h1, toBitsNat_ofDyadic h, hn]
  apply congrArg ofBitsNat
  by_cases hs : d.man < 0
  · rw [if_neg (show ¬ (-d.man < 0) by omega), if_pos hs]
    omega
  · rw [if_pos (show -d.man < 0 by omega), if_neg hs]
    omega

/-! ### Decode/encode round trip -/

/-- The magnitude of a signed integer, as a natural number. -/
theorem natAbs_signed_eq (s : Bool) (m : Nat) : (signed s m).natAbs = m := by
  cases s with
  | false =>
    show ((m : Int)).natAbs = m
    omega
  | true =>
    show (-(m : Int)).natAbs = m
    omega

/-- Rounding the exact value of a finite nonzero pattern gives back its bit pattern. -/
theorem toBitsNat_ofDyadic_decodeFinite (x : IEEE32) (hf : ¬ x.expField = 255)
    (hz : x.decodeMan ≠ 0) : (ofDyadic x.decodeFinite).toBitsNat = x.toBitsNat := by
  have ht := toBitsNat_lt x
  have hE : x.expField = x.toBitsNat / 8388608 % 256 := rfl
  have hF : x.fracField = x.toBitsNat % 8388608 := rfl
  have hmag : roundMag x.decodeMan x.decodeExp = x.expField * 8388608 + x.fracField := by
    by_cases h0 : x.expField = 0
    · have hm : x.decodeMan = x.fracField := if_pos h0
      have hx : x.decodeExp = -149 := if_pos h0
      rw [hm, hx]
      have hb : bitLen x.fracField ≤ 24 := by
        have := bitLen_le 23 x.fracField (by omega)
        omega
      rw [roundMag_of_exact (quantum_of_sub x.fracField hb) (by omega) (by omega)]
      omega
    · have hm : x.decodeMan = x.fracField + 8388608 := if_neg h0
      have hx : x.decodeExp = (x.expField : Int) - 150 := if_neg h0
      rw [hm, hx]
      have hb : bitLen (x.fracField + 8388608) = 24 := bitLen_eq 23 _ (by omega) (by omega)
      rw [roundMag_of_exact (quantum_of_norm (x.fracField + 8388608) ((x.expField : Int) - 150) hb
        (by omega)) (by omega) (by omega)]
      omega
  have hman : signed x.signBit x.decodeMan ≠ 0 := by
    cases x.signBit with
    | false =>
      show (x.decodeMan : Int) ≠ 0
      omega
    | true =>
      show -(x.decodeMan : Int) ≠ 0
      omega
  show (if signed x.signBit x.decodeMan = 0 then posZero
    else ofBitsNat ((if signed x.signBit x.decodeMan < 0 then 2147483648 else 0) +
      roundMag (signed x.signBit x.decodeMan).natAbs x.decodeExp)).toBitsNat = x.toBitsNat
  rw [if_neg hman, toBitsNat_ofBitsNat, natAbs_signed_eq, hmag]
  cases hs : x.signBit with
  | false =>
    have hlt : ¬ 2147483648 ≤ x.toBitsNat := of_decide_eq_false hs
    have hneg : ¬ signed false x.decodeMan < 0 := by
      show ¬ (x.decodeMan : Int) < 0
      omega
    rw [if_neg hneg]
    omega
  | true =>
    have hge : 2147483648 ≤ x.toBitsNat := of_decide_eq_true hs
    have hneg : signed true x.decodeMan < 0 := by
      show -(x.decodeMan : Int) < 0
      omega
    rw [if_pos hneg]
    omega

/-- Round trip through `toDyadic?`: if `x` is finite with nonzero exact value `d`, rounding `d`
gives back the bit pattern of `x`. -/
theorem toBitsNat_ofDyadic_of_toDyadic? {x : IEEE32} {d : Dyadic} (hx : x.toDyadic? = some d)
    (hd : d.man ≠ 0) : (ofDyadic d).toBitsNat = x.toBitsNat := by
  have hf : ¬ x.expField = 255 := by
    intro h
    have e : x.toDyadic? = none := if_pos h
    rw [e] at hx
    cases hx
  have e : x.toDyadic? = some x.decodeFinite := if_neg hf
  rw [e] at hx
  cases hx
  have hz : x.decodeMan ≠ 0 := by
    intro h0
    apply hd
    show signed x.signBit x.decodeMan = 0
    rw [h0]
    cases x.signBit <;> rfl
  exact toBitsNat_ofDyadic_decodeFinite x hf hz

end IEEE32

end NN.Floats
