-- POST /api/auth/sign-in/email for a pool of users created beforehand by run.sh:
--   BENCH_USERS           how many (emails BENCH_EMAIL_PREFIX0@example.com … N-1), default 50
--   BENCH_EMAIL_PREFIX    default "bench-user-"
--   BENCH_PASSWORD        the password they all share
-- Each connection walks the pool from its own offset. Status codes are counted (a full
-- hash queue answers 503 + Retry-After on Lectern) and printed by report.lua.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local users = tonumber(os.getenv("BENCH_USERS") or "50")
local prefix = os.getenv("BENCH_EMAIL_PREFIX") or "bench-user-"
local password = os.getenv("BENCH_PASSWORD") or "bench-password-0123456789"

wrk.method = "POST"
wrk.path = "/api/auth/sign-in/email"
wrk.headers["Content-Type"] = "application/json"

local bodies = {}
for i = 0, users - 1 do
  bodies[i] = string.format('{"email":"%s%d@example.com","password":"%s"}', prefix, i, password)
end

local counter = 0
statuses = {}
retry_after = 0

function init(args)
  -- thread_id is set by report.lua's setup(); spread the threads over the pool.
  counter = (tonumber(thread_id) or 0) * 17
end

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, bodies[counter % users])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 503 and (headers["Retry-After"] or headers["retry-after"]) then
    retry_after = retry_after + 1
  end
end
