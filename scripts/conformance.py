"""Runs ONNX's conformance tests through tlean and prints the counts.

The scope and the exclusions (with reasons) come from :mod:`tlean.conformance`, the same
selection the pytest suite uses. The last line is ``N passed, M failed, K excluded``.

    python scripts/conformance.py [--failures] [--json FILE] [-k SUBSTRING]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import unittest

os.environ.setdefault("ONNX_HOME", tempfile.mkdtemp(prefix="tlean-onnx-home-"))

import onnx.backend.test  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import Progress  # noqa: E402
from tlean.backend import TleanBackend  # noqa: E402
from tlean.conformance import ConformanceReport, include_pattern, select  # noqa: E402


def _first_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--failures", action="store_true", help="list each failure with its error")
    ap.add_argument("--json", help="write per-test results as JSON (tlean.conformance.v1)")
    ap.add_argument("-k", default="", help="only tests whose name contains this")
    args = ap.parse_args()
    err = Console(stderr=True)
    sel = select()
    names = [n for n in sel.run if args.k in n]
    bt = onnx.backend.test.BackendTest(TleanBackend, "conformance")
    bt.include(include_pattern(names))
    suite = unittest.TestSuite()
    loader = unittest.TestLoader()
    for case in bt.test_cases.values():
        for name in loader.getTestCaseNames(case):
            if name[: -len("_cpu")] in names and name.endswith("_cpu"):
                suite.addTest(case(name))
    results: dict[str, dict[str, str]] = {}

    class Collect(unittest.TestResult):
        def addSuccess(self, test: unittest.TestCase) -> None:  # noqa: N802
            results[test._testMethodName[:-4]] = {"status": "passed"}

        def addFailure(self, test: unittest.TestCase, e) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
            results[test._testMethodName[:-4]] = {
                "status": "failed",
                "error": _first_line(self._exc_info_to_string(e, test)),
            }

        addError = addFailure  # noqa: N815

        def addSkip(self, test: unittest.TestCase, reason: str) -> None:  # noqa: N802
            results[test._testMethodName[:-4]] = {"status": "skipped", "error": reason}

    collected = Collect()
    with Progress(console=err, transient=True) as prog:
        task = prog.add_task("conformance", total=suite.countTestCases())
        for test in suite:
            test.run(collected)
            prog.advance(task)
    passed = sorted(n for n, r in results.items() if r["status"] == "passed")
    failed = sorted(n for n, r in results.items() if r["status"] != "passed")
    if args.failures:
        for n in failed:
            print(f"{n}: {results[n].get('error', '')}")
    if args.json:
        doc = ConformanceReport.model_validate(
            {"results": results, "excluded": sel.excluded, "out_of_scope": sel.out_of_scope}
        )
        with open(args.json, "w") as f:
            json.dump(doc.model_dump(), f, indent=2, sort_keys=True)
    print(f"{len(passed)} passed, {len(failed)} failed, {len(sel.excluded)} excluded")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
