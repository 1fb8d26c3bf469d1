-- Request shape and summary for the tsgi benchmark runner.
-- WRK_METHOD / WRK_BODY_BYTES set the request; done() prints one machine-readable line.
local method = os.getenv("WRK_METHOD") or "GET"
local bytes = tonumber(os.getenv("WRK_BODY_BYTES") or "0")

wrk.method = method
if bytes > 0 then
  wrk.body = string.rep("x", bytes)
  wrk.headers["Content-Type"] = "application/octet-stream"
end
-- WRK_HEADERS: extra "Name: value" lines (a session cookie)
for line in string.gmatch(os.getenv("WRK_HEADERS") or "", "[^\n]+") do
  local name, value = string.match(line, "^([^:]+):%s*(.*)$")
  if name then wrk.headers[name] = value end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors":%d,"non2xx":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
