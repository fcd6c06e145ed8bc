#!/usr/bin/env bash
# Stop a PowerWalk cluster started by start-cluster.sh: SIGTERM to every process with a pid file in RUN_DIR
# (the coordinator first, so no new work reaches the workers), then SIGKILL to any still running after the
# timeout. Pid files are removed; logs are kept.
#
#   deploy/local/stop-cluster.sh [--timeout SECONDS] [RUN_DIR]
#
#   RUN_DIR            where start-cluster.sh put pid files and logs (default ./powerwalk-run).
#   --timeout SECONDS  grace period after SIGTERM, per group (default 20).
#
# A pid file whose process is gone, or is no longer a powerwalkd (the pid was reused), is removed without
# signalling anything.
set -euo pipefail

PROG="${0##*/}"
readonly PROG

usage() {
    sed -n '6,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

# ours PID: whether PID is a running powerwalkd (checked through /proc where there is one).
ours() {
    local pid="$1"
    kill -0 "$pid" 2>/dev/null || return 1
    if [[ -r "/proc/$pid/cmdline" ]]; then
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q powerwalkd
    fi
}

# stop_group PIDFILE...: SIGTERM, wait up to the timeout, SIGKILL the rest, remove the pid files.
stop_group() {
    local pid_file pid name
    local -a pids=() names=()
    for pid_file in "$@"; do
        [[ -e "$pid_file" ]] || continue
        pid="$(<"$pid_file")"
        name="$(basename "$pid_file" .pid)"
        if [[ "$pid" =~ ^[0-9]+$ ]] && ours "$pid"; then
            echo "$PROG: stopping $name (pid $pid)"
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
            names+=("$name")
        else
            echo "$PROG: $name is not running"
        fi
        rm -f "$pid_file"
    done
    ((${#pids[@]} > 0)) || return 0

    local deadline=$((SECONDS + timeout)) i running
    while :; do
        running=0
        for i in "${!pids[@]}"; do
            if kill -0 "${pids[$i]}" 2>/dev/null; then
                running=1
            fi
        done
        ((running && SECONDS < deadline)) || break
        sleep 0.2
    done
    for i in "${!pids[@]}"; do
        if kill -0 "${pids[$i]}" 2>/dev/null; then
            echo "$PROG: ${names[$i]} (pid ${pids[$i]}) still running after ${timeout}s: SIGKILL" >&2
            kill -KILL "${pids[$i]}" 2>/dev/null || true
            status=1
        fi
    done
}

timeout=20
run_dir=""
while (($# > 0)); do
    case "$1" in
        --timeout) [[ $# -ge 2 ]] || usage; timeout="$2"; shift 2 ;;
        --timeout=*) timeout="${1#*=}"; shift ;;
        -h | --help) usage ;;
        -*) echo "$PROG: unknown option $1" >&2; usage ;;
        *) [[ -z "$run_dir" ]] || usage; run_dir="$1"; shift ;;
    esac
done
run_dir="${run_dir:-./powerwalk-run}"
[[ "$timeout" =~ ^[0-9]+$ ]] || { echo "$PROG: --timeout needs whole seconds, not '$timeout'" >&2; exit 2; }
[[ -d "$run_dir" ]] || { echo "$PROG: no run directory $run_dir: nothing to stop"; exit 0; }

status=0
stop_group "$run_dir/coordinator.pid"
workers=()
for pid_file in "$run_dir"/*.pid; do
    [[ -e "$pid_file" ]] && workers+=("$pid_file")
done
if ((${#workers[@]} > 0)); then
    stop_group "${workers[@]}"
fi
exit "$status"
