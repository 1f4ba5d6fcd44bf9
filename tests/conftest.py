"""Shared pytest set-up."""

from __future__ import annotations

import os
import tempfile

# onnx's backend runner writes generated inputs for the light models under $ONNX_HOME; keep
# that out of the user's home directory.
os.environ.setdefault("ONNX_HOME", tempfile.mkdtemp(prefix="tlean-onnx-home-"))

from pathlib import Path  # noqa: E402

import onnx  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def light_dir() -> Path:
    """The directory of the light real-architecture models shipped in the onnx wheel."""
    return Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
