import NN.Autograd.Ring
import NN.Floats.IEEE32

/-!
# Normalised dyadic numbers: an exact commutative ring for the autograd theorem

`NN.Floats.Dyadic` (`man * 2 ^ exp`) is not normalised: `⟨2, 0⟩` and `⟨1, 1⟩` are the same
number but different structures, so its operations satisfy the ring laws only up to value
equality, and it cannot be an instance of `NN.Autograd.RingLaws` (whose laws are propositional
equalities). This file builds the normalised type `DyadicN` — a dyadic together with a proof
that it is in canonical form — whose structural equality *is* value equality, proves the
commutative-ring laws for it, and gives it a `Scalar` instance, so that the autograd soundness
theorem applies to exact dyadic values (`NN/AutogradDyadic/Theorem.lean`).

## Main definitions

* `NN.Floats.Dyadic.canon`: the canonical form — `⟨0, 0⟩` for a zero mantissa, otherwise the
  trailing zero bits of the mantissa moved into the exponent (`Dyadic.normalize`), so the
  mantissa is odd.
* `NN.Floats.Dyadic.manAt`: the mantissa of `a` read at a lower exponent `e`
  (`a.man * 2 ^ (a.exp - e)`); `NN.Floats.Dyadic.SameVal`: value equality (equal mantissas at
  every common lower exponent).
* `NN.Floats.DyadicN`: a dyadic with `canon val = val`; `DyadicN.ofDyadic` canonicalises.
  `DyadicN.add`, `mul`, `neg` are the `Dyadic` operations followed by `canon`; `sub a b` is
  `add a (neg b)`.
* `NN.Floats.instScalarDyadicN`: `Scalar DyadicN` (its `ScalarRing` part is the exact ring).
* `NN.Floats.instRingLawsDyadicN`: the ring laws.

## Main results

* `Dyadic.sameVal_canon`: `canon a` has the value of `a`.
* `Dyadic.canon_eq_of_sameVal`: dyadics with the same value have the same canonical form.
* `Dyadic.canon_idem`: `canon` is idempotent.
* `Dyadic.sameVal_add_left` … `Dyadic.sameVal_neg`: the `Dyadic` operations respect values.
* `Dyadic.sameVal_add_assoc` … `Dyadic.sameVal_neg_one_mul`: the ring laws of the raw `Dyadic`
  operations, up to value.
* `DyadicN.add_assoc` … `DyadicN.neg_one_mul`: the laws for `DyadicN`, as equalities.

## Implementation notes

Values are compared through `manAt a e` at a common exponent `e` below both exponents, where
every operation is an integer operation (`manAt_add`, `manAt_mul`, `manAt_neg`), so each law
reduces to a law of `Int`. Uniqueness of the canonical form needs no parity argument:
`canon ⟨m + m, e - 1⟩ = canon ⟨m, e⟩` (`canon_double`, one step of `normalizeGo` and the fact
that extra fuel does not change it, `normalizeGo_fuel`) gives
`canon ⟨m * 2 ^ k, e - k⟩ = canon ⟨m, e⟩` (`canon_lift`), hence two dyadics with equal
mantissas at a common exponent have equal canonical forms. Every `DyadicN` law is then
"both sides are `canon` of dyadics with the same value".

The fields of `Scalar DyadicN` outside the ring fragment: `abs`, `floor`, `ceil`, `round` (half
to even) and `ofBits` (the exact value of a finite binary32 pattern, `0` for NaN and ±Inf) are
exact; `pow a b` is exact for a natural-number exponent `b` and `0` otherwise; `div`, `exp`,
`log`, `sqrt`, `tanh`, `erf`, `sin`, `cos` are placeholders returning `0` (as the `Int`
instance's `exp`), so `DyadicN` is meaningful for the piecewise-linear fragment (the adjoint
theorem itself holds for every graph, whatever those fields compute). `lt` is the exact order
`Dyadic.lt`; `max`/`min` follow NumPy's tie rule (ties return the second argument). The Python
twin of `canon` and of the `DyadicN` ring operations is `tlean.dyadic_ring`.

Trust boundary: none; every law is proved from core `Int`/`Nat` lemmas (`Int.add_assoc`,
`Int.add_comm`, `Int.zero_add`, `Int.add_mul`, `Int.mul_add`, `Int.mul_assoc`,
`Int.mul_comm`, `Int.mul_left_comm`, `Int.one_mul`, `Int.mul_one`, `Int.zero_mul`,
`Int.neg_mul`, `Int.mul_zero`, `Int.natCast_add`, `Int.natCast_mul`, `Int.le_refl`, `Nat.pow_zero`,
`Nat.pow_succ`, `Nat.pow_add`, `Nat.mul_two`, `Nat.le_refl`, `if_pos`, `if_neg`) and `omega`.
-/

namespace NN.Floats

namespace Dyadic

/-! ### Canonical form and value equality -/

/-- The canonical form of a dyadic: `⟨0, 0⟩` when the mantissa is zero, otherwise
`normalize a` (the trailing zero bits of the mantissa moved into the exponent). -/
def canon (a : Dyadic) : Dyadic := if a.man = 0 then ⟨0, 0⟩ else a.normalize

/-- The mantissa of `a` at exponent `e`: `a.man * 2 ^ (a.exp - e)` (meaningful for
`e ≤ a.exp`, where `⟨manAt a e, e⟩` has the value of `a`). -/
def manAt (a : Dyadic) (e : Int) : Int := scale a.man (a.exp - e).toNat

/-- Value equality: equal mantissas at every exponent below both exponents. -/
def SameVal (a b : Dyadic) : Prop :=
  ∀ e : Int, e ≤ a.exp → e ≤ b.exp → manAt a e = manAt b e

/-! ### Multiplying by powers of two -/

/-- `m * 2 ^ 0 = m`. -/
theorem scale_pow_zero (m : Int) : scale m 0 = m := by
  show m * ((2 ^ 0 : Nat) : Int) = m
  rw [Nat.pow_zero]
  exact Int.mul_one m

