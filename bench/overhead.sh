#!/usr/bin/env bash
# What one setting costs a request: cached get-session (wrk, 64 connections, 10 s after a 3 s
# warm-up) on one release binary with VAR=A and VAR=B, alternating, twice each, SQLite.
#   bash bench/overhead.sh LECTERN_METRICS on off     # per-request metrics
#   bash bench/overhead.sh RUST_LOG info warn         # the access log (a line per request)
# Run from the repository root; needs wrk (apt-get install wrk), curl and python3.
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: $0 VAR A B" >&2; exit 2; }
VAR=$1; VALUES=("$2" "$3")
BIN=${LECTERN_BIN:-target/release/lectern}  # cargo build --release -p lectern
source bench/lib.sh
PID=""
trap '[[ -n $PID ]] && kill $PID 2>/dev/null; wait 2>/dev/null || true' EXIT
for round in 1 2; do
for value in "${VALUES[@]}"; do
  dir=$(mktemp -d); port=$((4700 + RANDOM % 200)); URL=http://127.0.0.1:$port
  env DATABASE_URL=sqlite://$dir/db LECTERN_RATE_LIMIT=off BETTER_AUTH_URL=$URL \
    BETTER_AUTH_SECRET=bench-secret-bench-secret-bench-secret-01 LECTERN_INDEX_DIR=/tmp/ab-index \
    "$VAR=$value" "$BIN" serve --addr 127.0.0.1:$port >"$dir/log" 2>&1 &
  PID=$!
  for _ in $(seq 1 200); do curl -sf "$URL/api/auth/ok" >/dev/null && break; sleep 0.1; done
  token=$(curl -s -D - -o /dev/null -H 'content-type: application/json' \
    -d '{"name":"B","email":"b@example.com","password":"correct horse battery"}' "$URL/api/auth/sign-up/email" \
    | tr -d '\r' | awk -F': ' 'tolower($1)=="set-auth-token"{print $2}')
  echo "round $round $VAR=$value"
  load session 64 get-session.lua BENCH_BEARER="$token"
  kill $PID; wait $PID 2>/dev/null || true; PID=""; rm -rf "$dir"
done
done
