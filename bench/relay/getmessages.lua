-- wrk script: GET /getmessages for a recipient's newest message (one 256-byte message per
-- answer). START_REF and TOKEN come from the environment (bench/relay.sh sets them).
local start_ref = os.getenv("START_REF") or "0"
wrk.path = "/getmessages?recipient_uid=bench-get&start_ref=" .. start_ref
-- With accounts required, the queue owner's token (bench/relay.sh registers bench-get).
local token = os.getenv("TOKEN")
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
