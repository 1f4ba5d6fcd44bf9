import NN.Runtime.IRExec

/-!
# Test graphs

Small IR graphs used by the Lean tests, with helpers that run them through the IR denotation
(`Graph.eval`) and through the compiled evaluator (`execGraphOfIR` then `ExecGraphData.eval`).

## Main definitions

* `NN.Tests.tensorI`: an exact `Int` tensor from a shape and a list.
* `NN.Tests.runIR`, `NN.Tests.runExec`, `NN.Tests.checks`: run or check a graph.
* `NN.Tests.reluLinear`, `NN.Tests.reluMatmulConst`, `NN.Tests.convPadStride`,
  `NN.Tests.convGroupsDilation`, `NN.Tests.pooling`, `NN.Tests.maxPoolPadded`,
  `NN.Tests.structuralChain`, `NN.Tests.reductionsBroadcast`, `NN.Tests.badForward`,
  `NN.Tests.badShape`.

## Main results

None (data).

## Implementation notes

Expected outputs (in `NN/Tests/IRExec.lean`) were computed independently with NumPy.

Trust boundary: tests, not proofs.
-/

namespace NN.Tests

open NN NN.IR NN.Runtime

/-- An exact integer tensor. -/
def tensorI (shape : List Nat) (d : List Int) : Tensor Int := ⟨shape, d.toArray⟩

/-- The output data of `g` by the IR denotation. -/
def runIR {α : Type} [Scalar α] (g : Graph) (ins ps : List (Tensor α)) : List (Array α) :=
  (g.eval ins ps).map (fun t => t.data)

/-- The output data of `g` by the compiled evaluator (`[]` when compilation fails). -/
def runExec {α : Type} [Scalar α] (g : Graph) (ins ps : List (Tensor α)) : List (Array α) :=
  match execGraphOfIR g ps with
  | .ok e => (e.eval ins).map (fun t => t.data)
  | .error _ => []

/-- Whether `g` passes the well-formedness check. -/
def checks (g : Graph) : Bool :=
  match g.check with
  | .ok _ => true
  | .error _ => false

/-- `relu (x · Wᵀ + b)` with `x : [1, 3]`, `W : [2, 3]`, `b : [2]`. -/
def reluLinear : Graph where
  inputs := [⟨"x", [1, 3]⟩]
  params := [⟨"W", [2, 3]⟩, ⟨"b", [2]⟩]
  nodes := [
    ⟨.input 0, [], [1, 3]⟩,
    ⟨.param 0, [], [2, 3]⟩,
    ⟨.param 1, [], [2]⟩,
    ⟨.linear, [0, 1, 2], [1, 2]⟩,
    ⟨.relu, [3], [1, 2]⟩]
  outputs := [4]

/-- The same network written `relu (x @ transpose W + const)` with a literal bias `[1, -1]`. -/
def reluMatmulConst : Graph where
  inputs := [⟨"x", [1, 3]⟩]
  params := [⟨"W", [2, 3]⟩]
  nodes := [
    ⟨.input 0, [], [1, 3]⟩,
    ⟨.param 0, [], [2, 3]⟩,
    ⟨.transpose ⟨[1, 0]⟩, [1], [3, 2]⟩,
    ⟨.matmul, [0, 2], [1, 2]⟩,
    ⟨.const [0x3F800000, 0xBF800000], [], [2]⟩,
    ⟨.add, [3, 4], [1, 2]⟩,
    ⟨.relu, [5], [1, 2]⟩]
  outputs := [6]

/-- A 3×3 convolution with padding 1 and stride 2 on a 4×4 image, with bias. -/
def convPadStride : Graph where
  inputs := [⟨"x", [1, 1, 4, 4]⟩]
  params := [⟨"W", [1, 1, 3, 3]⟩, ⟨"b", [1]⟩]
  nodes := [
    ⟨.input 0, [], [1, 1, 4, 4]⟩,
    ⟨.param 0, [], [1, 1, 3, 3]⟩,
    ⟨.param 1, [], [1]⟩,
    ⟨.conv2d ⟨[2, 2], [1, 1, 1, 1], [1, 1], 1⟩, [0, 1, 2], [1, 1, 2, 2]⟩]
  outputs := [3]

