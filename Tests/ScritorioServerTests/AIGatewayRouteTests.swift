import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import ScritorioCore
import ScritorioStore
import ScritorioTestSupport
import Testing

@Suite("AI gateway through the HTTP stack")
struct AIGatewayRouteTests {
    static var chat: [String: Any] { ["model": "gpt-4o-mini", "messages": [["role": "user", "content": "Say hello"]]] }

    static func chat(_ content: String, model: String = "gpt-4o-mini", extra: [String: Any] = [:]) -> [String: Any] {
        var body: [String: Any] = ["model": model, "messages": [["role": "user", "content": content]]]
        for (key, value) in extra { body[key] = value }
        return body
    }

    @Test("a chat completion passes through, is settled to the upstream's usage, and shows in /v1/me/usage", arguments: TestStores.kinds)
    func chatCompletion(kind: StoreKind) async throws {
        try await AIHarness.run(kind) { h in
            let (token, user) = try await h.user()
            let reply = try await h.ai("chat/completions", json: Self.chat, token: token)
            #expect(reply.status == .ok)
            #expect(reply.headers[HTTPField.Name("x-request-id")!]?.hasPrefix("req_") == true)
            #expect(reply.headers[HTTPField.Name("x-ratelimit-remaining-tokens")!] == nil, "the operator's account limits stay behind")
            let usage = try #require(reply.json["usage"] as? [String: Any])
            let total = try #require(usage["total_tokens"] as? Int)
            #expect(total == (usage["prompt_tokens"] as? Int ?? 0) + 12)
            let choices = try #require(reply.json["choices"] as? [[String: Any]])
            #expect((choices.first?["message"] as? [String: Any])?["content"] as? String == "The sandbox answers every prompt with the same words so tests can")
            let events = try await h.events(user)
            #expect(events.count == 1)
            #expect(events.first?.tokens == Int64(total))
            #expect(events.first?.status == 200 && events.first?.outcome == "ok")
            #expect(events.first?.requestID == reply.headers[HTTPField.Name("x-request-id")!])
            #expect((events.first?.cost ?? 0) > 0)
            let me = try await h.usage(token)
            let day = try #require(me["day"] as? [String: Any])
            #expect(day["tokens_used"] as? Int == total)
            #expect(day["tokens_reserved"] as? Int == 0)
            #expect(me["plan"] as? String == "free")
            let counters = try #require(me["counters"] as? [String: Any])
            #expect(counters["tokens_today"] as? Int == total && counters["tokens_total"] as? Int == total)
            // member-get shows the same counters.
            let member = try await h.base.request(.post, "/functions/v1/member-get", bearer: token)
            #expect(member.raw.contains("\"tokens_total\":\(total)") || member.raw.contains("\"tokensTotal\":\(total)"))
            // One meaning of "today" and "this month": the account's day and month, as /v1/me/usage has them.
            let fields = try #require(member.json["member"] as? [String: Any])
            let month = try #require(me["month"] as? [String: Any])
            #expect(fields["todayResetAt"] as? String == day["start"] as? String)
            #expect(fields["thisMonthResetAt"] as? String == month["start"] as? String)
            #expect(fields["tokensToday"] as? Int == total && fields["tokensThisMonth"] as? Int == total)
        }
    }

    @Test("an entitlement this replica applies is used at once, however long the plan cache keeps plans", arguments: TestStores.kinds)
    func planCacheSeesLocalUpgrade(kind: StoreKind) async throws {
        try await AIHarness.run(kind, configure: { $0.ai.planCacheSeconds = 60 }) { h in
            let (token, user) = try await h.user()
            #expect(try await h.usage(token)["plan"] as? String == "free")
            #expect(try await h.usage(token)["plan"] as? String == "free")  // now cached for a minute
            try await h.base.database.transaction {
                try await BillingRepository.saveGrant(
                    Grant(code: "scritorio_pro", source: .manual("test")), userID: user, now: Date(), on: $0)
            }
            #expect(try await h.usage(token)["plan"] as? String == "pro")
        }
    }

