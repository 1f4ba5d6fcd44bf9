import NN.Spec.Ops.Affine

/-!
# Convolution: `conv2d` and `convTranspose2d`

NCHW 2-D convolution (cross-correlation, as in ONNX and PyTorch) with strides, pads
`(top, left, bottom, right)`, dilations and groups, and an optional bias; and its transpose
(ONNX `ConvTranspose`, PyTorch `ConvTranspose2d`) with the same attributes plus an output
padding (which only enlarges the output shape; see `NN/IR/Rules.lean`).

## Main definitions

* `NN.Spec.convTaps`: the valid (kernel position, input coordinate) pairs along one axis.
* `NN.Spec.convPlan`, `NN.Spec.conv2d`:
  `y[n, m, oh, ow] = b[m] + Σ_{c < C/g, ky, kx in bounds} x[n, g(m)·C/g + c, ih, iw] · W[m, c, ky, kx]`
  with `ih = oh·sh + ky·dh − top`, `iw = ow·sw + kx·dw − left`, `g(m) = m / (M / groups)`.
* `NN.Spec.convTTaps`: the (kernel position, input coordinate) pairs of a transposed
  convolution along one axis.
* `NN.Spec.convTransposePlan`, `NN.Spec.convTranspose2d`: with `Cg = C/groups`,
  `Mg = W.shape[1]`, `gi = m / Mg`, `mo = m % Mg`, `ci = gi·Cg + c`,
  `y[n, m, oy, ox] = b[m] + Σ_{c < Cg, ky, kx present} x[n, ci, iy, ix] · W[ci, mo, ky, kx]`
  where `ty = oy + top − ky·dh` must satisfy `ty ≥ 0`, `sh ∣ ty`, `iy = ty / sh < H` (and
  likewise along the width) for the term to be present.

## Main results

None; see `NN/Proofs/IRExec/Convolution.lean`.

## Implementation notes

Zero padding is expressed by leaving out-of-bounds taps out of the sum, which is the same as
multiplying by a padded zero. The summation order is `c`, then `ky`, then `kx` (innermost), for
both ops (the transposed one as in the contract `docs/operators.md`). A transposed-convolution
output with no tap (e.g. in the output padding) is `0 + b[m]`.

Trust boundary: as for `linear`, the summation order is part of the specification.
-/

namespace NN.Spec

variable {α : Type}

/-- Valid `(kernel position, input coordinate)` pairs along one axis for output coordinate `o`:
positions `t < k` with `o * s + t * d - p` inside `[0, size)`. -/
def convTaps (o k s d p size : Nat) : List (Nat × Nat) :=
  (List.range k).filterMap (fun t =>
    let hh := o * s + t * d
    if p ≤ hh ∧ hh - p < size then some (t, hh - p) else none)

/-- Keys of `conv2d`: the (input offset, weight offset) pairs of each output and its bias. -/
def convPlan (sx sw : Shape) (strides pads dilations : List Nat) (groups : Nat) (hasBias : Bool)
    (o : Shape) : Plan (List (Nat × Nat) × Option Nat) :=
  let h := nth sx 2 0
  let w := nth sx 3 0
  let mOut := nth sw 0 0
  let cg := nth sw 1 0
  let kh := nth sw 2 0
  let kw := nth sw 3 0
  let mPerG := mOut / groups
  ⟨Shape.size o, fun i =>
    let oc := unravel o i
    let n := nth oc 0 0
    let m := nth oc 1 0
    let oh := nth oc 2 0
    let ow := nth oc 3 0
    let gi := m / mPerG
    let hs := convTaps oh kh (nth strides 0 1) (nth dilations 0 1) (nth pads 0 0) h
    let ws := convTaps ow kw (nth strides 1 1) (nth dilations 1 1) (nth pads 1 0) w
    let pairs := concatMap (fun (c : Nat) => concatMap (fun (hy : Nat × Nat) =>
        ws.map (fun (wx : Nat × Nat) =>
          (ravel sx [n, gi * cg + c, hy.2, wx.2], ravel sw [m, c, hy.1, wx.1]))) hs)
      (List.range cg)
    (pairs, if hasBias then some m else none)⟩

/-- 2-D convolution, NCHW, weight `[M, C/groups, kh, kw]`, optional bias `[M]`. -/
def conv2d [ScalarRing α] (sx sw : Shape) (strides pads dilations : List Nat) (groups : Nat)
    (hasBias : Bool) (o : Shape) (x w b : Array α) : Array α :=
  (convPlan sx sw strides pads dilations groups hasBias o).eval (dotRead x w b)

/-- Valid `(kernel position, input coordinate)` pairs of a transposed convolution along one axis
for output coordinate `o`: positions `t < k` with `o + p - t * d` non-negative, divisible by the
stride `s`, and with quotient inside `[0, size)`. -/
def convTTaps (o k s d p size : Nat) : List (Nat × Nat) :=
  (List.range k).filterMap (fun t =>
    let a := o + p
    let td := t * d
    if td ≤ a ∧ (a - td) % s = 0 ∧ (a - td) / s < size then some (t, (a - td) / s) else none)

/-- Keys of `convTranspose2d`: the (input offset, weight offset) pairs of each output and its
bias. -/
def convTransposePlan (sx sw : Shape) (strides pads dilations : List Nat) (groups : Nat)
    (hasBias : Bool) (o : Shape) : Plan (List (Nat × Nat) × Option Nat) :=
  let h := nth sx 2 0
  let w := nth sx 3 0
  let cg := nth sx 1 0 / groups
  let mg := nth sw 1 0
  let kh := nth sw 2 0
  let kw := nth sw 3 0
  ⟨Shape.size o, fun i =>
    let oc := unravel o i
    let n := nth oc 0 0
    let m := nth oc 1 0
    let oy := nth oc 2 0
    let ox := nth oc 3 0
    let gi := m / mg
    let mo := m % mg
    let hs := convTTaps oy kh (nth strides 0 1) (nth dilations 0 1) (nth pads 0 0) h
    let ws := convTTaps ox kw (nth strides 1 1) (nth dilations 1 1) (nth pads 1 0) w
    let pairs := concatMap (fun (c : Nat) => concatMap (fun (hy : Nat × Nat) =>
        ws.map (fun (wx : Nat × Nat) =>
          (ravel sx [n, gi * cg + c, hy.2, wx.2], ravel sw [gi * cg + c, mo, hy.1, wx.1]))) hs)
      (List.range cg)
    (pairs, if hasBias then some m else none)⟩

/-- 2-D transposed convolution, NCHW, weight `[C, M/groups, kh, kw]`, optional bias `[M]`. -/
def convTranspose2d [ScalarRing α] (sx sw : Shape) (strides pads dilations : List Nat)
    (groups : Nat) (hasBias : Bool) (o : Shape) (x w b : Array α) : Array α :=
  (convTransposePlan sx sw strides pads dilations groups hasBias o).eval (dotRead x w b)

end NN.Spec
