#!/usr/bin/env bash
# Lectern <-> Better Auth compatibility suite: the one entry point CI calls.
#
#   tests/compat/run.sh                  builds lectern (debug), runs the three test files
#   LECTERN_BIN=/path/lectern run.sh     uses that binary instead of building
#
# Servers it starts (127.0.0.1 only, free ports, fresh databases, one random secret):
#   lectern-sqlite   Lectern on a new SQLite file             client-flow
#   lectern-pg       Lectern on a new PostgreSQL database     client-flow, side-by-side
#   peer             Better Auth 1.7 on its own database      client-flow, side-by-side
#   cross-peer, cross-lectern: both on ONE shared database    cross-server
#   peer-rl, lectern-rl: rate limiting on                     side-by-side (--rate-limited)
# Logs, test output, transcripts: ${ARTIFACTS:-/tmp}/compat-logs (replaced on each run).
# On exit, whatever happened, it stops those servers (by PID) and drops those databases.
#
# Other knobs: COMPAT_PG_URL (admin URL, default postgres://root@127.0.0.1:5432/postgres;
# the role must be allowed to CREATE DATABASE), PEER_DIR (the peer's server.mjs +
# package.json, default ../shared/peers/better-auth next to the repository).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
LOGS="${ARTIFACTS:-/tmp}/compat-logs"
PG_ADMIN=${COMPAT_PG_URL:-postgres://root@127.0.0.1:5432/postgres}
PG_BASE=${PG_ADMIN%/*} # same server, other database names
PEER_SRC=${PEER_DIR:-$REPO/../shared/peers/better-auth}
# NODE_ENV=production would make npm skip devDependencies and the peer set Secure cookies.
unset NODE_ENV

die() { echo "compat: $*" >&2; exit 1; }
step() { echo "compat: $*"; }
# bounded SECONDS cmd...: every wait has a limit (where coreutils' timeout exists).
bounded() {
  local limit=$1; shift
  if command -v timeout >/dev/null; then timeout --kill-after=10 "$limit" "$@"; else "$@"; fi
}

PIDS=() DBS=() WORK=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do # bounded: 5 s each, then SIGKILL
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  if ((${#DBS[@]})); then
    COMPAT_PG_URL=$PG_ADMIN bounded 60 node "$HERE/lib/pgdb.mjs" drop "${DBS[@]}" || echo "compat: could not drop ${DBS[*]}" >&2
  fi
  [[ -n $WORK ]] && rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- prerequisites
cd "$HERE" # helpers and tests run from here; cargo and the peer cd elsewhere in subshells
command -v node >/dev/null || die "node is not installed (need Node.js >= 20)"
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' ||
  die "Node.js >= 20 is required (found $(node --version))"
[[ -f $PEER_SRC/server.mjs && -f $PEER_SRC/package.json ]] ||
  die "reference peer not found at $PEER_SRC (set PEER_DIR)"

if [[ -z ${LECTERN_BIN:-} ]]; then
  step "cargo build -p lectern"
  (cd "$REPO" && cargo build -p lectern) || die "cargo build -p lectern failed"
  LECTERN_BIN=${CARGO_TARGET_DIR:-$REPO/target}/debug/lectern
fi
[[ -x $LECTERN_BIN ]] || die "LECTERN_BIN=$LECTERN_BIN is not an executable"

# npm ci when any declared package is missing (fresh checkout, or a new devDependency).
deps_present() {
  node -e '
    const p = require("./package.json"), fs = require("fs");
    const names = Object.keys({ ...p.dependencies, ...p.devDependencies });
    process.exit(names.every((n) => fs.existsSync(`node_modules/${n}/package.json`)) ? 0 : 1);'
}
if ! deps_present; then
  step "npm ci in tests/compat"
  bounded 600 npm ci --no-audit --no-fund || die "npm ci failed in $HERE"
  deps_present || die "npm ci did not install every package in package.json"
fi

rm -rf "$LOGS" && mkdir -p "$LOGS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lectern-compat.XXXXXX")

# The peer runs from a copy. Its dependencies are the same packages tests/compat pins, so
# reuse those (no network); if they ever diverge, install the peer's own.
mkdir "$WORK/peer" && cp "$PEER_SRC/server.mjs" "$PEER_SRC/package.json" "$WORK/peer/"
if node -e '
  const peer = require(process.argv[1]).dependencies, ours = require("./package.json").dependencies;
  process.exit(Object.entries(peer).every(([k, v]) => ours[k] === v) ? 0 : 1);' "$WORK/peer/package.json"; then
  ln -s "$HERE/node_modules" "$WORK/peer/node_modules"
else
  step "npm install for the peer (its dependencies differ from tests/compat's)"
  (cd "$WORK/peer" && bounded 600 npm install --no-audit --no-fund >"$LOGS/peer-npm-install.log" 2>&1) ||
    die "npm install for the peer failed, see $LOGS/peer-npm-install.log"
fi

# ---------------------------------------------------------------- databases, ports
RUN_ID=$(node -e 'console.log(require("crypto").randomBytes(4).toString("hex"))')
SECRET="compat-$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')"
DB_LECTERN="compat_${RUN_ID}_lectern" DB_PEER="compat_${RUN_ID}_peer" DB_SHARED="compat_${RUN_ID}_shared"
DBS=("$DB_LECTERN" "$DB_PEER" "$DB_SHARED")
COMPAT_PG_URL=$PG_ADMIN bounded 60 node lib/pgdb.mjs create "${DBS[@]}" ||
  die "cannot create databases on $PG_ADMIN (set COMPAT_PG_URL)"
mapfile -t PORTS < <(node lib/free-ports.mjs 7)
((${#PORTS[@]} == 7)) || die "could not pick free ports"
url() { echo "http://127.0.0.1:$1"; }

# ---------------------------------------------------------------- servers
declare -A PORT PID
names=(lectern_sqlite lectern_pg peer cross_peer cross_lectern peer_rl lectern_rl)
for i in "${!names[@]}"; do PORT[${names[$i]}]=${PORTS[$i]}; done

start_lectern() { # name database-url [rate-limit on|off]
  # -u: the caller's environment must not change what is tested (e.g. a forced hash format).
  # With rate limiting on, the capture's X-Forwarded-For headers count as from a proxy on
  # loopback, as Better Auth believes single-hop X-Forwarded-For from anyone.
  env -u LECTERN_PASSWORD_HASH -u LECTERN_ENV -u LECTERN_SECRET -u LECTERN_ADDR \
    DATABASE_URL="$2" BETTER_AUTH_SECRET="$SECRET" BETTER_AUTH_URL="$(url "${PORT[$1]}")" \
    LECTERN_RATE_LIMIT="${3:-off}" LECTERN_TRUSTED_PROXIES=127.0.0.1 NO_COLOR=1 \
    "$LECTERN_BIN" serve --addr "127.0.0.1:${PORT[$1]}" >"$LOGS/$1.log" 2>&1 </dev/null &
  PID[$1]=$!
  PIDS+=($!)
}
peer_env() { # name database-url [rate-limit 1] -> PEER_ENV
  PEER_ENV=(-u PEER_RATE_LIMIT DATABASE_URL="$2" PEER_PORT="${PORT[$1]}" PEER_URL="$(url "${PORT[$1]}")"
    BETTER_AUTH_SECRET="$SECRET")
  [[ ${3:-} == 1 ]] && PEER_ENV+=(PEER_RATE_LIMIT=1)
  return 0
}
migrate_peer() { # name database-url
  peer_env "$@"
  (cd "$WORK/peer" && bounded 120 env "${PEER_ENV[@]}" node server.mjs migrate) >"$LOGS/$1-migrate.log" 2>&1 ||
    { cat "$LOGS/$1-migrate.log" >&2; die "peer migration ($1) failed"; }
}
start_peer() { # name database-url [rate-limit 1]
  peer_env "$@"
  # exec: $! must be node itself, so cleanup's kill reaches the server.
  (cd "$WORK/peer" && exec env "${PEER_ENV[@]}" node server.mjs) >"$LOGS/$1.log" 2>&1 </dev/null &
  PID[$1]=$!
  PIDS+=($!)
}
wait_ready() { # name
  node lib/wait-ready.mjs "$(url "${PORT[$1]}")" "${PID[$1]}" "$1" || {
    echo "---- last lines of $LOGS/$1.log" >&2
    tail -n 30 "$LOGS/$1.log" >&2 || true
    die "$1 did not start"
  }
}

step "starting servers (logs in $LOGS)"
start_lectern lectern_sqlite "sqlite://$WORK/lectern.db"
start_lectern lectern_pg "$PG_BASE/$DB_LECTERN"
migrate_peer peer "$PG_BASE/$DB_PEER"
start_peer peer "$PG_BASE/$DB_PEER"
# Shared database: Better Auth's own migration first, so its tables are the reference.
migrate_peer cross_peer "$PG_BASE/$DB_SHARED"
start_peer cross_peer "$PG_BASE/$DB_SHARED"
# The rate-limited pair (side-by-side's second capture) shares the other databases.
start_peer peer_rl "$PG_BASE/$DB_PEER" 1
start_lectern lectern_rl "$PG_BASE/$DB_LECTERN" on
for n in lectern_sqlite lectern_pg peer cross_peer peer_rl lectern_rl; do wait_ready "$n"; done
# Lectern chooses its password format at start-up from the database's contents.
node lib/seed-user.mjs "$(url "${PORT[cross_peer]}")" || die "seeding the shared database failed"
start_lectern cross_lectern "$PG_BASE/$DB_SHARED"
wait_ready cross_lectern

# ---------------------------------------------------------------- tests
step "running tests"
# The peer is a client-flow target too: passing there proves the test encodes Better Auth.
export COMPAT_TARGETS="lectern-sqlite=$(url "${PORT[lectern_sqlite]}"),lectern-pg=$(url "${PORT[lectern_pg]}"),peer=$(url "${PORT[peer]}")"
export CROSS_PEER_URL CROSS_LECTERN_URL CROSS_DATABASE_URL SBS_PEER_URL SBS_LECTERN_URL COMPAT_ARTIFACTS \
  SBS_PEER_RL_URL SBS_LECTERN_RL_URL
SBS_PEER_RL_URL=$(url "${PORT[peer_rl]}") SBS_LECTERN_RL_URL=$(url "${PORT[lectern_rl]}")
CROSS_PEER_URL=$(url "${PORT[cross_peer]}") CROSS_LECTERN_URL=$(url "${PORT[cross_lectern]}")
CROSS_DATABASE_URL="$PG_BASE/$DB_SHARED"
SBS_PEER_URL=$(url "${PORT[peer]}") SBS_LECTERN_URL=$(url "${PORT[lectern_pg]}") COMPAT_ARTIFACTS=$LOGS

set +e
# --test-timeout bounds each test; `bounded` also catches a file that never exits.
bounded 900 node --test --test-reporter=spec --test-timeout=180000 \
  client-flow.test.mjs cross-server.test.mjs side-by-side.test.mjs 2>&1 | tee "$LOGS/tests.txt"
status=${PIPESTATUS[0]}
set -e
step "tests $([[ $status == 0 ]] && echo passed || echo FAILED) in ${SECONDS}s; artifacts in $LOGS"
exit "$status"
