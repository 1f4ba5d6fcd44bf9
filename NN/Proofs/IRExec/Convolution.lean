import NN.Proofs.IRExec.Gather

/-!
# Compiler lemmas: convolution

The compiled `conv2d` and `convTranspose2d` (precomputed tap lists) compute `Spec.conv2d` and
`Spec.convTranspose2d`.

## Main results

* `NN.Proofs.run_compileOp_conv2d`
* `NN.Proofs.run_compileOp_convTranspose2d`

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

/-- The compiled `conv2d` computes `OpKind.denote` of `conv2d`, for all arguments. -/
theorem run_compileOp_conv2d (a : Conv2dAttrs) :
    (compileOp params (.conv2d a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.conv2d a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `convTranspose2d` computes `OpKind.denote` of `convTranspose2d`, for all arguments. -/
theorem run_compileOp_convTranspose2d (a : ConvTranspose2dAttrs) :
    (compileOp params (.convTranspose2d a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.convTranspose2d a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

end NN.Proofs
