import Foundation

/// One versioned schema change. Migrations are append-only: a released migration's statements never change;
/// a later version alters what an earlier one made.
///
/// Statements are written once with type placeholders that each dialect fills in:
/// `{uuid}`, `{ts}`, `{bool}`, `{false}`, `{true}`, `{bigint}`, `{pk}` (an auto-increment primary key).
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let statements: [String]
    /// A change to stored rows that SQL alone cannot make, run after the statements in the same transaction.
    public let rewrite: (@Sendable (SQLConnection) async throws -> Void)?

    public init(version: Int, name: String, statements: [String], rewrite: (@Sendable (SQLConnection) async throws -> Void)? = nil) {
        self.version = version
        self.name = name
        self.statements = statements
        self.rewrite = rewrite
    }

    /// The statements in `kind`'s dialect.
    public func sql(for kind: StoreKind) -> [String] {
        let types: [(String, String)] = switch kind {
        case .postgres: [
            ("{uuid}", "UUID"), ("{ts}", "TIMESTAMPTZ"), ("{bool}", "BOOLEAN"), ("{false}", "FALSE"),
            ("{true}", "TRUE"), ("{bigint}", "BIGINT"), ("{pk}", "BIGSERIAL PRIMARY KEY"),
        ]
        case .sqlite: [
            ("{uuid}", "TEXT"), ("{ts}", "REAL"), ("{bool}", "INTEGER"), ("{false}", "0"), ("{true}", "1"),
            ("{bigint}", "INTEGER"), ("{pk}", "INTEGER PRIMARY KEY AUTOINCREMENT"),
        ]
        }
        return statements.map { statement in
            types.reduce(statement) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
        }
    }
}

/// Every migration this binary knows, in order.
public enum Migrations {
    public static let all: [Migration] = [
        Migration001Accounts.migration,
        Migration002Billing.migration,
        Migration003WebhookPipeline.migration,
        Migration004LemonSqueezy.migration,
        Migration005Licensing.migration,
        Migration006AIGateway.migration,
        Migration007SealLicenseKeys.migration,
        Migration008OrderPrice.migration,
        Migration009RateLimits.migration,
        Migration010WebhookQueueIndex.migration,
        Migration011AuthParity.migration,
        Migration012WordsTrials.migration,
    ]

    /// The newest schema version this binary knows.
    public static var latestVersion: Int { all.last?.version ?? 0 }
}
