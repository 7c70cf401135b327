#!/usr/bin/env bash
# The shapes of resnet10-w32's strided 3x3 convolutions (TF "same" padding: 0 before, 1 after)
# and two stride-1 ones, every non-reference oneDNN backward-weights implementation, bf16 and
# fp32, 2 threads and then 1. Output on stdout; see docs/performance.md, "bf16 under contention".
set -euo pipefail
cd "$(dirname "$0")"
g++ -O2 -std=c++17 bwd-weights-impls.cc -o /tmp/bwd-weights-impls -ldnnl
echo "# $(date -u +%FT%TZ) load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for threads in 2 1; do
  echo "## OMP_NUM_THREADS=$threads"
  for shape in "32 64 32 2 0 1" "64 128 16 2 0 1" "128 256 8 2 0 1" "32 32 32 1 1 1" "128 128 8 1 1 1"; do
    for p in bf16 f32; do OMP_NUM_THREADS=$threads /tmp/bwd-weights-impls $p $shape 10; done
  done
done
echo "# $(date -u +%FT%TZ) load average: $(cut -d' ' -f1-3 /proc/loadavg)"
