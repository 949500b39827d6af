-- wrk script for the AI benchmark: POST the body in BENCH_BODY with the bearer in BENCH_TOKEN, or, when
-- BENCH_TOKEN holds several tokens separated by spaces, with each request taking the next one (many users).
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"

local tokens = {}
for token in string.gmatch(os.getenv("BENCH_TOKEN"), "%S+") do tokens[#tokens + 1] = token end
wrk.headers["Authorization"] = "Bearer " .. tokens[1]

if #tokens > 1 then
    local next = 0
    request = function()
        next = next % #tokens + 1
        wrk.headers["Authorization"] = "Bearer " .. tokens[next]
        return wrk.format()
    end
end
