-- wrk script for the varied search workload of bench/http/run.sh: every request asks
-- GET /api/v1/offers for another journey, drawn at random from every ordered pair of
-- the built-in line's 24 stations (by code) on one of LX_HTTP_DAYS (default 14) dates
-- from LX_HTTP_FIRST (YYYY-MM-DD, set by run.sh): 24 x 23 x 14 = 7,728 distinct
-- searches, more than the answer cache's 4,096 slots, and each answer with free seats
-- is given again only within its second. At the end: report.lua's JSON line.
dofile(os.getenv("LX_HTTP_HERE") .. "/report.lua")

local CODES = {"KMG", "KMN", "YXI", "ESN", "HNN", "YJG", "MJG", "NER", "PUE", "YXG", "XSB",
               "GLB", "MLA", "MHN", "VBM", "NTY", "NMO", "MXY", "MNG", "VJM", "MKS", "VOM",
               "PHH", "YTM"}
local DAYS = tonumber(os.getenv("LX_HTTP_DAYS") or "14")
local y, m, d = string.match(os.getenv("LX_HTTP_FIRST") or "", "(%d+)-(%d+)-(%d+)")
local FIRST = os.time({year = tonumber(y), month = tonumber(m), day = tonumber(d), hour = 12})

function init(args)
  math.randomseed(os.time() + (tid or 0))
end

function request()
  local a = math.random(#CODES)
  local b = math.random(#CODES - 1)
  if b >= a then b = b + 1 end
  local date = os.date("%Y-%m-%d", FIRST + math.random(0, DAYS - 1) * 86400)
  return wrk.format(nil, "/api/v1/offers?from=" .. CODES[a] .. "&to=" .. CODES[b] .. "&date=" .. date)
end
