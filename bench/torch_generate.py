"""PyTorch side of `npm run bench:generate`: sampling throughput of genrep's DCGAN generator.

Builds the same generator as src/generators/architectures/dcgan.ts from its architectureConfig
(Dense -> 4x4x4w, batch norm without affine + per-class scale/shift embeddings when
conditional (affine batch norm otherwise), three 4x4 stride-2 transposed convolutions,
3x3 conv with bias, tanh), in eval mode, optionally with genrep's weights (safetensors), and
times forward passes at a batch size. With --check, also runs the z/y of a safetensors file
and reports the largest difference from genrep's images in it (same weights -> same images).

Prints one JSON line. Usage:
  python3 bench/torch_generate.py --config '{"latentDim":64,"numClasses":10,"width":32,"channels":1}' \
      [--weights generator.safetensors] [--check check.safetensors] [--batch 256]
"""

import argparse
import json
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_engine import add_common_args
from torch_env import environment, param_count, time_steps, to_layout


class DcganGenerator(nn.Module):
    """z [N, d] (+ y [N]) -> images [N, C, 32, 32] in [-1, 1]; genrep's dcgan.ts in PyTorch."""

    def __init__(self, latent_dim, num_classes, width, channels):
        super().__init__()
        w = width
        self.width = w
        self.memory_format = torch.contiguous_format  # to_layout sets channels_last
        self.conditional = num_classes > 0
        self.project = nn.Linear(latent_dim, 4 * 4 * 4 * w)
        widths = [4 * w, 2 * w, w, w]
        self.norms = nn.ModuleList(nn.BatchNorm2d(c, affine=not self.conditional) for c in widths)
        if self.conditional:
            self.class_scale = nn.ModuleList(nn.Embedding(num_classes, c) for c in widths)
            self.class_shift = nn.ModuleList(nn.Embedding(num_classes, c) for c in widths)
            for e in self.class_scale:
                nn.init.ones_(e.weight)
            for e in self.class_shift:
                nn.init.zeros_(e.weight)
        # 4x4 stride 2 padding 1 doubles the size, like tfjs conv2dTranspose 'same'.
        self.up = nn.ModuleList(nn.ConvTranspose2d(widths[i], widths[i + 1], 4, 2, 1, bias=False) for i in range(3))
        self.to_image = nn.Conv2d(w, channels, 3, 1, 1, bias=True)
        for m in (self.project, *self.up, self.to_image):
            nn.init.normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)

    def norm(self, i, x, y):
        x = self.norms[i](x)
        if not self.conditional:
            return x
        return x * self.class_scale[i](y)[:, :, None, None] + self.class_shift[i](y)[:, :, None, None]

    def forward(self, z, y=None):
        h = self.project(z).view(-1, 4 * self.width, 4, 4).contiguous(memory_format=self.memory_format)
        h = F.relu(self.norm(0, h, y))
        for i in range(3):
            h = F.relu(self.norm(i + 1, self.up[i](h), y))
        return torch.tanh(self.to_image(h))


