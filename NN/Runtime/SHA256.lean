/-!
# SHA-256

SHA-256 (FIPS 180-4, §5.1.1 padding, §6.2 hash computation) over a `ByteArray`, in core Lean.
The payload loader (`NN/Runtime/Payload.lean`) uses it to check that a weight file is the one a
generated model module pins.

## Main definitions

* `NN.Runtime.SHA256.hash`: the 32-byte digest of a byte array.
* `NN.Runtime.SHA256.hashHex`: the same digest as 64 lowercase hexadecimal characters.
* Building blocks: `roundConstants`, `initialState`, `rotr`, the σ/Σ/`ch`/`maj` functions,
  `schedule` (the 64-word message schedule of one block), `compress` (one block),
  `compressBlocks`, `padTail` (the last one or two blocks, with padding and bit length).

## Main results

None. The known-answer tests (FIPS 180-2 appendix B: `""`, `"abc"`, the two-block 56-byte
message) are `#guard`s in `NN/Tests/SHA256.lean`; the payload fixture's hash is checked again at
run time by `lake test`.

## Implementation notes

Words are `UInt32`, so `+` is addition modulo `2 ^ 32` as the standard requires; shifts by a
`UInt32` amount are taken modulo 32, and `rotr` is only used with amounts in `1 … 31`. Message
words and the length field are big-endian. The full 64-byte blocks are read in place from the
message; only the tail (fewer than 64 bytes) is copied, padded with `0x80`, zeros and the 64-bit
big-endian bit length, into one or two final blocks. Every loop is a structural recursion on a
`Nat` fuel argument (block count, word count, round count), so nothing here is `partial`.

Trust boundary: this is executable code checked by known-answer tests, not proved to implement
FIPS 180-4. Collision resistance of SHA-256 itself is assumed, as everywhere.
-/

namespace NN.Runtime.SHA256

/-! ### Constants and word functions -/

/-- The 64 round constants `K₀ … K₆₃` (FIPS 180-4 §4.2.2). -/
def roundConstants : Array UInt32 := #[
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]

/-- Eight 32-bit words: the hash value `H₀ … H₇`, or the working variables `a … h`. -/
structure State where
  /-- Word 0 (`a`). -/
  a : UInt32
  /-- Word 1 (`b`). -/
  b : UInt32
  /-- Word 2 (`c`). -/
  c : UInt32
  /-- Word 3 (`d`). -/
  d : UInt32
  /-- Word 4 (`e`). -/
  e : UInt32
  /-- Word 5 (`f`). -/
  f : UInt32
  /-- Word 6 (`g`). -/
  g : UInt32
  /-- Word 7 (`h`). -/
  h : UInt32

/-- The initial hash value `H⁽⁰⁾` (FIPS 180-4 §5.3.3). -/
def initialState : State :=
  ⟨0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19⟩

/-- Rotation right by `n` bits, for `0 < n < 32`. -/
def rotr (x n : UInt32) : UInt32 := (x >>> n) ||| (x <<< (32 - n))

/-- `Σ₀` (FIPS 180-4 (4.4)). -/
def bigSigma0 (x : UInt32) : UInt32 := rotr x 2 ^^^ rotr x 13 ^^^ rotr x 22

/-- `Σ₁` (FIPS 180-4 (4.5)). -/
def bigSigma1 (x : UInt32) : UInt32 := rotr x 6 ^^^ rotr x 11 ^^^ rotr x 25

/-- `σ₀` (FIPS 180-4 (4.6)). -/
def smallSigma0 (x : UInt32) : UInt32 := rotr x 7 ^^^ rotr x 18 ^^^ (x >>> 3)

/-- `σ₁` (FIPS 180-4 (4.7)). -/
def smallSigma1 (x : UInt32) : UInt32 := rotr x 17 ^^^ rotr x 19 ^^^ (x >>> 10)

/-- `Ch(x, y, z)`: `y` where `x` is set, `z` elsewhere (FIPS 180-4 (4.2)). -/
def ch (x y z : UInt32) : UInt32 := (x &&& y) ^^^ ((~~~x) &&& z)

/-- `Maj(x, y, z)`: the bitwise majority (FIPS 180-4 (4.3)). -/
def maj (x y z : UInt32) : UInt32 := (x &&& y) ^^^ (x &&& z) ^^^ (y &&& z)

/-! ### One block -/

/-- The big-endian 32-bit word at byte offset `p` (bytes past the end read as `0`, with a
panic message; callers stay in range). -/
def readWordBE (bs : ByteArray) (p : Nat) : UInt32 :=
  ((bs.get! p).toUInt32 <<< 24) ||| ((bs.get! (p + 1)).toUInt32 <<< 16) |||
    ((bs.get! (p + 2)).toUInt32 <<< 8) ||| (bs.get! (p + 3)).toUInt32

/-- Appends `n` big-endian words read from `bs` at `base + 4 * i`, `base + 4 * (i + 1)`, …. -/
def messageWords (bs : ByteArray) (base : Nat) : Nat → Nat → Array UInt32 → Array UInt32
  | 0, _, w => w
  | n + 1, i, w => messageWords bs base n (i + 1) (w.push (readWordBE bs (base + 4 * i)))

