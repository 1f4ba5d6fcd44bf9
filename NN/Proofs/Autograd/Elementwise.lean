import NN.Proofs.Autograd.Pairing

/-!
# Autograd: elementwise ops

Forward mode through an elementwise op is a diagonal scaling (unary ops) or a sum of two
diagonal scalings read at the broadcast offsets (binary ops); the reverse rules in `opLin` are
their transposes. Each lemma states `LinOK` (the tangent of output `i` of the dual-number
denotation is the pairing of its linear terms) for one op.

## Main results

* `NN.Proofs.Autograd.unary_tan`, `NN.Proofs.Autograd.binary_tan`: the two generic lemmas
  (a gather through `idPlan` / `binaryPlan`, by `gather_tan`).
* `lin_add`, `lin_sub`, `lin_mul`, `lin_div`, `lin_max`, `lin_min`, `lin_neg`, `lin_abs`,
  `lin_relu`, `lin_tanh`, `lin_exp`, `lin_log`, `lin_sqrt`, `lin_erf`, `lin_sin`, `lin_cos`,
  `lin_floor`, `lin_ceil`, `lin_round`, `lin_pow`, and the derived ops `lin_sigmoid`,
  `lin_leakyRelu`, `lin_sign`, `lin_clip`, and the selection `lin_where`.

## Implementation notes

Each scalar rule is a one-line ring identity (`add_zero`, `one_mul`, `neg_one_mul`,
`sub_eq_add_neg`); the branch of `max`/`min`/`relu` is split on the Boolean comparison of the
primal values.

Trust boundary: no hypothesis beyond `RingLaws`.
-/

namespace NN.Proofs.Autograd

open NN NN.IR NN.Spec NN.Autograd

variable {α : Type} [Scalar α] [RingLaws α]

/-- Forward mode through an elementwise unary op `f`, given the rule of `f` on one element. -/
theorem unary_tan (f : Dual α → Dual α) (T : α → Nat → List (Term α)) (o : Shape)
    (env : Env (Dual α)) (xs : List (Array (Dual α)))
    (hf : ∀ (y : Dual α) (j : Nat), argTan env xs (.node 0) j = y.tan →
      (f y).tan = pair (T y.pri j) (argTan env xs)) (i : Nat) :
    tanAt (Spec.unary f o (arg xs 0)) i = pair (unaryLin o T (arg xs 0) i) (argTan env xs) :=
  gather_tan (idPlan o) (unaryRead f (arg xs 0)) (fun j => T (priAt (arg xs 0) j) j)
    (argTan env xs) (fun j => hf (valAt (arg xs 0) j) j rfl) i

/-- Forward mode through a broadcast binary op `f`, given the rule of `f` on one pair. -/
theorem binary_tan (f : Dual α → Dual α → Dual α) (T : α → α → Nat → Nat → List (Term α))
    (sa sb o : Shape) (env : Env (Dual α)) (xs : List (Array (Dual α)))
    (hf : ∀ (y z : Dual α) (ka kb : Nat), argTan env xs (.node 0) ka = y.tan →
      argTan env xs (.node 1) kb = z.tan → (f y z).tan = pair (T y.pri z.pri ka kb) (argTan env xs))
    (i : Nat) :
    tanAt (Spec.binary f sa sb o (arg xs 0) (arg xs 1)) i =
      pair (binaryLin sa sb o T (arg xs 0) (arg xs 1) i) (argTan env xs) :=
  gather_tan' (binaryPlan sa sb o) (binaryRead f (arg xs 0) (arg xs 1))
    (fun k => T (priAt (arg xs 0) k.1) (priAt (arg xs 1) k.2) k.1 k.2) (argTan env xs)
    (fun k => hf (valAt (arg xs 0) k.1) (valAt (arg xs 1) k.2) k.1 k.2 rfl rfl) i

