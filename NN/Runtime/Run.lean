import NN.Runtime.IRExec
import NN.Runtime.Payload

/-!
# Running an exported model on payload files

`runModelMain` is the body of the `main` of a generated model executable: it loads the model's
parameters from its pinned payload, reads the inputs from a `.tlp` file, compiles the graph with
`execGraphOfIR` over `Float32`, evaluates it, and writes the outputs as a `.tlp` file. The Python
exporter generates, per model,

```lean
import NN.Models.<Name>
def main (args : List String) : IO UInt32 :=
  NN.Runtime.runModelMain NN.Models.<Name>.graph NN.Models.<Name>.payloadPath
    NN.Models.<Name>.payloadSha256 args
```

## Main definitions

* `NN.Runtime.outputRecords`: the outputs as payload records `output_0`, `output_1`, ….
* `NN.Runtime.runModelMain`: the command-line runner (`INPUTS.tlp OUTPUTS.tlp`).

## Main results

None here. The evaluator it calls is the one `NN.Proofs.execGraphOfIR_semantics_eq` is about:
when compilation succeeds, the outputs are the IR denotation's.

## Implementation notes

Exit codes: `0` on success; `1` on any error (wrong arguments, a missing or malformed file, a
payload hash that is not the pinned one, names or shapes that differ from the graph's
declarations, a graph that `Graph.check` rejects), with a message on standard error.

Trust boundary: file reading and writing, the payload loader and the SHA-256 check are
executable code, tested, not proved; the proof covers compilation and evaluation only, for the
`Float32` operations of the Lean runtime (trusted, not verified).
-/

namespace NN.Runtime

open NN NN.IR

/-- The outputs of a run as payload records named `output_k`, `output_(k+1)`, …, with the shape
of each tensor and its elements' binary32 bit patterns. -/
def outputRecords : Nat → List (Tensor Float32) → List Payload.Record
  | _, [] => []
  | k, t :: ts => (s!"output_{k}", t.shape, t.data.map Float32.toBits) :: outputRecords (k + 1) ts

/-- Runs graph `g` with the parameters of the payload at `payload` (whose SHA-256 must be
`sha`) on the inputs read from `args[0]` (a `.tlp` file whose names and shapes are `g.inputs`, in
order; no hash check), and writes the outputs to `args[1]` as a `.tlp` file (names `output_0`,
`output_1`, …). Returns the process exit code: `0` on success, `1` after printing the error to
standard error. -/
def runModelMain (g : NN.IR.Graph) (payload : System.FilePath) (sha : String) (args : List String) :
    IO UInt32 := do
  match args with
  | [inputsPath, outputsPath] =>
    try
      let params ← Payload.loadParams payload sha g.params
      let inputs ← Payload.loadChecked (System.FilePath.mk inputsPath) none g.inputs "input"
      match execGraphOfIR g params with
      | .error e =>
        IO.eprintln s!"error: the graph does not compile: {e}"
        return 1
      | .ok compiled =>
        let outputs := compiled.eval inputs
        IO.FS.writeBinFile (System.FilePath.mk outputsPath)
          (Payload.encode (outputRecords 0 outputs))
        return 0
    catch e =>
      IO.eprintln s!"error: {e}"
      return 1
  | _ =>
    IO.eprintln
      s!"usage: <model executable> INPUTS.tlp OUTPUTS.tlp (got {args.length} argument(s))"
    return 1

end NN.Runtime
