import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import Hummingbird
import Logging
import ScritorioProviders
import ScritorioSandbox
import ScritorioServer
import ScritorioStore

/// `scritorio serve`: runs the server (migrating first).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Scritorio server.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Address to listen on (env SCRITORIO_HOST, default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (env SCRITORIO_PORT, default 8080).") var port: Int?
    @Flag(help: "Run the local fakes (mail outbox, Google issuer) in-process (env SCRITORIO_SANDBOX=1).") var sandbox = false

    func run() async throws {
        ServerRuntime.configure()
        var config = try common.config()
        if let host { config.host = host }
        if let port { config.port = port }
        if sandbox { config.sandbox = true }
        let logger = Bootstrap.logger("scritorio")
        // The sandbox shows every sign-in code and mints Google tokens for any address: it must never face a
        // network unless someone says so explicitly.
        if config.sandbox, !["127.0.0.1", "localhost", "::1"].contains(config.host),
            ProcessInfo.processInfo.environment["SCRITORIO_SANDBOX_ALLOW_REMOTE"] != "1"
        {
            throw ValidationError("--sandbox listens only on loopback; set SCRITORIO_SANDBOX_ALLOW_REMOTE=1 to override")
        }
        let database = try await Bootstrap.openDatabase(config, logger: logger)
        let now: @Sendable () -> Date = { Date() }

        var sandboxServices: SandboxServices?
        var mailer = Mailer.unconfigured
        var googleKeys = CachedJWKS(.live(url: JWKSFetcher.googleURL)).fetcher
        var paddle = config.paddle.apiKey.map { PaddleClient.live(baseURL: config.paddle.baseURL, apiKey: $0) } ?? .unimplemented
        // The AI gateway's upstream: OpenAI (or any compatible API) with the operator's key, over one pooled client.
        let aiClient = OpenAIUpstream.makeHTTPClient(
            connectTimeout: .milliseconds(Int64(config.ai.connectTimeout * 1000)), readTimeout: .milliseconds(Int64(config.ai.readTimeout * 1000)))
        var openAI = config.ai.apiKey.map {
            OpenAIUpstream.live(
                baseURL: config.ai.baseURL, apiKey: $0, client: aiClient, timeout: .milliseconds(Int64(config.ai.timeout * 1000)),
                retries: config.ai.retries)
        }
        var lemonSqueezy = config.lemonSqueezy.apiKey.map { LemonSqueezyClient.live(baseURL: config.lemonSqueezy.baseURL, apiKey: $0) }
            ?? .unimplemented
        if config.sandbox {
            let outbox = MailOutbox()
            let google = try FakeGoogleIssuer(clientID: config.effectiveGoogleClientIDs.first ?? AppConfig.sandboxGoogleClientID)
            var paddleSandbox: PaddleSandbox?
            if config.paddle.apiKey == nil {
                // No Paddle account configured: the in-process fake plays Paddle, and its webhooks come back here.
                let local = "http://\(config.host == "::1" ? "[::1]" : config.host):\(config.port)"
                let fake = PaddleSandbox(now: now, checkoutBaseURL: config.baseURL + "/pay") { body, signature in
                    // SCRITORIO_SANDBOX_PADDLE_WEBHOOK_URL sends the fake's webhooks elsewhere (a request inspector, a test).
                    let target = ProcessInfo.processInfo.environment["SCRITORIO_SANDBOX_PADDLE_WEBHOOK_URL"] ?? local + "/webhooks/paddle"
                    return try await WebhookDelivery.post(target, body: body, headers: [("Paddle-Signature", signature)])
                }
                paddleSandbox = fake
                paddle = .live(baseURL: local + "/sandbox/paddle", apiKey: PaddleSandbox.apiKey)
                if config.paddle.webhookSecrets.isEmpty { config.paddle.webhookSecrets = [PaddleSandbox.webhookSecret] }
            }
            sandboxServices = SandboxServices(outbox: outbox, google: google, paddle: paddleSandbox)
            if openAI == nil {
                // No OpenAI key: the fake answers at /sandbox/openai/v1 and the gateway calls it over loopback.
                let local = "http://\(config.host == "::1" ? "[::1]" : config.host):\(config.port)"
                sandboxServices?.openAI = OpenAISandbox()
                openAI = .live(
                    baseURL: local + "/sandbox/openai/v1", apiKey: "sk-sandbox", client: aiClient,
                    timeout: .milliseconds(Int64(config.ai.timeout * 1000)), retries: config.ai.retries)
            }
            if config.lemonSqueezy.apiKey == nil {
                // No Lemon Squeezy account configured: the fake plays it (test mode), and its webhooks come back here.
                let local = "http://\(config.host == "::1" ? "[::1]" : config.host):\(config.port)"
                let target = ProcessInfo.processInfo.environment["SCRITORIO_SANDBOX_LEMONSQUEEZY_WEBHOOK_URL"] ?? local + "/webhooks/lemonsqueezy"
                sandboxServices?.lemonSqueezy = LemonSqueezySandbox(now: now) { body, signature, eventName in
                    return try await WebhookDelivery.post(target, body: body, headers: [("X-Event-Name", eventName), ("X-Signature", signature)])
                }
                lemonSqueezy = .live(baseURL: local + "/sandbox/lemonsqueezy", apiKey: LemonSqueezySandbox.apiKey)
                config.lemonSqueezy.mode = .test
                config.lemonSqueezy.storeID = LemonSqueezySandbox.storeID
                if config.lemonSqueezy.webhookSecrets.isEmpty { config.lemonSqueezy.webhookSecrets = [LemonSqueezySandbox.webhookSecret] }
            }
            mailer = Mailer { message in outbox.deliver(message, now: now()) }
            googleKeys = JWKSFetcher { try google.jwks() }
        } else if let smtpURL = config.smtpURL {
            let smtp = try SMTPConfiguration(url: smtpURL)
            mailer = .smtp(SMTPClient(configuration: smtp), from: smtp.defaultFrom ?? config.mailFrom)
        }
        var supabaseKeys = JWKSFetcher.unimplemented
        if case .supabase(let url?, _, _) = config.authMode {
            supabaseKeys = CachedJWKS(.live(url: url + "/auth/v1/.well-known/jwks.json"), maxAge: 600).fetcher
        }

        var dependencies = Dependencies(
            database: database, mailer: mailer, googleKeys: googleKeys, supabaseKeys: supabaseKeys, now: now,
            sandbox: sandboxServices, paddle: paddle)
        dependencies.openAI = openAI
        dependencies.lemonSqueezy = lemonSqueezy
        let app: any ApplicationProtocol
        let key: String
        do {
            app = try await buildApplication(config: config, dependencies: dependencies, logger: logger)
            key = try PublishableKey.load(directory: config.dataDirectory, configured: config.publishableKey)
        } catch {
            // Close the store before reporting, so a configuration error exits cleanly.
            await database.close()
            throw error
        }
        // Written unbuffered so that a supervisor or test reading stdout sees it before the first request.
        let banner = """
            Scritorio listening on http://\(config.host):\(config.port)
            store: \(database.kind.rawValue) \(database.location)
            auth: \(config.authMode == .builtIn ? "built-in (/auth/v1)" : "supabase (external)")\(config.sandbox ? ", sandbox on (/sandbox)" : "")
            publishable key: \(key)

            """
        FileHandle.standardOutput.write(Data(banner.utf8))
        try await app.runService()
    }
}