/-- `m * 2 ^ (k + 1) = m * 2 ^ k + m * 2 ^ k`. -/
theorem scale_pow_succ (m : Int) (k : Nat) : scale m (k + 1) = scale m k + scale m k := by
  show m * ((2 ^ (k + 1) : Nat) : Int) = m * ((2 ^ k : Nat) : Int) + m * ((2 ^ k : Nat) : Int)
  rw [Nat.pow_succ, Nat.mul_two, Int.natCast_add, Int.mul_add]

/-- `(m * 2 ^ j) * 2 ^ k = m * 2 ^ (j + k)`. -/
theorem scale_pow_add (m : Int) (j k : Nat) : scale (scale m j) k = scale m (j + k) := by
  show m * ((2 ^ j : Nat) : Int) * ((2 ^ k : Nat) : Int) = m * ((2 ^ (j + k) : Nat) : Int)
  rw [Nat.pow_add, Int.natCast_mul, Int.mul_assoc]

/-- Scaling distributes over a sum of mantissas. -/
theorem scale_add_man (x y : Int) (k : Nat) : scale (x + y) k = scale x k + scale y k :=
  Int.add_mul x y ((2 ^ k : Nat) : Int)

/-- Scaling a product by `2 ^ (j + k)` scales the factors by `2 ^ j` and `2 ^ k`. -/
theorem scale_mul_man (x y : Int) (j k : Nat) : scale (x * y) (j + k) = scale x j * scale y k := by
  show x * y * ((2 ^ (j + k) : Nat) : Int) =
    x * ((2 ^ j : Nat) : Int) * (y * ((2 ^ k : Nat) : Int))
  rw [Nat.pow_add, Int.natCast_mul, Int.mul_assoc, Int.mul_assoc,
    Int.mul_left_comm y ((2 ^ j : Nat) : Int) ((2 ^ k : Nat) : Int)]

/-- Scaling commutes with negation. -/
theorem scale_neg_man (x : Int) (k : Nat) : scale (-x) k = -(scale x k) :=
  Int.neg_mul x ((2 ^ k : Nat) : Int)

/-- A zero mantissa stays zero. -/
theorem scale_zero_man (k : Nat) : scale 0 k = 0 :=
  Int.zero_mul ((2 ^ k : Nat) : Int)

/-! ### The smaller exponent -/

/-- `minExp a b` is below both exponents and equal to one of them. -/
theorem minExp_spec (a b : Dyadic) :
    minExp a b ≤ a.exp ∧ minExp a b ≤ b.exp ∧ (minExp a b = a.exp ∨ minExp a b = b.exp) := by
  by_cases h : a.exp ≤ b.exp
  · have e : minExp a b = a.exp := if_pos h
    exact ⟨by omega, by omega, Or.inl e⟩
  · have e : minExp a b = b.exp := if_neg h
    exact ⟨by omega, by omega, Or.inr e⟩

/-- An exponent below that of a sum is below both summands' exponents. -/
theorem le_of_le_add_exp {a b : Dyadic} {e : Int} (h : e ≤ (Dyadic.add a b).exp) :
    e ≤ a.exp ∧ e ≤ b.exp := by
  have h' : e ≤ minExp a b := h
  have hs := minExp_spec a b
  exact ⟨by omega, by omega⟩

/-! ### Mantissas at a lower exponent -/

