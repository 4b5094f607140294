-- wrk script: durable sends (POST /send, JSON, 256-byte message as 344 base64 chars).
-- Every request's contents differ (thread id and a counter in the last 8 characters):
-- the relay answers a repeated identical send with its first ref and stores nothing, so
-- identical bodies would measure lookups, not durable inserts.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local prefix = '{"sender_uid":"bench-sender","recipient_uid":"bench-send","contents":"'
  .. string.rep("QUJD", 84)
local threads = 0

setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local counter = 0
request = function()
  counter = counter + 1
  local body = prefix .. string.format("%02d%06d", (id or 0) % 100, counter % 1000000) .. '"}'
  return wrk.format(nil, nil, nil, body)
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
