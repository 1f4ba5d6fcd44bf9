"""The ``tlean`` command line: parses arguments, calls the library, renders with rich.

The library never prints and never exits; this module maps :class:`~tlean.errors.TleanError`
to exit code 2 with the message and no traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console

from tlean.errors import TleanError

app = typer.Typer(
    name="tlean",
    help="Verified neural networks in Lean 4: import, evaluate, export and audit models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
schema_app = typer.Typer(help="Print the JSON Schemas of tlean's file formats.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])


def handles_errors(fn: F) -> F:
    """Turns a TleanError raised by ``fn`` into a clean message on stderr and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TleanError as e:
            err.print(f"[bold red]error[/] [dim]({e.code})[/]: ", end="")
            err.print(str(e), markup=False, highlight=False)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


@schema_app.command("ir")
@handles_errors
def schema_ir() -> None:
    """Print the JSON Schema of tlean.ir.v1 graphs."""
    from tlean.ir import schema_text

    sys.stdout.write(schema_text())


def _register_extensions() -> None:
    from tlean import cli_proofs

    cli_proofs.register(app, handles_errors)


_register_extensions()


def main() -> None:
    """Console-script entry point."""
    app()
