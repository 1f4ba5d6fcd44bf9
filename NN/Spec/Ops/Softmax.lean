import NN.Spec.Tensor

/-!
# Softmax and log-softmax on one axis

## Main definitions

* `NN.Spec.axisPlan`: each element's offset and the offsets of its row along `axis`.
* `NN.Spec.softmax`: `exp (x − m) / Σ exp (x_k − m)` with `m` the row maximum.
* `NN.Spec.logSoftmax`: `(x − m) − log Σ exp (x_k − m)`.

## Main results

None; see `NN/Proofs/IRExec/Softmax.lean`.

## Implementation notes

The max-shift is part of the definition (it is what numerically stable implementations compute;
over the reals it does not change the value).

Trust boundary: nothing is claimed about `exp`/`log` beyond the scalar instance.
-/

namespace NN.Spec

variable {α : Type}

/-- Keys of a softmax along `axis`: each element's offset and the offsets of its row. -/
def axisPlan (axis : Nat) (sx : Shape) (o : Shape) : Plan (Nat × List Nat) :=
  let inner := Shape.size (sx.drop (axis + 1))
  let d := nth sx axis 0
  ⟨Shape.size o, fun i =>
    let outer := i / (d * inner)
    let rem := i % inner
    (i, (List.range d).map (fun t => outer * d * inner + t * inner + rem))⟩

/-- Row maximum and the sum of shifted exponentials of a row. -/
def rowStats [Scalar α] (x : Array α) (row : List Nat) : α × α :=
  let m := maxList (row.map (valAt x))
  (m, sumList (row.map (fun j => Scalar.exp (ScalarRing.sub (valAt x j) m))))

/-- One softmax element. -/
def softmaxRead [Scalar α] (x : Array α) : Nat × List Nat → α := fun k =>
  let st := rowStats x k.2
  Scalar.div (Scalar.exp (ScalarRing.sub (valAt x k.1) st.1)) st.2

/-- One log-softmax element. -/
def logSoftmaxRead [Scalar α] (x : Array α) : Nat × List Nat → α := fun k =>
  let st := rowStats x k.2
  ScalarRing.sub (ScalarRing.sub (valAt x k.1) st.1) (Scalar.log st.2)

/-- Softmax along `axis`. -/
def softmax [Scalar α] (axis : Nat) (sx : Shape) (o : Shape) (x : Array α) : Array α :=
  (axisPlan axis sx o).eval (softmaxRead x)

/-- Log-softmax along `axis`. -/
def logSoftmax [Scalar α] (axis : Nat) (sx : Shape) (o : Shape) (x : Array α) : Array α :=
  (axisPlan axis sx o).eval (logSoftmaxRead x)

end NN.Spec
