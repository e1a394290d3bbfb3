-- Each request takes a random path from a file of paths (one per line), so that the
-- load is spread as real visitors spread it. Usage: wrk ... -s mix.lua URL -- FILE
local paths = {}
local counts = { status = {} }

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

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
