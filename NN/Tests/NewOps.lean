import NN.Tests.Graphs

/-!
# Tests: the ops added for issue 10

Small exact `Int` graphs for `convTranspose2d` (strides, pads, output padding, dilations,
groups, with and without bias), `resize` (a nearest table and a linear table), `where` (a
broadcast constant mask), `sign`, `floor`, `ceil`, `round`, `pow` and `embedding`, each checked
by `Graph.check` and evaluated through both the IR denotation (`runIR`) and the compiled
evaluator (`runExec`); both must give the values written below, which were computed by the
Python evaluator `tlean.evaluate` (binary32 NumPy arithmetic) on the same graphs built with
`tlean.ir` — every value there is an exact integer, so binary32 and `Int` agree. Then the
check's rejections (mirroring `tlean.ir.check`, which rejects the same graphs), the scalar
helpers, and `Float32` checks of the new scalar fields (`float32NewOpsOk`, run by the test
executable because `Float32` arithmetic is C code).

## Main definitions

* The test graphs `convTGroups`, `convTStride3`, `resizeTables`, `whereMask`, `unaryIssue10`,
  `embeddings` and the ill-formed `badWhereInput`, `badWhereMask`, `badConvTPadding`,
  `badResizeIndex`, `badEmbeddingTable`.
* `NN.Tests.float32NewOpsOk`: the `Float32` checks.

## Main results

`#guard` checks only (they run when this module is elaborated, i.e. by `lake test`).

## Implementation notes

`Int` is exact for these graphs: `floor`, `ceil`, `round` are the identity on integers, `pow`
uses non-negative integer exponents, and the linear `resize` table has integer weights (`Int`'s
`ofBits` truncates, so fractional weights would not be meaningful). `erf`, `sin`, `cos` are
placeholders for `Int` and are tested with `Float32` only.

Trust boundary: tests, not proofs.
-/

namespace NN.Tests

open NN NN.IR NN.Runtime

/-- `convTranspose2d` with strides `[2, 2]`, pads `[1, 0, 0, 1]`, output padding `[1, 1]`,
dilations `[1, 2]`, 2 groups and a bias. -/
def convTGroups : Graph where
  inputs := [⟨"x", [1, 2, 2, 2]⟩]
  params := [⟨"W", [2, 2, 2, 3]⟩, ⟨"b", [4]⟩]
  nodes := [
    ⟨.input 0, [], [1, 2, 2, 2]⟩,
    ⟨.param 0, [], [2, 2, 2, 3]⟩,
    ⟨.param 1, [], [4]⟩,
    ⟨.convTranspose2d ⟨[2, 2], [1, 0, 0, 1], [1, 1], [1, 2], 2⟩, [0, 1, 2], [1, 4, 4, 7]⟩]
  outputs := [3]

/-- `convTranspose2d` with strides `[3, 1]`, pads `[1, 0, 1, 1]`, output padding `[2, 0]`, no
bias. -/
def convTStride3 : Graph where
  inputs := [⟨"x", [1, 1, 2, 2]⟩]
  params := [⟨"W", [1, 2, 2, 2]⟩]
  nodes := [
    ⟨.input 0, [], [1, 1, 2, 2]⟩,
    ⟨.param 0, [], [1, 2, 2, 2]⟩,
    ⟨.convTranspose2d ⟨[3, 1], [1, 0, 1, 1], [2, 0], [1, 1], 1⟩, [0, 1], [1, 2, 5, 2]⟩]
  outputs := [2]

/-- `resize` with a nearest table (`[1, 1, 2, 3] → [1, 1, 4, 6]`) and a linear table with integer
weights (`→ [1, 1, 3, 4]`). -/
def resizeTables : Graph where
  inputs := [⟨"x", [1, 1, 2, 3]⟩]
  params := []
  nodes := [
    ⟨.input 0, [], [1, 1, 2, 3]⟩,
    ⟨.resize ⟨[[0], [0], [0, 0, 1, 1], [0, 1, 1, 2, 2, 2]], [[], [], [], []],
      [[], [], [], []],
      [[], [], [], []]⟩, [0], [1, 1, 4, 6]⟩,
    ⟨.resize ⟨[[0], [0], [0, 0, 1], [0, 1, 2, 2]], [[], [], [0, 1, 1], [1, 2, 0, 2]],
      [[], [], [0x3F800000, 0x40000000, 0x00000000],
        [0x40000000, 0x3F800000, 0x3F800000, 0x40400000]],
      [[], [], [0x00000000, 0xBF800000, 0x3F800000],
        [0x3F800000, 0x3F800000, 0xC0000000, 0x00000000]]⟩, [0], [1, 1, 3, 4]⟩]
  outputs := [1, 2]

