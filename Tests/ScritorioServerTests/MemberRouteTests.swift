import Foundation
import HTTPTypes
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

@Suite("Members through the HTTP stack")
struct MemberRouteTests {
    @Test("member-get is null before init; init is idempotent; ids in bodies are ignored", arguments: TestStores.kinds)
    func initAndGet(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let token = try #require(try await app.confirmedSession(Harness.email()).string("access_token"))
            let sub = try #require(Harness.claims(token)["sub"] as? String)
            let empty = try await app.request(.post, "/functions/v1/member-get", json: [:], bearer: token)
            #expect(empty.status == .ok && empty.raw == #"{"member":null}"#)

            let stranger = UUID().uuidString.lowercased()
            let initReply = try await app.request(.post, "/functions/v1/member-init", json: ["id": stranger, "userId": stranger], bearer: token)
            #expect(initReply.status == .ok && initReply.raw == "{}")
            let got = try await app.request(.post, "/functions/v1/member-get", json: ["id": stranger], bearer: token)
            let member = try #require(got.json["member"] as? [String: Any])
            #expect(member["id"] as? String == sub)
            #expect(member["plan"] as? String == "free")
            #expect(member["type"] as? String == "user")
            for counter in ["wordsToday", "wordsThisMonth", "wordsTotal", "tokensToday", "tokensThisMonth", "tokensTotal"] {
                #expect(member[counter] as? Int == 0, "\(counter)")
            }
            #expect(member["isOnTrial"] as? Bool == false)
            #expect(member.keys.contains("trialEndsAt") && member["trialEndsAt"] is NSNull)
            let strangerRows = try await app.database.read { db in
                try await MemberRepository.find(userID: UserID(stranger)!, now: Date(), on: db)
            }
            #expect(strangerRows == nil)

            // Usage recorded later must survive another init.
            try await app.database.transaction { db in
                try await db.sql.raw("UPDATE members SET words_today = 7 WHERE id = \(bind: UUID(uuidString: sub)!)").run()
            }
            let product = try await app.request(.post, "/v1/me/init", json: [:], bearer: token, apikey: false)
            #expect((product.json["member"] as? [String: Any])?["wordsToday"] as? Int == 7)
            #expect((product.json["member"] as? [String: Any])?["createdAt"] as? String == member["createdAt"] as? String)

            let me = try await app.request(.get, "/v1/me?userId=\(stranger)", bearer: token, apikey: false)
            #expect((me.json["user"] as? [String: Any])?["id"] as? String == sub)
            #expect(me.json["profile"] is [String: Any])
        }
    }

    @Test("eight simultaneous member-init calls create one member", arguments: TestStores.kinds)
    func concurrentInit(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let token = try #require(try await app.confirmedSession(Harness.email()).string("access_token"))
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await app.request(.post, "/functions/v1/member-init", json: [:], bearer: token).status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .ok })
            #expect(try await app.count("members") == 1)
        }
    }

    @Test("unknown functions and routes are 404 in the product shape")
    func notFound() async throws {
        try await Harness.run(.sqlite) { app in
            let function = try await app.request(.post, "/functions/v1/nope", json: [:])
            #expect((function.status, function.code) == (.notFound, "not_found"))
            let route = try await app.request(.get, "/v1/nothing-here", apikey: false)
            #expect(route.status == .notFound)
        }
    }

    @Test("health reports the store and openapi.json is served")
    func health() async throws {
        try await Harness.run(.sqlite) { app in
            let health = try await app.request(.get, "/health", apikey: false)
            #expect(health.status == .ok)
            let store = health.json["store"] as? [String: Any]
            #expect(store?["kind"] as? String == "sqlite")
            #expect(store?["ok"] as? Bool == true)
            #expect(store?["schemaVersion"] as? Int == Migrations.latestVersion)
            let openapi = try await app.request(.get, "/openapi.json", apikey: false)
            #expect((openapi.json["openapi"] as? String)?.hasPrefix("3.1") == true)
            #expect((openapi.json["paths"] as? [String: Any])?["/v1/me"] != nil)
        }
    }
}
