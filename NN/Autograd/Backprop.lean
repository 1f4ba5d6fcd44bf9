import NN.IR.Denote
import NN.Autograd.Dual

/-!
# Reverse mode on the IR

One VJP rule per op and a backward pass over the node list. Every rule is the transpose of the
op's forward (dual-number) rule: the tangent of output element `i` of an op is a linear
combination `Σ c · ṫ` of tangents of its arguments (the *linear terms* of `i`, with
coefficients computed from primal values only), and the VJP sends a cotangent `w` at `i` to
the same terms scaled by `w` — for a gather through a `Plan`, a scatter-add over the same keys.

## Main definitions

* `NN.Autograd.Site`, `NN.Autograd.Term`: a tangent/cotangent position (a node of the value
  table, a graph input, a parameter) and a linear term `(site, offset, coefficient)`.
* `NN.Autograd.pair`: the pairing `⟪s, E⟫ = Σ c · E site offset` of a list of terms with a
  tangent table `E`.
* `NN.Autograd.planLin`: the linear terms of a gather through a plan, key by key.
* `NN.Autograd.opLin`: the linear terms of output `i` of every op; `excludedTags`, `excluded`:
  the ops without a proved rule (none at present; the mechanism stays for future ops).
* `NN.Autograd.substNode`: one backward step (replace the cotangent terms at node `k` by the
  node's terms, scaled); `NN.Autograd.back`, `NN.Autograd.vjp`: the backward pass.
* `NN.Autograd.jvp`: the tangent parts of the dual-number denotation of the outputs.
* `NN.Autograd.gradAt`, `NN.Autograd.inputGrad`, `NN.Autograd.paramGrad`: dense gradients from
  the sparse cotangent terms.

## Main results

None here; `NN/Proofs/Autograd.lean` proves `vjp_adjoint`.

## Implementation notes

Cotangents are *sparse* lists of terms, so a scatter-add is a list append and the adjoint
identity needs no bound or size argument (out-of-range reads are `0` on both sides). The
backward pass runs the forward pass on the way down the node list (the call stack keeps the
value table of each prefix) and substitutes node `k`'s terms on the way back up, so node `k`
is processed after every later node, in reverse order. This is the reference semantics, not
an efficient implementation: terms are not merged, so the number of terms grows with the
number of paths through the graph (`tlean.autograd` accumulates dense arrays instead).
Argument positions in `opLin` are `Site.node a` for argument number `a`; `nodeLin` relabels
them to node ids.

Trust boundary: the theorem assumes no node's op is in `excludedTags` (empty at present, so the
hypothesis always holds: `NN.Proofs.Autograd.supported_all`).
-/

namespace NN.Autograd

open NN NN.IR NN.Spec

/-- A position of the tangent/cotangent state: a node of the value table, a graph input, a
parameter. -/
inductive Site where
  /-- Node `k` of the value table (in op rules: argument number `k`). -/
  | node (k : Nat)
  /-- Graph input `m`. -/
  | inp (m : Nat)
  /-- Parameter `m`. -/
  | par (m : Nat)
deriving DecidableEq, Repr

/-- A linear term: site, element offset, coefficient. -/
abbrev Term (α : Type) := Site × Nat × α

section Terms

variable {α : Type} [Scalar α]

/-- `⟪s, E⟫ = Σ_{(site, j, c) ∈ s} c · E site j` (right fold, from zero). -/
def pair : List (Term α) → (Site → Nat → α) → α
  | [], _ => ScalarRing.zero
  | q :: rest, E => ScalarRing.add (ScalarRing.mul q.2.2 (E q.1 q.2.1)) (pair rest E)

/-- Multiplies every coefficient by `c` (on the left). -/
def scaleTerms (c : α) : List (Term α) → List (Term α)
  | [] => []
  | q :: rest => (q.1, q.2.1, ScalarRing.mul c q.2.2) :: scaleTerms c rest

