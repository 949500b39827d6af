import Foundation
import SQLKit
import ScritorioCore
import ScritorioStore

/// Reads tests make of stored state that the server itself never needs.
extension MemberRepository {
    public static func findProfile(userID: UserID, on db: SQLConnection) async throws -> Profile? {
        try await db.sql.raw(
            "SELECT id, display_name, created_at, updated_at FROM profiles WHERE id = \(bind: userID.rawValue)"
        ).first().map { row in
            Profile(
                id: UserID(try row.decode(column: "id", as: UUID.self)),
                displayName: try row.decode(column: "display_name", as: String?.self),
                createdAt: try row.decode(column: "created_at", as: Date.self),
                updatedAt: try row.decode(column: "updated_at", as: Date.self))
        }
    }
}

extension WebhookQueue {
    /// Counts per status.
    public static func statusCounts(on db: SQLConnection) async throws -> [String: Int] {
        let rows = try await db.sql.raw("SELECT status, COUNT(*) AS n FROM billing_webhook_events GROUP BY status").all()
        var counts: [String: Int] = [:]
        for row in rows { counts[try row.decode(column: "status", as: String.self)] = try row.decode(column: "n", as: Int.self) }
        return counts
    }
}
