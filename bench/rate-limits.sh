#!/usr/bin/env bash
# What counting requests costs, against one Lectern on PostgreSQL with rate limits off, counted
# in memory, and counted in Redis (REDIS_URL), one after the other:
# - get-session from many clients (bench/get-session-clients.lua: another X-Forwarded-For on
#   every request, so none is refused); each replica counts this limit alone;
# - a sign-in flood from one client (bench/sign-in.lua): after three attempts, every answer is
#   a 429, so this is the cost of refusing, counted in Redis when there is one.
# Prints a Markdown table; raw wrk output in bench/results/rate-limits-<stamp>/.
#
#   bench/rate-limits.sh
#
# Knobs: BENCH_DURATION (10 s per run), BENCH_CONNS (64), LECTERN_BIN (target/release/lectern),
# BENCH_PORT (4330), REDIS_URL (redis://127.0.0.1:6379), PGHOST PGPORT PGUSER (127.0.0.1 5432 root).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH_DIR")
DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNS:-64}
PORT=${BENCH_PORT:-4330}
REDIS=${REDIS_URL:-redis://127.0.0.1:6379}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-root}
LECTERN_BIN=${LECTERN_BIN:-$REPO/target/release/lectern}
RES=$REPO/bench/results/rate-limits-$(date -u +%Y%m%dT%H%M%SZ)
DB=lectern_bench_limits
URL=http://127.0.0.1:$PORT
mkdir -p "$RES"

die() { echo "rate-limits: $*" >&2; exit 1; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[[ -x $LECTERN_BIN ]] || (cd "$REPO" && cargo build --release -p lectern)

SERVER=""
stop() { [[ -z $SERVER ]] || { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; SERVER=""; }; }
trap 'stop; dropdb --if-exists --force "$DB" 2>/dev/null || true' EXIT

# start MODE: off | memory | redis
start() {
  local mode=$1 limit=on redis=""
  case $mode in off) limit=off ;; redis) redis=$REDIS ;; esac
  DATABASE_URL=postgres://$PGUSER@$PGHOST:$PGPORT/$DB BETTER_AUTH_URL=$URL \
    BETTER_AUTH_SECRET=bench-secret-bench-secret-bench-secret-0123 LECTERN_RATE_LIMIT=$limit \
    LECTERN_TRUSTED_PROXIES=127.0.0.1 REDIS_URL=$redis LECTERN_REDIS_PREFIX="bench-$$:" \
    RUST_LOG=warn "$LECTERN_BIN" serve --addr "127.0.0.1:$PORT" >"$RES/$mode.server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null "$URL/api/auth/ok" && return
    kill -0 "$SERVER" 2>/dev/null || die "lectern ($mode) exited; see $RES/$mode.server.log"
    sleep 0.1
  done
  die "lectern ($mode) not ready after 10 s"
}

dropdb --if-exists --force "$DB" 2>/dev/null || true
createdb "$DB"
start off
curl -sf -o /dev/null -X POST "$URL/api/auth/sign-up/email" -H 'content-type: application/json' \
  -d '{"name":"Bench","email":"bench-limits@example.com","password":"bench-password-0123"}' || die "sign-up failed"
COOKIE=$(curl -s -D - -o /dev/null -X POST "$URL/api/auth/sign-in/email" -H 'content-type: application/json' \
  -d '{"email":"bench-limits@example.com","password":"bench-password-0123"}' |
  tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: better-auth\.session_token=\([^;]*\).*/\1/p')
[[ -n $COOKIE ]] || die "no session cookie"
stop

row() { # MODE SCENARIO WRK-OUTPUT
  python3 - "$@" <<'PY'
import json, sys
mode, scenario, path = sys.argv[1:]
line = next(l for l in open(path) if l.startswith("BENCH "))
r = json.loads(line[6:])
lat = r["latency_us"]
print(f"| {mode} | {scenario} | {r['rps']:,.0f} | {lat['p50']/1000:.2f} ms | {lat['p99']/1000:.2f} ms | {r.get('statuses')} |")
PY
}

echo "| rate limits | scenario | req/s | p50 | p99 | statuses |"
echo "|---|---|---:|---:|---:|---|"
for mode in off memory redis; do
  start "$mode"
  curl -sf -o /dev/null -H "cookie: better-auth.session_token=$COOKIE" "$URL/api/auth/get-session" || die "$mode: get-session failed"
  BENCH_COOKIE=$COOKIE wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$BENCH_DIR/get-session-clients.lua" "$URL" >"$RES/$mode.get-session.txt"
  row "$mode" "get-session, many clients" "$RES/$mode.get-session.txt"
  if [[ $mode != off ]]; then
    BENCH_USERS=1 BENCH_EMAIL_PREFIX=bench-limits BENCH_PASSWORD=wrong-password \
      wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$BENCH_DIR/sign-in.lua" "$URL" >"$RES/$mode.sign-in.txt"
    row "$mode" "sign-in flood, one client" "$RES/$mode.sign-in.txt"
  fi
  stop
done
echo "raw: $RES"
