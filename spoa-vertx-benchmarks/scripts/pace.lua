-- wrk pacing: each connection waits 1000/rate ms between a response and its next request (args:
-- requests/s per connection); the rate achieved is lower by the time each request takes.
local per_conn = 100
init = function(args)
  if args[1] then per_conn = tonumber(args[1]) end
end
delay = function()
  return 1000 / per_conn
end
