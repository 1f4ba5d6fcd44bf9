"""CLI commands about proofs: ``scan``, ``gate``, ``report`` (registered onto the main app)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer


def register(app: typer.Typer, handles_errors: Callable[[Any], Any]) -> None:
    """Adds the proof commands to ``app``; ``handles_errors`` wraps each command."""
