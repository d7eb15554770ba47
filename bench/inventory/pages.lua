-- wrk script for bench/inventory: GET a paged listing, cycling over its pages, with an
-- optional bearer token, and a machine-readable summary at the end.
--
--   wrk -t1 -c32 -d20s --latency -s pages.lua http://127.0.0.1:8080 \
--       -- '/dids?page=%d&per_page=50' 16 "$ACCESS_TOKEN"
--
-- Arguments after `--`: the path with `%d` where the page number goes (a path without `%d`
-- is requested as it is), how many pages to cycle over, the token (optional, "" for none)
-- and `close` to send `Connection: close`, i.e. one new connection per request (optional).
-- Each thread starts on a different page; the request strings are built once, in init().

local thread_count = 0

function setup(thread)
   thread:set("thread_index", thread_count)
   thread_count = thread_count + 1
end

local requests = {}
local pages = 1
local next_page = 0

function init(args)
   local template = args[1] or "/"
   pages = tonumber(args[2] or "1")
   local token = args[3]
   local headers = {}
   if token ~= nil and token ~= "" then
      headers["Authorization"] = "Bearer " .. token
   end
   if args[4] == "close" then
      headers["Connection"] = "close"
   end
   for page = 1, pages do
      requests[page] = wrk.format("GET", string.format(template, page), headers)
   end
   next_page = (thread_index or 0) % pages
end

function request()
   next_page = next_page % pages + 1
   return requests[next_page]
end

-- One JSON line after wrk's own report; latencies in microseconds, duration too.
function done(summary, latency, requests)
   local errors = summary.errors
   io.write(string.format(
      'WRK_SUMMARY {"requests": %d, "duration_us": %d, "bytes": %d, '
         .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
         .. '"latency_us": {"min": %d, "mean": %.1f, "stdev": %.1f, "max": %d, '
         .. '"p50": %d, "p90": %d, "p99": %d, "p99_9": %d}}\n',
      summary.requests, summary.duration, summary.bytes,
      errors.connect, errors.read, errors.write, errors.status, errors.timeout,
      latency.min, latency.mean, latency.stdev, latency.max,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9)))
end
