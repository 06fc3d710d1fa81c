-- 50 users over the key pages and endpoints: each connection walks the list in turn.
-- Counts every answer that is not 2xx/3xx as an error, and prints one JSON line.
paths = {}
for p in string.gmatch(os.getenv("LOADTEST_PATHS") or "/healthz", "[^ ]+") do table.insert(paths, p) end
local counter = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
  statuses = {}
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 400 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local bad_total = 0
  local codes = {}
  for _, t in ipairs(threads) do
    bad_total = bad_total + t:get("bad")
    for code, n in pairs(t:get("statuses")) do codes[tostring(code)] = (codes[tostring(code)] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(codes) do table.insert(parts, string.format('"%s": %d', code, n)) end
  io.write(string.format(
    'LOADJSON {"requests": %d, "seconds": %.1f, "rps": %.1f, "p50_ms": %.1f, "p95_ms": %.1f, "p99_ms": %.1f, ' ..
    '"max_ms": %.1f, "bad_status": %d, "socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, bad_total,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ", ")))
end
