#!/usr/bin/env bash
# PowerWalk quick start: installs the system libraries, builds the release binaries, and runs the main job
# on the bundled graph (email-Eu-core, 1,005 vertices): ingest, an all-in-one cluster with 2 shards, an index
# job, sample queries, a batch-query job, an export job (NumPy files) and an evaluate job against exact PPR. Everything it writes goes
# under $POWERWALK_QUICKSTART_DIR (default ./powerwalk-data/quickstart); the cluster is stopped at the end.
#
#   ./quickstart.sh                 # port 7400 on loopback
#   POWERWALK_QUICKSTART_PORT=7500 ./quickstart.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

data_dir="${POWERWALK_QUICKSTART_DIR:-powerwalk-data/quickstart}"
port="${POWERWALK_QUICKSTART_PORT:-7400}"
graph_source="Tests/PPRStorageTests/Fixtures/ingest/email-Eu-core.txt"
export PWCTL_COORDINATOR="tcp://127.0.0.1:$port"

step() { printf '\n== %s\n' "$*"; }

step "System libraries (libnng, liblmdb, libprotobuf-c, zlib)"
packages=(libnng-dev liblmdb-dev libprotobuf-c-dev zlib1g-dev)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    sudo_cmd=()
    ((EUID == 0)) || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
else
    echo "already installed: ${packages[*]}"
fi

step "Release build"
swift build -c release --product powerwalkd
swift build -c release --product pwctl
bin="$(swift build -c release --show-bin-path)"

rm -rf "$data_dir"
mkdir -p "$data_dir"

step "Ingest $graph_source"
"$bin/pwctl" ingest "$graph_source" --out "$data_dir/graph.pwg"

step "All-in-one cluster: coordinator + 2 shard workers on $PWCTL_COORDINATOR"
"$bin/powerwalkd" local --graph "$data_dir/graph.pwg" --data-dir "$data_dir" --shards 2 \
    --listen "$PWCTL_COORDINATOR" >"$data_dir/powerwalkd.log" 2>&1 &
cluster_pid=$!
trap 'kill -TERM "$cluster_pid" 2>/dev/null && wait "$cluster_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
    "$bin/pwctl" status --ready-for index --timeout-ms 500 >/dev/null 2>&1 && break
    kill -0 "$cluster_pid" 2>/dev/null || { cat "$data_dir/powerwalkd.log"; exit 1; }
    sleep 0.2
done
# Ready for an index job (every shard answers); `pwctl status` alone exits 4 until an index is active.
"$bin/pwctl" status --ready-for index

step "Index job (R walks per vertex on every shard, activated when all shards are done)"
"$bin/pwctl" index --wait

step "Status: ready for queries (exit 0)"
"$bin/pwctl" status --wait-ready 10

step "Query: top 10 for source 0"
"$bin/pwctl" query --source 0 --top 10

step "Query: weighted sources 0 and 1 (1:3), excluding the sources and their out-neighbours, as JSON"
"$bin/pwctl" query --source 0 --source 1:3 --exclude-sources --exclude-out-neighbors --top 5 --json

step "Batch-query job: 100 sources, JSON lines out (files in the job directory $data_dir/jobs)"
seq 0 99 >"$data_dir/jobs/sources.txt"
"$bin/pwctl" batch --input sources.txt --output answers.jsonl --top 10 --wait
echo "first answer: $(head -c 300 "$data_dir/jobs/answers.jsonl")..."

step "Export job: the top-10 PPR neighbours of every vertex as NumPy CSR files (for machine learning)"
"$bin/pwctl" export --top 10 --output ppr-top10 --wait
ls -l "$data_dir/jobs/ppr-top10"

step "Evaluate job: 20 sampled sources against exact PPR (power iteration)"
"$bin/pwctl" evaluate --samples 20 --wait

step "Done: jobs and their records"
"$bin/pwctl" jobs list
echo
echo "The cluster is stopped now; its data stays in $data_dir. Start it again with:"
echo "  $bin/powerwalkd local --graph $data_dir/graph.pwg --data-dir $data_dir --shards 2 --listen $PWCTL_COORDINATOR"
