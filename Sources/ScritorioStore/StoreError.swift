/// Failures of the storage layer that callers act on. Driver errors are wrapped so that nothing above the
/// store depends on PostgresNIO or SQLiteNIO.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    /// The connection URL could not be used. Carries no secret.
    case invalidConfiguration(String)
    /// A uniqueness rule was broken (e.g. an email already taken).
    case uniqueViolation
    /// A row lock could not be taken in time (PostgreSQL `lock_timeout`).
    case lockTimeout
    /// The database stayed locked by another writer past its busy timeout (SQLite written by two processes).
    case busy
    /// A stored value could not be read back.
    case corruptRow(String)
    /// The database reported a newer schema than this binary knows.
    case schemaTooNew(found: Int, known: Int)

    public var description: String {
        switch self {
        case .invalidConfiguration(let why): "invalid store configuration: \(why)"
        case .uniqueViolation: "unique constraint violated"
        case .lockTimeout: "lock timeout"
        case .busy: "database busy"
        case .corruptRow(let why): "unreadable row: \(why)"
        case .schemaTooNew(let found, let known):
            "database schema version \(found) is newer than this binary's \(known)"
        }
    }
}
