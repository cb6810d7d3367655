#!/usr/bin/env bash
# Lectern vs the reference Better Auth server, side by side, in one run.
#
#   bench/run.sh                        # every scenario
#   BENCH_SCENARIOS=tokens bench/run.sh # only the token scenarios (issue 3): 5 and 6
#
# Installs wrk if it is missing, builds target/release/lectern if it is missing, installs
# the reference peers (Better Auth 1.7, Node; the FastAPI + PyJWT resource server, in a
# venv) into $BENCH_WORK, creates fresh databases, then for each target starts the server,
# creates the users, runs the scenarios, stops the server. Prints a Markdown table; raw
# outputs go to bench/results/<UTC stamp>/ (bench/results/latest points at the newest).
# See bench/README.md.
#
# Knobs (environment):
#   BENCH_SCENARIOS    scenario groups, default "session tokens": session = 1-4 (get-session,
#                      sign-in, storm, memory), tokens = 5 (GET /api/auth/token) and 6
#                      (GET /api/me with a JWT), plus memory
#   BENCH_TARGETS      default: every target with a scenario in BENCH_SCENARIOS, of
#                      "lectern-pg lectern-pg-nocache lectern-sqlite lectern-pg-hash1
#                      lectern-pg-schedidle lectern-pg-argon2id lectern-api fastapi-w1
#                      fastapi-w2 peer"; lectern-pg-nocache runs with
#                      LECTERN_SESSION_CACHE_TTL=0 (every get-session reads the database),
#                      lectern-pg-hash1 with LECTERN_HASH_WORKERS=1 and lectern-pg-schedidle with
#                      its hashing threads switched to SCHED_IDLE by chrt (two experiments);
#                      lectern-api is `lectern serve --role api --auth-url ISSUER`, fastapi-w1/-w2
#                      the FastAPI peer at 1/2 uvicorn workers, both verifying the JWTs of
#                      one Lectern `--role auth` issuer that run.sh starts for them
#   BENCH_DURATION     seconds per measured wrk run (default 10)
#   BENCH_WARMUP       seconds of warm-up before scenarios 1 and 2 (default 3)
#   BENCH_USERS        users in the sign-in pool (default 50)
#   BENCH_GS_CONNS     scenario 1 connections (64); BENCH_STORM_GS_CONNS scenario 3 (32)
#   BENCH_SIGNIN_CONNS sign-in connections, scenarios 2 and 3 (16)
#   BENCH_HEAVY_STORM_CONNS  scenario 3b: a storm larger than Lectern's hash queue (128; 0 = skip)
#   BENCH_TOKEN_CONNS  scenarios 5 and 6 connections (64)
#   BENCH_QUIET_LOAD   wait until the 1-minute loadavg is below this (0.5) ...
#   BENCH_QUIET_WAIT   ... for at most this many seconds (300), then run anyway and say so
#   BENCH_BASE_PORT    ports on 127.0.0.1: BASE+0.. for the targets, BASE+20 for the issuer (4310)
#   BENCH_WORK         scratch directory: the peer's node_modules, the FastAPI venv, SQLite
#                      files (/tmp/lectern-bench)
#   BENCH_PEER_SRC     the reference peer (/work/shared/peers/better-auth)
#   BENCH_FASTAPI_SRC  the FastAPI + PyJWT peer (/work/shared/peers/fastapi)
#   BENCH_KEEP_DBS=1   keep the benchmark databases afterwards
#   LECTERN_BIN        the lectern binary (target/release/lectern)
#   PGHOST PGPORT PGUSER  PostgreSQL (127.0.0.1, 5432, root; trust authentication)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH_DIR")
SCENARIOS=${BENCH_SCENARIOS:-"session tokens"}
for group in $SCENARIOS; do
  [[ $group == session || $group == tokens ]] || { echo "BENCH_SCENARIOS: unknown group $group (use session, tokens)" >&2; exit 2; }
done
ALL_TARGETS="lectern-pg lectern-pg-nocache lectern-sqlite lectern-pg-hash1 lectern-pg-schedidle lectern-pg-argon2id lectern-api fastapi-w1 fastapi-w2 peer"
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-3}
USERS=${BENCH_USERS:-50}
GS_CONNS=${BENCH_GS_CONNS:-64}
STORM_GS_CONNS=${BENCH_STORM_GS_CONNS:-32}
SIGNIN_CONNS=${BENCH_SIGNIN_CONNS:-16}
HEAVY_STORM_CONNS=${BENCH_HEAVY_STORM_CONNS:-128}
TOKEN_CONNS=${BENCH_TOKEN_CONNS:-64}
QUIET_LOAD=${BENCH_QUIET_LOAD:-0.5}
QUIET_WAIT=${BENCH_QUIET_WAIT:-300}
BASE_PORT=${BENCH_BASE_PORT:-4310}
WORK=${BENCH_WORK:-/tmp/lectern-bench}
PEER_SRC=${BENCH_PEER_SRC:-/work/shared/peers/better-auth}
FASTAPI_SRC=${BENCH_FASTAPI_SRC:-/work/shared/peers/fastapi}
FASTAPI_VENV=$WORK/fastapi-venv
ISSUER_PORT=$((BASE_PORT + 20))
LECTERN_BIN=${LECTERN_BIN:-$REPO/target/release/lectern}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-root}
SECRET=lectern-bench-secret-0123456789-abcdefghijklmnop
export BENCH_PASSWORD=bench-password-0123456789
export BENCH_EMAIL_PREFIX=bench-user-
export BENCH_USERS=$USERS
WRK_TIMEOUT=30s # so slow answers are measured rather than dropped as timeouts

