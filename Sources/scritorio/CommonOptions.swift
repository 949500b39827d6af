import ArgumentParser
import Foundation
import Logging
import ScritorioServer
import ScritorioStore

/// Options every command shares; flags win over the environment.
struct CommonOptions: ParsableArguments {
    @Option(help: "Directory for the SQLite store, signing keys and publishable key (env SCRITORIO_DATA_DIR).")
    var dataDir: String?

    func config() throws -> AppConfig {
        var config = try AppConfig.fromEnvironment(ProcessInfo.processInfo.environment)
        if let dataDir { config.dataDirectory = dataDir }
        return config
    }
}

enum Bootstrap {
    static func logger(_ label: String) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            let level = ProcessInfo.processInfo.environment["SCRITORIO_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
            handler.logLevel = level ?? .info
            return handler
        }
        return Logger(label: label)
    }

    /// Runs `body` with an open store and closes it on every path (SQLite insists on being closed, even when
    /// the command fails).
    static func withDatabase<T: Sendable>(
        _ config: AppConfig, logger: Logger, _ body: @Sendable (Database) async throws -> T
    ) async throws -> T {
        let database = try await openDatabase(config, logger: logger)
        let runner = Task { await database.run() }
        do {
            let result = try await body(database)
            runner.cancel()
            await database.close()
            return result
        } catch {
            runner.cancel()
            await database.close()
            throw error
        }
    }

    /// SQLite in the data directory, or PostgreSQL when `DATABASE_URL` is set.
    static func openDatabase(_ config: AppConfig, logger: Logger) async throws -> Database {
        if let url = config.databaseURL {
            return try Database.postgres(url: url, logger: logger)
        }
        try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
        return try await Database.sqlite(path: config.dataDirectory + "/scritorio.sqlite", logger: logger)
    }
}
