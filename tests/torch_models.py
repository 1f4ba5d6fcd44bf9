"""Small PyTorch models of the kinds users export: MLP, CNN with BatchNorm and pooling, a small
ResNet, and a one-block transformer encoder (LayerNorm, softmax attention)."""

from __future__ import annotations

import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(s):
        super().__init__()
        s.net = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 5))

    def forward(s, x):
        return s.net(x)


class CNN(nn.Module):
    def __init__(s):
        super().__init__()
        s.f = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, stride=2),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.AvgPool2d(2, ceil_mode=True),
        )
        s.head = nn.Linear(16 * 2 * 2, 10)

    def forward(s, x):
        return s.head(torch.flatten(s.f(x), 1))


class Block(nn.Module):
    def __init__(s, c, stride):
        super().__init__()
        s.c1 = nn.Conv2d(c if stride == 1 else c // 2, c, 3, stride, 1, bias=False)
        s.b1 = nn.BatchNorm2d(c)
        s.c2 = nn.Conv2d(c, c, 3, 1, 1, bias=False)
        s.b2 = nn.BatchNorm2d(c)
        s.sc = (
            nn.Sequential()
            if stride == 1
            else nn.Sequential(nn.Conv2d(c // 2, c, 1, stride, bias=False), nn.BatchNorm2d(c))
        )

    def forward(s, x):
        return torch.relu(s.b2(s.c2(torch.relu(s.b1(s.c1(x))))) + s.sc(x))


class ResNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        s.layers = nn.Sequential(Block(16, 1), Block(32, 2), Block(32, 1))
        s.fc = nn.Linear(32, 10)

    def forward(s, x):
        return s.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(s.layers(s.stem(x)), 1), 1))


class Encoder(nn.Module):
    def __init__(s, d=16, h=2, seq=6):
        super().__init__()
        s.layer = nn.TransformerEncoderLayer(d, h, dim_feedforward=32, dropout=0.1, batch_first=True)
        s.out = nn.Linear(d, 3)

    def forward(s, x):
        return torch.softmax(s.out(s.layer(x)), dim=-1)


MODELS = {
    "TorchMlp": (MLP, (torch.randn(2, 10),)),
    "TorchCnn": (CNN, (torch.randn(2, 3, 16, 16),)),
    "TorchResNet": (ResNet, (torch.randn(1, 3, 16, 16),)),
    "TorchEncoder": (Encoder, (torch.randn(2, 6, 16),)),
}


def build(name):
    """The model (eval mode, deterministic weights, non-trivial BatchNorm statistics) and inputs."""
    torch.manual_seed(0)
    cls, args = MODELS[name]
    m = cls()
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.5, 0.5)
            mod.running_var.uniform_(0.5, 2.0)
            mod.weight.data.uniform_(0.5, 1.5)
            mod.bias.data.uniform_(-0.2, 0.2)
    return m.eval(), args
