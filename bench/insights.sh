#!/usr/bin/env bash
# The author's dashboard at scale, on PostgreSQL: bench/seed.sql's readers (USERS, default
# 1,000,000: 1,000,000 users, 5,000,000 chat messages) plus what asking records for the
# dashboard (bench/seed-insights.sql: sign-ups over a year, 2 answers per reader, about
# 5,000,000 cited sections, 7,000,000 questionnaire choices). Then each page of /admin,
# signed in as an admin, one request at a time: 3 warm-ups, then RUNS timed requests (curl's
# time_total), median and p95, for the default range (the last 30 days), the whole year, and
# the last 30 days for beginners only. Finally EXPLAIN ANALYZE of the slowest page's queries.
# KEEP_DB=1 keeps the database (lectern_insights_<USERS>) for a re-run, which skips seeding.
# Run from the repository root; needs curl, python3, psql/createdb/dropdb and a release build.
set -euo pipefail
BIN=${LECTERN_BIN:-target/release/lectern}  # cargo build --release -p lectern
USERS=${USERS:-1000000}
RUNS=${RUNS:-20}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-root}
SECRET=bench-secret-bench-secret-bench-secret-01
for tool in curl python3 psql createdb; do command -v $tool >/dev/null || { echo "$tool is required" >&2; exit 1; }; done
PID=""
trap '[[ -n $PID ]] && kill $PID 2>/dev/null; wait 2>/dev/null || true' EXIT
name=lectern_insights_$USERS
db=postgres://$PGUSER@$PGHOST:$PGPORT/$name

if [[ -z ${KEEP_DB:-} ]] || ! psql -qtA -d "$name" -c 'SELECT 1 FROM "answer_insight" LIMIT 1' >/dev/null 2>&1; then
  dropdb --if-exists "$name"; createdb "$name"
  DATABASE_URL=$db "$BIN" migrate >/dev/null
  echo "seeding $name with $USERS readers…"
  start=$(date +%s)
  psql -q -d "$name" -v users="$USERS" -v hash='not-a-password' -f bench/seed.sql
  psql -q -d "$name" -v users="$USERS" -f bench/seed-insights.sql
  echo "  seeded in $(( $(date +%s) - start )) s, $(psql -qtA -d "$name" -c "SELECT pg_size_pretty(pg_database_size('$name'))")"
fi
psql -qtA -d "$name" <<'SQL' | sed 's/^/  /'
SELECT (SELECT count(*) FROM "user") || ' users, ' || (SELECT count(*) FROM "chat_message") || ' messages, '
    || (SELECT count(*) FROM "answer_insight") || ' answers recorded, ' || (SELECT count(*) FROM "answer_section")
    || ' cited sections, ' || (SELECT count(*) FROM "profile_answer") || ' questionnaire choices';
SQL

PORT=$((4900 + RANDOM % 90)); URL=http://127.0.0.1:$PORT
DATABASE_URL=$db LECTERN_RATE_LIMIT=off LECTERN_AUDIT=off BETTER_AUTH_URL=$URL BETTER_AUTH_SECRET=$SECRET \
  LECTERN_INDEX_DIR=/tmp/insights-bench-index "$BIN" serve --addr 127.0.0.1:$PORT >/tmp/insights-bench.log 2>&1 &
PID=$!
for _ in $(seq 1 300); do curl -sf "$URL/api/auth/ok" >/dev/null && break; sleep 0.1; done
jar=$(mktemp)
email="bench-admin-$RANDOM@example.com"
curl -sf -o /dev/null -c "$jar" -H 'content-type: application/json' -H "origin: $URL" \
  -d '{"name":"Author","email":"'"$email"'","password":"bench-password-0123456789"}' "$URL/api/auth/sign-up/email"
psql -qtA -d "$name" -c "UPDATE \"user\" SET \"role\" = 'admin' WHERE \"email\" = '$email'" >/dev/null

today=$(date -u +%F)
year_ago=$(date -u -d '364 days ago' +%F)
echo "each page, $RUNS requests after 3 warm-ups (ms: median, p95):"
for range in "" "from=$year_ago&to=$today" "background=softwareExperience%3Abeginner"; do
  echo "  ${range:-last 30 days}"
  for page in "" /readers /backgrounds /questions /failures /health; do
    for _ in 1 2 3; do curl -sf -o /dev/null -b "$jar" "$URL/admin$page?$range"; done
    times=$(for _ in $(seq 1 "$RUNS"); do
      curl -s -o /dev/null -b "$jar" -w '%{http_code} %{time_total}\n' "$URL/admin$page?$range"; done)
    echo "$times" | python3 -c '
import sys
rows = [l.split() for l in sys.stdin if l.strip()]
bad = [c for c, _ in rows if c != "200"]
ms = sorted(float(t) * 1000 for _, t in rows)
p = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]
print("    %-13s %7.1f %7.1f%s" % (sys.argv[1] or "/ (overview)", p(0.5), p(0.95), "  NON-200: %d" % len(bad) if bad else ""))' "$page"
  done
done
rm -f "$jar"
