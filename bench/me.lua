-- GET /api/me, the reader API's cheapest verified endpoint, as a resource server sees it:
--   BENCH_BEARER  a JWT (from GET /api/auth/token), sent as Authorization: Bearer
--   BENCH_COOKIE  or: the better-auth.session_token cookie (Lectern --role all only)
-- No request()/response() callbacks, as get-session.lua. run.sh checks one answer with
-- curl first (200, and Lectern's "via":"jwt" for a JWT).

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

wrk.method = "GET"
wrk.path = "/api/me"
local bearer = os.getenv("BENCH_BEARER") or ""
local cookie = os.getenv("BENCH_COOKIE") or ""
if bearer ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. bearer
elseif cookie ~= "" then
  wrk.headers["Cookie"] = "better-auth.session_token=" .. cookie
else
  error("set BENCH_BEARER or BENCH_COOKIE")
end
