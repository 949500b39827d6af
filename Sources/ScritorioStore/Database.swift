import Foundation
import Logging
import PostgresKit
import PostgresNIO
import SQLKit
import SQLiteKit
import SQLiteNIO
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Where a SQLite read ran and the store's change counter it saw there (`Database.readStamped`).
public struct ReadStamp: Sendable, Hashable {
    public var reader: Int
    public var version: Int64
}

/// Which SQL engine backs a store.
public enum StoreKind: String, Sendable {
    case sqlite
    case postgres
}

/// A connection handed to repositories: the SQLKit database plus the dialect, for the few statements that
/// differ (row locks exist only in PostgreSQL; SQLite already serialises writers).
public struct SQLConnection: Sendable {
    public let sql: any SQLDatabase
    public let kind: StoreKind

    /// ` FOR UPDATE` on PostgreSQL, nothing on SQLite (where the transaction already holds the write lock).
    public var forUpdate: String { kind == .postgres ? " FOR UPDATE" : "" }
}

/// The store: SQLite (one file in the data directory, WAL) or PostgreSQL (a pool). Every query goes through
/// `read` or `transaction`, which also translate driver errors into `StoreError`.
public final class Database: Sendable {
    public let kind: StoreKind
    /// Where the data lives, with any password removed: safe to print.
    public let location: String
    private let backend: Backend
    /// SQLite's own threads (its statements block while they run): never shared with bcrypt or another store
    /// in the process, so a burst of sign-ins cannot stall queries, and a second handle on the same file (a
    /// replica, a CLI command in-process) waiting on the file lock cannot starve the writer that holds it.
    private let threadPool: NIOThreadPool?

    private enum Backend: Sendable {
        case sqlite(writer: SQLiteConnection, readers: [SQLiteConnection], mutex: AsyncMutex, counter: Counter)
        case postgres(PostgresClient, lockTimeout: String)
    }

    private init(kind: StoreKind, location: String, backend: Backend, threadPool: NIOThreadPool? = nil) {
        self.kind = kind
        self.location = location
        self.backend = backend
        self.threadPool = threadPool
    }

    /// The drivers' logger: never below `info`, whatever the server's level. At `debug` and `trace` the SQL drivers
    /// log statements with their bound values, and those carry refresh tokens, codes and password hashes; nothing a
    /// driver says below `info` is worth a secret in a log.
    static func driverLogger(_ logger: Logger) -> Logger {
        var quiet = logger
        if quiet.logLevel < .info { quiet.logLevel = .info }
        return quiet
    }

    static let transactionLogger = driverLogger(Logger(label: "scritorio.store"))

