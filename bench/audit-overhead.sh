#!/usr/bin/env bash
# What the audit trail costs a request: one release binary with LECTERN_AUDIT=on and off,
# alternating, twice each, on SQLite and on PostgreSQL. Three loads, wrk for 10 s each after
# a 3 s warm-up, in this order on one fresh database per server:
#   session  GET /api/auth/get-session (cached), 64 connections: records nothing; the control
#   revoke   POST /api/auth/revoke-other-sessions, 64 connections: a cheap request that
#            records an event every time, the worst case for the trail (on SQLite its inserts
#            queue for the one writer with the requests' own deletes)
#   sign-in  POST /api/auth/sign-in/email, 16 connections: an event per sign-in, behind a
#            password hash (argon2id, the default on a new database)
# After each run with the trail on, prints the events it holds (read with `lectern audit`
# once the server stopped and flushed) and lectern_audit_dropped_total (none expected).
# Run from the repository root; needs wrk, curl and python3, and createdb/dropdb for
# PostgreSQL (PGHOST/PGPORT/PGUSER, default 127.0.0.1/5432/root).
#   LECTERN_BIN     the binary (target/release/lectern; cargo build --release -p lectern)
#   AUDIT_BACKENDS  which backends, in order ("sqlite postgres")
set -euo pipefail
BIN=${LECTERN_BIN:-target/release/lectern}
BACKENDS=${AUDIT_BACKENDS:-"sqlite postgres"}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-root}
SECRET=bench-secret-bench-secret-bench-secret-01
PASSWORD=bench-password-0123456789
for tool in wrk curl python3; do command -v $tool >/dev/null || { echo "$tool is required" >&2; exit 1; }; done
PID=""
trap '[[ -n $PID ]] && kill $PID 2>/dev/null; wait 2>/dev/null || true' EXIT

source bench/lib.sh

for round in 1 2; do
for backend in $BACKENDS; do
for mode in on off; do
  dir=$(mktemp -d); port=$((4700 + RANDOM % 200)); URL=http://127.0.0.1:$port
  if [[ $backend == sqlite ]]; then
    db=sqlite://$dir/db
  else
    name=lectern_audit_bench_$RANDOM; createdb "$name"; db=postgres://$PGUSER@$PGHOST:$PGPORT/$name
  fi
  DATABASE_URL=$db LECTERN_AUDIT=$mode LECTERN_RATE_LIMIT=off BETTER_AUTH_URL=$URL \
    BETTER_AUTH_SECRET=$SECRET LECTERN_INDEX_DIR=/tmp/ab-index \
    "$BIN" serve --addr 127.0.0.1:$port >"$dir/log" 2>&1 &
  PID=$!
  for _ in $(seq 1 200); do curl -sf "$URL/api/auth/ok" >/dev/null && break; sleep 0.1; done
  token=$(curl -s -D - -o /dev/null -H 'content-type: application/json' \
    -d '{"name":"B","email":"bench-user-0@example.com","password":"'$PASSWORD'"}' "$URL/api/auth/sign-up/email" \
    | tr -d '\r' | awk -F': ' 'tolower($1)=="set-auth-token"{print $2}')
  echo "round $round $backend audit=$mode"
  load session 64 get-session.lua BENCH_BEARER="$token"
  load revoke 64 bearer-post.lua BENCH_BEARER="$token" BENCH_PATH=/api/auth/revoke-other-sessions
  load sign-in 16 sign-in.lua BENCH_USERS=1 BENCH_PASSWORD=$PASSWORD
  dropped=$(curl -s "$URL/metrics" | awk '/^lectern_audit_dropped_total/{n+=$2} END{print n+0}')
  kill -TERM $PID; wait $PID 2>/dev/null || true; PID=""
  if [[ $mode == on ]]; then
    events=$(DATABASE_URL=$db BETTER_AUTH_SECRET=$SECRET "$BIN" audit --json --since 1h --limit 100000000 | wc -l)
    echo "  events recorded: $events, dropped: $dropped"
  fi
  [[ $backend == postgres ]] && dropdb "$name"
  rm -rf "$dir"
done
done
done
