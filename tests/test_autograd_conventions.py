"""The derivative conventions at non-smooth points (``tlean.autograd``, "Conventions").

Each case evaluates one op exactly at its kink, through BOTH passes (the JVP with a unit tangent
and the VJP with a unit cotangent must give the same convention). The conventions are the Lean
side's (dual numbers over ``NN/Spec``); where PyTorch's agree the test compares with PyTorch,
where they differ (leakyRelu at 0, sign at ±0, clip at the bounds, pow with exponent 0 at 0,
ties of max/min/maxPool2d/reduceMax) it states PyTorch's value next to tlean's, and checks that
both agree away from the kink.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from tlean import ir
from tlean.autograd import jvp, vjp

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _unary(op: str, x: np.ndarray, attrs: dict[str, Any] | None = None) -> ir.Graph:
    a = ir.OPS[op].attrs.model_validate(attrs or {})
    shape = list(ir.infer_shape(op, a, [x.shape]))
    return ir.Graph(
        inputs=[ir.TensorDecl(name="x", shape=list(x.shape))],
        nodes=[
            ir.Node(op="input", attrs={"index": 0}, shape=list(x.shape)),
            ir.Node(op=op, inputs=[0], attrs=attrs or {}, shape=shape),
        ],
        outputs=[1],
        output_names=["y"],
    )


def _diag_derivative(op: str, x: np.ndarray, attrs: dict[str, Any] | None = None) -> np.ndarray:
    """The elementwise derivative at ``x`` by the VJP, checked equal to the JVP's."""
    g = _unary(op, x, attrs)
    gx = vjp(g, {"x": x}, {}, {"y": np.ones_like(x)}, dtype=np.float64)[0]["x"]
    tx = jvp(g, {"x": x}, {}, {"x": np.ones_like(x)}, dtype=np.float64)["y"]
    np.testing.assert_array_equal(gx, tx)
    return gx


def _torch_derivative(fn: Any, x: np.ndarray) -> np.ndarray:
    t = torch.tensor(x, requires_grad=True)
    fn(t).sum().backward()
    return t.grad.numpy()


KINKS = np.array([-1.0, -0.0, 0.0, 0.5, 1.0, 2.0])
AWAY = np.array([-1.5, -0.25, 0.25, 0.5, 1.5, 2.0])  # no kink of any op below


@pytest.mark.parametrize(
    ("op", "attrs", "want", "torch_fn", "same_as_torch_at_kinks"),
    [
        ("relu", {}, [0, 0, 0, 1, 1, 1], torch.relu, True),
        ("floor", {}, [0] * 6, torch.floor, True),
        ("ceil", {}, [0] * 6, torch.ceil, True),
        ("round", {}, [0] * 6, torch.round, True),
        # The Lean conventions (dual numbers over NN/Spec's definitions), where PyTorch differs:
        ("leakyRelu", {"alpha": 0.25}, [0.25, 1, 1, 1, 1, 1], lambda t: F.leaky_relu(t, 0.25), False),
        ("abs", {}, [-1, -0.0, 0, 1, 1, 1], torch.abs, True),  # ±0 at ±0: PyTorch's 0 (equal values)
        ("sign", {}, [0, 1, 1, 0, 0, 0], torch.sign, False),
        ("clip", {"lo": 0.0, "hi": 1.0}, [0, 0, 0, 1, 0, 0], lambda t: torch.clamp(t, 0.0, 1.0), False),
        ("pow", {"exponent": 0.0}, [0, np.nan, np.nan, 0, 0, 0], lambda t: torch.pow(t, 0.0), False),
    ],
)
def test_kinks(op: str, attrs: dict[str, Any], want: list[float], torch_fn: Any, same_as_torch_at_kinks: bool) -> None:
    got = _diag_derivative(op, KINKS, attrs)
    np.testing.assert_array_equal(got, np.asarray(want, dtype=np.float64))
    if same_as_torch_at_kinks:
        np.testing.assert_array_equal(got, _torch_derivative(torch_fn, KINKS))
    else:
        assert not np.array_equal(got, _torch_derivative(torch_fn, KINKS), equal_nan=True)
    # Away from the kinks both agree.
    np.testing.assert_array_equal(_diag_derivative(op, AWAY, attrs), _torch_derivative(torch_fn, AWAY))


