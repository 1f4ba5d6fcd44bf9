import NN.Autograd.Backprop
import NN.Autograd.Ring
import NN.Tests.Graphs

/-!
# Autograd tests

`#guard` checks on small exact `Int` graphs: reverse mode (`vjp`) against forward mode (the
dual-number denotation) through the adjoint identity `⟪w, J v⟫ = ⟪Jᵀ w, v⟫`, for several
tangents and cotangents; gradients computed by hand (and by `tlean.autograd` on the same
graphs: `reluLinear`, `fanout`, `resizeLinear` and `embed` were cross-checked with
`tlean.autograd.vjp`/`jvp` in float64, which gives the same numbers); the tie conventions of
`max`/`relu`/`reduceMax`; and `excluded` against `excludedTags` on every op.

## Main definitions

* `NN.Tests.Autograd.dualT`: a dual-number tensor from primal and tangent lists.
* `NN.Tests.Autograd.lhs`, `NN.Tests.Autograd.rhs`: the two sides of the identity.

## Main results

None (tests).

## Implementation notes

The identity is checked on graphs of `NN/Tests/Graphs.lean` (`reluLinear`, `reluMatmulConst`,
`convPadStride`, `convGroupsDilation`, `structuralChain`, `badForward` — the last one reads a
later node, which reads as zero on both sides) and on a few graphs defined here.

Trust boundary: tests, not proofs.
-/

namespace NN.Tests.Autograd

open NN NN.IR NN.Autograd

/-- A dual-number tensor with primal `p` and tangent `t`. -/
def dualT (shape : List Nat) (p t : List Int) : Tensor (Dual Int) :=
  ⟨shape, (List.zipWith (fun a b => (⟨a, b⟩ : Dual Int)) p t).toArray⟩

/-- `⟪w, J v⟫`: the cotangent terms paired with the forward-mode tangents of every node. -/
def lhs (g : Graph) (ins ps : List (Tensor (Dual Int))) (w : List (Term Int)) : Int :=
  pair w (tableTan ⟨ins, ps⟩ (g.denoteAll ins ps))

/-- `⟪Jᵀ w, v⟫`: the reverse-mode terms paired with the input and parameter tangents. -/
def rhs (g : Graph) (ins ps : List (Tensor (Dual Int))) (w : List (Term Int)) : Int :=
  pair (vjp g ins ps w) (baseTan ⟨ins, ps⟩)

/-- Both sides, for a `#guard`. -/
def adjointOk (g : Graph) (ins ps : List (Tensor (Dual Int))) (w : List (Term Int)) : Bool :=
  lhs g ins ps w == rhs g ins ps w

/-! ### `relu (x · Wᵀ + b)` -/

/-- `x = [1, 2, 3]` with tangent `v`. -/
def rlIns (v : List Int) : List (Tensor (Dual Int)) := [dualT [1, 3] [1, 2, 3] v]

/-- `W = [[1, 0, -1], [2, 1, 0]]`, `b = [0, 1]` with tangents. -/
def rlPs (vw vb : List Int) : List (Tensor (Dual Int)) :=
  [dualT [2, 3] [1, 0, -1, 2, 1, 0] vw, dualT [2] [0, 1] vb]

/-- Cotangent `[1, 1]` on the output (node 4). -/
def rlW : List (Term Int) := cotangentOn 4 #[1, 1]

