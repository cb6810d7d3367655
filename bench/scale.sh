#!/usr/bin/env bash
# Lectern with a million readers: the same requests against a small database (SMALL_USERS,
# 1,000 readers) and a large one (LARGE_USERS, 1,000,000 readers: 1,000,000 users and
# profiles, 3,000,000 sessions, 5,000,000 chat messages; bench/seed.sql), on PostgreSQL, with
# the session cache off (LECTERN_SESSION_CACHE_TTL=0) so every check reads the database.
# wrk, 10 s after a 3 s warm-up, in this order:
#   get-session   GET /api/auth/get-session, 64 connections
#   me            GET /api/me (session + profile gate), 64 connections
#   chats         GET /api/chats (the reader's chat list), 64 connections
#   history       GET /api/chats/:id (a chat's first history page), 64 connections
#   sign-in       POST /api/auth/sign-in/email over 1,000 readers, 16 connections
#   ask           POST /api/chats/:id/messages (retrieval, extractive answer, saves), 16 connections
# Then EXPLAIN of the hot queries on the large database. Seeding a million readers takes a
# few minutes; KEEP_DB=1 keeps both databases (lectern_scale_small/_large) for a re-run,
# which then skips seeding.
# Run from the repository root; needs wrk, curl, python3, psql/createdb/dropdb.
set -euo pipefail
BIN=${LECTERN_BIN:-target/release/lectern}  # cargo build --release -p lectern
SMALL=${SMALL_USERS:-1000}
LARGE=${LARGE_USERS:-1000000}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-root}
SECRET=bench-secret-bench-secret-bench-secret-01
PASSWORD=bench-password-0123456789
for tool in wrk curl python3 psql createdb; do command -v $tool >/dev/null || { echo "$tool is required" >&2; exit 1; }; done
source bench/lib.sh
PID=""
trap '[[ -n $PID ]] && kill $PID 2>/dev/null; wait 2>/dev/null || true' EXIT

url_of() { echo "postgres://$PGUSER@$PGHOST:$PGPORT/$1"; }

serve() {  # database
  PORT=$((4700 + RANDOM % 200)); URL=http://127.0.0.1:$PORT
  DATABASE_URL=$(url_of "$1") LECTERN_SESSION_CACHE_TTL=0 LECTERN_RATE_LIMIT=off LECTERN_AUDIT=off \
    BETTER_AUTH_URL=$URL BETTER_AUTH_SECRET=$SECRET LECTERN_INDEX_DIR=/tmp/scale-index \
    "$BIN" serve --addr 127.0.0.1:$PORT >"/tmp/scale-$1.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 300); do curl -sf "$URL/api/auth/ok" >/dev/null && return; sleep 0.1; done
  echo "lectern did not start on $1" >&2; exit 1
}

stop() { kill $PID; wait $PID 2>/dev/null || true; PID=""; }

# A real argon2id hash of $PASSWORD, made by Lectern itself, for every seeded account.
hash_source=lectern_scale_hash
dropdb --if-exists "$hash_source"; createdb "$hash_source"
serve "$hash_source"
curl -sf -o /dev/null -H 'content-type: application/json' \
  -d '{"name":"H","email":"hash@example.com","password":"'$PASSWORD'"}' "$URL/api/auth/sign-up/email"
stop
HASH=$(psql -qtA -d "$hash_source" -c "SELECT password FROM account LIMIT 1")
dropdb "$hash_source"

for size in small large; do
  name=lectern_scale_$size; users=$SMALL; [[ $size == large ]] && users=$LARGE
  if [[ -z ${KEEP_DB:-} ]] || ! psql -qtA -d "$name" -c 'SELECT 1 FROM "user" LIMIT 1' >/dev/null 2>&1; then
    dropdb --if-exists "$name"; createdb "$name"
    DATABASE_URL=$(url_of "$name") "$BIN" migrate >/dev/null
    echo "seeding $name with $users readers…"
    start=$(date +%s)
    psql -q -d "$name" -v users="$users" -v hash="$HASH" -f bench/seed.sql
    echo "  seeded in $(( $(date +%s) - start )) s, $(psql -qtA -d "$name" -c "SELECT pg_size_pretty(pg_database_size('$name'))")"
  fi
  token=$(psql -qtA -d "$name" -c "SELECT md5('t0')")
  chat=$(psql -qtA -d "$name" -c "SELECT md5('c0')")
  serve "$name"
  echo "$size ($users readers)"
  load get-session 64 get-session.lua BENCH_BEARER="$token"
  load me 64 get-session.lua BENCH_BEARER="$token" BENCH_PATH=/api/me
  load chats 64 get-session.lua BENCH_BEARER="$token" BENCH_PATH=/api/chats
  load history 64 get-session.lua BENCH_BEARER="$token" BENCH_PATH="/api/chats/$chat"
  load sign-in 16 sign-in.lua BENCH_USERS=1000 BENCH_PASSWORD=$PASSWORD
  load ask 16 bearer-post.lua BENCH_BEARER="$token" BENCH_PATH="/api/chats/$chat/messages" \
    BENCH_BODY='{"content":"How do nodes exchange data?"}'
  stop
done

echo "query plans on the large database:"
psql -qtA -d lectern_scale_large <<SQL | grep -E '^(Index|Bitmap|Seq|Limit|Nested|Hash|Sort|Execution)|->' | sed 's/^/  /'
EXPLAIN ANALYZE SELECT s.*, u.* FROM "session" s JOIN "user" u ON u."id" = s."userId" WHERE s."token" = md5('t1500000');
EXPLAIN ANALYZE SELECT u."id", a."password" FROM "user" u LEFT JOIN "account" a ON a."userId" = u."id" AND a."providerId" = 'credential' WHERE u."email" = 'bench-user-500000@example.com' LIMIT 1;
EXPLAIN ANALYZE SELECT * FROM "chat" WHERE "userId" = md5('u500000') ORDER BY "updatedAt" DESC, "id" DESC LIMIT 21;
EXPLAIN ANALYZE SELECT * FROM "chat_message" m WHERE m."chatId" = md5('c500000') AND m."userId" = md5('u500000') ORDER BY m."id" DESC LIMIT 51;
EXPLAIN ANALYZE SELECT 1 FROM "reader_profile" WHERE "userId" = md5('u500000');
EXPLAIN ANALYZE SELECT count(*) FROM "chat_message" WHERE "status" = 'streaming' AND "updatedAt" < now() - interval '15 seconds';
SQL
[[ -n ${KEEP_DB:-} ]] || { dropdb lectern_scale_small; dropdb lectern_scale_large; }
