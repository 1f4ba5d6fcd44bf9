import NN.Floats.Scalar

/-!
# Tests: correctly rounded elementary functions on binary32

`#guard` checks of `NN.Floats.IEEE32.exp`, `log`, `sin`, `cos`, `tanh`, `sigmoid`, `erf`, `pow`,
`floor`, `ceil` and `round` on a handful of arguments, and of the `Scalar IEEE32` instance. The
expected bit patterns are MPFR's (`gmpy2`, precision 24, `emin = -148`, `emax = 128`,
subnormalised), computed when this file was written; `ceil (-0.5) = -0` is IEEE's and NumPy's.

## Main results

`#guard` checks only (they run when this module is elaborated, i.e. by `lake test`).

## Implementation notes

The arguments are chosen so that every branch of the evaluators runs once (argument reduction of
`sin`/`cos` for `100` and `1e30`, both branches of `tanh`, subnormal results of `exp`, exact and
inexact `pow`) while staying cheap for the interpreter. The Python twin is checked against MPFR on
thousands of inputs by `tests/test_ieee32_elementary.py`.

Trust boundary: tests, not proofs.
-/

namespace NN.Tests.FloatsElementary

open NN.Floats

/-! ### Finite values (expected bits: MPFR) -/

#guard (IEEE32.exp ⟨0x3F800000⟩).bits == 0x402DF854   -- exp(1.0) = 2.7182817459106445
#guard (IEEE32.exp ⟨0xBF800000⟩).bits == 0x3EBC5AB2   -- exp(-1.0) = 0.3678794503211975
#guard (IEEE32.exp ⟨0xC2C80000⟩).bits == 0x0000001B   -- exp(-100.0) = 3.783505853677006e-44
#guard (IEEE32.log ⟨0x40000000⟩).bits == 0x3F317218   -- log(2.0) = 0.6931471824645996
#guard (IEEE32.log ⟨0x3F000000⟩).bits == 0xBF317218   -- log(0.5) = -0.6931471824645996
#guard (IEEE32.log ⟨0x000116C2⟩).bits == 0xC2B834F2   -- log(1e-40) = -92.10340881347656
#guard (IEEE32.sin ⟨0x3F800000⟩).bits == 0x3F576AA4   -- sin(1.0) = 0.8414709568023682
#guard (IEEE32.cos ⟨0x3F800000⟩).bits == 0x3F0A5140   -- cos(1.0) = 0.5403022766113281
#guard (IEEE32.sin ⟨0x42C80000⟩).bits == 0xBF01A12E   -- sin(100.0) = -0.5063656568527222
#guard (IEEE32.cos ⟨0x7149F2CA⟩).bits == 0xBF1C9222   -- cos(1e+30) = -0.6116048097610474
#guard (IEEE32.tanh ⟨0x3E800000⟩).bits == 0x3E7ACBF5   -- tanh(0.25) = 0.24491865932941437
#guard (IEEE32.tanh ⟨0xBF800000⟩).bits == 0xBF42F7D6   -- tanh(-1.0) = -0.7615941762924194
#guard (IEEE32.sigmoid ⟨0x3F800000⟩).bits == 0x3F3B26A8   -- sigmoid(1.0) = 0.7310585975646973
#guard (IEEE32.sigmoid ⟨0xBF800000⟩).bits == 0x3E89B2B1   -- sigmoid(-1.0) = 0.2689414322376251
#guard (IEEE32.erf ⟨0x3F000000⟩).bits == 0x3F053F7B   -- erf(0.5) = 0.5204998850822449
#guard (IEEE32.erf ⟨0xC0000000⟩).bits == 0xBF7ECD71   -- erf(-2.0) = -0.9953222870826721
#guard (IEEE32.pow ⟨0x40000000⟩ ⟨0x3F000000⟩).bits == 0x3FB504F3   -- pow(2.0, 0.5) = 1.4142135381698608
#guard (IEEE32.pow ⟨0x41100000⟩ ⟨0x3F000000⟩).bits == 0x40400000   -- pow(9.0, 0.5) = 3.0
#guard (IEEE32.pow ⟨0xC0000000⟩ ⟨0x40400000⟩).bits == 0xC1000000   -- pow(-2.0, 3.0) = -8.0
#guard (IEEE32.pow ⟨0x41200000⟩ ⟨0xBF800000⟩).bits == 0x3DCCCCCD   -- pow(10.0, -1.0) = 0.10000000149011612
#guard (IEEE32.pow ⟨0x00000000⟩ ⟨0xBF800000⟩).bits == 0x7F800000   -- pow(0.0, -1.0) = inf
#guard (IEEE32.pow ⟨0xC1000000⟩ ⟨0x3EAAAAAB⟩).bits == 0x7FC00000   -- pow(-8.0, 0.3333333333333333) = nan
#guard (IEEE32.floor ⟨0xBF000000⟩).bits == 0xBF800000   -- floor(-0.5) = -1.0
#guard (IEEE32.ceil ⟨0xBF000000⟩).bits == 0x80000000   -- ceil(-0.5) = -0.0
#guard (IEEE32.round ⟨0x40200000⟩).bits == 0x40000000   -- round(2.5) = 2.0
#guard (IEEE32.round ⟨0xBF000000⟩).bits == 0x80000000   -- round(-0.5) = -0.0
#guard (IEEE32.round ⟨0x40600000⟩).bits == 0x40800000   -- round(3.5) = 4.0

/-! ### Special values -/

#guard (IEEE32.exp IEEE32.negInf).bits == 0x00000000
#guard (IEEE32.exp IEEE32.negZero).bits == 0x3F800000
#guard (IEEE32.log ⟨0xBF800000⟩).bits == 0x7FC00000
#guard (IEEE32.log IEEE32.posZero).bits == 0xFF800000
#guard (IEEE32.sin IEEE32.posInf).bits == 0x7FC00000
#guard (IEEE32.sin IEEE32.negZero).bits == 0x80000000
#guard (IEEE32.tanh ⟨0xC1200000⟩).bits == 0xBF800000
#guard (IEEE32.erf ⟨0x40A00000⟩).bits == 0x3F800000
#guard (IEEE32.sigmoid IEEE32.posZero).bits == 0x3F000000
#guard (IEEE32.pow IEEE32.qNaN IEEE32.posZero).bits == 0x3F800000

/-! ### The `Scalar IEEE32` instance -/

#guard (NN.Scalar.exp (NN.Scalar.ofBits 0x3F800000 : IEEE32)).bits == 0x402DF854
#guard (NN.ScalarRing.max (IEEE32.negZero) IEEE32.posZero).bits == 0x00000000
#guard (NN.ScalarRing.add (NN.ScalarRing.one : IEEE32) NN.ScalarRing.one).bits == 0x40000000
#guard (NN.Scalar.round (NN.Scalar.ofBits 0x40200000 : IEEE32)).bits == 0x40000000

end NN.Tests.FloatsElementary