has_group() { [[ " $SCENARIOS " == *" $1 "* ]]; }
# The scenarios a target runs, in the selected groups (empty: the target is skipped).
scenarios_for() {
  local target=$1 list=""
  if has_group session; then
    case $target in
      lectern-pg-argon2id | lectern-pg-hash1 | lectern-pg-schedidle) list="sign_in storm" ;; # get-session does not depend on the hash
      lectern-pg-nocache) list="get_session" ;; # the database read path of get-session
      lectern-pg | lectern-sqlite | peer) list="get_session sign_in storm" ;;
    esac
  fi
  if has_group tokens; then
    case $target in
      lectern-pg) list="$list token me_jwt_noprofile me_jwt me_cookie" ;; # --role all: issues, and verifies in process
      lectern-api) list="$list me_jwt_noprofile me_jwt" ;; # verifies the issuer's JWTs
      fastapi-w1 | fastapi-w2) list="$list me_jwt" ;; # the same, the original design
      peer) list="$list token" ;; # Better Auth issues; it has no /api/me
    esac
  fi
  echo $list
}
# Verifier targets: they check the JWTs of a separate Lectern --role auth (the issuer).
needs_issuer() { [[ $1 == lectern-api || $1 == fastapi-w* ]]; }
if [[ -n ${BENCH_TARGETS:-} ]]; then
  TARGETS=$BENCH_TARGETS
else
  TARGETS=""
  for target in $ALL_TARGETS; do [[ -n $(scenarios_for "$target") ]] && TARGETS="$TARGETS $target"; done
fi
TARGETS=$(echo $TARGETS)

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RES=$BENCH_DIR/results/$STAMP
mkdir -p "$RES" "$WORK"
ln -sfn "$STAMP" "$BENCH_DIR/results/latest"
RESULTS=$RES/results.jsonl
: >"$RESULTS"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- cleanup: only the processes this script started, by pid -----------------------------
SERVER_PID=""
ISSUER_PID=""
DBS=()
cleanup() {
  local status=$?
  # wrk runs still going (and the subshells around them), by pid; then the servers.
  local child
  for child in $(ps -o pid= --ppid $$); do
    [[ $child == "$SERVER_PID" || $child == "$ISSUER_PID" ]] || kill_tree "$child"
  done
  stop_server
  stop_issuer
  if [[ ${BENCH_KEEP_DBS:-0} != 1 ]]; then
    for db in "${DBS[@]}"; do dropdb --if-exists "$db" 2>/dev/null || true; done
  fi
  exit "$status"
}
kill_tree() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# stop_pid PID: SIGTERM, up to 10 s, then SIGKILL; the same for any of its descendants
# still there afterwards (uvicorn's workers), each by pid.
descendant_pids() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$child"; descendant_pids "$child"; done
}
stop_pid() {
  local pid=$1 kids p
  kids=$(descendant_pids "$pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  for p in $kids; do kill -KILL "$p" 2>/dev/null || true; done
}
stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  stop_pid "$SERVER_PID"
  SERVER_PID=""
}
stop_issuer() {
  [[ -n $ISSUER_PID ]] || return 0
  stop_pid "$ISSUER_PID"
  ISSUER_PID=""
}

# --- prerequisites ----------------------------------------------------------------------
as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi; }
if ! command -v wrk >/dev/null; then
  log "installing wrk"
  as_root apt-get update -qq && as_root apt-get install -y -qq wrk >/dev/null
fi
for tool in wrk curl python3 psql createdb dropdb; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
if [[ ! -x $LECTERN_BIN ]]; then
  log "building lectern (release)"
  (cd "$REPO" && cargo build --release -p lectern)
fi
# A private copy, so a rebuild by someone else during the run cannot swap the binary.
cp "$LECTERN_BIN" "$WORK/lectern"
LECTERN_SRC_BIN=$LECTERN_BIN
LECTERN_BIN=$WORK/lectern
if [[ " $TARGETS " == *" peer "* ]]; then
  if [[ ! -d $WORK/peer/node_modules/better-auth ]]; then
    [[ -d $PEER_SRC ]] || die "no reference peer at $PEER_SRC (set BENCH_PEER_SRC, or drop peer from BENCH_TARGETS)"
    log "installing the reference peer into $WORK/peer"
    rm -rf "$WORK/peer" && cp -r "$PEER_SRC" "$WORK/peer"
    (cd "$WORK/peer" && npm install --no-audit --no-fund --loglevel=error)
  fi