/-- A grouped (2 groups), dilated (2, 1), left-padded convolution without bias. -/
def convGroupsDilation : Graph where
  inputs := [⟨"x", [1, 2, 3, 3]⟩]
  params := [⟨"W", [2, 1, 2, 2]⟩]
  nodes := [
    ⟨.input 0, [], [1, 2, 3, 3]⟩,
    ⟨.param 0, [], [2, 1, 2, 2]⟩,
    ⟨.conv2d ⟨[1, 1], [0, 1, 0, 0], [2, 1], 2⟩, [0, 1], [1, 2, 1, 3]⟩]
  outputs := [2]

/-- Max, average and global average pooling of a 4×4 image. -/
def pooling : Graph where
  inputs := [⟨"x", [1, 1, 4, 4]⟩]
  params := []
  nodes := [
    ⟨.input 0, [], [1, 1, 4, 4]⟩,
    ⟨.maxPool2d ⟨[2, 2], [2, 2], [0, 0, 0, 0], false⟩, [0], [1, 1, 2, 2]⟩,
    ⟨.avgPool2d ⟨[2, 2], [2, 2], [0, 0, 0, 0], false, false⟩, [0], [1, 1, 2, 2]⟩,
    ⟨.globalAvgPool, [0], [1, 1, 1, 1]⟩]
  outputs := [1, 2, 3]

/-- Max pooling with top/left padding 1 on a 3×3 image. -/
def maxPoolPadded : Graph where
  inputs := [⟨"x", [1, 1, 3, 3]⟩]
  params := []
  nodes := [
    ⟨.input 0, [], [1, 1, 3, 3]⟩,
    ⟨.maxPool2d ⟨[2, 2], [2, 2], [1, 1, 0, 0], false⟩, [0], [1, 1, 2, 2]⟩]
  outputs := [1]

/-- transpose → concat (with a literal row) → slice (negative step) → pad. -/
def structuralChain : Graph where
  inputs := [⟨"x", [2, 3]⟩]
  params := []
  nodes := [
    ⟨.input 0, [], [2, 3]⟩,
    ⟨.transpose ⟨[1, 0]⟩, [0], [3, 2]⟩,
    ⟨.const [0x40E00000, 0x41000000], [], [1, 2]⟩,
    ⟨.concat ⟨0⟩, [1, 2], [4, 2]⟩,
    ⟨.slice ⟨[3], [-1], [0], [-2]⟩, [3], [2, 2]⟩,
    ⟨.pad ⟨[0, 1, 0, 0], 0x41100000⟩, [4], [2, 3]⟩]
  outputs := [3, 4, 5]

/-- Reductions, broadcasting, batched matmul and reshape. -/
def reductionsBroadcast : Graph where
  inputs := [⟨"x", [2, 3]⟩, ⟨"a", [2, 2, 3]⟩]
  params := []
  nodes := [
    ⟨.input 0, [], [2, 3]⟩,
    ⟨.reduceSum ⟨[1], false⟩, [0], [2]⟩,
    ⟨.reduceMax ⟨[0], true⟩, [0], [1, 3]⟩,
    ⟨.const [0x41200000, 0x41A00000, 0x41F00000], [], [3]⟩,
    ⟨.add, [0, 3], [2, 3]⟩,
    ⟨.input 1, [], [2, 2, 3]⟩,
    ⟨.const [0x3F800000, 0x40000000, 0x00000000, 0xBF800000, 0x40400000, 0x3F800000], [], [3, 2]⟩,
    ⟨.matmul, [5, 6], [2, 2, 2]⟩,
    ⟨.reshape ⟨[6]⟩, [0], [6]⟩,
    ⟨.reduceMean ⟨[1], true⟩, [0], [2, 1]⟩]
  outputs := [1, 2, 4, 7, 8, 9]

/-- Ill-formed: node 1 reads node 2 (forward reference). -/
def badForward : Graph where
  inputs := [⟨"x", [2]⟩]
  params := []
  nodes := [
    ⟨.input 0, [], [2]⟩,
    ⟨.relu, [2], [2]⟩,
    ⟨.neg, [0], [2]⟩]
  outputs := [1]

/-- Ill-formed: declared shape differs from the shape rule. -/
def badShape : Graph where
  inputs := [⟨"x", [2, 3]⟩]
  params := []
  nodes := [
    ⟨.input 0, [], [2, 3]⟩,
    ⟨.transpose ⟨[1, 0]⟩, [0], [2, 3]⟩]
  outputs := [1]

end NN.Tests