/-- A unary rule `ḟ = d(p) · ṫ` pairs as one scaled term. -/
theorem scale_hf (f : Dual α → Dual α) (d : α → α)
    (hfd : ∀ y : Dual α, (f y).tan = ScalarRing.mul (d y.pri) y.tan) (E : Site → Nat → α) :
    ∀ (y : Dual α) (j : Nat), E (.node 0) j = y.tan → (f y).tan = pair (scaleT (d y.pri) j) E := by
  intro y j h
  rw [hfd y]
  show _ = ScalarRing.add (ScalarRing.mul (d y.pri) (E (.node 0) j)) ScalarRing.zero
  rw [RingLaws.add_zero, h]

/-- `add`: `ȧ + ḃ`. -/
theorem add_hf (E : Site → Nat → α) :
    ∀ (y z : Dual α) (ka kb : Nat), E (.node 0) ka = y.tan → E (.node 1) kb = z.tan →
      (ScalarRing.add y z).tan = pair (addT y.pri z.pri ka kb) E := by
  intro y z ka kb h0 h1
  show ScalarRing.add y.tan z.tan =
    ScalarRing.add (ScalarRing.mul ScalarRing.one (E (.node 0) ka))
      (ScalarRing.add (ScalarRing.mul ScalarRing.one (E (.node 1) kb)) ScalarRing.zero)
  rw [RingLaws.add_zero, RingLaws.one_mul, RingLaws.one_mul, h0, h1]

/-- `sub`: `ȧ - ḃ`. -/
theorem sub_hf (E : Site → Nat → α) :
    ∀ (y z : Dual α) (ka kb : Nat), E (.node 0) ka = y.tan → E (.node 1) kb = z.tan →
      (ScalarRing.sub y z).tan = pair (subT y.pri z.pri ka kb) E := by
  intro y z ka kb h0 h1
  show ScalarRing.sub y.tan z.tan =
    ScalarRing.add (ScalarRing.mul ScalarRing.one (E (.node 0) ka))
      (ScalarRing.add (ScalarRing.mul (ScalarRing.neg ScalarRing.one) (E (.node 1) kb))
        ScalarRing.zero)
  rw [RingLaws.add_zero, RingLaws.one_mul, RingLaws.neg_one_mul, h0, h1, RingLaws.sub_eq_add_neg]

/-- `mul`: `b·ȧ + a·ḃ`. -/
theorem mul_hf (E : Site → Nat → α) :
    ∀ (y z : Dual α) (ka kb : Nat), E (.node 0) ka = y.tan → E (.node 1) kb = z.tan →
      (ScalarRing.mul y z).tan = pair (mulT y.pri z.pri ka kb) E := by
  intro y z ka kb h0 h1
  show ScalarRing.add (ScalarRing.mul z.pri y.tan) (ScalarRing.mul y.pri z.tan) =
    ScalarRing.add (ScalarRing.mul z.pri (E (.node 0) ka))
      (ScalarRing.add (ScalarRing.mul y.pri (E (.node 1) kb)) ScalarRing.zero)
  rw [RingLaws.add_zero, h0, h1]

/-- `div`: `(1/b)·ȧ + (-(a/b)/b)·ḃ`. -/
theorem div_hf (E : Site → Nat → α) :
    ∀ (y z : Dual α) (ka kb : Nat), E (.node 0) ka = y.tan → E (.node 1) kb = z.tan →
      (Scalar.div y z).tan = pair (divT y.pri z.pri ka kb) E := by
  intro y z ka kb h0 h1
  show ScalarRing.add (ScalarRing.mul (dDivL y.pri z.pri) y.tan)
      (ScalarRing.mul (dDivR y.pri z.pri) z.tan) =
    ScalarRing.add (ScalarRing.mul (dDivL y.pri z.pri) (E (.node 0) ka))
      (ScalarRing.add (ScalarRing.mul (dDivR y.pri z.pri) (E (.node 1) kb)) ScalarRing.zero)
  rw [RingLaws.add_zero, h0, h1]

