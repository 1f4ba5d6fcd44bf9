"""VNN-COMP interface: result files the competition's scorer accepts, the wrapper scripts, instance CSVs.

The scorer's reading of a witness (VNN-COMP 2022+ ``counterexamples.py``) is reproduced by
:func:`tlean.verify.vnncomp.parse_result_file`; the replay is onnxruntime on the original file.
The wrappers run as subprocesses from another directory, as the harness runs them.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tlean.verify.falsify import exact_row_margins
from tlean.verify.vnncomp import (
    InstancesError,
    format_assignment,
    parse_result_file,
    read_instances,
    result_file_text,
    run_instance,
)
from tlean.verify.vnnlib import read_vnnlib

from tests.test_falsify import mlp, ort_run, sat_instance, spec_text

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts" / "vnncomp"
DATA = ROOT.parent / "shared" / "vnncomp2021"


def test_assignment_round_trips_float32_values_exactly() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(50), [1e-30, -3.4e38, 0.1, 0.0, -0.0]]).astype(np.float32)
    y = (rng.standard_normal(7) * 1e4).astype(np.float32)
    text = result_file_text("sat", [float(v) for v in x], [float(v) for v in y])
    assert text.startswith("sat\n((X_0 ") and text.endswith("))\n")
    back = parse_result_file(text)
    assert back.result == "sat"
    assert np.array_equal(np.asarray(back.x, dtype=np.float32), x)
    assert np.array_equal(np.asarray(back.y, dtype=np.float32), y)
    # every item is "(NAME VALUE)" with exactly one space (the scorer splits on it)
    # the exact value of each float32 (float64 repr): -2.5e-08 is not a float32
    assert format_assignment([0.5], [1.0, -2.5e-08]) == "((X_0 0.5)\n (Y_0 1.0)\n (Y_1 -2.5000000292152436e-08))"
    for res in ("unsat", "timeout", "unknown", "error"):
        assert result_file_text(res) == f"{res}\n" and parse_result_file(result_file_text(res)).result == res
    with pytest.raises(ValueError):
        result_file_text("holds")


def test_sat_result_file_replays_in_onnxruntime(tmp_path: Path) -> None:
    model, spec, _ = sat_instance(tmp_path, 2)
    out = tmp_path / "out" / "result.txt"
    text, rep = run_instance("test", model, spec, out, 20)
    assert out.read_text() == text
    r = parse_result_file(text)
    assert r.result == "sat"
    # the scorer: run onnxruntime on X (cast to float32), compare with Y, check the spec (with tolerance 0 here)
    y = ort_run(model, np.asarray(r.x, dtype=np.float32)[None])[0]
    assert np.max(np.abs(y - np.asarray(r.y))) == 0.0
    sp = read_vnnlib(spec)
    assert any(
        all(m <= 0 for m in exact_row_margins(p, y)) for b in sp.boxes for p in b.polytopes
    )


def test_unsat_timeout_and_error_result_files(tmp_path: Path) -> None:
    model = mlp(tmp_path / "m.onnx")
    holds = tmp_path / "holds.vnnlib"
    holds.write_text(spec_text(4, 3, [([-0.1] * 4, [0.1] * 4)], ["(>= Y_0 1000.0)"]))
    text, rep = run_instance("t", model, holds, tmp_path / "r1.txt", 30)
    assert text == "unsat\n"
    text, _ = run_instance("t", model, holds, tmp_path / "r2.txt", 0)
    assert text == "timeout\n"
    bad = tmp_path / "bad.vnnlib"
    bad.write_text(spec_text(4, 3, [([-0.1] * 4, [0.1] * 4)], ["(>= Y_5 1.0)"]))
    from tlean.errors import TleanError

    with pytest.raises(TleanError):
        run_instance("t", model, bad, tmp_path / "r3.txt", 10)
    assert (tmp_path / "r3.txt").read_text() == "error\n"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def test_wrapper_scripts_run_from_any_directory(tmp_path: Path) -> None:
    for name in ("prepare_instance.sh", "run_instance.sh"):
        mode = (SCRIPTS / name).stat().st_mode
        assert mode & stat.S_IXUSR, f"{name} is not executable"
    model, spec, _ = sat_instance(tmp_path, 1)
    work = tmp_path / "elsewhere"
    work.mkdir()
    p = subprocess.run([str(SCRIPTS / "prepare_instance.sh"), "v1", "test", str(model), str(spec)],
                       cwd=work, env=_env(), capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    res = tmp_path / "res.txt"
    p = subprocess.run([str(SCRIPTS / "run_instance.sh"), "v1", "test", str(model), str(spec), str(res), "30"],
                       cwd=work, env=_env(), capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    r = parse_result_file(res.read_text())
    assert r.result == "sat" and len(r.x) == 4 and len(r.y) == 3
    # wrong interface version, and a model that is not there: non-zero exit, no traceback
    p = subprocess.run([str(SCRIPTS / "run_instance.sh"), "v2", "test", str(model), str(spec), str(res), "30"],
                       cwd=work, env=_env(), capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "v1" in p.stderr
    p = subprocess.run([str(SCRIPTS / "prepare_instance.sh"), "v1", "test", str(tmp_path / "no.onnx"), str(spec)],
                       cwd=work, env=_env(), capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "Traceback" not in p.stderr


def test_vnncomp_run_command_writes_error_for_a_bad_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from tlean.cli import app
    from tlean.cli_common import run_main

    model = mlp(tmp_path / "m.onnx")
    bad = tmp_path / "bad.vnnlib"
    bad.write_text(spec_text(4, 3, [([1.0] * 4, [0.0] * 4)], ["(>= Y_0 1.0)"]))  # contradictory bounds
    res = tmp_path / "r.txt"
    with pytest.raises(SystemExit) as e:
        run_main(app, ["vnncomp-run", "v1", "t", str(model), str(bad), str(res), "10", "--json"])
    assert e.value.code == 2
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "bad-spec"
    assert res.read_text() == "error\n"


def test_read_instances(tmp_path: Path) -> None:
    (tmp_path / "nets").mkdir()
    mlp(tmp_path / "nets" / "a.onnx")
    (tmp_path / "p.vnnlib").write_text(spec_text(4, 3, [([0.0] * 4, [1.0] * 4)], ["(>= Y_0 1.0)"]))
    csv = tmp_path / "inst.csv"
    csv.write_text("onnx,vnnlib,timeout\nnets/a.onnx,p.vnnlib,12.5\n\n nets/a.onnx , p.vnnlib , 3\n")
    rows = read_instances(csv)
    assert [(r.onnx, r.vnnlib, r.timeout) for r in rows] == [
        (tmp_path / "nets" / "a.onnx", tmp_path / "p.vnnlib", 12.5),
        (tmp_path / "nets" / "a.onnx", tmp_path / "p.vnnlib", 3.0),
    ]
    for bad, what in [("nets/a.onnx,p.vnnlib\n", "3 columns"), ("nets/b.onnx,p.vnnlib,3\n", "does not exist"),
                      ("nets/a.onnx,p.vnnlib,3\nnets/a.onnx,p.vnnlib,x\n", "not a number"),
                      ("nets/a.onnx,p.vnnlib,-1\n", ">= 0"), ("", "no instances")]:
        csv.write_text(bad)
        with pytest.raises(InstancesError, match=what):
            read_instances(csv)


@pytest.mark.skipif(not DATA.is_dir(), reason="the VNN-COMP 2021 data (../shared/vnncomp2021) is not present")
def test_acasxu_sat_instance_result_file_replays(tmp_path: Path) -> None:
    model = DATA / "acasxu" / "ACASXU_run2a_2_1_batch_2000.onnx"
    spec = DATA / "acasxu" / "prop_2.vnnlib"
    text, rep = run_instance("acasxu", model, spec, tmp_path / "r.txt", 10)
    r = parse_result_file(text)
    assert r.result == "sat"
    y = ort_run(model, np.asarray(r.x, dtype=np.float32)[None])[0]
    assert np.array_equal(y, np.asarray(r.y, dtype=np.float32))
    sp = read_vnnlib(spec)
    assert any(all(m <= 0 for m in exact_row_margins(p, y)) for b in sp.boxes for p in b.polytopes)
