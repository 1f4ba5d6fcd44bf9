"""The certificate format ``tlean.cert.v1``: data models, array encoding, reading and writing.

A certificate records what :mod:`tlean.verify.checker` needs to re-derive ``unsat`` without
trusting the verifier (see ``docs/certificate.md``, the normative description). This module is
*format only*: pydantic models (the source of ``docs/schemas/tlean.cert.v1.json``), the
float64 array encoding, :func:`read_cert` and :func:`write_cert`. It contains no bound code; the
bound engine (writer) and the checker (reader) share it as data classes only. The checker never
turns the numbers back into Python floats: it decodes the IEEE-754 bit patterns of the arrays
itself, into exact integers (:func:`tlean.verify.checker.decode_f64`).

Arrays are objects ``{"dtype": "float64-le", "shape": [...], "data": BASE64}``: the base64 of the
row-major little-endian binary64 bit patterns. Every value must be finite.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tlean.errors import TleanError

FORMAT = "tlean.cert.v1"

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class CertError(TleanError):
    """A certificate file cannot be read: missing, not JSON, or not a ``tlean.cert.v1`` document."""

    code = "bad-cert"


class F64Array(BaseModel):
    """A float64 array: row-major little-endian binary64 bit patterns, base64-encoded."""

    model_config = ConfigDict(extra="forbid")

    dtype: Literal["float64-le"] = "float64-le"
    shape: list[Annotated[int, Field(ge=0)]]
    data: str

    @classmethod
    def of(cls, values: Any) -> F64Array:
        """Encodes an array-like of float64 values (exactly: the bit patterns are kept)."""
        arr = np.ascontiguousarray(np.asarray(values, dtype="<f8"))
        if not np.all(np.isfinite(arr)):
            raise ValueError("certificate arrays must be finite")
        return cls(shape=list(arr.shape), data=base64.b64encode(arr.tobytes()).decode("ascii"))

    def to_numpy(self) -> np.ndarray:
        """The values as a float64 NumPy array (for writers and reports; the checker decodes bits)."""
        raw = base64.b64decode(self.data, validate=True)
        return np.frombuffer(raw, dtype="<f8").reshape(self.shape).copy()


class FileRef(BaseModel):
    """A file the certificate is about, identified by the SHA-256 of its bytes."""

    model_config = ConfigDict(extra="forbid")

    sha256: Sha256
    name: str = Field("", description="Informational: the file name when the certificate was written.")


class Region(BaseModel):
    """An input box over the flattened (row-major) model input: ``lower[i] <= x_i <= upper[i]``."""

    model_config = ConfigDict(extra="forbid")

    lower: F64Array
    upper: F64Array


class ReluBounds(BaseModel):
    """Claimed bounds of the input (pre-activation) of one ``relu`` node, and its α slopes.

    ``node`` is the IR id of the ``relu`` node; ``lower``/``upper`` bound its *input*, flattened,
    over the leaf's region. ``alpha`` (optional) are the lower-relaxation slopes used in the final
    spec pass: shape ``[n]`` (shared by every spec row) or ``[R, n]`` (one row per spec row of the
    box, polytopes concatenated in order); absent means the standard rule. ``alpha_for``
    (optional) are this relu's lower-relaxation slopes used when bounding the input of a *later*
    relu: key = that relu's IR node id ``j``, value shape ``[2 n_j, n]`` (rows ``0..n_j-1`` for
    the lower bounds of ``z_j``, rows ``n_j..2n_j-1`` for its upper bounds); absent means the
    standard rule for that bound.
    """

    model_config = ConfigDict(extra="forbid")

    node: Annotated[int, Field(ge=0)]
    lower: F64Array
    upper: F64Array
    alpha: F64Array | None = None
    alpha_for: dict[int, F64Array] | None = Field(
        default=None,
        description=(
            "Slopes in [0, 1] of this relu's lower lines used when bounding a later relu's input: key = the "
            "later relu's node id j, value [2*n_j, n] (lower-bound rows, then upper-bound rows)."
        ),
    )


class PolytopeBound(BaseModel):
    """Claimed lower bounds of ``(A y - b)_r`` for every row ``r`` of one violation polytope."""

    model_config = ConfigDict(extra="forbid")

    lower: F64Array


class BoundsLeaf(BaseModel):
    """A bound certificate over one region: intermediate bounds, slopes, margin lower bounds."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["bounds"] = "bounds"
    method: Literal["ibp", "crown", "alpha-crown", "beta-crown"] = Field(
        description="Informational: how the verifier found the numbers; the checker checks all alike."
    )
    region: Region
    relus: list[ReluBounds]
    polytopes: list[PolytopeBound]
    beta: F64Array | None = Field(
        None,
        description=(
            "Split trees: multipliers >= 0 of the path's relu-split constraints, shape [R, S] (R spec rows "
            "of the box, S path constraints root to leaf), used in the final spec pass only; absent = 0."
        ),
    )


