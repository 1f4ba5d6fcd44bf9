"""Property tests: random IR graphs survive JSON and check(); random elementwise/affine ONNX
graphs evaluate through tlean as onnxruntime evaluates them."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onnx import helper
from tlean import ir

from tests.onnx_helpers import make_model, random_inputs, run_ort, run_tlean

FLOATS = st.floats(-4, 4, width=32, allow_nan=False)


@st.composite
def ir_graphs(draw: st.DrawFn) -> ir.Graph:
    """Well-formed graphs over [N, C, H, W]-ish shapes: every op's shape from its rule."""
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    h, w = draw(st.integers(2, 5)), draw(st.integers(2, 5))
    inputs = [ir.TensorDecl(name=draw(st.text(min_size=0, max_size=6)), shape=[n, c, h, w])]
    params: list[ir.TensorDecl] = []
    nodes = [ir.Node(op="input", attrs={"index": 0}, shape=[n, c, h, w])]

    def push(op: str, args: list[int], attrs: dict[str, object] | None = None) -> None:
        spec = ir.OPS[op]
        typed = spec.attrs.model_validate(attrs or {})
        shape = ir.infer_shape(op, typed, [tuple(nodes[i].shape) for i in args])
        nodes.append(ir.Node(op=op, inputs=args, attrs=typed.model_dump(), shape=list(shape)))

    for _ in range(draw(st.integers(1, 8))):
        k = draw(st.integers(0, len(nodes) - 1))
        shape = nodes[k].shape
        choice = draw(
            st.sampled_from(
                ["unary", "binary", "clip", "leaky", "transpose", "reduce", "softmax", "const", "param", "pad", "slice"]
            )
        )
        if choice == "unary":
            push(draw(st.sampled_from(["neg", "abs", "relu", "sigmoid", "tanh", "exp"])), [k])
        elif choice == "binary":
            same = [i for i, nd in enumerate(nodes) if nd.shape == shape]
            push(draw(st.sampled_from(["add", "sub", "mul", "max", "min", "div"])), [k, draw(st.sampled_from(same))])
        elif choice == "clip":
            lo = draw(st.one_of(st.none(), FLOATS))
            push("clip", [k], {"lo": lo, "hi": draw(st.one_of(st.none(), FLOATS))})
        elif choice == "leaky":
            push("leakyRelu", [k], {"alpha": draw(FLOATS)})
        elif choice == "transpose":
            push("transpose", [k], {"perm": draw(st.permutations(range(len(shape))))})
        elif choice == "reduce" and shape:
            axes = sorted(draw(st.sets(st.integers(0, len(shape) - 1), min_size=1)))
            push(
                draw(st.sampled_from(["reduceSum", "reduceMean", "reduceMax"])),
                [k],
                {"axes": axes, "keepDims": draw(st.booleans())},
            )
        elif choice == "softmax" and shape:
            push(draw(st.sampled_from(["softmax", "logSoftmax"])), [k], {"axis": draw(st.integers(0, len(shape) - 1))})
        elif choice == "const":
            bits = ir.f32_bits(np.array(draw(st.lists(FLOATS, min_size=1, max_size=1)), np.float32))
            nodes.append(ir.Node(op="const", attrs={"bits": bits}, shape=[1]))
        elif choice == "param":
            params.append(ir.TensorDecl(name=f"p{len(params)}", shape=list(shape)))
            nodes.append(ir.Node(op="param", attrs={"index": len(params) - 1}, shape=list(shape)))
        elif choice == "pad" and shape:
            pads = draw(st.lists(st.integers(0, 2), min_size=2 * len(shape), max_size=2 * len(shape)))
            push("pad", [k], {"pads": pads, "value": draw(FLOATS)})
        elif choice == "slice" and shape:
            ax = draw(st.integers(0, len(shape) - 1))
            d = shape[ax]
            st_ = draw(st.integers(0, d))
            push(
                "slice",
                [k],
                {
                    "starts": [st_],
                    "ends": [draw(st.integers(st_, d))],
                    "axes": [ax],
                    "steps": [draw(st.integers(1, 3))],
                },
            )
    return ir.Graph(inputs=inputs, params=params, nodes=nodes, outputs=[len(nodes) - 1])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ir_graphs())