    @Test("streamed chat: relayed chunk by chunk; usage forced upstream, stripped unless asked; settled", arguments: TestStores.kinds)
    func streamedChat(kind: StoreKind) async throws {
        try await AIHarness.run(kind) { h in
            let (token, user) = try await h.user()
            let plain = try await h.ai("chat/completions", json: Self.chat("Hi #sandbox:tokens=5", extra: ["stream": true]), token: token)
            #expect(plain.status == .ok)
            #expect(plain.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            #expect(plain.raw.hasSuffix("data: [DONE]\n\n"))
            #expect(!plain.raw.contains("\"choices\":[]"), "the usage chunk the client did not ask for is stripped")
            let deltas = plain.raw.components(separatedBy: "\n\n").filter { $0.contains("\"content\":\"") && !$0.contains("\"content\":\"\"") }
            #expect(deltas.count == 5)
            let asked = try await h.ai(
                "chat/completions", json: Self.chat("Hi #sandbox:tokens=5", extra: ["stream": true, "stream_options": ["include_usage": true]]), token: token)
            #expect(asked.raw.contains("\"choices\":[],\"usage\":{\"prompt_tokens\":"))
            let events = try await h.events(user)
            #expect(events.count == 2)
            #expect(events.allSatisfy { $0.outcome == "ok" && $0.tokens > 5 && $0.tokens < 40 })
            let day = try #require(try await h.usage(token)["day"] as? [String: Any])
            #expect(day["tokens_used"] as? Int == Int(events.map(\.tokens).reduce(0, +)))
            #expect(day["tokens_reserved"] as? Int == 0)
        }
    }

    @Test("errors are in OpenAI's shape with its status codes, and carry x-request-id")
    func errors() async throws {
        try await AIHarness.run(.sqlite) { h in
            let (token, user) = try await h.user()
            let none = try await h.ai("chat/completions", json: Self.chat, token: nil)
            #expect(none.status == .unauthorized)
            #expect(none.openAIError?["code"] as? String == "invalid_api_key")
            #expect(none.openAIError?["type"] as? String == "invalid_request_error")
            #expect(none.headers[HTTPField.Name("x-request-id")!] != nil)
            let bad = try await h.ai("chat/completions", json: Self.chat, token: token + "x")
            #expect(bad.status == .unauthorized && bad.openAIError?["message"] != nil)
            let keyOnly = try await h.ai("models", token: Harness.key, method: .get)
            #expect(keyOnly.status == .unauthorized, "the publishable key is not a user")
            let pro = try await h.ai("chat/completions", json: Self.chat("hi", model: "gpt-4.1"), token: token)
            #expect(pro.status == .forbidden)
            #expect(pro.openAIError?["code"] as? String == "model_not_in_plan" && pro.openAIError?["param"] as? String == "model")
            let noModel = try await h.ai("chat/completions", json: ["messages": []], token: token)
            #expect(noModel.status == .badRequest && noModel.openAIError?["param"] as? String == "model")
            let notJSON = try await h.ai("chat/completions", raw: "{nope", token: token)
            #expect(notJSON.status == .badRequest && notJSON.openAIError?["type"] as? String == "invalid_request_error")
            let unknown = try await h.ai("completions/legacy", json: Self.chat, token: token)
            #expect(unknown.status == .notFound && unknown.openAIError?["type"] as? String == "invalid_request_error")
            #expect(unknown.headers[HTTPField.Name("x-request-id")!] != nil)
            for max in [-5, 0, Int64.max] {
                let out = try await h.ai("chat/completions", json: Self.chat("hi", extra: ["max_tokens": max]), token: token)
                #expect(out.status == .badRequest && out.openAIError?["code"] as? String == "integer_out_of_range", "max_tokens \(max)")
                #expect(out.openAIError?["param"] as? String == "max_tokens")
            }
            // Nothing was reserved or recorded for requests refused before the allowance.
            #expect(try await h.events(user).isEmpty)
            // Signing out ends the token on /ai/v1 at once.
            #expect(try await h.ai("models", token: token, method: .get).status == .ok)
            #expect(try await h.base.request(.post, "/auth/v1/logout", bearer: token).status == .noContent)
            let ended = try await h.ai("models", token: token, method: .get)
            #expect(ended.status == .unauthorized && ended.openAIError?["code"] as? String == "invalid_api_key")
        }
    }

