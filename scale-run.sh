#!/usr/bin/env bash
# The README's "Build, cluster and memory at scale" run for one Graph500 R-MAT scale, with the release build:
#   ./scale-run.sh S BATCH_SOURCES EXPORT_ROWS [WORKDIR]     (e.g. ./scale-run.sh 20 1000 1000)
# Generates the graph (kept in WORKDIR, default /tmp/powerwalk-scaleS, for the next run), ingests and indexes
# it under /usr/bin/time -v, then starts `powerwalkd local` with 2 shards and runs an index job, a batch-query
# job (top 100) and an export (K = 32) over sources drawn uniformly from the vertices of out-degree >= 1
# (numpy default_rng(2) and (3)). Prints each stage's wall/CPU time and peak RSS, the daemon's VmHWM, and its
# RSS sampled every 10 s during the batch and the export (whether a long batch grows the memory).
set -euo pipefail
[ $# -ge 3 ] || { sed -n 2,7p "$0"; exit 64; }
python3 -c "import numpy" 2> /dev/null || { echo "scale-run.sh: needs numpy (apt-get install python3-numpy)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "scale-run.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
S=$1 NB=$2 NE=$3
BIN=$(cd "$(dirname "$0")" && pwd)/.build/release
[ -x "$BIN/pwctl" ] || { echo "scale-run.sh: build first (swift build -c release)" >&2; exit 1; }
W=${4:-/tmp/powerwalk-scale$S}
PORT=$((7480 + S))
mkdir -p "$W" && cd "$W"
timed() {  # timed LABEL COMMAND...: runs it, prints its wall, CPU and peak RSS
    local label=$1; shift
    /usr/bin/time -v -o "$label.time" "$@" > "$label.out"
    awk -v l="$label" -F': ' '/Elapsed/ {w=$2} /User time/ {u=$2} /System time/ {s=$2} /Maximum resident/ {r=$2}
        END {printf "%-9s wall %s, CPU %.1f s, peak RSS %.0f MB\n", l, w, u+s, r/1024}' "$label.time"
}
[ -f rmat$S.txt ] || timed generate "$BIN/pwbench" generate --scale "$S" --edge-factor 16 --seed 1 --out rmat$S.txt
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
timed ingest "$BIN/pwctl" ingest rmat$S.txt --out rmat$S.pwg --json && cat ingest.out
rm -rf store$S
timed index "$BIN/pwctl" index --graph rmat$S.pwg --store store$S --threads 2 --json && cat index.out
awk '!/^#/ {print $1}' rmat$S.txt | sort -u -n > sources-out.txt
rm -rf data && mkdir -p data/jobs
python3 -c "
import numpy as np
ids = np.loadtxt('sources-out.txt', dtype=np.uint64)
for name, seed, count in (('batch.txt', 2, $NB), ('export.txt', 3, $NE)):
    open('data/jobs/' + name, 'w').write(''.join(f'{v}\n' for v in np.random.default_rng(seed).choice(ids, count, replace=False)))
"
"$BIN/powerwalkd" local --graph rmat$S.pwg --data-dir data --shards 2 --listen tcp://127.0.0.1:$PORT \
    --log-level warning > local.log 2>&1 &
DAEMON=$!
trap 'kill $DAEMON 2>/dev/null || true' EXIT
export PWCTL_COORDINATOR=tcp://127.0.0.1:$PORT
for _ in $(seq 600); do "$BIN/pwctl" jobs list > /dev/null 2>&1 && break; sleep 0.2; done
SAMPLER=
for job in "index --wait --json" \
    "batch --input batch.txt --output answers.jsonl --top 100 --wait --json --timeout-ms 3600000" \
    "export --top 32 --sources export.txt --output exp --wait --json --timeout-ms 3600000"; do
    if [ -z "$SAMPLER" ] && [ "${job%% *}" = batch ]; then
        (while sleep 10; do awk '/VmRSS/ {print $2}' /proc/$DAEMON/status 2> /dev/null || exit 0; done) > rss.log &
        SAMPLER=$!
    fi
    # shellcheck disable=SC2086
    "$BIN/pwctl" $job | python3 -c "
import json, sys, datetime
r = json.load(sys.stdin)
t = lambda k: datetime.datetime.fromisoformat(r[k].replace('Z', '+00:00'))
s = (t('finished') - t('started')).total_seconds()
n = r['progress']['done']
print(f\"{r['type']:9} {r['state']}: {n} in {s:.1f} s ({n / s:.1f}/s)\")"
done
echo "powerwalkd local peak RSS: $(awk '/VmHWM/ {printf "%.2f GB", $2 / 1048576}' /proc/$DAEMON/status)"
kill "$SAMPLER" 2> /dev/null || true
python3 -c "
rss = [int(line) / 1048576 for line in open('rss.log') if line.strip()]
q = max(1, len(rss) // 4)
if rss:
    print(f'RSS during batch and export: {len(rss)} samples every 10 s, min {min(rss):.2f} GB, max {max(rss):.2f} GB; '
          f'mean of the first quarter {sum(rss[:q]) / q:.2f} GB, of the last quarter {sum(rss[-q:]) / q:.2f} GB')
"
