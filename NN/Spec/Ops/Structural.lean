import NN.Spec.Ops.Elementwise

/-!
# Structural ops: `reshape`, `transpose`, `concat`, `slice`, `pad`, `resize`

Each is a pure gather: output element `i` copies one input element (or, for `pad`, the pad
value; for `resize`, a weighted combination of input elements) at offsets computed from shapes
and attributes.

## Main definitions

* `NN.Spec.reshape`: row-major data unchanged, new shape (`out[i] = x[i]`).
* `NN.Spec.transposePlan`, `NN.Spec.transpose`: `out[c] = x[c']` with `c'[perm[k]] = c[k]`.
* `NN.Spec.concatLocate`, `NN.Spec.concatPlan`, `NN.Spec.concat`: the operand and offset of
  each output element along `axis`.
* `NN.Spec.slicePlan`, `NN.Spec.slice`: `in[axes[p]] = starts[p] + c · steps[p]` (steps may be
  negative; starts/ends are already clamped by the importer).
* `NN.Spec.padPlan`, `NN.Spec.pad`: constant padding, `pads = [b₀ … b_{r−1}, e₀ … e_{r−1}]`.
* `NN.Spec.ResizeKey`, `NN.Spec.resizeKey`, `NN.Spec.resizePlan`, `NN.Spec.resizeRead`,
  `NN.Spec.resize`: resize by per-axis tables, applied axis by axis (axis 0 first); a nearest
  axis copies `t[index0[a][o]]`, a linear axis computes `w0·t[i0] + w1·t[i1]`.

## Main results

None; see `NN/Proofs/IRExec/Structural.lean`.

## Implementation notes

Index maps use `unravel`/`ravel` on the static shapes; the compiler tabulates them once.

`resize` applies its axes one after the other, each step producing a full intermediate tensor
(in the scalar type, so every step rounds in `Float32`). Its key is the evaluation tree of one
output element through those steps: processing axis `r−1` last means the value at output
coordinates `c` is a combination, along axis `r−1`, of values of the previous step at
coordinates `c` with axis `r−1` replaced by its input indices, and so on down to axis 0, where
the leaves are input offsets. A nearest axis adds no node (a copy), a linear axis a
`ResizeKey.lerp` node evaluated as `add (mul w0 a) (mul w1 b)` (two products and one sum, each
rounded; no fold from zero). The tree has `2^L` leaves for `L` linear axes.

Trust boundary: none beyond the op definitions.
-/

namespace NN.Spec

variable {α : Type}

/-- Copies `x[k]`. -/
def copyRead [ScalarRing α] (x : Array α) : Nat → α := fun k => valAt x k

/-- Reshape: the row-major data is unchanged; only the shape changes. -/
def reshape [ScalarRing α] (o : Shape) (x : Array α) : Array α := (idPlan o).eval (copyRead x)

/-- Input coordinates of output coordinates `oc` under `perm`: axis `a` reads `oc[k]` where
`perm[k] = a`. -/
def transposeCoords (perm : List Nat) (rank : Nat) (oc : List Nat) : List Nat :=
  (List.range rank).map (fun a => nth oc (indexOf a perm) 0)

/-- Keys of `transpose`: the input offset of each output element. -/
def transposePlan (perm : List Nat) (sx : Shape) (o : Shape) : Plan Nat :=
  ⟨Shape.size o, fun i => ravel sx (transposeCoords perm sx.length (unravel o i))⟩

/-- Transpose (axis permutation): output axis `k` is input axis `perm[k]`. -/
def transpose [ScalarRing α] (perm : List Nat) (sx : Shape) (o : Shape) (x : Array α) :
    Array α :=
  (transposePlan perm sx o).eval (copyRead x)

/-- Along `axis`, finds the operand holding concatenated coordinate `v`: returns its position
(counting from `k`), the coordinate inside it and its shape. -/
def concatLocate (axis : Nat) : List Shape → Nat → Nat → Nat × Nat × Shape
  | [], v, k => (k, v, [])
  | s :: ss, v, k =>
    let d := nth s axis 0
    if v < d then (k, v, s) else concatLocate axis ss (v - d) (k + 1)

/-- Keys of `concat`: (operand, offset in the operand) of each output element. -/
def concatPlan (axis : Nat) (ss : List Shape) (o : Shape) : Plan (Nat × Nat) :=
  ⟨Shape.size o, fun i =>
    let oc := unravel o i
    let loc := concatLocate axis ss (nth oc axis 0) 0
    (loc.1, ravel loc.2.2 (setNth oc axis loc.2.1))⟩

