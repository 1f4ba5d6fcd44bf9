import NN.Spec.Scalar

/-!
# Commutative-ring laws for scalars

The autograd soundness theorem (`NN.Proofs.Autograd.vjp_adjoint`) is algebraic: it holds for
every scalar type whose `ScalarRing` operations satisfy the laws of a commutative ring. This
file states those laws as a class of their own and proves them for `Int`.

## Main definitions

* `NN.Autograd.RingLaws`: the laws (associativity, commutativity, units, additive inverse,
  `sub = add ∘ neg`, distributivity, absorption by zero, `(-1) · a = -a`) as fields.
* `NN.Autograd.instRingLawsInt`: the laws for the exact `Int` instance of `NN.Scalar`.

## Main results

The fields of `instRingLawsInt`, from core `Int` lemmas.

## Implementation notes

The laws are stated with the class operations (`ScalarRing.add`, …) rather than notation, so
that they apply to any `ScalarRing` instance without a bridge. Only `add_assoc`, `zero_add`,
`add_zero`, `mul_assoc`, `mul_add`, `mul_zero`, `one_mul`, `neg_one_mul` and `sub_eq_add_neg`
are used by the proofs; the others complete the definition of a commutative ring. The exact
`NN.Floats.Dyadic` type is not an instance: its equality is structural on (mantissa,
exponent) pairs, which are not normalised, so `zero_add`-style laws hold only up to
`Dyadic.eqv`. The normalised type `NN.Floats.DyadicN` (a dyadic in canonical form, odd
mantissa or `⟨0, 0⟩`) is one: `NN.Floats.instRingLawsDyadicN` in
`NN/AutogradDyadic/Ring.lean` (library `AutogradDyadic`, kept separate from this one).

Trust boundary: none; the `Int` laws are proved from core lemmas (`Int.add_assoc`,
`Int.add_comm`, `Int.zero_add`, `Int.add_zero`, `Int.mul_assoc`, `Int.mul_comm`,
`Int.one_mul`, `Int.mul_one`, `Int.mul_add`, `Int.zero_mul`, `Int.mul_zero`,
`Int.neg_eq_neg_one_mul`) and `omega`.
-/

namespace NN.Autograd

open NN

/-- The laws of a commutative ring, for the operations of a `ScalarRing` instance. -/
class RingLaws (α : Type) [ScalarRing α] : Prop where
  /-- Addition is associative. -/
  add_assoc : ∀ a b c : α,
    ScalarRing.add (ScalarRing.add a b) c = ScalarRing.add a (ScalarRing.add b c)
  /-- Addition is commutative. -/
  add_comm : ∀ a b : α, ScalarRing.add a b = ScalarRing.add b a
  /-- Zero is a left unit of addition. -/
  zero_add : ∀ a : α, ScalarRing.add ScalarRing.zero a = a
  /-- Zero is a right unit of addition. -/
  add_zero : ∀ a : α, ScalarRing.add a ScalarRing.zero = a
  /-- `neg` is a left additive inverse. -/
  add_left_neg : ∀ a : α, ScalarRing.add (ScalarRing.neg a) a = ScalarRing.zero
  /-- Subtraction is addition of the negation. -/
  sub_eq_add_neg : ∀ a b : α, ScalarRing.sub a b = ScalarRing.add a (ScalarRing.neg b)
  /-- Multiplication is associative. -/
  mul_assoc : ∀ a b c : α,
    ScalarRing.mul (ScalarRing.mul a b) c = ScalarRing.mul a (ScalarRing.mul b c)
  /-- Multiplication is commutative. -/
  mul_comm : ∀ a b : α, ScalarRing.mul a b = ScalarRing.mul b a
  /-- One is a left unit of multiplication. -/
  one_mul : ∀ a : α, ScalarRing.mul ScalarRing.one a = a
  /-- One is a right unit of multiplication. -/
  mul_one : ∀ a : α, ScalarRing.mul a ScalarRing.one = a
  /-- Multiplication distributes over addition (on the left). -/
  mul_add : ∀ a b c : α,
    ScalarRing.mul a (ScalarRing.add b c) = ScalarRing.add (ScalarRing.mul a b) (ScalarRing.mul a c)
  /-- Zero absorbs on the left. -/
  zero_mul : ∀ a : α, ScalarRing.mul ScalarRing.zero a = ScalarRing.zero
  /-- Zero absorbs on the right. -/
  mul_zero : ∀ a : α, ScalarRing.mul a ScalarRing.zero = ScalarRing.zero
  /-- Multiplying by `-1` negates. -/
  neg_one_mul : ∀ a : α, ScalarRing.mul (ScalarRing.neg ScalarRing.one) a = ScalarRing.neg a

/-- The exact integers satisfy the ring laws. -/
instance instRingLawsInt : RingLaws Int where
  add_assoc a b c := Int.add_assoc a b c
  add_comm a b := Int.add_comm a b
  zero_add a := Int.zero_add a
  add_zero a := Int.add_zero a
  add_left_neg a := by
    show -a + a = 0
    omega
  sub_eq_add_neg a b := by
    show a - b = a + -b
    omega
  mul_assoc a b c := Int.mul_assoc a b c
  mul_comm a b := Int.mul_comm a b
  one_mul a := Int.one_mul a
  mul_one a := Int.mul_one a
  mul_add a b c := Int.mul_add a b c
  zero_mul a := Int.zero_mul a
  mul_zero a := Int.mul_zero a
  neg_one_mul a := (Int.neg_eq_neg_one_mul a).symm

end NN.Autograd
