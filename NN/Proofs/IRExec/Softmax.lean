import NN.Proofs.IRExec.Gather

/-!
# Compiler lemmas: softmax

The compiled `softmax` and `logSoftmax` (precomputed rows) compute their specifications.

## Main results

* `NN.Proofs.run_compileOp_softmax`
* `NN.Proofs.run_compileOp_logSoftmax`

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

/-- The compiled `softmax` computes `OpKind.denote` of `softmax`, for all arguments. -/
theorem run_compileOp_softmax (a : AxisAttrs) :
    (compileOp params (.softmax a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.softmax a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `logSoftmax` computes `OpKind.denote` of `logSoftmax`, for all arguments. -/
theorem run_compileOp_logSoftmax (a : AxisAttrs) :
    (compileOp params (.logSoftmax a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.logSoftmax a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

end NN.Proofs
