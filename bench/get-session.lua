-- A GET with one valid credential, as a browser polls get-session or a resource server
-- checks a reader:
--   BENCH_PATH    default /api/auth/get-session; /api/me for the verification scenarios
--   BENCH_BEARER  a bearer token (set-auth-token, or a JWT from /api/auth/token); wins if set
--   BENCH_COOKIE  or: the better-auth.session_token cookie (as Set-Cookie sent it)
-- No request()/response() callbacks: wrk sends the same pre-built request, so the load
-- generator costs as little CPU as it can. run.sh checks one answer with curl first.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

wrk.method = "GET"
wrk.path = os.getenv("BENCH_PATH") or "/api/auth/get-session"
local bearer = os.getenv("BENCH_BEARER") or ""
local cookie = os.getenv("BENCH_COOKIE") or ""
if bearer ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. bearer
elseif cookie ~= "" then
  wrk.headers["Cookie"] = "better-auth.session_token=" .. cookie
else
  error("set BENCH_BEARER or BENCH_COOKIE")
end