fi

uses_fastapi() { [[ " $TARGETS " == *" fastapi-w"* ]]; }
if uses_fastapi; then
  [[ -f $FASTAPI_SRC/app.py && -f $FASTAPI_SRC/requirements.txt ]] || die "no FastAPI peer at $FASTAPI_SRC (set BENCH_FASTAPI_SRC, or drop fastapi-w1/-w2 from BENCH_TARGETS)"
  # Reinstalled when the peer's requirements change.
  if ! cmp -s "$FASTAPI_SRC/requirements.txt" "$FASTAPI_VENV/.requirements.txt"; then
    log "installing the FastAPI peer's requirements into $FASTAPI_VENV"
    rm -rf "$FASTAPI_VENV"
    python3 -m venv "$FASTAPI_VENV" || die "python3 -m venv failed (apt-get install python3-venv)"
    "$FASTAPI_VENV/bin/pip" install -q --disable-pip-version-check -r "$FASTAPI_SRC/requirements.txt"
    cp "$FASTAPI_SRC/requirements.txt" "$FASTAPI_VENV/.requirements.txt"
  fi
  rm -rf "$WORK/fastapi-peer" && mkdir -p "$WORK/fastapi-peer" && cp "$FASTAPI_SRC/app.py" "$WORK/fastapi-peer/"
fi

# --- the machine ------------------------------------------------------------------------
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "mem_total: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel: $(uname -sr)"
  echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "wrk: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo "postgres: $(psql -d postgres -Atc 'show server_version')"
  echo "lectern: $("$LECTERN_BIN" --version) (git $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$( [[ -n $(git -C "$REPO" status --porcelain -- crates Cargo.toml Cargo.lock 2>/dev/null) ]] && echo ', uncommitted changes in crates/'))"
  echo "lectern_binary: $LECTERN_SRC_BIN, built $(date -u -r "$LECTERN_SRC_BIN" +%Y-%m-%dT%H:%M:%SZ), sha256 $(sha256sum "$LECTERN_BIN" | cut -c1-16)"
  echo "rustc: $(rustc --version 2>/dev/null || echo '?')"
  if [[ " $TARGETS " == *" peer "* ]]; then
    echo "node: $(node --version)"
    echo "better_auth: $(node -p "require('$WORK/peer/node_modules/better-auth/package.json').version")"
  fi
  if uses_fastapi; then
    echo "python: $("$FASTAPI_VENV/bin/python" --version 2>&1)"
    echo "fastapi_peer: $("$FASTAPI_VENV/bin/python" -c 'import importlib.metadata as m; print(" ".join(f"{p}=={m.version(p)}" for p in ("fastapi", "uvicorn", "uvloop", "httptools", "pyjwt", "cryptography")))' 2>&1)"
  fi
  echo "scenarios: $SCENARIOS"
  echo "targets: $TARGETS"
  echo "settings: duration=${DURATION}s warmup=${WARMUP}s users=$USERS gs_conns=$GS_CONNS storm_gs_conns=$STORM_GS_CONNS signin_conns=$SIGNIN_CONNS heavy_storm_conns=$HEAVY_STORM_CONNS token_conns=$TOKEN_CONNS wrk_timeout=$WRK_TIMEOUT"
} >"$RES/machine.txt"

# --- a quiet machine --------------------------------------------------------------------
load1() { cut -d' ' -f1 /proc/loadavg; }
waited=0
while awk -v l="$(load1)" -v q="$QUIET_LOAD" 'BEGIN { exit !(l >= q) }'; do
  if ((waited >= QUIET_WAIT)); then
    log "machine not quiet after ${QUIET_WAIT}s (loadavg $(cut -d' ' -f1-3 /proc/loadavg)); running anyway"
    break
  fi
  ((waited % 30 == 0)) && log "waiting for a quiet machine: loadavg $(cut -d' ' -f1-3 /proc/loadavg) (need < $QUIET_LOAD)"
  sleep 5
  waited=$((waited + 5))
done
{
  echo "quiet_wait_s: $waited"
  echo "loadavg_at_start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "top_cpu_at_start:"
  ps -eo pcpu,comm --sort=-pcpu | sed -n '2,6p' | sed 's/^/  /'
} >>"$RES/machine.txt"
log "loadavg $(cut -d' ' -f1-3 /proc/loadavg); results in $RES"

# --- servers ----------------------------------------------------------------------------
fresh_db() {
  dropdb --if-exists --force "$1" >/dev/null 2>&1 || dropdb --if-exists "$1"
  createdb "$1"
  DBS+=("$1")
}

