import NN.Proofs.IRExec.Gather

/-!
# Compiler lemmas: normalisation

The compiled `batchNorm` and `layerNorm` compute `Spec.batchNorm` and `Spec.layerNorm`.

## Main results

* `NN.Proofs.run_compileOp_batchNorm`
* `NN.Proofs.run_compileOp_layerNorm`

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

/-- The compiled `batchNorm` computes `OpKind.denote` of `batchNorm`, for all arguments. -/
theorem run_compileOp_batchNorm (a : BatchNormAttrs) :
    (compileOp params (.batchNorm a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.batchNorm a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `layerNorm` computes `OpKind.denote` of `layerNorm`, for all arguments. -/
theorem run_compileOp_layerNorm (a : LayerNormAttrs) :
    (compileOp params (.layerNorm a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.layerNorm a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

end NN.Proofs
