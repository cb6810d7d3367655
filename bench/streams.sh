#!/usr/bin/env bash
# Many readers at once, each reading a streamed answer from a slow model (bench/…/fake_llm:
# TOKENS pieces, one every DELAY_MS): how many streams stay open, the memory each costs, that
# every answer completes, and what a session check costs meanwhile. PostgreSQL, release
# build, rate limits off.
#   STREAMS    concurrent askers (wrk connections), default 9000: Lectern holds two sockets
#              per stream (reader, model), and this machine's hard limit is 20,000 descriptors
#   TOKENS, DELAY_MS   the model's answer: default 400 pieces, one every 50 ms (20 s)
#   DURATION   how long wrk keeps asking, default 40 s (connections ask again as answers end)
# Run from the repository root; needs wrk, curl, python3, psql/createdb/dropdb, and
#   cargo build --release -p lectern -p lectern-testkit --example fake_llm
set -euo pipefail
TARGET=${CARGO_TARGET_DIR:-target}
BIN=${LECTERN_BIN:-$TARGET/release/lectern}
LLM=${FAKE_LLM_BIN:-$TARGET/release/examples/fake_llm}
STREAMS=${STREAMS:-9000} TOKENS=${TOKENS:-400} DELAY_MS=${DELAY_MS:-50} DURATION=${DURATION:-40}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-root}
source bench/lib.sh
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null || true' EXIT
ulimit -n "$(ulimit -Hn)"

"$LLM" "$TOKENS" "$DELAY_MS" >/tmp/streams-llm.out &
PIDS+=($!)
for _ in $(seq 1 100); do [[ -s /tmp/streams-llm.out ]] && break; sleep 0.1; done
llm_url=$(head -1 /tmp/streams-llm.out)

db=lectern_streams_bench
dropdb --if-exists "$db"; createdb "$db"
PORT=$((4700 + RANDOM % 200)); URL=http://127.0.0.1:$PORT
DATABASE_URL=postgres://$PGUSER@$PGHOST:$PGPORT/$db LECTERN_RATE_LIMIT=off BETTER_AUTH_URL=$URL \
  BETTER_AUTH_SECRET=bench-secret-bench-secret-bench-secret-01 LECTERN_INDEX_DIR=/tmp/ab-index \
  LECTERN_LLM_BASE_URL=$llm_url LECTERN_LLM_MODEL=slow LECTERN_LLM_TIMEOUT=120s RUST_LOG=warn \
  "$BIN" serve --addr 127.0.0.1:$PORT >/tmp/streams-lectern.log 2>&1 &
LECTERN=$!; PIDS+=($LECTERN)
for _ in $(seq 1 300); do curl -sf "$URL/api/auth/ok" >/dev/null && break; sleep 0.1; done

api() { curl -sf -H "authorization: Bearer $token" -H 'content-type: application/json' "$@"; }
token=$(curl -s -D - -o /dev/null -H 'content-type: application/json' \
  -d '{"name":"B","email":"b@example.com","password":"correct horse battery"}' "$URL/api/auth/sign-up/email" \
  | tr -d '\r' | awk -F': ' 'tolower($1)=="set-auth-token"{print $2}')
api -X PUT -d '{"answers":{"softwareExperience":"beginner","operatingSystem":"linux","gpu":"none","roboticsHardware":["none"]}}' \
  "$URL/api/user/profile" >/dev/null
chat=$(api -d '{}' "$URL/api/chats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

rss() { awk '/VmRSS/{print $2}' /proc/$LECTERN/status; }
open_streams() { curl -sf "$URL/metrics" | awk '/^lectern_sse_streams_open /{print int($2)}'; }
idle=$(rss)
echo "streams=$STREAMS answer=${TOKENS}x${DELAY_MS}ms duration=${DURATION}s; RSS idle ${idle} KiB"

BENCH_BEARER=$token BENCH_PATH=/api/chats/$chat/messages BENCH_BODY='{"content":"How do nodes exchange data?"}' \
  wrk -t2 -c"$STREAMS" -d"${DURATION}s" --timeout 120s -s bench/bearer-post.lua "$URL" >/tmp/streams-wrk.out 2>&1 &
WRK=$!; PIDS+=($WRK)

# Ramp up: sample every second, keep the peak.
peak=0; peak_rss=$idle
for _ in $(seq 1 $((DURATION / 2))); do
  sleep 1
  n=$(open_streams || echo 0); r=$(rss)
  if (( n > peak )); then peak=$n; peak_rss=$r; fi
done
echo "open streams at peak: $peak, RSS $peak_rss KiB: $(( (peak_rss - idle) / (peak > 0 ? peak : 1) )) KiB per stream"
URL=$URL load get-session 16 get-session.lua BENCH_BEARER="$token"
n=$(open_streams || echo 0); echo "open streams after the session run: $n"
wait $WRK || true
echo "asks answered by wrk's end (it cuts the rest, which go on server-side): $(grep -o '"200":[0-9]*' /tmp/streams-wrk.out || echo none)"

# Every answer started must end complete: wait (bounded) for the last ones.
for _ in $(seq 1 $(( TOKENS * DELAY_MS / 1000 * 4 + 60 ))); do
  left=$(psql -qtA -d "$db" -c "SELECT count(*) FROM chat_message WHERE status = 'streaming'")
  [[ $left == 0 ]] && break; sleep 1
done
psql -qtA -d "$db" -c "SELECT 'answers ' || status || coalesce(' ' || error, '') || ': ' || count(*) FROM chat_message WHERE role = 'assistant' GROUP BY status, error"
kill $LECTERN; wait $LECTERN 2>/dev/null || true
[[ -n ${KEEP_DB:-} ]] || dropdb "$db"
