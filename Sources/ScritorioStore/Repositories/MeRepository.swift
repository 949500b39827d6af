import Foundation
import PostgresKit
import PostgresNIO
import SQLKit
import ScritorioCore
import Synchronization

/// Everything `GET /v1/me` shows (only the user fields it shows), read in one statement: the account (built-in
/// mode), the profile and the member. One round trip instead of three keeps the hottest authenticated read cheap.
/// (Whether the caller's session is alive was checked at the edge: `SessionRepository.liveness`.)
public struct MeSnapshot: Sendable {
    public var user: AuthUser?
    public var profile: Profile?
    public var member: Member?
}

public enum MeRepository {
    /// Built once: the statement text is the same for every request, only the binds change.
    static let columns: String = {
        let user = ["id", "email", "email_confirmed_at", "created_at", "raw_user_meta_data"].map { "u.\($0) AS u_\($0)" }
        let profile = ["id", "display_name", "created_at", "updated_at"].map { "p.\($0) AS p_\($0)" }
        let member = MemberRepository.memberColumns.map { "m.\($0) AS m_\($0)" }
        let anchor = "COALESCE(a.anchor_at, u.created_at, m.created_at) AS usage_anchor"
        return (user + profile + member + [anchor]).joined(separator: ", ")
    }()

    static let joins = """
        LEFT JOIN auth_users u ON u.id = k.uid
        LEFT JOIN profiles p ON p.id = k.uid
        LEFT JOIN members m ON m.id = k.uid
        LEFT JOIN ai_user_plans a ON a.user_id = k.uid
        """

    /// The statement PostgreSQL keeps prepared on each connection.
    struct Prepared: PostgresPreparedStatement {
        static let sql = "SELECT \(columns) FROM (SELECT $1::uuid AS uid) k \(joins)"
        typealias Row = PostgresRow
        let userID: UUID

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(userID)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
    }

    /// The snapshot as of `now`: a prepared statement on PostgreSQL; on SQLite the last snapshot read on the same
    /// reader when nothing was committed since (`cache`), else one statement.
    public static func load(userID: UserID, now: Date, from database: Database, cache: MeSnapshotCache? = nil) async throws -> MeSnapshot {
        if let rows = try await database.preparedRows(Prepared(userID: userID.rawValue)) {
            return try rows.first.map { try decodeRaw($0, userID: userID).current(now: now) } ?? MeSnapshot(user: nil, profile: nil, member: nil)
        }
        return try await database.readStamped { db, stamp in
            if let stamp, let cached = cache?.snapshot(userID, stamp: stamp) { return cached.current(now: now) }
            let raw = try await loadRaw(userID: userID, on: db)
            if let stamp { cache?.store(raw, for: userID, stamp: stamp) }
            return raw.current(now: now)
        }
    }

    /// The snapshot as of `now` (the member's counters of ended periods read as zero).
    public static func load(userID: UserID, now: Date, on db: SQLConnection) async throws -> MeSnapshot {
        try await loadRaw(userID: userID, on: db).current(now: now)
    }

    static func loadRaw(userID: UserID, on db: SQLConnection) async throws -> StoredMe {
        guard let row = try await db.sql.raw("""
            SELECT \(unsafeRaw: columns)
            FROM (SELECT \(bind: userID.rawValue) AS uid) k
            \(unsafeRaw: joins)
            """).first()
        else { return StoredMe(user: nil, profile: nil, member: nil, anchor: nil) }
        return try decodeRaw(row, userID: userID)
    }

    static func decodeRaw(_ row: any SQLRow, userID: UserID) throws -> StoredMe {

        let user = try row.decode(column: "u_id", as: UUID?.self) == nil ? nil : AuthUser(
            id: userID,
            email: try row.decode(column: "u_email", as: String?.self),
            encryptedPassword: nil,
            emailConfirmedAt: try row.decode(column: "u_email_confirmed_at", as: Date?.self),
            confirmationSentAt: nil, recoverySentAt: nil, lastSignInAt: nil,
            // Not shown by /v1/me; skipping it saves a JSON parse per request.
            appMetadata: [:],
            userMetadata: .fromJSONText(try row.decode(column: "u_raw_user_meta_data", as: String?.self)),
            createdAt: try row.decode(column: "u_created_at", as: Date.self),
            updatedAt: try row.decode(column: "u_created_at", as: Date.self))
        let profile = try row.decode(column: "p_id", as: UUID?.self) == nil ? nil : Profile(
            id: userID,
            displayName: try row.decode(column: "p_display_name", as: String?.self),
            createdAt: try row.decode(column: "p_created_at", as: Date.self),
            updatedAt: try row.decode(column: "p_updated_at", as: Date.self))
        let member = try row.decode(column: "m_id", as: UUID?.self) == nil ? nil : try MemberRepository.decodeMember(row, prefix: "m_")
        return StoredMe(user: user, profile: profile, member: member, anchor: try row.decode(column: "usage_anchor", as: Date?.self))
    }
}

/// The rows as stored, before the member's counters are read as of a moment.
struct StoredMe: Sendable {
    var user: AuthUser?
    var profile: Profile?
    var member: Member?
    var anchor: Date?

    func current(now: Date) -> MeSnapshot {
        MeSnapshot(user: user, profile: profile, member: member.map { $0.current(in: UsagePeriods(anchor: anchor ?? $0.createdAt, now: now)) })
    }
}

/// The last `/v1/me` rows read per user on SQLite, each with the reader and change counter it was read at
/// (`Database.readStamped`): served again only while that reader's counter has not moved, so any commit by
/// anyone (this server, another process on the file) makes every entry stale at once. Bounded: at `capacity`
/// entries it starts over empty.
public final class MeSnapshotCache: Sendable {
    /// Per user and reader: each reader has its own counter.
    private struct Key: Hashable {
        var user: UserID
        var reader: Int
    }

    private let entries = Mutex<[Key: (version: Int64, me: StoredMe)]>([:])
    private let served = Atomic<Int>(0)
    private let capacity: Int

    /// How many reads were served from the cache.
    public var hits: Int { served.load(ordering: .relaxed) }

    public init(capacity: Int = 10_000) { self.capacity = capacity }

    func snapshot(_ user: UserID, stamp: ReadStamp) -> StoredMe? {
        entries.withLock { entries in
            guard let entry = entries[Key(user: user, reader: stamp.reader)], entry.version == stamp.version else { return nil }
            served.add(1, ordering: .relaxed)
            return entry.me
        }
    }

    func store(_ me: StoredMe, for user: UserID, stamp: ReadStamp) {
        let key = Key(user: user, reader: stamp.reader)
        entries.withLock { entries in
            // Dropping everything at the bound is crude but cheap, and a full cache is mostly stale anyway.
            if entries.count >= capacity, entries[key] == nil { entries.removeAll(keepingCapacity: true) }
            entries[key] = (stamp.version, me)
        }
    }
}