    @Test("a 429 or 5xx from the upstream before the first byte is tried again with backoff, invisibly; once retries run out it passes through")
    func upstreamRetries() async throws {
        try await AIHarness.run(.sqlite, retries: 2) { h in
            let (token, user) = try await h.user()
            let before = h.upstream.sandbox.currentStats.requests
            let started = Date()
            let recovered = try await h.ai("chat/completions", json: Self.chat("x #sandbox:status=503 #sandbox:fail_first=2"), token: token)
            #expect(recovered.status == .ok)
            #expect(recovered.json["object"] as? String == "chat.completion")
            #expect(h.upstream.sandbox.currentStats.requests - before == 3, "two failures, then the answer")
            #expect(Date().timeIntervalSince(started) >= 0.7, "backoff of 0.25 s then 0.5 s")
            #expect(recovered.headers[HTTPField.Name("x-upstream-request-id")!] == "req_sandbox")
            #expect(recovered.headers[HTTPField.Name("x-request-id")!]?.hasPrefix("req_") == true)
            #expect(recovered.headers[HTTPField.Name("x-request-id")!] != "req_sandbox")
            let exhausted = try await h.ai("chat/completions", json: Self.chat("y #sandbox:status=429 #sandbox:fail_first=3"), token: token)
            #expect(exhausted.status == .tooManyRequests)
            #expect(h.upstream.sandbox.currentStats.requests - before == 6, "one try and two retries")
            let events = try await h.events(user)
            #expect(events.map(\.outcome) == ["ok", "upstream_error"])
            #expect(events[0].tokens > 0 && events[1].tokens == 0)
            #expect(events[0].requestID == recovered.headers[HTTPField.Name("x-request-id")!])
        }
    }

    @Test("upstream errors pass through and release the reservation; timeouts are 504 and charge it; a broken stream ends with an error event")
    func upstreamFailures() async throws {
        try await AIHarness.run(.sqlite, timeout: .seconds(1)) { h in
            let (token, user) = try await h.user()
            let failed = try await h.ai("chat/completions", json: Self.chat("x #sandbox:status=500"), token: token)
            #expect(failed.status == .internalServerError)
            #expect(failed.openAIError?["message"] as? String == "The sandbox was told to answer 500.")
            let limited = try await h.ai("chat/completions", json: Self.chat("x #sandbox:status=429"), token: token)
            #expect(limited.status == .tooManyRequests && limited.openAIError?["code"] as? String == "rate_limit_exceeded")
            // The upstream refusing the gateway's key is the gateway's fault, and its answer (which names part of
            // the key) never reaches the caller.
            let refused = try await h.ai("chat/completions", json: Self.chat("x #sandbox:status=401"), token: token)
            #expect(refused.status == .badGateway && refused.openAIError?["code"] as? String == "upstream_auth")
            #expect(!refused.raw.contains("sk-"))
            let slow = try await h.ai("chat/completions", json: Self.chat("x #sandbox:latency=3000"), token: token)
            #expect(slow.status == .gatewayTimeout)
            #expect(slow.openAIError?["type"] as? String == "timeout")
            // Sent and never answered: the upstream may have billed the work, so the reservation is charged.
            var day = try #require(try await h.usage(token)["day"] as? [String: Any])
            let timedOut = try #require(try await h.events(user).last)
            #expect(timedOut.outcome == "timeout" && timedOut.tokens > 1024)
            #expect(day["tokens_used"] as? Int == Int(timedOut.tokens) && day["tokens_reserved"] as? Int == 0)
            let broken = try await h.ai("chat/completions", json: Self.chat("x #sandbox:fail_after=2", extra: ["stream": true]), token: token)
            #expect(broken.status == .ok)
            #expect(broken.raw.contains("upstream_stream_failed"))
            #expect(!broken.raw.contains("[DONE]"))
            let events = try await h.events(user)
            #expect(events.map(\.outcome) == ["upstream_error", "upstream_error", "upstream_auth", "timeout", "failed"])
            #expect(events.map(\.status) == [500, 429, 502, 504, 200])
            // The broken stream reported no usage: its reservation is charged (prompt bytes + the plan's 1024).
            day = try #require(try await h.usage(token)["day"] as? [String: Any])
            #expect(day["tokens_used"] as? Int == Int(events[3].tokens + events[4].tokens))
            #expect(events[4].tokens > 1024)
            // Knobs outside what HTTP allows are ignored by the fake, never a crash.
            let wild = try await h.ai("chat/completions", json: Self.chat("x #sandbox:status=1000 #sandbox:tokens=9223372036854775807"), token: token)
            #expect(wild.status == .ok)
        }
    }

