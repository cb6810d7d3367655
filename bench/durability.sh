#!/usr/bin/env bash
# SQLite's durability setting, decided by measurement (issue 18): what LECTERN_SQLITE_SYNC=full
# (the WAL is fsynced on every commit) costs against normal (synced at checkpoints only) for
# the writes a reader makes.
#
#   bash bench/durability.sh
#
# Builds target/release/lectern if it is missing and runs a private copy. Checks that the
# scratch directory is on a real block device (not tmpfs), and measures that disk's raw
# synchronous-write latency with dd (oflag=dsync, 4 KiB writes: appending to a new file, then
# overwriting it in place, as SQLite reuses its WAL), and the spread of single fdatasync
# calls (p50, p99, max of 1000 4 KiB overwrites, each followed by fdatasync). Then, for each
# run and each mode (normal, full, normal, full, ...: interleaved, so noise shows as the
# spread between runs), starts `lectern serve` on a fresh SQLite file with
# LECTERN_RATE_LIMIT=off, waits for GET /api/auth/ok, and bench/durability.py (Python's
# standard library, keep-alive HTTP/1.1 on loopback) sends a fixed number of each write and times every request:
#   sign-up   POST /api/auth/sign-up/email, unique emails (password hashing + 3 inserts)
#   sign-in   POST /api/auth/sign-in/email for those users (hashing + a session insert)
#   chat      POST /api/chats {"title":"x"} by a reader past the questionnaire (one insert)
#   sign-out  POST /api/auth/sign-out, each with its own live session (one delete); the
#             session table must lose exactly that many rows
# Prints a Markdown table (requests/s, p50 and p99 latency per operation, mode and run, and
# full's throughput as a fraction of normal's); raw lines go to $DURABILITY_WORK/results.jsonl.
# The figures of the last recorded run are in docs/deploy.md ("Durability (SQLite)").
#
# Knobs (environment):
#   DURABILITY_RUNS      runs of each mode (2)
#   DURABILITY_MODES     modes, in the order of each run ("normal full")
#   DURABILITY_CONNS     concurrent connections of the client (8)
#   DURABILITY_USERS     sign-ups, the sign-in pool (200)
#   DURABILITY_SESSIONS  sign-ins, then as many sign-outs (3000)
#   DURABILITY_CHATS     chats created (10000)
#   DURABILITY_PORT      port on 127.0.0.1 (4360)
#   DURABILITY_WORK      scratch directory, on the disk being measured
#                        (/var/tmp/lectern-durability); its databases are deleted after each run
#   LECTERN_BIN          the lectern binary (target/release/lectern)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH_DIR")
RUNS=${DURABILITY_RUNS:-2}
MODES=${DURABILITY_MODES:-"normal full"}
PORT=${DURABILITY_PORT:-4360}
WORK=${DURABILITY_WORK:-/var/tmp/lectern-durability}
LECTERN_BIN=${LECTERN_BIN:-$REPO/target/release/lectern}
export DURABILITY_CONNS=${DURABILITY_CONNS:-8}
export DURABILITY_USERS=${DURABILITY_USERS:-200}
export DURABILITY_SESSIONS=${DURABILITY_SESSIONS:-3000}
export DURABILITY_CHATS=${DURABILITY_CHATS:-10000}
SECRET=lectern-durability-secret-0123456789-abcdefghij
URL=http://127.0.0.1:$PORT

log() { printf '[durability %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
for mode in $MODES; do
  [[ $mode == normal || $mode == full ]] || die "DURABILITY_MODES: unknown mode $mode (use normal, full)"
done

# --- cleanup: only the server this script started, by pid -------------------------------
SERVER_PID=""
stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
trap 'status=$?; stop_server; exit $status' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- prerequisites ----------------------------------------------------------------------
for tool in curl python3 dd df; do command -v "$tool" >/dev/null || die "$tool is required"; done
if [[ ! -x $LECTERN_BIN ]]; then
  log "building lectern (release)"
  (cd "$REPO" && cargo build --release -p lectern)
fi
mkdir -p "$WORK"
# A private copy, so a rebuild by someone else during the run cannot swap the binary.
cp "$LECTERN_BIN" "$WORK/lectern"
if curl -s -o /dev/null "$URL/"; then die "port $PORT is already in use (set DURABILITY_PORT)"; fi

# --- the disk -----------------------------------------------------------------------------
read -r SOURCE FSTYPE TARGET < <(df --output=source,fstype,target "$WORK" | tail -n 1)
case $FSTYPE in
  tmpfs | ramfs | devtmpfs | overlay | squashfs) die "$WORK is on $FSTYPE ($SOURCE), not a disk: set DURABILITY_WORK" ;;
esac
[[ -b $SOURCE ]] || die "$WORK is on $SOURCE ($FSTYPE), not a block device: set DURABILITY_WORK"
DEVICE=$(lsblk -ndo NAME,TYPE,SIZE,ROTA,MODEL "$SOURCE" 2>/dev/null | tr -s ' ' || true)
MOUNT_OPTS=$(awk -v s="$SOURCE" -v t="$TARGET" '$1 == s && $2 == t {print $4; exit}' /proc/mounts)

