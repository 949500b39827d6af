import Foundation
import HTTPTypes
import Hummingbird
import SQLKit
import ScritorioAPI
import ScritorioStore
import ScritorioTestSupport
import Testing

/// The edge: every route that takes a caller sits behind the one authenticating middleware, and each surface
/// answers in its own shape before any handler runs.
@Suite("Edge: route groups and the authenticating middleware")
struct EdgeTests {
    /// Every endpoint whose handler takes a caller, with the answer an unusable token gets on its surface.
    static let signedIn: [(route: APIRoute, parameters: [String: String])] = [
        (API.Auth.user.route, [:]), (API.Auth.updateUser.route, [:]), (API.Auth.logout.route, [:]),
        (API.Functions.memberInit.route, [:]), (API.Functions.memberInitGet.route, [:]), (API.Functions.memberGet.route, [:]),
        (API.Functions.memberGetGet.route, [:]), (API.Functions.paddleVerify.route, [:]),
        (API.Members.me.route, [:]), (API.Members.initialize.route, [:]), (API.Members.usage.route, [:]),
        (API.Billing.entitlements.route, [:]), (API.Billing.subscription.route, [:]), (API.Billing.cancelSubscription.route, [:]),
        (API.Billing.checkout.route, [:]), (API.Billing.paddleVerify.route, [:]),
        (API.Licensing.licenses.route, [:]), (API.Licensing.devices.route, [:]), (API.Licensing.freeDevice.route, ["id": "dev"]),
        (API.AI.chatCompletions.route, [:]), (API.AI.responses.route, [:]), (API.AI.embeddings.route, [:]),
        (API.AI.transcriptions.route, [:]), (API.AI.models.route, [:]),
    ]

    static func path(_ route: APIRoute, _ parameters: [String: String]) -> String {
        route.surface.prefix + "/" + route.path.split(separator: "/").map { $0.first == ":" ? parameters[String($0.dropFirst())] ?? "" : String($0) }
            .joined(separator: "/")
    }

    static func method(_ route: APIRoute) -> HTTPRequest.Method {
        HTTPRequest.Method(rawValue: route.method.rawValue)!
    }

    @Test("a method a served path does not take is 405 with Allow; an unknown path stays 404; /v1/me/init takes an object or nothing")
    func methodNotAllowed() async throws {
        try await Harness.run(.sqlite) { app in
            let trace = try await app.request(.init("TRACE")!, "/v1/me/usage")
            #expect((trace.status, trace.code) == (.methodNotAllowed, "method_not_allowed") && trace.headers[.allow] == "GET")
            let delete = try await app.request(.delete, "/v1/me")
            #expect(delete.status == .methodNotAllowed && delete.headers[.allow] == "GET")
            let licence = try await app.request(.get, "/v1/licenses/activate")
            #expect(licence.status == .methodNotAllowed && licence.headers[.allow] == "POST")
            #expect(try await app.request(.post, "/health").headers[.allow] == "GET")
            #expect(try await app.request(.get, "/v1/no-such-thing").status == .notFound)
            let token = try #require(try await app.confirmedSession(Harness.email()).string("access_token"))
            #expect(try await app.request(.post, "/v1/me/init", bearer: token).status == .ok)
            #expect(try await app.request(.post, "/v1/me/init", json: ["anything": 1], bearer: token).status == .ok)
            for body in ["[null, null]", "\u{0}", "\"text\"", "7"] {
                let refused = try await app.request(.post, "/v1/me/init", rawBody: body, bearer: token)
                #expect(refused.status == .badRequest, "\(body.debugDescription)")
            }
        }
    }

    @Test("no token: 401 on every signed-in route, in its surface's shape, before the handler reads anything")
    func noToken() async throws {
        try await Harness.run(.sqlite) { app in
            for (route, parameters) in Self.signedIn {
                let reply = try await app.request(Self.method(route), Self.path(route, parameters), json: [:])
                #expect(reply.status == .unauthorized, "\(route)")
                switch route.surface {
                case .ai:
                    let error = reply.json["error"] as? [String: Any]
                    #expect(error?["code"] as? String == "invalid_api_key", "\(route)")
                    #expect(reply.headers[HTTPField.Name("x-request-id")!]?.hasPrefix("req_") == true, "\(route)")
                default:
                    #expect(reply.code == "no_authorization", "\(route): \(reply.raw)")
                }
            }
            #expect(try await app.count("members") == 0)
        }
    }

