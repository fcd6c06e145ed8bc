#!/usr/bin/env bash
# Regenerates the protobuf-c code of Sources/CPPRProto from proto/ppr/v1/*.proto.
# Needs protoc-c (Debian package protobuf-c-compiler, 1.4.1). CI runs this and then
# `git diff --exit-code Sources/CPPRProto` so the committed code never drifts from the schema.
set -euo pipefail
cd "$(dirname "$0")/.."

out=Sources/CPPRProto
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

protoc-c --proto_path=proto --c_out="$tmp" proto/ppr/v1/*.proto

mkdir -p "$out/include"
rm -f "$out"/*.pb-c.c "$out"/include/*.pb-c.h
for c in "$tmp"/ppr/v1/*.pb-c.c; do
    # The header lives in include/ (SwiftPM's public header folder), so include it by its bare name.
    sed -e 's|#include "ppr/v1/\(.*\.pb-c\.h\)"|#include "\1"|' "$c" >"$out/$(basename "$c")"
done
cp "$tmp"/ppr/v1/*.pb-c.h "$out/include/"
echo "generated: $(cd "$out" && ls *.pb-c.c include/*.pb-c.h | tr '\n' ' ')"
