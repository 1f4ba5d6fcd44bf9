"""Reading an ONNX file safely: parse errors, size limits and external data.

Nothing is allocated for a tensor before its declared size has been checked against the
element limit, and external data is read only from files inside the model's own directory:
no absolute paths, no ``..`` components, no symlinks resolving outside it.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import onnx
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message
from onnx import numpy_helper

from tlean.errors import ModelLimitError, ModelLoadError, UnsafePathError

#: Default limit on the number of elements of any one declared tensor (2^31, i.e. 8 GiB of f32).
DEFAULT_MAX_ELEMENTS = 2**31


def load_model_proto(path: str | os.PathLike[str]) -> onnx.ModelProto:
    """Parses ``path`` as an ONNX model without touching external data."""
    p = Path(path)
    if not p.exists():
        raise ModelLoadError(f"{p}: no such file")
    if not p.is_file():
        raise ModelLoadError(f"{p}: not a regular file")
    data = p.read_bytes()
    if not data:
        raise ModelLoadError(f"{p}: the file is empty")
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError) as e:
        raise ModelLoadError(
            f"{p}: not a valid ONNX model (the protobuf does not parse: {e}); "
            "is the file truncated, or not an ONNX file?"
        ) from None
    if model.ir_version <= 0 or not model.HasField("graph"):
        raise ModelLoadError(
            f"{p}: not an ONNX model (no IR version or no graph); is the file truncated, or not an ONNX file?"
        )
    bad = first_non_utf8_string(model)
    if bad is not None:
        raise ModelLoadError(
            f"{p}: the string field {bad} is not valid UTF-8 (names and op types must be text); "
            "the file is damaged"
        )
    return model


def first_non_utf8_string(msg: Message, where: str = "model") -> str | None:
    """The path of the first string field of ``msg`` (recursively) that is not valid UTF-8.

    ONNX's protobuf schema is proto2, so the parser accepts any bytes in a ``string`` field and
    hands them back as ``bytes``; every name, op type and domain must be text before it reaches
    the schema registry, pydantic or a message.
    """
    for fd, value in msg.ListFields():
        path = f"{where}.{fd.name}"
        if fd.type == FieldDescriptor.TYPE_STRING:
            items = value if is_repeated(fd) else [value]
            if any(not isinstance(v, str) for v in items):
                return path
        elif fd.type == FieldDescriptor.TYPE_MESSAGE:
            items = value if is_repeated(fd) else [value]
            for k, item in enumerate(items):
                found = first_non_utf8_string(item, f"{path}[{k}]" if is_repeated(fd) else path)
                if found is not None:
                    return found
    return None


def is_repeated(fd: FieldDescriptor) -> bool:
    rep = getattr(fd, "is_repeated", None)  # newer protobuf; ``label`` on older ones
    if rep is None:
        return bool(fd.label == FieldDescriptor.LABEL_REPEATED)
    return bool(rep)


def tensor_numel(t: onnx.TensorProto) -> int:
    return math.prod(int(d) for d in t.dims)


def check_tensor_size(t: onnx.TensorProto, what: str, max_elements: int) -> None:
    """Raises :class:`ModelLimitError` when ``t`` declares more elements than allowed."""
    if any(d < 0 for d in t.dims):
        raise ModelLimitError(f"{what} {t.name!r} declares a negative dimension {list(t.dims)}")
    n = tensor_numel(t)
    if n > max_elements:
        raise ModelLimitError(
            f"{what} {t.name!r} declares {n:,} elements (shape {list(t.dims)}), over the limit of "
            f"{max_elements:,}; raise it with --max-elements if the model is genuine"
        )


def check_declared_sizes(model: onnx.ModelProto, max_elements: int) -> None:
    """Checks every tensor the model declares (initializers, Constant attributes, value infos)."""
    g = model.graph
    for t in g.initializer:
        check_tensor_size(t, "initializer", max_elements)
    for node in g.node:
        for a in node.attribute:
            if a.type == onnx.AttributeProto.TENSOR:
                check_tensor_size(a.t, f"attribute {a.name!r} of node {node.name or node.output[0]!r}:", max_elements)
    for vi in [*g.input, *g.output, *g.value_info]:
        tt = vi.type.tensor_type
        dims = [d.dim_value for d in tt.shape.dim if d.HasField("dim_value")]
        if dims and math.prod(dims) > max_elements:
            raise ModelLimitError(
                f"value {vi.name!r} declares {math.prod(dims):,} elements (shape {dims}), over the "
                f"limit of {max_elements:,}; raise it with --max-elements if the model is genuine"
            )


def _external_path(model_dir: Path, location: str, tensor: str) -> Path:
    if not location:
        raise UnsafePathError(f"tensor {tensor!r}: external data has no location")
    loc = Path(location)
    if loc.is_absolute() or location.startswith(("/", "\\")) or (len(location) > 1 and location[1] == ":"):
        raise UnsafePathError(
            f"tensor {tensor!r}: external data path {location!r} is absolute; "
            "it must be relative to the model's directory"
        )
    if any(part == ".." for part in Path(location.replace("\\", "/")).parts):
        raise UnsafePathError(
            f"tensor {tensor!r}: external data path {location!r} contains '..'; "
            "it must stay inside the model's directory"
        )
    root = model_dir.resolve()
    target = (model_dir / loc).resolve()
    if root != target and root not in target.parents:
        raise UnsafePathError(
            f"tensor {tensor!r}: external data path {location!r} resolves to {target}, "
            f"outside the model's directory {root} (through a symlink?)"
        )
    if not target.is_file():
        raise ModelLoadError(f"tensor {tensor!r}: external data file {location!r} not found in {root}")
    return target


def tensor_to_array(t: onnx.TensorProto, model_dir: Path | None) -> np.ndarray:
    """The value of ``t``, reading external data safely from ``model_dir``."""
    if t.data_location != onnx.TensorProto.EXTERNAL:
        try:
            return numpy_helper.to_array(t)
        except (ValueError, TypeError, KeyError) as e:
            raise ModelLoadError(f"tensor {t.name!r}: cannot decode its data ({type(e).__name__}: {e})") from None
    if model_dir is None:
        raise UnsafePathError(f"tensor {t.name!r} has external data but the model was not loaded from a file")
    info = {e.key: e.value for e in t.external_data}
    path = _external_path(model_dir, info.get("location", ""), t.name)
    offset = int(info.get("offset", "0") or 0)
    try:
        dtype = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(t.data_type))
    except (KeyError, TypeError, ValueError):
        raise ModelLoadError(f"tensor {t.name!r}: unknown element type code {t.data_type}") from None
    want = tensor_numel(t) * dtype.itemsize
    length = int(info.get("length", str(want)) or want)
    if length != want:
        raise ModelLoadError(f"tensor {t.name!r}: external data length {length} != {want} bytes expected")
    size = path.stat().st_size
    if offset < 0 or offset + length > size:
        raise ModelLoadError(
            f"tensor {t.name!r}: external data [{offset}, {offset + length}) lies outside {path.name} ({size} bytes)"
        )
    with path.open("rb") as f:
        f.seek(offset)
        raw = f.read(length)
    arr = np.frombuffer(raw, dtype=dtype.newbyteorder("<")).astype(dtype, copy=False)
    return arr.reshape(tuple(int(d) for d in t.dims))