/-- Reading `a` at `e` and then lowering to `e' ≤ e` reads `a` at `e'`. -/
theorem scale_manAt (a : Dyadic) (e e' : Int) (h1 : e' ≤ e) (h2 : e ≤ a.exp) :
    scale (manAt a e) (e - e').toNat = manAt a e' := by
  show scale (scale a.man (a.exp - e).toNat) (e - e').toNat = scale a.man (a.exp - e').toNat
  rw [scale_pow_add]
  have h : (a.exp - e).toNat + (e - e').toNat = (a.exp - e').toNat := by omega
  rw [h]

/-- At its own exponent, `manAt` is the mantissa. -/
theorem manAt_self (a : Dyadic) : manAt a a.exp = a.man := by
  show scale a.man (a.exp - a.exp).toNat = a.man
  have h : (a.exp - a.exp).toNat = 0 := by omega
  rw [h, scale_pow_zero]

/-- `1 = ⟨1, 0⟩` read at exponent `0`. -/
theorem manAt_one : manAt ⟨1, 0⟩ 0 = 1 := manAt_self ⟨1, 0⟩

/-- A zero mantissa reads `0` at every exponent. -/
theorem manAt_of_man_zero (a : Dyadic) (h : a.man = 0) (e : Int) : manAt a e = 0 := by
  show scale a.man (a.exp - e).toNat = 0
  rw [h]
  exact scale_zero_man _

/-- The mantissa of a sum below both exponents is the sum of the mantissas. -/
theorem manAt_add (a b : Dyadic) (e : Int) (ha : e ≤ a.exp) (hb : e ≤ b.exp) :
    manAt (Dyadic.add a b) e = manAt a e + manAt b e := by
  have hs := minExp_spec a b
  have h3 : e ≤ minExp a b := by omega
  show scale (manAt a (minExp a b) + manAt b (minExp a b)) (minExp a b - e).toNat =
    manAt a e + manAt b e
  rw [scale_add_man, scale_manAt a (minExp a b) e h3 hs.1, scale_manAt b (minExp a b) e h3 hs.2.1]

/-- The mantissa of a product at `e1 + e2` is the product of the mantissas at `e1` and `e2`. -/
theorem manAt_mul (a b : Dyadic) (e e1 e2 : Int) (he : e = e1 + e2) (h1 : e1 ≤ a.exp)
    (h2 : e2 ≤ b.exp) : manAt (Dyadic.mul a b) e = manAt a e1 * manAt b e2 := by
  show scale (a.man * b.man) (a.exp + b.exp - e).toNat =
    scale a.man (a.exp - e1).toNat * scale b.man (b.exp - e2).toNat
  have h : (a.exp + b.exp - e).toNat = (a.exp - e1).toNat + (b.exp - e2).toNat := by omega
  rw [h, scale_mul_man]

/-- The mantissa of a negation is the negated mantissa. -/
theorem manAt_neg (a : Dyadic) (e : Int) : manAt (Dyadic.neg a) e = -(manAt a e) :=
  scale_neg_man a.man (a.exp - e).toNat

/-! ### `normalizeGo` -/

/-- `normalizeGo` without fuel returns its arguments. -/
theorem normalizeGo_zero (m e : Int) : normalizeGo 0 m e = ⟨m, e⟩ := rfl

/-- One step of `normalizeGo`. -/
theorem normalizeGo_succ (f : Nat) (m e : Int) :
    normalizeGo (f + 1) m e =
      if m ≠ 0 ∧ m % 2 = 0 then normalizeGo f (m / 2) (e + 1) else ⟨m, e⟩ := rfl

/-- Fuel at least `|m|` always suffices: any two such fuels give the same result. -/
theorem normalizeGo_fuel : ∀ (f g : Nat) (m e : Int), m.natAbs ≤ f → m.natAbs ≤ g →
    normalizeGo f m e = normalizeGo g m e
  | 0, 0, _, _, _, _ => rfl
  | 0, _ + 1, m, _, hf, _ => by
    have hm : m = 0 := by omega
    have hc : ¬ (m ≠ 0 ∧ m % 2 = 0) := fun h => h.1 hm
    rw [normalizeGo_zero, normalizeGo_succ, if_neg hc]
  | _ + 1, 0, m, _, _, hg => by
    have hm : m = 0 := by omega
    have hc : ¬ (m ≠ 0 ∧ m % 2 = 0) := fun h => h.1 hm
    rw [normalizeGo_zero, normalizeGo_succ, if_neg hc]
  | f + 1, g + 1, m, e, hf, hg => by
    rw [normalizeGo_succ f m e, normalizeGo_succ g m e]
    by_cases hc : m ≠ 0 ∧ m % 2 = 0
    · rw [if_pos hc, if_pos hc]
      have h1 : m ≠ 0 := hc.1
      have h2 : m % 2 = 0 := hc.2
      exact normalizeGo_fuel f g (m / 2) (e + 1) (by omega) (by omega)
    · rw [if_neg hc, if_neg hc]

/-- `normalizeGo` only moves factors of two: the input is its result lifted by some `k`. -/
theorem normalizeGo_lift : ∀ (f : Nat) (m e : Int),
    ∃ k : Nat, m = scale (normalizeGo f m e).man k ∧ e = (normalizeGo f m e).exp - k
  | 0, m, e => ⟨0, (scale_pow_zero m).symm, by show e = e - ((0 : Nat) : Int); omega⟩
  | f + 1, m, e => by
    by_cases hc : m ≠ 0 ∧ m % 2 = 0
    · rw [normalizeGo_succ, if_pos hc]
      obtain ⟨k, h1, h2⟩ := normalizeGo_lift f (m / 2) (e + 1)
      refine ⟨k + 1, ?_, ?_⟩
      · rw [scale_pow_succ]
        omega
      · omega
    · rw [normalizeGo_succ, if_neg hc]
      exact ⟨0, (scale_pow_zero m).symm, by show e = e - ((0 : Nat) : Int); omega⟩

/-! ### `canon` -/

/-- A zero mantissa canonicalises to `⟨0, 0⟩`. -/
theorem canon_of_man_eq_zero (a : Dyadic) (h : a.man = 0) : canon a = ⟨0, 0⟩ := if_pos h

/-- A nonzero mantissa canonicalises through `normalizeGo` with fuel `|a.man|`. -/
theorem canon_of_man_ne_zero (a : Dyadic) (h : a.man ≠ 0) :
    canon a = normalizeGo a.man.natAbs a.man a.exp := if_neg h

/-- An odd mantissa is already canonical. -/
theorem canon_mk_odd (m e : Int) (h : ¬ m % 2 = 0) : canon ⟨m, e⟩ = ⟨m, e⟩ := by
  have hm : m ≠ 0 := by omega
  have hc : ¬ (m ≠ 0 ∧ m % 2 = 0) := fun hc' => h hc'.2
  rw [canon_of_man_ne_zero ⟨m, e⟩ hm]
  show normalizeGo m.natAbs m e = ⟨m, e⟩
  obtain ⟨n, hn⟩ : ∃ n : Nat, m.natAbs = n + 1 := ⟨m.natAbs - 1, by omega⟩
  rw [hn, normalizeGo_succ, if_neg hc]

/-- Doubling the mantissa and lowering the exponent by one keeps the canonical form. -/
theorem canon_double (m e : Int) : canon ⟨m + m, e - 1⟩ = canon ⟨m, e⟩ := by
  by_cases hm : m = 0
  · have h0 : m + m = 0 := by omega
    rw [canon_of_man_eq_zero ⟨m + m, e - 1⟩ h0, canon_of_man_eq_zero ⟨m, e⟩ hm]
  · have h2 : m + m ≠ 0 := by omega
    have hc : m + m ≠ 0 ∧ (m + m) % 2 = 0 := ⟨h2, by omega⟩
    have hd : (m + m) / 2 = m := by omega
    have he : e - 1 + 1 = e := by omega
    rw [canon_of_man_ne_zero ⟨m + m, e - 1⟩ h2, canon_of_man_ne_zero ⟨m, e⟩ hm]
    show normalizeGo (m + m).natAbs (m + m) (e - 1) = normalizeGo m.natAbs m e
    obtain ⟨n, hn⟩ : ∃ n : Nat, (m + m).natAbs = n + 1 := ⟨(m + m).natAbs - 1, by omega⟩
    rw [hn, normalizeGo_succ, if_pos hc, hd, he]
    exact normalizeGo_fuel n m.natAbs m e (by omega) (Nat.le_refl _)

/-- Lifting to a lower exponent (`m * 2 ^ k` at `e - k`) keeps the canonical form. -/
theorem canon_lift (m e : Int) : ∀ k : Nat, canon ⟨scale m k, e - k⟩ = canon ⟨m, e⟩
  | 0 => by
    have h : e - ((0 : Nat) : Int) = e := by omega
    rw [scale_pow_zero, h]
  | k + 1 => by
    have h : e - ((k + 1 : Nat) : Int) = e - (k : Int) - 1 := by omega
    rw [scale_pow_succ, h, canon_double, canon_lift m e k]

/-- `canon_lift` with the lower exponent given by an equation. -/
theorem canon_lift_eq (m e e' : Int) (k : Nat) (h : e' = e - k) :
    canon ⟨scale m k, e'⟩ = canon ⟨m, e⟩ := by
  subst h
  exact canon_lift m e k

/-- Reading `a` at a lower exponent keeps its canonical form. -/
theorem canon_manAt (a : Dyadic) (e : Int) (h : e ≤ a.exp) : canon ⟨manAt a e, e⟩ = canon a :=
  canon_lift_eq a.man a.exp e (a.exp - e).toNat (by omega)

/-- **Uniqueness**: dyadics with the same value have the same canonical form. -/
theorem canon_eq_of_sameVal {a b : Dyadic} (h : SameVal a b) : canon a = canon b := by
  have hs := minExp_spec a b
  calc canon a = canon ⟨manAt a (minExp a b), minExp a b⟩ :=
        (canon_manAt a (minExp a b) hs.1).symm
    _ = canon ⟨manAt b (minExp a b), minExp a b⟩ := by
        rw [h (minExp a b) hs.1 hs.2.1]
    _ = canon b := canon_manAt b (minExp a b) hs.2.1

/-- A dyadic lifted from `r` (`x = ⟨r.man * 2 ^ k, r.exp - k⟩`) has the value of `r`. -/
theorem sameVal_of_lift (r x : Dyadic) (k : Nat) (h1 : x.man = scale r.man k)
    (h2 : x.exp = r.exp - k) : SameVal r x := by
  intro e _ hx
  show scale r.man (r.exp - e).toNat = scale x.man (x.exp - e).toNat
  rw [h1, h2, scale_pow_add]
  have h : k + (r.exp - (k : Int) - e).toNat = (r.exp - e).toNat := by omega
  rw [h]

/-- **Value preservation**: `canon a` has the value of `a`. -/
theorem sameVal_canon (x : Dyadic) : SameVal (canon x) x := by
  by_cases hx : x.man = 0
  · rw [canon_of_man_eq_zero x hx]
    intro e _ _
    rw [manAt_of_man_zero ⟨0, 0⟩ rfl e, manAt_of_man_zero x hx e]
  · rw [canon_of_man_ne_zero x hx]
    obtain ⟨k, h1, h2⟩ := normalizeGo_lift x.man.natAbs x.man x.exp
    exact sameVal_of_lift _ x k h1 h2

/-- `canon` is idempotent. -/
theorem canon_idem (a : Dyadic) : canon (canon a) = canon a :=
  canon_eq_of_sameVal (sameVal_canon a)

/-! ### The operations respect values -/

/-- Addition respects values on the left. -/
theorem sameVal_add_left {x y : Dyadic} (h : SameVal x y) (z : Dyadic) :
    SameVal (Dyadic.add x z) (Dyadic.add y z) := by
  intro e h1 h2
  have hx := le_of_le_add_exp h1
  have hy := le_of_le_add_exp h2
  rw [manAt_add x z e hx.1 hx.2, manAt_add y z e hy.1 hy.2, h e hx.1 hy.1]

/-- Addition respects values on the right. -/
theorem sameVal_add_right {x y : Dyadic} (h : SameVal x y) (z : Dyadic) :
    SameVal (Dyadic.add z x) (Dyadic.add z y) := by
  intro e h1 h2
  have hx := le_of_le_add_exp h1
  have hy := le_of_le_add_exp h2
  rw [manAt_add z x e hx.1 hx.2, manAt_add z y e hy.1 hy.2, h e hx.2 hy.2]

/-- Multiplication respects values on the left. -/
theorem sameVal_mul_left {x y : Dyadic} (h : SameVal x y) (z : Dyadic) :
    SameVal (Dyadic.mul x z) (Dyadic.mul y z) := by
  intro e h1 h2
  have h1' : e ≤ x.exp + z.exp := h1
  have h2' : e ≤ y.exp + z.exp := h2
  have hs := minExp_spec x y
  have hz : e - minExp x y ≤ z.exp := by omega
  rw [manAt_mul x z e (minExp x y) (e - minExp x y) (by omega) hs.1 hz,
    manAt_mul y z e (minExp x y) (e - minExp x y) (by omega) hs.2.1 hz,
    h (minExp x y) hs.1 hs.2.1]

/-- Multiplication respects values on the right. -/
theorem sameVal_mul_right {x y : Dyadic} (h : SameVal x y) (z : Dyadic) :
    SameVal (Dyadic.mul z x) (Dyadic.mul z y) := by
  intro e h1 h2
  have h1' : e ≤ z.exp + x.exp := h1
  have h2' : e ≤ z.exp + y.exp := h2
  have hs := minExp_spec x y
  have hz : e - minExp x y ≤ z.exp := by omega
  rw [manAt_mul z x e (e - minExp x y) (minExp x y) (by omega) hz hs.1,
    manAt_mul z y e (e - minExp x y) (minExp x y) (by omega) hz hs.2.1,
    h (minExp x y) hs.1 hs.2.1]

/-- Negation respects values. -/
theorem sameVal_neg {x y : Dyadic} (h : SameVal x y) : SameVal (Dyadic.neg x) (Dyadic.neg y) := by
  intro e h1 h2
  rw [manAt_neg x e, manAt_neg y e, h e h1 h2]

/-! ### The ring laws of the raw operations, up to value -/

/-- Addition is associative up to value. -/
theorem sameVal_add_assoc (a b c : Dyadic) :
    SameVal (Dyadic.add (Dyadic.add a b) c) (Dyadic.add a (Dyadic.add b c)) := by
  intro e h1 h2
  have k1 := le_of_le_add_exp h1
  have k2 := le_of_le_add_exp k1.1
  have k3 := le_of_le_add_exp h2
  rw [manAt_add (Dyadic.add a b) c e k1.1 k1.2, manAt_add a b e k2.1 k2.2,
    manAt_add a (Dyadic.add b c) e k3.1 k3.2, manAt_add b c e k2.2 k1.2]
  exact Int.add_assoc (manAt a e) (manAt b e) (manAt c e)

/-- Addition is commutative up to value. -/
theorem sameVal_add_comm (a b : Dyadic) : SameVal (Dyadic.add a b) (Dyadic.add b a) := by
  intro e h1 _
  have k := le_of_le_add_exp h1
  rw [manAt_add a b e k.1 k.2, manAt_add b a e k.2 k.1]
  exact Int.add_comm (manAt a e) (manAt b e)

/-- Zero is a left unit of addition up to value. -/
theorem sameVal_zero_add (a : Dyadic) : SameVal (Dyadic.add ⟨0, 0⟩ a) a := by
  intro e h1 _
  have k := le_of_le_add_exp h1
  rw [manAt_add ⟨0, 0⟩ a e k.1 k.2, manAt_of_man_zero ⟨0, 0⟩ rfl e]
  exact Int.zero_add (manAt a e)

/-- `-a + a` is zero up to value. -/
theorem sameVal_add_left_neg (a : Dyadic) : SameVal (Dyadic.add (Dyadic.neg a) a) ⟨0, 0⟩ := by
  intro e h1 _
  have k := le_of_le_add_exp h1
  rw [manAt_add (Dyadic.neg a) a e k.1 k.2, manAt_neg a e, manAt_of_man_zero ⟨0, 0⟩ rfl e]
  omega

/-- Multiplication is associative up to value. -/
theorem sameVal_mul_assoc (a b c : Dyadic) :
    SameVal (Dyadic.mul (Dyadic.mul a b) c) (Dyadic.mul a (Dyadic.mul b c)) := by
  intro e h1 _
  have h1' : e ≤ a.exp + b.exp + c.exp := h1
  rw [manAt_mul (Dyadic.mul a b) c e (a.exp + b.exp) (e - a.exp - b.exp) (by omega)
      (Int.le_refl _) (by omega),
    manAt_mul a b (a.exp + b.exp) a.exp b.exp rfl (Int.le_refl _) (Int.le_refl _),
    manAt_mul a (Dyadic.mul b c) e a.exp (e - a.exp) (by omega) (Int.le_refl _)
      (show e - a.exp ≤ b.exp + c.exp by omega),
    manAt_mul b c (e - a.exp) b.exp (e - a.exp - b.exp) (by omega) (Int.le_refl _) (by omega)]
  exact Int.mul_assoc (manAt a a.exp) (manAt b b.exp) (manAt c (e - a.exp - b.exp))

/-- Multiplication is commutative up to value. -/
theorem sameVal_mul_comm (a b : Dyadic) : SameVal (Dyadic.mul a b) (Dyadic.mul b a) := by
  intro e h1 _
  have h1' : e ≤ a.exp + b.exp := h1
  rw [manAt_mul a b e a.exp (e - a.exp) (by omega) (Int.le_refl _) (by omega),
    manAt_mul b a e (e - a.exp) a.exp (by omega) (by omega) (Int.le_refl _)]
  exact Int.mul_comm (manAt a a.exp) (manAt b (e - a.exp))

/-- One is a left unit of multiplication up to value. -/
theorem sameVal_one_mul (a : Dyadic) : SameVal (Dyadic.mul ⟨1, 0⟩ a) a := by
  intro e h1 _
  have h1' : e ≤ 0 + a.exp := h1
  rw [manAt_mul ⟨1, 0⟩ a e 0 e (by omega) (Int.le_refl _) (by omega), manAt_one]
  exact Int.one_mul (manAt a e)

/-- One is a right unit of multiplication up to value. -/
theorem sameVal_mul_one (a : Dyadic) : SameVal (Dyadic.mul a ⟨1, 0⟩) a := by
  intro e h1 _
  have h1' : e ≤ a.exp + 0 := h1
  rw [manAt_mul a ⟨1, 0⟩ e e 0 (by omega) (by omega) (Int.le_refl _), manAt_one]
  exact Int.mul_one (manAt a e)

/-- Multiplication distributes over addition up to value. -/
theorem sameVal_mul_add (a b c : Dyadic) :
    SameVal (Dyadic.mul a (Dyadic.add b c)) (Dyadic.add (Dyadic.mul a b) (Dyadic.mul a c)) := by
  intro e h1 h2
  have h1' : e ≤ a.exp + (Dyadic.add b c).exp := h1
  have k := le_of_le_add_exp (show e - a.exp ≤ (Dyadic.add b c).exp by omega)
  have k2 := le_of_le_add_exp h2
  rw [manAt_mul a (Dyadic.add b c) e a.exp (e - a.exp) (by omega) (Int.le_refl _)
      (show e - a.exp ≤ (Dyadic.add b c).exp by omega),
    manAt_add b c (e - a.exp) k.1 k.2,
    manAt_add (Dyadic.mul a b) (Dyadic.mul a c) e k2.1 k2.2,
    manAt_mul a b e a.exp (e - a.exp) (by omega) (Int.le_refl _) k.1,
    manAt_mul a c e a.exp (e - a.exp) (by omega) (Int.le_refl _) k.2]
  exact Int.mul_add (manAt a a.exp) (manAt b (e - a.exp)) (manAt c (e - a.exp))

/-- `(-1) · a = -a` up to value. -/
theorem sameVal_neg_one_mul (a : Dyadic) :
    SameVal (Dyadic.mul (Dyadic.neg ⟨1, 0⟩) a) (Dyadic.neg a) := by
  intro e h1 _
  have h1' : e ≤ 0 + a.exp := h1
  rw [manAt_mul (Dyadic.neg ⟨1, 0⟩) a e 0 e (by omega) (Int.le_refl _) (by omega),
    manAt_neg ⟨1, 0⟩ 0, manAt_neg a e, manAt_one]
  omega

/-! ### `canon` after an operation depends only on the operands' values -/

/-- `canon (x + z) = canon (y + z)` when `x` and `y` have the same value. -/
theorem canon_add_left {x y : Dyadic} (h : SameVal x y) (z : Dyadic) :
    canon (Dyadic.add x z) = canon (Dyadic.add y z) :=
  canon_eq_of_sameVal (sameVal_add_left h z)

/-- `canon (z + x) = canon (z + y)` when `x` and `y` have the same value. -/
theorem canon_add_right {x y : Dyadic} (h : SameVal x y) (z : Dyadic) :
    canon (Dyadic.add z x) = canon (Dyadic.add z y) :=
  canon_eq_of_sameVal (sameVal_add_right h z)

/-- `canon (x * z) = canon (y * z)` when `x` and `y` have the same value. -/
theorem canon_mul_left {x y : Dyadic} (h : SameVal x y) (z : Dyadic) :
    canon (Dyadic.mul x z) = canon (Dyadic.mul y z) :=
  canon_eq_of_sameVal (sameVal_mul_left h z)

/-- `canon (z * x) = canon (z * y)` when `x` and `y` have the same value. -/
theorem canon_mul_right {x y : Dyadic} (h : SameVal x y) (z : Dyadic) :
    canon (Dyadic.mul z x) = canon (Dyadic.mul z y) :=
  canon_eq_of_sameVal (sameVal_mul_right h z)

/-! ### Exact rounding helpers (for the `Scalar` fields) -/

/-- `2 ^ k` as an integer. -/
def twoPow (k : Nat) : Int := ((2 ^ k : Nat) : Int)

/-- `⌊a⌋`: `a` itself when `a.exp ≥ 0`, else `⌊a.man / 2 ^ (-a.exp)⌋` (Euclidean division by a
positive divisor is floor division). -/
def floorD (a : Dyadic) : Dyadic :=
  if 0 ≤ a.exp then a else ⟨a.man / twoPow (-a.exp).toNat, 0⟩

/-- The nearest integer to `a`, ties to even: with `d = 2 ^ (-a.exp)`, `q = ⌊a.man / d⌋` and
`r = a.man mod d`, `q + 1` when `2r > d` or (`2r = d` and `q` odd), else `q`. -/
def roundD (a : Dyadic) : Dyadic :=
  if 0 ≤ a.exp then a
  else if twoPow (-a.exp).toNat < 2 * (a.man % twoPow (-a.exp).toNat) ∨
      (2 * (a.man % twoPow (-a.exp).toNat) = twoPow (-a.exp).toNat ∧
        (a.man / twoPow (-a.exp).toNat) % 2 = 1) then
    ⟨a.man / twoPow (-a.exp).toNat + 1, 0⟩
  else ⟨a.man / twoPow (-a.exp).toNat, 0⟩

/-- `a ^ n` for a natural number `n = b` (`b.exp ≥ 0`, `b.man ≥ 0`): `⟨a.man ^ n, a.exp * n⟩`;
`⟨0, 0⟩` for any other exponent `b` (a placeholder). -/
def powD (a b : Dyadic) : Dyadic :=
  if 0 ≤ b.exp ∧ 0 ≤ b.man then
    ⟨a.man ^ (scale b.man b.exp.toNat).toNat, a.exp * scale b.man b.exp.toNat⟩
  else ⟨0, 0⟩

end Dyadic

/-! ### The normalised type -/

/-- A dyadic number in canonical form (`canon val = val`): mantissa `0` with exponent `0`, or an
odd mantissa. Structural equality of `DyadicN` is equality of values. -/
structure DyadicN where
  /-- The canonical dyadic. -/
  val : Dyadic
  /-- `val` is in canonical form. -/
  canon_val : val.canon = val

namespace DyadicN

/-- Two `DyadicN` with the same dyadic are equal. -/
theorem ext {a b : DyadicN} (h : a.val = b.val) : a = b := by
  cases a with
  | mk va ha =>
    cases b with
    | mk vb hb =>
      have h' : va = vb := h
      subst h'
      rfl

/-- Decidable equality, through the dyadics. -/
instance instDecidableEqDyadicN : DecidableEq DyadicN := fun a b =>
  if h : a.val = b.val then isTrue (ext h) else isFalse (fun e => h (congrArg DyadicN.val e))

/-- Printed as the underlying dyadic. -/
instance instReprDyadicN : Repr DyadicN := ⟨fun a n => reprPrec a.val n⟩

/-- The canonical form of a dyadic, as a `DyadicN`. -/
def ofDyadic (a : Dyadic) : DyadicN := ⟨a.canon, Dyadic.canon_idem a⟩

/-- The `DyadicN` zero, `⟨0, 0⟩`. -/
def zero : DyadicN := ⟨⟨0, 0⟩, Dyadic.canon_of_man_eq_zero ⟨0, 0⟩ rfl⟩

/-- The `DyadicN` one, `⟨1, 0⟩`. -/
def one : DyadicN := ⟨⟨1, 0⟩, Dyadic.canon_mk_odd 1 0 (by omega)⟩

/-- Exact sum, canonicalised. -/
def add (a b : DyadicN) : DyadicN := ofDyadic (Dyadic.add a.val b.val)

/-- Exact product, canonicalised. -/
def mul (a b : DyadicN) : DyadicN := ofDyadic (Dyadic.mul a.val b.val)

/-- Negation, canonicalised. -/
def neg (a : DyadicN) : DyadicN := ofDyadic (Dyadic.neg a.val)

/-- Subtraction: `a + (-b)`. -/
def sub (a b : DyadicN) : DyadicN := add a (neg b)

/-- The exact order `a < b` (`Dyadic.lt`). -/
def lt (a b : DyadicN) : Bool := Dyadic.lt a.val b.val

/-- `a` if `b < a`, else `b` (ties return the second argument, as NumPy's `maximum`). -/
def max (a b : DyadicN) : DyadicN := if lt b a then a else b

/-- `a` if `a < b`, else `b` (ties return the second argument, as NumPy's `minimum`). -/
def min (a b : DyadicN) : DyadicN := if lt a b then a else b

/-- The natural number `n`. -/
def fromNat (n : Nat) : DyadicN := ofDyadic ⟨(n : Int), 0⟩

/-- Absolute value. -/
def abs (a : DyadicN) : DyadicN := ofDyadic (Dyadic.abs a.val)

/-- `⌊a⌋`, exact. -/
def floor (a : DyadicN) : DyadicN := ofDyadic (Dyadic.floorD a.val)

/-- `⌈a⌉ = -⌊-a⌋`, exact. -/
def ceil (a : DyadicN) : DyadicN := ofDyadic (Dyadic.neg (Dyadic.floorD (Dyadic.neg a.val)))

/-- The nearest integer, ties to even, exact. -/
def round (a : DyadicN) : DyadicN := ofDyadic (Dyadic.roundD a.val)

/-- `a ^ b` for a natural-number `b`, exact; `0` for any other `b` (a placeholder). -/
def pow (a b : DyadicN) : DyadicN := ofDyadic (Dyadic.powD a.val b.val)

/-- The exact value of a finite binary32 pattern; `0` for NaN and ±Inf. -/
def ofBits (b : UInt32) : DyadicN :=
  match IEEE32.toDyadic? ⟨b⟩ with
  | some d => ofDyadic d
  | none => zero

/-! ### The ring laws -/

/-- Addition is associative. -/
theorem add_assoc (a b c : DyadicN) : add (add a b) c = add a (add b c) := by
  apply ext
  show Dyadic.canon (Dyadic.add (Dyadic.canon (Dyadic.add a.val b.val)) c.val) =
    Dyadic.canon (Dyadic.add a.val (Dyadic.canon (Dyadic.add b.val c.val)))
  rw [Dyadic.canon_add_left (Dyadic.sameVal_canon (Dyadic.add a.val b.val)) c.val,
    Dyadic.canon_add_right (Dyadic.sameVal_canon (Dyadic.add b.val c.val)) a.val]
  exact Dyadic.canon_eq_of_sameVal (Dyadic.sameVal_add_assoc a.val b.val c.val)

/-- Addition is commutative. -/
theorem add_comm (a b : DyadicN) : add a b = add b a :=
  ext (Dyadic.canon_eq_of_sameVal (Dyadic.sameVal_add_comm a.val b.val))

/-- Zero is a left unit of addition. -/
theorem zero_add (a : DyadicN) : add zero a = a :=
  ext ((Dyadic.canon_eq_of_sameVal (Dyadic.sameVal_zero_add a.val)).trans a.canon_val)

/-- Zero is a right unit of addition. -/
theorem add_zero (a : DyadicN) : add a zero = a :=
  (add_comm a zero).trans (zero_add a)

/-- `neg` is a left additive inverse. -/
theorem add_left_neg (a : DyadicN) : add (neg a) a = zero := by
  apply ext
  show Dyadic.canon (Dyadic.add (Dyadic.canon (Dyadic.neg a.val)) a.val) = ⟨0, 0⟩
  rw [Dyadic.canon_add_left (Dyadic.sameVal_canon (Dyadic.neg a.val)) a.val]
  exact (Dyadic.canon_eq_of_sameVal (Dyadic.sameVal_add_left_neg a.val)).trans
    (Dyadic.canon_of_man_eq_zero ⟨0, 0⟩ rfl)

/-- Subtraction is addition of the negation (by definition). -/
theorem sub_eq_add_neg (a b : DyadicN) : sub a b = add a (neg b) := rfl

/-- Multiplication is associative. -/
theorem mul_assoc (a b c : DyadicN) : mul (mul a b) c = mul a (mul b c) := by
  apply ext
  show Dyadic.canon (Dyadic.mul (Dyadic.canon (Dyadic.mul a.val b.val)) c.val) =
    Dyadic.canon (Dyadic.mul a.val (Dyadic.canon (Dyadic.mul b.val c.val)))
  rw [Dyadic.canon_mul_left (Dyadic.sameVal_canon (Dyadic.mul a.val b.val)) c.val,
    Dyadic.canon_mul_right (Dyadic.sameVal_canon (Dyadic.mul b.val c.val)) a.val]
  exact Dyadic.canon_eq_of_sameVal (Dyadic.sameVal_mul_assoc a.val b.val c.val)

/-- Multiplication is commutative. -/
theorem mul_comm (a b : DyadicN) : mul a b = mul b a :=
  ext (Dyadic.canon_eq_of_sameVal (Dyadic.sameVal_mul_comm a.val b.val))

/-- One is a left unit of multiplication. -/
theorem one_mul (a : DyadicN) : mul one a = a :=
  ext ((Dyadic.canon_eq_of_sameVal (Dyadic.sameVal_one_mul a.val)).trans a.canon_val)

/-- One is a right unit of multiplication. -/
theorem mul_one (a : DyadicN) : mul a one = a :=
  ext ((Dyadic.canon_eq_of_sameVal (Dyadic.sameVal_mul_one a.val)).trans a.canon_val)

/-- Multiplication distributes over addition (on the left). -/
theorem mul_add (a b c : DyadicN) : mul a (add b c) = add (mul a b) (mul a c) := by
  apply ext
  show Dyadic.canon (Dyadic.mul a.val (Dyadic.canon (Dyadic.add b.val c.val))) =
    Dyadic.canon (Dyadic.add (Dyadic.canon (Dyadic.mul a.val b.val))
      (Dyadic.canon (Dyadic.mul a.val c.val)))
  rw [Dyadic.canon_mul_right (Dyadic.sameVal_canon (Dyadic.add b.val c.val)) a.val,
    Dyadic.canon_add_left (Dyadic.sameVal_canon (Dyadic.mul a.val b.val))
      (Dyadic.canon (Dyadic.mul a.val c.val)),
    Dyadic.canon_add_right (Dyadic.sameVal_canon (Dyadic.mul a.val c.val))
      (Dyadic.mul a.val b.val)]
  exact Dyadic.canon_eq_of_sameVal (Dyadic.sameVal_mul_add a.val b.val c.val)

/-- Zero absorbs on the left. -/
theorem zero_mul (a : DyadicN) : mul zero a = zero :=
  ext (Dyadic.canon_of_man_eq_zero (Dyadic.mul ⟨0, 0⟩ a.val) (Int.zero_mul a.val.man))

/-- Zero absorbs on the right. -/
theorem mul_zero (a : DyadicN) : mul a zero = zero :=
  ext (Dyadic.canon_of_man_eq_zero (Dyadic.mul a.val ⟨0, 0⟩) (Int.mul_zero a.val.man))

/-- Multiplying by `-1` negates. -/
theorem neg_one_mul (a : DyadicN) : mul (neg one) a = neg a := by
  apply ext
  show Dyadic.canon (Dyadic.mul (Dyadic.canon (Dyadic.neg ⟨1, 0⟩)) a.val) =
    Dyadic.canon (Dyadic.neg a.val)
  rw [Dyadic.canon_mul_left (Dyadic.sameVal_canon (Dyadic.neg ⟨1, 0⟩)) a.val]
  exact Dyadic.canon_eq_of_sameVal (Dyadic.sameVal_neg_one_mul a.val)

end DyadicN

/-! ### Instances -/

/-- Exact normalised dyadic scalars: the ring fragment exact (`add`, `sub`, `mul`, `neg`, `lt`,
`max`, `min`, `fromNat`), `abs`/`floor`/`ceil`/`round`/`ofBits` exact, `pow` exact for
natural-number exponents; `div` and the transcendental fields are placeholders returning `0`
(see the module docstring). -/
instance instScalarDyadicN : NN.Scalar DyadicN where
  zero := DyadicN.zero
  one := DyadicN.one
  add := DyadicN.add
  sub := DyadicN.sub
  mul := DyadicN.mul
  neg := DyadicN.neg
  lt := DyadicN.lt
  fromNat := DyadicN.fromNat
  max := DyadicN.max
  min := DyadicN.min
  div _ _ := DyadicN.zero
  abs := DyadicN.abs
  exp _ := DyadicN.zero
  log _ := DyadicN.zero
  sqrt _ := DyadicN.zero
  tanh _ := DyadicN.zero
  ofBits := DyadicN.ofBits
  erf _ := DyadicN.zero
  sin _ := DyadicN.zero
  cos _ := DyadicN.zero
  floor := DyadicN.floor
  ceil := DyadicN.ceil
  round := DyadicN.round
  pow := DyadicN.pow

/-- The normalised dyadics satisfy the commutative-ring laws. -/
instance instRingLawsDyadicN : NN.Autograd.RingLaws DyadicN where
  add_assoc a b c := DyadicN.add_assoc a b c
  add_comm a b := DyadicN.add_comm a b
  zero_add a := DyadicN.zero_add a
  add_zero a := DyadicN.add_zero a
  add_left_neg a := DyadicN.add_left_neg a
  sub_eq_add_neg a b := DyadicN.sub_eq_add_neg a b
  mul_assoc a b c := DyadicN.mul_assoc a b c
  mul_comm a b := DyadicN.mul_comm a b
  one_mul a := DyadicN.one_mul a
  mul_one a := DyadicN.mul_one a
  mul_add a b c := DyadicN.mul_add a b c
  zero_mul a := DyadicN.zero_mul a
  mul_zero a := DyadicN.mul_zero a
  neg_one_mul a := DyadicN.neg_one_mul a

/-! ### Checks on small values (run while the module elaborates) -/

-- canonical forms: 12 = 3·2², 0·2⁵ = 0, -40·2⁻³ = -5, 1·2⁻¹ stays
#guard Dyadic.canon ⟨12, 0⟩ = ⟨3, 2⟩
#guard Dyadic.canon ⟨0, 5⟩ = ⟨0, 0⟩
#guard Dyadic.canon ⟨-40, -3⟩ = ⟨-5, 0⟩
#guard Dyadic.canon ⟨1, -1⟩ = ⟨1, -1⟩
-- 1/2 + 1/2 = 1; 3/4 · 8 = 6 = 3·2; 6 - 6 = 0; 3 + 5 = 8 = 1·2³
#guard (DyadicN.add (DyadicN.ofDyadic ⟨1, -1⟩) (DyadicN.ofDyadic ⟨1, -1⟩)).val = ⟨1, 0⟩
#guard (DyadicN.mul (DyadicN.ofDyadic ⟨3, -2⟩) (DyadicN.ofDyadic ⟨4, 1⟩)).val = ⟨3, 1⟩
#guard (DyadicN.sub (DyadicN.ofDyadic ⟨6, 0⟩) (DyadicN.ofDyadic ⟨3, 1⟩)).val = ⟨0, 0⟩
#guard (NN.ScalarRing.add (NN.ScalarRing.fromNat 3 : DyadicN) (NN.ScalarRing.fromNat 5)).val =
  ⟨1, 3⟩
-- -(1/4) and 1/4 - 3/8 = -1/8
#guard (DyadicN.neg (DyadicN.ofDyadic ⟨2, -3⟩)).val = ⟨-1, -2⟩
#guard (DyadicN.sub (DyadicN.ofDyadic ⟨1, -2⟩) (DyadicN.ofDyadic ⟨3, -3⟩)).val = ⟨-1, -3⟩
-- order and the NumPy tie rule of max (ties return the second argument, here equal anyway)
#guard DyadicN.lt (DyadicN.ofDyadic ⟨1, -1⟩) (DyadicN.ofDyadic ⟨1, 0⟩) = true
#guard (DyadicN.max (DyadicN.ofDyadic ⟨-3, 0⟩) DyadicN.zero).val = ⟨0, 0⟩
-- binary32 literals: 0.5, 1.0, -0.0; floor/ceil/round of 5/2 and -3/2
#guard (DyadicN.ofBits 0x3F000000).val = ⟨1, -1⟩
#guard (DyadicN.ofBits 0x3F800000).val = ⟨1, 0⟩
#guard (DyadicN.ofBits 0x80000000).val = ⟨0, 0⟩
#guard (DyadicN.floor (DyadicN.ofDyadic ⟨5, -1⟩)).val = ⟨1, 1⟩
#guard (DyadicN.ceil (DyadicN.ofDyadic ⟨5, -1⟩)).val = ⟨3, 0⟩
#guard (DyadicN.round (DyadicN.ofDyadic ⟨5, -1⟩)).val = ⟨1, 1⟩
#guard (DyadicN.round (DyadicN.ofDyadic ⟨-3, -1⟩)).val = ⟨-1, 1⟩
#guard (DyadicN.pow (DyadicN.ofDyadic ⟨3, -1⟩) (DyadicN.fromNat 2)).val = ⟨9, -2⟩

end NN.Floats
