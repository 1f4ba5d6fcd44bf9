import NN.Spec.Tensor

/-!
# Pooling: `maxPool2d`, `avgPool2d`, `globalAvgPool`

NCHW pooling windows with kernel, strides, pads `(top, left, bottom, right)` and ONNX `ceilMode`
(the output size comes from the shape rule; windows are clipped to the input).

## Main definitions

* `NN.Spec.poolTaps`: input coordinates of one window along one axis (padding left out).
* `NN.Spec.padCount`: window positions inside the padded extent along one axis.
* `NN.Spec.poolPlan`, `NN.Spec.maxPool2d`: maximum over the in-bounds window elements
  (padding never wins, as ONNX's `-inf` padding).
* `NN.Spec.avgPlan`, `NN.Spec.avgPool2d`: sum over the in-bounds elements divided by their count,
  or, with `countIncludePad`, by the number of window positions inside the padded input.
* `NN.Spec.globalAvgPool`: mean over each `H × W` plane.

## Main results

None; see `NN/Proofs/IRExec/Pooling.lean`.

## Implementation notes

Keys are lists of input offsets (and a divisor for averages), so a compiler can tabulate the
windows once.

Trust boundary: an empty window (impossible for graphs accepted by the check, where every pad is
smaller than the kernel) has maximum `0` and average `0 / 0` in the scalar type.
-/

namespace NN.Spec

variable {α : Type}

/-- Input coordinates of the window at output coordinate `o` along one axis: `o * s + t - p` for
`t < k`, kept when inside `[0, size)`. -/
def poolTaps (o k s p size : Nat) : List Nat :=
  (List.range k).filterMap (fun t =>
    let hh := o * s + t
    if p ≤ hh ∧ hh - p < size then some (hh - p) else none)

/-- Number of window positions at output coordinate `o` inside the padded extent
`[0, size + pb + pe)` (padded coordinates). -/
def padCount (o k s pb pe size : Nat) : Nat :=
  ((List.range k).filter (fun t => decide (o * s + t < size + pb + pe))).length

/-- The input offsets of each pooling window (NCHW). -/
def windowOffsets (sx : Shape) (kernel strides pads : List Nat) (oc : List Nat) : List Nat :=
  let n := nth oc 0 0
  let c := nth oc 1 0
  let hs := poolTaps (nth oc 2 0) (nth kernel 0 1) (nth strides 0 1) (nth pads 0 0) (nth sx 2 0)
  let ws := poolTaps (nth oc 3 0) (nth kernel 1 1) (nth strides 1 1) (nth pads 1 0) (nth sx 3 0)
  concatMap (fun (ih : Nat) => ws.map (fun (iw : Nat) => ravel sx [n, c, ih, iw])) hs

/-- Keys of `maxPool2d`: the window's in-bounds input offsets. -/
def poolPlan (sx : Shape) (kernel strides pads : List Nat) (o : Shape) : Plan (List Nat) :=
  ⟨Shape.size o, fun i => windowOffsets sx kernel strides pads (unravel o i)⟩

/-- Maximum of the elements at the given offsets. -/
def maxRead [ScalarRing α] (x : Array α) : List Nat → α := fun l => maxList (l.map (valAt x))

/-- Max pooling. -/
def maxPool2d [ScalarRing α] (sx : Shape) (kernel strides pads : List Nat) (o : Shape)
    (x : Array α) : Array α :=
  (poolPlan sx kernel strides pads o).eval (maxRead x)

/-- Keys of `avgPool2d`: the window's in-bounds offsets and the divisor. -/
def avgPlan (sx : Shape) (kernel strides pads : List Nat) (countIncludePad : Bool) (o : Shape) :
    Plan (List Nat × Nat) :=
  ⟨Shape.size o, fun i =>
    let oc := unravel o i
    let offs := windowOffsets sx kernel strides pads oc
    let cnt :=
      if countIncludePad then
        padCount (nth oc 2 0) (nth kernel 0 1) (nth strides 0 1) (nth pads 0 0) (nth pads 2 0)
            (nth sx 2 0) *
          padCount (nth oc 3 0) (nth kernel 1 1) (nth strides 1 1) (nth pads 1 0) (nth pads 3 0)
            (nth sx 3 0)
      else offs.length
    (offs, cnt)⟩

/-- Sum of the elements at the given offsets divided by the given count. -/
def meanRead [Scalar α] (x : Array α) : List Nat × Nat → α :=
  fun k => Scalar.div (sumList (k.1.map (valAt x))) (ScalarRing.fromNat k.2)

/-- Average pooling. -/
def avgPool2d [Scalar α] (sx : Shape) (kernel strides pads : List Nat) (countIncludePad : Bool)
    (o : Shape) (x : Array α) : Array α :=
  (avgPlan sx kernel strides pads countIncludePad o).eval (meanRead x)

/-- Keys of `globalAvgPool`: all offsets of the `(n, c)` plane and its size. -/
def globalPlan (sx : Shape) (o : Shape) : Plan (List Nat × Nat) :=
  let hw := nth sx 2 0 * nth sx 3 0
  ⟨Shape.size o, fun i => ((List.range hw).map (fun t => i * hw + t), hw)⟩

/-- Global average pooling: `[N, C, H, W] → [N, C, 1, 1]`. -/
def globalAvgPool [Scalar α] (sx : Shape) (o : Shape) (x : Array α) : Array α :=
  (globalPlan sx o).eval (meanRead x)

end NN.Spec