/-- `max`: the tangent of the returned argument. -/
theorem max_hf (E : Site → Nat → α) :
    ∀ (y z : Dual α) (ka kb : Nat), E (.node 0) ka = y.tan → E (.node 1) kb = z.tan →
      (NN.smax y z).tan = pair (maxT y.pri z.pri ka kb) E := by
  intro y z ka kb h0 h1
  show cond (ScalarRing.lt z.pri y.pri) y.tan z.tan =
    pair (cond (ScalarRing.lt z.pri y.pri) [(Site.node 0, ka, ScalarRing.one)]
      [(Site.node 1, kb, ScalarRing.one)]) E
  cases ScalarRing.lt z.pri y.pri with
  | true =>
    show y.tan = ScalarRing.add (ScalarRing.mul ScalarRing.one (E (.node 0) ka)) ScalarRing.zero
    rw [RingLaws.add_zero, RingLaws.one_mul, h0]
  | false =>
    show z.tan = ScalarRing.add (ScalarRing.mul ScalarRing.one (E (.node 1) kb)) ScalarRing.zero
    rw [RingLaws.add_zero, RingLaws.one_mul, h1]

/-- `min`: the tangent of the returned argument. -/
theorem min_hf (E : Site → Nat → α) :
    ∀ (y z : Dual α) (ka kb : Nat), E (.node 0) ka = y.tan → E (.node 1) kb = z.tan →
      (NN.smin y z).tan = pair (minT y.pri z.pri ka kb) E := by
  intro y z ka kb h0 h1
  show cond (ScalarRing.lt y.pri z.pri) y.tan z.tan =
    pair (cond (ScalarRing.lt y.pri z.pri) [(Site.node 0, ka, ScalarRing.one)]
      [(Site.node 1, kb, ScalarRing.one)]) E
  cases ScalarRing.lt y.pri z.pri with
  | true =>
    show y.tan = ScalarRing.add (ScalarRing.mul ScalarRing.one (E (.node 0) ka)) ScalarRing.zero
    rw [RingLaws.add_zero, RingLaws.one_mul, h0]
  | false =>
    show z.tan = ScalarRing.add (ScalarRing.mul ScalarRing.one (E (.node 1) kb)) ScalarRing.zero
    rw [RingLaws.add_zero, RingLaws.one_mul, h1]

/-- `relu = max x 0`: the tangent where `0 < x`, else nothing. -/
theorem relu_hf (E : Site → Nat → α) :
    ∀ (y : Dual α) (j : Nat), E (.node 0) j = y.tan →
      (NN.relu y).tan = pair (selT (ScalarRing.lt ScalarRing.zero y.pri) j) E := by
  intro y j h
  show cond (ScalarRing.lt ScalarRing.zero y.pri) y.tan ScalarRing.zero =
    pair (cond (ScalarRing.lt ScalarRing.zero y.pri) [(Site.node 0, j, ScalarRing.one)] []) E
  cases ScalarRing.lt (ScalarRing.zero : α) y.pri with
  | true =>
    show y.tan = ScalarRing.add (ScalarRing.mul ScalarRing.one (E (.node 0) j)) ScalarRing.zero
    rw [RingLaws.add_zero, RingLaws.one_mul, h]
  | false => rfl

/-- `add`: forward mode is the pairing of its linear terms. -/
theorem lin_add : LinOK α .add := fun env ss o xs i =>
  binary_tan ScalarRing.add addT (shp ss 0) (shp ss 1) o env xs (add_hf (argTan env xs)) i

/-- `sub`: forward mode is the pairing of its linear terms. -/
theorem lin_sub : LinOK α .sub := fun env ss o xs i =>
  binary_tan ScalarRing.sub subT (shp ss 0) (shp ss 1) o env xs (sub_hf (argTan env xs)) i

/-- `mul`: forward mode is the pairing of its linear terms. -/
theorem lin_mul : LinOK α .mul := fun env ss o xs i =>
  binary_tan ScalarRing.mul mulT (shp ss 0) (shp ss 1) o env xs (mul_hf (argTan env xs)) i

/-- `div`: forward mode is the pairing of its linear terms. -/
theorem lin_div : LinOK α .div := fun env ss o xs i =>
  binary_tan Scalar.div divT (shp ss 0) (shp ss 1) o env xs (div_hf (argTan env xs)) i

/-- `max`: forward mode is the pairing of its linear terms. -/
theorem lin_max : LinOK α .max := fun env ss o xs i =>
  binary_tan NN.smax maxT (shp ss 0) (shp ss 1) o env xs (max_hf (argTan env xs)) i