/-- `where` with the constant mask `[[1, 0, 1]]` broadcast against `x : [2, 1]` and
`y : [2, 3]`. -/
def whereMask : Graph where
  inputs := [⟨"x", [2, 1]⟩, ⟨"y", [2, 3]⟩]
  params := []
  nodes := [
    ⟨.const [0x3F800000, 0x00000000, 0x3F800000], [], [1, 3]⟩,
    ⟨.input 0, [], [2, 1]⟩,
    ⟨.input 1, [], [2, 3]⟩,
    ⟨.«where», [0, 1, 2], [2, 3]⟩]
  outputs := [3]

/-- `sign`, `floor`, `ceil`, `round` and `pow` with exponents `3`, `2`, `0` on integers. -/
def unaryIssue10 : Graph where
  inputs := [⟨"x", [7]⟩]
  params := []
  nodes := [
    ⟨.input 0, [], [7]⟩,
    ⟨.sign, [0], [7]⟩,
    ⟨.floor, [0], [7]⟩,
    ⟨.ceil, [0], [7]⟩,
    ⟨.round, [0], [7]⟩,
    ⟨.pow ⟨0x40400000⟩, [0], [7]⟩,
    ⟨.pow ⟨0x40000000⟩, [0], [7]⟩,
    ⟨.pow ⟨0x00000000⟩, [0], [7]⟩]
  outputs := [1, 2, 3, 4, 5, 6, 7]

/-- `embedding` of ids `[[3, 0], [1, 3]]` in a `[4, 3]` table and of ids `[2, 0]` in a
`[3, 2, 2]` table. -/
def embeddings : Graph where
  inputs := [⟨"ids", [2, 2]⟩, ⟨"ids2", [2]⟩]
  params := [⟨"T1", [4, 3]⟩, ⟨"T2", [3, 2, 2]⟩]
  nodes := [
    ⟨.param 0, [], [4, 3]⟩,
    ⟨.input 0, [], [2, 2]⟩,
    ⟨.embedding, [0, 1], [2, 2, 3]⟩,
    ⟨.param 1, [], [3, 2, 2]⟩,
    ⟨.input 1, [], [2]⟩,
    ⟨.embedding, [3, 4], [2, 2, 2]⟩]
  outputs := [2, 5]

/-! ### `convTGroups` -/

/-- Inputs of `convTGroups`. -/
def convTGroupsIns : List (Tensor Int) := [tensorI [1, 2, 2, 2] [-3, -2, -1, 0, 1, 2, 3, 4]]
/-- Parameters of `convTGroups`. -/
def convTGroupsPs : List (Tensor Int) := [tensorI [2, 2, 2, 3] [-2, -1, 0, 1, 2, -2, -1, 0, 1, 2,
    -2, -1, 0, 1, 2, -2, -1, 0, 1, 2, -2, -1, 0, 1], tensorI [4] [1, -2, 3, 0]]
/-- The outputs of `convTGroups` computed by `tlean.evaluate` (binary32; all exact
integers). -/
def convTGroupsExpected : List (Array Int) :=
  [#[-2, 1, -7, 1, 3, 1, 5, 3, 1, 2, 1, 1, 1, 1, 0, 1, -1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, -8,
    -2, 0, -2, 5, -2, 0, -1, -2, -2, -2, -3, -2, -2, -4, -2, 0, -2, -1, -2, -2, -2, -2, -2, -2,
    -2, -2, -2, 1, 3, -2, 3, 1, 3, 3, 3, 3, 6, 3, 13, 3, 11, -3, 3, -8, 3, -1, 3, 3, 3, 3, 3, 3,
    3, 3, 3, -1, 0, -2, 0, 1, 0, 2, 3, 0, 10, 0, 2, 0, -8, -3, 0, -4, 0, 3, 0, 4, 0, 0, 0, 0, 0,
    0, 0]]

#guard checks convTGroups
#guard runIR convTGroups convTGroupsIns convTGroupsPs == convTGroupsExpected
#guard runExec convTGroups convTGroupsIns convTGroupsPs == convTGroupsExpected

/-! ### `convTStride3` -/

