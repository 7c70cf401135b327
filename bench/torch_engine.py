"""PyTorch side of `npm run bench:engine`: the same models and training steps as bench/engine.ts.

Prints one JSON line: torch version, threads, which BLAS is loaded, parameter count and step
timings. Usage: python3 bench/torch_engine.py --model resnet|dcgan --batch 256
"""

import argparse
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_env import environment, param_count, time_steps, to_layout


# --- ResNet (src/learners/encoders/resnet.ts) + Dense head -------------------------------


class BasicBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN, plus a 1x1 conv + BN projection when the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(h))
        skip = self.shortcut(x) if self.shortcut is not None else x
        return F.relu(y + skip)


class ResNet(nn.Module):
    """CIFAR stem (3x3 conv, no max-pool), basic blocks, global average pool, linear head."""

    def __init__(self, widths, blocks, in_channels, num_classes):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]))
        layers = []
        cin = widths[0]
        for i, (width, count) in enumerate(zip(widths, blocks)):
            for b in range(count):
                layers.append(BasicBlock(cin, width, 2 if b == 0 and i > 0 else 1))
                cin = width
        self.blocks = nn.Sequential(*layers)
        self.head = nn.Linear(cin, num_classes)
        # genrep's init: He normal (gain sqrt 2) for convs, gain 1 for the head, zero bias.
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        nn.init.normal_(self.head.weight, std=cin**-0.5)
        nn.init.zeros_(self.head.bias)

    def forward(self, x):
        h = self.blocks(F.relu(self.stem(x)))
        return self.head(h.mean(dim=(2, 3)))


def minibatch_stddev(h):
    """Karras et al. 2018, as src/generators/architectures/dcgan.ts: the batch's mean feature
    stddev (population variance over the batch, + 1e-8, sqrt, mean over C, H, W) appended as
    one more channel. h [N, C, H, W] -> [N, C + 1, H, W]"""
    variance = h.var(dim=0, unbiased=False)  # [C, H, W]
    stddev = torch.sqrt(variance + 1e-8).mean()  # scalar
    return torch.cat([h, stddev.expand(h.shape[0], 1, h.shape[2], h.shape[3])], 1)


# --- Conditional DCGAN (src/generators/architectures/dcgan.ts) ---------------------------


def dcgan_init(*modules):
    """genrep's DCGAN init: weights N(0, 0.02), biases zero."""
    for m in modules:
        nn.init.normal_(m.weight, std=0.02)
        if getattr(m, "bias", None) is not None:
            nn.init.zeros_(m.bias)


class DcganGenerator(nn.Module):
    """z [N, d] + y [N] -> images [N, C, 32, 32]; conditional BN with per-class scale/shift."""

    def __init__(self, latent_dim, num_classes, width, channels):
        super().__init__()
        w = width
        self.width = w
        self.memory_format = torch.contiguous_format
        self.project = nn.Linear(latent_dim, 4 * 4 * 4 * w)
        widths = [4 * w, 2 * w, w, w]
        self.norms = nn.ModuleList(nn.BatchNorm2d(c, affine=False) for c in widths)
        self.class_scale = nn.ModuleList(nn.Embedding(num_classes, c) for c in widths)
        self.class_shift = nn.ModuleList(nn.Embedding(num_classes, c) for c in widths)
        for e in self.class_scale:
            nn.init.ones_(e.weight)
        for e in self.class_shift:
            nn.init.zeros_(e.weight)
        # 4x4 stride 2, padding 1: doubles the size, like tfjs conv2dTranspose 'same'.
        self.up = nn.ModuleList(nn.ConvTranspose2d(widths[i], widths[i + 1], 4, 2, 1, bias=False) for i in range(3))
        self.to_image = nn.Conv2d(w, channels, 3, 1, 1, bias=True)
        dcgan_init(self.project, *self.up, self.to_image)

    def norm(self, i, x, y):
        scale = self.class_scale[i](y)[:, :, None, None]
        shift = self.class_shift[i](y)[:, :, None, None]
        return self.norms[i](x) * scale + shift

    def forward(self, z, y):
        h = self.project(z).view(-1, 4 * self.width, 4, 4)
        h = h.contiguous(memory_format=self.memory_format)  # to_layout sets channels_last
        h = F.relu(self.norm(0, h, y))
        for i in range(3):
            h = F.relu(self.norm(i + 1, self.up[i](h), y))
        return torch.tanh(self.to_image(h))


