#!/usr/bin/env bash
# View grids of the shipped conditional generator: each row is an anchor (left) and 7 views.
#   bash docs/views/make-grids.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
genrep() { npx tsx src/cli/main.ts "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grid() { # name, view flags...
	local name="$1"
	shift
	genrep views generate --generator fashion-mnist-cgan --anchors 10 --neighbors 7 --seed 3 --out "$tmp/$name" "$@" >/dev/null
	genrep views show --data "$tmp/$name" --anchors 10 --out "docs/views/$name.png"
}
grid none --view none
grid gaussian-0.25 --view gaussian --sigma 0.25
grid gaussian-0.5 --view gaussian --sigma 0.5
grid gaussian-1.0 --view gaussian --sigma 1.0
grid independent --view independent
# Walks shipped beside the generator (models/fashion-mnist-cgan/walks, from `genrep steer train`).
grid steer --view steer --walks fashion-mnist-cgan
