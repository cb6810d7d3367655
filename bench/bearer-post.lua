-- A POST with a JSON body and one bearer credential, as a signed-in client calls a flow:
--   BENCH_PATH    e.g. /api/auth/revoke-other-sessions
--   BENCH_BEARER  a bearer token (set-auth-token)
--   BENCH_BODY    default {}
-- Status codes are counted and printed by report.lua, so a run that was refused shows.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH") or error("set BENCH_PATH")
wrk.body = os.getenv("BENCH_BODY") or "{}"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_BEARER") or error("set BENCH_BEARER"))

statuses = {}

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
