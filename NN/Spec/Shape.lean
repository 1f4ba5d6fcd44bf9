/-!
# Shapes, row-major indexing and NumPy broadcasting

A tensor shape is a list of dimensions; data is stored row-major (the last axis varies fastest).
This file gives the list helpers every other layer uses, the size of a shape, the conversion
between flat offsets and coordinates, and NumPy broadcasting of shapes and of indices.

## Main definitions

* `NN.nth`: total list lookup with a fallback value (structural recursion).
* `NN.Shape`, `NN.Shape.size`: shapes and their number of elements.
* `NN.unravel`, `NN.ravel`: flat offset ↔ coordinates (row-major).
* `NN.broadcastShapes?`: NumPy broadcasting of two shapes (right-aligned, size-1 dims stretch).
* `NN.bcastIndex`: the flat offset read in an operand for a flat offset of the broadcast result.

## Main results

None here; the definitions are plain structural recursions, evaluated by `#guard` in
`NN/Tests`.

## Implementation notes

Everything is defined by structural recursion on `List`/`Nat` so that closed terms reduce with
`rfl`/`decide` and evaluate with `#guard`. Out-of-range lookups return the fallback value
instead of failing: the semantics is total, and the well-formedness check (`NN.IR.Graph.check`)
is what rules out ill-shaped graphs.

Trust boundary: nothing is assumed; no lemma about these functions is claimed here.
-/

namespace NN

/-- `nth l i d` is the `i`-th element of `l`, or `d` when `i` is out of range. -/
def nth {α : Type} : List α → Nat → α → α
  | [], _, d => d
  | a :: _, 0, _ => a
  | _ :: l, n + 1, d => nth l n d

/-- `setNth l i v` replaces the `i`-th element of `l` by `v` (no change when out of range). -/
def setNth {α : Type} : List α → Nat → α → List α
  | [], _, _ => []
  | _ :: l, 0, v => v :: l
  | a :: l, n + 1, v => a :: setNth l n v

/-- `memNat a l` is `true` when `a` occurs in `l`. -/
def memNat (a : Nat) : List Nat → Bool
  | [] => false
  | b :: l => a == b || memNat a l

/-- `indexOf a l` is the position of the first `a` in `l`, or `l.length` when absent. -/
def indexOf (a : Nat) : List Nat → Nat
  | [] => 0
  | b :: l => if a == b then 0 else indexOf a l + 1

/-- `concatMap f l` concatenates the lists `f x` for `x` in `l`, in order. -/
def concatMap {α β : Type} (f : α → List β) : List α → List β
  | [] => []
  | a :: l => f a ++ concatMap f l

/-- `ones n` is the list of `n` ones. -/
def ones : Nat → List Nat
  | 0 => []
  | n + 1 => 1 :: ones n

/-- `allNat p l` is `true` when `p` holds for every element of `l`. -/
def allNat (p : Nat → Bool) : List Nat → Bool
  | [] => true
  | a :: l => p a && allNat p l

/-- A tensor shape: the list of its dimensions, outermost first. -/
abbrev Shape := List Nat

/-- The number of elements of a tensor of shape `s` (the product of its dimensions). -/
def Shape.size : Shape → Nat
  | [] => 1
  | d :: s => d * Shape.size s

/-- The coordinates of flat offset `i` in shape `s` (row-major). -/
def unravel : Shape → Nat → List Nat
  | [], _ => []
  | d :: s, i => (i / Shape.size s) % d :: unravel s (i % Shape.size s)

/-- The flat offset of coordinates `c` in shape `s` (row-major); missing coordinates count as 0. -/
def ravel : Shape → List Nat → Nat
  | [], _ => 0
  | _ :: s, [] => ravel s []
  | _ :: s, c :: cs => c * Shape.size s + ravel s cs

/-- Broadcasts two right-aligned shapes of equal rank, dimension by dimension. -/
def zipBroadcast : Shape → Shape → Option Shape
  | [], [] => some []
  | x :: xs, y :: ys =>
    match zipBroadcast xs ys with
    | none => none
    | some r =>
      if x == y || y == 1 then some (x :: r)
      else if x == 1 then some (y :: r)
      else none
  | _, _ => none

/-- NumPy broadcasting of two shapes: right-aligned, size-1 dimensions stretch; `none` when the
shapes do not broadcast. -/
def broadcastShapes? (a b : Shape) : Option Shape :=
  let n := max a.length b.length
  zipBroadcast (ones (n - a.length) ++ a) (ones (n - b.length) ++ b)

/-- Coordinates in an operand of shape `s` for right-aligned result coordinates `c` of the same
rank: a size-1 dimension always reads coordinate 0. -/
def alignCoords : Shape → List Nat → List Nat
  | d :: s, c :: cs => (if d == 1 then 0 else c) :: alignCoords s cs
  | _, _ => []

/-- The operand coordinates for result coordinates `oc` (of rank at least `s.length`): the last
`s.length` coordinates, with size-1 dimensions pinned to 0. -/
def alignTail (s : Shape) (oc : List Nat) : List Nat :=
  alignCoords s (oc.drop (oc.length - s.length))

/-- The flat offset read in an operand of shape `s` for flat offset `i` of a broadcast result of
shape `o`. -/
def bcastIndex (s o : Shape) (i : Nat) : Nat :=
  ravel s (alignTail s (unravel o i))

end NN