def read_safetensors(path):
    """Tensors of a safetensors file as numpy arrays (F32, I32), without the safetensors package."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    base = 8 + length
    dtypes = {"F32": np.float32, "I32": np.int32}
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        out[name] = np.frombuffer(data[base + start : base + end], dtype=dtypes[entry["dtype"]]).reshape(entry["shape"])
    return out


def load_genrep_weights(model, path, prefix="generator"):
    """Copies genrep's parameters (NHWC layouts) into the PyTorch model (NCHW layouts); strict."""
    src = read_safetensors(path)
    used = set()

    def take(name):
        key = f"{prefix}.{name}"
        if key not in src:
            raise KeyError(f"{path}: missing parameter {key}")
        used.add(key)
        return torch.from_numpy(src[key].copy())

    c = 4 * model.width
    with torch.no_grad():
        # Dense [in, out] whose output genrep reshapes to [4, 4, C] (NHWC); PyTorch views [C, 4, 4].
        weight = take("project.weight")  # [in, 16 C], column (h * 4 + w) * C + c
        bias = take("project.bias")
        model.project.weight.copy_(weight.view(-1, 4, 4, c).permute(3, 1, 2, 0).reshape(16 * c, -1))
        model.project.bias.copy_(bias.view(4, 4, c).permute(2, 0, 1).reshape(-1))
        for i, bn in enumerate(model.norms):
            bn.running_mean.copy_(take(f"bn{i}.runningMean"))
            bn.running_var.copy_(take(f"bn{i}.runningVar"))
            if model.conditional:
                model.class_scale[i].weight.copy_(take(f"bn{i}.classScale.table"))
                model.class_shift[i].weight.copy_(take(f"bn{i}.classShift.table"))
            else:
                bn.weight.copy_(take(f"bn{i}.gamma"))
                bn.bias.copy_(take(f"bn{i}.beta"))
        for i, up in enumerate(model.up):
            up.weight.copy_(take(f"up{i}.weight").permute(3, 2, 0, 1))  # [K, K, out, in] -> [in, out, K, K]
        model.to_image.weight.copy_(take("toImage.weight").permute(3, 2, 0, 1))  # [K, K, in, out] -> [out, in, K, K]
        model.to_image.bias.copy_(take("toImage.bias"))
    unused = sorted(set(src) - used)
    if unused:
        raise KeyError(f"{path}: unexpected parameters {unused}")


def export_onnx(model, config, path, batch):
    """Writes the eval-mode generator as ONNX (inputs z [batch, d] and, when conditional,
    y [batch] int64; output images [batch, C, 32, 32]), the second reference of generation:
    onnxruntime-node runs it in bench/ortGenerate.ts. The batch is fixed: torch 1.13's
    exporter cannot export batch norm after a reshape of a dynamic batch."""
    d = config["latentDim"]
    conditional = config["numClasses"] > 0
    z = torch.zeros(batch, d)
    inputs = (z, torch.zeros(batch, dtype=torch.int64)) if conditional else (z,)
    names = ["z", "y"] if conditional else ["z"]
    with torch.no_grad():
        torch.onnx.export(model, inputs, path, input_names=names, output_names=["images"], opset_version=13)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="architectureConfig JSON: latentDim, numClasses, width, channels")
    parser.add_argument("--weights", help="genrep generator.safetensors; default: fresh DCGAN initialisation")
    parser.add_argument("--check", help="safetensors with z, y (if conditional) and genrep's images [N, H, W, C]")
    parser.add_argument("--export-onnx", help="write the generator as ONNX to this file and exit")
    add_common_args(parser)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    config = json.loads(args.config)
    model = DcganGenerator(config["latentDim"], config["numClasses"], config["width"], config["channels"])
    if args.weights:
        load_genrep_weights(model, args.weights)
    model.eval()
    if args.export_onnx:
        export_onnx(model, config, args.export_onnx, args.batch)
        print(json.dumps({"onnx": args.export_onnx, "params": param_count(model), "torchVersion": torch.__version__}))
        return
    model = to_layout(args.layout, model)

    check = None
    if args.check:
        data = read_safetensors(args.check)
        with torch.inference_mode():
            z = torch.from_numpy(data["z"].copy())
            y = torch.from_numpy(data["y"].astype(np.int64)) if "y" in data else None
            images = model(z, y).permute(0, 2, 3, 1).numpy()  # NHWC like genrep
        check = {"samples": int(z.shape[0]), "maxAbsDiff": float(np.abs(images - data["images"]).max())}

    z = torch.randn(args.batch, config["latentDim"]).clamp_(-2, 2)
    y = torch.randint(0, config["numClasses"], (args.batch,)) if config["numClasses"] > 0 else None

    def step():
        with torch.inference_mode():
            model(z, y)

    timing = time_steps(step, args.warmup, args.min_steps, args.min_seconds, args.max_steps)
    out = {
        **environment(args.layout),
        "batch": args.batch,
        "params": param_count(model),
        "weights": args.weights or None,
        "check": check,
        "imagesPerSecond": args.batch / timing["medianS"],
        **timing,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
