import NN.IR.Graph

/-!
# From a Boolean check to `Graph.check = .ok ()`

Exported models prove their well-formedness by kernel evaluation of a Boolean
(`(Graph.check graph).toBool = true`, by `decide +kernel`: the kernel alone reduces it, once).
This file turns that Boolean fact into the statement users cite.

## Main results

* `NN.Proofs.check_eq_ok_of_toBool`: if `(g.check).toBool = true` then `g.check = .ok ()`.

## Implementation notes

Case analysis on the value of `Graph.check g`: in the `ok` case the payload is a `Unit`, equal
to `()` by definition; in the `error` case the hypothesis reduces to `false = true`.

Trust boundary: none beyond Lean's kernel; no axioms are used.
-/

namespace NN.Proofs

open NN.IR

/-- A well-formedness check whose Boolean view is `true` succeeded: `g.check = .ok ()`. -/
theorem check_eq_ok_of_toBool (g : Graph) (h : (Graph.check g).toBool = true) :
    Graph.check g = .ok () := by
  revert h
  cases Graph.check g with
  | ok v => intro _; rfl
  | error e => intro h; cases h

end NN.Proofs
