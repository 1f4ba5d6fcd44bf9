import NN.Autograd.Backprop
import NN.Autograd.Ring

/-!
# Autograd: the pairing of terms with tangents, and gathers

The key general facts behind the adjoint theorem, over any scalar type with the ring laws:

* the pairing `⟪s, E⟫` is additive in `s` (`pair_append`) and homogeneous (`pair_scale`);
* one backward step preserves the pairing (`pair_subst`): if the tangent of node `k` is the
  pairing of its terms with the earlier tangents, replacing the terms at node `k` by its terms
  (scaled) does not change `⟪S, E⟫` — the chain rule, as a sum exchange;
* for any `Plan` gather whose reader's tangent at every key is the pairing of that key's terms,
  the tangent of output `i` is the pairing of output `i`'s terms (`gather_tan`): forward mode
  through a gather is the transpose of the scatter-add over the same keys.

## Main results

* `NN.Proofs.Autograd.pair_append`, `pair_scale`, `pair_subst`, `pair_mapSite`
* `NN.Proofs.Autograd.valAt_toArray`, `valAt_empty`
* `NN.Proofs.Autograd.gather_tan`, `gather_tan'`

## Implementation notes

All by structural induction on lists with our own list lemmas (`nth_*`), using only the
`RingLaws` fields and the definition of `Array.getD` (through `getD_toArray`).

Trust boundary: none; no hypothesis beyond `RingLaws`.
-/

namespace NN.Proofs.Autograd

open NN NN.IR NN.Spec NN.Autograd

/-! ### List lemmas -/

theorem nth_nil {β : Type} (i : Nat) (d : β) : nth ([] : List β) i d = d := by
  cases i <;> rfl

/-- Reading below the end of an appended list. -/
theorem nth_append_ne {β : Type} :
    ∀ (l : List β) (t : β) (i : Nat) (d : β), i ≠ l.length → nth (l ++ [t]) i d = nth l i d
  | [], _, 0, _, h => (h rfl).elim
  | [], _, i + 1, d, _ => nth_nil i d
  | _ :: _, _, 0, _, _ => rfl
  | _ :: l, t, i + 1, d, h => nth_append_ne l t i d (fun e => h (congrArg (· + 1) e))

/-- Reading the appended element. -/
theorem nth_append_len {β : Type} : ∀ (l : List β) (t : β) (d : β), nth (l ++ [t]) l.length d = t
  | [], _, _ => rfl
  | _ :: l, t, d => nth_append_len l t d

/-- Reading past the end gives the default. -/
theorem nth_ge {β : Type} : ∀ (l : List β) (i : Nat) (d : β), l.length ≤ i → nth l i d = d
  | [], i, d, _ => nth_nil i d
  | _ :: _, 0, _, h => absurd h (Nat.not_succ_le_zero _)
  | _ :: l, i + 1, d, h => nth_ge l i d (Nat.le_of_succ_le_succ h)

/-- Reading a mapped list in range. -/
theorem nth_map_lt {β γ : Type} (f : β → γ) :
    ∀ (l : List β) (i : Nat) (d : γ) (e : β), i < l.length → nth (l.map f) i d = f (nth l i e)
  | [], _, _, _, h => absurd h (Nat.not_lt_zero _)
  | _ :: _, 0, _, _, _ => rfl
  | _ :: l, i + 1, d, e, h => nth_map_lt f l i d e (Nat.lt_of_succ_lt_succ h)

/-- Reading a mapped list out of range. -/
theorem nth_map_ge {β γ : Type} (f : β → γ) :
    ∀ (l : List β) (i : Nat) (d : γ), l.length ≤ i → nth (l.map f) i d = d
  | [], i, d, _ => nth_nil i d
  | _ :: _, 0, _, h => absurd h (Nat.not_succ_le_zero _)
  | _ :: l, i + 1, d, h => nth_map_ge f l i d (Nat.le_of_succ_le_succ h)

