import NN.Floats.IEEE32

/-!
# Correctly rounded elementary functions on binary32

`IEEE32.exp`, `log`, `tanh`, `sigmoid`, `erf`, `sin`, `cos`, `pow` return the binary32 nearest the
exact real result (ties to even, overflow to `±Inf`, subnormals, underflow to a signed zero), and
`IEEE32.floor`, `ceil`, `round` (half to even) round to an integer. Everything is computed on
`Int`/`Nat`.

## Main definitions

* `NN.Floats.Elementary.ziv`: Ziv's loop. An *evaluator* maps a working precision `p` (bits) to an
  enclosure `[lo, hi] · 2 ^ exp` of the exact value; when `IEEE32.ofDyadic` maps both ends to the
  same binary32 that is the answer, otherwise `p` doubles.
* Constants with error bounds: `ln2` (`2 atanh (1/3)`), `pi` (Machin: `16 atan (1/5) - 4 atan (1/239)`),
  `twoOverSqrtPi` (from `pi` and `NN.Floats.isqrt`).
* Series kernels on fixed-point integers with every truncation counted in an error term and an
  explicit tail bound: `expTaylor`, `sinSeries`, `cosSeries`, `posSeries` (positive series with a
  floor sequence and a ceiling sequence), the atanh series inside `logEval`.
* Evaluators: `expFix`/`expEval` (`x = k ln 2 + r`), `logEval` (`x = f 2^e`, `log f = 2 atanh z`),
  `trigEval` (`x = k π/2 + r` with `π` to as many bits as the argument needs), `tanhEval`,
  `sigmoidEval` (one quotient, one rounding), `erfEval`
  (`erf x = (2/√π) x e^{-x²} Σ (2x²)^k / (2k+1)!!`), `powEval` (`exp (y log x)`).
* `NN.Floats.Elementary.powPos`: the exact cases of `pow` (see its docstring) before Ziv's loop.
* Public: `IEEE32.exp`, `log`, `tanh`, `sigmoid`, `erf`, `sin`, `cos`, `pow`, `floor`, `ceil`, `round`.

## Main results

None here (definitions). Correct rounding is tested against MPFR, not proved.

## Implementation notes

Every function is the Lean twin of the function of `pytools/tlean/ieee32_elementary.py` named in
its docstring (Python `_exp_fix` ↔ `Elementary.expFix`, …), with the same constants, guard bits
and error terms. Loops are structural recursion on a `Nat` fuel argument whose size bounds the
number of iterations: series terms at least halve (or shrink by `1/9`, `1/25`, `1/33`) per step,
so the fuel `g + 4` (resp. the values given) suffices; `posSeries` gets `8 g + 1000` steps.
The Python twin caches `ln2`, `pi` and `twoOverSqrtPi` per precision; the Lean recomputes them.
The rounding of a dyadic is the core layer's `IEEE32.ofDyadic`. Exact cases are decided before
the loop so that it ends: `exp (±0) = 1`, `log 1 = +0`, `sin (±0) = ±0`, `cos (±0) = 1`,
`tanh (±0) = ±0`, `erf (±0) = ±0`, `sigmoid (±0) = 1/2`, the special and exact cases of `pow`,
and bounds that decide saturation and overflow (`exp x = +Inf` for `x ≥ 89`, `+0` for
`x ≤ -104`; `tanh x = ±1` for `|x| ≥ 9.1`; `sigmoid x = 1` for `x ≥ 17.4`, `+0` for `x ≤ -104`;
`erf x = ±1` for `|x| ≥ 4`).

Trust boundary: nothing here is proved. That each evaluator's enclosure contains the exact value
is argued in the docstrings (the Python twin's docstrings carry the same argument), and the
correct rounding of the results is tested against MPFR through the Python twin
(`tests/test_ieee32_elementary.py`) and on a handful of values by `#guard`
(`NN/Tests/FloatsElementary.lean`). Ziv's loop has fuel `zivFuel = 8` (precisions `64 … 16384`
bits); with that fuel the loop is proven-by-test never to run out on the inputs tried (every
input of the Python twin's MPFR tests and sweeps was decided at the first precision, 64 bits, by
the same algorithm); if it ran out, the function would return
the last candidate (the rounding of the lower end of the last enclosure), which need not be the
correctly rounded value. For `erf` the irrationality of `erf x` at nonzero rational `x` is not a
known theorem, so there the fuel is the only guarantee of termination; for the other functions
the values at nonzero binary32 arguments are irrational (Lindemann–Weierstrass) or handled as
exact cases, so a large enough precision always decides.
-/

namespace NN.Floats

namespace Elementary

/-! ### Integer helpers -/

/-- `2 ^ k` as an integer. -/
def pow2 (k : Nat) : Int := ((2 ^ k : Nat) : Int)

/-- `⌊m · 2 ^ s⌋` for an integer shift `s` (`Int` division by a positive divisor rounds down). -/
def shiftFloor (m s : Int) : Int :=
  if 0 ≤ s then m * pow2 s.toNat else m / pow2 (-s).toNat

