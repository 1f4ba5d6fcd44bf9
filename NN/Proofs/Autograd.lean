import NN.Proofs.Autograd.Leaves
import NN.Proofs.Autograd.Elementwise
import NN.Proofs.Autograd.Affine
import NN.Proofs.Autograd.Structural
import NN.Proofs.Autograd.Reductions
import NN.Proofs.Autograd.Softmax
import NN.Proofs.Autograd.Normalisation

/-!
# Autograd soundness: reverse mode is the adjoint of forward mode

For every graph, every input and parameter values `x` with tangents `v` (the primal and tangent
parts of dual-number tensors), and every cotangent `w` (terms on the nodes of the value table):

`⟪w, jvp g x v⟫ = ⟪vjp g x w, v⟫`

where the left side pairs `w` with the tangent parts of the dual-number denotation
(`Graph.denoteAll` over `Dual α`, i.e. forward mode by definition) and the right side pairs the
terms `vjp` produces on the inputs and parameters with `v`. It holds over every scalar type with
the commutative-ring laws (`RingLaws`; `Int` is an instance), for every graph
(`vjp_adjoint_all`; the general form takes `Supported g.nodes`, no node's op in the — empty —
`excludedTags`).

## Main results

* `NN.Proofs.Autograd.linOK`: every supported op satisfies `LinOK` (dispatch to the per-op
  lemmas of `Leaves`, `Elementwise`, `Affine`, `Structural`, `Reductions`, `Softmax`, `Normalisation`).
* `NN.Proofs.Autograd.back_pair`: the graph-level induction over the node list.
* `NN.Proofs.Autograd.vjp_adjoint`: the theorem, with the tangent table of the empty prefix on
  the right; `NN.Proofs.Autograd.vjp_adjoint_base`: the same with `baseTan` (input and
  parameter tangents, nodes read as `0`); `NN.Proofs.Autograd.vjp_adjoint_all`: without the
  `Supported` hypothesis (`supported_all`).

## Implementation notes

The induction mirrors `Graph.denoteAll` (a left fold appending one node at a time): for the
prefix table `vals` and the next node `n` (id `k = vals.length`), the table after `n` agrees
with `vals` off node `k` (`step_other`) and its tangents at node `k` are the pairing of `n`'s
terms with the tangents of `vals` (`step_node`, from `linOK`); `pair_subst` then moves the
cotangent terms at node `k` onto earlier nodes, inputs and parameters. Reads of arguments that
are not earlier nodes (forward references, missing arguments) read `0` on both sides, so no
well-formedness hypothesis is needed.

Trust boundary: `vjp` reads the primal parts of the dual-number value table computed from `x`
and `v`; that those primal parts do not depend on `v` holds by construction of every rule of
`instScalarDual` (each primal is the `α` operation on primals) but is not stated as a lemma
here. `NN.Autograd.excludedTags` (ops excluded by name) is empty.
-/

namespace NN.Proofs.Autograd

open NN NN.IR NN.Spec NN.Autograd

variable {α : Type} [Scalar α] [RingLaws α]

/-- A contradiction from an excluded op. -/
theorem absurd_tf {P : Prop} (h : true = false) : P := by cases h

