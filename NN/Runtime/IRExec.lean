import NN.IR.Denote

/-!
# IR → executable graph compiler

`execGraphOfIR` turns a checked IR graph and parameter values into executable graph data: one
executable op per node, with all static work done once, at compile time.

## Main definitions

* `NN.Runtime.runTable`: evaluates a precomputed key table with a reader.
* `NN.Runtime.ExecOp`: an executable op: read a graph input, return bound data (parameters,
  decoded constants), or gather through a precomputed key table.
* `NN.Runtime.ExecNode`, `NN.Runtime.ExecGraphData`: executable nodes and graphs.
* `NN.Runtime.compileOp`, `NN.Runtime.compileNode`, `NN.Runtime.compileGraph`.
* `NN.Runtime.execGraphOfIR`: checks the graph (`Graph.check`) and compiles it.
* `NN.Runtime.ExecGraphData.denoteAll`, `NN.Runtime.ExecGraphData.eval`: the evaluator.

## Main results

None here; `NN/Proofs/IRExec.lean` proves `execGraphOfIR_semantics_eq`.

## Implementation notes

Compile-time work per node: argument shapes are resolved once (`Graph.argShapes`), parameter values
are bound (`ExecOp.bound`), constants are decoded once, and for every other op the key table of its
gather (`Plan.table`: broadcast index pairs, transposed/sliced/padded/concatenated source offsets,
pooling windows, convolution and matmul tap lists, reduction groups) is computed once and stored in
the `ExecOp.gather` value (for `resize`, the evaluation tree of every output element; for
`embedding`, the index position and row offset of every output element). At run time a node only
reads its arguments through the table; `embedding` additionally finds the row each token id denotes
(a binary search, `NN.Spec.tokenRow`), the one data-dependent read. Lean evaluates constructor
arguments eagerly, so the tables are built when `execGraphOfIR` runs, not when a node is evaluated.

Trust boundary: Lean's compiler and runtime (including `Float32` arithmetic in C) execute this
code; the proof is about the Lean definitions.
-/

namespace NN.Runtime

open NN NN.IR NN.Spec

/-- Output `j` is `read t[j]`: evaluation of a precomputed key table. -/
def runTable {κ α : Type} (t : List κ) (read : κ → α) : Array α := (t.map read).toArray

/-- An executable op. -/
inductive ExecOp (α : Type) : Type 1 where
  /-- Read graph input number `index`. -/
  | input (index : Nat)
  /-- Return data bound at compile time (a parameter value or a decoded constant). -/
  | bound (data : Array α)
  /-- Gather through a precomputed key table, reading the argument data with `read`. -/
  | gather {κ : Type} (table : List κ) (read : List (Array α) → κ → α)

/-- Runs an executable op on the graph inputs and the node's argument data. -/
def ExecOp.run {α : Type} : ExecOp α → List (Tensor α) → List (Array α) → Array α
  | .input i, inputs, _ => (nth inputs i default).data
  | .bound d, _, _ => d
  | .gather t read, _, xs => runTable t (read xs)

/-- An executable node: its op, its argument ids, its shape. -/
structure ExecNode (α : Type) : Type 1 where
  /-- The executable op. -/
  op : ExecOp α
  /-- Argument node ids. -/
  args : List Nat
  /-- Output shape. -/
  shape : Shape

/-- An executable graph. -/
structure ExecGraphData (α : Type) : Type 1 where
  /-- Executable nodes, in the IR's order. -/
  nodes : List (ExecNode α)
  /-- Output node ids. -/
  outputs : List Nat

variable {α : Type} [Scalar α]

