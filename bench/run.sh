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

# Servers, measurements and the scenarios, one file per group.
for part in servers scenarios-session scenarios-tokens; do
  # shellcheck source=/dev/null
  source "$BENCH_DIR/$part.sh"
done

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
