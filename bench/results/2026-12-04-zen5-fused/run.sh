#!/usr/bin/env bash
# Before (97324bd, /work/run-presets) and after (main, fused BN+add+ReLU), alternating, quiet machine.
set -u
out=/work/main/bench/results/2026-12-04-zen5-fused
args=(--sections simclr:resnet10-w32 --repeats 3 --torch-configs channels_last:1,channels_last:2)
for prec in fp32 bf16; do
  for side in before after; do
    dir=/work/main; [[ $side == before ]] && dir=/work/run-presets
    echo "== $side $prec $(date -u +%T)"
    (cd "$dir" && npm run bench -- "${args[@]}" --precision "$prec" --out "$out/$side-$prec.json") > "$out/$side-$prec.log" 2>&1
    echo "rc=$? $(date -u +%T)"
  done
done
