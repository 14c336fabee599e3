-- wrk script: each request creates an invite for a new address through the REST API, with an
-- API key (KEY from the environment, set by scripts/bench-api.sh). PREFIX keeps the addresses
-- of wrk processes run side by side apart, as in create_invite.lua.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
local key = os.getenv("KEY")
local prefix = os.getenv("PREFIX") or ""

function init(args)
  n = 0
  failures = 0
end

function request()
  n = n + 1
  local body = '{"email": "api' .. prefix .. "-" .. tid .. "-" .. n .. '@example.com", "role": "analyst", "expires_in_hours": 168}'
  return wrk.format("POST", "/api/v1/invitations", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key,
  }, body)
end

-- The API answers a create with 201 Created.
function response(status, headers, body)
  if status ~= 201 then
    failures = failures + 1
  end
end
