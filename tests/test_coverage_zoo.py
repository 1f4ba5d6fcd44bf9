"""The fast subset of ``scripts/coverage.py``'s PyTorch zoo: each model exports, imports into the
IR and agrees with onnxruntime (GPT-2 block with its pow-3 GELU and causal mask, ConvNeXt,
MobileNetV3, U-Net decoders with ConvTranspose and bilinear Resize, LSTM, embedding +
transformer, a sin/cos controller)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[1]


def _coverage_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("tlean_coverage_script", ROOT / "scripts" / "coverage.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


COV = _coverage_module()
FAST = [c for c in COV.ZOO if c.fast]


def test_zoo_is_large_and_fast_subset_is_small() -> None:
    assert len(COV.ZOO) >= 30 and 5 <= len(FAST) <= 12


@pytest.mark.parametrize("case", FAST, ids=[c.name for c in FAST])
def test_fast_zoo_model_imports_and_checks(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = COV.run_case(case, tmp_path)
    assert out.imported, out.reason
    assert out.checked, out.reason


def test_refusals_say_why(tmp_path: Path) -> None:
    case = next(c for c in COV.ZOO if c.name == "argmax_head")
    out = COV.run_case(case, tmp_path)
    assert not out.imported and "cut the graph before the ArgMax" in out.reason
