#!/usr/bin/env bash
# Submits a transfer with sharded pseudo-labelling: a job array of N tasks (transfer-array.slurm, one
# shard each), then transfer.slurm with --shards N, which starts only once every task has succeeded
# (--dependency=afterok) and fuses the shards, trains, evaluates and exports.
#   build/cluster/submit-sharded.sh RUN_SPEC.yaml N [sbatch options for both jobs...]
#   e.g. build/cluster/submit-sharded.sh runs/busbra.yaml 8 --partition=gpu
# Prints "ARRAY_JOB_ID TRANSFER_JOB_ID". If a task fails, the transfer job never starts (Slurm drops
# it): run that task again (sbatch --array=I transfer-array.slurm SPEC N), then transfer.slurm SPEC
# --shards N.
set -euo pipefail

usage="usage: submit-sharded.sh RUN_SPEC.yaml N [sbatch options...]"
SPEC="${1:?$usage}"
N="${2:?$usage}"
shift 2
case "$N" in
  '' | *[!0-9]* | 0*)
    echo "submit-sharded.sh: N must be a whole number of shards from 1, got \"$N\"" >&2
    exit 2
    ;;
esac
here="$(cd "$(dirname "$0")" && pwd)"
# The jobs find the checkout through this (sbatch passes the environment on).
export APPRENTICE_HOME="${APPRENTICE_HOME:-$(cd "$here/../.." && pwd)}"

array="$(sbatch --parsable --array="1-$N" "$@" "$here/transfer-array.slurm" "$SPEC" "$N")"
array="${array%%;*}"
final="$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes "$@" \
  "$here/transfer.slurm" "$SPEC" --shards "$N")"
final="${final%%;*}"
echo "Shards: job array $array (tasks 1-$N). Transfer: job $final, once every shard has succeeded." >&2
echo "$array $final"
