-- wrk script: each request creates an invite for a new address, as a signed-in admin.
-- COOKIE and ORIGIN come from the environment (scripts/bench.sh sets them).
local cookie = os.getenv("COOKIE")
local origin = os.getenv("ORIGIN")
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  n = 0
  failures = 0
end

function request()
  n = n + 1
  local body = "email=bench-" .. tid .. "-" .. n .. "%40example.com&role_id=analyst&expiry_hours=168&message="
  return wrk.format("POST", "/api/create_invite", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
    ["Origin"] = origin,
  }, body)
end

function response(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, t in ipairs(threads) do
    failed = failed + t:get("failures")
  end
  io.write(string.format("non-200 answers: %d\n", failed))
end
