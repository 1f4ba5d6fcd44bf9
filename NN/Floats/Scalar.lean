import NN.Spec.Scalar
import NN.Floats.Elementary

/-!
# Bit-exact binary32 scalars

`instance : NN.Scalar IEEE32`: the IR executes bit-exactly in Lean, every field being the
binary32 operation of `NN/Floats/IEEE32.lean` (arithmetic, comparisons, `maximum`/`minimum`) or
`NN/Floats/Elementary.lean` (correctly rounded elementary functions, rounding to integers).

## Main definitions

* `NN.Floats.instScalarIEEE32`: the instance.

## Main results

None (a definition).

## Implementation notes

Field by field: `zero = +0`, `one = 1.0`, `add`/`sub`/`mul`/`div`/`sqrt` correctly rounded,
`neg`/`abs` flip/clear the sign bit, `lt` IEEE's (false on NaN), `fromNat` the nearest binary32,
`max`/`min` NumPy's `maximum`/`minimum` (NaN propagates, ties return the second argument, as the
contract of `NN.ScalarRing.max`/`min` requires), `exp`, `log`, `tanh`, `erf`, `sin`, `cos`, `pow`
correctly rounded, `floor`, `ceil`, `round` (half to even) exact, `ofBits` the pattern itself.
The derived `NN.sigmoid` of the class is the composition `1 / (1 + exp (-x))` with three
roundings; the correctly rounded one-rounding sigmoid is `IEEE32.sigmoid`.

Trust boundary: nothing is proved here; see `NN/Floats/README.md` for what is proved of the core
operations and what is tested (correct rounding of the elementary functions, against MPFR).
-/

namespace NN.Floats

/-- Bit-exact binary32 scalars: every field is an `IEEE32` operation. -/
instance instScalarIEEE32 : NN.Scalar IEEE32 where
  zero := IEEE32.posZero
  one := IEEE32.one
  add := IEEE32.add
  sub := IEEE32.sub
  mul := IEEE32.mul
  neg := IEEE32.neg
  lt := IEEE32.lt
  fromNat := IEEE32.ofNat
  max := IEEE32.maximum
  min := IEEE32.minimum
  div := IEEE32.div
  abs := IEEE32.abs
  exp := IEEE32.exp
  log := IEEE32.log
  sqrt := IEEE32.sqrt
  tanh := IEEE32.tanh
  ofBits b := ⟨b⟩
  erf := IEEE32.erf
  sin := IEEE32.sin
  cos := IEEE32.cos
  floor := IEEE32.floor
  ceil := IEEE32.ceil
  round := IEEE32.round
  pow := IEEE32.pow

end NN.Floats