/-- `⌈a / b⌉` for `b > 0`. -/
def ceilDiv (a b : Int) : Int := -((-a) / b)

/-- The number of binary digits of `|m|`. -/
def bitLenInt (m : Int) : Nat := bitLen m.natAbs

/-- `⌊man · 2 ^ (exp + g)⌋` (Python `_fix_floor`). -/
def fixFloor (man exp : Int) (g : Nat) : Int := shiftFloor man (exp + g)

/-- `⌈man · 2 ^ (exp + g)⌉` (Python `_fix_ceil`). -/
def fixCeil (man exp : Int) (g : Nat) : Int := -(shiftFloor (-man) (exp + g))

/-- An enclosure `[lo · 2 ^ exp, hi · 2 ^ exp]` of an exact real value. -/
structure Enclosure where
  /-- Mantissa of the lower end. -/
  lo : Int
  /-- Mantissa of the upper end. -/
  hi : Int
  /-- Common binary exponent. -/
  exp : Int

/-- The enclosure `[-hi, -lo]` of the negated value. -/
def Enclosure.neg (e : Enclosure) : Enclosure := ⟨-e.hi, -e.lo, e.exp⟩

/-! ### Rounding and Ziv's loop -/

/-- The binary32 nearest `num / den · 2 ^ exp` (`den > 0`; Python `_round_ratio`): a quotient with
at least 27 bits and a sticky bit for a nonzero remainder rounds like the exact ratio. -/
def roundRatio (num den : Nat) (exp : Int) : IEEE32 :=
  if num = 0 then IEEE32.posZero
  else
    let s : Int := (bitLen den : Int) - (bitLen num : Int) + 27
    let q := if 0 ≤ s then num * 2 ^ s.toNat / den else num / (den * 2 ^ (-s).toNat)
    let r := if 0 ≤ s then num * 2 ^ s.toNat % den else num % (den * 2 ^ (-s).toNat)
    IEEE32.ofDyadic ⟨((2 * q + (if r = 0 then 0 else 1) : Nat) : Int), exp - s - 1⟩

/-- The number of precision doublings of Ziv's loop (precisions `64 · 2 ^ i`, `i ≤ 8`). -/
def zivFuel : Nat := 8

/-- The first working precision of Ziv's loop (bits). -/
def startPrecision : Nat := 64

/-- Ziv's loop with fuel: evaluates at precision `p`; if both ends round to the same binary32 it
is the answer, else the precision doubles; out of fuel, the rounding of the lower end. -/
def zivGo (eval : Nat → Enclosure) : Nat → Nat → IEEE32
  | 0, p =>
    let e := eval p
    IEEE32.ofDyadic ⟨e.lo, e.exp⟩
  | fuel + 1, p =>
    let e := eval p
    let a := IEEE32.ofDyadic ⟨e.lo, e.exp⟩
    if a = IEEE32.ofDyadic ⟨e.hi, e.exp⟩ then a else zivGo eval fuel (2 * p)

/-- Ziv's loop from `startPrecision` with `zivFuel` doublings (Python `_ziv`). -/
def ziv (eval : Nat → Enclosure) : IEEE32 := zivGo eval zivFuel startPrecision

/-! ### Constants -/

/-- The loop of `ln2`: adds `t / (2k+1)` and divides `t` by 9 until `t = 0`; returns the sum and
the number of terms. -/
def ln2Go : Nat → Nat → Nat → Nat → Nat × Nat
  | 0, k, _, s => (s, k)
  | fuel + 1, k, t, s =>
    if t = 0 then (s, k) else ln2Go fuel (k + 1) (t / 9) (s + t / (2 * k + 1))

/-- `(lo, hi)` with `lo ≤ 2 ^ g · ln 2 ≤ hi` (Python `_ln2`): `ln 2 = Σ 2 / ((2k+1) 3^(2k+1))` at
`g + 8` bits; each term is off by less than `3` units, the tail by less than one. -/
def ln2 (g : Nat) : Int × Int :=
  let w := g + 8
  let r := ln2Go (w + 2) 0 (2 * 2 ^ w / 3) 0
  let s : Int := r.1
  let err : Int := 3 * (r.2 : Int) + 2
  ((s - err) / 256, ceilDiv (s + err) 256)

/-- The loop of `atanInv`: the alternating series of `atan (1/n)`, `n2 = n²`. -/
def atanGo (n2 : Nat) : Nat → Nat → Nat → Int → Int × Nat
  | 0, k, _, s => (s, k)
  | fuel + 1, k, t, s =>
    if t = 0 then (s, k)
    else
      let term : Int := ((t / (2 * k + 1) : Nat) : Int)
      atanGo n2 fuel (k + 1) (t / n2) (if k % 2 = 1 then s - term else s + term)

/-- `(s, err)` with `|2 ^ w · atan (1/n) - s| ≤ err` (Python `_atan_inv`). -/
def atanInv (n w : Nat) : Int × Int :=
  let r := atanGo (n * n) (w + 2) 0 (2 ^ w / n) 0
  (r.1, 3 * (r.2 : Int) + 2)