-- forward: y = relu [-2, 5] = [0, 5]
#guard (NN.Tests.runIR NN.Tests.reluLinear (rlIns [0, 0, 0]) (rlPs [0, 0, 0, 0, 0, 0] [0, 0])).map
  (fun a => a.map Dual.pri) == [#[0, 5]]
-- forward mode: dx = [1, 0, 0] gives dy = [relu'(-2)·1, relu'(5)·2] = [0, 2]
#guard jvp NN.Tests.reluLinear (rlIns [1, 0, 0]) (rlPs [0, 0, 0, 0, 0, 0] [0, 0]) == [#[0, 2]]
-- reverse mode, by hand: dL/dx = Wᵀ [0, 1] = [2, 1, 0], dL/dW = [[0,0,0],[1,2,3]], dL/db = [0, 1]
#guard inputGrad (vjp NN.Tests.reluLinear (rlIns [0, 0, 0]) (rlPs [0, 0, 0, 0, 0, 0] [0, 0]) rlW)
  (rlIns [0, 0, 0]) 0 == #[2, 1, 0]
#guard paramGrad (vjp NN.Tests.reluLinear (rlIns [0, 0, 0]) (rlPs [0, 0, 0, 0, 0, 0] [0, 0]) rlW)
  (rlPs [0, 0, 0, 0, 0, 0] [0, 0]) 0 == #[0, 0, 0, 1, 2, 3]
#guard paramGrad (vjp NN.Tests.reluLinear (rlIns [0, 0, 0]) (rlPs [0, 0, 0, 0, 0, 0] [0, 0]) rlW)
  (rlPs [0, 0, 0, 0, 0, 0] [0, 0]) 1 == #[0, 1]
-- the adjoint identity for several tangents and cotangents (also on hidden nodes)
#guard adjointOk NN.Tests.reluLinear (rlIns [1, -2, 3]) (rlPs [1, 0, 2, -1, 3, 1] [5, -4]) rlW
#guard adjointOk NN.Tests.reluLinear (rlIns [0, 7, -1]) (rlPs [2, 2, 2, 0, 0, 1] [1, 1])
  (cotangentOn 4 #[3, -2] ++ cotangentOn 3 #[1, 5] ++ cotangentOn 0 #[2, 0, -1])
-- ⟪[1, 1], d relu(xWᵀ + b)⟫ = 0 + (W₁·v + x·Ẇ₁ + ḃ₁) = 4
#guard lhs NN.Tests.reluLinear (rlIns [1, -2, 3]) (rlPs [1, 0, 2, -1, 3, 1] [5, -4]) rlW == 4

/-! ### The other shared test graphs -/

#guard adjointOk NN.Tests.reluMatmulConst [dualT [1, 3] [1, -2, 3] [2, 1, -1]]
  [dualT [2, 3] [1, 2, 3, -1, 0, 2] [1, -1, 0, 2, 3, 1]] (cotangentOn 6 #[2, 3])
#guard adjointOk NN.Tests.convPadStride
  [dualT [1, 1, 4, 4] ((List.range 16).map (fun i => (i : Int) - 5))
    ((List.range 16).map (fun i => ((i * 7) % 5 : Nat) - (2 : Int)))]
  [dualT [1, 1, 3, 3] [1, -1, 2, 0, 1, 0, -2, 1, 1] [0, 1, 1, -1, 2, 0, 1, 1, -1],
   dualT [1] [3] [2]]
  (cotangentOn 3 #[1, -2, 3, 1])
#guard adjointOk NN.Tests.convGroupsDilation
  [dualT [1, 2, 3, 3] ((List.range 18).map (fun i => (i : Int) - 9))
    ((List.range 18).map (fun i => ((i * 5) % 3 : Nat) - (1 : Int)))]
  [dualT [2, 1, 2, 2] [1, 2, -1, 0, 3, 1, 1, -2] [1, 0, 0, 1, -1, 1, 2, 0]]
  (cotangentOn 2 #[1, 2, 3, -1, -2, 4])
#guard adjointOk NN.Tests.structuralChain [dualT [2, 3] [1, 2, 3, 4, 5, 6] [1, -1, 2, -2, 3, -3]] []
  (cotangentOn 5 #[1, 2, 3, 4, 5, 6] ++ cotangentOn 3 #[1, 1, 1, 1, 1, 1, 1, 1])
#guard adjointOk NN.Tests.badForward [dualT [2] [1, -1] [3, 4]] [] (cotangentOn 2 #[1, 1])

#guard adjointOk NN.Tests.pooling
  [dualT [1, 1, 4, 4] [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3]
    ((List.range 16).map (fun i => ((i * 3) % 7 : Nat) - (3 : Int)))] []
  (cotangentOn 1 #[1, 2, 3, 4] ++ cotangentOn 2 #[5, 6, 7, 8] ++ cotangentOn 3 #[9])
#guard adjointOk NN.Tests.maxPoolPadded
  [dualT [1, 1, 3, 3] [1, 2, 3, 4, 5, 6, 7, 8, 9] [1, -1, 1, -1, 1, -1, 1, -1, 1]] []
  (cotangentOn 1 #[1, 2, 3, 4])
#guard adjointOk NN.Tests.reductionsBroadcast
  [dualT [2, 3] [1, 2, 3, 4, 5, 6] [2, 0, -1, 1, 3, -2],
   dualT [2, 2, 3] ((List.range 12).map (fun i => (i : Int) - 6))
     ((List.range 12).map (fun i => ((i * 5) % 4 : Nat) - (1 : Int)))] []
  (cotangentOn 1 #[1, -1] ++ cotangentOn 2 #[2, 3, 4] ++ cotangentOn 4 #[1, 1, 1, 2, 2, 2] ++
   cotangentOn 7 #[1, 2, 3, 4, 5, 6, 7, 8] ++ cotangentOn 8 #[1, 0, 0, 0, 0, 3] ++
   cotangentOn 9 #[4, 5])

/-- `reduceMax` of `[5, 5, 1]`: the tie goes to the later element (`maxList` folds `smax`). -/
def maxTie : Graph where
  inputs := [⟨"x", [3]⟩]
  params := []
  nodes := [⟨.input 0, [], [3]⟩, ⟨.reduceMax ⟨[0], false⟩, [0], []⟩]
  outputs := [1]

#guard inputGrad (vjp maxTie [dualT [3] [5, 5, 1] [0, 0, 0]] [] (cotangentOn 1 #[1]))
  [dualT [3] [5, 5, 1] [0, 0, 0]] 0 == #[0, 1, 0]

/-- `where` with a constant mask, `sign`, `leakyRelu` (α = 2.0), `sigmoid` on a vector of 4. -/
def selections : Graph where
  inputs := [⟨"x", [4]⟩]
  params := []
  nodes := [
    ⟨.input 0, [], [4]⟩,
    ⟨.const [0x3F800000, 0x00000000, 0x3F800000, 0x00000000], [], [4]⟩,
    ⟨.neg, [0], [4]⟩,
    ⟨.«where», [1, 0, 2], [4]⟩,
    ⟨.sign, [0], [4]⟩,
    ⟨.leakyRelu ⟨0x40000000⟩, [0], [4]⟩,
    ⟨.sigmoid, [0], [4]⟩]
  outputs := [3, 4, 5, 6]

-- where: [dx0, -dx1, dx2, -dx3]; sign: tangent only at 0; leakyRelu: slope 2 below 0, 1 at/above
#guard (jvp selections [dualT [4] [3, -2, 0, 0] [1, 2, 3, 4]] []).take 3 ==
  [#[1, -2, 3, -4], #[0, 0, 3, 4], #[1, 4, 3, 4]]
#guard adjointOk selections [dualT [4] [3, -2, 0, 5] [1, 2, 3, 4]] []
  (cotangentOn 3 #[1, 2, 3, 4] ++ cotangentOn 4 #[5, 6, 7, 8] ++ cotangentOn 5 #[1, -1, 2, -2] ++
   cotangentOn 6 #[3, 3, 3, 3])

/-- `embedding`: a `[3, 2]` table (parameter) read at the ids `[2, 0, 7]` (`7` is out of range). -/
def embed : Graph where
  inputs := [⟨"ids", [3]⟩]
  params := [⟨"table", [3, 2]⟩]
  nodes := [⟨.param 0, [], [3, 2]⟩, ⟨.input 0, [], [3]⟩, ⟨.embedding, [0, 1], [3, 2]⟩]
  outputs := [2]

-- d table = scatter of the cotangent rows to rows 2 and 0; the out-of-range id gets nothing
#guard paramGrad (vjp embed [dualT [3] [2, 0, 7] [0, 0, 0]] [dualT [3, 2] [1, 2, 3, 4, 5, 6]
  [0, 0, 0, 0, 0, 0]] (cotangentOn 2 #[1, 2, 3, 4, 5, 6])) [dualT [3, 2] [1, 2, 3, 4, 5, 6]
  [0, 0, 0, 0, 0, 0]] 0 == #[3, 4, 0, 0, 1, 2]
#guard adjointOk embed [dualT [3] [2, 0, 7] [1, 1, 1]] [dualT [3, 2] [1, 2, 3, 4, 5, 6]
  [1, -1, 2, -2, 3, -3]] (cotangentOn 2 #[1, 2, 3, 4, 5, 6])

/-- `resize` of `[2]` to `[3]`: a nearest axis `[0, 0, 1]` then (as a second graph) a linear
axis with integer weights. -/
def resizeNearest : Graph where
  inputs := [⟨"x", [2]⟩]
  params := []
  nodes := [⟨.input 0, [], [2]⟩, ⟨.resize ⟨[[0, 0, 1]], [[]], [[]], [[]]⟩, [0], [3]⟩]
  outputs := [1]

#guard inputGrad (vjp resizeNearest [dualT [2] [4, 7] [0, 0]] [] (cotangentOn 1 #[1, 2, 3]))
  [dualT [2] [4, 7] [0, 0]] 0 == #[3, 3]

/-- A linear resize axis with weights `2.0` and `1.0` (exact integers, for the `Int` test). -/
def resizeLinear : Graph where
  inputs := [⟨"x", [2]⟩]
  params := []
  nodes := [⟨.input 0, [], [2]⟩,
    ⟨.resize ⟨[[0, 0, 1]], [[0, 1, 1]], [[0x40000000, 0x40000000, 0x40000000]],
      [[0x3F800000, 0x3F800000, 0x3F800000]]⟩, [0], [3]⟩]
  outputs := [1]

-- out = [2x0 + x0, 2x0 + x1, 2x1 + x1]: d/dx of ⟨[1, 1, 1], out⟩ = [3 + 2, 1 + 3] = [5, 4]
#guard inputGrad (vjp resizeLinear [dualT [2] [4, 7] [0, 0]] [] (cotangentOn 1 #[1, 1, 1]))
  [dualT [2] [4, 7] [0, 0]] 0 == #[5, 4]
#guard adjointOk resizeLinear [dualT [2] [4, 7] [2, -3]] [] (cotangentOn 1 #[1, 5, -2])

/-- Cross-entropy `-Σ onehot · logSoftmax z` of logits `z = x · Wᵀ` (`x : [1, 3]`, `W : [3, 3]`,
one-hot target class 1), and `softmax z`. -/
def crossEntropy : Graph where
  inputs := [⟨"x", [1, 3]⟩]
  params := [⟨"W", [3, 3]⟩]
  nodes := [
    ⟨.input 0, [], [1, 3]⟩,
    ⟨.param 0, [], [3, 3]⟩,
    ⟨.linear, [0, 1], [1, 3]⟩,
    ⟨.logSoftmax ⟨1⟩, [2], [1, 3]⟩,
    ⟨.const [0x00000000, 0x3F800000, 0x00000000], [], [1, 3]⟩,
    ⟨.mul, [3, 4], [1, 3]⟩,
    ⟨.reduceSum ⟨[0, 1], false⟩, [5], []⟩,
    ⟨.neg, [6], []⟩,
    ⟨.softmax ⟨1⟩, [2], [1, 3]⟩]
  outputs := [7, 8]

#guard supportedB crossEntropy.nodes
#guard adjointOk crossEntropy [dualT [1, 3] [1, -2, 3] [2, 1, -1]]
  [dualT [3, 3] [1, 0, 2, -1, 3, 1, 2, 2, -2] [1, 1, 0, -1, 2, 1, 0, 3, 1]]
  (cotangentOn 7 #[1] ++ cotangentOn 3 #[2, -1, 3] ++ cotangentOn 8 #[1, 2, 3])
-- over `Int` (`exp`, `log` are `0`, `1 / 0 = 0`): d logSoftmaxᵢ = żᵢ − ż[argmax]; with W = I,
-- z = x = [1, -2, 3], argmax 2: the cotangent [0, 1, 0] pulls back to [0, 1, -1]
#guard inputGrad (vjp crossEntropy [dualT [1, 3] [1, -2, 3] [0, 0, 0]]
  [dualT [3, 3] [1, 0, 0, 0, 1, 0, 0, 0, 1] [0, 0, 0, 0, 0, 0, 0, 0, 0]] (cotangentOn 3 #[0, 1, 0]))
  [dualT [1, 3] [1, -2, 3] [0, 0, 0]] 0 == #[0, 1, -1]

/-- `batchNorm` (ε = 1.0) and `layerNorm` over the last axis, on `x : [1, 2, 1, 2]`. -/
def norms : Graph where
  inputs := [⟨"x", [1, 2, 1, 2]⟩]
  params := [⟨"scale", [2]⟩, ⟨"bias", [2]⟩, ⟨"mean", [2]⟩, ⟨"var", [2]⟩]
  nodes := [
    ⟨.input 0, [], [1, 2, 1, 2]⟩,
    ⟨.param 0, [], [2]⟩,
    ⟨.param 1, [], [2]⟩,
    ⟨.param 2, [], [2]⟩,
    ⟨.param 3, [], [2]⟩,
    ⟨.batchNorm ⟨0x3F800000⟩, [0, 1, 2, 3, 4], [1, 2, 1, 2]⟩,
    ⟨.layerNorm ⟨0x3F800000, 3⟩, [0, 1, 2], [1, 2, 1, 2]⟩]
  outputs := [5, 6]

/-- Parameters of `norms` with tangents `t`. -/
def normPs (t : Int) : List (Tensor (Dual Int)) :=
  [dualT [2] [2, 3] [t, -t], dualT [2] [1, -1] [2 * t, t], dualT [2] [0, 1] [t, t],
   dualT [2] [3, 0] [-t, 2 * t]]

-- d/d bias of ⟨[1, 2, 3, 4], batchNorm⟩: per channel 1 + 2 = 3 and 3 + 4 = 7
#guard paramGrad (vjp norms [dualT [1, 2, 1, 2] [1, 2, 3, 4] [0, 0, 0, 0]] (normPs 0)
  (cotangentOn 5 #[1, 2, 3, 4])) (normPs 0) 1 == #[3, 7]
#guard adjointOk norms [dualT [1, 2, 1, 2] [1, 2, 3, 4] [1, -1, 2, 0]] (normPs 1)
  (cotangentOn 5 #[1, 2, 3, 4] ++ cotangentOn 6 #[2, -1, 1, 3])

/-! ### Elementwise rules and tie conventions -/

/-- `max(x, y)`, `min(x, y)`, `x·y - x`, `abs x`, `-y`, `relu y` on vectors of 4. -/
def pw : Graph where
  inputs := [⟨"x", [4]⟩, ⟨"y", [4]⟩]
  params := []
  nodes := [
    ⟨.input 0, [], [4]⟩,
    ⟨.input 1, [], [4]⟩,
    ⟨.max, [0, 1], [4]⟩,
    ⟨.min, [0, 1], [4]⟩,
    ⟨.mul, [0, 1], [4]⟩,
    ⟨.sub, [4, 0], [4]⟩,
    ⟨.abs, [0], [4]⟩,
    ⟨.neg, [1], [4]⟩,
    ⟨.relu, [1], [4]⟩,
    ⟨.floor, [1], [4]⟩]
  outputs := [2, 3, 5, 6, 7, 8, 9]

/-- `x = [1, 2, 0, -3]`, `y = [1, 5, 0, -4]` (ties at positions 0 and 2). -/
def pwIns (vx vy : List Int) : List (Tensor (Dual Int)) :=
  [dualT [4] [1, 2, 0, -3] vx, dualT [4] [1, 5, 0, -4] vy]

-- ties go to the second argument: d max = [dy0, dy1, dy2, dx3], d min = [dy0, dx1, dy2, dy3]
#guard jvp pw (pwIns [10, 20, 30, 40] [1, 2, 3, 4]) ==
  [#[1, 2, 3, 40], #[1, 20, 3, 4], #[1, 84, -30, -212],
   #[10, 20, 0, -40], #[-1, -2, -3, -4], #[1, 2, 0, 0], #[0, 0, 0, 0]]
#guard adjointOk pw (pwIns [1, -1, 2, 3] [2, 0, -1, 1])
  (cotangentOn 2 #[1, 2, 3, 4] ++ cotangentOn 3 #[-1, 1, 2, 1] ++ cotangentOn 5 #[1, 1, 1, 1] ++
   cotangentOn 6 #[2, 2, 2, 2] ++ cotangentOn 7 #[1, 0, 1, 0] ++ cotangentOn 8 #[3, 3, 3, 3] ++
   cotangentOn 9 #[5, 5, 5, 5])
-- gradient of Σ max(x, y) at the ties: x gets [0, 0, 0, 1], y gets [1, 1, 1, 0]
#guard inputGrad (vjp pw (pwIns [0, 0, 0, 0] [0, 0, 0, 0]) (cotangentOn 2 #[1, 1, 1, 1]))
  (pwIns [0, 0, 0, 0] [0, 0, 0, 0]) 0 == #[0, 0, 0, 1]
#guard inputGrad (vjp pw (pwIns [0, 0, 0, 0] [0, 0, 0, 0]) (cotangentOn 2 #[1, 1, 1, 1]))
  (pwIns [0, 0, 0, 0] [0, 0, 0, 0]) 1 == #[1, 1, 1, 0]
-- relu'(0) = 0, abs'(0) = 0
#guard inputGrad (vjp pw (pwIns [0, 0, 0, 0] [0, 0, 0, 0]) (cotangentOn 8 #[1, 1, 1, 1]))
  (pwIns [0, 0, 0, 0] [0, 0, 0, 0]) 1 == #[1, 1, 0, 0]
#guard inputGrad (vjp pw (pwIns [0, 0, 0, 0] [0, 0, 0, 0]) (cotangentOn 6 #[1, 1, 1, 1]))
  (pwIns [0, 0, 0, 0] [0, 0, 0, 0]) 0 == #[1, 1, 0, -1]

/-! ### Broadcasting and reuse of a value (fan-out) -/

/-- `(x + b) · (x + b)` with `x : [2, 2]`, `b : [2]` broadcast along rows. -/
def fanout : Graph where
  inputs := [⟨"x", [2, 2]⟩]
  params := [⟨"b", [2]⟩]
  nodes := [
    ⟨.input 0, [], [2, 2]⟩,
    ⟨.param 0, [], [2]⟩,
    ⟨.add, [0, 1], [2, 2]⟩,
    ⟨.mul, [2, 2], [2, 2]⟩]
  outputs := [3]

-- d/dx Σ (x+b)² = 2(x+b); d/db = column sums of 2(x+b)
#guard inputGrad (vjp fanout [dualT [2, 2] [1, 2, 3, 4] [0, 0, 0, 0]] [dualT [2] [10, 20] [0, 0]]
  (cotangentOn 3 #[1, 1, 1, 1])) [dualT [2, 2] [1, 2, 3, 4] [0, 0, 0, 0]] 0 == #[22, 44, 26, 48]
#guard paramGrad (vjp fanout [dualT [2, 2] [1, 2, 3, 4] [0, 0, 0, 0]] [dualT [2] [10, 20] [0, 0]]
  (cotangentOn 3 #[1, 1, 1, 1])) [dualT [2] [10, 20] [0, 0]] 0 == #[48, 92]
#guard adjointOk fanout [dualT [2, 2] [1, 2, 3, 4] [1, -1, 2, 0]] [dualT [2] [10, 20] [3, -2]]
  (cotangentOn 3 #[1, 2, -1, 3])

/-! ### `excluded` agrees with `excludedTags` on every op -/

/-- One op of every constructor (attributes at their defaults). -/
def everyOp : List OpKind :=
  [.input 0, .param 0, .const [], .add, .sub, .mul, .div, .max, .min, .neg, .abs, .relu, .sigmoid,
   .tanh, .exp, .log, .sqrt, .leakyRelu default, .clip default, .linear, .matmul, .conv2d default,
   .maxPool2d default, .avgPool2d default, .globalAvgPool, .batchNorm default, .layerNorm default,
   .softmax default, .logSoftmax default, .reshape default, .transpose default, .concat default,
   .slice default, .pad default, .reduceSum default, .reduceMean default, .reduceMax default,
   .convTranspose2d default, .resize default, .erf, .sin, .cos, .sign, .floor, .ceil, .round,
   .pow default, .«where», .embedding]

#guard everyOp.length == 49
#guard everyOp.all (fun op => excluded op == excludedTags.contains op.tag)
#guard everyOp.all (fun op => !excluded op)
#guard supportedB NN.Tests.reluLinear.nodes && supportedB NN.Tests.pooling.nodes

end NN.Tests.Autograd
