import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ScritorioKit
import ScritorioProviders
import ScritorioRuntime
import ScritorioSandbox
import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import ServiceLifecycle
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A clock both the server and the SDK read, so a test can move time (token expiry) without waiting.
final class SharedClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date = Date()) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// The real Scritorio server in-process on a loopback port (SQLite, sandbox fakes: mail outbox, Google issuer,
/// Paddle, Lemon Squeezy and OpenAI), so the SDK is tested over real sockets through URLSession.
struct KitServer: Sendable {
    /// The key offline clients use (never checked: they reach no server).
    static let key = "sb_publishable_kit_test"

    let url: URL
    /// Unique per server, so a health check can tell this server from another one on the same port.
    let publishableKey: String
    let outbox: MailOutbox
    let clock: SharedClock
    let config: AppConfig

    /// Starts a server, runs `body`, stops it.
    static func run(
        configure: @Sendable (inout AppConfig) -> Void = { _ in }, _ body: @Sendable (KitServer) async throws -> Void
    ) async throws {
        // A port found free can be taken by another test's server before ours binds it: then start again.
        for attempt in 1...3 {
            do {
                return try await runOnce(configure: configure, body)
            } catch KitTestError.portTaken where attempt < 3 {
                continue
            }
        }
    }

    private static func runOnce(
        configure: @Sendable (inout AppConfig) -> Void, _ body: @Sendable (KitServer) async throws -> Void
    ) async throws {
        let clock = SharedClock()
        let key = "sb_publishable_kit_\(UUID().uuidString.prefix(8).lowercased())"
        try await TestStores.with(.sqlite) { database in
            let port = try freePort()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scritorio-kit-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            var config = AppConfig()
            config.host = "127.0.0.1"
            config.port = port
            config.dataDirectory = directory
            config.publishableKey = key
            config.sandbox = true
            config.rateLimits.token = config.rateLimits.token.scaled(by: 100)
            config.rateLimits.verify = config.rateLimits.verify.scaled(by: 100)
            config.rateLimits.signup = config.rateLimits.signup.scaled(by: 100)
            config.rateLimits.emailsPerHour = config.rateLimits.emailsPerHour.scaled(by: 100)
            config.rateLimits.emailResendInterval = 0
            configure(&config)
            // As `serve --sandbox` runs: every provider played by its fake, over loopback at this server's port.
            config = config.applyingSandboxDefaults()
            let local = "http://127.0.0.1:\(port)"
            let now: @Sendable () -> Date = { clock.now }
            let runtime = try AppRuntime.build(config: config, database: database, now: now)
            let outbox = try requireSandbox(runtime).outbox
            var logger = Logger(label: "scritorio.kit-test")
            logger.logLevel = .warning
            let group: ServiceGroup
            do {
                let app = try await buildApplication(config: config, dependencies: runtime.dependencies, logger: logger)
                group = ServiceGroup(configuration: .init(services: [app], logger: logger))
            } catch {
                await runtime.shutdownClients()
                throw error
            }
            let running = Task { try await group.run() }
            let server = KitServer(url: URL(string: local)!, publishableKey: key, outbox: outbox, clock: clock, config: config)
            do {
                try await server.waitUntilHealthy()
                try await body(server)
            } catch {
                await group.triggerGracefulShutdown()
                _ = await running.result
                await runtime.shutdownClients()
                throw error
            }
            await group.triggerGracefulShutdown()
            _ = await running.result
            // The group shut the clients down with the application; this is for a group that ended early.
            await runtime.shutdownClients()
        }
    }

    /// A free loopback port (bound and released; the server binds it right after).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw KitTestError.unexpected("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waits until this server answers; a server that takes our key's calls is ours (another one refuses the key).
    func waitUntilHealthy() async throws {
        var request = URLRequest(url: url.appendingPathComponent("auth/v1/settings"))
        request.setValue(publishableKey, forHTTPHeaderField: "apikey")
        for _ in 0..<300 {
            if let (_, response) = try? await URLSession.shared.data(for: request), let status = (response as? HTTPURLResponse)?.statusCode {
                if status == 200 { return }
                if status == 401 { throw KitTestError.portTaken }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw KitTestError.unexpected("server did not become healthy")
    }

    /// An SDK client for this server, sharing its clock.
    func client(storage: any SessionStorage = InMemorySessionStorage(), profile: String = "default") -> ScritorioClient {
        ScritorioClient(url: url, publishableKey: publishableKey, storage: storage, profile: profile, now: { [clock] in clock.now })
    }

    /// The latest code mailed to `email`.
    func code(for email: String) throws -> String {
        guard let otp = outbox.list(to: email).first?.otp else { throw KitTestError.unexpected("no mail to \(email)") }
        return otp
    }

    /// A raw call (the test plays another party: the Paddle buyer, an attacker with an old token).
    @discardableResult
    func raw(_ method: String, _ path: String, json: [String: Any]? = nil, bearer: String? = nil) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: url.absoluteString + path)!)
        request.httpMethod = method
        request.setValue(publishableKey, forHTTPHeaderField: "apikey")
        request.setValue("2024-01-01", forHTTPHeaderField: "X-Supabase-Api-Version")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        if let json { request.httpBody = try JSONSerialization.data(withJSONObject: json) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, object)
    }

    static func email() -> String { "kit-\(UUID().uuidString.prefix(8).lowercased())@example.com" }
}

/// The runtime's fakes; a sandbox configuration always has them.
private func requireSandbox(_ runtime: AppRuntime) throws -> SandboxServices {
    guard let sandbox = runtime.sandbox else { throw KitTestError.unexpected("no sandbox") }
    return sandbox
}

enum KitTestError: Error {
    case unexpected(String)
    case portTaken
}
