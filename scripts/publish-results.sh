#!/usr/bin/env bash
# Copies an experiment's report, its job ledger and each run's small files (config, metrics, encoder card,
# training log) into docs/results/<name>/, leaving out views datasets and weights. Without a report
# (a sitting not finished yet) it copies the runs and the ledger only.
#   bash scripts/publish-results.sh <experiment dir> <name>
set -euo pipefail
src="${1:?usage: publish-results.sh <experiment dir> <name>}"
name="${2:?usage: publish-results.sh <experiment dir> <name>}"
dest="$(dirname "$0")/../docs/results/$name"
[[ -f "$src/preset.json" ]] || { echo "error: $src has no preset.json; run genrep experiment first" >&2; exit 1; }
mkdir -p "$dest"
cp "$src"/preset.json "$dest"/
if [[ -f "$src/report.md" ]]; then
	cp "$src"/report.md "$src"/report.html "$src"/results.json "$dest"/
else
	# A sitting still running (or stopped) writes no report: publish its finished runs, so that a
	# later session continues from them (cp -r docs/results/<name> DIR, then the same command).
	echo "warning: $src has no report.md yet: publishing the finished runs and the ledger only" >&2
fi
if [[ -f "$src/jobs.jsonl" ]]; then cp "$src/jobs.jsonl" "$dest"/; fi
for d in plots grids; do
	if [[ -d "$src/$d" ]]; then rm -rf "${dest:?}/$d" && cp -r "$src/$d" "$dest/$d"; fi
done
if [[ -d "$src/runs" ]]; then
	# Only finished runs (those with metrics.json): a run still training has a config and a log but
	# no number, and a later sitting must train it again rather than find it half published.
	(cd "$src" && find runs -type f -name metrics.json) | while read -r m; do
		run="$(dirname "$m")"
		mkdir -p "$dest/$run"
		for f in config.json metrics.json encoder.json metrics.jsonl; do
			if [[ -f "$src/$run/$f" ]]; then cp "$src/$run/$f" "$dest/$run/$f"; fi
		done
	done
fi
echo "published $src -> $dest"
