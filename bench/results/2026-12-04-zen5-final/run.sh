#!/usr/bin/env bash
# One quiet run of every bench (2026-12-04 evening, Zen 5), after Winograd and the per-thread
# precision, from a worktree at f3fc028 (/work/bench-wt2); nothing else running but the lead's
# editor (docs).
set -u
out=/work/main/bench/results/2026-12-04-zen5-final
mkdir -p $out
cd /work/bench-wt2
echo "start $(date -u +%FT%TZ) commit $(git rev-parse --short HEAD)" > $out/times.txt
npm run bench -- --out $out/bench.json > $out/bench.log 2>&1
echo "bench done $(date -u +%FT%TZ) rc $?" >> $out/times.txt
npm run bench -- --sections simclr:resnet-tiny,simclr:resnet10-w32 --precision bf16 --out $out/bench-bf16.json > $out/bench-bf16.log 2>&1
echo "bf16 done $(date -u +%FT%TZ) rc $?" >> $out/times.txt
npm run bench:pipeline -- --encoders resnet-tiny,resnet10-w32 --rounds 3 --out $out/pipeline.json > $out/pipeline.log 2>&1
echo "pipeline done $(date -u +%FT%TZ) rc $?" >> $out/times.txt