/-- Every op outside `excludedTags` satisfies `LinOK`. -/
theorem linOK : ∀ op : OpKind, excluded op = false → LinOK α op
  | .input m, _ => lin_input m
  | .param m, _ => lin_param m
  | .const bits, _ => lin_const bits
  | .add, _ => lin_add
  | .sub, _ => lin_sub
  | .mul, _ => lin_mul
  | .div, _ => lin_div
  | .max, _ => lin_max
  | .min, _ => lin_min
  | .neg, _ => lin_neg
  | .abs, _ => lin_abs
  | .relu, _ => lin_relu
  | .sigmoid, _ => lin_sigmoid
  | .tanh, _ => lin_tanh
  | .exp, _ => lin_exp
  | .log, _ => lin_log
  | .sqrt, _ => lin_sqrt
  | .leakyRelu a, _ => lin_leakyRelu a
  | .clip a, _ => lin_clip a
  | .linear, _ => lin_linear
  | .matmul, _ => lin_matmul
  | .conv2d a, _ => lin_conv2d a
  | .maxPool2d a, _ => lin_maxPool2d a
  | .avgPool2d a, _ => lin_avgPool2d a
  | .globalAvgPool, _ => lin_globalAvgPool
  | .batchNorm a, _ => lin_batchNorm a
  | .layerNorm a, _ => lin_layerNorm a
  | .softmax a, _ => lin_softmax a
  | .logSoftmax a, _ => lin_logSoftmax a
  | .reshape a, _ => lin_reshape a
  | .transpose a, _ => lin_transpose a
  | .concat a, _ => lin_concat a
  | .slice a, _ => lin_slice a
  | .pad a, _ => lin_pad a
  | .reduceSum a, _ => lin_reduceSum a
  | .reduceMean a, _ => lin_reduceMean a
  | .reduceMax a, _ => lin_reduceMax a
  | .convTranspose2d a, _ => lin_convTranspose2d a
  | .resize a, _ => lin_resize a
  | .erf, _ => lin_erf
  | .sin, _ => lin_sin
  | .cos, _ => lin_cos
  | .sign, _ => lin_sign
  | .floor, _ => lin_floor
  | .ceil, _ => lin_ceil
  | .round, _ => lin_round
  | .pow a, _ => lin_pow a
  | .«where», _ => lin_where
  | .embedding, _ => lin_embedding

