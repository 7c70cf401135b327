"""PyTorch side of `npm run bench:pipeline` (bench/pipeline.ts): live generated SimCLR
training end to end against the training step alone, doing the same work as genrep's:

- anchors z ~ N_t(0, 1, 2) and one Gaussian latent view z + w, w ~ N_t(0, sigma, 2 sigma),
  through genrep's generator (same weights, eval mode), quantised to uint8 like genrep's
  live source;
- SimCLR pixel views of every image, batched: random resized crop (area 0.2-1, aspect
  3/4-4/3 log-uniform) with bilinear sampling, horizontal flip (p 0.5), brightness and
  contrast jitter of 0.4 (p 0.8, random order), as src/views/pixel/simclrAugment.ts;
- one SimCLR step: encoder + projection head on both views in one pass, NT-Xent
  (temperature 0.1), SGD lr 0.03 momentum 0.9 (bench/torch_bench.py's model).

Prints one JSON line: per-step times of the step alone and of each pipeline stage.

  python3 bench/torch_pipeline.py --encoder resnet-tiny --model-dir models/fashion-mnist-gan
      [--sigma 0.5] [--batch 256] [--steps 8] [--warmup 2] [--rounds 3] [--layout channels_last]
"""

import argparse
import json
import math
import os
import time

import torch
import torch.nn.functional as F

from torch_bench import ENCODERS, SIMCLR, SimclrModel, nt_xent
from torch_engine import add_common_args
from torch_env import environment, param_count, to_layout
from torch_generate import DcganGenerator, load_genrep_weights


def truncated_normal(shape, sigma, generator):
    """N_t(0, sigma, 2): values outside +-2 sigma re-drawn (as genrep's sampler)."""
    out = torch.randn(shape, generator=generator)
    bad = out.abs() > 2
    while bad.any():
        out[bad] = torch.randn(int(bad.sum()), generator=generator)
        bad = out.abs() > 2
    return out * sigma


def simclr_views(u8, g):
    """Pixel views of uint8 images [N, C, H, W] -> float [N, C, H, W] in [-1, 1]."""
    x = u8.float() / 255
    n = x.shape[0]
    area = torch.empty(n).uniform_(0.2, 1.0, generator=g)
    ratio = torch.exp(torch.empty(n).uniform_(math.log(3 / 4), math.log(4 / 3), generator=g))
    w = torch.sqrt(area * ratio).clamp(max=1.0)  # crop size as a fraction of the side
    h = torch.sqrt(area / ratio).clamp(max=1.0)
    cx = (torch.rand(n, generator=g) * 2 - 1) * (1 - w)
    cy = (torch.rand(n, generator=g) * 2 - 1) * (1 - h)
    flip = torch.where(torch.rand(n, generator=g) < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = w * flip
    theta[:, 0, 2] = cx
    theta[:, 1, 1] = h
    theta[:, 1, 2] = cy
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    # Brightness and contrast, each factor in [0.6, 1.4], applied with p 0.8 in random order.
    apply = (torch.rand(n, generator=g) < 0.8).float().view(n, 1, 1, 1)
    b = torch.empty(n, 1, 1, 1).uniform_(0.6, 1.4, generator=g)
    c = torch.empty(n, 1, 1, 1).uniform_(0.6, 1.4, generator=g)

    def bright(t):
        return (t * b).clamp(0, 1)

    def contrast(t):
        mean = t.mean(dim=(1, 2, 3), keepdim=True)
        return ((t - mean) * c + mean).clamp(0, 1)

    order = (torch.rand(n, generator=g) < 0.5).float().view(n, 1, 1, 1)
    jittered = order * contrast(bright(x)) + (1 - order) * bright(contrast(x))
    x = apply * jittered + (1 - apply) * x
    return x * 2 - 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder", choices=sorted(ENCODERS), required=True)
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--sigma", type=float, default=0.5)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    add_common_args(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)

    with open(os.path.join(args.model_dir, "model.json")) as f:
        config = json.load(f)["architectureConfig"]
    gen = DcganGenerator(config["latentDim"], config["numClasses"], config["width"], config["channels"])
    load_genrep_weights(gen, os.path.join(args.model_dir, "generator.safetensors"))
    gen.eval()
    model = SimclrModel(args.encoder).train()
    gen, model = to_layout(args.layout, gen, model)
    opt = torch.optim.SGD(model.parameters(), lr=SIMCLR["lr"], momentum=SIMCLR["momentum"])
    fmt = torch.channels_last if args.layout == "channels_last" else torch.contiguous_format
    n = args.batch

    def generate():
        z = truncated_normal((n, config["latentDim"]), 1.0, g)
        zv = z + truncated_normal((n, config["latentDim"]), args.sigma, g)
        y = torch.randint(0, config["numClasses"], (n,), generator=g).repeat(2) if config["numClasses"] > 0 else None
        with torch.inference_mode():
            images = gen(torch.cat([z, zv]), y)  # [2n, C, 32, 32] in [-1, 1]
        return ((images + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)

    def views(u8):
        return simclr_views(u8, g).contiguous(memory_format=fmt)  # [2n, C, 32, 32]

    def step(x):
        opt.zero_grad(set_to_none=True)
        z = model(x)
        loss = nt_xent(z[:n], z[n:], SIMCLR["temperature"])
        loss.backward()
        opt.step()
        value = loss.item()
        if not math.isfinite(value):
            raise RuntimeError(f"loss {value}")
        return value

    fixed = views(generate())
    step_only = []
    stages = {"generateS": [], "pixelViewsS": [], "stepS": [], "totalS": []}
    for r in range(args.rounds):
        for mode in ("step", "pipeline") if r % 2 == 0 else ("pipeline", "step"):
            for i in range(args.warmup + args.steps):
                timed = i >= args.warmup
                if mode == "step":
                    t = time.perf_counter()
                    step(fixed)
                    if timed:
                        step_only.append(time.perf_counter() - t)
                else:
                    t0 = time.perf_counter()
                    u8 = generate()
                    t1 = time.perf_counter()
                    x = views(u8)
                    t2 = time.perf_counter()
                    step(x)
                    t3 = time.perf_counter()
                    if timed:
                        stages["generateS"].append(t1 - t0)
                        stages["pixelViewsS"].append(t2 - t1)
                        stages["stepS"].append(t3 - t2)
                        stages["totalS"].append(t3 - t0)
    out = {**environment(args.layout), "params": param_count(model), "stepOnlyS": step_only, "pipeline": stages}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
