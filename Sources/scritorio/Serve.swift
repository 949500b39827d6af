import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ScritorioRuntime
import ScritorioServer
import ScritorioStore

/// `scritorio serve`: runs the server (migrating first) until SIGTERM or SIGINT, then stops gracefully: no new
/// connections, requests in flight answered, the webhook event being applied finished, clients and the store
/// closed, exit status 0.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Scritorio server.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Address to listen on (env SCRITORIO_HOST, default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (env SCRITORIO_PORT, default 8080).") var port: Int?
    @Flag(help: "Run the local fakes (mail outbox, Google issuer) in-process (env SCRITORIO_SANDBOX=1).") var sandbox = false

    func run() async throws {
        ServerRuntime.configure()
        let config = try common.config { config in
            if let host { config.host = host }
            if let port { config.port = port }
            if sandbox { config.sandbox = true }
        }.applyingSandboxDefaults()
        let logger = Bootstrap.logger("scritorio", config: config)
        // The sandbox shows every sign-in code and mints Google tokens for any address: it must never face a
        // network unless someone says so explicitly.
        if config.sandbox, !config.listensOnLoopback, !config.sandboxOptions.allowRemote {
            throw ValidationError("--sandbox listens only on loopback; set SCRITORIO_SANDBOX_ALLOW_REMOTE=1 to override")
        }
        let runtime = try await AppRuntime.open(config: config, logger: logger)
        let app: any ApplicationProtocol
        let key: String
        do {
            app = try await buildApplication(config: config, dependencies: runtime.dependencies, logger: logger)
            key = try PublishableKey.load(directory: config.dataDirectory, configured: config.publishableKey)
        } catch {
            // Close the store and clients before reporting, so a configuration error exits cleanly.
            await runtime.close()
            throw error
        }
        let database = runtime.dependencies.database
        // Written unbuffered so that a supervisor or test reading stdout sees it before the first request.
        let banner = """
            Scritorio listening on http://\(config.host):\(config.port)
            store: \(database.kind.rawValue) \(database.location)
            auth: \(config.authMode == .builtIn ? "built-in (/auth/v1)" : "supabase (external)")\(config.sandbox ? ", sandbox on (/sandbox)" : "")
            publishable key: \(key)
            secret key: \(config.secretKey == nil ? "in \(config.dataDirectory)/secret-key (scritorio keys secret)" : "SCRITORIO_SECRET_KEY")

            """
        FileHandle.standardOutput.write(Data(banner.utf8))
        // SIGTERM and SIGINT shut the application's services down in turn (the server first, the store last);
        // the runtime's clients are among them, and are shut down here too in case the group ended on an error.
        do {
            try await app.runService()
        } catch {
            await runtime.shutdownClients()
            throw error
        }
        await runtime.shutdownClients()
        logger.info("stopped")
    }
}