/-- Argument `a` of a node read through the table equals the op's view of its arguments. -/
theorem relabel_ok (env : Env (Dual α)) (vals : List (Tensor (Dual α))) (args : List Nat) :
    ∀ s j, tableTan env vals (relabel vals.length args s) j = argTan env (argData vals args) s j
  | .node a, j => by
    show tanAt (nth vals (nth args a vals.length) default).data j =
      tanAt (nth (args.map (fun i => (nth vals i default).data)) a #[]) j
    by_cases ha : a < args.length
    · rw [nth_map_lt _ args a #[] vals.length ha]
      all_goals rfl
    · have hge : args.length ≤ a := by omega
      rw [nth_map_ge _ args a #[] hge, nth_ge args a vals.length hge,
        nth_ge vals vals.length default (Nat.le_refl _)]
      all_goals rfl
  | .inp _, _ => rfl
  | .par _, _ => rfl

/-- Appending a node does not change the tangents of other sites. -/
theorem step_other (env : Env (Dual α)) (vals : List (Tensor (Dual α))) (t : Tensor (Dual α)) :
    ∀ s, s ≠ .node vals.length → ∀ j, tableTan env (vals ++ [t]) s j = tableTan env vals s j
  | .node a, hs, j => by
    have ha : a ≠ vals.length := fun e => hs (congrArg Site.node e)
    show tanAt (nth (vals ++ [t]) a default).data j = tanAt (nth vals a default).data j
    rw [nth_append_ne vals t a default ha]
  | .inp _, _, _ => rfl
  | .par _, _, _ => rfl

/-- The tangent of the appended node is the pairing of its terms with the earlier tangents. -/
theorem step_node (g : Graph) (env : Env (Dual α)) (vals : List (Tensor (Dual α))) (n : Node)
    (hop : LinOK α n.op) (j : Nat) :
    tableTan env (vals ++ [Node.denote g env vals n]) (.node vals.length) j =
      pair (nodeLin g vals n j) (tableTan env vals) := by
  show tanAt (nth (vals ++ [Node.denote g env vals n]) vals.length default).data j = _
  rw [nth_append_len]
  exact (hop env (g.argShapes n) n.shape (argData vals n.args) j).trans
    (pair_mapSite (relabel vals.length n.args) (argTan env (argData vals n.args))
      (tableTan env vals) (relabel_ok env vals n.args) _).symm

/-- The graph-level induction: pairing cotangent terms with the tangents of the table after
`ns` equals pairing their pull-back through `ns` with the tangents of the table before. -/
theorem back_pair (g : Graph) (env : Env (Dual α)) :
    ∀ (ns : List Node) (vals : List (Tensor (Dual α))) (S : List (Term α)), Supported ns →
      pair S (tableTan env (foldNodes (Node.denote g env) vals ns)) =
        pair (back g env vals ns S) (tableTan env vals)
  | [], _, _, _ => rfl
  | n :: ns, vals, S, h => by
    show pair S (tableTan env
        (foldNodes (Node.denote g env) (vals ++ [Node.denote g env vals n]) ns)) =
      pair (substNode vals.length (nodeLin g vals n)
        (back g env (vals ++ [Node.denote g env vals n]) ns S)) (tableTan env vals)
    rw [back_pair g env ns (vals ++ [Node.denote g env vals n]) S (And.right h)]
    exact pair_subst vals.length (nodeLin g vals n) (tableTan env vals)
      (tableTan env (vals ++ [Node.denote g env vals n]))
      (step_node g env vals n (linOK n.op (And.left h)))
      (step_other env vals (Node.denote g env vals n)) _

/-- **Reverse mode is the adjoint of forward mode.** For every graph whose nodes avoid
`excludedTags`, dual-number inputs and parameters (primal `x`, tangent `v`) and cotangent
terms `w` on the nodes: `⟪w, tangents of denoteAll⟫ = ⟪vjp w, tangents of the empty table⟫`. -/
theorem vjp_adjoint (g : Graph) (inputs params : List (Tensor (Dual α))) (w : List (Term α))
    (h : Supported g.nodes) :
    pair w (tableTan ⟨inputs, params⟩ (g.denoteAll inputs params)) =
      pair (vjp g inputs params w) (tableTan ⟨inputs, params⟩ []) :=
  back_pair g ⟨inputs, params⟩ g.nodes [] w h

/-- The empty table reads nodes as `0`: its tangents are `baseTan`. -/
theorem tableTan_nil (env : Env (Dual α)) :
    ∀ s j, tableTan env ([] : List (Tensor (Dual α))) s j = baseTan env s j
  | .node k, j => by
    show tanAt (nth ([] : List (Tensor (Dual α))) k default).data j = ScalarRing.zero
    rw [nth_nil]
    exact tanAt_empty j
  | .inp _, _ => rfl
  | .par _, _ => rfl

/-- `vjp_adjoint` with the input and parameter tangents `v` (`baseTan`) on the right:
`⟪w, J v⟫ = ⟪Jᵀ w, v⟫`. -/
theorem vjp_adjoint_base (g : Graph) (inputs params : List (Tensor (Dual α)))
    (w : List (Term α)) (h : Supported g.nodes) :
    pair w (tableTan ⟨inputs, params⟩ (g.denoteAll inputs params)) =
      pair (vjp g inputs params w) (baseTan ⟨inputs, params⟩) :=
  (vjp_adjoint g inputs params w h).trans
    (pair_congr _ _ (tableTan_nil ⟨inputs, params⟩) _)

/-- With `excludedTags` empty, every node list is supported. -/
theorem supported_all : ∀ ns : List Node, Supported ns
  | [] => True.intro
  | _ :: ns => And.intro rfl (supported_all ns)

/-- **The theorem without hypothesis**: for every graph, `⟪w, J v⟫ = ⟪Jᵀ w, v⟫`. -/
theorem vjp_adjoint_all (g : Graph) (inputs params : List (Tensor (Dual α)))
    (w : List (Term α)) :
    pair w (tableTan ⟨inputs, params⟩ (g.denoteAll inputs params)) =
      pair (vjp g inputs params w) (baseTan ⟨inputs, params⟩) :=
  vjp_adjoint_base g inputs params w (supported_all g.nodes)

/-- `supportedB` decides `Supported`. -/
theorem supported_of_supportedB : ∀ ns : List Node, supportedB ns = true → Supported ns
  | [], _ => True.intro
  | n :: ns, h => by
    cases hx : excluded n.op with
    | false =>
      have h2 : supportedB ns = true := by
        have : supportedB (n :: ns) = (!excluded n.op && supportedB ns) := rfl
        rw [this, hx] at h
        exact h
      exact And.intro hx (supported_of_supportedB ns h2)
    | true =>
      have : supportedB (n :: ns) = (!excluded n.op && supportedB ns) := rfl
      rw [this, hx] at h
      exact absurd_tf h.symm

end NN.Proofs.Autograd
