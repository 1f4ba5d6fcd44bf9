import NN.Runtime.IRExec

/-!
# Gathers through precomputed tables

The one generic fact behind every non-leaf op: evaluating a gather through its precomputed key
table gives the same array as the specification `Plan.eval`.

## Main results

* `NN.Proofs.map_map_eq`: `(l.map f).map g = l.map (g ∘ f)` (own lemma, by induction).
* `NN.Proofs.runTable_table`: `runTable p.table read = p.eval read`.
* `NN.Proofs.run_gather`: running `ExecOp.gather p.table F` on argument data `xs` is
  `p.eval (F xs)`.

## Implementation notes

Proved by structural induction with our own lemma, so that no library lemma name is relied on.

Trust boundary: none; no hypothesis.
-/

namespace NN.Proofs

open NN NN.Runtime

/-- Mapping twice is mapping the composite. -/
theorem map_map_eq {α β γ : Type} (f : α → β) (g : β → γ) :
    ∀ l : List α, (l.map f).map g = l.map (fun a => g (f a))
  | [] => rfl
  | a :: l => congrArg (List.cons (g (f a))) (map_map_eq f g l)

/-- Reading through the precomputed key table of a gather gives its specification. -/
theorem runTable_table {κ α : Type} (p : Plan κ) (read : κ → α) :
    runTable p.table read = p.eval read :=
  congrArg List.toArray (map_map_eq p.key read (List.range p.size))

/-- A compiled gather computes its specification on any argument data, for any inputs. -/
theorem run_gather {κ α : Type} (p : Plan κ) (F : List (Array α) → κ → α)
    (inputs : List (Tensor α)) (xs : List (Array α)) :
    (ExecOp.gather p.table F).run inputs xs = p.eval (F xs) :=
  runTable_table p (F xs)

end NN.Proofs
