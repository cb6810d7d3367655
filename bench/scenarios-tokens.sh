# Sourced by bench/run.sh: the token scenarios (issue 3): 5 issuing JWTs, 6 GET /api/me with a
# JWT (6n for a reader without a profile), 6c the same with the session cookie.

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