/-- `min`: forward mode is the pairing of its linear terms. -/
theorem lin_min : LinOK α .min := fun env ss o xs i =>
  binary_tan NN.smin minT (shp ss 0) (shp ss 1) o env xs (min_hf (argTan env xs)) i

/-- `neg`: forward mode is the pairing of its linear terms. -/
theorem lin_neg : LinOK α .neg := fun env _ o xs i =>
  unary_tan ScalarRing.neg (fun _ j => scaleT (ScalarRing.neg ScalarRing.one) j) o env xs
    (scale_hf ScalarRing.neg (fun _ => ScalarRing.neg ScalarRing.one)
      (fun y => (RingLaws.neg_one_mul y.tan).symm) (argTan env xs)) i

/-- `abs`: forward mode is the pairing of its linear terms. -/
theorem lin_abs : LinOK α .abs := fun env _ o xs i =>
  unary_tan Scalar.abs (fun p j => scaleT (dAbs p) j) o env xs
    (scale_hf Scalar.abs dAbs (fun _ => rfl) (argTan env xs)) i

/-- `relu`: forward mode is the pairing of its linear terms. -/
theorem lin_relu : LinOK α .relu := fun env _ o xs i =>
  unary_tan NN.relu (fun p j => selT (ScalarRing.lt ScalarRing.zero p) j) o env xs
    (relu_hf (argTan env xs)) i

/-- `tanh`: forward mode is the pairing of its linear terms. -/
theorem lin_tanh : LinOK α .tanh := fun env _ o xs i =>
  unary_tan Scalar.tanh (fun p j => scaleT (dTanh p) j) o env xs
    (scale_hf Scalar.tanh dTanh (fun _ => rfl) (argTan env xs)) i

/-- `exp`: forward mode is the pairing of its linear terms. -/
theorem lin_exp : LinOK α .exp := fun env _ o xs i =>
  unary_tan Scalar.exp (fun p j => scaleT (dExp p) j) o env xs
    (scale_hf Scalar.exp dExp (fun _ => rfl) (argTan env xs)) i

/-- `log`: forward mode is the pairing of its linear terms. -/
theorem lin_log : LinOK α .log := fun env _ o xs i =>
  unary_tan Scalar.log (fun p j => scaleT (dLog p) j) o env xs
    (scale_hf Scalar.log dLog (fun _ => rfl) (argTan env xs)) i

/-- `sqrt`: forward mode is the pairing of its linear terms. -/
theorem lin_sqrt : LinOK α .sqrt := fun env _ o xs i =>
  unary_tan Scalar.sqrt (fun p j => scaleT (dSqrt p) j) o env xs
    (scale_hf Scalar.sqrt dSqrt (fun _ => rfl) (argTan env xs)) i

/-- `erf`: forward mode is the pairing of its linear terms. -/
theorem lin_erf : LinOK α .erf := fun env _ o xs i =>
  unary_tan Scalar.erf (fun p j => scaleT (dErf p) j) o env xs
    (scale_hf Scalar.erf dErf (fun _ => rfl) (argTan env xs)) i

/-- `sin`: forward mode is the pairing of its linear terms. -/
theorem lin_sin : LinOK α .sin := fun env _ o xs i =>
  unary_tan Scalar.sin (fun p j => scaleT (dSin p) j) o env xs
    (scale_hf Scalar.sin dSin (fun _ => rfl) (argTan env xs)) i

/-- `cos`: forward mode is the pairing of its linear terms. -/
theorem lin_cos : LinOK α .cos := fun env _ o xs i =>
  unary_tan Scalar.cos (fun p j => scaleT (dCos p) j) o env xs
    (scale_hf Scalar.cos dCos (fun _ => rfl) (argTan env xs)) i

/-- `floor`: forward mode is the pairing of its linear terms. -/
theorem lin_floor : LinOK α .floor := fun env _ o xs i =>
  unary_tan Scalar.floor (fun _ _ => []) o env xs (fun _ _ _ => rfl) i

