import NN.Tests.IRExec
import NN.Tests.SHA256
import NN.Tests.Payload
import NN.Tests.FloatsElementary
import NN.Tests.NewOps
import NN.Tests.IEEE32Fixtures
import NN.Tests.FloatsCore
import NN.Tests.Autograd

/-!
# `lake test` driver

Importing `NN.Tests.IRExec`, `NN.Tests.SHA256`, `NN.Tests.Payload` and `NN.Tests.NewOps` runs their
`#guard` checks at build time. At run time this executable also exercises the compiled `Float32`
path: softmax, sigmoid and layer normalisation of `[1, 2, 3]` through both the IR denotation and the
compiled evaluator, compared bit for bit with each other and, within `1e-5`, with NumPy's binary32
results; and the payload path: the committed fixture `tests/fixtures/payload/small.tlp` loaded with
its pinned SHA-256 and re-encoded byte for byte (`NN.Tests.payloadFixtureOk`), and a model run from
payload files by `NN.Runtime.runModelMain` (`NN.Tests.runnerOk`); and the bit-exact binary32 kernel
`NN.Floats.IEEE32` against every hard-case fixture `tests/fixtures/ieee32/*.txt`
(`NN.Tests.IEEE32Fixtures.fixturesOk`); and the `Float32` checks of the issue-10 scalar fields and
ops (`NN.Tests.float32NewOpsOk`).

## Main definitions

* `NN.Tests.floatGraph`: the `Float32` test graph.
* `main`: returns `0` when every check passes, `1` otherwise.

## Main results

None (tests).

## Implementation notes

Float32 values are written as bit patterns (`Float32.ofBits`).

Trust boundary: tests, not proofs.
-/

namespace NN.Tests

open NN NN.IR NN.Runtime

/-- softmax, sigmoid and layerNorm (scale 1, bias 0, ε = 1e-5) of a `[1, 3]` input. -/
def floatGraph : Graph where
  inputs := [⟨"x", [1, 3]⟩]
  params := [⟨"scale", [3]⟩, ⟨"bias", [3]⟩]
  nodes := [
    ⟨.input 0, [], [1, 3]⟩,
    ⟨.softmax ⟨1⟩, [0], [1, 3]⟩,
    ⟨.sigmoid, [0], [1, 3]⟩,
    ⟨.param 0, [], [3]⟩,
    ⟨.param 1, [], [3]⟩,
    ⟨.layerNorm ⟨0x3727C5AC, 1⟩, [0, 3, 4], [1, 3]⟩]
  outputs := [1, 2, 5]

/-- A `Float32` tensor from bit patterns. -/
def tensorF (shape : List Nat) (bits : List UInt32) : Tensor Float32 :=
  ⟨shape, (bits.map Float32.ofBits).toArray⟩

/-- NumPy's binary32 results for softmax, sigmoid and layerNorm of `[1, 2, 3]`. -/
def floatExpected : List (List UInt32) :=
  [[0x3DB861F3, 0x3E7A9A19, 0x3F2A4D3B],
   [0x3F3B26A8, 0x3F617BEA, 0x3F73DBE6],
   [0xBF9CC423, 0x00000000, 0x3F9CC423]]

/-- `|a - b| < 1e-5`. -/
def close (a b : Float32) : Bool :=
  decide (Float32.abs (a - b) < Float32.ofBits 0x3727C5AC)

/-- Whether two lists of `Float32` arrays agree within `1e-5`. -/
def allClose (xs : List (Array Float32)) (ys : List (List UInt32)) : Bool :=
  xs.length == ys.length &&
    (xs.zip ys).all (fun p =>
      p.1.size == p.2.length &&
        (p.1.toList.zip p.2).all (fun q => close q.1 (Float32.ofBits q.2)))

end NN.Tests

open NN NN.Tests in
/-- Runs the `Float32` checks; exit code `0` when all pass. -/
def main : IO UInt32 := do
  let ins := [tensorF [1, 3] [0x3F800000, 0x40000000, 0x40400000]]
  let ps := [tensorF [3] [0x3F800000, 0x3F800000, 0x3F800000], tensorF [3] [0, 0, 0]]
  let viaIR := runIR floatGraph ins ps
  let viaExec := runExec floatGraph ins ps
  let bitsOf := fun (l : List (Array Float32)) => l.map (fun a => a.toList.map Float32.toBits)
  let same := bitsOf viaIR == bitsOf viaExec
  let okIR := allClose viaIR floatExpected
  IO.println s!"IR and compiled evaluator agree bit for bit: {same}"
  IO.println s!"Float32 results within 1e-5 of NumPy: {okIR}"
  IO.println s!"IR outputs: {viaIR}"
  let payloadOk ← payloadFixtureOk
  let runnerPassed ← runnerOk
  let ieee32Ok ← NN.Tests.IEEE32Fixtures.fixturesOk
  let newOpsOk := float32NewOpsOk
  IO.println s!"Float32 checks of the issue-10 scalar fields and ops: {newOpsOk}"
  if same && okIR && checks floatGraph && payloadOk && runnerPassed && ieee32Ok && newOpsOk then
    IO.println "all Lean tests passed"
    return 0
  else
    IO.println "FAILED"
    return 1
