import NN.Spec.Tensor

/-!
# Affine ops: `linear` and `matmul`

## Main definitions

* `NN.Spec.sumPairs`: `Σ a[p.1] * b[p.2]` over a list of offset pairs, left to right from 0.
* `NN.Spec.dotRead`: a sum of products plus an optional bias element.
* `NN.Spec.linearPlan`, `NN.Spec.linear`: `y = x · Wᵀ + b` with `x : [..., in]`,
  `W : [out, in]`, `b : [out]` (PyTorch's convention).
* `NN.Spec.matmulPlan`, `NN.Spec.matmul`: NumPy batched matmul (rank ≥ 2, batch dims broadcast).

## Main results

None; see `NN/Proofs/IRExec/Affine.lean`.

## Implementation notes

Each output element's key is the list of (left offset, right offset) pairs of its dot product and
the optional bias offset; the order of summation is the order of the contraction index.

Trust boundary: with `Float32` the result depends on this summation order, which is part of the
specification; no claim is made about other orders.
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

end NN.Spec