class DcganDiscriminator(nn.Module):
    """images [N, C, 32, 32] + y [N] -> logits [N]; projection discriminator."""

    def __init__(self, num_classes, width, channels):
        super().__init__()
        w = width
        widths = [channels, w, 2 * w, 4 * w]
        self.convs = nn.ModuleList(nn.Conv2d(widths[i], widths[i + 1], 4, 2, 1, bias=True) for i in range(3))
        features = 4 * 4 * (4 * w + 1)  # + the minibatch-stddev channel, as genrep's D
        self.head = nn.Linear(features, 1)
        self.class_embedding = nn.Embedding(num_classes, features)
        dcgan_init(*self.convs, self.head, self.class_embedding)

    def forward(self, x, y):
        h = x
        for conv in self.convs:
            h = F.leaky_relu(conv(h), 0.2)  # -> [N, 4w, 4, 4]
        h = minibatch_stddev(h)  # [N, 4w + 1, 4, 4]
        features = h.flatten(1)  # [N, 16 (4w + 1)] (genrep flattens NHWC; the cost is the same)
        return self.head(features).view(-1) + (self.class_embedding(y) * features).sum(1)


def bench_resnet(args):
    torch.manual_seed(args.seed)
    model = ResNet([16, 32, 64], [1, 1, 1], 1, 10)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.03, momentum=0.9)
    x = torch.rand(args.batch, 1, 32, 32) * 2 - 1
    model, x = to_layout(args.layout, model, x)
    y = torch.randint(0, 10, (args.batch,))
    losses = []

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())

    timing = time_steps(step, args.warmup, args.min_steps, args.min_seconds, args.max_steps)
    return {"params": param_count(model), "lastLoss": losses[-1], **timing}


def bench_dcgan(args):
    torch.manual_seed(args.seed)
    g = DcganGenerator(64, 10, 32, 1)
    d = DcganDiscriminator(10, 32, 1)
    g.train()
    d.train()
    g_opt = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real = torch.rand(args.batch, 1, 32, 32) * 2 - 1
    g, d, real = to_layout(args.layout, g, d, real)
    y = torch.randint(0, 10, (args.batch,))
    losses = []

    def step():
        z = torch.randn(args.batch, 64)
        # Discriminator step (hinge loss); no gradient flows into G.
        with torch.no_grad():
            fake = g(z, y)
        d_opt.zero_grad(set_to_none=True)
        d_loss = F.relu(1 - d(real, y)).mean() + F.relu(1 + d(fake, y)).mean()
        d_loss.backward()
        d_opt.step()
        # Generator step: a fresh G forward; D's weights get no gradient (only G's are trained).
        for p in d.parameters():
            p.requires_grad_(False)
        g_opt.zero_grad(set_to_none=True)
        g_loss = -d(g(z, y), y).mean()
        g_loss.backward()
        g_opt.step()
        for p in d.parameters():
            p.requires_grad_(True)
        losses.append((d_loss.item(), g_loss.item()))

    timing = time_steps(step, args.warmup, args.min_steps, args.min_seconds, args.max_steps)
    return {
        "params": {"generator": param_count(g), "discriminator": param_count(d)},
        "generatorParams": param_count(g),
        "discriminatorParams": param_count(d),
        "lastLoss": list(losses[-1]),
        **timing,
    }


def add_common_args(parser):
    """Timing, seed, threads and layout flags shared by the PyTorch sides of the benchmarks."""
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--min-steps", type=int, default=5)
    parser.add_argument("--min-seconds", type=float, default=10.0)
    parser.add_argument("--max-steps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="default: all CPUs")
    parser.add_argument("--layout", choices=["nchw", "channels_last"], default="nchw")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", choices=["resnet", "dcgan"], required=True)
    add_common_args(parser)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    result = bench_resnet(args) if args.model == "resnet" else bench_dcgan(args)
    out = {"model": args.model, "batch": args.batch, **environment(args.layout), **result}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