/-- `(lo, hi)` with `lo ≤ 2 ^ g · π ≤ hi` by Machin's formula (Python `_pi`). -/
def pi (g : Nat) : Int × Int :=
  let w := g + 10
  let a := atanInv 5 w
  let b := atanInv 239 w
  let s := 16 * a.1 - 4 * b.1
  let err := 16 * a.2 + 4 * b.2
  ((s - err) / 1024, ceilDiv (s + err) 1024)

/-- `(lo, hi)` with `lo ≤ 2 ^ g · 2/√π ≤ hi` (Python `_two_over_sqrt_pi`). -/
def twoOverSqrtPi (g : Nat) : Int × Int :=
  let p := pi g
  let slo : Int := ((isqrt (p.1.toNat * 2 ^ g) : Nat) : Int)
  let shi : Int := ((isqrt (p.2.toNat * 2 ^ g) : Nat) : Int) + 1
  (2 * pow2 (2 * g) / shi, ceilDiv (2 * pow2 (2 * g)) slo)

/-! ### Series kernels (fixed point at scale `2 ^ g`) -/

/-- The loop of `expTaylor`: term `n+1` is `t · a / ((n+1) 2^g)`, truncated. -/
def expTaylorGo (a : Int) (neg : Bool) (g : Nat) : Nat → Nat → Int → Int → Int × Nat
  | 0, n, _, s => (s, n)
  | fuel + 1, n, t, s =>
    if t = 0 then (s, n)
    else
      let t' := t * a / (((n + 1 : Nat) : Int) * pow2 g)
      expTaylorGo a neg g fuel (n + 1) t' (if neg && (n + 1) % 2 == 1 then s - t' else s + t')

/-- `(s, err)` with `|2 ^ g · exp (r / 2 ^ g) - s| ≤ err` for `|r| ≤ 2 ^ (g-1)` (Python
`_exp_taylor`): each truncated term is off by less than 2 units, the tail after the first zero
term is below 3 units. -/
def expTaylor (r : Int) (g : Nat) : Int × Int :=
  let res := expTaylorGo (r.natAbs : Int) (decide (r < 0)) g (g + 4) 0 (pow2 g) (pow2 g)
  (res.1, 2 * (res.2 : Int) + 8)

/-- Enclosure of `exp` over `[alo, ahi] / 2 ^ g` (Python `_exp_fix`): `x = k ln 2 + r`,
`exp x = 2 ^ k exp r`; the width `h` of `r` enters through `|exp'| ≤ 3/2` on `|r| ≤ 1/2`.
Arguments beyond `±200` give enclosures that round to `+Inf` / `+0`; a too wide `r` gives an
enclosure that never decides. -/
def expFix (alo ahi : Int) (g : Nat) : Enclosure :=
  let lim := 200 * pow2 g
  if lim < alo then ⟨1, 1, 200⟩
  else if ahi < -lim then ⟨1, 1, -300⟩
  else
    let l := ln2 g
    let mid := (alo + ahi) / 2
    let k := (2 * mid + l.1) / (2 * l.1)
    let rlo := if 0 ≤ k then alo - k * l.2 else alo - k * l.1
    let rhi := if 0 ≤ k then ahi - k * l.1 else ahi - k * l.2
    let rm := (rlo + rhi) / 2
    let h := rhi - rm
    if pow2 (g - 4) < h ∨ pow2 (g - 1) < (rm.natAbs : Int) + h then ⟨0, 1, 300⟩
    else
      let t := expTaylor rm g
      let err := t.2 + 3 * h + 1
      ⟨t.1 - err, t.1 + err, k - g⟩

/-- The loop of `sinSeries`: term `k+1` is `t u / ((2k+2)(2k+3) 2^g)`. -/
def sinSeriesGo (u : Int) (g : Nat) : Nat → Nat → Int → Int → Int × Nat
  | 0, k, _, s => (s, k)
  | fuel + 1, k, t, s =>
    if t = 0 then (s, k)
    else
      let t' := t * u / (((2 * (k + 1) * (2 * (k + 1) + 1) : Nat) : Int) * pow2 g)
      sinSeriesGo u g fuel (k + 1) t' (if (k + 1) % 2 = 1 then s - t' else s + t')

/-- `(s, err)` with `|2 ^ g F (u / 2 ^ g) - s| ≤ err`, `F u = Σ (-1)^k u^k / (2k+1)!`
(`sin x = x F (x²)`), for `0 ≤ u ≤ 2 ^ g` (Python `_sin_series`). -/
def sinSeries (u : Int) (g : Nat) : Int × Int :=
  let r := sinSeriesGo u g (g + 4) 0 (pow2 g) (pow2 g)
  (r.1, 2 * (r.2 : Int) + 4)

