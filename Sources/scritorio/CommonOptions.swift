import ArgumentParser
import Foundation
import Logging
import ScritorioServer

/// Options every command shares; flags win over the environment.
struct CommonOptions: ParsableArguments {
    @Option(help: "Directory for the SQLite store, signing keys and publishable key (env SCRITORIO_DATA_DIR).")
    var dataDir: String?

    /// The environment's configuration with this command's flags applied on top (`flags`, for a command's own).
    func config(flags: (inout AppConfig) -> Void = { _ in }) throws -> AppConfig {
        var config = try AppConfig.fromEnvironment(ProcessInfo.processInfo.environment)
        if let dataDir { config.dataDirectory = dataDir }
        flags(&config)
        return config
    }
}

enum Bootstrap {
    /// Sends every log line to stderr at the configured level.
    static func logger(_ label: String, config: AppConfig) -> Logger {
        let level = config.logLevel.flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}
