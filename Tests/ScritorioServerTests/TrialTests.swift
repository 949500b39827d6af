import Foundation
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

/// Cardless trials: granted at the first member-init of a verified account, once per account and per address
/// ever; shown by the member; ended by their own time.
@Suite("Cardless trials")
struct TrialTests {
    @Test("a trial starts once, grants Pro with source trial, shows in member-get, and ends at its time", arguments: TestStores.kinds)
    func trial(kind: StoreKind) async throws {
        let clock = TestClock()
        try await Harness.run(kind, configure: { $0.trialDays = 14 }, now: { clock.now }) { app in
            let email = Harness.email()
            let session = try await app.confirmedSession(email)
            let token = try #require(session.string("access_token"))
            let initial = try await app.request(.post, "/v1/me/init", json: [:], bearer: token)
            let member = try #require(initial.json["member"] as? [String: Any])
            #expect(member["plan"] as? String == "pro" && member["isOnTrial"] as? Bool == true, "\(initial.raw)")
            let ends = try #require((member["trialEndsAt"] as? String).flatMap(RFC3339.parse))
            #expect(abs(ends.timeIntervalSince(clock.now.addingTimeInterval(14 * 86_400))) < 2)
            let entitlements = try await app.request(.get, "/v1/me/entitlements", bearer: token)
            let pro = try #require((entitlements.json["entitlements"] as? [[String: Any]])?.first { $0["code"] as? String == "scritorio_pro" })
            #expect((pro["sources"] as? [[String: Any]])?.first?["type"] as? String == "trial")
            // A second init changes nothing.
            let again = try await app.request(.post, "/v1/me/init", json: [:], bearer: token)
            #expect((again.json["member"] as? [String: Any])?["trialEndsAt"] as? String == member["trialEndsAt"] as? String)

            clock.advance(15 * 86_400)
            let refreshed = try await app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": session.string("refresh_token")!])
            let later = try #require(refreshed.string("access_token"))
            let ended = try await app.request(.post, "/functions/v1/member-get", json: [:], bearer: later)
            let endedMember = try #require(ended.json["member"] as? [String: Any])
            #expect(endedMember["isOnTrial"] as? Bool == false && endedMember["plan"] as? String == "free", "\(ended.raw)")
            let none = try await app.request(.get, "/v1/me/entitlements", bearer: later)
            #expect((none.json["entitlements"] as? [Any])?.isEmpty == true && none.json["plan"] as? String == "free")

            // The same address on a new account gets no second trial.
            let id = try #require((session.json["user"] as? [String: Any])?["id"] as? String)
            _ = try await app.admin(.delete, "/auth/v1/admin/users/\(id)")
            let reborn = try await app.confirmedSession(email)
            let rebornInit = try await app.request(.post, "/v1/me/init", json: [:], bearer: reborn.string("access_token"))
            let rebornMember = try #require(rebornInit.json["member"] as? [String: Any])
            #expect(rebornMember["isOnTrial"] as? Bool == false && rebornMember["plan"] as? String == "free")
        }
    }

    @Test("no trial for an unverified or anonymous user, nor when trials are off", arguments: TestStores.kinds)
    func noTrial(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: { $0.trialDays = 7; $0.anonymousSignIns = true }) { app in
            let anonymous = try await app.request(.post, "/auth/v1/signup", json: [:])
            let initial = try await app.request(.post, "/v1/me/init", json: [:], bearer: anonymous.string("access_token"))
            #expect((initial.json["member"] as? [String: Any])?["isOnTrial"] as? Bool == false)
            #expect(try await app.count("trial_claims") == 0)
        }
        try await Harness.run(kind) { app in
            let session = try await app.confirmedSession(Harness.email())
            let initial = try await app.request(.post, "/v1/me/init", json: [:], bearer: session.string("access_token"))
            #expect((initial.json["member"] as? [String: Any])?["isOnTrial"] as? Bool == false)
            #expect((initial.json["member"] as? [String: Any])?["plan"] as? String == "free")
        }
    }
}
