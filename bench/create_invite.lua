-- wrk script: each request creates an invite for a new address, as a signed-in admin.
-- COOKIE and ORIGIN come from the environment (scripts/bench.sh sets them); so does PREFIX,
-- which keeps the addresses of wrk processes run side by side apart.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
local cookie = os.getenv("COOKIE")
local prefix = os.getenv("PREFIX") or ""
local origin = os.getenv("ORIGIN")

function init(args)
  n = 0
  failures = 0
end

function request()
  n = n + 1
  local body = "email=bench" .. prefix .. "-" .. tid .. "-" .. n .. "%40example.com&role_id=analyst&expiry_hours=168&message="
  return wrk.format("POST", "/api/create_invite", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
    ["Origin"] = origin,
  }, body)
end
