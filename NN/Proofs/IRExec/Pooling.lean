import NN.Proofs.IRExec.Gather

/-!
# Compiler lemmas: pooling

The compiled pooling ops (precomputed windows) compute `Spec.maxPool2d`, `Spec.avgPool2d` and
`Spec.globalAvgPool`.

## Main results

* `NN.Proofs.run_compileOp_maxPool2d`
* `NN.Proofs.run_compileOp_avgPool2d`
* `NN.Proofs.run_compileOp_globalAvgPool`

## Implementation notes

Each compiled op is `ExecOp.gather` of the op's key table and reader; each lemma is `run_gather` (the table
reads as the specification's key function) plus unfolding of the specification, which is definitional.

Trust boundary: no hypothesis; the lemmas hold for all parameter values, shapes, inputs and
argument data (well sized or not).
-/

namespace NN.Proofs

open NN NN.IR NN.Runtime

variable {α : Type} [Scalar α] (params : List (Tensor α)) (ss : List Shape) (o : Shape)
  (inputs : List (Tensor α)) (xs : List (Array α))

/-- The compiled `maxPool2d` computes `OpKind.denote` of `maxPool2d`, for all arguments. -/
theorem run_compileOp_maxPool2d (a : MaxPool2dAttrs) :
    (compileOp params (.maxPool2d a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.maxPool2d a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `avgPool2d` computes `OpKind.denote` of `avgPool2d`, for all arguments. -/
theorem run_compileOp_avgPool2d (a : AvgPool2dAttrs) :
    (compileOp params (.avgPool2d a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.avgPool2d a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `globalAvgPool` computes `OpKind.denote` of `globalAvgPool`, for all arguments. -/
theorem run_compileOp_globalAvgPool :
    (compileOp params (.globalAvgPool) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.globalAvgPool) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

end NN.Proofs
