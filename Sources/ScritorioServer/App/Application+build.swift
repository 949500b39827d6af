import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ScritorioAPI
import ScritorioCore
import ScritorioProviders
import ScritorioStore
import ServiceLifecycle

/// Builds the application: router, services and start-up steps, all wired explicitly from `config`.
public func buildApplication(
    config: AppConfig, dependencies: Dependencies, logger: Logger
) async throws -> some ApplicationProtocol {
    // One catalog read and one applier for the router and the background services.
    let applier = try BillingApplier(config: config)
    let router = try buildRouter(config: config, dependencies: dependencies, logger: logger, applier: applier)
    // Connections are capped in total (past the cap they wait in the backlog) and per client address, and a
    // request's head and body must arrive in time (ConnectionGuard); idle kept-alive connections are closed.
    let limits = config.connections
    let counter = ConnectionCounter()
    var app = Application(
        router: router,
        server: .http1(configuration: .init(
            additionalChannelHandlers: [ConnectionGuard(limits: limits, counter: counter, logger: logger)],
            idleTimeout: .milliseconds(Int64(limits.keepAliveTimeout * 1000)))),
        configuration: .init(
            address: .hostname(config.host, port: config.port), serverName: "Scritorio",
            availableConnectionsDelegate: .maximum(limits.effectiveMaxConnections, logger: logger)),
        logger: logger)
    // Services stop in the reverse of this order, after the server has answered its last request: the
    // background workers first, then the dependencies' clients, then the store.
    app.addServices(DatabaseService(database: dependencies.database))
    app.addServices(dependencies.services)
    if config.runWebhookProcessor {
        app.addServices(WebhookProcessor(
            database: dependencies.database, applier: applier, now: dependencies.now, logger: logger,
            workers: config.webhookWorkers ?? (dependencies.database.kind == .postgres ? 8 : 1),
            lemonSqueezyMode: config.lemonSqueezy.mode))
        var passes: [@Sendable () async throws -> ReconcileReport] = []
        // With no account configured, a sandbox is played by its fake, which is reconciled like the real one.
        if config.paddle.apiKey != nil || config.sandbox {
            let reconciler = PaddleReconciler(
                database: dependencies.database, applier: applier, paddle: dependencies.paddle, mode: config.paddle.mode,
                now: dependencies.now, logger: logger)
            passes.append { try await reconciler.reconcileOnce() }
        }
        if config.lemonSqueezy.apiKey != nil || config.sandbox {
            let reconciler = LemonSqueezyReconciler(
                database: dependencies.database, applier: applier, client: dependencies.lemonSqueezy, config: config.lemonSqueezy,
                now: dependencies.now, logger: logger)
            passes.append { try await reconciler.reconcileOnce() }
        }
        if !passes.isEmpty {
            app.addServices(ReconcileService(passes: passes, interval: .seconds(Int64(config.reconcileInterval)), logger: logger))
        }
    }
    app.beforeServerStarts {
        let applied = try await Migrator(database: dependencies.database).migrate(now: dependencies.now())
        if !applied.isEmpty { logger.info("applied migrations", metadata: ["versions": "\(applied)"]) }
        // AI settlements the store refused before a restart are tried again.
        _ = AISettlementJournal.of(dataDirectory: config.dataDirectory).resume(database: dependencies.database, logger: logger)
    }
    return app
}

/// Keeps the database pool running for the application's lifetime.
struct DatabaseService: Service {
    let database: Database

    func run() async throws {
        switch database.kind {
        case .postgres:
            // The pool runs until cancelled; a graceful shutdown cancels it once the server has stopped.
            await cancelWhenGracefulShutdown { await database.run() }
        case .sqlite:
            try? await gracefulShutdown()
        }
        await database.close()
    }
}
