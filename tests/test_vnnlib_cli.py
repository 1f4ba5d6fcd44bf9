"""``tlean-vnnlib``: the VNN-LIB 2.0 solver command line (standard chapter 5) on self-built models.

Oracles: onnxruntime replays the printed assignment; the capability list and the response shapes
are those of the standard's reference test solver (``vnnlib-test-solver``, when installed); the
operator list is the importer's registry.
"""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from tlean.verify.vnnlib_cli import CAPABILITIES, run

from tests.test_falsify import mlp, ort_run


def _run(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str, str]:
    code = run(args)
    c = capsys.readouterr()
    return code, c.out, c.err


def _query(path: Path, n_in: int, n_out: int, lo: float, hi: float, out: str, dtype: str = "real",
           net: str = "f") -> Path:
    lines = ["(vnnlib-version <2.0>)", f"(declare-network {net}",
             f"    (declare-input X {dtype} [1,{n_in}])", f"    (declare-output Y {dtype} [1,{n_out}])", ")"]
    lines += [f"(assert (and (>= X[0,{i}] {lo!r}) (<= X[0,{i}] {hi!r})))" for i in range(n_in)]
    lines.append(f"(assert {out})")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_name_version(capsys: pytest.CaptureFixture[str]) -> None:
    from tlean import __version__

    assert _run(capsys, ["--name"])[:2] == (0, "tlean\n")
    assert _run(capsys, ["--version"])[:2] == (0, f"{__version__}\n")


def test_every_mandatory_capability_is_answered_in_its_shape(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        from vnnlib_test_solver.supports import BOOLEAN_CAPABILITIES, VERSION_PAIR_CAPABILITIES
        from vnnlib_test_solver.supports import CAPABILITIES as REF
    except ImportError:
        REF, BOOLEAN_CAPABILITIES, VERSION_PAIR_CAPABILITIES = CAPABILITIES, CAPABILITIES[-2:], CAPABILITIES[0:4:3]
    assert set(REF) <= set(CAPABILITIES)
    for cap in REF:
        code, out, err = _run(capsys, ["supports", cap])
        assert code == 0 and out.endswith("\n") and out.strip(), (cap, err)
        lines = out.splitlines()
        if cap in BOOLEAN_CAPABILITIES:
            assert lines in (["true"], ["false"])
        if cap in VERSION_PAIR_CAPABILITIES:
            assert len(lines) == 2 and float(lines[0]) <= float(lines[1])
    assert _run(capsys, ["supports", "--onnx-element-types"])[1] == "real\n"
    code, out, err = _run(capsys, ["supports", "--no-such-capability"])
    assert code == 2 and not out


def test_onnx_operators_come_from_the_importer_registry(capsys: pytest.CaptureFixture[str]) -> None:
    from tlean.onnx_import import (
        REGISTRY,
        families,  # noqa: F401
    )

    code, out, _ = _run(capsys, ["supports", "--onnx-operators"])
    ops = out.splitlines()
    assert code == 0 and ops == sorted(set(ops))
    assert set(ops) == REGISTRY.op_types()
    assert {"Gemm", "MatMul", "Relu", "Conv", "Add"} <= set(ops)


def test_verify_sat_prints_a_replayable_assignment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = mlp(tmp_path / "m.onnx", seed=2)
    ys = ort_run(model, np.random.default_rng(0).uniform(-1, 1, (1000, 4)).astype(np.float32))
    c = float(np.quantile(ys[:, 2], 0.05))
    q = _query(tmp_path / "q.vnnlib", 4, 3, -1.0, 1.0, f"(<= Y[0,2] {c!r})")
    code, out, err = _run(capsys, ["verify", str(q), "--network", f"f={model}", "--timeout", "20"])
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "sat" and lines[1] == "X real [1,4]" and lines[6] == "Y real [1,3]" and len(lines) == 10
    x = np.array([float(v) for v in lines[2:6]], dtype=np.float32)
    assert all(Fraction(-1) <= Fraction(float(v)) <= Fraction(1) for v in x)
    y = ort_run(model, x[None])[0]
    assert np.array_equal(y, np.array([float(v) for v in lines[7:10]], dtype=np.float32))
    assert Fraction(float(y[2])) <= Fraction(c)


def test_verify_unsat_and_timeout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = mlp(tmp_path / "m.onnx")
    q = _query(tmp_path / "q.vnnlib", 4, 3, -0.1, 0.1, "(>= Y[0,0] 1000.0)")
    assert _run(capsys, ["verify", str(q), "--network", f"f={model}", "--timeout", "30"])[:2] == (0, "unsat\n")
    assert _run(capsys, ["verify", str(q), "--network", f"f={model}", "--timeout", "0"])[:2] == (0, "timed-out\n")


def test_verify_vnnlib_1_query(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.test_falsify import spec_text

    model = mlp(tmp_path / "m.onnx")
    q = tmp_path / "q.vnnlib"
    q.write_text(spec_text(4, 3, [([-0.1] * 4, [0.1] * 4)], ["(>= Y_0 1000.0)"]))
    assert _run(capsys, ["verify", str(q), "--network", f"anything={model}"])[:2] == (0, "unsat\n")


@pytest.mark.parametrize(
    ("case", "needle"),
    [
        ("wrong-name", "does not declare"),
        ("missing", "no model file"),
        ("extra", "does not declare"),
        ("float32", "real"),
        ("two-networks", "networks"),
        ("bad-mapping", "NAME=MODEL"),
        ("no-model", "does not exist"),
        ("negative-timeout", "timeout"),
        ("out-of-range", "Y"),
    ],
)
def test_verify_error_conditions(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, needle: str) -> None:
    model = mlp(tmp_path / "m.onnx")
    q = _query(tmp_path / "q.vnnlib", 4, 3, -0.1, 0.1, "(>= Y[0,0] 1000.0)")
    args = ["verify", str(q), "--network", f"f={model}"]
    if case == "wrong-name":
        args[-1] = f"g={model}"
    elif case == "missing":
        args = args[:2]
    elif case == "extra":
        args += ["--network", f"h={model}"]
    elif case == "float32":
        args[1] = str(_query(tmp_path / "f.vnnlib", 4, 3, -0.1, 0.1, "(>= Y[0,0] 1000.0)", dtype="float32"))
    elif case == "two-networks":
        second = "(declare-network g\n    (declare-input A real [1,4])\n    (declare-output B real [1,3])\n)"
        text = q.read_text().replace(")\n(assert", ")\n" + second + "\n(assert", 1)
        q.write_text(text)
        args += ["--network", f"g={model}"]
    elif case == "bad-mapping":
        args[-1] = str(model)
    elif case == "no-model":
        args[-1] = f"f={tmp_path / 'none.onnx'}"
    elif case == "negative-timeout":
        args += ["--timeout", "-1"]
    elif case == "out-of-range":
        args[1] = str(_query(tmp_path / "o.vnnlib", 4, 5, -0.1, 0.1, "(>= Y[0,4] 1.0)"))
    code, out, err = _run(capsys, args)
    assert code == 2 and out == "", (case, out, err)
    assert needle in err and "Traceback" not in err, err


def test_console_script_runs(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "tlean-vnnlib"
    if not exe.exists():
        pytest.skip("the tlean-vnnlib console script is not installed (pip install -e .)")
    p = subprocess.run([str(exe), "supports", "--vnnlib-versions"], capture_output=True, text=True, timeout=60,
                       cwd=tmp_path)
    assert (p.returncode, p.stdout) == (0, "1.0\n2.0\n")