# dsync_ms FLAGS...: 1000 synchronous 4 KiB writes; prints milliseconds per write.
dsync_ms() {
  local out seconds
  out=$(dd if=/dev/zero of="$WORK/fsync.test" bs=4k count=1000 oflag=dsync "$@" 2>&1) || die "dd failed: $out"
  seconds=$(sed -n 's/.*copied, \([0-9.e-]*\) s.*/\1/p' <<<"$out")
  awk -v s="$seconds" 'BEGIN { printf "%.3f", s }'
}
rm -f "$WORK/fsync.test"
FSYNC_APPEND=$(dsync_ms)
FSYNC_OVERWRITE=$(dsync_ms conv=notrunc)
# The spread: SQLite's FULL waits for one fdatasync per commit, so a slow one is a slow commit.
FSYNC_SPREAD=$(python3 - "$WORK/fsync.test" <<'EOF'
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY)
block, times = b"\0" * 4096, []
for i in range(1000):
    os.pwrite(fd, block, (i % 256) * 4096)
    start = time.perf_counter()
    os.fdatasync(fd)
    times.append((time.perf_counter() - start) * 1000)
os.close(fd)
times.sort()
print(f"p50 {times[499]:.3f} ms, p99 {times[989]:.3f} ms, max {times[-1]:.3f} ms")
EOF
)
rm -f "$WORK/fsync.test"

{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "uptime: $(uptime)"
  echo "kernel: $(uname -sr)"
  echo "lectern: $("$WORK/lectern" --version) (git $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$( [[ -n $(git -C "$REPO" status --porcelain -- crates Cargo.toml Cargo.lock 2>/dev/null) ]] && echo ', uncommitted changes in crates/'))"
  echo "disk: $WORK on $SOURCE ($FSTYPE, mounted at $TARGET, $MOUNT_OPTS; block device: ${DEVICE:-?})"
  echo "dd bs=4k count=1000 oflag=dsync: ${FSYNC_APPEND} ms per write appending, ${FSYNC_OVERWRITE} ms overwriting in place"
  echo "fdatasync after a 4 KiB overwrite: $FSYNC_SPREAD"
  echo "client: bench/durability.py, $DURABILITY_CONNS connections; users=$DURABILITY_USERS sessions=$DURABILITY_SESSIONS chats=$DURABILITY_CHATS; runs=$RUNS modes=\"$MODES\""
} | tee "$WORK/machine.txt"

# --- the runs -----------------------------------------------------------------------------
RESULTS=$WORK/results.jsonl
: >"$RESULTS"
for ((run = 1; run <= RUNS; run++)); do
  for mode in $MODES; do
    dir=$WORK/run-$run-$mode
    rm -rf "$dir" && mkdir -p "$dir"
    log "run $run, $mode: loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
    # The tutor's index is shared by the runs (built once, by the first start).
    DATABASE_URL=sqlite://$dir/lectern.db LECTERN_SQLITE_SYNC=$mode LECTERN_RATE_LIMIT=off \
      BETTER_AUTH_SECRET=$SECRET LECTERN_INDEX_DIR=$WORK/index RUST_LOG=${RUST_LOG:-info,sqlx=warn} \
      "$WORK/lectern" serve --addr "127.0.0.1:$PORT" >"$dir/server.log" 2>&1 &
    SERVER_PID=$!
    ready=""
    for _ in $(seq 1200); do # 120 s: the first start indexes the sample book
      kill -0 "$SERVER_PID" 2>/dev/null || die "lectern exited at start; see $dir/server.log"
      [[ $(curl -s -o /dev/null -w '%{http_code}' "$URL/api/auth/ok") == 200 ]] && { ready=1; break; }
      sleep 0.1
    done
    [[ -n $ready ]] || die "lectern is not ready after 120 s; see $dir/server.log"
    # The server must say which setting it runs with (the log line "identity ready").
    expected=$([[ $mode == full ]] && echo Full || echo Normal)
    grep -q "sqlite_sync=$expected" "$dir/server.log" || die "the server does not log sqlite_sync=$expected; see $dir/server.log"
    sleep 1
    DURABILITY_DB=$dir/lectern.db python3 "$BENCH_DIR/durability.py" "$URL" "$mode" "$run" "$RESULTS" ||
      die "run $run, $mode failed; see $dir/server.log"
    stop_server
    if grep -qiE 'panic|error' "$dir/server.log"; then
      log "run $run, $mode: error lines in $dir/server.log:"
      grep -iE 'panic|error' "$dir/server.log" | head -n 5 >&2
    fi
    rm -f "$dir"/lectern.db*
  done
done

# --- the table ----------------------------------------------------------------------------
python3 - "$RESULTS" "$MODES" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
modes = sys.argv[2].split()
runs = sorted({r["run"] for r in rows}, key=int)
ops = ["sign-up", "sign-in", "chat", "sign-out"]
by = {(r["op"], r["mode"], r["run"]): r for r in rows}
cell = lambda r: f'{r["rps"]:,.0f}/s, {r["p50_ms"]:.1f} / {r["p99_ms"]:.1f} ms' if r else "-"
print()
print("| Operation | Run | " + " | ".join(f"{m}: req/s, p50 / p99" for m in modes) + " | full / normal (req/s) |")
print("|---|---|" + "---|" * len(modes) + "---|")
for op in ops:
    for run in runs:
        cells = [by.get((op, m, run)) for m in modes]
        n, f = by.get((op, "normal", run)), by.get((op, "full", run))
        ratio = f'{f["rps"] / n["rps"]:.2f}' if n and f else "-"
        print(f"| {op} | {run} | " + " | ".join(cell(c) for c in cells) + f" | {ratio} |")
EOF
