/-!
# Op tags

The ops of the IR as a plain enumeration (constructors only, no attributes), their input
arities and families: op set v1 and the ops added for issue 10 (`convTranspose2d`, `resize`,
`erf`, `sin`, `cos`, `sign`, `floor`, `ceil`, `round`, `pow`, `where`, `embedding`; contract
in `docs/operators.md`). Constructor names are the op names of the IR contract (`DESIGN.md`) and
of `pytools/tlean/ir.py`; `tests/test_lean_lockstep.py` checks that the two sides agree.

## Main definitions

* `NN.IR.OpTag`: one constructor per op.
* `NN.IR.OpTag.all`: the complete list of tags.
* `NN.IR.OpTag.minArity`, `NN.IR.OpTag.maxArity`: the number of inputs an op takes
  (`maxArity = none`: variadic).
* `NN.IR.OpTag.family`: the op family (as in the DESIGN table).

## Main results

* `NN.IR.OpTag.mem_all`: every tag is in `OpTag.all`.

## Implementation notes

Each function is one match arm per tag (no wildcard), so that the Python lockstep test can read
the table directly from the source. `where` is a Lean keyword, so its constructor is written
`«where»` (the name is still `where`; the lockstep test and the code generator escape it).

Trust boundary: none; the arities are data.
-/

namespace NN.IR

/-- The ops of the IR, without their attributes. -/
inductive OpTag where
  | input
  | param
  | const
  | add
  | sub
  | mul
  | div
  | max
  | min
  | neg
  | abs
  | relu
  | sigmoid
  | tanh
  | exp
  | log
  | sqrt
  | leakyRelu
  | clip
  | linear
  | matmul
  | conv2d
  | maxPool2d
  | avgPool2d
  | globalAvgPool
  | batchNorm
  | layerNorm
  | softmax
  | logSoftmax
  | reshape
  | transpose
  | concat
  | slice
  | pad
  | reduceSum
  | reduceMean
  | reduceMax
  | convTranspose2d
  | resize
  | erf
  | sin
  | cos
  | sign
  | floor
  | ceil
  | round
  | pow
  | «where»
  | embedding
deriving DecidableEq, Repr, Inhabited

namespace OpTag

/-- Every op tag, in the order of the IR contract. -/
def all : List OpTag :=
  [.input, .param, .const, .add, .sub, .mul, .div, .max, .min, .neg, .abs, .relu, .sigmoid, .tanh, .exp, .log, .sqrt, .leakyRelu, .clip, .linear, .matmul, .conv2d, .maxPool2d, .avgPool2d, .globalAvgPool, .batchNorm, .layerNorm, .softmax, .logSoftmax, .reshape, .transpose, .concat, .slice, .pad, .reduceSum, .reduceMean, .reduceMax, .convTranspose2d, .resize, .erf, .sin, .cos, .sign, .floor, .ceil, .round, .pow, .«where», .embedding]

/-- Every tag is listed in `OpTag.all`. -/
theorem mem_all (t : OpTag) : t ∈ all := by
  cases t <;> first
    | (repeat (first | exact List.Mem.head _ | apply List.Mem.tail); done)
    | decide

/-- Minimum number of inputs of each op. -/
def minArity : OpTag → Nat
  | .input => 0
  | .param => 0
  | .const => 0
  | .add => 2
  | .sub => 2
  | .mul => 2
  | .div => 2
  | .max => 2
  | .min => 2
  | .neg => 1
  | .abs => 1
  | .relu => 1
  | .sigmoid => 1
  | .tanh => 1
  | .exp => 1
  | .log => 1
  | .sqrt => 1
  | .leakyRelu => 1
  | .clip => 1
  | .linear => 2
  | .matmul => 2
  | .conv2d => 2
  | .maxPool2d => 1
  | .avgPool2d => 1
  | .globalAvgPool => 1
  | .batchNorm => 5
  | .layerNorm => 2
  | .softmax => 1
  | .logSoftmax => 1
  | .reshape => 1
  | .transpose => 1
  | .concat => 1
  | .slice => 1
  | .pad => 1
  | .reduceSum => 1
  | .reduceMean => 1
  | .reduceMax => 1
  | .convTranspose2d => 2
  | .resize => 1
  | .erf => 1
  | .sin => 1
  | .cos => 1
  | .sign => 1
  | .floor => 1
  | .ceil => 1
  | .round => 1
  | .pow => 1
  | .«where» => 3
  | .embedding => 2

