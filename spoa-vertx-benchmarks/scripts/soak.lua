-- wrk script for the soak: paced requests (args: requests/s per connection), and every response
-- must be 200 with the agent's Ip_score header; done() prints the count of bad ones.
local per_conn = 100
bad = 0  -- global: done() reads it from each thread
local threads = {}

setup = function(thread)
  table.insert(threads, thread)
end

init = function(args)
  if args[1] then per_conn = tonumber(args[1]) end
end

delay = function()
  return 1000 / per_conn
end

response = function(status, headers, body)
  if status ~= 200 or headers["ip_score"] == nil then
    bad = bad + 1
  end
end

done = function(summary, latency, requests)
  local total_bad = 0
  for _, t in ipairs(threads) do
    total_bad = total_bad + (t:get("bad") or 0)
  end
  io.write(string.format("soak-bad-responses %d\n", total_bad))
end
