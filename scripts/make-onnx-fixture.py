"""Builds the small ONNX generator fixtures of genrep's tests (test/fixtures/onnx/).

Two tiny class-conditional generators, exported from PyTorch with a dynamic batch axis:

- tiny-cgan:   inputs z [N, 8] float32 and y [N] int64 (class index); output NCHW [N, 3, 16, 16]
               in [0, 1] (sigmoid). Its model.json declares the ONNX fields explicitly.
- tiny-onehot: inputs latent [N, 8] float32 and label_onehot [N, 5] float32; output NHWC
               [N, 16, 16, 3] in [-1, 1] (tanh). Its model.json declares nothing about the graph,
               so genrep reads the inputs, the class encoding and the layout from the graph.
- rgb64:       the "bring your own generator" fixture: z [N, 8] and y [N] int64 (4 classes),
               output NCHW [N, 3, 64, 64] in [-1, 1] (tanh), four upsampling stages; exported
               like the README's BigGAN wrapper (dynamic batch axis, opset 13).

Beside each model: expected.safetensors with fixed z [4, 8] (F32), y [4] (I32) and `images`,
PyTorch's output converted to what genrep's Generator returns: NHWC float32 in [-1, 1]. The
tests compare genrep's output to it (1e-4) without needing Python.

Usage: /usr/bin/python3 scripts/make-onnx-fixture.py [NAME ...]   (Debian python3-torch; all without NAME)
       /usr/bin/python3 scripts/make-onnx-fixture.py --sizes DIR   rgb32/rgb64/rgb128 for bench/imageSizes.ts
"""

import json
import os
import re
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "onnx")
LATENT = 8
CHANNELS = 3
SAMPLES = 4