/-- The loop of `cosSeries`: term `k+1` is `t u / ((2k+1)(2k+2) 2^g)`. -/
def cosSeriesGo (u : Int) (g : Nat) : Nat → Nat → Int → Int → Int × Nat
  | 0, k, _, s => (s, k)
  | fuel + 1, k, t, s =>
    if t = 0 then (s, k)
    else
      let t' := t * u / ((((2 * k + 1) * (2 * (k + 1)) : Nat) : Int) * pow2 g)
      cosSeriesGo u g fuel (k + 1) t' (if (k + 1) % 2 = 1 then s - t' else s + t')

/-- `(s, err)` with `|2 ^ g cos (√(u / 2 ^ g)) - s| ≤ err` for `0 ≤ u ≤ 2 ^ g` (Python
`_cos_series`). -/
def cosSeries (u : Int) (g : Nat) : Int × Int :=
  let r := cosSeriesGo u g (g + 4) 0 (pow2 g) (pow2 g)
  (r.1, 2 * (r.2 : Int) + 4)

/-- The denominator and numerator factor of step `k ≥ 1` of `posSeries` of the given kind. -/
def posStep (kind k : Nat) : Nat × Nat :=
  if kind = 0 then ((2 * k) * (2 * k + 1), 1)
  else if kind = 1 then ((2 * k - 1) * (2 * k), 1)
  else (2 * k + 1, 2)

/-- The loop of `posSeries`: a floor sequence `lo` and a ceiling sequence `hi` of the terms. -/
def posSeriesGo (ulo uhi g kind : Nat) : Nat → Nat → Nat → Nat → Nat → Nat → Nat × Nat
  | 0, _, _, _, slo, shi => (slo, shi + 2 ^ (g + 64))
  | fuel + 1, k, lo, hi, slo, shi =>
    let st := posStep kind (k + 1)
    let d := st.1
    let num := st.2
    let lo' := lo * ulo * num / (d * 2 ^ g)
    let hi' := (hi * uhi * num + d * 2 ^ g - 1) / (d * 2 ^ g)
    if hi' ≤ 1 ∧ 2 * num * uhi ≤ d * 2 ^ g then (slo + lo', shi + hi' + 1)
    else posSeriesGo ulo uhi g kind fuel (k + 1) lo' hi' (slo + lo') (shi + hi')

/-- Lower and upper bounds at scale `2 ^ g` of a positive series in `u ∈ [ulo, uhi] / 2 ^ g`
(Python `_pos_series`): kind 0 `Σ u^k/(2k+1)!` (`sinh x / x`), 1 `Σ u^k/(2k)!` (`cosh x`),
2 `Σ (2u)^k/(2k+1)!!` (erf). It stops once the next ratio is at most `1/2` and the upper term at
most one unit (the tail is then at most one unit). -/
def posSeries (ulo uhi g kind : Nat) : Nat × Nat :=
  posSeriesGo ulo uhi g kind (8 * g + 1000) 0 (2 ^ g) (2 ^ g) (2 ^ g) (2 ^ g)

/-! ### Evaluators -/

/-- Enclosure of `exp (man · 2 ^ ex)` at precision `p` (Python `_exp_eval`). -/
def expEval (man ex : Int) (p : Nat) : Enclosure :=
  let g := p + 16
  expFix (fixFloor man ex g) (fixCeil man ex g) g

/-- The atanh loop of `logEval`: adds `t / (2k+1)`, multiplies `t` by `a2 / d2`. -/
def logGo (a2 d2 : Nat) : Nat → Nat → Nat → Nat → Nat × Nat
  | 0, k, _, s => (s, k)
  | fuel + 1, k, t, s =>
    if t = 0 then (s, k) else logGo a2 d2 fuel (k + 1) (t * a2 / d2) (s + t / (2 * k + 1))

/-- Enclosure of `log (man · 2 ^ ex)` for `man > 0` at precision `p` (Python `_log_eval`):
`x = f 2 ^ e` with `f ∈ [1/√2, √2]`, `log f = 2 atanh z`, `z = (f-1)/(f+1)` exact, `|z| ≤ 0.172`;
absolute precision `p + 40` (`|log x| ≥ 2 ^ -25` for binary32 `x ≠ 1`). -/
def logEval (man ex : Int) (p : Nat) : Enclosure :=
  let g := p + 40
  let m := man.natAbs
  let n := bitLen m
  let one0 : Nat := 2 ^ (n - 1)
  let big := decide (2 * one0 * one0 < m * m)
  let one : Nat := if big then 2 * one0 else one0
  let e : Int := ex + (n : Int) - 1 + (if big then 1 else 0)
  let num : Int := (m : Int) - (one : Int)
  let den := m + one
  let a := num.natAbs
  let r := logGo (a * a) (den * den) (g + 2) 0 (a * 2 ^ g / den) 0
  let err : Int := 2 * (3 * (r.2 : Int) + 3)
  let s2 : Int := if num < 0 then -2 * (r.1 : Int) else 2 * (r.1 : Int)
  let l := ln2 g
  let baseLo := if 0 ≤ e then e * l.1 else e * l.2
  let baseHi := if 0 ≤ e then e * l.2 else e * l.1
  ⟨baseLo + s2 - err, baseHi + s2 + err, -(g : Int)⟩

