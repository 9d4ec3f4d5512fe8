-- wrk script for the booking workload of bench/http/run.sh: each request holds one
-- second-class seat, Kunming South -> Yuxi, POST /api/v1/bookings. The train and the
-- date turn over with every request: the ten trains of that stretch on BOOK_DAYS (14)
-- dates from LX_HTTP_BOOK_FIRST (tomorrow, set by run.sh), all inside China Railway's
-- 15-day sales window; about 550-600 second-class seats each, some 80,000 in all, so
-- seats do not run out during a run; a 409 (sold out) is counted apart from the other
-- non-2xx answers. At the end: one JSON line prefixed "JSON ".
local TRAINS = {"D8813", "C7301", "D8801", "D8803", "C7303", "D8807", "D8811", "D8817",
                "D8819", "D8821"}
local DAYS = tonumber(os.getenv("BOOK_DAYS") or "14")
local y, m, d = string.match(os.getenv("LX_HTTP_BOOK_FIRST") or "", "(%d+)-(%d+)-(%d+)")
assert(y, "LX_HTTP_BOOK_FIRST=YYYY-MM-DD is needed")
local FIRST = os.time({year = tonumber(y), month = tonumber(m), day = tonumber(d), hour = 12})
local threads = {}
local nthreads = 0

function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
  table.insert(threads, thread)
end

n, c201, c409, cother = 0, 0, 0, 0   -- globals: done() reads them with thread:get

function init(args)
  n = tid * 7919          -- threads start at different departures
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  local train = TRAINS[(n % #TRAINS) + 1]
  local day = math.floor(n / #TRAINS) % DAYS
  local date = os.date("%Y-%m-%d", FIRST + day * 86400)
  local body = '{"train":"' .. train .. '","date":"' .. date ..
    '","from":"Kunming South","to":"Yuxi","class":"second",' ..
    '"passengers":[{"name":"Bench Passenger","document":"P' .. tid .. "X" .. n .. '"}]}'
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 201 then c201 = c201 + 1
  elseif status == 409 then c409 = c409 + 1
  else cother = cother + 1 end
end

function done(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("c201"); b = b + t:get("c409"); c = c + t:get("cother")
  end
  local s = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests":%d,"duration_s":%.3f,"rps":%.1f,"created_201":%d,"sold_out_409":%d,"other_status":%d,' ..
    '"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_timeout":%d,' ..
    '"lat_mean_us":%.1f,"lat_p50_us":%d,"lat_p90_us":%d,"lat_p99_us":%d,"lat_p999_us":%d,"lat_max_us":%d}\n',
    summary.requests, s, summary.requests / s, a, b, c,
    e.connect, e.read, e.write, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
