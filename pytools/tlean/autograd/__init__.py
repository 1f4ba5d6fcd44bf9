"""Automatic differentiation of tlean IR graphs: forward mode (JVP) and reverse mode (VJP).

- :func:`jvp` evaluates the graph over dual numbers ``(value, tangent)``: one JVP rule per op.
- :func:`vjp` evaluates the values once, then runs the node list backwards with one VJP rule per
  op, each the transpose of that op's JVP (for a gather — ``slice``, ``pad``, ``transpose``,
  ``reshape``, ``concat``, ``resize``, ``embedding``, the ``maxPool2d``/``reduceMax``
  selection, the convolution windows — a scatter-add over the same indices).
- :func:`with_loss` appends a loss (``mse``, ``cross_entropy``) to a graph, so ``loss ∘ model``
  is one graph and the same passes differentiate it.

The rules live in one module per op family (:mod:`.elementwise`, :mod:`.affine`,
:mod:`.convolution`, :mod:`.pooling`, :mod:`.normalisation`, :mod:`.structural`), registered
in :mod:`.rules`. The Lean side (``NN/Autograd``) mirrors these rules; the adjoint identity
``⟨w, J·v⟩ = ⟨Jᵀ·w, v⟩`` ties the two passes together (``tests/test_autograd_random.py``).

Conventions
-----------

Written once here (and in ``docs/autograd.md``), shared by JVP and VJP, and the same as the Lean
side's: there, forward mode IS the IR denotation over dual numbers, so the derivative at a
non-smooth point is whatever the dual-number evaluation of ``NN/Spec``'s definitions gives, and
this module follows it. ``lt`` is the IR's strict ``<``; "derivative" means the factor applied to
the tangent (JVP) and to the cotangent (VJP). Where PyTorch differs, the last column says so;
the PyTorch comparisons avoid exactly those points.

============================  ===================================================  ==================
op                            derivative at the non-smooth points                  PyTorch
============================  ===================================================  ==================
``max a b``                   ``if lt b a then ∂a else ∂b``: the argument the      splits a tie
                              forward pass returns; ties and NaN → the SECOND      0.5/0.5
``min a b``                   ``if lt a b then ∂a else ∂b``; ties → the second     splits a tie
``relu`` (= ``max x 0``)      ``if lt 0 x then 1 else 0``: relu'(0) = 0            same
``leakyRelu α``               ``if lt x 0 then α else 1``: 1 at 0 (the forward     α at 0
                              branch ``if x < 0 then αx else x``)
``abs``                       ``sign x``: 1, −1, and ``x`` itself at ±0 and NaN    0 at 0 (same value)
                              (abs'(±0) = ±0)
``sign``                      1 where the forward returns ``x`` itself (±0,        0 everywhere
                              NaN), 0 elsewhere
``clip lo hi``                ``min (max x lo) hi`` by the max/min rules: 1        1 at the bounds
                              strictly inside ``(lo, hi)``, 0 at the bounds (the
                              bound wins the tie), outside and for NaN
``maxPool2d``, ``reduceMax``  the element the spec's fold ``maxList`` (``smax``    first maximum
                              from the first element, row-major order; padding     (``amax``: split)
                              left out) returns: the LAST maximal element; after
                              a NaN every later element is taken (the last)
``floor ceil round``          0                                                    same
``pow x e``                   ``e·x^(e−1)`` as computed: for ``e = 0`` at ``x = 0``  0
                              it is ``0·inf = NaN`` in floats
``where c x y``               the selected branch (``lt 0 c``); ``c`` is a         same
                              constant mask
``embedding``                 rows: scatter-add into the selected table rows; a    same (valid ids)
                              NaN row (invalid id) is constant; ids: 0
``sqrt``, ``log``, ``div``    ``1/(2y)``, ``1/x``, ``1/b`` and ``−a/b²`` in IEEE    same
                              arithmetic: sqrt'(0) = log'(0) = +inf, and
                              ``0·inf = NaN`` where a zero (co)tangent meets them
============================  ===================================================  ==================

Smooth ops use the textbook formulas (``sigmoid' = y(1−y)``, ``tanh' = 1−y²``, ``erf' =
2/√π·e^{−x²}``, ``softmax``, ``logSoftmax``, ``layerNorm``, ``batchNorm`` in all five
arguments). Values are float32 (the evaluator's own, bit for bit) or float64 (``dtype=``).
"""

from tlean.autograd.graph import forward_values, jvp, output_names, vjp
from tlean.autograd.losses import LOSSES, with_loss

__all__ = ["LOSSES", "forward_values", "jvp", "output_names", "vjp", "with_loss"]