/-- Enclosure of `sin` (`wantCos = false`) or `cos` of `man · 2 ^ ex` (Python `_trig_eval`). For
`|x| < 1/2`: `sin x = x F (x²)` (relative precision) and `cos x = G (x²)`. Otherwise
`x = k π/2 + r` with `π` to `p + 16 + bits k` bits (so any binary32, up to `2 ^ 128`, is reduced
with a counted error), `sin r`/`cos r` by series, the width of `r` added (both are 1-Lipschitz),
and the quadrant `k mod 4` selects the sign and the function. -/
def trigEval (man ex : Int) (p : Nat) (wantCos : Bool) : Enclosure :=
  let g := p + 16
  let a : Int := (man.natAbs : Int)
  if (bitLenInt man : Int) + ex ≤ -1 then
    let u := fixFloor (a * a) (2 * ex) g
    if wantCos then
      let c := cosSeries u g
      ⟨c.1 - c.2 - 1, c.1 + c.2 + 1, -(g : Int)⟩
    else
      let s := sinSeries u g
      let e : Enclosure := ⟨a * (s.1 - s.2 - 1), a * (s.1 + s.2 + 1), ex - g⟩
      if 0 < man then e else e.neg
  else
    let kb := ((bitLenInt man : Int) + ex + 1).toNat
    let w := g + kb + 4
    let pp := pi w
    let xw := fixFloor man ex (w + 1)
    let k := (2 * xw + pp.1) / (2 * pp.1)
    let rlo0 := if 0 ≤ k then xw - k * pp.2 else xw - k * pp.1
    let rhi0 := if 0 ≤ k then xw - k * pp.1 else xw - k * pp.2
    let rlo := rlo0 / pow2 (w + 1 - g)
    let rhi := ceilDiv rhi0 (pow2 (w + 1 - g))
    let rm := (rlo + rhi) / 2
    let h := rhi - rm + 1
    let ar : Int := (rm.natAbs : Int)
    if pow2 g < ar then ⟨0, 1, 300⟩
    else
      let u := ar * ar / pow2 g
      let q0 := (k % 4).toNat
      let q := if wantCos then (q0 + 1) % 4 else q0
      let se : Int × Int :=
        if q % 2 = 1 then
          let c := cosSeries u g
          (c.1, c.2 + 2)
        else
          let f := sinSeries u g
          (rm * f.1 / pow2 g, f.2 + 2)
      let err := se.2 + h
      if 2 ≤ q then ⟨-se.1 - err, -se.1 + err, -(g : Int)⟩
      else ⟨se.1 - err, se.1 + err, -(g : Int)⟩

/-- Enclosure of `tanh (man · 2 ^ ex)` (Python `_tanh_eval`): `x S (x²) / C (x²)` with the
positive series of `sinh x / x` and `cosh x` for `|x| < 1/2`, else `(E - 1)/(E + 1)` with
`E = exp (2|x|)` enclosed (an increasing function of `E`). -/
def tanhEval (man ex : Int) (p : Nat) : Enclosure :=
  let g := p + 16
  let a : Int := (man.natAbs : Int)
  let e : Enclosure :=
    if (bitLenInt man : Int) + ex ≤ -1 then
      let ulo := (fixFloor (a * a) (2 * ex) g).toNat
      let uhi := (fixCeil (a * a) (2 * ex) g).toNat
      let s := posSeries ulo uhi g 0
      let c := posSeries ulo uhi g 1
      let qlo : Int := ((s.1 * 2 ^ g / c.2 : Nat) : Int)
      let qhi : Int := (((s.2 * 2 ^ g + c.1 - 1) / c.1 : Nat) : Int)
      ⟨a * qlo, a * qhi, ex - g⟩
    else
      let E := expEval a (ex + 1) p
      let one := pow2 (-E.exp).toNat
      let qlo := (E.lo - one) * pow2 g / (E.lo + one)
      let qhi := ceilDiv ((E.hi - one) * pow2 g) (E.hi + one)
      ⟨qlo, qhi, -(g : Int)⟩
  if 0 < man then e else e.neg

/-- `[nlo / dhi, nhi / dlo]` for positive integers, as dyadics with relative precision `2 ^ -g`
(Python `_quot_lo_hi`). -/
def quotEnclosure (nlo dhi nhi dlo g : Nat) : Enclosure :=
  let s := bitLen dhi + g - bitLen nlo
  ⟨((nlo * 2 ^ s / dhi : Nat) : Int), (((nhi * 2 ^ s + dlo - 1) / dlo : Nat) : Int), -(s : Int)⟩

/-- Enclosure of `1 / (1 + exp (-x))` (Python `_sigmoid_eval`): `exp (-x)` enclosed as
`[elo, ehi] · 2 ^ e`, then the decreasing map `E ↦ 1 / (1 + E)` on the ends, as one quotient of
integers (one rounding overall). -/
def sigmoidEval (man ex : Int) (p : Nat) : Enclosure :=
  let g := p + 16
  let E := expEval (-man) ex p
  if 0 ≤ E.exp then
    quotEnclosure 1 (1 + (E.hi * pow2 E.exp.toNat).toNat) 1 (1 + (E.lo * pow2 E.exp.toNat).toNat) g
  else
    let one := pow2 (-E.exp).toNat
    quotEnclosure one.toNat (one + E.hi).toNat one.toNat (one + E.lo).toNat g

