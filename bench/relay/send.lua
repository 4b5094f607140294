-- wrk script: durable sends (POST /send, JSON, 256-byte message as 344 base64 chars).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"sender_uid":"bench-sender","recipient_uid":"bench-send","contents":"'
  .. string.rep("QUJD", 86) .. '"}'

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
