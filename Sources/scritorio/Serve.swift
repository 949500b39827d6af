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
                    var request = HTTPClientRequest(url: target)
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.headers.add(name: "Paddle-Signature", value: signature)
                    request.body = .bytes(ByteBuffer(string: body))
                    return Int(try await HTTPClient.shared.execute(request, timeout: .seconds(10)).status.code)
                }
                paddleSandbox = fake
                paddle = .live(baseURL: local + "/sandbox/paddle", apiKey: PaddleSandbox.apiKey)
                if config.paddle.webhookSecrets.isEmpty { config.paddle.webhookSecrets = [PaddleSandbox.webhookSecret] }
            }
            sandboxServices = SandboxServices(outbox: outbox, google: google, paddle: paddleSandbox)
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

        let dependencies = Dependencies(
            database: database, mailer: mailer, googleKeys: googleKeys, supabaseKeys: supabaseKeys, now: now,
            sandbox: sandboxServices, paddle: paddle)
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
