"""tlean's gradients on real architectures, against PyTorch autograd.

- The nine light models of the onnx wheel (imported into the IR): the PyTorch side is the IR →
  PyTorch interpreter :mod:`tlean.autograd_torch`. Their shipped weights are all 0.02, which
  makes every channel identical and drives the logits to 1e10–1e31 (a float32 softmax is then a
  step function), so the weights are redrawn (He-like normal, scale 1/√fan-in; BatchNorm scales
  and variances in [0.5, 1.5]); the architecture is the shipped one.
- The PyTorch test models of ``tests/torch_models.py``, exported to ONNX and imported: the
  PyTorch side is the module's own ``backward`` (a different program from the IR).

Tolerances: max relative error (max norm) ≤ 1e-10 in float64, ≤ 1e-4 in float32.

Float32 and kinks: where two values of a max-pool window differ by less than the float32
rounding of the forward pass, or a ReLU input is within that rounding of 0, two float32
implementations may take different sides of the kink (a discontinuity of the derivative, not a
rule disagreement). Measured: tlean's and PyTorch's float32 decisions differ at a few elements of
inception_v1, inception_v2, resnet50 or vgg19 depending on the seed (max relative errors 1e-4 to
1e-1), while in float64 both decide alike and agree to 1e-14. So the float64 comparison uses
PyTorch's own ``F.max_pool2d`` and ``torch.relu`` (the decision rules themselves are checked),
and the float32 comparison makes both sides take the decisions of tlean's float32 forward pass
(``torch_vjp(selections=...)``: PyTorch gathers the selected elements and multiplies by the ReLU
masks, its autograd scatter-adds) — it then checks everything else in float32.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tlean import ir
from tlean.autograd import output_names, vjp
from tlean.onnx_import import import_model

torch = pytest.importorskip("torch")
from tlean.autograd_torch import random_parameters, torch_vjp  # noqa: E402

from tests import torch_models  # noqa: E402
from tests.test_autograd_random import _one_torch_thread, grads_err  # noqa: E402, F401  (autouse fixture)

F32_TOL = 1e-4
F64_TOL = 1e-10
SLOW = pytest.mark.slow


_CACHE: dict[str, Any] = {}


def light(
    light_dir: Path, name: str
) -> tuple[ir.Graph, dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(graph, params, inputs, cotangents) of a light model, imported once per session."""
    if name not in _CACHE:
        m = import_model(light_dir / f"light_{name}.onnx")
        g = m.graph
        rng = np.random.default_rng(0)
        xs = {i.name: rng.random(i.shape, dtype=np.float32) for i in g.inputs}
        ws = {
            n: rng.standard_normal(g.nodes[o].shape).astype(np.float32)
            for n, o in zip(output_names(g), g.outputs, strict=True)
        }
        _CACHE.clear()  # keep one model's parameters in memory at a time
        _CACHE[name] = (g, random_parameters(g, m.params), xs, ws)
    return _CACHE[name]  # type: ignore[no-any-return]


def float32_selections(g: ir.Graph, ps: dict[str, np.ndarray], xs: dict[str, np.ndarray]) -> dict[int, np.ndarray]:
    """tlean's float32 decisions: the selected elements of every ``maxPool2d`` node (flat
    indices) and the pass mask (``lt 0 x``) of every ``relu`` node."""
    from tlean.autograd import forward_values
    from tlean.autograd.pooling import max_pool_argmax

    values = forward_values(g, xs, ps)
    sel = {}
    for k, n in enumerate(g.nodes):
        if n.op == "maxPool2d":
            sel[k] = max_pool_argmax(n.typed_attrs(), values[n.inputs[0]], tuple(n.shape))
        elif n.op == "relu":
            sel[k] = values[n.inputs[0]] > 0
    return sel


