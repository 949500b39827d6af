import Foundation
import SQLKit
import ScritorioCore

/// Words the app reports from the device: one ledger row per report, keyed so a retried report counts once.
public enum WordsRepository {
    /// The ledger key of a report: the user's own idempotency key, scoped to the user.
    public static func requestID(userID: UserID, key: String) -> String { "words:\(userID):\(key)" }

    /// Records `count` words under `key` and adds them to the member's counters, in the caller's transaction.
    /// Returns false (and changes nothing) when the key was recorded before.
    public static func report(userID: UserID, count: Int64, key: String, now: Date, on db: SQLConnection) async throws -> Bool {
        let requestID = requestID(userID: userID, key: key)
        if try await AIRepository.settled(requestID: requestID, on: db) { return false }
        try await db.sql.raw("""
            INSERT INTO ai_usage_events (user_id, model, endpoint, request_id, outcome, status, words, created_at)
            VALUES (\(bind: userID.rawValue), NULL, 'client.words', \(bind: requestID), \(bind: AIOutcome.reported.rawValue), 200,
              \(bind: count), \(bind: now))
            """).run()
        let anchor = try await MemberRepository.anchor(userID: userID, on: db) ?? now
        try await MemberRepository.addUsage(
            userID: userID, tokens: 0, words: count, periods: UsagePeriods(anchor: anchor, now: now), now: now, on: db)
        return true
    }
}
