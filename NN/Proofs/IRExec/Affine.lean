import NN.Proofs.IRExec.Gather

/-!
# Compiler lemmas: affine ops

The compiled `linear`, `matmul` and `embedding` compute `Spec.linear`, `Spec.matmul` and
`Spec.embedding`. `embedding` reads data-dependent rows, but its keys are static and its
reader is the specification's (`Spec.embedRead`), so its lemma is the same as the others'.

## Main results

* `NN.Proofs.run_compileOp_linear`
* `NN.Proofs.run_compileOp_matmul`
* `NN.Proofs.run_compileOp_embedding`

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

/-- The compiled `linear` computes `OpKind.denote` of `linear`, for all arguments. -/
theorem run_compileOp_linear :
    (compileOp params (.linear) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.linear) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `matmul` computes `OpKind.denote` of `matmul`, for all arguments. -/
theorem run_compileOp_matmul :
    (compileOp params (.matmul) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.matmul) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `embedding` computes `OpKind.denote` of `embedding`, for all arguments. -/
theorem run_compileOp_embedding :
    (compileOp params (.embedding) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.embedding) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

end NN.Proofs
