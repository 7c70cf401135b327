#!/usr/bin/env bash
# The generator-quality ladder: the two shipped Fashion-MNIST GANs' training command (seed 1,
# batch 64) stopped at several step counts, each stop copied to models/<name>-step<k> and
# measured by `gan eval` (Fréchet distance; for the conditional GAN also class consistency and
# the Classification Accuracy Score). The shipped 8000-step models are the ladder's top rung.
# Resumable: each rung resumes the run from the previous rung's checkpoint.
#   bash scripts/train-generator-ladder.sh [steps...]    (default 500 1000 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=("$@")
[[ ${#steps[@]} -gt 0 ]] || steps=(500 1000 2000)
genrep() { node dist/cli/main.js "$@"; }
ladder() { # name, extra gan-train flags...
	local name="$1"
	shift
	local run="runs/ladder/$name"
	for k in "${steps[@]}"; do
		local dest="models/$name-step$k"
		[[ -f "$dest/metrics.json" ]] && continue
		local resume=()
		[[ -f "$run/checkpoint.safetensors" ]] && resume=(--resume)
		genrep gan train --dataset fashion-mnist --steps "$k" --batch-size 64 --seed 1 \
			--sample-every 100000 --log-every 100 --out "$run" "${resume[@]}" "$@"
		rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
		cp "$run/generator.safetensors" "$run/model.json" "$dest.tmp/"
		local cas=()
		[[ " $* " == *" --conditional "* ]] && cas=(--cas)
		genrep gan eval --generator "$dest.tmp" --n 10000 --seed 0 "${cas[@]}" --out "$dest.tmp/metrics.json"
		rm -rf "$dest" && mv "$dest.tmp" "$dest"
	done
}
ladder fashion-mnist-cgan --conditional
ladder fashion-mnist-gan
# The top rung is the shipped model: it gets the conditional ladder's CAS too.
grep -q classificationAccuracyScore models/fashion-mnist-cgan/model.json ||
	genrep gan eval --generator fashion-mnist-cgan --n 10000 --seed 0 --cas --out models/fashion-mnist-cgan/metrics.json
