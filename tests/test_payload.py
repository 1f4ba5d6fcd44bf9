"""The .tlp payload: byte-exact round trip and clear refusals of damaged files."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import numpy as np
import pytest
from tlean.payload import ALIGN, PayloadError, read_payload, read_table, sha256_file, write_payload

FIXTURE = Path(__file__).parent / "fixtures" / "payload" / "small.tlp"


def _tensors() -> list[tuple[str, np.ndarray]]:
    special = np.array([0.0, -0.0, np.inf, -np.inf, 1e-45, -3.4028235e38], np.float32)
    nan_payload = np.array([0x7FC00001, 0xFFA00000], np.uint32).view(np.float32)
    return [
        ('w ⟨μ⟩ "quoted"', np.random.default_rng(0).standard_normal((3, 5, 7)).astype(np.float32)),
        ("special", np.concatenate([special, nan_payload])),
        ("scalar", np.array(2.5, np.float32)),
        ("empty", np.zeros((0, 4), np.float32)),
    ]


def test_round_trip_is_bit_exact(tmp_path: Path) -> None:
    sha = write_payload(tmp_path / "a.tlp", _tensors())
    assert sha == sha256_file(tmp_path / "a.tlp") == hashlib.sha256((tmp_path / "a.tlp").read_bytes()).hexdigest()
    back = read_payload(tmp_path / "a.tlp", expected_sha256=sha)
    assert list(back) == [n for n, _ in _tensors()]
    for name, arr in _tensors():
        assert back[name].shape == arr.shape
        assert back[name].view(np.uint32).tobytes() == arr.view(np.uint32).tobytes()  # NaN payloads, -0 kept
    sha2 = write_payload(tmp_path / "b.tlp", list(back.items()))
    assert (tmp_path / "a.tlp").read_bytes() == (tmp_path / "b.tlp").read_bytes() and sha2 == sha


def test_layout_is_aligned(tmp_path: Path) -> None:
    write_payload(tmp_path / "a.tlp", _tensors())
    entries = read_table(tmp_path / "a.tlp")
    assert all(e.offset % ALIGN == 0 for e in entries)
    assert (tmp_path / "a.tlp").stat().st_size % ALIGN == 0


def test_streaming_writer_checks_declared_shapes(tmp_path: Path) -> None:
    gen = ((n, a) for n, a in _tensors())
    write_payload(tmp_path / "s.tlp", gen, shapes=[(n, a.shape) for n, a in _tensors()])
    assert read_payload(tmp_path / "s.tlp")["scalar"] == 2.5
    with pytest.raises(ValueError, match="does not match"):
        write_payload(tmp_path / "bad.tlp", iter(_tensors()), shapes=[("other", (1,))] * 4)


def test_committed_fixture_matches_its_pin() -> None:
    pin = (FIXTURE.parent / "small.tlp.sha256").read_text().strip()
    tensors = read_payload(FIXTURE, expected_sha256=pin)
    assert tensors["w"].view(np.uint32).tolist() == [
        [0x3F800000, 0xC0000000, 0x3F000000],
        [0x3E800000, 0x40400000, 0x80000000],
    ]
    assert tensors["scalar ⟨ü⟩"].shape == ()


def _corrupt(tmp_path: Path, fn) -> Path:  # type: ignore[no-untyped-def]
    write_payload(tmp_path / "ok.tlp", _tensors())
    data = bytearray((tmp_path / "ok.tlp").read_bytes())
    data = fn(data)
    bad = tmp_path / "bad.tlp"
    bad.write_bytes(bytes(data))
    return bad


@pytest.mark.parametrize(
    "fn,message",
    [
        (lambda d: b"NOTATLP!" + d[8:], "bad magic"),
        (lambda d: d[:8] + struct.pack("<I", 7) + d[12:], "version 7"),
        (lambda d: d[: len(d) // 2], "truncated"),
        (lambda d: d[:20], "truncated"),
        (lambda d: d + b"\0" * 64, "extended"),
        (lambda d: d[:16] + struct.pack("<Q", 8) + d[24:], "64-aligned"),
        (lambda d: d[:12] + struct.pack("<I", 9999) + d[16:], "runs past"),
    ],
)
def test_damaged_payloads_are_refused(tmp_path: Path, fn, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PayloadError, match=message):
        read_payload(_corrupt(tmp_path, fn))


def test_flipped_weight_bit_fails_the_pin(tmp_path: Path) -> None:
    sha = write_payload(tmp_path / "ok.tlp", _tensors())
    entries = read_table(tmp_path / "ok.tlp")
    data = bytearray((tmp_path / "ok.tlp").read_bytes())
    data[entries[0].offset + 5] ^= 0x10
    (tmp_path / "ok.tlp").write_bytes(bytes(data))
    read_payload(tmp_path / "ok.tlp")  # structurally fine ...
    with pytest.raises(PayloadError, match="differs from the pinned"):
        read_payload(tmp_path / "ok.tlp", expected_sha256=sha)  # ... but not the pinned file


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PayloadError, match="not found"):
        read_payload(tmp_path / "nope.tlp")
