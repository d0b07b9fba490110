#!/usr/bin/env bash
# Integration test (run by `make test`): a single-node Slurm cluster on this machine runs a 4-shard
# what-if study on the embedded checkpoint with `marsim whatif --slurm`; the merged results must
# equal an unsharded run exactly. Then one shard is "lost", `marsim merge` must point at its log,
# the shard is re-run alone (sbatch --array=K) and merged again.
#
# Installs Slurm when missing (apt-get install slurm-wlm, as root); skips, saying why, only where
# it cannot. Every daemon it starts is stopped by the pid in its pid file, also on failure or
# interruption (trap), and every wait has a timeout, so it never hangs.
#
# Usage: scripts/slurm-test.sh [MARSIM_BINARY]     (default .build/debug/marsim)
# Facts this relies on (Debian 12, root, no systemd): ../shared/docs/SCALE-OUT.md.
set -euo pipefail
cd "$(dirname "$0")/.."
MARSIM=$(readlink -f "${1:-.build/debug/marsim}")
CHECKPOINT=$PWD/checkpoints/tiny-llamba-bytes
say() { echo "slurm-test: $*" >&2; }
skip() { say "SKIPPED: $*"; exit 0; }
fail() { say "FAILED: $*"; exit 1; }

[ -x "$MARSIM" ] || fail "no marsim binary at $MARSIM (build it first: swift build)"

# 1. Slurm itself.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null; then
    [ "$(id -u)" = 0 ] || skip "Slurm is not installed and installing it needs root (apt-get install slurm-wlm)"
    command -v apt-get >/dev/null || skip "Slurm is not installed and this machine has no apt-get to install it"
    say "installing Slurm (apt-get install slurm-wlm) ..."
    if ! timeout 600 env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm >/tmp/marsim-slurm-install.log 2>&1; then
        timeout 300 apt-get update -qq >/dev/null 2>&1 || true
        timeout 600 env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm >/tmp/marsim-slurm-install.log 2>&1 \
            || skip "cannot install Slurm: apt-get install slurm-wlm failed (log: /tmp/marsim-slurm-install.log)"
    fi
fi
[ "$(id -u)" = 0 ] || skip "starting a Slurm cluster (slurmctld, slurmd) needs root here"

# 2. A private single-node cluster: its own config, state, ports and logs in a temporary folder.
WORK=$(mktemp -d /tmp/marsim-slurm.XXXXXX)
export SLURM_CONF=$WORK/slurm.conf
JOBS=""
stop_cluster() {
    local status=$?
    set +e
    [ -n "$JOBS" ] && timeout 10 scancel $JOBS >/dev/null 2>&1
    for name in slurmd slurmctld; do
        local pidfile=$WORK/$name.pid pid
        [ -s "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null
        for _ in $(seq 100); do   # up to 10 s; an exited daemon may linger as a zombie (state Z): stopped
            state=$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)
            [ -z "$state" ] || [ "$state" = Z ] && break
            sleep 0.1
        done
        state=$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)
        if [ -n "$state" ] && [ "$state" != Z ]; then kill -9 "$pid" 2>/dev/null; fi
    done
    if [ $status -ne 0 ]; then
        say "logs of the failed run:"
        for log in "$WORK"/study/logs/*.log "$WORK"/slurmctld.log "$WORK"/slurmd.log; do
            [ -f "$log" ] && { echo "--- $log" >&2; tail -n 15 "$log" >&2; }
        done
    fi
    rm -rf "$WORK"
    exit $status
}
trap stop_cluster EXIT
trap 'exit 130' INT TERM

NODE=$(hostname -s)
HARDWARE=$(slurmd -C 2>/dev/null | head -1 | sed -e 's/RealMemory=[0-9]*//')
case "$HARDWARE" in NodeName=*) ;; *) HARDWARE="NodeName=$NODE CPUs=$(nproc)";; esac
MEMORY=$(( $(free -m | awk '/^Mem:/ {print $2}') * 9 / 10 ))
PORT=$(( 20000 + RANDOM % 20000 ))
cat > "$SLURM_CONF" <<EOF
ClusterName=marsimtest
SlurmctldHost=$NODE
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MailProg=/bin/true
DependencyParameters=kill_invalid_depend
MpiDefault=none
$HARDWARE RealMemory=$MEMORY State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
mkdir -p "$WORK/state" "$WORK/spool"
timeout 30 slurmctld -i || fail "slurmctld did not start (log: $WORK/slurmctld.log)"
timeout 30 slurmd || fail "slurmd did not start (log: $WORK/slurmd.log)"
for _ in $(seq 300); do   # up to 30 s
    [ "$(timeout 5 sinfo -h -n "$NODE" -o %T 2>/dev/null)" = idle ] && break
    sleep 0.1
done
[ "$(timeout 5 sinfo -h -n "$NODE" -o %T 2>/dev/null)" = idle ] || fail "node $NODE never became idle: $(sinfo 2>&1 | tr '\n' ' ')"
say "cluster up: node $NODE idle, controller on port $PORT"

# Waits (up to $2 s) until none of the jobs $1 is queued or running.
wait_jobs() {
    for _ in $(seq $(( $2 * 2 ))); do
        [ -z "$(timeout 10 squeue -h -j "$1" 2>/dev/null)" ] && return 0
        sleep 0.5
    done
    fail "jobs $1 still queued or running after $2 s: $(squeue -j "$1" 2>&1 | tr '\n' ' ')"
}

