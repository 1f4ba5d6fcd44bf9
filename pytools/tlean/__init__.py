"""tlean: verified neural networks in Lean 4, driven from Python."""

__version__ = "0.1.0"
