-- The harness's wrk script: GET a path, cycling over its pages, with an optional bearer
-- token, and one machine-readable line at the end.
--
--   wrk -t1 -c32 -d20s --latency -s bench/src/harness/pages.lua http://127.0.0.1:8080 \
--       -- '/dids?page=%d&per_page=50' 16 "$TOKEN"
--
-- Arguments after `--`: the path with `%d` where the page number goes (a path without `%d`
-- is requested as it is), how many pages to cycle over, the token (optional, "" for none)
-- and `close` to send `Connection: close`, a new connection per request (optional).
-- Each thread starts on a different page; the request strings are built once, in init().
--
-- With WRK_COUNT_HEADER set (say, X-Cache) it also counts the answers by that header's
-- value and the answers that are not 2xx. Off by default: wrk then hands every response's
-- headers to Lua, which costs it CPU.

local threads = {}

function setup(thread)
   thread:set("thread_index", #threads)
   table.insert(threads, thread)
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
   next_page = (thread_index or 0) * 7 % pages
end

function request()
   next_page = next_page % pages + 1
   return requests[next_page]
end

-- Per thread (each has its own Lua state); summed in done() with thread:get().
counts = {}
local counted = os.getenv("WRK_COUNT_HEADER")
if counted ~= nil and counted ~= "" then
   local lower = string.lower(counted)
   local function find(headers)
      -- Traefik sends canonical names (X-Cache), uvicorn lower-case ones (x-cache).
      local value = headers[counted] or headers[lower]
      if value ~= nil then
         return value
      end
      for name, found in pairs(headers) do
         if string.lower(name) == lower then
            return found
         end
      end
      return "(none)"
   end
   function response(status, headers, body)
      local value = find(headers)
      local key = counted .. ": " .. value
      counts[key] = (counts[key] or 0) + 1
      if status < 200 or status > 299 then
         counts["not 2xx"] = (counts["not 2xx"] or 0) + 1
      end
   end
end

local function quoted(text)
   return '"' .. string.gsub(text, '[%c"\\]', "?") .. '"'
end

-- Latencies and duration in microseconds.
function done(summary, latency, requests)
   local total = {}
   for _, thread in ipairs(threads) do
      for key, value in pairs(thread:get("counts") or {}) do
         total[key] = (total[key] or 0) + value
      end
   end
   local items = {}
   for key, value in pairs(total) do
      table.insert(items, quoted(key) .. ": " .. value)
   end
   local errors = summary.errors
   io.write(string.format(
      'WRK_SUMMARY {"requests": %d, "duration_us": %d, "bytes": %d, '
         .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
         .. '"counts": {%s}, '
         .. '"latency_us": {"min": %d, "mean": %.1f, "stdev": %.1f, "max": %d, '
         .. '"p50": %d, "p90": %d, "p99": %d, "p99_9": %d}}\n',
      summary.requests, summary.duration, summary.bytes,
      errors.connect, errors.read, errors.write, errors.status, errors.timeout,
      table.concat(items, ", "),
      latency.min, latency.mean, latency.stdev, latency.max,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9)))
end
