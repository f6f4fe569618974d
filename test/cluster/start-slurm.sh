#!/usr/bin/env bash
# A one-node Slurm cluster of our own on this machine, for the cluster tests (test/cluster/slurm.test.ts):
# munged + slurmctld + slurmd with a minimal configuration in a new temporary folder, their own ports and
# their own munge socket and key, so nothing else on the machine is touched (not /etc/slurm, not
# /etc/munge, not a site's daemons, not their ports). Needs root and Debian's slurm-wlm and munge.
#
#   DIR=$(test/cluster/start-slurm.sh)     # waits until the node is idle; prints the folder, last line
#   . "$DIR/env"                            # SLURM_CONF (sbatch, squeue, scancel, sinfo read it)
#   test/cluster/stop-slurm.sh "$DIR"       # stops these daemons (by their pid files) and removes DIR
#
# Cgroup-free on purpose (containers and CI machines rarely delegate cgroups): processes are tracked by
# parent id (proctrack/linuxproc), tasks are not bound (task/none), no accounting database. The node
# offers the machine's CPUs and 90 % of its memory; GPUs are not offered (the test jobs run on CPU).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
for cmd in node munged mungekey slurmctld slurmd sinfo; do
  command -v "$cmd" >/dev/null || {
    echo "start-slurm: $cmd is missing: apt-get install -y slurm-wlm munge" >&2
    exit 1
  }
done
[ "$(id -u)" = 0 ] || {
  echo "start-slurm: runs as root (slurmd starts jobs as their user)" >&2
  exit 1
}

dir="$(mktemp -d "${TMPDIR:-/tmp}/apprentice-slurm.XXXXXX")"
chmod 755 "$dir"
# A start that fails half-way leaves nothing running and nothing behind.
trap '"$here/stop-slurm.sh" "$dir" >/dev/null 2>&1 || true' ERR INT TERM

# Two free TCP ports for slurmctld and slurmd (not 6817/6818: a real cluster may be on this machine).
read -r ctld_port slurmd_port < <(node -e '
  const net = require("node:net");
  const free = () => new Promise((ok) => { const s = net.createServer(); s.listen(0, "127.0.0.1", () => ok(s)); });
  Promise.all([free(), free()]).then((ss) => { console.log(ss.map((s) => s.address().port).join(" ")); ss.forEach((s) => s.close()); });
')

mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
chmod 700 "$dir/munge"
mungekey --create --keyfile="$dir/munge/munge.key" 2>/dev/null ||
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
# --force: munged otherwise refuses a socket under a world-writable /tmp.
munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
  --seed-file="$dir/munge/munged.seed"

node=apprentice-node
cpus="$(nproc)"
mem_mb="$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)"
cat >"$dir/slurm.conf" <<EOF
# Written by test/cluster/start-slurm.sh for a throw-away one-node test cluster.
ClusterName=apprentice-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
# Listen on the loopback address only (the node's and the controller's), not on every interface: the
# test cluster runs jobs as root, and nothing outside this machine has any business with it.
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
# Quick turnaround: a test waits on these.
SchedulerParameters=sched_interval=2
MessageTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=30
MinJobAge=600
NodeName=$node NodeHostname=$(hostname) NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
echo "export SLURM_CONF=$dir/slurm.conf" >"$dir/env"

export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N "$node"

# Up when the node reports idle (usually a few seconds).
for _ in $(seq 1 120); do
  state="$(sinfo -h -n "$node" -o '%t' 2>/dev/null || true)"
  [ "$state" = idle ] && break
  sleep 0.5
done
if [ "$state" != idle ]; then
  echo "start-slurm: the node did not become idle (state: ${state:-no answer}); logs in $dir/log:" >&2
  tail -n 20 "$dir"/log/*.log >&2 || true
  "$here/stop-slurm.sh" "$dir" >/dev/null 2>&1 || true
  exit 1
fi
trap - ERR INT TERM
echo "$dir"
