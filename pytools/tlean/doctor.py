"""What ``tlean doctor`` checks: Python, the Python dependencies and the Lean toolchain."""

from __future__ import annotations

import importlib.metadata
import platform
import sys
from typing import Any

from tlean import __version__
from tlean.lake import toolchain

_PACKAGES = ("onnx", "onnxruntime", "numpy", "pydantic", "typer", "rich", "jinja2", "torch")
_REQUIRED = {"onnx", "numpy", "pydantic", "typer", "rich", "jinja2"}


def diagnose() -> dict[str, Any]:
    """A JSON-ready report: each component with found/version/required."""
    rows: list[dict[str, Any]] = [
        {
            "name": "python",
            "found": True,
            "version": platform.python_version(),
            "path": sys.executable,
            "required": True,
        },
        {"name": "tlean", "found": True, "version": __version__, "path": None, "required": True},
    ]
    for pkg in _PACKAGES:
        try:
            version: str | None = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            version = None
        rows.append(
            {"name": pkg, "found": version is not None, "version": version, "path": None, "required": pkg in _REQUIRED}
        )
    for tool in toolchain().values():
        rows.append(
            {"name": tool.name, "found": tool.found, "version": tool.version, "path": tool.path, "required": False}
        )
    ok = all(r["found"] for r in rows if r["required"])
    return {"format": "tlean.doctor.v1", "ok": ok, "components": rows}
