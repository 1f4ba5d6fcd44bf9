import NN.Runtime.Run
import NN.Tests.Graphs

/-!
# Tests: the `.tlp` payload loader, writer and runner

Build-time `#guard`s: `encode` then `parseTable`/`readTensors` gives back the entries and words
(the three tensors of the committed fixture, and the empty payload); corrupted files (magic,
version, truncation, extension, a non-UTF-8 name, a wrong `nbytes`, a misplaced `data_start`)
are rejected.

Run-time checks (called by the `lake test` driver, `NN/Tests/Main.lean`): the committed fixture
`tests/fixtures/payload/small.tlp` (written by `tlean.payload.write_payload`) loads with its
pinned SHA-256, has the expected tensors, is re-encoded byte for byte, and is refused under a
wrong hash; `runModelMain` runs a small `Float32` graph from payload files and writes the outputs
the compiled evaluator computes.

## Main definitions

* `NN.Tests.fixtureRecords`: the fixture's tensors.
* `NN.Tests.payloadFixtureOk`, `NN.Tests.runnerOk`: the run-time checks.

## Main results

`#guard` checks, and the two run-time checks above.

## Implementation notes

The runner check writes its files under `.lake/` (ignored by git), relative to the package root
where `lake test` runs.

Trust boundary: tests, not proofs.
-/

namespace NN.Tests

open NN NN.IR NN.Runtime NN.Runtime.Payload

