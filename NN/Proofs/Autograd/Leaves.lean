import NN.Proofs.Autograd.Pairing

/-!
# Autograd: leaves

An input or parameter node's tangent is the tangent put on that input or parameter (one term
with coefficient `1` at the same offset); a constant's tangent is zero (no term).

## Main results

* `NN.Proofs.Autograd.lin_input`, `lin_param`, `lin_const`

Trust boundary: no hypothesis beyond `RingLaws`.
-/

namespace NN.Proofs.Autograd

open NN NN.IR NN.Spec NN.Autograd

variable {α : Type} [Scalar α] [RingLaws α]

/-- `input m`: the tangent of input `m`. -/
theorem lin_input (m : Nat) : LinOK α (.input m) := by
  intro env _ _ _ i
  show tanAt (nth env.inputs m default).data i =
    ScalarRing.add (ScalarRing.mul ScalarRing.one (tanAt (nth env.inputs m default).data i))
      ScalarRing.zero
  rw [RingLaws.add_zero, RingLaws.one_mul]

/-- `param m`: the tangent of parameter `m`. -/
theorem lin_param (m : Nat) : LinOK α (.param m) := by
  intro env _ _ _ i
  show tanAt (nth env.params m default).data i =
    ScalarRing.add (ScalarRing.mul ScalarRing.one (tanAt (nth env.params m default).data i))
      ScalarRing.zero
  rw [RingLaws.add_zero, RingLaws.one_mul]

/-- `const`: tangent zero. -/
theorem lin_const (bits : List UInt32) : LinOK α (.const bits) := by
  intro env _ _ _ i
  show (valAt (bits.map (Scalar.ofBits : UInt32 → Dual α)).toArray i).tan = ScalarRing.zero
  rw [valAt_toArray]
  exact nth_map_tan_zero (Scalar.ofBits : UInt32 → Dual α) (fun _ => rfl) bits i

end NN.Proofs.Autograd
