import NN.Spec.Scalar
import NN.Floats.Dyadic

/-!
# Dyadic numbers as exact scalars

`ScalarRing Dyadic`: the piecewise-linear fragment of the IR (linear, conv, relu, max/min,
max-pooling, structural ops) evaluated with exact dyadic values, the semantics later certificates
and gradient theorems are stated in. Every finite binary32 value is a dyadic
(`NN.Floats.IEEE32.toDyadic?`), so a model's weights and inputs embed exactly.

## Main definitions

* `NN.Floats.instScalarRingDyadic`: `add`/`sub`/`mul`/`neg` exact, `lt` the exact order,
  `max`/`min` the NumPy rule of `NN.ScalarRing` (ties return the second argument).

## Main results

None; the instance is a definition.

## Implementation notes

Values are not normalised, so structurally different dyadics can denote the same number
(`Dyadic.eqv` compares values); nothing here depends on a normal form.

Trust boundary: a definition. There is no NaN among dyadics, so `max`/`min` never propagate one.
-/

namespace NN.Floats

/-- Exact dyadic scalars for the piecewise-linear fragment. -/
instance instScalarRingDyadic : NN.ScalarRing Dyadic where
  zero := Dyadic.zero
  one := ⟨1, 0⟩
  add := Dyadic.add
  sub := Dyadic.sub
  mul := Dyadic.mul
  neg := Dyadic.neg
  lt := Dyadic.lt
  fromNat n := ⟨(n : Int), 0⟩
  max := Dyadic.max
  min := Dyadic.min

end NN.Floats
