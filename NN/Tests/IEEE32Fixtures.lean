import NN.Floats.IEEE32
import NN.Floats.Elementary

/-!
# The binary32 kernel against the hard-case fixtures

At run time (`lake test`, from `NN/Tests/Main.lean`) this reads every fixture file
`tests/fixtures/ieee32/<op>.txt` (written by `scripts/gen_ieee32_vectors.py`, expected values from
NumPy's hardware floats, Berkeley SoftFloat and MPFR), evaluates `NN.Floats.IEEE32.<op>` on each
case and compares the result bit for bit. It prints one summary line per op and the first
mismatches, and reports failure when any case differs, any line does not parse, or a file is
missing or empty.

A fixture line is `op a [b [c]] -> r`: the operation's name, its operands and the expected result
as hexadecimal bit patterns (for `lt`, `le`, `eq`: `1` for true, `0` for false). Lines that are
empty or start with `#` are skipped.

## Main definitions

* `NN.Tests.IEEE32Fixtures.parseHex?`, `words`, `parseCase?`: the line format, parsed without
  any library parser.
* `NN.Tests.IEEE32Fixtures.table`: the operations under test and how each is evaluated.
* `NN.Tests.IEEE32Fixtures.checkOp`, `fixturesOk`: the run-time check.

## Main results

None (tests).

## Implementation notes

Paths are relative to the working directory, the package root under `lake test` (as for the
payload fixture). The same fixture files are checked against the Python twin by
`tests/test_ieee32_oracles.py`, which also checks that they are exactly what the generator writes.

Trust boundary: tests, not proofs. Agreement on the fixtures says nothing about other inputs.
-/

namespace NN.Tests.IEEE32Fixtures

open NN.Floats

/-! ### Parsing -/

/-- The value of a hexadecimal digit character, `none` for any other character. -/
def hexDigit? (c : Char) : Option Nat :=
  let n := c.toNat
  if 48 ≤ n ∧ n ≤ 57 then some (n - 48)
  else if 97 ≤ n ∧ n ≤ 102 then some (n - 87)
  else if 65 ≤ n ∧ n ≤ 70 then some (n - 55)
  else none

/-- Reads hexadecimal digits after an accumulated value `acc`. -/
def hexFrom (acc : Nat) : List Char → Option Nat
  | [] => some acc
  | c :: cs =>
    match hexDigit? c with
    | some d => hexFrom (acc * 16 + d) cs
    | none => none

/-- The number written by a nonempty string of hexadecimal digits. -/
def parseHex? (cs : List Char) : Option Nat :=
  match cs with
  | [] => none
  | _ :: _ => hexFrom 0 cs

/-- Parses every word as a hexadecimal number; `none` if one fails. -/
def parseHexAll? : List (List Char) → Option (List Nat)
  | [] => some []
  | w :: ws =>
    match parseHex? w, parseHexAll? ws with
    | some v, some vs => some (v :: vs)
    | _, _ => none

/-- Whether a character separates words (space, tab, carriage return). -/
def isBlank (c : Char) : Bool := c == ' ' || c == '\t' || c == '\r'

/-- Splits a line into words at blanks, the current word kept reversed in `cur`. -/
def wordsFrom (cur : List Char) (acc : List (List Char)) : List Char → List (List Char)
  | [] => (if cur.isEmpty then acc else cur.reverse :: acc).reverse
  | c :: cs =>
    if isBlank c then wordsFrom [] (if cur.isEmpty then acc else cur.reverse :: acc) cs
    else wordsFrom (c :: cur) acc cs

/-- The words of a line. -/
def words (cs : List Char) : List (List Char) := wordsFrom [] [] cs

/-- One fixture case: the op's name, the operands' bit patterns and the expected result. -/
structure Case where
  /-- The operation's name, as characters. -/
  op : List Char
  /-- The operands' bit patterns. -/
  args : List Nat
  /-- The expected result's bit pattern (`1`/`0` for comparisons). -/
  expected : Nat

/-- Parses the words of `op a [b [c]] -> r`. -/
def parseCase? (ws : List (List Char)) : Option Case :=
  match ws with
  | [] => none
  | op :: rest =>
    match rest.reverse with
    | r :: arrow :: argsRev =>
      if arrow == ['-', '>'] then
        match parseHexAll? argsRev.reverse, parseHex? r with
        | some args, some e => some ⟨op, args, e⟩
        | _, _ => none
      else none
    | _ => none

/-- Whether a line carries no case (empty, or a `#` comment). -/
def isSkipped (cs : List Char) : Bool :=
  match words cs with
  | [] => true
  | (c :: _) :: _ => c == '#'
  | [] :: _ => true

/-! ### Evaluation -/

/-- A unary operation on bit patterns. -/
def unary (f : IEEE32 → IEEE32) : List Nat → Option Nat
  | [a] => some (f (IEEE32.ofBitsNat a)).toBitsNat
  | _ => none

/-- A binary operation on bit patterns. -/
def binary (f : IEEE32 → IEEE32 → IEEE32) : List Nat → Option Nat
  | [a, b] => some (f (IEEE32.ofBitsNat a) (IEEE32.ofBitsNat b)).toBitsNat
  | _ => none

/-- A ternary operation on bit patterns. -/
def ternary (f : IEEE32 → IEEE32 → IEEE32 → IEEE32) : List Nat → Option Nat
  | [a, b, c] => some (f (IEEE32.ofBitsNat a) (IEEE32.ofBitsNat b) (IEEE32.ofBitsNat c)).toBitsNat
  | _ => none

/-- A comparison on bit patterns: `1` for true, `0` for false. -/
def predicate (f : IEEE32 → IEEE32 → Bool) : List Nat → Option Nat
  | [a, b] => some (if f (IEEE32.ofBitsNat a) (IEEE32.ofBitsNat b) then 1 else 0)
  | _ => none

/-- The operations under test (one fixture file each) and their evaluation. -/
def table : List (String × (List Nat → Option Nat)) :=
  [("add", binary IEEE32.add), ("sub", binary IEEE32.sub), ("mul", binary IEEE32.mul),
   ("div", binary IEEE32.div), ("sqrt", unary IEEE32.sqrt), ("fma", ternary IEEE32.fma),
   ("neg", unary IEEE32.neg), ("abs", unary IEEE32.abs),
   ("minimum", binary IEEE32.minimum), ("maximum", binary IEEE32.maximum),
   ("lt", predicate IEEE32.lt), ("le", predicate IEEE32.le), ("eq", predicate IEEE32.eq),
   ("exp", unary IEEE32.exp), ("log", unary IEEE32.log), ("tanh", unary IEEE32.tanh),
   ("sigmoid", unary IEEE32.sigmoid), ("erf", unary IEEE32.erf), ("sin", unary IEEE32.sin),
   ("cos", unary IEEE32.cos), ("pow", binary IEEE32.pow), ("floor", unary IEEE32.floor),
   ("ceil", unary IEEE32.ceil), ("round", unary IEEE32.round)]

/-! ### Reporting -/

/-- One hexadecimal digit (`d < 16`). -/
def hexChar (d : Nat) : String :=
  match d with
  | 0 => "0" | 1 => "1" | 2 => "2" | 3 => "3" | 4 => "4" | 5 => "5" | 6 => "6" | 7 => "7"
  | 8 => "8" | 9 => "9" | 10 => "a" | 11 => "b" | 12 => "c" | 13 => "d" | 14 => "e" | _ => "f"

/-- The last `k` hexadecimal digits of `n`. -/
def hexDigits : Nat → Nat → String
  | 0, _ => ""
  | k + 1, n => hexDigits k (n / 16) ++ hexChar (n % 16)

/-- `n` as 8 hexadecimal digits. -/
def hex8 (n : Nat) : String := hexDigits 8 n

/-- How many mismatches are printed per op. -/
def shownPerOp : Nat := 5

/-- The fixture file of an op, relative to the package root. -/
def fixturePath (op : String) : System.FilePath :=
  System.FilePath.mk ("tests/fixtures/ieee32/" ++ op ++ ".txt")

/-- Checks one op's fixture file: returns the number of cases and of failures (mismatches,
unparsable lines, lines of another op; a missing or empty file counts as one failure). -/
def checkOp (op : String) (run : List Nat → Option Nat) : IO (Nat × Nat) := do
  let path := fixturePath op
  let mut text := ""
  try
    text ← IO.FS.readFile path
  catch e =>
    IO.println s!"  {path}: cannot read: {e}"
    return (0, 1)
  let mut cases := 0
  let mut bad := 0
  let mut lineNo := 0
  for line in text.splitOn "\n" do
    lineNo := lineNo + 1
    let cs := line.toList
    if isSkipped cs then continue
    cases := cases + 1
    match parseCase? (words cs) with
    | none =>
      bad := bad + 1
      if bad ≤ shownPerOp then IO.println s!"  {path}:{lineNo}: cannot parse: {line}"
    | some c =>
      if c.op != op.toList then
        bad := bad + 1
        if bad ≤ shownPerOp then IO.println s!"  {path}:{lineNo}: not a case of {op}: {line}"
      else
        match run c.args with
        | none =>
          bad := bad + 1
          if bad ≤ shownPerOp then IO.println s!"  {path}:{lineNo}: wrong number of operands: {line}"
        | some r =>
          if r != c.expected then
            bad := bad + 1
            if bad ≤ shownPerOp then
              let operands := " ".intercalate (c.args.map hex8)
              IO.println s!"  {path}:{lineNo}: {op} {operands} = {hex8 r}, expected {hex8 c.expected}"
  if cases == 0 then
    IO.println s!"  {path}: no cases"
    return (0, 1)
  return (cases, bad)

/-- Runs every op of `table` on its fixture file; `true` when all cases agree. -/
def fixturesOk : IO Bool := do
  let mut total := 0
  let mut failed := 0
  for (op, run) in table do
    let (n, bad) ← checkOp op run
    IO.println s!"IEEE32 fixtures {op}: {n} cases, {bad} failures"
    total := total + n
    failed := failed + bad
  IO.println s!"IEEE32 fixtures: {total} cases, {failed} failures"
  return failed == 0 && total != 0

end NN.Tests.IEEE32Fixtures