def test_random_ir_graphs_round_trip_and_check(g: ir.Graph) -> None:
    ir.check(g)
    again = ir.Graph.from_json(g.to_json())
    assert again == g
    ir.check(again)
    assert again.to_json() == g.to_json()


@st.composite
def onnx_graphs(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    """Random elementwise/affine ONNX graphs built with onnx.helper, with their weights."""
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    batch, feat = draw(st.integers(1, 3)), draw(st.integers(1, 5))
    values = [("x", (batch, feat))]
    nodes, inits = [], {}
    for i in range(draw(st.integers(1, 7))):
        name, shape = draw(st.sampled_from(values))
        out = f"v{i}"
        kind = draw(st.sampled_from(["binary", "binary_const", "unary", "leaky", "clip", "gemm", "matmul", "sum"]))
        if kind == "binary":
            partners = [v for v in values if v[1] == shape or v[1][-1:] == shape[-1:]]
            other = draw(st.sampled_from(partners))[0]
            op = draw(st.sampled_from(["Add", "Sub", "Mul", "Max", "Min"]))
            nodes.append(helper.make_node(op, [name, other], [out]))
            new_shape = shape if len(shape) >= len(dict(values)[other]) else dict(values)[other]
        elif kind == "binary_const":
            cshape = draw(st.sampled_from([shape, shape[-1:], (1,) + shape[1:]]))
            inits[f"c{i}"] = rng.uniform(0.5, 2.0, cshape).astype(np.float32) * draw(st.sampled_from([-1, 1]))
            op = draw(st.sampled_from(["Add", "Sub", "Mul", "Div"]))
            nodes.append(helper.make_node(op, [name, f"c{i}"], [out]))
            new_shape = shape
        elif kind == "unary":
            nodes.append(
                helper.make_node(draw(st.sampled_from(["Relu", "Neg", "Abs", "Tanh", "Sigmoid"])), [name], [out])
            )
            new_shape = shape
        elif kind == "leaky":
            nodes.append(helper.make_node("LeakyRelu", [name], [out], alpha=draw(st.floats(0.01, 0.5))))
            new_shape = shape
        elif kind == "clip":
            nodes.append(helper.make_node("Clip", [name, f"lo{i}", f"hi{i}"], [out]))
            inits[f"lo{i}"], inits[f"hi{i}"] = np.float32(-0.5), np.float32(draw(st.floats(0.0, 2.0)))
            new_shape = shape
        elif kind == "gemm" and len(shape) == 2:
            n_out = draw(st.integers(1, 5))
            tb = draw(st.booleans())
            w = rng.standard_normal((n_out, shape[1]) if tb else (shape[1], n_out)).astype(np.float32)
            inits[f"w{i}"], inits[f"b{i}"] = w, rng.standard_normal(n_out).astype(np.float32)
            nodes.append(
                helper.make_node(
                    "Gemm",
                    [name, f"w{i}", f"b{i}"],
                    [out],
                    transB=int(tb),
                    alpha=draw(st.sampled_from([1.0, 0.5])),
                    beta=draw(st.sampled_from([1.0, 2.0])),
                )
            )
            new_shape = (shape[0], n_out)
        elif kind == "matmul":
            n_out = draw(st.integers(1, 5))
            inits[f"m{i}"] = rng.standard_normal((shape[-1], n_out)).astype(np.float32)
            nodes.append(helper.make_node("MatMul", [name, f"m{i}"], [out]))
            new_shape = (*shape[:-1], n_out)
        else:
            same = [v[0] for v in values if v[1] == shape]
            nodes.append(helper.make_node("Sum", [name, *draw(st.lists(st.sampled_from(same), max_size=2))], [out]))
            new_shape = shape
        values.append((out, tuple(new_shape)))
    model = make_model(
        nodes, {"x": [batch, feat]}, [values[-1][0]], opset=draw(st.sampled_from([13, 14, 17, 21])), initializers=inits
    )
    return model


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(onnx_graphs(), st.integers(0, 1000))
def test_random_onnx_graphs_match_onnxruntime(model, seed: int) -> None:  # type: ignore[no-untyped-def]
    feeds = random_inputs(model, seed)
    want = run_ort(model, feeds)
    got = run_tlean(model, feeds)
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)
