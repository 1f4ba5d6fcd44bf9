"""Shared pytest set-up."""

from __future__ import annotations

import os
import tempfile

# onnx's backend runner writes generated inputs for the light models under $ONNX_HOME; keep
# that out of the user's home directory.
os.environ.setdefault("ONNX_HOME", tempfile.mkdtemp(prefix="tlean-onnx-home-"))
