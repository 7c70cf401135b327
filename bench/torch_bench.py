"""PyTorch side of one `npm run bench` section (bench/genrepSection.ts is genrep's side).

Each section runs in a process of its own so that its peak memory is its own. Prints one JSON
line: timings, the peak resident memory (ru_maxrss, kilobytes), torch's threads and BLAS.

  python3 bench/torch_bench.py simclr:resnet-tiny|simclr:resnet18|dcgan|generate:<dir>|linear-probe|probe [--batch 256]
"""

import argparse
import json
import os
import resource
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_engine import ENV_KEYS, ResNet, bench_dcgan, blas_libraries, param_count, time_steps
from torch_generate import DcganGenerator, load_genrep_weights

# src/learners/encoders/registry.ts
ENCODERS = {
    "resnet-tiny": ([16, 32, 64], [1, 1, 1]),
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
    half = args.batch // 2
    losses = []

    def step():
        opt.zero_grad(set_to_none=True)
        z = model(x)
        loss = nt_xent(z[:half], z[half:], SIMCLR["temperature"])
        loss.backward()
        opt.step()
        losses.append(loss.item())

    timing = time_steps(step, args.warmup, args.min_steps, args.min_seconds, args.max_steps)
    return {"params": param_count(model), "lastLoss": losses[-1], **timing}


def bench_generate(model_dir, args):
    with open(os.path.join(model_dir, "model.json")) as f:
        card = json.load(f)
    config = card["architectureConfig"]
    torch.manual_seed(args.seed)
    model = DcganGenerator(config["latentDim"], config["numClasses"], config["width"], config["channels"])
    load_genrep_weights(model, os.path.join(model_dir, "generator.safetensors"))
    model.eval()
    z = torch.randn(args.batch, config["latentDim"]).clamp_(-2, 2)
    y = torch.randint(0, config["numClasses"], (args.batch,)) if config["numClasses"] > 0 else None

    def step():
        with torch.inference_mode():
            model(z, y)

    timing = time_steps(step, args.warmup, args.min_steps, args.min_seconds, args.max_steps)
    return {"params": param_count(model), **timing}


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
    return {"lastLoss": losses[-1], **timing}


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

        loss = opt.step(closure)
        info.update(evaluations=evaluations, iterations=opt.state[opt._params[0]]["n_iter"], lastLoss=loss.item())

    timing = time_steps(fit, args.warmup, args.min_steps, args.min_seconds, args.max_steps)
    return {**info, **timing}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("section")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--min-steps", type=int, default=5)
    parser.add_argument("--min-seconds", type=float, default=10.0)
    parser.add_argument("--max-steps", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="default: all CPUs")
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
    blas = blas_libraries()  # after the work: the linear layers have loaded the BLAS by now
    out = {
        "section": args.section,
        "batch": args.batch,
        "torchVersion": torch.__version__,
        "python": sys.version.split()[0],
        "threads": torch.get_num_threads(),
        "cpuCount": os.cpu_count(),
        "blasLibraries": blas,
        "openblas": any("openblas" in path.lower() for path in blas),
        "env": {k: os.environ[k] for k in ENV_KEYS if k in os.environ},
        **result,
        "maxRssKB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
