import NN.Spec.Scalar

/-!
# Dual numbers: forward mode as a scalar instance

A dual number `⟨p, t⟩` carries a primal value `p` and a tangent `t` (`p + t·ε`, `ε² = 0`).
`Scalar (Dual α)` gives every operation of the scalar class its derivative rule, so the IR
denotation over `Dual α` (`NN.IR.Graph.denoteAll`) *is* the forward-mode derivative (JVP) of
every graph: the tangent parts of the value table are `J · v` for the tangents `v` put on the
inputs and parameters. Nothing about graphs is re-implemented.

## Main definitions

* `NN.Autograd.Dual`: primal and tangent.
* The local derivatives (`dDivL`, `dDivR`, `dAbs`, `dExp`, `dLog`, `dSqrt`, `dTanh`, `dErf`,
  `dSin`, `dCos`, `dPow`, and `dSigmoid`, `dLeaky` of the derived ops), shared by the forward rules here and the reverse rules
  (`NN/Autograd/Backprop.lean`).
* `NN.Autograd.instScalarDual`: the `Scalar (Dual α)` instance.

## Main results

None; the derivative rules are definitions. `NN/Proofs/Autograd/` proves that reverse mode is
their adjoint.

## Implementation notes

Conventions (one place, shared with the reverse rules and with `tlean.autograd`, see
`docs/autograd.md` and `/work/coord/AUTOGRAD.md`):

* every tangent is a sum of `coefficient · tangent` terms with the coefficient first
  (`mul c t`), the coefficient evaluated at the primal point;
* `lt`, hence every branch, compares primal parts only;
* `max a b`: tangent of the argument the forward pass returns (`b` on ties, NumPy's rule), so
  `relu x = max x 0` has derivative `0` at `0`; `min` likewise; `clip` follows `max`/`min`;
* `leakyRelu` (derived: `if x < 0 then α·x else x`) has slope `α` for `x < 0`, `1` at and
  above `0`;
* `abs`: derivative `sign x` with `sign (±0) = ±0`, so `0` at `0`;
* `sign` (derived: returns `x` itself at `±0` and NaN) passes the tangent through at `±0` and
  NaN and is `0` elsewhere — forced by the derived definition;
* `floor`, `ceil`, `round`, constants (`ofBits`, `fromNat`, `zero`, `one`): tangent `0`;
* `pow x e`: `e · x^(e-1)`, the exponent's tangent is ignored (the IR's exponent is constant);
* `erf`: `2/√π · exp(-x²)` with `2/√π` the binary32 `0x3F906EBB`;
* `div a b`: `(1/b)·ȧ + (-(a/b)/b)·ḃ`; `sqrt`: `(1/(s+s))·ẋ` with `s = sqrt x`; `tanh`:
  `(1 - y·y)·ẋ` with `y = tanh x`; `log`: `(1/x)·ẋ`; `sin`: `cos x`; `cos`: `-sin x`.

Trust boundary: over `Float32` the tangents are computed in floating point (no claim about
their rounding); the soundness theorem is over exact rings (`RingLaws`).
-/

namespace NN.Autograd

open NN

/-- A dual number: primal value and tangent. -/
structure Dual (α : Type) where
  /-- The primal value. -/
  pri : α
  /-- The tangent (directional derivative). -/
  tan : α
deriving Repr

section Derivatives

variable {α : Type} [Scalar α]

/-- `∂(a/b)/∂a = 1/b`. -/
def dDivL (_a b : α) : α := Scalar.div ScalarRing.one b

/-- `∂(a/b)/∂b = -(a/b)/b`. -/
def dDivR (a b : α) : α := ScalarRing.neg (Scalar.div (Scalar.div a b) b)

/-- `abs' x = sign x` (`0` at `±0`). -/
def dAbs (x : α) : α := NN.sign x

/-- `exp' x = exp x`. -/
def dExp (x : α) : α := Scalar.exp x

/-- `log' x = 1/x`. -/
def dLog (x : α) : α := Scalar.div ScalarRing.one x

/-- `sqrt' x = 1/(s+s)` with `s = sqrt x`. -/
def dSqrt (x : α) : α :=
  Scalar.div ScalarRing.one (ScalarRing.add (Scalar.sqrt x) (Scalar.sqrt x))

/-- `tanh' x = 1 - y·y` with `y = tanh x`. -/
def dTanh (x : α) : α :=
  ScalarRing.sub ScalarRing.one (ScalarRing.mul (Scalar.tanh x) (Scalar.tanh x))

/-- `2/√π` as a binary32 bit pattern (`1.1283792`). -/
def twoOverSqrtPiBits : UInt32 := 0x3F906EBB

