import NN.Proofs.Autograd.Pairing

/-!
# Autograd: sums, means and maxima over offset lists

`reduceSum`, `reduceMean`, `reduceMax`, `maxPool2d`, `avgPool2d` and `globalAvgPool` read a
list of input offsets per output element (their plan's key) and fold it: a left-fold sum from
zero, the same sum divided by a count (`fromNat`, tangent zero), or `maxList` (left fold of
`smax`, ties to the later element). Their reverse rules scatter the cotangent to every offset
(sum), scaled by `1/n` (mean), or to the selected offset (max).

## Main results

* `NN.Proofs.Autograd.sum_tan`, `sumList_tan`, `mean_tan`, `maxGo_tan`, `maxRead_tan`
* `lin_reduceSum`, `lin_reduceMean`, `lin_reduceMax`, `lin_maxPool2d`, `lin_avgPool2d`,
  `lin_globalAvgPool`

Trust boundary: no hypothesis beyond `RingLaws`.
-/

namespace NN.Proofs.Autograd

open NN NN.IR NN.Spec NN.Autograd

variable {α : Type} [Scalar α] [RingLaws α]

/-- The tangent of `acc + Σ x[j]` (left fold) is `acc.tan + ⟪sumT, E⟫`. -/
theorem sum_tan (x : Array (Dual α)) (E : Site → Nat → α) (h0 : ∀ j, E (.node 0) j = tanAt x j) :
    ∀ (l : List Nat) (acc : Dual α),
      ((l.map (valAt x)).foldl ScalarRing.add acc).tan =
        ScalarRing.add acc.tan (pair (sumT l) E)
  | [], acc => (RingLaws.add_zero acc.tan).symm
  | j :: js, acc => by
    refine (sum_tan x E h0 js (ScalarRing.add acc (valAt x j))).trans ?_
    show ScalarRing.add (ScalarRing.add acc.tan (tanAt x j)) (pair (sumT js) E) =
      ScalarRing.add acc.tan
        (ScalarRing.add (ScalarRing.mul ScalarRing.one (E (.node 0) j)) (pair (sumT js) E))
    rw [h0, RingLaws.one_mul, RingLaws.add_assoc]

/-- The tangent of `sumList` of the elements at the offsets. -/
theorem sumList_tan (x : Array (Dual α)) (E : Site → Nat → α)
    (h0 : ∀ j, E (.node 0) j = tanAt x j) (l : List Nat) :
    (sumList (l.map (valAt x))).tan = pair (sumT l) E :=
  (sum_tan x E h0 l ScalarRing.zero).trans (RingLaws.zero_add _)

/-- The tangent of a mean `(Σ x[j]) / n` (the count has tangent zero). -/
theorem mean_tan (x : Array (Dual α)) (E : Site → Nat → α)
    (h0 : ∀ j, E (.node 0) j = tanAt x j) (l : List Nat) (n : Nat) :
    (Scalar.div (sumList (l.map (valAt x))) (ScalarRing.fromNat n : Dual α)).tan =
      pair (meanT l n) E := by
  show ScalarRing.add
      (ScalarRing.mul (Scalar.div ScalarRing.one (ScalarRing.fromNat n : α))
        (sumList (l.map (valAt x))).tan)
      (ScalarRing.mul (dDivR (sumList (l.map (valAt x))).pri (ScalarRing.fromNat n : α))
        ScalarRing.zero) =
    pair (scaleTerms (Scalar.div ScalarRing.one (ScalarRing.fromNat n : α)) (sumT l)) E
  rw [RingLaws.mul_zero, RingLaws.add_zero, pair_scale, sumList_tan x E h0 l]

/-- The tangent of the running `smax` fold is the pairing of the selection's terms. -/
theorem maxGo_tan (x : Array (Dual α)) (E : Site → Nat → α)
    (h0 : ∀ j, E (.node 0) j = tanAt x j) :
    ∀ (ks : List Nat) (acc : Dual α) (T : List (Term α)), pair T E = acc.tan →
      ((ks.map (valAt x)).foldl NN.smax acc).tan = pair (maxGo x acc.pri T ks) E
  | [], _, _, hT => hT.symm
  | k :: ks, acc, T, hT => by
    refine maxGo_tan x E h0 ks (NN.smax acc (valAt x k))
      (cond (ScalarRing.lt (priAt x k) acc.pri) T [(.node 0, k, ScalarRing.one)]) ?_
    show pair (cond (ScalarRing.lt (priAt x k) acc.pri) T [(Site.node 0, k, ScalarRing.one)]) E =
      cond (ScalarRing.lt (priAt x k) acc.pri) acc.tan (tanAt x k)
    cases ScalarRing.lt (priAt x k) acc.pri with
    | true => exact hT
    | false =>
      show ScalarRing.add (ScalarRing.mul ScalarRing.one (E (.node 0) k)) ScalarRing.zero =
        tanAt x k
      rw [RingLaws.add_zero, RingLaws.one_mul, h0]

/-- The tangent of `maxList` of the elements at the offsets. -/
theorem maxRead_tan (x : Array (Dual α)) (E : Site → Nat → α)
    (h0 : ∀ j, E (.node 0) j = tanAt x j) :
    ∀ l : List Nat, (maxRead x l).tan = pair (maxListT x l) E
  | [] => rfl
  | k :: ks => maxGo_tan x E h0 ks (valAt x k) [(.node 0, k, ScalarRing.one)] (by
      show ScalarRing.add (ScalarRing.mul ScalarRing.one (E (.node 0) k)) ScalarRing.zero =
        tanAt x k
      rw [RingLaws.add_zero, RingLaws.one_mul, h0])

/-- `reduceSum`. -/
theorem lin_reduceSum (a : ReduceAttrs) : LinOK α (.reduceSum a) := fun env ss o xs i =>
  gather_tan' (reducePlan a.axes a.keepDims (shp ss 0) o) (sumRead (arg xs 0)) sumT
    (argTan env xs) (sumList_tan (arg xs 0) (argTan env xs) (fun _ => rfl)) i

/-- `reduceMean`. -/
theorem lin_reduceMean (a : ReduceAttrs) : LinOK α (.reduceMean a) := fun env ss o xs i =>
  gather_tan' (reducePlan a.axes a.keepDims (shp ss 0) o) (meanOfRead (arg xs 0))
    (fun l => meanT l l.length) (argTan env xs)
    (fun l => mean_tan (arg xs 0) (argTan env xs) (fun _ => rfl) l l.length) i

/-- `reduceMax`. -/
theorem lin_reduceMax (a : ReduceAttrs) : LinOK α (.reduceMax a) := fun env ss o xs i =>
  gather_tan' (reducePlan a.axes a.keepDims (shp ss 0) o) (maxRead (arg xs 0))
    (maxListT (arg xs 0)) (argTan env xs) (maxRead_tan (arg xs 0) (argTan env xs) (fun _ => rfl)) i

/-- `maxPool2d`. -/
theorem lin_maxPool2d (a : MaxPool2dAttrs) : LinOK α (.maxPool2d a) := fun env ss o xs i =>
  gather_tan' (poolPlan (shp ss 0) a.kernel a.strides a.pads o) (maxRead (arg xs 0))
    (maxListT (arg xs 0)) (argTan env xs) (maxRead_tan (arg xs 0) (argTan env xs) (fun _ => rfl)) i

/-- `avgPool2d`. -/
theorem lin_avgPool2d (a : AvgPool2dAttrs) : LinOK α (.avgPool2d a) := fun env ss o xs i =>
  gather_tan' (avgPlan (shp ss 0) a.kernel a.strides a.pads a.countIncludePad o)
    (meanRead (arg xs 0)) (fun k => meanT k.1 k.2) (argTan env xs)
    (fun k => mean_tan (arg xs 0) (argTan env xs) (fun _ => rfl) k.1 k.2) i

/-- `globalAvgPool`. -/
theorem lin_globalAvgPool : LinOK α .globalAvgPool := fun env ss o xs i =>
  gather_tan' (globalPlan (shp ss 0) o) (meanRead (arg xs 0)) (fun k => meanT k.1 k.2)
    (argTan env xs) (fun k => mean_tan (arg xs 0) (argTan env xs) (fun _ => rfl) k.1 k.2) i

end NN.Proofs.Autograd
