-- wrk script: each request accepts a different invite (sign-up with a new password), as an
-- invitee would from the link in their email. TOKENS names a file of link tokens, one per
-- line (scripts/bench.sh writes it from the sent emails); ORIGIN and THREADS (wrk's -t) come
-- from the environment.
-- Each thread takes every n-th token, so no token is used twice. A thread that runs out
-- sends an empty token, which the server refuses: that shows as failures, never as success.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
local origin = os.getenv("ORIGIN")
local nthreads = tonumber(os.getenv("THREADS"))

function init(args)
  tokens = {}
  local i = 0
  for line in io.lines(os.getenv("TOKENS")) do
    if i % nthreads == tid then
      table.insert(tokens, line)
    end
    i = i + 1
  end
  n = 0
  failures = 0
end

function request()
  n = n + 1
  local token = tokens[n] or ""
  local body = "token=" .. token .. "&name=Bench%20Invitee&password=benchmark-password-" .. n
    .. "&confirm=benchmark-password-" .. n
  return wrk.format("POST", "/api/accept_invite", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Origin"] = origin,
  }, body)
end
