"""When tests need the Lean toolchain: skip (with the reason) or, on CI, fail.

A test that needs ``lake`` calls :func:`require_lean` (or :func:`require_lean_project`, which
also needs the repository's ``lakefile.lean``) or uses the ``lean`` marker together with it.
Without ``lake`` on ``PATH`` the test is skipped and pytest's ``-ra`` summary prints why; with
``TLEAN_REQUIRE_LEAN=1`` in the environment the same situation is a failure instead, so a CI job
that is meant to run the Lean tests cannot pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REQUIRE_ENV = "TLEAN_REQUIRE_LEAN"
REPO_ROOT = Path(__file__).resolve().parents[1]

#: Marker for tests that need the toolchain (declared in pyproject's pytest markers).
lean = pytest.mark.lean


def lean_missing_reason() -> str | None:
    """Why the Lean tests cannot run here, or ``None`` when ``lake`` is on PATH."""
    if shutil.which("lake") is None:
        return "`lake` is not on PATH (install the toolchain with elan, see README)"
    return None


def _skip_or_fail(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV, "") == "1":
        pytest.fail(f"{reason}; {REQUIRE_ENV}=1 requires the Lean tests to run", pytrace=False)
    pytest.skip(reason)


def require_lean() -> None:
    """Skips the calling test when ``lake`` is missing (fails under ``TLEAN_REQUIRE_LEAN=1``)."""
    reason = lean_missing_reason()
    if reason is not None:
        _skip_or_fail(reason)


def require_lean_project() -> Path:
    """Like :func:`require_lean`, and also needs ``lakefile.lean``; returns the package root."""
    require_lean()
    if not (REPO_ROOT / "lakefile.lean").exists() and not (REPO_ROOT / "lakefile.toml").exists():
        _skip_or_fail(f"no lakefile in {REPO_ROOT}")
    return REPO_ROOT
