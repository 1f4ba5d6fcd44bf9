import NN.Proofs.Autograd.Softmax

/-!
# Autograd: `batchNorm` and `layerNorm`

`batchNorm` (inference) reads five arguments at each key: `x` at the element, `scale`, `bias`,
`mean`, `var` at its channel. Its tangent, through the `sub`, `add`, `sqrt`, `div`, `mul` rules,
is linear in the five tangents; `bnT` lists the terms in the same shape, so that rewriting the
pairing with `pair_append`, `pair_scale`, `pair_subTerms`, `pair_single` gives the dual-number
tangent term for term.

## Main results

* `NN.Proofs.Autograd.bn_hr`, `lin_batchNorm`
* `NN.Proofs.Autograd.bias_tan`, `divCount_tan`, `sq_tan`, `var_tan`, `ln_hr`, `lin_layerNorm`
  (`layerNorm` through the tangents of the group mean and of the group variance, whose terms
  `meanT`, `varT` stay folded while the rest is rewritten)

## Implementation notes

The last step is `rfl`: after rewriting, the two sides differ only by unfolding the dual-number
operations and `argTan`.

Trust boundary: no hypothesis beyond `RingLaws`.
-/

namespace NN.Proofs.Autograd

open NN NN.IR NN.Spec NN.Autograd

variable {α : Type} [Scalar α] [RingLaws α]

/-- The empty term list pairs as zero. -/
theorem pair_nil (E : Site → Nat → α) : pair ([] : List (Term α)) E = ScalarRing.zero := rfl

/-- `batchNorm` at one key. -/
theorem bn_hr (env : Env (Dual α)) (xs : List (Array (Dual α))) (eps : UInt32) :
    ∀ k, (batchNormRead eps (arg xs 0) (arg xs 1) (arg xs 2) (arg xs 3) (arg xs 4) k).tan =
      pair (bnT (arg xs 0) (arg xs 1) (arg xs 3) (arg xs 4) eps k) (argTan env xs) := by
  intro k
  simp only [bnT, pair_append, pair_scale, pair_subTerms, pair_single, pair_nil]
  all_goals rfl

/-- `batchNorm`. -/
theorem lin_batchNorm (a : BatchNormAttrs) : LinOK α (.batchNorm a) := fun env ss o xs i =>
  gather_tan' (batchNormPlan (shp ss 0) o)
    (batchNormRead a.epsilon (arg xs 0) (arg xs 1) (arg xs 2) (arg xs 3) (arg xs 4))
    (bnT (arg xs 0) (arg xs 1) (arg xs 3) (arg xs 4) a.epsilon) (argTan env xs)
    (bn_hr env xs a.epsilon) i

/-- A bias read pairs as `biasT` (argument 2). -/
theorem bias_tan (env : Env (Dual α)) (xs : List (Array (Dual α))) (o : Option Nat) :
    (biasAt (arg xs 2) o).tan = pair (biasT o) (argTan env xs) := by
  cases o with
  | none => rfl
  | some j =>
    show tanAt (arg xs 2) j =
      ScalarRing.add (ScalarRing.mul ScalarRing.one (tanAt (arg xs 2) j)) ScalarRing.zero
    rw [RingLaws.add_zero, RingLaws.one_mul]

/-- Dividing by a count (tangent zero) scales the terms by `1/n`. -/
theorem divCount_tan (s : Dual α) (S : List (Term α)) (E : Site → Nat → α)
    (hs : s.tan = pair S E) (n : Nat) :
    (Scalar.div s (ScalarRing.fromNat n : Dual α)).tan =
      pair (scaleTerms (Scalar.div ScalarRing.one (ScalarRing.fromNat n : α)) S) E := by
  show ScalarRing.add
      (ScalarRing.mul (Scalar.div ScalarRing.one (ScalarRing.fromNat n : α)) s.tan)
      (ScalarRing.mul (dDivR s.pri (ScalarRing.fromNat n : α)) ScalarRing.zero) = _
  rw [RingLaws.mul_zero, RingLaws.add_zero, pair_scale, hs]

