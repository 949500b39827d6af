import ArgumentParser
import Foundation
import ScritorioRuntime
import ScritorioStore

/// `scritorio migrate`: applies pending migrations and exits.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let config = try common.config()
        let logger = Bootstrap.logger("scritorio.migrate", config: config)
        try await AppRuntime.with(config: config, logger: logger) { runtime in
            let database = runtime.dependencies.database
            let migrator = Migrator(database: database)
            let applied = try await migrator.migrate(now: Date())
            let version = try await migrator.currentVersion()
            print("store: \(database.kind.rawValue) \(database.location)")
            print(applied.isEmpty ? "schema up to date at version \(version)" : "applied \(applied.map(String.init).joined(separator: ", ")); schema at version \(version)")
        }
    }
}
