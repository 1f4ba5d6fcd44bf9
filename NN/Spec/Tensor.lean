import NN.Spec.Shape
import NN.Spec.Scalar

/-!
# Tensors and gathers

A tensor is a shape and a flat row-major data array. Every op of the IR is specified as a
*gather*: output element `i` is a function of a key `key i` computed from static shapes and
attributes only (an input offset, a window of offsets, a list of offset pairs…), and a reader
that turns a key into a scalar by reading the argument arrays.

## Main definitions

* `NN.Tensor`, `NN.Tensor.WellSized`: tensors and their size invariant (as a proposition).
* `NN.valAt`: total array read (`0` out of range).
* `NN.arg`, `NN.shp`: the `k`-th argument array / shape of a node (total).
* `NN.Plan`: output size and key function of a gather; `NN.Plan.eval` is its meaning,
  `NN.Plan.table` the key table a compiler precomputes.
* `NN.constData`: the data of a literal constant from binary32 bit patterns.

## Main results

None here; `NN/Proofs/IRExec/Gather.lean` proves that evaluating through a precomputed key table
equals `Plan.eval`.

## Implementation notes

Keys depend on shapes and attributes only, never on data, so a compiler can tabulate them once.
Reads out of range give `0`, so the semantics is total and the compiler correctness theorem needs
no shape hypothesis.

Trust boundary: the size invariant `Tensor.WellSized` is stated, not enforced by the type; the
semantics is defined (and the compiler proved equal to it) for all arrays, well sized or not.
-/

namespace NN

/-- A tensor: its shape and its row-major data. -/
structure Tensor (α : Type) where
  /-- The shape. -/
  shape : Shape
  /-- The elements, row-major. -/
  data : Array α
deriving Repr

instance {α : Type} : Inhabited (Tensor α) := ⟨⟨[], #[]⟩⟩

/-- The size invariant: the data has exactly as many elements as the shape says. -/
def Tensor.WellSized {α : Type} (t : Tensor α) : Prop := t.data.size = Shape.size t.shape

/-- Element `i` of `a`, or zero when `i` is out of range. -/
def valAt {α : Type} [ScalarRing α] (a : Array α) (i : Nat) : α := a.getD i ScalarRing.zero

/-- The `k`-th argument array (empty when missing). -/
def arg {α : Type} (xs : List (Array α)) (k : Nat) : Array α := nth xs k #[]

/-- The `k`-th argument shape (`[]` when missing). -/
def shp (ss : List Shape) (k : Nat) : Shape := nth ss k []

/-- A gather: `size` outputs, output `i` determined by the key `key i`. -/
structure Plan (κ : Type) where
  /-- Number of output elements. -/
  size : Nat
  /-- The key of each output element (computed from shapes and attributes only). -/
  key : Nat → κ

/-- The meaning of a gather: output `i` is `read (p.key i)`, for `i < p.size`. -/
def Plan.eval {κ α : Type} (p : Plan κ) (read : κ → α) : Array α :=
  ((List.range p.size).map (fun i => read (p.key i))).toArray

/-- The key table of a gather, in output order (what a compiler precomputes). -/
def Plan.table {κ : Type} (p : Plan κ) : List κ := (List.range p.size).map p.key

/-- The data of a literal constant given as binary32 bit patterns. -/
def constData {α : Type} [Scalar α] (bits : List UInt32) : Array α :=
  (bits.map Scalar.ofBits).toArray

end NN