# 3. The study: 9 units (dense + 2 T × 2 placements × 2 scales) over 4 shards, small text.
STUDY=(whatif --checkpoint "$CHECKPOINT" --text-file "$CHECKPOINT/heldout.txt" --limit 64 --timesteps 1,2
       --placement mixer,all --threshold-scale 1,2 --profile horowitz-45nm-memory --profile loihi-like --threads 1)
SUBMITTED=$(timeout 60 "$MARSIM" "${STUDY[@]}" --out "$WORK/study" --slurm --shards 4) || fail "marsim whatif --slurm failed"
echo "$SUBMITTED"
ARRAY=$(echo "$SUBMITTED" | sed -n 's/.*job array \([0-9]*\).*/\1/p')
MERGE=$(echo "$SUBMITTED" | sed -n 's/.*merge as job \([0-9]*\).*/\1/p')
[ -n "$ARRAY" ] && [ -n "$MERGE" ] || fail "could not read the job ids from marsim's output"
JOBS="$ARRAY $MERGE"
START=$SECONDS
wait_jobs "$ARRAY,$MERGE" 600
say "array job $ARRAY and merge job $MERGE finished in $((SECONDS - START)) s"
[ -f "$WORK/study/results.csv" ] || fail "the merge job wrote no results.csv"
echo "\$ ls $WORK/study; head -3 logs/shard-0.log; head -8 logs/merge.log"
ls "$WORK/study"
head -3 "$WORK/study/logs/shard-0.log"
head -8 "$WORK/study/logs/merge.log"

# 4. The same study unsharded, here; the merged results must be identical (trace paths aside).
timeout 600 "$MARSIM" "${STUDY[@]}" --out "$WORK/full" >/dev/null 2>&1 || fail "the unsharded run failed"
same() {
    diff <(sed "s#$WORK/full/#OUT/#g" "$WORK/full/results.csv") <(sed "s#$WORK/study/#OUT/#g" "$WORK/study/results.csv") >&2 \
        || fail "merged results.csv differs from the unsharded run's"
    for plot in "$WORK"/full/*.svg; do cmp "$plot" "$WORK/study/$(basename "$plot")" || fail "$(basename "$plot") differs"; done
    "$MARSIM" energy "$WORK/study/traces/T2-all-x2.0.h5" --profile loihi-like >/dev/null || fail "marsim energy cannot read a merged trace"
}
same
ROWS=$(( $(wc -l < "$WORK/study/results.csv") - 1 ))
say "merged results.csv ($ROWS rows) and $(ls "$WORK"/full/*.svg | wc -l) plots equal the unsharded run's"

# 5. An eval the same way: 2 shards of 8 items, results.json equal to the unsharded run's byte for byte.
EVAL=(eval --checkpoint "$CHECKPOINT" --tasks "$PWD/Tests/Fixtures/mc/pydoc-mc.jsonl" --limit 8 -T 2
      --calibration-text "$CHECKPOINT/heldout.txt" --calibration-limit 256 --profile loihi-like --threads 1)
SUBMITTED=$(timeout 60 "$MARSIM" "${EVAL[@]}" --output-path "$WORK/eval" --slurm --shards 2) || fail "marsim eval --slurm failed"
EVAL_JOBS=$(echo "$SUBMITTED" | sed -n 's/.*job array \([0-9]*\).*merge as job \([0-9]*\).*/\1,\2/p')
[ -n "$EVAL_JOBS" ] || fail "could not read the eval job ids from marsim's output"
JOBS="$JOBS ${EVAL_JOBS/,/ }"
wait_jobs "$EVAL_JOBS" 600
timeout 600 "$MARSIM" "${EVAL[@]}" --output-path "$WORK/eval-full" >/dev/null 2>&1 || fail "the unsharded eval failed"
cmp "$WORK/eval/results.json" "$WORK/eval-full/results.json" || fail "merged eval results.json differs from the unsharded run's"
say "eval: 2 shards (jobs $EVAL_JOBS) merged into results.json equal to the unsharded run's"

# 6. A lost shard: the merge names its log and the re-run; re-run alone, merge again, still equal.
rm -rf "$WORK/study/shards/shard-2"
if MESSAGE=$("$MARSIM" merge --overwrite --out "$WORK/study" "$WORK/study/shards" 2>&1); then fail "merge succeeded without shard 2"; fi
echo "$MESSAGE"
case "$MESSAGE" in *"shard 2/4 is missing"*"logs/shard-2.log"*"sbatch --array=2"*) ;; *) fail "the merge did not point at shard 2's log and re-run";; esac
RERUN=$(timeout 30 sbatch --parsable --array=2 "$WORK/study/slurm/shards.sbatch" | cut -d';' -f1) || fail "sbatch --array=2 failed"
JOBS="$JOBS $RERUN"
wait_jobs "$RERUN" 300
timeout 300 "$MARSIM" merge --overwrite --out "$WORK/study" "$WORK/study/shards" >/dev/null 2>&1 || fail "merge after the re-run failed"
same
say "shard 2 re-run alone (job $RERUN) and merged again: still equal"
say "PASSED"
