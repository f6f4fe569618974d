#!/usr/bin/env bash
# Stops the test cluster that start-slurm.sh started in DIR (only its daemons, by their pid files) and
# removes DIR. Safe to run twice, or on a start that failed half-way.
set -uo pipefail
dir="${1:?usage: stop-slurm.sh DIR (the folder start-slurm.sh printed)}"
case "$dir" in
  */apprentice-slurm.*) ;;
  *)
    echo "stop-slurm: $dir is not a folder start-slurm.sh made" >&2
    exit 2
    ;;
esac
[ -d "$dir" ] || exit 0

# A job still running would outlive slurmd (proctrack/linuxproc does not kill its tree on shutdown).
if [ -f "$dir/slurm.conf" ] && [ -f "$dir/slurmctld.pid" ]; then
  SLURM_CONF="$dir/slurm.conf" scancel --full --signal=KILL --state=RUNNING --user=root >/dev/null 2>&1 || true
  SLURM_CONF="$dir/slurm.conf" scancel --user=root >/dev/null 2>&1 || true
fi

stop() {
  local pidfile="$1" pid
  [ -f "$pidfile" ] || return 0
  pid="$(cat "$pidfile" 2>/dev/null)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}
stop "$dir/slurmd.pid"
stop "$dir/slurmctld.pid"
stop "$dir/munge/munged.pid"
rm -rf "$dir"