/-- Enclosure of `erf (man · 2 ^ ex)` for `0 < |x| < 4` (Python `_erf_eval`):
`erf x = (2/√π) x e^{-x²} Σ (2x²)^k / (2k+1)!!`, a product of positive enclosures. -/
def erfEval (man ex : Int) (p : Nat) : Enclosure :=
  let g := p + 32
  let a : Int := (man.natAbs : Int)
  let ulo := (fixFloor (a * a) (2 * ex) g).toNat
  let uhi := (fixCeil (a * a) (2 * ex) g).toNat
  let P := posSeries ulo uhi g 2
  let E := expEval (-(a * a)) (2 * ex) (p + 8)
  let c := twoOverSqrtPi g
  let elo := if E.lo < 0 then 0 else E.lo
  let e : Enclosure :=
    ⟨a * c.1 * elo * (P.1 : Int), a * c.2 * E.hi * (P.2 : Int), ex + E.exp - 2 * (g : Int)⟩
  if 0 < man then e else e.neg

/-- Enclosure of `x ^ y = exp (y log x)` for `x = man · 2 ^ ex > 0` and `y = yman · 2 ^ yex`
(Python `_pow_eval`): `log x` to an absolute precision raised by the bits of `|y|`. -/
def powEval (man ex yman yex : Int) (p : Nat) : Enclosure :=
  let g := p + 16
  let yb := ((bitLenInt yman : Int) + yex).toNat
  let L := logEval man ex (g + yb)
  let zlo := if 0 < yman then yman * L.lo else yman * L.hi
  let zhi := if 0 < yman then yman * L.hi else yman * L.lo
  expFix (fixFloor zlo (yex + L.exp) g) (fixCeil zhi (yex + L.exp) g) g

/-! ### `pow`: integer classes, exact roots -/

/-- For a finite nonzero `man · 2 ^ ex`: 0 if not an integer, 1 if an odd integer, 2 if even
(Python `_int_class`). -/
def intClass (man ex : Int) : Nat :=
  if 0 < ex then 2
  else
    let a := man.natAbs
    let sh := (-ex).toNat
    if a % 2 ^ sh ≠ 0 then 0
    else if (a / 2 ^ sh) % 2 = 1 then 1 else 2

/-- The loop of `oddPart`. -/
def oddPartGo : Nat → Int → Int → Int × Int
  | 0, m, e => (m, e)
  | fuel + 1, m, e => if m % 2 = 0 ∧ m ≠ 0 then oddPartGo fuel (m / 2) (e + 1) else (m, e)

/-- `(m, e)` with `m` odd and `m · 2 ^ e = man · 2 ^ ex` (`man ≠ 0`, `|man| < 2 ^ 64`; Python
`_odd_part`). -/
def oddPart (man ex : Int) : Int × Int := oddPartGo 64 man ex

/-- `k` successive exact square roots of `tm · 2 ^ te`: `some (t, e)` when every step is exact
(`tm` a perfect square and `te` even), else `none`. -/
def rootGo : Nat → Nat → Int → Option (Nat × Int)
  | 0, tm, te => some (tm, te)
  | k + 1, tm, te =>
    if isqrt tm * isqrt tm = tm ∧ te % 2 = 0 then rootGo k (isqrt tm) (te / 2) else none

/-- The exact value `t ^ m` (`t = tm · 2 ^ te`, `tm` odd) rounded once, when it is small enough to
compute: `2 ^ (te m)` for `tm = 1`, the dyadic power or (for `m < 0`) the ratio for `|m| ≤ 64`;
`none` otherwise. -/
def powExact (tm : Nat) (te m : Int) : Option IEEE32 :=
  if tm = 1 then
    if 200 < te * m then some IEEE32.posInf
    else if te * m < -200 then some IEEE32.posZero
    else some (IEEE32.ofDyadic ⟨1, te * m⟩)
  else if m.natAbs ≤ 64 then
    if 0 < m then some (IEEE32.ofDyadic ⟨((tm ^ m.toNat : Nat) : Int), te * m⟩)
    else some (roundRatio 1 (tm ^ m.natAbs) (te * m))
  else none

/-- `x ^ y` correctly rounded for finite `x > 0`, `x ≠ 1` and finite `y ≠ 0` (Python `_pow_pos`).

