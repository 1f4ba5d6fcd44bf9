"""``tlean-vnnlib``: the solver command line of the VNN-LIB 2.0 standard (chapter 5).

::

    tlean-vnnlib --name | --version
    tlean-vnnlib verify QUERY --network NAME=MODEL.onnx [--timeout S]
    tlean-vnnlib supports --CAPABILITY

``verify`` prints one result line on stdout, ``sat``, ``unsat``, ``unknown`` or ``timed-out``;
after ``sat`` the satisfying assignment in the standard's command-line format (per declared
variable, in declaration order: a header ``NAME TYPE [d1,d2]`` then one value per line, row-major).
Everything else (progress, warnings, errors) goes to stderr.

Error conditions of ``verify`` (standard §5.3.2), each a message on stderr and exit code 2:

1. the ``--network`` mapping does not name exactly the declared networks;
2. the model's element types differ from the declared types (unless the query is ``real``);
3. tlean cannot analyse the declared types soundly: its ``unsat`` answers hold for the
   real-number semantics of the network with its float32 weights, not for float32 arithmetic,
   so it supports only the ``real`` element type (a query consents by declaring ``real``).

Also errors: unreadable or malformed files, more than one network, hidden nodes, several
inputs/outputs. Exit codes: 0 whenever a result line was printed, 2 for every error, 70 for an
internal error. VNN-LIB 1.0 queries (``declare-const X_i Real``, already real-valued) are accepted
too, with any single ``--network`` name; their variables are reported as ``X`` and ``Y``.

``supports --onnx-operators`` is computed from the ONNX importer's registry
(:data:`tlean.onnx_import.REGISTRY`), never from a list kept by hand.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

EXIT_OK = 0
EXIT_ERROR = 2
EXIT_INTERNAL = 70

SOLVER_NAME = "tlean"

CAPABILITIES = (
    "--onnx-opset-versions",
    "--onnx-element-types",
    "--onnx-operators",
    "--vnnlib-versions",
    "--hidden-node-theories",
    "--multiple-input-output-theories",
    "--multiple-network-theories",
    "--multiple-node-comparison-theories",
    "--arithmetic-complexity-theories",
    "--optimised-disjunctive-reasoning",
    "--serialise-assignments",
)
#: Spelling used by one example of the standard (§5.4.2); accepted as the same capability.
CAPABILITY_ALIASES = {"--multiple-inputs-output-theories": "--multiple-input-output-theories"}

ONNX_ELEMENT_TYPES = {
    1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64", 9: "bool",
    10: "float16", 11: "float64", 12: "uint32", 13: "uint64", 16: "bfloat16",
}


class VnnlibCliError(Exception):
    """An error condition of the command line: the message goes to stderr, exit code 2."""


def _onnx_operators() -> list[str]:
    from tlean.onnx_import import (
        REGISTRY,
        families,  # noqa: F401  (fills the registry)
    )

    return sorted({c.op_type for c in REGISTRY.entries() if c.domain in ("", "ai.onnx")})


def capability_answer(capability: str) -> str:
    """The exact stdout text answering ``supports CAPABILITY`` (each line newline-terminated)."""
    cap = CAPABILITY_ALIASES.get(capability, capability)
    if cap == "--onnx-opset-versions":
        import onnx

        from tlean.onnx_import.registry import MIN_OPSET

        return f"{MIN_OPSET}\n{onnx.defs.onnx_opset_version()}\n"
    if cap == "--onnx-element-types":
        return "real\n"
    if cap == "--onnx-operators":
        return "".join(f"{op}\n" for op in _onnx_operators())
    if cap == "--vnnlib-versions":
        return "1.0\n2.0\n"
    if cap == "--hidden-node-theories":
        return "NH\n"
    if cap == "--multiple-input-output-theories":
        return "SIO\n"
    if cap == "--multiple-network-theories":
        return "SNET\n"
    if cap == "--multiple-node-comparison-theories":
        return "SNC\n"
    if cap == "--arithmetic-complexity-theories":
        return "BND\nOUTC\n"
    if cap == "--optimised-disjunctive-reasoning":
        return "false\n"
    if cap == "--serialise-assignments":
        return "false\n"
    raise VnnlibCliError(f"unknown capability {capability!r}; the standard defines {', '.join(CAPABILITIES)}")


# ------------------------------------------------------------------------------ queries


@dataclass
class Declaration:
    """A declared variable: name, element type (the standard's spelling), shape."""

    name: str
    element_type: str
    shape: list[int]
    kind: str  # "input" | "output"

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def header(self) -> str:
        return f"{self.name} {self.element_type} [{','.join(str(d) for d in self.shape)}]"


@dataclass
class QueryInfo:
    """What the command line needs to know of a query: its networks and declarations."""

    version: str
    networks: list[tuple[str, str | None]]  # (name, equal_to)
    declarations: list[Declaration]
    hidden: int


def read_query(path: Path) -> QueryInfo:
    """Reads the declarations of a VNN-LIB 1.0 or 2.0 query (the assertions are read by the verifier)."""
    from tlean.verify.vnnlib import _is_v2, read_vnnlib

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise VnnlibCliError(f"{path}: cannot read the query: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise VnnlibCliError(f"{path}: the query is not UTF-8 text") from None
    if not _is_v2(text):
        sp = read_vnnlib(path)  # raises SpecError with file/line on a malformed query
        return QueryInfo(
            "1.0",
            [("", None)],
            [Declaration("X", "real", [sp.n_inputs], "input"), Declaration("Y", "real", [sp.n_outputs], "output")],
            0,
        )
    import vnnlib

    try:
        q = vnnlib.parse_query_file(str(path))
    except vnnlib.VNNLibException as e:
        raise VnnlibCliError(f"{path}: VNN-LIB 2.0 parser: {e}") from None
    nets = [(str(n.name), (str(n.equal_to) or None) if getattr(n, "equal_to", None) else None) for n in q.networks]
    decls: list[Declaration] = []
    hidden = 0
    for n in q.networks:
        hidden += len(n.hidden)
        for kind, group in (("input", n.inputs), ("output", n.outputs)):
            for d in group:
                decls.append(Declaration(str(d.name), _dtype_spelling(d.dtype), [int(x) for x in d.shape], kind))
    return QueryInfo("2.0", nets, decls, hidden)


def _dtype_spelling(dt: Any) -> str:
    name = str(getattr(dt, "name", dt)).split(".")[-1]
    table = {
        "Real": "real", "F16": "float16", "F32": "float32", "F64": "float64", "BF16": "bfloat16",
        "I8": "int8", "I16": "int16", "I32": "int32", "I64": "int64", "U8": "uint8", "U16": "uint16",
        "U32": "uint32", "U64": "uint64", "Bool": "bool",
    }
    return table.get(name, name.lower())


def _model_element_types(path: Path) -> tuple[str, str]:
    """The element types of the ONNX model's (first) input and output, in the standard's spelling."""
    import onnx

    try:
        m = onnx.load(str(path), load_external_data=False)
    except Exception as e:  # noqa: BLE001 - any failure to read the protobuf is a bad model file
        raise VnnlibCliError(f"{path}: cannot read the ONNX model: {e}") from None
    inits = {i.name for i in m.graph.initializer}
    ins = [i for i in m.graph.input if i.name not in inits]
    if len(ins) != 1 or len(m.graph.output) != 1:
        raise VnnlibCliError(
            f"{path}: the model has {len(ins)} input(s) and {len(m.graph.output)} output(s); "
            "tlean supports exactly one of each (theory SIO)"
        )

    def et(v: Any) -> str:
        code = v.type.tensor_type.elem_type
        return ONNX_ELEMENT_TYPES.get(code, f"element type {code}")

    return et(ins[0]), et(m.graph.output[0])


def check_query(query: Path, networks: dict[str, Path]) -> tuple[QueryInfo, Path]:
    """Applies the error conditions of §5.3.2 (in the standard's order); returns the model to verify."""
    info = read_query(query)
    if info.version == "1.0":
        if len(networks) != 1:
            raise VnnlibCliError(
                f"{query} is a VNN-LIB 1.0 query (one network): give exactly one --network NAME=MODEL.onnx, "
                f"not {len(networks)}"
            )
        model = next(iter(networks.values()))
    else:
        declared = {n: eq for n, eq in info.networks}
        for name in networks:
            if name not in declared:
                raise VnnlibCliError(
                    f"--network maps {name!r}, which {query} does not declare (declared: "
                    f"{', '.join(repr(n) for n in declared)})"
                )
            if declared[name] is not None:
                raise VnnlibCliError(
                    f"--network maps {name!r}, which {query} declares equal to {declared[name]!r}; "
                    "it takes no model file of its own"
                )
        for name, eq in info.networks:
            if eq is None and name not in networks:
                raise VnnlibCliError(
                    f"no model file for network {name!r} declared in {query}: give --network {name}=MODEL.onnx"
                )
        if len(info.networks) != 1:
            raise VnnlibCliError(f"{query} declares {len(info.networks)} networks; tlean supports one (theory SNET)")
        if info.hidden:
            raise VnnlibCliError(f"{query} declares hidden nodes; tlean supports none (theory NH)")
        model = networks[info.networks[0][0]]
    if not model.is_file():
        raise VnnlibCliError(f"--network: model file {model} does not exist")
    real_valued = all(d.element_type == "real" for d in info.declarations)
    if not real_valued:
        t_in, t_out = _model_element_types(model)
        for d in info.declarations:
            have = t_in if d.kind == "input" else t_out
            if d.element_type != have:
                raise VnnlibCliError(
                    f"{query} declares {d.name} as {d.element_type} but the model's {d.kind} is {have}; "
                    "declared types must match the model unless the query is written in real"
                )
        bad = next(d for d in info.declarations if d.element_type != "real")
        raise VnnlibCliError(
            f"{query} declares {bad.name} as {bad.element_type}: tlean's unsat answers are sound for the "
            "real-number semantics of the network (its float32 weights), not for float32 arithmetic, so it "
            "supports only the real element type; declare the variables real to accept that semantics"
        )
    return info, model


def format_assignment(info: QueryInfo, x: Sequence[float], y: Sequence[float]) -> str:
    """The §5.3.1 command-line assignment: per declaration a header line, then its values."""
    from tlean.verify.vnncomp import fmt_value

    lines = []
    for d in info.declarations:
        vals = x if d.kind == "input" else y
        if len(vals) != d.size:
            raise AssertionError(f"{d.name}: {len(vals)} values for shape {d.shape}")
        lines.append(d.header())
        lines += [fmt_value(v) for v in vals]
    return "".join(f"{ln}\n" for ln in lines)


def verify(query: Path, networks: dict[str, Path], timeout: float | None) -> str:
    """Runs ``verify`` and returns its stdout text (the result line, then the assignment of a sat)."""
    from tlean.verify.instance import verify_instance

    t0 = time.perf_counter()
    info, model = check_query(query, networks)
    budget = None if timeout is None else max(0.0, timeout - (time.perf_counter() - t0))
    if timeout is not None and timeout > 0:
        budget = max(0.0, (budget or 0.0) - 0.5)  # keep time to print the answer
    rep = verify_instance(model, query, timeout=budget)
    for note in rep.notes:
        print(f"tlean-vnnlib: {note}", file=sys.stderr)
    if rep.result == "sat" and rep.counterexample is not None:
        return "sat\n" + format_assignment(info, rep.counterexample.x, rep.counterexample.y)
    return {"unsat": "unsat\n", "timeout": "timed-out\n"}.get(rep.result, "unknown\n")


# ------------------------------------------------------------------------------ command line


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="tlean-vnnlib", description="tlean as a VNN-LIB 2.0 solver (standard, chapter 5).",
                allow_abbrev=False)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--name", action="store_true", help="print the solver's full name")
    g.add_argument("--version", action="store_true", help="print the solver's version")
    sub = p.add_subparsers(dest="command", metavar="<command>")
    v = sub.add_parser("verify", help="decide a query: sat, unsat, unknown or timed-out", allow_abbrev=False)
    v.add_argument("query", metavar="<filepath>", help="the VNN-LIB query file")
    v.add_argument("--network", action="append", default=[], metavar="<name>=<filepath>",
                   help="map a declared network to its ONNX model file")
    v.add_argument("--timeout", type=float, metavar="<seconds>", help="time budget in seconds")
    for name in ("supports", "capabilities"):
        s = sub.add_parser(name, help="report one capability" if name == "supports" else argparse.SUPPRESS,
                           allow_abbrev=False)
        grp = s.add_mutually_exclusive_group(required=True)
        for cap in CAPABILITIES + tuple(CAPABILITY_ALIASES):
            grp.add_argument(cap, dest="capability", action="store_const", const=cap,
                             help=argparse.SUPPRESS if cap in CAPABILITY_ALIASES else None)
    return p


def _networks(tokens: list[str]) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for t in tokens:
        name, sep, path = t.partition("=")
        if not sep or not name or not path:
            raise VnnlibCliError(f"--network {t!r}: expected NAME=MODEL.onnx")
        if name in out:
            raise VnnlibCliError(f"--network maps {name!r} more than once")
        out[name] = Path(path)
    return out


def run(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit code (stdout/stderr written)."""
    from tlean.errors import TleanError

    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # usage errors (message already on stderr) and --help
        return e.code if isinstance(e.code, int) else EXIT_ERROR
    try:
        if args.name or args.version:
            if args.command is not None:
                raise VnnlibCliError("--name and --version are global options, not combined with a command")
            if args.name:
                _out(f"{SOLVER_NAME}\n")
            else:
                from tlean import __version__

                _out(f"{__version__}\n")
            return EXIT_OK
        if args.command is None:
            raise VnnlibCliError("no command given: use verify, supports, --name or --version")
        if args.command in ("supports", "capabilities"):
            _out(capability_answer(args.capability))
            return EXIT_OK
        if args.timeout is not None and not (args.timeout >= 0 and math.isfinite(args.timeout)):
            raise VnnlibCliError(f"--timeout must be a number of seconds >= 0, not {args.timeout}")
        text = verify(Path(args.query), _networks(args.network), args.timeout)
        _out(text)
        return EXIT_OK
    except (VnnlibCliError, TleanError) as e:
        print(f"tlean-vnnlib: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as e:  # noqa: BLE001 - a bug: no traceback unless asked for
        if os.environ.get("TLEAN_DEBUG"):
            raise
        print(f"tlean-vnnlib: internal error: {type(e).__name__}: {e} (TLEAN_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        return EXIT_INTERNAL


def _out(text: str) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.buffer.flush()


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Console-script entry point of ``tlean-vnnlib``."""
    sys.exit(run(argv))
