import NN.IR.OpTag

/-!
# Ops with their attributes

`OpKind` has one constructor per op of the IR (same names as `OpTag`), carrying the op's
attributes. Attribute structures and their field names mirror the attribute models of
`pytools/tlean/ir.py` field for field, in the same order (checked by
`tests/test_lean_lockstep.py`).

## Main definitions

* Attribute structures: `LeakyReluAttrs`, `ClipAttrs`, `Conv2dAttrs`, `MaxPool2dAttrs`,
  `AvgPool2dAttrs`, `BatchNormAttrs`, `LayerNormAttrs`, `AxisAttrs`, `ReshapeAttrs`,
  `TransposeAttrs`, `SliceAttrs`, `PadAttrs`, `ReduceAttrs`, `ConvTranspose2dAttrs`,
  `ResizeAttrs`, `PowAttrs`.
* `NN.IR.OpKind`: ops with attributes; `NN.IR.OpKind.tag` forgets the attributes.

## Main results

None.

## Implementation notes

Float attributes (`alpha`, `lo`, `hi`, `epsilon`, `value`, `exponent`, and the `resize`
weights) are binary32 bit patterns (`UInt32`); optional ones are `Option UInt32`. Fixed-length
tuples of the Python models (`strides`, `pads`, `dilations`, `kernel`, `outputPadding`) are
lists whose lengths the well-formedness check verifies. `where` is a Lean keyword: its
constructor is written `«where»`. Leaves carry `index : Nat` (`input`, `param`) or
`bits : List UInt32` (`const`).

Trust boundary: none; this file is data.
-/

namespace NN.IR

/-- Attributes of `leakyRelu`. -/
structure LeakyReluAttrs where
  /-- Slope for negative inputs (binary32 bits). -/
  alpha : UInt32
deriving Repr, Inhabited

/-- Attributes of `clip`. -/
structure ClipAttrs where
  /-- Lower bound (binary32 bits), if any. -/
  lo : Option UInt32
  /-- Upper bound (binary32 bits), if any. -/
  hi : Option UInt32
deriving Repr, Inhabited

/-- Attributes of `conv2d`. -/
structure Conv2dAttrs where
  /-- Strides `[sh, sw]`. -/
  strides : List Nat
  /-- Pads `[top, left, bottom, right]`. -/
  pads : List Nat
  /-- Dilations `[dh, dw]`. -/
  dilations : List Nat
  /-- Number of groups. -/
  groups : Nat
deriving Repr, Inhabited

/-- Attributes of `maxPool2d`. -/
structure MaxPool2dAttrs where
  /-- Window `[kh, kw]`. -/
  kernel : List Nat
  /-- Strides `[sh, sw]`. -/
  strides : List Nat
  /-- Pads `[top, left, bottom, right]`. -/
  pads : List Nat
  /-- ONNX `ceil_mode`. -/
  ceilMode : Bool
deriving Repr, Inhabited

/-- Attributes of `avgPool2d`. -/
structure AvgPool2dAttrs where
  /-- Window `[kh, kw]`. -/
  kernel : List Nat
  /-- Strides `[sh, sw]`. -/
  strides : List Nat
  /-- Pads `[top, left, bottom, right]`. -/
  pads : List Nat
  /-- ONNX `ceil_mode`. -/
  ceilMode : Bool
  /-- ONNX `count_include_pad`. -/
  countIncludePad : Bool
deriving Repr, Inhabited

/-- Attributes of `batchNorm`. -/
structure BatchNormAttrs where
  /-- ε (binary32 bits). -/
  epsilon : UInt32
deriving Repr, Inhabited

/-- Attributes of `layerNorm`. -/
structure LayerNormAttrs where
  /-- ε (binary32 bits). -/
  epsilon : UInt32
  /-- First normalised axis. -/
  axis : Nat
deriving Repr, Inhabited

/-- Attributes of `softmax`, `logSoftmax` and `concat`: one non-negative axis. -/
structure AxisAttrs where
  /-- The axis. -/
  axis : Nat
deriving Repr, Inhabited

/-- Attributes of `reshape`. -/
structure ReshapeAttrs where
  /-- The target shape. -/
  shape : List Nat
