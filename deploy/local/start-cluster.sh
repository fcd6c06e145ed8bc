#!/usr/bin/env bash
# Start a PowerWalk cluster of separate processes on this machine: one `powerwalkd worker` per shard (replica 0)
# and the coordinator, each in the background with a pid file and a log in RUN_DIR. Returns once the
# coordinator answers `pwctl status`; on failure it stops what it started and shows the logs.
#
#   deploy/local/start-cluster.sh [--shards N] [--coordinator URL] [--wait SECONDS] CONFIG [RUN_DIR]
#
#   CONFIG             config file (e.g. config/local.yaml). Relative paths in it are resolved against the
#                      current directory, which the daemons inherit.
#   RUN_DIR            pid files and logs (default ./powerwalk-run).
#   --shards N         shard count; default: the number of entries of the `shards:` list in CONFIG.
#   --coordinator URL  where pwctl reaches the coordinator; default: coordinator.listen of CONFIG
#                      (POWERWALK_COORDINATOR_LISTEN if set), with 0.0.0.0 / * read as 127.0.0.1.
#   --wait SECONDS     how long to wait for the coordinator to answer (default 30).
#
# Binaries: $POWERWALKD and $PWCTL, else .build/release/ of the current directory, else of this repository.
# POWERWALK_* variables of the environment reach the daemons as config overrides.
set -euo pipefail

PROG="${0##*/}"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
readonly PROG SCRIPT_DIR REPO_ROOT

