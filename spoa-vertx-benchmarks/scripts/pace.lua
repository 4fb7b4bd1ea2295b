-- wrk pacing: each connection waits 1000/rate ms between requests (args: requests/s per connection)
local per_conn = 100
init = function(args)
  if args[1] then per_conn = tonumber(args[1]) end
end
delay = function()
  return 1000 / per_conn
end
