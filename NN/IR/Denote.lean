import NN.IR.Graph
import NN.Spec.Ops.Elementwise
import NN.Spec.Ops.Affine
import NN.Spec.Ops.Convolution
import NN.Spec.Ops.Pooling
import NN.Spec.Ops.Normalisation
import NN.Spec.Ops.Softmax
import NN.Spec.Ops.Structural
import NN.Spec.Ops.Reductions

/-!
# The denotation of IR graphs

The meaning of a graph: the value table of all its nodes for given input and parameter values,
polymorphic in the scalar type. Every op's meaning is the `NN/Spec` definition applied to the
node's static argument shapes, its declared output shape and its arguments' data (for
`embedding`, the row read also depends on the index data; for `where`, the condition is read as
data).

## Main definitions

* `NN.IR.Env`: input values and parameter values.
* `NN.IR.OpKind.denote`: the data of one node from its arguments' data.
* `NN.IR.foldNodes`: the left-to-right evaluation of a list of nodes into a value table.
* `NN.IR.Node.denote`, `NN.IR.Graph.denoteAll`, `NN.IR.Graph.eval`.

## Main results

None here; `NN/Proofs/IRExec.lean` proves the compiled evaluator equal to `Graph.denoteAll`.

## Implementation notes

A missing argument or value reads as the default (empty) tensor, so the denotation is total.
Node `k`'s value is at position `k` of the table because nodes are appended in order.

Trust boundary: the denotation does not require the graph to be checked; for unchecked graphs it
is still defined but need not be meaningful.
-/

universe u

namespace NN.IR

open NN NN.Spec

/-- Values of the graph inputs and parameters. -/
structure Env (α : Type) where
  /-- Input values, by input number. -/
  inputs : List (Tensor α)
  /-- Parameter values, by parameter number. -/
  params : List (Tensor α)

variable {α : Type} [Scalar α]

