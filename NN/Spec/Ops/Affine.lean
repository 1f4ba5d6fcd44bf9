import NN.Spec.Tensor

/-!
# Affine ops: `linear`, `matmul` and `embedding`

## Main definitions

* `NN.Spec.sumPairs`: `Σ a[p.1] * b[p.2]` over a list of offset pairs, left to right from 0.
* `NN.Spec.dotRead`: a sum of products plus an optional bias element.
* `NN.Spec.linearPlan`, `NN.Spec.linear`: `y = x · Wᵀ + b` with `x : [..., in]`,
  `W : [out, in]`, `b : [out]` (PyTorch's convention).
* `NN.Spec.matmulPlan`, `NN.Spec.matmul`: NumPy batched matmul (rank ≥ 2, batch dims broadcast).
* `NN.Spec.tokenSearch`, `NN.Spec.tokenRow`: the row number a scalar token id denotes.
* `NN.Spec.embedPlan`, `NN.Spec.embedRead`, `NN.Spec.embedding`: row lookup
  `out[s, d] = table[idx[s], d]` (NaN for an id that is not a row number).

## Main results

None; see `NN/Proofs/IRExec/Affine.lean`.

## Implementation notes

Each output element's key is the list of (left offset, right offset) pairs of its dot product and
the optional bias offset; the order of summation is the order of the contraction index.

`embedding` is the one data-dependent gather: its keys (the index position `s` and the offset
`d` inside a row) are static, but the row read depends on the value `idx[s]`. The reader finds
it by a binary search over `[0, V)` with `lt` against `fromNat v`; `v` is accepted when
`¬ lt x v`, `¬ lt v x` and `lt x (v + 1)` (the last test rejects NaN, which compares false with
everything). When `fromNat` is strictly increasing on `[0, V]` (`Int`; `Float32` and binary32
for `V ≤ 2^24`) this is the unique `v < V` equal to `x`, i.e. the contract's "smallest `v` with
`idx[s] = v`"; any other id (fractional, negative, `≥ V`, infinite, NaN) reads as NaN
(`ofBits 0x7FC00000`; `0` for `Int`).

Trust boundary: with `Float32` the result depends on this summation order, which is part of the
specification; no claim is made about other orders. Token ids travel as scalars (binary32
values of the ids; exact below `2^24`).
-/

namespace NN.Spec

variable {α : Type}

/-- `Σ a[p.1] * b[p.2]` over `ps`, summed left to right starting from zero. -/
def sumPairs [ScalarRing α] (a b : Array α) (ps : List (Nat × Nat)) : α :=
  ps.foldl (fun acc p => ScalarRing.add acc (ScalarRing.mul (valAt a p.1) (valAt b p.2)))
    ScalarRing.zero

/-- The bias element `b[j]`, or zero when there is no bias. -/
def biasAt [ScalarRing α] (b : Array α) : Option Nat → α
  | some j => valAt b j
  | none => ScalarRing.zero

/-- A dot product plus an optional bias: `sumPairs x w k.1 + bias`. -/
def dotRead [ScalarRing α] (x w b : Array α) : List (Nat × Nat) × Option Nat → α :=
  fun k => ScalarRing.add (sumPairs x w k.1) (biasAt b k.2)

/-- Keys of `linear`: output `i = r * out + j` pairs `x[r, k]` with `W[j, k]`; bias `b[j]`. -/
def linearPlan (sw : Shape) (hasBias : Bool) (o : Shape) : Plan (List (Nat × Nat) × Option Nat) :=
  let nOut := nth sw 0 0
  let nIn := nth sw 1 0
  ⟨Shape.size o, fun i =>
    let r := i / nOut
    let j := i % nOut
    ((List.range nIn).map (fun k => (r * nIn + k, j * nIn + k)), if hasBias then some j else none)⟩

/-- `linear x W b = x · Wᵀ + b` (`b` optional: `hasBias = false` means no bias). -/
def linear [ScalarRing α] (sw : Shape) (hasBias : Bool) (o : Shape) (x w b : Array α) :
    Array α :=
  (linearPlan sw hasBias o).eval (dotRead x w b)

/-- Keys of `matmul`: result `[..batch, r, c]` pairs `a[batchA, r, t]` with `b[batchB, t, c]`. -/
def matmulPlan (sa sb o : Shape) : Plan (List (Nat × Nat) × Option Nat) :=
  let ra := sa.length
  let rb := sb.length
  let ro := o.length
  let kk := nth sa (ra - 1) 0
  let saB := sa.take (ra - 2)
  let sbB := sb.take (rb - 2)
  ⟨Shape.size o, fun i =>
    let oc := unravel o i
    let batch := oc.take (ro - 2)
    let row := nth oc (ro - 2) 0
    let col := nth oc (ro - 1) 0
    let ab := alignTail saB batch
    let bb := alignTail sbB batch
    ((List.range kk).map (fun t => (ravel sa (ab ++ [row, t]), ravel sb (bb ++ [t, col]))), none)⟩

/-- NumPy batched matrix product of `a : [..., n, k]` and `b : [..., k, m]`. -/
def matmul [ScalarRing α] (sa sb o : Shape) (a b : Array α) : Array α :=
  (matmulPlan sa sb o).eval (dotRead a b #[])

/-- Binary search for the natural number `x` denotes in `[lo, hi)`, with at most `fuel` steps:
`some v` when `¬ lt x v`, `¬ lt v x` and `lt x (v + 1)` (so never for NaN), else `none`. -/
def tokenSearch [ScalarRing α] (x : α) : Nat → Nat → Nat → Option Nat
  | 0, _, _ => none
  | fuel + 1, lo, hi =>
    if lo < hi then
      let mid := (lo + hi) / 2
      if ScalarRing.lt x (ScalarRing.fromNat mid) then tokenSearch x fuel lo mid
      else if ScalarRing.lt (ScalarRing.fromNat mid) x then tokenSearch x fuel (mid + 1) hi
      else if ScalarRing.lt x (ScalarRing.fromNat (mid + 1)) then some mid
      else none
    else none

/-- The row `v < rows` denoted by the token id `x`, if any (binary search with `rows + 1` steps
of fuel, more than the `log₂ rows + 1` it needs). -/
def tokenRow [ScalarRing α] (rows : Nat) (x : α) : Option Nat := tokenSearch x (rows + 1) 0 rows

/-- Keys of `embedding`: output `i = s * rowSize + d` reads index `s` and row offset `d`, where
`rowSize` is the size of one table row (`table.shape` without its first axis). -/
def embedPlan (st : Shape) (o : Shape) : Plan (Nat × Nat) :=
  let rowSize := Shape.size (st.drop 1)
  ⟨Shape.size o, fun i => (i / rowSize, i % rowSize)⟩

/-- Reads `table[v, d]` for `v` the row denoted by `idx[s]`, or NaN when there is none. -/
def embedRead [Scalar α] (rows rowSize : Nat) (table idx : Array α) : Nat × Nat → α :=
  fun k =>
    match tokenRow rows (valAt idx k.1) with
    | some v => valAt table (v * rowSize + k.2)
    | none => Scalar.ofBits 0x7FC00000

/-- Row lookup (ONNX `Gather` on axis 0 with runtime indices): `table : [V, D…]`, `idx : S`,
output `S ++ [D…]`. -/
def embedding [Scalar α] (st : Shape) (o : Shape) (table idx : Array α) : Array α :=
  (embedPlan st o).eval (embedRead (nth st 0 0) (Shape.size (st.drop 1)) table idx)

end NN.Spec
