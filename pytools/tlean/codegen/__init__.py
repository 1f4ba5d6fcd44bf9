"""Lean code generation for exported models (templates, escaping, identifiers)."""

from tlean.codegen.writer import Provenance, render_model, render_runner

__all__ = ["Provenance", "render_model", "render_runner"]