/-- `ceil`: forward mode is the pairing of its linear terms. -/
theorem lin_ceil : LinOK α .ceil := fun env _ o xs i =>
  unary_tan Scalar.ceil (fun _ _ => []) o env xs (fun _ _ _ => rfl) i

/-- `round`: forward mode is the pairing of its linear terms. -/
theorem lin_round : LinOK α .round := fun env _ o xs i =>
  unary_tan Scalar.round (fun _ _ => []) o env xs (fun _ _ _ => rfl) i

/-- `pow`: forward mode is the pairing of its linear terms. -/
theorem lin_pow (a : PowAttrs) : LinOK α (.pow a) := fun env _ o xs i =>
  unary_tan (Spec.powBy a.exponent) (fun p j => scaleT (dPow p (Scalar.ofBits a.exponent)) j) o env xs
    (scale_hf (Spec.powBy a.exponent) (fun p => dPow p (Scalar.ofBits a.exponent))
      (fun _ => rfl) (argTan env xs)) i

/-- `sigmoid` (derived: `1 / (1 + exp (-x))`): one scaled term with `dSigmoid`. -/
theorem sigmoid_hfd :
    ∀ y : Dual α, (NN.sigmoid y).tan = ScalarRing.mul (dSigmoid y.pri) y.tan := by
  intro y
  show ScalarRing.add
      (ScalarRing.mul
        (dDivL ScalarRing.one (ScalarRing.add ScalarRing.one (Scalar.exp (ScalarRing.neg y.pri))))
        ScalarRing.zero)
      (ScalarRing.mul
        (dDivR ScalarRing.one (ScalarRing.add ScalarRing.one (Scalar.exp (ScalarRing.neg y.pri))))
        (ScalarRing.add ScalarRing.zero
          (ScalarRing.mul (dExp (ScalarRing.neg y.pri)) (ScalarRing.neg y.tan)))) =
    ScalarRing.mul
      (ScalarRing.mul
        (dDivR ScalarRing.one (ScalarRing.add ScalarRing.one (Scalar.exp (ScalarRing.neg y.pri))))
        (ScalarRing.mul (dExp (ScalarRing.neg y.pri)) (ScalarRing.neg ScalarRing.one)))
      y.tan
  rw [RingLaws.mul_zero, RingLaws.zero_add, RingLaws.zero_add, ← RingLaws.neg_one_mul y.tan,
    RingLaws.mul_assoc, RingLaws.mul_assoc]

