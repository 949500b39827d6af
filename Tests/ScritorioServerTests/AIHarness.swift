import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SQLKit
import ScritorioCore
import ScritorioProviders
import ScritorioRuntime
import ScritorioSandbox
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport

/// The application with its AI gateway pointed at a fake OpenAI upstream listening on a loopback port.
struct AIHarness: Sendable {
    static let adminToken = "admin-test-token"

    let base: Harness
    let upstream: OpenAISandboxServer
    /// With `replicas > 1`: the other servers, each with its own store handle (its own SQLite writer or
    /// PostgreSQL pool) on the same store, its own gateway caches and write queue; same keys and configuration.
    var replicas: [any TestClientProtocol] = []

    static func run(
        _ kind: StoreKind, configure: @Sendable (inout AppConfig) -> Void = { _ in }, retries: Int = 0,
        timeout: TimeAmount = .seconds(30), live: Bool = false, replicas: Int = 1, _ body: @Sendable (AIHarness) async throws -> Void
    ) async throws {
        let upstream = try await OpenAISandboxServer.start()
        let http = OpenAIUpstream.makeHTTPClient()
        do {
            try await TestStores.withReplicas(kind, count: replicas) { databases in
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scritorio-ai-\(UUID().uuidString)").path
                defer { try? FileManager.default.removeItem(atPath: directory) }
                var config = AppConfig()
                config.dataDirectory = directory
                config.publishableKey = Harness.key
                config.sandbox = true
                config.externalURL = "http://scritorio.test"
                config.rateLimits = config.rateLimits.scaledForTests()
                config.ai.adminToken = adminToken
                config.ai.planCacheSeconds = 0
                configure(&config)
                // The executable's wiring with the mail and Google fakes; the upstream is this test's. Replicas share
                // the one mailbox and Google issuer, as replicas behind one mail service would, each on its own store handle.
                var runtime = try AppRuntime.build(config: config, database: databases[0], fakes: [])
                runtime.dependencies.openAI = .live(baseURL: upstream.baseURL, apiKey: "sk-test-upstream", client: http, timeout: timeout, retries: retries)
                let sandbox = try requireValue(runtime.sandbox, "sandbox")
                let (outbox, google) = (sandbox.outbox, sandbox.google)
                var responders: [RouterResponder<AppRequestContext>] = []
                for database in databases {
                    var deps = runtime.dependencies
                    deps.database = database
                    responders.append(try buildRouter(config: config, dependencies: deps, logger: Logger(label: "scritorio.test")).buildResponder())
                }
                let frozen = config
                try await Self.serve(responders[...], live: live, clients: []) { clients in
                    let base = Harness(client: clients[0], database: databases[0], config: frozen, outbox: outbox, google: google)
                    var harness = AIHarness(base: base, upstream: upstream)
                    harness.replicas = Array(clients.dropFirst())
                    try await body(harness)
                }
            }
        } catch {
            try? await http.shutdown()
            await upstream.stop()
            throw error
        }
        try await http.shutdown()
        await upstream.stop()
    }

    /// Runs each responder as its own application, then `body` with a client for each.
    static func serve(
        _ routers: ArraySlice<RouterResponder<AppRequestContext>>, live: Bool, clients: [any TestClientProtocol],
        _ body: @Sendable ([any TestClientProtocol]) async throws -> Void
    ) async throws {
        guard let first = routers.first else { return try await body(clients) }
        try await Application(responder: first).test(live ? .live : .router) { client in
            try await serve(routers.dropFirst(), live: live, clients: clients + [client], body)
        }
    }

    /// A confirmed user's access token and id.
    func user() async throws -> (token: String, id: UserID) {
        let session = try await base.confirmedSession(Harness.email())
        let token = try requireValue(session.string("access_token"))
        let id = try requireValue(UserID((session.json["user"] as? [String: Any])?["id"] as? String ?? ""))
        return (token, id)
    }

    /// Gives the user `scritorio_pro` through a manual grant.
    func makePro(_ user: UserID) async throws {
        try await base.database.transaction { db in
            try await db.sql.raw("""
                INSERT INTO entitlements (id, user_id, code, source_type, source_id, created_at, updated_at)
                VALUES (\(bind: UUID()), \(bind: user.rawValue), 'scritorio_pro', 'manual', 'test', \(bind: Date()), \(bind: Date()))
                """).run()
        }
    }

    /// A call to `/ai/v1` with the OpenAI client's headers (no `apikey`).
    @discardableResult
    func ai(
        _ path: String, json: Any? = nil, raw: String? = nil, token: String?, method: HTTPRequest.Method = .post, replica: Int = 0
    ) async throws -> Harness.Reply {
        var headers: HTTPFields = [.contentType: "application/json", .userAgent: "OpenAI/Python 2.8.1"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json { body = ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)) }
        if let raw { body = ByteBuffer(string: raw) }
        let client = replica == 0 ? base.client : replicas[replica - 1]
        let response = try await client.execute(uri: "/ai/v1/" + path, method: method, headers: headers, body: body)
        return Harness.Reply(status: response.status, headers: response.headers, raw: String(buffer: response.body))
    }

    func admin(_ method: HTTPRequest.Method, _ user: UserID, json: Any? = nil, token: String? = adminToken) async throws -> Harness.Reply {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        let body = try json.map { ByteBuffer(data: try JSONSerialization.data(withJSONObject: $0)) }
        let response = try await base.client.execute(uri: "/admin/v1/users/\(user)/ai-limits", method: method, headers: headers, body: body)
        return Harness.Reply(status: response.status, headers: response.headers, raw: String(buffer: response.body))
    }

    func usage(_ token: String) async throws -> [String: Any] {
        try await base.request(.get, "/v1/me/usage", bearer: token, apikey: false).json
    }

    /// The user's usage events, oldest first.
    func events(_ user: UserID) async throws -> [(tokens: Int64, status: Int, outcome: String, audio: Int64, cost: Int64, requestID: String)] {
        try await base.database.read { db in
            try await db.sql.raw("""
                SELECT total_tokens, status, outcome, audio_seconds, cost_micros, request_id FROM ai_usage_events
                WHERE user_id = \(bind: user.rawValue) ORDER BY id
                """).all().map {
                (
                    try $0.decode(column: "total_tokens", as: Int64.self), try $0.decode(column: "status", as: Int.self),
                    try $0.decode(column: "outcome", as: String.self), try $0.decode(column: "audio_seconds", as: Int64.self),
                    try $0.decode(column: "cost_micros", as: Int64.self), try $0.decode(column: "request_id", as: String.self)
                )
            }
        }
    }
}

/// `#require` for values outside a test function's body.
func requireValue<T>(_ value: T?, _ what: String = "value") throws -> T {
    guard let value else { throw HarnessError.unexpected("missing \(what)") }
    return value
}

extension Harness.Reply {
    /// OpenAI's error object.
    var openAIError: [String: Any]? { json["error"] as? [String: Any] }
}
