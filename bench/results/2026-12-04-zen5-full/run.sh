#!/usr/bin/env bash
# One quiet run of every bench (2026-12-04, Zen 5): started when the table-conditional preset's
# seed 0 had finished, from a worktree at 3be214c (/work/bench-wt), nothing else running.
set -u
out=/work/main/bench/results/2026-12-04-zen5-full
mkdir -p $out
cd /work/bench-wt
npm run bench -- --out $out/bench.json > $out/bench.log 2>&1
npm run bench -- --sections simclr:resnet-tiny,simclr:resnet10-w32 --precision bf16 --out $out/bench-bf16.json > $out/bench-bf16.log 2>&1
npm run bench:pipeline -- --encoders resnet-tiny,resnet10-w32 --rounds 3 --out $out/pipeline.json > $out/pipeline.log 2>&1
