import NN.Proofs.IRExec.Gather
import NN.Proofs.IRExec.Graph
import NN.Proofs.IRExec.Leaves
import NN.Proofs.IRExec.Elementwise
import NN.Proofs.IRExec.Affine
import NN.Proofs.IRExec.Convolution
import NN.Proofs.IRExec.Pooling
import NN.Proofs.IRExec.Normalisation
import NN.Proofs.IRExec.Softmax
import NN.Proofs.IRExec.Structural
import NN.Proofs.IRExec.Reductions

/-!
# Correctness of the IR → executable graph compiler

If `execGraphOfIR` accepts a graph, then for every input the compiled evaluator's value table is
exactly the IR denotation's value table (`Graph.denoteAll`). Every op of the IR is covered (op
set v1 and the issue-10 ops `convTranspose2d resize erf sin cos sign floor ceil round pow where
embedding`); none is excluded.

## Main results

* `NN.Proofs.run_compileOp_eq`: every compiled op computes its denotation (one branch per op,
  each calling its family lemma).
* `NN.Proofs.eval_compileNode`: a compiled node's value is the IR node's value.
* `NN.Proofs.denoteAll_compileGraph`: the compiled graph's table is the IR table.
* `NN.Proofs.execGraphOfIR_semantics_eq`: the headline theorem.

## Implementation notes

The side condition is only that compilation succeeded (`execGraphOfIR g params = .ok e`); the
equality then holds for every scalar type with a `Scalar` instance, every parameter list and
every input list, including ill-sized ones, because both sides read data through the same total
accessors. The check itself is not used by the proof: it guarantees meaningful shapes, not
agreement.

Trust boundary: this is a statement about Lean definitions. It does not cover the Lean compiler
or runtime that executes them, nor the accuracy of `Float32` arithmetic with respect to real
numbers, nor the agreement of the op definitions with ONNX/PyTorch/NumPy (that is tested on the
Python side).
-/

namespace NN.Proofs

open NN NN.IR NN.Runtime

variable {α : Type} [Scalar α]

/-- Every compiled op computes its denotation, for all parameter values, argument shapes,
output shape, inputs and argument data. -/
theorem run_compileOp_eq (params : List (Tensor α)) (k : OpKind) (ss : List Shape) (o : Shape)
    (inputs : List (Tensor α)) (xs : List (Array α)) :
    (compileOp params k ss o).run inputs xs = OpKind.denote ⟨inputs, params⟩ k ss o xs := by
  cases k with
  | input i => apply run_compileOp_input
  | param j => apply run_compileOp_param
  | const bits => apply run_compileOp_const
  | add => apply run_compileOp_add
  | sub => apply run_compileOp_sub
  | mul => apply run_compileOp_mul
  | div => apply run_compileOp_div
  | max => apply run_compileOp_max
  | min => apply run_compileOp_min
  | neg => apply run_compileOp_neg
  | abs => apply run_compileOp_abs
  | relu => apply run_compileOp_relu
  | sigmoid => apply run_compileOp_sigmoid
  | tanh => apply run_compileOp_tanh
  | exp => apply run_compileOp_exp
  | log => apply run_compileOp_log
  | sqrt => apply run_compileOp_sqrt
  | leakyRelu a => apply run_compileOp_leakyRelu
  | clip a => apply run_compileOp_clip
  | linear => apply run_compileOp_linear
  | matmul => apply run_compileOp_matmul
  | conv2d a => apply run_compileOp_conv2d
  | maxPool2d a => apply run_compileOp_maxPool2d
  | avgPool2d a => apply run_compileOp_avgPool2d
  | globalAvgPool => apply run_compileOp_globalAvgPool
  | batchNorm a => apply run_compileOp_batchNorm
  | layerNorm a => apply run_compileOp_layerNorm
  | softmax a => apply run_compileOp_softmax
  | logSoftmax a => apply run_compileOp_logSoftmax
  | reshape a => apply run_compileOp_reshape
  | transpose a => apply run_compileOp_transpose
  | concat a => apply run_compileOp_concat
  | slice a => apply run_compileOp_slice
  | pad a => apply run_compileOp_pad
  | reduceSum a => apply run_compileOp_reduceSum
  | reduceMean a => apply run_compileOp_reduceMean
  | reduceMax a => apply run_compileOp_reduceMax
  | convTranspose2d a => apply run_compileOp_convTranspose2d
  | resize a => apply run_compileOp_resize
  | erf => apply run_compileOp_erf
  | sin => apply run_compileOp_sin
  | cos => apply run_compileOp_cos
  | sign => apply run_compileOp_sign
  | floor => apply run_compileOp_floor
  | ceil => apply run_compileOp_ceil
  | round => apply run_compileOp_round
  | pow a => apply run_compileOp_pow
  | «where» => apply run_compileOp_where
  | embedding => apply run_compileOp_embedding

/-- A compiled node, evaluated on a table of earlier values, gives the IR node's value. -/
theorem eval_compileNode (g : Graph) (params inputs vals : List (Tensor α)) (n : Node) :
    ExecNode.eval inputs vals (compileNode g params n) = Node.denote g ⟨inputs, params⟩ vals n :=
  congrArg (Tensor.mk n.shape)
    (run_compileOp_eq params n.op (g.argShapes n) n.shape inputs (argData vals n.args))

/-- The compiled graph's value table equals the IR denotation's, for every input. -/
theorem denoteAll_compileGraph (g : Graph) (params inputs : List (Tensor α)) :
    (compileGraph g params).denoteAll inputs = g.denoteAll inputs params :=
  foldNodes_map (compileNode g params) (ExecNode.eval inputs) (Node.denote g ⟨inputs, params⟩)
    (eval_compileNode g params inputs) [] g.nodes

/-- **IR executor correctness.** If `execGraphOfIR` compiles `g` with parameter values `params`
into `e`, then for every list of input values the compiled evaluator's value table equals the IR
denotation `Graph.denoteAll`. No op is excluded; the only side condition is that compilation
succeeded. -/
theorem execGraphOfIR_semantics_eq (g : Graph) (params : List (Tensor α)) (e : ExecGraphData α)
    (h : execGraphOfIR g params = .ok e) (inputs : List (Tensor α)) :
    e.denoteAll inputs = g.denoteAll inputs params := by
  unfold execGraphOfIR at h
  split at h
  · cases h
    exact denoteAll_compileGraph g params inputs
  · cases h

/-- The compiled evaluator's outputs equal the IR's outputs (`Graph.eval`). -/
theorem execGraphOfIR_eval_eq (g : Graph) (params : List (Tensor α)) (e : ExecGraphData α)
    (h : execGraphOfIR g params = .ok e) (inputs : List (Tensor α)) :
    e.eval inputs = g.eval inputs params := by
  have ho : e.outputs = g.outputs := by
    unfold execGraphOfIR at h
    split at h
    · cases h
      rfl
    · cases h
  show e.outputs.map (fun i => nth (e.denoteAll inputs) i default) =
    g.outputs.map (fun i => nth (g.denoteAll inputs params) i default)
  rw [ho, execGraphOfIR_semantics_eq g params e h inputs]

end NN.Proofs
