import Foundation
import ScritorioCore
import Testing

@Suite("Paddle webhook signatures")
struct PaddleSignatureTests {
    // The verified vector of payments.md.
    static let secret = "pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_WvRO0eL4Bj9rgYYIBZY6wZhG4EHy9jzh"
    static let ts: Int64 = 1_696_195_954
    static let expected = "d96299976a6eb066f484d7fde011ac56fc32b38fc9940bc419d6e537fdc6ef02"
    static let at = Date(timeIntervalSince1970: 1_696_195_956)

    @Test("the reference vector signs and verifies")
    func vector() {
        #expect(PaddleSignature.signature(body: Array("hello-world".utf8), timestamp: Self.ts, secret: Self.secret) == Self.expected)
        let result = PaddleSignature.verify(
            header: "ts=\(Self.ts);h1=\(Self.expected)", body: Array("hello-world".utf8), secrets: [Self.secret], now: Self.at, tolerance: 5)
        #expect(result == .success(.init(timestamp: Self.ts, signatures: [Self.expected])))
    }

    @Test("any h1 against any secret; one altered byte fails")
    func rotation() {
        let header = "ts=\(Self.ts);h1=\(String(repeating: "0", count: 64));h1=\(Self.expected)"
        let ok = PaddleSignature.verify(header: header, body: Array("hello-world".utf8), secrets: ["pdl_ntf_old", Self.secret], now: Self.at, tolerance: 5)
        #expect((try? ok.get()) != nil)
        let altered = PaddleSignature.verify(header: header, body: Array("hello-worle".utf8), secrets: [Self.secret], now: Self.at, tolerance: 5)
        #expect(altered == .failure(.mismatch))
    }

    @Test("missing, malformed, unconfigured and stale are told apart")
    func failures() {
        let body = Array("hello-world".utf8)
        #expect(PaddleSignature.verify(header: nil, body: body, secrets: [Self.secret], now: Self.at, tolerance: 5) == .failure(.missingHeader))
        #expect(PaddleSignature.verify(header: "h1=abc", body: body, secrets: [Self.secret], now: Self.at, tolerance: 5) == .failure(.malformedHeader))
        #expect(PaddleSignature.verify(header: "ts=\(Self.ts);h1=\(Self.expected)", body: body, secrets: [""], now: Self.at, tolerance: 5) == .failure(.noSecretConfigured))
        let late = Date(timeIntervalSince1970: TimeInterval(Self.ts + 6))
        let early = Date(timeIntervalSince1970: TimeInterval(Self.ts - 6))
        for now in [late, early] {
            #expect(PaddleSignature.verify(header: "ts=\(Self.ts);h1=\(Self.expected)", body: body, secrets: [Self.secret], now: now, tolerance: 5) == .failure(.outsideTolerance))
        }
        #expect((try? PaddleSignature.verify(header: "ts=\(Self.ts);h1=\(Self.expected)", body: body, secrets: [Self.secret], now: late, tolerance: 60).get()) != nil)
    }

    @Test("the sandbox's header verifies")
    func header() {
        let body = Array(#"{"event_id":"evt_01"}"#.utf8)
        let header = PaddleSignature.header(body: body, timestamp: 100, secrets: ["a", "b"])
        #expect((try? PaddleSignature.verify(header: header, body: body, secrets: ["b"], now: Date(timeIntervalSince1970: 101), tolerance: 5).get()) != nil)
    }
}

@Suite("Access rule and entitlements")
struct AccessRuleTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 86_400

