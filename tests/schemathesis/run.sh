#!/usr/bin/env bash
# Schema-driven fuzzing of the reader API: schemathesis (PyPI) reads /api/openapi.json from a
# running lectern and sends it generated requests, valid and invalid, as a signed-in reader
# with a profile, once on SQLite and once on a fresh PostgreSQL database.
#
#   tests/schemathesis/run.sh                 builds lectern (debug) and runs both
#   LECTERN_BIN=/path/lectern run.sh          uses that binary
#
# Every response must be a non-5xx, documented status with a body matching the schema;
# invalid input must be refused; unknown methods get 405. Two of schemathesis' checks are
# left out, deliberately:
#   positive_data_acceptance: a schema-valid body can still be an incomplete profile (a
#     required question unanswered, "None" combined with another answer), which Lectern
#     refuses with 400 and an error per question; JSON Schema cannot say "required unless".
#   ignored_auth: it sends a valid bearer token with a junk cookie and expects a refusal;
#     Lectern accepts either credential, as Better Auth's bearer plugin does.
# Knobs: ST_VENV (default tests/schemathesis/.venv), ST_MAX_EXAMPLES (default 100),
# COMPAT_PG_URL (admin URL of the PostgreSQL server, default postgres://root@127.0.0.1:5432/postgres).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VENV=${ST_VENV:-$HERE/.venv}
LOGS="${ARTIFACTS:-/tmp}/schemathesis-logs"
PG_ADMIN=${COMPAT_PG_URL:-postgres://root@127.0.0.1:5432/postgres}
PORT=${ST_PORT:-4471}
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection,unsupported_method,use_after_free,ensure_resource_availability

die() { echo "schemathesis: $*" >&2; exit 1; }
PID="" DB="" WORK=$(mktemp -d)
cleanup() {
  if [[ -n $PID ]]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  if [[ -n $DB ]]; then psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
rm -rf "$LOGS" && mkdir -p "$LOGS"

if [[ -z ${LECTERN_BIN:-} ]]; then
  cargo build --quiet -p lectern --manifest-path "$REPO/Cargo.toml"
  LECTERN_BIN=${CARGO_TARGET_DIR:-$REPO/target}/debug/lectern
fi
if [[ ! -x $VENV/bin/schemathesis ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
fi

# fuzz NAME DATABASE_URL: one server, one reader, one schemathesis run.
fuzz() {
  local name=$1 url=$2 base="http://127.0.0.1:$PORT"
  DATABASE_URL=$url LECTERN_RATE_LIMIT=off BETTER_AUTH_URL=$base LECTERN_INDEX_DIR=$WORK/index-$name \
    "$LECTERN_BIN" serve --addr "127.0.0.1:$PORT" >"$LOGS/$name.server.log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do
    curl -sf "$base/api/auth/ok" >/dev/null && break
    kill -0 "$PID" 2>/dev/null || die "$name: lectern exited; see $LOGS/$name.server.log"
    sleep 0.1
  done
  local token
  token=$(curl -sf -H 'content-type: application/json' \
    -d '{"name":"Fuzz","email":"fuzz@example.com","password":"correct horse battery"}' \
    "$base/api/auth/sign-up/email" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') ||
    die "$name: sign-up failed"
  curl -sf -X PUT -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"answers":{"softwareExperience":"beginner","operatingSystem":"linux","gpu":"none","roboticsHardware":["none"]}}' \
    "$base/api/user/profile" >/dev/null || die "$name: profile failed"
  echo "schemathesis: $name"
  # The origin header lets cookie-carrying requests past the CSRF check to the handlers.
  # One worker: with two, Hypothesis's threads parse lambdas' source at once, which trips a
  # CPython 3.11 race in `ast` ("AST constructor recursion depth mismatch") and
  # fails the run now and then for nothing Lectern did.
  local rc=0
  timeout --kill-after=10 600 "$VENV/bin/schemathesis" run "$base/api/openapi.json" \
    --checks "$CHECKS" --max-examples "${ST_MAX_EXAMPLES:-100}" --seed 1 --workers 1 \
    -H "Authorization: Bearer $token" -H "Origin: $base" \
    --report junit --report-dir "$LOGS/$name" >"$LOGS/$name.txt" 2>&1 || rc=$?
  kill -TERM "$PID" && wait "$PID" || true
  PID=""
  if ((rc != 0)); then
    tail -80 "$LOGS/$name.txt"
    die "$name: schemathesis found failures (full output: $LOGS/$name.txt)"
  fi
  grep -E "generated|passed|failures" "$LOGS/$name.txt" | tail -3
}

fuzz sqlite "sqlite://$WORK/fuzz.db"
DB="lectern_fuzz_$$"
psql -q "$PG_ADMIN" -c "CREATE DATABASE \"$DB\"" >/dev/null || die "cannot create a PostgreSQL database"
fuzz postgres "${PG_ADMIN%/*}/$DB"
echo "schemathesis: no failures on SQLite or PostgreSQL"
