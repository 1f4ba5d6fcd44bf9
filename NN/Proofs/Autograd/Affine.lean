import NN.Proofs.Autograd.Pairing

/-!
# Autograd: sums of products (`linear`, `matmul`, `conv2d`, `convTranspose2d`)

Every output of these ops is `dotRead x w b (pairs, bias) = (Σ x[p.1]·w[p.2]) + b[bias]`
summed left to right from zero. Its tangent is `Σ (w[p.2]·ẋ[p.1] + x[p.1]·ẇ[p.2]) + ḃ`, the
pairing of `dotT` (`pairsT` then `biasT`); the reverse rule scatters `w·cot` to `x`'s offsets
and `x·cot` to `w`'s (the transposed sums).

## Main results

* `NN.Proofs.Autograd.foldl_tan`: the tangent of the left-fold sum of products.
* `NN.Proofs.Autograd.dot_tan`, `dot_tan_nobias`
* `lin_linear`, `lin_matmul`, `lin_conv2d`, `lin_convTranspose2d`
* `embed_hr`, `lin_embedding` (a data-dependent row read: the selected table element's tangent;
  the row is found from the ids' primal values, the ids get no term)

## Implementation notes

The fold is a left fold and the pairing a right fold; `add_assoc` re-associates, one pair per
induction step.

Trust boundary: no hypothesis beyond `RingLaws`.
-/

namespace NN.Proofs.Autograd

open NN NN.IR NN.Spec NN.Autograd

variable {α : Type} [Scalar α] [RingLaws α]

/-- The tangent of `acc + Σ x[p.1]·w[p.2]` (left fold) is `acc.tan + ⟪pairsT, E⟫`. -/
theorem foldl_tan (x w : Array (Dual α)) (E : Site → Nat → α)
    (h0 : ∀ j, E (.node 0) j = tanAt x j) (h1 : ∀ j, E (.node 1) j = tanAt w j) :
    ∀ (ps : List (Nat × Nat)) (acc : Dual α),
      (ps.foldl (fun acc p => ScalarRing.add acc (ScalarRing.mul (valAt x p.1) (valAt w p.2)))
        acc).tan = ScalarRing.add acc.tan (pair (pairsT x w ps) E)
  | [], acc => (RingLaws.add_zero acc.tan).symm
  | p :: ps, acc => by
    refine (foldl_tan x w E h0 h1 ps
      (ScalarRing.add acc (ScalarRing.mul (valAt x p.1) (valAt w p.2)))).trans ?_
    show ScalarRing.add (ScalarRing.add acc.tan (ScalarRing.add
        (ScalarRing.mul (priAt w p.2) (tanAt x p.1)) (ScalarRing.mul (priAt x p.1) (tanAt w p.2))))
        (pair (pairsT x w ps) E) =
      ScalarRing.add acc.tan (ScalarRing.add (ScalarRing.mul (priAt w p.2) (E (.node 0) p.1))
        (ScalarRing.add (ScalarRing.mul (priAt x p.1) (E (.node 1) p.2)) (pair (pairsT x w ps) E)))
    rw [h0, h1, RingLaws.add_assoc, RingLaws.add_assoc]

/-- The tangent of a dot product with an optional bias (arguments 0, 1, 2). -/
theorem dot_tan (env : Env (Dual α)) (xs : List (Array (Dual α)))
    (k : List (Nat × Nat) × Option Nat) :
    (dotRead (arg xs 0) (arg xs 1) (arg xs 2) k).tan =
      pair (dotT (arg xs 0) (arg xs 1) k) (argTan env xs) := by
  obtain ⟨ps, bi⟩ := k
  have hb : (biasAt (arg xs 2) bi).tan = pair (biasT bi) (argTan env xs) := by
    cases bi with
    | none => rfl
    | some j =>
      show tanAt (arg xs 2) j =
        ScalarRing.add (ScalarRing.mul ScalarRing.one (tanAt (arg xs 2) j)) ScalarRing.zero
      rw [RingLaws.add_zero, RingLaws.one_mul]
  have hs : (sumPairs (arg xs 0) (arg xs 1) ps).tan =
      pair (pairsT (arg xs 0) (arg xs 1) ps) (argTan env xs) :=
    (foldl_tan (arg xs 0) (arg xs 1) (argTan env xs) (fun _ => rfl) (fun _ => rfl) ps
      ScalarRing.zero).trans (RingLaws.zero_add _)
  show ScalarRing.add (sumPairs (arg xs 0) (arg xs 1) ps).tan (biasAt (arg xs 2) bi).tan =
    pair (pairsT (arg xs 0) (arg xs 1) ps ++ biasT bi) (argTan env xs)
  rw [hb, pair_append, hs]

/-- The tangent of a dot product without bias (any third array). -/
theorem dot_tan_nobias (env : Env (Dual α)) (xs : List (Array (Dual α))) (c : Array (Dual α))
    (ps : List (Nat × Nat)) :
    (dotRead (arg xs 0) (arg xs 1) c (ps, none)).tan =
      pair (pairsT (arg xs 0) (arg xs 1) ps) (argTan env xs) := by
  show ScalarRing.add (sumPairs (arg xs 0) (arg xs 1) ps).tan ScalarRing.zero = _
  rw [RingLaws.add_zero]
  exact (foldl_tan (arg xs 0) (arg xs 1) (argTan env xs) (fun _ => rfl) (fun _ => rfl) ps
    ScalarRing.zero).trans (RingLaws.zero_add _)

/-- `linear`: `x · Wᵀ + b`. -/
theorem lin_linear : LinOK α .linear := fun env ss o xs i =>
  gather_tan' (linearPlan (shp ss 1) (ss.length == 3) o) (dotRead (arg xs 0) (arg xs 1) (arg xs 2))
    (dotT (arg xs 0) (arg xs 1)) (argTan env xs) (dot_tan env xs) i

/-- `matmul`: batched matrix product (no bias). -/
theorem lin_matmul : LinOK α .matmul := fun env ss o xs i =>
  gather_tan (matmulPlan (shp ss 0) (shp ss 1) o) (dotRead (arg xs 0) (arg xs 1) #[])
    (fun k => pairsT (arg xs 0) (arg xs 1) k.1) (argTan env xs)
    (fun j => dot_tan_nobias env xs #[] ((matmulPlan (shp ss 0) (shp ss 1) o).key j).1) i

/-- `conv2d`. -/
theorem lin_conv2d (a : Conv2dAttrs) : LinOK α (.conv2d a) := fun env ss o xs i =>
  gather_tan' (convPlan (shp ss 0) (shp ss 1) a.strides a.pads a.dilations a.groups
      (ss.length == 3) o) (dotRead (arg xs 0) (arg xs 1) (arg xs 2))
    (dotT (arg xs 0) (arg xs 1)) (argTan env xs) (dot_tan env xs) i

/-- `convTranspose2d`. -/
theorem lin_convTranspose2d (a : ConvTranspose2dAttrs) : LinOK α (.convTranspose2d a) :=
  fun env ss o xs i =>
  gather_tan' (convTransposePlan (shp ss 0) (shp ss 1) a.strides a.pads a.dilations a.groups
      (ss.length == 3) o) (dotRead (arg xs 0) (arg xs 1) (arg xs 2))
    (dotT (arg xs 0) (arg xs 1)) (argTan env xs) (dot_tan env xs) i

/-- `embedding`: the selected table element's tangent (the ids' tangents do not enter). -/
theorem embed_hr (env : Env (Dual α)) (xs : List (Array (Dual α))) (rows rowSize : Nat) :
    ∀ k, (embedRead rows rowSize (arg xs 0) (arg xs 1) k).tan =
      pair (embedT rows rowSize (arg xs 1) k) (argTan env xs) := by
  intro k
  -- Expose the row lookup `tokenRow …` of `embedRead` in the goal (restated as a `match`; if the
  -- restated matcher is not accepted as definitionally equal, unfold `embedRead` instead).
  first
  | show Dual.tan (match tokenRow rows (valAt (arg xs 1) k.1) with
        | some v => valAt (arg xs 0) (v * rowSize + k.2)
        | none => (Scalar.ofBits 0x7FC00000 : Dual α)) =
      pair (embedSel rowSize k.2 (tokenRow rows (valAt (arg xs 1) k.1))) (argTan env xs)
  | (show Dual.tan (embedRead rows rowSize (arg xs 0) (arg xs 1) k) =
        pair (embedSel rowSize k.2 (tokenRow rows (valAt (arg xs 1) k.1))) (argTan env xs)
     simp only [embedRead])
  cases tokenRow rows (valAt (arg xs 1) k.1) with
  | none => rfl
  | some v =>
    show tanAt (arg xs 0) (v * rowSize + k.2) =
      ScalarRing.add (ScalarRing.mul ScalarRing.one (tanAt (arg xs 0) (v * rowSize + k.2)))
        ScalarRing.zero
    rw [RingLaws.add_zero, RingLaws.one_mul]

/-- `embedding`. -/
theorem lin_embedding : LinOK α .embedding := fun env ss o xs i =>
  gather_tan' (embedPlan (shp ss 0) o)
    (embedRead (nth (shp ss 0) 0 0) (Shape.size ((shp ss 0).drop 1)) (arg xs 0) (arg xs 1))
    (embedT (nth (shp ss 0) 0 0) (Shape.size ((shp ss 0).drop 1)) (arg xs 1)) (argTan env xs)
    (embed_hr env xs (nth (shp ss 0) 0 0) (Shape.size ((shp ss 0).drop 1))) i

end NN.Proofs.Autograd
