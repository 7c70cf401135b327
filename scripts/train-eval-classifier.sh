#!/usr/bin/env bash
# Trains the evaluation classifier that `genrep gan eval` measures generators with (a ResNet
# [16, 32, 64] on the real Fashion-MNIST training split; about 8 minutes on 2 cores) and
# writes it to models/fashion-mnist-classifier (classifier.safetensors + model.json).
#   bash scripts/train-eval-classifier.sh [epochs]
set -euo pipefail
cd "$(dirname "$0")/.."
epochs="${1:-3}"
node dist/cli/main.js gan train-eval-classifier --out models/fashion-mnist-classifier --epochs "$epochs" --seed 0
