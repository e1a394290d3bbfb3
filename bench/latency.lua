-- Prints one JSON line after a wrk run: exact percentiles (wrk's text output
-- rounds them), throughput and every kind of failure, for bench/run.py to read.
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "rps": %.2f, "p50_us": %.1f, "p95_us": %.1f, "p99_us": %.1f,'
      .. ' "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.requests / seconds,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout
  ))
end
