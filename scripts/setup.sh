#!/usr/bin/env bash
# Installs the system packages genrep needs on a fresh Debian machine (run as root).
#   bash scripts/setup.sh           dataset + native-kernel build dependencies
#   bash scripts/setup.sh --bench   also PyTorch (with OpenBLAS), for the side-by-side benchmarks
set -euo pipefail
packages=(dataset-fashion-mnist libdnnl-dev g++ make python3 python3-numpy)
# genrep ui browser tests (playwright-core drives this chromium; no browser download)
packages+=(chromium)
if [[ "${1:-}" == "--bench" ]]; then
	packages+=(python3-torch libopenblas0-pthread)
fi
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "genrep setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	echo "genrep setup: system packages present"
fi