/-- Inputs of `convTStride3`. -/
def convTStride3Ins : List (Tensor Int) := [tensorI [1, 1, 2, 2] [1, -2, 3, 4]]
/-- Parameters of `convTStride3`. -/
def convTStride3Ps : List (Tensor Int) := [tensorI [1, 2, 2, 2] [1, 2, 0, -1, 2, 0, 1, 1]]
/-- The outputs of `convTStride3` computed by `tlean.evaluate` (binary32; all exact
integers). -/
def convTStride3Expected : List (Array Int) :=
  [#[0, -1, 0, 0, 3, 10, 0, -3, 0, 0, 1, -1, 0, 0, 6, 8, 3, 7, 0, 0]]

#guard checks convTStride3
#guard runIR convTStride3 convTStride3Ins convTStride3Ps == convTStride3Expected
#guard runExec convTStride3 convTStride3Ins convTStride3Ps == convTStride3Expected

/-! ### `resizeTables` -/

/-- Inputs of `resizeTables`. -/
def resizeTablesIns : List (Tensor Int) := [tensorI [1, 1, 2, 3] [1, -2, 3, 4, 0, -5]]
/-- Parameters of `resizeTables`. -/
def resizeTablesPs : List (Tensor Int) := []
/-- The outputs of `resizeTables` computed by `tlean.evaluate` (binary32; all exact
integers). -/
def resizeTablesExpected : List (Array Int) :=
  [#[1, -2, -2, 3, 3, 3, 1, -2, -2, 3, 3, 3, 4, 0, 0, -5, -5, -5, 4, 0, 0, -5, -5, -5], #[0, 1,
    1, 9, -8, 7, 15, 33, 8, -5, -13, -15]]

#guard checks resizeTables
#guard runIR resizeTables resizeTablesIns resizeTablesPs == resizeTablesExpected
#guard runExec resizeTables resizeTablesIns resizeTablesPs == resizeTablesExpected

/-! ### `whereMask` -/

/-- Inputs of `whereMask`. -/
def whereMaskIns : List (Tensor Int) := [tensorI [2, 1] [7, -8], tensorI [2, 3] [1, 2, 3, 4, 5, 6]]
/-- Parameters of `whereMask`. -/
def whereMaskPs : List (Tensor Int) := []
/-- The outputs of `whereMask` computed by `tlean.evaluate` (binary32; all exact
integers). -/
def whereMaskExpected : List (Array Int) :=
  [#[7, 2, 7, -8, 5, -8]]

#guard checks whereMask
#guard runIR whereMask whereMaskIns whereMaskPs == whereMaskExpected
#guard runExec whereMask whereMaskIns whereMaskPs == whereMaskExpected

/-! ### `unaryIssue10` -/

/-- Inputs of `unaryIssue10`. -/
def unaryIssue10Ins : List (Tensor Int) := [tensorI [7] [-3, -1, 0, 2, 5, -7, 4]]
/-- Parameters of `unaryIssue10`. -/
def unaryIssue10Ps : List (Tensor Int) := []
/-- The outputs of `unaryIssue10` computed by `tlean.evaluate` (binary32; all exact
integers). -/
def unaryIssue10Expected : List (Array Int) :=
  [#[-1, -1, 0, 1, 1, -1, 1], #[-3, -1, 0, 2, 5, -7, 4], #[-3, -1, 0, 2, 5, -7, 4], #[-3, -1, 0,
    2, 5, -7, 4], #[-27, -1, 0, 8, 125, -343, 64], #[9, 1, 0, 4, 25, 49, 16], #[1, 1, 1, 1, 1, 1,
    1]]

#guard checks unaryIssue10
#guard runIR unaryIssue10 unaryIssue10Ins unaryIssue10Ps == unaryIssue10Expected
#guard runExec unaryIssue10 unaryIssue10Ins unaryIssue10Ps == unaryIssue10Expected

/-! ### `embeddings` -/

/-- Inputs of `embeddings`. -/
def embeddingsIns : List (Tensor Int) := [tensorI [2, 2] [3, 0, 1, 3], tensorI [2] [2, 0]]
/-- Parameters of `embeddings`. -/
def embeddingsPs : List (Tensor Int) := [tensorI [4, 3] [-5, -3, -1, 1, 3, 5, 7, 9, 11, 13, 15,
    17], tensorI [3, 2, 2] [-6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5]]
