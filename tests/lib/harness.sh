# Sourced by tests/*/run.sh: messages, bounded waits, PostgreSQL databases, and a cleanup
# that stops every server the script started and drops its databases, whatever happened.
#
# The sourcing script sets NAME (the message prefix), REPO (the repository) and PG_ADMIN (an
# admin URL whose role may CREATE DATABASE), then appends to PIDS (servers), DBS (databases, via create_dbs) and
# sets WORK (a temporary directory).

die() { echo "$NAME: $*" >&2; exit 1; }
step() { echo "$NAME: $* (${SECONDS}s)"; }
# bounded SECONDS cmd...: every wait has a limit (where coreutils' timeout exists).
bounded() {
  local limit=$1; shift
  if command -v timeout >/dev/null; then timeout --kill-after=10 "$limit" "$@"; else "$@"; fi
}

# LECTERN_BIN: the binary given, or a debug build of the repository at REPO.
use_lectern_bin() {
  if [[ -z ${LECTERN_BIN:-} ]]; then
    step "cargo build -p lectern"
    (cd "$REPO" && cargo build -p lectern) || die "cargo build -p lectern failed"
    LECTERN_BIN=${CARGO_TARGET_DIR:-$REPO/target}/debug/lectern
  fi
  [[ -x $LECTERN_BIN ]] || die "LECTERN_BIN=$LECTERN_BIN is not an executable"
}

# psql rather than a driver of one test suite: the PostgreSQL client is on every machine
# that runs the server.
psql_admin() { bounded 60 psql -qX -v ON_ERROR_STOP=1 "$PG_ADMIN" -c "$1" >/dev/null; }

create_dbs() { # name...: fresh databases, dropped on exit
  command -v psql >/dev/null || die "psql is missing (Debian: postgresql-client)"
  local db
  for db in "$@"; do
    [[ $db =~ ^[a-z0-9_]+$ ]] || die "unsafe database name $db"
    DBS+=("$db")
    psql_admin "CREATE DATABASE \"$db\"" || die "cannot create database $db on $PG_ADMIN"
  done
}

PIDS=() DBS=() WORK=""
cleanup() {
  local rc=$? pid db
  trap - EXIT INT TERM
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do # bounded: 5 s each, then SIGKILL
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  for db in ${DBS[@]+"${DBS[@]}"}; do
    # WITH (FORCE): a server that was killed may leave a connection behind.
    psql_admin "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" || echo "$NAME: could not drop $db" >&2
  done
  [[ -n $WORK ]] && rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
