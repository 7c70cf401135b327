#!/usr/bin/env bash
# Evaluates the shipped generators (after scripts/train-shipped-models.sh) and, for comparison,
# the same training runs stopped early at step 500 (runs are deterministic per seed, so a
# 500-step run is exactly the early checkpoint of the full run). The final figures go into
# models/<name>/model.json under `metrics`, the early ones under `metrics.earlyCheckpoint`.
#   bash scripts/evaluate-shipped-models.sh
set -euo pipefail
cd "$(dirname "$0")/.."
genrep() { node dist/cli/main.js "$@"; }
early=500
evaluate() { # name, extra train flags...
	local name="$1"
	shift
	local run="runs/$name-step$early"
	if [[ ! -f "$run/generator.safetensors" ]]; then
		genrep gan train --dataset fashion-mnist --steps "$early" --batch-size 64 --seed 1 \
			--sample-every "$early" --log-every 100 --out "$run" "$@"
	fi
	genrep gan eval --generator "$run" --n 10000 --seed 0 --out "$run/metrics.json"
	genrep gan eval --generator "models/$name" --n 10000 --seed 0 --out "models/$name/metrics.json"
	node -e '
		const fs = require("fs");
		const [card, early, step] = [process.argv[1], process.argv[2], Number(process.argv[3])];
		const c = JSON.parse(fs.readFileSync(card, "utf8"));
		const e = JSON.parse(fs.readFileSync(early, "utf8"));
		c.metrics.earlyCheckpoint = { step, frechetDistance: e.frechetDistance, classConsistency: e.classConsistency?.mean ?? null };
		fs.writeFileSync(card + ".tmp", JSON.stringify(c, null, 2) + "\n");
		fs.renameSync(card + ".tmp", card);
	' "models/$name/model.json" "$run/metrics.json" "$early"
}
evaluate fashion-mnist-cgan --conditional
evaluate fashion-mnist-gan
