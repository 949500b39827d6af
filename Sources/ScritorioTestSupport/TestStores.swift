import Foundation
import Logging
import SQLKit
import ScritorioStore

/// Fresh, migrated stores for tests: a SQLite file in a temporary directory, and a PostgreSQL schema of its own
/// in the database named by `SCRITORIO_TEST_POSTGRES_URL` (so parallel tests never see each other's rows).
/// Every storage test runs against both; PostgreSQL is required unless `SCRITORIO_TEST_SKIP_POSTGRES=1`.
public enum TestStores {
    /// The kinds to run storage tests against.
    public static var kinds: [StoreKind] {
        ProcessInfo.processInfo.environment["SCRITORIO_TEST_SKIP_POSTGRES"] == "1" ? [.sqlite] : [.sqlite, .postgres]
    }

    public enum SetupError: Error, CustomStringConvertible {
        case noPostgres
        public var description: String {
            "SCRITORIO_TEST_POSTGRES_URL is not set: run the tests with `bash scripts/test.sh`, which starts PostgreSQL (or set SCRITORIO_TEST_SKIP_POSTGRES=1)"
        }
    }

    static let logger = Logger(label: "scritorio.test.store")

    /// Runs `body` with a fresh migrated store of `kind`, then tears it down.
    public static func with<T: Sendable>(
        _ kind: StoreKind, migrate: Bool = true, _ body: @Sendable (Database) async throws -> T
    ) async throws -> T {
        try await withReplicas(kind, count: 1, migrate: migrate) { try await body($0[0]) }
    }

    /// Runs `body` with `count` handles on one fresh store, as that many server replicas would hold: separate
    /// SQLite connections (each with its own writer) on one file, or separate PostgreSQL pools on one schema.
    public static func withReplicas<T: Sendable>(
        _ kind: StoreKind, count: Int, migrate: Bool = true, _ body: @Sendable ([Database]) async throws -> T
    ) async throws -> T {
        let open: @Sendable () async throws -> Database
        var cleanup: @Sendable () async -> Void = {}
        switch kind {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scritorio-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = directory.appendingPathComponent("test.sqlite").path
            open = { try await Database.sqlite(path: path, logger: logger) }
            cleanup = { try? FileManager.default.removeItem(at: directory) }
        case .postgres:
            guard let base = ProcessInfo.processInfo.environment["SCRITORIO_TEST_POSTGRES_URL"] else { throw SetupError.noPostgres }
            let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            try await withAdmin(base) { admin in
                try await admin.read { try await $0.sql.raw("CREATE SCHEMA \(unsafeRaw: String(schema))").run() }
            }
            let separator = base.contains("?") ? "&" : "?"
            // A generous row-lock timeout: racing tests on a loaded machine wait longer than production's 5 s.
            let url = base + separator + "search_path=\(schema)&pool_max=8&lock_timeout=60s"
            open = { try Database.postgres(url: url, logger: logger) }
            cleanup = {
                try? await withAdmin(base) { admin in
                    try await admin.read { try await $0.sql.raw("DROP SCHEMA \(unsafeRaw: String(schema)) CASCADE").run() }
                }
            }
        }
        var databases: [Database] = []
        var runners: [Task<Void, Never>] = []
        func tearDown() async {
            for runner in runners { runner.cancel() }
            for database in databases { await database.close() }
            await cleanup()
        }
        do {
            for index in 0..<max(1, count) {
                let database = try await open()
                databases.append(database)
                runners.append(Task { await database.run() })
                if index == 0, migrate { try await Migrator(database: database).migrate(now: Date()) }
            }
            let result = try await body(databases)
            await tearDown()
            return result
        } catch {
            await tearDown()
            throw error
        }
    }

    private static func withAdmin(_ url: String, _ body: @Sendable (Database) async throws -> Void) async throws {
        let admin = try Database.postgres(url: url, logger: logger)
        let runner = Task { await admin.run() }
        defer { runner.cancel() }
        try await body(admin)
    }
}
