import NN.Proofs.Autograd.Pairing

/-!
# Autograd: structural ops

`reshape`, `transpose`, `slice`, `concat` and `pad` are gathers that copy one element (or, for
a pad element, a constant): forward mode copies the tangent, the reverse rule scatters the
cotangent back to the copied offset (`planLin` with `copyT`, `concatT`, `padT`).

## Main results

* `NN.Proofs.Autograd.lin_reshape`, `lin_transpose`, `lin_slice`, `lin_concat`, `lin_pad`
* `NN.Proofs.Autograd.resize_tan`, `lin_resize` (a linear axis weights two subtrees with
  constant binary32 weights)

Trust boundary: no hypothesis beyond `RingLaws`.
-/

namespace NN.Proofs.Autograd

open NN NN.IR NN.Spec NN.Autograd

variable {α : Type} [Scalar α] [RingLaws α]

/-- A copy of argument 0 pairs as one term. -/
theorem copy_hr (env : Env (Dual α)) (xs : List (Array (Dual α))) :
    ∀ k, (copyRead (arg xs 0) k).tan = pair (copyT k) (argTan env xs) := by
  intro k
  show tanAt (arg xs 0) k =
    ScalarRing.add (ScalarRing.mul ScalarRing.one (tanAt (arg xs 0) k)) ScalarRing.zero
  rw [RingLaws.add_zero, RingLaws.one_mul]

/-- `reshape`: a copy. -/
theorem lin_reshape (a : ReshapeAttrs) : LinOK α (.reshape a) := fun env _ o xs i =>
  gather_tan' (idPlan o) (copyRead (arg xs 0)) copyT (argTan env xs) (copy_hr env xs) i

/-- `transpose`: a copy. -/
theorem lin_transpose (a : TransposeAttrs) : LinOK α (.transpose a) := fun env ss o xs i =>
  gather_tan' (transposePlan a.perm (shp ss 0) o) (copyRead (arg xs 0)) copyT (argTan env xs)
    (copy_hr env xs) i

/-- `slice`: a copy. -/
theorem lin_slice (a : SliceAttrs) : LinOK α (.slice a) := fun env ss o xs i =>
  gather_tan' (slicePlan a.starts a.axes a.steps (shp ss 0) o) (copyRead (arg xs 0)) copyT
    (argTan env xs) (copy_hr env xs) i

/-- `concat`: a copy of one operand. -/
theorem lin_concat (a : AxisAttrs) : LinOK α (.concat a) := by
  intro env ss o xs i
  refine gather_tan' (concatPlan a.axis ss o) (concatRead xs) concatT (argTan env xs) ?_ i
  intro k
  show tanAt (nth xs k.1 #[]) k.2 =
    ScalarRing.add (ScalarRing.mul ScalarRing.one (tanAt (nth xs k.1 #[]) k.2)) ScalarRing.zero
  rw [RingLaws.add_zero, RingLaws.one_mul]

/-- `pad`: a copy, or a constant (tangent zero). -/
theorem lin_pad (a : PadAttrs) : LinOK α (.pad a) := by
  intro env ss o xs i
  refine gather_tan' (padPlan a.pads (shp ss 0) o) (padRead a.value (arg xs 0)) padT
    (argTan env xs) ?_ i
  intro k
  cases k with
  | none => rfl
  | some j =>
    show tanAt (arg xs 0) j =
      ScalarRing.add (ScalarRing.mul ScalarRing.one (tanAt (arg xs 0) j)) ScalarRing.zero
    rw [RingLaws.add_zero, RingLaws.one_mul]

/-- The tangent of a resize evaluation tree. -/
theorem resize_tan (env : Env (Dual α)) (xs : List (Array (Dual α))) :
    ∀ key : ResizeKey, (resizeRead (arg xs 0) key).tan = pair (resizeT key) (argTan env xs)
  | .leaf j => by
    show tanAt (arg xs 0) j =
      ScalarRing.add (ScalarRing.mul ScalarRing.one (tanAt (arg xs 0) j)) ScalarRing.zero
    rw [RingLaws.add_zero, RingLaws.one_mul]
  | .lerp w0 w1 a b => by
    show ScalarRing.add
        (ScalarRing.add (ScalarRing.mul (resizeRead (arg xs 0) a).pri ScalarRing.zero)
          (ScalarRing.mul (Scalar.ofBits w0) (resizeRead (arg xs 0) a).tan))
        (ScalarRing.add (ScalarRing.mul (resizeRead (arg xs 0) b).pri ScalarRing.zero)
          (ScalarRing.mul (Scalar.ofBits w1) (resizeRead (arg xs 0) b).tan)) =
      pair (scaleTerms (Scalar.ofBits w0) (resizeT a) ++ scaleTerms (Scalar.ofBits w1) (resizeT b))
        (argTan env xs)
    rw [RingLaws.mul_zero, RingLaws.mul_zero, RingLaws.zero_add, RingLaws.zero_add, pair_append,
      pair_scale, pair_scale, resize_tan env xs a, resize_tan env xs b]

/-- `resize`: nearest axes copy, linear axes weight two subtrees. -/
theorem lin_resize (a : ResizeAttrs) : LinOK α (.resize a) := fun env ss o xs i =>
  gather_tan' (resizePlan a.index0 a.index1 a.weight0 a.weight1 (shp ss 0) o)
    (resizeRead (arg xs 0)) resizeT (argTan env xs) (resize_tan env xs) i

end NN.Proofs.Autograd
