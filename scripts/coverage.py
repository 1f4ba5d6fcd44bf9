"""Coverage of common PyTorch architectures: a zoo of hand-built models with random weights,
each exported to ONNX, imported into the tlean IR and checked against onnxruntime.

torchvision has no wheel for the pinned torch, so the architectures are hand-built blocks
(GPT-2, ViT, ConvNeXt, Swin-style window attention, MobileNetV3, U-Net decoders, DCGAN,
LSTM/GRU/RNN, embeddings + transformer, norms and activations, ...). For every model:
``torch.onnx.export`` (tlean's exporter settings) → ``tlean.onnx_import.import_model`` →
``tlean.check.check_against_onnxruntime`` (models with integer token inputs are compared on
integer feeds here, since the IR carries them as float32). Prints one line per model and the
summary ``N imported, M refused``; ``--json FILE`` writes ``tlean.coverage.v1``.

    python scripts/coverage.py [--only NAME,...] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

COVERAGE_FORMAT = "tlean.coverage.v1"  # schema: docs/schemas/tlean.coverage.v1.json


# ------------------------------------------------------------------------------ blocks


class MLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class SmallCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.f(x)


class GPT2Block(nn.Module):
    """Pre-LN causal self-attention + MLP with GPT-2's tanh GELU (0.044715·x³ via pow 3)."""

    def __init__(self, d: int = 16, heads: int = 2, t: int = 6) -> None:
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.fc, self.out = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        self.h, self.d = heads, d
        self.register_buffer("mask", torch.tril(torch.ones(t, t)).view(1, 1, t, t))

    @staticmethod
    def gelu(x: torch.Tensor) -> torch.Tensor:
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (z.view(b, t, self.h, d // self.h).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d // self.h))
        att = att.masked_fill(self.mask[:, :, :t, :t] == 0, float("-inf"))
        y = (F.softmax(att, dim=-1) @ v).transpose(1, 2).contiguous().view(b, t, d)
        x = x + self.proj(y)
        return x + self.out(self.gelu(self.fc(self.ln2(x))))


class ViTBlock(nn.Module):
    def __init__(self, d: int = 16, heads: int = 4) -> None:
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.ln1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class TinyViT(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.patch = nn.Conv2d(3, 16, 4, stride=4)
        self.cls = nn.Parameter(torch.randn(1, 1, 16))
        self.pos = nn.Parameter(torch.randn(1, 5, 16))
        self.block = ViTBlock()
        self.head = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = self.patch(x).flatten(2).transpose(1, 2)
        z = torch.cat([self.cls.expand(x.shape[0], -1, -1), p], dim=1) + self.pos
        return self.head(self.block(z)[:, 0])


class ConvNeXtBlock(nn.Module):
    def __init__(self, c: int = 8) -> None:
        super().__init__()
        self.dw = nn.Conv2d(c, c, 7, padding=3, groups=c)
        self.ln = nn.LayerNorm(c)
        self.pw1, self.pw2 = nn.Linear(c, 4 * c), nn.Linear(4 * c, c)
        self.gamma = nn.Parameter(torch.full((c,), 0.5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.dw(x).permute(0, 2, 3, 1)
        y = self.pw2(F.gelu(self.pw1(self.ln(y)))) * self.gamma
        return x + y.permute(0, 3, 1, 2)


class WindowAttention(nn.Module):
    """Swin-style: window partition, attention with a gathered relative-position bias."""

    def __init__(self, c: int = 8, ws: int = 2, heads: int = 2) -> None:
        super().__init__()
        self.ws, self.h, self.c = ws, heads, c
        self.qkv, self.proj = nn.Linear(c, 3 * c), nn.Linear(c, c)
        self.table = nn.Parameter(torch.randn((2 * ws - 1) ** 2, heads))
        coords = torch.stack(torch.meshgrid(torch.arange(ws), torch.arange(ws), indexing="ij")).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (ws - 1)
        self.register_buffer("index", (rel[..., 0] * (2 * ws - 1) + rel[..., 1]).flatten())

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: [B, H, W, C]
        b, hh, ww, c = x.shape
        ws = self.ws
        w = x.view(b, hh // ws, ws, ww // ws, ws, c).permute(0, 1, 3, 2, 4, 5).reshape(-1, ws * ws, c)
        n = w.shape[0]
        q, k, v = self.qkv(w).reshape(n, ws * ws, 3, self.h, c // self.h).permute(2, 0, 3, 1, 4)
        att = (q * (c // self.h) ** -0.5) @ k.transpose(-2, -1)
        bias = self.table[self.index].view(ws * ws, ws * ws, self.h).permute(2, 0, 1)
        att = F.softmax(att + bias.unsqueeze(0), dim=-1)
        y = self.proj((att @ v).transpose(1, 2).reshape(n, ws * ws, c))
        return y.view(b, hh // ws, ww // ws, ws, ws, c).permute(0, 1, 3, 2, 4, 5).reshape(b, hh, ww, c)


class MobileNetV3Block(nn.Module):
    def __init__(self, c: int = 8, e: int = 16) -> None:
        super().__init__()
        self.expand = nn.Sequential(nn.Conv2d(c, e, 1), nn.BatchNorm2d(e), nn.Hardswish())
        self.dw = nn.Sequential(nn.Conv2d(e, e, 3, padding=1, groups=e), nn.BatchNorm2d(e), nn.Hardswish())
        self.se = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(e, 4, 1), nn.ReLU(), nn.Conv2d(4, e, 1), nn.Hardsigmoid()
        )
        self.project = nn.Sequential(nn.Conv2d(e, c, 1), nn.BatchNorm2d(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.dw(self.expand(x))
        return x + self.project(y * self.se(y))


class UNetDecoder(nn.Module):
    def __init__(self, up: str) -> None:
        super().__init__()
        self.up_kind = up
        self.tconv = nn.ConvTranspose2d(16, 8, 2, stride=2)
        self.reduce = nn.Conv2d(16, 8, 1)
        self.conv = nn.Sequential(nn.Conv2d(16, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())

    def forward(self, deep: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        if self.up_kind == "tconv":
            u = self.tconv(deep)
        elif self.up_kind == "nearest":
            u = self.reduce(F.interpolate(deep, scale_factor=2, mode="nearest"))
        else:
            u = self.reduce(F.interpolate(deep, scale_factor=2, mode="bilinear", align_corners=self.up_kind == "ac"))
        return self.conv(torch.cat([u, skip], dim=1))


class DCGANGenerator(nn.Module):
    def __init__(self, nz: int = 8) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(nz, 16, 4, 1, 0, bias=False), nn.BatchNorm2d(16), nn.ReLU(True),
            nn.ConvTranspose2d(16, 8, 4, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU(True),
            nn.ConvTranspose2d(8, 3, 4, 2, 1, bias=False), nn.Tanh(),
        )  # fmt: skip

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class VAEDecoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 8 * 4 * 4)
        self.up = nn.Sequential(
            nn.ConvTranspose2d(8, 4, 3, 2, 1, output_padding=1), nn.ELU(), nn.Conv2d(4, 1, 3, padding=1)
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.up(self.fc(z).view(-1, 8, 4, 4)))


class Recurrent(nn.Module):
    def __init__(self, kind: str, bidirectional: bool = False, layers: int = 1) -> None:
        super().__init__()
        cls = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[kind]
        self.rnn = cls(4, 6, num_layers=layers, batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear(6 * (2 if bidirectional else 1), 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.rnn(x)[0]
        return self.head(y[:, -1])


class EmbeddingTransformer(nn.Module):
    def __init__(self, vocab: int = 20, d: int = 16, t: int = 5) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(1, t, d) * 0.1)
        self.enc = nn.TransformerEncoderLayer(d, 2, 32, dropout=0.0, batch_first=True)
        self.head = nn.Linear(d, vocab)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.head(self.enc(self.emb(tokens) + self.pos))


class TransformerStack(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        layer = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, batch_first=True, activation="gelu")
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x)


class NormNet(nn.Module):
    def __init__(self, kind: str) -> None:
        super().__init__()
        norm = {"group": nn.GroupNorm(2, 8), "instance": nn.InstanceNorm2d(8, affine=True)}[kind]
        self.f = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), norm, nn.SiLU(), nn.Conv2d(8, 4, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.f(x)


class ActNet(nn.Module):
    def __init__(self, act: nn.Module) -> None:
        super().__init__()
        self.f = nn.Sequential(nn.Linear(8, 16), act, nn.Linear(16, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.f(x)


class SinCosController(nn.Module):
    """Features [sin θ, cos θ, ω] of a pendulum state, then an MLP (control benchmarks)."""

    def __init__(self) -> None:
        super().__init__()
        self.f = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1))

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        th, om = s[:, :1], s[:, 1:]
        return self.f(torch.cat([torch.sin(th), torch.cos(th), om], dim=1))


class Quantiser(nn.Module):
    """sign / floor / ceil / round after a linear layer (fixed-point style features)."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(6, 6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.lin(x) * 4.0
        return torch.sign(y) + torch.floor(y) * 0.5 + torch.round(y) * 0.25 + torch.ceil(y) * 0.125


class ResNetBlock(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.b1, self.b2 = nn.BatchNorm2d(8), nn.BatchNorm2d(8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x + self.b2(self.c2(F.relu(self.b1(self.c1(x))))))


class DepthwiseSeparable(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(4, 4, 3, padding=1, groups=4), nn.ReLU6(), nn.Conv2d(4, 8, 1), nn.Hardtanh(-2, 2),
            nn.AvgPool2d(2), nn.Flatten(), nn.Linear(8 * 4 * 4, 3),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.f(x)


class SDPA(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.q, self.k, self.v = nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(8, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.scaled_dot_product_attention(self.q(x), self.k(x), self.v(x), is_causal=True)


class AudioConv1d(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv1d(2, 8, 5, padding=2), nn.GELU(), nn.Conv1d(8, 8, 3, stride=2), nn.GELU(),
            nn.ConvTranspose1d(8, 4, 4, stride=2),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.f(x)


class SuperResolution(nn.Module):
    def __init__(self, mode: str = "nearest") -> None:
        super().__init__()
        self.mode = mode
        self.f = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.PReLU(8), nn.Conv2d(8, 3, 3, padding=1))
        self.g = nn.Sequential(nn.Conv2d(3, 12, 3, padding=1), nn.PixelShuffle(2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "shuffle":
            return self.g(x) + self.f(x).repeat(1, 1, 2, 2)
        return self.f(F.interpolate(x, scale_factor=2, mode=self.mode))


class ArgMaxHead(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(8, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.argmax(self.lin(x), dim=1)


class GELUApprox(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.f = nn.Sequential(nn.Linear(8, 16), nn.GELU(approximate="tanh"), nn.Linear(16, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.f(x)


class PowNet(nn.Module):
    """x², √x-style and reciprocal terms: pow with exponents 2, 0.5, −1, 1.5."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.sigmoid(self.lin(x)) + 0.5
        return y**2 + y**0.5 + y**-1 + y**1.5


# ------------------------------------------------------------------------------ the zoo


@dataclass
class Case:
    name: str
    build: Callable[[], nn.Module]
    inputs: list[tuple[int, ...]]
    fast: bool = False
    integer: dict[int, int] = field(default_factory=dict)  # input position -> vocabulary size


ZOO: list[Case] = [
    Case("mlp", MLP, [(2, 8)], fast=True),
    Case("small_cnn", SmallCNN, [(1, 3, 8, 8)]),
    Case("gpt2_block", GPT2Block, [(1, 6, 16)], fast=True),
    Case("vit_block", ViTBlock, [(1, 5, 16)]),
    Case("tiny_vit", TinyViT, [(1, 3, 8, 8)]),
    Case("convnext_block", ConvNeXtBlock, [(1, 8, 6, 6)], fast=True),
    Case("swin_window_attention", WindowAttention, [(1, 4, 4, 8)]),
    Case("mobilenetv3_block", MobileNetV3Block, [(1, 8, 6, 6)], fast=True),
    Case("unet_decoder_convtranspose", lambda: UNetDecoder("tconv"), [(1, 16, 4, 4), (1, 8, 8, 8)], fast=True),
    Case("unet_decoder_nearest", lambda: UNetDecoder("nearest"), [(1, 16, 4, 4), (1, 8, 8, 8)]),
    Case("unet_decoder_bilinear_align_corners", lambda: UNetDecoder("ac"), [(1, 16, 4, 4), (1, 8, 8, 8)]),
    Case("unet_decoder_bilinear", lambda: UNetDecoder("bilinear"), [(1, 16, 4, 4), (1, 8, 8, 8)], fast=True),
    Case("dcgan_generator", DCGANGenerator, [(1, 8, 1, 1)]),
    Case("vae_decoder_elu", VAEDecoder, [(1, 4)]),
    Case("lstm", lambda: Recurrent("lstm"), [(1, 5, 4)], fast=True),
    Case("gru", lambda: Recurrent("gru"), [(1, 5, 4)]),
    Case("rnn", lambda: Recurrent("rnn"), [(1, 5, 4)]),
    Case("bilstm_2_layers", lambda: Recurrent("lstm", True, 2), [(1, 4, 4)]),
    Case("bigru", lambda: Recurrent("gru", True), [(1, 4, 4)]),
    Case("embedding_transformer", EmbeddingTransformer, [(1, 5)], fast=True, integer={0: 20}),
    Case("transformer_encoder_gelu", TransformerStack, [(1, 4, 16)]),
    Case("groupnorm_net", lambda: NormNet("group"), [(1, 3, 5, 5)]),
    Case("instancenorm_net", lambda: NormNet("instance"), [(1, 3, 5, 5)]),
    Case("elu_net", lambda: ActNet(nn.ELU(0.7)), [(2, 8)]),
    Case("selu_net", lambda: ActNet(nn.SELU()), [(2, 8)]),
    Case("softplus_net", lambda: ActNet(nn.Softplus()), [(2, 8)]),
    Case("mish_net", lambda: ActNet(nn.Mish()), [(2, 8)]),
    Case("prelu_net", lambda: ActNet(nn.PReLU()), [(2, 8)]),
    Case("silu_net", lambda: ActNet(nn.SiLU()), [(2, 8)]),
    Case("leaky_relu_net", lambda: ActNet(nn.LeakyReLU(0.1)), [(2, 8)]),
    Case("gelu_tanh_net", GELUApprox, [(2, 8)]),
    Case("sincos_controller", SinCosController, [(4, 2)], fast=True),
    Case("quantiser_sign_floor_round", Quantiser, [(2, 6)]),
    Case("resnet_block", ResNetBlock, [(1, 8, 6, 6)]),
    Case("depthwise_separable_relu6", DepthwiseSeparable, [(1, 4, 8, 8)]),
    Case("causal_sdpa", SDPA, [(1, 5, 8)]),
    Case("audio_conv1d", AudioConv1d, [(1, 2, 16)]),
    Case("super_resolution_nearest", SuperResolution, [(1, 3, 4, 4)]),
    Case("super_resolution_bicubic", lambda: SuperResolution("bicubic"), [(1, 3, 4, 4)]),
    Case("super_resolution_pixel_shuffle", lambda: SuperResolution("shuffle"), [(1, 3, 4, 4)]),
    Case("pow_net", PowNet, [(2, 4)]),
    Case("argmax_head", ArgMaxHead, [(2, 8)]),
]


@dataclass
class Outcome:
    name: str
    imported: bool
    checked: bool = False
    reason: str = ""
    ir_nodes: int = 0
    max_abs_error: float = 0.0
    seconds: float = 0.0


def _feeds(case: Case, imported: Any, seed: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(tlean feeds, onnxruntime feeds): token inputs are integers for onnxruntime."""
    rng = np.random.default_rng(seed)
    ours: dict[str, np.ndarray] = {}
    peer: dict[str, np.ndarray] = {}
    for k, d in enumerate(imported.graph.inputs):
        if d.name in imported.integer_inputs:
            ids = rng.integers(0, case.integer.get(k, 2), d.shape)
            ours[d.name] = ids.astype(np.float32)
            peer[d.name] = ids.astype(np.int64 if imported.onnx_dtypes.get(d.name) == 7 else np.int32)
        else:
            ours[d.name] = rng.standard_normal(d.shape).astype(np.float32)
            peer[d.name] = ours[d.name]
    return ours, peer


def run_case(case: Case, workdir: Path) -> Outcome:
    """Export, import and check one model; never raises for a refusal (it is the outcome)."""
    import onnxruntime as ort
    from tlean.check import check_against_onnxruntime
    from tlean.errors import TleanError
    from tlean.evaluate import evaluate
    from tlean.onnx_import import import_model
    from tlean.torch_export import torch_to_onnx

    t0 = time.monotonic()
    torch.manual_seed(0)
    model = case.build().eval()
    example = []
    for k, shape in enumerate(case.inputs):
        if k in case.integer:
            example.append(torch.randint(0, case.integer[k], shape))
        else:
            example.append(torch.randn(shape))
    path = workdir / f"{case.name}.onnx"
    try:
        torch_to_onnx(model, example, path)
        imported = import_model(path)
    except TleanError as e:
        lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
        reason = "; ".join(lines[1:3]) if len(lines) > 1 else lines[0]
        return Outcome(case.name, False, reason=f"[{e.code}] {reason}", seconds=time.monotonic() - t0)
    out = Outcome(case.name, True, ir_nodes=len(imported.graph.nodes))
    if imported.integer_inputs:
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        ok = True
        for seed in (0, 1, 2):
            ours, peer = _feeds(case, imported, seed)
            got = evaluate(imported.graph, ours, imported.params)
            want = sess.run(None, peer)
            for g, w in zip(got, want, strict=True):
                err = float(np.max(np.abs(g.astype(np.float64) - w))) if g.size else 0.0
                out.max_abs_error = max(out.max_abs_error, err)
                ok = ok and bool(np.allclose(g, w, rtol=1e-4, atol=1e-5))
        out.checked = ok
    else:
        report = check_against_onnxruntime(path, imported)
        out.checked = report.passed
        out.max_abs_error = max((o.max_abs for o in report.outputs), default=0.0)
    if not out.checked:
        out.reason = f"imported, but the check against onnxruntime failed (max |err| {out.max_abs_error:.3g})"
    out.seconds = time.monotonic() - t0
    return out


def run_zoo(cases: list[Case]) -> list[Outcome]:
    with tempfile.TemporaryDirectory(prefix="tlean-coverage-") as tmp:
        return [run_case(c, Path(tmp)) for c in cases]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="", help="comma-separated model names")
    ap.add_argument("--fast", action="store_true", help="only the fast subset (the one the test suite runs)")
    ap.add_argument("--json", help="write the results (tlean.coverage.v1)")
    args = ap.parse_args()
    only = {s for s in args.only.split(",") if s}
    cases = [c for c in ZOO if (not only or c.name in only) and (not args.fast or c.fast)]
    results = run_zoo(cases)
    for r in results:
        status = "ok     " if r.imported and r.checked else ("CHECK  " if r.imported else "refused")
        print(f"{status} {r.name:38s} {r.ir_nodes:5d} IR nodes  {r.seconds:5.1f} s  {r.reason}")
    good = sum(r.imported and r.checked for r in results)
    refused = len(results) - good
    if args.json:
        from tlean.conformance import CoverageReport

        doc = CoverageReport.model_validate({"results": [asdict(r) for r in results]})
        Path(args.json).write_text(json.dumps(doc.model_dump(), indent=2) + "\n")
    pct = 100.0 * good / max(len(results), 1)
    print(f"{good} imported, {refused} refused ({pct:.0f}% of {len(results)} models)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