    @Test("an exhausted allowance is 429 insufficient_quota with x-should-retry false; the per-minute limit is a retryable 429", arguments: TestStores.kinds)
    func quotaAndRateLimit(kind: StoreKind) async throws {
        try await AIHarness.run(kind) { h in
            let (token, user) = try await h.user()
            #expect(try await h.admin(.put, user, json: ["tokens_per_day": 1_100]).status == .ok)
            let first = try await h.ai("chat/completions", json: Self.chat("hello"), token: token)
            #expect(first.status == .ok)
            let second = try await h.ai("chat/completions", json: Self.chat("hello"), token: token)
            #expect(second.status == .tooManyRequests)
            #expect(second.openAIError?["code"] as? String == "insufficient_quota")
            #expect(second.openAIError?["type"] as? String == "insufficient_quota")
            #expect(second.headers[HTTPField.Name("x-should-retry")!] == "false")
            let retryAfter = Int(second.headers[.retryAfter] ?? "") ?? 0
            #expect(retryAfter > 0 && retryAfter <= 86_400)
            #expect(second.headers[HTTPField.Name("x-quota-reset")!] != nil)
            // A small request still fits in what is left.
            let small = try await h.ai("chat/completions", json: Self.chat("hello", extra: ["max_tokens": 5]), token: token)
            #expect(small.status == .ok)

            #expect(try await h.admin(.put, user, json: ["tokens_per_day": nil as Any? ?? NSNull(), "requests_per_minute": 0]).status == .ok)
            let third = try await h.ai("embeddings", json: ["model": "text-embedding-3-small", "input": "a"], token: token)
            #expect(third.status == .tooManyRequests)
            #expect(third.openAIError?["code"] as? String == "rate_limit_exceeded")
            #expect(third.headers[HTTPField.Name("x-should-retry")!] == "true")
            #expect(Int(third.headers[.retryAfter] ?? "") ?? 0 >= 1)
            let outcomes = try await h.events(user).map(\.outcome)
            #expect(outcomes == ["ok", "quota_exceeded", "ok", "rate_limited"])
        }
    }

    @Test("a body naming a parameter twice is refused before the plan check; n choices are reserved n times; a null cap is the plan's", arguments: TestStores.kinds)
    func ambiguousBodiesAndChoices(kind: StoreKind) async throws {
        try await AIHarness.run(kind) { h in
            let (token, user) = try await h.user()
            // Foundation reads the first of two names, Python (and so OpenAI, and the sandbox) the last: unrefused,
            // this would be checked as gpt-4o-mini with 1 output token and run as gpt-4.1 with 4,000.
            let smuggled = [
                #"{"model":"gpt-4o-mini","max_tokens":1,"messages":[{"role":"user","content":"hi"}],"model":"gpt-4.1","max_tokens":4000}"#,
                #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"mod\u0065l":"gpt-4.1"}"#,
                #"{"model":"gpt-4o-mini","messages":[],"stream":true,"stream_options":{"include_usage":true,"include_usage":false}}"#,
            ]
            for (body, param) in zip(smuggled, ["model", "model", "stream_options.include_usage"]) {
                let reply = try await h.ai("chat/completions", raw: body, token: token)
                #expect(reply.status == .badRequest, "\(body)")
                #expect(reply.openAIError?["code"] as? String == "duplicate_parameter" && reply.openAIError?["param"] as? String == param)
            }
            for n in [0, 129] {
                let reply = try await h.ai("chat/completions", json: Self.chat("hi", extra: ["n": n]), token: token)
                #expect(reply.status == .badRequest && reply.openAIError?["param"] as? String == "n")
            }
            #expect(try await h.events(user).isEmpty, "nothing reserved, sent or recorded")

            // 4 choices of up to 100 tokens: 400 output tokens are reserved, so a 300-token allowance refuses it
            // (one choice's worth would have fitted) and a larger one settles all four choices' usage.
            #expect(try await h.admin(.put, user, json: ["tokens_per_day": 300]).status == .ok)
            let four = Self.chat("hi", extra: ["n": 4, "max_tokens": 100])
            let refused = try await h.ai("chat/completions", json: four, token: token)
            #expect(refused.status == .tooManyRequests && refused.openAIError?["code"] as? String == "insufficient_quota")
            #expect(try await h.admin(.put, user, json: ["tokens_per_day": 1_000]).status == .ok)
            let granted = try await h.ai("chat/completions", json: four, token: token)
            #expect(granted.status == .ok)
            #expect((granted.json["choices"] as? [Any])?.count == 4)
            let usage = try #require(granted.json["usage"] as? [String: Any])
            #expect(usage["completion_tokens"] as? Int == 48, "12 per choice")
            let events = try await h.events(user)
            #expect(events.last?.tokens == Int64(usage["total_tokens"] as? Int ?? -1))
            let day = try #require(try await h.usage(token)["day"] as? [String: Any])
            #expect(day["tokens_used"] as? Int == Int(events.filter { $0.outcome == "ok" }.map(\.tokens).reduce(0, +)))
            #expect(day["tokens_reserved"] as? Int == 0)

            #expect(try await h.admin(.put, user, json: ["tokens_per_day": NSNull()]).status == .ok)
            // A cap sent as null is the plan's (1,024 on free) upstream too: the sandbox would write 2,000 tokens.
            let uncapped = try await h.ai(
                "chat/completions", json: Self.chat("long #sandbox:tokens=2000", extra: ["max_completion_tokens": NSNull()]), token: token)
            #expect(uncapped.status == .ok)
            #expect((uncapped.json["usage"] as? [String: Any])?["completion_tokens"] as? Int == 1_024)
        }
    }

