-- wrk script: Open311 POST requests.json, form-encoded, a different synthetic caller each time
-- (so per-citizen limits do not shape the result), real coordinates in Tarsus.
local api_key = os.getenv("BENCH_API_KEY") or "bench"
math.randomseed(os.time())
request = function()
  local phone = string.format("0532%03d%02d%02d", math.random(0, 999), math.random(0, 99), math.random(0, 99))
  local body = "api_key=" .. api_key .. "&service_code=su-ariza&lat=36.9180&long=34.8950" ..
      "&description=Sokakta%20su%20borusu%20patlad%C4%B1&phone=" .. phone
  return wrk.format("POST", "/open311/v2/requests.json",
                    { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
