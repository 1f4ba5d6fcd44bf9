import NN.Proofs.IRExec.Gather

/-!
# Compiler lemmas: elementwise ops

For every elementwise op (binary with broadcasting, unary, `leakyRelu`, `clip`, `pow`, the
three-operand `where`), the compiled op computes the op's specification in
`NN/Spec/Ops/Elementwise.lean`.

## Main results

* `NN.Proofs.run_compileOp_add`
* `NN.Proofs.run_compileOp_sub`
* `NN.Proofs.run_compileOp_mul`
* `NN.Proofs.run_compileOp_div`
* `NN.Proofs.run_compileOp_max`
* `NN.Proofs.run_compileOp_min`
* `NN.Proofs.run_compileOp_neg`
* `NN.Proofs.run_compileOp_abs`
* `NN.Proofs.run_compileOp_relu`
* `NN.Proofs.run_compileOp_sigmoid`
* `NN.Proofs.run_compileOp_tanh`
* `NN.Proofs.run_compileOp_exp`
* `NN.Proofs.run_compileOp_log`
* `NN.Proofs.run_compileOp_sqrt`
* `NN.Proofs.run_compileOp_leakyRelu`
* `NN.Proofs.run_compileOp_clip`
* `NN.Proofs.run_compileOp_erf`
* `NN.Proofs.run_compileOp_sin`
* `NN.Proofs.run_compileOp_cos`
* `NN.Proofs.run_compileOp_sign`
* `NN.Proofs.run_compileOp_floor`
* `NN.Proofs.run_compileOp_ceil`
* `NN.Proofs.run_compileOp_round`
* `NN.Proofs.run_compileOp_pow`
* `NN.Proofs.run_compileOp_where`

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

/-- The compiled `add` computes `OpKind.denote` of `add`, for all arguments. -/
theorem run_compileOp_add :
    (compileOp params (.add) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.add) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `sub` computes `OpKind.denote` of `sub`, for all arguments. -/
theorem run_compileOp_sub :
    (compileOp params (.sub) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.sub) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `mul` computes `OpKind.denote` of `mul`, for all arguments. -/
theorem run_compileOp_mul :
    (compileOp params (.mul) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.mul) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `div` computes `OpKind.denote` of `div`, for all arguments. -/
theorem run_compileOp_div :
    (compileOp params (.div) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.div) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `max` computes `OpKind.denote` of `max`, for all arguments. -/
theorem run_compileOp_max :
    (compileOp params (.max) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.max) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `min` computes `OpKind.denote` of `min`, for all arguments. -/
theorem run_compileOp_min :
    (compileOp params (.min) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.min) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `neg` computes `OpKind.denote` of `neg`, for all arguments. -/
theorem run_compileOp_neg :
    (compileOp params (.neg) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.neg) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `abs` computes `OpKind.denote` of `abs`, for all arguments. -/
theorem run_compileOp_abs :
    (compileOp params (.abs) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.abs) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `relu` computes `OpKind.denote` of `relu`, for all arguments. -/
theorem run_compileOp_relu :
    (compileOp params (.relu) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.relu) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `sigmoid` computes `OpKind.denote` of `sigmoid`, for all arguments. -/
theorem run_compileOp_sigmoid :
    (compileOp params (.sigmoid) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.sigmoid) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `tanh` computes `OpKind.denote` of `tanh`, for all arguments. -/
theorem run_compileOp_tanh :
    (compileOp params (.tanh) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.tanh) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `exp` computes `OpKind.denote` of `exp`, for all arguments. -/
theorem run_compileOp_exp :
    (compileOp params (.exp) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.exp) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `log` computes `OpKind.denote` of `log`, for all arguments. -/
theorem run_compileOp_log :
    (compileOp params (.log) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.log) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `sqrt` computes `OpKind.denote` of `sqrt`, for all arguments. -/
theorem run_compileOp_sqrt :
    (compileOp params (.sqrt) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.sqrt) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `leakyRelu` computes `OpKind.denote` of `leakyRelu`, for all arguments. -/
theorem run_compileOp_leakyRelu (a : LeakyReluAttrs) :
    (compileOp params (.leakyRelu a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.leakyRelu a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `clip` computes `OpKind.denote` of `clip`, for all arguments. -/
theorem run_compileOp_clip (a : ClipAttrs) :
    (compileOp params (.clip a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.clip a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `erf` computes `OpKind.denote` of `erf`, for all arguments. -/
theorem run_compileOp_erf :
    (compileOp params (.erf) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.erf) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `sin` computes `OpKind.denote` of `sin`, for all arguments. -/
theorem run_compileOp_sin :
    (compileOp params (.sin) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.sin) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `cos` computes `OpKind.denote` of `cos`, for all arguments. -/
theorem run_compileOp_cos :
    (compileOp params (.cos) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.cos) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `sign` computes `OpKind.denote` of `sign`, for all arguments. -/
theorem run_compileOp_sign :
    (compileOp params (.sign) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.sign) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `floor` computes `OpKind.denote` of `floor`, for all arguments. -/
theorem run_compileOp_floor :
    (compileOp params (.floor) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.floor) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `ceil` computes `OpKind.denote` of `ceil`, for all arguments. -/
theorem run_compileOp_ceil :
    (compileOp params (.ceil) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.ceil) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `round` computes `OpKind.denote` of `round`, for all arguments. -/
theorem run_compileOp_round :
    (compileOp params (.round) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.round) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `pow` computes `OpKind.denote` of `pow`, for all arguments. -/
theorem run_compileOp_pow (a : PowAttrs) :
    (compileOp params (.pow a) ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.pow a) ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

/-- The compiled `where` computes `OpKind.denote` of `where`, for all arguments. -/
theorem run_compileOp_where :
    (compileOp params (.«where») ss o).run inputs xs =
      OpKind.denote ⟨inputs, params⟩ (.«where») ss o xs := by
  first
  | exact run_gather _ _ _ _
  | (simp only [compileOp, OpKind.denote]; exact run_gather _ _ _ _)

end NN.Proofs