    @Test("an image is reserved at its model's bound; state kept upstream and hosted tools are refused", arguments: TestStores.kinds)
    func attachmentsAndUpstreamState(kind: StoreKind) async throws {
        try await AIHarness.run(kind) { h in
            let (token, user) = try await h.user()
            let image: [String: Any] = ["type": "image_url", "image_url": ["url": "https://example.com/screenshot.png"]]
            func withImage(_ model: String) -> [String: Any] {
                ["model": model, "max_tokens": 50, "messages": [["role": "user", "content": [["type": "text", "text": "what is this?"], image]]]]
            }
            // gpt-4o-mini counts up to 48,200 tokens for one image: with the free plan's 50,000 a day and 2,000 of
            // them used by an admin's lower limit, it cannot be reserved; on gpt-4.1-mini (2,500 at most) it can.
            #expect(try await h.admin(.put, user, json: ["tokens_per_day": 48_000]).status == .ok)
            let mini = try await h.ai("chat/completions", json: withImage("gpt-4o-mini"), token: token)
            #expect(mini.status == .tooManyRequests && mini.openAIError?["code"] as? String == "insufficient_quota")
            let small = try await h.ai("chat/completions", json: withImage("gpt-4.1-mini"), token: token)
            #expect(small.status == .ok)
            #expect(try await h.ai("chat/completions", json: Self.chat("no image"), token: token).status == .ok)

            let refused: [(String, [String: Any], String)] = [
                ("responses", ["model": "gpt-4o-mini", "input": "and then?", "previous_response_id": "resp_someone_elses"], "previous_response_id"),
                ("responses", ["model": "gpt-4o-mini", "input": "hi", "conversation": "conv_1"], "conversation"),
                ("responses", ["model": "gpt-4o-mini", "input": "news?", "tools": [["type": "web_search"]]], "tools[].type=web_search"),
                ("chat/completions", ["model": "gpt-4o-mini", "messages": [["role": "user", "content": [["type": "file", "file": ["file_id": "file-operator"]]]]]], "file_id"),
            ]
            for (path, body, param) in refused {
                let reply = try await h.ai(path, json: body, token: token)
                #expect(reply.status == .badRequest, "\(param)")
                #expect(reply.openAIError?["code"] as? String == "unsupported_parameter" && reply.openAIError?["param"] as? String == param)
            }
            let function = try await h.ai(
                "responses", json: ["model": "gpt-4o-mini", "input": "hi", "tools": [["type": "function", "name": "lookup", "parameters": ["type": "object"]]]],
                token: token)
            #expect(function.status == .ok, "tools the client runs pass")
            let outcomes = try await h.events(user).map(\.outcome)
            #expect(outcomes == ["quota_exceeded", "ok", "ok", "ok"], "refused bodies reserve and record nothing")
            let day = try #require(try await h.usage(token)["day"] as? [String: Any])
            #expect(day["tokens_reserved"] as? Int == 0)
        }
    }

