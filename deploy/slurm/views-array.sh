#!/usr/bin/env bash
# genrep views generate as a Slurm job array: 8 tasks, each makes the shards whose
# index % 8 == its place in the array, all into one folder on a shared file system (NFS, Lustre).
# Tasks need no coordination: `--shard auto` reads SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT
# and SLURM_ARRAY_TASK_MIN (any one range works: --array=0-7, --array=1-8). See deploy/README.md.
#
#   jobid=$(sbatch --parsable deploy/slurm/views-array.sh)
#   sbatch --dependency=afterany:$jobid deploy/slurm/verify.sh
#
#SBATCH --job-name=genrep-views
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=04:00:00
#SBATCH --output=genrep-views-%A_%a.log
set -euo pipefail

# The dataset folder on the shared file system; every task of the array writes into it.
OUT="${GENREP_VIEWS_OUT:-$HOME/genrep-data/views/gaussian-0.5}"

srun genrep views generate \
	--generator fashion-mnist-cgan \
	--view gaussian \
	--sigma 0.5 \
	--anchors 60000 \
	--neighbors 1 \
	--seed 0 \
	--out "$OUT" \
	--shard auto