/-- Extends a message schedule by `n` words: `Wₜ = σ₁(Wₜ₋₂) + Wₜ₋₇ + σ₀(Wₜ₋₁₅) + Wₜ₋₁₆`
(FIPS 180-4 §6.2.2 step 1; the schedule must already hold at least 16 words). -/
def extendSchedule : Nat → Array UInt32 → Array UInt32
  | 0, w => w
  | n + 1, w =>
    let t := w.size
    extendSchedule n
      (w.push (smallSigma1 w[t - 2]! + w[t - 7]! + smallSigma0 w[t - 15]! + w[t - 16]!))

/-- The 64-word message schedule of the block at byte offset `base`. -/
def schedule (bs : ByteArray) (base : Nat) : Array UInt32 :=
  extendSchedule 48 (messageWords bs base 16 0 #[])

/-- One round of the compression function with `kw = Kₜ + Wₜ` (FIPS 180-4 §6.2.2 step 3). -/
def step (v : State) (kw : UInt32) : State :=
  let t1 := v.h + bigSigma1 v.e + ch v.e v.f v.g + kw
  let t2 := bigSigma0 v.a + maj v.a v.b v.c
  ⟨t1 + t2, v.a, v.b, v.c, v.d + t1, v.e, v.f, v.g⟩

/-- Runs `n` rounds starting at round `t` with the schedule `w`. -/
def rounds (w : Array UInt32) : Nat → Nat → State → State
  | 0, _, v => v
  | n + 1, t, v => rounds w n (t + 1) (step v (roundConstants[t]! + w[t]!))

/-- Word-wise sum modulo `2 ^ 32` (FIPS 180-4 §6.2.2 step 4). -/
def State.add (s v : State) : State :=
  ⟨s.a + v.a, s.b + v.b, s.c + v.c, s.d + v.d, s.e + v.e, s.f + v.f, s.g + v.g, s.h + v.h⟩

/-- The hash value after processing the 64-byte block at byte offset `base`. -/
def compress (s : State) (bs : ByteArray) (base : Nat) : State :=
  State.add s (rounds (schedule bs base) 64 0 s)

/-- Processes `n` consecutive 64-byte blocks starting at byte offset `base`. -/
def compressBlocks (bs : ByteArray) : Nat → Nat → State → State
  | 0, _, s => s
  | n + 1, base, s => compressBlocks bs n (base + 64) (compress s bs base)

/-! ### Padding and output -/

/-- Appends `n` zero bytes. -/
def pushZeros : Nat → ByteArray → ByteArray
  | 0, bs => bs
  | n + 1, bs => pushZeros n (bs.push 0)

/-- Appends the `k` low-order bytes of `x`, most significant first (big-endian). -/
def pushBE (x : Nat) : Nat → ByteArray → ByteArray
  | 0, bs => bs
  | k + 1, bs => pushBE x k (bs.push (UInt8.ofNat (x / 2 ^ (8 * k))))

/-- The final block(s): the bytes of `msg` after its first `full` 64-byte blocks, then `0x80`,
then zeros up to 56 modulo 64, then the message length in bits as a big-endian 64-bit integer
(FIPS 180-4 §5.1.1). Its size is 64 or 128. -/
def padTail (msg : ByteArray) (full : Nat) : ByteArray :=
  let tail := msg.extract (64 * full) msg.size
  let r := (tail.size + 1) % 64
  let zeros := if r ≤ 56 then 56 - r else 120 - r
  pushBE (8 * msg.size) 8 (pushZeros zeros (tail.push 0x80))

/-- Appends a word, most significant byte first. -/
def pushWordBE (w : UInt32) (bs : ByteArray) : ByteArray :=
  (((bs.push (w >>> 24).toUInt8).push (w >>> 16).toUInt8).push (w >>> 8).toUInt8).push w.toUInt8

/-- The 32-byte digest `H₀ ‖ … ‖ H₇`, each word big-endian. -/
def State.toBytes (s : State) : ByteArray :=
  pushWordBE s.h (pushWordBE s.g (pushWordBE s.f (pushWordBE s.e
    (pushWordBE s.d (pushWordBE s.c (pushWordBE s.b (pushWordBE s.a ByteArray.empty)))))))

/-- The SHA-256 digest (32 bytes) of `msg`. -/
def hash (msg : ByteArray) : ByteArray :=
  let full := msg.size / 64
  let s := compressBlocks msg full 0 initialState
  let tail := padTail msg full
  State.toBytes (compressBlocks tail (tail.size / 64) 0 s)

/-- The lowercase hexadecimal digit of `n < 16`. -/
def hexDigit (n : Nat) : Char :=
  if n < 10 then Char.ofNat (48 + n) else Char.ofNat (87 + n)

/-- Appends two lowercase hexadecimal digits per byte, for the bytes at `i`, `i + 1`, …
(`n` of them). -/
def hexFrom (bs : ByteArray) : Nat → Nat → String → String
  | 0, _, s => s
  | n + 1, i, s =>
    let x := (bs.get! i).toNat
    hexFrom bs n (i + 1) ((s.push (hexDigit (x / 16))).push (hexDigit (x % 16)))

/-- Lowercase hexadecimal of a byte array (two characters per byte). -/
def toHex (bs : ByteArray) : String := hexFrom bs bs.size 0 ""

/-- The SHA-256 digest of `msg` as 64 lowercase hexadecimal characters (as Python's
`hashlib.sha256(...).hexdigest()`). -/
def hashHex (msg : ByteArray) : String := toHex (NN.Runtime.SHA256.hash msg)

end NN.Runtime.SHA256