def _check(light_dir: Path, name: str, dtype: Any, wrt_params: bool) -> None:
    g, ps, xs, ws = light(light_dir, name)
    tol = F64_TOL if dtype == np.float64 else F32_TOL
    gi, gp = vjp(g, xs, ps, ws, dtype=dtype, wrt_params=wrt_params)
    # float32: both sides select tlean's max-pool elements (module docstring); float64: PyTorch's own.
    sel = float32_selections(g, ps, xs) if dtype == np.float32 else None
    ti, tp = torch_vjp(g, xs, ps, ws, dtype=dtype, wrt_params=wrt_params, selections=sel)
    assert any(float(np.max(np.abs(v))) > 0 for v in ti.values())  # a non-trivial gradient
    err_in = grads_err(gi, ti)
    assert err_in <= tol, f"{name}: input gradient relative error {err_in:.3g}"
    if wrt_params:
        assert set(gp) == set(tp) == set(ps)
        err_p = grads_err(gp, tp)
        assert err_p <= tol, f"{name}: parameter gradient relative error {err_p:.3g}"


# (model, dtype, with parameter gradients); model-major so each model is imported once. The
# default run covers three models with parameter gradients (float64 and float32); the others
# (25–140 M parameters, several seconds per pass on a shared CPU) are marked slow.
_FAST = ("squeezenet", "shufflenet", "inception_v1")
_SLOW = ("resnet50", "densenet121", "inception_v2", "bvlc_alexnet", "zfnet512", "vgg19")
LIGHT = [
    pytest.param(n, dt, n in _FAST, marks=() if n in _FAST else SLOW, id=f"{n}-{np.dtype(dt).name}")
    for n in (*_FAST, *_SLOW)
    for dt in (np.float64, np.float32)
]


@pytest.mark.parametrize(("name", "dtype", "wrt_params"), LIGHT)
def test_light_model_gradients(light_dir: Path, name: str, dtype: Any, wrt_params: bool) -> None:
    _check(light_dir, name, dtype, wrt_params)


def _export(name: str, tmp_path: Path) -> tuple[Any, tuple[Any, ...], Any]:
    from tlean.torch_export import torch_to_onnx

    module, args = torch_models.build(name)
    path = tmp_path / f"{name}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch_to_onnx(module, args, path)
    return module, args, import_model(path)


@pytest.mark.parametrize("name", list(torch_models.MODELS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_torch_model_gradients_match_module_backward(name: str, dtype: Any, tmp_path: Path) -> None:
    """vjp of the imported model = the PyTorch module's own backward (inputs and parameters)."""
    module, args, imported = _export(name, tmp_path)
    g = imported.graph
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    module = module.to(tdt)
    rng = np.random.default_rng(3)
    xs = {d.name: a.detach().numpy() for d, a in zip(g.inputs, args, strict=True)}
    ws = {n: rng.standard_normal(g.nodes[o].shape) for n, o in zip(output_names(g), g.outputs, strict=True)}
    (w,) = ws.values()
    tx = [torch.tensor(a.detach().numpy(), dtype=tdt, requires_grad=True) for a in args]
    module.zero_grad()
    module(*tx).backward(torch.tensor(w, dtype=tdt))
    # Parameter values as the module holds them (float64 when the module is), so both sides
    # differentiate the same function.
    named = dict(module.named_parameters())
    ps = {k: (named[k].detach().numpy() if k in named else v) for k, v in imported.params.items()}
    gi, gp = vjp(g, {k: v.astype(dtype) for k, v in xs.items()}, ps, ws, dtype=dtype)
    want_in = {d.name: t.grad.numpy() for d, t in zip(g.inputs, tx, strict=True)}
    # Parameters the importer kept under the module's names (others were folded or renamed).
    common = [k for k in named if k in gp and named[k].grad is not None]
    assert len(common) >= 3, f"only {common} of the module's parameters are IR parameters"
    want_p = {k: named[k].grad.numpy() for k in common}
    tol = F64_TOL if dtype == np.float64 else F32_TOL
    err = grads_err({**gi, **{k: gp[k] for k in common}}, {**want_in, **want_p})
    assert err <= tol, f"{name}: relative error {err:.3g}"
