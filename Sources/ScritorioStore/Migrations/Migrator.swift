import Foundation
import SQLKit

/// Applies pending migrations, each in its own transaction, recording them in `schema_migrations`.
/// On PostgreSQL an advisory lock makes concurrent starts of several replicas safe.
public struct Migrator: Sendable {
    public let database: Database
    public let migrations: [Migration]

    public init(database: Database, migrations: [Migration] = Migrations.all) {
        self.database = database
        self.migrations = migrations
    }

    /// Applies what is missing; returns the versions applied now.
    @discardableResult
    public func migrate(now: Date) async throws -> [Int] {
        try await database.transaction { connection in
            if connection.kind == .postgres {
                // Two replicas starting together would otherwise race to create the bookkeeping table. The lock is per
                // schema: stores in other schemas of the same database (tests run dozens at once) never wait on it.
                try await Self.waitForOtherMigrators(connection)
            }
            try await connection.sql.raw(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at \(unsafeRaw: connection.kind == .postgres ? "TIMESTAMPTZ" : "REAL") NOT NULL)
                """
            ).run()
        }
        var applied: [Int] = []
        for migration in migrations {
            let ran = try await database.transaction { connection in
                if connection.kind == .postgres {
                    // Serialises migrators across replicas; released at commit.
                    try await Self.waitForOtherMigrators(connection)
                }
                let existing = try await connection.sql.raw(
                    "SELECT version FROM schema_migrations WHERE version = \(bind: migration.version)"
                ).first()
                guard existing == nil else { return false }
                for statement in migration.sql(for: connection.kind) {
                    try await connection.sql.raw("\(unsafeRaw: statement)").run()
                }
                try await migration.rewrite?(connection)
                try await connection.sql.raw(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: now))"
                ).run()
                return true
            }
            if ran { applied.append(migration.version) }
        }
        let current = try await currentVersion()
        if current > Migrations.latestVersion {
            throw StoreError.schemaTooNew(found: current, known: Migrations.latestVersion)
        }
        return applied
    }

    /// Takes the schema's migration lock. A replica starting while another migrates waits as long as that takes
    /// (the transaction's short row-lock timeout would fail it after seconds); the DDL that follows runs under a
    /// bounded timeout again, so a migration never queues behind live traffic for long.
    private static func waitForOtherMigrators(_ connection: SQLConnection) async throws {
        try await connection.sql.raw("SELECT set_config('lock_timeout', '10min', true)").run()
        try await connection.sql.raw("SELECT pg_advisory_xact_lock(7242001, hashtext(current_schema()))").run()
        try await connection.sql.raw("SELECT set_config('lock_timeout', '30s', true)").run()
    }

    /// The highest applied version, 0 for an empty database.
    public func currentVersion() async throws -> Int {
        try await database.read { connection in
            let row = try await connection.sql.raw("SELECT MAX(version) AS version FROM schema_migrations").first()
            return try row?.decode(column: "version", as: Int?.self) ?? 0
        }
    }
}