/-- The three tensors of `tests/fixtures/payload/small.tlp`. -/
def fixtureRecords : List Record :=
  [("w", [2, 3], #[0x3f800000, 0xc0000000, 0x3f000000, 0x3e800000, 0x40400000, 0x80000000]),
   ("b", [2], #[0x3fc00000, 0xc0000000]),
   ("scalar ⟨ü⟩", [], #[0x40400000])]

/-- The table of the fixture (offsets and sizes as the Python writer lays them out). -/
def fixtureEntries : List Entry :=
  [⟨"w", [2, 3], 192, 24⟩, ⟨"b", [2], 256, 8⟩, ⟨"scalar ⟨ü⟩", [], 320, 4⟩]

/-- `true` when `r` is `.ok v`. -/
def okEq {α : Type} [BEq α] (r : Except String α) (v : α) : Bool :=
  match r with
  | .ok x => x == v
  | .error _ => false

/-- `true` when `r` is an error. -/
def isError {α : Type} (r : Except String α) : Bool :=
  match r with
  | .ok _ => false
  | .error _ => true

/-- Seventy binary32 ones (a tensor whose data spans several 64-byte blocks). -/
def ones70 : Array UInt32 := (List.replicate 70 (0x3f800000 : UInt32)).toArray

/-- The encoded fixture tensors. -/
def fixtureBytes : ByteArray := encode fixtureRecords

/-! ### Round trips -/

#guard fixtureBytes.size == 384
#guard okEq (parseTable fixtureBytes) fixtureEntries
#guard okEq (readTensors fixtureBytes) fixtureRecords
#guard (encode []).size == 64
#guard okEq (parseTable (encode [])) []
#guard okEq (readTensors (encode [("z", [0, 5], #[])])) [("z", [0, 5], #[])]
#guard okEq (readTensors (encode [("v", [70], ones70)])) [("v", [70], ones70)]
#guard (encode [("v", [70], ones70)]).size == 64 + 320

/-! ### Rejections -/

-- Bad magic.
#guard isError (parseTable (fixtureBytes.set! 0 0x58))
-- Version 2.
#guard isError (parseTable (fixtureBytes.set! 8 2))
-- One byte short.
#guard isError (parseTable (fixtureBytes.extract 0 383))
-- Only the header and table.
#guard isError (parseTable (fixtureBytes.extract 0 192))
-- One byte too many.
#guard isError (parseTable (fixtureBytes.push 0))
-- Shorter than a header.
#guard isError (parseTable (fixtureBytes.extract 0 20))
-- The name `w` replaced by the byte `0xff` (not UTF-8).
#guard isError (parseTable (fixtureBytes.set! 28 0xff))
-- `nbytes` of `w` changed from 24 to 25.
#guard isError (parseTable (fixtureBytes.set! 57 25))
-- `offset` of `w` changed from 192 to 0.
#guard isError (parseTable (fixtureBytes.set! 49 0))
-- `data_start` changed from 192 to 128 (below the table's end).
#guard isError (parseTable (fixtureBytes.set! 16 128))
-- `data_start` changed from 192 to 193 (not 64-aligned).
#guard isError (parseTable (fixtureBytes.set! 16 193))
-- `count` changed from 3 to 4 (the table runs past `data_start`).
#guard isError (parseTable (fixtureBytes.set! 12 4))
-- `count` changed from 3 to `2 ^ 24 + 3` (no room for that many entries).
#guard isError (parseTable (fixtureBytes.set! 15 1))

/-! ### Run-time checks -/

/-- `true` when the action throws. -/
def throws {α : Type} (act : IO α) : IO Bool := do
  try
    let _ ← act
    return false
  catch _ =>
    return true

/-- The committed fixture, relative to the package root. -/
def fixturePath : System.FilePath := System.FilePath.mk "tests/fixtures/payload/small.tlp"

/-- The fixture's SHA-256 (`tests/fixtures/payload/small.tlp.sha256`). -/
def fixtureSha : String := "076f65a4dca0764e915b0ab60fb6e4c6edc19630c0d990cc01b426acb7cb3c4c"

/-- Loads the fixture with its pinned hash, compares its tensors, re-encodes it byte for byte,
and checks that a wrong hash is refused. Prints what failed. -/
def payloadFixtureOk : IO Bool := do
  try
    let ts ← load fixturePath (some fixtureSha)
    let bytes ← IO.FS.readBinFile fixturePath
    let tensorsOk := ts == fixtureRecords
    let bytesOk := (encode ts).data == bytes.data
    let hashOk := SHA256.hashHex bytes == fixtureSha
    let wrongRefused ← throws (load fixturePath (some (String.mk (List.replicate 64 '0'))))
    IO.println (s!"payload fixture: tensors {tensorsOk}, re-encoded bytes {bytesOk}, " ++
      s!"SHA-256 {hashOk}, wrong hash refused {wrongRefused}")
    return tensorsOk && bytesOk && hashOk && wrongRefused
  catch e =>
    IO.println s!"payload fixture: {e}"
    return false

/-- Parameters of `reluLinear` (`W` and `b` hold the fixture's `w` and `b`). -/
def runnerParams : List Record :=
  [("W", [2, 3], #[0x3f800000, 0xc0000000, 0x3f000000, 0x3e800000, 0x40400000, 0x80000000]),
   ("b", [2], #[0x3fc00000, 0xc0000000])]

/-- The input `[[1, 1, 1]]`. -/
def runnerInputs : List Record := [("x", [1, 3], #[0x3F800000, 0x3F800000, 0x3F800000])]

/-- `relu ([1, 1, 1] · Wᵀ + b) = [1, 1.25]` (every partial sum is exact in binary32). -/
def runnerExpected : List (Array UInt32) := [#[0x3F800000, 0x3FA00000]]

/-- Float32 tensors of records (no name check). -/
def floatTensors (rs : List Record) : List (Tensor Float32) :=
  rs.map (fun r => ⟨r.2.1, r.2.2.map Float32.ofBits⟩)

/-- Writes a parameter payload and an input payload under `.lake/`, runs `runModelMain` on them,
and compares the written outputs with the compiled evaluator's, bit for bit; also checks that a
wrong pinned hash and a wrong argument count give exit code `1`. -/
def runnerOk : IO Bool := do
  try
    let paramsPath := System.FilePath.mk ".lake/nn_tests_params.tlp"
    let inputsPath := ".lake/nn_tests_inputs.tlp"
    let outputsPath := ".lake/nn_tests_outputs.tlp"
    let paramBytes := encode runnerParams
    IO.FS.writeBinFile paramsPath paramBytes
    IO.FS.writeBinFile (System.FilePath.mk inputsPath) (encode runnerInputs)
    let sha := SHA256.hashHex paramBytes
    let rc ← runModelMain reluLinear paramsPath sha [inputsPath, outputsPath]
    let outs ← load (System.FilePath.mk outputsPath) none
    let want := (runExec reluLinear (floatTensors runnerInputs) (floatTensors runnerParams)).map
      (fun a => a.map Float32.toBits)
    let namesOk := outs.map (fun r => r.1) == ["output_0"]
    let shapesOk := outs.map (fun r => r.2.1) == [[1, 2]]
    let wordsOk := outs.map (fun r => r.2.2) == want && want == runnerExpected
    IO.println "runner: two errors are expected below (wrong hash, wrong arguments)"
    let rcBadSha ← runModelMain reluLinear paramsPath fixtureSha [inputsPath, outputsPath]
    let rcBadArgs ← runModelMain reluLinear paramsPath sha [inputsPath]
    IO.println (s!"runner: exit {rc}, names {namesOk}, shapes {shapesOk}, outputs {wordsOk}, " ++
      s!"wrong hash exit {rcBadSha}, wrong arguments exit {rcBadArgs}")
    return rc == 0 && namesOk && shapesOk && wordsOk && rcBadSha == 1 && rcBadArgs == 1
  catch e =>
    IO.println s!"runner: {e}"
    return false

end NN.Tests
