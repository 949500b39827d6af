import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ScritorioProviders
import ScritorioSandbox
import ScritorioServer
import ScritorioStore

/// A configuration with everything the server needs to run it: the store, the live services or the sandbox's
/// fakes, and the clients they hold. The one place that decides what is live and what is fake, used by every
/// command that opens the store and by every test harness (which then replace individual dependencies with
/// their own doubles).
public struct AppRuntime: Sendable {
    /// The configuration the dependencies were built for (with the sandbox's defaults when it is on).
    public let config: AppConfig
    public var dependencies: Dependencies
    /// The fakes, when the configuration runs the sandbox.
    public let sandbox: SandboxServices?
    /// Clients this runtime created and must shut down; also in `dependencies.services`, which does so when the
    /// application runs.
    let clients: [HTTPClient]

    /// Builds the dependencies for `config` on an open `database`. In the sandbox, the mail outbox and Google
    /// issuer replace mail and Google, and each provider in `fakes` with no account configured is played by its
    /// fake, reached over loopback at `config`'s address.
    public static func build(
        config: AppConfig, database: Database, now: @escaping @Sendable () -> Date = { Date() }, fakes: SandboxFakes = .all
    ) throws -> AppRuntime {
        var dependencies = Dependencies(database: database, now: now)
        var clients: [HTTPClient] = []
        let ai = config.ai
        // The AI gateway's upstream: OpenAI (or any compatible API) over one pooled client with the configured timeouts.
        func openAI(baseURL: String, apiKey: String) -> OpenAIUpstream {
            let client = OpenAIUpstream.makeHTTPClient(
                connectTimeout: .milliseconds(Int64(ai.connectTimeout * 1000)), readTimeout: .milliseconds(Int64(ai.readTimeout * 1000)))
            clients.append(client)
            return .live(baseURL: baseURL, apiKey: apiKey, client: client, timeout: .milliseconds(Int64(ai.timeout * 1000)), retries: ai.retries)
        }
        if let key = config.paddle.apiKey { dependencies.paddle = .live(baseURL: config.paddle.baseURL, apiKey: key) }
        if let key = config.ai.apiKey { dependencies.openAI = openAI(baseURL: config.ai.baseURL, apiKey: key) }
        if let key = config.lemonSqueezy.apiKey { dependencies.lemonSqueezy = .live(baseURL: config.lemonSqueezy.baseURL, apiKey: key) }
        if case .supabase(let url?, _, _) = config.authMode {
            dependencies.supabaseKeys = CachedJWKS(.live(url: url + "/auth/v1/.well-known/jwks.json"), maxAge: 600).fetcher
        }

        var sandbox: SandboxServices?
        if config.sandbox {
            let outbox = MailOutbox()
            let google = try FakeGoogleIssuer(clientID: config.effectiveGoogleClientIDs.first ?? AppConfig.sandboxGoogleClientID)
            var services = SandboxServices(outbox: outbox, google: google)
            let local = config.localURL
            let options = config.sandboxOptions
            if fakes.contains(.paddle), config.paddle.apiKey == nil {
                // No Paddle account configured: the fake plays Paddle, and its webhooks come back here (or where
                // SCRITORIO_SANDBOX_PADDLE_WEBHOOK_URL says: a request inspector, a test).
                let target = options.paddleWebhookURL ?? local + "/webhooks/paddle"
                services.paddle = PaddleSandbox(now: now, checkoutBaseURL: config.baseURL + "/pay") { body, signature in
                    try await WebhookDelivery.post(target, body: body, headers: [("Paddle-Signature", signature)])
                }
                dependencies.paddle = .live(baseURL: local + "/sandbox/paddle", apiKey: PaddleSandbox.apiKey)
            }
            if fakes.contains(.openAI), config.ai.apiKey == nil {
                // No OpenAI key: the fake answers at /sandbox/openai/v1 and the gateway calls it over loopback.
                services.openAI = OpenAISandbox()
                dependencies.openAI = openAI(baseURL: local + "/sandbox/openai/v1", apiKey: "sk-sandbox")
            }
            if fakes.contains(.lemonSqueezy), config.lemonSqueezy.apiKey == nil {
                let target = options.lemonSqueezyWebhookURL ?? local + "/webhooks/lemonsqueezy"
                services.lemonSqueezy = LemonSqueezySandbox(now: now) { body, signature, eventName in
                    try await WebhookDelivery.post(target, body: body, headers: [("X-Event-Name", eventName), ("X-Signature", signature)])
                }
                dependencies.lemonSqueezy = .live(baseURL: local + "/sandbox/lemonsqueezy", apiKey: LemonSqueezySandbox.apiKey)
            }
            dependencies.mailer = Mailer { message in outbox.deliver(message, now: now()) }
            dependencies.googleKeys = JWKSFetcher { try google.jwks() }
            dependencies.mounts = services.mounts(now: now)
            sandbox = services
        } else {
            dependencies.googleKeys = CachedJWKS(.live(url: JWKSFetcher.googleURL)).fetcher
            if let smtpURL = config.smtpURL {
                let smtp = try SMTPConfiguration(url: smtpURL)
                dependencies.mailer = .smtp(SMTPClient(configuration: smtp), from: smtp.defaultFrom ?? config.mailFrom)
            }
        }
        dependencies.services = clients.map { HTTPClientService(client: $0) }
        return AppRuntime(config: config, dependencies: dependencies, sandbox: sandbox, clients: clients)
    }

    /// Opens the store `config` names and builds the dependencies on it, closing the store again if they cannot be
    /// built.
    public static func open(
        config: AppConfig, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> AppRuntime {
        let database = try await openDatabase(config, logger: logger)
        do {
            return try build(config: config, database: database, now: now)
        } catch {
            await database.close()
            throw error
        }
    }

    /// Runs `body` with an open runtime and closes it on every path (SQLite insists on being closed, even when
    /// the command fails): for the commands that use the store without serving.
    public static func with<T: Sendable>(
        config: AppConfig, logger: Logger, _ body: @Sendable (AppRuntime) async throws -> T
    ) async throws -> T {
        let runtime = try await open(config: config, logger: logger)
        let database = runtime.dependencies.database
        let runner = Task { await database.run() }
        do {
            let result = try await body(runtime)
            runner.cancel()
            await runtime.close()
            return result
        } catch {
            runner.cancel()
            await runtime.close()
            throw error
        }
    }

    /// Shuts the clients down without touching the store: for callers that own the store themselves (test
    /// harnesses) or that never ran the application.
    public func shutdownClients() async {
        for client in clients { try? await client.shutdown() }
    }

    /// Shuts the clients down and closes the store.
    public func close() async {
        await shutdownClients()
        await dependencies.database.close()
    }

    /// SQLite in the data directory, or PostgreSQL when `DATABASE_URL` is set.
    public static func openDatabase(_ config: AppConfig, logger: Logger) async throws -> Database {
        if let url = config.databaseURL {
            return try Database.postgres(url: url, logger: logger)
        }
        try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
        return try await Database.sqlite(path: config.dataDirectory + "/scritorio.sqlite", logger: logger)
    }
}
