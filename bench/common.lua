-- Shared by the wrk scripts here (each loads it with dofile): numbers the threads (`tid`, for
-- requests that must differ between threads), counts the answers other than 200 in each
-- thread, and prints their sum over the threads at the end (a script may define its own
-- done() instead). The loading script sets `failures = 0` in its init().

threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
  end
end

function failed_in_all_threads()
  local failed = 0
  for _, t in ipairs(threads) do
    failed = failed + t:get("failures")
  end
  return failed
end

function done(summary, latency, requests)
  local failed = failed_in_all_threads()
  io.write(string.format("non-200 answers: %d\n", failed))
end
