#!/bin/bash
# Attacks a secured cluster's front (one worker, one coordinator, mutual TLS, tokens; as the
# SecureClusterTests test builds it) with bursts of deploy/tools/tls-reset-after-handshake.py (holding the
# client certificate), and times a pwctl query after each burst: the experiment behind README "Running it
# securely" (the nng 1.5.2 listener that stops accepting, and the watchdog that restarts it).
#
#     deploy/tools/tls-listener-attack.sh [BURSTS] [SECONDS]   # default 4 bursts of 5 s; BIN=.build/release
#
# Prints each burst's connection count, whether the query after it was answered (and in how long), and
# the coordinator's restart log lines. Needs openssl (deploy/tls/make-certs.sh), python3 and release
# binaries in BIN. Works in a fresh temporary directory on loopback; stops both daemons at the end.
set -u
bursts=${1:-4}
seconds=${2:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BIN:-$root/.build/release}
dir=$(mktemp -d /tmp/tls-listener-attack.XXXXXX)
tls=$dir/tls
bash "$root/deploy/tls/make-certs.sh" "$tls" coordinator worker-0 >/dev/null 2>&1 || {
    echo "make-certs.sh failed" >&2
    exit 1
}
"$bin/pwctl" ingest "$root/Tests/PPRCoreTests/Fixtures/email-Eu-core.txt" --out "$dir/graph.pwg" >/dev/null || exit 1
front_port=$((20000 + RANDOM % 20000))
front=tls+tcp://127.0.0.1:$front_port
cat >"$dir/cluster.yaml" <<EOF
graph: $dir/graph.pwg
shards:
  - replicas:
      - url: "tls+tcp://127.0.0.1:$((front_port + 1))"
        dataDir: $dir/shard-0
coordinator:
  listen: "$front"
  dataDir: $dir/coordinator
index:
  walks: 8
  maxLength: 100
  alpha: 0.15
  seed: 7
  threads: 1
security:
  caFile: $tls/ca.pem
  clientCaFile: $tls/client-ca.pem
  tokensFile: $tls/tokens
EOF
POWERWALK_SECURITY_CERTFILE=$tls/worker-0.pem POWERWALK_SECURITY_KEYFILE=$tls/worker-0.key \
    "$bin/powerwalkd" worker --config "$dir/cluster.yaml" --shard 0 --contexts 2 2>"$dir/worker.log" &
worker=$!
sleep 2
POWERWALK_SECURITY_CERTFILE=$tls/coordinator.pem POWERWALK_SECURITY_KEYFILE=$tls/coordinator.key \
    "$bin/powerwalkd" coordinator --config "$dir/cluster.yaml" 2>"$dir/coordinator.log" &
coordinator=$!
trap 'kill $coordinator $worker 2>/dev/null; wait' EXIT
sleep 2
while read -r name token rest; do echo "$name $token $rest" >"$tls/$name.token"; done <"$tls/tokens"
client=(--coordinator "$front" --tls-ca "$tls/ca.pem" --tls-cert "$tls/client.pem" --tls-key "$tls/client.key")
walks=(--walks 8 --max-length 100 --alpha 0.15 --seed 7)
"$bin/pwctl" "${client[@]}" --token-file "$tls/admin.token" index --wait "${walks[@]}" >/dev/null || {
    echo "index failed (logs in $dir)" >&2
    exit 1
}
for burst in $(seq 1 "$bursts"); do
    made=$(python3 "$root/deploy/tools/tls-reset-after-handshake.py" 127.0.0.1 "$front_port" \
        --cert "$tls/client.pem" --key "$tls/client.key" --seconds "$seconds")
    start=$EPOCHREALTIME
    if timeout 20 "$bin/pwctl" "${client[@]}" --token-file "$tls/query.token" query --source 1 --top 3 \
        >/dev/null 2>"$dir/query.err"; then
        echo "burst $burst: $made connections; query answered in $(awk "BEGIN { printf \"%.2f\", $EPOCHREALTIME - $start }") s"
    else
        echo "burst $burst: $made connections; query FAILED: $(head -1 "$dir/query.err")"
    fi
done
echo "listener restarts logged by the coordinator: $(grep -c 'was restarted' "$dir/coordinator.log")"
