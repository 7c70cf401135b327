#!/usr/bin/env bash
# Copies an experiment's report, its job ledger and each run's small files (config, metrics, encoder card,
# training log) into docs/results/<name>/, leaving out views datasets and weights.
#   bash scripts/publish-results.sh <experiment dir> <name>
set -euo pipefail
src="${1:?usage: publish-results.sh <experiment dir> <name>}"
name="${2:?usage: publish-results.sh <experiment dir> <name>}"
dest="$(dirname "$0")/../docs/results/$name"
[[ -f "$src/report.md" ]] || { echo "error: $src has no report.md; run genrep experiment first" >&2; exit 1; }
mkdir -p "$dest"
cp "$src"/report.md "$src"/report.html "$src"/results.json "$src"/preset.json "$dest"/
if [[ -f "$src/jobs.jsonl" ]]; then cp "$src/jobs.jsonl" "$dest"/; fi
for d in plots grids; do
	if [[ -d "$src/$d" ]]; then rm -rf "${dest:?}/$d" && cp -r "$src/$d" "$dest/$d"; fi
done
if [[ -d "$src/runs" ]]; then
	(cd "$src" && find runs -type f \( -name config.json -o -name metrics.json -o -name encoder.json -o -name metrics.jsonl \)) |
		while read -r f; do mkdir -p "$dest/$(dirname "$f")" && cp "$src/$f" "$dest/$f"; done
fi
echo "published $src -> $dest"
