-- wrk script for bench/reviews: GET /books through the gateway with a bearer token, cycling
-- over every page, counting the X-Cache answers; one JSON line at the end.
--
--   wrk -t2 -c16 -d20s --latency -s bench/reviews/pages.lua http://127.0.0.1:25080 \
--       -- 50 20 "$ACCESS_TOKEN"
--
-- Arguments after `--`: how many pages to cycle over, the page size, the token. Each thread
-- starts on a different page; request strings are built once, in init().

local thread_count = 0
local threads = {}

function setup(thread)
   thread:set("thread_index", thread_count)
   thread_count = thread_count + 1
   table.insert(threads, thread)
end

local requests = {}
local pages = 1
local next_page = 0
-- Per thread (each has its own Lua state); read back in done() with thread:get().
hits, misses, bypasses, no_header, not_ok = 0, 0, 0, 0, 0

function init(args)
   pages = tonumber(args[1] or "1")
   local per_page = tonumber(args[2] or "20")
   local headers = {["Authorization"] = "Bearer " .. (args[3] or "")}
   for page = 1, pages do
      local path = string.format("/books?page=%d&per_page=%d", page, per_page)
      requests[page] = wrk.format("GET", path, headers)
   end
   next_page = (thread_index or 0) * 7 % pages
end

function request()
   next_page = next_page % pages + 1
   return requests[next_page]
end

function response(status, headers, body)
   if status ~= 200 then
      not_ok = not_ok + 1
   end
   local cache = headers["X-Cache"]
   if cache == "HIT" then
      hits = hits + 1
   elseif cache == "MISS" then
      misses = misses + 1
   elseif cache == "BYPASS" then
      bypasses = bypasses + 1
   else
      no_header = no_header + 1
   end
end

-- Latencies and duration in microseconds.
function done(summary, latency, requests)
   local counts = {hits = 0, misses = 0, bypasses = 0, no_header = 0, not_ok = 0}
   for _, thread in ipairs(threads) do
      for name, _ in pairs(counts) do
         counts[name] = counts[name] + (thread:get(name) or 0)
      end
   end
   local errors = summary.errors
   io.write(string.format(
      'WRK_SUMMARY {"requests": %d, "duration_us": %d, "bytes": %d, '
         .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
         .. '"x_cache": {"HIT": %d, "MISS": %d, "BYPASS": %d, "none": %d}, "not_200": %d, '
         .. '"latency_us": {"mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p99": %d}}\n',
      summary.requests, summary.duration, summary.bytes,
      errors.connect, errors.read, errors.write, errors.status, errors.timeout,
      counts.hits, counts.misses, counts.bypasses, counts.no_header, counts.not_ok,
      latency.mean, latency.max,
      latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
