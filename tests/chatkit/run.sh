#!/usr/bin/env bash
# Lectern's ChatKit endpoint against the openai-chatkit Python SDK (PyPI, pinned in
# requirements.txt), on SQLite and on PostgreSQL:
#   test_conformance.py   every request type; every answer parsed with the SDK's models
#   test_side_by_side.py  the same requests to a reference ChatKit server written with the
#                         SDK; shapes and event order compared, known-differences.json lists
#                         the deliberate differences
#
#   tests/chatkit/run.sh                  builds lectern (debug), runs both files
#   LECTERN_BIN=/path/lectern run.sh      uses that binary instead of building
#
# Servers it starts (127.0.0.1, free ports, fresh databases, the bundled sample book, no
# model: extractive answers): lectern-sqlite, lectern-pg. Logs and test output in
# ${ARTIFACTS:-/tmp}/chatkit-logs. On exit it stops them (by PID) and drops the database.
# Knobs: COMPAT_PG_URL (admin URL, default postgres://root@127.0.0.1:5432/postgres; the role
# must be allowed to CREATE DATABASE), CHATKIT_VENV (default tests/chatkit/.venv; made, or
# remade when requirements.txt or the Python changes, with python3 -m venv + pip install).
# Nothing is skipped: a missing tool or a failed install fails the run.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
LOGS="${ARTIFACTS:-/tmp}/chatkit-logs"
PG_ADMIN=${COMPAT_PG_URL:-postgres://root@127.0.0.1:5432/postgres}
PG_BASE=${PG_ADMIN%/*}
VENV=${CHATKIT_VENV:-$HERE/.venv}

NAME=chatkit
# shellcheck source=../lib/harness.sh
source "$HERE/../lib/harness.sh"

command -v python3 >/dev/null || die "python3 is not installed"
python3 -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
  die "Python >= 3.10 with the venv module is required (found $(python3 --version 2>&1))"
command -v curl >/dev/null || die "curl is not installed"
use_lectern_bin

rm -rf "$LOGS" && mkdir -p "$LOGS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lectern-chatkit.XXXXXX")

STAMP="$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)-$(python3 -c 'import sys; print(sys.version.split()[0])')"
if [[ ! -x $VENV/bin/python || $(cat "$VENV/.chatkit-stamp" 2>/dev/null) != "$STAMP" ]]; then
  step "python venv in $VENV (pip install -r requirements.txt)"
  rm -rf "$VENV"
  { bounded 120 python3 -m venv "$VENV" &&
    bounded 600 "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input \
      -r "$HERE/requirements.txt"; } >"$LOGS/pip-install.log" 2>&1 ||
    { tail -n 20 "$LOGS/pip-install.log" >&2; rm -rf "$VENV"; die "creating the venv failed, see $LOGS/pip-install.log"; }
  echo "$STAMP" >"$VENV/.chatkit-stamp"
fi
"$VENV/bin/python" -c 'import chatkit.server, chatkit.types, httpx, pytest' ||
  die "the venv at $VENV lacks the SDK, httpx or pytest; remove it and run again"

RUN_ID=$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(4))')
DB="chatkit_${RUN_ID}"
create_dbs "$DB"
mapfile -t PORTS < <("$VENV/bin/python" -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("127.0.0.1", 0))
for s in socks: print(s.getsockname()[1])')
((${#PORTS[@]} == 2)) || die "could not pick free ports"
declare -A PORT=([sqlite]=${PORTS[0]} [postgres]=${PORTS[1]}) PID
SECRET="chatkit-$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(24))')"

start() { # name database-url: -u so the caller's environment cannot change what is tested
  local name=$1 url="http://127.0.0.1:${PORT[$1]}"
  env -u LECTERN_ENV -u LECTERN_SECRET -u LECTERN_ADDR -u REDIS_URL -u LECTERN_BOOK_DIR \
    -u LECTERN_LLM_BASE_URL -u LECTERN_LLM_API_KEY -u LECTERN_LLM_MODEL -u LECTERN_TRUSTED_ORIGINS \
    DATABASE_URL="$2" BETTER_AUTH_SECRET="$SECRET" BETTER_AUTH_URL="$url" LECTERN_RATE_LIMIT=off \
    NO_COLOR=1 LECTERN_INDEX_DIR="$WORK/index-$name" \
    "$LECTERN_BIN" serve --addr "127.0.0.1:${PORT[$name]}" >"$LOGS/lectern-$name.log" 2>&1 </dev/null &
  PID[$name]=$!
  PIDS+=($!)
}
wait_ready() { # name: /api/auth/ok answers, or the server exited, or 120 s passed
  local name=$1
  for _ in $(seq 1200); do
    curl -sf "http://127.0.0.1:${PORT[$name]}/api/auth/ok" >/dev/null && return 0
    kill -0 "${PID[$name]}" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 30 "$LOGS/lectern-$name.log" >&2 || true
  die "lectern ($name) did not become ready; see $LOGS/lectern-$name.log"
}

step "starting lectern on SQLite and PostgreSQL (logs in $LOGS)"
start sqlite "sqlite://$WORK/lectern.db"
start postgres "$PG_BASE/$DB"
wait_ready sqlite
wait_ready postgres

step "running tests"
export LECTERN_TARGETS="sqlite=http://127.0.0.1:${PORT[sqlite]},postgres=http://127.0.0.1:${PORT[postgres]}"
export CHATKIT_ARTIFACTS=$LOGS
set +e
(cd "$HERE" && PYTHONDONTWRITEBYTECODE=1 bounded 900 "$VENV/bin/python" -m pytest -p no:cacheprovider \
  -v -rfEs --strict-markers test_conformance.py test_side_by_side.py) 2>&1 | tee "$LOGS/tests.txt"
status=${PIPESTATUS[0]}
set -e
# Nothing may be skipped: a skip would hide a backend or a request type.
if grep -qE '[0-9]+ skipped' "$LOGS/tests.txt"; then
  die "tests were skipped; see $LOGS/tests.txt"
fi
step "tests $([[ $status == 0 ]] && echo passed || echo FAILED); artifacts in $LOGS"
exit "$status"
