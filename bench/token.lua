-- GET /api/auth/token with one valid session: the JWT a client fetches for a resource
-- server (Better Auth's jwt plugin). Answers {"token": "<jwt>"}.
--   BENCH_COOKIE  the value of the better-auth.session_token cookie (as Set-Cookie sent it)
-- No request()/response() callbacks, as get-session.lua: the same pre-built request every
-- time, so wrk costs as little CPU as it can. run.sh checks one answer with curl first.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

wrk.method = "GET"
wrk.path = "/api/auth/token"
local cookie = os.getenv("BENCH_COOKIE") or ""
if cookie == "" then error("set BENCH_COOKIE") end
wrk.headers["Cookie"] = "better-auth.session_token=" .. cookie
