# Sourced by bench/run.sh: starting and stopping the servers under test (fresh databases, the
# issuer the JWT verifiers trust, the users), and the measurements around a wrk run.

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
