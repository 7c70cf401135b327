#!/usr/bin/env bash
# Per-step oneDNN time by primitive kind from an ONEDNN_VERBOSE=1 profile of 5 steps (2 warm-up
# steps inside bench/profile.ts, then 3 timed): the last 3/5 of the exec lines, divided by 3.
# Made by (preset paused):
#   ONEDNN_VERBOSE=1 npx tsx bench/profile.ts --section train:resnet10-w32 --steps 3 --precision bf16|fp32
for f in "$@"; do
  echo "== $f (ms per step of 512 images)"
  grep "^onednn_verbose,exec" "$f" | awk -F, '{print NR, $4, $6, $7, $NF}' > /tmp/steady.$$
  n=$(wc -l < /tmp/steady.$$)
  awk -v n="$n" 'NR > n*2/5 {k=$2" "$3; if ($2=="reorder") k=k" "$4; t[k]+=$NF/3} END{for(k in t) printf "%8.1f %s\n", t[k], k}' /tmp/steady.$$ | sort -rn | head -6
  rm -f /tmp/steady.$$
done