    /// Opens SQLite at `path` with one writer and `readers` reader connections.
    public static func sqlite(path: String, readers: Int = 2, logger: Logger) async throws -> Database {
        let logger = driverLogger(logger)
        // One thread per connection: the writer and each reader can be inside SQLite at once.
        let threadPool = NIOThreadPool(numberOfThreads: max(1, readers) + 1)
        threadPool.start()
        func open() async throws -> SQLiteConnection {
            let connection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: threadPool, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
            // WAL lets readers run beside the writer; busy_timeout covers a second process (`scritorio migrate`).
            for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA busy_timeout=5000", "PRAGMA foreign_keys=ON",
                           "PRAGMA synchronous=NORMAL", "PRAGMA temp_store=MEMORY"] {
                _ = try await connection.query(pragma)
            }
            return connection
        }
        var connections: [SQLiteConnection] = []
        do {
            for _ in 0...max(1, readers) { connections.append(try await open()) }
        } catch {
            for connection in connections { try? await connection.close() }
            try? await threadPool.shutdownGracefully()
            throw error
        }
        return Database(
            kind: .sqlite, location: path,
            backend: .sqlite(writer: connections[0], readers: Array(connections.dropFirst()), mutex: AsyncMutex(), counter: Counter()),
            threadPool: threadPool)
    }

    /// Creates a PostgreSQL pool from a `postgres://` URL. The pool only connects once `run()` is running.
    public static func postgres(url: String, logger: Logger) throws -> Database {
        let configuration = try PostgresURL.configuration(url)
        let lockTimeout = try PostgresURL.lockTimeout(url)
        let client = PostgresClient(configuration: configuration, backgroundLogger: driverLogger(logger))
        return Database(kind: .postgres, location: PostgresURL.redacted(url), backend: .postgres(client, lockTimeout: lockTimeout))
    }

    /// Runs statements outside an explicit transaction (each is atomic on its own).
    public func read<T: Sendable>(_ body: @Sendable (SQLConnection) async throws -> T) async throws -> T {
        do {
            switch backend {
            case .sqlite(_, let readers, _, let counter):
                let reader = readers[counter.next() % readers.count]
                return try await body(SQLConnection(sql: reader.sql(queryLogLevel: nil), kind: .sqlite))
            case .postgres(let client, _):
                return try await client.withConnection { connection in
                    try await body(SQLConnection(sql: connection.sql(queryLogLevel: nil), kind: .postgres))
                }
            }
        } catch {
            throw Self.translate(error)
        }
    }

    /// On PostgreSQL, runs `statement` as a statement each pooled connection keeps prepared: parsed and planned
    /// once per connection instead of on every call, for the hottest reads (`GET /v1/me`'s join costs PostgreSQL
    /// about a quarter of the CPU prepared that it does unprepared). `nil` on SQLite: the caller runs its statement.
    public func preparedRows<Statement: PostgresPreparedStatement>(
        _ statement: Statement
    ) async throws -> [any SQLRow]? where Statement.Row == PostgresRow {
        guard case .postgres(let client, _) = backend else { return nil }
        do {
            var rows: [any SQLRow] = []
            for try await row in try await client.execute(statement, logger: Self.transactionLogger) { rows.append(row.sql()) }
            return rows
        } catch {
            throw Self.translate(error)
        }
    }

    /// On SQLite, runs `body` on one reader with that reader's change counter (`PRAGMA data_version`) read first:
    /// the counter moves whenever any other connection, in this process or another, commits. A result cached
    /// with its stamp is current while a later read on the same reader sees the same stamp. `nil` stamp on
    /// PostgreSQL (no such counter: nothing is cached).
    public func readStamped<T: Sendable>(_ body: @Sendable (SQLConnection, ReadStamp?) async throws -> T) async throws -> T {
        guard case .sqlite(_, let readers, _, let counter) = backend else { return try await read { try await body($0, nil) } }
        do {
            let index = counter.next() % readers.count
            let connection = SQLConnection(sql: readers[index].sql(queryLogLevel: nil), kind: .sqlite)
            let version = try await connection.sql.raw("PRAGMA data_version").first()?.decode(column: "data_version", as: Int64.self)
            return try await body(connection, version.map { ReadStamp(reader: index, version: $0) })
        } catch {
            throw Self.translate(error)
        }
    }

    /// Runs one statement that writes, without a transaction around it (a single statement is atomic on its
    /// own): on SQLite's writer, one trip instead of BEGIN, statement, COMMIT; on PostgreSQL, in autocommit on a
    /// pooled connection. `body` must run exactly one statement that changes anything.
    public func writeOne<T: Sendable>(_ body: @Sendable (SQLConnection) async throws -> T) async throws -> T {
        guard case .sqlite(let writer, _, let mutex, _) = backend else { return try await read(body) }
        await mutex.lock()
        var attempt = 1
        while true {
            do {
                let result = try await body(SQLConnection(sql: writer.sql(queryLogLevel: nil), kind: .sqlite))
                await mutex.unlock()
                return result
            } catch where attempt < Self.sqliteBusyAttempts && Self.isBusy(error) {
                // A statement refused as busy changed nothing: wait for the other writer once more.
                attempt += 1
            } catch {
                await mutex.unlock()
                throw Self.translate(error)
            }
        }
    }

    /// How many times a SQLite write waits out `busy_timeout` (5 s) for another process's writer before it
    /// fails as `StoreError.busy`. SQLite's busy handler is not fair between processes: under load, one
    /// writer can lose the lock to the others past a single timeout.
    static let sqliteBusyAttempts = 3

    static func isBusy(_ error: any Error) -> Bool {
        guard let error = error as? SQLiteError else { return false }
        return [.busy, .locked, .busyTimeout, .busyInRecovery, .busyInSnapshot].contains(error.reason)
    }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    ///
    /// - Parameter redoable: the work is redone from durable state if a database crash loses it (applying a
    ///   stored webhook event: the event and its outcome commit together, so a lost commit leaves the event due
    ///   again). PostgreSQL then answers the commit before its WAL reaches the disk (`synchronous_commit = off`),
    ///   which saves a disk flush per transaction and never leaves half of one. SQLite ignores it.
    public func transaction<T: Sendable>(
        redoable: Bool = false, _ body: @Sendable (SQLConnection) async throws -> T
    ) async throws -> T {
        do {
            switch backend {
            case .sqlite(let writer, _, let mutex, _):
                await mutex.lock()
                do {
                    // BEGIN IMMEDIATE takes the write lock before anything runs, so a busy refusal here changed
                    // nothing and is simply waited out again.
                    var attempt = 1
                    while true {
                        do {
                            _ = try await writer.query("BEGIN IMMEDIATE")
                            break
                        } catch where attempt < Self.sqliteBusyAttempts && Self.isBusy(error) {
                            attempt += 1
                        }
                    }
                    do {
                        let result = try await body(SQLConnection(sql: writer.sql(queryLogLevel: nil), kind: .sqlite))
                        _ = try await writer.query("COMMIT")
                        await mutex.unlock()
                        return result
                    } catch {
                        _ = try? await writer.query("ROLLBACK")
                        throw error
                    }
                } catch {
                    await mutex.unlock()
                    throw error
                }
            case .postgres(let client, let lockTimeout):
                // Two transactions touching the same rows in different orders (a webhook being applied while the
                // app verifies the same purchase) can deadlock; PostgreSQL aborts one, which is simply run again.
                var attempt = 0
                while true {
                    do {
                        return try await client.withTransaction(logger: Self.transactionLogger) { connection in
                            // A refresh waits at most 5 s (by default) for a row lock, as GoTrue does, then fails with a
                            // conflict. The value was checked to be a number with a unit when the URL was read.
                            let relaxed = redoable ? ", set_config('synchronous_commit', 'off', true)" : ""
                            try await connection.query(
                                PostgresQuery(unsafeSQL: "SELECT set_config('lock_timeout', '\(lockTimeout)', true)\(relaxed)"),
                                logger: Self.transactionLogger)
                            return try await body(SQLConnection(sql: connection.sql(queryLogLevel: nil), kind: .postgres))
                        }
                    } catch where attempt < 3 && Self.isRetryable(error) {
                        attempt += 1
                        try await Task.sleep(for: .milliseconds(10 * attempt))
                    }
                }
            }
        } catch {
            throw Self.translate(error)
        }
    }

    /// Keeps the PostgreSQL pool alive; returns at once for SQLite. Run it as a service (or a task in tests).
    public func run() async {
        if case .postgres(let client, _) = backend { await client.run() }
    }

    /// Closes SQLite connections (PostgreSQL closes when `run()` is cancelled).
    public func close() async {
        if case .sqlite(let writer, let readers, _, _) = backend {
            for connection in [writer] + readers { try? await connection.close() }
        }
        try? await threadPool?.shutdownGracefully()
    }

    /// Deadlock and serialization failures: the transaction did nothing and may run again.
    static func isRetryable(_ error: any Error) -> Bool {
        var current: any Error = error
        if let wrapped = error as? PostgresTransactionError, let inner = wrapped.closureError ?? wrapped.commitError { current = inner }
        guard let error = current as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40P01" || state == "40001"
    }

    static func translate(_ error: any Error) -> any Error {
        if let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] {
            switch state {
            case "23505": return StoreError.uniqueViolation
            case "55P03": return StoreError.lockTimeout
            default: return error
            }
        }
        if let error = error as? SQLiteError,
            error.reason == .constraintUniqueFailed || error.reason == .constraintPrimaryKeyFailed
        {
            return StoreError.uniqueViolation
        }
        if isBusy(error) { return StoreError.busy }
        if let error = error as? PostgresTransactionError, let inner = error.closureError { return translate(inner) }
        return error
    }
}

/// A round-robin counter shared across tasks.
final class Counter: Sendable {
    private let value = Mutex<Int>(0)

    func next() -> Int {
        value.withLock { value in
            value &+= 1
            return value & Int.max
        }
    }
}
