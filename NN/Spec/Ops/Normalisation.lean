import NN.Spec.Ops.Affine

/-!
# Normalisation: `batchNorm` (inference) and `layerNorm`

## Main definitions

* `NN.Spec.batchNorm`: `y = (x − mean[c]) / sqrt(var[c] + ε) · scale[c] + bias[c]` with `c` the
  channel (axis 1) of each element.
* `NN.Spec.layerNorm`: normalisation over the axes `axis … rank−1`:
  `y = (x − μ) / sqrt(σ² + ε) · scale[j] + bias[j]` where `μ`, `σ²` are the mean and the
  (biased) variance of the group and `j` the offset inside the group; `bias` is optional.

## Main results

None; see `NN/Proofs/IRExec/Normalisation.lean`.

## Implementation notes

`ε` is a binary32 bit pattern decoded with `Scalar.ofBits`. Group statistics are sums from left
to right divided by the group size (`ScalarRing.fromNat`).

Trust boundary: the order of operations above is part of the specification.
-/

namespace NN.Spec

variable {α : Type}

/-- Keys of `batchNorm`: each element's offset and channel. -/
def batchNormPlan (sx : Shape) (o : Shape) : Plan (Nat × Nat) :=
  let inner := Shape.size (sx.drop 2)
  let c := nth sx 1 0
  ⟨Shape.size o, fun i => (i, (i / inner) % c)⟩

/-- One batch-normalised element. -/
def batchNormRead [Scalar α] (eps : UInt32) (x scale bias mean var : Array α) : Nat × Nat → α :=
  fun k =>
    ScalarRing.add
      (ScalarRing.mul
        (Scalar.div (ScalarRing.sub (valAt x k.1) (valAt mean k.2))
          (Scalar.sqrt (ScalarRing.add (valAt var k.2) (Scalar.ofBits eps))))
        (valAt scale k.2))
      (valAt bias k.2)

/-- Batch normalisation in inference mode. -/
def batchNorm [Scalar α] (eps : UInt32) (sx : Shape) (o : Shape) (x scale bias mean var : Array α) :
    Array α :=
  (batchNormPlan sx o).eval (batchNormRead eps x scale bias mean var)

/-- Keys of `layerNorm`: each element's offset, its offset inside its group, and the group. -/
def layerNormPlan (axis : Nat) (sx : Shape) (o : Shape) : Plan (Nat × Nat × List Nat) :=
  let d := Shape.size (sx.drop axis)
  ⟨Shape.size o, fun i => (i, i % d, (List.range d).map (fun t => (i / d) * d + t))⟩

/-- Mean of the elements at the given offsets. -/
def groupMean [Scalar α] (x : Array α) (g : List Nat) : α :=
  Scalar.div (sumList (g.map (valAt x))) (ScalarRing.fromNat g.length)

/-- Biased variance of the elements at the given offsets around `mu`. -/
def groupVar [Scalar α] (x : Array α) (g : List Nat) (mu : α) : α :=
  Scalar.div
    (sumList (g.map (fun j => let dv := ScalarRing.sub (valAt x j) mu; ScalarRing.mul dv dv)))
    (ScalarRing.fromNat g.length)

/-- One layer-normalised element (`hasBias = false`: no bias term). -/
def layerNormRead [Scalar α] (eps : UInt32) (hasBias : Bool) (x scale bias : Array α) :
    Nat × Nat × List Nat → α :=
  fun k =>
    let mu := groupMean x k.2.2
    let var := groupVar x k.2.2 mu
    ScalarRing.add
      (ScalarRing.mul
        (Scalar.div (ScalarRing.sub (valAt x k.1) mu)
          (Scalar.sqrt (ScalarRing.add var (Scalar.ofBits eps))))
        (valAt scale k.2.1))
      (biasAt bias (if hasBias then some k.2.1 else none))

/-- Layer normalisation over the axes `axis … rank−1`. -/
def layerNorm [Scalar α] (eps : UInt32) (axis : Nat) (hasBias : Bool) (sx : Shape) (o : Shape)
    (x scale bias : Array α) : Array α :=
  (layerNormPlan axis sx o).eval (layerNormRead eps hasBias x scale bias)

end NN.Spec