deriving Repr, Inhabited

/-- Attributes of `transpose`. -/
structure TransposeAttrs where
  /-- Output axis `k` is input axis `perm[k]`. -/
  perm : List Nat
deriving Repr, Inhabited

/-- Attributes of `slice`. -/
structure SliceAttrs where
  /-- Clamped start per sliced axis. -/
  starts : List Int
  /-- Clamped end per sliced axis (exclusive). -/
  ends : List Int
  /-- The sliced axes (distinct). -/
  axes : List Nat
  /-- Non-zero step per sliced axis. -/
  steps : List Int
deriving Repr, Inhabited

/-- Attributes of `pad`. -/
structure PadAttrs where
  /-- `[b₀ … b_{r−1}, e₀ … e_{r−1}]`. -/
  pads : List Nat
  /-- The pad value (binary32 bits). -/
  value : UInt32
deriving Repr, Inhabited

/-- Attributes of `reduceSum`, `reduceMean`, `reduceMax`. -/
structure ReduceAttrs where
  /-- Reduced axes: sorted, distinct, non-empty. -/
  axes : List Nat
  /-- Keep reduced axes with size 1. -/
  keepDims : Bool
deriving Repr, Inhabited

/-- Attributes of `convTranspose2d` (Python `ConvTranspose2dAttrs`). -/
structure ConvTranspose2dAttrs where
  /-- Strides `[sh, sw]`. -/
  strides : List Nat
  /-- Pads `[top, left, bottom, right]` (cropped from the full transposed output). -/
  pads : List Nat
  /-- Output padding `[h, w]` (extra rows/columns at the bottom/right). -/
  outputPadding : List Nat
  /-- Dilations `[dh, dw]`. -/
  dilations : List Nat
  /-- Number of groups. -/
  groups : Nat
deriving Repr, Inhabited

/-- Attributes of `resize` (Python `ResizeAttrs`): per-axis gather/interpolation tables, one list
per input axis, resolved at import from the ONNX coordinate and rounding modes. -/
structure ResizeAttrs where
  /-- `index0[a][o]`: the (first) input index read for output index `o` along axis `a`. -/
  index0 : List (List Nat)
  /-- `index1[a][o]`: the second input index of a linear axis; `[]` for a nearest axis. -/
  index1 : List (List Nat)
  /-- `weight0[a][o]` (binary32 bits): the weight of `index0`; `[]` for a nearest axis. -/
  weight0 : List (List UInt32)
  /-- `weight1[a][o]` (binary32 bits): the weight of `index1`; `[]` for a nearest axis. -/
  weight1 : List (List UInt32)
deriving Repr, Inhabited

/-- Attributes of `pow` (Python `PowAttrs`). -/
structure PowAttrs where
  /-- The constant exponent (binary32 bits). -/
  exponent : UInt32
deriving Repr, Inhabited

