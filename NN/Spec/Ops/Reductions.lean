import NN.Spec.Ops.Pooling

/-!
# Reductions: `reduceSum`, `reduceMean`, `reduceMax`

## Main definitions

* `NN.Spec.expandCoords`: input-rank coordinates of an output position (reduced axes at 0).
* `NN.Spec.fillAxes`: sets the reduced axes of a coordinate list.
* `NN.Spec.reducePlan`: the input offsets reduced into each output element.
* `NN.Spec.reduceSum`, `NN.Spec.reduceMean`, `NN.Spec.reduceMax`.

## Main results

None; see `NN/Proofs/IRExec/Reductions.lean`.

## Implementation notes

`axes` are sorted, distinct and non-empty (checked by the shape rule). With `keepDims` the
reduced axes stay with size 1; without, they are removed. The reduced elements are enumerated
row-major over the reduced sub-shape.

Trust boundary: `reduceMax` of an empty reduction (a reduced axis of size 0) is `0`.
-/

namespace NN.Spec

variable {α : Type}

/-- Input coordinates for output coordinates `oc` when the reduced axes were dropped: reduced
axes read 0, the others consume `oc` in order. -/
def expandDropped (axes : List Nat) : List Nat → List Nat → List Nat
  | [], _ => []
  | a :: rest, oc =>
    if memNat a axes then 0 :: expandDropped axes rest oc
    else nth oc 0 0 :: expandDropped axes rest (oc.drop 1)

/-- Input-rank coordinates of an output position (reduced axes at 0). -/
def expandCoords (axes : List Nat) (keepDims : Bool) (rank : Nat) (oc : List Nat) : List Nat :=
  if keepDims then oc else expandDropped axes (List.range rank) oc

/-- Sets coordinate `axes[p]` of `base` to `rc[p]` for every `p`. -/
def fillAxes : List Nat → List Nat → List Nat → List Nat
  | a :: as, c :: cs, base => fillAxes as cs (setNth base a c)
  | _, _, base => base

/-- Keys of a reduction: the input offsets reduced into each output element. -/
def reducePlan (axes : List Nat) (keepDims : Bool) (sx : Shape) (o : Shape) : Plan (List Nat) :=
  let sub : Shape := axes.map (fun a => nth sx a 0)
  ⟨Shape.size o, fun i =>
    let base := expandCoords axes keepDims sx.length (unravel o i)
    (List.range (Shape.size sub)).map (fun j => ravel sx (fillAxes axes (unravel sub j) base))⟩

/-- Sum of the elements at the given offsets. -/
def sumRead [ScalarRing α] (x : Array α) : List Nat → α := fun l => sumList (l.map (valAt x))

/-- Mean of the elements at the given offsets. -/
def meanOfRead [Scalar α] (x : Array α) : List Nat → α := fun l =>
  Scalar.div (sumList (l.map (valAt x))) (ScalarRing.fromNat l.length)

/-- Sum over `axes`. -/
def reduceSum [ScalarRing α] (axes : List Nat) (keepDims : Bool) (sx : Shape) (o : Shape)
    (x : Array α) : Array α :=
  (reducePlan axes keepDims sx o).eval (sumRead x)

/-- Mean over `axes`. -/
def reduceMean [Scalar α] (axes : List Nat) (keepDims : Bool) (sx : Shape) (o : Shape)
    (x : Array α) : Array α :=
  (reducePlan axes keepDims sx o).eval (meanOfRead x)

/-- Maximum over `axes`. -/
def reduceMax [ScalarRing α] (axes : List Nat) (keepDims : Bool) (sx : Shape) (o : Shape)
    (x : Array α) : Array α :=
  (reducePlan axes keepDims sx o).eval (maxRead x)

end NN.Spec