/-- Renames the sites of terms. -/
def mapSite (r : Site → Site) : List (Term α) → List (Term α)
  | [] => []
  | q :: rest => (r q.1, q.2.1, q.2.2) :: mapSite r rest

/-- One backward step: every term at `node k` is replaced by the terms `L j` of element `j` of
node `k`, scaled by its coefficient (the chain rule); other terms are kept. -/
def substNode (k : Nat) (L : Nat → List (Term α)) : List (Term α) → List (Term α)
  | [] => []
  | q :: rest =>
    (if q.1 = Site.node k then scaleTerms q.2.2 (L q.2.1) else [q]) ++ substNode k L rest

/-- The tangent of element `j` of a dual array (`0` out of range). -/
def tanAt (a : Array (Dual α)) (j : Nat) : α := (valAt a j).tan

/-- The primal of element `j` of a dual array (`0` out of range). -/
def priAt (a : Array (Dual α)) (j : Nat) : α := (valAt a j).pri

/-- Tangents seen by an op: its arguments' (`node a` = argument `a`) and the graph's inputs and
parameters. -/
def argTan (env : Env (Dual α)) (xs : List (Array (Dual α))) : Site → Nat → α
  | .node a, j => tanAt (arg xs a) j
  | .inp m, j => tanAt (nth env.inputs m default).data j
  | .par m, j => tanAt (nth env.params m default).data j

/-- Tangents of a value table (`node k` = node `k`), the inputs and the parameters. -/
def tableTan (env : Env (Dual α)) (vals : List (Tensor (Dual α))) : Site → Nat → α
  | .node k, j => tanAt (nth vals k default).data j
  | .inp m, j => tanAt (nth env.inputs m default).data j
  | .par m, j => tanAt (nth env.params m default).data j

/-- The input and parameter tangents `v` (nodes read as `0`). -/
def baseTan (env : Env (Dual α)) : Site → Nat → α
  | .node _, _ => ScalarRing.zero
  | .inp m, j => tanAt (nth env.inputs m default).data j
  | .par m, j => tanAt (nth env.params m default).data j

/-! ### Linear terms of the ops -/

/-- The terms of output `i` of a gather, from the terms `T key` of each key. -/
def planLin {κ : Type} (p : Plan κ) (T : κ → List (Term α)) (i : Nat) : List (Term α) :=
  nth ((List.range p.size).map (fun j => T (p.key j))) i []

/-- `c · ẋ[j]` for argument 0. -/
def scaleT (c : α) (j : Nat) : List (Term α) := [(.node 0, j, c)]

/-- `ẋ[j]` of argument 0 when `b`, else nothing. -/
def selT (b : Bool) (j : Nat) : List (Term α) := cond b [(.node 0, j, ScalarRing.one)] []

/-- Terms of an elementwise unary op: `T (x[j] primal) j` for output `j`. -/
def unaryLin (o : Shape) (T : α → Nat → List (Term α)) (x : Array (Dual α)) :
    Nat → List (Term α) :=
  planLin (idPlan o) (fun j => T (priAt x j) j)

/-- Terms of a broadcast binary op: `T a b ka kb` at the broadcast offsets `(ka, kb)`. -/
def binaryLin (sa sb o : Shape) (T : α → α → Nat → Nat → List (Term α)) (a b : Array (Dual α)) :
    Nat → List (Term α) :=
  planLin (binaryPlan sa sb o) (fun k => T (priAt a k.1) (priAt b k.2) k.1 k.2)

/-- `ȧ + ḃ`. -/
def addT (_a _b : α) (ka kb : Nat) : List (Term α) :=
  [(.node 0, ka, ScalarRing.one), (.node 1, kb, ScalarRing.one)]

/-- `ȧ - ḃ`. -/
def subT (_a _b : α) (ka kb : Nat) : List (Term α) :=
  [(.node 0, ka, ScalarRing.one), (.node 1, kb, ScalarRing.neg ScalarRing.one)]

/-- `b·ȧ + a·ḃ`. -/
def mulT (a b : α) (ka kb : Nat) : List (Term α) := [(.node 0, ka, b), (.node 1, kb, a)]

