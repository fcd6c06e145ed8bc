#!/bin/bash
# Drives a secured cluster (one worker, one coordinator, mutual TLS, tokens; as the SecureClusterTests
# test builds it) with rounds of five pwctl runs, and reports every round whose last run got no answer:
# the experiment behind README "Running it securely" (the nng 1.5.2 listener that stops accepting).
#
#     deploy/tools/tls-listener-rounds.sh [ROUNDS]      # default 300; BIN=.build/release by default
#
# Each round: a query (query token), an index submission the query role may not make, a status without a
# token, a status without a client certificate (refused in the handshake), and a status configured from
# the environment, timed. It stops at the first failed round. Needs openssl (deploy/tls/make-certs.sh) and release binaries in BIN. Works in a
# fresh temporary directory on loopback; stops both daemons at the end.
set -u
rounds=${1:-300}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BIN:-$root/.build/release}
dir=$(mktemp -d /tmp/tls-listener-rounds.XXXXXX)
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
failures=0
for round in $(seq 1 "$rounds"); do
    "$bin/pwctl" "${client[@]}" --token-file "$tls/query.token" query --source 1 --top 3 >/dev/null 2>&1
    "$bin/pwctl" "${client[@]}" --token-file "$tls/query.token" index "${walks[@]}" >/dev/null 2>&1
    "$bin/pwctl" "${client[@]}" status >/dev/null 2>&1
    "$bin/pwctl" status --coordinator "$front" --tls-ca "$tls/ca.pem" --token-file "$tls/admin.token" \
        >/dev/null 2>&1
    start=$(date +%s)
    if ! PWCTL_COORDINATOR=$front PWCTL_TLS_CA=$tls/ca.pem PWCTL_TLS_CERT=$tls/client.pem \
        PWCTL_TLS_KEY=$tls/client.key PWCTL_TOKEN_FILE=$tls/query.token \
        "$bin/pwctl" status >"$dir/last.out" 2>&1; then
        failures=$((failures + 1))
        echo "round $round: status failed after $(($(date +%s) - start)) s: $(head -1 "$dir/last.out")"
        # A dead listener answers nothing more: every later run would wait out its deadline.
        break
    fi
done
echo "$round of $rounds rounds run, $failures failed (logs in $dir)"
