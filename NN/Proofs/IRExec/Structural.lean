import NN.Proofs.IRExec.Gather

/-!
# Compiler lemmas: structural ops

The compiled `reshape`, `transpose`, `concat`, `slice`, `pad` and `resize` (precomputed index
maps and evaluation trees) compute their specifications in `NN/Spec/Ops/Structural.lean`.

## Main results

* `NN.Proofs.run_compileOp_reshape`
* `NN.Proofs.run_compileOp_transpose`
* `NN.Proofs.run_compileOp_concat`
* `NN.Proofs.run_compileOp_slice`
* `NN.Proofs.run_compileOp_pad`
* `NN.Proofs.run_compileOp_resize`

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

/-- The compiled `reshape` computes `OpKind.denote` of `reshape`, for all arguments. -/
theorem run_compileOp_reshape (a : ReshapeAttrs) :
    (compileOp params (.reshape a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.reshape a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `transpose` computes `OpKind.denote` of `transpose`, for all arguments. -/
theorem run_compileOp_transpose (a : TransposeAttrs) :
    (compileOp params (.transpose a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.transpose a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `concat` computes `OpKind.denote` of `concat`, for all arguments. -/
theorem run_compileOp_concat (a : AxisAttrs) :
    (compileOp params (.concat a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.concat a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `slice` computes `OpKind.denote` of `slice`, for all arguments. -/
theorem run_compileOp_slice (a : SliceAttrs) :
    (compileOp params (.slice a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.slice a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `pad` computes `OpKind.denote` of `pad`, for all arguments. -/
theorem run_compileOp_pad (a : PadAttrs) :
    (compileOp params (.pad a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.pad a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `resize` computes `OpKind.denote` of `resize`, for all arguments. -/
theorem run_compileOp_resize (a : ResizeAttrs) :
    (compileOp params (.resize a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.resize a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

end NN.Proofs