/-- `(1/b)·ȧ + (-(a/b)/b)·ḃ`. -/
def divT (a b : α) (ka kb : Nat) : List (Term α) :=
  [(.node 0, ka, dDivL a b), (.node 1, kb, dDivR a b)]

/-- `max`: the tangent of the returned argument (`b` on ties). -/
def maxT (a b : α) (ka kb : Nat) : List (Term α) :=
  cond (ScalarRing.lt b a) [(.node 0, ka, ScalarRing.one)] [(.node 1, kb, ScalarRing.one)]

/-- `min`: the tangent of the returned argument (`b` on ties). -/
def minT (a b : α) (ka kb : Nat) : List (Term α) :=
  cond (ScalarRing.lt a b) [(.node 0, ka, ScalarRing.one)] [(.node 1, kb, ScalarRing.one)]

/-- A copy of argument 0 at offset `k`. -/
def copyT (k : Nat) : List (Term α) := [(.node 0, k, ScalarRing.one)]

/-- `concat`: a copy of argument `k.1` at offset `k.2`. -/
def concatT (k : Nat × Nat) : List (Term α) := [(.node k.1, k.2, ScalarRing.one)]

/-- `pad`: a copy, or nothing for a pad element. -/
def padT : Option Nat → List (Term α)
  | some j => [(.node 0, j, ScalarRing.one)]
  | none => []

/-- Terms of `Σ x[p.1] · w[p.2]`: `w[p.2]·ẋ[p.1] + x[p.1]·ẇ[p.2]` per pair, in order. -/
def pairsT (x w : Array (Dual α)) : List (Nat × Nat) → List (Term α)
  | [] => []
  | p :: ps => (.node 0, p.1, priAt w p.2) :: (.node 1, p.2, priAt x p.1) :: pairsT x w ps

/-- Terms of the bias of a dot-product key (argument 2). -/
def biasT : Option Nat → List (Term α)
  | some j => [(.node 2, j, ScalarRing.one)]
  | none => []

/-- Terms of `dotRead x w b k`. -/
def dotT (x w : Array (Dual α)) (k : List (Nat × Nat) × Option Nat) : List (Term α) :=
  pairsT x w k.1 ++ biasT k.2

/-- Terms of `Σ x[j]` over the offsets (argument 0), in order. -/
def sumT : List Nat → List (Term α)
  | [] => []
  | j :: js => (.node 0, j, ScalarRing.one) :: sumT js

/-- Terms of a mean `(Σ x[j]) / n`: the sum's terms scaled by `1/n`. -/
def meanT (l : List Nat) (n : Nat) : List (Term α) :=
  scaleTerms (Scalar.div ScalarRing.one (ScalarRing.fromNat n)) (sumT l)

/-- The selection of `maxList` (left fold of `smax`, ties to the later element): the running
maximum's primal `p`, its terms `T`, the offsets still to read. -/
def maxGo (x : Array (Dual α)) : α → List (Term α) → List Nat → List (Term α)
  | _, T, [] => T
  | p, T, k :: ks =>
    maxGo x (ScalarRing.max p (priAt x k))
      (cond (ScalarRing.lt (priAt x k) p) T [(.node 0, k, ScalarRing.one)]) ks

/-- Terms of `maxList` over the offsets: the selected element (none for an empty window). -/
def maxListT (x : Array (Dual α)) : List Nat → List (Term α)
  | [] => []
  | k :: ks => maxGo x (priAt x k) [(.node 0, k, ScalarRing.one)] ks

/-- `sign`: the tangent passes only where the forward pass returns `x` itself (`±0`, NaN). -/
def signT (p : α) (j : Nat) : List (Term α) :=
  cond (ScalarRing.lt ScalarRing.zero p) []
    (cond (ScalarRing.lt p ScalarRing.zero) [] [(.node 0, j, ScalarRing.one)])