/-- The tangent of a squared deviation `(x[j] − μ)·(x[j] − μ)`. -/
theorem sq_tan (x : Array (Dual α)) (E : Site → Nat → α) (h0 : ∀ j, E (.node 0) j = tanAt x j)
    (mu : Dual α) (MU : List (Term α)) (hmu : mu.tan = pair MU E) (j : Nat) :
    (ScalarRing.mul (ScalarRing.sub (valAt x j) mu) (ScalarRing.sub (valAt x j) mu)).tan =
      pair (sqDevT x mu.pri MU j) E := by
  show ScalarRing.add
      (ScalarRing.mul (ScalarRing.sub (priAt x j) mu.pri) (ScalarRing.sub (tanAt x j) mu.tan))
      (ScalarRing.mul (ScalarRing.sub (priAt x j) mu.pri) (ScalarRing.sub (tanAt x j) mu.tan)) =
    pair (scaleTerms (ScalarRing.sub (priAt x j) mu.pri)
        (subTerms [(Site.node 0, j, ScalarRing.one)] MU) ++
      scaleTerms (ScalarRing.sub (priAt x j) mu.pri)
        (subTerms [(Site.node 0, j, ScalarRing.one)] MU)) E
  rw [pair_append, pair_scale, pair_subTerms, pair_single, h0, hmu]

/-- The tangent of a group variance around the group mean. -/
theorem var_tan (x : Array (Dual α)) (E : Site → Nat → α) (h0 : ∀ j, E (.node 0) j = tanAt x j)
    (g : List Nat) : (groupVar x g (groupMean x g)).tan = pair (varT x g) E :=
  divCount_tan
    (sumList (g.map (fun j => ScalarRing.mul (ScalarRing.sub (valAt x j) (groupMean x g))
      (ScalarRing.sub (valAt x j) (groupMean x g)))))
    (bindT (sqDevT x (groupMean x g).pri (meanT g g.length)) g) E
    ((sumMap_tan (fun j => ScalarRing.mul (ScalarRing.sub (valAt x j) (groupMean x g))
        (ScalarRing.sub (valAt x j) (groupMean x g)))
      (sqDevT x (groupMean x g).pri (meanT g g.length)) E
      (fun j => sq_tan x E h0 (groupMean x g) (meanT g g.length)
        (mean_tan x E h0 g g.length) j) g ScalarRing.zero).trans (RingLaws.zero_add _))
    g.length

/-- `layerNorm` at one key. -/
theorem ln_hr (env : Env (Dual α)) (xs : List (Array (Dual α))) (eps : UInt32) (hasBias : Bool) :
    ∀ k, (layerNormRead eps hasBias (arg xs 0) (arg xs 1) (arg xs 2) k).tan =
      pair (lnT (arg xs 0) (arg xs 1) eps hasBias k) (argTan env xs) := by
  intro k
  have hmu : (groupMean (arg xs 0) k.2.2).tan =
      pair (meanT k.2.2 k.2.2.length) (argTan env xs) :=
    mean_tan (arg xs 0) (argTan env xs) (fun _ => rfl) k.2.2 k.2.2.length
  have hvar : (groupVar (arg xs 0) k.2.2 (groupMean (arg xs 0) k.2.2)).tan =
      pair (varT (arg xs 0) k.2.2) (argTan env xs) :=
    var_tan (arg xs 0) (argTan env xs) (fun _ => rfl) k.2.2
  have hb := bias_tan env xs (if hasBias then some k.2.1 else none)
  simp only [lnT, pair_append, pair_scale, pair_subTerms, pair_single, pair_nil, ← hmu, ← hvar,
    ← hb]
  all_goals rfl

/-- `layerNorm`. -/
theorem lin_layerNorm (a : LayerNormAttrs) : LinOK α (.layerNorm a) := fun env ss o xs i =>
  gather_tan' (layerNormPlan a.axis (shp ss 0) o)
    (layerNormRead a.epsilon (ss.length == 3) (arg xs 0) (arg xs 1) (arg xs 2))
    (lnT (arg xs 0) (arg xs 1) a.epsilon (ss.length == 3)) (argTan env xs)
    (ln_hr env xs a.epsilon (ss.length == 3)) i

end NN.Proofs.Autograd
