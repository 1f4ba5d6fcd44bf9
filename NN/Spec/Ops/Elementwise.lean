import NN.Spec.Tensor

/-!
# Elementwise ops

Unary ops apply a scalar function to every element; binary ops combine two operands under NumPy
broadcasting.

## Main definitions

* `NN.Spec.idPlan`, `NN.Spec.unaryRead`, `NN.Spec.unary`: `out[i] = f x[i]`.
* `NN.Spec.binaryPlan`, `NN.Spec.binaryRead`, `NN.Spec.binary`:
  `out[i] = f a[bcastIndex sa o i] b[bcastIndex sb o i]`.
* `NN.Spec.powBy`: `x ↦ pow x e` for a constant binary32 exponent `e` (the `pow` op).
* `NN.Spec.wherePlan`, `NN.Spec.whereRead`, `NN.Spec.whereSelect`: three-operand broadcast
  selection `out[i] = if 0 < c[·] then x[·] else y[·]` (the `where` op).

## Main results

None; see `NN/Proofs/IRExec/Elementwise.lean` for the compiler lemmas.

## Implementation notes

The output shape `o` is the node's (checked) shape; the operand shapes are the static shapes of
the arguments. `add sub mul div max min` are `binary` with `ScalarRing.add`, …, `smax`, `smin`;
`neg abs relu sigmoid tanh exp log sqrt leakyRelu clip erf sin cos sign floor ceil round pow`
are `unary` (with `Scalar.erf`, …, `NN.sign`, `Scalar.floor`, `Scalar.ceil`, `Scalar.round`,
`powBy`). `where` reads its condition as data; the well-formedness check (`Graph.check`) only
admits a `const` condition holding `+0.0`/`1.0`, but the semantics and the compiler proof do not
depend on that.

Trust boundary: the meaning of each scalar function is the scalar instance's.
-/

namespace NN.Spec

variable {α : Type}

/-- The identity gather on `Shape.size o` elements. -/
def idPlan (o : Shape) : Plan Nat := ⟨Shape.size o, fun i => i⟩

/-- Reads `x[i]` and applies `f`. -/
def unaryRead [ScalarRing α] (f : α → α) (x : Array α) : Nat → α := fun i => f (valAt x i)

/-- Elementwise unary op: `out[i] = f x[i]` for `i < size o`. -/
def unary [ScalarRing α] (f : α → α) (o : Shape) (x : Array α) : Array α :=
  (idPlan o).eval (unaryRead f x)

/-- Broadcast gather: output `i` reads `a` at `bcastIndex sa o i` and `b` at `bcastIndex sb o i`. -/
def binaryPlan (sa sb o : Shape) : Plan (Nat × Nat) :=
  ⟨Shape.size o, fun i => (bcastIndex sa o i, bcastIndex sb o i)⟩

/-- Reads one element of each operand and combines them with `f`. -/
def binaryRead [ScalarRing α] (f : α → α → α) (a b : Array α) : Nat × Nat → α :=
  fun p => f (valAt a p.1) (valAt b p.2)

/-- Elementwise binary op with NumPy broadcasting. -/
def binary [ScalarRing α] (f : α → α → α) (sa sb o : Shape) (a b : Array α) : Array α :=
  (binaryPlan sa sb o).eval (binaryRead f a b)

/-- Power with a constant exponent given as binary32 bits: `pow x (ofBits e)`. -/
def powBy [Scalar α] (e : UInt32) (x : α) : α := Scalar.pow x (Scalar.ofBits e)

/-- Three-operand broadcast gather: output `i` reads `c`, `x`, `y` at their broadcast offsets. -/
def wherePlan (sc sx sy o : Shape) : Plan (Nat × Nat × Nat) :=
  ⟨Shape.size o, fun i => (bcastIndex sc o i, bcastIndex sx o i, bcastIndex sy o i)⟩

/-- Selects `x` where `0 < c`, else `y` (a NaN condition selects `y`). -/
def whereRead [ScalarRing α] (c x y : Array α) : Nat × Nat × Nat → α :=
  fun k => if ScalarRing.lt ScalarRing.zero (valAt c k.1) then valAt x k.2.1 else valAt y k.2.2

/-- Broadcast selection (ONNX `Where` with a 0/1 condition): `out = if 0 < c then x else y`. -/
def whereSelect [ScalarRing α] (sc sx sy o : Shape) (c x y : Array α) : Array α :=
  (wherePlan sc sx sy o).eval (whereRead c x y)

end NN.Spec
