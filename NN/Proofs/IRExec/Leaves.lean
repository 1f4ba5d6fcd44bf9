import NN.Proofs.IRExec.Gather

/-!
# Compiler lemmas: leaves

The compiled `input`, `param` and `const` nodes produce the denotation: the input's data, the
bound parameter's data, and the constant decoded once at compile time.

## Main results

* `NN.Proofs.run_compileOp_input`
* `NN.Proofs.run_compileOp_param`
* `NN.Proofs.run_compileOp_const`

## Implementation notes

All three are definitional (`rfl`): the compiler binds exactly the data the denotation reads.

Trust boundary: no hypothesis; the lemmas hold for all parameter values, shapes, inputs and
argument data (well sized or not).
-/

namespace NN.Proofs

open NN NN.IR NN.Runtime

variable {α : Type} [Scalar α] (params : List (Tensor α)) (ss : List Shape) (o : Shape)
  (inputs : List (Tensor α)) (xs : List (Array α))

/-- The compiled `input` node yields the denotation's data. -/
theorem run_compileOp_input (i : Nat) :
    (compileOp params (.input i) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.input i) ss o xs :=
  rfl

/-- The compiled `param` node yields the denotation's data. -/
theorem run_compileOp_param (j : Nat) :
    (compileOp params (.param j) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.param j) ss o xs :=
  rfl

/-- The compiled `const` node yields the denotation's data. -/
theorem run_compileOp_const (bits : List UInt32) :
    (compileOp params (.const bits) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.const bits) ss o xs :=
  rfl

end NN.Proofs
