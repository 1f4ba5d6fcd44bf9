import NN.IR.Rules

/-!
# Graphs and their well-formedness check

A graph is a statically shaped single-assignment DAG: node `k` may read only nodes `< k`, node id
= position in `nodes`, parameter values live outside the graph (in the payload).

## Main definitions

* `NN.IR.Node`: op (with attributes), argument ids, declared output shape.
* `NN.IR.TensorDecl`, `NN.IR.Graph`: declared inputs and parameters, nodes in SSA order, outputs.
* `NN.IR.Graph.shapeOf`, `NN.IR.Graph.argShapes`: static shapes of nodes and of a node's args.
* `NN.IR.Graph.checkNode`, `NN.IR.Graph.check`: the well-formedness check, as in
  `tlean.ir.check`: arity, no forward reference, leaf indices and declared shapes, const sizes,
  attributes, and every non-leaf node's shape equal to its shape rule's; outputs exist.

## Main results

None here (the check is a decision procedure; the compiler correctness theorem does not even
need its success to hold, see `NN/Proofs/IRExec.lean`).

## Implementation notes

Shapes are read from the nodes' declared shapes; because the check recomputes every non-leaf
shape with its rule, a checked graph's declared shapes are the rule's.

Trust boundary: the check is executable code, not a proved property; it is what a user runs
before trusting shapes.
-/

namespace NN.IR

open NN

/-- One SSA value: its op (with attributes), the ids of the nodes it reads, its output shape. -/
structure Node where
  /-- The op and its attributes. -/
  op : OpKind
  /-- The ids of the argument nodes (all smaller than this node's id). -/
  args : List Nat
  /-- The declared output shape. -/
  shape : Shape
deriving Repr, Inhabited

/-- A named, statically shaped tensor (a graph input or a parameter). -/
structure TensorDecl where
  /-- The name in the source model. -/
  name : String
  /-- The shape. -/
  shape : Shape
deriving Repr, Inhabited

/-- An IR graph. -/
structure Graph where
  /-- Declared inputs. -/
  inputs : List TensorDecl
  /-- Declared parameters (values in the payload). -/
  params : List TensorDecl
  /-- Nodes in topological (SSA) order; node id = position. -/
  nodes : List Node
  /-- Ids of the output nodes. -/
  outputs : List Nat
deriving Repr, Inhabited

namespace Graph

/-- The declared shape of node `i` (`[]` when out of range). -/
def shapeOf (g : Graph) (i : Nat) : Shape := (nth g.nodes i default).shape

/-- The static shapes of a node's arguments. -/
def argShapes (g : Graph) (n : Node) : List Shape := n.args.map g.shapeOf

/-- The `where` condition rule (as `tlean.ir._check_where_mask`): argument 0 of node `n` must be a
`const` node whose bit patterns are all `+0.0` (`0x00000000`) or `1.0` (`0x3F800000`). -/
def checkWhereMask (g : Graph) (k : Nat) (n : Node) : Except String Unit :=
  let c := nth n.args 0 0
  match (nth g.nodes c default).op with
  | .const bits =>
    require (bits.all (fun b => b == 0x00000000 || b == 0x3F800000))
      s!"node {k}: where: the condition const may hold only +0.0 and 1.0"
  | _ => .error s!"node {k}: where: the condition (node {c}) must be a const node"

/-- Checks node number `k`. -/
def checkNode (g : Graph) (k : Nat) (n : Node) : Except String Unit := do
  let t := n.op.tag
  let na := n.args.length
  let arityOk := decide (t.minArity ≤ na) &&
    (match t.maxArity with
     | some m => decide (na ≤ m)
     | none => true)
  require arityOk s!"node {k}: {t.name} takes at least {t.minArity} input(s), got {na}"
  require (allNat (fun i => decide (i < k)) n.args)
    s!"node {k}: an input is not an earlier node (forward reference) in {n.args}"
  match n.op with
  | .input i =>
    require (decide (i < g.inputs.length)) s!"node {k}: input index {i} out of range"
    require ((nth g.inputs i default).shape == n.shape)
      s!"node {k}: shape {n.shape} differs from declared {(nth g.inputs i default).shape}"
  | .param j =>
    require (decide (j < g.params.length)) s!"node {k}: param index {j} out of range"
    require ((nth g.params j default).shape == n.shape)
      s!"node {k}: shape {n.shape} differs from declared {(nth g.params j default).shape}"
  | .const bits =>
    require (bits.length == Shape.size n.shape)
      s!"node {k}: const has {bits.length} values for shape {n.shape}"
  | op => do
    if op.tag == OpTag.«where» then checkWhereMask g k n
    match op.inferShape (g.argShapes n) with
    | .error e => .error s!"node {k}: {e}"
    | .ok s =>
      require (s == n.shape)
        s!"node {k}: {t.name}: declared shape {n.shape} but the shape rule gives {s}"

/-- Checks the nodes of a list, numbering them from `k`. -/
def checkNodes (g : Graph) : Nat → List Node → Except String Unit
  | _, [] => .ok ()
  | k, n :: ns => do
    checkNode g k n
    checkNodes g (k + 1) ns

/-- The well-formedness check of a graph (as `tlean.ir.check`). -/
def check (g : Graph) : Except String Unit := do
  require (!g.nodes.isEmpty) "graph has no nodes"
  g.checkNodes 0 g.nodes
  require (!g.outputs.isEmpty) "graph has no outputs"
  require (allNat (fun o => decide (o < g.nodes.length)) g.outputs)
    s!"an output in {g.outputs} is not a node (graph has {g.nodes.length})"

end Graph

end NN.IR
