"""PyTorch side of one `npm run bench` section (bench/genrepSection.ts is genrep's side).

Each section runs in a process of its own so that its memory is its own. Prints one JSON
line: timings, memory (resident after setup, peak), parameter counts and the environment
(threads, BLAS and its core name, CPU capability, oneDNN ISA, the layout, recorded env).
The bench (bench/bench.ts) chooses the layout and OPENBLAS_NUM_THREADS per run.

  python3 bench/torch_bench.py simclr:<encoder>|dcgan|generate:<dir>|linear-probe|probe
      [--batch 256] [--layout nchw|channels_last] [--warmup 2] [--min-steps 5] [--min-seconds 10]
"""

import argparse
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_engine import ResNet, add_common_args, bench_dcgan
from torch_env import environment, param_count, time_steps, to_layout
from torch_generate import DcganGenerator, load_genrep_weights, read_safetensors

# src/learners/encoders/registry.ts (bench/simclrStep.ts's BENCH_ENCODERS)
ENCODERS = {
    "resnet-tiny": ([16, 32, 64], [1, 1, 1]),
    "resnet8-w32": ([32, 64, 128], [1, 1, 1]),
    "resnet10-w32": ([32, 64, 128, 256], [1, 1, 1, 1]),
    "resnet18": ([64, 128, 256, 512], [2, 2, 2, 2]),
}
# bench/simclrStep.ts and bench/linearProbeFit.ts
SIMCLR = {"lr": 0.03, "momentum": 0.9, "temperature": 0.1, "in_channels": 1, "out_dim": 128}
PROBE = {"samples": 60000, "features": 64, "classes": 10, "iterations": 100, "lr": 0.5, "momentum": 0.9}
LINEAR_PROBE_WEIGHT_DECAY = 1e-4


class SimclrModel(nn.Module):
    """Encoder (ResNet without its head) + projection head Linear-ReLU-Linear, L2-normalised."""

    def __init__(self, encoder):
        super().__init__()
        widths, blocks = ENCODERS[encoder]
        self.encoder = ResNet(widths, blocks, SIMCLR["in_channels"], 1)
        self.encoder.head = nn.Identity()
        d = widths[-1]
        self.head = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, SIMCLR["out_dim"]))

    def forward(self, x):
        return F.normalize(self.head(self.encoder(x)), dim=1)


def nt_xent(z1, z2, temperature):
    """src/learners/objectives/ntXent.ts: 2N anchors, positive = the other view, self masked."""
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = z @ z.t() / temperature
    logits = logits - torch.eye(2 * n) * 1e9
    positive = (z[:n] * z[n:]).sum(1) / temperature
    return (torch.logsumexp(logits, 1) - torch.cat([positive, positive])).mean()


def bench_simclr(encoder, args):
    torch.manual_seed(args.seed)
    model = SimclrModel(encoder).train()
    opt = torch.optim.SGD(model.parameters(), lr=SIMCLR["lr"], momentum=SIMCLR["momentum"])
    x = torch.rand(args.batch, SIMCLR["in_channels"], 32, 32) * 2 - 1
    model, x = to_layout(args.layout, model, x)
    half = args.batch // 2
    losses = []

    def step():
        opt.zero_grad(set_to_none=True)
        # bf16: PyTorch's CPU autocast (convolutions and matrix products in bf16).
        with torch.cpu.amp.autocast(enabled=args.precision == "bf16", dtype=torch.bfloat16):
            z = model(x)
        loss = nt_xent(z[:half].float(), z[half:].float(), SIMCLR["temperature"])
        loss.backward()
        opt.step()
        losses.append(loss.item())

    timing = time_steps(step, args.warmup, args.min_steps, args.min_seconds, args.max_steps)
    return {"params": {"encoder+head": param_count(model)}, "lastLoss": losses[-1], **timing}


def bench_generate(model_dir, args):
    with open(os.path.join(model_dir, "model.json")) as f:
        card = json.load(f)
    config = card["architectureConfig"]
    torch.manual_seed(args.seed)
    model = DcganGenerator(config["latentDim"], config["numClasses"], config["width"], config["channels"])
    load_genrep_weights(model, os.path.join(model_dir, "generator.safetensors"))
    model.eval()
    model = to_layout(args.layout, model)
    check = None
    if args.check:  # genrep's images of the same latents (bench/genrepSection.ts --write-check)
        data = read_safetensors(args.check)
        with torch.inference_mode():
            zc = torch.from_numpy(data["z"].copy())
            yc = torch.from_numpy(data["y"].astype(np.int64)) if "y" in data else None
            images = model(zc, yc).permute(0, 2, 3, 1).numpy()  # NHWC like genrep
        check = {"samples": int(zc.shape[0]), "maxAbsDiff": float(np.abs(images - data["images"]).max())}
    z = torch.randn(args.batch, config["latentDim"]).clamp_(-2, 2)
    y = torch.randint(0, config["numClasses"], (args.batch,)) if config["numClasses"] > 0 else None

    def step():
        with torch.inference_mode():
            model(z, y)

    timing = time_steps(step, args.warmup, args.min_steps, args.min_seconds, args.max_steps)
    return {"params": {"generator": param_count(model)}, "check": check, **timing}


