import Lake
open Lake DSL

/-! Lake configuration of tlean: core Lean 4 only (no Mathlib). -/

package tlean

/-- The tlean Lean library: specification, IR, runtime, proofs. -/
@[default_target]
lean_lib NN

/-- Lean tests (`#guard` checks run while the test modules elaborate, plus a runtime smoke test
of the compiled `Float32` path when the executable runs). `lake test` builds and runs it. -/
@[test_driver]
lean_exe nn_tests where
  root := `NN.Tests.Main

/-- The audit executable: lists the declarations of `NN` with the axioms they depend on. -/
lean_exe tlean_audit where
  root := `NN.Audit.Main
  supportInterpreter := true

/-- Models written by `tlean export` into `NN/Models/` (each imports `NN`). `lake build` builds
them all, so a generated module's `graph_check` is checked on the first build;
`lake build NN.Models.<Name>` builds one. -/
@[default_target]
lean_lib Models where
  roots := #[]
  globs := #[.submodules `NN.Models]

/-- The bit-exact binary32 kernel (`NN/Floats/`) and its bridge theorems (`NN/Proofs/Floats/`),
a separate library so that an error there does not stop `NN` from building (`NN.lean` does not
import it). `lake build Floats` builds it alone. -/
@[default_target]
lean_lib Floats where
  roots := #[]
  globs := #[.submodules `NN.Floats, .submodules `NN.Proofs.Floats]

/-- Autograd (`NN/Autograd/`: dual numbers, reverse rules, backprop) and its soundness proof
(`NN/Proofs/Autograd*`), a separate library so that an error there does not stop `NN` from
building (`NN.lean` does not import it). `lake build Autograd` builds it alone. -/
@[default_target]
lean_lib Autograd where
  roots := #[]
  globs := #[.submodules `NN.Autograd, .andSubmodules `NN.Proofs.Autograd]

/-- Exact dyadic scalars for autograd (`NN/AutogradDyadic/`: the normalised dyadic type
`DyadicN`, its commutative-ring laws and `Scalar` instance, and the adjoint theorem at
`DyadicN`), a separate library so that an error there does not stop `NN`, `Floats` or `Autograd`
from building. `lake build AutogradDyadic` builds it alone. -/
@[default_target]
lean_lib AutogradDyadic where
  roots := #[]
  globs := #[.submodules `NN.AutogradDyadic]
