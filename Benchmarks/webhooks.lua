-- wrk script: POST pre-signed Paddle notifications from $WEBHOOK_FILE, each once, per thread in turn.
local lines = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local n = 0
  for line in io.lines(os.getenv("WEBHOOK_FILE")) do
    -- Threads take alternate lines so no event is sent twice.
    if n % 2 == id then table.insert(lines, line) end
    n = n + 1
  end
  index = 0
end

function request()
  index = index + 1
  local line = lines[((index - 1) % #lines) + 1]
  local tab = string.find(line, "\t")
  local headers = { ["Content-Type"] = "application/json", ["Paddle-Signature"] = string.sub(line, 1, tab - 1) }
  return wrk.format("POST", "/webhooks/paddle", headers, string.sub(line, tab + 1))
end
