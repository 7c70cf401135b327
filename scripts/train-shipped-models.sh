#!/usr/bin/env bash
# Trains the two shipped Fashion-MNIST generators (resumable: run it again after a kill) and
# copies the EMA generator, its model card and the last sample grid into models/.
#   bash scripts/train-shipped-models.sh [steps]
set -euo pipefail
cd "$(dirname "$0")/.."
steps="${1:-12000}"
train() { # name, extra flags...
	local name="$1"
	shift
	local run="runs/$name"
	local resume=()
	[[ -f "$run/checkpoint.safetensors" ]] && resume=(--resume)
	node dist/cli/main.js gan train --dataset fashion-mnist --steps "$steps" --batch-size 64 --seed 1 \
		--sample-every 2000 --log-every 100 --out "$run" "${resume[@]}" "$@"
	mkdir -p "models/$name"
	cp "$run/generator.safetensors" "$run/model.json" "models/$name/"
	cp "$(ls "$run"/samples/*.png | tail -n 1)" "models/$name/samples.png"
}
train fashion-mnist-cgan --conditional
train fashion-mnist-gan
