import NN.Proofs.IRExec.Gather

/-!
# Compiled and IR value tables stay aligned

The recursion-mirroring lemma: the compiled evaluator and the IR denotation both fold over the
nodes left to right, appending one value per node. If the compiled step and the IR step agree on
every node for every table of earlier values, the two folds produce the same table.

## Main results

* `NN.Proofs.foldNodes_map`: folding compiled nodes equals folding IR nodes, given step
  agreement.

## Implementation notes

Induction on the node list, generalising the table of earlier values.

Trust boundary: no hypothesis beyond the step agreement, which `NN/Proofs/IRExec.lean` proves
for every op.
-/

universe u v

namespace NN.Proofs

open NN NN.IR

/-- Folding the images of nodes under `f` with `step₁` equals folding the nodes with `step₂`,
when `step₁ vals (f b) = step₂ vals b` for every table `vals` and node `b`. -/
theorem foldNodes_map {α : Type} {β : Type u} {γ : Type v} [Scalar α] (f : β → γ)
    (step₁ : List (Tensor α) → γ → Tensor α) (step₂ : List (Tensor α) → β → Tensor α)
    (h : ∀ vals b, step₁ vals (f b) = step₂ vals b) :
    ∀ (vals : List (Tensor α)) (bs : List β),
      foldNodes step₁ vals (bs.map f) = foldNodes step₂ vals bs := by
  intro vals bs
  induction bs generalizing vals with
  | nil => rfl
  | cons b bs ih =>
    show foldNodes step₁ (vals ++ [step₁ vals (f b)]) (bs.map f) =
      foldNodes step₂ (vals ++ [step₂ vals b]) bs
    rw [h vals b]
    exact ih _

end NN.Proofs
