#!/usr/bin/env bash
# Makes the certificates of a PowerWalk cluster with openssl (EC P-256, SHA-256):
#
#   OUT/ca.pem, ca.key                 cluster CA: signs coordinator and worker certificates
#   OUT/NAME.pem, NAME.key             one per cluster process (default: coordinator worker-0 worker-1)
#   OUT/client-ca.pem, client-ca.key   client CA (a different CA): signs pwctl/client certificates
#   OUT/client.pem, client.key         one client certificate
#   OUT/tokens                         an example tokens file (random "query" and "admin" tokens)
#
# The two CAs must stay separate: a worker accepts any certificate the cluster CA signed, so a client
# certificate signed by that CA would open the workers' control methods to its holder.
#
# Usage: deploy/tls/make-certs.sh OUT_DIR [NAME ...]   (DAYS=825 and SAN=... may be set; SAN defaults
# to "DNS:NAME,DNS:localhost,IP:127.0.0.1"). Keys are written unencrypted with mode 0600.
set -euo pipefail

out=${1:?usage: make-certs.sh OUT_DIR [NAME ...]}
shift
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(coordinator worker-0 worker-1)
days=${DAYS:-825}
mkdir -p "$out"
umask 077

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ca() {  # ca NAME SUBJECT
    key "$out/$1.key"
    openssl req -new -x509 -key "$out/$1.key" -out "$out/$1.pem" -days "$days" -subj "/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

leaf() {  # leaf CA NAME
    local ca=$1 name=$2 ext
    key "$out/$name.key"
    openssl req -new -key "$out/$name.key" -out "$out/$name.csr" -subj "/CN=$name" 2>/dev/null
    ext=$(mktemp)
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyAgreement\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' \
        "${SAN:-DNS:$name,DNS:localhost,IP:127.0.0.1}" >"$ext"
    openssl x509 -req -in "$out/$name.csr" -CA "$out/$ca.pem" -CAkey "$out/$ca.key" -CAcreateserial \
        -out "$out/$name.pem" -days "$days" -sha256 -extfile "$ext" 2>/dev/null
    rm -f "$ext" "$out/$name.csr"
}

ca ca "PowerWalk cluster CA"
ca client-ca "PowerWalk client CA"
for name in "${names[@]}"; do leaf ca "$name"; done
leaf client-ca client
printf 'query %s\nadmin %s\n' "$(openssl rand -hex 24)" "$(openssl rand -hex 24)" >"$out/tokens"
rm -f "$out"/*.srl
chmod 0644 "$out"/*.pem
echo "certificates in $out: ca.pem client-ca.pem ${names[*]/%/.pem} client.pem (+ .key), tokens"
