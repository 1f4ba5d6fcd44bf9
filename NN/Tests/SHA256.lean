import NN.Runtime.SHA256

/-!
# Tests: SHA-256 known answers

The FIPS 180-2 appendix B messages: the empty string, `"abc"` (one block) and the 56-byte
`"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"` (its padding needs a second block),
plus messages of 55, 63 and 64 bytes (the other padding boundaries) checked against Python's
`hashlib`.

## Main results

`#guard` checks only (they run when this module is elaborated, i.e. by `lake test`).

## Implementation notes

`#guard` uses Lean's evaluator, so these are tests, not proofs.

Trust boundary: tests, not proofs.
-/

namespace NN.Tests

open NN.Runtime

/-- A string of `n` copies of `c`. -/
def repeatChar (c : Char) (n : Nat) : String := String.mk (List.replicate n c)

#guard SHA256.hashHex "".toUTF8 ==
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#guard SHA256.hashHex "abc".toUTF8 ==
  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#guard SHA256.hashHex "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".toUTF8 ==
  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
#guard (SHA256.hash "abc".toUTF8).size == 32
#guard SHA256.hashHex (repeatChar 'a' 55).toUTF8 ==
  "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"
#guard SHA256.hashHex (repeatChar 'a' 63).toUTF8 ==
  "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"
#guard SHA256.hashHex (repeatChar 'a' 64).toUTF8 ==
  "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"

end NN.Tests