    @Test("the payments.md table, row by row")
    func table() {
        func decide(_ snapshot: SubscriptionSnapshot, grace: TimeInterval = 7 * 86_400) -> AccessDecision {
            AccessRule.decide(snapshot, now: Self.now, grace: grace)
        }
        #expect(decide(.init(provider: .paddle, status: .active)).granted)
        #expect(decide(.init(provider: .paddle, status: .trialing)).willRenew)
        let scheduled = decide(.init(provider: .paddle, status: .active, scheduledCancelAt: Self.now.addingTimeInterval(Self.day)))
        #expect(scheduled.granted && scheduled.until == Self.now.addingTimeInterval(Self.day) && !scheduled.willRenew)
        #expect(!decide(.init(provider: .paddle, status: .active, scheduledCancelAt: Self.now)).granted)
        let grace = decide(.init(provider: .paddle, status: .pastDue, pastDueSince: Self.now.addingTimeInterval(-Self.day)))
        #expect(grace.granted && grace.billingIssue && grace.until == Self.now.addingTimeInterval(6 * Self.day))
        #expect(!decide(.init(provider: .paddle, status: .pastDue, pastDueSince: Self.now.addingTimeInterval(-8 * Self.day))).granted)
        #expect(!decide(.init(provider: .paddle, status: .pastDue, pastDueSince: Self.now), grace: 0).granted)
        #expect(!decide(.init(provider: .paddle, status: .canceled, endsAt: Self.now.addingTimeInterval(Self.day))).granted)
        #expect(decide(.init(provider: .lemonSqueezy, status: .canceled, endsAt: Self.now.addingTimeInterval(Self.day))).granted)
        #expect(!decide(.init(provider: .lemonSqueezy, status: .canceled, endsAt: Self.now)).granted)
        #expect(!decide(.init(provider: .paddle, status: .paused)).granted)
        #expect(decide(.init(provider: .lemonSqueezy, status: .paused, pausedWithAccess: true)).granted)
        for status in [SubscriptionStatus.unpaid, .expired, .unknown("frozen")] {
            #expect(!decide(.init(provider: .lemonSqueezy, status: status)).granted)
        }
    }

    @Test("provider spellings map to one vocabulary")
    func spellings() {
        #expect(SubscriptionStatus(provider: .paddle, status: "canceled") == SubscriptionStatus(provider: .lemonSqueezy, status: "cancelled"))
        #expect(SubscriptionStatus(provider: .paddle, status: "trialing") == SubscriptionStatus(provider: .lemonSqueezy, status: "on_trial"))
        #expect(SubscriptionStatus(provider: .paddle, status: "frozen") == .unknown("frozen"))
        #expect(BillingProvider(rawValue: "stripe") == .unknown("stripe"))
    }

    @Test("entitlements are the union of active grants; plan follows scritorio_pro")
    func union() {
        let later = Self.now.addingTimeInterval(Self.day)
        let grants = [
            Grant(code: "scritorio_pro", source: .subscription("sub_1"), endsAt: later),
            Grant(code: "scritorio_pro", source: .manual("support"), endsAt: later.addingTimeInterval(Self.day)),
            Grant(code: "ai_plus", source: .order("o_1"), revokedAt: Self.now.addingTimeInterval(-1)),
            Grant(code: "beta", source: .trial, startsAt: later),
        ]
        let active = EntitlementSet.active(grants, at: Self.now)
        #expect(active.map(\.code) == ["scritorio_pro"])
        #expect(active.first?.expiresAt == later.addingTimeInterval(Self.day))
        #expect(active.first?.sources.count == 2)
        #expect(EntitlementSet.plan(for: grants, at: Self.now) == .pro)
        #expect(EntitlementSet.plan(for: grants, at: later.addingTimeInterval(2 * Self.day)) == .free)
        let lifetime = grants + [Grant(code: "scritorio_pro", source: .license("lk_1"))]
        #expect(EntitlementSet.active(lifetime, at: Self.now).first?.expiresAt == nil)
    }
}

@Suite("RFC 3339 timestamps")
struct RFC3339Tests {
    @Test("fractions of any length and offsets parse to the same instant")
    func parses() {
        let base = Date(timeIntervalSince1970: 1_712_917_129)  // 2024-04-12T10:18:49Z
        #expect(RFC3339.parse("2024-04-12T10:18:49Z") == base)
        #expect(abs((RFC3339.parse("2024-04-12T10:18:49.621022Z")?.timeIntervalSince1970 ?? 0) - 1_712_917_129.621022) < 1e-5)
        #expect(abs((RFC3339.parse("2024-04-12T10:18:49.6Z")?.timeIntervalSince1970 ?? 0) - 1_712_917_129.6) < 1e-5)
        #expect(abs((RFC3339.parse("2024-04-12T10:18:49.123456789Z")?.timeIntervalSince1970 ?? 0) - 1_712_917_129.123456789) < 1e-5)
        #expect(RFC3339.parse("2024-04-12T12:18:49+02:00") == base)
        #expect(RFC3339.parse("1970-01-01T00:00:00Z") == Date(timeIntervalSince1970: 0))
        #expect(RFC3339.parse("2000-02-29T00:00:00Z") == Date(timeIntervalSince1970: 951_782_400))
    }

    @Test("garbage is nil, never a crash", arguments: ["", "2024-04-12", "2024-13-01T00:00:00Z", "2024-04-12T10:18:49", "2024-04-12T10:18:49.Z", "2024-04-12T10:18:49Zjunk", "２０２４-04-12T10:18:49Z"])
    func rejects(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }
}