Exact cases. Write `y = m / 2 ^ k` with `m` odd (`k = 0` for an integer). If `x ^ y` is rational
so is `t = x ^ (1 / 2 ^ k)` (with `a m + b 2 ^ k = 1`, `t = (x ^ y) ^ a x ^ b`), and for
`x = mx 2 ^ ex` (`mx` odd) that holds iff `mx` is a perfect `2 ^ k`-th power and `2 ^ k ∣ ex`,
decided by `k` integer square roots (`rootGo`); then `x ^ y = t ^ m`, rounded once by `powExact`
when `t` is a power of two or `|m| ≤ 64`. Otherwise `t`'s odd part is at least 3 and `|m| > 64`,
so the odd part of `t ^ m` exceeds `3 ^ 65 > 2 ^ 25` (or `t ^ m` is not dyadic): `x ^ y` is neither
a binary32 nor a rounding boundary, and Ziv's loop on `exp (y log x)` ends (as it does when
`x ^ y` is irrational). `|y| ≥ 2 ^ 34` gives `|y log x| > 900`: `+Inf` or `+0`. -/
def powPos (x y : IEEE32) : IEEE32 :=
  let xd := x.decodeFinite
  let yd := y.decodeFinite
  let xo := oddPart xd.man xd.exp
  let yo := oddPart yd.man yd.exp
  let xm := xo.1
  let xe := xo.2
  let ym := yo.1
  let ye := yo.2
  if 34 < (bitLenInt ym : Int) + ye then
    (if decide (0 < (bitLenInt xm : Int) + xe) = decide (0 < ym) then IEEE32.posInf
     else IEEE32.posZero)
  else
    let root : Option (Nat × Int) :=
      if 0 ≤ ye then some (xm.natAbs, xe) else rootGo (-ye).toNat xm.natAbs xe
    let m : Int := if 0 < ye then ym * pow2 ye.toNat else ym
    match root.bind (fun t => powExact t.1 t.2 m) with
    | some r => r
    | none => ziv (fun p => powEval xm xe ym ye p)

/-- Round to an integer (Python `_round_int`): `mode` 0 floor, 1 ceil, 2 nearest with ties to
even. NaN gives `qNaN`; infinities, zeros and integers (`|x| ≥ 2 ^ 23`) are returned unchanged; a
zero result keeps the sign of `x`. -/
def roundInt (x : IEEE32) (mode : Nat) : IEEE32 :=
  let b := x.toBitsNat
  let a := b % 2147483648
  let neg := decide (2147483648 ≤ b)
  if x.isNaN then IEEE32.qNaN
  else if a = 0 ∨ 1258291200 ≤ a then x
  else
    let d := x.decodeFinite
    let m := d.man.natAbs
    let sh := (-d.exp).toNat
    let q := m / 2 ^ sh
    let frac := m % 2 ^ sh
    let half := 2 ^ (sh - 1)
    let up : Bool :=
      if mode = 2 then decide (half < frac ∨ (frac = half ∧ q % 2 = 1))
      else if mode = 0 then decide (frac ≠ 0) && neg
      else decide (frac ≠ 0) && !neg
    let q' := if up then q + 1 else q
    if q' = 0 then IEEE32.zeroOf neg
    else IEEE32.ofDyadic ⟨if neg then -(q' : Int) else (q' : Int), 0⟩

end Elementary

namespace IEEE32

open Elementary

/-- `1.0`. -/
def one : IEEE32 := ofBitsNat 1065353216

/-- `-1.0` if `neg`, else `1.0`. -/
def oneOf (neg : Bool) : IEEE32 := if neg then ofBitsNat 3212836864 else one

/-- Correctly rounded `e ^ x` (Python `exp`). NaN ↦ `qNaN`, `+Inf ↦ +Inf`, `-Inf ↦ +0`,
`±0 ↦ 1`, `x ≥ 89 ↦ +Inf` (`0x42B20000`), `x ≤ -104 ↦ +0` (`0xC2D00000`). -/
def exp (x : IEEE32) : IEEE32 :=
  let b := x.toBitsNat
  if x.isNaN then qNaN
  else if b = 2139095040 then posInf
  else if b = 4286578688 then posZero
  else if b % 2147483648 = 0 then one
  else if b < 2147483648 ∧ 1118961664 ≤ b then posInf
  else if 3268411392 ≤ b then posZero
  else
    let d := x.decodeFinite
    ziv (fun p => expEval d.man d.exp p)

/-- Correctly rounded natural logarithm (Python `log`). NaN and negative arguments (also `-Inf`)
↦ `qNaN`, `±0 ↦ -Inf`, `+Inf ↦ +Inf`, `1 ↦ +0`. -/
def log (x : IEEE32) : IEEE32 :=
  let b := x.toBitsNat
  if x.isNaN then qNaN
  else if b % 2147483648 = 0 then negInf
  else if 2147483648 ≤ b then qNaN
  else if b = 2139095040 then posInf
  else if b = 1065353216 then posZero
  else
    let d := x.decodeFinite
    ziv (fun p => logEval d.man d.exp p)

/-- Correctly rounded sine (Python `sin`). NaN and `±Inf ↦ qNaN`, `±0 ↦ ±0`. -/
def sin (x : IEEE32) : IEEE32 :=
  let b := x.toBitsNat
  if 2139095040 ≤ b % 2147483648 then qNaN
  else if b % 2147483648 = 0 then x
  else
    let d := x.decodeFinite
    ziv (fun p => trigEval d.man d.exp p false)