PORT=""
export BENCH_SELF=$$ # procstat.py: this shell's children (wrk) are counted apart
export BENCH_DB="" # read by procstat.py: whose PostgreSQL backends count as PostgreSQL
start_server() {
  local target=$1 index=$2
  PORT=$((BASE_PORT + index))
  if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then die "port $PORT is already in use"; fi
  local url=http://127.0.0.1:$PORT logfile=$RES/$target.server.log ready=/api/auth/ok ready_code=200
  case $target in
    lectern-pg | lectern-pg-nocache | lectern-pg-argon2id | lectern-pg-hash1 | lectern-pg-schedidle | lectern-sqlite)
      local db hash=scrypt workers="" cache=""
      case $target in
        lectern-pg) BENCH_DB=lectern_bench_pg ;;
        lectern-pg-nocache) BENCH_DB=lectern_bench_pg_nocache cache=0 ;;
        lectern-pg-argon2id) BENCH_DB=lectern_bench_pg_argon2 hash=argon2id ;;
        lectern-pg-hash1) BENCH_DB=lectern_bench_pg_hash1 workers=1 ;;
        lectern-pg-schedidle) BENCH_DB=lectern_bench_pg_schedidle ;;
        lectern-sqlite) BENCH_DB=none ;; # PostgreSQL's shared processes only
      esac
      case $target in
        lectern-sqlite) rm -f "$WORK"/lectern-bench.db*; db=sqlite://$WORK/lectern-bench.db ;;
        *) fresh_db "$BENCH_DB"; db=postgres://$PGUSER@$PGHOST:$PGPORT/$BENCH_DB ;;
      esac
      echo "DATABASE_URL=$db LECTERN_PASSWORD_HASH=$hash LECTERN_HASH_WORKERS=$workers LECTERN_SESSION_CACHE_TTL=$cache LECTERN_RATE_LIMIT=off BETTER_AUTH_URL=$url BETTER_AUTH_SECRET=… $LECTERN_BIN serve --role all --addr 127.0.0.1:$PORT" >"$RES/$target.command"
      DATABASE_URL=$db BETTER_AUTH_SECRET=$SECRET BETTER_AUTH_URL=$url LECTERN_RATE_LIMIT=off \
        LECTERN_PASSWORD_HASH=$hash LECTERN_HASH_WORKERS=$workers LECTERN_SESSION_CACHE_TTL=$cache RUST_LOG=${RUST_LOG:-info,sqlx=warn} \
        "$LECTERN_BIN" serve --role all --addr "127.0.0.1:$PORT" >"$logfile" 2>&1 &
      SERVER_PID=$!
      ;;
    lectern-api)
      # The reader API alone, verifying the issuer's JWTs against its JWKS over HTTP (cached),
      # on the issuer's database (the sidecar topology: one database, stateless replicas),
      # where it keeps the readers' profiles.
      BENCH_DB=$ISSUER_DB ready=/readyz
      local db=postgres://$PGUSER@$PGHOST:$PGPORT/$ISSUER_DB
      echo "DATABASE_URL=$db LECTERN_RATE_LIMIT=off BETTER_AUTH_URL=$url BETTER_AUTH_SECRET=… $LECTERN_BIN serve --role api --auth-url $ISSUER_URL --addr 127.0.0.1:$PORT   # LECTERN_VERIFY unset: jwks" >"$RES/$target.command"
      DATABASE_URL=$db BETTER_AUTH_SECRET=$SECRET BETTER_AUTH_URL=$url LECTERN_RATE_LIMIT=off RUST_LOG=${RUST_LOG:-info,sqlx=warn} \
        "$LECTERN_BIN" serve --role api --auth-url "$ISSUER_URL" --addr "127.0.0.1:$PORT" >"$logfile" 2>&1 &
      SERVER_PID=$!
      ;;
    fastapi-w1 | fastapi-w2)
      # The original design's resource server: FastAPI + PyJWT, PyJWKClient on the issuer's
      # JWKS. No access log: Lectern writes no line per request either.
      BENCH_DB=$ISSUER_DB ready=/api/me ready_code=401
      local workers=${target#fastapi-w}
      echo "BETTER_AUTH_URL=$ISSUER_URL $FASTAPI_VENV/bin/uvicorn app:app --host 127.0.0.1 --port $PORT --workers $workers --no-access-log   # in $WORK/fastapi-peer (a copy of $FASTAPI_SRC/app.py)" >"$RES/$target.command"
      (cd "$WORK/fastapi-peer" && BETTER_AUTH_URL=$ISSUER_URL exec "$FASTAPI_VENV/bin/uvicorn" app:app \
        --host 127.0.0.1 --port "$PORT" --workers "$workers" --no-access-log) >"$logfile" 2>&1 &
      SERVER_PID=$!
      ;;
    peer)
      BENCH_DB=lectern_bench_peer
      fresh_db "$BENCH_DB"
      local db=postgres://$PGUSER@$PGHOST:$PGPORT/$BENCH_DB
      echo "DATABASE_URL=$db PEER_PORT=$PORT PEER_URL=$url BETTER_AUTH_SECRET=… node server.mjs   # after: node server.mjs migrate" >"$RES/$target.command"
      (cd "$WORK/peer" && DATABASE_URL=$db PEER_URL=$url BETTER_AUTH_SECRET=$SECRET node server.mjs migrate) >"$logfile" 2>&1
      (cd "$WORK/peer" && DATABASE_URL=$db PEER_PORT=$PORT PEER_URL=$url BETTER_AUTH_SECRET=$SECRET exec node server.mjs) >>"$logfile" 2>&1 &
      SERVER_PID=$!
      ;;
    *) die "unknown target $target" ;;
  esac
  for _ in $(seq 300); do
    kill -0 "$SERVER_PID" 2>/dev/null || die "$target exited at start; see $logfile"
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$url$ready") == "$ready_code" ]] && return 0
    sleep 0.1
  done
  die "$target not ready after 30 s; see $logfile"
}

