"""The conventions every ``tlean`` command follows (options, JSON errors, exit codes).

Every command module (``cli.py``, ``cli_proofs.py``, ``cli_verify.py``, ...) builds on this one
so that the whole command line behaves the same way (see ``/README.md``, "Commands"):

Exit codes (:data:`EXIT_OK` ... :data:`EXIT_INTERNAL`)
    0 success, or a positive verdict (gate passed, property proved, check passed);
    1 a negative verdict (gate failed, model not importable, property violated, check failed);
    2 a user error (a :class:`~tlean.errors.TleanError`: bad file, bad option, missing tool);
    3 no verdict (``verify`` answered ``unknown`` or ran out of time);
    70 an internal error (a bug in tlean; ``TLEAN_DEBUG=1`` shows the traceback).
    ``--exit-zero`` turns 1 into 0 (never 2, 3 or 70). Exit codes never depend on ``--json``.

``--json``
    The result is one JSON object on stdout (a ``"format": "tlean.<thing>.v1"`` document); on a
    user error it is ``{"error": {"code": ..., "message": ...}}`` on stdout instead, with the
    same exit code as without ``--json``. Progress and logs go to stderr, never stdout.

``-o/--output FILE``
    Write the machine-readable result to FILE instead of stdout (a file, never a folder).
    ``--out-dir DIR`` is the folder of commands that write several files (export, report, run).

``--format``
    Chooses among several renderings (``text``, ``json``, ``sarif``, ...); ``--json`` is the same
    as ``--format json``.

Usage in a command module::

    from tlean.cli_common import JsonOpt, ExitZeroOpt, handles_errors, print_json, verdict

    @app.command("verify")
    @handles_errors
    def verify_cmd(..., as_json: JsonOpt = False, exit_zero: ExitZeroOpt = False) -> None:
        result = library_call(...)          # raises TleanError subclasses on user errors
        if as_json:
            print_json(result.to_json())
        else:
            ...                               # rich tables on stdout
        verdict(result.passed, exit_zero=exit_zero)   # exit 1 on a negative verdict

``handles_errors`` finds the JSON mode from the ``as_json`` parameter (or ``fmt == "json"``),
so name the parameter ``as_json``.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from tlean.errors import TleanError

EXIT_OK = 0
EXIT_NEGATIVE = 1
EXIT_USAGE = 2
EXIT_UNKNOWN = 3
EXIT_INTERNAL = 70

#: The ``--json`` option (name the parameter ``as_json``).
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result, or the error, as one JSON object on stdout.")]
#: ``--exit-zero``: a negative verdict exits 0 (user errors still exit 2).
ExitZeroOpt = Annotated[
    bool, typer.Option("--exit-zero", help="Exit 0 even on a negative verdict (errors still exit 2).")
]
#: ``-o/--output FILE``: the machine-readable result goes to FILE instead of stdout.
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the machine-readable result to this file instead of stdout."),
]

F = TypeVar("F", bound=Callable[..., Any])


def error_json(code: str, message: str) -> dict[str, Any]:
    """The JSON form of an error: ``{"error": {"code": ..., "message": ...}}``."""
    return {"error": {"code": code, "message": message}}


def print_json(data: Any) -> None:
    """One JSON document on stdout (sorted keys, indented, newline-terminated)."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
    sys.stdout.flush()


def _print_error(code: str, message: str, as_json: bool) -> None:
    if as_json:
        print_json(error_json(code, message))
    else:
        sys.stderr.write(f"error ({code}): {message}\n")
        sys.stderr.flush()


def _json_mode(kwargs: dict[str, Any]) -> bool:
    return bool(kwargs.get("as_json")) or kwargs.get("fmt") == "json"


def handles_errors(fn: F) -> F:
    """Maps a :class:`TleanError` to exit 2 with its message (JSON with ``--json``), and any
    other exception to exit 70 with a one-line message, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TleanError as e:
            _print_error(e.code, e.cli_message or e.message, _json_mode(kwargs))
            raise typer.Exit(EXIT_USAGE) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as e:  # noqa: BLE001 - the last line of defence against tracebacks
            if os.environ.get("TLEAN_DEBUG") == "1":
                raise
            _print_error("internal", internal_message(e), _json_mode(kwargs))
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper  # type: ignore[return-value]


def internal_message(e: BaseException) -> str:
    first = str(e).splitlines()[0][:300] if str(e) else ""
    return (
        f"internal error in tlean ({type(e).__name__}: {first}); this is a bug: please report it "
        "with the command line (TLEAN_DEBUG=1 shows the traceback)"
    )


def verdict(ok: bool, *, exit_zero: bool = False) -> None:
    """Ends the command with exit 1 on a negative verdict (0 with ``--exit-zero``)."""
    if not ok and not exit_zero:
        raise typer.Exit(EXIT_NEGATIVE)


def no_verdict() -> NoReturn:
    """Ends the command with exit 3: no verdict (``unknown`` or timed out)."""
    raise typer.Exit(EXIT_UNKNOWN)


def emit(text: str, output: Path | None) -> None:
    """Machine-readable output: to ``output`` (``-o FILE``) when given, else stdout."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from tlean.runio import write_text_file

    write_text_file(output, text, option="--output")


def run_main(app: typer.Typer, argv: list[str] | None = None) -> NoReturn:
    """Runs ``app`` like a console script, with the conventions above applied to parse errors
    (exit 2; JSON on stdout when ``--json`` is among the arguments) and to internal errors."""
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args[: args.index("--")] if "--" in args else "--json" in args
    try:
        from typer._click.exceptions import ClickException  # typer >= 0.29 vendors click
    except ImportError:  # pragma: no cover - older typer on click
        from click.exceptions import ClickException  # type: ignore[no-redef,unused-ignore]
    try:
        rv = typer.main.get_command(app).main(args=args, prog_name="tlean", standalone_mode=False)
    except ClickException as e:
        if as_json:
            print_json(error_json("usage", e.format_message()))
        else:
            e.show()
        raise SystemExit(e.exit_code) from None
    except typer.Abort:
        raise SystemExit(130) from None
    except Exception as e:  # noqa: BLE001
        if os.environ.get("TLEAN_DEBUG") == "1":
            raise
        _print_error("internal", internal_message(e), as_json)
        raise SystemExit(EXIT_INTERNAL) from None
    raise SystemExit(rv if isinstance(rv, int) else 0)
