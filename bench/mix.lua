-- Each request takes a random path from a file of paths (one per line), so that the
-- load is spread as real visitors spread it. Usage: wrk ... -s mix.lua URL -- FILE
-- The result line (done) is latency.lua's, beside this file.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "latency.lua")

local paths = {}

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
