"""The converter registry: ONNX (domain, op type, since-version) -> converter function.

Converters are registered by decorators in one module per op family (listed explicitly in
:mod:`tlean.onnx_import`); registering the same key twice is an error. A node is resolved by
asking ONNX for the schema of its op at the model's opset (``onnx.defs.get_schema``) and looking
up the converter registered for that schema's since-version, so a converter registered for
``Relu`` since 14 serves every opset from 14 until the next change of ``Relu``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import onnx.defs

if TYPE_CHECKING:
    from tlean.onnx_import.context import NodeCtx, Value

ConverterFn = Callable[["NodeCtx"], "list[Value]"]

#: The oldest default-domain opset tlean imports.
MIN_OPSET = 6


@dataclass(frozen=True)
class Converter:
    """One registered converter."""

    domain: str
    op_type: str
    since_version: int
    family: str
    fn: ConverterFn


class Resolution:
    """Why a node could not be resolved to a converter (``reason``), or the converter."""

    def __init__(self, converter: Converter | None, reason: str = "") -> None:
        self.converter = converter
        self.reason = reason


class Registry:
    """Converters keyed by (domain, op type, since-version)."""

    def __init__(self) -> None:
        self._table: dict[tuple[str, str, int], Converter] = {}

    def register(
        self, op_type: str, since: Iterable[int], family: str, domain: str = ""
    ) -> Callable[[ConverterFn], ConverterFn]:
        """Decorator: registers ``fn`` for each since-version in ``since``."""

        def deco(fn: ConverterFn) -> ConverterFn:
            for v in since:
                key = (domain, op_type, v)
                if key in self._table:
                    raise ValueError(f"duplicate converter for {domain or 'ai.onnx'}::{op_type}-{v}")
                self._table[key] = Converter(domain, op_type, v, family, fn)
            return fn

        return deco

    def resolve(self, op_type: str, domain: str, opset: int) -> Resolution:
        """The converter for ``op_type`` at ``opset`` of ``domain``, or the reason there is none."""
        dom = "" if domain in ("", "ai.onnx") else domain
        if dom != "":
            return Resolution(None, f"domain {domain!r} is not supported (only the default ONNX domain)")
        try:
            schema = onnx.defs.get_schema(op_type, opset, dom)
        except (TypeError, ValueError, OverflowError):
            return Resolution(None, f"op type {op_type!r} at opset {opset} cannot be looked up")
        except onnx.defs.SchemaError:
            if any(k[1] == op_type for k in self._table):
                return Resolution(None, f"{op_type} is not defined at opset {opset}")
            return Resolution(None, "op is outside op set v1 (no converter)")
        conv = self._table.get((dom, op_type, schema.since_version))
        if conv is None:
            if any(k[1] == op_type for k in self._table):
                have = sorted(k[2] for k in self._table if k[1] == op_type)
                return Resolution(
                    None,
                    f"{op_type}-{schema.since_version} (the version in force at opset {opset}) "
                    f"has no converter; supported versions: {have}",
                )
            return Resolution(None, "op is outside op set v1 (no converter)")
        return Resolution(conv)

    def entries(self) -> list[Converter]:
        """All registered converters, sorted by op type then version."""
        return sorted(self._table.values(), key=lambda c: (c.family, c.op_type, c.since_version))

    def op_types(self) -> set[str]:
        return {k[1] for k in self._table}

    def __contains__(self, item: Any) -> bool:
        return item in self._table


REGISTRY = Registry()
register = REGISTRY.register