def test_sign_and_abs_at_nan_pass_the_tangent() -> None:
    x = np.array([np.nan, 1.0])
    np.testing.assert_array_equal(_diag_derivative("sign", x), [1.0, 0.0])
    assert np.isnan(_diag_derivative("abs", x)[0])
    np.testing.assert_array_equal(_diag_derivative("clip", x, {"lo": 0.0, "hi": 2.0}), [0.0, 1.0])
    np.testing.assert_array_equal(_diag_derivative("leakyRelu", x, {"alpha": 0.25}), [1.0, 1.0])


@pytest.mark.parametrize(("op", "torch_fn"), [("sqrt", torch.sqrt), ("log", torch.log)])
def test_sqrt_and_log_at_zero_are_ieee_as_pytorch(op: str, torch_fn: Any) -> None:
    x = np.array([0.0, 1.0, 4.0])
    got = _diag_derivative(op, x)
    assert got[0] == np.inf
    np.testing.assert_array_equal(got, _torch_derivative(torch_fn, x))
    # A zero cotangent meeting the infinite slope gives NaN (0·inf), as PyTorch's does.
    g = _unary(op, x)
    zero = vjp(g, {"x": x}, {}, {"y": np.zeros(3)}, dtype=np.float64)[0]["x"]
    t = torch.tensor(x, requires_grad=True)
    torch_fn(t).backward(torch.zeros(3, dtype=torch.float64))
    np.testing.assert_array_equal(np.isnan(zero), np.isnan(t.grad.numpy()))


def _binary(op: str, shape: tuple[int, ...]) -> ir.Graph:
    return ir.Graph(
        inputs=[ir.TensorDecl(name="a", shape=list(shape)), ir.TensorDecl(name="b", shape=list(shape))],
        nodes=[
            ir.Node(op="input", attrs={"index": 0}, shape=list(shape)),
            ir.Node(op="input", attrs={"index": 1}, shape=list(shape)),
            ir.Node(op=op, inputs=[0, 1], shape=list(shape)),
        ],
        outputs=[2],
        output_names=["y"],
    )


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_ties_go_to_the_second_argument(op: str) -> None:
    a = np.array([1.0, 2.0, -0.0, 0.0, np.nan])
    b = np.array([1.0, 3.0, 0.0, -0.0, 1.0])
    g = _binary(op, a.shape)
    gi, _ = vjp(g, {"a": a, "b": b}, {}, {"y": np.ones(5)}, dtype=np.float64)
    first = (b < a) if op == "max" else (a < b)
    np.testing.assert_array_equal(gi["a"], first.astype(float))
    np.testing.assert_array_equal(gi["b"], (~first).astype(float))
    assert gi["b"][0] == 1.0 and gi["a"][0] == 0.0  # the tie at 1.0: all to the second argument
    ta, tb = (torch.tensor(v, requires_grad=True) for v in (a[:1], b[:1]))
    (torch.maximum if op == "max" else torch.minimum)(ta, tb).backward()
    assert ta.grad.item() == tb.grad.item() == 0.5  # PyTorch splits a tie (documented difference)
    # JVP: the tangent of the returned argument.
    t = jvp(g, {"a": a, "b": b}, {}, {"a": np.full(5, 10.0), "b": np.full(5, 20.0)}, dtype=np.float64)["y"]
    np.testing.assert_array_equal(t, np.where(first, 10.0, 20.0))


