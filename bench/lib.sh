# Shared by the bench scripts that drive one server with wrk: `load NAME CONNECTIONS SCRIPT
# [VAR=value...]` warms up for 3 s, then prints requests/s, p99 and the non-2xx count of a
# 10 s run against $URL (from report.lua's BENCH line).

summary() {
  python3 -c 'import json,sys
r = json.loads(sys.stdin.read().split("BENCH ", 1)[1])
print("%7.0f req/s  p99 %6.2f ms  non-2xx %d" % (r["rps"], r["latency_us"]["p99"] / 1000, r["errors"]["status"]))'
}

load() {  # name connections script [env...]
  local name=$1 conns=$2 script=$3; shift 3
  env "$@" wrk -t2 -c"$conns" -d3s -s "bench/$script" "$URL" >/dev/null 2>&1
  printf '  %-11s %s\n' "$name" "$(env "$@" wrk -t2 -c"$conns" -d10s -s "bench/$script" "$URL" 2>/dev/null | summary)"
}
