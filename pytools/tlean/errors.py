"""The errors tlean raises for user-facing failures.

Every failure a user can cause (a bad file, an unsupported model, a wrong flag) is a
:class:`TleanError` with a stable kebab-case ``code`` and a message that says what is wrong,
where, and what to do. The CLI maps these to exit code 2 and prints the message without a
traceback; anything else escaping the library is a bug in tlean.
"""

from __future__ import annotations

from dataclasses import dataclass


class TleanError(Exception):
    """Base class of every user-facing tlean failure."""

    code: str = "tlean-error"

    def __init__(self, message: str, *, cli_message: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: The same error in command-line words (naming ``--flags`` instead of Python
        #: parameters); the CLI shows it when set. Library messages never name CLI flags.
        self.cli_message = cli_message

    def __str__(self) -> str:
        return self.message


class ModelLoadError(TleanError):
    """The model file cannot be read as ONNX (missing, truncated, not a protobuf)."""

    code = "model-load"


class ModelLimitError(TleanError):
    """A tensor declared by the model is larger than the configured element limit."""

    code = "model-limit"


class UnsafePathError(TleanError):
    """External tensor data points outside the model's own directory."""

    code = "unsafe-path"


class DynamicShapeError(TleanError):
    """A model input has a dimension that is not fixed; ``--input-shape`` fixes it."""

    code = "dynamic-shape"


class UnsupportedDTypeError(TleanError):
    """A model input, output or tensor has an element type other than float32."""

    code = "unsupported-dtype"


class GraphStructureError(TleanError):
    """The ONNX graph is not a DAG, reads an undefined value, or is otherwise malformed."""

    code = "graph-structure"


@dataclass(frozen=True)
class UnsupportedNode:
    """One ONNX node that cannot be imported, with the reason."""

    name: str
    op_type: str
    domain: str
    opset: int
    reason: str

    def describe(self) -> str:
        dom = f"{self.domain}::" if self.domain else ""
        return f"node {self.name!r} ({dom}{self.op_type}, opset {self.opset}): {self.reason}"


class UnsupportedOpsError(TleanError):
    """One or more nodes of the model fall outside op set v1; all of them are listed."""

    code = "unsupported-ops"

    def __init__(self, nodes: list[UnsupportedNode]) -> None:
        self.nodes = nodes
        lines = [f"{len(nodes)} node(s) cannot be imported into the tlean IR (op set v1):"]
        lines += [f"  - {n.describe()}" for n in nodes]
        super().__init__("\n".join(lines))


class IRCheckError(TleanError):
    """An IR graph is ill-formed; the message names the node and the reason."""

    code = "ir-check"

    def __init__(self, message: str, node: int | None = None) -> None:
        self.node = node
        where = f"node {node}: " if node is not None else ""
        super().__init__(f"{where}{message}")


class EvaluationError(TleanError):
    """Evaluating an IR graph failed because of its inputs (missing, wrong shape or dtype)."""

    code = "evaluation"


class InputFileError(TleanError):
    """A file named on the command line (e.g. ``--input x=FILE.npy``) is missing or invalid."""

    code = "input-file"


class UsageError(TleanError):
    """A command-line argument is malformed."""

    code = "usage"


class OutputPathError(TleanError):
    """An output location cannot be created or written (under a regular file, read-only, /proc)."""

    code = "output-path"


class MissingDependencyError(TleanError):
    """An optional Python package a requested feature needs is not installed; the message names
    the extra to install."""

    code = "missing-dependency"


class ToolchainMissingError(TleanError):
    """The Lean toolchain (``lake``) is needed but not on PATH; the message names the modes that
    need no toolchain."""

    code = "toolchain-missing"


def require_module(module: str, feature: str, extra: str) -> None:
    """Raises :class:`MissingDependencyError` unless ``module`` can be imported."""
    import importlib

    try:
        importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(
            f"{feature} needs the Python package {module!r}, which is not installed; install it with "
            f"`pip install 'tlean[{extra}]'` (in a clone: `pip install -e '.[{extra}]'`)"
        ) from None


class BoundsUnsupportedError(TleanError):
    """The bound engine has no interval rule for an op of the model (the message names it)."""

    code = "bounds-unsupported"


class BoundsInputError(TleanError):
    """An input box or objective given to the bound engine does not fit the model."""

    code = "bounds-input"