/-- `Array.getD` on a list's array is `nth` on the list. -/
theorem getD_toArray {β : Type} : ∀ (l : List β) (i : Nat) (d : β), l.toArray.getD i d = nth l i d
  | [], i, d => by
    first
    | exact (dif_neg (Nat.not_lt_zero i)).trans (nth_nil i d).symm
    | (cases i <;> rfl)
  | _ :: _, 0, _ => by
    first
    | exact dif_pos (Nat.zero_lt_succ _)
    | rfl
  | a :: l, i + 1, d => by
    have ih := getD_toArray l i d
    by_cases h : i < l.length
    · first
      | exact (dif_pos (Nat.succ_lt_succ h)).trans ((dif_pos h).symm.trans ih)
      | (show _ = nth l i d
         rw [← ih]
         exact (dif_pos (Nat.succ_lt_succ h)).trans (dif_pos h).symm)
    · first
      | exact (dif_neg (fun h' : i + 1 < (a :: l).length => h (Nat.lt_of_succ_lt_succ h'))).trans
          ((dif_neg h).symm.trans ih)
      | (show _ = nth l i d
         rw [← ih]
         exact (dif_neg (fun h' : i + 1 < (a :: l).length =>
           h (Nat.lt_of_succ_lt_succ h'))).trans (dif_neg h).symm)

variable {α : Type} [Scalar α] [RingLaws α]

/-- `valAt` on a list's array. -/
theorem valAt_toArray {β : Type} [ScalarRing β] (l : List β) (i : Nat) :
    valAt l.toArray i = nth l i ScalarRing.zero :=
  getD_toArray l i ScalarRing.zero

/-- The empty array reads as zero. -/
theorem valAt_empty {β : Type} [ScalarRing β] (i : Nat) :
    valAt (#[] : Array β) i = ScalarRing.zero :=
  (getD_toArray [] i ScalarRing.zero).trans (nth_nil i _)

/-- The zero dual number has tangent zero. -/
theorem tan_zero : (ScalarRing.zero : Dual α).tan = ScalarRing.zero := rfl

/-- Out-of-table (empty) data has tangent zero. -/
theorem tanAt_empty (j : Nat) : tanAt (#[] : Array (Dual α)) j = ScalarRing.zero :=
  congrArg Dual.tan (valAt_empty j)

/-! ### The pairing -/

/-- Pairing is additive in the terms. -/
theorem pair_append (E : Site → Nat → α) :
    ∀ s t : List (Term α), pair (s ++ t) E = ScalarRing.add (pair s E) (pair t E)
  | [], t => (RingLaws.zero_add (pair t E)).symm
  | q :: s, t => by
    show ScalarRing.add (ScalarRing.mul q.2.2 (E q.1 q.2.1)) (pair (s ++ t) E) =
      ScalarRing.add (ScalarRing.add (ScalarRing.mul q.2.2 (E q.1 q.2.1)) (pair s E)) (pair t E)
    rw [pair_append E s t, RingLaws.add_assoc]

/-- Pairing is homogeneous: scaling the coefficients by `c` scales the pairing. -/
theorem pair_scale (E : Site → Nat → α) (c : α) :
    ∀ s : List (Term α), pair (scaleTerms c s) E = ScalarRing.mul c (pair s E)
  | [] => (RingLaws.mul_zero c).symm
  | q :: s => by
    show ScalarRing.add (ScalarRing.mul (ScalarRing.mul c q.2.2) (E q.1 q.2.1))
        (pair (scaleTerms c s) E) =
      ScalarRing.mul c (ScalarRing.add (ScalarRing.mul q.2.2 (E q.1 q.2.1)) (pair s E))
    rw [pair_scale E c s, RingLaws.mul_add, RingLaws.mul_assoc]

/-- Renaming sites: pairing with `E'` after renaming by `r` is pairing with `E` when
`E' (r s) = E s`. -/
theorem pair_mapSite (r : Site → Site) (E E' : Site → Nat → α)
    (h : ∀ s j, E' (r s) j = E s j) :
    ∀ ts : List (Term α), pair (mapSite r ts) E' = pair ts E
  | [] => rfl
  | q :: ts => by
    show ScalarRing.add (ScalarRing.mul q.2.2 (E' (r q.1) q.2.1)) (pair (mapSite r ts) E') =
      ScalarRing.add (ScalarRing.mul q.2.2 (E q.1 q.2.1)) (pair ts E)
    rw [h, pair_mapSite r E E' h ts]

/-- One backward step preserves the pairing: if `E'` agrees with `E` off node `k` and the
tangent of node `k` at `j` is `⟪L j, E⟫`, then `⟪S, E'⟫ = ⟪substNode k L S, E⟫`. -/
theorem pair_subst (k : Nat) (L : Nat → List (Term α)) (E E' : Site → Nat → α)
    (hk : ∀ j, E' (.node k) j = pair (L j) E)
    (ho : ∀ s, s ≠ .node k → ∀ j, E' s j = E s j) :
    ∀ S : List (Term α), pair S E' = pair (substNode k L S) E
  | [] => rfl
  | q :: S => by
    show ScalarRing.add (ScalarRing.mul q.2.2 (E' q.1 q.2.1)) (pair S E') =
      pair ((if q.1 = Site.node k then scaleTerms q.2.2 (L q.2.1) else [q]) ++ substNode k L S) E
    rw [pair_append, ← pair_subst k L E E' hk ho S]
    by_cases h : q.1 = Site.node k
    · rw [if_pos h, pair_scale, ← hk, h]
    · rw [if_neg h, ho q.1 h]
      show _ = ScalarRing.add
        (ScalarRing.add (ScalarRing.mul q.2.2 (E q.1 q.2.1)) ScalarRing.zero) (pair S E')
      rw [RingLaws.add_zero]

/-! ### Gathers -/

/-- Reading a mapped list: tangents of `F` are pairings of `G`, element by element. -/
theorem nth_map_tan {β : Type} (F : β → Dual α) (G : β → List (Term α)) (E : Site → Nat → α)
    (h : ∀ b, (F b).tan = pair (G b) E) :
    ∀ (l : List β) (i : Nat),
      (nth (l.map F) i ScalarRing.zero).tan = pair (nth (l.map G) i []) E
  | [], i => by cases i <;> rfl
  | _ :: _, 0 => h _
  | _ :: l, i + 1 => nth_map_tan F G E h l i

/-- Reading a mapped list whose elements all have tangent zero. -/
theorem nth_map_tan_zero {β : Type} (F : β → Dual α) (h : ∀ b, (F b).tan = ScalarRing.zero) :
    ∀ (l : List β) (i : Nat), (nth (l.map F) i ScalarRing.zero).tan = ScalarRing.zero
  | [], i => by cases i <;> rfl
  | _ :: _, 0 => h _
  | _ :: l, i + 1 => nth_map_tan_zero F h l i

/-- Pairing depends only on the values of the tangent table. -/
theorem pair_congr (E E' : Site → Nat → α) (h : ∀ s j, E s j = E' s j) :
    ∀ S : List (Term α), pair S E = pair S E'
  | [] => rfl
  | q :: S => by
    show ScalarRing.add (ScalarRing.mul q.2.2 (E q.1 q.2.1)) (pair S E) =
      ScalarRing.add (ScalarRing.mul q.2.2 (E' q.1 q.2.1)) (pair S E')
    rw [h, pair_congr E E' h S]

/-- Forward mode through a gather: if the reader's tangent at every key of the plan is the
pairing of that key's terms, the tangent of output `i` is the pairing of `planLin p T i`
(zero terms out of range). -/
theorem gather_tan {κ : Type} (p : Plan κ) (read : κ → Dual α) (T : κ → List (Term α))
    (E : Site → Nat → α) (hr : ∀ j, (read (p.key j)).tan = pair (T (p.key j)) E) (i : Nat) :
    tanAt (p.eval read) i = pair (planLin p T i) E := by
  show (valAt ((List.range p.size).map (fun j => read (p.key j))).toArray i).tan =
    pair (nth ((List.range p.size).map (fun j => T (p.key j))) i []) E
  rw [valAt_toArray]
  exact nth_map_tan (fun j => read (p.key j)) (fun j => T (p.key j)) E hr (List.range p.size) i

/-- `gather_tan` with the hypothesis on every key. -/
theorem gather_tan' {κ : Type} (p : Plan κ) (read : κ → Dual α) (T : κ → List (Term α))
    (E : Site → Nat → α) (hr : ∀ k, (read k).tan = pair (T k) E) (i : Nat) :
    tanAt (p.eval read) i = pair (planLin p T i) E :=
  gather_tan p read T E (fun j => hr (p.key j)) i

/-- The statement proved for every supported op: the tangent of output `i` of the op's
dual-number denotation is the pairing of its linear terms `opLin` with the arguments',
inputs' and parameters' tangents. -/
abbrev LinOK (α : Type) [Scalar α] (op : OpKind) : Prop :=
  ∀ (env : Env (Dual α)) (ss : List Shape) (o : Shape) (xs : List (Array (Dual α))) (i : Nat),
    tanAt (OpKind.denote env op ss o xs) i = pair (opLin op ss o xs i) (argTan env xs)

end NN.Proofs.Autograd