/-- Maximum number of inputs of each op (`none`: variadic). -/
def maxArity : OpTag → Option Nat
  | .input => some 0
  | .param => some 0
  | .const => some 0
  | .add => some 2
  | .sub => some 2
  | .mul => some 2
  | .div => some 2
  | .max => some 2
  | .min => some 2
  | .neg => some 1
  | .abs => some 1
  | .relu => some 1
  | .sigmoid => some 1
  | .tanh => some 1
  | .exp => some 1
  | .log => some 1
  | .sqrt => some 1
  | .leakyRelu => some 1
  | .clip => some 1
  | .linear => some 3
  | .matmul => some 2
  | .conv2d => some 3
  | .maxPool2d => some 1
  | .avgPool2d => some 1
  | .globalAvgPool => some 1
  | .batchNorm => some 5
  | .layerNorm => some 3
  | .softmax => some 1
  | .logSoftmax => some 1
  | .reshape => some 1
  | .transpose => some 1
  | .concat => none
  | .slice => some 1
  | .pad => some 1
  | .reduceSum => some 1
  | .reduceMean => some 1
  | .reduceMax => some 1
  | .convTranspose2d => some 3
  | .resize => some 1
  | .erf => some 1
  | .sin => some 1
  | .cos => some 1
  | .sign => some 1
  | .floor => some 1
  | .ceil => some 1
  | .round => some 1
  | .pow => some 1
  | .«where» => some 3
  | .embedding => some 2

/-- The op family of each op (DESIGN.md table). -/
def family : OpTag → String
  | .input => "leaves"
  | .param => "leaves"
  | .const => "leaves"
  | .add => "elementwise"
  | .sub => "elementwise"
  | .mul => "elementwise"
  | .div => "elementwise"
  | .max => "elementwise"
  | .min => "elementwise"
  | .neg => "elementwise"
  | .abs => "elementwise"
  | .relu => "elementwise"
  | .sigmoid => "elementwise"
  | .tanh => "elementwise"
  | .exp => "elementwise"
  | .log => "elementwise"
  | .sqrt => "elementwise"
  | .leakyRelu => "elementwise"
  | .clip => "elementwise"
  | .linear => "affine"
  | .matmul => "affine"
  | .conv2d => "convolution"
  | .maxPool2d => "pooling"
  | .avgPool2d => "pooling"
  | .globalAvgPool => "pooling"
  | .batchNorm => "normalisation"
  | .layerNorm => "normalisation"
  | .softmax => "softmax"
  | .logSoftmax => "softmax"
  | .reshape => "structural"
  | .transpose => "structural"
  | .concat => "structural"
  | .slice => "structural"
  | .pad => "structural"
  | .reduceSum => "reductions"
  | .reduceMean => "reductions"
  | .reduceMax => "reductions"
  | .convTranspose2d => "convolution"
  | .resize => "structural"
  | .erf => "elementwise"
  | .sin => "elementwise"
  | .cos => "elementwise"
  | .sign => "elementwise"
  | .floor => "elementwise"
  | .ceil => "elementwise"
  | .round => "elementwise"
  | .pow => "elementwise"
  | .«where» => "elementwise"
  | .embedding => "affine"

/-- The op name, as in the IR contract (the constructor name). -/
def name : OpTag → String
  | .input => "input"
  | .param => "param"
  | .const => "const"
  | .add => "add"
  | .sub => "sub"
  | .mul => "mul"
  | .div => "div"
  | .max => "max"
  | .min => "min"
  | .neg => "neg"
  | .abs => "abs"
  | .relu => "relu"
  | .sigmoid => "sigmoid"
  | .tanh => "tanh"
  | .exp => "exp"
  | .log => "log"
  | .sqrt => "sqrt"
  | .leakyRelu => "leakyRelu"
  | .clip => "clip"
  | .linear => "linear"
  | .matmul => "matmul"
  | .conv2d => "conv2d"
  | .maxPool2d => "maxPool2d"
  | .avgPool2d => "avgPool2d"
  | .globalAvgPool => "globalAvgPool"
  | .batchNorm => "batchNorm"
  | .layerNorm => "layerNorm"
  | .softmax => "softmax"
  | .logSoftmax => "logSoftmax"
  | .reshape => "reshape"
  | .transpose => "transpose"
  | .concat => "concat"
  | .slice => "slice"
  | .pad => "pad"
  | .reduceSum => "reduceSum"
  | .reduceMean => "reduceMean"
  | .reduceMax => "reduceMax"
  | .convTranspose2d => "convTranspose2d"
  | .resize => "resize"
  | .erf => "erf"
  | .sin => "sin"
  | .cos => "cos"
  | .sign => "sign"
  | .floor => "floor"
  | .ceil => "ceil"
  | .round => "round"
  | .pow => "pow"
  | .«where» => "where"
  | .embedding => "embedding"

end OpTag

end NN.IR