/-- The data of a node with op `k`, static argument shapes `ss`, output shape `o` and argument
data `xs`. -/
def OpKind.denote (env : Env α) : OpKind → List Shape → Shape → List (Array α) → Array α
  | .input i, _, _, _ => (nth env.inputs i default).data
  | .param j, _, _, _ => (nth env.params j default).data
  | .const bits, _, _, _ => constData bits
  | .add, ss, o, xs => Spec.binary ScalarRing.add (shp ss 0) (shp ss 1) o (arg xs 0) (arg xs 1)
  | .sub, ss, o, xs => Spec.binary ScalarRing.sub (shp ss 0) (shp ss 1) o (arg xs 0) (arg xs 1)
  | .mul, ss, o, xs => Spec.binary ScalarRing.mul (shp ss 0) (shp ss 1) o (arg xs 0) (arg xs 1)
  | .div, ss, o, xs => Spec.binary Scalar.div (shp ss 0) (shp ss 1) o (arg xs 0) (arg xs 1)
  | .max, ss, o, xs => Spec.binary NN.smax (shp ss 0) (shp ss 1) o (arg xs 0) (arg xs 1)
  | .min, ss, o, xs => Spec.binary NN.smin (shp ss 0) (shp ss 1) o (arg xs 0) (arg xs 1)
  | .neg, _, o, xs => Spec.unary ScalarRing.neg o (arg xs 0)
  | .abs, _, o, xs => Spec.unary Scalar.abs o (arg xs 0)
  | .relu, _, o, xs => Spec.unary NN.relu o (arg xs 0)
  | .sigmoid, _, o, xs => Spec.unary NN.sigmoid o (arg xs 0)
  | .tanh, _, o, xs => Spec.unary Scalar.tanh o (arg xs 0)
  | .exp, _, o, xs => Spec.unary Scalar.exp o (arg xs 0)
  | .log, _, o, xs => Spec.unary Scalar.log o (arg xs 0)
  | .sqrt, _, o, xs => Spec.unary Scalar.sqrt o (arg xs 0)
  | .leakyRelu a, _, o, xs => Spec.unary (NN.leakyRelu (Scalar.ofBits a.alpha)) o (arg xs 0)
  | .clip a, _, o, xs =>
    Spec.unary (NN.clip (a.lo.map Scalar.ofBits) (a.hi.map Scalar.ofBits)) o (arg xs 0)
  | .linear, ss, o, xs =>
    Spec.linear (shp ss 1) (ss.length == 3) o (arg xs 0) (arg xs 1) (arg xs 2)
  | .matmul, ss, o, xs => Spec.matmul (shp ss 0) (shp ss 1) o (arg xs 0) (arg xs 1)
  | .conv2d a, ss, o, xs =>
    Spec.conv2d (shp ss 0) (shp ss 1) a.strides a.pads a.dilations a.groups (ss.length == 3) o
      (arg xs 0) (arg xs 1) (arg xs 2)
  | .maxPool2d a, ss, o, xs => Spec.maxPool2d (shp ss 0) a.kernel a.strides a.pads o (arg xs 0)
  | .avgPool2d a, ss, o, xs =>
    Spec.avgPool2d (shp ss 0) a.kernel a.strides a.pads a.countIncludePad o (arg xs 0)
  | .globalAvgPool, ss, o, xs => Spec.globalAvgPool (shp ss 0) o (arg xs 0)
  | .batchNorm a, ss, o, xs =>
    Spec.batchNorm a.epsilon (shp ss 0) o (arg xs 0) (arg xs 1) (arg xs 2) (arg xs 3) (arg xs 4)
  | .layerNorm a, ss, o, xs =>
    Spec.layerNorm a.epsilon a.axis (ss.length == 3) (shp ss 0) o (arg xs 0) (arg xs 1) (arg xs 2)
  | .softmax a, ss, o, xs => Spec.softmax a.axis (shp ss 0) o (arg xs 0)
  | .logSoftmax a, ss, o, xs => Spec.logSoftmax a.axis (shp ss 0) o (arg xs 0)
  | .reshape _, _, o, xs => Spec.reshape o (arg xs 0)
  | .transpose a, ss, o, xs => Spec.transpose a.perm (shp ss 0) o (arg xs 0)
  | .concat a, ss, o, xs => Spec.concat a.axis ss o xs
  | .slice a, ss, o, xs => Spec.slice a.starts a.axes a.steps (shp ss 0) o (arg xs 0)
  | .pad a, ss, o, xs => Spec.pad a.pads a.value (shp ss 0) o (arg xs 0)
  | .reduceSum a, ss, o, xs => Spec.reduceSum a.axes a.keepDims (shp ss 0) o (arg xs 0)
  | .reduceMean a, ss, o, xs => Spec.reduceMean a.axes a.keepDims (shp ss 0) o (arg xs 0)
  | .reduceMax a, ss, o, xs => Spec.reduceMax a.axes a.keepDims (shp ss 0) o (arg xs 0)
  | .convTranspose2d a, ss, o, xs =>
    Spec.convTranspose2d (shp ss 0) (shp ss 1) a.strides a.pads a.dilations a.groups
      (ss.length == 3) o (arg xs 0) (arg xs 1) (arg xs 2)
  | .resize a, ss, o, xs =>
    Spec.resize a.index0 a.index1 a.weight0 a.weight1 (shp ss 0) o (arg xs 0)
  | .erf, _, o, xs => Spec.unary Scalar.erf o (arg xs 0)
  | .sin, _, o, xs => Spec.unary Scalar.sin o (arg xs 0)
  | .cos, _, o, xs => Spec.unary Scalar.cos o (arg xs 0)
  | .sign, _, o, xs => Spec.unary NN.sign o (arg xs 0)
  | .floor, _, o, xs => Spec.unary Scalar.floor o (arg xs 0)
  | .ceil, _, o, xs => Spec.unary Scalar.ceil o (arg xs 0)
  | .round, _, o, xs => Spec.unary Scalar.round o (arg xs 0)
  | .pow a, _, o, xs => Spec.unary (Spec.powBy a.exponent) o (arg xs 0)
  | .«where», ss, o, xs =>
    Spec.whereSelect (shp ss 0) (shp ss 1) (shp ss 2) o (arg xs 0) (arg xs 1) (arg xs 2)
  | .embedding, ss, o, xs => Spec.embedding (shp ss 0) o (arg xs 0) (arg xs 1)

/-- The data of the nodes with ids `args` in the value table `vals`. -/
def argData (vals : List (Tensor α)) (args : List Nat) : List (Array α) :=
  args.map (fun i => (nth vals i default).data)

/-- Evaluates a list of nodes left to right, appending each value to the table. -/
def foldNodes {β : Type u} (step : List (Tensor α) → β → Tensor α) :
    List (Tensor α) → List β → List (Tensor α)
  | vals, [] => vals
  | vals, b :: bs => foldNodes step (vals ++ [step vals b]) bs

/-- The value of node `n` of graph `g` given the table `vals` of the earlier nodes. -/
def Node.denote (g : Graph) (env : Env α) (vals : List (Tensor α)) (n : Node) : Tensor α :=
  ⟨n.shape, n.op.denote env (g.argShapes n) n.shape (argData vals n.args)⟩

/-- The value table of all nodes of `g` for the given inputs and parameters. -/
def Graph.denoteAll (g : Graph) (inputs params : List (Tensor α)) : List (Tensor α) :=
  foldNodes (Node.denote g ⟨inputs, params⟩) [] g.nodes

/-- The values of the graph's outputs. -/
def Graph.eval (g : Graph) (inputs params : List (Tensor α)) : List (Tensor α) :=
  let vals := g.denoteAll inputs params
  g.outputs.map (fun i => nth vals i default)

end NN.IR
