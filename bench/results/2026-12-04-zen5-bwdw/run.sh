#!/usr/bin/env bash
# bf16: strided 3x3 filter gradients on one thread in bf16 (old, 6edafcb) vs in fp32 on two
# threads (new), alternating, with the running preset paused (SIGSTOP) throughout.
set -u
out=/work/main/bench/results/2026-12-04-zen5-bwdw
args=(--sections simclr:resnet10-w32 --repeats 3 --torch-configs channels_last:2 --precision bf16)
P=$(pgrep -f "experiment table-" | head -1)
[[ -n $P ]] && kill -STOP "$P" && echo "paused $P $(date -u +%T)"
cd /work/main
for round in 1 2; do
  for side in old new; do
    cp "/work/addon-$side.node" native/build/Release/genrep_native.node
    echo "== $side round $round $(date -u +%T)"
    npm run bench -- "${args[@]}" --out "$out/$side-$round.json" > "$out/$side-$round.log" 2>&1
    echo "rc=$? $(date -u +%T)"
  done
done
cp /work/addon-new.node native/build/Release/genrep_native.node
[[ -n $P ]] && kill -CONT "$P" && echo "resumed $(date -u +%T)"