/-- Reads operand `p.1` at offset `p.2`. -/
def concatRead [ScalarRing α] (xs : List (Array α)) : Nat × Nat → α :=
  fun p => valAt (nth xs p.1 #[]) p.2

/-- Concatenation of the operands along `axis`. -/
def concat [ScalarRing α] (axis : Nat) (ss : List Shape) (o : Shape) (xs : List (Array α)) :
    Array α :=
  (concatPlan axis ss o).eval (concatRead xs)

/-- Input coordinates of a slice: axis `a = axes[p]` reads `starts[p] + c · steps[p]`, other axes
read `c`. -/
def sliceCoords (starts : List Int) (axes : List Nat) (steps : List Int) (rank : Nat)
    (oc : List Nat) : List Nat :=
  (List.range rank).map (fun a =>
    let c := nth oc a 0
    let p := indexOf a axes
    if p < axes.length then (nth starts p 0 + (c : Int) * nth steps p 1).toNat else c)

/-- Keys of `slice`: the input offset of each output element. -/
def slicePlan (starts : List Int) (axes : List Nat) (steps : List Int) (sx : Shape) (o : Shape) :
    Plan Nat :=
  ⟨Shape.size o, fun i => ravel sx (sliceCoords starts axes steps sx.length (unravel o i))⟩

/-- Strided slice (ONNX `Slice` with clamped starts/ends and non-zero steps). -/
def slice [ScalarRing α] (starts : List Int) (axes : List Nat) (steps : List Int) (sx : Shape)
    (o : Shape) (x : Array α) : Array α :=
  (slicePlan starts axes steps sx o).eval (copyRead x)

/-- Input coordinates of a padded output position, or `none` when it lies in the padding. -/
def padCoords (pads : List Nat) (sx : Shape) (oc : List Nat) : Option (List Nat) :=
  (List.range sx.length).foldr (fun (a : Nat) (acc : Option (List Nat)) =>
    match acc with
    | none => none
    | some cs =>
      let c := nth oc a 0
      let b := nth pads a 0
      if b ≤ c ∧ c - b < nth sx a 0 then some ((c - b) :: cs) else none) (some [])

/-- Keys of `pad`: the input offset, or `none` for padding. -/
def padPlan (pads : List Nat) (sx : Shape) (o : Shape) : Plan (Option Nat) :=
  ⟨Shape.size o, fun i =>
    match padCoords pads sx (unravel o i) with
    | some c => some (ravel sx c)
    | none => none⟩

/-- Reads `x` or yields the pad value. -/
def padRead [Scalar α] (value : UInt32) (x : Array α) : Option Nat → α
  | some j => valAt x j
  | none => Scalar.ofBits value

/-- Constant padding with the binary32 value `value`. -/
def pad [Scalar α] (pads : List Nat) (value : UInt32) (sx : Shape) (o : Shape) (x : Array α) :
    Array α :=
  (padPlan pads sx o).eval (padRead value x)

/-- The key of one resized element: an input offset, or a linear combination of two keys with
binary32 weights. -/
inductive ResizeKey where
  /-- Read the input at this offset. -/
  | leaf (offset : Nat)
  /-- `w0 · a + w1 · b` (weights as binary32 bits). -/
  | lerp (w0 w1 : UInt32) (a b : ResizeKey)

/-- The evaluation tree of the value, after the steps for axes `0 … k−1`, at coordinates `c`
(output coordinates on axes `< k`, input coordinates on the others). -/
def resizeKey (sx : Shape) (index0 index1 : List (List Nat))
    (weight0 weight1 : List (List UInt32)) : Nat → List Nat → ResizeKey
  | 0, c => .leaf (ravel sx c)
  | k + 1, c =>
    let o := nth c k 0
    let i1s := nth index1 k []
    let c0 := setNth c k (nth (nth index0 k []) o 0)
    if i1s.isEmpty then resizeKey sx index0 index1 weight0 weight1 k c0
    else
      .lerp (nth (nth weight0 k []) o 0) (nth (nth weight1 k []) o 0)
        (resizeKey sx index0 index1 weight0 weight1 k c0)
        (resizeKey sx index0 index1 weight0 weight1 k (setNth c k (nth i1s o 0)))

/-- Keys of `resize`: the evaluation tree of each output element through all `rank` steps. -/
def resizePlan (index0 index1 : List (List Nat)) (weight0 weight1 : List (List UInt32))
    (sx : Shape) (o : Shape) : Plan ResizeKey :=
  ⟨Shape.size o, fun i => resizeKey sx index0 index1 weight0 weight1 sx.length (unravel o i)⟩

/-- Evaluates a resize key: leaves read `x`, `lerp w0 w1 a b = add (mul w0 a) (mul w1 b)`. -/
def resizeRead [Scalar α] (x : Array α) : ResizeKey → α
  | .leaf j => valAt x j
  | .lerp w0 w1 a b =>
    ScalarRing.add (ScalarRing.mul (Scalar.ofBits w0) (resizeRead x a))
      (ScalarRing.mul (Scalar.ofBits w1) (resizeRead x b))

/-- Resize (ONNX `Resize`/`Upsample` with the modes resolved at import into per-axis tables). -/
def resize [Scalar α] (index0 index1 : List (List Nat)) (weight0 weight1 : List (List UInt32))
    (sx : Shape) (o : Shape) (x : Array α) : Array α :=
  (resizePlan index0 index1 weight0 weight1 sx o).eval (resizeRead x)

end NN.Spec
