"""ONNX's own conformance tests, run through tlean's backend (IR import + NumPy evaluator).

Scope and exclusions live in :mod:`tlean.conformance` (one place, each with its reason); only
the selected tests are collected, on the CPU device.
"""

from __future__ import annotations

import re

import onnx.backend.test
from tlean.backend import TleanBackend
from tlean.conformance import include_pattern, select

_selected = select().run
_backend_test = onnx.backend.test.BackendTest(TleanBackend, __name__)
_backend_test.include(include_pattern(_selected))
_keep = re.compile(include_pattern(_selected))

for _name, _case in _backend_test.test_cases.items():
    for _attr in [a for a in vars(_case) if a.startswith("test_")]:
        if not _keep.match(_attr):
            delattr(_case, _attr)
    globals()[_name] = _case


def test_selection_covers_required_suites() -> None:
    """The nine light models and the pytorch suites are in the run, not silently dropped."""
    sel = select()
    for model in (
        "test_resnet50",
        "test_densenet121",
        "test_inception_v1",
        "test_inception_v2",
        "test_vgg19",
        "test_shufflenet",
        "test_squeezenet",
        "test_bvlc_alexnet",
        "test_zfnet512",
    ):
        assert model in sel.run
    assert sum(n.startswith("test_operator_") for n in sel.run) >= 20
    assert len(sel.run) >= 400
    assert all(reason for reason in sel.excluded.values())


def test_report_schemas_are_current() -> None:
    """docs/schemas/tlean.{conformance,coverage,fuzz}.v1.json match the report models."""
    import json
    from pathlib import Path

    from tlean.conformance import REPORT_MODELS, report_schema

    root = Path(__file__).resolve().parents[1]
    for fmt in REPORT_MODELS:
        assert json.loads((root / "docs" / "schemas" / f"{fmt}.json").read_text()) == report_schema(fmt), fmt


def test_report_documents_validate_against_their_schemas() -> None:
    import jsonschema
    from tlean.conformance import CoverageReport, FuzzReportDoc, report_schema

    cov = CoverageReport.model_validate({"results": [{"name": "mlp", "imported": True, "checked": True}]})
    jsonschema.validate(cov.model_dump(), report_schema("tlean.coverage.v1"))
    fz = FuzzReportDoc(mutants=3, imported=1, refused={"model-load": 2}, crashes=[])
    jsonschema.validate(fz.model_dump(), report_schema("tlean.fuzz.v1"))
    with __import__("pytest").raises(jsonschema.ValidationError):
        jsonschema.validate({"format": "tlean.fuzz.v1", "mutants": "many"}, report_schema("tlean.fuzz.v1"))
