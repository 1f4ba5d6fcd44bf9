import NN.Floats.IEEE32
import NN.Floats.DyadicScalar

/-!
# Tests of the bit-exact binary32 core

`#guard` checks of `NN.Floats.IEEE32` on hand-picked values; the expected bit patterns were
computed with NumPy `float32` (and agree with the Python twin `tlean.ieee32`). A few small cases
are also checked by `decide` (kernel-checked evaluation).

## Main definitions

* `NN.Tests.FloatsCore.b`: a binary32 from its bit pattern.

## Main results

None (tests).

## Implementation notes

Comparisons are on `IEEE32.toBitsNat`, so a wrong result prints as a failing `#guard`.

Trust boundary: tests, not proofs.
-/

namespace NN.Tests.FloatsCore

open NN.Floats

/-- A binary32 from its bit pattern. -/
def b (n : Nat) : IEEE32 := IEEE32.ofBitsNat n

-- 1 + 2 = 3
#guard (IEEE32.add (b 0x3F800000) (b 0x40000000)).toBitsNat == 0x40400000
-- 0.1f + 0.2f = 0.3f (rounded: 0x3E99999A)
#guard (IEEE32.add (b 0x3DCCCCCD) (b 0x3E4CCCCD)).toBitsNat == 0x3E99999A
-- 1 - 1 = +0; (-0) + (-0) = -0
#guard (IEEE32.sub (b 0x3F800000) (b 0x3F800000)).toBitsNat == 0
#guard (IEEE32.add (b 0x80000000) (b 0x80000000)).toBitsNat == 0x80000000
-- smallest subnormal * 2; * 0.5 (tie to even: +0); 3 * smallest * 0.5 (tie to even: 2)
#guard (IEEE32.mul (b 0x00000001) (b 0x40000000)).toBitsNat == 0x00000002
#guard (IEEE32.mul (b 0x00000001) (b 0x3F000000)).toBitsNat == 0
#guard (IEEE32.mul (b 0x00000003) (b 0x3F000000)).toBitsNat == 0x00000002
-- overflow: max finite * 2 = +Inf
#guard (IEEE32.mul (b 0x7F7FFFFF) (b 0x40000000)).toBitsNat == 0x7F800000
-- 1 / 3, sqrt 2, fma(0.1f, 10, -1) = 2^-26
#guard (IEEE32.div (b 0x3F800000) (b 0x40400000)).toBitsNat == 0x3EAAAAAB
#guard (IEEE32.sqrt (b 0x40000000)).toBitsNat == 0x3FB504F3
#guard (IEEE32.fma (b 0x3DCCCCCD) (b 0x41200000) (b 0xBF800000)).toBitsNat == 0x32800000
-- special values
#guard (IEEE32.div (b 0x3F800000) (b 0x80000000)).toBitsNat == 0xFF800000
#guard (IEEE32.add (b 0x7F800000) (b 0xFF800000)).toBitsNat == 0x7FC00000
#guard (IEEE32.sqrt (b 0xBF800000)).toBitsNat == 0x7FC00000
#guard (IEEE32.sqrt (b 0x80000000)).toBitsNat == 0x80000000
#guard (IEEE32.fma (b 0x80000000) (b 0x3F800000) (b 0x80000000)).toBitsNat == 0x80000000
-- NumPy's maximum: ties return the second argument
#guard (IEEE32.maximum (b 0x80000000) (b 0)).toBitsNat == 0
#guard (IEEE32.maximum (b 0) (b 0x80000000)).toBitsNat == 0x80000000
#guard (IEEE32.minimum (b 0x7FC00001) (b 0x3F800000)).toBitsNat == 0x7FC00000
-- NaN compares false; -0 == +0
#guard IEEE32.lt (b 0x7FC00000) (b 0x3F800000) == false
#guard IEEE32.le (b 0x3F800000) (b 0x7FC00000) == false
#guard IEEE32.eq (b 0x80000000) (b 0) == true
#guard IEEE32.lt (b 0xFF800000) (b 0xFF7FFFFF) == true
-- conversions: 2^24 + 1 ties to even; -3
#guard (IEEE32.ofInt 16777217).toBitsNat == 0x4B800000
#guard (IEEE32.ofInt (-3)).toBitsNat == 0xC0400000
-- decoding
#guard (b 0x3F800000).toDyadic? == some (Dyadic.mk 8388608 (-23))
#guard (b 0x80000003).toDyadic? == some (Dyadic.mk (-3) (-149))
#guard (b 0x7F800000).toDyadic? == none

-- exact dyadic scalars: 1 + 2^-1 = 3 * 2^-1; max of equal values returns the second argument
#guard Dyadic.eqv (NN.ScalarRing.add (Dyadic.mk 1 0) (Dyadic.mk 1 (-1))) (Dyadic.mk 3 (-1)) == true
#guard NN.ScalarRing.max (Dyadic.mk 1 0) (Dyadic.mk 2 (-1)) == Dyadic.mk 2 (-1)
#guard NN.ScalarRing.lt (Dyadic.mk (-1) 5) (Dyadic.mk 1 (-5)) == true

-- The nearest binary32 of `3`; bit lengths and an integer square root.
#guard (IEEE32.ofInt 3).toBitsNat == 0x40400000
#guard bitLen 5 == 3 && bitLen 0 == 0 && isqrt 17 == 4

end NN.Tests.FloatsCore
