import Foundation
import ScritorioAPI
import Testing

@Suite("Admin API bodies")
struct AdminDTOTests {
    @Test("the AI limits answer keeps its shape: overrides beside user_id and plan, every unset limit a null")
    func limitsShape() throws {
        let answer = AILimitsResponse(
            userID: "u1", plan: "free", overrides: AILimitsRequest(tokensPerDay: 100),
            effective: .init(tokensPerDay: 100, tokensPerMonth: nil, requestsPerDay: 50, requestsPerMinute: nil, audioSecondsPerMonth: 0))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(answer), as: UTF8.self)
        #expect(text == #"{"audio_seconds_per_month":null,"effective":{"audio_seconds_per_month":0,"requests_per_day":50,"#
            + #""requests_per_minute":null,"tokens_per_day":100,"tokens_per_month":null},"plan":"free","requests_per_minute":null,"#
            + #""tokens_per_day":100,"tokens_per_month":null,"user_id":"u1"}"#)
        #expect(try JSONDecoder().decode(AILimitsResponse.self, from: Data(text.utf8)) == answer)
    }

    @Test("a limits body may leave members out or send null; both fall back to the plan")
    func limitsRequest() throws {
        let body = try JSONDecoder().decode(AILimitsRequest.self, from: Data(#"{"tokens_per_month":7,"requests_per_minute":null}"#.utf8))
        #expect(body == AILimitsRequest(tokensPerMonth: 7))
    }
}