/-- `leakyRelu α` (derived: `if x < 0 then α·x else x`): slope `dLeaky α x`. -/
theorem leaky_hfd (bits : UInt32) :
    ∀ y : Dual α, (NN.leakyRelu (Scalar.ofBits bits) y).tan =
      ScalarRing.mul (dLeaky (Scalar.ofBits bits) y.pri) y.tan := by
  intro y
  show (if ScalarRing.lt y (ScalarRing.zero : Dual α) = true then
      ScalarRing.mul (Scalar.ofBits bits : Dual α) y else y).tan =
    ScalarRing.mul (cond (ScalarRing.lt y.pri ScalarRing.zero) (Scalar.ofBits bits) ScalarRing.one)
      y.tan
  cases hb : ScalarRing.lt y.pri (ScalarRing.zero : α) with
  | true =>
    have hb' : ScalarRing.lt y (ScalarRing.zero : Dual α) = true := hb
    rw [hb']
    show ScalarRing.add (ScalarRing.mul y.pri ScalarRing.zero)
        (ScalarRing.mul (Scalar.ofBits bits) y.tan) =
      ScalarRing.mul (Scalar.ofBits bits) y.tan
    rw [RingLaws.mul_zero, RingLaws.zero_add]
  | false =>
    have hb' : ScalarRing.lt y (ScalarRing.zero : Dual α) = false := hb
    rw [hb']
    show y.tan = ScalarRing.mul ScalarRing.one y.tan
    rw [RingLaws.one_mul]

/-- `-0 = 0` from the ring laws. -/
theorem neg_zero_eq : ScalarRing.neg (ScalarRing.zero : α) = ScalarRing.zero :=
  (RingLaws.neg_one_mul (ScalarRing.zero : α)).symm.trans (RingLaws.mul_zero _)

/-- `sign` (derived: `1`, `-1`, or `x` itself): the tangent passes only in the last case. -/
theorem sign_hf (E : Site → Nat → α) :
    ∀ (y : Dual α) (j : Nat), E (.node 0) j = y.tan → (NN.sign y).tan = pair (signT y.pri j) E := by
  intro y j h
  show (if ScalarRing.lt (ScalarRing.zero : Dual α) y = true then (ScalarRing.one : Dual α)
      else if ScalarRing.lt y (ScalarRing.zero : Dual α) = true then
        ScalarRing.neg (ScalarRing.one : Dual α)
      else y).tan =
    pair (cond (ScalarRing.lt ScalarRing.zero y.pri) []
      (cond (ScalarRing.lt y.pri ScalarRing.zero) [] [(Site.node 0, j, ScalarRing.one)])) E
  cases h1 : ScalarRing.lt (ScalarRing.zero : α) y.pri with
  | true =>
    have h1' : ScalarRing.lt (ScalarRing.zero : Dual α) y = true := h1
    rw [h1']
    all_goals rfl
  | false =>
    have h1' : ScalarRing.lt (ScalarRing.zero : Dual α) y = false := h1
    rw [h1']
    cases h2 : ScalarRing.lt y.pri (ScalarRing.zero : α) with
    | true =>
      have h2' : ScalarRing.lt y (ScalarRing.zero : Dual α) = true := h2
      rw [h2']
      show ScalarRing.neg (ScalarRing.zero : α) = ScalarRing.zero
      exact neg_zero_eq
    | false =>
      have h2' : ScalarRing.lt y (ScalarRing.zero : Dual α) = false := h2
      rw [h2']
      show y.tan = ScalarRing.add (ScalarRing.mul ScalarRing.one (E (.node 0) j)) ScalarRing.zero
      rw [RingLaws.add_zero, RingLaws.one_mul, h]

/-- `where`: the selected operand's tangent. -/
theorem where_hr (env : Env (Dual α)) (xs : List (Array (Dual α))) :
    ∀ k, (whereRead (arg xs 0) (arg xs 1) (arg xs 2) k).tan =
      pair (whereT (arg xs 0) k) (argTan env xs) := by
  intro k
  show (if ScalarRing.lt (ScalarRing.zero : Dual α) (valAt (arg xs 0) k.1) = true then
      valAt (arg xs 1) k.2.1 else valAt (arg xs 2) k.2.2).tan =
    pair (cond (ScalarRing.lt ScalarRing.zero (priAt (arg xs 0) k.1))
      [(Site.node 1, k.2.1, ScalarRing.one)] [(Site.node 2, k.2.2, ScalarRing.one)]) (argTan env xs)
  cases hb : ScalarRing.lt (ScalarRing.zero : α) (priAt (arg xs 0) k.1) with
  | true =>
    have hb' : ScalarRing.lt (ScalarRing.zero : Dual α) (valAt (arg xs 0) k.1) = true := hb
    rw [hb']
    show tanAt (arg xs 1) k.2.1 =
      ScalarRing.add (ScalarRing.mul ScalarRing.one (tanAt (arg xs 1) k.2.1)) ScalarRing.zero
    rw [RingLaws.add_zero, RingLaws.one_mul]
  | false =>
    have hb' : ScalarRing.lt (ScalarRing.zero : Dual α) (valAt (arg xs 0) k.1) = false := hb
    rw [hb']
    show tanAt (arg xs 2) k.2.2 =
      ScalarRing.add (ScalarRing.mul ScalarRing.one (tanAt (arg xs 2) k.2.2)) ScalarRing.zero
    rw [RingLaws.add_zero, RingLaws.one_mul]

/-- A selected tangent (`ẏ` or `0`) pairs as `selT`. -/
theorem sel_pair (E : Site → Nat → α) (y : Dual α) (j : Nat) (h : E (.node 0) j = y.tan) :
    ∀ b : Bool, cond b y.tan ScalarRing.zero = pair (selT b j) E
  | true => by
    show y.tan = ScalarRing.add (ScalarRing.mul ScalarRing.one (E (.node 0) j)) ScalarRing.zero
    rw [RingLaws.add_zero, RingLaws.one_mul, h]
  | false => rfl

/-- `clip lo hi` (derived: `min (max x lo) hi`): the tangent passes strictly inside the
bounds (`clipSel`). -/
theorem clip_hf (lo hi : Option UInt32) (E : Site → Nat → α) :
    ∀ (y : Dual α) (j : Nat), E (.node 0) j = y.tan →
      (NN.clip (lo.map Scalar.ofBits) (hi.map Scalar.ofBits) y).tan =
        pair (selT (clipSel (lo.map Scalar.ofBits) (hi.map Scalar.ofBits) y.pri) j) E := by
  intro y j h
  cases lo with
  | none =>
    cases hi with
    | none => exact sel_pair E y j h true
    | some bh => exact sel_pair E y j h (ScalarRing.lt y.pri (Scalar.ofBits bh))
  | some bl =>
    cases hi with
    | none => exact sel_pair E y j h (ScalarRing.lt (Scalar.ofBits bl) y.pri)
    | some bh =>
      show cond (ScalarRing.lt (ScalarRing.max y.pri (Scalar.ofBits bl)) (Scalar.ofBits bh))
          (cond (ScalarRing.lt (Scalar.ofBits bl) y.pri) y.tan ScalarRing.zero) ScalarRing.zero =
        pair (selT (ScalarRing.lt (Scalar.ofBits bl) y.pri &&
          ScalarRing.lt (ScalarRing.max y.pri (Scalar.ofBits bl)) (Scalar.ofBits bh)) j) E
      cases ScalarRing.lt (Scalar.ofBits bl : α) y.pri with
      | true => exact sel_pair E y j h _
      | false =>
        cases ScalarRing.lt (ScalarRing.max y.pri (Scalar.ofBits bl : α)) (Scalar.ofBits bh) <;> rfl

/-- `clip`: forward mode is the pairing of its linear terms. -/
theorem lin_clip (a : ClipAttrs) : LinOK α (.clip a) := fun env _ o xs i =>
  unary_tan (NN.clip (a.lo.map Scalar.ofBits) (a.hi.map Scalar.ofBits))
    (fun p j => selT (clipSel (a.lo.map Scalar.ofBits) (a.hi.map Scalar.ofBits) p) j) o env xs
    (clip_hf a.lo a.hi (argTan env xs)) i

/-- `sigmoid`: forward mode is the pairing of its linear terms. -/
theorem lin_sigmoid : LinOK α .sigmoid := fun env _ o xs i =>
  unary_tan NN.sigmoid (fun p j => scaleT (dSigmoid p) j) o env xs
    (scale_hf NN.sigmoid dSigmoid sigmoid_hfd (argTan env xs)) i

/-- `leakyRelu`: forward mode is the pairing of its linear terms. -/
theorem lin_leakyRelu (a : LeakyReluAttrs) : LinOK α (.leakyRelu a) := fun env _ o xs i =>
  unary_tan (NN.leakyRelu (Scalar.ofBits a.alpha))
    (fun p j => scaleT (dLeaky (Scalar.ofBits a.alpha) p) j) o env xs
    (scale_hf (NN.leakyRelu (Scalar.ofBits a.alpha)) (dLeaky (Scalar.ofBits a.alpha))
      (leaky_hfd a.alpha) (argTan env xs)) i

/-- `sign`: forward mode is the pairing of its linear terms. -/
theorem lin_sign : LinOK α .sign := fun env _ o xs i =>
  unary_tan NN.sign signT o env xs (sign_hf (argTan env xs)) i

/-- `where`: forward mode is the pairing of its linear terms. -/
theorem lin_where : LinOK α .«where» := fun env ss o xs i =>
  gather_tan' (wherePlan (shp ss 0) (shp ss 1) (shp ss 2) o)
    (whereRead (arg xs 0) (arg xs 1) (arg xs 2)) (whereT (arg xs 0)) (argTan env xs)
    (where_hr env xs) i

end NN.Proofs.Autograd