usage() {
    sed -n '6,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

die() {
    echo "$PROG: $*" >&2
    exit 1
}

# find_binary NAME OVERRIDE: the executable to use for NAME.
find_binary() {
    local name="$1" override="$2" candidate
    if [[ -n "$override" ]]; then
        [[ -x "$override" ]] || die "$override (from \$${name^^}) is not an executable file"
        echo "$override"
        return
    fi
    for candidate in "$PWD/.build/release/$name" "$REPO_ROOT/.build/release/$name"; do
        if [[ -x "$candidate" ]]; then
            echo "$candidate"
            return
        fi
    done
    die "no $name binary: run 'swift build -c release' or set \$${name^^}"
}

# shard_count FILE: entries of the top-level `shards:` block list (block style, as in config/*.yaml).
shard_count() {
    awk '
        /^shards:[[:space:]]*(#.*)?$/ { inside = 1; next }
        inside && /^[^[:space:]#-]/ { inside = 0 }
        inside && /^---/ { inside = 0 }
        inside && /^[[:space:]]*-([[:space:]]|$)/ {
            match($0, /^[[:space:]]*/)
            if (first == "") first = RLENGTH
            if (RLENGTH == first) count++
        }
        END { print count + 0 }
    ' "$1"
}

# coordinator_listen FILE: coordinator.listen of the file, or nothing.
coordinator_listen() {
    awk -v squote="'" '
        /^coordinator:[[:space:]]*(#.*)?$/ { inside = 1; next }
        inside && /^[^[:space:]#]/ { inside = 0 }
        inside && /^[[:space:]]+listen:/ {
            value = $0
            sub(/^[[:space:]]+listen:[[:space:]]*/, "", value)
            quote = substr(value, 1, 1)
            if (quote == "\"" || quote == squote) {
                value = substr(value, 2)
                sub(quote ".*$", "", value)
            } else {
                sub(/[[:space:]]+#.*$/, "", value)
                sub(/[[:space:]]+$/, "", value)
            }
            print value
            exit
        }
    ' "$1"
}

# dial_url URL: a URL a client on this machine can dial for a listen URL (wildcard hosts become loopback).
dial_url() {
    local url="$1"
    case "$url" in
        tcp://0.0.0.0:* | tcp://\*:* | tcp://:*) echo "tcp://127.0.0.1:${url##*:}" ;;
        tcp://\[::\]:*) echo "tcp://[::1]:${url##*:}" ;;
        *) echo "$url" ;;
    esac
}

# alive PID: whether PID is a running process.
alive() {
    kill -0 "$1" 2>/dev/null
}

shards=""
coordinator=""
wait_seconds=30
positional=()
while (($# > 0)); do
    case "$1" in
        --shards) [[ $# -ge 2 ]] || usage; shards="$2"; shift 2 ;;
        --shards=*) shards="${1#*=}"; shift ;;
        --coordinator) [[ $# -ge 2 ]] || usage; coordinator="$2"; shift 2 ;;
        --coordinator=*) coordinator="${1#*=}"; shift ;;
        --wait) [[ $# -ge 2 ]] || usage; wait_seconds="$2"; shift 2 ;;
        --wait=*) wait_seconds="${1#*=}"; shift ;;
        -h | --help) usage ;;
        --) shift; positional+=("$@"); break ;;
        -*) echo "$PROG: unknown option $1" >&2; usage ;;
        *) positional+=("$1"); shift ;;
    esac
done
((${#positional[@]} >= 1 && ${#positional[@]} <= 2)) || usage
config="${positional[0]}"
run_dir="${positional[1]:-./powerwalk-run}"

[[ -r "$config" ]] || die "cannot read config file $config"
[[ "$wait_seconds" =~ ^[0-9]+$ ]] || die "--wait needs a whole number of seconds, not '$wait_seconds'"
if [[ -z "$shards" ]]; then
    shards="$(shard_count "$config")"
    ((shards > 0)) || die "found no entries under 'shards:' in $config; give --shards N"
fi
if ! [[ "$shards" =~ ^[0-9]+$ ]] || ((shards == 0)); then
    die "--shards needs a positive integer, not '$shards'"
fi
if [[ -z "$coordinator" ]]; then
    listen="${POWERWALK_COORDINATOR_LISTEN:-$(coordinator_listen "$config")}"
    coordinator="$(dial_url "${listen:-tcp://127.0.0.1:7400}")"
fi

powerwalkd="$(find_binary powerwalkd "${POWERWALKD:-}")"
pwctl="$(find_binary pwctl "${PWCTL:-}")"

mkdir -p "$run_dir"
for pid_file in "$run_dir"/*.pid; do
    [[ -e "$pid_file" ]] || continue
    if alive "$(<"$pid_file")"; then
        die "$pid_file names a running process: stop the cluster first (deploy/local/stop-cluster.sh $run_dir)"
    fi
    rm -f "$pid_file"
done

# start NAME ARGS...: run powerwalkd ARGS in the background, logging to RUN_DIR/NAME.log (the previous run's
# log is kept as NAME.log.1). env and nohup exec, so $! is the daemon's own pid.
start() {
    local name="$1"
    shift
    echo "$PROG: starting $name: powerwalkd $*"
    if [[ -e "$run_dir/$name.log" ]]; then
        mv -f "$run_dir/$name.log" "$run_dir/$name.log.1"
    fi
    nohup "$powerwalkd" "$@" </dev/null >"$run_dir/$name.log" 2>&1 &
    echo "$!" >"$run_dir/$name.pid"
}

# fail MESSAGE: show the logs, stop what was started, exit non-zero.
fail() {
    local log
    echo "$PROG: $*" >&2
    for log in "$run_dir"/*.log; do
        [[ -e "$log" ]] || continue
        echo "--- last lines of $log" >&2
        tail -n 20 "$log" >&2
    done
    "$SCRIPT_DIR/stop-cluster.sh" "$run_dir" >&2 || true
    exit 1
}
trap 'fail "interrupted"' INT TERM

names=()
for ((shard = 0; shard < shards; shard++)); do
    start "worker-$shard" worker --config "$config" --shard "$shard" --replica 0
    names+=("worker-$shard")
done
start coordinator coordinator --config "$config"
names+=(coordinator)

echo "$PROG: waiting up to ${wait_seconds}s for the coordinator at $coordinator"
deadline=$((SECONDS + wait_seconds))
until timeout 5 "$pwctl" --coordinator "$coordinator" status --ready-for index >/dev/null 2>&1; do
    for name in "${names[@]}"; do
        alive "$(<"$run_dir/$name.pid")" || fail "$name exited during start-up (see $run_dir/$name.log)"
    done
    ((SECONDS < deadline)) || fail "the coordinator did not answer 'pwctl status' within ${wait_seconds}s"
    sleep 0.5
done

echo "$PROG: cluster up: $shards worker(s) and the coordinator; pid files and logs in $run_dir"
echo "$PROG: try: PWCTL_COORDINATOR=$coordinator $pwctl status"