class NodeBounds(BaseModel):
    """Intermediate bounds proved on a split node's set, inherited by its whole subtree.

    Checked like a leaf's ``relus`` (over ``region``, which must contain the node's path region,
    under the node's path constraints; ``alpha_for`` allowed, ``alpha`` not: there is no final
    pass here). Below the node every derived bound is intersected with them
    (``docs/certificate.md``, "Inherited bounds").
    """

    model_config = ConfigDict(extra="forbid")

    region: Region
    relus: list[ReluBounds]


class InputSplit(BaseModel):
    """An input split: children [LOW, HIGH] tile the path region at ``x[dim] = value``.

    LOW's path region has ``upper[dim] := value``, HIGH's ``lower[dim] := value`` (closed boxes;
    ``value`` is one binary64 value, shape ``[1]``, within the path region's bounds of ``dim``).
    """

    model_config = ConfigDict(extra="forbid")

    kind: Literal["input-split"] = "input-split"
    dim: Annotated[int, Field(ge=0)]
    value: F64Array
    bounds: NodeBounds | None = Field(None, description="Bounds proved here, inherited by the subtree.")
    children: Annotated[list[Proof], Field(min_length=2, max_length=2)]


class ReluSplit(BaseModel):
    """A relu split on neuron ``index`` of the input of relu node ``node``: children [INACTIVE, ACTIVE].

    INACTIVE adds the path constraint ``z[index] <= 0`` (sign -1), ACTIVE ``z[index] >= 0`` (sign +1).
    """

    model_config = ConfigDict(extra="forbid")

    kind: Literal["relu-split"] = "relu-split"
    node: Annotated[int, Field(ge=0)]
    index: Annotated[int, Field(ge=0)]
    bounds: NodeBounds | None = Field(None, description="Bounds proved here, inherited by the subtree.")
    children: Annotated[list[Proof], Field(min_length=2, max_length=2)]


Proof = Annotated[BoundsLeaf | InputSplit | ReluSplit, Field(discriminator="kind")]
"""A proof node: a bounds leaf or a split whose children are proofs (``docs/certificate.md``)."""

InputSplit.model_rebuild()
ReluSplit.model_rebuild()


class BoxProof(BaseModel):
    """The proof for input box ``box`` of the spec's normal form."""

    model_config = ConfigDict(extra="forbid")

    box: Annotated[int, Field(ge=0)]
    proof: Proof = Field(description="A bounds leaf, or a split tree whose leaves are bounds leaves.")


class Certificate(BaseModel):
    """A ``tlean.cert.v1`` document: the claim ``unsat`` for (model, spec) and its evidence."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["tlean.cert.v1"] = "tlean.cert.v1"
    result: Literal["unsat"] = "unsat"
    model: FileRef
    spec: FileRef
    boxes: list[BoxProof]
    producer: str = Field("", description="Informational: the tool and version that wrote it.")


def cert_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``tlean.cert.v1`` (committed as ``docs/schemas/tlean.cert.v1.json``)."""
    schema = Certificate.model_json_schema()
    schema["$id"] = "https://tlean.dev/schemas/tlean.cert.v1.json"
    schema["title"] = "tlean bound certificate (tlean.cert.v1)"
    return schema


def read_cert(path: str | os.PathLike[str]) -> Certificate:
    """Reads a certificate file; :class:`CertError` names the file and the first problem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CertError(f"{p}: cannot read certificate: {e}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise CertError(f"{p}: not JSON: {e}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        got = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise CertError(f"{p}: not a {FORMAT} document (format: {got!r})")
    try:
        return Certificate.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise CertError(f"{p}: malformed certificate at {loc}: {err['msg']}") from None


def write_cert(cert: Certificate, path: str | os.PathLike[str]) -> None:
    """Writes a certificate atomically (temporary file, then rename)."""
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(cert.model_dump_json(indent=1, exclude_none=True) + "\n", encoding="utf-8")
    os.replace(tmp, p)


class CheckCertReport(BaseModel):
    """The ``--json`` output of ``tlean check-cert`` (``tlean.check-cert.v1``)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["tlean.check-cert.v1"] = "tlean.check-cert.v1"
    accepted: bool = Field(description="True iff the certificate proves unsat for this model and spec.")
    result: Literal["unsat", "rejected"] = Field(description="'unsat' when accepted, else 'rejected'.")
    field: str | None = Field(None, description="The certificate field (or 'model'/'spec') that failed.")
    message: str = Field("", description="Why the field failed; empty when accepted.")
    model: str
    spec: str
    cert: str
    model_sha256: str
    spec_sha256: str
    boxes: int = Field(0, ge=0, description="Spec boxes proved (0 unless accepted).")
    polytopes: int = Field(0, ge=0, description="Violation polytopes refuted (0 unless accepted).")
    relu_layers_checked: int = Field(0, ge=0)
    seconds: float = Field(ge=0)


def check_cert_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``tlean.check-cert.v1`` (``docs/schemas/tlean.check-cert.v1.json``)."""
    schema = CheckCertReport.model_json_schema()
    schema["$id"] = "https://tlean.dev/schemas/tlean.check-cert.v1.json"
    schema["title"] = "tlean check-cert result (tlean.check-cert.v1)"
    return schema
