import NN.Tests.Graphs

/-!
# Tests: IR denotation and compiled evaluator on exact values

Every graph of `NN/Tests/Graphs.lean` is checked, then evaluated on exact `Int` values through
both `Graph.eval` (the IR denotation) and the compiled evaluator; both must give the outputs
written below (computed independently with NumPy).

## Main results

`#guard` checks only (they run when this module is elaborated, i.e. by `lake test`).

## Implementation notes

`#guard` uses Lean's evaluator, so these are tests, not proofs; the proof that the two paths
agree for all graphs is `NN.Proofs.execGraphOfIR_semantics_eq`.

Trust boundary: tests, not proofs.
-/

namespace NN.Tests

open NN NN.IR NN.Runtime

/-! ### Spec helpers -/

#guard Shape.size [2, 3, 4] == 24
#guard unravel [2, 3, 4] 17 == [1, 1, 1]
#guard ravel [2, 3, 4] [1, 1, 1] == 17
#guard broadcastShapes? [2, 1, 3] [4, 1] == some [2, 4, 3]
#guard broadcastShapes? [2, 3] [4] == none
#guard bitsToIntTrunc 0xC0700000 == -3
#guard bitsToIntTrunc 0x42C80000 == 100
#guard OpTag.all.length == 49

/-! ### `relu (W · x + b)` -/

/-- Inputs and parameters of the two dense graphs. -/
def denseIns : List (Tensor Int) := [tensorI [1, 3] [1, 2, 3]]
/-- The weight `[[1, 0, -1], [2, 1, 0]]`. -/
def denseW : Tensor Int := tensorI [2, 3] [1, 0, -1, 2, 1, 0]
/-- The bias `[1, -1]`. -/
def denseB : Tensor Int := tensorI [2] [1, -1]

#guard checks reluLinear
#guard runIR reluLinear denseIns [denseW, denseB] == [#[0, 3]]
#guard runExec reluLinear denseIns [denseW, denseB] == [#[0, 3]]
#guard checks reluMatmulConst
#guard runIR reluMatmulConst denseIns [denseW] == [#[0, 3]]
#guard runExec reluMatmulConst denseIns [denseW] == [#[0, 3]]

/-! ### Convolution -/

/-- The image `0 … 15` as `[1, 1, 4, 4]`. -/
def img16 : Tensor Int := tensorI [1, 1, 4, 4] ((List.range 16).map Int.ofNat)
/-- A 3×3 kernel. -/
def kernel3 : Tensor Int := tensorI [1, 1, 3, 3] [1, 0, -1, 2, 1, 0, 0, 1, 1]

#guard checks convPadStride
#guard runIR convPadStride [img16] [kernel3, tensorI [1] [10]] == [#[19, 27, 38, 65]]
#guard runExec convPadStride [img16] [kernel3, tensorI [1] [10]] == [#[19, 27, 38, 65]]

/-- The image `-5 … 12` as `[1, 2, 3, 3]`. -/
def img18 : Tensor Int := tensorI [1, 2, 3, 3] ((List.range 18).map (fun i => Int.ofNat i - 5))
/-- Two 2×2 kernels, one per group. -/
def kernelG : Tensor Int := tensorI [2, 1, 2, 2] [1, 2, 3, 4, -1, 0, 0, 1]

#guard checks convGroupsDilation
#guard runIR convGroupsDilation [img18] [kernelG] == [#[-6, -2, 8, 10, 7, 7]]
#guard runExec convGroupsDilation [img18] [kernelG] == [#[-6, -2, 8, 10, 7, 7]]

/-! ### Pooling -/

/-- A 4×4 image. -/
def imgP : Tensor Int := tensorI [1, 1, 4, 4] [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3]

#guard checks pooling
#guard runIR pooling [imgP] [] == [#[9, 6, 9, 9], #[4, 3, 6, 6], #[5]]
#guard runExec pooling [imgP] [] == [#[9, 6, 9, 9], #[4, 3, 6, 6], #[5]]

/-- A 3×3 image with negative entries. -/
def img9 : Tensor Int := tensorI [1, 1, 3, 3] [1, -2, 3, -4, 5, -6, 7, -8, 9]

#guard checks maxPoolPadded
#guard runIR maxPoolPadded [img9] [] == [#[1, 3, 7, 9]]
#guard runExec maxPoolPadded [img9] [] == [#[1, 3, 7, 9]]

/-! ### transpose → concat → slice → pad -/

/-- `[[1, 2, 3], [4, 5, 6]]`. -/
def mat23 : Tensor Int := tensorI [2, 3] [1, 2, 3, 4, 5, 6]

#guard checks structuralChain
#guard runIR structuralChain [mat23] [] ==
  [#[1, 4, 2, 5, 3, 6, 7, 8], #[7, 8, 2, 5], #[9, 7, 8, 9, 2, 5]]
#guard runExec structuralChain [mat23] [] ==
  [#[1, 4, 2, 5, 3, 6, 7, 8], #[7, 8, 2, 5], #[9, 7, 8, 9, 2, 5]]

/-! ### Reductions, broadcasting, batched matmul, reshape -/

/-- `[2, 2, 3]` values `-4 … 7`. -/
def batch223 : Tensor Int := tensorI [2, 2, 3] ((List.range 12).map (fun i => Int.ofNat i - 4))

#guard checks reductionsBroadcast
#guard runIR reductionsBroadcast [mat23, batch223] [] ==
  [#[6, 15], #[4, 5, 6], #[11, 22, 33, 14, 25, 36], #[-10, -7, 2, -1, 14, 5, 26, 11],
   #[1, 2, 3, 4, 5, 6], #[2, 5]]
#guard runExec reductionsBroadcast [mat23, batch223] [] ==
  [#[6, 15], #[4, 5, 6], #[11, 22, 33, 14, 25, 36], #[-10, -7, 2, -1, 14, 5, 26, 11],
   #[1, 2, 3, 4, 5, 6], #[2, 5]]

/-! ### The check rejects ill-formed graphs, and compilation then fails -/

#guard !checks badForward
#guard !checks badShape
#guard (runExec badShape [mat23] []).isEmpty

end NN.Tests