# The JWT issuer of the verifier targets: one Lectern --role auth on its own database, with
# one user signed in. Started for the first target that needs it, stopped after the last.
ISSUER_DB=lectern_bench_issuer
ISSUER_URL=http://127.0.0.1:$ISSUER_PORT
ISSUER_COOKIE=""
start_issuer() {
  [[ -n $ISSUER_PID ]] && return 0
  if curl -s -o /dev/null "$ISSUER_URL/"; then die "port $ISSUER_PORT (the issuer) is already in use"; fi
  fresh_db "$ISSUER_DB"
  local db=postgres://$PGUSER@$PGHOST:$PGPORT/$ISSUER_DB logfile=$RES/issuer.server.log
  echo "DATABASE_URL=$db LECTERN_PASSWORD_HASH=scrypt LECTERN_RATE_LIMIT=off BETTER_AUTH_URL=$ISSUER_URL BETTER_AUTH_SECRET=… $LECTERN_BIN serve --role auth --addr 127.0.0.1:$ISSUER_PORT   # LECTERN_JWT_ALG unset: EdDSA" >"$RES/issuer.command"
  DATABASE_URL=$db BETTER_AUTH_SECRET=$SECRET BETTER_AUTH_URL=$ISSUER_URL LECTERN_RATE_LIMIT=off \
    LECTERN_PASSWORD_HASH=scrypt RUST_LOG=${RUST_LOG:-info,sqlx=warn} \
    "$LECTERN_BIN" serve --role auth --addr "127.0.0.1:$ISSUER_PORT" >"$logfile" 2>&1 &
  ISSUER_PID=$!
  local ready=""
  for _ in $(seq 300); do
    kill -0 "$ISSUER_PID" 2>/dev/null || die "the issuer exited at start; see $logfile"
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$ISSUER_URL/api/auth/ok") == 200 ]] && { ready=1; break; }
    sleep 0.1
  done
  [[ -n $ready ]] || die "the issuer is not ready after 30 s; see $logfile"
  ISSUER_COOKIE=$(sign_up_and_in "$ISSUER_URL" issuer 1)
  log "issuer: pid $ISSUER_PID on port $ISSUER_PORT (Lectern --role auth)"
}