/-- The outputs of `embeddings` computed by `tlean.evaluate` (binary32; all exact
integers). -/
def embeddingsExpected : List (Array Int) :=
  [#[13, 15, 17, -5, -3, -1, 1, 3, 5, 13, 15, 17], #[2, 3, 4, 5, -6, -5, -4, -3]]

#guard checks embeddings
#guard runIR embeddings embeddingsIns embeddingsPs == embeddingsExpected
#guard runExec embeddings embeddingsIns embeddingsPs == embeddingsExpected

/-! ### Out-of-range token ids read as NaN rows (`0` for `Int`: `ofBits` of NaN) -/

#guard runIR embeddings [tensorI [2, 2] [4, -1, 2, 2], tensorI [2] [3, 1]] embeddingsPs ==
  [#[0, 0, 0, 0, 0, 0, 7, 9, 11, 7, 9, 11], #[0, 0, 0, 0, -2, -1, 0, 1]]
#guard runExec embeddings [tensorI [2, 2] [4, -1, 2, 2], tensorI [2] [3, 1]] embeddingsPs ==
  [#[0, 0, 0, 0, 0, 0, 7, 9, 11, 7, 9, 11], #[0, 0, 0, 0, -2, -1, 0, 1]]
#guard Spec.tokenRow 4 (3 : Int) == some 3
#guard Spec.tokenRow 4 (0 : Int) == some 0
#guard Spec.tokenRow 4 (4 : Int) == none
#guard Spec.tokenRow 4 (-1 : Int) == none
#guard (List.range 9).all (fun v => Spec.tokenRow 9 (Int.ofNat v) == some v)

/-! ### Scalar helpers on `Int` -/

#guard NN.sign (-5 : Int) == -1 && NN.sign (0 : Int) == 0 && NN.sign (7 : Int) == 1
#guard NN.relu (-5 : Int) == 0 && NN.relu (4 : Int) == 4
#guard ScalarRing.max (2 : Int) 5 == 5 && ScalarRing.min (2 : Int) 5 == 2
#guard Scalar.pow (-2 : Int) 3 == -8 && Scalar.pow (3 : Int) (-1) == 0

/-! ### The check rejects what `tlean.ir.check` rejects -/

/-- `where` whose condition is a graph input (data-dependent). -/
def badWhereInput : Graph where
  inputs := [⟨"x", [3]⟩]
  params := []
  nodes := [⟨.input 0, [], [3]⟩, ⟨.«where», [0, 0, 0], [3]⟩]
  outputs := [1]

/-- `where` whose constant condition holds `2.0`. -/
def badWhereMask : Graph where
  inputs := [⟨"x", [3]⟩]
  params := []
  nodes := [
    ⟨.const [0x40000000, 0x00000000, 0x00000000], [], [3]⟩,
    ⟨.input 0, [], [3]⟩,
    ⟨.«where», [0, 1, 1], [3]⟩]
  outputs := [2]

/-- `convTranspose2d` whose output padding is not smaller than its stride and dilation. -/
def badConvTPadding : Graph where
  inputs := [⟨"x", [1, 1, 2, 2]⟩]
  params := [⟨"W", [1, 1, 2, 2]⟩]
  nodes := [
    ⟨.input 0, [], [1, 1, 2, 2]⟩,
    ⟨.param 0, [], [1, 1, 2, 2]⟩,
    ⟨.convTranspose2d ⟨[1, 1], [0, 0, 0, 0], [1, 0], [1, 1], 1⟩, [0, 1], [1, 1, 4, 3]⟩]
  outputs := [2]

/-- `resize` with an index out of range. -/
def badResizeIndex : Graph where
  inputs := [⟨"x", [1, 3]⟩]
  params := []
  nodes := [
    ⟨.input 0, [], [1, 3]⟩,
    ⟨.resize ⟨[[0], [0, 3]], [[], []], [[], []], [[], []]⟩, [0], [1, 2]⟩]
  outputs := [1]

/-- `embedding` with a table of no rows. -/
def badEmbeddingTable : Graph where
  inputs := [⟨"i", [2]⟩]
  params := [⟨"t", [0, 3]⟩]
  nodes := [⟨.param 0, [], [0, 3]⟩, ⟨.input 0, [], [2]⟩, ⟨.embedding, [0, 1], [2, 3]⟩]
  outputs := [2]

#guard !checks badWhereInput
#guard !checks badWhereMask
#guard !checks badConvTPadding
#guard !checks badResizeIndex
#guard !checks badEmbeddingTable
#guard (runExec badWhereMask [tensorI [3] [1, 2, 3]] []).isEmpty

/-! ### `Float32` -/

/-- `erf`, `sin`, `cos`, `floor`, `ceil`, `round`, `sign` and `pow` (exponent `0.5`) of a
`[7]` input, for the `Float32` comparison of the two evaluation paths. -/
def floatUnaryGraph : Graph where
  inputs := [⟨"x", [7]⟩]
  params := []
  nodes := [
    ⟨.input 0, [], [7]⟩,
    ⟨.erf, [0], [7]⟩,
    ⟨.sin, [0], [7]⟩,
    ⟨.cos, [0], [7]⟩,
    ⟨.floor, [0], [7]⟩,
    ⟨.ceil, [0], [7]⟩,
    ⟨.round, [0], [7]⟩,
    ⟨.sign, [0], [7]⟩,
    ⟨.pow ⟨0x3F000000⟩, [0], [7]⟩]
  outputs := [1, 2, 3, 4, 5, 6, 7, 8]

/-- Bit patterns of `Float32` values. -/
def bitsOfF32 (l : List Float32) : List UInt32 := l.map Float32.toBits

/-- `|a - b| ≤ tol` in `Float32`. -/
def nearF32 (a b tol : Float32) : Bool := decide (Float32.abs (Float32.sub a b) ≤ tol)

/-- The `Float32` checks of the new scalar fields and ops (run by the test executable):
round half to even (`0.5, -0.5, 1.5, 2.5, -2.5, 3.7, -0.3 ↦ +0, -0, 2, 2, -2, 4, -0`, as
`np.round`); `max`/`min` ties return the second argument (`np.maximum(-0., 0.) = 0.`,
`np.minimum(0., -0.) = -0.`) and NaN propagates from either side; `relu (-0) = +0`;
`sign (-0) = -0`, `sign NaN` is NaN; `erf` within `4e-7` of the correctly rounded
`erf 0.5, erf 2, erf (-1), erf 5` (from Python's `math.erf`); and the `floatUnaryGraph` gives
the same bits through `runIR` and `runExec`. -/
def float32NewOpsOk : Bool :=
  let f := Float32.ofBits
  let one := f 0x3F800000
  let qnan := f 0x7FC00000
  let rounded := bitsOfF32 (([0x3F000000, 0xBF000000, 0x3FC00000, 0x40200000, 0xC0200000,
    0x406CCCCD, 0xBE99999A] : List UInt32).map (fun b => f32RoundHalfEven (f b)))
  let roundOk := rounded == ([0x00000000, 0x80000000, 0x40000000, 0x40000000, 0xC0000000,
    0x40800000, 0x80000000] : List UInt32)
  let tieOk := (f32Max (f 0x80000000) (f 0)).toBits == 0x00000000 &&
    (f32Max (f 0) (f 0x80000000)).toBits == 0x80000000 &&
    (f32Min (f 0) (f 0x80000000)).toBits == 0x80000000
  let nanOk := (f32Max qnan one).isNaN && (f32Max one qnan).isNaN &&
    (f32Min qnan one).isNaN && (f32Min one qnan).isNaN
  let reluOk := (NN.relu (f 0x80000000)).toBits == 0x00000000
  let signOk := (NN.sign (f 0x80000000)).toBits == 0x80000000 && (NN.sign qnan).isNaN &&
    (NN.sign (f 0xC0400000)).toBits == 0xBF800000
  let tol := f 0x34D6BF95
  let erfOk := nearF32 (f32Erf (f 0x3F000000)) (f 0x3F053F7B) tol &&
    nearF32 (f32Erf (f 0x40000000)) (f 0x3F7ECD71) tol &&
    nearF32 (f32Erf (f 0xBF800000)) (f 0xBF57BB3D) tol &&
    (f32Erf (f 0x40A00000)).toBits == 0x3F800000 &&
    (f32Erf (f 0x80000000)).toBits == 0x80000000 && (f32Erf qnan).isNaN
  let ins : List (Tensor Float32) := [⟨[7], #[f 0xC0200000, f 0xBF000000, f 0x80000000, f 0,
    f 0x3F000000, f 0x3FC00000, f 0x40490FDB]⟩]
  let viaIR := (runIR floatUnaryGraph ins []).map (fun a => bitsOfF32 a.toList)
  let viaExec := (runExec floatUnaryGraph ins []).map (fun a => bitsOfF32 a.toList)
  roundOk && tieOk && nanOk && reluOk && signOk && erfOk && viaIR == viaExec &&
    viaIR.length == 8 && checks floatUnaryGraph

end NN.Tests