    @Test("an ended session: 403 session_not_found on /v1 and GoTrue's user, 401 on the member functions and /ai/v1", arguments: TestStores.kinds)
    func endedSession(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let token = try #require(try await app.confirmedSession(Harness.email()).string("access_token"))
            #expect(try await app.request(.get, "/v1/me", bearer: token).status == .ok)
            #expect(try await app.request(.post, "/auth/v1/logout", bearer: token).status == .noContent)
            for (route, parameters) in Self.signedIn where route != API.Auth.logout.route && route != API.Auth.updateUser.route {
                let reply = try await app.request(Self.method(route), Self.path(route, parameters), json: [:], bearer: token)
                switch route.surface {
                case .ai:
                    #expect(reply.status == .unauthorized, "\(route)")
                    let error = reply.json["error"] as? [String: Any]
                    #expect((error?["message"] as? String)?.contains("has ended") == true, "\(route): \(reply.raw)")
                case .functions where route.path.hasPrefix("member-"):
                    #expect((reply.status, reply.code) == (.unauthorized, "session_not_found"), "\(route): \(reply.raw)")
                default:
                    #expect((reply.status, reply.code) == (.forbidden, "session_not_found"), "\(route): \(reply.raw)")
                }
            }
        }
    }

    @Test("a session ended elsewhere (another replica) is refused once the cache's second is over", arguments: TestStores.kinds)
    func endedElsewhere(kind: StoreKind) async throws {
        let clock = TestClock()
        try await Harness.run(kind, now: { clock.now }) { app in
            let session = try await app.confirmedSession(Harness.email())
            let token = try #require(session.string("access_token"))
            let epoch = SessionRevocations.epoch
            #expect(try await app.request(.get, "/v1/me", bearer: token).status == .ok)
            // Removed behind this server's back, as another replica's sign-out would: still believed within the
            // second, unless a removal elsewhere in this process (tests run side by side) cleared the cache meanwhile.
            try await app.database.transaction { db in try await db.sql.raw("DELETE FROM auth_sessions").run() }
            let believed = try await app.request(.get, "/v1/me", bearer: token)
            if SessionRevocations.epoch == epoch { #expect(believed.status == .ok) }
            clock.advance(1.1)
            let later = try await app.request(.get, "/v1/me", bearer: token)
            #expect((later.status, later.code) == (.forbidden, "session_not_found"))
        }
    }

    @Test("SCRITORIO_AUTH_SESSION_CACHE=0 checks the session on every request", arguments: TestStores.kinds)
    func noSessionCache(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: { $0.sessionCacheSeconds = 0 }) { app in
            let token = try #require(try await app.confirmedSession(Harness.email()).string("access_token"))
            #expect(try await app.request(.get, "/v1/me", bearer: token).status == .ok)
            try await app.database.transaction { db in try await db.sql.raw("DELETE FROM auth_sessions").run() }
            let reply = try await app.request(.get, "/v1/me", bearer: token)
            #expect((reply.status, reply.code) == (.forbidden, "session_not_found"))
        }
    }

    @Test("GoTrue's group: apikey first, then its own 404; mail-link and OAuth paths ask for no apikey")
    func goTrueGroup() async throws {
        try await Harness.run(.sqlite) { app in
            let keyless = try await app.request(.get, "/auth/v1/nothing-here", apikey: false)
            #expect(keyless.status == .unauthorized && keyless.json["message"] as? String == "No API key found in request")
            let unknown = try await app.request(.get, "/auth/v1/nothing-here")
            #expect((unknown.status, unknown.code) == (.notFound, "not_found"))
            #expect(unknown.headers[HTTPField.Name("X-Supabase-Api-Version")!] == "2024-01-01")
            for path in ["/auth/v1/callback", "/auth/v1/authorize"] {
                let reply = try await app.request(.get, path, apikey: false)
                #expect((reply.status, reply.code) == (.notFound, "not_found"), "\(path): \(reply.raw)")
            }
            let legacy = try await app.request(.get, "/auth/v1/nothing-here", versioned: false)
            #expect(legacy.json["error_code"] as? String == "not_found" && legacy.json["code"] as? Int == 404)
            let jwks = try await app.request(.get, "/auth/v1/.well-known/jwks.json", apikey: false)
            #expect(jwks.status == .ok)
            let function = try await app.request(.post, "/functions/v1/member-init", json: [:], apikey: false)
            #expect(function.status == .unauthorized && function.json["message"] as? String == "No API key found in request")
            let product = try await app.request(.get, "/v1/nothing-here", apikey: false)
            #expect((product.status, product.json["error"] as? String) == (.notFound, "not_found"))
        }
    }
}