/-- Compiles one op, given the parameter values, the static argument shapes and the output
shape. -/
def compileOp (params : List (Tensor α)) : OpKind → List Shape → Shape → ExecOp α
  | .input i, _, _ => .input i
  | .param j, _, _ => .bound (nth params j default).data
  | .const bits, _, _ => .bound (constData bits)
  | .add, ss, o => .gather (binaryPlan (shp ss 0) (shp ss 1) o).table
      (fun xs => binaryRead ScalarRing.add (arg xs 0) (arg xs 1))
  | .sub, ss, o => .gather (binaryPlan (shp ss 0) (shp ss 1) o).table
      (fun xs => binaryRead ScalarRing.sub (arg xs 0) (arg xs 1))
  | .mul, ss, o => .gather (binaryPlan (shp ss 0) (shp ss 1) o).table
      (fun xs => binaryRead ScalarRing.mul (arg xs 0) (arg xs 1))
  | .div, ss, o => .gather (binaryPlan (shp ss 0) (shp ss 1) o).table
      (fun xs => binaryRead Scalar.div (arg xs 0) (arg xs 1))
  | .max, ss, o => .gather (binaryPlan (shp ss 0) (shp ss 1) o).table
      (fun xs => binaryRead NN.smax (arg xs 0) (arg xs 1))
  | .min, ss, o => .gather (binaryPlan (shp ss 0) (shp ss 1) o).table
      (fun xs => binaryRead NN.smin (arg xs 0) (arg xs 1))
  | .neg, _, o => .gather (idPlan o).table (fun xs => unaryRead ScalarRing.neg (arg xs 0))
  | .abs, _, o => .gather (idPlan o).table (fun xs => unaryRead Scalar.abs (arg xs 0))
  | .relu, _, o => .gather (idPlan o).table (fun xs => unaryRead NN.relu (arg xs 0))
  | .sigmoid, _, o => .gather (idPlan o).table (fun xs => unaryRead NN.sigmoid (arg xs 0))
  | .tanh, _, o => .gather (idPlan o).table (fun xs => unaryRead Scalar.tanh (arg xs 0))
  | .exp, _, o => .gather (idPlan o).table (fun xs => unaryRead Scalar.exp (arg xs 0))
  | .log, _, o => .gather (idPlan o).table (fun xs => unaryRead Scalar.log (arg xs 0))
  | .sqrt, _, o => .gather (idPlan o).table (fun xs => unaryRead Scalar.sqrt (arg xs 0))
  | .leakyRelu a, _, o => .gather (idPlan o).table
      (fun xs => unaryRead (NN.leakyRelu (Scalar.ofBits a.alpha)) (arg xs 0))
  | .clip a, _, o => .gather (idPlan o).table
      (fun xs => unaryRead (NN.clip (a.lo.map Scalar.ofBits) (a.hi.map Scalar.ofBits)) (arg xs 0))
  | .linear, ss, o => .gather (linearPlan (shp ss 1) (ss.length == 3) o).table
      (fun xs => dotRead (arg xs 0) (arg xs 1) (arg xs 2))
  | .matmul, ss, o => .gather (matmulPlan (shp ss 0) (shp ss 1) o).table
      (fun xs => dotRead (arg xs 0) (arg xs 1) #[])
  | .conv2d a, ss, o =>
    .gather (convPlan (shp ss 0) (shp ss 1) a.strides a.pads a.dilations a.groups
        (ss.length == 3) o).table
      (fun xs => dotRead (arg xs 0) (arg xs 1) (arg xs 2))
  | .maxPool2d a, ss, o => .gather (poolPlan (shp ss 0) a.kernel a.strides a.pads o).table
      (fun xs => maxRead (arg xs 0))
  | .avgPool2d a, ss, o =>
    .gather (avgPlan (shp ss 0) a.kernel a.strides a.pads a.countIncludePad o).table
      (fun xs => meanRead (arg xs 0))
  | .globalAvgPool, ss, o => .gather (globalPlan (shp ss 0) o).table
      (fun xs => meanRead (arg xs 0))
  | .batchNorm a, ss, o => .gather (batchNormPlan (shp ss 0) o).table
      (fun xs => batchNormRead a.epsilon (arg xs 0) (arg xs 1) (arg xs 2) (arg xs 3) (arg xs 4))
  | .layerNorm a, ss, o => .gather (layerNormPlan a.axis (shp ss 0) o).table
      (fun xs => layerNormRead a.epsilon (ss.length == 3) (arg xs 0) (arg xs 1) (arg xs 2))
  | .softmax a, ss, o => .gather (axisPlan a.axis (shp ss 0) o).table
      (fun xs => softmaxRead (arg xs 0))
  | .logSoftmax a, ss, o => .gather (axisPlan a.axis (shp ss 0) o).table
      (fun xs => logSoftmaxRead (arg xs 0))
  | .reshape _, _, o => .gather (idPlan o).table (fun xs => copyRead (arg xs 0))
  | .transpose a, ss, o => .gather (transposePlan a.perm (shp ss 0) o).table
      (fun xs => copyRead (arg xs 0))
  | .concat a, ss, o => .gather (concatPlan a.axis ss o).table (fun xs => concatRead xs)
  | .slice a, ss, o => .gather (slicePlan a.starts a.axes a.steps (shp ss 0) o).table
      (fun xs => copyRead (arg xs 0))
  | .pad a, ss, o => .gather (padPlan a.pads (shp ss 0) o).table
      (fun xs => padRead a.value (arg xs 0))
  | .reduceSum a, ss, o => .gather (reducePlan a.axes a.keepDims (shp ss 0) o).table
      (fun xs => sumRead (arg xs 0))
  | .reduceMean a, ss, o => .gather (reducePlan a.axes a.keepDims (shp ss 0) o).table
      (fun xs => meanOfRead (arg xs 0))
  | .reduceMax a, ss, o => .gather (reducePlan a.axes a.keepDims (shp ss 0) o).table
      (fun xs => maxRead (arg xs 0))
  | .convTranspose2d a, ss, o =>
    .gather (convTransposePlan (shp ss 0) (shp ss 1) a.strides a.pads a.dilations a.groups
        (ss.length == 3) o).table
      (fun xs => dotRead (arg xs 0) (arg xs 1) (arg xs 2))
  | .resize a, ss, o =>
    .gather (resizePlan a.index0 a.index1 a.weight0 a.weight1 (shp ss 0) o).table
      (fun xs => resizeRead (arg xs 0))
  | .erf, _, o => .gather (idPlan o).table (fun xs => unaryRead Scalar.erf (arg xs 0))
  | .sin, _, o => .gather (idPlan o).table (fun xs => unaryRead Scalar.sin (arg xs 0))
  | .cos, _, o => .gather (idPlan o).table (fun xs => unaryRead Scalar.cos (arg xs 0))
  | .sign, _, o => .gather (idPlan o).table (fun xs => unaryRead NN.sign (arg xs 0))
  | .floor, _, o => .gather (idPlan o).table (fun xs => unaryRead Scalar.floor (arg xs 0))
  | .ceil, _, o => .gather (idPlan o).table (fun xs => unaryRead Scalar.ceil (arg xs 0))
  | .round, _, o => .gather (idPlan o).table (fun xs => unaryRead Scalar.round (arg xs 0))
  | .pow a, _, o => .gather (idPlan o).table
      (fun xs => unaryRead (powBy a.exponent) (arg xs 0))
  | .«where», ss, o => .gather (wherePlan (shp ss 0) (shp ss 1) (shp ss 2) o).table
      (fun xs => whereRead (arg xs 0) (arg xs 1) (arg xs 2))
  | .embedding, ss, o => .gather (embedPlan (shp ss 0) o).table
      (fun xs => embedRead (nth (shp ss 0) 0 0) (Shape.size ((shp ss 0).drop 1)) (arg xs 0)
        (arg xs 1))

/-- Compiles one node of `g`: shapes resolved from the graph, parameters bound. -/
def compileNode (g : Graph) (params : List (Tensor α)) (n : Node) : ExecNode α :=
  ⟨compileOp params n.op (g.argShapes n) n.shape, n.args, n.shape⟩

/-- Compiles every node of `g` (no check). -/
def compileGraph (g : Graph) (params : List (Tensor α)) : ExecGraphData α :=
  ⟨g.nodes.map (compileNode g params), g.outputs⟩

/-- Checks `g` with `Graph.check`, then compiles it with the given parameter values. -/
def execGraphOfIR (g : Graph) (params : List (Tensor α)) : Except String (ExecGraphData α) :=
  match g.check with
  | .ok _ => .ok (compileGraph g params)
  | .error e => .error e

/-- The value of an executable node given the inputs and the table of earlier values. -/
def ExecNode.eval (inputs : List (Tensor α)) (vals : List (Tensor α)) (e : ExecNode α) :
    Tensor α :=
  ⟨e.shape, e.op.run inputs (argData vals e.args)⟩

/-- The value table of all nodes of an executable graph for the given inputs. -/
def ExecGraphData.denoteAll (e : ExecGraphData α) (inputs : List (Tensor α)) : List (Tensor α) :=
  foldNodes (ExecNode.eval inputs) [] e.nodes

/-- The values of an executable graph's outputs. -/
def ExecGraphData.eval (e : ExecGraphData α) (inputs : List (Tensor α)) : List (Tensor α) :=
  let vals := e.denoteAll inputs
  e.outputs.map (fun i => nth vals i default)

end NN.Runtime
