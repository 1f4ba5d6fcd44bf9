import Lean

/-!
# `tlean_audit`: every declaration of the audited modules and the axioms it rests on

`lake exe tlean_audit [ROOT ...]` imports the built environment of the root modules (default
`NN`) and prints one JSON document (`"format": "tlean.audit.v1"`) on standard output with one
record per declaration of the audited modules, sorted by name:

```
{"name", "kind", "module", "file", "line", "column", "has_doc", "axioms",
 "extern", "implemented_by", "unsafe", "partial"}
```

The audited modules are the imported modules named by a root or lying under one (`NN`,
`NN.Spec.Tensor`, ...). `tlean report` and `tlean gate` read this document; `docs/proofs.md`
describes it.

## Main definitions

* `NN.Audit.record`: the JSON record of one declaration.
* `main`: imports the roots, audits every declaration of the audited modules, prints the JSON.

## Implementation notes

* `axioms` is `Lean.collectAxioms`, the kernel-level transitive collection behind
  `#print axioms`, run once per declaration (simple, not the fastest: each call walks the whole
  dependency closure of its declaration).
* `line` is 1-based and `column` is 1-based in code points (Lean's `Position.column` + 1), so the
  numbers match `tlean scan`; `file` is the module name turned into a path relative to the
  package root. Both are `null` when Lean recorded no range (e.g. auxiliary declarations).
* Compiler-generated internal names (a component starting with `_`) are skipped; private
  declarations are listed under their user-facing name.
* `partial` is true for a `partial def` (Lean adds it as an `opaque` constant next to an
  `_unsafe_rec` implementation) and for a definition whose safety is `partial`.
* The environment is imported with `Lean.importModules` only; no `unsafe` code, no
  initializers are run.

## Trust boundary

The audit reports what the imported `.olean` files say. It does not re-check proofs (that is
the kernel's job during `lake build`, or `lean4checker`'s); it lists which axioms each
declaration depends on, which is what the gate needs.
-/

open Lean

namespace NN.Audit

/-- The monad the audit runs in: `IO` with an environment as state, which gives the
`MonadEnv` instance that `collectAxioms` and `findDeclarationRanges?` ask for. -/
abbrev AuditM := StateT Environment IO

/-- Reads and updates the audited environment held in the state. -/
instance : MonadEnv AuditM where
  getEnv := get
  modifyEnv f := modify f

/-- The kind of a constant, as the audit JSON spells it. -/
def kindOf : ConstantInfo → String
  | .axiomInfo _ => "axiom"
  | .defnInfo _ => "def"
  | .thmInfo _ => "theorem"
  | .opaqueInfo _ => "opaque"
  | .quotInfo _ => "quot"
  | .inductInfo _ => "inductive"
  | .ctorInfo _ => "constructor"
  | .recInfo _ => "recursor"

/-- Whether a constant comes from a `partial def`: either a definition whose safety is
`partial`, or the `opaque` constant Lean adds next to its `_unsafe_rec` implementation. -/
def isPartialConst (env : Environment) (ci : ConstantInfo) : Bool :=
  match ci with
  | .defnInfo v => v.safety == DefinitionSafety.«partial»
  | .opaqueInfo _ => env.contains (Name.mkStr ci.name "_unsafe_rec")
  | _ => false

/-- The name a declaration is listed under: the user-facing name of a private declaration,
the name itself otherwise, and `none` for compiler-internal names. -/
def shownName? (n : Name) : Option Name :=
  match privateToUserName? n with
  | some u => if u.isInternal then none else some u
  | none => if n.isInternal then none else some n

/-- The source path of a module relative to the package root (`NN.Spec.Tensor` ↦
`NN/Spec/Tensor.lean`). -/
def moduleFile (mod : Name) : String :=
  (mod.toString (escape := false)).replace "." "/" ++ ".lean"

/-- The JSON record of one declaration `ci` of module `mod`, listed as `shown`. -/
def record (mod : Name) (ci : ConstantInfo) (shown : Name) : AuditM Json := do
  let env ← getEnv
  let axioms ← collectAxioms ci.name
  let ranges ← findDeclarationRanges? ci.name
  let doc ← findDocString? env ci.name
  let (file, line, column) := match ranges with
    | some r => (Json.str (moduleFile mod), toJson r.range.pos.line,
        toJson (r.range.pos.column + 1))
    | none => (Json.null, Json.null, Json.null)
  let axiomNames := (axioms.map (·.toString)).qsort (fun a b => a < b)
  return Json.mkObj [
    ("name", Json.str shown.toString),
    ("kind", Json.str (kindOf ci)),
    ("module", Json.str mod.toString),
    ("file", file),
    ("line", line),
    ("column", column),
    ("has_doc", Json.bool doc.isSome),
    ("axioms", Json.arr (axiomNames.map Json.str)),
    ("extern", Json.bool (isExtern env ci.name)),
    ("implemented_by", Json.bool (Compiler.getImplementedBy? env ci.name).isSome),
    ("unsafe", Json.bool ci.isUnsafe),
    ("partial", Json.bool (isPartialConst env ci))]

/-- Whether module `mod` is audited: it is one of `roots` or lies under one. -/
def isAudited (roots : List Name) (mod : Name) : Bool :=
  roots.any fun r => r.isPrefixOf mod

/-- The audit document of `env` for the modules under `roots`. -/
def auditEnv (env : Environment) (roots : List Name) : IO Json := do
  let mut records : Array (String × Json) := #[]
  let mut modules : Array String := #[]
  let names := env.header.moduleNames
  let datas := env.header.moduleData
  for i in [0:names.size] do
    let mod := names[i]!
    if isAudited roots mod then
      modules := modules.push mod.toString
      for ci in datas[i]!.constants do
        match shownName? ci.name with
        | none => pure ()
        | some shown =>
          let (j, _) ← (record mod ci shown).run env
          records := records.push (shown.toString, j)
  let sorted := records.qsort (fun a b => a.1 < b.1)
  let mods := modules.qsort (fun a b => a < b)
  return Json.mkObj [
    ("format", Json.str "tlean.audit.v1"),
    ("lean_version", Json.str Lean.versionString),
    ("modules", Json.arr (mods.map Json.str)),
    ("declarations", Json.arr (sorted.map (·.2)))]

end NN.Audit

/-- `lake exe tlean_audit [ROOT ...]`: prints the audit JSON of the root modules (default `NN`)
and returns 0; a module that is not built makes `importModules` fail with Lean's message. -/
def main (args : List String) : IO UInt32 := do
  let roots : List Name := if args.isEmpty then [`NN] else args.map String.toName
  initSearchPath (← findSysroot)
  let env ← importModules (roots.toArray.map fun m => ({ module := m } : Import)) {} 0
  let doc ← NN.Audit.auditEnv env roots
  IO.println doc.compress
  return 0
