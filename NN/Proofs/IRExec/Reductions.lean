import NN.Proofs.IRExec.Gather

/-!
# Compiler lemmas: reductions

The compiled `reduceSum`, `reduceMean` and `reduceMax` (precomputed reduction groups) compute
their specifications.

## Main results

* `NN.Proofs.run_compileOp_reduceSum`
* `NN.Proofs.run_compileOp_reduceMean`
* `NN.Proofs.run_compileOp_reduceMax`

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

/-- The compiled `reduceSum` computes `OpKind.denote` of `reduceSum`, for all arguments. -/
theorem run_compileOp_reduceSum (a : ReduceAttrs) :
    (compileOp params (.reduceSum a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.reduceSum a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `reduceMean` computes `OpKind.denote` of `reduceMean`, for all arguments. -/
theorem run_compileOp_reduceMean (a : ReduceAttrs) :
    (compileOp params (.reduceMean a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.reduceMean a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `reduceMax` computes `OpKind.denote` of `reduceMax`, for all arguments. -/
theorem run_compileOp_reduceMax (a : ReduceAttrs) :
    (compileOp params (.reduceMax a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.reduceMax a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

end NN.Proofs
