import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ScritorioCore
import ScritorioProviders
import ScritorioRuntime
import ScritorioSandbox
@testable import ScritorioServer
import SQLKit
import ScritorioStore
import ScritorioTestSupport
import Synchronization

/// A Scritorio router on a fresh store, driven through Hummingbird's in-process test client: the real middleware
/// and controllers, only the outside services (mail, Google) replaced by the sandbox's fakes.
struct Harness: Sendable {
    static let key = "sb_publishable_test"
    /// The service role's key in every test app.
    static let secret = "sb_secret_test-0123456789abcdefghijklmnop"

    let client: any TestClientProtocol
    let database: Database
    let config: AppConfig
    let outbox: MailOutbox
    let google: FakeGoogleIssuer

    /// Builds the app for `kind` and runs `body` against it.
    static func run(
        _ kind: StoreKind,
        configure: @Sendable (inout AppConfig) -> Void = { _ in },
        mailer: (@Sendable (MailOutbox) -> Mailer)? = nil,
        supabaseKeys: JWKSFetcher = .unimplemented,
        paddle: PaddleClient = .unimplemented,
        lemonSqueezy: LemonSqueezyClient = .unimplemented,
        now: @escaping @Sendable () -> Date = { Date() },
        _ body: @Sendable (Harness) async throws -> Void
    ) async throws {
        try await TestStores.with(kind) { database in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scritorio-app-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            var config = AppConfig()
            config.dataDirectory = directory
            config.publishableKey = key
            config.secretKey = secret
            config.sandbox = true
            config.externalURL = "http://scritorio.test"
            config.rateLimits = config.rateLimits.scaledForTests()
            // Signing happens just before delivery, but on a loaded machine the check can come seconds later; the
            // stale-signature tests sign a minute in the past, well outside this.
            config.paddle.signatureTolerance = 30
            configure(&config)
            // The executable's wiring with the mail and Google fakes; the providers are this test's doubles.
            var runtime = try AppRuntime.build(config: config, database: database, now: now, fakes: [])
            let sandbox = try requireValue(runtime.sandbox, "sandbox")
            let (outbox, google) = (sandbox.outbox, sandbox.google)
            if let mailer { runtime.dependencies.mailer = mailer(outbox) }
            runtime.dependencies.supabaseKeys = supabaseKeys
            runtime.dependencies.paddle = paddle
            runtime.dependencies.lemonSqueezy = lemonSqueezy
            let deps = runtime.dependencies
            let router = try buildRouter(config: config, dependencies: deps, logger: Logger(label: "scritorio.test"))
            let app = Application(router: router)
            let frozen = config
            try await app.test(.router) { client in
                try await body(Harness(client: client, database: database, config: frozen, outbox: outbox, google: google))
            }
        }
    }

    // MARK: Requests

    /// A decoded answer: status, headers and the JSON body (an empty object when there is none).
    struct Reply: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let raw: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any] ?? [:] }
        var code: String? { json["code"] as? String ?? json["error"] as? String }
        func string(_ key: String) -> String? { json[key] as? String }
    }

    @discardableResult
    func request(
        _ method: HTTPRequest.Method, _ uri: String, json: Any? = nil, rawBody: String? = nil, bearer: String? = nil,
        apikey: Bool = true, versioned: Bool = true
    ) async throws -> Reply {
        var headers: HTTPFields = [.contentType: "application/json"]
        if apikey { headers[HTTPField.Name("apikey")!] = Self.key }
        if versioned { headers[HTTPField.Name("X-Supabase-Api-Version")!] = "2024-01-01" }
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        var body: ByteBuffer?
        if let json { body = ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)) }
        if let rawBody { body = ByteBuffer(string: rawBody) }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        return Reply(status: response.status, headers: response.headers, raw: String(buffer: response.body))
    }

    /// A request with exactly these keys: `apikey` (none when nil) and bearer, as a service-role client sends both.
    @discardableResult
    func request(
        _ method: HTTPRequest.Method, _ uri: String, json: Any? = nil, apikeyValue: String?, bearer: String?
    ) async throws -> Reply {
        var headers: HTTPFields = [.contentType: "application/json", HTTPField.Name("X-Supabase-Api-Version")!: "2024-01-01"]
        if let apikeyValue { headers[HTTPField.Name("apikey")!] = apikeyValue }
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        let body = try json.map { ByteBuffer(data: try JSONSerialization.data(withJSONObject: $0)) }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        return Reply(status: response.status, headers: response.headers, raw: String(buffer: response.body))
    }

    /// A service-role request (the secret key as `apikey` and bearer, as supabase clients send it).
    @discardableResult
    func admin(_ method: HTTPRequest.Method, _ uri: String, json: Any? = nil) async throws -> Reply {
        try await request(method, uri, json: json, apikeyValue: Self.secret, bearer: Self.secret)
    }

    // MARK: Flows

    /// Signs up with confirmation and returns the OTP from the outbox.
    func signUp(_ email: String, password: String = "correct-horse-1", data: [String: Any] = [:]) async throws -> String {
        let reply = try await request(.post, "/auth/v1/signup", json: ["email": email, "password": password, "data": data])
        guard reply.status == .ok else { throw HarnessError.unexpected("signup: \(reply.status) \(reply.raw)") }
        guard let otp = outbox.list(to: email).first?.otp else { throw HarnessError.unexpected("no mail to \(email)") }
        return otp
    }

    /// Signs up, confirms with the OTP, and returns the session JSON.
    func confirmedSession(_ email: String, password: String = "correct-horse-1") async throws -> Reply {
        let otp = try await signUp(email, password: password)
        let reply = try await request(.post, "/auth/v1/verify", json: ["type": "email", "email": email, "token": otp])
        guard reply.status == .ok else { throw HarnessError.unexpected("verify: \(reply.status) \(reply.raw)") }
        return reply
    }

    func count(_ table: String) async throws -> Int {
        try await database.read { db in
            try await db.sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()?.decode(column: "n", as: Int.self) ?? -1
        }
    }

    static func email() -> String { "user-\(UUID().uuidString.prefix(8).lowercased())@example.com" }

    /// The JSON payload of a JWT, unverified (tests look at claims they just received).
    static func claims(_ jwt: String) -> [String: Any] {
        let part = jwt.split(separator: ".").dropFirst().first.map(String.init) ?? ""
        let data = Base64URL.decode(part) ?? Data()
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }
}

enum HarnessError: Error {
    case unexpected(String)
}

extension RateLimitConfig {
    /// Tests make many requests from one "IP"; keep limits out of the way unless a test sets its own.
    func scaledForTests() -> RateLimitConfig {
        var limits = self
        limits.token = token.scaled(by: 100)
        limits.verify = verify.scaled(by: 100)
        limits.signup = signup.scaled(by: 100)
        limits.emailsPerHour = emailsPerHour.scaled(by: 100)
        limits.emailResendInterval = 0
        return limits
    }
}

/// A clock tests can move.
final class TestClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date = Date()) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
