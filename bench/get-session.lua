-- GET /api/auth/get-session with one valid session, as a browser polls it.
--   BENCH_COOKIE  the value of the better-auth.session_token cookie (as Set-Cookie sent it)
--   BENCH_BEARER  or: a bearer token (the set-auth-token header), sent as Authorization
-- No request()/response() callbacks: wrk sends the same pre-built request, so the load
-- generator costs as little CPU as it can.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

wrk.method = "GET"
wrk.path = "/api/auth/get-session"
local cookie = os.getenv("BENCH_COOKIE") or ""
local bearer = os.getenv("BENCH_BEARER") or ""
if cookie ~= "" then
  wrk.headers["Cookie"] = "better-auth.session_token=" .. cookie
elseif bearer ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. bearer
else
  error("set BENCH_COOKIE or BENCH_BEARER")
end
