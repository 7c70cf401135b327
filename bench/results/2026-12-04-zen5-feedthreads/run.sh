#!/usr/bin/env bash
# Alternating A/B of the worker feed's oneDNN threads (default vs 1), quiet machine.
cd "$(dirname "$0")/../../.."
for r in 1 2; do
  for mode in default one; do
    extra=""; [[ $mode == one ]] && extra="--feed-threads 1"
    echo "== round $r mode $mode $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
    npm run -s bench:pipeline -- --encoders resnet-tiny,resnet10-w32 --rounds 3 --no-torch $extra --out bench/results/2026-12-04-zen5-feedthreads/$mode-$r.json 2>&1
  done
done
