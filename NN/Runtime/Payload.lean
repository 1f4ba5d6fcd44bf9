import NN.Runtime.SHA256
import NN.Spec.Tensor
import NN.IR.Graph

/-!
# The `.tlp` payload: loader and writer

Reads and writes the payload format of `docs/payload.md` (version 1): the weights of an exported
model, and the inputs and outputs of `tlean export --check-lean` runs. The Python side
(`pytools/tlean/payload.py`) writes and reads the same bytes.

## Main definitions

* `NN.Runtime.Payload.Entry`: one table entry (name, shape, data offset, data size).
* `NN.Runtime.Payload.parseTable`: the table of a payload, after checking every structural rule
  of the format.
* `NN.Runtime.Payload.readTensors`: the tensors of a payload as binary32 bit patterns.
* `NN.Runtime.Payload.encode`: the payload bytes of a list of tensors (the Python writer's bytes).
* `NN.Runtime.Payload.load`: reads a file, checks its SHA-256 when one is given, parses it.
* `NN.Runtime.Payload.loadChecked`, `NN.Runtime.Payload.loadParams`: load and check the names
  and shapes against declarations (graph inputs or parameters), as `Float32` tensors.

## Main results

None. `NN/Tests/Payload.lean` checks round trips and rejections with `#guard`; `lake test` loads
the committed fixture `tests/fixtures/payload/small.tlp` and re-encodes it byte for byte.

## Implementation notes

The reader enforces what `docs/payload.md` lists as rejected, in the same order as
`tlean.payload.read_table`: the magic `TLEANPAY`, version `1`, `data_start` a multiple of 64 and
within the file, room for `count` entries of at least 24 bytes before `data_start`, every table
entry within `data_start`, UTF-8 names, `nbytes = 4 · ∏ dims`, each
`offset` exactly where the layout rule puts it (the first at `data_start`, the next at the previous
end rounded up to 64), each tensor within the file, `data_start` equal to the table's end rounded
up to 64, and the file size equal to the last end rounded up to 64 (`data_start` when there are no
tensors). As in the Python reader, the contents of padding bytes are not inspected (the writers
put zeros there). Integers are read as `Nat`, so no header field can overflow. Every loop is a
structural recursion on a `Nat` fuel argument (entry count, rank, word count) or on a list, so
nothing here is `partial`; the loops that can be long are tail calls.

`encode` takes the number of data words from each shape: a word array that is too long is cut,
one that is too short is completed with `0` words, so the result always satisfies the format.

Trust boundary: this is executable code, tested, not proved. The SHA-256 check (`load`) is a
comparison of hashes computed by `NN.Runtime.SHA256.hashHex`, itself tested, not proved; it ties
a run to the pinned file, assuming SHA-256 collision resistance.
-/

namespace NN.Runtime.Payload

open NN

/-- A tensor as the payload carries it: name, shape, binary32 bit patterns in row-major order. -/
abbrev Record := String × List Nat × Array UInt32

/-- One entry of a payload's tensor table. -/
structure Entry where
  /-- The tensor's name (decoded from UTF-8). -/
  name : String
  /-- The dimensions. -/
  shape : List Nat
  /-- Absolute byte offset of the data. -/
  offset : Nat
  /-- Size of the data in bytes (`4 · ∏ shape`). -/
  nbytes : Nat
deriving Repr, BEq, Inhabited

/-! ### Format constants and little-endian integers -/

/-- The eight magic bytes `TLEANPAY`. -/
def magic : ByteArray := "TLEANPAY".toUTF8

/-- The format version this code reads and writes. -/
def formatVersion : Nat := 1

/-- `n` rounded up to a multiple of 64. -/
def alignUp (n : Nat) : Nat := (n + 63) / 64 * 64

/-- The little-endian unsigned integer of the `k` bytes at offset `p`. -/
def readLE (bs : ByteArray) : Nat → Nat → Nat
  | _, 0 => 0
  | p, k + 1 => (bs.get! p).toNat + 256 * readLE bs (p + 1) k

/-- The little-endian 32-bit word at offset `p`. -/
def readWordLE (bs : ByteArray) (p : Nat) : UInt32 :=
  (bs.get! p).toUInt32 ||| ((bs.get! (p + 1)).toUInt32 <<< 8) |||
    ((bs.get! (p + 2)).toUInt32 <<< 16) ||| ((bs.get! (p + 3)).toUInt32 <<< 24)

/-- Appends the `k` low-order bytes of `x`, least significant first, starting with byte `i`. -/
def pushLE (x : Nat) : Nat → Nat → ByteArray → ByteArray
  | 0, _, bs => bs
  | k + 1, i, bs => pushLE x k (i + 1) (bs.push (UInt8.ofNat (x / 2 ^ (8 * i))))

/-- Appends a 32-bit word, least significant byte first. -/
def pushWordLE (w : UInt32) (bs : ByteArray) : ByteArray :=
  (((bs.push w.toUInt8).push (w >>> 8).toUInt8).push (w >>> 16).toUInt8).push (w >>> 24).toUInt8

/-! ### Reading -/

/-- Reads `k` little-endian 64-bit dimensions starting at offset `p` (accumulated in reverse). -/
def readDims (bs : ByteArray) : Nat → Nat → List Nat → List Nat
  | 0, _, acc => acc.reverse
  | k + 1, p, acc => readDims bs k (p + 8) (readLE bs p 8 :: acc)

/-- Parses table entries `k`, `k + 1`, … (`n` of them) starting at byte `pos`, with `expect` the
offset the next tensor's data must have. Returns the table's end, the end of the data (rounded up
to 64) and the entries. Every read stays below `dataStart`, which the caller has checked to be
within the file. -/
def parseEntries (bs : ByteArray) (dataStart : Nat) :
    Nat → Nat → Nat → Nat → List Entry → Except String (Nat × Nat × List Entry)
  | 0, _, pos, expect, acc => .ok (pos, expect, acc.reverse)
  | n + 1, k, pos, expect, acc =>
    if pos + 4 > dataStart then
      .error s!"tensor table entry {k} runs past the data start {dataStart}"
    else
      let nlen := readLE bs pos 4
      if pos + 8 + nlen > dataStart then
        .error s!"tensor table entry {k} runs past the data start {dataStart}"
      else
        match String.fromUTF8? (bs.extract (pos + 4) (pos + 4 + nlen)) with
        | none => .error s!"tensor table entry {k} has a name that is not UTF-8"
        | some name =>
          let rank := readLE bs (pos + 4 + nlen) 4
          let dimsAt := pos + 8 + nlen
          let next := dimsAt + 8 * rank + 16
          if next > dataStart then
            .error s!"tensor table entry {k} runs past the data start {dataStart}"
          else
            let dims := readDims bs rank dimsAt []
            let offset := readLE bs (dimsAt + 8 * rank) 8
            let nbytes := readLE bs (dimsAt + 8 * rank + 8) 8
            if nbytes != 4 * Shape.size dims then
              .error s!"tensor {name.quote} has {nbytes} bytes for shape {dims}"
            else if offset != expect then
              .error s!"tensor {name.quote} at offset {offset}, expected {expect}"
            else if offset + nbytes > bs.size then
              .error s!"tensor {name.quote} runs past the end of the file (truncated?)"
            else
              parseEntries bs dataStart n (k + 1) next (alignUp (offset + nbytes))
                (⟨name, dims, offset, nbytes⟩ :: acc)

/-- The tensor table of a payload, after checking every structural rule of `docs/payload.md`
(see the module documentation); the error says which rule failed. -/
def parseTable (bs : ByteArray) : Except String (List Entry) :=
  if bs.size < 24 then
    .error s!"truncated header: the file has {bs.size} bytes, a payload header has 24"
  else if (bs.extract 0 8).data != magic.data then
    .error "not a tlean payload (bad magic; expected TLEANPAY)"
  else
    let version := readLE bs 8 4
    let count := readLE bs 12 4
    let dataStart := readLE bs 16 8
    if version != formatVersion then
      .error s!"payload version {version}, this loader reads version {formatVersion}"
    else if dataStart % 64 != 0 || decide (dataStart > bs.size) then
      .error s!"data start {dataStart} is not 64-aligned or lies past the end ({bs.size} bytes)"
    else if 24 + 24 * count > dataStart then
      .error s!"a table of {count} tensors runs past the data start {dataStart}"
    else
      match parseEntries bs dataStart count 0 24 dataStart [] with
      | .error e => .error e
      | .ok (tableEnd, fileEnd, entries) =>
        if dataStart != alignUp tableEnd then
          .error s!"data start {dataStart} is not the table's end {tableEnd} rounded up to 64"
        else if bs.size != fileEnd then
          .error s!"file is {bs.size} bytes, the table says {fileEnd} (truncated or extended?)"
        else
          .ok entries

/-- Appends `n` little-endian 32-bit words read from offset `p` on. -/
def readWords (bs : ByteArray) : Nat → Nat → Array UInt32 → Array UInt32
  | 0, _, acc => acc
  | n + 1, p, acc => readWords bs n (p + 4) (acc.push (readWordLE bs p))

/-- The tensors of a payload, in table order: name, shape and the little-endian 32-bit words of
the data (binary32 bit patterns), after `parseTable`'s checks. -/
def readTensors (bs : ByteArray) : Except String (List Record) :=
  match parseTable bs with
  | .error e => .error e
  | .ok entries =>
    .ok (entries.map (fun e => (e.name, e.shape, readWords bs (e.nbytes / 4) e.offset #[])))

/-! ### Writing -/

/-- Appends `n` zero bytes. -/
def pushZeros : Nat → ByteArray → ByteArray
  | 0, bs => bs
  | n + 1, bs => pushZeros n (bs.push 0)

/-- Appends words `i`, `i + 1`, … (`n` of them) of `ws`, little-endian; missing words are `0`. -/
def pushWords (ws : Array UInt32) : Nat → Nat → ByteArray → ByteArray
  | 0, _, bs => bs
  | n + 1, i, bs => pushWords ws n (i + 1) (pushWordLE (ws.getD i 0) bs)

/-- Appends little-endian 64-bit dimensions. -/
def pushDims : List Nat → ByteArray → ByteArray
  | [], bs => bs
  | d :: ds, bs => pushDims ds (pushLE d 8 0 bs)

/-- The size in bytes of a table entry. -/
def entrySize (name : String) (shape : List Nat) : Nat :=
  4 + name.toUTF8.size + 4 + 8 * shape.length + 16

/-- The table entries of `ts` when the first tensor's data starts at `pos` (the layout rule). -/
def layoutEntries : Nat → List Record → List Entry
  | _, [] => []
  | pos, t :: ts =>
    let nbytes := 4 * Shape.size t.2.1
    ⟨t.1, t.2.1, pos, nbytes⟩ :: layoutEntries (alignUp (pos + nbytes)) ts

/-- Appends one table entry. -/
def pushEntry (e : Entry) (bs : ByteArray) : ByteArray :=
  let raw := e.name.toUTF8
  let bs := pushLE raw.size 4 0 bs
  let bs := bs ++ raw
  let bs := pushLE e.shape.length 4 0 bs
  let bs := pushDims e.shape bs
  let bs := pushLE e.offset 8 0 bs
  pushLE e.nbytes 8 0 bs

/-- Appends table entries. -/
def pushEntries : List Entry → ByteArray → ByteArray
  | [], bs => bs
  | e :: es, bs => pushEntries es (pushEntry e bs)

/-- Appends each tensor's data (as many words as its shape has elements), each followed by zero
bytes up to a multiple of 64 of the total length. -/
def pushData : List Record → ByteArray → ByteArray
  | [], bs => bs
  | t :: ts, bs =>
    let bs := pushWords t.2.2 (Shape.size t.2.1) 0 bs
    pushData ts (pushZeros (alignUp bs.size - bs.size) bs)

/-- The payload bytes of `ts`: header, table, zero padding to `data_start`, then each tensor's
words (little-endian) padded with zeros to a multiple of 64 — the bytes
`tlean.payload.write_payload` writes for the same tensors. The number of words written for a
tensor is the number of elements of its shape (extra words are dropped, missing ones are `0`). -/
def encode (ts : List Record) : ByteArray :=
  let tableLen := (ts.map (fun t => entrySize t.1 t.2.1)).foldl (· + ·) 0
  let dataStart := alignUp (24 + tableLen)
  let header := pushLE formatVersion 4 0 magic
  let header := pushLE ts.length 4 0 header
  let header := pushLE dataStart 8 0 header
  let header := pushEntries (layoutEntries dataStart ts) header
  pushData ts (pushZeros (dataStart - header.size) header)

/-! ### Files -/

/-- Reads the payload at `path`. When `expectedSha` is `some h`, the file's SHA-256 must be `h`
(hexadecimal, either case), or the load fails with a message naming both hashes. Then the file is
parsed with `readTensors`. Errors are `IO.userError`s naming the file. -/
def load (path : System.FilePath) (expectedSha : Option String) : IO (List Record) := do
  let bytes ← IO.FS.readBinFile path
  match expectedSha with
  | some want =>
    let got := NN.Runtime.SHA256.hashHex bytes
    if got != want.toLower then
      throw (IO.userError (s!"{path.toString}: SHA-256 {got} differs from the pinned {want} " ++
        "(wrong or modified payload)"))
  | none => pure ()
  match readTensors bytes with
  | .ok ts => return ts
  | .error e => throw (IO.userError s!"{path.toString}: {e}")

/-- Checks the records against declarations, in order (same count, and at each position the same
name and shape), and turns them into `Float32` tensors. `what` names the declarations in messages
(`"parameter"`, `"input"`). -/
def matchDecls (what : String) : Nat → List NN.IR.TensorDecl → List Record →
    Except String (List (NN.Tensor Float32))
  | _, [], [] => .ok []
  | k, d :: ds, t :: ts =>
    if t.1 != d.name then
      .error s!"{what} {k}: the payload names it {t.1.quote}, the graph {d.name.quote}"
    else if t.2.1 != d.shape then
      .error s!"{what} {k} ({d.name.quote}): the payload has shape {t.2.1}, the graph {d.shape}"
    else
      match matchDecls what (k + 1) ds ts with
      | .error e => .error e
      | .ok rest => .ok (⟨t.2.1, t.2.2.map Float32.ofBits⟩ :: rest)
  | k, [], _ :: _ => .error s!"the payload has more tensors than the graph's {k} {what}(s)"
  | k, _ :: _, [] => .error s!"the payload has {k} tensor(s), the graph declares more {what}(s)"

/-- Loads the payload at `path` (checking its SHA-256 when `expectedSha` is given), checks that
its names and shapes are `decls` in order, and returns its tensors as `Float32` tensors. -/
def loadChecked (path : System.FilePath) (expectedSha : Option String)
    (decls : List NN.IR.TensorDecl) (what : String) : IO (List (NN.Tensor Float32)) := do
  let ts ← load path expectedSha
  if ts.length != decls.length then
    throw (IO.userError (s!"{path.toString}: the payload has {ts.length} tensor(s), " ++
      s!"the graph declares {decls.length} {what}(s)"))
  match matchDecls what 0 decls ts with
  | .ok tensors => return tensors
  | .error e => throw (IO.userError s!"{path.toString}: {e}")

/-- The parameters of a model: loads the payload at `path`, requires its SHA-256 to be `sha`,
requires its names and shapes to be `decls` (the graph's parameter declarations) in order, and
returns the values as `Float32` tensors. -/
def loadParams (path : System.FilePath) (sha : String) (decls : List NN.IR.TensorDecl) :
    IO (List (NN.Tensor Float32)) :=
  loadChecked path (some sha) decls "parameter"

end NN.Runtime.Payload