/-- `clip lo hi` (derived: `min (max x lo) hi`, ties to the bound): whether the forward pass
returns `x`'s own value (strictly inside the bounds). -/
def clipSel (lo hi : Option α) (p : α) : Bool :=
  match lo, hi with
  | none, none => true
  | some l, none => ScalarRing.lt l p
  | none, some h => ScalarRing.lt p h
  | some l, some h => ScalarRing.lt l p && ScalarRing.lt (ScalarRing.max p l) h

/-- `where c x y`: the selected operand (`x` = argument 1 where `0 < c`, else `y` = argument 2). -/
def whereT (c : Array (Dual α)) (k : Nat × Nat × Nat) : List (Term α) :=
  cond (ScalarRing.lt ScalarRing.zero (priAt c k.1)) [(.node 1, k.2.1, ScalarRing.one)]
    [(.node 2, k.2.2, ScalarRing.one)]

/-- `resize`: a leaf is a copy, `lerp w0 w1 a b` scales the two subtrees' terms. -/
def resizeT : ResizeKey → List (Term α)
  | .leaf j => [(.node 0, j, ScalarRing.one)]
  | .lerp w0 w1 a b =>
    scaleTerms (Scalar.ofBits w0) (resizeT a) ++ scaleTerms (Scalar.ofBits w1) (resizeT b)

/-- `embedding`: the selected table element (argument 0), if any; the ids get no term. -/
def embedSel (rowSize k2 : Nat) : Option Nat → List (Term α)
  | some v => [(.node 0, v * rowSize + k2, ScalarRing.one)]
  | none => []