/-- `erf' x = 2/√π · exp(-x·x)`. -/
def dErf (x : α) : α :=
  ScalarRing.mul (Scalar.ofBits twoOverSqrtPiBits)
    (Scalar.exp (ScalarRing.neg (ScalarRing.mul x x)))

/-- `sin' x = cos x`. -/
def dSin (x : α) : α := Scalar.cos x

/-- `cos' x = -sin x`. -/
def dCos (x : α) : α := ScalarRing.neg (Scalar.sin x)

/-- `∂(x^e)/∂x = e · x^(e-1)`. -/
def dPow (x e : α) : α := ScalarRing.mul e (Scalar.pow x (ScalarRing.sub e ScalarRing.one))

/-- `sigmoid' x` through the derived definition `1 / (1 + exp (-x))`:
`∂(1/d)/∂d · exp(-x) · (-1)` with `d = 1 + exp (-x)` (equal to `y(1-y)` over the reals). -/
def dSigmoid (x : α) : α :=
  ScalarRing.mul
    (dDivR ScalarRing.one (ScalarRing.add ScalarRing.one (Scalar.exp (ScalarRing.neg x))))
    (ScalarRing.mul (dExp (ScalarRing.neg x)) (ScalarRing.neg ScalarRing.one))

/-- `leakyRelu' x`: `alpha` where `x < 0`, else `1` (the branch the forward pass takes). -/
def dLeaky (alpha x : α) : α := cond (ScalarRing.lt x ScalarRing.zero) alpha ScalarRing.one

/-- A unary function with derivative `d`: `⟨f p, d p · t⟩`. -/
def liftUnary (f d : α → α) (a : Dual α) : Dual α := ⟨f a.pri, ScalarRing.mul (d a.pri) a.tan⟩

end Derivatives

/-- Dual numbers over a scalar type: every operation with its derivative rule (see the module
docstring for the conventions at non-smooth points). -/
instance instScalarDual {α : Type} [Scalar α] : Scalar (Dual α) where
  zero := ⟨ScalarRing.zero, ScalarRing.zero⟩
  one := ⟨ScalarRing.one, ScalarRing.zero⟩
  add a b := ⟨ScalarRing.add a.pri b.pri, ScalarRing.add a.tan b.tan⟩
  sub a b := ⟨ScalarRing.sub a.pri b.pri, ScalarRing.sub a.tan b.tan⟩
  mul a b := ⟨ScalarRing.mul a.pri b.pri,
    ScalarRing.add (ScalarRing.mul b.pri a.tan) (ScalarRing.mul a.pri b.tan)⟩
  neg a := ⟨ScalarRing.neg a.pri, ScalarRing.neg a.tan⟩
  lt a b := ScalarRing.lt a.pri b.pri
  fromNat n := ⟨ScalarRing.fromNat n, ScalarRing.zero⟩
  max a b := ⟨ScalarRing.max a.pri b.pri, cond (ScalarRing.lt b.pri a.pri) a.tan b.tan⟩
  min a b := ⟨ScalarRing.min a.pri b.pri, cond (ScalarRing.lt a.pri b.pri) a.tan b.tan⟩
  div a b := ⟨Scalar.div a.pri b.pri,
    ScalarRing.add (ScalarRing.mul (dDivL a.pri b.pri) a.tan)
      (ScalarRing.mul (dDivR a.pri b.pri) b.tan)⟩
  abs := liftUnary Scalar.abs dAbs
  exp := liftUnary Scalar.exp dExp
  log := liftUnary Scalar.log dLog
  sqrt := liftUnary Scalar.sqrt dSqrt
  tanh := liftUnary Scalar.tanh dTanh
  ofBits b := ⟨Scalar.ofBits b, ScalarRing.zero⟩
  erf := liftUnary Scalar.erf dErf
  sin := liftUnary Scalar.sin dSin
  cos := liftUnary Scalar.cos dCos
  floor a := ⟨Scalar.floor a.pri, ScalarRing.zero⟩
  ceil a := ⟨Scalar.ceil a.pri, ScalarRing.zero⟩
  round a := ⟨Scalar.round a.pri, ScalarRing.zero⟩
  pow a b := ⟨Scalar.pow a.pri b.pri, ScalarRing.mul (dPow a.pri b.pri) a.tan⟩

namespace Dual

variable {α : Type} [Scalar α]

/-- A constant (tangent zero). -/
def const (a : α) : Dual α := ⟨a, ScalarRing.zero⟩

/-- A tensor of dual numbers from primal and tangent data (missing tangents are zero). -/
def zipData (p t : Array α) : Array (Dual α) :=
  ((List.range p.size).map (fun i => (⟨p.getD i ScalarRing.zero, t.getD i ScalarRing.zero⟩ : Dual α))).toArray

end Dual

end NN.Autograd
