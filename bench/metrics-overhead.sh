#!/usr/bin/env bash
# What per-request metrics cost: cached get-session (wrk, 64 connections, 10 s after a 3 s
# warm-up) on one binary with LECTERN_METRICS=on and off, twice each, SQLite. Run from the
# repository root; needs wrk (apt-get install wrk) and curl.
set -euo pipefail
BIN=${LECTERN_BIN:-target/release/lectern}  # cargo build --release -p lectern
for round in 1 2; do
for mode in on off; do
  dir=$(mktemp -d); port=$((4700 + RANDOM % 200))
  DATABASE_URL=sqlite://$dir/db LECTERN_METRICS=$mode LECTERN_RATE_LIMIT=off BETTER_AUTH_URL=http://127.0.0.1:$port \
    BETTER_AUTH_SECRET=bench-secret-bench-secret-bench-secret-01 LECTERN_INDEX_DIR=/tmp/ab-index \
    $BIN serve --addr 127.0.0.1:$port >$dir/log 2>&1 &
  pid=$!
  for i in $(seq 1 200); do curl -sf http://127.0.0.1:$port/api/auth/ok >/dev/null && break; sleep 0.1; done
  token=$(curl -s -D - -o /dev/null -H "origin: http://127.0.0.1:$port" -H 'content-type: application/json' \
    -d '{"name":"B","email":"b'$RANDOM'@example.com","password":"correct horse battery"}' http://127.0.0.1:$port/api/auth/sign-up/email | tr -d '\r' | awk -F': ' 'tolower($1)=="set-auth-token"{print $2}')
  BENCH_BEARER=$token wrk -t2 -c64 -d3s -s bench/get-session.lua http://127.0.0.1:$port >/dev/null 2>&1
  echo "round $round metrics=$mode: $(BENCH_BEARER=$token wrk -t2 -c64 -d10s --latency -s bench/get-session.lua http://127.0.0.1:$port 2>/dev/null | grep -E 'Requests/sec|99%' | tr -s ' ' | tr '\n' ' ')"
  kill $pid; wait $pid 2>/dev/null || true; rm -rf $dir
done
done
