#!/bin/sh
# A one-node SLURM cluster on this machine, from Debian's packages (slurmctld, slurmd, munge),
# to run `snakemake --profile profiles/slurm ...` against a real scheduler.
#
#   tools/slurm-local.sh start    # munged + slurmctld + slurmd; returns when the node is idle
#   tools/slurm-local.sh status   # sinfo and squeue
#   tools/slurm-local.sh stop     # cancels every job, stops what `start` started, removes slurm.conf
#
# Needs root (the daemons run as root: SlurmUser=root) and `apt-get install slurm-wlm munge`.
# Exit status 3 means the packages are absent (tests skip on it), 4 that this is not root,
# 5 that /etc/slurm/slurm.conf belongs to someone else (it is never overwritten).
#
# The node is the machine: its cores and memory as `slurmd -C` reports them, one partition `dmp`.
# Memory is a consumable resource (select/cons_tres, CR_Core_Memory) and is enforced without
# cgroups: jobacct_gather/linux samples every process of a job step every 2 s and OverMemoryKill
# kills a step whose summed resident memory exceeds the job's --mem; the job ends OUT_OF_MEMORY.
# There is no slurmdbd (accounting_storage/none), so `sacct` does not work: the SLURM profile polls
# with `squeue`, which sees finished jobs for MinJobAge seconds (here an hour, so that a test can read
# back every job of a run). Jobs run at nice 10 (DMP_SLURM_NICE), as the machine is shared.
set -eu

STATE=${DMP_SLURM_STATE:-/var/tmp/dmp-slurm}    # spool, state, logs and pid files of this cluster
CONF=/etc/slurm/slurm.conf                       # srun inside a job reads only the default path
MARK="# written by dmp tools/slurm-local.sh"
PARTITION=dmp

need() {
    for cmd in slurmctld slurmd munged sbatch squeue scontrol sinfo; do
        if ! command -v "$cmd" >/dev/null 2>&1; then
            echo "slurm-local: $cmd not found: install Debian's slurm-wlm and munge packages" >&2
            exit 3
        fi
    done
    if [ "$(id -u)" -ne 0 ]; then
        echo "slurm-local: must run as root (the daemons run as SlurmUser=root)" >&2
        exit 4
    fi
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_conf() {
    if [ -f "$CONF" ] && ! head -n 1 "$CONF" | grep -qF "$MARK"; then
        echo "slurm-local: $CONF exists and was not written by this script; not touching it" >&2
        exit 5
    fi
    host=$(hostname -s)
    # "NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105"
    node=$(slurmd -C | head -n 1 | sed "s/^NodeName=[^ ]*/NodeName=$host/")
    mkdir -p /etc/slurm "$STATE/ctld" "$STATE/spool" "$STATE/log"
    cat >"$CONF" <<EOF
$MARK start; removed by its stop.
ClusterName=dmp-local
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
# no systemd and no cgroup hierarchy of our own: a job's processes are its process groups
# (proctrack/linuxproc, the parent-pid tree, lost a job's Snakemake once its parent had exited,
# and scancel left it running)
ProctrackType=proctrack/pgid
TaskPlugin=task/none
# cores and memory are what jobs request and are granted
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# memory enforcement without cgroups: sample each step every 2 s, kill it above its --mem
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=2
JobAcctGatherParams=OverMemoryKill
# no slurmdbd: squeue is the status source, so finished jobs stay listed for an hour
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=3600
ReturnToService=2
SlurmdTimeout=120
$node State=UNKNOWN
PartitionName=$PARTITION Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
    if munge -n </dev/null >/dev/null 2>&1; then
        return  # a munged already answers on the default socket
    fi
    if [ ! -s /etc/munge/munge.key ]; then
        mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null \
            || dd if=/dev/urandom of=/etc/munge/munge.key bs=128 count=1 2>/dev/null
        chown munge:munge /etc/munge/munge.key
        chmod 400 /etc/munge/munge.key
    fi
    mkdir -p /run/munge
    chown munge:munge /run/munge
    runuser -u munge -- munged
    cp /run/munge/munged.pid "$STATE/munged.pid"  # started by us: stop ends it
}

wait_idle() {
    i=0
    while [ $i -lt 60 ]; do
        state=$(sinfo -h -p "$PARTITION" -o %T 2>/dev/null || true)
        case "$state" in
        idle*) return 0 ;;
        down* | drain*) scontrol update NodeName="$(hostname -s)" State=RESUME 2>/dev/null || true ;;
        esac
        sleep 1
        i=$((i + 1))
    done
    echo "slurm-local: the node did not become idle within 60 s (state: ${state:-none}); see $STATE/log" >&2
    exit 1
}

start() {
    need
    write_conf
    start_munge
    # -c: a fresh controller without the jobs of an earlier session
    alive "$STATE/slurmctld.pid" || slurmctld -c
    # slurmd's job steps inherit its niceness
    alive "$STATE/slurmd.pid" || nice -n "${DMP_SLURM_NICE:-10}" slurmd
    wait_idle
    sinfo -N -o "%N %c CPUs %m MB %T" -h | sed 's/^/slurm-local: node /'
}

stop_pid() {  # stop_pid NAME PIDFILE: SIGTERM, then wait up to 30 s
    if alive "$2"; then
        pid=$(cat "$2")
        kill "$pid"
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 30 ]; do
            sleep 1
            i=$((i + 1))
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "slurm-local: $1 ($pid) did not stop within 30 s" >&2
        fi
    fi
    rm -f "$2"
}

stop() {
    need
    if alive "$STATE/slurmctld.pid"; then
        scancel --full --user=root 2>/dev/null || true
        sleep 2
    fi
    stop_pid slurmd "$STATE/slurmd.pid"
    stop_pid slurmctld "$STATE/slurmctld.pid"
    stop_pid munged "$STATE/munged.pid"
    if [ -f "$CONF" ] && head -n 1 "$CONF" | grep -qF "$MARK"; then
        rm -f "$CONF"
    fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status)
    need
    sinfo -N -o "%N %c CPUs %m MB %T" && squeue -o "%i %j %T %M %R %k"
    ;;
*)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