/-- An op of the IR with its attributes. -/
inductive OpKind where
  /-- Graph input number `index`. -/
  | input (index : Nat)
  /-- Parameter number `index` (its value lives in the payload). -/
  | param (index : Nat)
  /-- A literal tensor, row-major binary32 bit patterns. -/
  | const (bits : List UInt32)
  /-- Broadcast addition. -/
  | add
  /-- Broadcast subtraction. -/
  | sub
  /-- Broadcast multiplication. -/
  | mul
  /-- Broadcast division. -/
  | div
  /-- Broadcast maximum. -/
  | max
  /-- Broadcast minimum. -/
  | min
  /-- Negation. -/
  | neg
  /-- Absolute value. -/
  | abs
  /-- `max x 0`. -/
  | relu
  /-- Logistic sigmoid. -/
  | sigmoid
  /-- Hyperbolic tangent. -/
  | tanh
  /-- Exponential. -/
  | exp
  /-- Natural logarithm. -/
  | log
  /-- Square root. -/
  | sqrt
  /-- Leaky ReLU. -/
  | leakyRelu (attrs : LeakyReluAttrs)
  /-- Clip to `[lo, hi]`. -/
  | clip (attrs : ClipAttrs)
  /-- `x · Wᵀ + b`. -/
  | linear
  /-- NumPy batched matmul. -/
  | matmul
  /-- 2-D convolution (NCHW). -/
  | conv2d (attrs : Conv2dAttrs)
  /-- 2-D max pooling. -/
  | maxPool2d (attrs : MaxPool2dAttrs)
  /-- 2-D average pooling. -/
  | avgPool2d (attrs : AvgPool2dAttrs)
  /-- Global average pooling. -/
  | globalAvgPool
  /-- Batch normalisation (inference). -/
  | batchNorm (attrs : BatchNormAttrs)
  /-- Layer normalisation. -/
  | layerNorm (attrs : LayerNormAttrs)
  /-- Softmax along an axis. -/
  | softmax (attrs : AxisAttrs)
  /-- Log-softmax along an axis. -/
  | logSoftmax (attrs : AxisAttrs)
  /-- Reshape. -/
  | reshape (attrs : ReshapeAttrs)
  /-- Axis permutation. -/
  | transpose (attrs : TransposeAttrs)
  /-- Concatenation along an axis. -/
  | concat (attrs : AxisAttrs)
  /-- Strided slice. -/
  | slice (attrs : SliceAttrs)
  /-- Constant padding. -/
  | pad (attrs : PadAttrs)
  /-- Sum over axes. -/
  | reduceSum (attrs : ReduceAttrs)
  /-- Mean over axes. -/
  | reduceMean (attrs : ReduceAttrs)
  /-- Maximum over axes. -/
  | reduceMax (attrs : ReduceAttrs)
  /-- 2-D transposed convolution (NCHW, weight `[C, M/groups, kh, kw]`). -/
  | convTranspose2d (attrs : ConvTranspose2dAttrs)
  /-- Resize by per-axis index and weight tables (nearest or linear per axis). -/
  | resize (attrs : ResizeAttrs)
  /-- Error function. -/
  | erf
  /-- Sine. -/
  | sin
  /-- Cosine. -/
  | cos
  /-- Sign (`±1`, or the argument itself for `±0` and NaN). -/
  | sign
  /-- Round towards `-∞`. -/
  | floor
  /-- Round towards `+∞`. -/
  | ceil
  /-- Round to nearest, ties to even. -/
  | round
  /-- Power with a constant exponent. -/
  | pow (attrs : PowAttrs)
  /-- Broadcast selection by a constant `0`/`1` mask: `if 0 < c then x else y`. -/
  | «where»
  /-- Row lookup `table[idx]` (token ids given as scalars). -/
  | embedding
deriving Repr, Inhabited

namespace OpKind

/-- The tag of an op (its constructor, without attributes). -/
def tag : OpKind → OpTag
  | .input _ => .input
  | .param _ => .param
  | .const _ => .const
  | .add => .add
  | .sub => .sub
  | .mul => .mul
  | .div => .div
  | .max => .max
  | .min => .min
  | .neg => .neg
  | .abs => .abs
  | .relu => .relu
  | .sigmoid => .sigmoid
  | .tanh => .tanh
  | .exp => .exp
  | .log => .log
  | .sqrt => .sqrt
  | .leakyRelu _ => .leakyRelu
  | .clip _ => .clip
  | .linear => .linear
  | .matmul => .matmul
  | .conv2d _ => .conv2d
  | .maxPool2d _ => .maxPool2d
  | .avgPool2d _ => .avgPool2d
  | .globalAvgPool => .globalAvgPool
  | .batchNorm _ => .batchNorm
  | .layerNorm _ => .layerNorm
  | .softmax _ => .softmax
  | .logSoftmax _ => .logSoftmax
  | .reshape _ => .reshape
  | .transpose _ => .transpose
  | .concat _ => .concat
  | .slice _ => .slice
  | .pad _ => .pad
  | .reduceSum _ => .reduceSum
  | .reduceMean _ => .reduceMean
  | .reduceMax _ => .reduceMax
  | .convTranspose2d _ => .convTranspose2d
  | .resize _ => .resize
  | .erf => .erf
  | .sin => .sin
  | .cos => .cos
  | .sign => .sign
  | .floor => .floor
  | .ceil => .ceil
  | .round => .round
  | .pow _ => .pow
  | .«where» => .«where»
  | .embedding => .embedding

end OpKind

end NN.IR