/-- Correctly rounded cosine (Python `cos`). NaN and `±Inf ↦ qNaN`, `±0 ↦ 1`. -/
def cos (x : IEEE32) : IEEE32 :=
  let b := x.toBitsNat
  if 2139095040 ≤ b % 2147483648 then qNaN
  else if b % 2147483648 = 0 then one
  else
    let d := x.decodeFinite
    ziv (fun p => trigEval d.man d.exp p true)

/-- Correctly rounded hyperbolic tangent (Python `tanh`). NaN ↦ `qNaN`, `±Inf ↦ ±1`, `±0 ↦ ±0`,
`|x| ≥ 9.1 ↦ ±1` (`1 - tanh |x| < 2 e^{-2|x|} < 2 ^ -25`; `0x4111999A`). -/
def tanh (x : IEEE32) : IEEE32 :=
  let b := x.toBitsNat
  let a := b % 2147483648
  if x.isNaN then qNaN
  else if a = 0 then x
  else if 1091672474 ≤ a then oneOf (decide (2147483648 ≤ b))
  else
    let d := x.decodeFinite
    ziv (fun p => tanhEval d.man d.exp p)

/-- Correctly rounded `1 / (1 + e ^ -x)`, one rounding (Python `sigmoid`). NaN ↦ `qNaN`,
`+Inf ↦ 1`, `-Inf ↦ +0`, `±0 ↦ 1/2`, `x ≥ 17.4 ↦ 1` (`0x418B3333`), `x ≤ -104 ↦ +0`. -/
def sigmoid (x : IEEE32) : IEEE32 :=
  let b := x.toBitsNat
  if x.isNaN then qNaN
  else if b % 2147483648 = 0 then ofBitsNat 1056964608
  else if b < 2147483648 ∧ 1099641651 ≤ b then one
  else if 3268411392 ≤ b then posZero
  else
    let d := x.decodeFinite
    ziv (fun p => sigmoidEval d.man d.exp p)

/-- Correctly rounded error function (Python `erf`). NaN ↦ `qNaN`, `±Inf ↦ ±1`, `±0 ↦ ±0`,
`|x| ≥ 4 ↦ ±1` (`erfc x < e^{-x²} / (x √π) < 1.6e-8 < 2 ^ -25`). -/
def erf (x : IEEE32) : IEEE32 :=
  let b := x.toBitsNat
  let a := b % 2147483648
  if x.isNaN then qNaN
  else if a = 0 then x
  else if 1082130432 ≤ a then oneOf (decide (2147483648 ≤ b))
  else
    let d := x.decodeFinite
    ziv (fun p => erfEval d.man d.exp p)

/-- Correctly rounded `x ^ y` with the special cases of IEEE 754 `pow` (Python `pow`; C99 F.9.4.4):
`pow x (±0) = 1` and `pow 1 y = 1` even for NaN; otherwise NaN ↦ `qNaN`; `pow (-1) (±Inf) = 1`;
`pow x (-Inf)` is `+Inf` for `|x| < 1` and `+0` for `|x| > 1` (`+Inf` the reverse);
`pow (±0) y` is `±Inf` / `±0` for an odd integer `y < 0` / `y > 0`, else `+Inf` / `+0`;
`pow (±Inf) y` mirrors it; a finite negative base with a non-integer finite `y` gives `qNaN`, with
an integer `y` it gives `±|x| ^ y` (the sign from the parity of `y`). -/
def pow (x y : IEEE32) : IEEE32 :=
  let xb := x.toBitsNat
  let yb := y.toBitsNat
  let xa := xb % 2147483648
  let ya := yb % 2147483648
  let ysign := decide (2147483648 ≤ yb)
  let xneg := decide (2147483648 ≤ xb)
  if ya = 0 ∨ xb = 1065353216 then one
  else if x.isNaN ∨ y.isNaN then qNaN
  else if ya = 2139095040 then
    (if xa = 1065353216 then one
     else if decide (xa < 1065353216) = ysign then posInf else posZero)
  else
    let yd := y.decodeFinite
    let cls := intClass yd.man yd.exp
    if xa = 0 ∨ xa = 2139095040 then
      let inf := ysign != decide (xa = 2139095040)
      let r := if inf then posInf else posZero
      if xneg ∧ cls = 1 then r.neg else r
    else if xneg then
      (if cls = 0 then qNaN
       else
         let r := if xa = 1065353216 then one else powPos x.abs y
         if cls = 1 then r.neg else r)
    else powPos x y

/-- The largest integer not above `x` (Python `floor`; `floor (-0.5) = -1`, `floor (-0) = -0`). -/
def floor (x : IEEE32) : IEEE32 := roundInt x 0

/-- The smallest integer not below `x` (Python `ceil`; `ceil (-0.5) = -0`). -/
def ceil (x : IEEE32) : IEEE32 := roundInt x 1

/-- The nearest integer, ties to even (ONNX `Round`; Python `round`): `round 2.5 = 2`,
`round (-0.5) = -0`. -/
def round (x : IEEE32) : IEEE32 := roundInt x 2

end IEEE32

end NN.Floats
