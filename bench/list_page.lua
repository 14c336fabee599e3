-- wrk script: the same list_invites request again and again, as a signed-in admin.
-- COOKIE, ORIGIN and BODY (the form-encoded list parameters) come from the environment
-- (scripts/bench-panel.sh sets them). Prints one machine-readable line at the end.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
local cookie = os.getenv("COOKIE")
local origin = os.getenv("ORIGIN")
local body = os.getenv("BODY") or ""

function init(args)
  failures = 0
end

function request()
  return wrk.format("POST", "/api/list_invites", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
    ["Origin"] = origin,
  }, body)
end

function done(summary, latency, requests)
  local failed = failed_in_all_threads()
  io.write(string.format("RESULT p50_ms=%.2f p95_ms=%.2f requests=%d failed=%d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, summary.requests, failed))
end
