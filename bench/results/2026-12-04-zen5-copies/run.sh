#!/usr/bin/env bash
# Pauses the running preset, runs old (da2f98e worktree) and new (/work/main) bf16 SimCLR-step benches alternating, resumes.
set -u
pid=$(pgrep -f "dist/cli/main.js experiment" | head -1)
out=/work/main/bench/results/2026-12-04-zen5-copies
resume() { [ -n "$pid" ] && kill -CONT "$pid"; echo "resumed $pid $(date -u +%T)"; }
trap resume EXIT
[ -n "$pid" ] && kill -STOP "$pid"; echo "paused $pid $(date -u +%T)"
sleep 20
b() { # dir name precision
  (cd "$1" && echo "$2 start $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)" && npm run bench -- --sections simclr:resnet10-w32 --repeats 3 --torch-configs channels_last:2 --precision "$3" --out "$out/$2.json" > "$out/$2.log" 2>&1; echo "$2 rc $? $(date -u +%T)")
}
b /work/main new-bf16-1 bf16
b /work/run-presets old-bf16-1 bf16
b /work/main new-fp32 fp32
b /work/main new-bf16-2 bf16
b /work/run-presets old-bf16-2 bf16