class TinyGenerator(nn.Module):
    """z (+ class) -> Linear -> 4x4x16 -> BN-ReLU -> (ConvT x2 -> BN-ReLU) per stage -> conv -> image.

    Two stages give 16x16 images, four give 64x64."""

    def __init__(self, num_classes, onehot, nhwc, activation, stages=2):
        super().__init__()
        self.stages = stages
        self.onehot = onehot
        self.nhwc = nhwc
        self.activation = activation
        inputs = LATENT + (num_classes if onehot else 0)
        if not onehot:
            self.embed = nn.Embedding(num_classes, LATENT)
        self.project = nn.Linear(inputs, 4 * 4 * 16)
        self.bn0 = nn.BatchNorm2d(16)
        self.up0 = nn.ConvTranspose2d(16, 8, 4, 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.up1 = nn.ConvTranspose2d(8, 8, 4, 2, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        extra = [nn.ConvTranspose2d(8, 8, 4, 2, 1, bias=False) for _ in range(stages - 2)]
        self.more_ups = nn.ModuleList(extra)
        self.more_bns = nn.ModuleList([nn.BatchNorm2d(8) for _ in extra])
        self.to_image = nn.Conv2d(8, CHANNELS, 3, 1, 1)
        # Non-trivial running statistics, so eval-mode batch norm is exercised.
        for bn in (self.bn0, self.bn1, self.bn2, *self.more_bns):
            bn.running_mean.uniform_(-0.2, 0.2)
            bn.running_var.uniform_(0.5, 1.5)
            nn.init.uniform_(bn.weight, 0.8, 1.2)
            nn.init.uniform_(bn.bias, -0.1, 0.1)

    def forward(self, z, y):
        h = torch.cat([z, y], 1) if self.onehot else z * self.embed(y)
        h = torch.relu(self.bn0(self.project(h).view(-1, 16, 4, 4)))
        h = torch.relu(self.bn1(self.up0(h)))
        h = torch.relu(self.bn2(self.up1(h)))
        for up, bn in zip(self.more_ups, self.more_bns):
            h = torch.relu(bn(up(h)))
        x = self.to_image(h)
        x = torch.sigmoid(x) if self.activation == "sigmoid" else torch.tanh(x)
        return x.permute(0, 2, 3, 1) if self.nhwc else x


def write_safetensors(path, tensors):
    """The safetensors format (JSON header + raw little-endian bytes), without the Python package."""
    header = {}
    offset = 0
    blobs = []
    for name, array in tensors.items():
        dtype = {np.dtype("float32"): "F32", np.dtype("int32"): "I32"}[array.dtype]
        blob = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    header["__metadata__"] = {"source": "scripts/make-onnx-fixture.py", "torch": torch.__version__}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def write_json(path, value):
    """Tab-indented JSON with short lists of scalars on one line (as Biome formats it)."""
    text = json.dumps(value, indent="\t")
    text = re.sub(r"\[\s*([^\[\]{}]*?)\s*\]", lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text)
    with open(path, "w") as f:
        f.write(text + "\n")


def build(name, num_classes, onehot, nhwc, activation, input_names, output_name, card_extra, stages=2):
    torch.manual_seed(7)
    model = TinyGenerator(num_classes, onehot, nhwc, activation, stages).eval()
    size = 4 * 2**stages
    out_dir = os.path.join(ROOT, name)
    os.makedirs(out_dir, exist_ok=True)

    gen = torch.Generator().manual_seed(11)
    z = torch.randn(SAMPLES, LATENT, generator=gen)
    y = torch.tensor([0, num_classes - 1, 2, 1], dtype=torch.int64) % num_classes
    y_in = nn.functional.one_hot(y, num_classes).float() if onehot else y
    with torch.no_grad():
        images = model(z, y_in)
    nhwc_images = images if nhwc else images.permute(0, 2, 3, 1)
    low, high = (0.0, 1.0) if activation == "sigmoid" else (-1.0, 1.0)
    expected = (nhwc_images - low) / (high - low) * 2 - 1  # genrep's contract: NHWC in [-1, 1]

    torch.onnx.export(
        model,
        (z, y_in),
        os.path.join(out_dir, "model.onnx"),
        input_names=input_names,
        output_names=[output_name],
        dynamic_axes={input_names[0]: {0: "batch"}, input_names[1]: {0: "batch"}, output_name: {0: "batch"}},
        opset_version=13,
    )
    write_safetensors(
        os.path.join(out_dir, "expected.safetensors"),
        {
            "z": z.numpy().astype(np.float32),
            "y": y.numpy().astype(np.int32),
            "images": expected.contiguous().numpy().astype(np.float32),
        },
    )
    card = {
        "format": "genrep-generator/1",
        "kind": "onnx",
        "weights": "model.onnx",
        "latentDim": LATENT,
        "numClasses": num_classes,
        "classNames": [f"class{i}" for i in range(num_classes)],
        "imageShape": [size, size, CHANNELS],
        "valueRange": [low, high],
        "defaultTruncation": 2,
        **card_extra,
        "source": "scripts/make-onnx-fixture.py (random weights, torch.manual_seed(7))",
    }
    write_json(os.path.join(out_dir, "model.json"), card)
    print(f"wrote {out_dir}: {os.path.getsize(os.path.join(out_dir, 'model.onnx'))} bytes of ONNX")


def main():
    global ROOT
    args = sys.argv[1:]
    if args[:1] == ["--sizes"]:
        # Benchmark generators (not test fixtures): rgb32, rgb64, rgb128 into the given folder.
        ROOT = args[1]
        for stages in (3, 4, 5):
            build(f"rgb{4 * 2**stages}", **{**FIXTURES["rgb64"], "stages": stages})
        return
    only = set(args)
    for name, kwargs in FIXTURES.items():
        if not only or name in only:
            build(name, **kwargs)


FIXTURES = {
    "tiny-cgan": dict(
        num_classes=10,
        onehot=False,
        nhwc=False,
        activation="sigmoid",
        input_names=["z", "y"],
        output_name="image",
        card_extra={
            "onnx": {"zInput": "z", "classInput": "y", "classEncoding": "index", "output": "image", "layout": "NCHW"}
        },
    ),
    "tiny-onehot": dict(
        num_classes=5,
        onehot=True,
        nhwc=True,
        activation="tanh",
        input_names=["latent", "label_onehot"],
        output_name="images",
        card_extra={},
    ),
    "rgb64": dict(
        num_classes=4,
        onehot=False,
        nhwc=False,
        activation="tanh",
        input_names=["z", "y"],
        output_name="image",
        card_extra={},
        stages=4,
    ),
}


if __name__ == "__main__":
    main()
