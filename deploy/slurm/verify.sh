#!/usr/bin/env bash
# Checks the dataset views-array.sh made: every shard against the manifest's sha256. Fails
# (non-zero exit) and logs the missing or corrupt shards, and the array tasks that make them,
# when the dataset is incomplete. Submit it with --dependency=afterany:<array job id>.
#
#SBATCH --job-name=genrep-views-verify
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=00:30:00
#SBATCH --output=genrep-views-verify-%j.log
set -euo pipefail

OUT="${GENREP_VIEWS_OUT:-$HOME/genrep-data/views/gaussian-0.5}"

genrep views verify --data "$OUT" --pieces 8
