-- Shared by the bench scripts: at the end of a wrk run, print one machine-readable line
--   BENCH {"requests":…,"rps":…,"p50_us":…,…}
-- after wrk's own human-readable report. run.sh collects these lines.
-- A script that counts status codes keeps them in a global table `statuses` per thread;
-- they are summed here across threads.

local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

local function encode(value)
  local kind = type(value)
  if kind == "table" then
    local parts = {}
    for k, v in pairs(value) do
      table.insert(parts, string.format("%q:%s", tostring(k), encode(v)))
    end
    table.sort(parts)
    return "{" .. table.concat(parts, ",") .. "}"
  elseif kind == "number" then
    if value ~= value or value == math.huge or value == -math.huge then return "null" end
    return string.format("%.17g", value)
  elseif kind == "string" then
    return string.format("%q", value)
  elseif kind == "boolean" then
    return tostring(value)
  end
  return "null"
end

function done(summary, latency, requests)
  local statuses, retry_after, counted = {}, 0, false
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    if type(s) == "table" then
      counted = true
      for code, n in pairs(s) do
        statuses[tostring(code)] = (statuses[tostring(code)] or 0) + n
      end
    end
    local r = thread:get("retry_after")
    if type(r) == "number" then retry_after = retry_after + r end
  end
  local seconds = summary.duration / 1e6
  local result = {
    requests = summary.requests,
    duration_s = seconds,
    rps = summary.requests / seconds,
    bytes = summary.bytes,
    latency_us = {
      mean = latency.mean,
      stdev = latency.stdev,
      max = latency.max,
      p50 = latency:percentile(50),
      p90 = latency:percentile(90),
      p99 = latency:percentile(99),
      p999 = latency:percentile(99.9),
    },
    errors = {
      connect = summary.errors.connect,
      read = summary.errors.read,
      write = summary.errors.write,
      timeout = summary.errors.timeout,
      -- wrk's "Non-2xx or 3xx responses": every status above 399.
      status = summary.errors.status,
    },
  }
  if counted then
    result.statuses = statuses
    result.retry_after = retry_after
  end
  io.write("BENCH " .. encode(result) .. "\n")
end
