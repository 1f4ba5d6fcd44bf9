import NN.AutogradDyadic.Ring
import NN.Proofs.Autograd

/-!
# Autograd soundness over exact dyadic numbers

`NN.Proofs.Autograd.vjp_adjoint_all` holds for every scalar type with the commutative-ring laws;
`NN.Floats.DyadicN` (normalised dyadics, `NN/AutogradDyadic/Ring.lean`) is one. So reverse mode
is the adjoint of forward mode for exact dyadic values — the values every finite binary32
weight and input has — with no rounding anywhere.

## Main definitions

* `NN.AutogradDyadic.Check.probe` and its inputs, parameters and cotangents: the test graph of
  the `#guard`s.

## Main results

* `NN.Proofs.Autograd.vjp_adjoint_dyadic`: `⟪w, J v⟫ = ⟪Jᵀ w, v⟫` over `DyadicN`, for every
  graph, input and parameter values with tangents, and cotangent terms.

## Implementation notes

The theorem is `vjp_adjoint_all` at `α := DyadicN`, with the instances `instScalarDyadicN` and
`instRingLawsDyadicN`. The `#guard` at the end evaluates both sides on a small graph
(`x · w + x`, then `relu`) with dyadic (non-integer) values and compares them with the value
computed by hand.

Trust boundary: none beyond `vjp_adjoint_all`'s (see `NN/Proofs/Autograd.lean`).
-/

namespace NN.Proofs.Autograd

open NN NN.IR NN.Autograd NN.Floats

/-- **Reverse mode is the adjoint of forward mode over exact dyadics**: for every graph,
dual-number inputs and parameters over `DyadicN` (primal `x`, tangent `v`) and cotangent terms
`w`, `⟪w, J v⟫ = ⟪Jᵀ w, v⟫`. -/
theorem vjp_adjoint_dyadic (g : Graph) (inputs params : List (Tensor (Dual DyadicN)))
    (w : List (Term DyadicN)) :
    pair w (tableTan ⟨inputs, params⟩ (g.denoteAll inputs params)) =
      pair (vjp g inputs params w) (baseTan ⟨inputs, params⟩) :=
  vjp_adjoint_all g inputs params w

end NN.Proofs.Autograd

namespace NN.AutogradDyadic.Check

open NN NN.IR NN.Autograd NN.Floats

/-- The `DyadicN` with value `m * 2 ^ e`. -/
def dn (m e : Int) : DyadicN := DyadicN.ofDyadic ⟨m, e⟩

/-- A dual-number tensor with primal `p` and tangent `t`. -/
def dualN (shape : List Nat) (p t : List DyadicN) : Tensor (Dual DyadicN) :=
  ⟨shape, (List.zipWith (fun a b => (⟨a, b⟩ : Dual DyadicN)) p t).toArray⟩

/-- `relu (x · w + x)` with `x, w : [2]`. -/
def probe : Graph where
  inputs := [⟨"x", [2]⟩]
  params := [⟨"w", [2]⟩]
  nodes := [
    ⟨.input 0, [], [2]⟩,
    ⟨.param 0, [], [2]⟩,
    ⟨.mul, [0, 1], [2]⟩,
    ⟨.add, [2, 0], [2]⟩,
    ⟨.relu, [3], [2]⟩]
  outputs := [4]

/-- `x = [1/2, -3/4]` with tangent `[1, 5/8]`. -/
def probeIns : List (Tensor (Dual DyadicN)) :=
  [dualN [2] [dn 1 (-1), dn (-3) (-2)] [dn 1 0, dn 5 (-3)]]

/-- `w = [3, 1/4]` with tangent `[-1/2, 7]`. -/
def probePs : List (Tensor (Dual DyadicN)) :=
  [dualN [2] [dn 3 0, dn 1 (-2)] [dn (-1) (-1), dn 7 0]]

/-- Cotangent `[1, 3/2]` on the output (node 4) and `-2` on element 1 of the hidden node 2. -/
def probeW : List (Term DyadicN) :=
  [(.node 4, 0, dn 1 0), (.node 4, 1, dn 3 (-1)), (.node 2, 1, dn (-1) 1)]

/-- `⟪w, J v⟫` on the probe. -/
def probeLhs : DyadicN :=
  pair probeW (tableTan ⟨probeIns, probePs⟩ (probe.denoteAll probeIns probePs))

/-- `⟪Jᵀ w, v⟫` on the probe. -/
def probeRhs : DyadicN := pair (vjp probe probeIns probePs probeW) (baseTan ⟨probeIns, probePs⟩)

-- By hand: node 2 = x·w = [3/2, -3/16], node 3 = [2, -15/16], node 4 = [2, 0]; tangents
-- d2 = dx·w + x·dw = [11/4, -163/32], d4 = [d2₀ + dx₀, 0] = [15/4, 0];
-- ⟪w, J v⟫ = 1 · 15/4 + 3/2 · 0 + (-2) · (-163/32) = 223/16.
#guard probeLhs = dn 223 (-4)
#guard probeRhs = dn 223 (-4)
#guard probeLhs = probeRhs

end NN.AutogradDyadic.Check
