#!/usr/bin/env bash
# Interleaved A/B of Winograd (auto) against direct convolutions, fp32 and bf16, one process per encoder.
cd "$(dirname "$0")/../../.."
out=bench/results/2026-12-04-zen5-winograd
echo "commit $(git rev-parse --short HEAD), $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" > $out/ab.txt
npx tsx bench/stepModes.ts --encoder resnet10-w32 --rounds 6 --steps 4 --modes fp32,fp32-direct,bf16,bf16-direct >> $out/ab.txt
npx tsx bench/stepModes.ts --encoder resnet18 --rounds 4 --steps 3 --modes fp32,fp32-direct,bf16,bf16-direct >> $out/ab.txt
npx tsx bench/stepModes.ts --encoder resnet-tiny --rounds 6 --steps 6 --modes fp32,fp32-direct,bf16,bf16-direct >> $out/ab.txt
echo "end $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" >> $out/ab.txt
