# Sourced by bench/run.sh: the session scenarios (issue 2): 1 get-session, 2 sign-in,
# 3 get-session during a sign-in storm (and 3b, a storm larger than the hash queue).

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
