import NN.IR.OpKind
import NN.Spec.Shape

/-!
# Shape rules

One shape rule per op, ported from `pytools/tlean/ir.py`: from the attributes and the input
shapes, the output shape or the reason why there is none. `Graph.check` uses these rules, and
the semantics reads its output shape from the checked node, so the same rule serves both.

## Main definitions

* `NN.IR.poolOutDim`: the ONNX output length of one window axis.
* `NN.IR.sliceLen`: the length of `range(start, end, step)`.
* `NN.IR.convTransposeOutDim`, `NN.IR.convTransposeRule`, `NN.IR.resizeRule`,
  `NN.IR.whereRule`, `NN.IR.embeddingRule`: the rules of the ops added for issue 10.
* `NN.IR.OpKind.inferShape`: the shape rule of every non-leaf op.

## Main results

None.

## Implementation notes

Attribute validation that pydantic does on the Python side (tuple lengths, positive strides,
dilations, kernel sizes and groups) is done here too, because Lean graphs need not come from
Python. Errors are `Except.error` with a message; leaves have no rule (their shapes come from the
graph's declarations).

Trust boundary: the rules mirror the Python ones; their agreement is checked by tests on the
Python side and by the Lean tests here, not proved.
-/

namespace NN.IR

open NN

/-- Fails with `msg` unless `b`. -/
def require (b : Bool) (msg : String) : Except String Unit :=
  if b then .ok () else .error msg

/-- Output length of one spatial axis of a convolution or pooling window (ONNX rule). -/
def poolOutDim (size k s pb pe dil : Nat) (ceil : Bool) : Except String Nat :=
  let ext := dil * (k - 1) + 1
  if size + pb + pe < ext then
    .error s!"window of extent {ext} exceeds padded size {size + pb + pe}"
  else
    let span := size + pb + pe - ext
    if !ceil then .ok (span / s + 1)
    else
      let out := (span + s - 1) / s + 1
      if (out - 1) * s ≥ size + pb then .ok (out - 1) else .ok out

/-- Number of elements of `range(start, end, step)`. -/
def sliceLen (start stop step : Int) : Nat :=
  if step > 0 then ((stop - start + step - 1) / step).toNat
  else ((start - stop + (-step) - 1) / (-step)).toNat

/-- Checks the common window attributes: `kernel`/`strides`/`dilations` pairs of positives,
`pads` a quadruple. -/
def checkPairs (name : String) (l : List Nat) : Except String Unit :=
  require (l.length == 2 && allNat (fun v => decide (v ≥ 1)) l)
    s!"{name} must be two positive integers, got {l}"

/-- Checks that `pads` has four entries. -/
def checkQuad (l : List Nat) : Except String Unit :=
  require (l.length == 4) s!"pads must have four entries, got {l}"

/-- The shape rule of a pooling op. -/
def poolRule (kernel strides pads : List Nat) (ceilMode : Bool) (x : Shape) :
    Except String Shape := do
  checkPairs "kernel" kernel
  checkPairs "strides" strides
  checkQuad pads
  require (x.length == 4) s!"pooling: input must be rank 4 (NCHW), got {x}"
  let kh := nth kernel 0 1
  let kw := nth kernel 1 1
  require (decide (nth pads 0 0 < kh ∧ nth pads 2 0 < kh ∧ nth pads 1 0 < kw ∧ nth pads 3 0 < kw))
    "pooling: each pad must be smaller than the kernel"
  let oh ← poolOutDim (nth x 2 0) kh (nth strides 0 1) (nth pads 0 0) (nth pads 2 0) 1 ceilMode
  let ow ← poolOutDim (nth x 3 0) kw (nth strides 1 1) (nth pads 1 0) (nth pads 3 0) 1 ceilMode
  pure [nth x 0 0, nth x 1 0, oh, ow]

/-- The shape rule of a reduction. -/
def reduceRule (axes : List Nat) (keepDims : Bool) (x : Shape) : Except String Shape := do
  let sortedDistinct : List Nat → Bool := fun l =>
    (l.zip (l.drop 1)).all (fun p => decide (p.1 < p.2))
  require (!axes.isEmpty && sortedDistinct axes && allNat (fun a => decide (a < x.length)) axes)
    s!"reduce: axes {axes} must be sorted, distinct, non-empty, < rank {x.length}"
  let idx := List.range x.length
  if keepDims then pure (idx.map (fun i => if memNat i axes then 1 else nth x i 0))
  else pure ((idx.filter (fun i => !memNat i axes)).map (fun i => nth x i 0))

/-- The shape rule of `concat` along `axis`. -/
def concatRule (axis : Nat) (ins : List Shape) : Except String Shape := do
  let first := nth ins 0 []
  require (decide (axis < first.length)) s!"concat: axis {axis} out of range for rank {first.length}"
  let compatible : Shape → Bool := fun s =>
    s.length == first.length &&
      (List.range s.length).all (fun i => i == axis || nth s i 0 == nth first i 0)
  require (ins.all compatible) s!"concat: operand shapes {ins} are incompatible"
  let total := (ins.map (fun s => nth s axis 0)).foldl (· + ·) 0
  pure (setNth first axis total)

/-- The shape rule of `slice`. -/
def sliceRule (a : SliceAttrs) (x : Shape) : Except String Shape := do
  let n := a.axes.length
  require (a.starts.length == n && a.ends.length == n && a.steps.length == n)
    "slice: starts, ends, axes and steps must have the same length"
  let distinct := (List.range n).all (fun p => indexOf (nth a.axes p 0) a.axes == p)
  require distinct s!"slice: repeated axis in {a.axes}"
  let go : Shape → Nat → Except String Shape := fun acc p => do
    let st := nth a.starts p 0
    let en := nth a.ends p 0
    let ax := nth a.axes p 0
    let sp := nth a.steps p 1
    require (decide (ax < x.length)) s!"slice: axis {ax} out of range for rank {x.length}"
    let d : Int := (nth x ax 0 : Nat)
    require (sp != 0) "slice: step 0"
    if sp > 0 then
      require (decide (0 ≤ st ∧ st ≤ d ∧ 0 ≤ en ∧ en ≤ d))
        s!"slice: start/end {st}:{en} not clamped to [0, {d}] on axis {ax}"
    else
      require (decide (0 ≤ st ∧ st ≤ max (d - 1) 0 ∧ -1 ≤ en ∧ en ≤ d - 1))
        s!"slice: start/end {st}:{en} not clamped for a negative step on axis {ax}"
    pure (setNth acc ax (sliceLen st en sp))
  (List.range n).foldlM go x

/-- Broadcast rule of the binary elementwise ops. -/
def binaryRule (ins : List Shape) : Except String Shape :=
  match broadcastShapes? (nth ins 0 []) (nth ins 1 []) with
  | some s => .ok s
  | none => .error s!"shapes {nth ins 0 []} and {nth ins 1 []} do not broadcast"

/-- Rule of the single-axis ops (`softmax`, `logSoftmax`). -/
def axisRule (axis : Nat) (x : Shape) : Except String Shape :=
  if axis < x.length then .ok x else .error s!"axis {axis} out of range for rank {x.length}"

/-- Output length of one axis of a transposed convolution (ONNX/PyTorch rule, computed in `Int`
as `tlean.ir` does): `s·(size−1) + outPad + d·(k−1) + 1 − pb − pe`, which must be `≥ 1`; the
output padding must be smaller than the stride or the dilation. -/
def convTransposeOutDim (size k s d outPad pb pe : Nat) : Except String Nat :=
  if max s d ≤ outPad then
    .error s!"convTranspose2d: output padding {outPad} must be smaller than stride or dilation"
  else
    let full : Int := (s : Int) * ((size : Int) - 1) + (outPad : Int) + (d : Int) * ((k : Int) - 1)
    let o : Int := full + 1 - (pb : Int) - (pe : Int)
    if o < 1 then .error s!"convTranspose2d: output size {o} < 1 (pads too large)"
    else .ok o.toNat

/-- The shape rule of `convTranspose2d`: `x : [N, C, H, W]`, `W : [C, M/g, kh, kw]`, optional
bias `[M]`; output `[N, M, OH, OW]`. -/
def convTransposeRule (a : ConvTranspose2dAttrs) (ins : List Shape) : Except String Shape := do
  let x := nth ins 0 []
  let w := nth ins 1 []
  checkPairs "strides" a.strides
  checkPairs "dilations" a.dilations
  checkQuad a.pads
  require (a.outputPadding.length == 2)
    s!"outputPadding must have two entries, got {a.outputPadding}"
  require (decide (a.groups ≥ 1)) "convTranspose2d: groups must be positive"
  require (x.length == 4 && w.length == 4)
    s!"convTranspose2d: input and weight must be rank 4, got {x} and {w}"
  let c := nth x 1 0
  let g := a.groups
  require (nth w 0 0 == c)
    s!"convTranspose2d: weight has {nth w 0 0} input channels, input has {c}"
  require (c % g == 0) s!"convTranspose2d: channels {c} must be divisible by groups {g}"
  let m := nth w 1 0 * g
  require (ins.length != 3 || nth ins 2 [] == [m])
    s!"convTranspose2d: bias must be [{m}], got {nth ins 2 []}"
  let oh ← convTransposeOutDim (nth x 2 0) (nth w 2 0) (nth a.strides 0 1) (nth a.dilations 0 1)
    (nth a.outputPadding 0 0) (nth a.pads 0 0) (nth a.pads 2 0)
  let ow ← convTransposeOutDim (nth x 3 0) (nth w 3 0) (nth a.strides 1 1) (nth a.dilations 1 1)
    (nth a.outputPadding 1 0) (nth a.pads 1 0) (nth a.pads 3 0)
  pure [nth x 0 0, m, oh, ow]

/-- Checks the tables of one `resize` axis `ax` of an input of shape `x`. -/
def resizeAxisCheck (a : ResizeAttrs) (x : Shape) (ax : Nat) : Except String Unit := do
  let i0 := nth a.index0 ax []
  let i1 := nth a.index1 ax []
  let w0 := nth a.weight0 ax []
  let w1 := nth a.weight1 ax []
  let d := nth x ax 0
  require (!i0.isEmpty) s!"resize: axis {ax} has an empty index table"
  require ((i1.isEmpty && w0.isEmpty && w1.isEmpty) ||
      (i1.length == i0.length && w0.length == i0.length && w1.length == i0.length))
    s!"resize: axis {ax}: index1, weight0, weight1 must be empty or as long as index0"
  require (allNat (fun i => decide (i < d)) i0 && allNat (fun i => decide (i < d)) i1)
    s!"resize: axis {ax}: an index is out of range for size {d}"

/-- The shape rule of `resize`: one table per input axis; the output length of axis `a` is
`index0[a].length`. -/
def resizeRule (a : ResizeAttrs) (x : Shape) : Except String Shape := do
  let r := x.length
  require (a.index0.length == r && a.index1.length == r && a.weight0.length == r &&
      a.weight1.length == r)
    s!"resize: index0/index1/weight0/weight1 must each have one list per axis ({r})"
  (List.range r).foldlM (fun (_ : Unit) (ax : Nat) => resizeAxisCheck a x ax) ()
  pure ((List.range r).map (fun ax => (nth a.index0 ax []).length))

/-- The shape rule of `where`: the broadcast of the condition, `x` and `y` shapes. -/
def whereRule (ins : List Shape) : Except String Shape :=
  match broadcastShapes? (nth ins 0 []) (nth ins 1 []) with
  | none => .error s!"shapes {nth ins 0 []} and {nth ins 1 []} do not broadcast"
  | some s =>
    match broadcastShapes? s (nth ins 2 []) with
    | none => .error s!"shapes {s} and {nth ins 2 []} do not broadcast"
    | some t => .ok t

/-- The shape rule of `embedding`: `table : [V, D…]` with `V ≥ 1`, `idx : S`; output `S ++ [D…]`. -/
def embeddingRule (ins : List Shape) : Except String Shape := do
  let table := nth ins 0 []
  let idx := nth ins 1 []
  require (decide (table.length ≥ 1) && decide (nth table 0 0 ≥ 1))
    s!"embedding: table must have rank >= 1 and at least one row, got {table}"
  pure (idx ++ table.drop 1)

/-- The shape rule of every non-leaf op: its output shape from its attributes and its input
shapes (arity is checked separately, by `Graph.check`). -/
def OpKind.inferShape : OpKind → List Shape → Except String Shape
  | .input _, _ => .error "leaf shapes come from the graph, not from a rule"
  | .param _, _ => .error "leaf shapes come from the graph, not from a rule"
  | .const _, _ => .error "leaf shapes come from the graph, not from a rule"
  | .add, ins => binaryRule ins
  | .sub, ins => binaryRule ins
  | .mul, ins => binaryRule ins
  | .div, ins => binaryRule ins
  | .max, ins => binaryRule ins
  | .min, ins => binaryRule ins
  | .neg, ins => .ok (nth ins 0 [])
  | .abs, ins => .ok (nth ins 0 [])
  | .relu, ins => .ok (nth ins 0 [])
  | .sigmoid, ins => .ok (nth ins 0 [])
  | .tanh, ins => .ok (nth ins 0 [])
  | .exp, ins => .ok (nth ins 0 [])
  | .log, ins => .ok (nth ins 0 [])
  | .sqrt, ins => .ok (nth ins 0 [])
  | .leakyRelu _, ins => .ok (nth ins 0 [])
  | .clip _, ins => .ok (nth ins 0 [])
  | .linear, ins => do
    let x := nth ins 0 []
    let w := nth ins 1 []
    require (decide (x.length ≥ 1)) "linear: input must have rank >= 1"
    require (w.length == 2) s!"linear: weight must be [out, in], got {w}"
    require (nth x (x.length - 1) 0 == nth w 1 0)
      s!"linear: input features {nth x (x.length - 1) 0} != weight in-features {nth w 1 0}"
    require (ins.length != 3 || nth ins 2 [] == [nth w 0 0])
      s!"linear: bias must be [{nth w 0 0}], got {nth ins 2 []}"
    pure (x.take (x.length - 1) ++ [nth w 0 0])
  | .matmul, ins => do
    let a := nth ins 0 []
    let b := nth ins 1 []
    require (decide (a.length ≥ 2 ∧ b.length ≥ 2)) "matmul: both operands must have rank >= 2"
    require (nth a (a.length - 1) 0 == nth b (b.length - 2) 0)
      s!"matmul: inner dims differ ({a} @ {b})"
    match broadcastShapes? (a.take (a.length - 2)) (b.take (b.length - 2)) with
    | none => .error s!"matmul: batch dims of {a} and {b} do not broadcast"
    | some batch => pure (batch ++ [nth a (a.length - 2) 0, nth b (b.length - 1) 0])
  | .conv2d a, ins => do
    let x := nth ins 0 []
    let w := nth ins 1 []
    checkPairs "strides" a.strides
    checkPairs "dilations" a.dilations
    checkQuad a.pads
    require (decide (a.groups ≥ 1)) "conv2d: groups must be positive"
    require (x.length == 4 && w.length == 4)
      s!"conv2d: input and weight must be rank 4, got {x} and {w}"
    let c := nth x 1 0
    let m := nth w 0 0
    let g := a.groups
    require (c % g == 0 && m % g == 0)
      s!"conv2d: channels {c} and filters {m} must be divisible by groups {g}"
    require (nth w 1 0 == c / g)
      s!"conv2d: weight has {nth w 1 0} input channels per group, expected {c / g}"
    require (ins.length != 3 || nth ins 2 [] == [m]) s!"conv2d: bias must be [{m}]"
    let oh ← poolOutDim (nth x 2 0) (nth w 2 0) (nth a.strides 0 1) (nth a.pads 0 0)
      (nth a.pads 2 0) (nth a.dilations 0 1) false
    let ow ← poolOutDim (nth x 3 0) (nth w 3 0) (nth a.strides 1 1) (nth a.pads 1 0)
      (nth a.pads 3 0) (nth a.dilations 1 1) false
    pure [nth x 0 0, m, oh, ow]
  | .maxPool2d a, ins => poolRule a.kernel a.strides a.pads a.ceilMode (nth ins 0 [])
  | .avgPool2d a, ins => poolRule a.kernel a.strides a.pads a.ceilMode (nth ins 0 [])
  | .globalAvgPool, ins => do
    let x := nth ins 0 []
    require (x.length == 4) s!"globalAvgPool: input must be rank 4 (NCHW), got {x}"
    pure [nth x 0 0, nth x 1 0, 1, 1]
  | .batchNorm _, ins => do
    let x := nth ins 0 []
    require (decide (x.length ≥ 2)) "batchNorm: input must have rank >= 2 (N, C, ...)"
    require ((List.range 4).all (fun i => nth ins (i + 1) [] == [nth x 1 0]))
      s!"batchNorm: scale, bias, mean and var must be [{nth x 1 0}]"
    pure x
  | .layerNorm a, ins => do
    let x := nth ins 0 []
    require (decide (a.axis < x.length)) s!"layerNorm: axis {a.axis} out of range for rank {x.length}"
    let tail := x.drop a.axis
    require (nth ins 1 [] == tail) s!"layerNorm: scale must be {tail}"
    require (ins.length != 3 || nth ins 2 [] == tail) s!"layerNorm: bias must be {tail}"
    pure x
  | .softmax a, ins => axisRule a.axis (nth ins 0 [])
  | .logSoftmax a, ins => axisRule a.axis (nth ins 0 [])
  | .reshape a, ins => do
    require (Shape.size a.shape == Shape.size (nth ins 0 []))
      s!"reshape: {nth ins 0 []} and {a.shape} have different sizes"
    pure a.shape
  | .transpose a, ins => do
    let x := nth ins 0 []
    let r := x.length
    require (a.perm.length == r && allNat (fun p => decide (p < r)) a.perm &&
        (List.range r).all (fun k => indexOf (nth a.perm k 0) a.perm == k))
      s!"transpose: perm {a.perm} is not a permutation of rank {r}"
    pure (a.perm.map (fun p => nth x p 0))
  | .concat a, ins => concatRule a.axis ins
  | .slice a, ins => sliceRule a (nth ins 0 [])
  | .pad a, ins => do
    let x := nth ins 0 []
    let r := x.length
    require (a.pads.length == 2 * r) s!"pad: expected {2 * r} pads for rank {r}, got {a.pads.length}"
    pure ((List.range r).map (fun i => nth x i 0 + nth a.pads i 0 + nth a.pads (i + r) 0))
  | .reduceSum a, ins => reduceRule a.axes a.keepDims (nth ins 0 [])
  | .reduceMean a, ins => reduceRule a.axes a.keepDims (nth ins 0 [])
  | .reduceMax a, ins => reduceRule a.axes a.keepDims (nth ins 0 [])
  | .convTranspose2d a, ins => convTransposeRule a ins
  | .resize a, ins => resizeRule a (nth ins 0 [])
  | .erf, ins => .ok (nth ins 0 [])
  | .sin, ins => .ok (nth ins 0 [])
  | .cos, ins => .ok (nth ins 0 [])
  | .sign, ins => .ok (nth ins 0 [])
  | .floor, ins => .ok (nth ins 0 [])
  | .ceil, ins => .ok (nth ins 0 [])
  | .round, ins => .ok (nth ins 0 [])
  | .pow _, ins => .ok (nth ins 0 [])
  | .«where», ins => whereRule ins
  | .embedding, ins => embeddingRule ins

end NN.IR