def test_max_pool_and_reduce_max_ties_go_to_the_last_in_order() -> None:
    x = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])  # a 2x2 window with a tie between (0,1) and (1,0)
    pool = _unary("maxPool2d", x, {"kernel": [2, 2]})
    gx = vjp(pool, {"x": x}, {}, {"y": np.ones((1, 1, 1, 1))}, dtype=np.float64)[0]["x"]
    np.testing.assert_array_equal(gx, [[[[0.0, 0.0], [1.0, 0.0]]]])  # maxList: the later element
    t = torch.tensor(x, requires_grad=True)
    F.max_pool2d(t, 2).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [[[[0.0, 1.0], [0.0, 0.0]]]])  # PyTorch: the first
    tx = jvp(pool, {"x": x}, {}, {"x": np.arange(4.0).reshape(x.shape)}, dtype=np.float64)["y"]
    assert tx.ravel()[0] == 2.0  # the tangent of element (1,0)
    red = _unary("reduceMax", x, {"axes": [2, 3], "keepDims": False})
    gr = vjp(red, {"x": x}, {}, {"y": np.ones((1, 1))}, dtype=np.float64)[0]["x"]
    np.testing.assert_array_equal(gr, gx)
    t.grad = None
    torch.amax(t, dim=(2, 3)).sum().backward()
    assert t.grad.numpy()[0, 0, 0, 1] == 0.5  # PyTorch's amax splits a tie
    # Without ties both pick the maximum.
    z = np.array([[[[1.0, 3.0], [2.0, 0.0]]]])
    gz = vjp(pool, {"x": z}, {}, {"y": np.ones((1, 1, 1, 1))}, dtype=np.float64)[0]["x"]
    tz = torch.tensor(z, requires_grad=True)
    F.max_pool2d(tz, 2).sum().backward()
    np.testing.assert_array_equal(gz, tz.grad.numpy())
    # NaN: the running max is NaN from there on, so every later element is taken (the last).
    y = np.array([[np.nan, 5.0, 6.0], [1.0, np.nan, 2.0], [4.0, 7.0, 7.0]])
    g2 = _unary("reduceMax", y, {"axes": [1], "keepDims": False})
    np.testing.assert_array_equal(
        vjp(g2, {"x": y}, {}, {"y": np.ones(3)}, dtype=np.float64)[0]["x"], [[0, 0, 1], [0, 0, 1], [0, 0, 1]]
    )
    p = np.array([[[[np.nan, 1.0], [2.0, 0.5]]]])
    gp = vjp(pool, {"x": p}, {}, {"y": np.ones((1, 1, 1, 1))}, dtype=np.float64)[0]["x"]
    np.testing.assert_array_equal(gp, [[[[0.0, 0.0], [0.0, 1.0]]]])


def test_max_pool_padding_is_never_selected() -> None:
    x = -np.ones((1, 1, 2, 2))
    pool = _unary("maxPool2d", x, {"kernel": [2, 2], "pads": [1, 1, 1, 1], "strides": [2, 2]})
    gx = vjp(pool, {"x": x}, {}, {"y": np.ones((1, 1, 2, 2))}, dtype=np.float64)[0]["x"]
    np.testing.assert_array_equal(gx, np.ones((1, 1, 2, 2)))  # each corner window has one real element


def test_where_and_embedding_route_to_the_selected_values() -> None:
    mask = np.array([1.0, 0.0, 1.0], dtype=np.float32)
    g = ir.Graph(
        inputs=[ir.TensorDecl(name="x", shape=[3]), ir.TensorDecl(name="t", shape=[2, 2])],
        nodes=[
            ir.Node(op="const", attrs={"bits": ir.f32_bits(mask)}, shape=[3]),
            ir.Node(op="input", attrs={"index": 0}, shape=[3]),
            ir.Node(op="neg", inputs=[1], shape=[3]),
            ir.Node(op="where", inputs=[0, 1, 2], shape=[3]),
            ir.Node(op="input", attrs={"index": 1}, shape=[2, 2]),
            ir.Node(op="const", attrs={"bits": ir.f32_bits(np.array([1.0, 1.0, 7.0, 0.5]))}, shape=[4]),
            ir.Node(op="embedding", inputs=[4, 5], shape=[4, 2]),
        ],
        outputs=[3, 6],
        output_names=["w", "e"],
    )
    ir.check(g)
    x, tab = np.array([1.0, 2.0, 3.0]), np.arange(4.0).reshape(2, 2)
    gi, _ = vjp(g, {"x": x, "t": tab}, {}, {"w": np.ones(3), "e": np.ones((4, 2))}, dtype=np.float64)
    np.testing.assert_array_equal(gi["x"], [1.0, -1.0, 1.0])  # selected branch: x, -x, x
    np.testing.assert_array_equal(gi["t"], [[0.0, 0.0], [2.0, 2.0]])  # row 1 twice; ids 7, 0.5: NaN rows
