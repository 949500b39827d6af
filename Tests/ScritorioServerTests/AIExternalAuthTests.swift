import Foundation
import HTTPTypes
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

/// `/ai/v1` when a Supabase project owns the accounts: its tokens are the API keys, and the gateway meters users
/// it has never seen sign up.
@Suite("AI gateway with external Supabase auth")
struct AIExternalAuthTests {
    static let secret = "super-secret-jwt-token-with-at-least-32-characters"

    @Test("a Supabase project's token calls /ai/v1; use is metered under its sub; a token it did not sign is a 401", arguments: TestStores.kinds)
    func supabaseTokens(kind: StoreKind) async throws {
        let url = ExternalAuthTests.url
        try await AIHarness.run(kind, configure: { $0.authMode = .supabase(url: url, jwtSecret: Self.secret, issuer: url + "/auth/v1") }) { h in
            let sub = UUID()
            let token = try ExternalAuthTests.hs256(ExternalAuthTests.claims(sub: sub.uuidString.lowercased()), secret: Self.secret)
            let answer = try await h.ai("chat/completions", json: AIGatewayRouteTests.chat("hello"), token: token)
            #expect(answer.status == .ok)
            let usage = try #require(answer.json["usage"] as? [String: Any])
            let total = try #require(usage["total_tokens"] as? Int)
            let events = try await h.events(UserID(sub))
            #expect(events.map(\.outcome) == ["ok"] && events.first?.tokens == Int64(total))
            let day = try #require(try await h.usage(token)["day"] as? [String: Any])
            #expect(day["tokens_used"] as? Int == total)
            // The member the seed's counters live on was created on first use.
            let member = try #require(try await h.base.database.read { try await MemberRepository.find(userID: UserID(sub), now: Date(), on: $0) })
            #expect(member.counters.tokensTotal == Int64(total))

            let forged = try ExternalAuthTests.hs256(
                ExternalAuthTests.claims(sub: sub.uuidString.lowercased()), secret: "another-secret-of-sufficient-length-0000")
            let refused = try await h.ai("chat/completions", json: AIGatewayRouteTests.chat("hello"), token: forged)
            #expect(refused.status == .unauthorized && refused.openAIError?["code"] as? String == "invalid_api_key")
            let expired = try ExternalAuthTests.hs256(ExternalAuthTests.claims(sub: sub.uuidString.lowercased(), expIn: -5), secret: Self.secret)
            #expect(try await h.ai("models", token: expired, method: .get).status == .unauthorized)
            #expect(try await h.events(UserID(sub)).count == 1, "refused tokens record nothing")
        }
    }
}