/-- `embedding` terms of key `k` (the row is found from the ids' primal values). -/
def embedT (rows rowSize : Nat) (idx : Array (Dual α)) (k : Nat × Nat) : List (Term α) :=
  embedSel rowSize k.2 (tokenRow rows (valAt idx k.1))

/-- `A − B` as terms: `A ++ (−1)·B`. -/
def subTerms (A B : List (Term α)) : List (Term α) :=
  A ++ scaleTerms (ScalarRing.neg ScalarRing.one) B

/-- The concatenation of the terms `G j` over the offsets. -/
def bindT (G : Nat → List (Term α)) : List Nat → List (Term α)
  | [] => []
  | j :: js => G j ++ bindT G js

/-- Terms of `exp (x[j] − m)` where `m` has primal `mp` and terms `M`. -/
def shiftedExpT (x : Array (Dual α)) (mp : α) (M : List (Term α)) (j : Nat) : List (Term α) :=
  scaleTerms (dExp (ScalarRing.sub (priAt x j) mp)) (subTerms [(.node 0, j, ScalarRing.one)] M)

/-- Terms of the row sum `Σ exp (x[j] − m)` of a softmax row (`m` the row maximum). -/
def rowSumT (x : Array (Dual α)) (row : List Nat) : List (Term α) :=
  bindT (shiftedExpT x (rowStats x row).1.pri (maxListT x row)) row

/-- `logSoftmax` terms: `ẋᵢ − ṁ − (1/S)·Ṡ`. -/
def logSoftmaxT (x : Array (Dual α)) (k : Nat × List Nat) : List (Term α) :=
  subTerms (subTerms [(.node 0, k.1, ScalarRing.one)] (maxListT x k.2))
    (scaleTerms (dLog (rowStats x k.2).2.pri) (rowSumT x k.2))

/-- `softmax` terms: `∂(e/S)/∂e · ė + ∂(e/S)/∂S · Ṡ` with `e = exp (xᵢ − m)`. -/
def softmaxT (x : Array (Dual α)) (k : Nat × List Nat) : List (Term α) :=
  scaleTerms
      (dDivL (Scalar.exp (ScalarRing.sub (valAt x k.1) (rowStats x k.2).1)).pri
        (rowStats x k.2).2.pri)
      (shiftedExpT x (rowStats x k.2).1.pri (maxListT x k.2) k.1) ++
    scaleTerms
      (dDivR (Scalar.exp (ScalarRing.sub (valAt x k.1) (rowStats x k.2).1)).pri
        (rowStats x k.2).2.pri)
      (rowSumT x k.2)

/-- `batchNorm` terms (arguments `x scale bias mean var` = `0 1 2 3 4`): the tangent of
`((x − mean) / sqrt (var + ε)) · scale + bias`, term for term as the dual-number rules compute it. -/
def bnT (x scale mean var : Array (Dual α)) (eps : UInt32) (k : Nat × Nat) : List (Term α) :=
  (scaleTerms (priAt scale k.2)
      (scaleTerms
          (dDivL (ScalarRing.sub (priAt x k.1) (priAt mean k.2))
            (Scalar.sqrt (ScalarRing.add (priAt var k.2) (Scalar.ofBits eps))))
          (subTerms [(.node 0, k.1, ScalarRing.one)] [(.node 3, k.2, ScalarRing.one)]) ++
        scaleTerms
          (dDivR (ScalarRing.sub (priAt x k.1) (priAt mean k.2))
            (Scalar.sqrt (ScalarRing.add (priAt var k.2) (Scalar.ofBits eps))))
          (scaleTerms (dSqrt (ScalarRing.add (priAt var k.2) (Scalar.ofBits eps)))
            ([(.node 4, k.2, ScalarRing.one)] ++ []))) ++
    scaleTerms
      (Scalar.div (ScalarRing.sub (priAt x k.1) (priAt mean k.2))
        (Scalar.sqrt (ScalarRing.add (priAt var k.2) (Scalar.ofBits eps))))
      [(.node 1, k.2, ScalarRing.one)]) ++
  [(.node 2, k.2, ScalarRing.one)]

/-- Terms of one squared deviation `(x[j] − μ)·(x[j] − μ)` (`μ` with primal `mup`, terms `MU`). -/
def sqDevT (x : Array (Dual α)) (mup : α) (MU : List (Term α)) (j : Nat) : List (Term α) :=
  scaleTerms (ScalarRing.sub (priAt x j) mup) (subTerms [(.node 0, j, ScalarRing.one)] MU) ++
    scaleTerms (ScalarRing.sub (priAt x j) mup) (subTerms [(.node 0, j, ScalarRing.one)] MU)

/-- Terms of the (biased) variance of a group around its mean. -/
def varT (x : Array (Dual α)) (g : List Nat) : List (Term α) :=
  scaleTerms (Scalar.div ScalarRing.one (ScalarRing.fromNat g.length))
    (bindT (sqDevT x (groupMean x g).pri (meanT g g.length)) g)

/-- `layerNorm` terms (arguments `x scale bias` = `0 1 2`): the tangent of
`((x − μ) / sqrt (σ² + ε)) · scale + bias` with the group mean `μ` and variance `σ²`. -/
def lnT (x scale : Array (Dual α)) (eps : UInt32) (hasBias : Bool)
    (k : Nat × Nat × List Nat) : List (Term α) :=
  (scaleTerms (priAt scale k.2.1)
      (scaleTerms
          (dDivL (ScalarRing.sub (priAt x k.1) (groupMean x k.2.2).pri)
            (Scalar.sqrt (ScalarRing.add (groupVar x k.2.2 (groupMean x k.2.2)).pri
              (Scalar.ofBits eps))))
          (subTerms [(.node 0, k.1, ScalarRing.one)] (meanT k.2.2 k.2.2.length)) ++
        scaleTerms
          (dDivR (ScalarRing.sub (priAt x k.1) (groupMean x k.2.2).pri)
            (Scalar.sqrt (ScalarRing.add (groupVar x k.2.2 (groupMean x k.2.2)).pri
              (Scalar.ofBits eps))))
          (scaleTerms
            (dSqrt (ScalarRing.add (groupVar x k.2.2 (groupMean x k.2.2)).pri (Scalar.ofBits eps)))
            (varT x k.2.2 ++ []))) ++
    scaleTerms
      (Scalar.div (ScalarRing.sub (priAt x k.1) (groupMean x k.2.2).pri)
        (Scalar.sqrt (ScalarRing.add (groupVar x k.2.2 (groupMean x k.2.2)).pri
          (Scalar.ofBits eps))))
      [(.node 1, k.2.1, ScalarRing.one)]) ++
  biasT (if hasBias then some k.2.1 else none)

/-- The linear terms of output `i` of an op (argument `a` is `Site.node a`), for every op of
the IR. Coefficients read primal parts only. -/
def opLin : OpKind → List Shape → Shape → List (Array (Dual α)) → Nat → List (Term α)
  | .input m, _, _, _ => fun i => [(.inp m, i, ScalarRing.one)]
  | .param m, _, _, _ => fun i => [(.par m, i, ScalarRing.one)]
  | .const _, _, _, _ => fun _ => []
  | .add, ss, o, xs => binaryLin (shp ss 0) (shp ss 1) o addT (arg xs 0) (arg xs 1)
  | .sub, ss, o, xs => binaryLin (shp ss 0) (shp ss 1) o subT (arg xs 0) (arg xs 1)
  | .mul, ss, o, xs => binaryLin (shp ss 0) (shp ss 1) o mulT (arg xs 0) (arg xs 1)
  | .div, ss, o, xs => binaryLin (shp ss 0) (shp ss 1) o divT (arg xs 0) (arg xs 1)
  | .max, ss, o, xs => binaryLin (shp ss 0) (shp ss 1) o maxT (arg xs 0) (arg xs 1)
  | .min, ss, o, xs => binaryLin (shp ss 0) (shp ss 1) o minT (arg xs 0) (arg xs 1)
  | .neg, _, o, xs => unaryLin o (fun _ j => scaleT (ScalarRing.neg ScalarRing.one) j) (arg xs 0)
  | .abs, _, o, xs => unaryLin o (fun p j => scaleT (dAbs p) j) (arg xs 0)
  | .relu, _, o, xs => unaryLin o (fun p j => selT (ScalarRing.lt ScalarRing.zero p) j) (arg xs 0)
  | .sigmoid, _, o, xs => unaryLin o (fun p j => scaleT (dSigmoid p) j) (arg xs 0)
  | .leakyRelu a, _, o, xs =>
    unaryLin o (fun p j => scaleT (dLeaky (Scalar.ofBits a.alpha) p) j) (arg xs 0)
  | .sign, _, o, xs => unaryLin o signT (arg xs 0)
  | .clip a, _, o, xs =>
    unaryLin o (fun p j => selT (clipSel (a.lo.map Scalar.ofBits) (a.hi.map Scalar.ofBits) p) j)
      (arg xs 0)
  | .«where», ss, o, xs =>
    planLin (wherePlan (shp ss 0) (shp ss 1) (shp ss 2) o) (whereT (arg xs 0))
  | .reduceSum a, ss, o, _ => planLin (reducePlan a.axes a.keepDims (shp ss 0) o) sumT
  | .reduceMean a, ss, o, _ =>
    planLin (reducePlan a.axes a.keepDims (shp ss 0) o) (fun l => meanT l l.length)
  | .reduceMax a, ss, o, xs =>
    planLin (reducePlan a.axes a.keepDims (shp ss 0) o) (maxListT (arg xs 0))
  | .maxPool2d a, ss, o, xs =>
    planLin (poolPlan (shp ss 0) a.kernel a.strides a.pads o) (maxListT (arg xs 0))
  | .avgPool2d a, ss, o, _ =>
    planLin (avgPlan (shp ss 0) a.kernel a.strides a.pads a.countIncludePad o)
      (fun k => meanT k.1 k.2)
  | .globalAvgPool, ss, o, _ => planLin (globalPlan (shp ss 0) o) (fun k => meanT k.1 k.2)
  | .batchNorm a, ss, o, xs =>
    planLin (batchNormPlan (shp ss 0) o) (bnT (arg xs 0) (arg xs 1) (arg xs 3) (arg xs 4) a.epsilon)
  | .layerNorm a, ss, o, xs =>
    planLin (layerNormPlan a.axis (shp ss 0) o)
      (lnT (arg xs 0) (arg xs 1) a.epsilon (ss.length == 3))
  | .softmax a, ss, o, xs => planLin (axisPlan a.axis (shp ss 0) o) (softmaxT (arg xs 0))
  | .logSoftmax a, ss, o, xs => planLin (axisPlan a.axis (shp ss 0) o) (logSoftmaxT (arg xs 0))
  | .resize a, ss, o, _ =>
    planLin (resizePlan a.index0 a.index1 a.weight0 a.weight1 (shp ss 0) o) resizeT
  | .embedding, ss, o, xs =>
    planLin (embedPlan (shp ss 0) o)
      (embedT (nth (shp ss 0) 0 0) (Shape.size ((shp ss 0).drop 1)) (arg xs 1))
  | .tanh, _, o, xs => unaryLin o (fun p j => scaleT (dTanh p) j) (arg xs 0)
  | .exp, _, o, xs => unaryLin o (fun p j => scaleT (dExp p) j) (arg xs 0)
  | .log, _, o, xs => unaryLin o (fun p j => scaleT (dLog p) j) (arg xs 0)
  | .sqrt, _, o, xs => unaryLin o (fun p j => scaleT (dSqrt p) j) (arg xs 0)
  | .erf, _, o, xs => unaryLin o (fun p j => scaleT (dErf p) j) (arg xs 0)
  | .sin, _, o, xs => unaryLin o (fun p j => scaleT (dSin p) j) (arg xs 0)
  | .cos, _, o, xs => unaryLin o (fun p j => scaleT (dCos p) j) (arg xs 0)
  | .floor, _, o, xs => unaryLin o (fun _ _ => []) (arg xs 0)
  | .ceil, _, o, xs => unaryLin o (fun _ _ => []) (arg xs 0)
  | .round, _, o, xs => unaryLin o (fun _ _ => []) (arg xs 0)
  | .pow a, _, o, xs =>
    unaryLin o (fun p j => scaleT (dPow p (Scalar.ofBits a.exponent)) j) (arg xs 0)
  | .linear, ss, o, xs =>
    planLin (linearPlan (shp ss 1) (ss.length == 3) o) (dotT (arg xs 0) (arg xs 1))
  | .matmul, ss, o, xs =>
    planLin (matmulPlan (shp ss 0) (shp ss 1) o) (fun k => pairsT (arg xs 0) (arg xs 1) k.1)
  | .conv2d a, ss, o, xs =>
    planLin (convPlan (shp ss 0) (shp ss 1) a.strides a.pads a.dilations a.groups
      (ss.length == 3) o) (dotT (arg xs 0) (arg xs 1))
  | .convTranspose2d a, ss, o, xs =>
    planLin (convTransposePlan (shp ss 0) (shp ss 1) a.strides a.pads a.dilations a.groups
      (ss.length == 3) o) (dotT (arg xs 0) (arg xs 1))
  | .reshape _, _, o, _ => planLin (idPlan o) copyT
  | .transpose a, ss, o, _ => planLin (transposePlan a.perm (shp ss 0) o) copyT
  | .slice a, ss, o, _ => planLin (slicePlan a.starts a.axes a.steps (shp ss 0) o) copyT
  | .concat a, ss, o, _ => planLin (concatPlan a.axis ss o) concatT
  | .pad a, ss, o, _ => planLin (padPlan a.pads (shp ss 0) o) padT

end Terms

/-- The ops without a proved reverse rule (excluded by name from `vjp_adjoint`). Empty: every
op of the IR has its rule and lemma. (To exclude an op whose lemma breaks, add its tag here,
replace its branch of `NN.Proofs.Autograd.linOK` by `absurd_tf h`, delete
`NN.Proofs.Autograd.supported_all` and `vjp_adjoint_all`, and drop the `!excluded` check of
`NN/Tests/Autograd.lean`; see `NN/Autograd/README.md`.) -/
def excludedTags : List OpTag := []

/-- `true` for the ops of `excludedTags`. -/
def excluded (op : OpKind) : Bool := excludedTags.contains op.tag

/-- Every node of the list has a proved reverse rule. -/
def Supported : List Node → Prop
  | [] => True
  | n :: ns => excluded n.op = false ∧ Supported ns

/-- `Supported`, decided (for `#guard` and users). -/
def supportedB : List Node → Bool
  | [] => true
  | n :: ns => !excluded n.op && supportedB ns

section Backward

variable {α : Type} [Scalar α]

/-- Argument number `a` of a node with arguments `args`, read in a table of `k` values: node
`args[a]` (a missing argument reads as node `k`, which is not in the table, hence `0`). -/
def relabel (k : Nat) (args : List Nat) : Site → Site
  | .node a => .node (nth args a k)
  | .inp m => .inp m
  | .par m => .par m

/-- The terms of element `i` of node `n`, evaluated after the table `vals` of the earlier nodes,
with node ids. -/
def nodeLin (g : Graph) (vals : List (Tensor (Dual α))) (n : Node) (i : Nat) : List (Term α) :=
  mapSite (relabel vals.length n.args) (opLin n.op (g.argShapes n) n.shape (argData vals n.args) i)

/-- The backward pass over `ns` (evaluated after `vals`): evaluate forward on the way down,
substitute each node's terms on the way back up (last node first). -/
def back (g : Graph) (env : Env (Dual α)) :
    List (Tensor (Dual α)) → List Node → List (Term α) → List (Term α)
  | _, [], S => S
  | vals, n :: ns, S =>
    substNode vals.length (nodeLin g vals n) (back g env (vals ++ [Node.denote g env vals n]) ns S)

/-- Reverse mode: the cotangent terms `w` on nodes pulled back to terms on the graph's inputs
and parameters (`Jᵀ w`; node terms that remain have a zero tangent). Reads only the primal
parts of `inputs` and `params`. -/
def vjp (g : Graph) (inputs params : List (Tensor (Dual α))) (w : List (Term α)) :
    List (Term α) :=
  back g ⟨inputs, params⟩ [] g.nodes w

/-- Forward mode: the tangent data of the outputs of the dual-number denotation (`J v`). -/
def jvp (g : Graph) (inputs params : List (Tensor (Dual α))) : List (Array α) :=
  (g.eval inputs params).map (fun t => t.data.map Dual.tan)

/-- The total coefficient of the terms at `(s, j)`. -/
def coeffAt (S : List (Term α)) (s : Site) (j : Nat) : α :=
  S.foldl (fun acc q => if q.1 = s ∧ q.2.1 = j then ScalarRing.add acc q.2.2 else acc)
    ScalarRing.zero

/-- The dense gradient of site `s` with `n` elements. -/
def gradAt (S : List (Term α)) (s : Site) (n : Nat) : Array α :=
  ((List.range n).map (coeffAt S s)).toArray

/-- The gradient of input `m` (the shape's size is read from the input tensor). -/
def inputGrad (S : List (Term α)) (inputs : List (Tensor (Dual α))) (m : Nat) : Array α :=
  gradAt S (.inp m) (nth inputs m default).data.size

/-- The gradient of parameter `m`. -/
def paramGrad (S : List (Term α)) (params : List (Tensor (Dual α))) (m : Nat) : Array α :=
  gradAt S (.par m) (nth params m default).data.size

/-- A tensor of dual numbers with zero tangents (a primal point). -/
def liftTensor (t : Tensor α) : Tensor (Dual α) := ⟨t.shape, t.data.map Dual.const⟩

/-- Cotangent terms `w` on output `k` (node id) from dense data. -/
def cotangentOn (k : Nat) (w : Array α) : List (Term α) :=
  (List.range w.size).map (fun j => (.node k, j, w.getD j ScalarRing.zero))

end Backward

end NN.Autograd