# sign_up_and_in URL LABEL N: signs up users 0..N-1, signs user 0 in; prints the cookie.
sign_up_and_in() {
  local url=$1 label=$2 n=$3 failed=0 code cookie
  for ((i = 0; i < n; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/api/auth/sign-up/email" \
      -H 'content-type: application/json' \
      -d "{\"name\":\"Bench User $i\",\"email\":\"$BENCH_EMAIL_PREFIX$i@example.com\",\"password\":\"$BENCH_PASSWORD\",\"softwareBackground\":\"rust\"}")
    [[ $code == 200 ]] || failed=$((failed + 1))
  done
  ((failed == 0)) || die "$label: $failed of $n sign-ups failed"
  curl -s -D "$RES/$label.sign-in.headers" -o "$RES/$label.sign-in.body" -X POST "$url/api/auth/sign-in/email" \
    -H 'content-type: application/json' \
    -d "{\"email\":\"${BENCH_EMAIL_PREFIX}0@example.com\",\"password\":\"$BENCH_PASSWORD\"}"
  cookie=$(tr -d '\r' <"$RES/$label.sign-in.headers" | sed -n 's/^[Ss]et-[Cc]ookie: better-auth\.session_token=\([^;]*\).*/\1/p' | head -1)
  [[ -n $cookie ]] || die "$label: no session cookie from sign-in; see $RES/$label.sign-in.headers"
  echo "$cookie"
}

# jwt_from URL COOKIE LABEL: GET /api/auth/token with the session; prints the JWT.
jwt_from() {
  local url=$1 cookie=$2 label=$3 jwt
  curl -s -o "$RES/$label.token.body" -H "Cookie: better-auth.session_token=$cookie" "$url/api/auth/token"
  jwt=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["token"])' "$RES/$label.token.body" 2>/dev/null) ||
    die "$label: GET /api/auth/token gave no token; see $RES/$label.token.body"
  # The header, for the record: the algorithm must be EdDSA on every side.
  python3 -c 'import base64, json, sys; h = sys.argv[1].split(".")[0]; print(json.dumps(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))))' "$jwt" >"$RES/$label.token.header"
  grep -q '"EdDSA"' "$RES/$label.token.header" || die "$label: the JWT is not EdDSA: $(cat "$RES/$label.token.header")"
  echo "$jwt"
}

# The pool of users for sign-in, and one signed-in session for get-session.
COOKIE=""
create_users() {
  local target=$1 n=$2 url=http://127.0.0.1:$PORT
  COOKIE=$(sign_up_and_in "$url" "$target" "$n")
  curl -s -D "$RES/$target.get-session.headers" -o "$RES/$target.get-session.body" \
    -H "Cookie: better-auth.session_token=$COOKIE" "$url/api/auth/get-session"
  grep -q '"session"' "$RES/$target.get-session.body" || die "$target: get-session with the cookie gave no session"
  export BENCH_COOKIE=$COOKIE
}

# --- measurements -----------------------------------------------------------------------
# Connections ever opened to the server's database (PostgreSQL 14+): a pool that drops
# and reopens connections under load shows here.
pg_sessions() {
  [[ $BENCH_DB == none ]] && return 0
  psql -d postgres -Atc "select sessions from pg_stat_database where datname = '$BENCH_DB'" 2>/dev/null || true
}

snap() { python3 "$BENCH_DIR/procstat.py" snap "$SERVER_PID" >"$1"; }
mem() { python3 "$BENCH_DIR/procstat.py" mem "$SERVER_PID"; }

# wrk_run OUTNAME CONNS THREADS SECONDS SCRIPT [--latency]: in a subshell whose `times`
# gives wrk's own CPU time; waited for with `wait`, so an interrupt is handled at once.
wrk_run() {
  local out=$1 conns=$2 threads=$3 secs=$4 script=$5
  shift 5
  (
    wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout "$WRK_TIMEOUT" "$@" \
      -s "$BENCH_DIR/$script" "http://127.0.0.1:$PORT" >"$out.txt" 2>&1 || echo "wrk exited $?" >>"$out.txt"
    times >"$out.times"
  ) &
  wait $!
}

# record TARGET SCENARIO WRK_OUT CPU_BEFORE CPU_AFTER TIMES...
record() {
  local target=$1 scenario=$2 out=$3 before=$4 after=$5
  shift 5
  local wrkjson cpujson
  wrkjson=$(sed -n 's/^BENCH //p' "$out.txt" | tail -1)
  [[ -n $wrkjson ]] || wrkjson=null
  cpujson=$(python3 "$BENCH_DIR/procstat.py" cpu "$before" "$after" "$@")
  printf '{"target":"%s","scenario":"%s","wrk":%s,"cpu":%s}\n' "$target" "$scenario" "$wrkjson" "$cpujson" >>"$RESULTS"
}

scenario_get_session() { # 1: get-session, $GS_CONNS connections
  local target=$1 p=$RES/$target.s1-get-session
  log "$target: scenario 1, get-session, $GS_CONNS connections (${WARMUP}s warm-up, ${DURATION}s)"
  wrk_run "$p.warmup" "$GS_CONNS" 2 "$WARMUP" get-session.lua
  snap "$p.cpu0"
  wrk_run "$p" "$GS_CONNS" 2 "$DURATION" get-session.lua --latency
  snap "$p.cpu1"
  record "$target" s1-get-session "$p" "$p.cpu0" "$p.cpu1" "$p.times"
}

scenario_sign_in() { # 2: sign-in throughput, $SIGNIN_CONNS connections
  local target=$1 p=$RES/$target.s2-sign-in
  log "$target: scenario 2, sign-in, $SIGNIN_CONNS connections (${WARMUP}s warm-up, ${DURATION}s)"
  wrk_run "$p.warmup" "$SIGNIN_CONNS" 2 "$WARMUP" sign-in.lua
  snap "$p.cpu0"
  wrk_run "$p" "$SIGNIN_CONNS" 2 "$DURATION" sign-in.lua --latency
  snap "$p.cpu1"
  record "$target" s2-sign-in "$p" "$p.cpu0" "$p.cpu1" "$p.times"
}

scenario_storm() { # 3: get-session alone, then during a sign-in storm
  local target=$1 p=$RES/$target.s3
  log "$target: scenario 3, get-session ($STORM_GS_CONNS connections) alone"
  snap "$p-alone.cpu0"
  wrk_run "$p-alone" "$STORM_GS_CONNS" 2 "$DURATION" get-session.lua --latency
  snap "$p-alone.cpu1"
  record "$target" s3-get-session-alone "$p-alone" "$p-alone.cpu0" "$p-alone.cpu1" "$p-alone.times"

  storm "$target" s3 "$SIGNIN_CONNS"
  ((HEAVY_STORM_CONNS > 0)) && storm "$target" s3-heavy "$HEAVY_STORM_CONNS"
  return 0
}

# storm TARGET LABEL SIGN_IN_CONNS: the sign-in storm starts 1 s before get-session and
# ends 1 s after it; the CPU figures cover the whole storm.
storm() {
  local target=$1 label=$2 conns=$3 p=$RES/$1.$2
  log "$target: $label, get-session ($STORM_GS_CONNS connections) during a sign-in storm ($conns connections)"
  snap "$p-storm.cpu0"
  wrk_run "$p-storm-sign-in" "$conns" 1 $((DURATION + 2)) sign-in.lua --latency &
  local pid=$!
  sleep 1
  wrk_run "$p-storm-get-session" "$STORM_GS_CONNS" 2 "$DURATION" get-session.lua --latency
  wait "$pid" || true
  snap "$p-storm.cpu1"
  record "$target" "$label-get-session-storm" "$p-storm-get-session" "$p-storm.cpu0" "$p-storm.cpu1" \
    "$p-storm-get-session.times" "$p-storm-sign-in.times"
  record "$target" "$label-sign-in-storm" "$p-storm-sign-in" "$p-storm.cpu0" "$p-storm.cpu1" \
    "$p-storm-get-session.times" "$p-storm-sign-in.times"
}

# --- the token scenarios (issue 3) ---------------------------------------------------------
# check_answer LABEL EXPECTED CURL_ARGS…: one answer, checked before the load runs on it.
check_answer() {
  local label=$1 expected=$2 code
  shift 2
  code=$(curl -s -o "$RES/$label.body" -w '%{http_code}' "$@")
  [[ $code == 2?? ]] || die "$label: answered $code, not 2xx; see $RES/$label.body"
  grep -q "$expected" "$RES/$label.body" || die "$label: no $expected in the answer; see $RES/$label.body"
}

# steady TARGET SCENARIO SCRIPT CONNS: a warm-up, then the measured run, as scenario 1.
steady() {
  local target=$1 scenario=$2 script=$3 conns=$4 p=$RES/$1.$2
  wrk_run "$p.warmup" "$conns" 2 "$WARMUP" "$script"
  snap "$p.cpu0"
  wrk_run "$p" "$conns" 2 "$DURATION" "$script" --latency
  snap "$p.cpu1"
  record "$target" "$scenario" "$p" "$p.cpu0" "$p.cpu1" "$p.times"
}

scenario_token() { # 5: issuing, GET /api/auth/token with the session cookie
  local target=$1
  log "$target: scenario 5, GET /api/auth/token, $TOKEN_CONNS connections (${WARMUP}s warm-up, ${DURATION}s)"
  check_answer "$target.s5-token" '"token"' -H "Cookie: better-auth.session_token=$COOKIE" "http://127.0.0.1:$PORT/api/auth/token"
  steady "$target" s5-token token.lua "$TOKEN_CONNS"
}

# The reader's JWT, minted now: Lectern hands out the same JWT while it has over half of
# its 15 minutes left, so it outlives the run.
JWT=""
mint_jwt() {
  local target=$1
  if needs_issuer "$target"; then
    JWT=$(jwt_from "$ISSUER_URL" "$ISSUER_COOKIE" "$target.issuer")
  else
    JWT=$(jwt_from "http://127.0.0.1:$PORT" "$COOKIE" "$target")
  fi
}

# The answers the default questionnaire requires; with them the reader has a profile and
# Lectern's /api/me remembers that in memory (it reads the profile table until then).
PROFILE_BODY='{"answers":{"softwareExperience":"advanced","operatingSystem":"linux","gpu":"none","roboticsHardware":["none"]}}'

scenario_me_jwt_noprofile() { # 6n: GET /api/me with a JWT, for a reader with no profile yet
  local target=$1
  mint_jwt "$target"
  log "$target: scenario 6n, GET /api/me with a JWT, reader without a profile, $TOKEN_CONNS connections (${WARMUP}s warm-up, ${DURATION}s)"
  check_answer "$target.s6n-me-jwt-noprofile" '"profileComplete":false' -H "Authorization: Bearer $JWT" "http://127.0.0.1:$PORT/api/me"
  grep -q '"via":"jwt"' "$RES/$target.s6n-me-jwt-noprofile.body" || die "$target: /api/me did not verify the JWT; see $RES/$target.s6n-me-jwt-noprofile.body"
  export BENCH_BEARER=$JWT
  BENCH_PATH=/api/me steady "$target" s6n-me-jwt-noprofile get-session.lua "$TOKEN_CONNS"
  unset BENCH_BEARER
}

scenario_me_jwt() { # 6: GET /api/me with Authorization: Bearer <EdDSA JWT>
  local target=$1 expected='"via":"jwt"'
  mint_jwt "$target"
  if [[ $target == fastapi-w* ]]; then
    expected='"id":'
  else
    # A reader who answered the questionnaire (the gate makes every reader do so).
    check_answer "$target.profile-put" '"answers"' -X PUT -H "Authorization: Bearer $JWT" \
      -H 'content-type: application/json' -d "$PROFILE_BODY" "http://127.0.0.1:$PORT/api/user/profile"
    expected='"profileComplete":true'
    # The profile's summaries are mirrored on the user, so the issuer now hands out a new
    # JWT carrying them: the one the verifiers after this one get too (the same bytes).
    mint_jwt "$target"
  fi
  log "$target: scenario 6, GET /api/me with a JWT, $TOKEN_CONNS connections (${WARMUP}s warm-up, ${DURATION}s)"
  check_answer "$target.s6-me-jwt" "$expected" -H "Authorization: Bearer $JWT" "http://127.0.0.1:$PORT/api/me"
  if [[ $target != fastapi-w* ]]; then
    grep -q '"via":"jwt"' "$RES/$target.s6-me-jwt.body" || die "$target: /api/me did not verify the JWT; see $RES/$target.s6-me-jwt.body"
  fi
  export BENCH_BEARER=$JWT
  BENCH_PATH=/api/me steady "$target" s6-me-jwt get-session.lua "$TOKEN_CONNS"
  unset BENCH_BEARER
}

scenario_me_cookie() { # 6c: GET /api/me with the session cookie (--role all), for comparison
  local target=$1
  log "$target: scenario 6c, GET /api/me with the session cookie, $TOKEN_CONNS connections (${WARMUP}s warm-up, ${DURATION}s)"
  check_answer "$target.s6-me-cookie" '"via":"session"' -H "Cookie: better-auth.session_token=$COOKIE" "http://127.0.0.1:$PORT/api/me"
  BENCH_PATH=/api/me steady "$target" s6-me-cookie get-session.lua "$TOKEN_CONNS"
}

index=0
read -r -a TARGET_LIST <<<"$TARGETS"
for ((t = 0; t < ${#TARGET_LIST[@]}; t++)); do
  target=${TARGET_LIST[t]}
  scenarios=$(scenarios_for "$target")
  if [[ -z $scenarios ]]; then
    log "$target: no scenario of BENCH_SCENARIOS=\"$SCENARIOS\"; skipped"
    continue
  fi
  if needs_issuer "$target"; then
    start_issuer
    export BENCH_ISSUER_PID=$ISSUER_PID
  else
    export BENCH_ISSUER_PID=""
  fi
  start_server "$target" "$index"
  index=$((index + 1))
  sleep 2 # let it settle before the idle reading
  idle=$(mem)
  log "$target: pid $SERVER_PID on port $PORT, idle $idle"
  if [[ $target == lectern-pg-schedidle ]]; then
    # The experiment: Lectern's hashing threads moved from nice 19 to SCHED_IDLE, which
    # the kernel preempts as soon as any normal thread wakes up.
    for tid in $(ps -L -o tid=,comm= -p "$SERVER_PID" | awk '$2 ~ /^lectern-hash/ {print $1}'); do
      chrt --idle -p 0 "$tid" || die "chrt --idle failed on thread $tid"
    done
  fi
  ps -L -o tid,ni,pri,policy,comm -p "$SERVER_PID" >"$RES/$target.threads" 2>/dev/null || true
  if [[ $target == fastapi-w* ]]; then ps -o pid,ppid,ni,rss,args --ppid "$SERVER_PID" >>"$RES/$target.threads" 2>/dev/null || true; fi
  if ! needs_issuer "$target"; then
    # The sign-in pool only when a sign-in scenario runs; the token scenarios need one user.
    if [[ " $scenarios " == *" sign_in "* || " $scenarios " == *" storm "* ]]; then n=$USERS; else n=1; fi
    create_users "$target" "$n"
  fi
  sessions0=$(pg_sessions)
  for s in $scenarios; do "scenario_$s" "$target"; done
  end=$(mem)
  sessions1=$(pg_sessions)
  printf '{"target":"%s","scenario":"memory","idle":%s,"end":%s,"pg_sessions":[%s,%s]}\n' \
    "$target" "$idle" "$end" "${sessions0:-null}" "${sessions1:-null}" >>"$RESULTS"
  stop_server # first, so that what it logs while shutting down is read too
  grep -iE 'error|panic|warn|exception|traceback' "$RES/$target.server.log" >"$RES/$target.server-errors.log" || true
  if [[ -s $RES/$target.server-errors.log ]]; then
    log "$target: $(wc -l <"$RES/$target.server-errors.log") error/warn lines in its log (see $target.server-errors.log)"
  fi
  if [[ -n $ISSUER_PID ]]; then
    later=0
    for next in "${TARGET_LIST[@]:t+1}"; do needs_issuer "$next" && [[ -n $(scenarios_for "$next") ]] && later=1; done
    if ((later == 0)); then
      stop_issuer
      grep -iE 'error|panic|warn' "$RES/issuer.server.log" >"$RES/issuer.server-errors.log" || true
    fi
  fi
done

python3 "$BENCH_DIR/report.py" "$RES" | tee "$RES/summary.md"
log "raw outputs: $RES"
