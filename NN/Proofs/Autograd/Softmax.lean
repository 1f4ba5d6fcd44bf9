import NN.Proofs.Autograd.Reductions

/-!
# Autograd: `softmax` and `logSoftmax`

Each output reads its element and its row: the row maximum `m` (`maxList`, whose tangent is the
selected element's), the row sum `S = Σ exp (x[j] − m)` and then `exp (xᵢ − m) / S` or
`(xᵢ − m) − log S`. The tangent is built from the tangents of `m` and `S` with the `sub`,
`exp`, `div`, `log` rules; the terms (`softmaxT`, `logSoftmaxT`) are built the same way from
`maxListT` and `rowSumT` with `subTerms`, `scaleTerms` and `++`. (Over the reals the max-shift's
contributions cancel; here they are kept, exactly as the dual-number evaluation computes them.)

## Main results

* `NN.Proofs.Autograd.pair_subTerms`, `pair_single`, `sumMap_tan`, `shifted_tan`, `rowSum_tan`
* `NN.Proofs.Autograd.lin_softmax`, `lin_logSoftmax`

Trust boundary: no hypothesis beyond `RingLaws`.
-/

namespace NN.Proofs.Autograd

open NN NN.IR NN.Spec NN.Autograd

variable {α : Type} [Scalar α] [RingLaws α]

/-- Pairing a difference of term lists is the difference of the pairings. -/
theorem pair_subTerms (E : Site → Nat → α) (A B : List (Term α)) :
    pair (subTerms A B) E = ScalarRing.sub (pair A E) (pair B E) := by
  show pair (A ++ scaleTerms (ScalarRing.neg ScalarRing.one) B) E = _
  rw [pair_append, pair_scale, RingLaws.neg_one_mul, RingLaws.sub_eq_add_neg]

/-- One term with coefficient `1` pairs as the tangent it names. -/
theorem pair_single (E : Site → Nat → α) (s : Site) (j : Nat) :
    pair [(s, j, ScalarRing.one)] E = E s j := by
  show ScalarRing.add (ScalarRing.mul ScalarRing.one (E s j)) ScalarRing.zero = E s j
  rw [RingLaws.add_zero, RingLaws.one_mul]

/-- The tangent of `acc + Σ g j` (left fold) when each `g j` has terms `G j`. -/
theorem sumMap_tan (g : Nat → Dual α) (G : Nat → List (Term α)) (E : Site → Nat → α)
    (hg : ∀ j, (g j).tan = pair (G j) E) :
    ∀ (l : List Nat) (acc : Dual α),
      ((l.map g).foldl ScalarRing.add acc).tan = ScalarRing.add acc.tan (pair (bindT G l) E)
  | [], acc => (RingLaws.add_zero acc.tan).symm
  | j :: js, acc => by
    refine (sumMap_tan g G E hg js (ScalarRing.add acc (g j))).trans ?_
    show ScalarRing.add (ScalarRing.add acc.tan (g j).tan) (pair (bindT G js) E) =
      ScalarRing.add acc.tan (pair (G j ++ bindT G js) E)
    rw [hg j, pair_append, RingLaws.add_assoc]

/-- The tangent of `exp (x[j] − m)` when `m`'s tangent is the pairing of `M`. -/
theorem shifted_tan (x : Array (Dual α)) (E : Site → Nat → α)
    (h0 : ∀ j, E (.node 0) j = tanAt x j) (m : Dual α) (M : List (Term α))
    (hm : m.tan = pair M E) (j : Nat) :
    (Scalar.exp (ScalarRing.sub (valAt x j) m)).tan = pair (shiftedExpT x m.pri M j) E := by
  show ScalarRing.mul (dExp (ScalarRing.sub (priAt x j) m.pri))
      (ScalarRing.sub (tanAt x j) m.tan) =
    pair (scaleTerms (dExp (ScalarRing.sub (priAt x j) m.pri))
      (subTerms [(Site.node 0, j, ScalarRing.one)] M)) E
  rw [pair_scale, pair_subTerms, pair_single, h0, hm]

/-- The tangent of a softmax row sum. -/
theorem rowSum_tan (x : Array (Dual α)) (E : Site → Nat → α)
    (h0 : ∀ j, E (.node 0) j = tanAt x j) (row : List Nat) :
    (rowStats x row).2.tan = pair (rowSumT x row) E :=
  (sumMap_tan (fun j => Scalar.exp (ScalarRing.sub (valAt x j) (maxRead x row)))
    (shiftedExpT x (maxRead x row).pri (maxListT x row)) E
    (fun j => shifted_tan x E h0 (maxRead x row) (maxListT x row) (maxRead_tan x E h0 row) j)
    row ScalarRing.zero).trans (RingLaws.zero_add _)

/-- `logSoftmax` at one key. -/
theorem logSoftmax_hr (env : Env (Dual α)) (xs : List (Array (Dual α))) :
    ∀ k, (logSoftmaxRead (arg xs 0) k).tan = pair (logSoftmaxT (arg xs 0) k) (argTan env xs) := by
  intro k
  show ScalarRing.sub
      (ScalarRing.sub (argTan env xs (.node 0) k.1) (maxRead (arg xs 0) k.2).tan)
      (ScalarRing.mul (dLog (rowStats (arg xs 0) k.2).2.pri) (rowStats (arg xs 0) k.2).2.tan) =
    pair (subTerms (subTerms [(Site.node 0, k.1, ScalarRing.one)] (maxListT (arg xs 0) k.2))
      (scaleTerms (dLog (rowStats (arg xs 0) k.2).2.pri) (rowSumT (arg xs 0) k.2))) (argTan env xs)
  rw [pair_subTerms, pair_subTerms, pair_scale, pair_single,
    ← maxRead_tan (arg xs 0) (argTan env xs) (fun _ => rfl) k.2,
    ← rowSum_tan (arg xs 0) (argTan env xs) (fun _ => rfl) k.2]

/-- `softmax` at one key. -/
theorem softmax_hr (env : Env (Dual α)) (xs : List (Array (Dual α))) :
    ∀ k, (softmaxRead (arg xs 0) k).tan = pair (softmaxT (arg xs 0) k) (argTan env xs) := by
  intro k
  show ScalarRing.add
      (ScalarRing.mul
        (dDivL (Scalar.exp (ScalarRing.sub (valAt (arg xs 0) k.1) (rowStats (arg xs 0) k.2).1)).pri
          (rowStats (arg xs 0) k.2).2.pri)
        (Scalar.exp (ScalarRing.sub (valAt (arg xs 0) k.1) (maxRead (arg xs 0) k.2))).tan)
      (ScalarRing.mul
        (dDivR (Scalar.exp (ScalarRing.sub (valAt (arg xs 0) k.1) (rowStats (arg xs 0) k.2).1)).pri
          (rowStats (arg xs 0) k.2).2.pri)
        (rowStats (arg xs 0) k.2).2.tan) =
    pair (softmaxT (arg xs 0) k) (argTan env xs)
  rw [shifted_tan (arg xs 0) (argTan env xs) (fun _ => rfl) (maxRead (arg xs 0) k.2)
      (maxListT (arg xs 0) k.2) (maxRead_tan (arg xs 0) (argTan env xs) (fun _ => rfl) k.2) k.1,
    rowSum_tan (arg xs 0) (argTan env xs) (fun _ => rfl) k.2]
  show _ = pair (scaleTerms _ _ ++ scaleTerms _ _) (argTan env xs)
  rw [pair_append, pair_scale, pair_scale]
  all_goals rfl

/-- `softmax`. -/
theorem lin_softmax (a : AxisAttrs) : LinOK α (.softmax a) := fun env ss o xs i =>
  gather_tan' (axisPlan a.axis (shp ss 0) o) (softmaxRead (arg xs 0)) (softmaxT (arg xs 0))
    (argTan env xs) (softmax_hr env xs) i

/-- `logSoftmax`. -/
theorem lin_logSoftmax (a : AxisAttrs) : LinOK α (.logSoftmax a) := fun env ss o xs i =>
  gather_tan' (axisPlan a.axis (shp ss 0) o) (logSoftmaxRead (arg xs 0)) (logSoftmaxT (arg xs 0))
    (argTan env xs) (logSoftmax_hr env xs) i

end NN.Proofs.Autograd
