-- get-session as many readers send it through a trusted proxy: the same cookie, but every
-- request from another client address (X-Forwarded-For), so the rate limiter counts each in
-- a bucket of its own and refuses none. What is measured is the cost of counting.
--   BENCH_COOKIE  the better-auth.session_token cookie
-- Status codes are counted and printed by report.lua.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

wrk.method = "GET"
wrk.path = "/api/auth/get-session"
local cookie = "better-auth.session_token=" .. (os.getenv("BENCH_COOKIE") or error("set BENCH_COOKIE"))

local counter = 0
statuses = {}

function init(args)
  counter = (tonumber(thread_id) or 0) * 8388608
end

function request()
  counter = counter + 1
  local ip = string.format("10.%d.%d.%d", math.floor(counter / 65536) % 256,
    math.floor(counter / 256) % 256, counter % 256)
  -- wrk.format's headers replace wrk.headers: the cookie goes in each table.
  return wrk.format(nil, nil, { ["Cookie"] = cookie, ["X-Forwarded-For"] = ip }, nil)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