    @Test("three replicas on one store, each with its own write queue and caches, never settle more than the allowance together", arguments: TestStores.kinds)
    func concurrentReplicas(kind: StoreKind) async throws {
        // ~150 tokens reserved and ~21 used per request: 500 holds about 20 of the 36 uses, whichever replica they reach
        // (the others wait for reservations in flight to settle, then some are refused for quota).
        try await AIHarness.run(kind, replicas: 3) { h in try await Self.neverOverspends(h, requests: 36, allowance: 500) }
    }

    @Test("simultaneous requests through the gateway never settle more than the allowance", arguments: TestStores.kinds)
    func concurrentRequests(kind: StoreKind) async throws {
        // Each request reserves its bytes plus 64 output tokens (~150) and uses ~21: 250 holds about ten of the 16.
        try await AIHarness.run(kind) { h in try await Self.neverOverspends(h, requests: 16, allowance: 250) }
    }

    @Test("100 simultaneous requests of one user (on two replicas with PostgreSQL): all answered while the allowance has room for what they use, none over it", arguments: TestStores.kinds)
    func concurrencyWaitsInLine(kind: StoreKind) async throws {
        // SQLite is one server's store (one writer process); replicas share PostgreSQL.
        let replicas = kind == .postgres ? 2 : 1
        try await AIHarness.run(kind, replicas: replicas) { h in
            let (token, user) = try await h.user()
            // Each reserves about 150 (its bytes plus 64 output tokens) and uses about 30: 100 at once cannot all
            // hold a reservation under 6,000, but what they use fits.
            let allowance = 6_000
            #expect(try await h.admin(.put, user, json: ["tokens_per_day": allowance, "requests_per_minute": 1_000]).status == .ok)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        try await h.ai("chat/completions", json: Self.chat("request \(index)", extra: ["max_tokens": 64]), token: token, replica: index % replicas).status
                    }
                }
                var all: [HTTPResponse.Status] = []
                for try await status in group { all.append(status) }
                return all
            }
            let events = try await h.events(user)
            let outcomes = Dictionary(grouping: events, by: \.outcome).mapValues(\.count)
            #expect(statuses.filter { $0 != .ok }.isEmpty, "refused: \(statuses.filter { $0 != .ok }.count), outcomes \(outcomes), used \(events.map(\.tokens).reduce(0, +))")
            let settled = events.filter { $0.outcome == "ok" }.map(\.tokens).reduce(0, +)
            #expect(settled <= Int64(allowance) && events.count == 100)
            let day = try #require(try await h.usage(token)["day"] as? [String: Any])
            #expect(day["tokens_used"] as? Int == Int(settled) && day["tokens_reserved"] as? Int == 0)
        }
    }

    /// Sends `requests` at once, spread over the harness's replicas, against a daily allowance: some are refused,
    /// what is settled stays within it, every request is in the ledger once and nothing stays reserved.
    static func neverOverspends(_ h: AIHarness, requests: Int, allowance: Int) async throws {
        let (token, user) = try await h.user()
        #expect(try await h.admin(.put, user, json: ["tokens_per_day": allowance, "requests_per_minute": 1_000]).status == .ok)
        let replicas = h.replicas.count + 1
        let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
            for index in 0..<requests {
                group.addTask {
                    try await h.ai(
                        "chat/completions", json: Self.chat("request \(index)", extra: ["max_tokens": 64]), token: token,
                        replica: index % replicas).status
                }
            }
            var all: [HTTPResponse.Status] = []
            for try await status in group { all.append(status) }
            return all
        }
        #expect(statuses.allSatisfy { $0 == .ok || $0 == .tooManyRequests })
        #expect(statuses.contains(.ok) && statuses.contains(.tooManyRequests))
        let events = try await h.events(user)
        let settled = events.filter { $0.outcome == "ok" }.map(\.tokens).reduce(0, +)
        #expect(settled <= Int64(allowance))
        #expect(events.filter { $0.outcome == "ok" }.count == statuses.filter { $0 == .ok }.count)
        #expect(events.count == requests, "every request, granted or refused, is in the ledger once")
        let day = try #require(try await h.usage(token)["day"] as? [String: Any])
        #expect(day["tokens_used"] as? Int == Int(settled) && day["tokens_reserved"] as? Int == 0)
    }

    @Test("responses (plain and streamed), embeddings and models")
    func otherOperations() async throws {
        try await AIHarness.run(.sqlite) { h in
            let (token, user) = try await h.user()
            let response = try await h.ai("responses", json: ["model": "gpt-4.1-mini", "input": "Write a haiku"], token: token)
            #expect(response.status == .ok)
            #expect(response.json["object"] as? String == "response")
            let streamed = try await h.ai("responses", json: ["model": "gpt-4.1-mini", "input": "Write a haiku", "stream": true], token: token)
            #expect(streamed.raw.contains("event: response.output_text.delta"))
            #expect(streamed.raw.contains("event: response.completed"))
            let embedding = try await h.ai("embeddings", json: ["model": "text-embedding-3-small", "input": ["one", "two"]], token: token)
            #expect(embedding.status == .ok)
            #expect((embedding.json["data"] as? [Any])?.count == 2)
            let models = try await h.ai("models", token: token, method: .get)
            let ids = (models.json["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(ids == ["gpt-4o-mini", "gpt-4.1-mini", "text-embedding-3-small"])
            let events = try await h.events(user)
            #expect(events.count == 3)
            #expect(events.allSatisfy { $0.outcome == "ok" && $0.tokens > 0 })
            // The streamed response was settled to its response.completed usage, not the reservation.
            #expect(events[1].tokens == events[0].tokens)
            try await h.makePro(user)
            let proModels = try await h.ai("models", token: token, method: .get)
            #expect((proModels.json["data"] as? [Any])?.count == 5)
        }
    }

    @Test("transcriptions: multipart passes through, audio seconds are metered, Pro only", arguments: TestStores.kinds)
    func transcription(kind: StoreKind) async throws {
        try await AIHarness.run(kind) { h in
            let (token, user) = try await h.user()
            // 3 s of 16 kHz 16-bit mono PCM.
            var wav = [UInt8]("RIFF".utf8) + [0, 0, 0, 0] + [UInt8]("WAVEfmt ".utf8)
            wav += [16, 0, 0, 0, 1, 0, 1, 0, 0x80, 0x3E, 0, 0, 0x00, 0x7D, 0, 0, 2, 0, 16, 0] + [UInt8]("data".utf8) + [0, 0, 0, 0]
            wav += [UInt8](repeating: 0, count: 96_000)
            let boundary = "----scritorio-test"
            var body = ByteBuffer()
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n")
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n")
            body.writeBytes(wav)
            body.writeString("\r\n--\(boundary)--\r\n")
            func send() async throws -> Harness.Reply {
                let headers: HTTPFields = [.contentType: "multipart/form-data; boundary=\(boundary)", .authorization: "Bearer \(token)"]
                let response = try await h.base.client.execute(uri: "/ai/v1/audio/transcriptions", method: .post, headers: headers, body: body)
                return Harness.Reply(status: response.status, headers: response.headers, raw: String(buffer: response.body))
            }
            #expect(try await send().status == .forbidden)
            // A second `model` part (the upstream may read either) is refused before the plan is checked.
            var twice = ByteBuffer()
            twice.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\ngpt-4o-mini\r\n")
            var form = body
            twice.writeBuffer(&form)
            let twiceReply = try await h.base.client.execute(
                uri: "/ai/v1/audio/transcriptions", method: .post,
                headers: [.contentType: "multipart/form-data; boundary=\(boundary)", .authorization: "Bearer \(token)"], body: twice)
            #expect(twiceReply.status == .badRequest)
            #expect(String(buffer: twiceReply.body).contains("duplicate_parameter"))
            try await h.makePro(user)
            let reply = try await send()
            #expect(reply.status == .ok)
            #expect(reply.json["text"] as? String == "Sandbox transcription of 3 seconds of audio.")
            let events = try await h.events(user)
            #expect(events.last?.audio == 3)
            #expect(events.last?.cost == 300)
            let month = try #require(try await h.usage(token)["month"] as? [String: Any])
            #expect(month["audio_seconds_used"] as? Int == 3 && month["audio_seconds_reserved"] as? Int == 0)
        }
    }

    @Test("a client that goes away mid-stream cancels the upstream call and is charged its reservation")
    func clientDisconnect() async throws {
        try await AIHarness.run(.sqlite, live: true) { h in
            let (token, user) = try await h.user()
            let port = try #require(h.base.client.port)
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/ai/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Content-Type", value: "application/json")
            let body = try JSONSerialization.data(withJSONObject: Self.chat("long #sandbox:tokens=200 #sandbox:chunk_delay=50", extra: ["stream": true]))
            request.body = .bytes(ByteBuffer(data: body))
            let reader = Task {
                let response = try await http.execute(request, timeout: .seconds(30))
                var received = 0
                for try await chunk in response.body {
                    received += chunk.readableBytes
                    if received > 600 { break }  // a few events, then the reader stops and the connection closes
                }
                return received
            }
            _ = try await reader.value
            try await http.shutdown()
            // The upstream notices: its stream ends early (waits for the event, not for a time).
            var abandoned = false
            for _ in 0..<200 where !abandoned {
                abandoned = h.upstream.sandbox.currentStats.streamsAbandoned == 1
                if !abandoned { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(abandoned)
            #expect(h.upstream.sandbox.currentStats.streamsCompleted == 0)
            var events = try await h.events(user)
            for _ in 0..<100 where events.isEmpty {
                try await Task.sleep(for: .milliseconds(50))
                events = try await h.events(user)
            }
            #expect(events.map(\.outcome) == ["cancelled"])
            #expect((events.first?.tokens ?? 0) > 1024, "no usage arrived: the reservation is charged")
        }
    }

    @Test("admin API: bearer required, overrides read back, null falls back to the plan, bad input refused")
    func admin() async throws {
        try await AIHarness.run(.sqlite) { h in
            let (_, user) = try await h.user()
            #expect(try await h.admin(.get, user, token: nil).status == .unauthorized)
            #expect(try await h.admin(.get, user, token: "wrong").status == .unauthorized)
            let initial = try await h.admin(.get, user)
            #expect(initial.status == .ok)
            #expect(initial.json["tokens_per_day"] is NSNull)
            #expect((initial.json["effective"] as? [String: Any])?["tokens_per_day"] as? Int == 50_000)
            let set = try await h.admin(.put, user, json: ["tokens_per_day": 10, "tokens_per_month": 20, "requests_per_minute": 3, "audio_seconds_per_month": 60])
            #expect(set.json["tokens_per_month"] as? Int == 20)
            #expect((set.json["effective"] as? [String: Any])?["audio_seconds_per_month"] as? Int == 60)
            let cleared = try await h.admin(.put, user, json: ["tokens_per_day": NSNull()])
            #expect(cleared.json["tokens_per_month"] is NSNull)
            #expect((cleared.json["effective"] as? [String: Any])?["tokens_per_day"] as? Int == 50_000)
            #expect(try await h.admin(.put, user, json: ["tokens_per_day": -1]).status == .badRequest)
            #expect(try await h.admin(.put, user, json: ["tokens_per_day": "many"]).status == .badRequest)
            let notUUID = try await h.base.client.execute(
                uri: "/admin/v1/users/nope/ai-limits", method: .get, headers: [.authorization: "Bearer \(AIHarness.adminToken)"], body: nil)
            #expect(notUUID.status == .badRequest)
            // An id nobody has: 404, and no row is made for it.
            let stranger = UserID.random()
            let unknownGet = try await h.admin(.get, stranger)
            #expect(unknownGet.status == .notFound && unknownGet.json["error"] as? String == "user_not_found")
            #expect(try await h.admin(.put, stranger, json: ["tokens_per_day": 10]).status == .notFound)
            #expect(try await h.base.database.read { try await AIRepository.state(userID: stranger, on: $0) } == nil)
        }
        try await AIHarness.run(.sqlite, configure: { $0.ai.adminToken = nil }) { h in
            let off = try await h.admin(.get, UserID.random())
            #expect(off.status == .notFound)
        }
    }
}