def bench_probe(args):
    """Multinomial logistic regression, full batch, gradient descent with momentum."""
    g = torch.Generator().manual_seed(args.seed)
    x = torch.randn(PROBE["samples"], PROBE["features"], generator=g)
    labels = (x @ torch.randn(PROBE["features"], PROBE["classes"], generator=g)).argmax(1)
    losses = []

    def fit():
        linear = nn.Linear(PROBE["features"], PROBE["classes"])
        nn.init.zeros_(linear.weight)
        nn.init.zeros_(linear.bias)
        opt = torch.optim.SGD(linear.parameters(), lr=PROBE["lr"], momentum=PROBE["momentum"])
        for _ in range(PROBE["iterations"]):
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(linear(x), labels)
            loss.backward()
            opt.step()
        losses.append(loss.item())

    timing = time_steps(fit, args.warmup, args.min_steps, args.min_seconds, args.max_steps)
    params = PROBE["features"] * PROBE["classes"] + PROBE["classes"]
    return {"params": {"probe": params}, "lastLoss": losses[-1], **timing}


def bench_linear_probe(args):
    """genrep's linear probe fit (softmaxRegression.ts): softmax regression on [S, F + 1] with a
    ones column, L2 penalty on all rows but the bias, by L-BFGS (memory 10, at most 100
    iterations; torch's strong-Wolfe line search where genrep backtracks, so the evaluation
    counts differ and are reported)."""
    g = torch.Generator().manual_seed(args.seed)
    x = torch.randn(PROBE["samples"], PROBE["features"], generator=g)
    labels = (x @ torch.randn(PROBE["features"], PROBE["classes"], generator=g)).argmax(1)
    design = torch.cat([x, torch.ones(PROBE["samples"], 1)], 1)
    info = {}

    def fit():
        w = torch.zeros(PROBE["features"] + 1, PROBE["classes"], requires_grad=True)
        opt = torch.optim.LBFGS(
            [w], lr=1, max_iter=100, history_size=10, line_search_fn="strong_wolfe",
            tolerance_grad=1e-5, tolerance_change=1e-8,
        )
        evaluations = 0

        def closure():
            nonlocal evaluations
            evaluations += 1
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(design @ w, labels) + 0.5 * LINEAR_PROBE_WEIGHT_DECAY * (w[:-1] ** 2).sum()
            loss.backward()
            return loss

        initial = opt.step(closure)  # LBFGS.step returns the loss at the start of the fit
        with torch.no_grad():
            final = F.cross_entropy(design @ w, labels) + 0.5 * LINEAR_PROBE_WEIGHT_DECAY * (w[:-1] ** 2).sum()
        info.update(
            evaluations=evaluations,
            iterations=opt.state[opt._params[0]]["n_iter"],
            initialLoss=initial.item(),
            finalLoss=final.item(),
        )

    timing = time_steps(fit, args.warmup, args.min_steps, args.min_seconds, args.max_steps)
    params = (PROBE["features"] + 1) * PROBE["classes"]
    return {**info, "params": {"weights": params}, **timing}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("section")
    parser.add_argument("--check", help="generate: safetensors with z, y and genrep's images of the same latents")
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32", help="simclr sections: bf16 autocast")
    add_common_args(parser)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    kind, _, name = args.section.partition(":")
    if kind == "simclr" and name in ENCODERS:
        result = bench_simclr(name, args)
    elif kind == "dcgan":
        result = bench_dcgan(args)
    elif kind == "generate" and name:
        result = bench_generate(name, args)
    elif kind == "probe":
        result = bench_probe(args)
    elif kind == "linear-probe":
        result = bench_linear_probe(args)
    else:
        parser.error(f"unknown section {args.section!r}")
    # After the work: the linear layers have loaded the BLAS and the thread pools exist.
    out = {"section": args.section, "batch": args.batch, "precision": args.precision, **environment(args.layout)}
    print(json.dumps({**out, **result}))


if __name__ == "__main__":
    main()
